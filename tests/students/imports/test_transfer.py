"""Warme overdracht through `manage.py import_transfer`: the primary school's advice, the
doorstroomtoets, support needs and notes per student number; all rows or none, idempotent,
every bad value named with what is accepted instead."""

import re
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from portal.models import AuditEntry
from students.imports.transfer import parse_advice
from students.models import Advice, ImportJob, Transfer

pytestmark = pytest.mark.django_db

ROSTER = ("leerlingnummer;roepnaam;achternaam;niveau;leerjaar;klas\n"
          "1001;Sanne;Visser;havo;1;1H1\n"
          "1002;Daan;Bakker;vwo;1;1V1\n"
          "1003;Mila;Jansen;vmbo-t;1;1T1\n")
HEADER = ("leerlingnummer;basisschool;schooladvies;heroverwogen advies;toets;toetsscore;toetsadvies;"
          "lezen;taalverzorging;rekenen;ondersteuningsbehoefte;opmerkingen")
ROWS = ("1001;OBS De Regenboog;havo;havo/vwo;Doorstroomtoets;214;havo/vwo;2F;2F;1S;;Leest graag",
        "1002;Kindcentrum Het Anker;havo/vwo;;IEP;88;vwo;2F;1F;1S;Extra tijd bij toetsen (dyslexie);",
        "1003;OBS De Regenboog;vmbo-kb/gl lwoo;;;;;1F;<1F;1F;\"Faalangst; werkt goed met een vaste planning\";")
