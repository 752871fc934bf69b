"""The student page's "Warme overdracht" card: what the primary school handed over, for everyone
who may open the page, and nothing for anyone else."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from students.models import Student
from tests.conftest import make_student
from tests.students.imports.test_transfer import HEADER, ROSTER, ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path, school_a, mentor_a):
    """School A's roster and transfer file, imported from the command line; Sanne (1001) is
    mentor_a's mentee."""
    (tmp_path / "leerlingen.csv").write_text(ROSTER.replace("\n", ";\n").replace("klas;", "klas;mentor")
                                             .replace("1H1;", "1H1;mentor@a.example"))
    (tmp_path / "overdracht.csv").write_text("\n".join([HEADER, *ROWS]) + "\n")
    for command, name in (("import_students", "leerlingen.csv"), ("import_transfer", "overdracht.csv")):
        call_command(command, str(tmp_path / name), "--school", "12AB", stdout=StringIO())
    return {s.student_number: s for s in Student.objects.filter(school=school_a)}


def test_the_student_page_shows_the_transfer_card(client, mentor_a, imported):
    client.force_login(mentor_a)
    page = client.get(imported["1001"].get_absolute_url()).content.decode()
    card = page[page.index('id="handover-heading"'):]
    for text in ("Warme overdracht", "Schooladvies", "havo", "Heroverwogen advies", "havo/vwo",
                 "na de doorstroomtoets", "Doorstroomtoets", "score 214", "lezen 2F", "rekenen 1S",
                 "Leest graag", "OBS De Regenboog", "op advies"):
        assert text in card, text


def test_a_student_at_the_advice_and_one_without_transfer_data(client, leader_a, imported, school_a):
    client.force_login(leader_a)
    daan = client.get(imported["1002"].get_absolute_url()).content.decode()
    assert "boven advies" in daan and "niet bijgesteld" in daan and "Extra tijd bij toetsen (dyslexie)" in daan
    mila = client.get(imported["1003"].get_absolute_url()).content.decode()
    assert "vmbo-kb/gt · lwoo" in mila and "boven advies" in mila and "&lt;1F" in mila
    newcomer = make_student(school_a, student_number="1004")
    page = client.get(newcomer.get_absolute_url()).content.decode()
    assert "Er is geen overdracht van de basisschool ingelezen." in page


def test_another_schools_leader_and_an_inspector_get_404(client, leader_b, inspector, imported):
    for user in (leader_b, inspector):
        client.force_login(user)
        assert client.get(imported["1001"].get_absolute_url()).status_code == 404


def test_the_card_costs_one_query_whatever_it_holds(client, mentor_a, imported, school_a):
    client.force_login(mentor_a)
    bare = make_student(school_a, mentor_a, student_number="1005")
    with CaptureQueriesContext(connection) as without:
        client.get(bare.get_absolute_url())
    without = len(without)
    with CaptureQueriesContext(connection) as with_card:
        client.get(imported["1001"].get_absolute_url())
    assert len(with_card) == without
