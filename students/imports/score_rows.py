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
from .score_columns import GRADES, RESULT_FIELDS, SCORE_COLUMNS, TARGETS
from .values import (
    is_school_exam_code,
    parse_ability,
    parse_cito_level,
    parse_level_advice,
    parse_reference_level,
    parse_result,
    parse_score_date,
    parse_test_kind,
    parse_weight,
)

_PARSE_CACHE_LIMIT = 200_000  # distinct values remembered per column, to keep memory bounded
_FILE_FIELD = {"student": "student_number"}  # model field → file field, where they differ
# For a column the file lacks (or a cell it leaves empty, where the field is spread below).
_DEFAULTS = {"weight": "1.0", "period": "", "ability": None, "mark": "", "is_school_exam": False,
             "level": None, "reference_level": "", "level_advice": ""}
# A file column whose one parse gives several model fields: grade → a grade or a mark;
# niveau → a level I–V, a reference level or a level advice.
_SPREAD = {"grade": ("grade", "mark"), "level": ("level", "reference_level", "level_advice")}


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
            self.parsers.update(subject=subjects or Lookup.subjects(school), grade=parse_result,
                                weight=parse_weight, test_kind=parse_test_kind)
        else:
            self.parsers.update(level=parse_cito_level, reference_level=parse_reference_level,
                                level_advice=parse_level_advice, ability=parse_ability)
        self.max_length = {f: meta.get_field(f).max_length for f in ("test", "period", "domain")
                           if f in plan.columns}
        self._cache = {f: {} for f in self.parsers}
        self._school_exam_tests = {}
        self._seen = SeenKeys()
        self.tally = {}  # what kinds of result the good rows hold, for the preview

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
        for field_name in _SPREAD:
            if isinstance(values.get(field_name), dict):
                self._spread(values.pop(field_name), values, reasons)
        if self.kind == GRADES:
            values["is_school_exam"] = self._school_exam(cells["test"], values.pop("test_kind", None))
        else:
            self._combine_levels(values, reasons)
        if find_duplicates and len(frame):
            self._mark_duplicates(frame.index, values, reasons)
        failed = pd.concat([r.notna() for r in reasons.values()], axis=1).any(axis=1).to_numpy()
        ready = pd.DataFrame(index=frame.index[~failed])
        for name, db_column in zip(self.target.fields, self.db_columns):
            file_field = _FILE_FIELD.get(name, name)
            ready[db_column] = values[file_field][~failed] if file_field in values else _DEFAULTS[name]
        for db_column in ("student_id", "subject_id"):
            if db_column in ready:
                ready[db_column] = ready[db_column].astype("int64")
        for db_column in ("level", "ability"):
            if db_column in ready:
                ready[db_column] = ready[db_column].astype("Int64")
        self._count(ready)
        problems = [(position, self.header[self.columns[c.field]], cells[c.field], reasons[c.field])
                    for position, c in enumerate(self.fields)]
        return Checked(ready, ChunkErrors(problems), len(frame), int(failed.sum()))

    def _parse(self, field_name, text):
        """(values, reasons) of a column, each distinct value parsed once. The values of a
        column that gives several fields (_SPREAD) are {field: values}."""
        cache, parse = self._cache[field_name], self.parsers[field_name]
        uniques = text.unique()
        if len(cache) + len(uniques) > _PARSE_CACHE_LIMIT:
            cache.clear()
        for value in uniques:
            if value not in cache:
                cache[value] = parse(value)
        reasons = text.map({v: cache[v][1] for v in uniques}).astype(object)
        if field_name not in _SPREAD:
            return text.map({v: cache[v][0] for v in uniques}).astype(object), reasons
        fields = _SPREAD[field_name]
        empty = tuple(_DEFAULTS.get(f) for f in fields)
        return {f: text.map({v: (cache[v][0] or empty)[i] for v in uniques}).astype(object)
                for i, f in enumerate(fields)}, reasons

    def _school_exam(self, tests, kinds):
        """School-exam grades: a kind of test that says SE/PTA, or a test code starting with one."""
        cache = self._school_exam_tests
        uniques = tests.unique()
        if len(cache) + len(uniques) > _PARSE_CACHE_LIMIT:
            cache.clear()
        for value in uniques:
            if value not in cache:
                cache[value] = is_school_exam_code(value)
        by_code = tests.map({v: cache[v] for v in uniques}).astype(bool)
        return by_code if kinds is None else by_code | kinds.eq(True)

    @staticmethod
    def _spread(parts, values, reasons):
        """The fields one column gave; where the file also has a column of its own for one of
        them (a referentieniveau beside the niveau), that column's value wins where given, and
        two different values are an error on it."""
        for field_name, given in parts.items():
            own = values.get(field_name)
            if own is None:
                values[field_name] = given
                continue
            has_own, has_given = own.notna() & (own != ""), given.notna() & (given != "")
            clash = has_own & has_given & (own != given)
            if clash.any():
                column = reasons[field_name].copy()
                column[clash & column.isna()] = _(
                    "The niveau column of this row gives another value; make them agree or leave "
                    "one of them empty.")
                reasons[field_name] = column
            values[field_name] = own.where(has_own, given)

    def _combine_levels(self, values, reasons):
        """A row of a standardised-test file needs at least one result: a level, a reference
        level, a level advice or an ability score."""
        present = [f for f in RESULT_FIELDS if f in self.columns]
        if not present:
            return
        nothing = pd.Series(True, index=values[present[0]].index)
        for field_name in RESULT_FIELDS:
            if field_name in values:
                value = values[field_name]
                nothing &= value.isna() | (value == "")
            if field_name in reasons:
                nothing &= reasons[field_name].isna()  # a bad value is named as such
        if nothing.any():
            where = present[0]
            column = reasons[where].copy()
            column[nothing & column.isna()] = _(
                "No result: give a level (I–V or A–E), a reference level (1F, 2F, 1S …), a level "
                "advice (havo …) or an ability score.")
            reasons[where] = column

    def _count(self, ready):
        """Add the good rows' kinds of result to the tally the preview shows."""
        if self.kind == GRADES:
            counts = {"grades": int(ready["grade"].notna().sum()),
                      "school_exam": int(ready["is_school_exam"].sum())}
            for mark, n in ready.loc[ready["mark"] != "", "mark"].value_counts().items():
                counts[f"mark_{mark}"] = int(n)
        else:
            counts = {"levels": int(ready["level"].notna().sum()),
                      "reference_levels": int((ready["reference_level"] != "").sum()),
                      "level_advice": int((ready["level_advice"] != "").sum()),
                      "ability": int(ready["ability"].notna().sum())}
        for name, n in counts.items():
            if n:
                self.tally[name] = self.tally.get(name, 0) + n

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


