"""The flagging rules, one by one, and the promotion norm: what a mentor would check by hand
("wiskunde 4,2 en Engels 5,1 onder 5,5") is what the rules store."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from students.models import (
    Category, Level, PromotionNorm, RiskRules, Score, Severity, Signal, StandardisedResult, Subject,
)
from students.risk.projection import Projection, tekortpunten
from students.risk.projection import project as project_grades
from students.risk.rules import assess, projection_for
from students.risk.settings import DEFAULT_NORM, Norm, RiskSettings, settings_for
from tests.conftest import make_student

pytestmark = pytest.mark.django_db

ON = date(2026, 11, 25)  # a Wednesday in school year 2026-2027
_tests = count(1)


# --- Small factories (imported by the other flagging tests) ------------------------------------

def make_subjects(school):
    """wiskunde, Engels and Nederlands (core), geschiedenis and biologie: of the standard list
    every new school starts with (nothing is made here that a real school would lack)."""
    return {code: Subject.objects.get(school=school, code=code) for code in ("wi", "en", "ne", "gs", "bi")}


def grade(student, subject, value, *, on=ON, days_before=7, weight=1):
    return Score.objects.create(student=student, subject=subject, test=f"toets {next(_tests)}",
                                date=on - timedelta(days=days_before), grade=Decimal(str(value)),
                                weight=Decimal(str(weight)))


def signal(student, weeks_ago, category, severity, *, on=ON):
    monday = on - timedelta(days=on.weekday()) - timedelta(weeks=weeks_ago)
    return Signal.objects.create(student=student, week=monday, category=category, severity=severity)


def cito(student, domain, level, *, days_before, test="Cito", on=ON):
    return StandardisedResult.objects.create(student=student, test=test, domain=domain, level=level,
                                             date=on - timedelta(days=days_before))


def struggling(school, mentor=None, *, subjects, on=ON, days_before=7, **fields):
    """wiskunde 4,2 and Engels 5,1 with three good grades (average 6,1, compensated), but two
    core subjects below 5,5 make a bespreekzone: 2 + 1 points, aandacht."""
    student = make_student(school, mentor, **fields)
    for code, value in (("wi", "4.2"), ("en", "5.1"), ("ne", "7.0"), ("gs", "6.8"), ("bi", "7.5")):
        grade(student, subjects[code], value, on=on, days_before=days_before)
    return student


def assessed(student, on=ON, **kwargs):
    return assess(student.school, on=on, **kwargs)[student.pk]


def reasons(assessment):
    return {r["rule"]: r["text"] for r in assessment.reasons}


@pytest.fixture
def subjects(school_a):
    return make_subjects(school_a)


# --- Insufficient grades -------------------------------------------------------------------------

def test_subjects_below_55_are_named_with_their_average(school_a, mentor_a, subjects):
    student = struggling(school_a, mentor_a, subjects=subjects, leerjaar=2)
    result = assessed(student)
    assert reasons(result)["insufficient"] == "wiskunde 4,2 en Engels 5,1 onder 5,5"
    assert result.reasons[0]["points"] == 2
    assert result.level == 1  # two grades below 5,5, compensated: aandacht


def test_one_insufficient_grade_alone_raises_nothing(school_a, subjects):
    student = make_student(school_a, leerjaar=2)
    grade(student, subjects["wi"], "5.0")
    grade(student, subjects["en"], "6.5")
    result = assessed(student)
    assert reasons(result) == {"insufficient": "wiskunde 5,0 onder 5,5"}
    assert result.level == 0


def test_the_average_is_weighted_and_rounded_half_up_like_a_report(school_a, subjects):
    student = make_student(school_a)
    grade(student, subjects["wi"], "4.0", weight=1)
    grade(student, subjects["wi"], "6.5", weight=2)   # (4,0 + 13,0) / 3 = 5,67 -> 5,7
    grade(student, subjects["en"], "5.4", weight=1)
    grade(student, subjects["en"], "5.5", weight=1)   # 5,45 -> 5,5: not insufficient
    grade(student, subjects["ne"], "5.4", weight="1.5")
    grade(student, subjects["ne"], "5.5", weight="0.5")  # 5,425 -> 5,4
    assert reasons(assessed(student))["insufficient"] == "Nederlands 5,4 onder 5,5"


def test_only_this_school_years_grades_up_to_the_day_count(school_a, subjects):
    student = make_student(school_a)
    grade(student, subjects["wi"], "3.0", days_before=(ON - date(2026, 7, 10)).days)  # last year
    grade(student, subjects["wi"], "3.0", days_before=-3)                            # after ON
    grade(student, subjects["wi"], "7.0")
    assert "insufficient" not in reasons(assessed(student))


# --- The norm and the projection -------------------------------------------------------------

@pytest.mark.parametrize(("value", "points"), [
    ("5.5", 0), ("5.4", 1), ("4.5", 1), ("4.4", 2), ("3.5", 2), ("3.4", 3), ("1.0", 5),
])
def test_tekortpunten_54_counts_one_and_44_counts_two(value, points):
    assert tekortpunten(Decimal(value)) == points


def project(*grades, norm=DEFAULT_NORM):
    core = {"wiskunde", "Engels", "Nederlands"}
    return project_grades([(name, Decimal(g), name in core) for name, g in grades], norm)


def test_one_grade_below_55_is_promoted():
    result = project(("wiskunde", "5.2"), ("Engels", "6.0"), ("geschiedenis", "6.4"))
    assert result.outcome == Projection.PROMOTED
    assert result.rule == "voldoet aan de norm: 1 onvoldoende, 1 tekortpunt"


def test_two_grades_below_55_are_promoted_only_with_compensation():
    compensated = project(("biologie", "5.0"), ("geschiedenis", "5.3"), ("wiskunde", "7.5"),
                          ("Engels", "7.0"), ("Nederlands", "7.2"))
    assert compensated.outcome == Projection.PROMOTED
    assert compensated.rule == ("voldoet aan de norm: 2 onvoldoendes, 2 tekortpunten, "
                                "gecompenseerd (gemiddelde 6,4)")
    not_compensated = project(("biologie", "5.0"), ("geschiedenis", "5.3"), ("wiskunde", "6.0"),
                              ("Engels", "6.2"))
    assert not_compensated.outcome == Projection.DISCUSS
    assert not_compensated.rule == "2 onvoldoendes zonder compensatie (gemiddelde 5,6, nodig 6,0)"


def test_two_core_subjects_below_55_go_to_the_bespreekzone():
    result = project(("wiskunde", "5.2"), ("Engels", "5.4"), ("Nederlands", "8.0"),
                     ("geschiedenis", "7.5"), ("biologie", "7.0"))
    assert result.outcome == Projection.DISCUSS
    assert result.rule == "2 kernvakken onder 5,5: wiskunde 5,2 en Engels 5,4 (norm: hoogstens 1)"


def test_a_grade_below_40_goes_to_the_bespreekzone():
    result = project(("geschiedenis", "3.8"), ("wiskunde", "6.5"), ("Engels", "6.5"))
    assert result.outcome == Projection.DISCUSS
    assert result.rule == "geschiedenis 3,8 onder 4,0"


def test_too_many_tekortpunten_go_to_the_bespreekzone():
    # two grades below 5,5, compensated, but 4,4 and 4,4 make four tekortpunten (max 3)
    result = project(("geschiedenis", "4.4"), ("biologie", "4.4"), ("wiskunde", "8.0"),
                     ("Engels", "8.0"), ("Nederlands", "8.0"))
    assert result.outcome == Projection.DISCUSS
    assert result.tekortpunten == 4
    assert result.rule == "4 tekortpunten (norm: hoogstens 3)"


def test_beyond_the_bespreekzone_is_not_promoted():
    four = project(("wiskunde", "5.0"), ("Engels", "5.2"), ("geschiedenis", "5.3"),
                   ("biologie", "5.4"), ("Nederlands", "8.0"))
    assert four.outcome == Projection.NOT_PROMOTED
    assert four.rule == "4 onvoldoendes (norm: hoogstens 3 om te bespreken)"
    deep = project(("wiskunde", "2.4"), ("Engels", "3.4"), ("Nederlands", "8.0"))
    assert deep.outcome == Projection.NOT_PROMOTED
    assert deep.rule == "7 tekortpunten (norm: hoogstens 4 om te bespreken)"


def test_the_schools_recorded_norm_for_this_year_applies(school_a, subjects):
    student = make_student(school_a, level=Level.HAVO, leerjaar=3)
    grade(student, subjects["wi"], "5.2")
    grade(student, subjects["en"], "7.0")
    assert projection_for(student, on=ON).rule.endswith("(standaardnorm)")
    strict = Norm(max_below_55=0, max_below_55_with_compensation=0)
    PromotionNorm.objects.create(school=school_a, school_year=2025, level=Level.HAVO, leerjaar=3,
                                 rules={**strict.to_values(), "max_below_55_with_compensation": 5})
    PromotionNorm.objects.create(school=school_a, school_year=2026, level=Level.HAVO, leerjaar=3,
                                 rules=strict.to_values())
    projection = projection_for(student, on=ON)
    assert projection.outcome == Projection.DISCUSS
    assert projection.rule == "1 onvoldoende (norm: hoogstens 0 met compensatie)"


def test_the_projection_is_a_reason_of_its_own(school_a, subjects):
    student = make_student(school_a, leerjaar=2)
    for code, value in (("wi", "5.0"), ("en", "5.2"), ("gs", "5.3"), ("ne", "6.0")):
        grade(student, subjects[code], value)
    result = assessed(student)
    assert reasons(result)["norm"] == ("prognose bespreekzone: 3 onvoldoendes "
                                       "(norm: hoogstens 2 met compensatie) (standaardnorm)")
    assert result.projection_code == "bespreekzone"
    assert result.level == 2  # 3 for the grades + 1 for the bespreekzone: hoog


def test_the_exam_year_has_no_projection_unless_a_norm_is_recorded(school_a, subjects):
    student = make_student(school_a, level=Level.HAVO, leerjaar=5)
    grade(student, subjects["wi"], "4.0")
    assert projection_for(student, on=ON) is None
    PromotionNorm.objects.create(school=school_a, school_year=2026, level=Level.HAVO, leerjaar=5,
                                 rules={})
    assert projection_for(student, on=ON).outcome == Projection.PROMOTED


def test_no_grades_no_projection(school_a):
    assert projection_for(make_student(school_a), on=ON) is None


# --- Trend -----------------------------------------------------------------------------------

def test_a_falling_average_over_recent_weeks_is_a_reason(school_a, subjects):
    student = make_student(school_a)
    # the six weeks before the last three: 6,4 on average; the last three weeks: 5,6
    for code, earlier, recent in (("wi", "6.0", "5.2"), ("en", "6.8", "6.0")):
        grade(student, subjects[code], earlier, days_before=40)
        grade(student, subjects[code], recent, days_before=5)
    # graded only in the earlier window: not comparable, left out of both averages
    grade(student, subjects["gs"], "9.0", days_before=40)
    result = assessed(student)
    assert reasons(result)["trend"] == "gemiddelde daalde van 6,4 naar 5,6 in 9 weken"
    assert [r["points"] for r in result.reasons if r["rule"] == "trend"] == [1]


def test_a_small_fall_or_too_few_grades_is_no_trend(school_a, subjects):
    small = make_student(school_a)
    for code, earlier, recent in (("wi", "6.0", "5.4"), ("en", "6.8", "6.0")):  # 6,4 -> 5,7
        grade(small, subjects[code], earlier, days_before=40)
        grade(small, subjects[code], recent, days_before=5)
    few = make_student(school_a)
    grade(few, subjects["wi"], "8.0", days_before=40)
    grade(few, subjects["wi"], "4.0", days_before=5)
    assert "trend" not in reasons(assessed(small))
    assert "trend" not in reasons(assessed(few))


# --- Cito --------------------------------------------------------------------------------------

def test_a_drop_of_a_cito_level_is_a_reason(school_a):
    student = make_student(school_a)
    cito(student, "rekenen", 1, days_before=700, test="Cito 0")
    cito(student, "rekenen", 2, days_before=300, test="Cito 1")
    cito(student, "rekenen", 4, days_before=20, test="Cito 2")
    cito(student, "lezen", 3, days_before=300, test="Cito 1")
    cito(student, "lezen", 2, days_before=20, test="Cito 2")  # better: no reason
    result = assessed(student)
    assert reasons(result)["cito"] == "rekenen (Cito 2) van niveau II naar IV"


def test_an_old_or_later_cito_result_does_not_count(school_a):
    old = make_student(school_a)
    cito(old, "rekenen", 1, days_before=800)
    cito(old, "rekenen", 3, days_before=400)  # latest, but more than a year old
    later = make_student(school_a)
    cito(later, "rekenen", 1, days_before=100)
    cito(later, "rekenen", 3, days_before=-10)  # after the day the rules look at
    assert "cito" not in reasons(assessed(old))
    assert "cito" not in reasons(assessed(later))


# --- Signals and absence ---------------------------------------------------------------------

def test_repeated_concern_signals_in_four_weeks_are_a_reason(school_a):
    student = make_student(school_a)
    signal(student, 0, Category.MOTIVATION, Severity.CONCERN)
    signal(student, 2, Category.MOTIVATION, Severity.URGENT)
    signal(student, 3, Category.WELLBEING, Severity.CONCERN)
    signal(student, 4, Category.WELLBEING, Severity.URGENT)      # five weeks ago: too old
    signal(student, 1, Category.STUDY_SKILLS, Severity.ATTENTION)  # only attention
    result = assessed(student)
    assert reasons(result)["signals"] == ("3 zorgsignalen in 4 weken: motivatie (2×), welbevinden;"
                                          " 1 daarvan urgent")
    assert result.level == 1


def test_one_concern_signal_is_not_repeated(school_a):
    student = make_student(school_a)
    signal(student, 0, Category.MOTIVATION, Severity.CONCERN)
    assert "signals" not in reasons(assessed(student))


def test_attendance_signals_count_as_absence_not_as_concern_signals(school_a):
    student = make_student(school_a)
    signal(student, 0, Category.ATTENDANCE, Severity.CONCERN)
    signal(student, 1, Category.ATTENDANCE, Severity.URGENT)
    result = assessed(student)
    assert reasons(result) == {"absence": "verzuim: 2 zorgsignalen over aanwezigheid in 4 weken"}
    assert result.level == 0  # one point


# --- Pre-exam year and levels --------------------------------------------------------------------

@pytest.mark.parametrize(("level", "leerjaar", "expected"), [
    (Level.HAVO, 3, 1), (Level.HAVO, 4, 2), (Level.VWO, 5, 2), (Level.VWO, 4, 1),
    (Level.VMBO_GT, 3, 2), (Level.VMBO_BB, 2, 1),
])
def test_the_pre_exam_year_weighs_more(school_a, subjects, level, leerjaar, expected):
    student = make_student(school_a, level=level, leerjaar=leerjaar)
    for code, value in (("wi", "5.0"), ("en", "5.2"), ("gs", "6.0")):  # 2 + 1 = 3 points
        grade(student, subjects[code], value)
    result = assessed(student)
    assert result.level == expected
    if expected == 2:
        assert reasons(result)["pre_exam"].startswith("voorexamenjaar (")
        assert reasons(result)["pre_exam"].endswith(": punten × 1,5")
        assert result.points == Decimal("4.5")


def test_a_school_tunes_the_points_and_the_levels(school_a, mentor_a, subjects):
    student = struggling(school_a, mentor_a, subjects=subjects, leerjaar=2)
    assert assessed(student).level == 1
    RiskRules.objects.create(school=school_a, values={"points_per_insufficient": "1,5",
                                                      "attention_points": 3, "high_points": 4})
    assert assessed(student).level == 2  # 2 × 1,5 + 1 for the bespreekzone = 4
    RiskRules.objects.filter(school=school_a).update(values={"points_per_insufficient": 0})
    result = assessed(student)
    assert result.level == 0 and set(reasons(result)) == {"norm"}


# --- Settings validation ---------------------------------------------------------------------

def test_defaults_round_trip_through_stored_values():
    assert RiskSettings.from_values({}) == RiskSettings()
    assert RiskSettings.from_values(RiskSettings().to_values()) == RiskSettings()
    assert Norm.from_values(Norm().to_values()) == Norm()


def test_settings_accept_dutch_decimals():
    settings = RiskSettings.from_values({"trend_min_drop": "0,6", "pre_exam_factor": "1,25"})
    assert settings.trend_min_drop == Decimal("0.6")
    assert settings.pre_exam_factor == Decimal("1.25")


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"trend_min_drop": "veel"}, "trend_min_drop", ["Trend: fall of the average", "veel"]),
    ({"trend_min_drop": "9"}, "trend_min_drop", ["between", "9"]),
    ({"signal_weeks": "2,5"}, "signal_weeks", ["whole number", "2.5"]),
    ({"points_cito": "0,25"}, "points_cito", ["at most 1 decimal"]),
    ({"attention_points": 4, "high_points": 4}, "high_points", ["Points for 'high'", "4"]),
    ({"colour": "blue"}, "colour", ["colour", "not a known setting"]),
])
def test_invalid_settings_say_which_field_and_why(values, field, words):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        RiskSettings.from_values(values)
    assert list(raised.value.message_dict) == [field]
    message = raised.value.message_dict[field][0]
    assert all(word in message for word in words), message


def test_a_norm_allowing_fewer_with_compensation_than_without_is_refused():
    with pytest.raises(ValidationError) as raised:
        Norm.from_values({"max_below_55": 2, "max_below_55_with_compensation": 1})
    assert list(raised.value.message_dict) == ["max_below_55_with_compensation"]


def test_invalid_stored_rules_fall_back_to_the_defaults(school_a, caplog):
    RiskRules.objects.create(school=school_a, values={"high_points": "lots"})
    assert settings_for(school_a) == RiskSettings()
    assert "invalid" in caplog.text
