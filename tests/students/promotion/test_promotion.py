"""Promotion as a process: the mentor gives an advice in January and at the end of the year,
discussed with the student and the parents; the school leader records the team's final
decision once; a doubleren or afstromen that nobody announced, or that no intervention plan
preceded, shows up for the school leader; the retention rate comes from the decisions."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from interventions.models import InterventionPlan
from portal.models import AuditEntry, Membership, Role
from portal.schoolyear import SchoolYear
from students import promotion
from students.models import AdviceMoment, Level, PromotionDecision, is_pre_exam_year
from tests.conftest import make_student

pytestmark = pytest.mark.django_db

YEAR = SchoolYear(2026)  # 1 August 2026 – 31 July 2027
JANUARY = date(2027, 1, 20)
JUNE = date(2027, 6, 25)
REASONS = "Wiskunde en Frans onder de 5; plan voor wiskunde loopt."
Decision = PromotionDecision.Decision
Moment = AdviceMoment.Moment


@pytest.fixture
def clock(clock):
    """The story's school year is 2026-2027: the whole clock stands at the end of June 2027;
    a test moves it with `clock.move_to(day)`."""
    clock.move_to(JUNE)
    return clock


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def advice_a(student_a, mentor_a):
    """student_a's January advice of school year 2026-2027: repeat the year."""
    return AdviceMoment.objects.create(
        student=student_a, school_year=2026, moment=Moment.JANUARY, given_on=JANUARY,
        prognosis=Decision.REPEAT, reasons=REASONS, given_by=mentor_a,
        conversation="Met Sanne en haar vader besproken; extra hulp bij wiskunde afgesproken.",
    )


def advise(actor, student, **changes):
    data = {"actor": actor, "student": student, "school_year": YEAR, "moment": Moment.JANUARY,
            "given_on": JANUARY, "prognosis": Decision.REPEAT, "reasons": REASONS}
    data.update(changes)
    return promotion.record_advice(**data)


def decide(actor, student, **changes):
    data = {"actor": actor, "student": student, "school_year": YEAR, "decision": Decision.PROMOTED,
            "decided_on": JUNE}
    data.update(changes)
    return promotion.record_decision(**data)


def plan(student, started_on):
    return InterventionPlan.objects.create(student=student, title="Bijles wiskunde", need="wiskunde",
                                           goal="wiskunde 5,5", started_on=started_on)


def decision_row(student, decision, *, year=2026, on=JUNE, justification="besproken in het team"):
    return PromotionDecision.objects.create(student=student, school_year=year, decision=decision,
                                            decided_on=on, justification=justification)


# --- Advice moments --------------------------------------------------------------------------

def test_the_mentor_records_the_january_advice(mentor_a, student_a):
    advice = advise(mentor_a, student_a, conversation="Met Sanne en haar vader besproken.")
    advice.refresh_from_db()
    assert (advice.school_year, advice.moment, advice.prognosis) == (2026, "januari", "doubleren")
    assert advice.given_by == mentor_a and advice.reasons == REASONS
    assert advice.conversation == "Met Sanne en haar vader besproken."
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.summary == (f"januari-advies 2026-2027 leerling {student_a.student_number} "
                             f"(20-01-2027): doubleren")
    assert entry.user == mentor_a and entry.school == student_a.school
    assert "Sanne" not in entry.summary and "Visser" not in entry.summary and "Wiskunde" not in entry.summary


def test_the_school_leader_may_advise_too(leader_a, student_a):
    assert advise(leader_a, student_a).given_by == leader_a


@pytest.mark.parametrize("persona", ["other_mentor_a", "teacher_a", "mentor_b", "leader_b", "inspector"])
def test_nobody_else_may_advise(persona, request, student_a):
    with pytest.raises(PermissionDenied):
        advise(request.getfixturevalue(persona), student_a)
    assert not AdviceMoment.objects.exists()


