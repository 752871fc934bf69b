"""Imports: a school's exports (CSV or XLSX) → checked records → one bulk write.

pandas lives here and nowhere else. One pipeline (`pipeline`) serves every kind of file; the
roster (`roster`), the staff file (`staff`, `staff_rows`, `staff_write`) and score files
(`scores`, `score_columns`, `score_rows`) plug their parts into it. Below it: `limits` (what a
file may be, and the messages), `reading` (the one reader of CSV and XLSX, a path or an
upload), `workbook` (the XLSX archive guard), `columns` (header matching), `values` (cell
parsers), `results`, `staging` (COPY + INSERT … ON CONFLICT) and `jobs` (an ImportJob's life:
queue, progress, finish, resend). `views`, `staff_views`, `forms` and `urls` are the pages;
`tasks` the Celery tasks (registered under their old names, students.tasks.*).
"""
