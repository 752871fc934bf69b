"""Score files: their two kinds, their columns, where each goes, and how a kind is recognised.

Grade exports (cijferlijsten) and standardised test results (Cito / LVS). A school's saved
column mapping ({kind: {field: header as written}}) is applied before the usual spellings.
"""

from django.utils.translation import gettext_lazy

from ..models import ColumnMapping, ImportJob, Score, StandardisedResult
from .columns import Column, key, plan_columns
from .staging import Target
from .values import CITO_LEVELS, REFERENCE_KEYS

GRADES, STANDARDISED = "grades", "standardised"
SCORE_KINDS = {GRADES: gettext_lazy("grades (cijferlijst)"),
               STANDARDISED: gettext_lazy("standardised test results (Cito / LVS)")}


_STUDENT_NUMBER = Column("student_number", gettext_lazy("student number"),
                         ("leerlingnummer", "llnr", "leerlingnr", "studentnummer", "stamnummer",
                          "stamnr", "student number", "student id"), required=True)
_TEST = Column("test", gettext_lazy("test"),
               ("toets", "omschrijving", "toetsomschrijving", "toetsnaam", "toetsmoment", "afname",
                "kolom", "test", "description", "assessment"), required=True)
_DATE = Column("date", gettext_lazy("date"),
               ("datum", "toetsdatum", "afnamedatum", "datum afname", "date"), required=True)
SCORE_COLUMNS = {
    GRADES: (
        _STUDENT_NUMBER,
        Column("subject", gettext_lazy("subject"),
               ("vak", "vakcode", "vaknaam", "vakafkorting", "subject", "course"), required=True),
        _TEST,
        _DATE,
        Column("grade", gettext_lazy("grade or mark"),
               ("cijfer", "resultaat", "score", "beoordeling", "grade", "result"), required=True),
        Column("weight", gettext_lazy("weight"), ("weging", "weegfactor", "gewicht", "weight")),
        Column("period", gettext_lazy("period"), ("periode", "rapportperiode", "period", "term")),
        Column("test_kind", gettext_lazy("kind of test (SE/PTA: school exam)"),
               ("toetssoort", "soort", "soort toets", "toetstype", "type", "cijfersoort",
                "kind of test", "test type")),
    ),
    STANDARDISED: (
        _STUDENT_NUMBER,
        _TEST,
        Column("domain", gettext_lazy("domain"),
               ("domein", "onderdeel", "toetsonderdeel", "leergebied", "vakgebied", "domain"),
               required=True),
        _DATE,
        Column("level", gettext_lazy("level (I–V, A–E, 1F/2F/1S or a level advice)"),
               ("niveau", "niveauwaarde", "level")),
        Column("reference_level", gettext_lazy("reference level (1F, 2F, 1S …)"),
               ("referentieniveau", "refniveau", "beheersingsniveau", "reference level")),
        Column("level_advice", gettext_lazy("level advice (havo, havo/vwo …)"),
               ("niveauadvies", "advies", "toetsadvies", "level advice")),
        Column("ability", gettext_lazy("ability score"),
               ("vaardigheidsscore", "vs", "vaardigheid", "ability score", "ability", "score")),
    ),
}
# A standardised-test file needs at least one of these columns (each row at least one value);
# without any, the niveau column is the one reported missing.
RESULT_FIELDS = ("level", "reference_level", "level_advice", "ability")
# Headers only a grade export has, and headers only a standardised-test export has.
_GRADE_EVIDENCE = {key(h) for h in ("cijfer", "resultaat", "grade", "weging", "weegfactor", "vak",
                                     "vakcode", "vaknaam")}
_STANDARDISED_EVIDENCE = {key(h) for h in ("vaardigheidsscore", "vs", "vaardigheid", "ability",
                                            "domein", "onderdeel", "toetsonderdeel", "niveauwaarde",
                                            "referentieniveau", "beheersingsniveau", "niveauadvies")}
_LEVEL_VALUES = {*CITO_LEVELS, *REFERENCE_KEYS}  # a niveau column holding these is a test's

TARGETS = {
    GRADES: Target(Score, ("student", "subject", "test", "date"),
                   ("grade", "mark", "is_school_exam", "weight", "period"), "cijfers"),
    STANDARDISED: Target(StandardisedResult, ("student", "domain", "test", "date"),
                         ("level", "reference_level", "level_advice", "ability"),
                         "toetsresultaten (LVS)"),
}


def plan_score_columns(header, first_rows=(), *, kind=None, saved=None, columns=None):
    """Which column holds which field in a file with this header (a columns.ColumnPlan).

    `kind` is GRADES, STANDARDISED or None (recognise it from the columns); `saved` is the
    school's saved mapping ({kind: {field: header as written}}), applied before the usual
    spellings; `columns` ({field: index}) is a manual choice, used as given.
    """
    saved = saved or {}
    if kind not in SCORE_COLUMNS:
        kind = _detect_kind([key(h) for h in header], first_rows, saved)
    plan = plan_columns(kind, header, SCORE_COLUMNS[kind], saved=saved.get(kind), chosen=columns)
    if kind == STANDARDISED and not any(f in plan.columns for f in RESULT_FIELDS):
        plan.missing.append(next(c for c in SCORE_COLUMNS[kind] if c.field == "level"))
    return plan


def _detect_kind(keys, first_rows, saved):
    for kind in (STANDARDISED, GRADES):  # a saved mapping whose columns are all there decides
        if saved.get(kind) and all(key(h) in keys for h in saved[kind].values()):
            return kind
    grade_evidence = _GRADE_EVIDENCE.intersection(keys)
    standardised_evidence = _STANDARDISED_EVIDENCE.intersection(keys)
    for index, name in enumerate(keys):  # a niveau column holding I–V, A–E or 1F, not havo or vwo
        if name in ("niveau", "level"):
            values = [cells[index].strip().lower().replace(" ", "") for _row, cells in first_rows
                      if index < len(cells) and cells[index].strip()]
            if values and all(v in _LEVEL_VALUES or key(v) in CITO_LEVELS for v in values):
                standardised_evidence.add(name)
    return STANDARDISED if standardised_evidence and not grade_evidence else GRADES


def saved_score_mapping(school):
    """The school's saved column mapping for score files: {kind: {field: header as written}}."""
    mapping = ColumnMapping.objects.filter(school=school, kind=ImportJob.Kind.SCORES).first()
    return mapping.mapping if mapping else {}


def save_score_mapping(*, school, kind, columns, header, actor):
    """Remember which header holds which field, so the next file of this school maps itself."""
    mapping = saved_score_mapping(school)
    mapping[kind] = {f: header[i] for f, i in columns.items()}
    ColumnMapping.objects.update_or_create(school=school, kind=ImportJob.Kind.SCORES,
                                           defaults={"mapping": mapping, "updated_by": actor})
