"""The raw-SQL bulk writes of a flagging run.

On PostgreSQL one multi-row INSERT (or UPDATE … FROM (VALUES …)) per batch of plain tuples:
for the tens of thousands of rows of a first run, building model instances and letting the
ORM prepare every value costs more than the database does (bench/flagging.py). Elsewhere
(SQLite in development and tests) the ORM's bulk_create and bulk_update do the same.
"""

import json

from django.db import connection

from students.models import Flag

FLAG_FIELDS = ["level", "reasons", "status", "changed_on", "resolved_on", "projection",
               "projection_rule", "dismissed_by", "dismissed_on", "dismiss_reason"]


def insert_rows(model, names, rows, *, returning=False, batch_size=1000):
    """Insert plain tuples (values for the fields `names`, in order); the new ids in order
    when `returning`. On PostgreSQL one multi-row INSERT per batch: for the tens of
    thousands of rows of a first run, building model instances and letting bulk_create
    prepare every value costs more than the database does. Elsewhere: bulk_create.
    Fields not named get their model default, as bulk_create would give them."""
    if not rows:
        return []
    fields_ = [model._meta.get_field(name) for name in names]
    if connection.vendor != "postgresql":
        objects = model.objects.bulk_create(
            [model(**{f.attname: value for f, value in zip(fields_, row)}) for row in rows],
            batch_size=500)
        return [o.pk for o in objects]
    others = [f for f in model._meta.concrete_fields if not f.primary_key and f not in fields_]
    if others:  # the database has no defaults of its own (Django keeps them in Python)
        fields_ += others
        defaults = tuple(f.get_default() for f in others)
        rows = [tuple(row) + defaults for row in rows]
    json_columns = [i for i, f in enumerate(fields_) if f.get_internal_type() == "JSONField"]
    columns = ", ".join(f'"{f.column}"' for f in fields_)
    placeholder = "(" + ", ".join(["%s"] * len(fields_)) + ")"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            params = []
            for row in batch:
                row = list(row)
                for i in json_columns:
                    row[i] = json.dumps(row[i])
                params += row
            sql = (f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES '
                   f'{", ".join([placeholder] * len(batch))}')
            if returning:
                cursor.execute(sql + ' RETURNING "id"', params)
                ids += [pk for (pk,) in cursor.fetchall()]
            else:
                cursor.execute(sql, params)
    return ids


def update_flags(flags, batch_size=1000):
    """Write FLAG_FIELDS of changed flags. Django's bulk_update builds a CASE per field and
    row in Python, which takes seconds for a few thousand flags (the SQL itself takes
    milliseconds); on PostgreSQL one UPDATE … FROM (VALUES …) per batch does the same."""
    if not flags:
        return
    if connection.vendor != "postgresql":
        Flag.objects.bulk_update(flags, FLAG_FIELDS, batch_size=200)
        return
    columns = [Flag._meta.get_field(name).column for name in FLAG_FIELDS]
    attnames = [Flag._meta.get_field(name).attname for name in FLAG_FIELDS]
    types = {"level": "smallint", "reasons": "jsonb", "changed_on": "timestamptz",
             "resolved_on": "timestamptz", "dismissed_by_id": "bigint", "dismissed_on": "timestamptz"}
    row = "(%s::bigint, " + ", ".join(f"%s::{types.get(c, 'text')}" for c in columns) + ")"
    assignments = ", ".join(f'"{c}" = v."{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in ["id", *columns])
    table = Flag._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(flags), batch_size):
            batch = flags[start:start + batch_size]
            params = []
            for flag in batch:
                params.append(flag.pk)
                params += [json.dumps(flag.reasons) if name == "reasons" else getattr(flag, name)
                           for name in attnames]
            cursor.execute(f'UPDATE "{table}" AS f SET {assignments} FROM (VALUES '
                           f'{", ".join([row] * len(batch))}) AS v({names}) WHERE f."id" = v."id"',
                           params)
