"""Checking a score file, a chunk at a time: text → database rows, and row errors.

Each distinct cell value is parsed once per import (a school year has a few hundred dates and
grades), so checking a chunk is a handful of dictionary maps over pandas columns.
"""

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from ..models import Student, Subject
from ..subjects.standard import standard_spellings
from .columns import key
from .results import Checked, ChunkErrors
from .score_columns import GRADES, SCORE_COLUMNS, TARGETS
from .values import parse_ability, parse_cito_level, parse_grade, parse_score_date, parse_weight

_PARSE_CACHE_LIMIT = 200_000  # distinct values remembered per column, to keep memory bounded
_FILE_FIELD = {"student": "student_number"}  # model field → file field, where they differ
_DEFAULTS = {"weight": "1.0", "period": "", "ability": None}  # for a column the file lacks


class Lookup:
    """A school's student numbers or subjects, loaded once per import: text → (id, reason)."""

    def __init__(self, exact, fallback, key, unknown, ambiguous):
        self.exact, self.fallback, self.key = exact, fallback, key
        self.unknown, self.ambiguous = unknown, ambiguous

    def __call__(self, text):
        if not text:
            return None, _("Required; this cell is empty.")
        found = self.find(text)
        if found == 0:
            return None, self.unknown
        if found is None:
            return None, self.ambiguous
        return found, None

    def find(self, text):
        """The id this text stands for; 0 when nothing matches, None when several things do."""
        found = self.exact.get(text)
        if found is None:
            found = self.fallback.get(self.key(text), 0)
        return found

    def learn(self, text_key, found):
        """From now on, text with this key stands for `found` (a subject new to the school)."""
        self.fallback[text_key] = found

    @classmethod
    def students(cls, school):
        exact, fallback = {}, {}
        for pk, number in Student.objects.filter(school=school).values_list("pk", "student_number"):
            exact[number] = pk
            stripped = number.lstrip("0")  # a spreadsheet turns 001002 into 1002
            fallback[stripped] = pk if fallback.get(stripped, pk) == pk else None
        return cls(exact, fallback, lambda text: text.lstrip("0"),
                   _("No student with this student number at this school."),
                   _("Several students match this number without its leading zeros; write it in full."))

    @classmethod
    def subjects(cls, school):
        """Subjects in use, found by code, then name, then the school's own aliases (merged
        subjects' names and codes), then the standard list's usual spellings."""
        subjects = list(Subject.objects.filter(school=school, is_active=True)
                        .values_list("pk", "code", "name", "aliases", "standard_code"))
        by_key = {}
        for pk, code, *_rest in subjects:
            by_key.setdefault(key(code), pk)
        for spellings in ([(pk, [name]) for pk, _code, name, *_rest in subjects],
                          [(pk, aliases) for pk, _code, _name, aliases, _std in subjects]):
            found = {}
            for pk, names in spellings:
                for name in names:
                    found[key(name)] = pk if found.get(key(name), pk) == pk else None
            for name_key, pk in found.items():
                by_key.setdefault(name_key, pk)
        usual = standard_spellings()
        for pk, code, _name, _aliases, standard_code in subjects:
            for spelling in usual.get(standard_code or code, ()):
                by_key.setdefault(key(spelling), pk)
        by_key.pop("", None)
        return cls({}, by_key, key,
                   _("Unknown subject: this school has no subject with this code or name."),
                   _("Several subjects of this school have this name; use the subject code."))


