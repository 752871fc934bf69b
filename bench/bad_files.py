"""Peak memory and time of the importers on large and hostile files (tests/students/imports/test_bad_files.py
checks the messages; this measures what refusing, or reading, such a file costs).

Run (SQLite in bench/out/bad_files.sqlite3, made anew; nothing else is touched):

    DEBUG=1 .venv/bin/python bench/bad_files.py [--rows 1300000]

Each file is imported by `scores.import_scores` (a dry run: checked, not written) or
`roster.import_roster` in a child process of its own, so its peak RSS (ru_maxrss) is its own;
"before" is the child's RSS with Django and pandas loaded, before the file. The files go to
bench/out/ (not committed):

- a legitimate 50 MB cijferlijst (1,300,000 rows, ";", comma decimals): read in chunks, every row
  checked; and the same as a roster (refused for its size);
- 50 MB of random bytes, and a CSV whose second line is 50 MB: refused at the first megabytes;
- 100,000 columns as CSV and as XLSX; an XLSX zip bomb (a 3 MB file whose sheet unpacks to 1.1 GB);
  an XLSX with only cells A1 and XFD1048576 (calamine alone would ask for 17 billion cells);
- a legitimate XLSX of 1,000,000 rows × 7 columns: what the check before calamine costs, against
  calamine reading the same file.
"""

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.students.imports import raw_xlsx  # noqa: E402  (the tests' hand-made workbooks)
from tests.students.imports.raw_xlsx import (CONTENT_TYPES, PACKAGE_RELS, WORKBOOK, WORKBOOK_RELS,  # noqa: E402
                                     part, zip_of)

