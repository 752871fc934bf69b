"""Subjects a grade file names that the school does not know are the leader's choice: add
them, file them under a subject of the school (kept as its other name), or leave their rows
out; in the preview's form or with `import_scores --new-subjects add|skip|reject`."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.models import AuditEntry
from students.models import ImportJob, Score, Subject

pytestmark = pytest.mark.django_db

HEADER = "leerlingnummer;vak;toets;datum;cijfer;weging;periode"
ROSTER = ("leerlingnummer;roepnaam;achternaam;geboortedatum;niveau;leerjaar;klas\n"
          "1001;Sanne;Visser;04-05-2012;havo;3;3H1\n"
          "1002;Daan;Bakker;07-09-2011;vwo;4;4V1\n")
# One known subject, and three the school never had: two spellings of one, one to file under
# wiskunde, one to leave out.
ROWS = ("1001;ne;Toets 1;14-09-2026;6,5;1;P1",
        "1001;Sterrenkunde;Sterren 1;15-09-2026;7,5;1;P1",
        "1002;sterrenkunde;Sterren 1;15-09-2026;5,5;1;P1",
        "1001;Wiskunde alg.;H1;16-09-2026;6;1;P1",
        "1002;Leesclub;Boek 1;17-09-2026;8;1;P1")
UPLOAD = reverse("roster_import:scores_upload")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def school(school_a, tmp_path):
    """Het Baken College (with the standard subjects every new school gets) and its roster,
    imported as the README says."""
    roster = tmp_path / "leerlingen.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    call_command("import_students", str(roster), "--school", school_a.brin, stdout=StringIO())
    return school_a


def grades_file(*rows, name="cijfers.csv"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *rows]).encode(), content_type="text/csv")


def preview_url(job):
    return reverse("roster_import:scores_preview", args=[job.pk])


def confirm_url(job):
    return reverse("roster_import:scores_confirm", args=[job.pk])


def upload(client, *rows):
    response = client.post(UPLOAD, {"file": grades_file(*rows)})
    job = ImportJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == preview_url(job)
    return job


def subject(school, code):
    return Subject.objects.get(school=school, code=code)


def scores():
    return sorted(Score.objects.values_list("student__student_number", "subject__code", "test", "grade"))


def state(school):
    """What an import could have changed: scores, subjects with their other names, audit entries."""
    subjects = Subject.objects.filter(school=school).values_list("code", "is_active", "aliases")
    return scores(), sorted(subjects), AuditEntry.objects.count()


# Through the pages ------------------------------------------------------------------------------

def test_a_leader_adds_maps_and_leaves_out_new_subjects_and_the_same_file_again_changes_nothing(
        client, leader_a, school):
    client.force_login(leader_a)
    before = state(school)
    job = upload(client, *ROWS)
    assert job.status == ImportJob.Status.PREVIEW and not job.errors
    assert [(s["text"], s["rows"], s["first_rows"], s["choice"]) for s in job.summary["new_subjects"]] == [
        ("Sterrenkunde", 2, [3, 4], None), ("Wiskunde alg.", 1, [5], None), ("Leesclub", 1, [6], None)]
    assert state(school) == before  # a preview writes nothing, no subject either

    page = client.get(preview_url(job)).text
    assert "3 vakken zijn nieuw: Sterrenkunde, Wiskunde alg., Leesclub" in page
    assert 'name="subject_sterrenkunde"' in page and 'name="subject_wiskundealg"' in page
    assert "Als nieuw vak toevoegen: Sterrenkunde (Sterrenkunde)" in page
    assert "2 rijen in het bestand (rijen 3, 4)." in page
    assert f'<option value="{subject(school, "wi").pk}">wi (wiskunde)</option>' in page
    assert page.index('name="subject_leesclub"') < page.index("Bevestigen en importeren")  # one form

    response = client.post(confirm_url(job), {"subject_sterrenkunde": "add"})
    assert response.status_code == 200  # refused: two subjects have no choice
    assert ("Er is niets geïmporteerd. Kies eerst wat er met elk nieuw vak gebeurt: Wiskunde alg., "
            "Leesclub.") in response.text
    assert "Kies wat er met “Leesclub” gebeurt." in response.text
    assert 'selected>Als nieuw vak toevoegen' in response.text  # the choice made is kept
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and state(school) == before

    maths = subject(school, "wi")
    response = client.post(confirm_url(job), {"subject_sterrenkunde": "add",
                                              "subject_wiskundealg": str(maths.pk),
                                              "subject_leesclub": "skip"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.summary["created"], job.summary["rows_read"], job.summary["skipped_rows"]) == (4, 5, 1)
    astronomy = subject(school, "Sterrenkunde")
    assert (astronomy.name, astronomy.is_active, astronomy.standard_code, astronomy.aliases) == (
        "Sterrenkunde", True, "", [])
    assert scores() == [
        ("1001", "Sterrenkunde", "Sterren 1", Decimal("7.5")), ("1001", "ne", "Toets 1", Decimal("6.5")),
        ("1001", "wi", "H1", Decimal("6")), ("1002", "Sterrenkunde", "Sterren 1", Decimal("5.5"))]
    maths.refresh_from_db()
    assert maths.aliases == ["Wiskunde alg."]
    assert not Subject.objects.filter(name__iexact="Leesclub").exists()
    audit = set(AuditEntry.objects.filter(user=leader_a).values_list("summary", flat=True))
    assert {"vak Sterrenkunde toegevoegd", "vak wi: aliases",
            "cijfers: 4 nieuw, 0 bijgewerkt, 0 ongewijzigd"} <= audit

    page = client.get(preview_url(job)).text
    assert "toegevoegd als Sterrenkunde (Sterrenkunde)" in page
    assert "ondergebracht bij wi (wiskunde), als andere naam" in page
    assert "rijen weggelaten (nieuwe vakken)" in page

    # Next week, the same export again: only the subject left out is new, and nothing changes.
    after = state(school)
    again = upload(client, *ROWS)
    assert [s["text"] for s in again.summary["new_subjects"]] == ["Leesclub"]
    assert "1 vak is nieuw: Leesclub" in client.get(preview_url(again)).text
    client.post(confirm_url(again), {"subject_leesclub": "skip"})
    again.refresh_from_db()
    assert (again.status, again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (
        "done", 0, 0, 4)
    assert state(school) == after


def test_a_switched_off_subject_named_in_the_file_is_switched_on_again(client, leader_a, school):
    client.force_login(leader_a)
    latin = subject(school, "la")
    client.post(reverse("subjects:edit", args=[latin.pk]), {  # the leader switches Latijn off
        "code": "la", "name": "Latijn", "counts_for_promotion": "on", "result_kind": "grade"})
    job = upload(client, "1001;Latijn;Caesar;14-09-2026;6,5;1;P1")
    assert "Latijn" in [s["text"] for s in job.summary["new_subjects"]]
    assert "la (Latijn) weer aanzetten" in client.get(preview_url(job)).text
    client.post(confirm_url(job), {"subject_latijn": "add"})
    latin.refresh_from_db()
    assert latin.is_active and latin.scores.count() == 1
    assert Subject.objects.filter(school=school, name="Latijn").count() == 1


def test_the_rows_of_a_new_subject_are_checked_in_the_preview_and_left_out_when_skipped(
        client, leader_a, school, run):
    client.force_login(leader_a)
    rows = ("1001;ne;Toets 1;14-09-2026;6,5;1;P1",
            "1001;Sterrenkunde;Sterren 1;15-09-2026;11;1;P1",  # not a grade
            "1001;Sterrenkunde;Sterren 1;15-09-2026;7;1;P1")  # the same test twice
    job = upload(client, *rows)
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "cijfer"), (4, "toets")]
    page = client.get(preview_url(job)).text
    assert "1 vak is nieuw: Sterrenkunde" in page and confirm_url(job) not in page
    assert "nog niets: het bestand is niet geïmporteerd" in page

    # The same file, where the export leaves Sterrenkunde out: its rows are no errors then.
    run(rows, "--new-subjects", "skip")
    assert scores() == [("1001", "ne", "Toets 1", Decimal("6.5"))]


def test_a_subject_added_since_the_preview_is_simply_found(client, leader_a, school):
    client.force_login(leader_a)
    job = upload(client, "1001;Sterrenkunde;Sterren 1;15-09-2026;7,5;1;P1")
    client.post(reverse("subjects:list"), {"code": "st", "name": "Sterrenkunde", "aliases": "",
                                           "counts_for_promotion": "on", "result_kind": "grade"})
    client.post(confirm_url(job), {"subject_sterrenkunde": "skip"})
    job.refresh_from_db()
    assert (job.status, job.summary["created"], "new_subjects" in job.summary) == ("done", 1, False)
    assert scores() == [("1001", "st", "Sterren 1", Decimal("7.5"))]


def test_a_subject_that_became_unknown_since_the_preview_is_asked_for_and_nothing_is_written(
        client, leader_a, school):
    client.force_login(leader_a)
    job = upload(client, "1001;ne;Toets 1;14-09-2026;6,5;1;P1",
                 "1001;Sterrenkunde;Sterren 1;15-09-2026;7,5;1;P1")
    dutch = subject(school, "ne")
    client.post(reverse("subjects:edit", args=[dutch.pk]), {  # meanwhile, switched off
        "code": "ne", "name": "Nederlands", "is_core": "on", "counts_for_promotion": "on",
        "result_kind": "grade"})
    before = state(school)
    response = client.post(confirm_url(job), {"subject_sterrenkunde": "add"}, follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW  # back to the choice, not half-written
    assert state(school) == before and not Subject.objects.filter(code="Sterrenkunde").exists()
    assert ("1 vak in dit bestand is nieuw voor de school en er is nog niet gekozen wat ermee gebeurt: "
            "ne (1 rij). Er is niets opgeslagen.") in response.text
    assert [(s["text"], s["choice"]) for s in job.summary["new_subjects"]] == [
        ("ne", None), ("Sterrenkunde", "add")]

    client.post(confirm_url(job), {"subject_sterrenkunde": "add", "subject_ne": "skip"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert scores() == [("1001", "Sterrenkunde", "Sterren 1", Decimal("7.5"))]


def test_a_large_file_takes_the_choices_to_the_worker(
        client, leader_a, school, settings, eager_celery, django_capture_on_commit_callbacks):
    settings.SCORE_IMPORT_SYNC_MAX_BYTES = 0  # every file goes to the Celery task
    client.force_login(leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, *ROWS)
    job.refresh_from_db()
    assert len(job.summary["new_subjects"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(job), {"subject_sterrenkunde": "skip", "subject_wiskundealg": "add",
                                       "subject_leesclub": "skip"})
    job.refresh_from_db()
    assert (job.status, job.summary["created"], job.summary["skipped_rows"]) == ("done", 2, 3)
    assert subject(school, "Wiskunde alg.").scores.count() == 1


def test_a_leader_cannot_file_a_new_subject_under_another_schools_subject(
        client, leader_a, leader_b, school, school_b):
    client.force_login(leader_a)
    job = upload(client, "1001;Wiskunde alg.;H1;16-09-2026;6;1;P1")
    theirs = subject(school_b, "wi")
    response = client.post(confirm_url(job), {"subject_wiskundealg": str(theirs.pk)})
    assert response.status_code == 200
    assert "“Wiskunde alg.”: kies een van de mogelijkheden uit de lijst." in response.text
    theirs.refresh_from_db()
    job.refresh_from_db()
    assert theirs.aliases == [] and job.status == ImportJob.Status.PREVIEW and not Score.objects.exists()

    client.force_login(leader_b)  # nor can the other school's leader confirm this school's file
    assert client.post(confirm_url(job), {"subject_wiskundealg": str(theirs.pk)}).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and not Score.objects.exists()


# On the command line ---------------------------------------------------------------------------

@pytest.fixture
def run(tmp_path):
    """import_scores of a grade file with these rows; returns what it printed."""
    def run(rows, *args):
        out = StringIO()
        call_command("import_scores", csv_file(tmp_path, rows), "--school", "12AB", *args, stdout=out,
                     stderr=StringIO())
        return out.getvalue()
    return run


def csv_file(folder, rows):
    path = folder / "cijfers.csv"
    path.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    return str(path)


def test_by_default_the_command_names_the_new_subjects_and_writes_nothing(school, tmp_path):
    before = state(school)
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_scores", csv_file(tmp_path, ROWS), "--school", "12AB", stdout=out,
                     stderr=StringIO())
    message = str(refused.value)
    assert message.startswith("Import rejected: 3 subject(s) in cijfers.csv are new to this school "
                              "(Sterrenkunde: 2 rows, Wiskunde alg.: 1 row, Leesclub: 1 row); "
                              "nothing was written.")
    assert "--new-subjects add" in message and "--new-subjects skip" in message and "/vakken/" in message
    assert "New subject 'Sterrenkunde': 2 row(s) (3, 4)" in out.getvalue()
    assert state(school) == before

    with pytest.raises(CommandError, match="are new to this school"):  # a dry run says the same
        call_command("import_scores", csv_file(tmp_path, ROWS), "--school", "12AB", "--dry-run",
                     stdout=StringIO(), stderr=StringIO())


def test_the_command_adds_the_new_subjects_and_the_same_file_again_changes_nothing(school, run):
    output = run(ROWS, "--new-subjects", "add")
    assert "rows read: 5 / imported: 5 (new: 5, updated: 0)" in output
    assert "New subject 'Wiskunde alg.': 1 row(s) (5); is added as Wiskunde alg. (Wiskunde alg.)" in output
    assert sorted(Subject.objects.filter(school=school, standard_code="").values_list("code", "name")) == [
        ("Leesclub", "Leesclub"), ("Sterrenkunde", "Sterrenkunde"), ("Wiskunde alg.", "Wiskunde alg.")]
    assert len(scores()) == 5

    after = state(school)
    again = run(ROWS)  # everything is found now, without --new-subjects
    assert "imported: 0 (new: 0, updated: 0) / unchanged: 5" in again and "New subject" not in again
    assert state(school) == after


def test_the_command_skips_the_rows_of_new_subjects_and_says_how_many(school, run):
    output = run(ROWS, "--new-subjects", "skip")
    assert ("rows read: 5 / imported: 1 (new: 1, updated: 0) / unchanged: 0 / rejected: 0"
            " / left out (new subjects): 4") in output
    assert "New subject 'Leesclub': 1 row(s) (6); left out" in output
    assert scores() == [("1001", "ne", "Toets 1", Decimal("6.5"))]
    assert not Subject.objects.filter(school=school, code__in=["Sterrenkunde", "Leesclub"]).exists()


def test_a_dry_run_that_would_add_subjects_adds_none(school, run):
    before = state(school)
    output = run(ROWS, "--new-subjects", "add", "--dry-run")
    assert "Dry run: nothing was written." in output and "would be added as Sterrenkunde" in output
    assert "imported: 5 (new: 5" in output
    assert state(school) == before


def test_added_subjects_the_standard_list_knows_get_its_code_and_properties(school, run):
    # A school from before the standard list: it lacks these standard subjects.
    Subject.objects.filter(school=school, code__in=["fi", "lo", "wa"]).delete()
    output = run(["1001;Filosofie;Essay;14-09-2026;7;1;P1", "1001;gym;Conditie;14-09-2026;6;1;P1",
                  "1001;wiskunde A;H1;14-09-2026;6;1;P1", "1002;wisA;H1;14-09-2026;5;1;P1"],
                 "--new-subjects", "add")
    assert "is added from the standard list as lo (lichamelijke opvoeding)" in output
    added = {s.code: s for s in Subject.objects.filter(school=school, code__in=["fi", "lo", "wa"])}
    assert {c: (s.standard_code, s.counts_for_promotion, s.result_kind) for c, s in added.items()} == {
        "fi": ("fi", True, "grade"), "lo": ("lo", False, "qualitative"), "wa": ("wa", True, "grade")}
    assert added["wa"].scores.count() == 2  # two spellings, one subject
    assert added["fi"].aliases == added["wa"].aliases == []  # the standard spellings find them
    assert "imported: 0" in run(["1001;Filosofie;Essay;14-09-2026;7;1;P1"])


def test_a_file_whose_subject_column_is_something_else_is_refused_as_a_whole(school, run):
    rows = [f"1001;Toets {n};T;14-09-2026;6;1;P1" for n in range(101)]
    with pytest.raises(CommandError, match="nothing was written"):
        run(rows, "--new-subjects", "add")
    assert Subject.objects.filter(school=school, code__startswith="Toets").count() == 0


def test_the_rows_of_an_added_subject_keep_their_values(school, run):
    run(["1001;Sterrenkunde;Sterren 1;02-10-2026;6,5;2;P2"], "--new-subjects", "add")
    assert list(Score.objects.values_list("date", "weight", "period")) == [
        (date(2026, 10, 2), Decimal("2"), "P2")]
