"""A school leader's dashboard: figures with traffic lights and explanations, students per
level and year, and the drill-down into one group with its students."""

from datetime import date

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from students.models import Level
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


def test_the_leader_sees_the_figures_with_traffic_lights_and_explanations(client, small_school, leader_a):
    client.force_login(leader_a)
    response = client.get(reverse("dashboards:school", args=["12AB"]))
    page = response.content.decode()
    key = response.context["dashboard"]["key"]["cells"]
    assert (str(key["flagged"]), str(key["reach"]), str(key["median_days"]), str(key["in_time"])) \
        == ("60,0 %", "33,3 %", "19,5", "33,3 %")
    assert key["reach"].light == "act" and key["median_days"].light == "watch"
    assert "actie nodig" in page and "let op" in page  # a word beside every colour
    assert "Hoe deze cijfers tot stand komen" in page
    assert "Bijles X" in page
    groups = response.context["dashboard"]["tables"]["groups"]
    assert not any(cell.suppressed for row in groups.rows for cell in row.cells)  # their own school
    assert reverse("dashboards:school_group", args=["12AB", "havo", 3]) in page


def test_the_school_overview_counts_students_per_level_and_year(client, leader_a, school_a, mentor_a):
    for _ in range(3):
        make_student(school_a, mentor_a, level=Level.HAVO, leerjaar=3)
    make_student(school_a, None, level=Level.VWO, leerjaar=5)
    make_student(school_a, mentor_a, level=Level.VWO, leerjaar=1, is_active=False)
    client.force_login(leader_a)
    response = client.get(reverse("dashboards:school", args=["12AB"]))
    overview = response.context["overview"]
    assert overview["total"] == 4 and overview["without_mentor"] == 1
    levels = {row["level"]: row["cells"] for row in overview["levels"]}
    assert levels == {Level.HAVO: [None, None, 3, None, None, None],
                      Level.VWO: [None, None, None, None, 1, None]}
    assert [(m.email, m.caseload) for m in overview["mentors"]] == [(mentor_a.email, 3)]


def test_the_leader_drills_down_to_the_students_of_a_group(client, small_school, leader_a, school_a):
    client.force_login(leader_a)
    response = client.get(reverse("dashboards:school_group", args=["12AB", "havo", 3]))
    rows = response.context["group"]["rows"]
    assert [r["student"].given_name for r in rows] == ["Naam1", "Naam2", "Naam3", "Naam4"]
    first = rows[0]
    assert (first["risk"], first["days"], first["overdue"], first["plans"]) == (2, 7, True, ["Plan Naam1"])
    assert (rows[1]["days"], rows[1]["first_flag"]) == (None, date(2026, 10, 5))
    cells = response.context["group"]["cells"]
    assert (str(cells["students"]), str(cells["flagged"]), str(cells["median_days"])) == ("4", "75,0 %", "7")
    assert AuditEntry.objects.filter(school=school_a, summary__contains="havo 3").exists()
    download = client.get(reverse("dashboards:group_export", args=["12AB", "havo", 3, "leerlingen", "csv"]))
    text = download.content.decode("utf-8-sig")
    assert "Familie1" in text and small_school[1].student_number in text


def test_an_unknown_group_or_table_is_not_found(client, small_school, leader_a):
    client.force_login(leader_a)
    assert client.get(reverse("dashboards:school_group", args=["12AB", "mbo", 3])).status_code == 404
    assert client.get(reverse("dashboards:school_group", args=["12AB", "havo", 9])).status_code == 404
    assert client.get(reverse("dashboards:school_export", args=["12AB", "geheim", "csv"])).status_code == 404
    assert client.get(reverse("dashboards:school_export", args=["12AB", "groepen", "pdf"])).status_code == 404
