import pytest
from django.urls import reverse

from students.models import Level
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor_group(school_a, mentor_a):
    return [make_student(school_a, mentor_a, given_name=f"Leerling{i:02d}", family_name="Groep",
                         class_code="2H1", leerjaar=2) for i in range(30)]


def test_my_students_lists_only_my_mentees(client, mentor_a, student_a, other_mentor_a, school_a, student_b):
    make_student(school_a, other_mentor_a, given_name="Bram", family_name="Smit")
    client.force_login(mentor_a)
    page = client.get(reverse("students:mine")).content.decode()
    assert "Visser, Sanne" in page
    assert "Smit, Bram" not in page and "Bakker, Daan" not in page
    assert "1 mentorleerling" in page


def test_my_students_runs_constant_queries(client, mentor_a, mentor_group, django_assert_max_num_queries):
    client.force_login(mentor_a)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("students:mine"))
    assert response.content.decode().count("Leerling") >= 30


def test_the_school_list_shows_my_school_only(client, teacher_a, student_a, student_b):
    client.force_login(teacher_a)
    page = client.get(reverse("students:list")).content.decode()
    assert "Visser, Sanne" in page and "Bakker, Daan" not in page


def test_the_school_list_runs_constant_queries(client, leader_a, mentor_group, django_assert_max_num_queries):
    client.force_login(leader_a)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("students:list"))
    assert response.status_code == 200


def test_the_list_filters_by_class_level_and_search(client, leader_a, school_a, mentor_a):
    make_student(school_a, mentor_a, given_name="Fleur", family_name="Kok", class_code="1V1",
                 level=Level.VWO, leerjaar=1)
    make_student(school_a, mentor_a, given_name="Gijs", family_name="Mulder", class_code="3T1",
                 level=Level.VMBO_GT, leerjaar=3)
    client.force_login(leader_a)
    url = reverse("students:list")
    by_class = client.get(url, {"klas": "1v1"}).content.decode()
    assert "Kok, Fleur" in by_class and "Mulder, Gijs" not in by_class
    by_level = client.get(url, {"niveau": "vmbo_gt", "leerjaar": "3"}).content.decode()
    assert "Mulder, Gijs" in by_level and "Kok, Fleur" not in by_level
    by_name = client.get(url, {"q": "mul"}).content.decode()
    assert "Mulder, Gijs" in by_name and "Kok, Fleur" not in by_name


def test_the_list_is_paginated_and_keeps_the_filter(client, leader_a, school_a, mentor_a):
    for i in range(55):
        make_student(school_a, mentor_a, family_name=f"Achternaam{i:02d}", class_code="4H1", leerjaar=4)
    client.force_login(leader_a)
    page = client.get(reverse("students:list"), {"klas": "4H1", "sort": "naam"}).content.decode()
    assert "Pagina 1 van 2" in page
    assert "klas=4H1&amp;sort=naam&amp;pagina=2" in page
    second = client.get(reverse("students:list"), {"klas": "4H1", "sort": "naam", "pagina": 2})
    assert "Achternaam54" in second.content.decode()


def test_student_page_shows_the_warm_handover_notes_and_dutch_dates(client, mentor_a, student_a):
    client.force_login(mentor_a)
    page = client.get(student_a.get_absolute_url()).content.decode()
    assert "Dyslexieverklaring aanwezig." in page
    assert "04-05-2012" in page
    assert reverse("students:edit", args=[student_a.pk]) in page


def test_a_colleague_sees_the_student_but_no_edit_button(client, other_mentor_a, student_a):
    client.force_login(other_mentor_a)
    page = client.get(student_a.get_absolute_url()).content.decode()
    assert "Visser" in page
    assert reverse("students:edit", args=[student_a.pk]) not in page


def test_the_leader_may_edit_any_student_of_the_school(client, leader_a, student_a):
    client.force_login(leader_a)
    response = client.post(reverse("students:edit", args=[student_a.pk]),
                           {"primary_school_notes": "Aangevuld door de teamleider.", "sex": ""})
    assert response.status_code == 302
    student_a.refresh_from_db()
    assert student_a.primary_school_notes == "Aangevuld door de teamleider."
