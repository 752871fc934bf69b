"""One cell's text → a value, or the reason it is not one: the parsers every kind of import uses.

Each parser takes stripped text and returns (value, None) or (None, reason for the user).
"""

import re
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import MAX_LEERJAAR, Level, Mark, ReferenceLevel, Student
from ..models.people import LEVEL_ORDER
from .columns import key

LEVEL_SPELLINGS = {
    Level.PRO: ("pro", "praktijkonderwijs"),
    Level.VMBO_BB: ("bb", "bbl", "basis", "vmbo-b", "vmbo-bb", "vmbo basis", "basisberoepsgerichte leerweg"),
    Level.VMBO_KB: ("kb", "kbl", "kader", "vmbo-k", "vmbo-kb", "vmbo kader", "kaderberoepsgerichte leerweg"),
    Level.VMBO_GT: ("vmbo-gt", "vmbo-t", "vmbo-tl", "vmbo-g", "vmbo-gl", "tl", "gl", "gt", "mavo",
                    "theoretische leerweg", "gemengde leerweg"),
    Level.HAVO: ("havo",),
    Level.VWO: ("vwo", "atheneum", "gymnasium"),
}
SEX_SPELLINGS = {
    Student.Sex.MALE: ("m", "man", "jongen"),
    Student.Sex.FEMALE: ("v", "vrouw", "meisje"),
    Student.Sex.OTHER: ("x", "anders"),
}
COMBINED_LEVEL_SEPARATORS = re.compile(r"[/+&,|]")
LOOSE_SEPARATORS = re.compile(r"[-\s]+")
# Letter codes of combined classes: HV = havo/vwo, MH = mavo/havo, KGT = kader/gl/tl.
LETTER_LEVELS = {"b": Level.VMBO_BB, "k": Level.VMBO_KB, "g": Level.VMBO_GT, "t": Level.VMBO_GT,
                 "m": Level.VMBO_GT, "h": Level.HAVO, "v": Level.VWO}
VMBO_LETTERS = ("b", "k", "g", "t")
DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
# jjjj-mm-dd, also as Excel date cells arrive when read as text ("2012-05-04 00:00:00").
YEAR_FIRST = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
EARLIEST_SCORE_DATE = date(2000, 1, 1)
# Cito LVS levels: I–V (since 2014) and A–E (before); both stored as 1 (highest) … 5.
CITO_LEVELS = {**{roman: n for n, roman in enumerate(("i", "ii", "iii", "iv", "v"), start=1)},
               **{letter: n for n, letter in enumerate("abcde", start=1)}}
GRADE_TEXT = re.compile(r"^\d{1,2}(?:[.,]\d+)?$")
# Marks written instead of a grade, in their usual spellings (any case; "-" is a test not made).
MARK_SPELLINGS = {
    Mark.INSUFFICIENT: ("o", "onv", "onvoldoende"),
    Mark.SUFFICIENT: ("v", "vold", "voldoende"),
    Mark.GOOD: ("g", "goed"),
    Mark.VERY_GOOD: ("zg", "zeer goed"),
    Mark.EXEMPT: ("vr", "vrij", "vrijstelling", "vrijgesteld"),
    Mark.PENDING: ("inh", "inhalen", "nog inhalen", "nog in te halen", "ng", "niet gemaakt"),
}
NOT_MADE = {"-", "–", "—"}
# A school-exam grade: a test code starting with SE or PTA (not "september"), or a kind of test
# written as schoolexamen; a central-exam grade is not a school result.
SCHOOL_EXAM_CODE = re.compile(r"^\s*(?:se|pta)(?![a-z])", re.IGNORECASE)
SCHOOL_EXAM_WORDS = ("schoolexamen", "pta")
CENTRAL_EXAM = {"ce", "cse", "centraalexamen", "centraalschriftelijkexamen"}
WEIGHT_TEXT = re.compile(r"^\d{1,3}(?:[.,]\d+)?$")

MARK_KEYS = {key(s): mark for mark, spellings in MARK_SPELLINGS.items() for s in spellings}
REFERENCE_KEYS = {**{level.value.lower(): level for level in ReferenceLevel if level != ReferenceLevel.BELOW_1F},
                  **{spelling: ReferenceLevel.BELOW_1F
                     for spelling in ("<1f", "onder1f", "lagerdan1f", "niet1f", "1fnietbehaald")}}
REFERENCE_TEXT = re.compile(r"^\d[fs]\W*$", re.IGNORECASE)  # looks like a reference level: 2F+, 2S
LEVEL_KEYS = {key(s): level for level, spellings in LEVEL_SPELLINGS.items()
              for s in (*spellings, level.value)}
SEX_KEYS = {key(s): sex for sex, spellings in SEX_SPELLINGS.items() for s in spellings}


