"""Bad files for every importer, through the real entry points (the upload pages of a school
leader and the commands `import_students` / `import_scores`): each gets a clear message naming
the row, the column or the file and the reason; none writes anything; none takes the process
down or runs without bound.

The corpus: small files as schools' systems write them in tests/students/imports/bad_files/ (their
README says what is wrong with each), and large or hostile files made here in tmp_path (never
committed): 50 MB of garbage, a 50 MB line, a 10 MB cell, 100,000 columns, zip bombs. The
limits they run into are limits.IMPORT_LIMITS (Django settings of the same names).
"""

import csv
import io
import random
import re
import resource
import sys
import zlib
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from portal.models import AuditEntry
from students.imports import roster, scores
from students.models import ImportJob, Score, StandardisedResult, Student
from tests.students.imports.raw_xlsx import SHEET_END, SHEET_START, deflated, inline, part, sheet_xml, xlsx_file, zip_of

pytestmark = pytest.mark.django_db

BAD_FILES = Path(__file__).parent / "bad_files"
MB = 1024 * 1024
ERROR_LINE = re.compile(r"^(?:row (\d+), column '.*?', value '.*?'|file): (.+)$", re.M)
ROSTER_HEADER = ["leerlingnummer", "roepnaam", "tussenvoegsel", "achternaam", "geboortedatum", "niveau",
                 "leerjaar", "klas"]
SCORE_HEADER = ["leerlingnummer", "vak", "toets", "datum", "cijfer", "weging", "periode"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def school(school_with_numbers):
    return school_with_numbers


def kind_of(name):
    return "roster" if name.startswith("leerlingen") else "scores"


def written():
    """Everything an import could write."""
    return (Student.objects.count(), Score.objects.count(), StandardisedResult.objects.count(),
            AuditEntry.objects.count())


# The two entry points, each returning [(row or None, reason)] as the user reads them -----------

def refused_by_command(path, kind=None):
    command = "import_students" if (kind or kind_of(path.name)) == "roster" else "import_scores"
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="nothing was written"):
        call_command(command, str(path), "--school", "12AB", stdout=out, stderr=StringIO())
    return [(int(row) if row else None, as_read(reason)) for row, reason in ERROR_LINE.findall(out.getvalue())]


def as_read(reason):
    return reason.replace("\xa0", " ")  # sizes ("1.0 MB") come with a no-break space


