"""A full roster marks who is no longer in it as left: on the command line and on the page.

Only a full roster (`--full`, or "dit is de volledige leerlingenlijst" on the upload page) does
this; leaving never deletes anyone, a student in a later file is active again, the same file
twice changes nothing, and more than half of the school needs an explicit extra yes.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from portal.models import AuditEntry
from students.models import ImportJob, Student

pytestmark = pytest.mark.django_db

HEADER = "leerlingnummer;roepnaam;achternaam;niveau;leerjaar;klas"
SANNE, DAAN, MILA, KIM = ("1001;Sanne;Visser;havo;3;3H1", "1002;Daan;Bakker;vwo;4;4V2",
                          "1003;Mila;Jansen;HV;1;1HV", "1004;Kim;Smit;mavo;2;2M1")
NOAH = "1005;Noah;Vos;havo;1;1H2"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_text(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


def import_students(tmp_path, *rows, args=()):
    path = tmp_path / "leerlingen.csv"
    path.write_text(csv_text(*rows), encoding="utf-8")
    out = StringIO()
    call_command("import_students", str(path), "--school", "12AB", *args, stdout=out)
    return out.getvalue()


def refused(tmp_path, *rows, args=()):
    """The output of an import that must be refused as a whole."""
    path = tmp_path / "leerlingen.csv"
    path.write_text(csv_text(*rows), encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_students", str(path), "--school", "12AB", *args, stdout=out)
    return out.getvalue()


def active_numbers():
    return sorted(Student.objects.filter(is_active=True).values_list("student_number", flat=True))


@pytest.fixture
def school(tmp_path, school_a):
    """Het Baken College with four students, imported the documented way."""
    import_students(tmp_path, SANNE, DAAN, MILA, KIM)
    return school_a


# --- On the command line --------------------------------------------------------------------------

def test_a_full_roster_marks_who_is_not_in_it_as_left_and_says_how_many(tmp_path, school, clock):
    output = import_students(tmp_path, SANNE, DAAN, MILA, NOAH, args=["--full"])
    assert "rows read: 4 / created: 1 / updated: 0 / unchanged: 3" in output
    assert f"marked as left: 1 on {clock.today.isoformat()} (not in this full roster)" in output
    kim = Student.objects.get(student_number="1004")
    assert (kim.is_active, kim.left_on) == (False, clock.today)  # never deleted
    assert active_numbers() == ["1001", "1002", "1003", "1005"]
    when = clock.today.strftime("%d-%m-%Y")
    assert AuditEntry.objects.filter(object_type="student", object_id=str(kim.pk), summary=(
        f"leerling 1004: uitgeschreven per {when} (niet in het volledige leerlingenbestand)")).exists()
    assert AuditEntry.objects.filter(summary=f"volledig leerlingenbestand: 1 uitgeschreven per {when}").exists()


def test_the_same_full_roster_twice_changes_nothing(tmp_path, school, clock):
    import_students(tmp_path, SANNE, DAAN, MILA, args=["--full", "--left-on",
                                                        (clock.today - timedelta(days=3)).isoformat()])
    snapshot = list(Student.objects.order_by("pk").values())
    entries = AuditEntry.objects.count()
    output = import_students(tmp_path, SANNE, DAAN, MILA, args=["--full"])
    assert "unchanged: 3" in output and "marked as left: 0 (not in this full roster)" in output
    assert list(Student.objects.order_by("pk").values()) == snapshot  # the leaving date stays
    assert AuditEntry.objects.count() == entries


def test_a_partial_roster_never_marks_anyone_as_left(tmp_path, school):
    output = import_students(tmp_path, SANNE)
    assert "marked as left" not in output and "unchanged: 1" in output
    assert active_numbers() == ["1001", "1002", "1003", "1004"]


def test_a_student_in_a_later_file_is_active_again(tmp_path, school, clock):
    import_students(tmp_path, SANNE, DAAN, MILA, args=["--full"])
    output = import_students(tmp_path, SANNE, DAAN, MILA, KIM, args=["--full"])
    assert "updated: 1" in output and "marked as left: 0" in output
    kim = Student.objects.get(student_number="1004")
    assert (kim.is_active, kim.left_on) == (True, None)


def test_a_dry_run_says_who_would_leave_and_writes_nothing(tmp_path, school):
    output = import_students(tmp_path, SANNE, DAAN, MILA, args=["--full", "--dry-run"])
    assert "would be marked as left: 1 of 4 active students" in output
    assert "student numbers: 1004" in output
    assert active_numbers() == ["1001", "1002", "1003", "1004"]


def test_the_leaving_date_is_given_or_today_and_checked(tmp_path, school, clock):
    for bad, reason in ((clock.today + timedelta(days=1), "kan niet in de toekomst liggen"),
                        (clock.today - timedelta(days=400), "meer dan een jaar terug")):
        with pytest.raises(CommandError, match=reason):
            import_students(tmp_path, SANNE, DAAN, MILA, args=["--full", "--left-on", bad.isoformat()])
    with pytest.raises(CommandError, match="not a date"):
        import_students(tmp_path, SANNE, DAAN, MILA, args=["--full", "--left-on", "31-07-2026"])
    with pytest.raises(CommandError, match="go with --full"):
        import_students(tmp_path, SANNE, DAAN, MILA, args=["--left-on", clock.today.isoformat()])
    assert active_numbers() == ["1001", "1002", "1003", "1004"]

    day = clock.today - timedelta(days=30)
    import_students(tmp_path, SANNE, DAAN, MILA, args=["--full", "--left-on", day.isoformat()])
    assert Student.objects.get(student_number="1004").left_on == day


def test_more_than_half_leaving_needs_yes_many_leavers(tmp_path, school, clock):
    with translation.override("en"):
        output = refused(tmp_path, SANNE, NOAH, args=["--full"])
    assert ("This full roster would mark 3 of the 4 active students as left: more than half, "
            "so nothing was written") in output
    assert "--yes-many-leavers" in output
    assert active_numbers() == ["1001", "1002", "1003", "1004"]
    assert not Student.objects.filter(student_number="1005").exists()  # nothing half-written

    output = import_students(tmp_path, SANNE, NOAH, args=["--full", "--yes-many-leavers"])
    assert "marked as left: 3" in output
    assert active_numbers() == ["1001", "1005"]


def test_half_exactly_needs_no_extra_yes(tmp_path, school):
    assert "marked as left: 2" in import_students(tmp_path, SANNE, DAAN, args=["--full"])


def test_leavers_are_anonymised_after_the_retention_period_not_before(tmp_path, school, clock, settings):
    settings.STUDENT_RETENTION_YEARS = 2
    import_students(tmp_path, SANNE, DAAN, MILA, args=["--full"])
    call_command("anonymise_leavers", stdout=StringIO())
    assert Student.objects.get(student_number="1004").family_name == "Smit"

    clock.move_to(clock.today + timedelta(days=2 * 366 + 1))
    call_command("anonymise_leavers", stdout=StringIO())
    assert not Student.objects.filter(student_number="1004").exists()
    assert Student.objects.filter(family_name="Smit").count() == 0
    assert Student.objects.count() == 4  # anonymised, not deleted


# --- On the page ------------------------------------------------------------------------------------

def upload(client, *rows, full=True):
    data = {"file": SimpleUploadedFile("leerlingen.csv", csv_text(*rows).encode(), content_type="text/csv")}
    if full:
        data["full"] = "on"
    client.post(reverse("roster_import:upload"), data)
    return ImportJob.objects.latest("pk")


def preview(client, job):
    return client.get(reverse("roster_import:preview", args=[job.pk])).content.decode()


def confirm(client, job, **data):
    return client.post(reverse("roster_import:confirm", args=[job.pk]), data)


def test_the_upload_page_offers_the_complete_list_box(client, leader_a):
    client.force_login(leader_a)
    page = client.get(reverse("roster_import:upload")).content.decode()
    assert 'name="full"' in page and "Dit is de volledige leerlingenlijst" in page


def test_a_leader_sees_who_is_no_longer_in_the_file_and_marks_them_as_left(client, leader_a, school, clock):
    client.force_login(leader_a)
    job = upload(client, SANNE, DAAN, NOAH)
    assert job.status == ImportJob.Status.PREVIEW
    assert (job.summary["full"], job.summary["leavers"], job.summary["many_leavers"]) == (
        True, ["1003", "1004"], False)
    page = preview(client, job)
    assert "2 leerlingen staan niet meer in dit bestand" in page
    for cell in ("1003", "Jansen, Mila", "1HV", "havo/vwo 1", "1004", "Smit, Kim", "2M1"):
        assert cell in page
    assert 'name="left_on"' in page and f'value="{clock.today.isoformat()}"' in page
    assert "Uitschrijven per" in page and "Importeren en 2 leerlingen uitschrijven" in page
    assert active_numbers() == ["1001", "1002", "1003", "1004"]  # nothing yet

    day = clock.today - timedelta(days=7)
    response = confirm(client, job, left_on=day.isoformat())
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["left"] == 2
    assert active_numbers() == ["1001", "1002", "1005"]
    assert set(Student.objects.filter(is_active=False).values_list("left_on", flat=True)) == {day}
    page = preview(client, job)
    assert f"2 leerlingen uitgeschreven per {day.strftime('%d-%m-%Y')}" in page and "Smit, Kim" in page

    confirm(client, job, left_on=clock.today.isoformat())  # a second click
    assert set(Student.objects.filter(is_active=False).values_list("left_on", flat=True)) == {day}
    assert AuditEntry.objects.filter(summary__contains="uitgeschreven per").count() == 3


def test_a_partial_upload_marks_nobody_as_left(client, leader_a, school):
    client.force_login(leader_a)
    job = upload(client, SANNE, full=False)
    assert job.summary["full"] is False and "leavers" not in job.summary
    page = preview(client, job)
    assert "Niet aangemerkt als de volledige leerlingenlijst" in page and 'name="left_on"' not in page
    confirm(client, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert active_numbers() == ["1001", "1002", "1003", "1004"]


def test_a_complete_list_with_everyone_in_it_marks_nobody(client, leader_a, school):
    client.force_login(leader_a)
    job = upload(client, SANNE, DAAN, MILA, KIM)
    assert "Iedere actieve leerling staat in deze volledige leerlingenlijst" in preview(client, job)
    confirm(client, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["left"] == 0
    assert active_numbers() == ["1001", "1002", "1003", "1004"]


def test_a_leaving_date_in_the_future_is_refused_on_the_page(client, leader_a, school, clock):
    client.force_login(leader_a)
    job = upload(client, SANNE, DAAN, MILA)
    response = confirm(client, job, left_on=(clock.today + timedelta(days=1)).isoformat())
    assert response.status_code == 200
    assert "left_on" in response.context["leavers_form"].errors
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW
    assert active_numbers() == ["1001", "1002", "1003", "1004"]


def test_more_than_half_leaving_needs_the_extra_yes_on_the_page(client, leader_a, school, clock):
    client.force_login(leader_a)
    job = upload(client, SANNE)
    assert job.summary["many_leavers"] is True
    page = preview(client, job)
    assert "3 leerlingen staan niet meer in dit bestand" in page
    assert "meer dan de helft van de 4 actieve leerlingen" in page and 'name="many_leavers"' in page

    response = confirm(client, job, left_on=clock.today.isoformat())
    assert response.status_code == 200 and "many_leavers" in response.context["leavers_form"].errors
    assert active_numbers() == ["1001", "1002", "1003", "1004"]

    confirm(client, job, left_on=clock.today.isoformat(), many_leavers="on")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["left"] == 3
    assert active_numbers() == ["1001"]


def test_only_the_leavers_the_preview_showed_are_marked(tmp_path, client, leader_a, school, clock):
    client.force_login(leader_a)
    job = upload(client, SANNE, DAAN, MILA)  # Kim is not in it
    import_students(tmp_path, NOAH)  # meanwhile Noah arrives through another (partial) import
    confirm(client, job, left_on=clock.today.isoformat())
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["leavers"] == ["1004"]
    assert active_numbers() == ["1001", "1002", "1003", "1005"]


@pytest.mark.parametrize("persona", ["leader_b", "mentor_a", "teacher_a", "inspector"])
def test_others_cannot_see_or_confirm_a_full_roster(client, request, leader_a, school, clock, persona):
    client.force_login(leader_a)
    job = upload(client, SANNE)
    client.force_login(request.getfixturevalue(persona))
    expected = 404 if persona == "leader_b" else 403
    assert client.get(reverse("roster_import:preview", args=[job.pk])).status_code == expected
    response = confirm(client, job, left_on=clock.today.isoformat(), many_leavers="on")
    assert response.status_code == expected
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW
    assert active_numbers() == ["1001", "1002", "1003", "1004"]
