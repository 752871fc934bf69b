import pytest
from django.core.management import call_command

from portal.models import AuditEntry, Membership, Role, School, User
from students.models import Level, Student

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_two_realistic_schools_and_prints_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
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


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    before = (User.objects.count(), Membership.objects.count(),
              list(Student.objects.order_by("pk").values()))
    entries = AuditEntry.objects.count()
    call_command("seed_demo")
    after = (User.objects.count(), Membership.objects.count(),
             list(Student.objects.order_by("pk").values()))
    assert before == after
    assert AuditEntry.objects.count() == entries  # nothing changed, so nothing to log