SHEET_START, SHEET_END = raw_xlsx.SHEET_START.encode(), raw_xlsx.SHEET_END.encode()
OUT = ROOT / "bench" / "out"
DATABASE = OUT / "bad_files.sqlite3"
BRIN = "99BF"
MB = 1024 * 1024
HEADER = "leerlingnummer;vak;toets;datum;cijfer;weging;periode"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_300_000, help="rows of the legitimate CSV")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    print(f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    run_child("setup", rows=args.rows)
    print(f"{'file':52} {'MB':>7} {'seconds':>8} {'peak RSS':>9} {'before':>7}  outcome")
    for case in CASES:
        figures = run_child("measure", case=case)
        print(f"{case:52} {figures['mb']:>7.1f} {figures['seconds']:>8.2f} {figures['peak_mb']:>6.0f} MB "
              f"{figures['before_mb']:>4.0f} MB  {figures['outcome'][:90]}", flush=True)


def run_child(step, **options):
    command = [sys.executable, __file__, "--step", step]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{DATABASE}", "DEBUG": "1", "REDIS_URL": ""}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        return {"mb": 0, "seconds": 0, "peak_mb": 0, "before_mb": 0,
                "outcome": f"CRASHED (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# Child steps ---------------------------------------------------------------------------------------

def child(args):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    if args.step == "setup":
        setup(args.rows)
        print(json.dumps({}))
    else:
        print(json.dumps(measure(args.case)))


def setup(rows):
    from django.core.management import call_command

    from portal import services
    from students.models import Student
    from students.subjects.standard import ensure_standard_subjects

    call_command("migrate", verbosity=0)
    school, _created = services.create_school(brin=BRIN, name="Bad Files College")
    ensure_standard_subjects(school)
    students = 2_600
    Student.objects.bulk_create([
        Student(school=school, student_number=str(100000 + n), given_name="Leerling", family_name=f"B{n}",
                level="havo", leerjaar=3, class_code="3H1") for n in range(students)], batch_size=5000)
    write_files(rows, students)


def write_files(rows, students):
    import numpy as np
    import pandas as pd

    codes = np.array(["ne", "en", "wi", "fa", "du", "gs", "ak", "bi", "na", "sk", "ec", "lo"])
    k = np.arange(rows)
    per_student = -(-rows // students)
    day = np.datetime64("2025-09-01") + (k % per_student // len(codes) % 400).astype("timedelta64[D]")
    pd.DataFrame({
        "leerlingnummer": 100000 + k // per_student, "vak": codes[k % len(codes)],
        "toets": pd.Series(k % per_student // len(codes)).map("Toets {}".format),
        "datum": pd.to_datetime(day).strftime("%d-%m-%Y"),
        "cijfer": pd.Series(np.round(1 + (k * 7919 % 90) / 10, 1)).map("{:.1f}".format).str.replace(".", ","),
        "weging": 1, "periode": "P1",
    }).to_csv(OUT / "cijfers-50mb.csv", sep=";", index=False)
    (OUT / "garbage-50mb.csv").write_bytes(random.Random(1).randbytes(50 * MB))
    with open(OUT / "line-50mb.csv", "wb") as out:
        out.write(f"{HEADER}\r\n1001;".encode() + b"x" * (50 * MB) + b";ne;23-10-2026;6;1;P1\r\n")
    (OUT / "columns-100000.csv").write_bytes(
        (";".join(f"k{n}" for n in range(100_000)) + "\r\n" + ";".join("1" * 100_000) + "\r\n").encode())
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>leerlingnummer</t></is></c>'
    xlsx(OUT / "columns-100000.xlsx", sheet([row + '<c r="EQXD1"><v>1</v></c></row>']))
    xlsx(OUT / "a1-xfd1048576.xlsx", sheet([row + '</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>']))
    xlsx(OUT / "bomb-1gb.xlsx", bomb_sheet(1100))
    xlsx(OUT / "cijfers-1m.xlsx", big_sheet(1_000_000))


def deflate_parts(pieces):
    """(deflated bytes, size, CRC-32) of a part given as pieces of bytes."""
    packer, packed, size, crc = zlib.compressobj(6, zlib.DEFLATED, -15), [], 0, 0
    for piece in pieces:
        packed.append(packer.compress(piece))
        size, crc = size + len(piece), zlib.crc32(piece, crc)
    packed.append(packer.flush())
    return b"".join(packed), size, crc


def sheet(rows):
    return deflate_parts([SHEET_START, "".join(rows).encode(), SHEET_END])


def big_sheet(rows):
    def pieces():
        yield SHEET_START
        for start in range(1, rows + 1, 10_000):
            yield "".join(
                f'<row r="{i}"><c r="A{i}"><v>{100000 + i % 2600}</v></c><c r="B{i}" t="inlineStr"><is><t>ne</t>'
                f'</is></c><c r="C{i}" t="inlineStr"><is><t>Toets {i % 40}</t></is></c><c r="D{i}" '
                f't="inlineStr"><is><t>23-10-2025</t></is></c><c r="E{i}"><v>6.5</v></c><c r="F{i}"><v>1</v></c>'
                f'<c r="G{i}" t="inlineStr"><is><t>P1</t></is></c></row>'
                for i in range(start, min(rows, start + 9_999) + 1)).encode()
        yield SHEET_END
    return deflate_parts(pieces())


def bomb_sheet(megabytes):
    """1 MB of rows `megabytes` times, deflated once (after a full flush a block packs the same)."""
    block = (b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>") * 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(SHEET_START) + packer.flush(zlib.Z_FULL_FLUSH)
    body = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(SHEET_END) + packer.flush()
    crc = zlib.crc32(SHEET_START)
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    return (head + body * megabytes + tail, len(SHEET_START) + len(block) * megabytes + len(SHEET_END),
            zlib.crc32(SHEET_END, crc))


def xlsx(path, sheet_part):
    """A workbook whose sheet is `sheet_part` (deflated bytes, size, CRC-32), written by hand."""
    zip_of(path, [part("[Content_Types].xml", CONTENT_TYPES), part("_rels/.rels", PACKAGE_RELS),
                  part("xl/workbook.xml", WORKBOOK), part("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                  ("xl/worksheets/sheet1.xml", *sheet_part)])


CASES = {
    "legitimate cijferlijst CSV, 1.3M rows (dry run)": ("scores", "cijfers-50mb.csv"),
    "the same file as a roster": ("roster", "cijfers-50mb.csv"),
    "50 MB of random bytes (scores)": ("scores", "garbage-50mb.csv"),
    "a CSV whose second line is 50 MB (scores)": ("scores", "line-50mb.csv"),
    "100,000 columns, CSV (scores)": ("scores", "columns-100000.csv"),
    "100,000 columns, XLSX (scores)": ("scores", "columns-100000.xlsx"),
    "XLSX zip bomb: 3 MB unpacking to 1.1 GB (scores)": ("scores", "bomb-1gb.xlsx"),
    "XLSX zip bomb (roster)": ("roster", "bomb-1gb.xlsx"),
    "XLSX with cells A1 and XFD1048576 (scores)": ("scores", "a1-xfd1048576.xlsx"),
    "legitimate XLSX, 1M rows x 7: the check before calamine": ("check", "cijfers-1m.xlsx"),
    "legitimate XLSX, 1M rows x 7: calamine reading it": ("calamine", "cijfers-1m.xlsx"),
}


def measure(case):
    from django.utils import translation

    from portal.models import School
    from students.imports import limits, roster, scores, workbook

    translation.activate("en")
    kind, name = CASES[case]
    path = OUT / name
    school = School.objects.get(brin=BRIN)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    if kind == "check":
        with open(path, "rb") as file:
            workbook.check_workbook(file, max_cells=limits.import_limit("IMPORT_SCORE_XLSX_MAX_CELLS"))
        outcome = "passes the checks"
    elif kind == "calamine":
        from python_calamine import CalamineWorkbook

        sheet_read = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        outcome = f"{sheet_read.height:,} rows read"
    else:
        importer = roster.import_roster if kind == "roster" else scores.import_scores
        result = importer(school=school, path_or_file=path, dry_run=True)
        outcome = (f"refused: {result.errors[0]}" if result.rejected and result.errors[0].row is None
                   else f"{result.rows_read:,} rows checked, {len(result.errors)} errors")
    return {"mb": path.stat().st_size / MB, "seconds": time.perf_counter() - start, "before_mb": before,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "outcome": outcome}


if __name__ == "__main__":
    main()
