"""The demo's schools get their people and data the way a real school does: as files from
their student information system, through the documented importers (staff, roster, grades,
warme overdracht), never by writing records behind the importers' backs."""

import csv
import io


def csv_file(header, rows):
    """A semicolon-separated UTF-8 file, as Dutch spreadsheets write it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode())


def imported(run, *, school, filename, header, rows, **options):
    """Import a demo file with `run` (e.g. students.imports.roster.import_roster); a file the
    importer refuses or holds is a bug in the demo, not something to skip past."""
    result = run(school=school, path_or_file=csv_file(header, rows), filename=filename, **options)
    held = getattr(result, "held", "")
    if result.rejected or held:
        raise ValueError(f"The demo's {filename} was not imported: {held or result.errors[:3]}")
    return result
