"""The Dutch words of stored texts: flag reasons, agenda reasons, notifications, exports.

Texts that are stored are read by the whole team later, so they are written in the school's
language (Dutch) whatever the interface language of whoever caused them — like the audit log.
The risk rules and the team reviews share these words, so a signal category or a risk level
reads the same in a flag reason and on a review agenda. Numbers in such texts go through
portal.numbers with language="nl".
"""

from django.utils import translation

from .models import Advice, Category, Level, RiskLevel, combined_name

# The team's words for the signal categories.
CATEGORY_WORDS = {
    Category.COGNITIVE: "cognitief",
    Category.STUDY_SKILLS: "studievaardigheden",
    Category.WELLBEING: "welbevinden",
    Category.MOTIVATION: "motivatie",
    Category.ATTENDANCE: "verzuim",
    Category.BEHAVIOUR: "gedrag",
    Category.HOME: "thuissituatie",
}

LEVEL_WORDS = {RiskLevel.NONE: "geen", RiskLevel.ATTENTION: "aandacht", RiskLevel.HIGH: "hoog"}

LEVEL_NAMES = {Level.PRO: "praktijkonderwijs", Level.VMBO_BB: "vmbo-bb", Level.VMBO_KB: "vmbo-kb",
               Level.VMBO_GT: "vmbo-gl/tl", Level.HAVO: "havo", Level.VWO: "vwo"}



def level_year_words(level, leerjaar, combined=""):
    """'havo 4'; for a combined level 'vmbo-gt/havo 3, normniveau vmbo-gl/tl'."""
    if not combined:
        return f"{LEVEL_NAMES[level]} {leerjaar}"
    return f"{combined_name(combined)} {leerjaar}, normniveau {LEVEL_NAMES[level]}"


# Cito levels: 1 = I (best) to 5 = V.
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}


def count(n, one, many):
    """count(1, "week", "weken") -> '1 week'; count(3, ...) -> '3 weken'."""
    return f"{n} {one if n == 1 else many}"


def join(parts):
    """['a', 'b', 'c'] -> 'a, b en c'."""
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def advice_name(advice):
    """An advice as schools write it: havo/vwo, vmbo-kb/gt (Dutch whoever is reading)."""
    with translation.override("nl"):
        return str(Advice(advice).label)