def test_one_january_and_one_end_of_year_advice_but_any_number_of_interim_ones(mentor_a, student_a):
    advise(mentor_a, student_a)
    with pytest.raises(ValidationError) as error:
        advise(mentor_a, student_a, given_on=date(2027, 1, 27))
    assert "moment" in error.value.message_dict
    advise(mentor_a, student_a, moment=Moment.END, given_on=date(2027, 6, 1))
    with pytest.raises(ValidationError):
        advise(mentor_a, student_a, moment=Moment.END, given_on=date(2027, 6, 2))
    advise(mentor_a, student_a, moment=Moment.OTHER, given_on=date(2026, 11, 10))
    advise(mentor_a, student_a, moment=Moment.OTHER, given_on=date(2027, 3, 10))
    assert list(student_a.advice_moments.values_list("moment", flat=True)) == [
        "overig", "januari", "overig", "eind"]  # ordered by date
    # Next school year has its own January advice.
    advise(mentor_a, student_a, school_year=2027, given_on=date(2028, 1, 19))


def test_the_database_refuses_a_second_january_advice(advice_a, student_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        AdviceMoment.objects.create(student=student_a, school_year=2026, moment=Moment.JANUARY,
                                    given_on=date(2027, 1, 21), prognosis=Decision.PROMOTED,
                                    reasons="nogmaals")
    AdviceMoment.objects.create(student=student_a, school_year=2026, moment=Moment.OTHER,
                                given_on=date(2027, 1, 21), prognosis=Decision.PROMOTED,
                                reasons="tussendoor")


@pytest.mark.parametrize("given_on, ok", [
    (date(2026, 7, 31), False), (date(2026, 8, 1), True), (date(2027, 7, 31), True),
    (date(2027, 8, 1), False),
])
def test_the_advice_date_lies_in_the_school_year(mentor_a, student_a, given_on, ok):
    if ok:
        assert advise(mentor_a, student_a, moment=Moment.OTHER, given_on=given_on).pk
    else:
        with pytest.raises(ValidationError) as error:
            advise(mentor_a, student_a, moment=Moment.OTHER, given_on=given_on)
        assert "given_on" in error.value.message_dict
        assert not AdviceMoment.objects.exists()


def test_an_advice_needs_reasons_and_a_known_prognosis(mentor_a, student_a):
    with pytest.raises(ValidationError) as error:
        advise(mentor_a, student_a, reasons="   ", prognosis="zakken")
    assert set(error.value.message_dict) == {"reasons", "prognosis"}


# --- The final decision ----------------------------------------------------------------------

def test_the_school_leader_records_the_decision_once(leader_a, student_a):
    decision = decide(leader_a, student_a, decision=Decision.CONDITIONAL)
    assert decision.decided_by == leader_a and decision.school_year == 2026
    with pytest.raises(ValidationError) as error, translation.override("en"):
        decide(leader_a, student_a, decision=Decision.REPEAT, justification="toch niet")
    assert "already been recorded" in " ".join(error.value.messages)
    assert PromotionDecision.objects.get().decision == Decision.CONDITIONAL
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.summary == (f"bevorderingsbesluit 2026-2027 leerling {student_a.student_number} "
                             f"(25-06-2027): voorwaardelijk")


def test_the_next_school_year_gets_its_own_decision(leader_a, student_a):
    decide(leader_a, student_a)
    decide(leader_a, student_a, school_year=2027, decided_on=date(2028, 6, 30))
    assert PromotionDecision.objects.count() == 2


@pytest.mark.parametrize("persona", ["mentor_a", "other_mentor_a", "teacher_a", "leader_b", "inspector"])
def test_only_the_schools_leaders_record_the_decision(persona, request, student_a):
    with pytest.raises(PermissionDenied):
        decide(request.getfixturevalue(persona), student_a)
    assert not PromotionDecision.objects.exists()


def test_repeating_the_year_needs_a_justification(leader_a, student_a, student_b, leader_b):
    with pytest.raises(ValidationError) as error:
        decide(leader_a, student_a, decision=Decision.REPEAT, justification="  ")
    assert "justification" in error.value.message_dict
    assert not PromotionDecision.objects.exists()
    decide(leader_a, student_a, decision=Decision.REPEAT, justification="Langdurig ziek geweest.")
    # Other decisions need none.
    assert decide(leader_b, student_b, decision=Decision.DOWN).justification == ""


def test_the_decision_date_lies_in_the_school_year(leader_a, student_a):
    with pytest.raises(ValidationError) as error:
        decide(leader_a, student_a, decided_on=date(2027, 8, 3))
    assert "decided_on" in error.value.message_dict


# --- Warnings: no surprises in June ----------------------------------------------------------

@pytest.fixture
def june(school_a, mentor_a, school_b, mentor_b):
    """Final decisions of 2026-2027 at both schools, each with its own story."""
    s = {name: make_student(school_a, mentor_a, given_name=name, family_name="Jansen")
         for name in ("announced", "nothing", "other_prognosis", "same_day", "last_years_advice",
                      "last_years_plan", "promoted", "down_announced", "last_year")}

    def advice(student, prognosis, given_on, year=2026, moment=Moment.OTHER):
        AdviceMoment.objects.create(student=student, school_year=year, moment=moment,
                                    given_on=given_on, prognosis=prognosis, reasons="r")

    advice(s["announced"], Decision.REPEAT, JANUARY, moment=Moment.JANUARY)
    plan(s["announced"], date(2026, 10, 1))
    decision_row(s["announced"], Decision.REPEAT)

    decision_row(s["nothing"], Decision.REPEAT)  # no advice, no plan

    advice(s["other_prognosis"], Decision.REPEAT, JANUARY)  # said doubleren, became afstromen
    plan(s["other_prognosis"], date(2027, 2, 1))
    decision_row(s["other_prognosis"], Decision.DOWN)

    advice(s["same_day"], Decision.REPEAT, JUNE)  # not earlier than the decision
    plan(s["same_day"], date(2026, 8, 1))
    decision_row(s["same_day"], Decision.REPEAT)

    advice(s["last_years_advice"], Decision.REPEAT, date(2026, 6, 1), year=2025)
    plan(s["last_years_advice"], date(2027, 7, 31))
    decision_row(s["last_years_advice"], Decision.REPEAT)

    advice(s["last_years_plan"], Decision.REPEAT, JANUARY)
    plan(s["last_years_plan"], date(2026, 7, 31))  # the day before the school year began
    decision_row(s["last_years_plan"], Decision.REPEAT)

    decision_row(s["promoted"], Decision.PROMOTED)  # no advice, no plan, but no warning either

    advice(s["down_announced"], Decision.DOWN, date(2027, 3, 1))
    plan(s["down_announced"], date(2026, 11, 1))
    decision_row(s["down_announced"], Decision.DOWN)

    decision_row(s["last_year"], Decision.REPEAT, year=2025, on=date(2026, 6, 20))

    s["school_b"] = make_student(school_b, mentor_b, given_name="elsewhere", family_name="Jansen")
    decision_row(s["school_b"], Decision.REPEAT)
    return s


def warnings_of(user, year=YEAR):
    with translation.override("en"):
        return {row.student.given_name: row.warnings for row in promotion.surprises(user, year)}


def test_the_leader_sees_each_unannounced_or_unprepared_decision_and_why(leader_a, june):
    assert warnings_of(leader_a) == {
        "nothing": ["no earlier advice said “repeats the year”", "no intervention plan this school year"],
        "other_prognosis": ["no earlier advice said “moves down a level”"],
        "same_day": ["no earlier advice said “repeats the year”"],
        "last_years_advice": ["no earlier advice said “repeats the year”"],
        "last_years_plan": ["no intervention plan this school year"],
    }


def test_the_warnings_are_the_leaders_own_school_and_year(leader_a, leader_b, mentor_a, june):
    assert set(warnings_of(leader_b)) == {"elsewhere"}
    assert warnings_of(leader_a, SchoolYear(2025)) == {
        "last_year": ["no earlier advice said “repeats the year”", "no intervention plan this school year"]}
    assert warnings_of(mentor_a) == {}


def test_the_warnings_take_one_query(leader_a, june, django_assert_max_num_queries):
    leader_a._membership_cache = list(Membership.objects.filter(user=leader_a))
    with django_assert_max_num_queries(1):
        rows = promotion.surprises(leader_a, YEAR)
        assert [row.student.school.brin for row in rows] == ["12AB"] * 5


# --- Retention rate --------------------------------------------------------------------------

@pytest.fixture
def decisions(school_a, school_b):
    """school A: havo 3 (3 decided, none repeat), havo 4 (4 decided, 1 repeats, 1 moves down,
    1 without a decision), vwo 5 (3 decided, 2 repeat), vmbo-kb 3 (1 decided, repeats);
    school B: havo 4 (2 decided, none repeat). Plus a decision of the year before."""

    def students(school, level, leerjaar, *outcomes):
        made = []
        for outcome in outcomes:
            student = make_student(school, level=level, leerjaar=leerjaar)
            if outcome:
                decision_row(student, outcome)
            made.append(student)
        return made

    P, R, D = Decision.PROMOTED, Decision.REPEAT, Decision.DOWN
    students(school_a, Level.HAVO, 3, P, P, Decision.CONDITIONAL)
    students(school_a, Level.HAVO, 4, R, D, P, P, None)
    students(school_a, Level.VWO, 5, R, R, P)
    students(school_a, Level.VMBO_KB, 3, R)
    students(school_b, Level.HAVO, 4, P, Decision.UP)
    old = make_student(school_a, level=Level.HAVO, leerjaar=4)
    decision_row(old, R, year=2025, on=date(2026, 6, 20))


def test_the_retention_rate_per_school_level_and_leerjaar(school_a, school_b, decisions):
    retention = promotion.retention_rate([school_a, school_b], YEAR)
    rows = [(r.school.brin, r.level, r.leerjaar, r.decided, r.repeated, r.rate, r.percent, r.pre_exam)
            for r in retention.rows]
    assert rows == [
        ("12AB", "vmbo_kb", 3, 1, 1, Decimal("1.0000"), Decimal("100.0"), True),
        ("12AB", "havo", 3, 3, 0, Decimal("0.0000"), Decimal("0.0"), False),
        ("12AB", "havo", 4, 4, 1, Decimal("0.2500"), Decimal("25.0"), True),
        ("12AB", "vwo", 5, 3, 2, Decimal("0.6667"), Decimal("66.7"), True),
        ("34CD", "havo", 4, 2, 0, Decimal("0.0000"), Decimal("0.0"), True),
    ]
    totals = [(t.school.brin, t.decided, t.repeated, t.percent) for t in retention.school_totals]
    assert totals == [("12AB", 11, 4, Decimal("36.4")), ("34CD", 2, 0, Decimal("0.0"))]
    assert (retention.total.decided, retention.total.repeated) == (13, 4)
    assert retention.total.rate == Decimal("0.3077")


def test_a_year_without_decisions_has_no_rate(school_a, decisions):
    retention = promotion.retention_rate([school_a], SchoolYear(2024))
    assert retention.rows == [] and retention.total.decided == 0 and retention.total.rate is None


def test_the_retention_rate_takes_one_query(school_a, school_b, decisions, django_assert_num_queries):
    with django_assert_num_queries(1):
        promotion.retention_rate([school_a, school_b], YEAR)


@pytest.mark.parametrize("level, leerjaar, expected", [
    (Level.VMBO_BB, 3, True), (Level.VMBO_GT, 3, True), (Level.VMBO_GT, 4, False),
    (Level.HAVO, 4, True), (Level.HAVO, 5, False), (Level.VWO, 5, True), (Level.VWO, 4, False),
    (Level.PRO, 3, False),
])
def test_the_pre_exam_years(level, leerjaar, expected):
    assert is_pre_exam_year(level, leerjaar) is expected


# --- Pages: advice ---------------------------------------------------------------------------
# Who may open or post to the promotion pages is proven by the matrix in
# tests/portal/test_permissions.py.

def advice_url(student):
    return reverse("promotion:advice_create", args=[student.pk])


def decision_url(student):
    return reverse("promotion:decision", args=[student.pk])


def advice_form(**changes):
    data = {"moment": "januari", "given_on": "2027-01-20", "prognosis": "afstromen",
            "reasons": "Havo is te zwaar; vmbo-tl past beter.",
            "conversation": "Besproken met Sanne en haar ouders."}
    data.update(changes)
    return data


def test_the_mentor_records_an_advice_on_the_page(client, clock, mentor_a, student_a):
    clock.move_to(date(2027, 1, 21))
    client.force_login(mentor_a)
    page = client.get(advice_url(student_a))
    assert page.status_code == 200
    assert page.context["form"].initial == {"given_on": date(2027, 1, 21), "moment": "januari"}
    response = client.post(advice_url(student_a), advice_form())
    assert response.status_code == 302 and response["Location"] == student_a.get_absolute_url()
    advice = AdviceMoment.objects.get()
    assert (advice.student, advice.school_year, advice.prognosis) == (student_a, 2026, "afstromen")
    assert advice.conversation == "Besproken met Sanne en haar ouders." and advice.given_by == mentor_a


def test_the_advice_page_shows_mistakes_next_to_the_field(client, clock, mentor_a, student_a, advice_a):
    clock.move_to(date(2027, 1, 21))
    client.force_login(mentor_a)
    response = client.post(advice_url(student_a), advice_form(given_on="2027-08-02", reasons=""))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"given_on", "reasons"}
    response = client.post(advice_url(student_a), advice_form())  # a second January advice
    assert "moment" in response.context["form"].errors
    assert AdviceMoment.objects.count() == 1


