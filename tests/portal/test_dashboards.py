"""Progress dashboards: every measure against hand-computed values on a small school, small
cells suppressed for inspectors, no names or notes for them, downloads, drill-down, speed."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from interventions.models import Intervention, InterventionPlan, PlanEvaluation
from portal.dashboards import services, tables
from portal.dashboards.models import SchoolMeasures
from portal.models import AuditEntry
from schoolplans.models import Budget, ProgrammeLine, SchoolProgramme, Spending
from students.models import Flag, FlagEvent, Level, PromotionDecision, RiskLevel, Score, Subject
from tests.conftest import make_student

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)  # a Wednesday in school year 2026-2027


@pytest.fixture
def fixed_today(monkeypatch):
    """The dashboards' clock stands still on TODAY (only "today"; dates given stay dates)."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


def at(day):
    return timezone.make_aware(datetime.combine(day, time(16)))


def flag(student, raised, level=RiskLevel.ATTENTION, *, status=Flag.Status.OPEN, resolved=None):
    made = Flag.objects.create(student=student, level=level, status=status, raised_on=at(raised),
                               changed_on=at(raised), resolved_on=at(resolved) if resolved else None,
                               reasons=[{"rule": "insufficient", "text": "wiskunde onder 5,5", "points": 2}])
    FlagEvent.objects.create(flag=made, at=at(raised), kind="raised", level=level, reasons=made.reasons)
    return made


def plan(student, started, intervention=None, *, next_evaluation=None):
    return InterventionPlan.objects.create(
        student=student, title=f"Plan {student.given_name}", need="achterstand wiskunde",
        goal="wiskunde weer voldoende", started_on=started, intervention=intervention,
        next_evaluation_on=next_evaluation)


@pytest.fixture
def small_school(school_a, mentor_a, fixed_today):
    """Five active students of school A (four in havo 3, one in vwo 5) and one who left.

    s1: high flag 01-10, plan (X) 08-10 (7 days), evaluation overdue since 19-11
    s2: attention flag 05-10, no help yet
    s3: attention flag 20-11 (less than three weeks ago), no help yet
    s4: a flag of 10-10 that the mentor dismissed
    s5 (vwo 5): flag 10-09, resolved 01-11; plan (Y) 12-10 (32 days), evaluated 14-11
        for the cycle due 12-11 (late), goal met
    Decisions of 2025-2026: havo 2 → s1 promoted, s2 repeats, s3 promoted; vwo 5 (pre-exam)
    → the student who left repeats. Grades of s1 and s2 for "what works here".
    """
    s = {n: make_student(school_a, mentor_a, given_name=f"Naam{n}", family_name=f"Familie{n}",
                         level=Level.HAVO, leerjaar=3) for n in (1, 2, 3, 4)}
    s[5] = make_student(school_a, mentor_a, given_name="Naam5", family_name="Familie5",
                        level=Level.VWO, leerjaar=5)
    left = make_student(school_a, None, level=Level.VWO, leerjaar=6, is_active=False)
    x = Intervention.objects.create(key="x", name_nl="Bijles X", category="B", sector="vo", effect_months=5)
    y = Intervention.objects.create(key="y", name_nl="Huiswerkklas Y", category="B", sector="vo")
    flag(s[1], date(2026, 10, 1), RiskLevel.HIGH)
    flag(s[2], date(2026, 10, 5))
    flag(s[3], date(2026, 11, 20))
    flag(s[4], date(2026, 10, 10), status=Flag.Status.DISMISSED)
    flag(s[5], date(2026, 9, 10), status=Flag.Status.RESOLVED, resolved=date(2026, 11, 1))
    plan(s[1], date(2026, 10, 8), x, next_evaluation=date(2026, 11, 19))
    p5 = plan(s[5], date(2026, 10, 12), y, next_evaluation=date(2026, 12, 24))
    PlanEvaluation.objects.create(plan=p5, cycle=1, due_on=date(2026, 11, 12), evaluated_on=date(2026, 11, 14),
                                  goal_result=PlanEvaluation.GoalResult.MET,
                                  decision=PlanEvaluation.Decision.CONTINUE)
    for student, decision, level, year in (
        (s[1], "bevorderd", Level.HAVO, 2), (s[2], "doubleren", Level.HAVO, 2),
        (s[3], "bevorderd", Level.HAVO, 2), (left, "doubleren", Level.VWO, 5),
    ):
        PromotionDecision.objects.create(student=student, school_year=2025, decision=decision, level=level,
                                          leerjaar=year, decided_on=date(2026, 7, 8))
    maths = Subject.objects.create(school=school_a, code="wi", name="wiskunde")
    for student, grades in ((s[1], [(date(2026, 9, 14), "5.0"), (date(2026, 10, 1), "6.0"),
                                    (date(2026, 10, 20), "7.0")]),
                            (s[2], [(date(2026, 9, 20), "6.0"), (date(2026, 10, 22), "5.0")])):
        for day, grade in grades:
            Score.objects.create(student=student, subject=maths, test="toets", date=day, grade=Decimal(grade))
    services.refresh_school(school_a)
    return s


