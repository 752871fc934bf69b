"""Demo data: two schools with a realistic school year, built through the real services.

Deterministic (fixed random seed), so running it again changes nothing.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal import services
from portal.models import Role
from portal.schoolyear import SchoolYear, week_start

from . import services as dashboard_services
from students.risk.flagging import flag_students
from students import services as student_services
from students.models import Level
from students.services import WeekEntry

DEMO_PASSWORD = "leerroute-demo"

GIVEN_NAMES = {
    "v": "Sanne Emma Julia Lotte Sophie Eva Fleur Anna Lisa Noor Tess Zoë Mila Sara Lieke Iris "
         "Femke Yara Nina Amira Fatima Esra Saar Roos Isa Dewi Kiki Merel".split(),
    "m": "Jesse Daan Sem Lucas Milan Thijs Levi Finn Bram Ruben Luuk Stijn Tim Lars Max Thomas "
         "Gijs Mohamed Yusuf Ayoub Mees Jayden Owen Noah Sven Hugo Kees Jelle Niels Wout Ilias "
         "Rayan".split(),
}
FAMILY_NAMES = (
    ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"), ("", "Bakker"),
    ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"), ("de", "Boer"),
    ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"),
    ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"),
    ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("van der", "Linden"), ("", "Kok"),
    ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"), ("van den", "Heuvel"), ("van der", "Veen"),
    ("van den", "Broek"), ("de", "Bruijn"), ("de", "Jong"), ("", "Yilmaz"), ("", "El Amrani"),
    ("", "Kaya"), ("", "Ouali"), ("", "Pinas"), ("", "Nguyen"), ("", "Wijaya"), ("", "Kramer"),
)
HANDOVER_NOTES = (
    "Dyslexieverklaring aanwezig; extra tijd bij toetsen.",
    "In groep 8 extra begeleiding bij begrijpend lezen.",
    "Faalangst bij toetsen; werkt goed met een vaste planning.",
    "Thuissituatie onrustig geweest in groep 7 en 8; contact met ouders loopt goed.",
    "Sterk in rekenen, heeft moeite met plannen van huiswerk.",
    "Schooladvies naar boven bijgesteld na de doorstroomtoets.",
    "Weinig aanwezig geweest in groep 8 door ziekte.",
)


@dataclass
class DemoSchool:
    brin: str
    name: str
    municipality: str
    board: str
    domain: str
    first_number: int
    leader: tuple
    classes: list = field(default_factory=list)  # (class code, level, leerjaar, mentor name)
    retention: tuple = (0.062, 0.051, 0.043)  # repeaters in the last three school years
    programme: bool = False  # a running NPO School Programme for this school year


SCHOOLS = [
    DemoSchool(
        brin="12AB", name="Het Baken College", municipality="Almere",
        board="Stichting Openbaar Onderwijs Het Baken", domain="baken.example",
        first_number=100001, leader=("Marieke", "Hoekstra"),
        classes=[
            ("1K1", Level.VMBO_KB, 1, ("Ahmed", "Bouzid")),
            ("1T1", Level.VMBO_GT, 1, ("Linda", "Post")),
            ("1H1", Level.HAVO, 1, ("Joost", "van Rijn")),
            ("1V1", Level.VWO, 1, ("Karin", "Schouten")),
            ("2B1", Level.VMBO_BB, 2, ("Peter", "Kuipers")),
            ("2H1", Level.HAVO, 2, ("Samira", "Amrani")),
            ("3T1", Level.VMBO_GT, 3, ("Erik", "de Lange")),
            ("3H1", Level.HAVO, 3, ("Anouk", "Verhoeven")),
            ("3V1", Level.VWO, 3, ("Bas", "Willems")),
            ("4K1", Level.VMBO_KB, 4, ("Ingrid", "Molenaar")),
            ("4H1", Level.HAVO, 4, ("Tom", "Huisman")),
            ("5V1", Level.VWO, 5, ("Els", "van Beek")),
        ],
    ),
    DemoSchool(
        brin="34CD", name="Scholengemeenschap De Linde", municipality="Zwolle",
        retention=(0.034, 0.041, 0.029), programme=True,
        board="Stichting Voortgezet Onderwijs IJsselland", domain="delinde.example",
        first_number=200001, leader=("Rob", "van Wijk"),
        classes=[
            ("1BK", Level.VMBO_BB, 1, ("Hanneke", "Zwart")),
            ("1TH", Level.VMBO_GT, 1, ("Mark", "Bosman")),
            ("1HV", Level.HAVO, 1, ("Yvonne", "Timmermans")),
            ("2K", Level.VMBO_KB, 2, ("Jeroen", "Prins")),
            ("2V", Level.VWO, 2, ("Nadia", "Ouchan")),
            ("3B", Level.VMBO_BB, 3, ("Wim", "Koster")),
            ("3H", Level.HAVO, 3, ("Marloes", "Jonker")),
            ("4T", Level.VMBO_GT, 4, ("Frank", "Evers")),
            ("4V", Level.VWO, 4, ("Sophie", "Lambrechts")),
            ("5H", Level.HAVO, 5, ("Dennis", "Verbeek")),
            ("6V", Level.VWO, 6, ("Carla", "Wouters")),
            ("PR2", Level.PRO, 2, ("Gerard", "Maas")),
        ],
    ),
]
INSPECTOR = ("Hilde", "Claassen", "h.claassen@inspectie.example")


def _email(first, last, domain):
    return f"{first[0].lower()}.{last.replace(' ', '').lower()}@{domain}"


def _student_records(demo, mentors, year, rng):
    number = demo.first_number
    for class_code, level, leerjaar, mentor_name in demo.classes:
        for _ in range(rng.randint(22, 28)):
            tussenvoegsel, family_name = rng.choice(FAMILY_NAMES)
            sex = rng.choice("vm")
            # Age 12 on 1 October of leerjaar 1, one year older per leerjaar.
            born = date(year.start_year - 11 - leerjaar, 10, 1) + timedelta(days=rng.randint(0, 364))
            yield {
                "student_number": str(number),
                "given_name": rng.choice(GIVEN_NAMES[sex]),
                "tussenvoegsel": tussenvoegsel,
                "family_name": family_name,
                "date_of_birth": born,
                "level": level,
                "leerjaar": leerjaar,
                "class_code": class_code,
                "mentor_id": mentors[mentor_name].pk,
                "enrolled_on": date(year.start_year - leerjaar + 1, 8, 1),
                "is_active": True,
                "sex": sex if rng.random() < 0.95 else "",  # not every school records it
                "primary_school_notes": rng.choice(HANDOVER_NOTES) if rng.random() < 0.2 else "",
            }
            number += 1


@transaction.atomic
def seed(today=None):
    """Build (or refresh) the demo. Returns [(role, email, school names)] for the login table."""
    from interventions.models import Intervention
    from interventions.menukaart import load_menukaart

    if not Intervention.objects.filter(school=None).exists():  # e.g. after a test database flush
        load_menukaart()
    year = SchoolYear.of(today or timezone.localdate())
    rng = random.Random(20260801)
    logins, schools = [], []
    for demo in SCHOOLS:
        school, _created = services.create_school(
            brin=demo.brin, name=demo.name, municipality=demo.municipality, board=demo.board
        )
        schools.append(school)
        first, last = demo.leader
        leader, _ = services.create_user(
            email=_email(first, last, demo.domain), role=Role.LEADER, schools=[school],
            password=DEMO_PASSWORD, keep_password=True, first_name=first, last_name=last,
        )
        logins.append((Role.LEADER.label, leader.email, school.name))
        mentors = {}
        for index, (_code, _level, _year, (first, last)) in enumerate(demo.classes):
            mentor, _ = services.create_user(
                email=_email(first, last, demo.domain), role=Role.MENTOR, schools=[school],
                password=DEMO_PASSWORD, keep_password=True, first_name=first, last_name=last,
                teacher_code=f"{first[0]}{last.split()[-1][:3]}".upper(),
            )
            mentors[(first, last)] = mentor
            if index == 0:
                logins.append((Role.MENTOR.label, mentor.email, school.name))
        records = list(_student_records(demo, mentors, year, rng))
        student_services.ensure_standard_subjects(school)
        student_services.upsert_students(school=school, records=records)
        _school_year_so_far(school, year, today or timezone.localdate(), random.Random(demo.brin))
        _earlier_decisions(school, year, demo.retention, random.Random(demo.brin + "besluit"))
        if demo.programme:
            _school_programme(school, leader, year)
        flag_students(school)
    first, last, email = INSPECTOR
    inspector, _ = services.create_user(
        email=email, role=Role.INSPECTOR, schools=schools, password=DEMO_PASSWORD, keep_password=True,
        first_name=first, last_name=last,
    )
    logins.append((Role.INSPECTOR.label, inspector.email, " + ".join(s.name for s in schools)))
    for school in schools:
        dashboard_services.refresh_school(school, today)
    return logins


def _grade(value):
    return Decimal(str(min(10.0, max(1.0, round(value, 1)))))


def _school_programme(school, leader, year):
    """A two-year NPO School Programme, adopted and running, with spending in period 1."""
    from interventions.models import Intervention
    from schoolplans import services as programme_services
    from schoolplans.models import ProgrammeLine, SchoolProgramme

    if SchoolProgramme.objects.filter(school=school).exists():
        return
    State = SchoolProgramme.State
    programme = programme_services.create_programme(
        actor=leader, school=school, title=f"NPO-schoolprogramma {year.start_year}-{year.start_year + 2}",
        first_year=year.start_year, years=2)
    lines = []
    for key, levels, expected, hours, cost in (
        ("een_op_een", "havo,vwo", 20, 400, "24000"),
        ("interne_rebound", "", 30, 320, "18000"),
        ("feedback", "", 120, 80, "6000"),
    ):
        lines.append(ProgrammeLine.objects.create(
            programme=programme, intervention=Intervention.objects.get(key=key, school=None),
            target_levels=levels, expected_students=expected, first_year=year.start_year, years=2,
            hours=Decimal(hours), staff="docenten en onderwijsassistenten", cost_per_year=Decimal(cost)))
    for offset in (0, 1):
        programme_services.save_budget(actor=leader, programme=programme, school_year=year.start_year + offset,
                                       amount_per_student=Decimal("180.00"), students=295)
    SchoolProgramme.objects.filter(pk=programme.pk).update(
        team_consulted_on=date(year.start_year, 6, 2), mr_on=date(year.start_year, 6, 16),
        mr_outcome=SchoolProgramme.MrOutcome.APPROVED, board_on=date(year.start_year, 6, 30),
        board_outcome=SchoolProgramme.BoardOutcome.ADOPTED)
    programme.refresh_from_db()
    for state in (State.CONSULTATION, State.MR_APPROVED, State.ADOPTED, State.RUNNING):
        programme_services.transition(programme, state, leader)
    for line, amount in zip(lines, ("9800", "7150", "2400")):
        programme_services.add_spending(actor=leader, line=line, school_year=year.start_year,
                                        period="periode 1", amount=Decimal(amount))


def _earlier_decisions(school, year, rates, rng):
    """Final promotion decisions of the last three school years for the students who were
    here then (a falling retention rate: `rates`, oldest first), so trends have a history."""
    from students.models import PromotionDecision, Student

    Decision = PromotionDecision.Decision
    decisions = []
    for back, rate in zip((3, 2, 1), rates):
        for student in Student.objects.filter(school=school, is_active=True, leerjaar__gt=back):
            roll = rng.random()
            decision = (Decision.REPEAT if roll < rate else Decision.DOWN if roll < rate + 0.03
                        else Decision.CONDITIONAL if roll < rate + 0.08 else Decision.PROMOTED)
            decisions.append(PromotionDecision(
                student=student, school_year=year.start_year - back, decision=decision,
                level=student.level, leerjaar=student.leerjaar - back,
                decided_on=date(year.start_year - back + 1, 7, 8),
                justification="Achterstand op meerdere kernvakken; besproken met leerling en ouders."
                if decision == Decision.REPEAT else ""))
    PromotionDecision.objects.bulk_create(decisions, ignore_conflicts=True)


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
    from interventions import services as plan_services
    from interventions.models import Intervention
    from students import meetings
    from students.models import Flag, FlagEvent

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
    from django.core.exceptions import ValidationError

    from interventions import services as plan_services
    from interventions.models import InterventionPlan, PlanEvaluation

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


def _school_year_so_far(school, year, today, rng):
    """Grades, weekly signals, flags, plans, evaluations and conversations from September up
    to this week, as if the portal had been used all along (the flagging ran every Friday).

    About one student in eight struggles: one subject slides below 5,5 and their mentor
    notices motivation and planning. Half of them get help (some at once, some weeks later),
    after which the grades recover; the other half do not (yet).
    """
    from students import meetings
    from students.models import Category, Flag, Score, Severity, Student, Subject, TeamReview

    first_week = week_start(date(year.start_year, 9, 1) + timedelta(days=6))
    this_week = week_start(today)
    weeks = []
    week = first_week
    while week <= this_week:
        weeks.append(week)
        week += timedelta(weeks=1)
    subjects = list(Subject.objects.filter(school=school).order_by("code"))
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
    # Grades: each subject has a test every three weeks, staggered over the subjects.
    scores = []
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
                scores.append(Score(student=student, subject=subject, test=f"Toets {n + 1}",
                                    date=day, grade=_grade(value), weight=Decimal(1 + (n % 3 == 2)),
                                    period="P1" if day.month >= 8 else "P2"))
    student_services.upsert_scores(rows=scores)
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
        for n, week in enumerate(weeks):
            for student in students:
                if profiles[student.pk]["start"] == n and week + timedelta(days=1) <= today:
                    _start_help(student, profiles[student.pk], week + timedelta(days=1), year)
            friday = timezone.make_aware(datetime.combine(week + timedelta(days=4), time(16)))
            if n >= 3 and friday < timezone.now():
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