def post_file(client, path, *, kind=None, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("roster_import:upload" if (kind or kind_of(path.name)) == "roster"
                  else "roster_import:scores_upload")
    return client.post(url, {"file": SimpleUploadedFile(path.name, path.read_bytes())})


def upload(client, path, *, kind=None, settings):
    """A school leader uploads the file (English UI); the job and its preview page."""
    response = post_file(client, path, kind=kind, settings=settings)
    assert response.status_code == 302, response.context["form"].errors
    job = ImportJob.objects.latest("pk")
    return job, client.get(response.url).content.decode()


def refused_by_upload(client, path, *, settings, kind=None):
    jobs = ImportJob.objects.count()
    response = post_file(client, path, kind=kind, settings=settings)
    if response.status_code == 200:  # the upload form refuses it (Django's own checks): no job
        assert ImportJob.objects.count() == jobs
        with translation.override("en"):
            return [(None, as_read(str(error))) for error in response.context["form"].errors["file"]]
    job = ImportJob.objects.latest("pk")
    page = client.get(response.url).content.decode()
    assert job.status == ImportJob.Status.REJECTED
    confirm = "roster_import:confirm" if (kind or kind_of(path.name)) == "roster" else "roster_import:scores_confirm"
    assert reverse(confirm, args=[job.pk]) not in page  # nothing to confirm
    for error in job.errors:  # every reason is on the preview page
        assert escape(error["reason"]) in page
    return [(error["row"], as_read(error["reason"])) for error in job.errors]


def assert_reasons(found, expected):
    """`expected`: [(row or None, a fragment of its reason)], one per error, in order."""
    assert len(found) == len(expected), found
    for (row, reason), (expected_row, fragment) in zip(found, expected):
        assert (row, fragment in reason) == (expected_row, True), (row, reason)


# Small bad files: refused with the reason, row by row --------------------------------------------

REFUSED = [
    ("leerlingen-leeg.csv", [(None, "file is empty")]),  # the upload form says "The submitted file is empty."
    ("leerlingen-alleen-kop.csv", [(None, "The file holds the column names but no rows to import.")]),
    ("leerlingen-dubbele-rij.csv", [(3, "This student number already appears in row 2.")]),
    ("leerlingen-gemengde-codering.csv", [(None, "The file mixes two encodings: line 3 is not UTF-8")]),
    ("leerlingen-komma-in-naam.csv", [(None, "Line 3 has 9 cells where the first line has 8. A value "
                                             "with the separator in it")]),
    ("leerlingen-open-aanhalingsteken.csv", [(None, 'A quote (") opened in line 3 is never closed.')]),
    ("leerlingen-datums.csv", [(4, "Not a date; write it as dd-mm-jjjj"), (5, "Not a date")]),
    ("leerlingen-werkmap-als-csv.csv", [(None, "This is not a text file (line 1 holds binary data)")]),
    ("cijfers-leeg.csv", [(None, "file is empty")]),
    ("cijfers-alleen-kop.csv", [(None, "The file holds the column names but no rows to import.")]),
    ("cijfers-buiten-bereik.csv", [(3, "Give the grade with at most two decimals"),
                                   (4, "A grade lies between 1 and 10."), (5, "A grade lies between 1 and 10.")]),
    ("cijfers-komma-gescheiden.csv", [(None, "Line 3 has 8 cells where the first line has 7. A value with "
                                             "the separator in it (such as 5,5 in a file separated by "
                                             "commas) must be in quotes")]),
    ("cijfers-dubbele-rij.csv", [(3, "This student already has a grade for this subject, test and date "
                                     "in row 2.")]),
    ("cijfers-onbekende-leerlingen.csv", [(3, "No student with this student number at this school."),
                                          (4, "No student with this student number at this school.")]),
    ("cijfers-datums.csv", [(4, "Not a date; write it as dd-mm-jjjj"), (5, "Not a date")]),
]


@pytest.mark.parametrize("name, expected", REFUSED, ids=[name for name, _e in REFUSED])
def test_a_bad_file_is_refused_by_the_command_with_its_reasons_and_writes_nothing(school, name, expected):
    before = written()
    assert_reasons(refused_by_command(BAD_FILES / name), expected)
    assert written() == before


@pytest.mark.parametrize("name, expected", REFUSED, ids=[name for name, _e in REFUSED])
def test_a_bad_file_is_refused_on_upload_with_its_reasons_and_writes_nothing(
        client, leader_a, school, settings, name, expected):
    client.force_login(leader_a)
    before = written()
    assert_reasons(refused_by_upload(client, BAD_FILES / name, settings=settings), expected)
    assert written() == before


def test_the_preview_gives_the_reason_in_dutch_by_default(client, leader_a, school):
    client.force_login(leader_a)
    response = client.post(reverse("roster_import:upload"), {"file": SimpleUploadedFile(
        "leerlingen.csv", (BAD_FILES / "leerlingen-dubbele-rij.csv").read_bytes())})
    page = client.get(response.url).content.decode()
    assert "Dit leerlingnummer staat al in rij 2." in page


# Files that look odd but are right: they import, the text exactly as written ---------------------

def roster_rows():
    return sorted(Student.objects.values_list("student_number", "given_name", "tussenvoegsel", "family_name"))


def score_rows():
    return sorted(Score.objects.values_list("student__student_number", "subject__code", "test", "grade"))


ACCEPTED = [
    ("leerlingen-windows-1252.csv", roster_rows, [
        ("1001", "Zoë", "", "Öztürk"), ("1002", "Anaïs", "van der", "Brüggen"),
        ("1003", "François", "de", "Wit – Smit")]),
    ("leerlingen-latin-1.csv", roster_rows, [("1001", "Noël", "", "Jaïr"), ("1002", "Søren", "", "Ångström")]),
    ("leerlingen-utf-16-tab.csv", roster_rows, [("1001", "Ĳsbrand", "van", "Bĳl"), ("1002", "Zoë", "", "IJzerman")]),
    ("leerlingen-pipe.csv", roster_rows, [("1001", "Eliëtte", "", "Ĳsselmuiden"), ("1002", "Daan", "", "Bakker")]),
    ("leerlingen-formules.csv", roster_rows, [
        ("-2004", "Kim", "", "-Bakker"), ("2001", '=HYPERLINK("http://x","klik")', "", "Jansen"),
        ("2002", "+cmd|' /C calc'!A0", "", "de Boer"), ("2003", "@SUM(A1:A9)", "", "Smit")]),
    ("cijfers-decimalen.csv", score_rows, [  # "5,5" and "5.5" are both five and a half
        ("1001", "ne", "Toets 1", Decimal("5.5")), ("1001", "ne", "Toets 2", Decimal("5.5")),
        ("1001", "ne", "Toets 3", Decimal("10")), ("1002", "ne", "Toets 1", Decimal("1"))]),
    ("cijfers-windows-1252.csv", score_rows, [("1001", "fa", "Passé composé – H2", Decimal("6.8")),
                                              ("1002", "fa", "Passé composé – H2", Decimal("5.4"))]),
    ("cijfers-utf-16-tab.csv", score_rows, [("1001", "fa", "Passé composé – H2", Decimal("6.8")),
                                            ("1002", "fa", "Passé composé – H2", Decimal("5.4"))]),
    ("cijfers-tab.csv", score_rows, [("1001", "wi", "H1 getallen", Decimal("6.7")),
                                     ("1002", "wi", "H1 getallen", Decimal("4.2"))]),
    ("cijfers-komma-gescheiden-met-aanhalingstekens.csv", score_rows, [
        ("1001", "en", "Vocabulary 1", Decimal("5.5")), ("1002", "en", "Vocabulary 1", Decimal("7"))]),
    ("cijfers-formules.csv", score_rows, [
        ("1001", "ne", "+cmd|' /C calc'!A0", Decimal("6")), ("1001", "ne", "-1+1", Decimal("6")),
        ("1001", "ne", "=HYPERLINK(\"http://x\",\"klik\")", Decimal("6")), ("1001", "ne", "@SUM(A1:A9)", Decimal("6"))]),
]


@pytest.mark.parametrize("name, stored, expected", ACCEPTED, ids=[name for name, *_rest in ACCEPTED])
def test_an_odd_but_right_file_imports_exactly_as_written_by_the_command(school, name, stored, expected):
    if kind_of(name) == "roster":
        Student.objects.all().delete()
    call_command("import_students" if kind_of(name) == "roster" else "import_scores",
                 str(BAD_FILES / name), "--school", "12AB", stdout=StringIO())
    assert stored() == expected


@pytest.mark.parametrize("name, stored, expected", ACCEPTED, ids=[name for name, *_rest in ACCEPTED])
def test_an_odd_but_right_file_imports_exactly_as_written_on_upload(
        client, leader_a, school, settings, name, stored, expected):
    if kind_of(name) == "roster":
        Student.objects.all().delete()
    client.force_login(leader_a)
    job, _page = upload(client, BAD_FILES / name, settings=settings)
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    confirm = "roster_import:confirm" if kind_of(name) == "roster" else "roster_import:scores_confirm"
    client.post(reverse(confirm, args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert stored() == expected


def test_a_formula_from_a_roster_is_shown_and_exported_as_text(client, leader_a, school, settings):
    """=HYPERLINK(…) in a name stays text: escaped on the student page and with an apostrophe in
    front in the risk export, so no spreadsheet runs it."""
    call_command("import_students", str(BAD_FILES / "leerlingen-formules.csv"), "--school", "12AB",
                 stdout=StringIO())
    student = Student.objects.get(student_number="2001")
    client.force_login(leader_a)
    page = client.get(student.get_absolute_url()).content.decode()
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;klik&quot;)" in page
    assert 'href="http://x"' not in page
    export = client.get(reverse("flags:export")).content.decode()
    cells = [cell for row in csv.reader(io.StringIO(export)) for cell in row]
    assert "'-2004" in cells and "-2004" not in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]


# XLSX: formulas, dates and cells as a spreadsheet holds them -------------------------------------

def workbook(path, *rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_a_formula_cell_imports_the_value_excel_showed_and_never_its_formula(school, tmp_path):
    """Excel stores a formula with the value it last showed; that value is read, the formula never
    (and never run). A formula without a stored value (as openpyxl writes it) reads as empty."""
    sheet = sheet_xml(['<row r="1">' + "".join(inline(f"{col}1", h) for col, h in zip("ABCDEFG", SCORE_HEADER)) + "</row>",
                       '<row r="2">' + inline("A2", "1001") + inline("B2", "ne")
                       + '<c r="C2" t="str"><f>HYPERLINK("http://x","klik")</f><v>klik</v></c>'
                       + inline("D2", "23-10-2026") + '<c r="E2"><v>6</v></c></row>'])
    assert_imported_by_command(xlsx_file(tmp_path / "cijfers.xlsx", sheet))
    assert score_rows() == [("1001", "ne", "klik", Decimal("6"))]

    path = workbook(tmp_path / "zonder-waarde.xlsx", SCORE_HEADER,
                    ["1001", "ne", '=HYPERLINK("http://x","klik")', "23-10-2026", 6, 1, "P1"])
    assert_reasons(refused_by_command(path), [(2, "Required; this cell is empty.")])


def test_dates_in_a_workbook_as_date_cells_as_text_or_as_a_bare_day_number(school, tmp_path):
    path = workbook(tmp_path / "cijfers.xlsx", SCORE_HEADER,
                    [1001, "ne", "Toets 1", datetime(2026, 10, 23), 6.5, 1, "P1"],
                    [1001, "ne", "Toets 2", "23-10-2026", 6.5, 1, "P1"],
                    [1001, "ne", "Toets 3", 46318, 6.5, 1, "P1"])  # a date cell that lost its format
    assert_reasons(refused_by_command(path), [(4, "Not a date; write it as dd-mm-jjjj")])
    assert not Score.objects.exists()


@pytest.mark.parametrize("kind", ["roster", "scores"])
def test_an_empty_workbook_and_one_with_only_column_names(client, leader_a, school, settings, tmp_path, kind):
    header = ROSTER_HEADER if kind == "roster" else SCORE_HEADER
    client.force_login(leader_a)
    before = written()
    empty = workbook(tmp_path / "leeg.xlsx")
    assert_reasons(refused_by_upload(client, empty, kind=kind, settings=settings),
                   [(None, "The file is empty: the first row should hold the column names.")])
    assert_reasons(refused_by_command(empty, kind),
                   [(None, "The file is empty: the first row should hold the column names.")])
    header_only = workbook(tmp_path / "kop.xlsx", header)
    assert_reasons(refused_by_upload(client, header_only, kind=kind, settings=settings),
                   [(None, "The file holds the column names but no rows to import.")])
    assert written() == before


def test_a_10_mb_cell_in_a_workbook_is_a_row_error_shown_cut_short(client, leader_a, school, settings, tmp_path):
    cell = "".join(random.Random(1).choices("abcdefghijklmnopqrstuvwxyz ", k=10 * MB))  # incompressible
    path = workbook(tmp_path / "cijfers.xlsx", SCORE_HEADER, ["1001", "ne", cell, "23-10-2026", 6, 1, "P1"])
    client.force_login(leader_a)
    job, page = upload(client, path, settings=settings)
    assert job.status == ImportJob.Status.REJECTED
    [error] = job.errors
    assert (error["row"], error["column"], error["reason"]) == (2, "toets", "Too long: at most 100 characters.")
    assert error["value"] == cell[:200] + "…"
    assert len(page) < MB and cell[:200] in page
    assert [len(c) for c in job.preview_rows[0]["cells"]] == [4, 2, 201, 10, 1, 1, 2]
    assert not Score.objects.exists()


# Large and hostile files: refused early, in bounded memory, with a message ------------------------

@contextmanager
def at_most(extra):
    """This process may take `extra` more bytes of address space meanwhile: a file that is
    read whole, or a workbook that calamine unpacks, fails here instead of passing unseen."""
    if not sys.platform.startswith("linux"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + extra, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class CountingFile(io.FileIO):
    """A file that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.bytes_read += count or 0
        return count


def bytes_read_by_the_importer(path, kind, school):
    with CountingFile(path) as file:
        importer = roster.import_roster if kind == "roster" else scores.import_scores
        result = importer(school=school, path_or_file=file, filename=path.name)
        assert result.rejected
        return file.bytes_read


def csv_lines(*lines):
    return "".join(f"{line}\r\n" for line in lines).encode()


@pytest.mark.parametrize("kind", ["roster", "scores"])
def test_50_mb_of_garbage_is_refused_at_its_first_megabyte(school, tmp_path, kind):
    path = tmp_path / "export.csv"
    path.write_bytes(random.Random(2).randbytes(50 * MB))
    before = written()
    with at_most(256 * MB):
        [(row, reason)] = refused_by_command(path, kind)
    assert row is None
    if kind == "roster":  # a roster is small: its size alone is too much
        assert reason == "The file is 50.0 MB; a roster file may be at most 10.0 MB. Is this the roster?"
    else:
        assert re.fullmatch(r"This is not a text file \(line \d+ holds binary data\), so not a CSV file\..*",
                            reason)
        assert bytes_read_by_the_importer(path, kind, school) <= 2 * MB
    assert written() == before


@pytest.mark.parametrize("kind, size", [("roster", 9 * MB), ("scores", 10 * MB), ("scores", 50 * MB)],
                         ids=["roster-9MB-cell", "scores-10MB-cell", "scores-50MB-line"])
def test_a_giant_line_or_cell_is_refused_as_soon_as_it_passes_1_mb(school, tmp_path, kind, size):
    """(A roster of 50 MB is refused for its size, see above.)"""
    header = ROSTER_HEADER if kind == "roster" else SCORE_HEADER
    path = tmp_path / "export.csv"
    with open(path, "wb") as file:
        file.write(csv_lines(";".join(header)) + b"1001;")
        file.write(b"x" * size)
        file.write(csv_lines(";ne;23-10-2026;6;1;P1"))
    with at_most(256 * MB):
        assert refused_by_command(path, kind) == [(None, "Line 2 is longer than 1.0 MB; the lines of an "
                                                         "export are short. Is this the right file?")]
    assert bytes_read_by_the_importer(path, kind, school) <= 3 * MB
    assert written() == (2, 0, 0, 0)


def test_a_roster_above_the_limit_is_refused_on_upload_before_a_job_is_made(client, leader_a, school, settings,
                                                                            tmp_path):
    settings.IMPORT_ROSTER_MAX_BYTES = 1 * MB  # the check that refuses 50 MB, with a smaller upload
    client.force_login(leader_a)
    path = tmp_path / "leerlingen.csv"
    path.write_bytes(csv_lines(";".join(ROSTER_HEADER)) + b"1003;Kim;;Smit;01-01-2012;havo;3;3H1\r\n" * 40_000)
    assert refused_by_upload(client, path, settings=settings) == [
        (None, "The file is 1.4 MB; a roster file may be at most 1.0 MB. Is this the roster?")]
    assert not ImportJob.objects.exists() and Student.objects.count() == 2


def test_a_score_file_above_the_limit_is_refused_on_upload_and_by_the_command(
        client, leader_a, school, settings, tmp_path):
    settings.IMPORT_SCORE_MAX_BYTES = 1 * MB
    path = tmp_path / "cijfers.csv"
    path.write_bytes(csv_lines(";".join(SCORE_HEADER)) + b"1001;ne;Toets 1;23-10-2026;6;1;P1\r\n" * 60_000)
    message = "The file is 2.0 MB; a score file may be at most 1.0 MB. Split it, for example per period."
    assert refused_by_command(path) == [(None, message)]
    client.force_login(leader_a)
    assert refused_by_upload(client, path, settings=settings) == [(None, message)]
    assert not ImportJob.objects.exists() and not Score.objects.exists()


@pytest.mark.parametrize("kind", ["roster", "scores"])
def test_a_csv_of_100000_columns_is_refused_before_it_is_parsed(client, leader_a, school, settings, tmp_path, kind):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_lines(";".join(f"k{n}" for n in range(100_000)),
                               ";".join(str(n) for n in range(100_000))))
    message = "The file has 100,000 columns; an import reads at most 1,000. Is this the right file?"
    with at_most(256 * MB):
        assert refused_by_command(path, kind) == [(None, message)]
    client.force_login(leader_a)
    assert refused_by_upload(client, path, kind=kind, settings=settings) == [(None, message)]
    assert written() == (2, 0, 0, 0)


def written_to(path, data):
    path.write_bytes(data)
    return path


def assert_imported_by_command(path):
    call_command("import_scores", str(path), "--school", "12AB", stdout=StringIO())


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    """A workbook of about 3 MB whose sheet unpacks to 1.1 GB: the same 1 MB of rows 1,100 times.

    Each block is deflated after a full flush, which makes its packed bytes the same every time,
    so the archive is written without deflating 1.1 GB."""
    block = (b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>") * 1024
    start, end = SHEET_START.encode(), SHEET_END.encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(start) + packer.flush(zlib.Z_FULL_FLUSH)
    body = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(end) + packer.flush()
    blocks, crc = 1100, zlib.crc32(start)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    sheet = ("xl/worksheets/sheet1.xml", head + body * blocks + tail,
             len(start) + len(block) * blocks + len(end), zlib.crc32(end, crc))
    return xlsx_file(tmp_path_factory.mktemp("bomb") / "cijfers.xlsx", sheet)


@pytest.mark.parametrize("kind", ["roster", "scores"])
def test_a_zip_bomb_is_refused_without_unpacking_it(school, zip_bomb, kind):
    import zipfile

    assert zipfile.ZipFile(zip_bomb).getinfo("xl/worksheets/sheet1.xml").file_size > 1024 * MB
    assert zip_bomb.stat().st_size < 4 * MB
    with at_most(256 * MB):  # calamine would need gigabytes
        [(row, reason)] = refused_by_command(zip_bomb, kind)
    assert re.fullmatch(r"The workbook unpacks to far more than its size: xl/worksheets/sheet1\.xml is "
                        r"compressed [\d,]+ times, where a genuine export stays under 100\. .*", reason)
    assert row is None and written() == (2, 0, 0, 0)


HOSTILE_WORKBOOKS = {
    # Two cells, A1 and XFD1048576: calamine would allocate 17 billion cells and abort the process.
    "a1-and-xfd1048576": (lambda path: xlsx_file(path, sheet_xml(
        ['<row r="1">' + inline("A1", "leerlingnummer") + "</row>",
         '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'])),
        "The file has 16,384 columns; an import reads at most 1,000. Is this the right file?"),
    "a1-and-all1048576": (lambda path: xlsx_file(path, sheet_xml(
        ['<row r="1">' + inline("A1", "leerlingnummer") + "</row>",
         '<row r="1048576"><c r="ALL1048576"><v>1</v></c></row>'])),
        "The file spans 1,048,576 rows of 1,000 columns: more than an import reads"),
    # The same, hidden: a second reference (calamine takes the last), and cells without one.
    "second-reference": (lambda path: xlsx_file(path, sheet_xml(
        ['<row r="1">' + inline("A1", "leerlingnummer") + '<c r="B1"r="XFD1048576"><v>1</v></c></row>'])),
        "The file has 16,384 columns"),
    "100000-cells-without-reference": (lambda path: xlsx_file(path, sheet_xml(
        ["<row>" + "".join(f"<c><v>{n}</v></c>" for n in range(100_000)) + "</row>"])),
        "The file has 100,000 columns; an import reads at most 1,000."),
    "100000-columns": (lambda path: xlsx_file(path, sheet_xml(
        ['<row r="1">' + inline("A1", "leerlingnummer") + '<c r="EQXD1"><v>1</v></c></row>'])),
        "The file has 100,000 columns; an import reads at most 1,000."),
    # A part that unpacks to more than the archive says: refused while reading it.
    "unpacks-to-more-than-it-says": (lambda path: xlsx_file(path, (
        "xl/worksheets/sheet1.xml", deflated(sheet_xml(['<row r="1">' + inline("A1", "x" * 5000) + "</row>"])),
        100, 0)), "The file could not be read as an Excel workbook (.xlsx)."),
    # Entities that expand a billion times ("billion laughs").
    "entity-expansion": (lambda path: xlsx_file(path, (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + '<row r="1">' + inline("A1", "&lol9;") + "</row>" + SHEET_END)),
        "The file could not be read as an Excel workbook (.xlsx)."),
    "old-xls-or-password": (lambda path: written_to(path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)),
                            "This is an old Excel file (.xls) or a workbook with a password"),
    "opendocument": (lambda path: zip_of(path, [part("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
                                                part("content.xml", "<office:document-content/>")]),
                     "This is not an .xlsx workbook; open it in Excel or LibreOffice and save it as .xlsx"),
    "not-a-zip": (lambda path: written_to(path, b"leerlingnummer;vak\n1001;ne\n"),
                  "The file could not be read as an Excel workbook (.xlsx)."),
}


@pytest.mark.parametrize("kind", ["roster", "scores"])
@pytest.mark.parametrize("hostile", list(HOSTILE_WORKBOOKS))
def test_a_hostile_workbook_is_refused_before_calamine_reads_it(school, tmp_path, kind, hostile):
    make, message = HOSTILE_WORKBOOKS[hostile]
    path = make(tmp_path / "export.xlsx")
    with at_most(256 * MB):
        [(row, reason)] = refused_by_command(path, kind)
    assert row is None and reason.startswith(message), reason
    assert written() == (2, 0, 0, 0)


def test_a_hostile_workbook_is_refused_on_upload(client, leader_a, school, settings, tmp_path):
    make, message = HOSTILE_WORKBOOKS["a1-and-xfd1048576"]
    client.force_login(leader_a)
    for kind in ("roster", "scores"):
        [(row, reason)] = refused_by_upload(client, make(tmp_path / f"{kind}.xlsx"), kind=kind, settings=settings)
        assert (row, reason) == (None, message)
    assert written() == (2, 0, 0, 0)


def test_a_workbook_of_too_many_parts_is_refused_before_its_directory_is_read(school, tmp_path, settings):
    settings.IMPORT_XLSX_MAX_PARTS = 50
    sheet = sheet_xml(['<row r="1">' + inline("A1", "leerlingnummer") + "</row>"])
    path = xlsx_file(tmp_path / "cijfers.xlsx", sheet, *(part(f"xl/media/image{n}.png", b"") for n in range(56)))
    [(_row, reason)] = refused_by_command(path)
    assert reason.startswith("The workbook consists of 61 parts; one to import has at most 50.")


def test_a_workbook_within_the_limits_still_imports(school, tmp_path):
    """The hand-made archive itself is fine: what makes the others fail is what they hold."""
    rows = ['<row r="1">' + "".join(inline(f"{col}1", h) for col, h in zip("ABCDEFG", SCORE_HEADER)) + "</row>",
            '<row r="2">' + inline("A2", "1002") + inline("B2", "en") + inline("C2", "Toets 1")
            + '<c r="D2"><v>46318</v></c>' + '<c r="E2"><v>7.5</v></c></row>']
    path = xlsx_file(tmp_path / "cijfers.xlsx", sheet_xml(rows))
    assert_reasons(refused_by_command(path), [(2, "Not a date")])  # a day number without a date format
    rows[1] = rows[1].replace('<c r="D2"><v>46318</v></c>', inline("D2", "23-10-2026"))
    assert_imported_by_command(xlsx_file(tmp_path / "cijfers.xlsx", sheet_xml(rows)))
    assert score_rows() == [("1002", "en", "Toets 1", Decimal("7.5"))]
    assert Score.objects.get().date == date(2026, 10, 23)


def test_every_committed_bad_file_is_tested_and_described():
    names = {path.name for path in BAD_FILES.iterdir() if path.suffix == ".csv"}
    assert names == {name for name, _e in REFUSED} | {name for name, *_rest in ACCEPTED}
    described = (BAD_FILES / "README.md").read_text()
    assert all(f"`{name}`" in described for name in names)
    # The large files are made in tmp_path, never committed.
    assert sum(path.stat().st_size for path in BAD_FILES.iterdir()) < 100 * 1024
