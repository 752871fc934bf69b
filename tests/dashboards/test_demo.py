"""The demo (manage.py seed_demo), built once for this module by the seeded_demo fixture
(tests/conftest.py) on the clock's day: two realistic schools, the logins printed, idempotent;
the School Programme on the demo data (also in the summer, when the demo replays last year)."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from dashboards.demo.school_year import replayed_year
from interventions.models import InterventionPlan
from portal.models import AuditEntry, Membership, Role, School, User
from portal.schoolyear import SchoolYear
from schoolplans.models import ProgrammeLine, SchoolProgramme
from students.models import ImportJob, Level, Placement, Score, Student, Transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo", "clock")]


def test_seed_demo_builds_two_realistic_schools_and_prints_logins(seeded_demo):
    out = seeded_demo
    assert School.objects.count() == 2
    assert 550 <= Student.objects.count() <= 650
    assert set(Student.objects.values_list("level", flat=True)) >= {
        Level.VMBO_BB, Level.VMBO_KB, Level.VMBO_GT, Level.HAVO, Level.VWO}
    for school in School.objects.all():
        assert Membership.objects.filter(school=school, role=Role.LEADER).count() == 1
        assert Membership.objects.filter(school=school, role=Role.MENTOR).count() >= 10
        assert not Student.objects.filter(school=school, mentor__isnull=True).exists()
    inspector = User.objects.get(memberships__role=Role.INSPECTOR, memberships__school__brin="12AB")
    assert inspector.memberships.filter(role=Role.INSPECTOR).count() == 2
    for email in User.objects.filter(memberships__role__in=[Role.LEADER, Role.INSPECTOR]).values_list(
            "email", flat=True):
        assert email in out
    assert "leerroute-demo" in out
    assert User.objects.get(email=inspector.email).check_password("leerroute-demo")
    # LO is marked, never graded: O, V, G, ZG and now and then a test not yet made.
    lo = Score.objects.filter(subject__code="lo")
    assert lo.exists() and not lo.filter(grade__isnull=False).exists()
    assert set(lo.values_list("mark", flat=True)) >= {"v", "g", "inh"}


def test_seed_demo_is_idempotent():
    before = (User.objects.count(), Membership.objects.count(),
              list(Student.objects.order_by("pk").values()))
    entries = AuditEntry.objects.count()
    call_command("seed_demo")
    after = (User.objects.count(), Membership.objects.count(),
             list(Student.objects.order_by("pk").values()))
    assert before == after
    assert AuditEntry.objects.count() == entries  # nothing changed, so nothing to log


def test_demo_school_programme(client, django_assert_max_num_queries):
    """The programme on the demo data: the scan fills in and the demo plans count as reach."""
    leader = Membership.objects.filter(role=Role.LEADER).select_related("user", "school").first()
    school = leader.school
    used = (InterventionPlan.objects.filter(student__school=school, intervention__isnull=False)
            .values("intervention").annotate(n=Count("student", distinct=True)).order_by("-n").first())
    first_plan = InterventionPlan.objects.filter(student__school=school).order_by("started_on").first()
    programme = SchoolProgramme.objects.create(school=school, title="NPO", years=1,
                                               first_year=first_plan.started_on.year
                                               if first_plan.started_on.month >= 8
                                               else first_plan.started_on.year - 1)
    ProgrammeLine.objects.create(programme=programme, intervention_id=used["intervention"], expected_students=10,
                                 first_year=programme.first_year, cost_per_year=Decimal("1000"))
    client.force_login(leader.user)
    with django_assert_max_num_queries(15):
        scan = client.get(reverse("schoolplans:scan", args=[programme.pk]))
    assert scan.context["scan"]["totals"]["students"] > 0
    with django_assert_max_num_queries(15):
        execution = client.get(reverse("schoolplans:execution", args=[programme.pk]))
    assert [row["reach"] for row in execution.context["progress"]] == [used["n"]]


@pytest.mark.parametrize(("today", "replayed", "until"), [
    (date(2027, 8, 1), 2026, date(2027, 7, 10)),    # the summer holiday: last school year in full
    (date(2027, 10, 4), 2026, date(2027, 7, 10)),   # five teaching weeks in: still last year
    (date(2027, 10, 11), 2027, date(2027, 10, 11)),  # six: this school year so far
    (date(2028, 2, 29), 2027, date(2028, 2, 29)),
])
def test_the_demo_replays_last_school_year_until_six_weeks_of_this_one_have_passed(today, replayed, until):
    assert replayed_year(today) == (SchoolYear(replayed), until)


def test_the_demo_students_have_a_warme_overdracht_through_the_importer(client):
    """Every active demo student has the primary school's advice (imported as a file), most at
    it and some above or below; the leader's dashboard counts them, a student page shows them."""
    school = School.objects.get(brin="12AB")
    students = Student.objects.filter(school=school, is_active=True)
    assert Transfer.objects.filter(student__in=students).count() == students.count()
    assert ImportJob.objects.filter(kind=ImportJob.Kind.TRANSFER).count() == 0  # no upload: the importer itself
    assert AuditEntry.objects.filter(school=school, object_type="transfer").count() == 1
    placements = Counter(t.placement for t in Transfer.objects.filter(student__in=students).select_related("student"))
    assert placements[Placement.AT] > placements[Placement.ABOVE] > 0 and placements[Placement.BELOW] > 0
    assert Transfer.objects.exclude(adjusted_advice="").exists() and Transfer.objects.exclude(support_needs="").exists()
    leader = User.objects.get(memberships__role=Role.LEADER, memberships__school=school)
    client.force_login(leader)
    table = client.get(reverse("dashboards:school", args=["12AB"])).context["dashboard"]["tables"]["advice"]
    assert str(table.rows[0].cells[0]) == str(students.count())
    page = client.get(students.first().get_absolute_url()).content.decode()
    assert "Schooladvies" in page and ("Doorstroomtoets" in page or "Eindtoets" in page)
