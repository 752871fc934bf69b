"""Write functions for intervention plans, their evaluations, group interventions and the
reminders of overdue evaluations."""

import logging
from collections import defaultdict
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.models import User
from portal.schoolyear import SchoolYear
from students.flags.services import record_first_action
from students.models import Notification

from . import selectors
from .models import GroupIntervention, InterventionPlan, PlanEvaluation, is_improvement_cycle

log = logging.getLogger(__name__)

PLAN_FIELDS = ("intervention", "title", "need", "goal", "goal_subject", "goal_grade", "goal_date",
               "responsible", "started_on", "next_evaluation_on", "dose", "agreements", "status",
               "ended_on")
GROUP_FIELDS = ("name", "intervention", "goal", "starts_on", "ends_on", "coordinator", "notes")
Result, Decision = PlanEvaluation.GoalResult, PlanEvaluation.Decision

# Stored and audited texts are Dutch, the school's language, whatever the interface language.
DECISION_WORDS = {Decision.CONTINUE: "doorgaan", Decision.ADJUST: "bijstellen", Decision.STOP: "stoppen"}


@transaction.atomic
def start_plan(*, actor, student, data, flag=None):
    """Start a plan; the first evaluation is due after one cycle of the school unless given.
    `flag` is the student's current flag the plan answers."""
    if flag is not None and (flag.student_id != student.pk or flag.resolved_on is not None):
        raise ValueError("A plan answers the student's own current flag.")
    plan = InterventionPlan(student=student, created_by=actor, flag=flag,
                            **{f: v for f, v in data.items() if f in PLAN_FIELDS})
    if plan.next_evaluation_on is None:
        plan.next_evaluation_on = plan.started_on + selectors.plan_settings_for(student.school).cycle
    plan.save()
    record_first_action(student, timezone.now(), by=actor)
    audit.record(user=actor, school=student.school, action=audit.Action.CREATE, obj=plan,
                 summary=f"leerling {student.student_number}: plan gestart"
                         + (f" bij signalering {flag.pk}" if flag else ""))
    return plan


@transaction.atomic
def update_plan(*, actor, plan, changes):
    changes = {f: v for f, v in changes.items() if f in PLAN_FIELDS}
    if not changes:
        return []
    for field, value in changes.items():
        setattr(plan, field, value)
    if plan.status != InterventionPlan.Status.ACTIVE:
        plan.next_evaluation_on = None
        changes = {**changes, "next_evaluation_on": None}
    plan.save(update_fields=list(changes))
    audit.record(user=actor, school=plan.student.school, action=audit.Action.UPDATE, obj=plan,
                 summary=f"leerling {plan.student.student_number}: plan {', '.join(sorted(changes))}")
    return list(changes)


# --- Evaluations ------------------------------------------------------------------------------

def check_improvement_cycle(student, *, goal_result, decision, evaluated_on, settings):
    """Raise when this evaluation would start one improvement cycle more than the school allows
    in the school year of `evaluated_on` (counted as selectors.improvement_cycles_used)."""
    if not is_improvement_cycle(goal_result, decision):
        return
    used = selectors.improvement_cycles_used(student, SchoolYear.of(evaluated_on))
    if used >= settings.max_cycles_per_year:
        raise ValidationError(
            _("This student has had %(used)s of at most %(max)s improvement cycles this school year. "
              "The next step is a team decision: put the student on the agenda of a team review, "
              "or stop this plan.") % {"used": used, "max": settings.max_cycles_per_year},
            code="cycle_limit")


