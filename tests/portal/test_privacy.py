"""A student's personal data: the school leader hands a student (or the parents) everything
the portal holds about them; every look at a student's record is in the log, by number;
inspectors read School Programme pages without a name or a note on them; and two years
after a student left, names and notes go while the figures stay."""

import csv
import io
import json
import os
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone

from interventions.models import InterventionPlan, PlanEvaluation
from portal.models import AuditEntry
from portal.schoolyear import SchoolYear
from students import promotion
from students.models import (
    ActionItem, AdviceMoment, Conversation, Flag, FlagEvent, MentorAssignment, Notification,
    PromotionDecision, ReviewItem, RiskLevel, Score, Signal, StandardisedResult, Student, Subject,
    TeamReview, Transfer, WeekNote,
)
from students.tasks import anonymise_leavers as anonymise_task
from tests.conftest import make_student

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("portal", "students", "interventions", "schoolplans")


def full_record(student, *, mentor, leader, tag):
    """One of everything the portal keeps about a student; every typed text carries `tag`,
    so a test can look for it anywhere. Returns the typed texts."""
    school = student.school
    subject = Subject.objects.get(school=school, code="wi")  # of the standard list
    today = timezone.localdate()
    week = today - timedelta(days=today.weekday() + 14)
    texts = {
        "signal": f"{tag}: huilde in de les",
        "signal_before": f"{tag}: eerdere notitie",
        "week_note": f"{tag}: ouders gaan scheiden",
        "agreements": f"{tag}: dinsdag planning met moeder",
        "participants": f"{tag}-deelnemers: Sanne, haar moeder",
        "need": f"{tag}: faalangst bij toetsen",
        "goal": f"{tag}: wiskunde minstens 5,5",
        "plan_agreements": f"{tag}: elke week huiswerkklas",
        "evaluation": f"{tag}: bijles wiskunde erbij",
        "dismiss": f"{tag}: gemiste toets, wordt ingehaald",
        "conclusion": f"{tag}: zorgcoördinator inschakelen",
        "review_reason": f"{tag}: handmatig, zorgen thuis",
        "action": f"{tag}: gesprek met ouders",
        "advice": f"{tag}: wiskunde en Frans onder de 5",
        "advice_talk": f"{tag}: besproken met vader",
        "justification": f"{tag}: doubleren is hier het beste",
        "support_needs": f"{tag}: extra tijd bij toetsen",
        "transfer_notes": f"{tag}: leest graag",
        "primary_school": f"{tag}-basisschool De Regenboog",
    }
    student.primary_school_notes = f"{tag}: dyslexieverklaring"
    student.save()
    MentorAssignment.objects.create(student=student, mentor=mentor, started_on=date(2025, 8, 20))
    Score.objects.create(student=student, subject=subject, test="H3 toets", date=week, grade=Decimal("4.5"))
    Transfer.objects.create(student=student, advice="havo", adjusted_advice="havo/vwo", test_score=214,
                            maths="1S", support_needs=texts["support_needs"], notes=texts["transfer_notes"],
                            primary_school=texts["primary_school"], updated_at=timezone.now())
    StandardisedResult.objects.create(student=student, test="Cito VAS 2", domain="rekenen", date=week,
                                      level=4, ability=120)
    Signal.objects.create(student=student, week=week, category="wellbeing", severity=2, note=texts["signal"],
                          author=mentor, history=[{"severity": 1, "note": texts["signal_before"]}])
    WeekNote.objects.create(student=student, week=week, note=texts["week_note"], author=mentor,
                            history=[{"note": texts["week_note"] + " (eerste versie)"}])
    Conversation.objects.create(student=student, held_on=week, participants=texts["participants"],
                                agreements=texts["agreements"], author=mentor)
    now = timezone.now()
    flag = Flag.objects.create(student=student, level=RiskLevel.HIGH, raised_on=now - timedelta(days=9),
                               changed_on=now, status=Flag.Status.DISMISSED, dismissed_by=mentor,
                               dismissed_on=now, dismiss_reason=texts["dismiss"], first_action_on=now,
                               reasons=[{"rule": "insufficient", "text": "wiskunde 4,5 onder 5,5", "points": 1}])
    FlagEvent.objects.create(flag=flag, at=now - timedelta(days=9), kind="raised", level=RiskLevel.HIGH)
    FlagEvent.objects.create(flag=flag, at=now, kind="dismissed", level=RiskLevel.HIGH, by=mentor,
                             note=texts["dismiss"])
    Notification.objects.create(user=mentor, flag=flag, text=f"nieuwe signalering hoog: {student.full_name}")
    plan = InterventionPlan.objects.create(
        student=student, title="Huiswerkklas", need=texts["need"], goal=texts["goal"], goal_subject=subject,
        goal_grade=Decimal("5.5"), started_on=week - timedelta(days=60), responsible=mentor,
        agreements=texts["plan_agreements"], flag=flag, next_evaluation_on=week - timedelta(days=10))
    PlanEvaluation.objects.create(plan=plan, cycle=1, due_on=week - timedelta(days=18),
                                  evaluated_on=week - timedelta(days=18), goal_result="partly",
                                  decision="adjust", notes=texts["evaluation"], evaluated_by=mentor)
    Notification.objects.create(user=mentor, url=reverse("interventions:plan_evaluate", args=[plan.pk]),
                                text=f"evaluatie te laat: Huiswerkklas van {student.full_name} "
                                     f"({student.student_number})")
    review = TeamReview.objects.create(school=school, held_on=week, class_code=student.class_code,
                                       created_by=mentor)
    item = ReviewItem.objects.create(review=review, student=student, reason=texts["review_reason"],
                                     conclusion=texts["conclusion"])
    ActionItem.objects.create(item=item, description=texts["action"], owner=mentor, due_on=week)
    year = SchoolYear.of(week).start_year
    AdviceMoment.objects.create(student=student, school_year=year, moment="januari", given_on=week,
                                prognosis="doubleren", reasons=texts["advice"],
                                conversation=texts["advice_talk"], given_by=mentor)
    PromotionDecision.objects.create(student=student, school_year=year, decision="doubleren",
                                     decided_on=week, decided_by=leader, justification=texts["justification"])
    return {**texts, "notes": student.primary_school_notes}


