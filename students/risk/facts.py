"""The facts the rules look at, gathered for a set of students in a few set-based queries:
year-to-date subject averages and the trend windows, the latest marks of qualitative subjects,
recent signals, Cito drops, and (with the student's own row) the primary school's advice from
the warme overdracht.

Averages are of grades only: a mark (O, V, G, ZG, vr, inh) is never a number. They are of report
grades: a student's school-exam grades (SE/PTA) count only in a school year without any report
grade (the exam year of a school that keeps only the PTA)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Count, F, FloatField, Q, Sum, Window
from django.db.models.functions import Cast, Lead, RowNumber

from portal.schoolyear import SchoolYear, week_start
from students.models import ResultKind, Score, Severity, Signal, StandardisedResult, Subject, placement

from .projection import average_tenths

# A standardised result older than this is no longer "latest" for the Cito rule.
CITO_MAX_AGE = timedelta(days=365)


@dataclass
class StudentRow:
    pk: int
    number: str
    name: str
    level: str
    leerjaar: int
    mentor_id: int | None
    sex: str
    combined_level: str = ""  # the combined level (havo/vwo) whose norm level `level` is
    advice: str = ""  # the advice that counts (the adjusted one if any); "" without a transfer

    @property
    def placement(self):
        """Below, at or above the advice (students.models.Placement), or None without one."""
        return placement(self.level, self.advice)


@dataclass
class Facts:
    """What the rules know about one student on the reference day."""

    averages: dict = field(default_factory=dict)   # subject id -> average in whole tenths
    marks: dict = field(default_factory=dict)      # qualitative subject id -> latest Mark value
    trend: tuple | None = None                      # (earlier, recent average) in tenths
    signals: list = field(default_factory=list)     # (category, severity)
    cito_drops: list = field(default_factory=list)  # (domain, test, from level, to level)


def student_rows(queryset):
    """The students' own rows, with their advice from the warme overdracht (one query)."""
    rows = queryset.order_by().values_list(
        "pk", "student_number", "given_name", "tussenvoegsel", "family_name", "level", "leerjaar",
        "mentor_id", "sex", "combined_level", "transfer__advice", "transfer__adjusted_advice")
    return [StudentRow(pk, number, " ".join(p for p in (given, tussen, family) if p), level,
                       leerjaar, mentor_id, sex, combined, adjusted or advice or "")
            for pk, number, given, tussen, family, level, leerjaar, mentor_id, sex, combined, advice, adjusted
            in rows]


def subjects_of(school):
    """{pk: (name, is_core, is_qualitative)} of the subjects that count for promotion: the
    others (LO, CKV, the mentoruur, unless the school counts them) are left out of the
    projection and the "onder 5,5" rule. A qualitative subject counts by its latest mark,
    never by an average."""
    return {pk: (name, is_core, kind == ResultKind.QUALITATIVE) for pk, name, is_core, kind in
            Subject.objects.filter(school=school, counts_for_promotion=True)
            .values_list("pk", "name", "is_core", "result_kind")}


def _grade_rows(students, year, on, settings=None):
    """ONE aggregate query: per student and subject the year-to-date sums, and the sums in
    the two trend windows when `settings` is given. Summed as floats (numeric sums are several
    times slower on PostgreSQL); average_tenths makes the rounding exact again."""
    weight = Cast("weight", FloatField())
    product = Cast("grade", FloatField()) * weight
    sums = {"num": Sum(product), "den": Sum(weight)}
    if settings is not None:
        recent_from = on - timedelta(weeks=settings.trend_recent_weeks)
        earlier_from = recent_from - timedelta(weeks=settings.trend_previous_weeks)
        recent = Q(date__gt=recent_from)
        earlier = Q(date__gt=earlier_from, date__lte=recent_from)
        sums.update(
            rnum=Sum(product, filter=recent), rden=Sum(weight, filter=recent),
            rn=Count("pk", filter=recent),
            enum=Sum(product, filter=earlier), eden=Sum(weight, filter=earlier),
            en=Count("pk", filter=earlier),
        )
    return (Score.objects.grades().filter(student__in=students, date__gte=year.start, date__lte=on)
            .order_by().values("student_id", "subject_id", "is_school_exam").annotate(**sums)
            .values_list("student_id", "subject_id", "is_school_exam", *sums))


