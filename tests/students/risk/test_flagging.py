"""The flagging run: set-based, idempotent, with a history per flag, notifications for new
and raised flags, dismissals respected, the time to the first action kept, and safe when
two runs meet."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import services as plan_services
from portal.models import AuditEntry, MailFrequency
from students import meetings
from students.models import Flag, FlagEvent, Notification, Student, TeamReview
from students.flags.services import acknowledge, dismiss
from students.risk.flagging import flag_students
from students.tasks import flag_all_schools, flag_school
from tests.students.risk.test_rules import ON, grade, make_subjects, signal, struggling

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
def subjects(school_a):
    return make_subjects(school_a)


def run(school, now=NOW, capture=None):
    if capture is None:
        return flag_students(school, now=now)
    with capture(execute=True):
        return flag_students(school, now=now)


def kinds(flag):
    return list(flag.events.values_list("kind", flat=True))


def make_worse(student, subjects, on=ON):
    """geschiedenis falls to 4,4: three grades below 5,5 and five tekortpunten -> hoog."""
    grade(student, subjects["gs"], "2.0", on=on, days_before=0)


# --- Set-based and idempotent ------------------------------------------------------------------

def test_the_number_of_queries_does_not_grow_with_the_school(school_a, mentor_a, subjects,
                                                            django_assert_max_num_queries):
    for _ in range(3):
        struggling(school_a, mentor_a, subjects=subjects)
    with CaptureQueriesContext(connection) as few:
        run(school_a)
    Flag.objects.all().delete()
    for _ in range(30):
        struggling(school_a, mentor_a, subjects=subjects)
    with django_assert_max_num_queries(len(few)) as many:
        result = run(school_a)
    assert result.raised == 33
    assert len(many) == len(few)


def test_a_second_run_on_the_same_data_changes_nothing(school_a, mentor_a, subjects, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    struggling(school_a, mentor_a, subjects=subjects)
    first = run(school_a, capture=django_capture_on_commit_callbacks)
    second = run(school_a, now=NOW + timedelta(hours=2), capture=django_capture_on_commit_callbacks)
    assert (first.raised, second.raised, second.changed, second.unchanged) == (1, 0, 0, 1)
    flag = Flag.objects.get()
    assert flag.changed_on == NOW
    assert kinds(flag) == ["raised"]
    assert Notification.objects.count() == 1 and len(mailoutbox) == 1


def test_other_schools_are_left_alone(school_a, school_b, mentor_b, subjects):
    other = struggling(school_b, mentor_b, subjects=make_subjects(school_b))
    run(school_a)
    assert not Flag.objects.filter(student=other).exists()


# --- History -------------------------------------------------------------------------------------

def test_a_flag_is_raised_changed_raised_lowered_and_resolved(school_a, mentor_a, subjects):
    student = struggling(school_a, mentor_a, subjects=subjects)
    run(school_a)
    flag = Flag.objects.get(student=student)
    assert (flag.level, flag.status, flag.raised_on) == (1, Flag.Status.OPEN, NOW)
    assert flag.reasons[0] == {"rule": "insufficient", "points": 2,
                               "text": "wiskunde 4,2 en Engels 5,1 onder 5,5"}
    assert flag.projection == "bespreekzone"
    assert flag.projection_rule.startswith("2 kernvakken onder 5,5")

    signal(student, 0, "motivation", 1)  # attention only: the reasons stay the same
    grade(student, subjects["wi"], "3.0", days_before=2)  # wiskunde falls to 3,6
    run(school_a, NOW + timedelta(days=1))
    flag.refresh_from_db()
    assert flag.level == 1 and "wiskunde 3,6" in flag.reasons[0]["text"]

    make_worse(student, subjects)
    run(school_a, NOW + timedelta(days=2))
    flag.refresh_from_db()
    assert flag.level == 2

    for _ in range(4):
        grade(student, subjects["gs"], "8.0", days_before=0)  # geschiedenis back to 6,8
    run(school_a, NOW + timedelta(days=3))
    flag.refresh_from_db()
    assert flag.level == 1

    for code in ("wi", "en"):
        for _ in range(6):
            grade(student, subjects[code], "8.0", days_before=0)
    run(school_a, NOW + timedelta(days=4))
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_on) == (Flag.Status.RESOLVED, NOW + timedelta(days=4))
    assert kinds(flag) == ["raised", "changed", "raised_higher", "lowered", "resolved"]
    assert [e.level for e in flag.events.all()] == [1, 1, 2, 1, 1]

    for _ in range(6):
        grade(student, subjects["gs"], "1.0", days_before=0)
    run(school_a, NOW + timedelta(days=5))
    assert Flag.objects.filter(student=student).count() == 2  # a new flag, the old one kept
    assert Flag.objects.get(student=student, resolved_on__isnull=True).raised_on == NOW + timedelta(days=5)


def test_a_student_who_left_school_has_the_flag_resolved(school_a, mentor_a, subjects):
    student = struggling(school_a, mentor_a, subjects=subjects)
    run(school_a)
    Student.objects.filter(pk=student.pk).update(is_active=False)
    assert run(school_a, NOW + timedelta(days=1)).resolved == 1
    event = FlagEvent.objects.get(kind="resolved")
    assert event.note == "leerling niet meer actief"


# --- Notifications ------------------------------------------------------------------------------

def test_a_new_flag_notifies_the_mentor_in_the_portal_and_by_mail(
        school_a, mentor_a, subjects, mailoutbox, django_capture_on_commit_callbacks):
    student = struggling(school_a, mentor_a, subjects=subjects, given_name="Sanne",
                         family_name="Visser")
    run(school_a, capture=django_capture_on_commit_callbacks)
    flag = Flag.objects.get()
    notification = Notification.objects.get()
    assert (notification.user, notification.flag) == (mentor_a, flag)
    assert notification.url == reverse("flags:detail", args=[flag.pk])
    assert notification.text.startswith("nieuwe signalering aandacht: Sanne Visser")
    [mail] = mailoutbox
    assert mail.to == [mentor_a.email]
    assert f"leerling {student.student_number}: aandacht (nieuw)" in mail.body
    assert "Visser" not in mail.body + mail.subject  # mail leaves the portal: numbers only


def test_the_mail_links_to_the_flag_list_with_an_absolute_address(
        settings, school_a, mentor_a, subjects, mailoutbox, django_capture_on_commit_callbacks):
    settings.PORTAL_URL = "https://leerroute.example.nl"
    struggling(school_a, mentor_a, subjects=subjects)
    run(school_a, capture=django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert mail.subject == "Leerroute: 1 nieuwe of verhoogde signalering"
    link = f"{settings.PORTAL_URL}{reverse('flags:list')}"
    assert link.startswith(settings.PORTAL_URL)
    assert f"onder Signalering ({link})." in mail.body


def test_a_mentor_who_chose_the_daily_overview_gets_no_mail_at_once(
        school_a, mentor_a, subjects, mailoutbox, django_capture_on_commit_callbacks):
    mentor_a.mail_frequency = MailFrequency.DAILY
    mentor_a.save(update_fields=["mail_frequency"])
    struggling(school_a, mentor_a, subjects=subjects)
    run(school_a, capture=django_capture_on_commit_callbacks)
    assert Notification.objects.filter(user=mentor_a).count() == 1 and not mailoutbox


def test_the_notification_says_in_the_daily_overview_only_the_students_number(
        school_a, mentor_a, subjects, django_capture_on_commit_callbacks):
    student = struggling(school_a, mentor_a, subjects=subjects, given_name="Sanne",
                         family_name="Visser")
    run(school_a, capture=django_capture_on_commit_callbacks)
    notification = Notification.objects.get()
    assert notification.mail_text == f"nieuwe signalering aandacht: leerling {student.student_number}"
    assert notification.mailed_at is None


def test_only_new_and_raised_flags_notify(school_a, mentor_a, subjects, mailoutbox,
                                          django_capture_on_commit_callbacks):
    student = struggling(school_a, mentor_a, subjects=subjects)
    run(school_a, capture=django_capture_on_commit_callbacks)
    grade(student, subjects["wi"], "3.0", days_before=2)  # reasons change
    run(school_a, NOW + timedelta(days=1), capture=django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 1 and len(mailoutbox) == 1
    make_worse(student, subjects)
    run(school_a, NOW + timedelta(days=2), capture=django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 2 and len(mailoutbox) == 2
    assert "hoog (verhoogd)" in mailoutbox[1].body
    assert Notification.objects.first().text.startswith("signalering verhoogd hoog")


def test_one_mail_per_mentor_and_none_without_a_mentor(school_a, mentor_a, other_mentor_a, subjects,
                                                      mailoutbox, django_capture_on_commit_callbacks):
    for _ in range(3):
        struggling(school_a, mentor_a, subjects=subjects)
    struggling(school_a, other_mentor_a, subjects=subjects)
    struggling(school_a, None, subjects=subjects)
    result = run(school_a, capture=django_capture_on_commit_callbacks)
    assert (result.raised, result.notified) == (5, 4)
    assert sorted(len(m.body.splitlines()) for m in mailoutbox) == sorted([9, 7])
    assert {m.to[0] for m in mailoutbox} == {mentor_a.email, other_mentor_a.email}


# --- Acknowledge and dismiss ------------------------------------------------------------------

@pytest.fixture
def flag(school_a, mentor_a, subjects, clock):
    """An open aandacht flag raised now. Acknowledging, dismissing and starting plans happen
    on the real clock, so the tests that use this flag do too (grades dated today)."""
    struggling(school_a, mentor_a, subjects=subjects, on=clock.today, days_before=0)
    flag_students(school_a)
    return Flag.objects.get()


def run_now(school, capture=None):
    return run(school, now=timezone.now(), capture=capture)


def test_a_mentor_acknowledges_a_flag(client, mentor_a, flag):
    client.force_login(mentor_a)
    response = client.post(reverse("flags:acknowledge", args=[flag.pk]))
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by) == (Flag.Status.ACKNOWLEDGED, mentor_a)
    assert flag.first_action_on is None  # acknowledged: it waits for a plan
    assert kinds(flag) == ["raised", "acknowledged"]
    entry = AuditEntry.objects.get(action="update", object_type="flag")
    assert entry.summary == f"signalering leerling {flag.student.student_number}: gezien"


def test_dismissing_needs_a_reason(client, mentor_a, flag):
    client.force_login(mentor_a)
    response = client.post(reverse("flags:dismiss", args=[flag.pk]), {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN

    response = client.post(reverse("flags:dismiss", args=[flag.pk]),
                           {"reason": "Toets gemist door ziekte; herkansing volgende week."})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.dismissed_by) == (Flag.Status.DISMISSED, mentor_a)
    assert flag.dismiss_reason == "Toets gemist door ziekte; herkansing volgende week."
    assert flag.first_action_on == flag.dismissed_on
    assert FlagEvent.objects.get(kind="dismissed").note == flag.dismiss_reason
    entry = AuditEntry.objects.get(action="update", object_type="flag")
    assert "ziekte" not in entry.summary and entry.summary.endswith(": afgewezen")


def test_a_dismissed_flag_is_not_raised_again_unless_higher(school_a, mentor_a, subjects, flag,
                                                            mailoutbox,
                                                            django_capture_on_commit_callbacks, clock):
    dismiss(actor=mentor_a, flag=flag, reason="herkansing gepland")
    student = flag.student
    grade(student, subjects["wi"], "3.0", on=clock.today, days_before=0)  # same level, other reasons
    result = run_now(school_a, capture=django_capture_on_commit_callbacks)
    assert (result.raised, result.changed, result.unchanged) == (0, 0, 1)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DISMISSED and "wiskunde 4,2" in flag.reasons[0]["text"]

    make_worse(student, subjects, on=clock.today)
    result = run_now(school_a, capture=django_capture_on_commit_callbacks)
    assert result.raised_higher == 1
    flag.refresh_from_db()
    assert (flag.status, flag.level, flag.dismiss_reason) == (Flag.Status.OPEN, 2, "")
    event = flag.events.last()
    assert (event.kind, event.note) == ("raised_higher", "opnieuw gesignaleerd na afwijzing")
    assert len(mailoutbox) == 1 and Notification.objects.count() == 2


def test_an_acknowledged_flag_raised_higher_opens_again(school_a, mentor_a, subjects, flag, clock):
    acknowledge(actor=mentor_a, flag=flag)
    make_worse(flag.student, subjects, on=clock.today)
    run_now(school_a)
    flag.refresh_from_db()
    assert (flag.status, flag.level) == (Flag.Status.OPEN, 2)


def test_a_dismissed_flag_is_resolved_when_the_risk_is_gone(school_a, mentor_a, subjects, flag, clock):
    dismiss(actor=mentor_a, flag=flag, reason="herkansing gepland")
    for code in ("wi", "en"):
        for _ in range(5):
            grade(flag.student, subjects[code], "8.0", on=clock.today, days_before=0)
    run_now(school_a)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.RESOLVED


# --- First action ---------------------------------------------------------------------------------

def test_starting_a_plan_is_the_first_action(school_a, mentor_a, flag, clock):
    acknowledge(actor=mentor_a, flag=flag)
    plan_services.start_plan(actor=mentor_a, student=flag.student, data={
        "title": "Bijles wiskunde", "need": "wiskunde", "goal": "wiskunde 5,5",
        "started_on": clock.today})
    flag.refresh_from_db()
    first = flag.first_action_on
    assert first is not None and first > flag.raised_on
    assert kinds(flag) == ["raised", "acknowledged", "first_action"]
    plan_services.start_plan(actor=mentor_a, student=flag.student, data={
        "title": "Huiswerkklas", "need": "planning", "goal": "op tijd", "started_on": clock.today})
    flag.refresh_from_db()
    assert flag.first_action_on == first  # kept once


def test_a_plan_without_a_flag_records_nothing(school_a, mentor_a, student_a):
    plan_services.start_plan(actor=mentor_a, student=student_a, data={
        "title": "Bijles", "need": "wiskunde", "goal": "5,5", "started_on": date(2026, 11, 27)})
    assert not FlagEvent.objects.exists()


# --- The team review agenda -----------------------------------------------------------------------

def test_flagged_students_are_suggested_for_the_team_review(school_a, mentor_a, subjects, flag, clock):
    dismissed = struggling(school_a, mentor_a, subjects=subjects, family_name="Afgewezen",
                           on=clock.today, days_before=0)
    run_now(school_a)
    dismiss(actor=mentor_a, flag=Flag.objects.get(student=dismissed), reason="bekend")
    review = TeamReview.objects.create(school=school_a, held_on=clock.today, class_code="3H1")
    suggestions = meetings.suggested_agenda(mentor_a, review)
    assert [s.student for s in suggestions] == [flag.student]
    assert suggestions[0].reason.startswith(
        "signalering aandacht: wiskunde 4,2 en Engels 5,1 onder 5,5; prognose bespreekzone")


# --- Tasks ----------------------------------------------------------------------------------------

def test_the_celery_task_flags_a_school(clock, school_a, mentor_a, subjects):
    struggling(school_a, mentor_a, subjects=subjects, on=clock.today, days_before=0)  # the task flags today
    result = flag_school.apply(args=[school_a.pk])
    assert result.successful()
    assert result.result["raised"] == 1
    assert Flag.objects.count() == 1



def test_the_nightly_task_flags_every_school(school_a, school_b, mentor_a, mentor_b, subjects,
                                            eager_celery, clock):
    struggling(school_a, mentor_a, subjects=subjects, on=clock.today, days_before=0)
    struggling(school_b, mentor_b, subjects=make_subjects(school_b), on=clock.today, days_before=0)
    flag_all_schools.apply()
    assert set(Flag.objects.values_list("student__school", flat=True)) == {school_a.pk, school_b.pk}


# --- Two runs at the same time (PostgreSQL) -------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_raise_each_flag_once(school_a, mentor_a, subjects):
    for _ in range(40):
        struggling(school_a, mentor_a, subjects=subjects)
    start, results, errors = threading.Barrier(2), [], []

    def flag_now():
        try:
            start.wait()
            results.append(flag_students(school_a, now=NOW))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=flag_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(r.raised for r in results) == [0, 40]
    assert Flag.objects.count() == 40
    assert FlagEvent.objects.filter(kind="raised").count() == 40
    assert Notification.objects.count() == 40
