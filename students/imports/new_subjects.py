"""Subjects a grade file names that the school does not know: a choice, not a rejection.

While a grade file is checked, each subject text that matches none of the school's subjects in
use is collected (as first written, with its number of rows and first row numbers) instead of
turning its rows into errors. The leader chooses per new subject (the preview's form, or
`import_scores --new-subjects add|skip`):

- ADD: the school gets it as a subject: the standard subject when the text is one of the
  standard list's usual spellings (with its code, name and properties), a switched-off subject
  of that name switched on again, else a subject of its own with the text as code and name;
- a subject's id: map it to that subject of the school, keeping the text as its other name;
- SKIP: leave its rows out (counted and reported, not errors).

Until the write, the rows of a subject to add (or not chosen yet) carry a placeholder subject id
(negative), so they are checked like every other row, duplicates included. The write makes the
subjects and aliases through the subject services (audited), then gives the staged rows their
real ids, in the import's one transaction. A file is written only when every new subject has a
choice (`refusal`); the checks run again at that moment, so a subject added since the preview is
simply found.
"""

import functools
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Subject
from ..subjects import selectors, services
from ..subjects.standard import standard_spellings, standard_subjects
from .columns import key
from .limits import FileProblem, shown
from .score_rows import Lookup, ScoreRows
from .staging import Staging

ADD, SKIP = "add", "skip"
CHOICES = "new_subjects"  # import options / job.mapping: {subject key: ADD, SKIP or a subject id}
DEFAULT = "new_subjects_default"  # import options: ADD or SKIP for every new subject (the command)
FIRST_ROWS = 5  # row numbers kept per new subject
MAX_NEW = 100  # more new subjects than this: the subject column is probably the wrong one


def parse_choice(value):
    """ADD, SKIP or a subject id, from a stored or posted choice; None for anything else."""
    if value in (ADD, SKIP):
        return value
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def describe(new_subjects):
    """'sterrenkunde (3 rows), filosofie (1 row)' from summary entries."""
    return ", ".join(ngettext("%(subject)s (%(count)s row)", "%(subject)s (%(count)s rows)", s["rows"])
                     % {"subject": s["text"], "count": s["rows"]} for s in new_subjects)


def undecided(summary):
    """The summary entries of the new subjects that have no choice yet."""
    return [s for s in summary.get("new_subjects", []) if s.get("choice") is None]


@dataclass
class NewSubject:
    key: str
    text: str  # as first written
    placeholder: int  # the subject id its rows are checked and staged under until it exists
    choice: object = None  # ADD, SKIP, a subject id, or None (not chosen)
    rows: int = 0
    first_rows: list = field(default_factory=list)


@dataclass
class Addition:
    """What adding one or more new subjects does: switch on a switched-off subject, or make one."""

    how: str  # "standard", "own" or "switch_on"
    code: str
    name: str
    properties: dict = field(default_factory=dict)  # is_core, counts_for_promotion, result_kind…
    switch_on: int | None = None  # the id of the switched-off subject
    texts: list = field(default_factory=list)  # the file's texts it stands for
    subject_id: int | None = None  # once made or switched on

    def make(self, *, actor, school):
        """The subject, made or switched on (audited by the services), with the texts that its
        code, name and usual spellings do not find kept as other names; returns its id."""
        if self.subject_id is not None:
            return self.subject_id
        if self.switch_on is None:
            aliases = _not_found(self.texts, self.code, self.name, (), self.properties.get("standard_code"))
            subject = services.add_subject(actor=actor, school=school, data={
                "code": self.code, "name": self.name, **self.properties, "aliases": aliases})
        else:
            subject = Subject.objects.select_for_update().get(pk=self.switch_on, school=school)
            services.change_subject(actor=actor, subject=subject, data={
                "is_active": True,
                "aliases": [*subject.aliases, *_not_found(self.texts, subject.code, subject.name,
                                                          subject.aliases, subject.standard_code)]})
        self.subject_id = subject.pk
        return subject.pk

    def as_dict(self):
        return {"how": self.how, "code": self.code, "name": self.name}


