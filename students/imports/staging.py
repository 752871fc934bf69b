"""Writing checked rows: a staging table of the database session and INSERT … ON CONFLICT.

The checked rows go into a temporary table (COPY on PostgreSQL, executemany on SQLite),
invisible to anyone else and gone with the session, and from there into the real table,
idempotent by the natural key: new rows inserted, changed rows updated, the rest left alone.

On PostgreSQL each chunk is written as soon as it is checked (`writes_while_checking`), in
the one transaction of the import, while the next chunk is read and checked (pipeline); a
file with an error rolls that transaction back, so it still writes nothing. Elsewhere (SQLite)
every chunk is staged first and written with one statement. Either way the stage knows which
students got new or changed rows (`changed_students`), so that only their flags need a refresh.
"""

import io
from dataclasses import dataclass

import pandas as pd
from django.db import connection

# After writing more than this share of a table's rows, its planner statistics are renewed in
# the same transaction: the flag refresh that follows aggregates these rows at once, and planned
# for a table a tenth of the size its aggregate took up to three times as long
# (bench/import_scores.py). Autovacuum does the same, but later.
ANALYZE_AFTER_SHARE = 0.1
ANALYZE_AFTER_ROWS = 10_000
LOCK_NAMESPACE = 0x696D7074  # pg_advisory_xact_lock(namespace, school id): "impt"


@dataclass(frozen=True)
class Prepared:
    """Checked rows ready for `Staging.add`: CSV text (PostgreSQL) or tuples, their number, and
    (PostgreSQL) their students and first and last day."""

    rows: object
    count: int
    students: list = ()
    first_day: object = None
    last_day: object = None


@dataclass(frozen=True)
class Target:
    """Where a kind of file goes: the model, its natural key and the values a re-import updates."""

    model: type
    key: tuple  # model fields of the natural key, in the unique constraint's order
    values: tuple
    audit_what: str  # Dutch, for the audit log

    @property
    def fields(self):
        return (*self.key, *self.values)


