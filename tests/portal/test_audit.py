from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry
from portal.tasks import purge_audit_log

pytestmark = pytest.mark.django_db


def test_viewing_a_student_is_logged(client, mentor_a, student_a):
    client.force_login(mentor_a)
    client.get(student_a.get_absolute_url())
    entry = AuditEntry.objects.get(action="view")
    assert (entry.user, entry.school, entry.object_type, entry.object_id) == (
        mentor_a, student_a.school, "student", str(student_a.pk))
    assert student_a.student_number in entry.summary


def test_viewing_a_list_is_logged(client, mentor_a, student_a):
    client.force_login(mentor_a)
    client.get(reverse("students:mine"))
    assert AuditEntry.objects.filter(action="list", user=mentor_a, school=student_a.school).exists()


def test_a_change_is_logged_with_field_names_but_not_the_note_itself(client, mentor_a, student_a):
    client.force_login(mentor_a)
    response = client.post(reverse("students:edit", args=[student_a.pk]),
                           {"primary_school_notes": "Vertrouwelijk: thuis zorgen.", "sex": "v"})
    assert response.status_code == 302
    student_a.refresh_from_db()
    assert student_a.primary_school_notes == "Vertrouwelijk: thuis zorgen."
    entry = AuditEntry.objects.get(action="update")
    assert "primary_school_notes" in entry.summary and "sex" in entry.summary
    assert "Vertrouwelijk" not in entry.summary


def test_saving_without_changes_logs_no_change(client, mentor_a, student_a):
    client.force_login(mentor_a)
    client.post(reverse("students:edit", args=[student_a.pk]),
                {"primary_school_notes": student_a.primary_school_notes, "sex": ""})
    assert not AuditEntry.objects.filter(action="update").exists()


def test_the_leader_reads_the_log_of_their_own_school_only(client, leader_a, mentor_a, student_a,
                                                            mentor_b, student_b):
    client.force_login(mentor_a)
    client.get(student_a.get_absolute_url())
    client.force_login(mentor_b)
    client.get(student_b.get_absolute_url())
    client.force_login(leader_a)
    page = client.get(reverse("audit_log", args=["12AB"])).content.decode()
    assert mentor_a.email in page and f"leerling {student_a.student_number}" in page
    assert mentor_b.email not in page and student_b.student_number not in page


def test_the_log_can_be_filtered_by_student_number(client, leader_a, mentor_a, school_a):
    from tests.conftest import make_student

    one, other = make_student(school_a, mentor_a), make_student(school_a, mentor_a)
    client.force_login(mentor_a)
    client.get(one.get_absolute_url())
    client.get(other.get_absolute_url())
    client.force_login(leader_a)
    page = client.get(reverse("audit_log", args=["12AB"]), {"wat": one.student_number}).content.decode()
    assert one.student_number in page and other.student_number not in page


def test_the_audit_page_runs_a_constant_number_of_queries(client, leader_a, mentor_a, student_a,
                                                          django_assert_max_num_queries):
    client.force_login(mentor_a)
    for _ in range(40):
        client.get(student_a.get_absolute_url())
    client.force_login(leader_a)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("audit_log", args=["12AB"])).status_code == 200


def test_nightly_purge_drops_entries_past_retention(settings, mentor_a, student_a, client, clock):
    settings.AUDIT_RETENTION_DAYS = 30
    client.force_login(mentor_a)
    client.get(student_a.get_absolute_url())
    client.get(student_a.get_absolute_url())
    old, recent = AuditEntry.objects.order_by("pk")
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    assert purge_audit_log.apply().get() == 1  # in-process; test_worker covers the broker
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]
