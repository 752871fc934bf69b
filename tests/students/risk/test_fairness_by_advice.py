"""Are the flags fair to students placed below, at or above the primary school's advice? The
flag evaluation compares them as it compares boys and girls: on the rules page and on the
command line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from students.models import Placement
from students.risk.evaluation import evaluate
from tests.students.risk.test_flag_commands import YEAR, command, last_year, numbers  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def advised(tmp_path, last_year):  # noqa: F811
    """last_year's students with their warme overdracht: A (havo 3, flagged, repeated) had a vwo
    advice, B (havo 3, flagged, promoted) vmbo-gt/havo, C (vwo 2, not flagged, moved down)
    havo/vwo, D (vwo 2, not flagged, fine) vwo; E has no transfer data."""
    advice = {"A": "vwo", "B": "vmbo-gt/havo", "C": "havo/vwo", "D": "vwo"}
    path = tmp_path / "overdracht.csv"
    path.write_text("leerlingnummer;schooladvies\n" + "".join(
        f"{last_year[name].student_number};{text}\n" for name, text in advice.items()))
    call_command("import_transfer", str(path), "--school", "12AB", stdout=StringIO())
    return last_year


def test_the_evaluation_compares_students_below_at_and_above_their_advice(school_a, advised):
    result = evaluate(school_a, YEAR)
    assert [(r.label, numbers(r)) for r in result.by_advice] == [
        (str(Placement.BELOW.label), (1, 1, 1, 1)), (str(Placement.AT.label), (1, 0, 0, 0)),
        (str(Placement.ABOVE.label), (2, 1, 1, 0))]
    above = result.by_advice[2]
    assert (above.recall, above.precision) == (0.0, 0.0)
    assert numbers(result.total) == (5, 2, 3, 1)  # E, without an advice, still counts in the total


def test_the_rules_page_and_the_command_show_the_comparison(client, leader_a, school_a, advised):
    client.force_login(leader_a)
    page = client.get(reverse("flags:rules"), {"jaar": "2025-2026"}).content.decode()
    table = page[page.index("Huidig niveau tegenover het advies van de basisschool"):]
    table = table[:table.index("</table>")]
    for label in ("onder advies", "op advies", "boven advies"):
        assert label in table
    out = command("evaluate_flags", "--school", "12AB", "--year", "2025-2026")
    rows = {line.split("  ")[0].strip(): line.split()[-6:] for line in out.splitlines()
            if line[:1].isalpha() and "  " in line}
    assert rows[str(Placement.ABOVE.label)] == ["2", "1", "1", "0", "0%", "0%"]


def test_without_transfer_data_there_is_no_comparison(client, leader_a, school_a, last_year):  # noqa: F811
    assert evaluate(school_a, YEAR).by_advice == []
    client.force_login(leader_a)
    page = client.get(reverse("flags:rules"), {"jaar": "2025-2026"}).content.decode()
    assert "Huidig niveau tegenover het advies" not in page