def parse_levels(text):
    """((Level, …) lowest first, None) or (None, reason): one level ("HAVO", "tl", "atheneum",
    "vmbo-gl/tl") or a combined one ("havo/vwo", "mavo/havo", "kader/gl", "HV", "MH", "KGT")."""
    if not text:
        return None, _("Required; this cell is empty.")
    levels = _levels_named(text)
    if levels is None:
        return None, _(
            "Unknown level %(value)s; use pro, vmbo-bb (bb, basis), vmbo-kb (kb, kader), vmbo-gt "
            "(gl, tl, mavo), havo or vwo (atheneum, gymnasium), or a combined level of neighbouring "
            "levels such as havo/vwo, mavo/havo, kader/gl, bb/kb, HV, MH or KGT."
        ) % {"value": text}
    ordered = sorted(set(levels), key=LEVEL_ORDER.__getitem__)
    positions = [LEVEL_ORDER[level] for level in ordered]
    if positions != list(range(positions[0], positions[0] + len(positions))):
        return None, _(
            "%(value)s combines levels that do not follow each other (%(levels)s); a combined class "
            "spans neighbouring levels, such as havo/vwo or kader/gl."
        ) % {"value": text, "levels": ", ".join(str(level.label) for level in ordered)}
    return tuple(ordered), None


def parse_norm_level(text, levels):
    """(Level, None) or (None, reason): the level of `levels` whose promotion norms apply. Empty
    is the lowest: a combined class follows the lower norm until the school decides otherwise."""
    if not text:
        return levels[0], None
    named = _levels_named(text)
    if named is None or len(set(named)) != 1:
        return None, _(
            "Unknown norm level %(value)s; give one of the student's levels (%(levels)s), or leave "
            "the cell empty for the lowest."
        ) % {"value": text, "levels": ", ".join(str(level.label) for level in levels)}
    if named[0] not in levels:
        return None, _(
            "%(value)s is not one of the student's levels (%(levels)s); the norm level is one of "
            "them, or leave the cell empty for the lowest."
        ) % {"value": text, "levels": ", ".join(str(level.label) for level in levels)}
    return named[0], None


def parse_level(text):
    """(Level, None) or (None, reason) for a cell that must name one level."""
    levels, reason = parse_levels(text)
    if reason:
        return None, reason
    if len(levels) > 1:
        return None, _("%(value)s combines levels (%(levels)s); give one level.") % {
            "value": text, "levels": ", ".join(str(level.label) for level in levels)}
    return levels[0], None


def _levels_named(text):
    """The levels a cell names, in the file's order (perhaps repeated), or None if any part is
    unknown. Parts are split at / + & , | (and, failing that, at dashes and spaces)."""
    whole = _part_levels(text, alone=True)
    if whole is not None:
        return whole
    for separators in (COMBINED_LEVEL_SEPARATORS, LOOSE_SEPARATORS):
        parts = [p for p in separators.split(text) if p.strip()]
        if len(parts) > 1 and key(parts[0]) == "vmbo":  # "vmbo kader/gl"
            parts = parts[1:]
        if len(parts) < 2:
            continue
        found = [_part_levels(part, alone=False) for part in parts]
        if None not in found:
            return tuple(level for levels in found for level in levels)
    return None


def _part_levels(text, *, alone):
    """The levels of one part: a spelling ("kader"), or a code of letters ("HV", "KGT",
    "vmbo-bk"); a single letter only within a combination ("h/v")."""
    name = key(text)
    if name in LEVEL_KEYS:
        return (LEVEL_KEYS[name],)
    letters = name.removeprefix("vmbo")
    if not letters or len(letters) > 4 or (alone and len(letters) < 2):
        return None
    allowed = VMBO_LETTERS if letters != name else LETTER_LEVELS
    if not all(letter in allowed for letter in letters):
        return None
    return tuple(LETTER_LEVELS[letter] for letter in letters)


def parse_leerjaar(text, level):
    if not text:
        return None, _("Required; this cell is empty.")
    if not text.isdigit():
        return None, _("Leerjaar must be a whole number, for example 3.")
    leerjaar = int(text)
    top = MAX_LEERJAAR.get(level, max(MAX_LEERJAAR.values()))
    if not 1 <= leerjaar <= top:
        if level:
            return None, _("%(level)s has leerjaar 1 to %(top)s; got %(value)s.") % {
                "level": level.label, "top": top, "value": leerjaar}
        return None, _("Leerjaar must be between 1 and %(top)s.") % {"top": top}
    return leerjaar, None


def parse_date(text):
    """(date or None, None) or (None, reason). dd-mm-jjjj, d-m-jjjj and jjjj-mm-dd; empty is None."""
    if not text:
        return None, None
    if match := DAY_FIRST.match(text):
        day, month, year = map(int, match.groups())
    elif match := YEAR_FIRST.match(text):
        year, month, day = map(int, match.groups())
    else:
        return None, _("Not a date; write it as dd-mm-jjjj, for example 04-05-2012.")
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _("This date does not exist.")


def parse_sex(text):
    if not text:
        return "", None
    sex = SEX_KEYS.get(key(text))
    if sex is None:
        return None, _("Unknown sex; use M, V or X, or leave the cell empty.")
    return sex.value, None


