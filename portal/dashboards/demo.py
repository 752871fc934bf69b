"""Demo data: two schools with a realistic school year, built through the real services.

Deterministic (fixed random seed), so running it again changes nothing.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal import services
from portal.models import Role
from portal.schoolyear import SchoolYear, week_start
from students import risk
from students import services as student_services
from students.models import Level

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
        risk.flag_students(school)
    first, last, email = INSPECTOR
    inspector, _ = services.create_user(
        email=email, role=Role.INSPECTOR, schools=schools, password=DEMO_PASSWORD, keep_password=True,
        first_name=first, last_name=last,
    )
    logins.append((Role.INSPECTOR.label, inspector.email, " + ".join(s.name for s in schools)))
    return logins


def _grade(value):
    return Decimal(str(min(10.0, max(1.0, round(value, 1)))))


def _school_year_so_far(school, year, today, rng):
    """Grades, weekly signals, plans and conversations from September up to this week.

    About one student in eight struggles: one subject slides below 5,5 and their mentor
    notices motivation and planning; half of them get a plan with a goal for that subject.
    """
    from interventions import services as plan_services
    from interventions.models import Intervention, InterventionPlan
    from students import meetings
    from students.models import Category, Score, Severity, Student, Subject, TeamReview
    from students.services import WeekEntry

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
        profiles[student.pk] = {
            "base": rng.gauss(7.0, 0.55),
            "offsets": {s.pk: rng.gauss(0, 0.45) for s in subjects},
            "weak": rng.choice([s for s in subjects if s.is_core]) if struggles else None,
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
                    value -= 0.45 * n + 0.8
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
                if profile["weak"] and n >= 5:
                    severities[Category.COGNITIVE] = Severity.CONCERN if n >= 8 else Severity.ATTENTION
                    severities[Category.MOTIVATION] = Severity.CONCERN if n >= 9 else Severity.ATTENTION
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
    # Plans for half of the struggling students, started when the concern became clear.
    if len(weeks) > 9:
        started = weeks[9]
        rebound = Intervention.objects.filter(key="interne_rebound", school=None).first()
        for student in students:
            weak = profiles[student.pk]["weak"]
            has_plan = InterventionPlan.objects.filter(student=student).exists()
            if not weak or int(student.student_number) % 2 or has_plan:
                continue
            plan_services.start_plan(actor=student.mentor, student=student, data={
                "title": f"Interne rebound {weak.name}", "intervention": rebound,
                "need": f"Cijfers voor {weak.name} dalen sinds september; motivatie en planning wankelen.",
                "goal": f"{weak.name} weer minstens 5,5 bij het rapport van januari",
                "goal_subject": weak, "goal_grade": Decimal("5.5"),
                "goal_date": date(year.start_year + 1, 1, 31), "responsible": student.mentor,
                "started_on": started, "next_evaluation_on": None,
            })
            meetings.record_conversation(
                actor=student.mentor, student=student, held_on=started,
                participants=f"{student.given_name}, ouder(s), mentor {student.mentor.get_full_name()}",
                agreements=f"{student.given_name} gaat twee keer per week naar de rebound voor "
                           f"{weak.name}; ouders kijken mee met de planning in de agenda.",
                follow_up_on=started + timedelta(weeks=6),
            )
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