class ScoreRows:
    """Checks chunks of a score file: database rows for the good rows, row errors for the rest."""

    def __init__(self, school, plan, header, *, subjects=None):
        """`subjects`: the Lookup of subjects to use (new_subjects teaches it the new ones)."""
        self.kind, self.columns, self.header = plan.kind, plan.columns, header
        self.target = TARGETS[plan.kind]
        self.fields = [c for c in SCORE_COLUMNS[plan.kind] if c.field in plan.columns]
        meta = self.target.model._meta
        self.db_columns = [meta.get_field(f).column for f in self.target.fields]
        self.parsers = {"student_number": Lookup.students(school), "date": parse_score_date}
        if plan.kind == GRADES:
            self.parsers.update(subject=subjects or Lookup.subjects(school), grade=parse_grade,
                                weight=parse_weight)
        else:
            self.parsers.update(level=parse_cito_level, ability=parse_ability)
        self.max_length = {f: meta.get_field(f).max_length for f in ("test", "period", "domain")
                           if f in plan.columns}
        self._cache = {f: {} for f in self.parsers}
        self._seen = SeenKeys()

    def check(self, frame, *, find_duplicates=True):
        """Check one chunk (from reading.Table.chunks): the good rows as database columns, the
        errors, the rows read (blank rows are not counted) and the rows rejected."""
        cells = {}
        for column in self.fields:
            raw = frame[self.columns[column.field]]
            uniques = raw.unique()
            stripped = {v: v.strip() for v in uniques}
            cells[column.field] = (raw if all(k == v for k, v in stripped.items())
                                   else raw.map(stripped).astype(raw.dtype))
        # Blank rows are skipped, not counted: no content in the columns used, nor in the others.
        content = pd.concat([text != "" for text in cells.values()], axis=1).any(axis=1)
        unused = [i for i in frame.columns if i not in self.columns.values()]
        if unused and not content.all():
            empty = ~content
            content[empty] = (frame.loc[empty, unused].apply(lambda c: c.str.strip()) != "").any(axis=1)
        if not content.all():
            frame = frame[content]
            cells = {f: text[content] for f, text in cells.items()}
        values, reasons = {}, {}
        for column in self.fields:
            text = cells[column.field]
            if column.field in self.parsers:
                values[column.field], reasons[column.field] = self._parse(column.field, text)
            else:
                values[column.field], reasons[column.field] = text, self._check_text(column, text)
        if find_duplicates and len(frame):
            self._mark_duplicates(frame.index, values, reasons)
        failed = pd.concat([r.notna() for r in reasons.values()], axis=1).any(axis=1).to_numpy()
        ready = pd.DataFrame(index=frame.index[~failed])
        for name, db_column in zip(self.target.fields, self.db_columns):
            file_field = _FILE_FIELD.get(name, name)
            ready[db_column] = values[file_field][~failed] if file_field in values else _DEFAULTS[name]
        for db_column in ("student_id", "subject_id", "level"):
            if db_column in ready:
                ready[db_column] = ready[db_column].astype("int64")
        if "ability" in ready:
            ready["ability"] = ready["ability"].astype("Int64")
        problems = [(position, self.header[self.columns[c.field]], cells[c.field], reasons[c.field])
                    for position, c in enumerate(self.fields)]
        return Checked(ready, ChunkErrors(problems), len(frame), int(failed.sum()))

    def _parse(self, field_name, text):
        """(values, reasons) of a column, each distinct value parsed once."""
        cache, parse = self._cache[field_name], self.parsers[field_name]
        uniques = text.unique()
        if len(cache) + len(uniques) > _PARSE_CACHE_LIMIT:
            cache.clear()
        for value in uniques:
            if value not in cache:
                cache[value] = parse(value)
        return (text.map({v: cache[v][0] for v in uniques}).astype(object),
                text.map({v: cache[v][1] for v in uniques}).astype(object))

    def _check_text(self, column, text):
        top = self.max_length[column.field]
        reasons = pd.Series(None, index=text.index, dtype=object)
        reasons[text.str.len() > top] = _("Too long: at most %(max)s characters.") % {"max": top}
        if column.required:
            reasons[text == ""] = _("Required; this cell is empty.")
        return reasons

    def _mark_duplicates(self, rows, values, reasons):
        """A natural key met earlier in the file is an error on the later row (test column)."""
        key_fields = [_FILE_FIELD.get(f, f) for f in self.target.key]
        valid = ~pd.concat([reasons[f].notna() for f in key_fields], axis=1).any(axis=1)
        if not valid.any():
            return
        keys = pd.DataFrame({f: values[f][valid] for f in key_fields})
        for f in ("student_number", "subject"):
            if f in keys:
                keys[f] = keys[f].astype("int64")
        labels = rows[valid.to_numpy()]
        first = self._seen.first_rows(pd.util.hash_pandas_object(keys, index=False).to_numpy(),
                                      labels.to_numpy())
        again = first > 0
        if again.any():
            message = (_("This student already has a grade for this subject, test and date in row %(row)s.")
                       if self.kind == GRADES else
                       _("This student already has a result for this domain, test and date in row %(row)s."))
            test = reasons["test"].copy()
            test.loc[labels[again]] = [message % {"row": row} for row in first[again]]
            reasons["test"] = test


class SeenKeys:
    """Natural keys met so far, as 64-bit hashes with their row: 16 bytes a row, in a few sorted
    runs of doubling size (merged as they grow), so each chunk is looked up in O(log n) runs.

    A hash collision (about one in 10^7 for a million rows) would report a false duplicate; it
    can never let a real duplicate through.
    """

    def __init__(self):
        self._runs = []  # [(sorted hashes, their rows)], largest first

    def first_rows(self, hashes, rows):
        """For each key, the row where it was met before (earlier chunks first), else 0."""
        first = np.zeros(len(hashes), dtype=np.int64)
        for seen, seen_rows in self._runs:
            at = np.minimum(np.searchsorted(seen, hashes), len(seen) - 1)
            hit = seen[at] == hashes
            first[hit] = seen_rows[at[hit]]  # a key is in one run at most
        in_chunk = pd.Series(rows).groupby(hashes).transform("min").to_numpy()
        again = (in_chunk != rows) & (first == 0)
        first[again] = in_chunk[again]
        new = first == 0
        if new.any():
            order = np.argsort(hashes[new])
            self._runs.append((hashes[new][order], rows[new][order]))
            while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
                (h1, r1), (h2, r2) = self._runs.pop(-2), self._runs.pop()
                merged, merged_rows = np.concatenate([h1, h2]), np.concatenate([r1, r2])
                order = np.argsort(merged, kind="stable")  # two sorted runs: close to linear
                self._runs.append((merged[order], merged_rows[order]))
        return first


