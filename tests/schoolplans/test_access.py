"""What each reader sees of a School Programme. Who gets which page (leaders of the school edit,
inspectors of the school read, another school's leader or inspector gets 404, mentors, teachers
and people without a role 403) is proven by the matrix in tests/portal/test_permissions.py."""

from decimal import Decimal

import pytest
from django.urls import reverse

from schoolplans.models import Budget, ProgrammeLine, SchoolProgramme, Spending
from tests.conftest import make_student

def test_inspector_sees_no_edit_forms(client, inspector, programme_line_a):
    client.force_login(inspector)
    page = client.get(reverse("schoolplans:lines", args=[programme_line_a.programme_id])).content.decode()
    assert "line-form" not in page and "budget-form" not in page


def test_other_schools_programme_is_not_listed(client, leader_b, programme_a):
    client.force_login(leader_b)
    assert programme_a.title not in client.get(reverse("schoolplans:list")).content.decode()


@pytest.fixture
def big_programme(adopted_programme_a, school_a, mentor_a, local_intervention_a):
    """30 lines, each with spending and a plan of a student, to show any query per line."""
    from interventions.models import Intervention, InterventionPlan

    for i in range(30):
        intervention = Intervention.objects.create(school=school_a, key=f"lokaal-{i}", name_nl=f"Lokaal {i}",
                                                   category="BCDEF"[i % 5], sector="vo")
        line = ProgrammeLine.objects.create(programme=adopted_programme_a, intervention=intervention,
                                            expected_students=5, first_year=2026, years=1, cost_per_year=100)
        Spending.objects.create(line=line, school_year=2026, period="p1", amount=Decimal("10"))
        line.adjustments.create(made_on="2026-11-01", reason="bijgesteld")
        InterventionPlan.objects.create(student=make_student(school_a, mentor_a), title="x", need="x", goal="x",
                                        started_on="2026-10-01", intervention=intervention)
    for i in range(30):
        p = SchoolProgramme.objects.create(school=school_a, title=f"Programma {i}", first_year=2026)
        Budget.objects.create(programme=p, school_year=2026, amount_per_student=1, students=1)
    return adopted_programme_a


@pytest.mark.parametrize("name, limit", [("list", 8), ("detail", 10), ("lines", 12), ("execution", 14),
                                         ("versions", 10), ("accounting", 12), ("accounting_pdf", 10),
                                         ("accounting_csv", 10)])
def test_pages_run_a_fixed_number_of_queries(client, leader_a, big_programme, name, limit,
                                             django_assert_max_num_queries):
    client.force_login(leader_a)
    url = reverse("schoolplans:list") if name == "list" else reverse(f"schoolplans:{name}", args=[big_programme.pk])
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_the_uploaded_decision_can_be_downloaded_by_leader_and_inspector_only(client, programme_a,
                                                                             leader_a, inspector, leader_b,
                                                                             inspector_b, mentor_a, settings,
                                                                             tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    programme_a.mr_document.save("instemming-mr.pdf", ContentFile(b"%PDF-1.4 MR"), save=True)
    url = reverse("schoolplans:document", args=[programme_a.pk, "mr"])
    for user, status in ((leader_a, 200), (inspector, 200), (leader_b, 404), (inspector_b, 404),
                         (mentor_a, 403)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert b"".join(response.streaming_content) == b"%PDF-1.4 MR"
    client.force_login(leader_a)
    assert client.get(reverse("schoolplans:document", args=[programme_a.pk, "bestuur"])).status_code == 404