def everything_stored():
    """Every value of every row of the portal's own tables, as one text."""
    parts = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            parts.extend(" | ".join(map(str, row.values())) for row in model.objects.values())
    return "\n".join(parts)


# --- Right of access: the full export ---------------------------------------------------------------

def _open(response):
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    data = json.loads(archive.read(next(n for n in names if n.endswith(".json"))))
    tables = {n.rsplit("/", 1)[-1][:-4]: list(csv.DictReader(io.StringIO(archive.read(n).decode("utf-8-sig")),
                                                               delimiter=";"))
              for n in names if n.endswith(".csv")}
    return data, tables


def test_the_leader_downloads_everything_the_portal_holds_about_a_student(client, leader_a, mentor_a,
                                                                          student_a, school_a, clock):
    texts = full_record(student_a, mentor=mentor_a, leader=leader_a, tag="EIGEN")
    other = make_student(school_a, mentor_a, given_name="Daan", family_name="Jansen")
    full_record(other, mentor=mentor_a, leader=leader_a, tag="ANDER")
    client.force_login(mentor_a)
    client.get(student_a.get_absolute_url())  # a view the export must show
    client.force_login(leader_a)

    response = client.get(reverse("students:export", args=[student_a.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="leerling-{student_a.student_number}-')
    data, tables = _open(response)
    assert data["student"]["family_name"] == "Visser" and data["student"]["date_of_birth"] == "2012-05-04"
    exported = json.dumps(data, ensure_ascii=False)
    for name, text in texts.items():
        assert text in exported, name
    assert "ANDER" not in exported and "Jansen" not in exported
    for kind in ("mentor_history", "scores", "standardised_results", "transfer", "signals", "week_notes", "flags",
                 "flag_events", "intervention_plans", "plan_evaluations", "conversations", "team_reviews",
                 "team_review_actions", "advice_moments", "promotion_decisions", "audit_log"):
        assert data[kind], kind
        assert len(tables[kind]) == len(data[kind]), kind
    assert tables["student"][0]["primary_school_notes"] == texts["notes"]
    assert tables["scores"][0]["grade"] == "4,5"
    assert [e["action"] for e in data["audit_log"]][:1] == ["view"]
    assert data["audit_log"][0]["who"] == str(mentor_a)


def test_the_export_is_in_the_log_by_number_only(client, leader_a, student_a):
    client.force_login(leader_a)
    client.get(reverse("students:export", args=[student_a.pk]))
    entry = AuditEntry.objects.get(action="export")
    assert (entry.user, entry.object_type, entry.object_id) == (leader_a, "student", str(student_a.pk))
    assert f"leerling {student_a.student_number}" in entry.summary
    assert "Visser" not in entry.summary and "Sanne" not in entry.summary


def test_a_note_that_looks_like_a_formula_stays_text_in_the_spreadsheet(client, leader_a, mentor_a, student_a):
    Conversation.objects.create(student=student_a, held_on=date(2026, 10, 1), participants="Sanne",
                                agreements='=HYPERLINK("http://evil.example","klik")', author=mentor_a)
    client.force_login(leader_a)
    data, tables = _open(client.get(reverse("students:export", args=[student_a.pk])))
    assert tables["conversations"][0]["agreements"] == '\'=HYPERLINK("http://evil.example","klik")'
    assert data["conversations"][0]["agreements"] == '=HYPERLINK("http://evil.example","klik")'


def test_only_the_leader_sees_the_download_on_the_student_page(client, leader_a, mentor_a, student_a):
    url = reverse("students:export", args=[student_a.pk])
    client.force_login(leader_a)
    assert url in client.get(student_a.get_absolute_url()).content.decode()
    client.force_login(mentor_a)
    assert url not in client.get(student_a.get_absolute_url()).content.decode()


def test_the_export_runs_a_fixed_number_of_queries(client, leader_a, mentor_a, student_a,
                                                   django_assert_max_num_queries, clock):
    full_record(student_a, mentor=mentor_a, leader=leader_a, tag="VEEL")
    subject = Subject.objects.get(school=student_a.school, code="wi")
    for n in range(30):
        Score.objects.create(student=student_a, subject=subject, test=f"SO {n}", date=date(2026, 9, 1),
                             grade=Decimal("6.0"))
        InterventionPlan.objects.create(student=student_a, title=f"Plan {n}", need="x", goal="y",
                                        started_on=date(2026, 9, 1), responsible=mentor_a)
    client.force_login(leader_a)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("students:export", args=[student_a.pk])).status_code == 200


# --- The log of every look at a student's record -------------------------------------------------------

STUDENT_RECORD_PAGES = {
    "students:detail": lambda f: reverse("students:detail", args=[f("student_a").pk]),
    "students:edit": lambda f: reverse("students:edit", args=[f("student_a").pk]),
    "students:export": lambda f: reverse("students:export", args=[f("student_a").pk]),
    "interventions:plan_create": lambda f: reverse("interventions:plan_create", args=[f("student_a").pk]),
    "interventions:plan_edit": lambda f: reverse("interventions:plan_edit", args=[f("plan_a").pk]),
    "interventions:plan_evaluate": lambda f: reverse("interventions:plan_evaluate", args=[f("plan_a").pk]),
    "meetings:conversation_create": lambda f: reverse("meetings:conversation_create",
                                                      args=[f("student_a").pk]),
    "meetings:conversation_edit": lambda f: reverse("meetings:conversation_edit",
                                                    args=[f("student_a").pk, f("conversation_a").pk]),
    "meetings:review_item_remove": lambda f: reverse("meetings:review_item_remove",
                                                     args=[f("review_item_a").pk]),
    "promotion:advice_create": lambda f: reverse("promotion:advice_create", args=[f("student_a").pk]),
    "promotion:decision": lambda f: reverse("promotion:decision", args=[f("student_a").pk]),
    "flags:detail": lambda f: reverse("flags:detail", args=[f("flag_a").pk]),
    "flags:dismiss": lambda f: reverse("flags:dismiss", args=[f("flag_a").pk]),
}


@pytest.mark.parametrize("name", sorted(STUDENT_RECORD_PAGES))
def test_opening_a_students_record_is_logged_by_number_only(name, client, request, leader_a, student_a):
    url = STUDENT_RECORD_PAGES[name](request.getfixturevalue)
    AuditEntry.objects.all().delete()
    client.force_login(leader_a)

    assert client.get(url).status_code == 200

    entries = list(AuditEntry.objects.filter(user=leader_a, action__in=("view", "export")))
    assert entries, f"{name} left no audit entry"
    for entry in entries:
        assert entry.school == student_a.school
        assert f"leerling {student_a.student_number}" in entry.summary
        for private in ("Sanne", "Visser", "Dyslexie"):
            assert private not in entry.summary


# --- Inspectors: School Programme pages without names or notes -------------------------------------------

@pytest.fixture
def busy_school_a(programme_a, programme_line_a, local_intervention_a, student_a, mentor_a, leader_a, clock):
    """School A with a full record for student_a, whose plan counts in the programme's reach."""
    texts = full_record(student_a, mentor=mentor_a, leader=leader_a, tag="GEHEIM")
    InterventionPlan.objects.filter(student=student_a).update(intervention=local_intervention_a,
                                                              started_on=date(2026, 10, 1))
    return texts


def _inspector_urls(f):
    from tests.portal.test_permissions import CASES

    for name, case in sorted(CASES.items()):
        if "inspector" in case.ok and not case.public and case.method == "get":
            yield name, case.url(f)


def _text(response):
    if response["Content-Type"] == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row)
    return response.content.decode("utf-8-sig")


def test_no_page_an_inspector_opens_shows_a_student(client, request, inspector, busy_school_a, student_a,
                                                    programme_a):
    private = [student_a.given_name, student_a.family_name, student_a.student_number, *busy_school_a.values()]
    client.force_login(inspector)
    opened = []
    for name, url in _inspector_urls(request.getfixturevalue):
        response = client.get(url, follow=True)
        assert response.status_code == 200, name
        page = _text(response)
        for text in private:
            assert text not in page, f"{name} shows {text!r}"
        opened.append(name)
    assert {"schoolplans:execution", "schoolplans:scan", "schoolplans:accounting_pdf",
            "schoolplans:accounting_csv"} <= set(opened)
    # The student's plan is counted there: the page has the (small, so hidden) figure, not the person.
    execution = _text(client.get(reverse("schoolplans:execution", args=[programme_a.pk])))
    assert "Huiswerkklas 3 havo" in execution and "&lt;10 / 10" in execution


# --- Retention: anonymising students who left long ago ---------------------------------------------------

def years_ago(years, days=0):
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February, as students.privacy.retention_cutoff
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


@pytest.fixture
def leaver_a(clock, school_a, mentor_a, leader_a):
    """Left school two years and a day ago, with a full record."""
    student = make_student(school_a, mentor_a, given_name="Femke", family_name="Oudshoorn",
                           student_number="LL482913", date_of_birth=date(2008, 3, 9))
    texts = full_record(student, mentor=mentor_a, leader=leader_a, tag="OUD")
    student.is_active = False
    student.left_on = years_ago(2, days=1)
    student.save()
    return student, texts


def aggregates(schools):
    """The figures dashboards, the school scan and the retention rates are built from."""
    def rows(queryset, *fields, **extra):
        return sorted(map(str, queryset.values(*fields).annotate(n=Count("pk"), **extra).order_by()))

    years = PromotionDecision.objects.values_list("school_year", flat=True).distinct()
    return {
        "students": rows(Student.objects.all(), "school", "level", "leerjaar", "sex", "is_active"),
        "mentors": rows(MentorAssignment.objects.all(), "mentor", "started_on"),
        "scores": rows(Score.objects.all(), "subject", "date", avg=Avg("grade")),
        "cito": rows(StandardisedResult.objects.all(), "domain", "level"),
        "transfer": rows(Transfer.objects.all(), "advice", "adjusted_advice", "test_score", "maths"),
        "signals": rows(Signal.objects.all(), "category", "severity", "week", "student__leerjaar"),
        "flags": rows(Flag.objects.all(), "level", "status", "raised_on", "resolved_on", "first_action_on"),
        "flag_events": rows(FlagEvent.objects.all(), "kind", "level"),
        "plans": rows(InterventionPlan.objects.all(), "status", "intervention", "started_on", "ended_on",
                      "goal_subject", "goal_grade", "flag"),
        "evaluations": rows(PlanEvaluation.objects.all(), "goal_result", "decision", "cycle"),
        "conversations": rows(Conversation.objects.all(), "held_on", "follow_up_on"),
        "reviews": rows(ReviewItem.objects.all(), "review"),
        "actions": rows(ActionItem.objects.all(), "due_on", "done_on", "owner"),
        "advice": rows(AdviceMoment.objects.all(), "moment", "prognosis", "school_year"),
        "decisions": rows(PromotionDecision.objects.all(), "decision", "level", "leerjaar", "school_year"),
        "retention": [(str(r.school), r.level, r.leerjaar, r.decided, r.repeated, r.percent)
                      for year in years for r in promotion.retention_rate(schools, SchoolYear(year)).rows],
    }


def test_students_who_left_longer_ago_than_the_retention_period_are_anonymised(
        leaver_a, school_a, mentor_a, leader_a, client, student_a, clock):
    leaver, texts = leaver_a
    recent = make_student(school_a, mentor_a, given_name="Bram", family_name="Recent",
                          is_active=False, left_on=years_ago(1))
    client.force_login(mentor_a)
    client.get(leaver.get_absolute_url())
    client.get(student_a.get_absolute_url())
    before = aggregates([school_a])

    call_command("anonymise_leavers", stdout=io.StringIO())

    assert aggregates([school_a]) == before
    leaver.refresh_from_db()
    assert leaver.student_number == f"anon-{leaver.pk}"
    assert (leaver.given_name, leaver.family_name, leaver.date_of_birth) == ("Oud-leerling", "", None)
    assert leaver.primary_school_notes == ""
    stored = everything_stored()
    for secret in ("Femke", "Oudshoorn", "LL482913", "2008-03-09", *texts.values()):
        assert secret not in stored, secret
    assert AuditEntry.objects.filter(summary=f"leerling anon-{leaver.pk}").exists()
    # Those still within the period, and active students, keep everything.
    recent.refresh_from_db()
    student_a.refresh_from_db()
    assert (recent.given_name, student_a.family_name) == ("Bram", "Visser")
    assert AuditEntry.objects.filter(summary=f"leerling {student_a.student_number}").exists()


def test_anonymising_is_audited_with_a_count_only(leaver_a, school_a):
    call_command("anonymise_leavers", stdout=io.StringIO())
    entry = AuditEntry.objects.get(action="delete")
    assert entry.school == school_a and entry.user is None
    assert entry.summary == "bewaartermijn verstreken: 1 oud-leerling(en) geanonimiseerd"


def test_anonymising_twice_changes_nothing_the_second_time(leaver_a):
    call_command("anonymise_leavers", stdout=io.StringIO())
    first = everything_stored()
    out = io.StringIO()
    call_command("anonymise_leavers", stdout=out)
    assert "0 students anonymised" in out.getvalue()
    assert everything_stored() == first


def test_a_dry_run_only_counts(leaver_a):
    before = everything_stored()
    out = io.StringIO()
    call_command("anonymise_leavers", "--dry-run", stdout=out)
    assert "1 student would be anonymised" in out.getvalue() and "12AB: 1" in out.getvalue()
    assert everything_stored() == before


def test_the_retention_period_comes_from_the_settings(leaver_a, settings):
    leaver, _texts = leaver_a
    settings.STUDENT_RETENTION_YEARS = 3
    assert anonymise_task.apply().get() == 0
    leaver.refresh_from_db()
    assert leaver.family_name == "Oudshoorn"
    settings.STUDENT_RETENTION_YEARS = 2
    assert anonymise_task.apply().get() == 1  # in-process; test_worker covers the broker


def test_the_nightly_run_is_scheduled(settings):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["anonymise-leavers"]
    assert entry["task"] == "students.tasks.anonymise_leavers"
    assert entry["task"] in app.tasks


def test_every_scheduled_task_exists(settings):
    from portal.celery import app

    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"students.tasks.forget_unconfirmed_imports", "dashboards.tasks.refresh_all_measures"} <= tasks
    assert tasks <= set(app.tasks)