class Staging:
    """A temporary table of this database session that the checked rows go into (COPY on
    PostgreSQL, executemany on SQLite), to be written to the real table from there."""

    NAME = "score_import_staging"

    def __init__(self, target, *, school):
        self.target, self.school = target, school
        self.locked = False
        self.postgres = connection.vendor == "postgresql"
        self.writes_while_checking = self.postgres
        meta = target.model._meta
        qn = connection.ops.quote_name
        self.table = ("pg_temp." if self.postgres else "temp.") + self.NAME
        self.model_table = qn(meta.db_table)
        self.fields = [meta.get_field(f) for f in target.fields]
        self.columns = [qn(f.column) for f in self.fields]
        self.key = [qn(meta.get_field(f).column) for f in target.key]
        self.values = [qn(meta.get_field(f).column) for f in target.values]
        self.student = qn(meta.get_field("student").column)
        self.date = qn(meta.get_field("date").column)
        self.text_columns = [c for c, f in zip(self.columns, self.fields) if f.get_internal_type() == "CharField"]
        self.rows = self.created = self.updated = 0
        self.changed_students = set()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            definition = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in self.fields)
            cursor.execute(f"CREATE TEMPORARY TABLE {self.NAME} ({definition})")

    def prepare(self, ready):
        """The checked rows (a DataFrame of database columns) as `add` takes them: CSV text for
        COPY, tuples for executemany. Runs in the thread that checks, beside the writes."""
        if self.postgres:
            meta = self.target.model._meta
            student, day = ready[meta.get_field("student").column], ready[meta.get_field("date").column]
            return Prepared(ready.to_csv(header=False, index=False), len(ready),
                            student.unique().tolist(), day.min(), day.max())
        columns = [[None if pd.isna(v) else v for v in ready[c].tolist()] for c in ready]
        return Prepared(list(zip(*columns)), len(ready))

    def add(self, prepared):
        """Stage prepared rows (from `prepare`)."""
        if not prepared.count:
            return
        self.rows += prepared.count
        with connection.cursor() as cursor:
            if self.postgres:
                self._copy(cursor, self.table, prepared.rows)
            else:
                rows = prepared.rows
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
                                   f"VALUES ({placeholders})", rows)

    def _differs(self, new, old):
        operator = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        return " OR ".join(f"{old}.{c} {operator} {new}.{c}" for c in self.values)

    def _upsert(self):
        columns = ", ".join(self.columns)
        return (f"INSERT INTO {self.model_table} ({columns}) SELECT {columns} FROM {self.table} WHERE true "
                f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in self.values)
                + f" WHERE {self._differs('excluded', self.model_table)}")

    def compare(self):
        """(new, changed, unchanged): what an upsert would do, without doing it."""
        join = " AND ".join(f"t.{c} = s.{c}" for c in self.key)
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"ANALYZE {self.table}")
            cursor.execute(f"SELECT count(*), coalesce(sum(CASE WHEN {self._differs('s', 't')} "
                           f"THEN 1 ELSE 0 END), 0) FROM {self.table} s "
                           f"JOIN {self.model_table} t ON {join}")
            existing, changed = cursor.fetchone()
        return self.rows - existing, changed, existing - changed

    def _copy(self, cursor, table, rows):
        forced = f", FORCE_NOT_NULL ({', '.join(self.text_columns)})" if self.text_columns else ""
        # One read of the whole text: in blocks of 8 KB (the default) each block would wait for
        # the checking thread to hand back the GIL. (The size goes positionally: Django's debug
        # cursor, with DEBUG on, passes no keywords.)
        cursor.copy_expert(f"COPY {table} ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT csv{forced})",
                           io.StringIO(rows), max(len(rows), 8192))

    def write_chunk(self, prepared):
        """PostgreSQL, inside the import's transaction: write one chunk at once. Rows that cannot
        meet a stored row (none of their students has one in the chunk's dates: a school's first
        import, a new school year) go straight into the table with COPY, as fast as the database
        writes; the others through the staging table and INSERT … ON CONFLICT."""
        if not prepared.count:
            return
        with connection.cursor() as cursor:
            if not self.locked:  # the school's imports take turns, so the check below holds
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, self.school.pk % 2**31])
                self.locked = True
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.model_table} WHERE {self.student} = ANY(%s) "
                           f"AND {self.date} BETWEEN %s AND %s)",
                           [prepared.students, prepared.first_day, prepared.last_day])
            if not cursor.fetchone()[0]:
                self._copy(cursor, self.model_table, prepared.rows)
                self.rows += prepared.count
                self.created += prepared.count
                self.changed_students.update(prepared.students)
                return
            cursor.execute(f"TRUNCATE {self.table}")
        self.add(prepared)
        with connection.cursor() as cursor:
            # xmax is 0 for a row this statement inserted, our transaction id for an update.
            cursor.execute(f"WITH written AS ({self._upsert()} RETURNING {self.student} AS student, "
                           "(xmax = 0) AS inserted) SELECT student, count(*) FILTER (WHERE inserted), "
                           "count(*) FILTER (WHERE NOT inserted) FROM written GROUP BY student")
            for student, created, updated in cursor.fetchall():
                self.changed_students.add(student)
                self.created += created
                self.updated += updated

    def write(self, *, actor=None):
        """Insert new rows, update changed ones, leave the rest: (created, updated, unchanged).

        After `write_chunk`s (PostgreSQL) the rows are already written and this only counts.
        The audit entry is the kind's (`actor` is for stages that write it themselves)."""
        with connection.cursor() as cursor:
            if not self.writes_while_checking:
                join = " AND ".join(f"t.{c} = s.{c}" for c in self.key)
                new = f"CASE WHEN t.{self.student} IS NULL THEN 1 ELSE 0 END"
                cursor.execute(f"SELECT s.{self.student}, sum({new}), sum(1 - {new}) FROM {self.table} s "
                               f"LEFT JOIN {self.model_table} t ON {join} "
                               f"WHERE t.{self.student} IS NULL OR {self._differs('s', 't')} "
                               f"GROUP BY s.{self.student}")
                for student, created, updated in cursor.fetchall():
                    self.changed_students.add(student)
                    self.created += created
                    self.updated += updated
                cursor.execute(self._upsert())
            elif self.created + self.updated > ANALYZE_AFTER_ROWS:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                               [self.target.model._meta.db_table])
                (estimate,) = cursor.fetchone()
                if self.created + self.updated > ANALYZE_AFTER_SHARE * max(estimate, 0):
                    cursor.execute(f"ANALYZE {self.model_table}")
        return self.created, self.updated, self.rows - self.created - self.updated

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