def test_the_advice_page_shows_this_years_advice(english, clock, leader_a, student_a, advice_a):
    clock.move_to(date(2027, 3, 1))
    english.force_login(leader_a)
    page = english.get(advice_url(student_a)).content.decode()
    assert REASONS in page and "repeats the year" in page and "Linda Post" in page


# --- Pages: the final decision ---------------------------------------------------------------

def test_the_leader_records_the_decision_beside_the_advice_history(english, clock, leader_a,
                                                                     student_a, advice_a):
    english.force_login(leader_a)
    page = english.get(decision_url(student_a))
    assert page.status_code == 200
    assert REASONS in page.content.decode()  # the January advice, beside the form
    response = english.post(decision_url(student_a), {
        "decision": "doubleren", "decided_on": "2027-06-25",
        "justification": "Lang ziek geweest; achterstand in vijf vakken."})
    assert response.status_code == 302 and response["Location"] == student_a.get_absolute_url()
    decision = PromotionDecision.objects.get()
    assert (decision.decision, decision.decided_on, decision.decided_by) == ("doubleren", JUNE, leader_a)

    again = english.post(decision_url(student_a), {"decision": "bevorderd", "decided_on": "2027-06-26"})
    assert again.status_code == 200
    assert "has already been recorded" in again.content.decode()
    assert PromotionDecision.objects.get().decision == "doubleren"