@transaction.atomic
def record_evaluation(*, actor, plan, evaluated_on, goal_result, decision, notes=""):
    """Record the evaluation of the plan's current cycle.

    continue: the next cycle is due one cycle after this one's due date (one cycle after the
    evaluation when that date has already passed); adjust: the same, and `notes` says what
    changes (required); stop: the plan ends on `evaluated_on`, completed when the goal was met,
    else stopped. The goal subject's averages before the plan and at `evaluated_on` are kept."""
    plan = (InterventionPlan.objects.select_for_update().select_related("student__school")
            .get(pk=plan.pk))
    if plan.status != InterventionPlan.Status.ACTIVE:
        raise ValidationError(_("Only a running plan can be evaluated."))
    if evaluated_on < plan.started_on:
        raise ValidationError({"evaluated_on": _("This date lies before the start of the plan.")})
    notes = (notes or "").strip()
    if decision == Decision.ADJUST and not notes:
        raise ValidationError({"notes": _("Say what changes in the plan.")})
    settings = selectors.plan_settings_for(plan.student.school)
    check_improvement_cycle(plan.student, goal_result=goal_result, decision=decision,
                            evaluated_on=evaluated_on, settings=settings)
    due = selectors.due_on(plan, settings)
    before, after = selectors.goal_averages(plan, evaluated_on)
    evaluation = PlanEvaluation.objects.create(
        plan=plan, cycle=plan.evaluations.count() + 1, due_on=due, evaluated_on=evaluated_on,
        goal_result=goal_result, decision=decision, notes=notes, average_before=before,
        average_after=after, evaluated_by=actor)
    if decision == Decision.STOP:
        plan.status = (InterventionPlan.Status.COMPLETED if goal_result == Result.MET
                       else InterventionPlan.Status.STOPPED)
        plan.ended_on, plan.next_evaluation_on = evaluated_on, None
    else:
        following = due + settings.cycle
        plan.next_evaluation_on = following if following > evaluated_on else evaluated_on + settings.cycle
    plan.save(update_fields=["status", "ended_on", "next_evaluation_on"])
    audit.record(user=actor, school=plan.student.school, action=audit.Action.CREATE, obj=evaluation,
                 summary=f"leerling {plan.student.student_number}: evaluatie cyclus {evaluation.cycle} "
                         f"({DECISION_WORDS[decision]})")
    return evaluation


# --- Group interventions ----------------------------------------------------------------------

@transaction.atomic
def create_group(*, actor, school, data):
    group = GroupIntervention.objects.create(school=school, created_by=actor,
                                             **{f: data[f] for f in GROUP_FIELDS if f in data})
    audit.record(user=actor, school=school, action=audit.Action.CREATE, obj=group,
                 summary=f"groepsinterventie '{group.name}' aangemaakt")
    return group


@transaction.atomic
def enrol_students(*, actor, group, students):
    """Give each student of the group's school a plan in the group; students already in it keep
    theirs (enrolling twice changes nothing). Returns the new plans."""
    students = [s for s in students if s.school_id == group.school_id]
    have = set(group.plans.values_list("student_id", flat=True))
    new = [s for s in dict.fromkeys(students) if s.pk not in have]
    if not new:
        return []
    settings = selectors.plan_settings_for(group.school)
    name = group.intervention.name_nl if group.intervention_id else ""
    need = f"Deelname groepsinterventie {group.name}" + (f" ({name})" if name and name != group.name else "")
    plans = InterventionPlan.objects.bulk_create([
        InterventionPlan(student=s, group=group, title=group.name[:200], need=need, goal=group.goal,
                         intervention_id=group.intervention_id, responsible_id=group.coordinator_id,
                         started_on=group.starts_on, next_evaluation_on=group.starts_on + settings.cycle,
                         created_by=actor)
        for s in new], ignore_conflicts=True)
    # A plan is the first action on an open flag.
    record_first_action(new, timezone.now(), by=actor, note=f"groepsinterventie {group.name}"[:200])
    plans = list(group.plans.filter(student__in=new).select_related("student"))
    audit.record_many(user=actor, entries=[
        (group.school, audit.Action.CREATE, plan,
         f"leerling {plan.student.student_number}: ingeschreven in groepsinterventie {group.pk}")
        for plan in plans])
    return plans


# --- Reminders --------------------------------------------------------------------------------

def _reminder_mails(per_user):
    """One e-mail per user listing their overdue plans, naming students by number only (mail
    leaves the portal)."""
    addresses = dict(User.objects.filter(pk__in=list(per_user), is_active=True).exclude(email="")
                     .values_list("pk", "email"))
    mails = []
    for user_id, plans in per_user.items():
        if user_id not in addresses:
            continue
        lines = [f"- leerling {p.student.student_number}: {p.title} (evaluatie gepland op "
                 f"{p.next_evaluation_on:%d-%m-%Y}) {reverse('interventions:plan_evaluate', args=[p.pk])}"
                 for p in plans]
        n = len(plans)
        subject = f"Leerroute: {n} {'evaluatie' if n == 1 else 'evaluaties'} van interventieplannen te laat"
        body = ("Beste collega,\n\nVan deze interventieplannen is de evaluatie te laat:\n\n"
                + "\n".join(lines)
                + "\n\nLeg de evaluatie vast in Leerroute: doel gehaald, deels of niet, en doorgaan, "
                  "bijstellen of stoppen.\n")
        mails.append((subject, body, django_settings.DEFAULT_FROM_EMAIL, [addresses[user_id]]))
    return mails


