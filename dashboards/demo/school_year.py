"""The demo's school year so far, replayed week by week through the real services: grades,
weekly signals, the Friday flagging, plans, six-week evaluations and conversations."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from interventions import services as plan_services
from interventions.models import Intervention, InterventionPlan, PlanEvaluation
from portal.schoolyear import SchoolYear, week_start
from students import meetings
from students import services as student_services
from students.imports import scores as score_import
from students.models import (
    Category,
    Flag,
    FlagEvent,
    Mark,
    ResultKind,
    Severity,
    Student,
    Subject,
    TeamReview,
)
from students.risk.flagging import flag_students
from students.services import WeekEntry

from .files import imported

SCORE_HEADER = ("leerlingnummer", "vak", "toets", "datum", "cijfer", "weging", "periode")
MARK_IN_FILE = {Mark.INSUFFICIENT: "O", Mark.SUFFICIENT: "V", Mark.GOOD: "G", Mark.VERY_GOOD: "ZG",
                Mark.PENDING: "inh"}
# The subjects the demo gives grades in, of the school's full standard list: one timetable for
# every level keeps the demo small.
GRADED = ["ne", "en", "wi", "fa", "du", "gs", "ak", "bi", "na", "sk", "ec", "lo"]


def _grade(value):
    return Decimal(str(min(10.0, max(1.0, round(value, 1)))))


def _mark(value, n, number):
    """LO is marked, not graded: O, V, G or ZG from the same draw, and now and then a test not
    yet made (inh)."""
    if (n + number) % 17 == 0:
        return Mark.PENDING
    return (Mark.INSUFFICIENT if value < 5.5 else Mark.SUFFICIENT if value < 7.5
            else Mark.GOOD if value < 8.5 else Mark.VERY_GOOD)


def _slide(n, week_index, start):
    """How far the weak subject's n-th test lies below the student's level: it slides from
    September on and recovers once help has started (week index `start`)."""
    if start is None or week_index < start:
        return 0.45 * n + 0.8
    tests_at_start = (start - week_index % 3) / 3
    return max(0.0, 0.45 * tests_at_start - 0.6 * (n - tests_at_start)) + 0.4


def _start_help(student, profile, started, year):
    """A plan (internal rebound, or one-to-one tutoring for some) and the conversation with
    the student and parents about it."""
    weak = profile["weak"]
    key, title = (("een_op_een", f"Bijles een-op-een {weak.name}") if profile["tutoring"]
                  else ("interne_rebound", f"Interne rebound {weak.name}"))
    plan_services.start_plan(actor=student.mentor, student=student, data={
        "title": title, "intervention": Intervention.objects.filter(key=key, school=None).first(),
        "need": f"Cijfers voor {weak.name} dalen sinds september; motivatie en planning wankelen.",
        "goal": f"{weak.name} weer minstens 5,5 bij het rapport van januari",
        "goal_subject": weak, "goal_grade": Decimal("5.5"),
        "goal_date": date(year.start_year + 1, 1, 31), "responsible": student.mentor,
        "started_on": started, "next_evaluation_on": None,
    })
    # The plan was made that day, not today: the first action on the flag too.
    when = timezone.make_aware(datetime.combine(started, time(10)))
    Flag.objects.filter(student=student, resolved_on__isnull=True, first_action_on__gt=when).update(
        first_action_on=when)
    FlagEvent.objects.filter(flag__student=student, kind="first_action", at__gt=when).update(at=when)
    meetings.record_conversation(
        actor=student.mentor, student=student, held_on=started,
        participants=f"{student.given_name}, ouder(s), mentor {student.mentor.get_full_name()}",
        agreements=f"{student.given_name} gaat twee keer per week naar de "
                   f"{'bijles' if profile['tutoring'] else 'rebound'} voor {weak.name}; "
                   f"ouders kijken mee met de planning in de agenda.",
        follow_up_on=started + timedelta(weeks=6),
    )


def _evaluate_plans(school, today, rng):
    """Most six-week evaluations happen on time, some a few days late, a few not yet."""
    plans = (InterventionPlan.objects.filter(student__school=school, status=InterventionPlan.Status.ACTIVE,
                                             next_evaluation_on__lte=today)
             .select_related("student__mentor").order_by("pk"))
    for plan in plans:
        late = rng.choice([None, 0, 0, 0, 0, 1, 3, 6, 9])
        evaluated_on = plan.next_evaluation_on + timedelta(days=late or 0)
        if late is None or evaluated_on > today:
            continue  # still to do: shows as overdue
        result = rng.choice([PlanEvaluation.GoalResult.MET, PlanEvaluation.GoalResult.MET,
                             PlanEvaluation.GoalResult.PARTLY])
        try:
            plan_services.record_evaluation(
                actor=plan.student.mentor, plan=plan, evaluated_on=evaluated_on, goal_result=result,
                decision=PlanEvaluation.Decision.CONTINUE,
                notes="Cijfers gaan weer omhoog; volgende cyclus afbouwen." if result == "met" else "")
        except ValidationError:
            continue


MIN_WEEKS = 6  # teaching weeks of a school year before the demo shows that year


def _first_week(year):
    """The first teaching week: the one after the first Monday of September's week."""
    return week_start(date(year.start_year, 9, 1) + timedelta(days=6))


def replayed_year(today):
    """(school year, last day) the demo replays: this school year up to today, or, while fewer
    than MIN_WEEKS teaching weeks of it have passed (the summer holiday and the first weeks
    after it), the previous school year in full up to its summer holiday, so that flags,
    plans, evaluations and conversations have something to show."""
    year = SchoolYear.of(today)
    if (week_start(today) - _first_week(year)).days // 7 + 1 >= MIN_WEEKS:
        return year, today
    previous = SchoolYear(year.start_year - 1)
    return previous, date(previous.start_year + 1, 7, 10)


