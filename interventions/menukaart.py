"""The national menukaart from the data files in interventions/data: read, checked and loaded.

`load_menukaart` runs from a data migration (with the historical model) and from
`manage.py load_menukaart`; it is safe to run again."""

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from .models import Intervention


DATA_DIR = Path(__file__).resolve().parent / "data"
NEEDS = [value for value, _label in Intervention.Need.choices]
TEXT_FIELDS = ("description", "working_elements", "advantages", "drawbacks", "tips")
DOSE_FIELDS = ("dose_weeks", "dose_hours_per_week", "group_size_min", "group_size_max")


class MenukaartDataError(ValueError):
    """A data file of the menukaart is inconsistent; nothing was written."""


COLUMNS = {
    "menukaart.csv": {"key", "current", "data_version", "name_nl", "name_en", "category", "effect_months",
                      "cost_level", "evidence_level", "sector", "needs", "payable_from_npo", "source", "note"},
    "menukaart_texts.csv": {"key", *TEXT_FIELDS, *DOSE_FIELDS},
    "practices.csv": {"key", "name_nl", "name_en", "category", "based_on", "sector", "needs",
                      "payable_from_npo", *TEXT_FIELDS, *DOSE_FIELDS, "data_version", "source", "note"},
}


def _read(data_dir, name):
    with (data_dir / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = COLUMNS[name] - set(reader.fieldnames or ())
        if missing:
            raise MenukaartDataError(f"{name}: missing columns {sorted(missing)}")
        # Row 1 holds the column names, so data starts on line 2.
        return [(line, row) for line, row in enumerate(reader, start=2)]


def _number(value, where, field, *, low, high, decimal=False):
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = Decimal(value) if decimal else int(value)
    except (ValueError, InvalidOperation):
        raise MenukaartDataError(f"{where}: {field} {value!r} is not a number") from None
    if not low <= number <= high:
        raise MenukaartDataError(f"{where}: {field} {value} lies outside {low}..{high}")
    return number


def _needs(value, where):
    needs = [n.strip() for n in (value or "").split(";") if n.strip()]
    unknown = set(needs) - set(NEEDS)
    if unknown:
        raise MenukaartDataError(f"{where}: unknown needs {sorted(unknown)}; use {NEEDS}")
    if {"language", "numeracy"} & set(needs) and "cognitive" not in needs:
        raise MenukaartDataError(f"{where}: language and numeracy are cognitive needs; add cognitive")
    return ",".join(n for n in NEEDS if n in needs)


def _entry(row, where):
    """The fields every national entry has, parsed and checked."""
    if row["category"] not in Intervention.Category.values:
        raise MenukaartDataError(f"{where}: unknown category {row['category']!r}")
    if row["sector"] not in Intervention.Sector.values:
        raise MenukaartDataError(f"{where}: unknown sector {row['sector']!r}")
    if row["payable_from_npo"] not in ("0", "1"):
        raise MenukaartDataError(f"{where}: payable_from_npo is 0 or 1")
    if not row["key"] or slugify(row["key"]) != row["key"]:
        raise MenukaartDataError(f"{where}: key {row['key']!r} is not a lower-case slug")
    return {
        "name_nl": row["name_nl"].strip(), "name_en": row["name_en"].strip(),
        "category": row["category"], "sector": row["sector"], "needs": _needs(row["needs"], where),
        "payable_from_npo": row["payable_from_npo"] == "1",
        "data_version": row["data_version"], "source": row["source"], "source_note": row.get("note", ""),
    }


def _figures(row, where):
    return {
        "effect_months": _number(row["effect_months"], where, "effect_months", low=-12, high=12),
        "cost_level": _number(row["cost_level"], where, "cost_level", low=1, high=5),
        "evidence_level": _number(row["evidence_level"], where, "evidence_level", low=0, high=5),
    }


def _texts_and_dose(row, where):
    data = {field: row[field].strip() for field in TEXT_FIELDS}
    data["dose_weeks"] = _number(row["dose_weeks"], where, "dose_weeks", low=1, high=104)
    data["dose_hours_per_week"] = _number(row["dose_hours_per_week"], where, "dose_hours_per_week",
                                          low=Decimal("0.5"), high=40, decimal=True)
    data["group_size_min"] = _number(row["group_size_min"], where, "group_size_min", low=1, high=40)
    data["group_size_max"] = _number(row["group_size_max"], where, "group_size_max", low=1, high=40)
    if data["group_size_min"] and data["group_size_max"] and data["group_size_min"] > data["group_size_max"]:
        raise MenukaartDataError(f"{where}: group_size_min is larger than group_size_max")
    return data


def read_menukaart(data_dir=DATA_DIR):
    """The national entries from the data files, as {key: fields} plus {key: based_on key}.

    menukaart.csv holds every version of every row of the NPO menukaart and of the EEF strands
    we took over; the row marked current=1 is the entry, the others become its history.
    menukaart_texts.csv holds our Dutch texts per key; practices.csv the practices of schools.
    """
    versions, texts, entries, based_on = {}, {}, {}, {}
    for line, row in _read(data_dir, "menukaart.csv"):
        versions.setdefault(row["key"], []).append((f"menukaart.csv:{line}", row))
    for line, row in _read(data_dir, "menukaart_texts.csv"):
        where = f"menukaart_texts.csv:{line}"
        if row["key"] in texts:
            raise MenukaartDataError(f"{where}: key {row['key']!r} appears twice")
        texts[row["key"]] = _texts_and_dose(row, where)
    for key, rows in versions.items():
        current = [(where, row) for where, row in rows if row["current"] == "1"]
        if len(current) != 1:
            raise MenukaartDataError(f"{rows[0][0]}: {key!r} needs exactly one row with current=1, "
                                     f"has {len(current)}")
        if key not in texts:
            raise MenukaartDataError(f"menukaart_texts.csv: no texts for {key!r}")
        where, row = current[0]
        history = []
        for other_where, other in rows:
            if other is not row:
                _entry(other, other_where)  # every row is checked, not only the current ones
                history.append({"data_version": other["data_version"], **_figures(other, other_where),
                                "source": other["source"], "note": other["note"]})
        entries[key] = {**_entry(row, where), **_figures(row, where), **texts.pop(key), "history": history}
    if texts:
        raise MenukaartDataError(f"menukaart_texts.csv: texts for unknown keys {sorted(texts)}")
    for line, row in _read(data_dir, "practices.csv"):
        where = f"practices.csv:{line}"
        if row["key"] in entries:
            raise MenukaartDataError(f"{where}: key {row['key']!r} is already an entry")
        entries[row["key"]] = {**_entry(row, where), "effect_months": None, "cost_level": None,
                               "evidence_level": None, **_texts_and_dose(row, where), "history": []}
        if row["based_on"]:
            based_on[row["key"]] = row["based_on"]
    for key, parent in based_on.items():
        if parent not in entries or entries[parent]["category"] == Intervention.Category.NONE:
            raise MenukaartDataError(f"practices.csv: {key!r} is based on {parent!r}, not a menukaart type")
        if entries[key]["payable_from_npo"] and not entries[parent]["payable_from_npo"]:
            raise MenukaartDataError(f"practices.csv: {key!r} is payable but {parent!r} is not")
    for key, fields in entries.items():
        if fields["payable_from_npo"] and key not in based_on and fields["category"] == Intervention.Category.NONE:
            raise MenukaartDataError(f"{key!r}: only menukaart types and their forms are payable from NPO")
    return entries, based_on


@transaction.atomic
def load_menukaart(*, model=Intervention, data_dir=DATA_DIR):
    """Create or update the national menukaart from the data files; safe to run again.

    `model` is the historical model when a data migration calls this; fields that model does
    not have yet are left out. Entries no longer in the files are kept (plans may point at
    them) and reported as `stale`.
    """
    entries, based_on = read_menukaart(data_dir)
    known = {f.name for f in model._meta.get_fields()}
    existing = {e.key: e for e in model.objects.filter(school__isnull=True)}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for key, fields in entries.items():
        fields = {name: value for name, value in fields.items() if name in known}
        entry = existing.get(key)
        if entry is None:
            existing[key] = model.objects.create(key=key, **fields)
            counts["created"] += 1
        elif any(getattr(entry, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if "based_on" in known:
        for key in entries:
            entry, parent = existing[key], existing.get(based_on.get(key))
            if entry.based_on_id != (parent.pk if parent else None):
                entry.based_on = parent
                entry.save(update_fields=["based_on"])
    counts["total"] = len(entries)
    counts["stale"] = sorted(set(existing) - set(entries))
    return counts
