"""Warme overdracht in the browser: a school leader uploads the primary schools' transfer file,
sees the preview with every error, confirms once."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from portal.models import AuditEntry
from students.models import ImportJob, Transfer

from .test_transfer import HEADER, ROSTER, ROWS

pytestmark = pytest.mark.django_db

UPLOAD = reverse("roster_import:transfer_upload")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def roster_imported(client, leader_a):
    """School A's roster, imported by its leader through the roster pages."""
    client.force_login(leader_a)
    client.post(reverse("roster_import:upload"),
                {"file": SimpleUploadedFile("leerlingen.csv", ROSTER.encode(), content_type="text/csv")})
    client.post(reverse("roster_import:confirm", args=[ImportJob.objects.get(kind="roster").pk]))
    return leader_a


def transfer_file(*rows, name="overdracht.csv"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *rows]).encode(), content_type="text/csv")


def preview_url(job):
    return reverse("roster_import:transfer_preview", args=[job.pk])


def confirm_url(job):
    return reverse("roster_import:transfer_confirm", args=[job.pk])


def test_the_upload_page_explains_columns_and_advices(client, leader_a):
    client.force_login(leader_a)
    page = client.get(UPLOAD).content.decode()
    assert 'accept=".csv,.xlsx"' in page and 'enctype="multipart/form-data"' in page
    for text in ("schooladvies", "heroverwogen advies", "toetsadvies", "taalverzorging", "ondersteuningsbehoefte",
                 "vmbo-kb/gt", "havo/vwo"):
        assert text in page


def test_a_leader_previews_then_confirms_and_the_transfer_data_is_imported_once(client, roster_imported):
    client.post(UPLOAD, {"file": transfer_file(*ROWS)})
    job = ImportJob.objects.get(kind=ImportJob.Kind.TRANSFER)
    assert (job.status, job.summary["created"], job.summary["to_create"]) == (
        "preview", 3, ["1001", "1002", "1003"])
    assert not Transfer.objects.exists()
    page = client.get(preview_url(job)).content.decode()
    assert confirm_url(job) in page and "OBS De Regenboog" in page and "Leest graag" in page

    response = client.post(confirm_url(job))

    assert response.status_code == 302 and response["Location"] == preview_url(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Transfer.objects.count() == 3
    assert AuditEntry.objects.filter(object_type="transfer", user=roster_imported).count() == 1
    client.post(confirm_url(job))  # a second click
    assert AuditEntry.objects.filter(object_type="transfer").count() == 1

    client.post(UPLOAD, {"file": transfer_file(*ROWS, name="nog-eens.csv")})  # the same file again
    again = ImportJob.objects.filter(kind=ImportJob.Kind.TRANSFER).latest("pk")
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 3)


def test_a_file_with_bad_values_is_rejected_with_each_one_named(client, roster_imported):
    client.post(UPLOAD, {"file": transfer_file("1001;;havo-plus;;;;;;;;;", "1002;;havo/vwo;havo;;;;;;2F;;")})
    job = ImportJob.objects.get(kind=ImportJob.Kind.TRANSFER)
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [
        (2, "schooladvies", "havo-plus"), (3, "heroverwogen advies", "havo"), (3, "rekenen", "2F")]
    page = client.get(preview_url(job)).content.decode()
    assert "<td>havo-plus</td>" in page and "havo/vwo, vwo" in page
    assert confirm_url(job) not in page
    client.post(confirm_url(job))
    assert not Transfer.objects.exists()


def test_the_pages_run_a_fixed_number_of_queries(client, roster_imported, django_assert_max_num_queries):
    client.post(UPLOAD, {"file": transfer_file(*ROWS)})
    job = ImportJob.objects.get(kind=ImportJob.Kind.TRANSFER)
    with CaptureQueriesContext(connection) as few:
        client.get(UPLOAD)
    few = len(few)  # read now: the next request empties the log it counts in
    for n in range(12):
        client.post(UPLOAD, {"file": transfer_file(*ROWS, name=f"overdracht-{n}.csv")})
    with django_assert_max_num_queries(few):
        assert client.get(UPLOAD).status_code == 200
    with django_assert_max_num_queries(few):
        assert client.get(preview_url(job)).status_code == 200


def test_a_teacher_may_not_import_and_another_schools_leader_finds_no_job(client, roster_imported, teacher_a,
                                                                          leader_b):
    client.post(UPLOAD, {"file": transfer_file(*ROWS)})
    job = ImportJob.objects.get(kind=ImportJob.Kind.TRANSFER)
    client.force_login(teacher_a)
    assert client.get(UPLOAD).status_code == 403
    client.force_login(leader_b)
    assert client.get(preview_url(job)).status_code == 404
    assert client.post(confirm_url(job)).status_code == 404
    assert not Transfer.objects.exists()
