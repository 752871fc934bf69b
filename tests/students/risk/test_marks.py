"""Marks and school-exam grades in the projection, the flags and the figures: a mark is never
averaged as a grade; a qualitative subject that counts for promotion is judged by its latest
mark against a norm that can require voldoende; school-exam grades count only in a year
without report grades; two-decimal grades average exactly. Data comes in as a school's does
(create_school, import_students, import_scores, the subject and norm pages)."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from interventions.models import InterventionPlan
from interventions.selectors import goal_averages
from schoolplans.selectors import schoolscan
from students.models import Flag, Student, Subject
from students.risk.projection import Projection, average_tenths
from students.risk.rules import assess, projection_for
from tests.students.imports.test_results import GRADES, leader, run, school  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def december(clock):
    """1 December of this school year, so that September to November lie behind us."""
    clock.move_to(date(clock.school_year.start_year, 12, 1))
    return clock.today


def import_grades(tmp_path, *rows, name="cijfers.csv"):
    """rows: (number, subject, test, dd-mm-jjjj, value, kind of test)."""
    path = tmp_path / name
    path.write_text("\n".join([GRADES, *(";".join((n, s, t, d, v, "1", k)) for n, s, t, d, v, k in rows)]) + "\n")
    return run(path)


def on(december, month, day_of_month=1):
    """A day of September to November of this school year, as the export writes it."""
    return date(december.year, month, day_of_month).strftime("%d-%m-%Y")


def sanne():
    return Student.objects.get(student_number="1001")


def lo_counts(client, leader, school):  # noqa: F811
    """The leader makes LO count for promotion on the subject page (it stays qualitative)."""
    lo = Subject.objects.get(school=school, code="lo")
    client.force_login(leader)
    response = client.post(reverse("subjects:edit", args=[lo.pk]), {
        "code": "lo", "name": lo.name, "counts_for_promotion": "on", "result_kind": "qualitative",
        "is_active": "on"})
    assert response.status_code == 302


def test_a_mark_in_a_graded_subject_is_never_averaged(tmp_path, school, december):  # noqa: F811
    import_grades(tmp_path,
                  ("1001", "ne", "T1", on(december, 9, 15), "6,0", ""),
                  ("1001", "en", "T1", on(december, 9, 15), "6,0", ""),
                  ("1001", "wi", "T1", on(december, 9, 15), "6,0", ""),
                  ("1001", "wi", "T2", on(december, 10, 1), "inh", ""),
                  ("1001", "wi", "T3", on(december, 10, 2), "vr", ""),
                  ("1001", "fa", "T1", on(december, 10, 3), "-", ""))  # frans: marks only
    projection = projection_for(sanne())
    assert (projection.outcome, projection.below, projection.average) == (Projection.PROMOTED, 0, 6)
    assert projection.rule == "voldoet aan de norm: 0 onvoldoendes, 0 tekortpunten (standaardnorm)"
    call_command("flag_students", "--school", "56EF", stdout=StringIO())
    assert not Flag.objects.filter(student=sanne()).exists()


def test_a_qualitative_subject_that_counts_needs_voldoende(client, tmp_path, school, leader, december):  # noqa: F811
    basics = [("1001", code, "T1", on(december, 9, 15), "7", "") for code in ("ne", "en", "wi")]
    import_grades(tmp_path, *basics, ("1001", "lo", "T1", on(december, 9, 20), "O", ""))
    # LO does not count for promotion by default: its O changes nothing.
    assert projection_for(sanne()).outcome == Projection.PROMOTED

    lo_counts(client, leader, school)
    projection = projection_for(sanne())
    assert (projection.outcome, projection.marks_below) == (Projection.DISCUSS, 1)
    assert projection.rule.startswith("lichamelijke opvoeding onvoldoende (norm: voldoende vereist)")
    reasons = [r["text"] for r in assess(school, on=december)[sanne().pk].reasons]
    assert "prognose bespreekzone: lichamelijke opvoeding onvoldoende (norm: voldoende vereist) " \
           "(standaardnorm)" in reasons
    page = client.get(reverse("students:detail", args=[sanne().pk])).content.decode()
    assert "lichamelijke opvoeding onvoldoende (norm: voldoende vereist)" in page

    # The latest mark decides: a V later on, a vrijstelling, or a test still to be made.
    import_grades(tmp_path, ("1001", "lo", "T2", on(december, 10, 20), "v", ""), name="p2.csv")
    assert projection_for(sanne()).outcome == Projection.PROMOTED
    import_grades(tmp_path, ("1001", "lo", "T3", on(december, 11, 1), "vrijstelling", ""), name="p3.csv")
    assert projection_for(sanne()).outcome == Projection.PROMOTED
    import_grades(tmp_path, ("1001", "lo", "T4", on(december, 11, 20), "inh", ""), name="p4.csv")
    projection = projection_for(sanne())
    assert projection.outcome == Projection.PROMOTED and projection.pending == ("lichamelijke opvoeding",)
    assert projection.rule == ("voldoet aan de norm: 0 onvoldoendes, 0 tekortpunten; nog niet bekend: "
                               "lichamelijke opvoeding (inh) (standaardnorm)")


def test_the_norm_page_can_allow_a_qualitative_subject_below_voldoende(
        client, tmp_path, school, leader, december):  # noqa: F811
    import_grades(tmp_path, *[("1001", code, "T1", on(december, 9, 15), "7", "") for code in ("ne", "en", "wi")],
                  ("1001", "lo", "T1", on(december, 9, 20), "onvoldoende", ""))
    lo_counts(client, leader, school)
    assert projection_for(sanne()).outcome == Projection.DISCUSS

    form = {"max_below_55": "1", "max_below_55_with_compensation": "2", "compensation_average": "6,0",
            "max_tekortpunten": "3", "min_grade": "4,0", "core_max_below_55": "1",
            "max_below_55_discuss": "3", "max_tekortpunten_discuss": "4", "max_marks_below_voldoende": "1"}
    assert client.post(reverse("flags:norm_edit", args=["havo", 4]), form).status_code == 302
    assert projection_for(sanne()).outcome == Projection.PROMOTED
    page = client.get(reverse("flags:norms")).content.decode()
    assert "kwalitatief onder voldoende" in page
    edit = client.get(reverse("flags:norm_edit", args=["havo", 4])).content.decode()
    assert "Kwalitatieve vakken onder voldoende toegestaan" in edit


def test_school_exam_grades_count_only_in_a_year_without_report_grades(tmp_path, school, december):  # noqa: F811
    import_grades(tmp_path,
                  # Sanne has report grades: her SE grades stay out of the averages.
                  *[("1001", code, "T1", on(december, 9, 15), "7", "") for code in ("ne", "en", "wi")],
                  ("1001", "ne", "SE1", on(december, 10, 1), "3", ""),
                  ("1001", "en", "Luisteren", on(december, 10, 1), "3", "PTA"),
                  # Daan has only school-exam grades this year: they are his grades.
                  *[("1002", code, "SE1", on(december, 10, 1), "4", "SE") for code in ("ne", "en", "wi")])
    assert projection_for(sanne()).below == 0
    daan = projection_for(Student.objects.get(student_number="1002"))
    assert (daan.outcome, daan.below) == (Projection.NOT_PROMOTED, 3)


def test_two_decimal_grades_average_exactly_half_up(tmp_path, school, december):  # noqa: F811
    import_grades(tmp_path,
                  ("1001", "ne", "T1", on(december, 9, 15), "5,44", ""),
                  ("1001", "ne", "T2", on(december, 9, 16), "5,46", ""),  # 5,45: 5,5
                  ("1001", "en", "T1", on(december, 9, 15), "5,44", ""),
                  ("1001", "en", "T2", on(december, 9, 16), "5,45", ""),  # 5,445: 5,4
                  ("1001", "wi", "T1", on(december, 9, 15), "6,75", ""))  # 6,8
    projection = projection_for(sanne())
    assert (projection.outcome, projection.below, projection.average) == (Projection.PROMOTED, 1, Decimal("5.9"))
    reasons = [r["text"] for r in assess(school, on=december)[sanne().pk].reasons]
    assert reasons[0] == "Engels 5,4 onder 5,5"
    assert average_tenths(5.44 * 2 + 5.45 * 2, 4.0) == 54  # weights count exactly too
    assert average_tenths(6.75 * 1.5, 1.5) == 68


def test_the_school_scan_and_a_plans_goal_average_leave_marks_out(tmp_path, school, december):  # noqa: F811
    import_grades(tmp_path,
                  ("1001", "wi", "T1", on(december, 9, 15), "6", ""),
                  ("1001", "wi", "T2", on(december, 10, 1), "inh", ""),
                  ("1001", "wi", "SE1", on(december, 10, 2), "2", ""))  # a report year: SE apart
    assert schoolscan(school, december)["worst_subjects"] == []  # 6,0: nobody below 5,5

    plan = InterventionPlan.objects.create(
        student=sanne(), title="Bijles wiskunde", need="wiskunde", goal="wiskunde ≥ 5,5",
        goal_subject=Subject.objects.get(school=school, code="wi"), goal_grade=Decimal("5.5"),
        started_on=date(december.year, 10, 1), next_evaluation_on=december)
    assert goal_averages(plan, december) == (Decimal("6.0"), Decimal("6.0"))