def test_repeating_without_justification_is_refused_on_the_page(client, clock, leader_a, student_a):
    client.force_login(leader_a)
    response = client.post(decision_url(student_a), {"decision": "doubleren", "decided_on": "2027-06-25"})
    assert response.status_code == 200
    assert "justification" in response.context["form"].errors
    assert not PromotionDecision.objects.exists()


# --- The student page's partial --------------------------------------------------------------

def test_promotion_context_is_what_the_partial_needs(mentor_a, leader_a, student_a, advice_a):
    AdviceMoment.objects.create(student=student_a, school_year=2025, moment=Moment.END,
                                given_on=date(2026, 6, 30), prognosis=Decision.CONDITIONAL,
                                reasons="vorig jaar")
    context = promotion.promotion_context(mentor_a, student_a, date(2027, 2, 1))
    assert set(context) == {"student", "advice", "decision", "can_advise", "can_decide"}
    assert context["advice"] == [advice_a] and context["decision"] is None
    assert (context["can_advise"], context["can_decide"]) == (True, False)
    leader = promotion.promotion_context(leader_a, student_a, date(2027, 2, 1))
    assert (leader["can_advise"], leader["can_decide"]) == (True, True)


def render_partial(user, student, today):
    with translation.override("en"):
        return render_to_string("students/_promotion.html",
                                promotion.promotion_context(user, student, today))


