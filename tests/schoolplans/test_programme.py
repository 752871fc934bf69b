"""Budget totals, states and who may move them, versions after adoption."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from schoolplans import services, versions
from schoolplans.models import ProgrammeLine, SchoolProgramme

from .conftest import adopt


def test_budget_is_amount_per_student_times_students_against_planned_costs(planned_programme_a):
    rows = services.budget_overview(planned_programme_a)
    assert [(str(r["year"]), r["budget"], r["planned"], r["over"]) for r in rows] == [
        ("2026-2027", Decimal("20000"), Decimal("22000"), True),
        ("2027-2028", Decimal("20000"), Decimal("12000"), False),
    ]


def test_leader_creates_a_programme(client, leader_a, school_a):
    client.force_login(leader_a)
    response = client.post(reverse("schoolplans:list"), {"school": school_a.pk, "title": "NPO 2026",
                                                          "first_year": 2026, "years": 2})
    programme = SchoolProgramme.objects.get()
    assert response.url == reverse("schoolplans:detail", args=[programme.pk])
    assert (programme.state, programme.created_by) == ("draft", leader_a)


def test_leader_adds_a_line_and_a_budget_through_the_page(client, leader_a, programme_a, tutoring_a):
    client.force_login(leader_a)
    url = reverse("schoolplans:lines", args=[programme_a.pk])
    client.post(url, {"action": "line", "intervention": tutoring_a.pk, "expected_students": 12,
                      "first_year": 2026, "years": 1, "hours": "40", "cost_per_year": "9000"})
    client.post(url, {"action": "budget", "school_year": 2026, "amount_per_student": "300", "students": 25})
    page = client.get(url).content.decode()
    assert "Bijles in kleine groepen" in page
    assert "7.500,00" in page and "9.000,00" in page  # budget 300 × 25 against 9.000 planned


def test_a_line_outside_the_programme_years_is_refused(client, leader_a, programme_a, tutoring_a):
    client.force_login(leader_a)
    client.post(reverse("schoolplans:lines", args=[programme_a.pk]),
                {"action": "line", "intervention": tutoring_a.pk, "expected_students": 12,
                 "first_year": 2027, "years": 2, "hours": "40", "cost_per_year": "9000"})
    assert not ProgrammeLine.objects.exists()


def test_exceeding_the_budget_needs_an_explicit_confirmation(planned_programme_a, leader_a):
    with pytest.raises(ValidationError):
        services.transition(planned_programme_a, "consultation", leader_a)
    services.confirm_over_budget(actor=leader_a, programme=planned_programme_a)
    services.transition(planned_programme_a, "consultation", leader_a)
    assert planned_programme_a.state == "consultation"


def test_changing_the_plan_withdraws_the_confirmation(client, leader_a, planned_programme_a):
    services.confirm_over_budget(actor=leader_a, programme=planned_programme_a)
    client.force_login(leader_a)
    client.post(reverse("schoolplans:lines", args=[planned_programme_a.pk]),
                {"action": "budget", "school_year": 2026, "amount_per_student": "450", "students": 40})
    planned_programme_a.refresh_from_db()
    assert not planned_programme_a.over_budget_confirmed


def test_the_states_follow_the_table_to_closed(adopted_programme_a, leader_a):
    assert adopted_programme_a.state == "adopted"
    services.transition(adopted_programme_a, "running", leader_a)
    services.transition(adopted_programme_a, "closed", leader_a)
    assert SchoolProgramme.objects.get().state == "closed"


@pytest.mark.parametrize("to", ["mr_approved", "adopted", "running", "closed"])
def test_a_draft_cannot_skip_steps(planned_programme_a, leader_a, to):
    with pytest.raises(ValidationError):
        services.transition(planned_programme_a, to, leader_a)


def test_mr_approval_needs_the_team_consultation_and_the_mr_decision(planned_programme_a, leader_a):
    services.confirm_over_budget(actor=leader_a, programme=planned_programme_a)
    services.transition(planned_programme_a, "consultation", leader_a)
    with pytest.raises(ValidationError):
        services.transition(planned_programme_a, "mr_approved", leader_a)
    planned_programme_a.team_consulted_on = "2026-09-01"
    planned_programme_a.mr_on, planned_programme_a.mr_outcome = "2026-09-15", "rejected"
    with pytest.raises(ValidationError):
        services.transition(planned_programme_a, "mr_approved", leader_a)


@pytest.mark.parametrize("persona", ["mentor_a", "teacher_a", "inspector", "leader_b"])
def test_only_the_schools_leader_moves_the_state(planned_programme_a, persona, request):
    planned_programme_a.over_budget_confirmed = True
    with pytest.raises(PermissionDenied):
        services.transition(planned_programme_a, "consultation", request.getfixturevalue(persona))


def test_leader_moves_the_state_on_the_overview(client, leader_a, planned_programme_a):
    services.confirm_over_budget(actor=leader_a, programme=planned_programme_a)
    client.force_login(leader_a)
    client.post(reverse("schoolplans:detail", args=[planned_programme_a.pk]), {"to": "consultation"})
    assert SchoolProgramme.objects.get().state == "consultation"


def test_an_adopted_programme_is_locked(client, leader_a, adopted_programme_a, tutoring_a):
    line = adopted_programme_a.lines.get(intervention=tutoring_a)
    client.force_login(leader_a)
    client.post(reverse("schoolplans:line_edit", args=[adopted_programme_a.pk, line.pk]),
                {"intervention": tutoring_a.pk, "expected_students": 99, "first_year": 2026, "years": 2,
                 "hours": "80", "cost_per_year": "1"})
    line.refresh_from_db()
    assert (line.expected_students, line.cost_per_year) == (10, Decimal("12000"))
    with pytest.raises(ValidationError):
        services.save_budget(actor=leader_a, programme=adopted_programme_a, school_year=2026,
                             amount_per_student=1, students=1)


def test_a_change_after_adoption_is_a_new_version_with_visible_differences(client, leader_a, adopted_programme_a,
                                                                           tutoring_a):
    assert list(adopted_programme_a.versions.values_list("number", flat=True)) == [1]
    client.force_login(leader_a)
    client.post(reverse("schoolplans:versions", args=[adopted_programme_a.pk]),
                {"reason": "Meer leerlingen in havo 3"})
    adopted_programme_a.refresh_from_db()
    assert (adopted_programme_a.version, adopted_programme_a.state) == (2, "draft")
    line = adopted_programme_a.lines.get(intervention=tutoring_a)
    client.post(reverse("schoolplans:line_edit", args=[adopted_programme_a.pk, line.pk]),
                {"intervention": tutoring_a.pk, "expected_students": 15, "first_year": 2026, "years": 2,
                 "hours": "80", "staff": "2 docenten", "cost_per_year": "15000",
                 "target_levels": "havo", "target_leerjaren": "3"})
    adopt(adopted_programme_a, leader_a)
    assert list(adopted_programme_a.versions.values_list("number", flat=True)) == [1, 2]
    old, new = adopted_programme_a.versions.all()
    tutoring = next(line for line in old.snapshot["lines"] if line["intervention"] == "Bijles in kleine groepen")
    assert tutoring["cost_per_year"] == "12000.00"
    difference = versions.diff(old.snapshot, new.snapshot)
    assert difference["changed"][0]["fields"] == [("expected_students", 10, 15),
                                                  ("cost_per_year", "12000.00", "15000.00")]
    page = client.get(reverse("schoolplans:versions", args=[adopted_programme_a.pk])).content.decode()
    assert "Meer leerlingen in havo 3" in page
    assert "12000.00 → 15000.00" in page


def test_a_draft_cannot_get_a_new_version(planned_programme_a, leader_a):
    with pytest.raises(ValidationError):
        services.new_version(actor=leader_a, programme=planned_programme_a, reason="x")


def test_leader_records_the_decisions_with_a_document(client, leader_a, planned_programme_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(leader_a)
    client.post(reverse("schoolplans:approvals", args=[planned_programme_a.pk]), {
        "team_consulted_on": "2026-09-01", "team_notes": "Team akkoord", "mr_on": "2026-09-15",
        "mr_outcome": "approved", "mr_document": SimpleUploadedFile("mr.pdf", b"%PDF-1.4"),
        "municipality_informed_on": "2026-10-01"})
    planned_programme_a.refresh_from_db()
    assert planned_programme_a.mr_outcome == "approved"
    assert planned_programme_a.mr_document.name.endswith(".pdf")
    assert str(planned_programme_a.municipality_informed_on) == "2026-10-01"


def test_spending_and_adjustments_while_running(client, leader_a, adopted_programme_a, tutoring_a):
    line = adopted_programme_a.lines.get(intervention=tutoring_a)
    client.force_login(leader_a)
    url = reverse("schoolplans:execution", args=[adopted_programme_a.pk])
    client.post(url, {"action": "spending", "line": line.pk, "school_year": 2026, "period": "periode 1",
                      "amount": "2500", "note": ""})
    client.post(url, {"action": "adjustment", "adjustment-line": line.pk, "adjustment-made_on": "2026-12-01",
                      "adjustment-reason": "Groepen kleiner gemaakt"})
    assert line.spendings.get().amount == Decimal("2500")
    page = client.get(url).content.decode()
    assert "2.500,00" in page and "Groepen kleiner gemaakt" in page


def test_no_spending_before_adoption(planned_programme_a, leader_a):
    with pytest.raises(ValidationError):
        services.add_spending(actor=leader_a, line=planned_programme_a.lines.first(), school_year=2026,
                              period="p1", amount=1)
