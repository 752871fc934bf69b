"""Warme overdracht: the primary school's transfer data per student → the students' Transfer.

A file from the student information system (or the OSO overstapdossiers gathered in a
spreadsheet) with, per student number: the schooladvies, the adjusted advice after the
doorstroomtoets, the test's score, advice and reference levels, support needs, notes and the
primary school's name. Matched by student number to the school's students (the roster comes
first); a file with any error writes nothing; the same file twice changes nothing. The rest
(reading, limits, the job's life) is the shared pipeline's.
"""

import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..models import DOMAIN_LEVELS, Advice, ImportJob, Level, Student, Transfer
from . import pipeline
from .columns import Column, plan_columns
from .limits import PREVIEW_ROWS, shown
from .reading import ReadLimits
from .results import Checked, ErrorList, RowError
from .scores import queue_flagging

TRANSFER = "transfer"
COLUMNS = (
    Column("student_number", gettext_lazy("student number"),
           ("leerlingnummer", "llnr", "leerlingnr", "studentnummer", "student number"), required=True),
    Column("advice", gettext_lazy("schooladvies"),
           ("schooladvies", "advies", "voorlopig schooladvies", "basisschooladvies", "advies basisschool",
            "advies po"), required=True),
    Column("adjusted_advice", gettext_lazy("adjusted advice (after the doorstroomtoets)"),
           ("heroverwogen advies", "heroverwogen schooladvies", "bijgesteld advies",
            "bijgesteld schooladvies", "aangepast advies", "herzien advies", "herzien schooladvies",
            "definitief schooladvies", "advies na heroverweging")),
    Column("test", gettext_lazy("test"), ("toets", "naam toets", "toetsnaam", "toetsaanbieder", "soort toets")),
    Column("test_score", gettext_lazy("test score"),
           ("toetsscore", "score", "score doorstroomtoets", "doorstroomtoets score", "doorstroomtoetsscore",
            "score eindtoets", "eindtoets score", "eindtoetsscore")),
    Column("test_advice", gettext_lazy("test advice"),
           ("toetsadvies", "advies doorstroomtoets", "doorstroomtoets advies", "niveau doorstroomtoets",
            "toetsniveau", "advies eindtoets", "eindtoetsadvies")),
    Column("reading", gettext_lazy("reading (lezen)"),
           ("lezen", "referentieniveau lezen", "niveau lezen", "ref lezen", "leesvaardigheid")),
    Column("spelling", gettext_lazy("spelling and grammar (taalverzorging)"),
           ("taalverzorging", "referentieniveau taalverzorging", "niveau taalverzorging", "ref taalverzorging")),
    Column("maths", gettext_lazy("arithmetic (rekenen)"),
           ("rekenen", "referentieniveau rekenen", "niveau rekenen", "ref rekenen")),
    Column("support_needs", gettext_lazy("support needs"),
           ("ondersteuningsbehoefte", "ondersteuningsbehoeften", "ondersteuning", "zorgbehoefte",
            "extra ondersteuning", "onderwijsbehoefte")),
    Column("notes", gettext_lazy("notes"),
           ("opmerkingen", "opmerking", "toelichting", "notities", "bijzonderheden", "overdracht")),
    Column("primary_school", gettext_lazy("primary school"),
           ("basisschool", "school van herkomst", "vorige school", "naam basisschool", "herkomstschool")),
)
MAX_LENGTH = {name: Transfer._meta.get_field(name).max_length for name in ("primary_school", "test")}
MAX_SCORE = 999  # each test has its own scale (the old Cito eindtoets 501–550, others 100–300 …)

# The words an advice is written in, each naming a level; "vmbo" and the like only join them.
ADVICE_WORDS = {
    **dict.fromkeys(("pro", "praktijkonderwijs", "praktijk"), "pro"),
    **dict.fromkeys(("bb", "bl", "b", "basis", "basisberoepsgericht", "basisberoepsgerichte"), "vmbo_bb"),
    **dict.fromkeys(("kb", "kl", "k", "kader", "kaderberoepsgericht", "kaderberoepsgerichte"), "vmbo_kb"),
    **dict.fromkeys(("gt", "gl", "tl", "g", "t", "mavo", "gemengd", "gemengde", "theoretisch",
                     "theoretische"), "vmbo_gt"),
    "havo": "havo",
    **dict.fromkeys(("vwo", "atheneum", "gymnasium"), "vwo"),
}
JOINING_WORDS = {"vmbo", "leerweg", "en", "of", "met", "advies"}
LWOO = "lwoo"  # leerwegondersteunend onderwijs, often written after a vmbo advice
# "<1F", "onder 1F", "1F niet behaald": not (yet) at 1F.
NOT_YET = re.compile(r"<|onder|niet|geen|beneden|lager")
BELOW_1F = "<1F"  # as students.models.DOMAIN_LEVELS writes it
DOMAIN_NAMES = {"reading": "lezen", "spelling": "taalverzorging", "maths": "rekenen"}


