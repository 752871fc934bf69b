"""The optional rule "placed above advice": a student whose level is above the primary school's
(adjusted) advice and whose average falls gets points, with a reason a mentor can check. Off
until the school leader switches it on."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from students.models import Flag, Level
from students.risk.settings import RiskSettings
from tests.conftest import make_student
from tests.students.risk.test_rules import ON, assessed, grade, make_subjects, reasons

pytestmark = pytest.mark.django_db

ABOVE = "boven advies geplaatst: vwo bij advies havo/vwo, en gemiddelde daalde van 6,4 naar 5,6"


def import_transfer(tmp_path, *rows):
    path = tmp_path / "overdracht.csv"
    path.write_text("\n".join(["leerlingnummer;schooladvies;heroverwogen advies", *rows]) + "\n")
    call_command("import_transfer", str(path), "--school", "12AB", stdout=StringIO())


def falling(student, subjects, on=ON):
    """6,4 on average in the six weeks before the last three, 5,6 in the last three."""
    for code, earlier, recent in (("wi", "6.0", "5.2"), ("en", "6.8", "6.0")):
        grade(student, subjects[code], earlier, days_before=40, on=on)
        grade(student, subjects[code], recent, days_before=5, on=on)


@pytest.fixture
def subjects(school_a):
    return make_subjects(school_a)


@pytest.fixture
def placed_above(tmp_path, school_a, mentor_a, subjects):
    """A vwo 1 student with a havo/vwo advice (above it: a double advice counts by its lower
    level) whose average falls from 6,4 to 5,6."""
    student = make_student(school_a, mentor_a, student_number="2001", level=Level.VWO, leerjaar=1)
    import_transfer(tmp_path, "2001;havo/vwo;")
    falling(student, subjects)
    return student


def test_the_rule_is_off_until_the_school_switches_it_on(placed_above):
    assert RiskSettings().points_above_advice == 0
    assert "above_advice" not in reasons(assessed(placed_above))
    assert "trend" in reasons(assessed(placed_above))


def test_switched_on_it_names_level_advice_and_the_fall(placed_above):
    result = assessed(placed_above, settings=RiskSettings(points_above_advice=2))
    assert reasons(result)["above_advice"] == ABOVE
    assert [r["points"] for r in result.reasons if r["rule"] == "above_advice"] == [2]
    assert result.level == 1  # trend 1 + 2: aandacht


def test_at_the_advice_without_advice_or_without_a_fall_it_says_nothing(tmp_path, school_a, subjects):
    at = make_student(school_a, student_number="2002", level=Level.HAVO, leerjaar=1)
    raised = make_student(school_a, student_number="2003", level=Level.VWO, leerjaar=1)
    steady = make_student(school_a, student_number="2004", level=Level.VWO, leerjaar=1)
    unknown = make_student(school_a, student_number="2005", level=Level.VWO, leerjaar=1)
    import_transfer(tmp_path, "2002;havo/vwo;", "2003;havo;vwo", "2004;havo;")
    for student in (at, raised, unknown):
        falling(student, subjects)
    grade(steady, subjects["wi"], "6.0", days_before=40)
    grade(steady, subjects["wi"], "6.1", days_before=5)
    on = RiskSettings(points_above_advice=2)
    for student in (at, raised, steady, unknown):
        assert "above_advice" not in reasons(assessed(student, settings=on)), student.student_number


def test_a_leader_switches_it_on_and_the_mentor_reads_the_reason_on_the_flag(
        client, tmp_path, leader_a, mentor_a, school_a, subjects, clock, eager_celery,
        django_capture_on_commit_callbacks):
    clock.move_to(date(clock.school_year.start_year, 11, 25))  # with weeks of grades behind it
    student = make_student(school_a, mentor_a, student_number="2001", level=Level.VWO, leerjaar=1)
    import_transfer(tmp_path, "2001;havo/vwo;")
    falling(student, subjects, on=clock.today)
    values = {name: str(value).replace(".", ",") for name, value in RiskSettings().to_values().items()}
    client.force_login(leader_a)
    page = client.get(reverse("flags:rules")).content.decode()
    assert 'name="points_above_advice"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("flags:rules"), {**values, "points_above_advice": "2"})

    assert response.status_code == 302
    flag = Flag.objects.get(student=student, resolved_on=None)
    assert {r["rule"]: r["text"] for r in flag.reasons}["above_advice"] == ABOVE
    client.force_login(mentor_a)
    assert ABOVE in client.get(reverse("flags:detail", args=[flag.pk])).content.decode()
