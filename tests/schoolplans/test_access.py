"""Who gets which page: leaders of the school edit, inspectors of the school read, another
school's leader or inspector gets 404, mentors, teachers and people without a role 403."""

from decimal import Decimal

import pytest
from django.urls import reverse

from schoolplans.models import Budget, ProgrammeLine, SchoolProgramme, Spending
from tests.conftest import make_student

PERSONAS = ("outsider", "mentor_a", "other_mentor_a", "teacher_a", "leader_a", "mentor_b", "leader_b",
            "inspector", "inspector_b")
NO_ACCESS = {"outsider", "mentor_a", "other_mentor_a", "teacher_a", "mentor_b"}
READ_PAGES = ["detail", "scan", "lines", "approvals", "execution", "versions", "accounting",
              "accounting_pdf", "accounting_csv"]


def _expected(name, persona):
    if name == "list":
        return 403 if persona in NO_ACCESS else 200
    if name == "line_edit":
        return {"leader_a": 200, "leader_b": 404}.get(persona, 403)
    if persona in NO_ACCESS:
        return 403
    return 404 if persona in {"leader_b", "inspector_b"} else 200


def _url(name, request):
    if name == "list":
        return reverse("schoolplans:list")
    line = request.getfixturevalue("programme_line_a")
    if name == "line_edit":
        return reverse("schoolplans:line_edit", args=[line.programme_id, line.pk])
    return reverse(f"schoolplans:{name}", args=[line.programme_id])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["list", "line_edit", *READ_PAGES])
def test_every_page_for_every_persona(client, request, name, persona):
    url = _url(name, request)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == _expected(name, persona)


@pytest.mark.parametrize("name", ["list", "line_edit", *READ_PAGES])
def test_anonymous_goes_to_login(client, request, name):
    response = client.get(_url(name, request))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona, status", [("inspector", 403), ("leader_b", 404), ("mentor_a", 403)])
@pytest.mark.parametrize("name", ["detail", "scan", "lines", "approvals", "execution", "versions"])
def test_only_the_schools_leader_changes_anything(client, request, programme_line_a, name, persona, status):
    client.force_login(request.getfixturevalue(persona))
    url = reverse(f"schoolplans:{name}", args=[programme_line_a.programme_id])
    assert client.post(url, {"action": "confirm", "to": "consultation", "reason": "x"}).status_code == status
    programme = SchoolProgramme.objects.get()
    assert (programme.state, programme.over_budget_confirmed, programme.version) == ("draft", False, 1)


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
