"""Every kind of import goes through the one pipeline: a kind only plugs in its columns, its
checks and where its rows go; reading, limits, the preview, all-or-nothing and the job's life
(upload → preview → confirm → done) are the pipeline's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from students.imports import pipeline, roster, scores
from students.imports.columns import Column, plan_columns
from students.imports.reading import ReadLimits
from students.imports.results import Checked, ErrorList, ImportResult, RowError
from students.models import ImportJob


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class Books:
    """A shelf of books: what a fake kind writes to (a list, not a table)."""

    def __init__(self):
        self.written = []


class BookKind(pipeline.Kind):
    """A kind of file the portal does not have: books with a title and a number of pages."""

    name = "books"
    job_kind = ImportJob.Kind.ROSTER
    limits = ReadLimits(ImportJob.Kind.ROSTER, xlsx_max_cells="IMPORT_ROSTER_MAX_CELLS")
    columns = (Column("title", "title", ("titel",), required=True),
               Column("pages", "pages", ("bladzijden",), required=True))

    def __init__(self, shelf):
        self.shelf = shelf

    def plan(self, table, *, school, options):
        return plan_columns(self.name, table.header, self.columns)

    def checker(self, *, school, plan, header):
        return BookRows(plan, header)

    def staging(self, checker, *, school):
        return BookStage(self.shelf)


class BookRows:
    def __init__(self, plan, header):
        self.title, self.pages = plan.columns["title"], plan.columns["pages"]
        self.header = header

    def check(self, frame):
        ready, errors = [], []
        for number, cells in zip(frame.index, frame.itertuples(index=False, name=None)):
            pages = cells[self.pages].strip()
            if pages.isdigit():
                ready.append((cells[self.title].strip(), int(pages)))
            else:
                errors.append(RowError(int(number), self.header[self.pages], pages, "not a number"))
        return Checked(ready, ErrorList(errors), len(frame), len(errors))


class BookStage:
    def __init__(self, shelf):
        self.shelf, self.rows = shelf, []

    def add(self, ready):
        self.rows.extend(ready)

    def compare(self):
        return len(self.rows), 0, 0

    def write(self, *, actor):
        self.shelf.written.extend(self.rows)
        return len(self.rows), 0, 0

    def drop(self):
        self.rows = []


def books(*lines):
    return SimpleUploadedFile("boeken.csv", "\n".join(("titel;bladzijden", *lines)).encode())


def test_a_new_kind_is_previewed_confirmed_and_written_by_the_shared_job(school_a, leader_a):
    shelf = Books()
    kind = BookKind(shelf)
    job = pipeline.start_job(kind, school=school_a, upload=books("Kees de jongen;280", "Pluk;150"),
                             actor=leader_a)
    assert job.status == ImportJob.Status.PREVIEW and shelf.written == []
    assert (job.summary["kind"], job.summary["rows_read"], job.summary["created"]) == ("books", 2, 2)
    assert pipeline.confirm_job(kind, job=job, actor=leader_a)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["confirmed_by"] == leader_a.pk
    assert shelf.written == [("Kees de jongen", 280), ("Pluk", 150)]
    assert not pipeline.confirm_job(kind, job=job, actor=leader_a)  # once only


def test_a_new_kind_gets_the_shared_checks_and_writes_nothing_with_an_error(school_a, tmp_path):
    shelf = Books()
    path = tmp_path / "boeken.csv"
    path.write_text("titel;bladzijden\nPluk;veel\nKeesje;120\n")
    result = pipeline.run(BookKind(shelf), school=school_a, path_or_file=path)
    assert result.rejected and shelf.written == []
    assert [str(e) for e in result.errors] == ["row 2, column 'bladzijden', value 'veel': not a number"]
    path.write_text("titel\nPluk\n")
    result = pipeline.run(BookKind(shelf), school=school_a, path_or_file=path)
    assert result.missing == ["pages"] and result.rows_read == 1
    with translation.override("en"):
        result = pipeline.run(BookKind(shelf), school=school_a, path_or_file=tmp_path / "boeken.pdf")
    assert [e.reason for e in result.errors] == ["Upload a .csv or .xlsx file; got boeken.pdf."]


def test_roster_and_scores_are_kinds_of_the_one_pipeline_with_one_result(school_a, tmp_path):
    assert isinstance(roster.KIND, pipeline.Kind) and isinstance(scores.KIND, pipeline.Kind)
    path = tmp_path / "leeg.csv"
    path.write_text("")
    assert isinstance(roster.import_roster(school=school_a, path_or_file=path), ImportResult)
    assert isinstance(scores.import_scores(school=school_a, path_or_file=path), ImportResult)
