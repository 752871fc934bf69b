"""A school's first week, exactly as the README's "Eerste week" says: create_school → the first
leader → import_staff → import_students → import_scores of the school's own export (a subject
the school never had, qualitative marks, two-decimal grades, a combined level), once on the
command line and once through the pages. Nothing is prepared with internal helpers: what a real
school lacks on day one, these schools lack too."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.models import Role, School
from students.models import ImportJob, Score, Student, Subject

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

PASSWORD = "een-eigen-wachtwoord-2026"
STAFF = ("naam;e-mail;afkorting;rol;mentorklassen\n"
         "Anna de Wit;a.dewit@lyceum.example;WIT;mentor, docent;\n"
         "Bram Kok;b.kok@lyceum.example;KOK;docent;\n")
ROSTER = ("leerlingnummer;roepnaam;tussenvoegsel;achternaam;geboortedatum;niveau;leerjaar;klas;mentor\n"
          "5001;Sanne;;Visser;04-05-2014;havo/vwo;1;1HV;WIT\n"
          "5002;Daan;de;Boer;07-09-2014;havo/vwo;1;1HV;WIT\n"
          "5003;Mila;;Jansen;12-01-2014;mavo;1;1M;a.dewit@lyceum.example\n")


def grades(day):
    """The school's grade export: two-decimal grades, marks for LO, a 'vr' and an 'inh', and
    Sterrenkunde, a subject no standard list has."""
    d = f"{day:%d-%m-%Y}"
    return ("leerlingnummer;vak;toets;datum;cijfer;weging\n"
            f"5001;ne;Toets 1;{d};6,75;1\n"
            f"5001;wi;Toets 1;{d};5,25;2\n"
            f"5001;lo;Rapport;{d};V;1\n"
            f"5001;Sterrenkunde;Sterren 1;{d};7,5;1\n"
            f"5002;ne;Toets 1;{d};8;1\n"
            f"5002;lo;Rapport;{d};vr;1\n"
            f"5002;Sterrenkunde;Sterren 1;{d};inh;1\n"
            f"5003;ne;Toets 1;{d};4,5;1\n"
            f"5003;lo;Rapport;{d};O;1\n")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def results(school):
    return sorted(Score.objects.filter(student__school=school).values_list(
        "student__student_number", "subject__code", "grade", "mark"))


def password_link(address):
    message = next(m for m in reversed(mail.outbox) if m.to == [address])
    return re.search(r"https?://[^/\s]+(/account/reset/\S+/)", message.body).group(1)


def choose_password(client, link):
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302


def log_in(client, email):
    client.logout()
    response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_a_new_school_gets_going_on_the_command_line(tmp_path, clock, django_capture_on_commit_callbacks):
    files = {"personeel.csv": STAFF, "leerlingen.csv": ROSTER, "cijfers.csv": grades(clock.today)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    run("create_school", "45EF", "Het Nieuwe Lyceum", "--municipality", "Utrecht")
    school = School.objects.get(brin="45EF")
    assert Subject.objects.filter(school=school, is_active=True).count() >= 50  # the standard list
    run("create_user", "directie@lyceum.example", "--role", "leader", "--school", "45EF")
    with django_capture_on_commit_callbacks(execute=True):  # the mails leave once the import is in
        out = run("import_staff", str(tmp_path / "personeel.csv"), "--school", "45EF")
    assert "created: 2" in out and "e-mails sent: 2" in out
    assert {m.to[0] for m in mail.outbox} == {"a.dewit@lyceum.example", "b.kok@lyceum.example"}

    out = run("import_students", str(tmp_path / "leerlingen.csv"), "--school", "45EF")
    assert "created: 3" in out
    sanne = Student.objects.get(school=school, student_number="5001")
    assert (sanne.combined_level, sanne.level, sanne.mentor.email) == ("havo/vwo", "havo", "a.dewit@lyceum.example")

    with pytest.raises(CommandError):  # the default: new subjects are named, nothing is written
        run("import_scores", str(tmp_path / "cijfers.csv"), "--school", "45EF")
    assert results(school) == []
    out = run("import_scores", str(tmp_path / "cijfers.csv"), "--school", "45EF", "--new-subjects", "add")
    assert "imported: 9" in out
    astronomy = Subject.objects.get(school=school, name="Sterrenkunde")
    assert results(school) == sorted([
        ("5001", "ne", Decimal("6.75"), ""), ("5001", "wi", Decimal("5.25"), ""),
        ("5001", "lo", None, "v"), ("5001", astronomy.code, Decimal("7.5"), ""),
        ("5002", "ne", Decimal("8"), ""), ("5002", "lo", None, "vr"), ("5002", astronomy.code, None, "inh"),
        ("5003", "ne", Decimal("4.5"), ""), ("5003", "lo", None, "o")])

    # The same files again change nothing.
    assert "created: 0" in run("import_staff", str(tmp_path / "personeel.csv"), "--school", "45EF")
    assert "unchanged: 3" in run("import_students", str(tmp_path / "leerlingen.csv"), "--school", "45EF")
    assert "unchanged: 9" in run("import_scores", str(tmp_path / "cijfers.csv"), "--school", "45EF")
    assert len(mail.outbox) == 2


def test_a_new_school_gets_going_through_the_pages(client, clock, django_capture_on_commit_callbacks):
    run("create_school", "45EF", "Het Nieuwe Lyceum", "--municipality", "Utrecht")
    run("create_user", "directie@lyceum.example", "--role", "leader", "--school", "45EF")
    school = School.objects.get(brin="45EF")

    # The leader has no password yet: Wachtwoord vergeten? sends a link to choose one.
    client.post(reverse("password_reset"), {"email": "directie@lyceum.example"})
    choose_password(client, password_link("directie@lyceum.example"))
    log_in(client, "directie@lyceum.example")
    overview = client.get(reverse("dashboards:school", args=["45EF"])).content.decode()
    assert "volgende stap" in overview.lower()

    def upload_and_confirm(upload_name, confirm_name, name, text, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse(f"roster_import:{upload_name}"),
                                   {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")})
        assert response.status_code == 302
        job = ImportJob.objects.latest("pk")
        assert job.status == ImportJob.Status.PREVIEW and not job.errors, job.errors
        preview = client.get(response["Location"]).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse(f"roster_import:{confirm_name}", args=[job.pk]), data or {})
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE, job.summary
        return preview

    upload_and_confirm("staff_upload", "staff_confirm", "personeel.csv", STAFF)
    upload_and_confirm("upload", "confirm", "leerlingen.csv", ROSTER)
    preview = upload_and_confirm("scores_upload", "scores_confirm", "cijfers.csv", grades(clock.today),
                                 {"subject_sterrenkunde": "add"})
    assert "1 vak is nieuw: Sterrenkunde" in preview
    assert Score.objects.filter(student__school=school).count() == 9

    # The mentor from the staff file chooses a password and sees her mentee's results as written.
    choose_password(client, password_link("a.dewit@lyceum.example"))
    log_in(client, "a.dewit@lyceum.example")
    sanne = Student.objects.get(school=school, student_number="5001")
    page = client.get(reverse("students:detail", args=[sanne.pk])).content.decode()
    assert "havo/vwo 1" in page and "6,75" in page and "5,25" in page and "Sterrenkunde" in page
    assert sanne.mentor.memberships.filter(school=school, role=Role.MENTOR).exists()
