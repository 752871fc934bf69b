"""Results as schools write them, through the documented path (create_school, create_user,
import_students, then import_scores on the command line or the upload page): marks O/V/G/ZG,
vr and inh beside grades with two decimals, school-exam grades (SE/PTA) apart from report
grades, and Cito/LVS levels, reference levels, level advice and ability scores. Every value is
imported or named as an error; the same file twice changes nothing."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from portal.models import School, User
from students.models import ImportJob, Score, StandardisedResult, Student

pytestmark = pytest.mark.django_db

ROSTER = ["leerlingnummer;roepnaam;tussenvoegsel;achternaam;geboortedatum;niveau;leerjaar;klas",
          "1001;Sanne;;Visser;04-05-2010;havo;4;4H1",
          "1002;Daan;;Bakker;01-02-2010;vwo;4;4V1"]
GRADES = "leerlingnummer;vak;toets;datum;cijfer;weging;toetssoort"
CITO = "leerlingnummer;toets;domein;afnamedatum;niveau;referentieniveau;vaardigheidsscore"
ERROR_LINE = re.compile(r"^row (\d+), column '([^']*)', value '([^']*)': (.+)$", re.M)


@pytest.fixture
def school(tmp_path, clock, monkeypatch):
    """A new school made as the README says: create_school, a leader, import_students."""
    out = StringIO()
    call_command("create_school", "56EF", "Nieuw Lyceum", stdout=out)
    monkeypatch.setenv("LEADER_PASSWORD", "een-lang-wachtwoord-voor-de-test")
    call_command("create_user", "leider@nieuw.example", "--role", "leader", "--school", "56EF",
                 "--password-from-env", "LEADER_PASSWORD", stdout=out)
    roster = tmp_path / "leerlingen.csv"
    roster.write_text("\n".join(ROSTER) + "\n")
    call_command("import_students", str(roster), "--school", "56EF", stdout=out)
    return School.objects.get(brin="56EF")


@pytest.fixture
def leader(school):
    return User.objects.get(email="leider@nieuw.example")


def day(clock):
    return clock.today.strftime("%d-%m-%Y")


def grade_file(clock, *rows):
    """A cijferlijst of today, rows as (number, subject, test, value, weight, kind)."""
    return "\n".join([GRADES, *(";".join((n, s, t, day(clock), v, w, k)) for n, s, t, v, w, k in rows)]) + "\n"


def the_export(clock):
    """What a real export holds: a V and a written-out mark for LO, 6,75, vr, inh and -, SE and
    PTA grades (by the toetssoort column and by the test code)."""
    return grade_file(
        clock,
        ("1001", "lo", "Toets 1", "V", "1", ""),
        ("1001", "lo", "Toets 2", "Goed", "1", ""),
        ("1001", "ne", "Toets 1", "6,75", "1", ""),
        ("1001", "ne", "Toets 2", "6.5", "2", "proefwerk"),
        ("1001", "fa", "Toets 1", "vr", "1", ""),
        ("1001", "wi", "Toets 1", "inh", "1", ""),
        ("1001", "wi", "Toets 2", "-", "1", ""),
        ("1001", "wi", "Toets 3", "5,25", "1", ""),
        ("1001", "gs", "SE1", "7,8", "1", ""),
        ("1001", "en", "Luistertoets", "6", "2", "SE"),
        ("1001", "en", "Mondeling", "V", "1", "PTA"),
        ("1002", "LO", "Toets 1", "o", "1", ""),
        ("1002", "lo", "Toets 2", "zeer goed", "1", ""),
    )


def run(path, *args, school="56EF"):
    out = StringIO()
    with translation.override("en"):
        call_command("import_scores", str(path), "--school", school, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rejected(path, *args, school="56EF"):
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="nothing was written"):
        call_command("import_scores", str(path), "--school", school, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def results():
    return sorted(Score.objects.values_list("student__student_number", "subject__code", "test", "grade",
                                            "mark", "is_school_exam", "weight"))


def test_marks_two_decimals_and_school_exam_grades_are_imported_and_a_second_run_changes_nothing(
        tmp_path, school, clock):
    path = tmp_path / "cijfers.csv"
    path.write_text(the_export(clock))
    output = run(path)
    assert "rows read: 13 / imported: 13 (new: 13, updated: 0) / unchanged: 0 / rejected: 0" in output
    assert ("results: 5 grades; 8 marks (O 1, V 2, G 1, ZG 1, vr 1, inh 2); "
            "3 school-exam results (SE/PTA)") in output
    assert results() == [
        ("1001", "en", "Luistertoets", Decimal("6"), "", True, Decimal("2")),
        ("1001", "en", "Mondeling", None, "v", True, Decimal("1")),
        ("1001", "fa", "Toets 1", None, "vr", False, Decimal("1")),
        ("1001", "gs", "SE1", Decimal("7.8"), "", True, Decimal("1")),
        ("1001", "lo", "Toets 1", None, "v", False, Decimal("1")),
        ("1001", "lo", "Toets 2", None, "g", False, Decimal("1")),
        ("1001", "ne", "Toets 1", Decimal("6.75"), "", False, Decimal("1")),
        ("1001", "ne", "Toets 2", Decimal("6.5"), "", False, Decimal("2")),
        ("1001", "wi", "Toets 1", None, "inh", False, Decimal("1")),
        ("1001", "wi", "Toets 2", None, "inh", False, Decimal("1")),
        ("1001", "wi", "Toets 3", Decimal("5.25"), "", False, Decimal("1")),
        ("1002", "lo", "Toets 1", None, "o", False, Decimal("1")),
        ("1002", "lo", "Toets 2", None, "zg", False, Decimal("1")),
    ]
    again = run(path)
    assert "imported: 0 (new: 0, updated: 0) / unchanged: 13 / rejected: 0" in again
    assert len(results()) == 13


def test_a_changed_mark_or_a_grade_that_replaces_a_mark_is_an_update(tmp_path, school, clock):
    first, later = tmp_path / "p1.csv", tmp_path / "p2.csv"
    first.write_text(grade_file(clock, ("1001", "lo", "Toets 1", "O", "1", ""),
                                ("1001", "wi", "Toets 1", "inh", "1", ""),
                                ("1001", "ne", "Toets 1", "7", "1", "")))
    later.write_text(grade_file(clock, ("1001", "lo", "Toets 1", "V", "1", ""),  # retaken
                                ("1001", "wi", "Toets 1", "5,75", "1", ""),  # made after all
                                ("1001", "ne", "Toets 1", "7,00", "1", "")))  # the same grade
    run(first)
    assert "imported: 2 (new: 0, updated: 2) / unchanged: 1" in run(later)
    assert [(s, g, m) for _n, s, _t, g, m, _e, _w in results()] == [
        ("lo", None, "v"), ("ne", Decimal("7"), ""), ("wi", Decimal("5.75"), "")]


BAD = [
    # (value, kind of test, column, reason)
    ("7,125", "", "cijfer", "Give the grade with at most two decimals, for example 6,75."),
    ("M", "", "cijfer", "Not a grade or a mark; write a number from 1 to 10 (for example 6,75) or "
                        "O, V, G, ZG (onvoldoende to zeer goed), vr (vrijstelling) or inh (not yet made)."),
    ("10,5", "", "cijfer", "A grade lies between 1 and 10."),
    ("6,8", "CE", "toetssoort", "A central-exam grade (CE) is not a school result; leave these rows "
                                "out of the file."),
]


@pytest.mark.parametrize("value, kind, column, reason", BAD, ids=[b[0] for b in BAD])
def test_a_value_that_is_no_grade_or_mark_is_named_and_nothing_is_written(
        tmp_path, school, clock, value, kind, column, reason):
    path = tmp_path / "cijfers.csv"
    path.write_text(grade_file(clock, ("1001", "ne", "Toets 1", "6", "1", ""),
                               ("1001", "ne", "Toets 2", value, "1", kind)))
    output = rejected(path)
    bad = value if column == "cijfer" else kind
    assert ERROR_LINE.findall(output) == [("3", column, bad, reason)]
    assert not Score.objects.exists()


def cito_file(clock, *rows, header=CITO):
    return "\n".join([header, *(";".join((r[0], r[1], r[2], day(clock), *r[3:])) for r in rows)]) + "\n"


def test_cito_levels_reference_levels_level_advice_and_ability_scores(tmp_path, school, clock):
    path = tmp_path / "lvs.csv"
    path.write_text(cito_file(
        clock,
        ("1001", "Cito 3.0", "rekenen", "II", "2F", "152"),
        ("1001", "Cito 3.0", "lezen", "d", "", ""),
        ("1001", "Doorstroomtoets", "rekenen", "1S", "", "215"),  # a reference level as the level
        ("1001", "Doorstroomtoets", "taalverzorging", "", "< 1F", ""),
        ("1001", "Doorstroomtoets", "advies", "HAVO/vwo", "", ""),  # a school level: advice
        ("1002", "Cito 3.0", "rekenen", "", "", "140"),  # the ability score alone
        ("1002", "Cito 3.0", "Engels", "vmbo-kb", "", ""),
    ))
    output = run(path)  # recognised as a Cito file without --kind
    assert output.startswith("standardised test results (Cito / LVS) / rows read: 7 / imported: 7")
    assert ("results: 2 levels I–V or A–E; 3 reference levels (1F, 2F, 1S …); 2 level advices "
            "(havo …); 3 ability scores") in output
    assert sorted(StandardisedResult.objects.values_list(
        "student__student_number", "test", "domain", "level", "reference_level", "level_advice", "ability")) == [
        ("1001", "Cito 3.0", "lezen", 4, "", "", None),
        ("1001", "Cito 3.0", "rekenen", 2, "2F", "", 152),
        ("1001", "Doorstroomtoets", "advies", None, "", "havo/vwo", None),
        ("1001", "Doorstroomtoets", "rekenen", None, "1S", "", 215),
        ("1001", "Doorstroomtoets", "taalverzorging", None, "<1F", "", None),
        ("1002", "Cito 3.0", "Engels", None, "", "vmbo_kb", None),
        ("1002", "Cito 3.0", "rekenen", None, "", "", 140),
    ]
    assert "imported: 0 (new: 0, updated: 0) / unchanged: 7" in run(path)


def test_a_file_with_reference_levels_in_the_niveau_column_is_a_cito_file(tmp_path, school, clock):
    path = tmp_path / "referentieniveaus.csv"
    path.write_text(cito_file(clock, ("1001", "Doorstroomtoets", "rekenen", "2F"),
                              ("1002", "Doorstroomtoets", "rekenen", "1F"),
                              header="leerlingnummer;toets;onderwerp;datum;niveau"))
    output = rejected(path)  # the domain column has a name of its own: choose it
    assert output.startswith("standardised test results (Cito / LVS)")
    assert "Required columns are missing: domein" in output


def test_bad_cito_values_are_named(tmp_path, school, clock):
    path = tmp_path / "lvs.csv"
    path.write_text(cito_file(
        clock,
        ("1001", "Cito", "rekenen", "VI", "", ""),
        ("1001", "Cito", "lezen", "2F+", "", ""),
        ("1001", "Cito", "spelling", "II", "2S", ""),
        ("1001", "Cito", "Engels", "1F", "2F", ""),  # two reference levels that disagree
        ("1002", "Cito", "rekenen", "havo/mbo", "", ""),
        ("1002", "Cito", "lezen", "", "", ""),  # no result at all
    ))
    output = rejected(path)
    assert ERROR_LINE.findall(output) == [
        ("2", "niveau", "VI", "Unknown level; use I, II, III, IV or V, A to E, a reference level (1F, 2F, "
                              "3F, 4F, 1S) or a school level as advice (vmbo-kb, havo, havo/vwo)."),
        ("3", "niveau", "2F+", "Unknown reference level 2F+; use <1F, 1F, 2F, 3F, 4F or 1S."),
        ("4", "referentieniveau", "2S", "Unknown reference level 2S; use <1F, 1F, 2F, 3F, 4F or 1S."),
        ("5", "referentieniveau", "2F", "The niveau column of this row gives another value; make them "
                                        "agree or leave one of them empty."),
        ("6", "niveau", "havo/mbo", "Unknown level; use I, II, III, IV or V, A to E, a reference level "
                                    "(1F, 2F, 3F, 4F, 1S) or a school level as advice (vmbo-kb, havo, "
                                    "havo/vwo)."),
        ("7", "niveau", "", "No result: give a level (I–V or A–E), a reference level (1F, 2F, 1S …), a "
                            "level advice (havo …) or an ability score."),
    ]
    assert not StandardisedResult.objects.exists()


def upload_and_confirm(client, text, name):
    response = client.post(reverse("roster_import:scores_upload"),
                           {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")})
    assert response.status_code == 302
    preview = client.get(response.url).content.decode()
    job = ImportJob.objects.latest("pk")
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    client.post(reverse("roster_import:scores_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    return preview


def test_through_the_pages_the_student_page_shows_every_kind_of_result(
        client, settings, tmp_path, school, leader, clock):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(leader)
    preview = upload_and_confirm(client, the_export(clock), "cijfers.csv")
    assert ("In dit bestand: 5 cijfers; 8 beoordelingen (O 1, V 2, G 1, ZG 1, vr 1, inh 2); "
            "3 schoolexamenresultaten (SE/PTA).") in preview
    upload_and_confirm(client, cito_file(clock, ("1001", "Cito 3.0", "rekenen", "II", "2F", "152"),
                                         ("1001", "Doorstroomtoets", "advies", "havo/vwo", "", "")), "lvs.csv")

    sanne = Student.objects.get(student_number="1001")
    page = client.get(reverse("students:detail", args=[sanne.pk])).content.decode()
    charts = page[page.index('id="scores-heading"'):page.index('id="exam-heading"')]
    assert "6,75" in charts and "6,5" in charts and "5,25" in charts
    assert "nog in te halen" in charts and "vrijstelling" in charts
    # LO has marks, no chart: its latest mark first, the earlier one beside it.
    assert re.search(r"lichamelijke opvoeding</th><td class=\"\">goed \(G\)</td>", charts)
    assert "voldoende (V) (" in charts
    exam = page[page.index('id="exam-heading"'):page.index('id="standardised-heading"')]
    assert "SE1" in exam and "7,8" in exam and "Luistertoets" in exam and "Mondeling" in exam
    assert "Luistertoets" not in charts and "SE1" not in charts
    cito = page[page.index('id="standardised-heading"'):]
    assert "<td>II</td><td>2F</td>" in cito and "havo / vwo" in cito and "152" in cito
    chart_data = page[page.index('id="chart-data"'):]
    assert '"text": "6,75"' in chart_data and '"y": 6.75' in chart_data
    assert '"y": null' not in chart_data  # marks are never drawn as grades


def test_a_file_with_only_reference_levels_and_no_niveau_column(tmp_path, school, clock):
    path = tmp_path / "doorstroomtoets.csv"
    path.write_text(cito_file(clock, ("1001", "Doorstroomtoets", "lezen", "2F"),
                              ("1002", "Doorstroomtoets", "lezen", "<1F"),
                              header="leerlingnummer;toets;domein;datum;referentieniveau"))
    assert "imported: 2 (new: 2, updated: 0)" in run(path)
    assert sorted(StandardisedResult.objects.values_list("student__student_number", "level", "reference_level")) == [
        ("1001", None, "2F"), ("1002", None, "<1F")]
    nothing = tmp_path / "geen-resultaat.csv"
    nothing.write_text(cito_file(clock, ("1001", "Doorstroomtoets", "lezen"),
                                 header="leerlingnummer;toets;domein;datum"))
    assert "Required columns are missing: niveau" in rejected(nothing, "--kind", "standardised")