def stored(school):
    return SchoolMeasures.objects.get(school=school, school_year=2026).detail


def group(detail, level, leerjaar):
    return next(g for g in detail["groups"] if (g["level"], g["leerjaar"]) == (level, leerjaar))


def test_every_measure_of_the_school_matches_a_hand_count(small_school, school_a):
    whole = group(stored(school_a), "", 0)
    assert {k: v for k, v in whole.items() if k not in ("level", "leerjaar")} == {
        "students": 5, "flagged": 3, "flagged_high": 1, "flagged_with_plan": 1,
        "new_flags": 5,           # the dismissed one was raised too
        "first_flagged": 4,       # s1, s2, s3, s5 (not the dismissed s4)
        "helped": 2, "median_days": 19.5,  # s1 after 7 days, s5 after 32
        "due": 3, "helped_in_time": 1,     # s1, s2, s5 flagged ≥ 3 weeks ago; only s1 in time
        "plans_active": 2, "evaluations_overdue": 1,
        "evaluations_on_time": 0, "evaluations_late": 1,
        "plans_evaluated": 1, "goals_met": 1,
        "decided": 0, "repeated": 0,       # no decisions yet this school year
    }
    havo = group(stored(school_a), Level.HAVO, 3)
    assert (havo["students"], havo["flagged"], havo["first_flagged"], havo["helped"], havo["median_days"]) \
        == (4, 3, 3, 1, 7.0)
    vwo = group(stored(school_a), Level.VWO, 5)
    assert (vwo["students"], vwo["flagged"], vwo["helped"], vwo["median_days"], vwo["goals_met"]) \
        == (1, 0, 1, 32.0, 1)


def test_flags_and_plans_are_counted_per_week(small_school, school_a):
    weeks = stored(school_a)["weeks"]
    whole = next(g for g in weeks["groups"] if g["level"] == "")
    per_week = {w: (whole["new_flags"][i], whole["new_high"][i], whole["plans_started"][i])
                for i, w in enumerate(weeks["weeks"])}
    assert weeks["weeks"][0] == "2026-07-27" and weeks["weeks"][-1] == "2026-11-23"
    assert per_week["2026-09-28"] == (1, 1, 0)   # s1's high flag on Thursday 01-10
    assert per_week["2026-10-05"] == (2, 0, 1)   # s2 and s4's flags, s1's plan
    assert per_week["2026-10-12"] == (0, 0, 1)   # s5's plan
    assert sum(whole["new_flags"]) == 5 and sum(whole["plans_started"]) == 2


def test_retention_per_school_year_with_the_pre_exam_years_apart(small_school, school_a):
    (year,) = stored(school_a)["retention"]
    cells = {(g["level"], g["leerjaar"]): (g["decided"], g["repeated"]) for g in year["groups"]}
    assert year["school_year"] == 2025
    assert cells[("", 0)] == (4, 2)
    assert cells[("pre_exam", 0)] == (1, 1) and cells[("other", 0)] == (3, 1)
    assert cells[(Level.HAVO, 2)] == (3, 1) and cells[(Level.VWO, 5)] == (1, 1)
    table = tables.retention_table(stored(school_a))
    assert [str(c) for c in table.rows[0].cells] == ["4", "2", "50,0 %", "100,0 %", "33,3 %"]
    assert table.rows[0].cells[2].light == "act"


