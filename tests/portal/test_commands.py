import pytest
from django.core.management import CommandError, call_command

from portal.models import Membership, Role, School, User

pytestmark = pytest.mark.django_db


def run(*args, **kwargs):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_create_school_stores_brin_upper_case_and_is_idempotent():
    assert "Created" in run("create_school", "12ab", "Het Baken", "--municipality", "Almere")
    assert "Updated" in run("create_school", "12AB", "Het Baken College")
    school = School.objects.get()
    assert (school.brin, school.name, school.municipality, school.sector) == (
        "12AB", "Het Baken College", "Almere", "vo")


def test_create_school_with_vestiging_number():
    run("create_school", "06RU01", "Vestiging Noord", "--sector", "po")
    school = School.objects.get()
    assert (school.brin, school.vestiging, school.sector) == ("06RU", "01", "po")


@pytest.mark.parametrize("bad", ["12A", "12ABC", "12-B", "12AB0X", "ÄBCD"])
def test_create_school_rejects_a_bad_brin(bad):
    with pytest.raises(CommandError, match="BRIN|vestiging"):
        run("create_school", bad, "Foute School")
    assert not School.objects.exists()


def test_create_user_with_password_from_environment(monkeypatch, school_a):
    monkeypatch.setenv("NEW_PASSWORD", "een-lang-wachtwoord")
    run("create_user", "L.Post@A.example", "--role", "mentor", "--school", "12ab",
        "--password-from-env", "NEW_PASSWORD")
    user = User.objects.get()
    assert user.email == "l.post@a.example"
    assert user.check_password("een-lang-wachtwoord")
    assert list(user.memberships.values_list("role", "school__brin")) == [("mentor", "12AB")]


def test_create_user_is_idempotent_and_adds_roles(school_a):
    run("create_user", "p@a.example", "--role", "mentor", "--school", "12AB")
    run("create_user", "p@a.example", "--role", "mentor", "--school", "12AB")
    run("create_user", "p@a.example", "--role", "leader", "--school", "12AB")
    assert User.objects.count() == 1
    assert sorted(Membership.objects.values_list("role", flat=True)) == ["leader", "mentor"]
    assert not User.objects.get().has_usable_password()


def test_an_inspector_can_cover_several_schools(school_a, school_b):
    run("create_user", "i@inspectie.example", "--role", "inspector", "--school", "12AB",
        "--school", "34CD")
    assert Membership.objects.filter(role=Role.INSPECTOR).count() == 2


def test_a_mentor_belongs_to_one_school_per_command(school_a, school_b):
    with pytest.raises(CommandError, match="Alleen een inspecteur"):
        run("create_user", "m@a.example", "--role", "mentor", "--school", "12AB", "--school", "34CD")
    assert not User.objects.exists()


def test_create_user_names_an_unknown_school(school_a):
    with pytest.raises(CommandError, match="Er is geen school met BRIN-code 99ZZ"):
        run("create_user", "m@a.example", "--role", "mentor", "--school", "99ZZ")
    assert not User.objects.exists()


def test_create_user_rejects_a_bad_brin(school_a):
    with pytest.raises(CommandError, match="BRIN"):
        run("create_user", "m@a.example", "--role", "mentor", "--school", "1")


def test_create_user_fails_when_the_password_variable_is_empty(monkeypatch, school_a):
    monkeypatch.delenv("NOPE", raising=False)
    with pytest.raises(CommandError, match="NOPE"):
        run("create_user", "m@a.example", "--role", "mentor", "--school", "12AB",
            "--password-from-env", "NOPE")
    assert not User.objects.exists()


def test_create_user_rejects_a_bad_email(school_a):
    with pytest.raises(CommandError, match="e-mail"):
        run("create_user", "not-an-address", "--role", "mentor", "--school", "12AB")
