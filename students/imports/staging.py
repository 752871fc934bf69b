"""Writing checked rows: a staging table of the database session and one INSERT … ON CONFLICT.

The checked rows go into a temporary table (COPY on PostgreSQL, executemany on SQLite),
invisible to anyone else and gone with the session; a clean file is then written to the real
table with one statement, idempotent by the natural key: new rows inserted, changed rows
updated, the rest left alone.
"""

import io
from dataclasses import dataclass

import pandas as pd
from django.db import connection


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
    PostgreSQL, executemany on SQLite), to be written to the real table with one statement."""

    NAME = "score_import_staging"

    def __init__(self, target):
        self.target = target
        self.postgres = connection.vendor == "postgresql"
        meta = target.model._meta
        qn = connection.ops.quote_name
        self.table = ("pg_temp." if self.postgres else "temp.") + self.NAME
        self.model_table = qn(meta.db_table)
        self.fields = [meta.get_field(f) for f in target.fields]
        self.columns = [qn(f.column) for f in self.fields]
        self.key = [qn(meta.get_field(f).column) for f in target.key]
        self.values = [qn(meta.get_field(f).column) for f in target.values]
        self.rows = 0
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            definition = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in self.fields)
            cursor.execute(f"CREATE TEMPORARY TABLE {self.NAME} ({definition})")

    def add(self, ready):
        if not len(ready):
            return
        self.rows += len(ready)
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                ready.to_csv(buffer, header=False, index=False)
                buffer.seek(0)
                text_columns = ", ".join(qn for qn, f in zip(self.columns, self.fields)
                                         if f.get_internal_type() == "CharField")
                cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN "
                                   f"WITH (FORMAT csv, FORCE_NOT_NULL ({text_columns}))", buffer)
            else:
                columns = [[None if pd.isna(v) else v for v in ready[c].tolist()] for c in ready]
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
                                   f"VALUES ({placeholders})", list(zip(*columns)))

    def _differs(self, new, old):
        operator = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        return " OR ".join(f"{old}.{c} {operator} {new}.{c}" for c in self.values)

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

    def write(self, *, actor=None):
        """Insert new rows, update changed ones, leave the rest: (created, updated, unchanged).

        The audit entry is the kind's (`actor` is for stages that write it themselves)."""
        columns = ", ".join(self.columns)
        statement = (
            f"INSERT INTO {self.model_table} ({columns}) SELECT {columns} FROM {self.table} WHERE true "
            f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in self.values)
            + f" WHERE {self._differs('excluded', self.model_table)}"
        )
        with connection.cursor() as cursor:
            if self.postgres:
                # xmax is 0 for a row this statement inserted, our transaction id for an update.
                cursor.execute(f"WITH written AS ({statement} RETURNING (xmax = 0) AS inserted) "
                               "SELECT count(*) FILTER (WHERE inserted), "
                               "count(*) FILTER (WHERE NOT inserted) FROM written")
                created, updated = cursor.fetchone()
            else:
                created, updated, _unchanged = self.compare()
                cursor.execute(statement)
        return created, updated, self.rows - created - updated

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