def test_what_works_compares_with_comparable_students(small_school, school_a):
    works = {row["name"]: row for row in stored(school_a)["what_works"]}
    x = works["Bijles X"]
    # s1: grades 5,0 and 6,0 in the six weeks before 08-10, 7,0 after: +1,5; risk high → high.
    assert (x["enrolled"], x["own_grade_n"], x["own_grade_change"], x["own_risk_change"]) == (1, 1, 1.5, 0)
    # Comparable: havo 3, flagged on 08-10, without X: only s2 (6,0 → 5,0; attention → attention).
    assert (x["comparison_students"], x["comparison_grade_change"], x["comparison_risk_change"]) == (1, -1.0, 0)
    assert x["effect_months"] == 5 and (x["plans_evaluated"], x["goals_met"]) == (0, 0)
    y = works["Huiswerkklas Y"]
    # s5: flagged 10-09 (attention) and resolved 01-11: risk 1 → 0 six weeks after 12-10.
    assert (y["enrolled"], y["own_risk_n"], y["own_risk_change"], y["own_grade_n"]) == (1, 1, -1.0, 0)
    assert (y["plans_evaluated"], y["goals_met"], y["comparison_students"]) == (1, 1, 0)


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


def test_inspectors_see_small_cells_suppressed(client, small_school, inspector):
    client.force_login(inspector)
    response = client.get(reverse("dashboards:inspector_school", args=["12AB"]))
    groups = response.context["dashboard"]["tables"]["groups"]
    whole = groups.rows[0]
    assert str(whole.cells[0]) == "<10"  # 5 students
    assert all(str(cell) == "<10" for row in groups.rows for cell in row.cells)
    assert "&lt;10" in response.content.decode()
    works = response.context["dashboard"]["tables"]["what_works"]
    assert str(works.rows[0].cells[1]) == "<10"


def test_a_share_is_shown_to_inspectors_once_ten_students_carry_it(school_a, mentor_a, fixed_today):
    for n in range(12):
        student = make_student(school_a, mentor_a)
        if n < 3:
            flag(student, date(2026, 10, 1))
    detail = services.refresh_school(school_a).detail
    cells = tables.groups_table(detail, suppress=True).rows[0].cells
    assert [str(c) for c in cells[:3]] == ["12", "25,0 %", "0,0 %"]
    assert str(cells[3]) == "<10"  # reach: 3 flagged students


def test_inspectors_never_receive_names_or_notes(client, small_school, inspector, school_a):
    small_school[1].signals.create(week=date(2026, 10, 5), category="home", severity=2,
                                   note="Geheime thuissituatie")
    services.refresh_school(school_a)
    client.force_login(inspector)
    pages = [client.get(reverse("dashboards:inspector")),
             client.get(reverse("dashboards:inspector_school", args=["12AB"])),
             client.get(reverse("dashboards:inspector_export", args=["csv"]))]
    for key in ("groepen", "per-maand", "doubleren", "wat-werkt", "programma"):
        pages.append(client.get(reverse("dashboards:inspector_school_export", args=["12AB", key, "csv"])))
        xlsx = client.get(reverse("dashboards:inspector_school_export", args=["12AB", key, "xlsx"]))
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        pages.append(type("R", (), {"content": " ".join(str(c.value) for row in sheet.iter_rows()
                                                           for c in row).encode()})())
    for response in pages:
        text = response.content.decode()
        for secret in ("Familie", "Naam", "Geheime", "wiskunde onder", "Plan Naam"):
            assert secret not in text
        for student in small_school.values():
            assert student.student_number not in text


