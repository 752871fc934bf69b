"""Demo data: two schools with a realistic school year, built through the real services.

Deterministic (fixed random seed), so running it again changes nothing. `seed` puts the
parts together: the people (`people`) and their warme overdracht (`transfer`), the school
year so far (`school_year`; in the summer and the first weeks of a school year: the previous
school year in full), the decisions of earlier years (`history`) and a School Programme
(`programme`) that runs in the replayed year.
"""

import random

from django.db import transaction
from django.utils import timezone

from interventions.models import Intervention
from interventions.menukaart import load_menukaart
from portal import services
from portal.models import Role
from portal.schoolyear import SchoolYear
from students import services as student_services
from students.risk.flagging import flag_students
from students.subjects.standard import ensure_standard_subjects

from .. import services as dashboard_services
from .history import earlier_decisions
from .people import DEMO_PASSWORD, INSPECTOR, SCHOOLS, email_of, student_records
from .programme import school_programme
from .school_year import replayed_year, school_year_so_far
from .transfer import warme_overdracht

__all__ = ["DEMO_PASSWORD", "SCHOOLS", "seed"]


@transaction.atomic
def seed(today=None):
    """Build (or refresh) the demo. Returns [(role, email, school names)] for the login table."""
    if not Intervention.objects.filter(school=None).exists():  # e.g. after a test database flush
        load_menukaart()
    today = today or timezone.localdate()
    year = SchoolYear.of(today)
    replayed, until = replayed_year(today)
    rng = random.Random(20260801)
    logins, schools = [], []
    for demo in SCHOOLS:
        school, _created = services.create_school(
            brin=demo.brin, name=demo.name, municipality=demo.municipality, board=demo.board
        )
        schools.append(school)
        first, last = demo.leader
        leader, _ = services.create_user(
            email=email_of(first, last, demo.domain), role=Role.LEADER, schools=[school],
            password=DEMO_PASSWORD, keep_password=True, first_name=first, last_name=last,
        )
        logins.append((Role.LEADER.label, leader.email, school.name))
        mentors = {}
        for index, (_code, _level, _year, (first, last)) in enumerate(demo.classes):
            mentor, _ = services.create_user(
                email=email_of(first, last, demo.domain), role=Role.MENTOR, schools=[school],
                password=DEMO_PASSWORD, keep_password=True, first_name=first, last_name=last,
                teacher_code=f"{first[0]}{last.split()[-1][:3]}".upper(),
            )
            mentors[(first, last)] = mentor
            if index == 0:
                logins.append((Role.MENTOR.label, mentor.email, school.name))
        records = list(student_records(demo, mentors, year, rng))
        ensure_standard_subjects(school)  # a demo school made before the list existed
        student_services.upsert_students(school=school, records=records)
        warme_overdracht(school, year, random.Random(demo.brin + "overdracht"))
        school_year_so_far(school, replayed, until, random.Random(demo.brin))
        earlier_decisions(school, year, demo.retention, random.Random(demo.brin + "besluit"))
        if demo.programme:
            school_programme(school, leader, replayed)
        flag_students(school)
    first, last, email = INSPECTOR
    inspector, _ = services.create_user(
        email=email, role=Role.INSPECTOR, schools=schools, password=DEMO_PASSWORD, keep_password=True,
        first_name=first, last_name=last,
    )
    logins.append((Role.INSPECTOR.label, inspector.email, " + ".join(s.name for s in schools)))
    for school in schools:
        if replayed != year:  # last school year's figures as they stood at its end
            dashboard_services.refresh_school(school, until)
        dashboard_services.refresh_school(school, today)
    return logins
