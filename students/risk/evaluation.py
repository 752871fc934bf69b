"""Are the flags any good? Replay the rules on a past day of a school year and compare with
how the year ended (the promotion decision, or the final grades against the norm)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef

from portal.schoolyear import SchoolYear
from students.models import Level, Placement, PromotionDecision, RiskLevel, Score, Student, group_name

from .projection import Projection
from .rules import assess, projections

# Decisions that mean the student did not make the year.
NOT_MADE = {PromotionDecision.Decision.REPEAT, PromotionDecision.Decision.DOWN,
            PromotionDecision.Decision.LEAVES}


@dataclass
class EvaluationRow:
    label: str
    students: int = 0         # with a known outcome
    flagged: int = 0          # aandacht or hoog on the evaluation day
    positives: int = 0        # did not make it
    true_positives: int = 0   # flagged and did not make it

    def add(self, *, flagged, positive):
        self.students += 1
        self.flagged += flagged
        self.positives += positive
        self.true_positives += flagged and positive

    @property
    def recall(self):
        """Of those who did not make it, the share that was flagged."""
        return self.true_positives / self.positives if self.positives else None

    @property
    def precision(self):
        """Of those flagged, the share that did not make it."""
        return self.true_positives / self.flagged if self.flagged else None


@dataclass
class Evaluation:
    year: SchoolYear
    on: date
    total: EvaluationRow
    groups: list
    by_sex: list
    from_decisions: int = 0
    from_grades: int = 0
    unknown: int = 0
    by_advice: list = field(default_factory=list)  # below, at, above the primary school's advice

    @property
    def has_outcomes(self):
        return self.total.students > 0


def evaluation_day(year):
    """The default day to replay the rules on: 1 February, after the first report."""
    return date(year.start_year + 1, 2, 1)


def evaluate(school, year, *, on=None, settings=None):
    """Replay the rules on the data as it was on `on` and compare with the known outcome.

    The outcome is the final promotion decision of that school year (doubleren, afstromen or
    uitstroom: did not make it); without a decision, the final grades of the year against
    the norm (bespreekzone or niet bevorderd: did not make it). Students with neither are
    left out. Groups use the student's level and leerjaar as recorded now; so does the
    comparison with the primary school's advice (students without a warme overdracht are left
    out of that one).
    """
    on = on or evaluation_day(year)
    if on not in year:
        raise ValueError(f"{on:%d-%m-%Y} is not in school year {year}.")
    graded = Score.objects.filter(student=OuterRef("pk"), date__gte=year.start, date__lte=year.end)
    decided = PromotionDecision.objects.filter(student=OuterRef("pk"), school_year=year.start_year)
    students = Student.objects.filter(school=school).filter(Exists(graded) | Exists(decided))
    assessments = assess(school, on=on, students=students, settings=settings, year=year)
    decisions = dict(PromotionDecision.objects.filter(student__school=school,
                                                      school_year=year.start_year)
                     .values_list("student_id", "decision"))
    final = projections(school, students.exclude(Exists(decided)), on=year.end, year=year)

    total = EvaluationRow(label="total")
    groups, by_sex, combined, by_advice = {}, {}, {}, {}
    result = Evaluation(year=year, on=on, total=total, groups=[], by_sex=[])
    for pk, a in assessments.items():
        if pk in decisions:
            positive = decisions[pk] in NOT_MADE
            result.from_decisions += 1
        elif final.get(pk) is not None:
            positive = final[pk].outcome != Projection.PROMOTED
            result.from_grades += 1
        else:
            result.unknown += 1
            continue
        flagged = a.level >= RiskLevel.ATTENTION
        total.add(flagged=flagged, positive=positive)
        student = a.student
        key = (student.level, student.leerjaar)
        if key not in groups:
            groups[key] = EvaluationRow(label="")
        groups[key].add(flagged=flagged, positive=positive)
        combined.setdefault(key, set()).add(student.combined_level)
        if student.sex:
            if student.sex not in by_sex:
                by_sex[student.sex] = EvaluationRow(label=str(Student.Sex(student.sex).label))
            by_sex[student.sex].add(flagged=flagged, positive=positive)
        if student.placement:
            if student.placement not in by_advice:
                by_advice[student.placement] = EvaluationRow(label=str(student.placement.label))
            by_advice[student.placement].add(flagged=flagged, positive=positive)
    for (level, leerjaar), row in groups.items():
        row.label = group_name(level, combined[(level, leerjaar)], leerjaar)
    level_order = {level: i for i, level in enumerate(Level.values)}
    result.groups = [groups[k] for k in sorted(groups, key=lambda k: (level_order[k[0]], k[1]))]
    result.by_sex = [by_sex[k] for k in sorted(by_sex)]
    result.by_advice = [by_advice[p] for p in Placement if p in by_advice]
    return result