def test_the_partial_shows_the_advice_and_the_links_the_user_may_follow(
        mentor_a, leader_a, other_mentor_a, student_a, advice_a):
    mentor = render_partial(mentor_a, student_a, date(2027, 2, 1))
    assert "January advice" in mentor and REASONS in mentor and "extra hulp bij wiskunde" in mentor
    assert advice_url(student_a) in mentor and decision_url(student_a) not in mentor
    assert "Not recorded yet." in mentor
    assert decision_url(student_a) in render_partial(leader_a, student_a, date(2027, 2, 1))
    colleague = render_partial(other_mentor_a, student_a, date(2027, 2, 1))
    assert REASONS in colleague and advice_url(student_a) not in colleague


def test_the_partial_shows_the_decision(leader_a, student_a, advice_a):
    decide(leader_a, student_a, decision=Decision.REPEAT, justification="Lang ziek geweest.")
    page = render_partial(leader_a, student_a, date(2027, 7, 1))
    assert "repeats the year" in page and "Lang ziek geweest." in page and "Marieke Hoekstra" in page
    assert decision_url(student_a) not in page
    # A new school year starts empty.
    assert "No advice recorded this school year." in render_partial(leader_a, student_a, date(2027, 8, 1))


# --- Pages: the school leader's overview -----------------------------------------------------

