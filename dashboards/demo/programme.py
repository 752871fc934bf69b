"""The demo's NPO School Programme: two years, adopted and running, with spending in period 1."""

from datetime import date
from decimal import Decimal

from interventions.models import Intervention
from schoolplans import services as programme_services
from schoolplans.models import ProgrammeLine, SchoolProgramme


def school_programme(school, leader, year):
    """A two-year NPO School Programme, adopted and running, with spending in period 1."""
    if SchoolProgramme.objects.filter(school=school).exists():
        return
    State = SchoolProgramme.State
    programme = programme_services.create_programme(
        actor=leader, school=school, title=f"NPO-schoolprogramma {year.start_year}-{year.start_year + 2}",
        first_year=year.start_year, years=2)
    lines = []
    for key, levels, expected, hours, cost in (
        ("een_op_een", "havo,vwo", 20, 400, "24000"),
        ("interne_rebound", "", 30, 320, "18000"),
        ("feedback", "", 120, 80, "6000"),
    ):
        lines.append(ProgrammeLine.objects.create(
            programme=programme, intervention=Intervention.objects.get(key=key, school=None),
            target_levels=levels, expected_students=expected, first_year=year.start_year, years=2,
            hours=Decimal(hours), staff="docenten en onderwijsassistenten", cost_per_year=Decimal(cost)))
    for offset in (0, 1):
        programme_services.save_budget(actor=leader, programme=programme, school_year=year.start_year + offset,
                                       amount_per_student=Decimal("180.00"), students=295)
    SchoolProgramme.objects.filter(pk=programme.pk).update(
        team_consulted_on=date(year.start_year, 6, 2), mr_on=date(year.start_year, 6, 16),
        mr_outcome=SchoolProgramme.MrOutcome.APPROVED, board_on=date(year.start_year, 6, 30),
        board_outcome=SchoolProgramme.BoardOutcome.ADOPTED)
    programme.refresh_from_db()
    for state in (State.CONSULTATION, State.MR_APPROVED, State.ADOPTED, State.RUNNING):
        programme_services.transition(programme, state, leader)
    for line, amount in zip(lines, ("9800", "7150", "2400")):
        programme_services.add_spending(actor=leader, line=line, school_year=year.start_year,
                                        period="periode 1", amount=Decimal(amount))
