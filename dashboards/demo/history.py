"""The demo's past: final promotion decisions of the last three school years."""

from datetime import date

from students.models import PromotionDecision, Student


def earlier_decisions(school, year, rates, rng):
    """Final promotion decisions of the last three school years for the students who were
    here then (a falling retention rate: `rates`, oldest first), so trends have a history."""
    Decision = PromotionDecision.Decision
    decisions = []
    for back, rate in zip((3, 2, 1), rates):
        for student in Student.objects.filter(school=school, is_active=True, leerjaar__gt=back):
            roll = rng.random()
            decision = (Decision.REPEAT if roll < rate else Decision.DOWN if roll < rate + 0.03
                        else Decision.CONDITIONAL if roll < rate + 0.08 else Decision.PROMOTED)
            decisions.append(PromotionDecision(
                student=student, school_year=year.start_year - back, decision=decision,
                level=student.level, leerjaar=student.leerjaar - back,
                decided_on=date(year.start_year - back + 1, 7, 8),
                justification="Achterstand op meerdere kernvakken; besproken met leerling en ouders."
                if decision == Decision.REPEAT else ""))
    PromotionDecision.objects.bulk_create(decisions, ignore_conflicts=True)
