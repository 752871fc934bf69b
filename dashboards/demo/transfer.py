"""The demo's warme overdracht: a transfer file per school, as a primary school's data arrives,
imported through the real importer. Most students sit at their advice, some above or below it;
a few advices were raised after the test."""

from students.imports import transfer
from students.models import Advice, Level, Student

from .files import imported
from .people import HANDOVER_NOTES

LEVELS = list(Level)
PRIMARY_SCHOOLS = ("OBS De Regenboog", "CBS De Wegwijzer", "Kindcentrum Het Anker", "RKBS Sint Jozef",
                   "OBS De Zevensprong", "IKC De Vlinder")
SUPPORT_NEEDS = (
    "Dyslexieverklaring; extra tijd bij toetsen en voorleessoftware.",
    "Hulp bij plannen en organiseren van huiswerk.",
    "Faalangsttraining gevolgd in groep 8; graag een rustige plek bij toetsen.",
    "Dyscalculie: rekenkaart en rekenmachine toegestaan.",
    "Sociaal-emotionele begeleiding via het samenwerkingsverband.",
)
HEADER = ("leerlingnummer", "basisschool", "schooladvies", "heroverwogen advies", "toets", "toetsscore",
          "toetsadvies", "lezen", "taalverzorging", "rekenen", "ondersteuningsbehoefte", "opmerkingen")
# The reference levels a student of each advice level usually reaches: lezen, taalverzorging, rekenen.
REFERENCE = {Level.PRO: ("<1F", "<1F", "<1F"), Level.VMBO_BB: ("1F", "1F", "<1F"),
             Level.VMBO_KB: ("1F", "1F", "1F"), Level.VMBO_GT: ("2F", "1F", "1F"),
             Level.HAVO: ("2F", "2F", "1S"), Level.VWO: ("2F", "2F", "1S")}


def _advice(level, rng):
    """An advice for a student now in `level`: mostly at it, sometimes a step below or above,
    single or double (havo/vwo)."""
    index = LEVELS.index(level) + rng.choices((0, -1, 1), weights=(75, 15, 10))[0]
    index = min(max(index, 0), len(LEVELS) - 1)
    low = LEVELS[index]
    if index + 1 < len(LEVELS) and rng.random() < 0.3:
        return Advice.of(low, LEVELS[index + 1])
    return Advice.of(low)


def _raised(advice):
    """Half a step up: havo -> havo/vwo, havo/vwo -> vwo."""
    low, high = advice.levels
    if low != high:
        return Advice.of(high)
    index = LEVELS.index(low)
    return Advice.of(low, LEVELS[index + 1]) if index + 1 < len(LEVELS) else advice


def _row(student, year, rng):
    advice = _advice(Level(student.level), rng)
    test_advice = _raised(advice) if rng.random() < 0.15 else advice
    adjusted = test_advice if test_advice != advice and rng.random() < 0.7 else None
    if year.start_year - student.leerjaar + 1 >= 2024:  # the doorstroomtoets replaced the eindtoets
        test, score = "IEP Doorstroomtoets", 55 + 8 * LEVELS.index(advice.levels[0]) + rng.randint(-4, 4)
    else:
        test, score = "Centrale Eindtoets", 510 + 7 * LEVELS.index(advice.levels[0]) + rng.randint(-3, 3)
    reading, spelling, maths = REFERENCE[advice.levels[0]]
    return [
        student.student_number, rng.choice(PRIMARY_SCHOOLS), str(advice.label),
        str(adjusted.label) if adjusted else "", test, str(score), str(test_advice.label),
        reading, spelling, maths,
        rng.choice(SUPPORT_NEEDS) if rng.random() < 0.15 else "",
        rng.choice(HANDOVER_NOTES) if rng.random() < 0.2 else "",
    ]


def warme_overdracht(school, year, rng):
    """Import a transfer file for the school's active students (idempotent: the same file)."""
    students = Student.objects.filter(school=school, is_active=True).order_by("student_number")
    return imported(transfer.import_transfer, school=school, filename="overdracht.csv", header=HEADER,
                    rows=[_row(student, year, rng) for student in students])
