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
from portal.models import Role, User
from portal.schoolyear import SchoolYear
from students.flags.services import save_norm, save_rules
from students.imports import roster, staff
from students.models import Student
from students.risk.flagging import flag_students
from students.risk.settings import norm_for, norms_for, settings_for
from students.subjects.standard import ensure_standard_subjects

from .. import services as dashboard_services
from .files import imported
from .history import earlier_decisions
from .people import (DEMO_PASSWORD, INSPECTOR, ROSTER_HEADER, SCHOOLS, STAFF_HEADER, email_of, roster_rows,
                     staff_rows)
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
        leader, _ = services.create_user(  # the first leader, as `create_user` makes one
            email=email_of(first, last, demo.domain), role=Role.LEADER, schools=[school],
            password=DEMO_PASSWORD, keep_password=True, first_name=first, last_name=last,
        )
        logins.append((Role.LEADER.label, leader.email, school.name))
        # Then the school's own files, as the README's "Eerste week" says: staff, roster, …
        imported(staff.import_staff, school=school, filename="personeel.csv", header=STAFF_HEADER,
                 rows=list(staff_rows(demo)), actor=leader)
        _choose_passwords(school)
        first, last = demo.classes[0][3]
        logins.append((Role.MENTOR.label, email_of(first, last, demo.domain), school.name))
        ensure_standard_subjects(school)  # a demo school made before the list existed
        imported(roster.import_roster, school=school, filename="leerlingen.csv", header=ROSTER_HEADER,
                 rows=list(roster_rows(demo, year, rng)), actor=leader)
        warme_overdracht(school, year, random.Random(demo.brin + "overdracht"))
        school_year_so_far(school, replayed, until, random.Random(demo.brin))
        earlier_decisions(school, year, demo.retention, random.Random(demo.brin + "besluit"))
        if demo.programme:
            school_programme(school, leader, replayed)
        _norms_and_rules(school, leader, year)
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


def _choose_passwords(school):
    """What each new colleague does with the link in their invitation: choose a password (in
    the demo, everyone's is the demo password)."""
    for user in User.objects.filter(memberships__school=school).distinct():
        if not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])


def _norms_and_rules(school, leader, year):
    """The leader looks at the standard promotion norms and flagging rules and records them as
    the school's own for this school year: the last steps of the set-up checklist."""
    save_rules(actor=leader, school=school, settings=settings_for(school))
    norms = norms_for(school, year)
    for level, leerjaar in (Student.objects.filter(school=school, is_active=True)
                            .values_list("level", "leerjaar").distinct().order_by("level", "leerjaar")):
        norm, _default = norm_for(norms, level, leerjaar)
        if norm is not None:
            save_norm(actor=leader, school=school, year=year, level=level, leerjaar=leerjaar, norm=norm)
