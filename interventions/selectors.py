import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from portal import access
from portal.models import Role
from portal.schoolyear import SchoolYear
from students.wording import CATEGORY_WORDS
from students.models import Category, Score, Student, Subject

from .models import (
    IMPROVEMENT_DECISIONS, IMPROVEMENT_RESULTS, GroupIntervention, Intervention, InterventionPlan,
    PlanEvaluation, PlanSettings,
)


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


def can_edit_plan(user, plan):
    return editable_plans_for(user).filter(pk=plan.pk).exists()


def plan_page(plan):
    """What the plan's own page shows beside the form: the flag it answers, its group and its
    evaluations, oldest first (two queries)."""
    plan = (InterventionPlan.objects.select_related("flag", "group__coordinator", "intervention")
            .get(pk=plan.pk))
    return {"flag": plan.flag, "group": plan.group,
            "evaluations": list(plan.evaluations.select_related("evaluated_by").order_by("cycle"))}


# --- Cycles and evaluations -------------------------------------------------------------------

def plan_settings_for(school):
    """The school's PlanSettings, or the defaults (6 weeks, 2 improvement cycles) unsaved."""
    return PlanSettings.objects.filter(school=school).first() or PlanSettings(school=school)


def due_on(plan, settings):
    """The due date of the plan's current cycle; a plan without one is due a cycle after its start."""
    return plan.next_evaluation_on or plan.started_on + settings.cycle


def improvement_cycles_used(student, year):
    """How many improvement cycles the student has had in school year `year`: evaluations of
    any of their plans, recorded (evaluated_on) in that year, that found the goal partly met or
    not met and continued or adjusted the plan (see models.is_improvement_cycle)."""
    return PlanEvaluation.objects.filter(
        plan__student=student, evaluated_on__range=(year.start, year.end),
        goal_result__in=IMPROVEMENT_RESULTS, decision__in=IMPROVEMENT_DECISIONS).count()


TENTH = Decimal("0.1")


def _weighted(scores):
    weight = sum(w for _d, _g, w in scores)
    if not weight:
        return None
    return (sum(g * w for _d, g, w in scores) / weight).quantize(TENTH, rounding=ROUND_HALF_UP)


def goal_averages(plan, on):
    """(before, after) for the plan's goal subject: the weighted average of the school year up
    to the day before the plan started, and of the school year of `on` up to and including
    `on`. None where there is no subject or no grade; one query. Report grades only (marks
    are never averaged; school-exam grades count in a year without any report grade)."""
    if plan.goal_subject_id is None:
        return None, None
    start_year, on_year = SchoolYear.of(plan.started_on), SchoolYear.of(on)
    rows = list(Score.objects.grades().filter(student_id=plan.student_id,
                                              date__gte=min(start_year.start, on_year.start), date__lte=on)
                .order_by().values_list("date", "grade", "weight", "is_school_exam", "subject_id"))
    with_report = {SchoolYear.of(day).start_year for day, _g, _w, exam, _s in rows if not exam}
    scores = [(day, grade, weight) for day, grade, weight, exam, subject in rows
              if subject == plan.goal_subject_id
              and (not exam or SchoolYear.of(day).start_year not in with_report)]
    before = [s for s in scores if s[0] in start_year and s[0] < plan.started_on]
    after = [s for s in scores if s[0] in on_year]
    return _weighted(before), _weighted(after)


def evaluation_context(plan, *, today, evaluated_on=None):
    """Everything the evaluation page shows: goal, due date, averages before and now, the
    improvement cycles used against the school's limit in the school year of the evaluation
    (`evaluated_on`, default today: the year the limit is checked in), and the history."""
    settings = plan_settings_for(plan.student.school)
    year = SchoolYear.of(evaluated_on or today)
    before, now = goal_averages(plan, today)
    used = improvement_cycles_used(plan.student, year)
    due = due_on(plan, settings)
    return {
        "settings": settings, "due_on": due, "overdue": plan.is_active and due < today,
        "average_before": before, "average_now": now, "school_year": year,
        "cycles_used": used, "cycles_max": settings.max_cycles_per_year,
        "limit_reached": used >= settings.max_cycles_per_year,
        "evaluations": list(plan.evaluations.select_related("evaluated_by").order_by("cycle")),
    }


