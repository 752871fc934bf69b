"""Roster import in the browser: a school leader uploads, sees the preview, confirms once."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import services
from portal.models import AuditEntry, Role
from students.models import ImportJob, MentorAssignment, Student
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HEADER = "leerlingnummer;roepnaam;achternaam;geboortedatum;niveau;leerjaar;klas;mentor"
UPLOAD = reverse("roster_import:upload")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def roster(*rows, name="leerlingen.csv"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *rows]).encode(), content_type="text/csv")


GOOD = ("1001;Sanne;Visser;04-05-2012;havo;3;3H1;mentor@a.example",
        "1002;Daan;Bakker;07-09-2011;vwo;4;4V2;")
BAD = ("1001;Sanne;Visser;04-05-2012;havo;3;3H1;mentor@a.example",
       "1002;Daan;Bakker;31-02-2011;havo/mbo;4;4V2;",
       "1001;Kim;Smit;01-01-2012;havo;9;3H1;niemand@a.example")


def upload(client, file, **data):
    return client.post(UPLOAD, {"file": file, **data})


def preview_url(job):
    return reverse("roster_import:preview", args=[job.pk])


def confirm_url(job):
    return reverse("roster_import:confirm", args=[job.pk])


def test_the_upload_page_explains_the_columns(client, leader_a):
    client.force_login(leader_a)
    page = client.get(UPLOAD).content.decode()
    assert 'accept=".csv,.xlsx"' in page and 'enctype="multipart/form-data"' in page
    for header in ("leerlingnummer", "roepnaam", "geboortedatum", "stamgroep", "mentorcode", "geslacht"):
        assert header in page
    assert 'name="school"' in page and 'type="hidden"' in page  # one school: nothing to choose


def test_a_leader_previews_then_confirms_and_the_students_are_imported_once(client, leader_a, mentor_a):
    client.force_login(leader_a)
    response = upload(client, roster(*GOOD))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == preview_url(job)
    assert (job.kind, job.status, job.filename, job.created_by) == (
        "roster", "preview", "leerlingen.csv", leader_a)
    assert job.summary["created"] == 2 and job.summary["to_create"] == ["1001", "1002"]
    assert not Student.objects.exists() and not AuditEntry.objects.exists()

    page = client.get(preview_url(job)).content.decode()
    assert confirm_url(job) in page
    assert "1001" in page and "Sanne" in page and "mentor@a.example" in page  # the first rows

    response = client.post(confirm_url(job))
    assert response.status_code == 302 and response["Location"] == preview_url(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.finished_at is not None
    assert (job.summary["created"], job.processed_rows) == (2, 2)
    sanne = Student.objects.get(student_number="1001")
    assert sanne.mentor == mentor_a and sanne.class_code == "3H1"
    assert AuditEntry.objects.get().user == leader_a
    page = client.get(preview_url(job)).content.decode()
    assert confirm_url(job) not in page

    client.post(confirm_url(job))  # a second click, a reload, a double submit
    assert Student.objects.count() == 2
    assert AuditEntry.objects.count() == 1
    assert MentorAssignment.objects.count() == 1


def test_a_file_with_errors_is_rejected_with_every_error_listed(client, leader_a, mentor_a):
    client.force_login(leader_a)
    upload(client, roster(*BAD))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [
        (3, "geboortedatum", "31-02-2011"), (3, "niveau", "havo/mbo"),
        (4, "leerlingnummer", "1001"), (4, "leerjaar", "9"), (4, "mentor", "niemand@a.example"),
    ]
    page = client.get(preview_url(job)).content.decode()
    for value in ("31-02-2011", "havo/mbo", "niemand@a.example"):
        assert f"<td>{value}</td>" in page
    assert confirm_url(job) not in page

    client.post(confirm_url(job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert not Student.objects.exists()


def test_the_uploaded_file_is_removed_once_the_job_is_finished(client, leader_a, mentor_a,
                                                               django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, roster(*GOOD))
    job = ImportJob.objects.get()
    stored = Path(job.file.path)
    assert stored.exists()  # kept while the job waits for confirmation
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(job))
    assert not stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, roster(*BAD))
    rejected = ImportJob.objects.get(status=ImportJob.Status.REJECTED)
    assert not rejected.file.storage.exists(rejected.file.name)


def test_confirming_checks_the_file_again(client, leader_a, mentor_a, school_a):
    client.force_login(leader_a)
    upload(client, roster(*GOOD))
    job = ImportJob.objects.get()
    mentor_a.memberships.filter(school=school_a, role=Role.MENTOR).delete()  # the mentor left meanwhile

    client.post(confirm_url(job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "mentor")]
    assert not Student.objects.exists()


def test_a_missing_required_column_is_one_file_error(client, leader_a, settings):
    client.force_login(leader_a)
    upload(client, SimpleUploadedFile("export.csv", b"leerlingnummer;roepnaam\n1001;Sanne\n"))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert len(job.errors) == 1 and job.errors[0]["row"] is None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(preview_url(job)).content.decode()
    assert "whole file" in page and "achternaam, niveau, leerjaar" in page


def test_only_csv_and_xlsx_files_are_accepted(client, leader_a):
    client.force_login(leader_a)
    response = upload(client, SimpleUploadedFile("export.pdf", b"%PDF-1.4"))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_a_leader_of_two_schools_picks_the_school(client, school_a, school_b):
    leader = make_user("bestuur@example.org", Role.LEADER, school_a)
    services.create_user(email=leader.email, role=Role.LEADER, schools=[school_b])
    client.force_login(leader)
    page = client.get(UPLOAD).content.decode()
    assert "Het Baken College" in page and "De Linde" in page and "<select" in page
    upload(client, roster(*GOOD), school=school_b.pk)
    assert ImportJob.objects.get().school == school_b


def test_a_leader_cannot_upload_for_another_school(client, leader_a, school_b):
    client.force_login(leader_a)
    response = upload(client, roster(*GOOD), school=school_b.pk)
    assert response.status_code == 200 and response.context["form"].errors["school"]
    assert not ImportJob.objects.exists()


def test_the_upload_page_lists_only_my_schools_jobs(client, leader_a, leader_b):
    client.force_login(leader_b)
    upload(client, roster("2001;Daan;Bakker;07-09-2011;vwo;4;4V2;", name="linde.csv"))
    client.force_login(leader_a)
    upload(client, roster("1001;Sanne;Visser;04-05-2012;havo;3;3H1;", name="baken.csv"))
    page = client.get(UPLOAD).content.decode()
    assert "baken.csv" in page and "linde.csv" not in page


@pytest.fixture
def job_a(client, leader_a, mentor_a):
    client.force_login(leader_a)
    upload(client, roster(*BAD))
    client.logout()
    return ImportJob.objects.get()


# Who may import, and another school's job (404), are proven by the matrix in
# tests/portal/test_permissions.py.


def test_confirm_only_answers_post(client, job_a, leader_a):
    client.force_login(leader_a)
    assert client.get(confirm_url(job_a)).status_code == 405


def test_the_preview_page_runs_constant_queries(client, leader_a, mentor_a, django_assert_max_num_queries):
    rows = [f"{1000 + i};Leerling{i};Groep;04-05-2012;havo;{'9' if i % 2 else '3'};3H1;mentor@a.example"
            for i in range(60)]
    client.force_login(leader_a)
    upload(client, roster(*rows))
    job = ImportJob.objects.get()
    assert len(job.errors) == 30 and len(job.preview_rows) == 10
    with django_assert_max_num_queries(6):
        page = client.get(preview_url(job)).content.decode()
    assert len(re.findall(r"<td>9</td>", page)) >= 30


def test_the_upload_page_runs_constant_queries(client, leader_a, mentor_a, django_assert_max_num_queries):
    client.force_login(leader_a)
    for i in range(12):
        upload(client, roster(f"{1000 + i};Sanne;Visser;04-05-2012;havo;3;3H1;", name=f"export{i}.csv"))
    with django_assert_max_num_queries(8):
        page = client.get(UPLOAD).content.decode()
    assert page.count("export") >= 10