ERROR_LINE = re.compile(r"^row (\d+), column '([^']*)', value '([^']*)': (.+)$", re.M)


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked as written in the code (the pages show them in Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture
def roster_imported(tmp_path, school_a):
    """School A's roster, imported the documented way."""
    path = tmp_path / "leerlingen.csv"
    path.write_text(ROSTER)
    call_command("import_students", str(path), "--school", "12AB", stdout=StringIO())
    return school_a


def write(tmp_path, *rows, header=HEADER, name="overdracht.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out = StringIO()
    call_command("import_transfer", str(path), "--school", "12AB", *args, stdout=out)
    return out.getvalue()


def rejected(path):
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_transfer", str(path), "--school", "12AB", stdout=out)
    return out.getvalue()


def errors_in(output):
    return [(int(row), column, value, reason) for row, column, value, reason in ERROR_LINE.findall(output)]


def transfer_of(number):
    return Transfer.objects.select_related("student").get(student__student_number=number)


def test_the_transfer_file_is_imported_per_student_number_and_again_changes_nothing(tmp_path, roster_imported):
    path = write(tmp_path, *ROWS)

    output = run(path)

    assert "rows read: 3 / created: 3 / updated: 0 / unchanged: 0 / rejected: 0" in output
    sanne = transfer_of("1001")
    assert (sanne.primary_school, sanne.advice, sanne.adjusted_advice, sanne.effective_advice) == (
        "OBS De Regenboog", Advice.HAVO, Advice.HAVO_VWO, Advice.HAVO_VWO)
    assert (sanne.test, sanne.test_score, sanne.test_advice) == ("Doorstroomtoets", 214, Advice.HAVO_VWO)
    assert (sanne.reading, sanne.spelling, sanne.maths, sanne.notes) == ("2F", "2F", "1S", "Leest graag")
    daan = transfer_of("1002")
    assert (daan.advice, daan.adjusted_advice, daan.support_needs) == (
        Advice.HAVO_VWO, "", "Extra tijd bij toetsen (dyslexie)")
    mila = transfer_of("1003")
    assert (mila.advice, mila.lwoo, mila.test_score, mila.spelling) == (Advice.VMBO_KB_GT, True, None, "<1F")
    assert mila.support_needs == "Faalangst; werkt goed met een vaste planning"
    entry = AuditEntry.objects.get(object_type="transfer")
    assert entry.summary == "warme overdracht: 3 nieuw, 0 bijgewerkt"

    again = run(path)

    assert "rows read: 3 / created: 0 / updated: 0 / unchanged: 3 / rejected: 0" in again
    assert Transfer.objects.count() == 3
    assert AuditEntry.objects.filter(object_type="transfer").count() == 1


def test_a_new_file_updates_what_changed_and_an_empty_cell_empties_it(tmp_path, roster_imported):
    run(write(tmp_path, *ROWS))
    changed = ("1001;OBS De Regenboog;havo;havo/vwo;Doorstroomtoets;214;havo/vwo;2F;2F;1S;;",
               ROWS[1])

    output = run(write(tmp_path, *changed, name="nieuw.csv"))

    assert "rows read: 2 / created: 0 / updated: 1 / unchanged: 1 / rejected: 0" in output
    assert transfer_of("1001").notes == ""
    assert transfer_of("1003").support_needs  # not in the file: kept


def test_a_column_that_is_not_in_the_file_keeps_what_was_imported(tmp_path, roster_imported):
    run(write(tmp_path, *ROWS))

    output = run(write(tmp_path, "1002;vwo", header="leerlingnummer;schooladvies", name="alleen-advies.csv"))

    assert "updated: 1" in output
    daan = transfer_of("1002")
    assert (daan.advice, daan.test_score, daan.support_needs) == (Advice.VWO, 88, "Extra tijd bij toetsen (dyslexie)")


def test_a_dry_run_writes_nothing_and_says_what_would_change(tmp_path, roster_imported):
    output = run(write(tmp_path, *ROWS), "--dry-run")
    assert "Dry run: nothing was written." in output
    assert "created: 3" in output
    assert not Transfer.objects.exists() and not AuditEntry.objects.filter(object_type="transfer").exists()


def test_every_bad_value_is_named_and_nothing_is_written(tmp_path, roster_imported):
    path = write(
        tmp_path,
        "1001;;vso;;;abc;havo;3F;1S;2F;;",
        "1002;;havo/vwo;havo;;;;;;;;",
        "9999;;vmbo-bb/havo;;;;;;;;;",
        "1001;;havo;;;;;;;;;",
        "1003;;;;;;;;;;;",
    )

    output = rejected(path)

    found = errors_in(output)
    assert [(row, column, value) for row, column, value, _reason in found] == [
        (2, "schooladvies", "vso"), (2, "toetsscore", "abc"), (2, "lezen", "3F"), (2, "taalverzorging", "1S"),
        (2, "rekenen", "2F"),
        (3, "heroverwogen advies", "havo"),
        (4, "leerlingnummer", "9999"), (4, "schooladvies", "vmbo-bb/havo"),
        (5, "leerlingnummer", "1001"),
        (6, "schooladvies", ""),
    ]
    reasons = {(row, column): reason for row, column, _value, reason in found}
    assert "use one of praktijkonderwijs, pro/vmbo-bb, vmbo-bb, vmbo-bb/kb" in reasons[(2, "schooladvies")]
    assert "havo/vwo, vwo" in reasons[(2, "schooladvies")]
    assert reasons[(2, "rekenen")] == "2F is not a reference level for rekenen; use <1F, 1F, 1S."
    assert reasons[(2, "taalverzorging")] == "1S is not a reference level for taalverzorging; use <1F, 1F, 2F."
    assert "only ever adjusted upwards" in reasons[(3, "heroverwogen advies")]
    assert "import the roster first" in reasons[(4, "leerlingnummer")]
    assert "two neighbouring levels" in reasons[(4, "schooladvies")]
    assert reasons[(5, "leerlingnummer")] == "This student number already appears in row 2."
    assert reasons[(6, "schooladvies")] == "Required; this cell is empty."
    assert "rejected: 5" in output
    assert not Transfer.objects.exists()


def test_a_file_without_the_advice_column_is_refused_as_a_whole(tmp_path, roster_imported):
    output = rejected(write(tmp_path, "1001;214", header="leerlingnummer;toetsscore"))
    assert "file: Required columns are missing: schooladvies. Columns found: leerlingnummer, toetsscore" in output


def test_a_bad_row_keeps_a_good_file_out_too(tmp_path, roster_imported):
    run(write(tmp_path, *ROWS))
    rejected(write(tmp_path, ROWS[0].replace("Leest graag", "Anders"), "1002;;havo-vwo-plus;;;;;;;;;",
                   name="half.csv"))
    assert transfer_of("1001").notes == "Leest graag"


def test_an_xlsx_file_is_read_the_same(tmp_path, roster_imported):
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(";"))
    book.active.append(["1001", "OBS De Regenboog", "HAVO", "HAVO/VWO", "Doorstroomtoets", 214])
    book.save(tmp_path / "overdracht.xlsx")
    assert "created: 1" in run(tmp_path / "overdracht.xlsx")
    assert transfer_of("1001").test_score == 214


def test_an_unknown_school_is_a_clear_error(tmp_path, roster_imported):
    with pytest.raises(CommandError, match="99ZZ"):
        call_command("import_transfer", str(write(tmp_path, *ROWS)), "--school", "99ZZ", stdout=StringIO())
    assert not ImportJob.objects.exists() and not Transfer.objects.exists()


@pytest.mark.parametrize("text, advice, lwoo", [
    ("havo/vwo", Advice.HAVO_VWO, False),
    ("HAVO-VWO", Advice.HAVO_VWO, False),
    ("havo / vwo", Advice.HAVO_VWO, False),
    ("vwo", Advice.VWO, False),
    ("Gymnasium", Advice.VWO, False),
    ("vmbo-kb/gl", Advice.VMBO_KB_GT, False),
    ("VMBO KL-GT", Advice.VMBO_KB_GT, False),
    ("vmbo kb/vmbo gt-tl", Advice.VMBO_KB_GT, False),
    ("vmbo-gt", Advice.VMBO_GT, False),
    ("vmbo-(g)t", Advice.VMBO_GT, False),
    ("mavo/havo", Advice.VMBO_GT_HAVO, False),
    ("vmbo gt-tl/havo", Advice.VMBO_GT_HAVO, False),
    ("basis/kader", Advice.VMBO_BB_KB, False),
    ("VMBO BL-KL", Advice.VMBO_BB_KB, False),
    ("kader", Advice.VMBO_KB, False),
    ("vmbo-bb met lwoo", Advice.VMBO_BB, True),
    ("vmbo-kb (lwoo)", Advice.VMBO_KB, True),
    ("praktijkonderwijs", Advice.PRO, False),
    ("pro/vmbo-bb", Advice.PRO_BB, False),
])
def test_advices_are_read_as_schools_write_them(text, advice, lwoo):
    assert parse_advice(text) == ((advice, lwoo), None)


@pytest.mark.parametrize("text", ["vso", "vmbo", "havo/vwo/vmbo-gt", "vmbo-bb/havo", "4 havo"])
def test_what_is_not_an_advice_is_refused_with_the_accepted_ones(text):
    value, reason = parse_advice(text)
    assert value is None and "havo/vwo" in reason


def test_a_dash_is_no_advice_where_none_is_required():
    assert parse_advice("-") == (("", False), None)
    assert parse_advice("-", required=True) == (None, "Required; this cell is empty.")