# --- Suggestions from the menukaart -----------------------------------------------------------
# A flag's reasons name a rule ("insufficient", "signals", …) and a Dutch text. The needs they
# point at, in the vocabulary of Intervention.Need (which shares its values with
# students.models.Category):
#   insufficient, norm, trend → cognitive        (grades: the subject itself)
#   cito                      → cognitive        (a drop in a standardised test)
#   absence                   → attendance
#   signals                   → the categories the text names (CATEGORY_WORDS, the team's Dutch
#                               words: "motivatie" → motivation, …); thuissituatie (home), which
#                               the menukaart has no need for, counts as wellbeing
#   pre_exam                  → nothing (it only weighs the others)
# Within grades, a subject or domain name narrows the need: wiskunde/rekenen → numeracy;
# Nederlands, lezen, taal, spelling → language (both stay cognitive too). Foreign languages stay
# cognitive only: the menukaart's "taal en lezen" is literacy in Dutch.

RULE_NEEDS = {
    "insufficient": ("cognitive",), "norm": ("cognitive",), "trend": ("cognitive",),
    "cito": ("cognitive",), "absence": ("attendance",), "signals": (), "pre_exam": (),
}
SUBJECT_RULES = ("insufficient", "trend", "cito")
CATEGORY_NEEDS = {Category.HOME: "wellbeing"}
NUMERACY_WORDS = re.compile(r"\b(wiskunde|rekenen|rekenvaardigheid)\b", re.IGNORECASE)
LANGUAGE_WORDS = re.compile(r"\b(nederlands|lezen|leesvaardigheid|taal|taalverzorging|spelling)\b",
                            re.IGNORECASE)


def needs_from_reasons(reasons):
    """The menukaart needs a flag's reasons point at, most important first (see above)."""
    needs = []

    def add(need):
        if need not in needs:
            needs.append(need)

    for reason in reasons:
        rule, text = reason.get("rule", ""), reason.get("text", "")
        for need in RULE_NEEDS.get(rule, ()):
            add(need)
        if rule in SUBJECT_RULES:
            if NUMERACY_WORDS.search(text):
                add("numeracy")
            if LANGUAGE_WORDS.search(text):
                add("language")
        if rule == "signals":
            for category, word in CATEGORY_WORDS.items():
                if re.search(rf"\b{word}\b", text, re.IGNORECASE):
                    add(CATEGORY_NEEDS.get(category, category.value))
    return needs


def goal_subject_from_reasons(school, reasons):
    """The subject of the lowest grade an "insufficient" reason names ("wiskunde 4,2 en Engels
    5,1 onder 5,5": wiskunde, as the reason lists the lowest first), or None."""
    texts = [r.get("text", "") for r in reasons if r.get("rule") == "insufficient"]
    if not texts:
        return None
    best = None
    for subject in Subject.objects.filter(school=school):
        match = re.search(rf"(?<!\w){re.escape(subject.name)}(?!\w)", texts[0], re.IGNORECASE)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), subject)
    return best[1] if best else None


@dataclass
class Suggestion:
    intervention: object
    matched: list  # the needs of the request this entry addresses, in Need order

    @property
    def why(self):
        parts = []
        if self.matched:
            parts.append(_("fits: %(needs)s") % {
                "needs": ", ".join(str(Intervention.Need(n).label) for n in self.matched)})
        evidence, cost, effect = figures(self.intervention)
        if evidence is not None:
            parts.append(_("evidence %(level)s/5") % {"level": evidence})
        if cost is not None:
            parts.append(_("cost %(level)s/5") % {"level": cost})
        if effect is not None:
            parts.append(_("effect %(months)s months") % {
                "months": f"+{effect}" if effect > 0 else f"\u2212{-effect}" if effect < 0 else "0"})
        if self.intervention.payable_from_npo:
            parts.append(_("payable from NPO funds"))
        if self.intervention.based_on_id and self.intervention.evidence_level is None:
            parts.append(_("figures of %(type)s") % {"type": self.intervention.based_on.name_nl})
        return "; ".join(parts)


