"""A mentor follows a risk flag through to the January advice in the browser: start a plan from
the flag with the best-fitting menukaart suggestion, record its six-week evaluation, and record
the promotion advice, checking each step on the student page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from interventions import selectors
from interventions.models import GroupIntervention, InterventionPlan, PlanEvaluation
from interventions.menukaart import load_menukaart
from students.models import AdviceMoment, Flag, RiskLevel, Score, Subject
from tests.browser.test_accessibility import audit
from tests.browser.test_login_journey import log_in
from tests.conftest import make_student

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "wiskunde 4,2 onder 5,5"


def test_a_mentor_goes_from_flag_to_plan_to_evaluation_to_advice(page, mentor_a, student_a, school_a, clock):
    load_menukaart()  # transactional tests empty the table the data migration filled
    wiskunde = Subject.objects.get(school=school_a, code="wi")
    today = clock.today
    Score.objects.create(student=student_a, subject=wiskunde, test="hoofdstuk 1", date=today - timedelta(days=7),
                         grade=Decimal("4.2"))
    now = timezone.now()
    flag = Flag.objects.create(student=student_a, level=RiskLevel.ATTENTION, raised_on=now, changed_on=now,
                               reasons=[{"rule": "insufficient", "text": REASON, "points": 1}])
    needs = selectors.needs_from_reasons(flag.reasons)
    top = selectors.suggest_interventions(student_a, needs)[0].intervention

    # The flag on the student page leads to a new plan, with the need filled in from it.
    log_in(page, mentor_a.email)
    page.get_by_role("link", name="Visser, Sanne").click()
    page.get_by_role("region", name="Signalering").get_by_role("link", name="Plan starten").click()
    expect(page.locator('textarea[name="need"]')).to_have_value(REASON)
    expect(page.locator('input[name="goal"]')).to_have_value("wiskunde ≥ 5,5")
    suggestion = page.locator('input[name="suggestion"]').nth(1)  # the first is "none of these"
    expect(suggestion).to_have_attribute("value", str(top.pk))
    assert audit(page) == []
    suggestion.check()
    page.locator('input[name="dose"]').fill("2 × 45 minuten per week, 6 weken")
    page.locator('textarea[name="agreements"]').fill("Sanne maakt elke week de oefentoets; ouders tekenen de planner.")
    page.get_by_role("button", name="Plan starten").click()

    expect(page.get_by_text("Plan gestart.")).to_be_visible()
    plans = page.get_by_role("region", name="Interventieplannen")
    expect(plans).to_contain_text(top.name_nl)
    plan = InterventionPlan.objects.get()
    assert (plan.flag, plan.intervention) == (flag, top)

    # Six weeks later: the evaluation is due.
    plan.started_on = today - timedelta(weeks=6)
    plan.next_evaluation_on = today
    plan.save()
    page.reload()
    page.get_by_role("region", name="Interventieplannen").get_by_role("link", name=top.name_nl).click()
    assert audit(page) == []
    page.locator(f'a[href="{reverse("interventions:plan_evaluate", args=[plan.pk])}"]').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(top.name_nl)
    assert audit(page) == []
    page.locator('input[name="goal_result"][value="partly"]').check()
    page.locator('input[name="decision"][value="adjust"]').check()
    page.locator('textarea[name="notes"]').fill("Twee keer per week in plaats van één.")
    page.locator('main form[method="post"] button[type="submit"]').click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sanne Visser")
    next_due = today + timedelta(weeks=6)
    expect(plans).to_contain_text(next_due.strftime("%d-%m-%Y"))
    expect(plans).not_to_contain_text("te laat")
    evaluation = PlanEvaluation.objects.get()
    assert (evaluation.cycle, evaluation.goal_result, evaluation.decision) == (1, "partly", "adjust")

    # The January advice, from the student page.
    page.get_by_role("link", name="Advies vastleggen").click()
    page.get_by_label("Moment").select_option("januari")
    page.get_by_label("Prognose").select_option("voorwaardelijk")
    page.get_by_label("Redenen").fill("Wiskunde gaat vooruit met de bijles; nog niet voldoende.")
    page.get_by_label("Gesprek met leerling en ouders").fill("Afgesproken: bijles loopt door tot de zomer.")
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_text("Advies vastgelegd.")).to_be_visible()
    promotion = page.get_by_role("region", name="Bevordering dit schooljaar")
    expect(promotion).to_contain_text(re.compile("januari-advies", re.IGNORECASE))
    expect(promotion).to_contain_text("bevorderd onder voorwaarden")
    expect(promotion).to_contain_text("Wiskunde gaat vooruit met de bijles")
    assert AdviceMoment.objects.get().moment == "januari"


def test_a_leader_runs_a_summer_school_and_enrols_students(page, leader_a, mentor_a, school_a):
    for given, family in (("Anna", "Jansen"), ("Bram", "Smit"), ("Cas", "Smit")):
        make_student(school_a, mentor_a, given_name=given, family_name=family, class_code="3H2")
    log_in(page, leader_a.email)
    page.goto(reverse("interventions:group_list"))
    assert audit(page) == []
    page.locator(f'a[href="{reverse("interventions:group_create")}"]').click()
    assert audit(page) == []
    page.locator('input[name="name"]').fill("Zomerschool 2027")
    page.locator('input[name="goal"]').fill("tekortvak naar voldoende")
    page.locator('input[name="starts_on"]').fill("2027-07-05")
    page.locator('select[name="coordinator"]').select_option(str(mentor_a.pk))
    page.locator('main form[method="post"] button[type="submit"]').click()

    group = GroupIntervention.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zomerschool 2027")
    page.locator('input[name="q"]').fill("Smit")
    page.locator('input[name="q"]').press("Enter")
    expect(page.get_by_label(re.compile("Jansen, Anna"))).to_have_count(0)
    assert audit(page) == []
    page.get_by_label(re.compile("Smit, Bram")).check()
    page.get_by_label(re.compile("Smit, Cas")).check()
    page.locator(f'form[action^="{reverse("interventions:group_enrol", args=[group.pk])}"] button').click()

    expect(page.get_by_role("link", name="Smit, Bram")).to_be_visible()
    expect(page.get_by_role("link", name="Smit, Cas")).to_be_visible()
    assert sorted(group.plans.values_list("student__given_name", flat=True)) == ["Bram", "Cas"]