def _raw_rows(queryset, batch=10_000):
    """The rows of a values_list query straight from the cursor: Django's per-value
    converters cost more than the query itself for the ~600,000 rows of a large school, and
    these columns (ids, float sums, counts) need no conversion. Handed out a batch at a time,
    so that they are never all Python objects at once (about 150 MB for 50,000 students)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from rows


def _counted_rows(rows):
    """The rows that count, in one pass: report grades at once; school-exam rows (few) kept
    aside and handed out at the end for the students without any report grade."""
    with_report, exam_rows = set(), []
    for row in rows:
        if row[2]:
            exam_rows.append(row)
        else:
            with_report.add(row[0])
            yield row
    yield from (row for row in exam_rows if row[0] not in with_report)


def load_grades(facts, students, year, on, settings=None):
    rows = _counted_rows(_raw_rows(_grade_rows(students, year, on, settings)))
    if settings is None:
        for student_id, subject_id, _exam, num, den in rows:
            facts[student_id].averages[subject_id] = average_tenths(num, den)
        return
    trend_sums = {}
    for student_id, subject_id, _exam, num, den, rnum, rden, rn, enum, eden, en in rows:
        facts[student_id].averages[subject_id] = average_tenths(num, den)
        if rn and en:  # graded in both windows: comparable
            t = trend_sums.get(student_id)
            if t is None:
                trend_sums[student_id] = [enum, eden, en, rnum, rden, rn]
            else:
                t[0] += enum; t[1] += eden; t[2] += en; t[3] += rnum; t[4] += rden; t[5] += rn
    least = settings.trend_min_scores
    for student_id, (enum, eden, en, rnum, rden, rn) in trend_sums.items():
        if en >= least and rn >= least:
            facts[student_id].trend = (average_tenths(enum, eden), average_tenths(rnum, rden))


def load_marks(facts, students, year, on):
    """Per student and qualitative subject that counts for promotion, the latest mark of the
    school year up to `on` (the latest test on the latest day), in SQL."""
    order = [F("date").desc(), F("pk").desc()]
    latest = (
        Score.objects.filter(student__in=students, date__gte=year.start, date__lte=on,
                             subject__result_kind=ResultKind.QUALITATIVE,
                             subject__counts_for_promotion=True)
        .exclude(mark="").order_by()
        .annotate(rank=Window(RowNumber(), partition_by=[F("student_id"), F("subject_id")],
                              order_by=order))
        .filter(rank=1).values_list("student_id", "subject_id", "mark")
    )
    for student_id, subject_id, mark in latest:
        facts[student_id].marks[subject_id] = mark


def _load_signals(facts, students, on, settings):
    since = week_start(on) - timedelta(weeks=settings.signal_weeks - 1)
    for student_id, category, severity in Signal.objects.filter(
            student__in=students, week__gte=since, week__lte=on,
            severity__gte=Severity.CONCERN).order_by().values_list("student_id", "category", "severity"):
        facts[student_id].signals.append((category, severity))


def _load_cito(facts, students, on, settings):
    """Per student and domain the latest result against the one before, in SQL, so only the
    drops come back (a school has several results per student)."""
    order = [F("date").desc(), F("pk").desc()]
    partition = [F("student_id"), F("domain")]
    drops = (
        StandardisedResult.objects.filter(student__in=students, date__lte=on, level__isnull=False)
        .order_by()
        .annotate(rank=Window(RowNumber(), partition_by=partition, order_by=order),
                  before=Window(Lead("level"), partition_by=partition, order_by=order))
        .filter(rank=1, before__lte=F("level") - settings.cito_min_drop)
        .values_list("student_id", "domain", "test", "date", "before", "level")
    )
    for student_id, domain, test, day, before, level in sorted(drops, key=lambda r: r[:2]):
        if day >= on - CITO_MAX_AGE:
            facts[student_id].cito_drops.append((domain, test, before, level))


def gather(students, *, on, settings, year=None):
    """Facts for the students of `students` (a queryset) as of `on`: six queries."""
    year = year or SchoolYear.of(on)
    rows = student_rows(students)
    facts = {row.pk: Facts() for row in rows}
    facts_default = defaultdict(Facts, facts)
    ids = students.values("pk")
    load_grades(facts_default, ids, year, on, settings)
    load_marks(facts_default, ids, year, on)
    _load_signals(facts_default, ids, on, settings)
    _load_cito(facts_default, ids, on, settings)
    return rows, facts
