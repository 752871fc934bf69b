"""Driehoeksgesprek: the mentor records what student, parents and school agreed, and when
they will talk again; the student page lists the conversations."""

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.models import AuditEntry
from students import meetings
from students.models import Conversation
from tests.conftest import make_student

pytestmark = pytest.mark.django_db

AGREEMENTS = "Sanne maakt elke dinsdag een planning; moeder kijkt die met haar door."


def new_url(student):
    return reverse("meetings:conversation_create", args=[student.pk])


def edit_url(conversation):
    return reverse("meetings:conversation_edit", args=[conversation.student_id, conversation.pk])


def form_data(**changes):
    data = {"held_on": "2026-11-12", "participants": "Sanne, haar moeder, mentor Post",
            "agreements": AGREEMENTS, "follow_up_on": "2026-12-10"}
    data.update(changes)
    return data


def partial(student, *, can_record):
    with translation.override("en"):
        return render_to_string("students/_conversations.html", {
            "student": student, "conversations": meetings.conversations_for(student),
            "can_record": can_record,
        })


def test_the_mentor_records_a_conversation(client, mentor_a, student_a):
    client.force_login(mentor_a)
    assert client.get(new_url(student_a)).status_code == 200
    response = client.post(new_url(student_a), form_data())
    assert response.status_code == 302 and response["Location"] == student_a.get_absolute_url()
    conversation = student_a.conversations.get()
    assert conversation.held_on == date(2026, 11, 12)
    assert conversation.follow_up_on == date(2026, 12, 10)
    assert conversation.agreements == AGREEMENTS and conversation.author == mentor_a
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.summary == f"driehoeksgesprek leerling {student_a.student_number} 12-11-2026 vastgelegd"
    assert entry.school == student_a.school and entry.user == mentor_a


def test_the_school_leader_may_record_one_too(client, leader_a, student_a):
    client.force_login(leader_a)
    assert client.post(new_url(student_a), form_data(follow_up_on="")).status_code == 302
    assert student_a.conversations.get().follow_up_on is None


def test_the_follow_up_date_cannot_be_before_the_conversation(client, mentor_a, student_a):
    client.force_login(mentor_a)
    response = client.post(new_url(student_a), form_data(follow_up_on="2026-11-11"))
    assert response.status_code == 200
    assert "follow_up_on" in response.context["form"].errors
    assert not Conversation.objects.exists()
    same_day = client.post(new_url(student_a), form_data(follow_up_on="2026-11-12"))
    assert same_day.status_code == 302


def test_the_service_refuses_a_follow_up_before_the_conversation(mentor_a, student_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        meetings.record_conversation(actor=mentor_a, student=student_a, held_on=date(2026, 11, 12),
                                     participants="Sanne", agreements="-",
                                     follow_up_on=date(2026, 11, 1))
    assert not Conversation.objects.exists()


def test_the_mentor_edits_a_conversation_and_the_log_says_what_changed(
        client, mentor_a, conversation_a, student_a):
    client.force_login(mentor_a)
    page = client.get(edit_url(conversation_a)).content.decode()
    assert "Sanne, haar vader, mentor Post" in page and 'value="2026-12-10"' in page
    response = client.post(edit_url(conversation_a), form_data(
        participants="Sanne, haar vader, mentor Post", agreements="Nieuwe afspraak.",
        follow_up_on="2026-12-17",
    ))
    assert response["Location"] == student_a.get_absolute_url()
    conversation_a.refresh_from_db()
    assert conversation_a.agreements == "Nieuwe afspraak."
    assert conversation_a.follow_up_on == date(2026, 12, 17)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.summary == (f"driehoeksgesprek leerling {student_a.student_number} 12-11-2026: "
                             "afspraken, vervolgdatum")


def test_an_edit_keeps_the_follow_up_rule(client, mentor_a, conversation_a):
    client.force_login(mentor_a)
    response = client.post(edit_url(conversation_a), form_data(held_on="2026-12-20"))
    assert response.status_code == 200
    conversation_a.refresh_from_db()
    assert conversation_a.held_on == date(2026, 11, 12)


# --- The partial on the student page -------------------------------------------------------

def test_the_student_page_partial_lists_conversations_with_dutch_dates(
        client, mentor_a, student_a, conversation_a):
    html = partial(student_a, can_record=True)
    assert "12-11-2026" in html and "10-12-2026" in html
    assert "Sanne, haar vader, mentor Post" in html and AGREEMENTS in html
    assert new_url(student_a) in html and edit_url(conversation_a) in html
    colleague_view = partial(student_a, can_record=False)
    assert AGREEMENTS in colleague_view
    assert new_url(student_a) not in colleague_view and edit_url(conversation_a) not in colleague_view


def test_a_passed_follow_up_date_is_highlighted_until_the_next_conversation(student_a, mentor_a, clock):
    today = clock.today
    Conversation.objects.create(student=student_a, held_on=today - timedelta(days=30),
                                participants="Sanne", agreements="Eerste",
                                follow_up_on=today - timedelta(days=2))
    html = partial(student_a, can_record=False)
    assert html.count("overdue") == 1

    Conversation.objects.create(student=student_a, held_on=today - timedelta(days=1),
                                participants="Sanne", agreements="Vervolg",
                                follow_up_on=today + timedelta(days=14))
    assert "overdue" not in partial(student_a, can_record=False)


def test_the_new_conversation_page_shows_the_earlier_ones(client, mentor_a, student_a, conversation_a):
    client.force_login(mentor_a)
    page = client.get(new_url(student_a)).content.decode()
    assert AGREEMENTS in page


def test_nothing_is_shown_before_the_first_conversation(student_a):
    with translation.override("en"):
        assert "No conversations recorded yet." in partial(student_a, can_record=True)


# --- Who may record ------------------------------------------------------------------------
# Who may record (colleagues: 403; outside the school the student does not exist: 404) is
# proven by the matrix in tests/portal/test_permissions.py.


def test_a_conversation_belongs_to_its_own_student(client, mentor_a, school_a, conversation_a):
    other_mentee = make_student(school_a, mentor_a, given_name="Bram", family_name="Smit")
    client.force_login(mentor_a)
    url = reverse("meetings:conversation_edit", args=[other_mentee.pk, conversation_a.pk])
    assert client.get(url).status_code == 404
