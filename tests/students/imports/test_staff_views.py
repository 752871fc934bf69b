"""Staff import in the browser: a school leader uploads the staff file, sees who is added or
changed, confirms once; a new colleague follows the link in their mail, chooses a password and
logs in."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AuditEntry, Membership, Role, User
from students.models import ImportJob
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HEADER = "naam;e-mail;docentcode;rol;mentorklassen;vakken"
UPLOAD = reverse("roster_import:staff_upload")
GOOD = ("Jan de Vries;j.devries@baken.example;VRJ;mentor, docent;3H1;wi",
        "Piet Jansen;p.jansen@baken.example;JNP;docent;;")
BAD = ("Jan de Vries;j.devries@baken.example;VRJ;mentor;3H1;",
       "Piet Jansen;geen-adres;VRJ;conciërge;;",
       "Kim Smit;;KSM;docent;;")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def staff_file(*rows, name="personeel.csv"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *rows]).encode(), content_type="text/csv")


def upload(client, file, **data):
    return client.post(UPLOAD, {"file": file, **data})


def preview_url(job):
    return reverse("roster_import:staff_preview", args=[job.pk])


def confirm_url(job):
    return reverse("roster_import:staff_confirm", args=[job.pk])


def test_the_import_page_links_to_the_staff_import_which_explains_the_columns(client, leader_a):
    client.force_login(leader_a)
    assert UPLOAD in client.get(reverse("roster_import:upload")).content.decode()
    page = client.get(UPLOAD).content.decode()
    assert 'accept=".csv,.xlsx"' in page and 'enctype="multipart/form-data"' in page
    for words in ("docentcode", "afkorting", "mentorklassen", "teamleider", "zorgcoördinator", "vakken"):
        assert words in page
    assert "Wie niet in het bestand staat, blijft zoals hij is" in page


def test_a_leader_previews_confirms_and_the_new_colleague_chooses_a_password(
        client, leader_a, school_a, django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, staff_file(*GOOD))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == preview_url(job)
    assert (job.kind, job.status, job.created_by) == ("staff", "preview", leader_a)
    assert not User.objects.filter(email__endswith="@baken.example").exists() and mail.outbox == []

    page = client.get(preview_url(job)).content.decode()
    assert confirm_url(job) in page
    assert "j.devries@baken.example" in page and "mentor, docent" in page and "nieuw account" in page
    assert "De kolom vakken wordt niet bewaard" in page
    assert "Nog geen leerlingen in deze klassen op deze school: 3H1" in page
    assert "Bevestigen verstuurt e-mails: 2 met een link om een wachtwoord te kiezen, 0 over gewijzigde rollen" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(job))
    assert response.status_code == 302 and response["Location"] == preview_url(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["created"] == 2
    jan = User.objects.get(email="j.devries@baken.example")
    assert sorted(jan.memberships.values_list("role", "teacher_code")) == [("mentor", "VRJ"), ("teacher", "VRJ")]
    assert AuditEntry.objects.filter(user=leader_a, action="import").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["j.devries@baken.example", "p.jansen@baken.example"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(job))  # a second click changes and sends nothing
    assert User.objects.filter(email__endswith="@baken.example").count() == 2 and len(mail.outbox) == 2

    # Jan follows the link in his mail, chooses a password and logs in as a mentor.
    client.logout()
    message = next(m for m in mail.outbox if m.to == ["j.devries@baken.example"])
    assert "Het Baken College" in message.subject and "Beste Jan," in message.body
    link = re.search(r"https?://[^/\s]+(/account/reset/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "een-eigen-wachtwoord-2026",
                                      "new_password2": "een-eigen-wachtwoord-2026"})
    assert response.status_code == 302
    response = client.post(reverse("login"), {"username": "J.deVries@baken.example",
                                              "password": "een-eigen-wachtwoord-2026"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("students:mine")
    assert client.get(link, follow=True).context["validlink"] is False  # the link works once


def test_an_expired_link_is_replaced_through_forgot_your_password(client, school_a, leader_a,
                                                                 django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    upload(client, staff_file(GOOD[1]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(ImportJob.objects.get()))
    client.logout()
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": "P.Jansen@baken.example"})
    assert [m.to for m in mail.outbox] == [["p.jansen@baken.example"]]  # no password yet, still a link
    User.objects.filter(email="p.jansen@baken.example").update(is_active=False)
    client.post(reverse("password_reset"), {"email": "p.jansen@baken.example"})
    assert len(mail.outbox) == 1  # a switched-off account gets nothing


def test_a_file_with_errors_is_rejected_with_every_error_listed(client, leader_a):
    client.force_login(leader_a)
    upload(client, staff_file(*BAD))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [
        (3, "e-mail", "geen-adres"), (3, "docentcode", "VRJ"), (3, "rol", "conciërge"), (4, "e-mail", "")]
    page = client.get(preview_url(job)).content.decode()
    assert "<td>conciërge</td>" in page and "Onbekende rol conciërge. Gebruik mentor (coach" in page
    assert confirm_url(job) not in page
    client.post(confirm_url(job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert not User.objects.filter(email__endswith="@baken.example").exists()


def test_importing_the_same_file_again_shows_nothing_to_change(client, leader_a,
                                                               django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    for _ in range(2):
        upload(client, staff_file(*GOOD))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(confirm_url(ImportJob.objects.latest("pk")))
    second = ImportJob.objects.latest("pk")
    assert (second.summary["created"], second.summary["updated"], second.summary["unchanged"]) == (0, 0, 2)
    assert second.summary["people"] == [] and len(mail.outbox) == 2


def test_the_preview_warns_a_leader_who_takes_away_their_own_leader_role(client, leader_a, school_a):
    client.force_login(leader_a)
    upload(client, staff_file("Marieke Hoekstra;Directie@A.example;HOE;docent;;"))
    job = ImportJob.objects.get()
    page = client.get(preview_url(job)).content.decode()
    assert "Let op: dit bestand neemt u zelf de rol schoolleider op deze school af" in page
    response = client.post(confirm_url(job))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert list(Membership.objects.filter(user=leader_a).values_list("role", flat=True)) == [Role.TEACHER]


def test_a_mentor_cannot_reach_the_staff_import(client, mentor_a):
    client.force_login(mentor_a)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, staff_file(*GOOD)).status_code == 403
    assert not ImportJob.objects.exists() and not User.objects.filter(email__endswith="@baken.example").exists()


def test_the_leader_of_another_school_can_neither_upload_for_it_nor_see_its_import(client, leader_a,
                                                                                   leader_b, school_a):
    client.force_login(leader_a)
    upload(client, staff_file(*GOOD))
    job = ImportJob.objects.get()
    client.force_login(leader_b)
    assert client.get(preview_url(job)).status_code == 404
    assert client.post(confirm_url(job)).status_code == 404
    response = upload(client, staff_file(*GOOD), school=school_a.pk)
    assert response.status_code == 200 and response.context["form"].errors["school"]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and ImportJob.objects.count() == 1
    assert "personeel.csv" not in client.get(UPLOAD).content.decode()  # not among their imports


def test_a_leader_of_two_schools_picks_the_school(client, school_a, school_b):
    leader = make_user("bestuur@example.org", Role.LEADER, school_a)
    Membership.objects.create(user=leader, school=school_b, role=Role.LEADER)
    client.force_login(leader)
    assert "<select" in client.get(UPLOAD).content.decode()
    upload(client, staff_file(*GOOD), school=school_b.pk)
    assert ImportJob.objects.get().school == school_b


def test_the_preview_page_runs_constant_queries(client, leader_a, django_assert_max_num_queries):
    rows = [f"Collega {i};c{i}@baken.example;C{i};{'docent' if i % 2 else 'onbekend'};;" for i in range(60)]
    client.force_login(leader_a)
    upload(client, staff_file(*rows))
    job = ImportJob.objects.get()
    assert len(job.errors) == 30
    with django_assert_max_num_queries(6):
        page = client.get(preview_url(job)).content.decode()
    assert page.count("<td>onbekend</td>") >= 30  # every error, and the first rows

    upload(client, staff_file(*[r.replace("onbekend", "mentor") for r in rows]))
    job = ImportJob.objects.latest("pk")
    assert len(job.summary["people"]) == 60
    with django_assert_max_num_queries(6):
        page = client.get(preview_url(job)).content.decode()
    assert page.count("nieuw account") == 60


def test_the_upload_page_runs_constant_queries(client, leader_a, django_assert_max_num_queries):
    client.force_login(leader_a)
    for i in range(12):
        upload(client, staff_file(f"Collega {i};c{i}@baken.example;;docent;;", name=f"personeel{i}.csv"))
    with django_assert_max_num_queries(8):
        page = client.get(UPLOAD).content.decode()
    assert len(re.findall(r"personeel\d+\.csv", page)) == 10  # the last ten