# --- Uploads nobody confirmed ------------------------------------------------------------------

@pytest.fixture
def unconfirmed(school_a, leader_a, settings, tmp_path, clock):
    """Two previews of a roster with a name in it: one of ten days ago, one of today."""
    from django.core.files.base import ContentFile

    from students.models import ImportJob

    settings.MEDIA_ROOT = tmp_path / "media"
    jobs = []
    for age in (10, 0):
        job = ImportJob.objects.create(school=school_a, kind=ImportJob.Kind.ROSTER, filename="klas.csv",
                                       created_by=leader_a, preview_rows=[{"row": 2, "cells": ["1001", "Fenna"]}],
                                       errors=[{"row": 3, "column": "achternaam", "value": "Fenna", "reason": "x"}])
        job.file.save("klas.csv", ContentFile(b"leerlingnummer;roepnaam\n1001;Fenna\n"))
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=age))
        jobs.append(job)
    return jobs


def test_an_unconfirmed_upload_loses_its_file_and_preview_after_a_week(unconfirmed, django_capture_on_commit_callbacks):
    from students.models import ImportJob
    from students.tasks import forget_unconfirmed_imports

    old, new = unconfirmed
    path = old.file.path
    with django_capture_on_commit_callbacks(execute=True):
        assert forget_unconfirmed_imports.apply().get() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.file and old.preview_rows == [] and old.status == ImportJob.Status.REJECTED
    assert "Fenna" not in json.dumps(old.errors) and "verlopen" in old.errors[0]["reason"]
    assert not os.path.exists(path)
    assert new.file and new.preview_rows and new.status == ImportJob.Status.PREVIEW
    assert AuditEntry.objects.filter(summary__contains="onbevestigde upload").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert forget_unconfirmed_imports.apply().get() == 0  # idempotent


