"""Personas and small factories. Tests read like the user stories they check."""

import functools
import io
import os
import shutil
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from portal import services
from portal.models import Role
from portal.schoolyear import SchoolYear
from students.models import Level, Student

PASSWORD = "correct-horse-battery-staple"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
TODAY_VARIABLE = "LEERROUTE_TEST_TODAY"


@functools.cache
def clock_today():
    """The day the `clock` fixture sets: $LEERROUTE_TEST_TODAY (e.g. 2027-08-01), else the real
    date in Amsterdam. Read once, so every test of a run sees the same day."""
    value = os.environ.get(TODAY_VARIABLE, "").strip()
    if value:
        return date.fromisoformat(value)
    return datetime.now(ZoneInfo(settings.TIME_ZONE)).date()


def noon(day, at=time(12)):
    """`day` at noon (or `at`) in Amsterdam, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


class Clock:
    """The whole clock (datetime, date.today, time.time, timezone.now/localdate) stands at noon
    in Amsterdam on `today` and ticks on from there. `school_year` is the one `today` is in."""

    def __init__(self, machine, today):
        self._machine = machine
        self.move_to(today)

    def move_to(self, day, at=time(12)):
        self.today = day
        self._machine.move_to(noon(day, at), tick=True)

    @property
    def school_year(self):
        return SchoolYear.of(self.today)


@pytest.fixture
def clock(time_machine):
    """Date-dependent tests use this (and are marked `clock`): see Clock and clock_today()."""
    return Clock(time_machine, clock_today())


def pytest_report_header(config):
    source = TODAY_VARIABLE if os.environ.get(TODAY_VARIABLE, "").strip() else "the real date"
    return f"clock fixture: {clock_today()} (from {source})"


def pytest_collection_modifyitems(config, items):
    """Tests that use the clock are marked `clock` (CI runs them again on other dates).
    Tests marked for a real service skip, with the reason, where it is absent."""
    for item in items:
        if "clock" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.clock)
    engine = settings.DATABASES["default"]["ENGINE"]
    reasons = {
        "postgres": None if "postgresql" in engine
        else "needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
        "redis": None if settings.REDIS_URL
        else "needs Redis: set REDIS_URL=redis://... (CI does)",
        "browser": None if CHROMIUM
        else "needs Chromium: apt-get install chromium (CI does)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def make_user(email, role, *schools, **extra):
    user, _ = services.create_user(email=email, role=role, schools=schools, password=PASSWORD, **extra)
    return user


_numbers = iter(range(100000, 999999))


def make_student(school, mentor=None, **fields):
    defaults = {
        "student_number": str(next(_numbers)),
        "given_name": "Sanne",
        "family_name": "de Vries",
        "level": Level.HAVO,
        "leerjaar": 3,
        "class_code": "3H1",
        "date_of_birth": date(2012, 5, 4),
    }
    defaults.update(fields)
    return Student.objects.create(school=school, mentor=mentor, **defaults)


@pytest.fixture
def school_a(db):
    return services.create_school(brin="12AB", name="Het Baken College", municipality="Almere")[0]


@pytest.fixture
def school_b(db):
    return services.create_school(brin="34CD", name="De Linde", municipality="Zwolle")[0]


@pytest.fixture
def mentor_a(school_a):
    return make_user("mentor@a.example", Role.MENTOR, school_a, first_name="Linda", last_name="Post")


@pytest.fixture
def other_mentor_a(school_a):
    return make_user("collega@a.example", Role.MENTOR, school_a, first_name="Joost", last_name="Rijn")


@pytest.fixture
def teacher_a(school_a):
    return make_user("docent@a.example", Role.TEACHER, school_a)


@pytest.fixture
def leader_a(school_a):
    return make_user("directie@a.example", Role.LEADER, school_a, first_name="Marieke", last_name="Hoekstra")


@pytest.fixture
def mentor_b(school_b):
    return make_user("mentor@b.example", Role.MENTOR, school_b)


@pytest.fixture
def leader_b(school_b):
    return make_user("directie@b.example", Role.LEADER, school_b)


@pytest.fixture
def inspector(school_a, school_b):
    return make_user("inspecteur@inspectie.example", Role.INSPECTOR, school_a, school_b)


@pytest.fixture
def inspector_b(school_b):
    return make_user("inspecteur-b@inspectie.example", Role.INSPECTOR, school_b)


@pytest.fixture
def outsider(db):
    """Has an account but no role anywhere."""
    from portal.models import User

    return User.objects.create_user("buiten@example.org", PASSWORD)


@pytest.fixture
def student_a(school_a, mentor_a):
    return make_student(school_a, mentor_a, given_name="Sanne", family_name="Visser",
                        primary_school_notes="Dyslexieverklaring aanwezig.")


@pytest.fixture
def student_b(school_b, mentor_b):
    return make_student(school_b, mentor_b, given_name="Daan", family_name="Bakker", class_code="2V")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Real hashing costs ~0.3 s per user; the suite creates hundreds. Once for the whole
    session, so that module-wide data (seeded_demo) and live servers hash fast too."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """The whole demo (`manage.py seed_demo`), built ONCE for all the tests of a module that ask
    for it (it takes seconds); returns what the command printed. Each test runs in a savepoint
    inside it, so every test sees the demo as built; the end of the module rolls it away.
    The demo is built on the clock's day (clock_today()): its tests ask for `clock` too."""
    out = io.StringIO()
    with django_db_blocker.unblock(), time_machine.travel(noon(clock_today()), tick=True):
        module_wide = transaction.atomic()
        module_wide.__enter__()
        try:
            call_command("seed_demo", stdout=out)
        except BaseException:
            transaction.set_rollback(True)
            module_wide.__exit__(None, None, None)
            raise
    yield out.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        module_wide.__exit__(None, None, None)


