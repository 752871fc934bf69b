from portal import access

from .models import InterventionPlan


def plans_for(user):
    """Plans of the students this user may see."""
    return access.scoped(
        InterventionPlan.objects.select_related("student", "goal_subject", "responsible"),
        user, school_field="student__school",
    )


def editable_plans_for(user):
    """Plans a user may change: a leader's school, a mentor's own mentees."""
    return access.editable(InterventionPlan.objects.all(), user, school_field="student__school",
                           mentor_field="student__mentor")


# --- Menukaart --------------------------------------------------------------------------------
# Its imports stay with it, so that the plan selectors above keep their own small header.

from django.db.models import F, Q  # noqa: E402

from portal.models import Role  # noqa: E402

from .models import Intervention  # noqa: E402

COMPARE_MAX = 4
MENUKAART_SORTS = {
    "categorie": ("category", "name_nl"),
    "effect": (F("effect_months").desc(nulls_last=True), "category", "name_nl"),
    "kosten": (F("cost_level").asc(nulls_last=True), "category", "name_nl"),
    "bewijs": (F("evidence_level").desc(nulls_last=True), "category", "name_nl"),
}


def interventions_for(user):
    """Menukaart entries this user may see: the national ones for every role, a school's own
    interventions only for the staff of that school (not for inspectors: a school programme is
    the school's own business)."""
    if not access.has_role(user):
        return Intervention.objects.none()
    return Intervention.objects.filter(
        Q(school__isnull=True) | Q(school__in=access.school_ids(user, access.STUDENT_ROLES)))


def editable_interventions_for(user):
    """The local interventions a user may change: those of the schools they lead."""
    return Intervention.objects.filter(school__in=access.school_ids(user, (Role.LEADER,)))


def menukaart(user, *, need="", sector="", category="", max_cost=None, min_evidence=None,
              min_effect=None, sort="categorie"):
    """The menukaart page: visible entries, filtered; an unknown figure never passes a filter on it."""
    entries = interventions_for(user)
    if need:
        entries = entries.addressing(need)
    if sector:
        entries = entries.for_sector(sector)
    if category:
        entries = entries.filter(category=category)
    if max_cost is not None:
        entries = entries.filter(cost_level__lte=max_cost)
    if min_evidence is not None:
        entries = entries.filter(evidence_level__gte=min_evidence)
    if min_effect is not None:
        entries = entries.filter(effect_months__gte=min_effect)
    return entries.order_by(*MENUKAART_SORTS.get(sort, MENUKAART_SORTS["categorie"]))


def compared(user, ids):
    """The visible entries among `ids` (at most COMPARE_MAX, in the order asked), and whether
    more were asked for."""
    wanted = list(dict.fromkeys(ids))
    shown = wanted[:COMPARE_MAX]
    found = interventions_for(user).select_related("based_on").in_bulk(shown)
    return [found[pk] for pk in shown if pk in found], len(wanted) > COMPARE_MAX


def variants_of(user, intervention):
    """The visible practices and local interventions that are a form of this menukaart type."""
    return interventions_for(user).filter(based_on=intervention).order_by("school", "name_nl")


def menukaart_choices_for_school(school):
    """What a plan of this school can be based on: the national menukaart and the school's own."""
    return Intervention.objects.for_school(school).order_by("category", "name_nl")


def menukaart_types():
    """National menukaart types a local intervention or practice can be a form of."""
    return (Intervention.objects.national().exclude(category=Intervention.Category.NONE)
            .filter(based_on__isnull=True).order_by("category", "name_nl"))