def _send(mails):
    try:
        send_mass_mail(mails, fail_silently=False)
    except Exception:  # the reminders are stored; a mail server hiccup must not undo them
        log.exception("Could not send %s evaluation reminder e-mail(s)", len(mails))


@transaction.atomic
def remind_overdue_evaluations(today=None):
    """Remind the responsible person (or else the student's mentor) of every running plan whose
    evaluation is overdue: a notification in the portal per plan and one e-mail per person,
    once per due date (the date is kept in `reminded_for`). Safe to run twice; returns the
    number of plans reminded."""
    today = today or timezone.localdate()
    plans = list(selectors.plans_to_remind(today).select_for_update(of=("self",)))
    per_user, notifications, reminded = defaultdict(list), [], []
    for plan in plans:
        user = plan.responsible if plan.responsible and plan.responsible.is_active else plan.student.mentor
        if user is None or not user.is_active:
            continue
        student = plan.student
        notifications.append(Notification(
            user=user, url=reverse("interventions:plan_evaluate", args=[plan.pk]),
            text=(f"evaluatie te laat: {plan.title} van {student.full_name} ({student.student_number}), "
                  f"gepland op {plan.next_evaluation_on:%d-%m-%Y}")[:255]))
        plan.reminded_for = plan.next_evaluation_on
        reminded.append(plan)
        per_user[user.pk].append(plan)
    Notification.objects.bulk_create(notifications)
    InterventionPlan.objects.bulk_update(reminded, ["reminded_for"])
    mails = _reminder_mails(per_user) if per_user else []
    if mails:
        transaction.on_commit(lambda: _send(mails))
    return len(reminded)


# --- Menukaart --------------------------------------------------------------------------------
# Its imports stay with it, so that the plan functions above keep their own small header.

import csv  # noqa: E402
from decimal import Decimal, InvalidOperation  # noqa: E402
from pathlib import Path  # noqa: E402

from django.utils.text import slugify  # noqa: E402

from .models import Intervention  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent / "data"
NEEDS = [value for value, _label in Intervention.Need.choices]
TEXT_FIELDS = ("description", "working_elements", "advantages", "drawbacks", "tips")
DOSE_FIELDS = ("dose_weeks", "dose_hours_per_week", "group_size_min", "group_size_max")


class MenukaartDataError(ValueError):
    """A data file of the menukaart is inconsistent; nothing was written."""


COLUMNS = {
    "menukaart.csv": {"key", "current", "data_version", "name_nl", "name_en", "category", "effect_months",
                      "cost_level", "evidence_level", "sector", "needs", "payable_from_npo", "source", "note"},
    "menukaart_texts.csv": {"key", *TEXT_FIELDS, *DOSE_FIELDS},
    "practices.csv": {"key", "name_nl", "name_en", "category", "based_on", "sector", "needs",
                      "payable_from_npo", *TEXT_FIELDS, *DOSE_FIELDS, "data_version", "source", "note"},
}