def test_an_expired_preview_says_so_and_cannot_be_confirmed(client, unconfirmed, leader_a):
    from students.models import Student
    from students.privacy import forget_unconfirmed_imports

    old, _new = unconfirmed
    forget_unconfirmed_imports()
    client.force_login(leader_a)
    page = client.get(reverse("roster_import:preview", args=[old.pk]))
    assert page.status_code == 200 and "De preview is verlopen" in page.content.decode()
    client.post(reverse("roster_import:confirm", args=[old.pk]))
    assert not Student.objects.filter(given_name="Fenna").exists()


def test_the_leaving_day_is_kept_when_a_student_is_made_inactive(student_a, clock):
    assert student_a.left_on is None
    student_a.is_active = False
    student_a.save(update_fields=["is_active"])
    student_a.refresh_from_db()
    assert student_a.left_on == clock.today


def test_a_student_back_on_the_roster_has_not_left(clock, student_a, school_a, tmp_path):
    Student.objects.filter(pk=student_a.pk).update(is_active=False, left_on=years_ago(3))
    roster = tmp_path / "leerlingen.csv"
    roster.write_text("leerlingnummer;roepnaam;achternaam;niveau;leerjaar;klas\n"
                      f"{student_a.student_number};Sanne;Visser;havo;3;3H1\n", encoding="utf-8")
    call_command("import_students", str(roster), "--school", "12AB", stdout=io.StringIO())
    student_a.refresh_from_db()
    assert (student_a.is_active, student_a.left_on) == (True, None)
    assert anonymise_task.apply().get() == 0
