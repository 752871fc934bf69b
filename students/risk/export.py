"""The risk export: every active student's current level and reasons, as CSV."""

import csv

from portal.exports import safe_cell
from students.models import Flag, RiskLevel, Student
from students.wording import LEVEL_WORDS

EXPORT_HEADER = ["leerlingnummer", "risico", "redenen"]


def risk_rows(school):
    """(student number, geen/aandacht/hoog, reasons) for every active student, by number,
    from the current flags (what mentors see; dismissed flags keep their level)."""
    flags = {student_id: (level, reasons) for student_id, level, reasons in
             Flag.objects.filter(student__school=school, resolved_on__isnull=True)
             .values_list("student_id", "level", "reasons")}
    for pk, number in (Student.objects.filter(school=school, is_active=True)
                       .order_by("student_number").values_list("pk", "student_number")):
        level, reasons = flags.get(pk, (RiskLevel.NONE, []))
        yield number, LEVEL_WORDS[level], "; ".join(r["text"] for r in reasons)


def write_risk_csv(school, out):
    """Write the risk export as CSV (comma separated, header row) to a text stream."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    count = 0
    for row in risk_rows(school):
        writer.writerow([safe_cell(value) for value in row])
        count += 1
    return count
