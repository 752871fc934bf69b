"""Versions of an adopted school programme: the snapshot stored at adoption, and the differences
between two snapshots shown on the versions page."""

# The order in which a line's fields are shown; PostgreSQL's jsonb does not keep key order.
LINE_FIELDS = ("id", "intervention", "category", "target_levels", "target_leerjaren", "target_needs",
               "expected_students", "first_year", "years", "hours", "staff", "cost_per_year")


def snapshot(programme):
    lines = programme.lines.select_related("intervention")
    return {
        "title": programme.title,
        "lines": [{
            "id": line.pk, "intervention": str(line.intervention), "category": line.intervention.category,
            "target_levels": line.target_levels, "target_leerjaren": line.target_leerjaren,
            "target_needs": line.target_needs, "expected_students": line.expected_students,
            "first_year": line.first_year, "years": line.years, "hours": str(line.hours),
            "staff": line.staff, "cost_per_year": str(line.cost_per_year),
        } for line in lines],
        "budgets": [{"school_year": b.school_year, "amount_per_student": str(b.amount_per_student),
                     "students": b.students, "total": str(b.total)} for b in programme.budgets.all()],
    }


def diff(old, new):
    """Differences between two snapshots: lines added, removed and changed (field: old → new),
    and budgets changed."""
    old_lines = {line["id"]: line for line in old.get("lines", [])}
    new_lines = {line["id"]: line for line in new.get("lines", [])}
    changed = []
    for pk in old_lines.keys() & new_lines.keys():
        fields = [(key, old_lines[pk].get(key), new_lines[pk][key]) for key in LINE_FIELDS
                  if key in new_lines[pk] and old_lines[pk].get(key) != new_lines[pk][key]]
        if fields:
            changed.append({"line": new_lines[pk], "fields": fields})
    old_budgets = {b["school_year"]: b for b in old.get("budgets", [])}
    new_budgets = {b["school_year"]: b for b in new.get("budgets", [])}
    budgets = [(year, old_budgets.get(year, {}).get("total"), new_budgets.get(year, {}).get("total"))
               for year in sorted(old_budgets.keys() | new_budgets.keys())
               if old_budgets.get(year) != new_budgets.get(year)]
    return {
        "added": [new_lines[pk] for pk in sorted(new_lines.keys() - old_lines.keys())],
        "removed": [old_lines[pk] for pk in sorted(old_lines.keys() - new_lines.keys())],
        "changed": changed,
        "budgets": budgets,
    }
