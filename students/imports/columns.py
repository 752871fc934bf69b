"""Which field is in which column: header spellings as schools' systems write them."""

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    headers: tuple  # header spellings as schools' systems write them; the first is the usual one
    required: bool = False


def key(text):
    """'Geb. Datum' -> 'gebdatum', 'Leerlingnummer ' -> 'leerlingnummer', 'vmbo-T' -> 'vmbot'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def header_keys(columns):
    """{key of a spelling: (Column, rank of the spelling)} for matching a header."""
    return {key(h): (c, rank) for c in columns for rank, h in enumerate(c.headers)}


@dataclass
class ColumnPlan:
    kind: str
    columns: dict  # field -> index of the file's column
    missing: list  # required Columns that were not found
    source: str = "auto"  # "auto", "saved" (the school's saved mapping) or "manual"
    ignored: list = field(default_factory=list)  # headers of the columns not used
    choices: dict = field(default_factory=dict)  # the user's other choices for this file (a kind's own)


def plan_columns(kind, header, columns, *, saved=None, chosen=None):
    """Which of the file's columns holds which of `columns` (Columns of one kind of file).

    `saved` ({field: header as written}) is applied before the usual spellings; `chosen`
    ({field: index}) is a manual choice, used as given.
    """
    fields = {c.field for c in columns}
    if chosen is not None:
        found = {f: int(i) for f, i in chosen.items()
                 if f in fields and i not in (None, "") and 0 <= int(i) < len(header)}
        source = "manual"
    else:
        keys = [key(h) for h in header]
        found, source = {}, "auto"
        for field_name, saved_header in (saved or {}).items():
            if field_name in fields and key(saved_header) in keys:
                found[field_name] = keys.index(key(saved_header))
                source = "saved"
        spellings, best = header_keys(columns), {}
        for index, name in enumerate(keys):
            match = spellings.get(name)
            if match is None or match[0].field in found or index in found.values():
                continue
            column, rank = match
            # The usual spelling wins (roepnaam beats voornaam); then the first column.
            if column.field not in best or rank < best[column.field][1]:
                best[column.field] = (index, rank)
        found.update({f: index for f, (index, _rank) in best.items()})
    missing = [c for c in columns if c.required and c.field not in found]
    used = set(found.values())
    ignored = [name for index, name in enumerate(header) if name and index not in used]
    return ColumnPlan(kind=kind, columns=found, missing=missing, source=source, ignored=ignored)
