import pytest
from django.urls import reverse

from students.models import Level
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


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


def test_the_inspector_sees_counts_of_assigned_schools_and_no_names(client, inspector_b, student_a,
                                                                    student_b, school_b):
    client.force_login(inspector_b)
    page = client.get(reverse("dashboards:inspector")).content.decode()
    assert school_b.name in page and "Het Baken" not in page
    assert student_b.family_name not in page and student_b.student_number not in page


def test_dashboards_run_constant_queries(client, leader_a, inspector, school_a, mentor_a,
                                         django_assert_max_num_queries):
    for i in range(30):
        make_student(school_a, mentor_a, leerjaar=1 + i % 5)
    client.force_login(leader_a)
    with django_assert_max_num_queries(9):
        client.get(reverse("dashboards:school", args=["12AB"]))
    client.force_login(inspector)
    with django_assert_max_num_queries(6):
        client.get(reverse("dashboards:inspector"))


def test_inspector_counts_are_not_multiplied_by_joins(client, inspector, school_a, mentor_a,
                                                      other_mentor_a, student_b):
    for _ in range(3):
        make_student(school_a, mentor_a)
    make_student(school_a, mentor_a, is_active=False)
    client.force_login(inspector)
    schools = {s.brin: s for s in client.get(reverse("dashboards:inspector")).context["schools"]}
    assert (schools["12AB"].active_students, schools["12AB"].mentor_count) == (3, 2)
    assert (schools["34CD"].active_students, schools["34CD"].mentor_count) == (1, 1)