def school_year_so_far(school, year, today, rng):
    """Grades, weekly signals, flags, plans, evaluations and conversations from September up
    to this week, as if the portal had been used all along (the flagging ran every Friday).

    About one student in eight struggles: one subject slides below 5,5 and their mentor
    notices motivation and planning. Half of them get help (some at once, some weeks later),
    after which the grades recover; the other half do not (yet).
    """
    first_week = _first_week(year)
    this_week = week_start(today)
    weeks = []
    week = first_week
    while week <= this_week:
        weeks.append(week)
        week += timedelta(weeks=1)
    subjects = list(Subject.objects.filter(school=school, code__in=GRADED).order_by("code"))
    students = list(Student.objects.filter(school=school, is_active=True)
                    .select_related("mentor", "school").order_by("student_number"))
    profiles = {}
    for student in students:
        struggles = rng.random() < 0.12
        helped = struggles and int(student.student_number) % 2 == 0
        profiles[student.pk] = {
            "base": rng.gauss(7.0, 0.55),
            "offsets": {s.pk: rng.gauss(0, 0.45) for s in subjects},
            "weak": rng.choice([s for s in subjects if s.is_core]) if struggles else None,
            # the week (index) in which help starts: most within three weeks of the concern
            "start": 4 + rng.choice([0, 0, 1, 1, 2, 3, 5, 7]) if helped else None,
            "tutoring": helped and int(student.student_number) % 4 == 0,
        }
    # Grades: each subject has a test every three weeks, staggered over the subjects; the
    # school's grade export of the year so far, imported as a school does.
    rows = []
    for index, subject in enumerate(subjects):
        for n, week in enumerate(weeks[index % 3::3]):
            day = week + timedelta(days=index % 5)
            if day > today:
                continue
            for student in students:
                profile = profiles[student.pk]
                value = profile["base"] + profile["offsets"][subject.pk] + rng.gauss(0, 0.6)
                if profile["weak"] == subject:
                    value -= _slide(n, index % 3 + 3 * n, profile["start"])
                if subject.result_kind == ResultKind.QUALITATIVE:
                    result = MARK_IN_FILE[_mark(value, n, int(student.student_number))]
                else:
                    result = str(_grade(value)).replace(".", ",")
                rows.append((student.student_number, subject.code, f"Toets {n + 1}", f"{day:%d-%m-%Y}",
                             result, str(1 + (n % 3 == 2)), "P1" if day.month >= 8 else "P2"))
    imported(score_import.import_scores, school=school, filename="cijfers.csv", header=SCORE_HEADER, rows=rows)
    # Weekly signals, recorded by each mentor for their group.
    by_mentor = {}
    for student in students:
        by_mentor.setdefault(student.mentor, []).append(student)
    for n, week in enumerate(weeks):
        for mentor, group in by_mentor.items():
            entries = []
            for student in group:
                profile = profiles[student.pk]
                severities = {c: Severity.NONE for c in Category.values}
                subject_id, note = None, ""
                recovering = profile["start"] is not None and n >= profile["start"] + 3
                if profile["weak"] and n >= 5 and not (recovering and n >= profile["start"] + 6):
                    concern = Severity.ATTENTION if recovering else Severity.CONCERN
                    severities[Category.COGNITIVE] = concern if n >= 8 else Severity.ATTENTION
                    severities[Category.MOTIVATION] = concern if n >= 9 else Severity.ATTENTION
                    severities[Category.STUDY_SKILLS] = Severity.ATTENTION
                    subject_id = profile["weak"].pk
                    if n == 8:
                        note = f"Cijfers {profile['weak'].name} zakken; besproken met leerling."
                elif rng.random() < 0.04:
                    severities[rng.choice(Category.values)] = rng.choice(
                        [Severity.ATTENTION, Severity.ATTENTION, Severity.CONCERN, Severity.URGENT])
                entries.append(WeekEntry(student=student, severities=severities,
                                         subject_id=subject_id, note=note))
            student_services.record_week(author=mentor, week=week, entries=entries)
    # The weeks again: plans start when planned, the flagging runs on Friday afternoon.
    # Only on the first run: flags of earlier weeks cannot be replayed over later ones.
    if not Flag.objects.filter(student__school=school).exists():
        until = min(timezone.now(), timezone.make_aware(datetime.combine(today + timedelta(days=1), time(0))))
        for n, week in enumerate(weeks):
            for student in students:
                if profiles[student.pk]["start"] == n and week + timedelta(days=1) <= today:
                    _start_help(student, profiles[student.pk], week + timedelta(days=1), year)
            friday = timezone.make_aware(datetime.combine(week + timedelta(days=4), time(16)))
            if n >= 3 and friday < until:
                flag_students(school, now=friday)
        _evaluate_plans(school, today, rng)
    # A team review of the class with most concerns, last week, with one agreed action.
    if len(weeks) > 2:
        held_on = weeks[-2] + timedelta(days=3)
        struggling = [s for s in students if profiles[s.pk]["weak"]]
        if struggling and not TeamReview.objects.filter(school=school, held_on=held_on).exists():
            first = struggling[0]
            review = meetings.create_review(actor=first.mentor, school=school, held_on=held_on,
                                            class_code=first.class_code)
            item = review.items.select_related("student").first()
            if item:
                meetings.save_conclusion(actor=first.mentor, item=item,
                                         conclusion="Motivatie en planning bespreken in een driehoeksgesprek.")
                meetings.add_action(actor=first.mentor, item=item, owner=first.mentor,
                                    description="Driehoeksgesprek plannen met ouders",
                                    due_on=held_on + timedelta(days=14))