OVERVIEW = reverse("promotion:overview")


def test_the_overview_shows_warnings_counts_and_the_retention_rate(english, clock, leader_a, june):
    english.force_login(leader_a)
    response = english.get(OVERVIEW)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["school_year"] == YEAR
    assert {row.student.given_name for row in response.context["surprises"]} == {
        "nothing", "other_prognosis", "same_day", "last_years_advice", "last_years_plan"}
    assert "no intervention plan this school year" in page and "Jansen, nothing" in page
    assert "elsewhere" not in page  # school B's student
    repeat = next(r for r in response.context["counts"] if r["prognosis"] == "doubleren")
    assert repeat["advice"] == [1, 0, 3] and repeat["decisions"] == 5  # januari, eind, overig
    assert response.context["totals"] == {"advice": [1, 0, 4], "decisions": 8}
    retention = response.context["retention"]
    assert [(r.level, r.leerjaar, r.decided, r.repeated) for r in retention.rows] == [
        ("havo", 3, 8, 5)]
    assert "62.5 %" in page
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LIST)
    assert entry.summary == "bevorderingsoverzicht 2026-2027: 5 leerlingen met een waarschuwing"


def test_the_overview_of_an_earlier_year(english, clock, leader_a, june):
    english.force_login(leader_a)
    response = english.get(OVERVIEW, {"jaar": "2025-2026"})
    assert response.context["school_year"] == SchoolYear(2025)
    assert [row.student.given_name for row in response.context["surprises"]] == ["last_year"]
    assert english.get(OVERVIEW, {"jaar": "2030-2031"}).context["school_year"] == YEAR


def test_a_leader_of_two_schools_picks_one(client, clock, leader_a, school_b, june):
    Membership.objects.create(user=leader_a, school=school_b, role=Role.LEADER)
    client.force_login(leader_a)
    assert client.get(OVERVIEW).context["school"].brin == "34CD"  # De Linde sorts first
    response = client.get(OVERVIEW, {"school": "12ab"})
    assert response.context["school"].brin == "12AB"
    assert len(response.context["surprises"]) == 5


def test_the_overview_runs_a_constant_number_of_queries(client, clock, leader_a, school_a, mentor_a,
                                                        django_assert_max_num_queries):
    for i in range(36):
        student = make_student(school_a, mentor_a, level=[Level.HAVO, Level.VWO, Level.VMBO_GT][i % 3],
                               leerjaar=3 + i % 2, given_name=f"Leerling{i}")
        AdviceMoment.objects.create(student=student, school_year=2026, moment=Moment.JANUARY,
                                    given_on=JANUARY, prognosis=Decision.DOWN, reasons="r")
        if i % 4:
            plan(student, date(2026, 10, 1))
        decision_row(student, [Decision.REPEAT, Decision.DOWN, Decision.PROMOTED][i % 3])
    client.force_login(leader_a)
    with django_assert_max_num_queries(12):
        response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert len(response.context["surprises"]) == 12 + 3  # every doubleren; afstromen without a plan
    assert sum(r.decided for r in response.context["retention"].rows) == 36