def _read(data_dir, name):
    with (data_dir / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = COLUMNS[name] - set(reader.fieldnames or ())
        if missing:
            raise MenukaartDataError(f"{name}: missing columns {sorted(missing)}")
        # Row 1 holds the column names, so data starts on line 2.
        return [(line, row) for line, row in enumerate(reader, start=2)]


def _number(value, where, field, *, low, high, decimal=False):
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = Decimal(value) if decimal else int(value)
    except (ValueError, InvalidOperation):
        raise MenukaartDataError(f"{where}: {field} {value!r} is not a number") from None
    if not low <= number <= high:
        raise MenukaartDataError(f"{where}: {field} {value} lies outside {low}..{high}")
    return number


def _needs(value, where):
    needs = [n.strip() for n in (value or "").split(";") if n.strip()]
    unknown = set(needs) - set(NEEDS)
    if unknown:
        raise MenukaartDataError(f"{where}: unknown needs {sorted(unknown)}; use {NEEDS}")
    if {"language", "numeracy"} & set(needs) and "cognitive" not in needs:
        raise MenukaartDataError(f"{where}: language and numeracy are cognitive needs; add cognitive")
    return ",".join(n for n in NEEDS if n in needs)


def _entry(row, where):
    """The fields every national entry has, parsed and checked."""
    if row["category"] not in Intervention.Category.values:
        raise MenukaartDataError(f"{where}: unknown category {row['category']!r}")
    if row["sector"] not in Intervention.Sector.values:
        raise MenukaartDataError(f"{where}: unknown sector {row['sector']!r}")
    if row["payable_from_npo"] not in ("0", "1"):
        raise MenukaartDataError(f"{where}: payable_from_npo is 0 or 1")
    if not row["key"] or slugify(row["key"]) != row["key"]:
        raise MenukaartDataError(f"{where}: key {row['key']!r} is not a lower-case slug")
    return {
        "name_nl": row["name_nl"].strip(), "name_en": row["name_en"].strip(),
        "category": row["category"], "sector": row["sector"], "needs": _needs(row["needs"], where),
        "payable_from_npo": row["payable_from_npo"] == "1",
        "data_version": row["data_version"], "source": row["source"], "source_note": row.get("note", ""),
    }


def _figures(row, where):
    return {
        "effect_months": _number(row["effect_months"], where, "effect_months", low=-12, high=12),
        "cost_level": _number(row["cost_level"], where, "cost_level", low=1, high=5),
        "evidence_level": _number(row["evidence_level"], where, "evidence_level", low=0, high=5),
    }


def _texts_and_dose(row, where):
    data = {field: row[field].strip() for field in TEXT_FIELDS}
    data["dose_weeks"] = _number(row["dose_weeks"], where, "dose_weeks", low=1, high=104)
    data["dose_hours_per_week"] = _number(row["dose_hours_per_week"], where, "dose_hours_per_week",
                                          low=Decimal("0.5"), high=40, decimal=True)
    data["group_size_min"] = _number(row["group_size_min"], where, "group_size_min", low=1, high=40)
    data["group_size_max"] = _number(row["group_size_max"], where, "group_size_max", low=1, high=40)
    if data["group_size_min"] and data["group_size_max"] and data["group_size_min"] > data["group_size_max"]:
        raise MenukaartDataError(f"{where}: group_size_min is larger than group_size_max")
    return data


def read_menukaart(data_dir=DATA_DIR):
    """The national entries from the data files, as {key: fields} plus {key: based_on key}.

    menukaart.csv holds every version of every row of the NPO menukaart and of the EEF strands
    we took over; the row marked current=1 is the entry, the others become its history.
    menukaart_texts.csv holds our Dutch texts per key; practices.csv the practices of schools.
    """
    versions, texts, entries, based_on = {}, {}, {}, {}
    for line, row in _read(data_dir, "menukaart.csv"):
        versions.setdefault(row["key"], []).append((f"menukaart.csv:{line}", row))
    for line, row in _read(data_dir, "menukaart_texts.csv"):
        where = f"menukaart_texts.csv:{line}"
        if row["key"] in texts:
            raise MenukaartDataError(f"{where}: key {row['key']!r} appears twice")
        texts[row["key"]] = _texts_and_dose(row, where)
    for key, rows in versions.items():
        current = [(where, row) for where, row in rows if row["current"] == "1"]
        if len(current) != 1:
            raise MenukaartDataError(f"{rows[0][0]}: {key!r} needs exactly one row with current=1, "
                                     f"has {len(current)}")
        if key not in texts:
            raise MenukaartDataError(f"menukaart_texts.csv: no texts for {key!r}")
        where, row = current[0]
        history = []
        for other_where, other in rows:
            if other is not row:
                _entry(other, other_where)  # every row is checked, not only the current ones
                history.append({"data_version": other["data_version"], **_figures(other, other_where),
                                "source": other["source"], "note": other["note"]})
        entries[key] = {**_entry(row, where), **_figures(row, where), **texts.pop(key), "history": history}
    if texts:
        raise MenukaartDataError(f"menukaart_texts.csv: texts for unknown keys {sorted(texts)}")
    for line, row in _read(data_dir, "practices.csv"):
        where = f"practices.csv:{line}"
        if row["key"] in entries:
            raise MenukaartDataError(f"{where}: key {row['key']!r} is already an entry")
        entries[row["key"]] = {**_entry(row, where), "effect_months": None, "cost_level": None,
                               "evidence_level": None, **_texts_and_dose(row, where), "history": []}
        if row["based_on"]:
            based_on[row["key"]] = row["based_on"]
    for key, parent in based_on.items():
        if parent not in entries or entries[parent]["category"] == Intervention.Category.NONE:
            raise MenukaartDataError(f"practices.csv: {key!r} is based on {parent!r}, not a menukaart type")
        if entries[key]["payable_from_npo"] and not entries[parent]["payable_from_npo"]:
            raise MenukaartDataError(f"practices.csv: {key!r} is payable but {parent!r} is not")
    for key, fields in entries.items():
        if fields["payable_from_npo"] and key not in based_on and fields["category"] == Intervention.Category.NONE:
            raise MenukaartDataError(f"{key!r}: only menukaart types and their forms are payable from NPO")
    return entries, based_on


@transaction.atomic
def load_menukaart(*, model=Intervention, data_dir=DATA_DIR):
    """Create or update the national menukaart from the data files; safe to run again.

    `model` is the historical model when a data migration calls this; fields that model does
    not have yet are left out. Entries no longer in the files are kept (plans may point at
    them) and reported as `stale`.
    """
    entries, based_on = read_menukaart(data_dir)
    known = {f.name for f in model._meta.get_fields()}
    existing = {e.key: e for e in model.objects.filter(school__isnull=True)}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for key, fields in entries.items():
        fields = {name: value for name, value in fields.items() if name in known}
        entry = existing.get(key)
        if entry is None:
            existing[key] = model.objects.create(key=key, **fields)
            counts["created"] += 1
        elif any(getattr(entry, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if "based_on" in known:
        for key in entries:
            entry, parent = existing[key], existing.get(based_on.get(key))
            if entry.based_on_id != (parent.pk if parent else None):
                entry.based_on = parent
                entry.save(update_fields=["based_on"])
    counts["total"] = len(entries)
    counts["stale"] = sorted(set(existing) - set(entries))
    return counts


LOCAL_FIELDS = ("name_nl", "name_en", "category", "based_on", "sector", "needs", *TEXT_FIELDS,
                *DOSE_FIELDS, "effect_months", "cost_level", "evidence_level", "source")


def _local_key(school, name, exclude_pk=None):
    base = slugify(name)[:50] or "interventie"
    taken = set(Intervention.objects.filter(school=school, key__startswith=base)
                .exclude(pk=exclude_pk).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def create_local_intervention(*, actor, school, data):
    """A school's own intervention; payable from NPO funds only as a form of a payable menukaart type."""
    intervention = Intervention(school=school, created_by=actor, key=_local_key(school, data["name_nl"]),
                                **{f: data[f] for f in LOCAL_FIELDS if f in data})
    based_on = intervention.based_on
    intervention.payable_from_npo = bool(based_on and based_on.payable_from_npo)
    intervention.save()
    audit.record(user=actor, school=school, action=audit.Action.CREATE, obj=intervention,
                 summary=f"menukaart: lokale interventie '{intervention.name_nl}' toegevoegd")
    return intervention


@transaction.atomic
def update_local_intervention(*, actor, intervention, changes):
    if intervention.school_id is None:
        raise ValueError("National menukaart entries change only through load_menukaart.")
    changes = {f: v for f, v in changes.items() if f in LOCAL_FIELDS}
    if not changes:
        return []
    for field, value in changes.items():
        setattr(intervention, field, value)
    intervention.payable_from_npo = bool(intervention.based_on and intervention.based_on.payable_from_npo)
    intervention.save()
    audit.record(user=actor, school=intervention.school, action=audit.Action.UPDATE, obj=intervention,
                 summary=f"menukaart: lokale interventie '{intervention.name_nl}' gewijzigd "
                         f"({', '.join(sorted(changes))})")
    return list(changes)
