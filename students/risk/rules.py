"""Judging: the rules that add points, with a reason a person can check, and the level they
give (geen, aandacht, hoog); `assess` for a school, `projections` for the norm alone.

Every reason is stored as {"rule", "text", "points"} with a Dutch sentence ("wiskunde 4,2 en
Engels 5,1 onder 5,5"), like the audit log: stored text is written in the school's language,
not the reader's.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from portal.numbers import number
from portal.schoolyear import SchoolYear
from students.models import Category, Placement, RiskLevel, Severity, Student, is_pre_exam_year
from students.wording import CATEGORY_WORDS, LEVEL_NAMES, ROMAN, advice_name, count, level_year_words

from .facts import Facts, StudentRow, gather, load_grades, load_marks, student_rows, subjects_of
from .projection import (
    PASS_T,
    Projection,
    ProjectionResult,
    grade_text,
    graded,
    grades_text,
    projection_of,
)
from .settings import norms_for, plain, settings_for

TENTH = Decimal("0.1")


@dataclass
class Assessment:
    student: StudentRow
    level: int
    points: Decimal
    reasons: list
    projection: ProjectionResult | None

    @property
    def projection_code(self):
        return self.projection.outcome if self.projection else ""

    @property
    def projection_rule(self):
        return self.projection.rule if self.projection else ""


def _reason(rule, text, points):
    """A stored reason and its points (kept as a Decimal for the sum)."""
    return {"rule": rule, "text": text, "points": plain(points)}, points


def _factor(value):
    """A multiplier as written in a reason: 1,5 or 2 (no trailing zeros)."""
    return number(value, max(0, -value.normalize().as_tuple().exponent), language="nl")


def judge(student, facts, *, settings, subjects, norms):
    """The level, the points and the reasons for one student, from facts already loaded."""
    s = settings
    reasons = []
    projection = projection_of(student, facts, subjects, norms)

    below = sorted((t, subjects[sid][0]) for sid, t in graded(facts, subjects) if t < PASS_T)
    if below and s.points_per_insufficient:
        reasons.append(_reason("insufficient", f"{grades_text(below)} onder 5,5",
                               s.points_per_insufficient * len(below)))

    if projection and projection.outcome != Projection.PROMOTED:
        points = s.points_not_promoted if projection.outcome == Projection.NOT_PROMOTED else s.points_discuss
        if points:
            reasons.append(_reason("norm", f"prognose {projection.word}: {projection.rule}", points))

    earlier, recent = facts.trend or (0, 0)
    falling = facts.trend is not None and earlier - recent >= s.trend_min_drop * 10
    fall = f"gemiddelde daalde van {grade_text(earlier)} naar {grade_text(recent)}"
    if falling and s.points_trend:
        weeks = s.trend_recent_weeks + s.trend_previous_weeks
        reasons.append(_reason("trend", f"{fall} in {weeks} weken", s.points_trend))

    if falling and s.points_above_advice and student.placement == Placement.ABOVE:
        reasons.append(_reason("above_advice", f"boven advies geplaatst: {LEVEL_NAMES[student.level]} bij "
                                               f"advies {advice_name(student.advice)}, en {fall}",
                               s.points_above_advice))

    if facts.cito_drops and s.points_cito:
        reasons.append(_reason("cito", "; ".join(
            f"{domain} ({test}) van niveau {ROMAN[a]} naar {ROMAN[b]}"
            for domain, test, a, b in facts.cito_drops), s.points_cito))

    concerns = [(c, sev) for c, sev in facts.signals if c != Category.ATTENDANCE]
    if len(concerns) >= s.signals_min and s.points_signals:
        per_category = Counter(c for c, _sev in concerns)
        listed = ", ".join(f"{CATEGORY_WORDS[c]} ({n}×)" if n > 1 else CATEGORY_WORDS[c]
                           for c, n in sorted(per_category.items(), key=lambda i: (-i[1], i[0])))
        urgent = sum(1 for _c, sev in concerns if sev == Severity.URGENT)
        text = (f"{count(len(concerns), 'zorgsignaal', 'zorgsignalen')} in "
                f"{count(s.signal_weeks, 'week', 'weken')}: {listed}")
        if urgent:
            text += f"; {urgent} daarvan urgent"
        reasons.append(_reason("signals", text, s.points_signals))

    absence = [sev for c, sev in facts.signals if c == Category.ATTENDANCE]
    if len(absence) >= s.absence_min and s.points_absence:
        text = (f"verzuim: {count(len(absence), 'zorgsignaal', 'zorgsignalen')} over aanwezigheid "
                f"in {count(s.signal_weeks, 'week', 'weken')}")
        reasons.append(_reason("absence", text, s.points_absence))

    if not reasons:
        return Assessment(student=student, level=0, points=Decimal(0), reasons=reasons,
                          projection=projection)
    total = sum(points for _r, points in reasons)
    if s.pre_exam_factor > 1 and is_pre_exam_year(student.level, student.leerjaar):
        extra = (total * s.pre_exam_factor - total).quantize(TENTH, rounding=ROUND_HALF_UP)
        which = level_year_words(student.level, student.leerjaar, student.combined_level)
        reasons.append(_reason(
            "pre_exam", f"voorexamenjaar ({which}): punten × {_factor(s.pre_exam_factor)}", extra))
        total += extra
    level = (RiskLevel.HIGH if total >= s.high_points
             else RiskLevel.ATTENTION if total >= s.attention_points else RiskLevel.NONE)
    return Assessment(student=student, level=int(level), points=total,
                      reasons=[reason for reason, _p in reasons], projection=projection)


def assess(school, *, on, students=None, settings=None, year=None):
    """{student id: Assessment} for the school's active students (or `students`) as of `on`."""
    year = year or SchoolYear.of(on)
    settings = settings or settings_for(school)
    if students is None:
        students = Student.objects.filter(school=school, is_active=True)
    rows, facts = gather(students, on=on, settings=settings, year=year)
    subjects, norms = subjects_of(school), norms_for(school, year)
    return {row.pk: judge(row, facts[row.pk], settings=settings, subjects=subjects, norms=norms)
            for row in rows}


def projections(school, students, *, on, year=None):
    """{student id: ProjectionResult or None}: the norm alone (five queries)."""
    year = year or SchoolYear.of(on)
    rows = student_rows(students)
    facts = defaultdict(Facts)
    load_grades(facts, students.values("pk"), year, on)
    load_marks(facts, students.values("pk"), year, on)
    subjects, norms = subjects_of(school), norms_for(school, year)
    return {row.pk: projection_of(row, facts[row.pk], subjects, norms) for row in rows}


def projection_for(student, *, on=None):
    """The projected promotion outcome for one student today (also without a flag)."""
    on = on or timezone.localdate()
    return projections(student.school, Student.objects.filter(pk=student.pk), on=on).get(student.pk)