class NewSubjects:
    """The new subjects of one run of a grade file, and the choice for each."""

    def __init__(self, school, *, choices=None, default=None):
        self.school = school
        self.default = default if default in (ADD, SKIP) else None
        self._choices = {str(k): parse_choice(v) for k, v in (choices or {}).items()}
        self.found = {}  # key -> NewSubject, in the order first met
        self._additions = None

    @classmethod
    def from_options(cls, school, options):
        return cls(school, choices=options.get(CHOICES), default=options.get(DEFAULT))

    @functools.cached_property
    def targets(self):
        """The subjects a new one can be mapped to: the school's subjects in use, by id."""
        return {s.pk: s for s in selectors.subjects_in_use(self.school)}

    def meet(self, text):
        """The NewSubject of a text the school does not know, noted when first met."""
        text_key = key(text)
        new = self.found.get(text_key)
        if new is None:
            if len(self.found) >= MAX_NEW:
                raise FileProblem(_(
                    "More than %(max)s subjects in this file are unknown to the school; check that "
                    "the subject column is the right one.") % {"max": MAX_NEW})
            choice = self._choices.get(text_key, self.default)
            if isinstance(choice, int) and choice not in self.targets:
                choice = None  # not a subject of this school in use (any more)
            new = self.found[text_key] = NewSubject(text_key, text, -(len(self.found) + 1), choice)
        return new

    @staticmethod
    def staged_as(new):
        """The subject id a new subject's rows are checked under; None when they are left out."""
        if new.choice == SKIP:
            return None
        return new.choice if isinstance(new.choice, int) else new.placeholder

    def refusal(self):
        """Why the file may not be written yet (new subjects without a choice), or ""."""
        waiting = undecided(self.summary())
        if not waiting:
            return ""
        return ngettext(
            "%(count)s subject in this file is new to the school and has no choice yet: %(subjects)s. "
            "Nothing was written.",
            "%(count)s subjects in this file are new to the school and have no choice yet: %(subjects)s. "
            "Nothing was written.", len(waiting)) % {"count": len(waiting), "subjects": describe(waiting)}

    def additions(self):
        """{key: Addition} of the new subjects to add (or not chosen yet), planned once."""
        if self._additions is None:
            self._additions = plan_additions(self.school, [n for n in self.found.values()
                                                           if n.choice in (ADD, None)])
        return self._additions

    def apply(self, *, actor):
        """In the write transaction: make the subjects to add and keep the mapped texts as other
        names (both audited by the subject services). Returns {placeholder: subject id}."""
        additions, ids = self.additions(), {}
        mapped = {}
        for new in self.found.values():
            if new.choice == ADD:
                addition = additions[new.key]
                ids[new.placeholder] = addition.make(actor=actor, school=self.school)
            elif isinstance(new.choice, int):
                mapped.setdefault(new.choice, []).append(new.text)
        for subject_id, texts in mapped.items():
            subject = Subject.objects.select_for_update().filter(
                pk=subject_id, school=self.school, is_active=True).first()
            if subject is None:
                raise ValidationError(_("The subject chosen for %(subjects)s is no longer in use; check "
                                        "the file again and choose anew.") % {"subjects": ", ".join(texts)})
            services.add_aliases(actor=actor, subject=subject, aliases=texts)
        return ids

    def summary(self):
        """What the job and the command show: each new subject with its rows, what adding it does,
        the choice and the subject it is mapped to; and the rows left out."""
        if not self.found:
            return {}
        additions = self.additions()
        entries = []
        for new in self.found.values():
            entry = {"key": new.key, "text": shown(new.text), "rows": new.rows,
                     "first_rows": new.first_rows, "choice": new.choice}
            if new.key in additions:
                entry["add"] = additions[new.key].as_dict()
            if isinstance(new.choice, int):
                target = self.targets[new.choice]
                entry["subject"] = {"code": target.code, "name": target.name}
            entries.append(entry)
        return {"new_subjects": entries,
                "skipped_rows": sum(n.rows for n in self.found.values() if n.choice == SKIP)}


def plan_additions(school, new_subjects):
    """{key: Addition} for these new subjects. A text the standard list knows adds that standard
    subject (once, however many spellings point at it); a switched-off subject found by the text
    (not one merged into another) is switched on; anything else becomes a subject of the school's
    own, under a code the school does not use yet."""
    existing = list(Subject.objects.filter(school=school).values(
        "pk", "code", "name", "aliases", "standard_code", "is_active", "merged_into"))
    codes = {s["code"].casefold() for s in existing}
    standard_codes = {s["standard_code"] for s in existing if s["standard_code"]}
    switched_off = {}
    for s in existing:
        if not s["is_active"] and s["merged_into"] is None:
            for text in (s["code"], s["name"], *s["aliases"]):
                switched_off.setdefault(key(text), s)
            if s["standard_code"]:
                switched_off.setdefault(("standard", s["standard_code"]), s)
    plans, made = {}, {}
    for new in new_subjects:
        standard = _standard_by_key().get(new.key)
        off = switched_off.get(new.key)
        if off is None and standard:
            off = switched_off.get(("standard", standard.code))
        if off:
            ident = ("subject", off["pk"])
        else:
            ident = ("standard", standard.code) if standard else ("own", new.key)
        if ident not in made:
            if off:
                made[ident] = Addition("switch_on", off["code"], off["name"], switch_on=off["pk"])
            elif standard:
                properties = {"is_core": standard.is_core, "result_kind": standard.result_kind,
                              "counts_for_promotion": standard.counts_for_promotion}
                if standard.code.casefold() in codes or standard.code in standard_codes:
                    code = _free_code(new.text, codes)
                    made[ident] = Addition("own", code, standard.name, properties)
                else:
                    code = standard.code
                    made[ident] = Addition("standard", code, standard.name,
                                           {**properties, "standard_code": standard.code})
                codes.add(code.casefold())
            else:
                code = _free_code(new.text, codes)
                codes.add(code.casefold())
                made[ident] = Addition("own", code, new.text[:Subject._meta.get_field("name").max_length])
        made[ident].texts.append(new.text)
        plans[new.key] = made[ident]
    return plans


