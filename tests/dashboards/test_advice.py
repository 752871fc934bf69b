"""The school dashboard counts students placed below, at and above the primary school's advice:
the leader sees every figure, an inspector "<10" for any that rests on fewer than ten students."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import services, tables
from students.models import Level, Student
from tests.conftest import make_student

from .factories import group, stored

pytestmark = pytest.mark.django_db


def import_transfer(tmp_path, advice_of):
    path = tmp_path / "overdracht.csv"
    path.write_text("leerlingnummer;schooladvies;heroverwogen advies\n" + "".join(
        f"{student.student_number};{advice}\n" for student, advice in advice_of.items()))
    call_command("import_transfer", str(path), "--school", "12AB", stdout=StringIO())


@pytest.fixture
def advised(tmp_path, small_school, school_a):
    """small_school's students with their advice: Naam1 (havo 3) vwo: below; Naam2 havo/vwo and
    Naam4 havo: at; Naam3 vmbo-gt/havo and Naam5 (vwo 5) havo and after the test havo/vwo: above.
    The student who left had an advice too: not counted."""
    students = {s.given_name: s for s in Student.objects.filter(school=school_a)}
    left = Student.objects.get(school=school_a, is_active=False)
    import_transfer(tmp_path, {students["Naam1"]: "vwo;", students["Naam2"]: "havo/vwo;",
                               students["Naam3"]: "vmbo-gt/havo;", students["Naam4"]: "havo;",
                               students["Naam5"]: "havo;havo/vwo", left: "vwo;"})
    services.refresh_school(school_a)
    return students


def test_the_measures_count_placements_against_the_advice(advised, school_a):
    whole = group(stored(school_a), "", 0)
    assert [whole[k] for k in ("with_advice", "below_advice", "at_advice", "above_advice")] == [5, 1, 2, 2]
    havo = group(stored(school_a), Level.HAVO, 3)
    assert [havo[k] for k in ("with_advice", "below_advice", "at_advice", "above_advice")] == [4, 1, 2, 1]


def test_the_leader_sees_counts_and_shares_and_downloads_them(client, leader_a, advised):
    client.force_login(leader_a)
    response = client.get(reverse("dashboards:school", args=["12AB"]))
    table = response.context["dashboard"]["tables"]["advice"]
    assert [row.header for row in table.rows] == ["Hele school", "havo 3", "vwo 5"]
    assert [str(cell) for cell in table.rows[0].cells] == ["5", "1", "20,0 %", "2", "40,0 %", "2", "40,0 %"]
    page = response.content.decode()
    assert "Tegenover het advies van de basisschool" in page and "Boven advies" in page
    download = client.get(reverse("dashboards:school_export", args=["12AB", "advies", "csv"]))
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Groep", "Met een advies", "Onder advies"]
    assert rows[1] == ["Hele school", "5", "1", "20,0", "2", "40,0", "2", "40,0"]


def test_an_inspector_sees_less_than_ten_for_small_groups(client, inspector, advised):
    client.force_login(inspector)
    response = client.get(reverse("dashboards:inspector_school", args=["12AB"]))
    table = response.context["dashboard"]["tables"]["advice"]
    assert all(str(cell) == "<10" for row in table.rows for cell in row.cells)
    download = client.get(reverse("dashboards:inspector_school_export", args=["12AB", "advies", "csv"]))
    assert "20,0" not in download.content.decode("utf-8-sig")


def test_ten_students_with_an_advice_show_their_shares_to_inspectors(tmp_path, school_a, mentor_a, fixed_today):
    students = [make_student(school_a, mentor_a, level=Level.VWO, leerjaar=1) for _ in range(12)]
    import_transfer(tmp_path, {s: ("havo/vwo;" if n < 3 else "vwo;") for n, s in enumerate(students)})
    detail = services.refresh_school(school_a).detail
    cells = [str(c) for c in tables.advice_table(detail, suppress=True).rows[0].cells]
    assert cells == ["12", "<10", "0,0 %", "<10", "75,0 %", "<10", "25,0 %"]


def test_figures_stored_before_the_warme_overdracht_still_show(client, leader_a, small_school, school_a):
    row = services.refresh_school(school_a)
    for g in row.detail["groups"]:
        for key in ("with_advice", "below_advice", "at_advice", "above_advice"):
            g.pop(key)
    row.save()
    client.force_login(leader_a)
    response = client.get(reverse("dashboards:school", args=["12AB"]))
    assert response.status_code == 200
    assert [str(c) for c in response.context["dashboard"]["tables"]["advice"].rows[0].cells][:2] == ["0", "0"]



def test_computing_and_showing_the_figures_take_as_few_queries_for_many_advices(
        client, tmp_path, leader_a, school_a, mentor_a, fixed_today, django_assert_max_num_queries):
    first = make_student(school_a, mentor_a, level=Level.HAVO, leerjaar=1)
    import_transfer(tmp_path, {first: "havo/vwo;"})
    with CaptureQueriesContext(connection) as few:
        services.refresh_school(school_a)
    students = [make_student(school_a, mentor_a, level=Level.HAVO, leerjaar=1) for _ in range(30)]
    import_transfer(tmp_path, {s: "havo/vwo;" for s in [first, *students]})
    with django_assert_max_num_queries(len(few)):
        services.refresh_school(school_a)
    client.force_login(leader_a)
    with django_assert_max_num_queries(16):  # as tests/dashboards/test_query_counts.py
        assert client.get(reverse("dashboards:school", args=["12AB"])).status_code == 200
