"""Combined levels (dakpanklassen) in the roster: kept as such, with the norm level that counts.

A havo/vwo student reads "havo/vwo 1" on every page and in every export; the promotion norms,
the level filters and the figures use the norm level (the lowest, unless the file's normniveau
column names another), and a group by level says which combined levels it includes.
"""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from portal.models import AuditEntry
from students.models import Flag, Level, PromotionDecision, Student
from students.risk.settings import Norm

pytestmark = pytest.mark.django_db

HEADER = ["leerlingnummer", "roepnaam", "achternaam", "niveau", "leerjaar", "klas"]
ERROR_LINE = re.compile(r"^row (\d+), column '([^']*)', value '([^']*)': (.+)$", re.M)


def write_csv(path, rows, *, header=HEADER):
    path.write_text("\n".join(";".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return path


def import_students(path, *args):
    out = StringIO()
    call_command("import_students", str(path), "--school", "12AB", *args, stdout=out)
    return out.getvalue()


def rejected(path):
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was written"), translation.override("en"):
        call_command("import_students", str(path), "--school", "12AB", stdout=out)
    return out.getvalue()


def errors_in(output):
    return [(int(row), column, value) for row, column, value, _reason in ERROR_LINE.findall(output)]


@pytest.mark.parametrize(("spelling", "norm_level", "combined", "shown"), [
    ("havo/vwo", Level.HAVO, "havo/vwo", "havo/vwo 1"),
    ("HV", Level.HAVO, "havo/vwo", "havo/vwo 1"),
    ("h/v", Level.HAVO, "havo/vwo", "havo/vwo 1"),
    ("Havo - VWO", Level.HAVO, "havo/vwo", "havo/vwo 1"),
    ("vwo/havo", Level.HAVO, "havo/vwo", "havo/vwo 1"),
    ("mavo/havo", Level.VMBO_GT, "vmbo_gt/havo", "vmbo-gt/havo 1"),
    ("MH", Level.VMBO_GT, "vmbo_gt/havo", "vmbo-gt/havo 1"),
    ("tl/havo", Level.VMBO_GT, "vmbo_gt/havo", "vmbo-gt/havo 1"),
    ("kader/gl", Level.VMBO_KB, "vmbo_kb/vmbo_gt", "vmbo-kb/gt 1"),
    ("KGT", Level.VMBO_KB, "vmbo_kb/vmbo_gt", "vmbo-kb/gt 1"),
    ("vmbo-kgt", Level.VMBO_KB, "vmbo_kb/vmbo_gt", "vmbo-kb/gt 1"),
    ("bb/kb", Level.VMBO_BB, "vmbo_bb/vmbo_kb", "vmbo-bb/kb 1"),
    ("BK", Level.VMBO_BB, "vmbo_bb/vmbo_kb", "vmbo-bb/kb 1"),
    ("mavo/havo/vwo", Level.VMBO_GT, "vmbo_gt/havo/vwo", "vmbo-gt/havo/vwo 1"),
    # Two spellings of one level are that level, not a combination.
    ("vmbo-gl/tl", Level.VMBO_GT, "", "vmbo-gl/tl 1"),
    ("atheneum/gymnasium", Level.VWO, "", "vwo 1"),
])
def test_combined_levels_are_kept_with_the_lowest_as_norm_level(tmp_path, school_a, spelling, norm_level,
                                                                combined, shown):
    import_students(write_csv(tmp_path / "roster.csv", [["1001", "Sanne", "Visser", spelling, "1", "1A"]]))
    student = Student.objects.get()
    assert (student.level, student.combined_level, student.level_year) == (norm_level, combined, shown)


def test_the_normniveau_column_chooses_the_norm_level_among_the_levels(tmp_path, school_a):
    header = [*HEADER, "normniveau"]
    path = write_csv(tmp_path / "roster.csv", [
        ["1001", "Sanne", "Visser", "havo/vwo", "1", "1HV", "vwo"],
        ["1002", "Daan", "Bakker", "havo/vwo", "1", "1HV", ""],
        ["1003", "Mila", "Jansen", "mavo/havo", "2", "2MH", "HAVO"],
        ["1004", "Kim", "Smit", "havo", "1", "1H", "havo"],
    ], header=header)
    assert "created: 4" in import_students(path)
    levels = dict(Student.objects.values_list("student_number", "level"))
    assert levels == {"1001": "vwo", "1002": "havo", "1003": "havo", "1004": "havo"}
    assert Student.objects.get(student_number="1001").level_year == "havo/vwo 1"

    path = write_csv(tmp_path / "roster.csv", [["1001", "Sanne", "Visser", "havo/vwo", "1", "1HV"]],
                     header=["leerlingnummer", "roepnaam", "achternaam", "niveau", "leerjaar", "klas"])
    assert "updated: 1" in import_students(path)  # without the column: the lowest again
    assert Student.objects.get(student_number="1001").level == "havo"


def test_another_spelling_of_the_norm_level_column_is_recognised(tmp_path, school_a):
    path = write_csv(tmp_path / "roster.csv", [["1001", "Sanne", "Visser", "HV", "1", "1HV", "vwo"]],
                     header=[*HEADER, "Niveau normen"])
    import_students(path)
    assert Student.objects.get().level == Level.VWO


def test_a_bad_norm_level_or_combination_is_named_with_row_column_and_value(tmp_path, school_a):
    path = write_csv(tmp_path / "roster.csv", [
        ["1001", "Sanne", "Visser", "havo/vwo", "1", "1HV", "vmbo-kb"],
        ["1002", "Daan", "Bakker", "havo", "1", "1H", "vwo"],
        ["1003", "Mila", "Jansen", "havo/vwo", "1", "1HV", "mbo"],
        ["1004", "Kim", "Smit", "bb/havo", "1", "1X", ""],
        ["1005", "Bram", "Vos", "HVX", "1", "1X", ""],
        ["1006", "Noor", "Berg", "havo/vwo", "6", "6HV", ""],
        ["1007", "Lotte", "Mol", "havo/vwo", "6", "6HV", "vwo"],
    ], header=[*HEADER, "normniveau"])
    output = rejected(path)
    assert errors_in(output) == [(2, "normniveau", "vmbo-kb"), (3, "normniveau", "vwo"),
                                 (4, "normniveau", "mbo"), (5, "niveau", "bb/havo"), (6, "niveau", "HVX"),
                                 (7, "leerjaar", "6")]
    assert "vmbo-kb is not one of the student's levels (havo, vwo)" in output
    assert "Unknown norm level mbo; give one of the student's levels (havo, vwo)" in output
    assert "bb/havo combines levels that do not follow each other" in output
    assert "Unknown level HVX; use pro, vmbo-bb (bb, basis)" in output and "MH or KGT" in output
    assert "havo has leerjaar 1 to 5; got 6" in output  # the norm level's range: havo
    assert not Student.objects.exists() and not AuditEntry.objects.exists()


def test_the_same_file_twice_changes_nothing_and_a_single_level_clears_the_combination(tmp_path, school_a):
    path = write_csv(tmp_path / "roster.csv", [["1001", "Sanne", "Visser", "HV", "1", "1HV"]])
    import_students(path)
    assert "created: 0 / updated: 0 / unchanged: 1" in import_students(path)
    write_csv(path, [["1001", "Sanne", "Visser", "vwo", "2", "2V"]])
    assert "updated: 1" in import_students(path)
    student = Student.objects.get()
    assert (student.level, student.combined_level, student.level_year) == ("vwo", "", "vwo 2")


@pytest.fixture
def dakpan(tmp_path, school_a, mentor_a):
    """Three first-years of Het Baken College, imported as the README says: havo/vwo, havo, vwo."""
    path = write_csv(tmp_path / "roster.csv", [
        ["1001", "Sanne", "Visser", "havo/vwo", "1", "1HV", "mentor@a.example"],
        ["1002", "Daan", "Bakker", "havo", "1", "1H", "mentor@a.example"],
        ["1003", "Mila", "Jansen", "vwo", "1", "1V", "mentor@a.example"],
    ], header=[*HEADER, "mentor"])
    import_students(path)
    return {s.given_name: s for s in Student.objects.all()}


def test_pages_show_the_combined_level_and_filter_by_norm_level(client, leader_a, dakpan):
    client.force_login(leader_a)
    page = client.get(reverse("students:list")).content.decode()
    assert "havo/vwo 1" in page
    assert re.search(r'<option value="havo">havo \(incl\. havo/vwo\)</option>', page)
    assert re.search(r'<option value="vwo">vwo</option>', page)

    havo = client.get(reverse("students:list"), {"niveau": "havo"}).content.decode()
    assert "Visser, Sanne" in havo and "Bakker, Daan" in havo and "Jansen, Mila" not in havo
    vwo = client.get(reverse("students:list"), {"niveau": "vwo"}).content.decode()
    assert "Visser, Sanne" not in vwo and "Jansen, Mila" in vwo

    detail = client.get(dakpan["Sanne"].get_absolute_url()).content.decode()
    assert "havo/vwo 1 (normniveau havo)" in detail
    assert "(normniveau" not in client.get(dakpan["Daan"].get_absolute_url()).content.decode()


def test_a_mentor_filters_their_caseload_the_same_way(client, mentor_a, dakpan):
    client.force_login(mentor_a)
    page = client.get(reverse("students:mine"), {"niveau": "havo"}).content.decode()
    assert "havo (incl. havo/vwo)" in page
    assert "Visser, Sanne" in page and "havo/vwo 1" in page and "Jansen, Mila" not in page


def test_dashboard_groups_say_which_combined_levels_they_include(tmp_path, client, leader_a, school_a,
                                                                  dakpan, clock):
    scores = tmp_path / "cijfers.csv"  # a school without grades sees its set-up checklist instead
    scores.write_text("leerlingnummer;vak;toets;datum;cijfer\n" + "".join(
        f"{number};ne;Toets 1;{clock.today:%d-%m-%Y};6,5\n" for number in (1001, 1002, 1003)), encoding="utf-8")
    call_command("import_scores", str(scores), "--school", "12AB", stdout=StringIO())
    client.force_login(leader_a)
    page = client.get(reverse("dashboards:school", args=[school_a.brin])).content.decode()
    assert "havo 1 (incl. havo/vwo)" in page
    assert "vwo 1 (incl." not in page and "havo (incl. havo/vwo)" in page  # students per level

    group = client.get(reverse("dashboards:school_group", args=[school_a.brin, "havo", 1]))
    assert group.context["group"]["label"] == "havo 1 (incl. havo/vwo)"
    assert [r["student"].given_name for r in group.context["group"]["rows"]] == ["Daan", "Sanne"]
    export = client.get(reverse("dashboards:group_export",
                                args=[school_a.brin, "havo", 1, "leerlingen", "csv"]))
    text = export.content.decode("utf-8-sig")
    assert "niveau" in text.splitlines()[0] and "havo/vwo 1" in text and "havo 1" in text


def test_the_norm_level_decides_the_projection_and_the_decision(tmp_path, client, leader_a, school_a,
                                                                dakpan, clock):
    """A havo/vwo student with one grade below 5,5 follows the havo 1 norm, until the roster
    names vwo as the norm level; the promotion decision records the norm level too."""
    day = clock.today.strftime("%d-%m-%Y")
    scores = tmp_path / "cijfers.csv"
    scores.write_text("leerlingnummer;vak;toets;datum;cijfer;weging\n" + "".join(
        f"1001;{subject};Toets 1;{day};{grade};1\n"
        for subject, grade in (("ne", "6,5"), ("en", "7,0"), ("wi", "6,8"), ("gs", "5,0"))), encoding="utf-8")
    call_command("import_scores", str(scores), "--school", "12AB", stdout=StringIO())
    client.force_login(leader_a)
    strict = {**{k: str(v).replace(".", ",") for k, v in Norm().to_values().items()},
              "max_below_55": "0", "max_below_55_with_compensation": "0"}
    assert client.post(reverse("flags:norm_edit", args=["havo", 1]), strict).status_code == 302

    sanne = dakpan["Sanne"]
    page = client.get(sanne.get_absolute_url()).content.decode()
    assert "1 onvoldoende (norm: hoogstens 0 met compensatie)" in page

    roster = write_csv(tmp_path / "roster.csv", [["1001", "Sanne", "Visser", "havo/vwo", "1", "1HV", "vwo"]],
                       header=[*HEADER, "normniveau"])
    import_students(roster)
    page = client.get(sanne.get_absolute_url()).content.decode()
    assert "havo/vwo 1 (normniveau vwo)" in page
    assert "voldoet aan de norm: 1 onvoldoende, 1 tekortpunt (standaardnorm)" in page

    year = clock.school_year
    response = client.post(reverse("promotion:decision", args=[sanne.pk]), {
        "school_year": year.start_year, "decision": "bevorderd", "decided_on": clock.today.isoformat(),
        "justification": ""})
    assert response.status_code == 302
    assert PromotionDecision.objects.values_list("level", "leerjaar").get() == ("vwo", 1)


def test_a_flag_reason_names_the_combined_level_and_its_norm_level(tmp_path, school_a, clock):
    """mavo/havo 3 follows the vmbo-gt norm: its pre-exam year, and the flag says why."""
    import_students(write_csv(tmp_path / "roster.csv", [["1001", "Sanne", "Visser", "MH", "3", "3MH"]]))
    day = clock.today.strftime("%d-%m-%Y")
    scores = tmp_path / "cijfers.csv"
    scores.write_text("leerlingnummer;vak;toets;datum;cijfer;weging\n" + "".join(
        f"1001;{subject};Toets 1;{day};{grade};1\n"
        for subject, grade in (("ne", "4,5"), ("en", "5,0"), ("wi", "7,0"))), encoding="utf-8")
    call_command("import_scores", str(scores), "--school", "12AB", stdout=StringIO())
    call_command("flag_students", "--school", "12AB", stdout=StringIO())
    reasons = {r["rule"]: r["text"] for r in Flag.objects.get(student__student_number="1001").reasons}
    assert reasons["pre_exam"].startswith("voorexamenjaar (vmbo-gt/havo 3, normniveau vmbo-gl/tl)")
