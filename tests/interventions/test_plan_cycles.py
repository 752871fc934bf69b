"""Student intervention plans in six-week cycles: suggestions from the menukaart, starting a plan
from a flag, evaluations with the limit on improvement cycles, group interventions and the
reminders of overdue evaluations."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from interventions import selectors, services, tasks
from interventions.models import (
    GroupIntervention, Intervention, InterventionPlan, PlanEvaluation, PlanSettings,
)
from interventions.reminders import remind_overdue_evaluations
from portal.models import MailFrequency
from students.models import Flag, FlagEvent, Notification, RiskLevel, Score, Subject
from tests.conftest import make_student, make_user

pytestmark = pytest.mark.django_db

SIX_WEEKS = timedelta(weeks=6)


# --- Small factories --------------------------------------------------------------------------

def entry(key, *, needs="cognitive", sector="vo", payable=True, evidence=None, cost=None, effect=None,
          category="B", school=None):
    return Intervention.objects.create(
        key=key, name_nl=key.capitalize(), school=school, needs=needs, sector=sector, category=category,
        payable_from_npo=payable, evidence_level=evidence, cost_level=cost, effect_months=effect)


def make_plan(student, **fields):
    defaults = {"title": "Bijles wiskunde", "need": "wiskunde onvoldoende", "goal": "wiskunde ≥ 5,5",
                "started_on": date(2026, 9, 1), "next_evaluation_on": date(2026, 9, 1) + SIX_WEEKS}
    defaults.update(fields)
    return InterventionPlan.objects.create(student=student, **defaults)


def evaluate(client, plan, **data):
    data = {"evaluated_on": "2026-10-14", "goal_result": "not_met", "decision": "continue", "notes": "",
            **data}
    return client.post(reverse("interventions:plan_evaluate", args=[plan.pk]), data)


@pytest.fixture
def group_a(school_a, leader_a):
    """A summer school of school A, coordinated by its school leader."""
    return GroupIntervention.objects.create(
        school=school_a, name="Zomerschool 2027", goal="tekortvak naar voldoende",
        starts_on=date(2026, 9, 7), coordinator=leader_a, created_by=leader_a)


@pytest.fixture
def wiskunde(school_a):
    return Subject.objects.get(school=school_a, code="wi")


# --- Suggestions ------------------------------------------------------------------------------

def test_suggestions_rank_by_needs_then_vo_payable_evidence_cost_and_effect(student_a):
    Intervention.objects.all().delete()  # a small menukaart of our own
    two_needs = entry("rekenles", needs="cognitive,numeracy", evidence=3, cost=2, effect=4)
    best_effect = entry("tutoring", evidence=3, cost=1, effect=5)
    less_effect = entry("feedback", evidence=3, cost=1, effect=3)
    not_payable = entry("peer", payable=False, evidence=5, cost=1, effect=6)
    both_sectors = entry("huiswerk", sector="both", evidence=4, cost=1, effect=5)
    entry("zittenblijven", category="X", sector="both", payable=False, evidence=2, cost=5, effect=-3)
    entry("kleuters", sector="po", evidence=5, cost=1, effect=8)
    entry("mentoring", needs="motivation", evidence=5, cost=1, effect=2)
    practice = entry("bijlesuur")  # a vo form of the po/vo type: ranked by the type's figures
    practice.based_on = both_sectors
    practice.save()

    suggestions = selectors.suggest_interventions(student_a, ["cognitive", "numeracy"], limit=10)

    assert [s.intervention for s in suggestions] == [two_needs, practice, best_effect, less_effect,
                                                     not_payable, both_sectors]
    assert suggestions[0].matched == ["cognitive", "numeracy"]
    why = suggestions[-1].why
    assert "4/5" in why and "1/5" in why and "+5" in why  # evidence 4/5; cost 1/5; effect +5
    assert "Huiswerk" in suggestions[1].why  # the figures of its type
    assert len(selectors.suggest_interventions(student_a, ["cognitive"], limit=2)) == 2


def test_without_needs_every_vo_entry_is_ranked_but_zittenblijven_never_is(student_a, school_a):
    Intervention.objects.all().delete()
    local = entry("eigen-huiswerkklas", school=school_a, evidence=2, cost=1)
    entry("zittenblijven", category="X", sector="both", payable=False, evidence=2, cost=5, effect=-3)
    national = entry("tutoring", evidence=4, cost=2, effect=5)
    assert [s.intervention for s in selectors.suggest_interventions(student_a, [])] == [national, local]


def test_the_real_menukaart_never_suggests_zittenblijven(student_a):
    for needs in ([], ["cognitive"], ["cognitive", "numeracy"], ["motivation"]):
        keys = [s.intervention.key for s in selectors.suggest_interventions(student_a, needs, limit=100)]
        assert keys and "zittenblijven" not in keys


@pytest.mark.parametrize("reasons, needs", [
    ([{"rule": "insufficient", "text": "wiskunde 4,2 en Engels 5,1 onder 5,5"}], ["cognitive", "numeracy"]),
    ([{"rule": "cito", "text": "begrijpend lezen (Cito 3) van niveau II naar IV"}], ["cognitive", "language"]),
    ([{"rule": "signals", "text": "3 zorgsignalen in 4 weken: motivatie (2×), thuissituatie"},
      {"rule": "absence", "text": "verzuim: 2 zorgsignalen over aanwezigheid in 4 weken"}],
     ["motivation", "wellbeing", "attendance"]),
    ([{"rule": "norm", "text": "prognose bespreekzone"}, {"rule": "pre_exam", "text": "voorexamenjaar"}],
     ["cognitive"]),
])
def test_a_flags_reasons_map_to_menukaart_needs(reasons, needs):
    assert selectors.needs_from_reasons(reasons) == needs


# --- Starting a plan from a flag --------------------------------------------------------------

def test_a_mentor_starts_a_plan_from_the_flag_with_the_need_and_goal_filled_in(
        client, mentor_a, student_a, flag_a, wiskunde):
    client.force_login(mentor_a)
    url = reverse("interventions:plan_create", args=[student_a.pk]) + f"?flag={flag_a.pk}"
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["need"] == "wiskunde 4,2 en Engels 5,1 onder 5,5"
    assert form.initial["goal_subject"] == wiskunde and form.initial["goal_grade"] == "5,5"
    assert response.context["needs"] == ["cognitive", "numeracy"]
    top = next(iter(form.suggestions.values()))
    assert top.intervention == selectors.suggest_interventions(student_a, ["cognitive", "numeracy"])[0].intervention
    assert "zittenblijven" not in [s.intervention.key for s in form.suggestions.values()]

    response = client.post(url, {
        "suggestion": top.intervention.pk, "title": "", "need": form.initial["need"],
        "goal": "wiskunde ≥ 5,5", "goal_subject": wiskunde.pk, "goal_grade": "5,5", "goal_date": "2027-01-15",
        "responsible": mentor_a.pk, "started_on": "2026-11-23", "dose": "2 × 45 min per week, 6 weken",
        "agreements": "Sanne maakt elke week de oefentoets; ouders tekenen de planner.",
        "next_evaluation_on": ""})
    assert response.status_code == 302
    plan = InterventionPlan.objects.get()
    assert (plan.flag, plan.intervention, plan.title) == (flag_a, top.intervention, top.intervention.name_nl)
    assert plan.dose == "2 × 45 min per week, 6 weken" and plan.agreements.startswith("Sanne")
    assert plan.next_evaluation_on == date(2026, 11, 23) + SIX_WEEKS
    assert list(flag_a.plans.all()) == [plan]  # a resolved flag links to the plan that answered it
    flag_a.refresh_from_db()
    assert flag_a.first_action_on is not None
    assert FlagEvent.objects.filter(flag=flag_a, kind="first_action").exists()


def test_choosing_a_suggestion_and_another_intervention_is_refused(client, mentor_a, student_a, flag_a):
    client.force_login(mentor_a)
    url = reverse("interventions:plan_create", args=[student_a.pk]) + f"?flag={flag_a.pk}"
    suggestions = client.get(url).context["form"].suggestions
    chosen = next(iter(suggestions))
    other = Intervention.objects.exclude(pk__in=list(suggestions)).first()
    response = client.post(url, {"suggestion": chosen, "intervention": other.pk, "need": "x", "goal": "y",
                                 "started_on": "2026-11-23", "responsible": mentor_a.pk})
    assert response.status_code == 200 and "intervention" in response.context["form"].errors
    assert not InterventionPlan.objects.exists()


def test_a_flag_must_be_the_students_current_visible_flag(client, mentor_a, leader_b, student_a, flag_a,
                                                          school_a, clock):
    other = make_student(school_a, mentor_a, given_name="Bram")
    now = timezone.now()
    others_flag = Flag.objects.create(student=other, level=RiskLevel.HIGH, raised_on=now, changed_on=now)
    client.force_login(mentor_a)
    base = reverse("interventions:plan_create", args=[student_a.pk])
    assert client.get(f"{base}?flag={others_flag.pk}").status_code == 404
    assert client.get(f"{base}?flag=abc").status_code == 404
    flag_a.resolved_on = now
    flag_a.save()
    assert client.get(f"{base}?flag={flag_a.pk}").status_code == 404
    assert client.get(base).status_code == 200  # without a flag: suggestions for any need


def test_the_flag_on_the_student_page_offers_a_plan_to_who_may_act(client, mentor_a, teacher_a, student_a,
                                                                    flag_a):
    link = reverse("interventions:plan_create", args=[student_a.pk]) + f"?flag={flag_a.pk}"
    client.force_login(mentor_a)
    assert link in client.get(student_a.get_absolute_url()).content.decode()
    client.force_login(teacher_a)
    assert link not in client.get(student_a.get_absolute_url()).content.decode()


# --- Evaluations ------------------------------------------------------------------------------

def test_continue_moves_the_due_date_one_cycle_on(client, mentor_a, student_a):
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    assert evaluate(client, plan, goal_result="partly").status_code == 302
    plan.refresh_from_db()
    assert plan.next_evaluation_on == date(2026, 10, 13) + SIX_WEEKS
    evaluation = plan.evaluations.get()
    assert (evaluation.cycle, evaluation.due_on, evaluation.evaluated_by) == (1, date(2026, 10, 13), mentor_a)


def test_a_late_evaluation_gives_a_full_next_cycle(client, mentor_a, student_a):
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    evaluate(client, plan, evaluated_on="2026-11-25", goal_result="met")
    plan.refresh_from_db()
    assert plan.next_evaluation_on == date(2026, 11, 25) + SIX_WEEKS  # due + 6 weeks had passed


def test_adjusting_needs_a_note_of_what_changes(client, mentor_a, student_a):
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    response = evaluate(client, plan, decision="adjust")
    assert response.status_code == 200 and "notes" in response.context["form"].errors
    assert evaluate(client, plan, decision="adjust", notes="Twee keer per week in plaats van één.").status_code == 302
    plan.refresh_from_db()
    assert plan.next_evaluation_on == date(2026, 10, 13) + SIX_WEEKS
    assert plan.evaluations.get().notes == "Twee keer per week in plaats van één."


@pytest.mark.parametrize("result, status", [("met", "completed"), ("not_met", "stopped")])
def test_stopping_ends_the_plan(client, mentor_a, student_a, result, status):
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    assert evaluate(client, plan, goal_result=result, decision="stop").status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on, plan.next_evaluation_on) == (status, date(2026, 10, 14), None)
    response = client.get(reverse("interventions:plan_evaluate", args=[plan.pk]))
    assert response.context["form"] is None  # a finished plan is not evaluated again


def test_an_evaluation_cannot_precede_the_start_or_lie_ahead(client, mentor_a, student_a, clock):
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    for day in ("2026-08-31", (clock.today + timedelta(days=1)).isoformat()):
        assert "evaluated_on" in evaluate(client, plan, evaluated_on=day).context["form"].errors
    assert not plan.evaluations.exists()


def test_after_two_improvement_cycles_the_next_step_is_a_team_decision(client, clock, mentor_a, student_a):
    clock.move_to(date(2026, 11, 25))  # the page counts the cycles of today's school year
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    assert evaluate(client, plan, evaluated_on="2026-10-14").status_code == 302
    assert evaluate(client, plan, evaluated_on="2026-11-24", goal_result="partly",
                    decision="adjust", notes="Meer oefenen").status_code == 302

    response = evaluate(client, plan, evaluated_on="2026-11-25", decision="continue")
    assert response.status_code == 200
    assert "team" in str(response.context["form"].errors["decision"])
    assert response.context["limit_reached"]
    assert reverse("meetings:review_list") in response.content.decode()
    assert plan.evaluations.count() == 2

    # A goal that was met is no improvement cycle, and stopping is always possible.
    assert evaluate(client, plan, evaluated_on="2026-11-25", goal_result="met").status_code == 302
    assert evaluate(client, plan, evaluated_on="2026-11-25", decision="stop").status_code == 302
    assert plan.evaluations.count() == 4


def test_improvement_cycles_count_per_student_and_school_year(client, mentor_a, student_a):
    earlier = make_plan(student_a, started_on=date(2026, 2, 1), status="stopped", ended_on=date(2026, 6, 1),
                        next_evaluation_on=None)
    for cycle, day in enumerate((date(2026, 3, 15), date(2026, 5, 1)), start=1):  # last school year
        PlanEvaluation.objects.create(plan=earlier, cycle=cycle, due_on=day, evaluated_on=day,
                                      goal_result="not_met", decision="continue")
    other_plan = make_plan(student_a, title="Huiswerkklas")
    PlanEvaluation.objects.create(plan=other_plan, cycle=1, due_on=date(2026, 10, 13),
                                  evaluated_on=date(2026, 10, 13), goal_result="not_met", decision="adjust",
                                  notes="anders")
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    assert evaluate(client, plan).status_code == 302  # the second this school year
    assert evaluate(client, plan, evaluated_on="2026-11-25").status_code == 200  # a third: refused


def test_a_school_sets_its_own_cycle_length_and_limit(client, mentor_a, student_a, school_a):
    PlanSettings.objects.create(school=school_a, cycle_weeks=4, max_cycles_per_year=1)
    plan = make_plan(student_a)
    client.force_login(mentor_a)
    assert evaluate(client, plan).status_code == 302
    plan.refresh_from_db()
    assert plan.next_evaluation_on == date(2026, 10, 13) + timedelta(weeks=4)
    assert evaluate(client, plan, evaluated_on="2026-11-11").status_code == 200
    assert plan.evaluations.count() == 1


def test_a_new_plan_is_due_after_the_schools_cycle(client, mentor_a, student_a, school_a):
    PlanSettings.objects.create(school=school_a, cycle_weeks=8)
    client.force_login(mentor_a)
    client.post(reverse("interventions:plan_create", args=[student_a.pk]), {
        "title": "Rebound", "need": "gedrag", "goal": "geen verwijdering", "started_on": "2026-11-23",
        "responsible": mentor_a.pk})
    assert InterventionPlan.objects.get().next_evaluation_on == date(2026, 11, 23) + timedelta(weeks=8)


def test_the_evaluation_shows_and_keeps_the_averages_before_and_after(client, mentor_a, student_a, wiskunde):
    plan = make_plan(student_a, goal_subject=wiskunde, goal_grade=Decimal("5.5"))
    for day, grade, weight in [(date(2026, 6, 1), "9.0", 1),          # last school year: not counted
                               (date(2026, 9, 1), "4.0", 1),           # the start day: after
                               (date(2026, 8, 20), "5.0", 2),          # before the plan
                               (date(2026, 8, 25), "4.0", 1),
                               (date(2026, 10, 5), "7.0", 1),
                               (date(2026, 12, 1), "10.0", 1)]:        # after the evaluation
        Score.objects.create(student=student_a, subject=wiskunde, test=f"toets {day}", date=day,
                             grade=Decimal(grade), weight=weight)
    # before: (5×2 + 4) / 3 = 4,67 → 4,7; on 14-10: (10 + 4 + 4 + 7) / 5 = 5,0
    assert selectors.goal_averages(plan, date(2026, 10, 14)) == (Decimal("4.7"), Decimal("5.0"))
    client.force_login(mentor_a)
    evaluate(client, plan)
    evaluation = plan.evaluations.get()
    assert (evaluation.average_before, evaluation.average_after) == (Decimal("4.7"), Decimal("5.0"))
    page = client.get(reverse("interventions:plan_edit", args=[plan.pk])).content.decode()
    assert "4,7" in page and "5,0" in page


def test_without_a_goal_subject_there_are_no_averages(student_a):
    assert selectors.goal_averages(make_plan(student_a), date(2026, 10, 14)) == (None, None)


def test_the_plan_page_shows_flag_group_evaluations_and_an_overdue_evaluation(
        client, mentor_a, student_a, flag_a, group_a, clock):
    plan = make_plan(student_a, flag=flag_a, group=group_a)
    PlanEvaluation.objects.create(plan=plan, cycle=1, due_on=date(2026, 10, 13), evaluated_on=date(2026, 10, 13),
                                  goal_result="partly", decision="adjust", notes="Extra oefentoets")
    plan.next_evaluation_on = clock.today - timedelta(days=3)
    plan.save()
    client.force_login(mentor_a)
    page = client.get(reverse("interventions:plan_edit", args=[plan.pk])).content.decode()
    for expected in (reverse("flags:detail", args=[flag_a.pk]), reverse("interventions:group_detail",
                     args=[group_a.pk]), "Extra oefentoets", "text-bg-danger",
                     reverse("interventions:plan_evaluate", args=[plan.pk])):
        assert expected in page


def test_the_evaluation_page_runs_a_fixed_number_of_queries(client, mentor_a, student_a, wiskunde,
                                                            django_assert_max_num_queries):
    plan = make_plan(student_a, goal_subject=wiskunde)
    for cycle in range(1, 11):
        PlanEvaluation.objects.create(plan=plan, cycle=cycle, due_on=date(2026, 9, 1), evaluated_on=date(2026, 9, 1),
                                      goal_result="met", decision="continue", evaluated_by=mentor_a)
    client.force_login(mentor_a)
    with django_assert_max_num_queries(11):  # 10 + the audit entry of the view
        assert client.get(reverse("interventions:plan_evaluate", args=[plan.pk])).status_code == 200


# --- Group interventions ----------------------------------------------------------------------

def test_a_leader_creates_a_group_and_enrols_students_once(client, leader_a, mentor_a, school_a):
    sanne, bram, cas = (make_student(school_a, mentor_a, given_name=n) for n in ("Sanne", "Bram", "Cas"))
    rebound = Intervention.objects.get(key="interne-rebound") if Intervention.objects.filter(
        key="interne-rebound").exists() else None
    client.force_login(leader_a)
    response = client.post(reverse("interventions:group_create"), {
        "name": "Rebound 3 havo", "intervention": rebound.pk if rebound else "", "goal": "terug in de les",
        "starts_on": "2026-11-30", "ends_on": "2027-01-29", "coordinator": mentor_a.pk, "notes": ""})
    group = GroupIntervention.objects.get()
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()

    enrol = reverse("interventions:group_enrol", args=[group.pk])
    assert client.post(enrol, {"students": [sanne.pk, bram.pk]}).status_code == 302
    assert client.post(enrol, {"students": [bram.pk, cas.pk]}).status_code == 302
    plans = InterventionPlan.objects.filter(group=group).order_by("student__given_name")
    assert [p.student for p in plans] == [bram, cas, sanne]
    plan = plans[0]
    assert (plan.title, plan.responsible, plan.started_on, plan.next_evaluation_on, plan.goal) == (
        "Rebound 3 havo", mentor_a, date(2026, 11, 30), date(2026, 11, 30) + SIX_WEEKS, "terug in de les")
    assert plan.need.startswith("Deelname groepsinterventie Rebound 3 havo")
    assert plan.intervention == rebound


def test_the_coordinator_may_enrol_colleagues_may_look(client, group_a, school_a, mentor_a, other_mentor_a,
                                                       teacher_a, student_a):
    group_a.coordinator = other_mentor_a
    group_a.save()
    enrol = reverse("interventions:group_enrol", args=[group_a.pk])
    client.force_login(mentor_a)
    assert client.get(group_a.get_absolute_url()).status_code == 200
    assert client.post(enrol, {"students": [student_a.pk]}).status_code == 403
    client.force_login(other_mentor_a)
    assert client.post(enrol, {"students": [student_a.pk]}).status_code == 302
    assert student_a.intervention_plans.get().group == group_a


def test_students_of_another_school_cannot_be_enrolled(client, leader_a, group_a, student_b):
    client.force_login(leader_a)
    response = client.post(reverse("interventions:group_enrol", args=[group_a.pk]), {"students": [student_b.pk]})
    assert response.status_code == 200 and "students" in response.context["form"].errors
    assert not InterventionPlan.objects.exists()


def test_the_group_page_searches_candidates(client, leader_a, group_a, school_a, mentor_a):
    make_student(school_a, mentor_a, given_name="Anna", family_name="Jansen", class_code="2V1")
    make_student(school_a, mentor_a, given_name="Bram", family_name="Smit", class_code="3H2")
    client.force_login(leader_a)
    page = client.get(group_a.get_absolute_url() + "?q=3h2").content.decode()
    assert "Smit, Bram" in page and "Jansen, Anna" not in page


def test_the_group_page_runs_a_fixed_number_of_queries(client, leader_a, group_a, school_a, mentor_a,
                                                       django_assert_max_num_queries):
    students = [make_student(school_a, mentor_a, given_name=f"Leerling {i}") for i in range(60)]
    services.enrol_students(actor=leader_a, group=group_a, students=students[:30])
    menukaart = list(Intervention.objects.all()[:10])
    for i, intervention in enumerate(menukaart):
        coordinator = make_user(f"coordinator{i}@a.example", "mentor", school_a)
        GroupIntervention.objects.create(school=school_a, name=f"Groep {i}", goal="over", intervention=intervention,
                                         starts_on=date(2026, 9, 1), coordinator=coordinator)
    client.force_login(leader_a)
    with django_assert_max_num_queries(8):
        response = client.get(group_a.get_absolute_url())
    assert len(response.context["members"]) == 30 and response.context["candidate_count"] == 30
    with django_assert_max_num_queries(5):
        response = client.get(reverse("interventions:group_list"))
    assert len(response.context["groups"]) == 11


def test_the_group_list_shows_only_the_users_schools(client, mentor_b, group_a, school_b, leader_b):
    GroupIntervention.objects.create(school=school_b, name="Lenteschool", goal="over", starts_on=date(2027, 4, 1),
                                     coordinator=leader_b)
    client.force_login(mentor_b)
    assert [g.name for g in client.get(reverse("interventions:group_list")).context["groups"]] == ["Lenteschool"]


# --- Reminders --------------------------------------------------------------------------------

def test_overdue_evaluations_are_reminded_once_per_due_date(
        mentor_a, other_mentor_a, student_a, school_a, mailoutbox, django_capture_on_commit_callbacks):
    today = date(2026, 11, 25)
    bram = make_student(school_a, mentor_a, given_name="Bram")
    overdue = make_plan(student_a, next_evaluation_on=today - timedelta(days=1))
    other = make_plan(bram, next_evaluation_on=today - timedelta(days=10), responsible=other_mentor_a)
    also_mentor = make_plan(bram, title="Huiswerkklas", next_evaluation_on=today - timedelta(days=2))
    make_plan(student_a, title="Op tijd", next_evaluation_on=today)                        # due today
    make_plan(student_a, title="Klaar", status="completed", ended_on=date(2026, 10, 1),
              next_evaluation_on=today - timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_evaluations(today) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_evaluations(today) == 0  # the same due dates: nothing again

    assert Notification.objects.filter(user=mentor_a).count() == 2
    notification = Notification.objects.get(user=other_mentor_a)
    assert notification.url == reverse("interventions:plan_evaluate", args=[other.pk])
    assert sorted(m.to[0] for m in mailoutbox) == sorted([mentor_a.email, other_mentor_a.email])
    mentor_mail = next(m for m in mailoutbox if m.to == [mentor_a.email])
    assert "2 evaluaties" in mentor_mail.subject
    assert student_a.student_number in mentor_mail.body and "Visser" not in mentor_mail.body
    for plan in (overdue, other, also_mentor):
        plan.refresh_from_db()
        assert plan.reminded_for == plan.next_evaluation_on

    # A new due date that passes is reminded again.
    overdue.next_evaluation_on = today - timedelta(days=1) + SIX_WEEKS
    overdue.save()
    later = today + SIX_WEEKS + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        # overdue's new due date, and "Op tijd", which is overdue by now; the others were reminded
        assert remind_overdue_evaluations(later) == 2
    assert Notification.objects.filter(user=mentor_a).count() == 4


def test_the_daily_task_reminds_and_is_scheduled(mentor_a, student_a, mailoutbox, django_capture_on_commit_callbacks,
                                                 clock):
    make_plan(student_a, next_evaluation_on=clock.today - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_overdue_evaluations() == 1
    assert len(mailoutbox) == 1 and Notification.objects.filter(user=mentor_a).count() == 1
    entry = django_settings.CELERY_BEAT_SCHEDULE["remind-overdue-evaluations"]
    assert entry["task"] == "interventions.tasks.remind_overdue_evaluations"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})


def test_no_reminder_without_anyone_to_remind(school_a, mailoutbox):
    plan = make_plan(make_student(school_a), next_evaluation_on=date(2026, 11, 1))
    assert remind_overdue_evaluations(date(2026, 11, 25)) == 0
    plan.refresh_from_db()
    assert plan.reminded_for is None and not mailoutbox


def test_the_reminder_mail_links_to_each_evaluation_from_outside_the_portal(
        settings, client, mentor_a, student_a, mailoutbox, django_capture_on_commit_callbacks):
    settings.PORTAL_URL = "https://leerroute.example.nl"
    plan = make_plan(student_a, title="Bijles & huiswerk", next_evaluation_on=date(2026, 11, 24))
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_evaluations(date(2026, 11, 25)) == 1
    (message,) = mailoutbox
    assert message.subject == "Leerroute: 1 evaluatie van een interventieplan te laat"
    assert f"leerling {student_a.student_number}: Bijles & huiswerk (evaluatie gepland op 24-11-2026)" in message.body
    links = re.findall(r"\S+://\S+", message.body)
    assert links == [f"https://leerroute.example.nl/interventies/plan/{plan.pk}/evaluatie/"]
    client.force_login(mentor_a)
    page = client.get(links[0].removeprefix(settings.PORTAL_URL))
    assert page.status_code == 200 and page.context["plan"] == plan


def test_who_wants_no_mail_is_reminded_in_the_portal_only(mentor_a, student_a, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    mentor_a.mail_frequency = MailFrequency.NEVER
    mentor_a.save()
    make_plan(student_a, next_evaluation_on=date(2026, 11, 24))
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_evaluations(date(2026, 11, 25)) == 1
    assert Notification.objects.filter(user=mentor_a).count() == 1 and not mailoutbox


def test_the_daily_overview_gets_the_reminder_by_number_only(mentor_a, student_a, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    mentor_a.mail_frequency = MailFrequency.DAILY
    mentor_a.save()
    make_plan(student_a, next_evaluation_on=date(2026, 11, 24))
    with django_capture_on_commit_callbacks(execute=True):
        remind_overdue_evaluations(date(2026, 11, 25))
    assert not mailoutbox  # the reminder waits for the overview
    notification = Notification.objects.get(user=mentor_a)
    assert notification.mail_text == (f"evaluatie te laat: leerling {student_a.student_number}, "
                                      "Bijles wiskunde, gepland op 24-11-2026")
    assert student_a.family_name not in notification.mail_text


# --- Who may do what --------------------------------------------------------------------------
# Each role's answer on each URL is proven by the matrix in tests/portal/test_permissions.py.


def test_a_leader_of_two_schools_chooses_the_school_of_a_group(client, school_a, school_b):
    from portal.models import Membership, Role

    leader = make_user("beide@example.org", Role.LEADER, school_a)
    Membership.objects.create(user=leader, school=school_b, role=Role.LEADER)
    client.force_login(leader)
    response = client.post(reverse("interventions:group_create"), {
        "school": school_b.pk, "name": "Lenteschool", "goal": "over", "starts_on": "2027-04-01",
        "coordinator": leader.pk})
    assert response.status_code == 302
    assert GroupIntervention.objects.get().school == school_b


def test_the_page_counts_the_cycles_of_the_school_year_the_evaluation_falls_in(client, clock, mentor_a,
                                                                               student_a):
    """Early in August an evaluation may still be dated in the school year that just ended: the
    page then shows that year's cycles and limit, as the check that refuses it counts them."""
    clock.move_to(date(2027, 8, 3))
    plan = make_plan(student_a, started_on=date(2027, 5, 1), next_evaluation_on=date(2027, 7, 20))
    for cycle, day in enumerate((date(2027, 6, 1), date(2027, 7, 1)), start=1):
        PlanEvaluation.objects.create(plan=plan, cycle=cycle, due_on=day, evaluated_on=day,
                                      goal_result="not_met", decision="continue")
    client.force_login(mentor_a)
    page = client.get(reverse("interventions:plan_evaluate", args=[plan.pk]))
    assert (str(page.context["school_year"]), page.context["cycles_used"], page.context["limit_reached"]) == (
        "2027-2028", 0, False)

    refused = evaluate(client, plan, evaluated_on="2027-07-20")
    assert refused.status_code == 200 and "team" in str(refused.context["form"].errors["decision"])
    assert (str(refused.context["school_year"]), refused.context["cycles_used"],
            refused.context["limit_reached"]) == ("2026-2027", 2, True)
    assert evaluate(client, plan, evaluated_on="2027-08-03").status_code == 302  # a new school year