def test_the_inspector_overview_has_a_row_per_school_sorted_on_request(client, small_school, inspector,
                                                                          school_b, fixed_today):
    services.refresh_school(school_b)
    client.force_login(inspector)
    response = client.get(reverse("dashboards:inspector"))
    table = response.context["overview"]["table"]
    assert [row.header for row in table.rows] == ["De Linde", "Het Baken College"]
    baken = table.rows[1].cells
    assert baken[0] == "12AB" and str(baken[1]) == "<10"
    assert str(baken[8]) == "<10"  # retention: 4 decisions
    response = client.get(reverse("dashboards:inspector") + "?sort=school&order=desc")
    assert [r.header for r in response.context["overview"]["table"].rows] == ["Het Baken College", "De Linde"]


def test_the_overview_says_how_fresh_the_figures_are(client, small_school, inspector, school_b):
    client.force_login(inspector)
    overview = client.get(reverse("dashboards:inspector")).context["overview"]
    assert overview["missing"] == 1 and overview["oldest"] is not None
    page = client.get(reverse("dashboards:inspector")).content.decode()
    assert "1 school heeft nog geen cijfers" in page


def test_downloads_are_the_page_tables_and_safe_in_a_spreadsheet(client, small_school, leader_a, school_a):
    Intervention.objects.filter(key="x").update(name_nl='=HYPERLINK("http://x.invalid","klik")')
    services.refresh_school(school_a)
    client.force_login(leader_a)
    response = client.get(reverse("dashboards:school_export", args=["12AB", "wat-werkt", "csv"]))
    assert response["Content-Disposition"] == 'attachment; filename="12AB-wat-werkt.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Interventie"
    hyperlink = next(r for r in rows if "HYPERLINK" in r[0])
    assert hyperlink[0].startswith("'=") and hyperlink[1:6] == ["5", "1", "", "1,5", "1"]
    xlsx = client.get(reverse("dashboards:school_export", args=["12AB", "wat-werkt", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    cell = next(r for r in values if "HYPERLINK" in str(r[0]))
    assert cell[0].startswith("'=") and cell[4] == 1.5
    groups = client.get(reverse("dashboards:school_export", args=["12AB", "groepen", "csv"]))
    rows = list(csv.reader(io.StringIO(groups.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:5] == ["Hele school", "5", "60,0", "20,0", "33,3"]


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


def test_every_table_of_the_leaders_pages_downloads(client, small_school, leader_a):
    client.force_login(leader_a)
    for key in ("groepen", "per-week", "doubleren", "wat-werkt", "programma", "niveaus", "mentoren"):
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("dashboards:school_export", args=["12AB", key, fmt]))
            assert response.status_code == 200, (key, fmt)
    for key in ("groep", "per-week", "doubleren", "leerlingen"):
        response = client.get(reverse("dashboards:group_export", args=["12AB", "havo", 3, key, "xlsx"]))
        assert response.status_code == 200, key
    page = client.get(reverse("dashboards:school", args=["12AB"])).content.decode()
    assert page.count('download>CSV') == 6  # all but the programme's: this school has none
    mentors = client.get(reverse("dashboards:school_export", args=["12AB", "mentoren", "csv"]))
    assert "Linda Post;5" in mentors.content.decode("utf-8-sig")


def test_an_unknown_group_or_table_is_not_found(client, small_school, leader_a):
    client.force_login(leader_a)
    assert client.get(reverse("dashboards:school_group", args=["12AB", "mbo", 3])).status_code == 404
    assert client.get(reverse("dashboards:school_group", args=["12AB", "havo", 9])).status_code == 404
    assert client.get(reverse("dashboards:school_export", args=["12AB", "geheim", "csv"])).status_code == 404
    assert client.get(reverse("dashboards:school_export", args=["12AB", "groepen", "pdf"])).status_code == 404


def test_a_leader_brings_the_figures_up_to_date(client, small_school, leader_a, school_a):
    before = SchoolMeasures.objects.get(school=school_a).computed_at
    make_student(school_a, None, level=Level.HAVO, leerjaar=3)
    client.force_login(leader_a)
    response = client.post(reverse("dashboards:school_refresh", args=["12AB"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboards:school", args=["12AB"])
    assert "De cijfers zijn bijgewerkt." in response.content.decode()
    row = SchoolMeasures.objects.get(school=school_a)
    assert row.computed_at > before and group(row.detail, "", 0)["students"] == 6


def test_the_nightly_task_refreshes_every_school(school_a, school_b, fixed_today, eager_celery):
    from portal.dashboards.tasks import refresh_all_measures

    refresh_all_measures.delay()
    assert set(SchoolMeasures.objects.values_list("school__brin", "school_year")) == {("12AB", 2026), ("34CD", 2026)}
    refresh_all_measures.delay()  # idempotent
    assert SchoolMeasures.objects.count() == 2


def test_a_school_without_figures_gets_them_on_first_view(client, leader_a, school_a, mentor_a):
    make_student(school_a, mentor_a)
    client.force_login(leader_a)
    assert client.get(reverse("dashboards:school", args=["12AB"])).status_code == 200
    assert SchoolMeasures.objects.filter(school=school_a).count() == 1


def test_the_programme_status_and_budget(client, small_school, leader_a, school_a):
    programme = SchoolProgramme.objects.create(school=school_a, title="NPO 2026-2028", first_year=2026,
                                               years=2, state=SchoolProgramme.State.RUNNING)
    line = ProgrammeLine.objects.create(programme=programme, intervention=Intervention.objects.get(key="x"),
                                        expected_students=4, first_year=2026, years=2,
                                        cost_per_year=Decimal("8000"))
    Budget.objects.create(programme=programme, school_year=2026, amount_per_student=Decimal("100"), students=100)
    Spending.objects.create(line=line, school_year=2026, period="periode 1", amount=Decimal("2500"))
    programme_figures = services.refresh_school(school_a).detail["programme"]
    assert {k: programme_figures[k] for k in ("state", "step", "allocated", "planned", "spent")} == {
        "state": "running", "step": 4, "allocated": 10000.0, "planned": 8000.0, "spent": 2500.0}
    assert programme_figures["lines"][0]["reach"] == 1
    client.force_login(leader_a)
    page = client.get(reverse("dashboards:school", args=["12AB"])).content.decode()
    assert "stap 4 van 5" in page and "€ 10.000" in page and "25,0 %" in page


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


def _busy_school(school, mentor, n):
    for i in range(n):
        student = make_student(school, mentor, leerjaar=1 + i % 5)
        flag(student, TODAY - timedelta(days=30 + i))
        plan(student, TODAY - timedelta(days=20), next_evaluation=TODAY - timedelta(days=1))
    services.refresh_school(school)


def test_dashboard_pages_run_a_constant_number_of_queries(client, leader_a, inspector, school_a, school_b,
                                                          mentor_a, mentor_b, fixed_today,
                                                          django_assert_max_num_queries):
    _busy_school(school_a, mentor_a, 30)
    _busy_school(school_b, mentor_b, 3)
    client.force_login(leader_a)
    for url in (reverse("dashboards:school", args=["12AB"]),
                reverse("dashboards:school_group", args=["12AB", "havo", 1]),
                reverse("dashboards:group_export", args=["12AB", "havo", 1, "leerlingen", "xlsx"]),
                reverse("dashboards:school_export", args=["12AB", "groepen", "xlsx"])):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
    client.force_login(inspector)
    for url in (reverse("dashboards:inspector"), reverse("dashboards:inspector_export", args=["csv"]),
                reverse("dashboards:inspector_school", args=["12AB"])):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_inspector_counts_are_not_multiplied_by_joins(client, inspector, school_a, mentor_a, other_mentor_a,
                                                      fixed_today):
    for _ in range(12):
        make_student(school_a, mentor_a)
    make_student(school_a, mentor_a, is_active=False)
    services.refresh_school(school_a)
    client.force_login(inspector)
    rows = client.get(reverse("dashboards:inspector")).context["overview"]["table"].rows
    assert [(r.header, str(r.cells[1])) for r in rows] == [("De Linde", "–"), ("Het Baken College", "12")]