def figures(entry):
    """(evidence, cost, effect) of an entry; a practice without figures of its own (a concrete
    form of a menukaart type, such as a zomerschool) takes those of its type."""
    if entry.evidence_level is None and entry.cost_level is None and entry.effect_months is None \
            and entry.based_on_id:
        entry = entry.based_on
    return entry.evidence_level, entry.cost_level, entry.effect_months


def suggest_interventions(student, needs, *, limit=5):
    """The menukaart entries that fit the student best, with why (one query).

    Candidates: the national menukaart and the school's own entries for vo (sector vo or
    both), that address at least one of `needs` (any entry when `needs` is empty), without
    the strands off the NPO menukaart that set students back (zittenblijven: category X with
    a negative effect). Ranked by: the number of needs addressed, vo-specific before po/vo,
    payable from NPO funds first, then evidence high to low, cost low to high, effect high to
    low (an unknown figure last; a practice without figures ranks by those of its menukaart type),
    then name."""
    wanted = list(dict.fromkeys(needs))
    entries = (Intervention.objects.for_school(student.school).for_sector(Intervention.Sector.VO)
               .exclude(category=Intervention.Category.NONE, effect_months__lt=0).select_related("based_on"))
    suggestions = []
    for entry in entries:
        matched = [n for n in entry.need_list if n in wanted]
        if wanted and not matched:
            continue
        suggestions.append(Suggestion(entry, matched))

    def rank(s):
        e = s.intervention
        evidence, cost, effect = figures(e)
        return (
            -len(s.matched),
            e.sector != Intervention.Sector.VO,
            not e.payable_from_npo,
            evidence is None, -(evidence or 0),
            cost is None, cost or 0,
            effect is None, -(effect or 0),
            e.name_nl.lower(), e.pk,
        )

    return sorted(suggestions, key=rank)[:limit]


# --- Group interventions ----------------------------------------------------------------------

def groups_for(user):
    """Group interventions of the schools where the user is a mentor, teacher or leader."""
    return access.scoped(GroupIntervention.objects.select_related("school", "coordinator", "intervention"),
                         user)


def group_list(user):
    return groups_for(user).annotate(enrolled=Count("plans")).order_by("-starts_on", "name")


def can_enrol(user, group):
    """A leader of the group's school, or the group's coordinator."""
    return group.coordinator_id == user.pk or group.school_id in access.school_ids(user, (Role.LEADER,))


def group_members(group):
    """The group's plans with their students, by name (one query)."""
    return (group.plans.select_related("student", "responsible")
            .order_by("student__family_name", "student__given_name", "pk"))


def enrolment_candidates(group, *, q=""):
    """Active students of the group's school not yet enrolled, narrowed by name, number or class."""
    students = (Student.objects.filter(school=group.school_id, is_active=True)
                .exclude(intervention_plans__group=group))
    if q:
        students = students.filter(Q(given_name__icontains=q) | Q(family_name__icontains=q)
                                   | Q(student_number__icontains=q) | Q(class_code__iexact=q))
    return students.order_by("class_code", "family_name", "given_name")


# --- Reminders --------------------------------------------------------------------------------

def plans_to_remind(today):
    """Running plans whose evaluation is overdue and whose current due date has not been
    reminded of yet."""
    return (InterventionPlan.objects.evaluation_overdue(today)
            .exclude(reminded_for=F("next_evaluation_on"))
            .select_related("student__mentor", "responsible")
            .order_by("next_evaluation_on", "pk"))


# --- Menukaart --------------------------------------------------------------------------------

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