def _words(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [word for word in re.split(r"[^a-z0-9]+", text) if word]


def accepted_advices():
    return ", ".join(str(advice.label) for advice in Advice)


def parse_advice(text, *, required=False):
    """((Advice or "", lwoo), None) or (None, reason). 'havo/vwo', 'HAVO-VWO', 'vmbo-kb/gl',
    'VMBO KL-GT', 'kader', 'vmbo-bb lwoo' are understood; a cell without letters is empty."""
    words = _words(text)
    if not words:
        return (None, _("Required; this cell is empty.")) if required else (("", False), None)
    unknown = [w for w in words if w not in ADVICE_WORDS and w not in JOINING_WORDS and w != LWOO]
    levels = sorted({ADVICE_WORDS[w] for w in words if w in ADVICE_WORDS},
                    key=lambda level: Advice(level).order)
    if unknown or not levels:
        return None, _("Unknown advice %(value)s; use one of %(accepted)s (also written as basis, "
                       "kader, gl, tl, mavo, atheneum or gymnasium, and with lwoo after it).") % {
            "value": text, "accepted": accepted_advices()}
    try:
        advice = Advice.of(Level(levels[0]), Level(levels[-1])) if len(levels) <= 2 else None
    except ValueError:  # two levels that are not neighbours
        advice = None
    if advice is None:
        return None, _("%(value)s names %(levels)s; an advice is one level or two neighbouring "
                       "levels, such as havo/vwo. Use one of %(accepted)s.") % {
            "value": text, "levels": ", ".join(str(Advice(level).label) for level in levels),
            "accepted": accepted_advices()}
    return (advice, LWOO in words), None


def parse_reference_level(text, domain):
    """('1F', None) or (None, reason): '1F', '2f', '1S', '<1F', 'onder 1F' as the domain has them."""
    if not text:
        return "", None
    squeezed = re.sub(r"[\s.]", "", text.upper())
    found = BELOW_1F if "1F" in squeezed and NOT_YET.search(squeezed.lower()) else squeezed
    if found not in DOMAIN_LEVELS[domain]:
        return None, _("%(value)s is not a reference level for %(domain)s; use %(accepted)s.") % {
            "value": text, "domain": DOMAIN_NAMES[domain], "accepted": ", ".join(DOMAIN_LEVELS[domain])}
    return found, None


def parse_test_score(text):
    if not text:
        return None, None
    if not text.isdigit() or not 1 <= int(text) <= MAX_SCORE:
        return None, _("Not a test score; write a whole number as the test reports it, for example 535.")
    return int(text), None


class TransferRows:
    """Checks a transfer file chunk by chunk: records for services.upsert_transfers, and every
    problem. Every student number must be a student of the school, once in the file."""

    def __init__(self, school, plan, header):
        self.columns = [(c, plan.columns[c.field]) for c in COLUMNS if c.field in plan.columns]
        self.header = {c.field: header[i] for c, i in self.columns}
        self.position = {c.field: i for c, i in self.columns}
        self.students = dict(Student.objects.filter(school=school).values_list("student_number", "pk"))
        self.first_row_of = {}

    def check(self, frame):
        records, errors, rows_read, rejected = [], [], 0, 0
        for number, cells in zip(frame.index, frame.itertuples(index=False, name=None)):
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue  # blank lines are skipped, not counted
            rows_read += 1
            values = {c.field: cells[i] for c, i in self.columns}
            record, problems = _parse_row(values)
            problems = self._student(values["student_number"], int(number), record) + problems
            if problems:
                rejected += 1
                problems.sort(key=lambda problem: self.position[problem[0]])  # left to right
                errors.extend(RowError(int(number), self.header[f], values[f], reason)
                              for f, reason in problems)
            else:
                records.append(record)
        return Checked(records, ErrorList(errors), rows_read, rejected)

    def _student(self, student_number, row, record):
        if not student_number:
            return [("student_number", _("Required; this cell is empty."))]
        if student_number in self.first_row_of:
            return [("student_number", _("This student number already appears in row %(row)s.")
                     % {"row": self.first_row_of[student_number]})]
        self.first_row_of[student_number] = row
        if student_number not in self.students:
            return [("student_number", _("No student of this school has this number; import the "
                                         "roster first."))]
        record.update(student_number=student_number, student_id=self.students[student_number])
        return []


def _parse_row(values):
    """(record, [(field, reason)]) for one row's cells, keyed by field."""
    record, problems = {}, []
    for name in ("advice", "adjusted_advice", "test_advice"):
        if name in values:
            parsed, reason = parse_advice(values[name], required=name == "advice")
            if reason:
                problems.append((name, reason))
            else:
                record[name], lwoo = parsed
                if name != "test_advice":
                    record["lwoo"] = record.get("lwoo", False) or lwoo
    adjusted, advice = record.get("adjusted_advice"), record.get("advice")
    if adjusted and advice:
        if adjusted == advice:
            record["adjusted_advice"] = ""  # reconsidered, and the advice stayed
        elif Advice(adjusted).order < Advice(advice).order:
            problems.append(("adjusted_advice", _(
                "The adjusted advice %(adjusted)s is lower than the schooladvies %(advice)s; after the "
                "doorstroomtoets an advice is only ever adjusted upwards.") % {
                "adjusted": Advice(adjusted).label, "advice": Advice(advice).label}))
    for name in DOMAIN_LEVELS:
        if name in values:
            record[name], reason = parse_reference_level(values[name], name)
            if reason:
                problems.append((name, reason))
    if "test_score" in values:
        record["test_score"], reason = parse_test_score(values["test_score"])
        if reason:
            problems.append(("test_score", reason))
    for name in ("test", "primary_school", "support_needs", "notes"):
        if name not in values:
            continue
        if name in MAX_LENGTH and len(values[name]) > MAX_LENGTH[name]:
            problems.append((name, _("Too long: at most %(max)s characters.") % {"max": MAX_LENGTH[name]}))
        else:
            record[name] = values[name]
    return record, problems


class TransferStage:
    """The checked records of a transfer file, kept in memory (one row per student), written by
    services.upsert_transfers; what a write would do comes from the same comparison."""

    def __init__(self, school):
        self.school, self.records = school, []
        self.to_create, self.to_update = [], []

    def add(self, records):
        self.records.extend(records)

    def compare(self):
        created, updated, unchanged = self._plan()
        return len(created), len(updated), unchanged

    def write(self, *, actor):
        self._plan()
        outcome = services.upsert_transfers(school=self.school, records=self.records, actor=actor)
        return outcome.created, outcome.updated, outcome.unchanged

    def drop(self):
        self.records = []

    def _plan(self):
        """Which student numbers a write of the records gives a transfer and which it changes."""
        created, updated, unchanged = services.transfer_changes(self.records)
        number = {record["student_id"]: record["student_number"] for record in self.records}
        self.to_create = [number[t.student_id] for t in created]
        self.to_update = [number[t.student_id] for t in updated]
        return created, updated, unchanged


class TransferKind(pipeline.Kind):
    """The transfer file as the pipeline sees it: fixed columns, no mapping step, run in the request."""

    name = TRANSFER
    job_kind = ImportJob.Kind.TRANSFER
    limits = ReadLimits(ImportJob.Kind.TRANSFER, xlsx_max_cells="IMPORT_ROSTER_MAX_CELLS",
                        csv_max_cells="IMPORT_ROSTER_MAX_CELLS")

    def plan(self, table, *, school, options):
        return plan_columns(TRANSFER, table.header, COLUMNS)

    def preview(self, table, plan):
        """The first rows, only the columns used, in the order of COLUMNS."""
        used = [plan.columns[c.field] for c in COLUMNS if c.field in plan.columns]
        return [{"row": number, "cells": [shown(cells[i]) for i in used]}
                for number, cells in table.first_rows[:PREVIEW_ROWS]]

    def checker(self, *, school, plan, header):
        return TransferRows(school, plan, header)

    def staging(self, checker, *, school):
        return TransferStage(school)

    def written(self, result, *, school, actor, checker):
        if result.imported:
            queue_flagging(school)  # a rule may compare the level with the advice

    def details(self, plan, stage):
        return {"to_create": stage.to_create if stage else [],
                "to_update": stage.to_update if stage else [],
                "ignored_columns": plan.ignored if plan else []}

    def job_mapping(self, result):
        header = result.header
        return {"columns": [[c.field, header[result.columns[c.field]]] for c in COLUMNS
                            if c.field in result.columns],
                "ignored": result.details.get("ignored_columns", [])}


KIND = TransferKind()


def import_transfer(*, school, path_or_file, filename=None, actor=None, dry_run=False):
    """Check a transfer file and, when every row is right, write every student's transfer at once.

    `path_or_file` is a path or an open binary file; `filename` (default: the path's name)
    tells CSV from XLSX. With `dry_run` nothing is written and the counts say what an import
    would do.
    """
    return pipeline.run(KIND, school=school, path_or_file=path_or_file, filename=filename,
                        actor=actor, dry_run=dry_run)


def start_transfer_job(*, school, upload, actor):
    """Store the uploaded file and its preview (a dry run); the job waits for confirmation."""
    return pipeline.start_job(KIND, school=school, upload=upload, actor=actor)


def confirm_transfer_job(*, job, actor):
    """Import a previewed job for real, once; False when the job was not waiting for that."""
    return pipeline.confirm_job(KIND, job=job, actor=actor)
