"""The demo data plus one of everything the demo itself does not make (a running School
Programme, a group intervention, a local menukaart entry, an evaluation, advice, a teacher),
built through the real services, and the list of every page each role can open on it.

The accessibility audit, the layout and print checks and the README screenshots all walk
this one map, and a test fails when a URL of the project is on neither this map nor the
short list of URLs that are not pages (POST-only actions, downloads, JSON)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from interventions import services as plan_services
from interventions.models import Intervention, InterventionPlan, PlanEvaluation
from interventions.menukaart import load_menukaart
from portal import services as portal_services
from dashboards import demo
from portal.models import Role, School, User
from portal.schoolyear import SchoolYear
from schoolplans import services as programme_services
from schoolplans.forms import ApprovalForm, LineForm
from schoolplans.models import SchoolProgramme
from students import meetings, promotion
from students.models import AdviceMoment, Flag, Student, Subject, TeamReview

MENTOR = "a.bouzid@baken.example"
LEADER = "m.hoekstra@baken.example"
INSPECTOR = "h.claassen@inspectie.example"
TEACHER = "docent@baken.example"
EMAILS = {"mentor": MENTOR, "teacher": TEACHER, "leader": LEADER, "inspector": INSPECTOR}

# URL names that are not pages a person reads: POST-only actions, downloads and JSON.
NOT_PAGES = {
    "healthz",  # JSON for monitoring
    "set_language", "logout",  # POST only
    "roster_import:confirm", "roster_import:scores_confirm", "roster_import:job_status",
    "roster_import:staff_confirm",
    "roster_import:transfer_confirm",
    "meetings:review_refresh", "meetings:review_add_item", "meetings:review_item_save",
    "meetings:review_action_add", "meetings:action_done",
    "flags:acknowledge", "flags:norm_copy", "flags:export", "flags:notifications_read_all",
    "flags:notification_read",
    "interventions:group_enrol",
    "schoolplans:document", "schoolplans:accounting_pdf", "schoolplans:accounting_csv",
    "students:export", "subjects:fill",
    "dashboards:school_refresh", "dashboards:school_export", "dashboards:group_export",
    "dashboards:inspector_export", "dashboards:inspector_school_export",
}


@dataclass
class Site:
    school: School
    mentor: User
    leader: User
    student: Student  # the mentor's mentee with a plan, a conversation and an evaluation
    plan: InterventionPlan
    review: TeamReview
    flag: Flag
    group: object
    local_intervention: Intervention
    national_intervention: Intervention
    programme: SchoolProgramme  # running: execution and accounting
    draft: SchoolProgramme  # the next one, still being written: its forms are open
    conversation: object
    subject: Subject  # wiskunde: its page and the merge form


def build(today=None):
    """Seed the demo and add one of everything; returns the objects the page map needs."""
    today = today or timezone.localdate()
    load_menukaart()  # transactional tests empty the table the data migration filled
    demo.seed(today)
    school = School.objects.get(brin="12AB")
    mentor, leader = User.objects.get(email=MENTOR), User.objects.get(email=LEADER)
    portal_services.create_user(email=TEACHER, role=Role.TEACHER, schools=[school],
                                password=demo.DEMO_PASSWORD, keep_password=True,
                                first_name="Dirk", last_name="de Docent")
    mentees = Student.objects.filter(mentor=mentor).order_by("student_number")
    plan = (InterventionPlan.objects.filter(student__in=mentees, group=None, student__conversations__isnull=False)
            .select_related("student").order_by("student__student_number", "pk").first())
    student = plan.student
    year = SchoolYear.of(today)
    if not plan.evaluations.exists():
        plan_services.record_evaluation(
            actor=mentor, plan=plan, evaluated_on=plan.started_on + timedelta(weeks=6),
            goal_result=PlanEvaluation.GoalResult.PARTLY, decision=PlanEvaluation.Decision.ADJUST,
            notes="Extra uur rebound op donderdag.")
    if not AdviceMoment.objects.filter(student=student).exists():
        promotion.record_advice(actor=mentor, student=student, school_year=year.start_year,
                                moment=AdviceMoment.Moment.OTHER, given_on=today,
                                prognosis="voorwaardelijk", reasons="Wiskunde blijft achter.",
                                conversation="Besproken met leerling en ouders.")
    national = Intervention.objects.get(key="interne_rebound", school=None)
    local = Intervention.objects.filter(school=school).first() or plan_services.create_local_intervention(
        actor=leader, school=school,
        data={"name_nl": "Huiswerkklas 3 havo", "category": "B", "sector": "vo",
              "needs": "cognitive,study_skills", "description_nl": "Twee middagen per week onder begeleiding."})
    group = school.group_interventions.first() if hasattr(school, "group_interventions") else None
    if group is None:
        group = plan_services.create_group(actor=leader, school=school, data={
            "name": "Zomerschool", "intervention": national, "goal": "tekortvak naar voldoende",
            "starts_on": date(year.start_year + 1, 7, 6), "coordinator": leader})
        plan_services.enrol_students(actor=leader, group=group, students=list(mentees[:3]))
    programme = SchoolProgramme.objects.filter(school=school, state="running").first() or _running_programme(
        leader, school, local, national, year)
    draft = SchoolProgramme.objects.filter(school=school, state="draft").first() or _draft_programme(
        leader, school, local, year)
    return Site(
        school=school, mentor=mentor, leader=leader, student=student, plan=plan,
        review=TeamReview.objects.get(school=school),
        flag=Flag.objects.filter(student__mentor=mentor, resolved_on=None).order_by("pk").first(),
        group=group, local_intervention=local, national_intervention=national, programme=programme, draft=draft,
        conversation=meetings.conversations_for(student).first(),
        subject=Subject.objects.get(school=school, code="wi"),
    )


def _add_line(leader, programme, intervention, students, cost, first_year):
    form = LineForm({"intervention": intervention.pk, "target_levels": "havo", "target_leerjaren": "3",
                     "target_needs": "cognitive", "expected_students": students,
                     "first_year": first_year, "years": 1, "hours": "40", "staff": "2 docenten",
                     "cost_per_year": cost}, instance=programme.lines.model(programme=programme))
    assert form.is_valid(), form.errors
    return programme_services.save_line(actor=leader, form=form)


def _draft_programme(leader, school, local, year):
    programme = programme_services.create_programme(
        actor=leader, school=school, title="NPO-programma volgende periode", first_year=year.start_year + 2, years=2)
    _add_line(leader, programme, local, 12, "4000", year.start_year + 2)
    return programme


def _running_programme(leader, school, local, national, year):
    """A programme through all its steps: scan conclusions, two lines, a budget, the decisions,
    adopted and running, with spending and an adjustment."""
    programme = programme_services.create_programme(
        actor=leader, school=school, title=f"NPO-programma {year}", first_year=year.start_year, years=2)
    programme_services.save_conclusions(actor=leader, programme=programme, texts={
        "cognitive": "Wiskunde in havo 3 blijft achter.", "study_skills": "Plannen is lastig in leerjaar 1."})
    for intervention, students, cost in ((national, 24, "12000"), (local, 12, "4000")):
        _add_line(leader, programme, intervention, students, cost, year.start_year)
    programme_services.save_budget(actor=leader, programme=programme, school_year=year.start_year,
                                   amount_per_student=Decimal("60"), students=250)
    form = ApprovalForm({"team_consulted_on": "2026-09-01", "team_notes": "Team akkoord.",
                         "mr_on": "2026-09-15", "mr_outcome": "approved", "board_on": "2026-09-22",
                         "board_outcome": "adopted", "municipality_informed_on": "2026-10-01"},
                        instance=programme)
    assert form.is_valid(), form.errors
    programme_services.confirm_over_budget(actor=leader, programme=programme)
    programme_services.transition(programme, "consultation", leader)
    programme_services.save_approvals(actor=leader, form=form)
    for state in ("mr_approved", "adopted", "running"):
        programme_services.transition(programme, state, leader)
    line = programme.lines.order_by("pk").first()
    programme_services.add_spending(actor=leader, line=line, school_year=year.start_year,
                                    period="periode 1", amount=Decimal("2500"))
    programme_services.add_adjustment(actor=leader, line=line, made_on=date(year.start_year, 11, 1),
                                      reason="Groep gesplitst: meer aanmeldingen dan verwacht.")
    return programme


def pages(role, site):
    """Every page the role can open, as paths."""
    s, p = site.student, site.programme
    common = ["/account/password_change/", "/account/e-mail/", "/interventies/menukaart/",
              f"/interventies/menukaart/{site.national_intervention.pk}/",
              f"/interventies/menukaart/vergelijk/?id={site.national_intervention.pk}"
              f"&id={site.local_intervention.pk}"]
    school_pages = [
        "/leerlingen/", s.get_absolute_url(), "/overleg/besprekingen/", f"/overleg/besprekingen/{site.review.pk}/",
        "/overleg/acties/", "/signalering/meldingen/", "/interventies/groepen/",
        f"/interventies/groepen/{site.group.pk}/", f"/interventies/menukaart/{site.local_intervention.pk}/",
    ]
    programme_pages = [
        "/schoolprogramma/", f"/schoolprogramma/{p.pk}/", f"/schoolprogramma/{p.pk}/scan/",
        f"/schoolprogramma/{p.pk}/regels/", f"/schoolprogramma/{p.pk}/besluitvorming/",
        f"/schoolprogramma/{p.pk}/uitvoering/", f"/schoolprogramma/{p.pk}/versies/",
        f"/schoolprogramma/{p.pk}/verantwoording/",
    ]
    return {
        "mentor": ["/leerlingen/mijn/", "/leerlingen/week/", f"/leerlingen/{s.pk}/bewerken/",
                   f"/overleg/agendapunten/{site.review.items.order_by('pk').first().pk}/verwijderen/",
                   f"/interventies/plan/nieuw/{s.pk}/", f"/interventies/plan/nieuw/{site.flag.student_id}/?flag={site.flag.pk}",
                   f"/interventies/plan/{site.plan.pk}/", f"/interventies/plan/{site.plan.pk}/evaluatie/",
                   f"/overleg/gesprek/{s.pk}/nieuw/", f"/overleg/gesprek/{s.pk}/{site.conversation.pk}/bewerken/",
                   "/signalering/", f"/signalering/{site.flag.pk}/", f"/signalering/{site.flag.pk}/afwijzen/",
                   f"/bevordering/leerling/{s.pk}/advies/nieuw/"] + school_pages,
        "teacher": school_pages,
        "leader": [f"/scholen/{site.school.brin}/", f"/scholen/{site.school.brin}/audit/",
                   f"/scholen/{site.school.brin}/groep/havo/3/",
                   "/leerlingen/importeren/", "/leerlingen/importeren/cijfers/",
                   "/leerlingen/importeren/personeel/", "/leerlingen/importeren/overdracht/",
                   "/overleg/besprekingen/nieuw/",
                   "/interventies/menukaart/nieuw/", f"/interventies/menukaart/{site.local_intervention.pk}/bewerken/",
                   "/signalering/", "/signalering/regels/", "/signalering/normen/",
                   "/signalering/normen/havo/3/", "/bevordering/", f"/bevordering/leerling/{s.pk}/besluit/",
                   "/interventies/groepen/nieuw/", f"/interventies/plan/{site.plan.pk}/",
                   f"/schoolprogramma/{site.draft.pk}/", f"/schoolprogramma/{site.draft.pk}/regels/",
                   f"/schoolprogramma/{site.draft.pk}/regels/{site.draft.lines.first().pk}/",
                   f"/schoolprogramma/{site.draft.pk}/besluitvorming/",
                   "/vakken/", f"/vakken/{site.subject.pk}/", f"/vakken/{site.subject.pk}/samenvoegen/"]
                  + school_pages + programme_pages,
        "inspector": ["/inspectie/", f"/inspectie/{site.school.brin}/"] + programme_pages,
    }[role] + common