def parse_grade(text):
    """('6.75', None) for '6,75' or '6.75': between 1 and 10, at most two decimals; else (None, reason)."""
    if not text:
        return None, _("Required; this cell is empty.")
    if not GRADE_TEXT.match(text):
        return None, _("Not a grade; write a number from 1 to 10, for example 5,5.")
    grade = Decimal(text.replace(",", "."))
    if not Decimal(1) <= grade <= Decimal(10):
        return None, _("A grade lies between 1 and 10.")
    if grade != grade.quantize(Decimal("0.01")):
        return None, _("Give the grade with at most two decimals, for example 6,75.")
    return f"{grade:.2f}", None


def parse_result(text):
    """((grade, mark), None): a grade as parse_grade gives it and no mark, or no grade and a
    mark (O, V, G, ZG, vr, inh as Mark values); else (None, reason)."""
    if text and not GRADE_TEXT.match(text):
        mark = MARK_KEYS.get(key(text)) or (Mark.PENDING if text in NOT_MADE else None)
        if mark is not None:
            return (None, mark.value), None
        return None, _("Not a grade or a mark; write a number from 1 to 10 (for example 6,75) or "
                       "O, V, G, ZG (onvoldoende to zeer goed), vr (vrijstelling) or inh (not yet made).")
    grade, reason = parse_grade(text)
    return (None if reason else (grade, "")), reason


def is_school_exam_code(text):
    """A test code such as SE1, SE-2, PTA 401 or 'PTA toets' marks a school-exam grade."""
    return bool(SCHOOL_EXAM_CODE.match(text))


def parse_test_kind(text):
    """(True, None) for a school-exam grade (SE, PTA, schoolexamen), (False, None) for any other
    kind of test (toets, proefwerk, SO, rapport … or empty); a central-exam grade is refused."""
    name = key(text)
    if name in CENTRAL_EXAM:
        return None, _("A central-exam grade (CE) is not a school result; leave these rows out "
                       "of the file.")
    return (is_school_exam_code(text) or name.startswith(SCHOOL_EXAM_WORDS)), None


def parse_weight(text):
    if not text:
        return "1.0", None
    weight = Decimal(text.replace(",", ".")) if WEIGHT_TEXT.match(text) else None
    if weight is None or weight <= 0 or weight != weight.quantize(Decimal("0.1")):
        return None, _("Not a weight; write a number greater than 0 with at most one decimal, "
                       "for example 2 or 0,5.")
    return f"{weight:.1f}", None


def parse_score_date(text):
    if not text:
        return None, _("Required; this cell is empty.")
    value, reason = parse_date(text)
    if reason:
        return None, reason
    if value > timezone.localdate():
        return None, _("This date lies in the future.")
    if value < EARLIEST_SCORE_DATE:
        return None, _("This date lies before 2000; check the year.")
    return value.isoformat(), None


def parse_reference_level(text):
    """(ReferenceLevel value, None) for 1F, 2F, 3F, 4F, 1S or <1F (any case, spaces); else reason."""
    if not text:
        return "", None
    level = REFERENCE_KEYS.get(re.sub(r"\s+", "", text.lower()))
    if level is None:
        return None, _("Unknown reference level %(value)s; use <1F, 1F, 2F, 3F, 4F or 1S.") % {
            "value": text}
    return level.value, None


def parse_level_advice(text):
    """('havo/vwo', None) for 'havo/vwo', 'VWO/HAVO', 'vmbo-kb' or 'kader/gl': the school levels
    a test advises, as Level values from low to high joined by '/'; else (None, reason)."""
    if not text:
        return "", None
    parts = [p for p in COMBINED_LEVEL_SEPARATORS.split(text) if p.strip()]
    levels = {LEVEL_KEYS.get(key(p)) for p in parts} if parts else {None}
    if None in levels:
        return None, _("Unknown level advice %(value)s; use school levels such as vmbo-kb, "
                       "havo or havo/vwo.") % {"value": text}
    return "/".join(level.value for level in Level if level in levels), None


def parse_cito_level(text):
    """((level 1–5, reference level, level advice), None): I–V or A–E (I = A = 1, the highest),
    a reference level (1F, 2F, 1S …) or a school level as the test's advice (havo, havo/vwo);
    empty is none of them; else (None, reason)."""
    if not text:
        return (None, "", ""), None
    level = CITO_LEVELS.get(key(text))
    if level is not None:
        return (level, "", ""), None
    reference, reason = parse_reference_level(text)
    if reference:
        return (None, reference, ""), None
    if REFERENCE_TEXT.match(text.strip()):
        return None, reason
    advice, reason = parse_level_advice(text)
    if advice:
        return (None, "", advice), None
    return None, _("Unknown level; use I, II, III, IV or V, A to E, a reference level (1F, 2F, "
                   "3F, 4F, 1S) or a school level as advice (vmbo-kb, havo, havo/vwo).")


def parse_ability(text):
    if not text:
        return None, None
    if not text.isdigit() or len(text) > 9:
        return None, _("Not an ability score; write a whole number, for example 142.")
    return int(text), None