@pytest.fixture(scope="session", autouse=True)
def _close_stray_postgres_sessions(django_db_setup, django_db_blocker):
    """Runs its teardown before the test database is dropped: the live server's thread (and
    a killed worker) may still hold a connection, which would make DROP DATABASE fail."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def plan_a(student_a):
    from interventions.models import InterventionPlan

    return InterventionPlan.objects.create(student=student_a, title="Huiswerkklas", need="planning",
                                           goal="huiswerk op tijd af", started_on=date(2026, 10, 1))


@pytest.fixture
def review_a(school_a, mentor_a, student_a):
    """A leerlingbespreking of class 3H1 with student_a on the agenda."""
    from students.models import ReviewItem, TeamReview

    review = TeamReview.objects.create(school=school_a, held_on=date(2026, 11, 18),
                                       class_code="3H1", created_by=mentor_a)
    ReviewItem.objects.create(review=review, student=student_a, reason="urgent: motivatie (week 47)")
    return review


@pytest.fixture
def review_item_a(review_a):
    return review_a.items.get()


@pytest.fixture
def action_a(review_item_a, other_mentor_a):
    """An open action on student_a's agenda item, owned by a colleague mentor."""
    from students.models import ActionItem

    return ActionItem.objects.create(item=review_item_a, description="Gesprek met ouders plannen",
                                     owner=other_mentor_a, due_on=date(2026, 12, 2))


@pytest.fixture
def conversation_a(student_a, mentor_a):
    """A driehoeksgesprek of student_a, recorded by her mentor."""
    from students.models import Conversation

    return Conversation.objects.create(student=student_a, held_on=date(2026, 11, 12),
                                       participants="Sanne, haar vader, mentor Post",
                                       agreements="Sanne maakt elke dinsdag een planning; moeder kijkt die met haar door.",
                                       follow_up_on=date(2026, 12, 10), author=mentor_a)


@pytest.fixture
def local_intervention_a(school_a):
    """School A's own intervention on the menukaart."""
    from interventions.models import Intervention

    return Intervention.objects.create(school=school_a, key="huiswerkklas-3-havo",
                                       name_nl="Huiswerkklas 3 havo", category="B", sector="vo",
                                       needs="cognitive,study_skills")


@pytest.fixture
def flag_a(student_a, clock):
    """An open aandacht flag of student_a (mentor_a's mentee at school A), raised now (on the clock)."""
    from django.utils import timezone

    from students.models import Flag, RiskLevel

    now = timezone.now()
    return Flag.objects.create(
        student=student_a, level=RiskLevel.ATTENTION, raised_on=now, changed_on=now,
        reasons=[{"rule": "insufficient", "text": "wiskunde 4,2 en Engels 5,1 onder 5,5", "points": 2}])


@pytest.fixture
def notification_a(flag_a, mentor_a):
    """mentor_a's notification about flag_a."""
    from django.urls import reverse

    from students.models import Notification

    return Notification.objects.create(user=mentor_a, flag=flag_a,
                                       text="nieuwe signalering aandacht: Sanne Visser",
                                       url=reverse("flags:detail", args=[flag_a.pk]))


@pytest.fixture
def group_a(school_a, leader_a):
    """A summer school of school A, coordinated by its school leader."""
    from interventions.models import GroupIntervention

    return GroupIntervention.objects.create(school=school_a, name="Zomerschool 2027",
                                            goal="tekortvak naar voldoende", starts_on=date(2027, 7, 5),
                                            coordinator=leader_a, created_by=leader_a)


@pytest.fixture
def programme_a(school_a, leader_a):
    """A draft NPO school programme of school A for 2026-2027 and 2027-2028."""
    from schoolplans.models import SchoolProgramme

    return SchoolProgramme.objects.create(school=school_a, title="NPO-programma 2026-2028",
                                          first_year=2026, years=2, created_by=leader_a)


@pytest.fixture
def programme_line_a(programme_a, local_intervention_a):
    """One line of school A's draft programme."""
    from decimal import Decimal

    from schoolplans.models import ProgrammeLine

    return ProgrammeLine.objects.create(programme=programme_a, intervention=local_intervention_a,
                                        expected_students=10, first_year=2026, years=1,
                                        cost_per_year=Decimal("5000"))


@pytest.fixture
def eager_celery():
    """Tasks run in-process, as without REDIS_URL (CI also runs this suite with a broker)."""
    from portal.celery import app

    before = {key: app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(before)


@pytest.fixture
def school_with_numbers(school_a):
    """Het Baken College (with the standard subjects every new school gets) and students 1001
    and 1002, for imports."""
    for number in ("1001", "1002"):
        make_student(school_a, student_number=number)
    return school_a