@functools.cache
def _standard_by_key():
    """{key of a standard subject's code, name or usual spelling: the StandardSubject}."""
    found = {}
    for subject in standard_subjects():
        for text in (subject.code, subject.name, *subject.spellings):
            found.setdefault(key(text), subject)
    return found


def _free_code(text, codes):
    """The text as a subject code (cut to the field's length), with -2, -3… when it is taken."""
    top = Subject._meta.get_field("code").max_length
    base = text.strip()[:top]
    code, number = base, 2
    while code.casefold() in codes:
        suffix = f"-{number}"
        code, number = base[:top - len(suffix)] + suffix, number + 1
    return code


def _not_found(texts, code, name, aliases, standard_code):
    """The texts an import would not find this subject by (as the subject lookup matches)."""
    known = {key(code), key(name), *map(key, aliases),
             *map(key, standard_spellings().get(standard_code or code, ()))}
    kept = []
    for text in texts:
        if key(text) not in known:
            known.add(key(text))
            kept.append(text)
    return kept


class NewSubjectRows:
    """Checks a grade file like ScoreRows, collecting the subjects the school does not know instead
    of rejecting their rows: rows of a subject to leave out are taken out before the checks, and
    the others are checked under the id their choice gives them."""

    def __init__(self, school, plan, header, new_subjects):
        self.new_subjects = new_subjects
        self.lookup = Lookup.subjects(school)
        self.rows = ScoreRows(school, plan, header, subjects=self.lookup)
        self.target = self.rows.target
        self.column = plan.columns["subject"]
        self._met = {}  # a cell as read -> its NewSubject, or None for any other subject text

    def check(self, frame):
        cells = frame[self.column]
        new = {}
        for cell in cells.unique():
            if cell not in self._met:
                self._met[cell] = self._new_subject(cell)
            if self._met[cell] is not None:
                new[cell] = self._met[cell]
        if not new:
            return self.rows.check(frame)
        of_new = cells[cells.isin(list(new))]
        for cell, positions in of_new.groupby(of_new, sort=False).indices.items():
            subject = new[cell]
            subject.rows += len(positions)
            rows = [int(row) for row in of_new.index[positions[:FIRST_ROWS]]]
            subject.first_rows = sorted(subject.first_rows + rows)[:FIRST_ROWS]
        left_out = [cell for cell, subject in new.items() if subject.choice == SKIP]
        skipped = 0
        if left_out:
            kept = ~cells.isin(left_out)
            skipped = int((~kept).sum())
            frame = frame[kept]
        checked = self.rows.check(frame)
        checked.rows_read += skipped
        return checked

    def _new_subject(self, cell):
        text = cell.strip()
        text_key = key(text)
        if text_key in self.new_subjects.found:
            return self.new_subjects.found[text_key]
        if not text_key or self.lookup.find(text) != 0:
            return None  # known, ambiguous or empty: the subject lookup says which
        new = self.new_subjects.meet(text)
        staged_as = self.new_subjects.staged_as(new)
        if staged_as is not None:
            self.lookup.learn(text_key, staged_as)
        return new


class NewSubjectStaging(Staging):
    """The staging table of a grade file: before the rows are written, the chosen subjects are
    made and the rows get their real subject ids — in the staging table, or in the table itself
    where the rows were written while the file was checked (PostgreSQL)."""

    def __init__(self, target, new_subjects, *, school):
        super().__init__(target, school=school)
        self.new_subjects = new_subjects

    def write(self, *, actor=None):
        ids = self.new_subjects.apply(actor=actor) if self.new_subjects.found else {}
        if ids:
            table = self.model_table if self.writes_while_checking else self.table
            column = connection.ops.quote_name(self.target.model._meta.get_field("subject").column)
            cases = " ".join(["WHEN %s THEN %s"] * len(ids))
            with connection.cursor() as cursor:  # one pass over the rows with a placeholder id
                cursor.execute(f"UPDATE {table} SET {column} = CASE {column} {cases} END "
                               f"WHERE {column} < 0", [v for pair in ids.items() for v in pair])
        return super().write(actor=actor)
