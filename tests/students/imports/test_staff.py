"""Staff import through `manage.py import_staff`: accounts and roles from a school's staff file,
all rows or none, idempotent by e-mail address, every bad row named, a mail to choose a password."""

import re
from io import StringIO

import openpyxl
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from portal.models import AuditEntry, Membership, Role, User
from students.models import MentorAssignment, Student
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

HEADER = ["naam", "e-mail", "afkorting", "functie", "mentorklassen", "vakken"]
ERROR_LINE = re.compile(r"^row (\d+), column '([^']*)', value '([^']*)': (.+)$", re.M)
STAFF = [
    ["Jan de Vries", "J.deVries@Baken.example", "VRJ", "docent, mentor", "3H1", "wi, na"],
    ["Anna Maria van der Berg", "a.berg@baken.example", "BRG", "Teamleider", "", ""],
    ["Piet Jansen", "p.jansen@baken.example", "JNP", "zorgcoördinator", "", ""],
]


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Runs the after-commit work (the mails) of what happens inside, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def write_csv(path, rows, *, header=HEADER):
    lines = [";".join(header)] + [";".join(row) for row in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def run(path, *args, school="12AB"):
    out = StringIO()
    with translation.override("en"):
        call_command("import_staff", str(path), "--school", school, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rejected(path, *args, school="12AB"):
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="nothing was written"):
        call_command("import_staff", str(path), "--school", school, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def errors_in(output):
    return [(int(row), column, value) for row, column, value, _reason in ERROR_LINE.findall(output)]


def roles_at(email, school):
    return sorted(Membership.objects.filter(user__email=email, school=school).values_list("role", "teacher_code"))


def link_in(message):
    return re.search(r"https?://[^/\s]+(/account/reset/\S+/)", message.body).group(1)


def state():
    """Accounts, memberships and students' mentors, to show that a run changed nothing."""
    return (sorted(User.objects.values_list("email", "first_name", "last_name", "password")),
            sorted(Membership.objects.values_list("user__email", "school__brin", "role", "teacher_code")),
            sorted(Student.objects.values_list("student_number", "mentor__email")),
            MentorAssignment.objects.count(), AuditEntry.objects.count())


def test_a_new_school_imports_its_staff_and_importing_again_changes_nothing(tmp_path, sent):
    call_command("create_school", "12AB", "Het Baken College", stdout=StringIO())
    path = write_csv(tmp_path / "personeel.csv", STAFF)
    with sent():
        output = run(path)
    assert "rows read: 3 / created: 3 / updated: 0 / unchanged: 0 / rejected: 0" in output
    assert "e-mails sent: 3 with a link to choose a password, 0 about changed roles" in output
    assert "The column vakken is not stored" in output
    assert "No students of these classes at this school yet: 3H1" in output

    jan = User.objects.get(email="j.devries@baken.example")  # one address, in lower case
    assert (jan.first_name, jan.last_name) == ("Jan", "de Vries")
    assert roles_at(jan.email, jan.memberships.get(role=Role.MENTOR).school) == [
        ("mentor", "VRJ"), ("teacher", "VRJ")]
    anna = User.objects.get(email="a.berg@baken.example")
    assert (anna.first_name, anna.last_name) == ("Anna Maria", "van der Berg")
    assert list(anna.memberships.values_list("role", flat=True)) == [Role.LEADER]
    assert list(User.objects.get(email="p.jansen@baken.example").memberships.values_list("role", flat=True)) == [
        Role.TEACHER]  # care staff see every student and change nothing
    assert not any(user.has_usable_password() for user in User.objects.all())  # no password from a file

    assert sorted(m.to[0] for m in mail.outbox) == ["a.berg@baken.example", "j.devries@baken.example",
                                                    "p.jansen@baken.example"]
    to_jan = next(m for m in mail.outbox if m.to == ["j.devries@baken.example"])
    assert "Het Baken College" in to_jan.subject and "Beste Jan," in to_jan.body  # Dutch by default
    assert "mentor, docent" in to_jan.body and "/account/reset/" in to_jan.body
    assert AuditEntry.objects.filter(action="import", summary="personeelsbestand: 3 nieuw, 0 bijgewerkt").exists()
    assert AuditEntry.objects.filter(action="create", object_type="user", object_id=str(jan.pk),
                                     summary="personeel j.devries@baken.example: nieuw, rol mentor, docent").exists()

    before = state()
    with sent():
        again = run(path)
    assert "rows read: 3 / created: 0 / updated: 0 / unchanged: 3 / rejected: 0" in again
    assert state() == before
    assert len(mail.outbox) == 3


def test_a_changed_name_role_or_code_updates_and_only_a_changed_role_is_told(tmp_path, school_a, sent):
    run(write_csv(tmp_path / "personeel.csv", STAFF))
    mail.outbox.clear()
    changed = [
        ["Jan de Vries-Bos", "j.devries@baken.example", "VRJ", "docent, mentor", "3H1", ""],  # name
        ["Anna Maria van der Berg", "A.BERG@baken.example", "BRG", "schoolleider, docent", "", ""],  # role
        ["Piet Jansen", "p.jansen@baken.example", "PJA", "zorgcoördinator", "", ""],  # code
    ]
    with sent():
        output = run(write_csv(tmp_path / "personeel2.csv", changed))
    assert "rows read: 3 / created: 0 / updated: 3 / unchanged: 0" in output
    assert User.objects.get(email="j.devries@baken.example").last_name == "de Vries-Bos"
    assert roles_at("a.berg@baken.example", school_a) == [("leader", "BRG"), ("teacher", "BRG")]
    assert roles_at("p.jansen@baken.example", school_a) == [("teacher", "PJA")]
    # Anna has no password yet, so her notice is the link to choose one; the others hear nothing.
    assert [m.to for m in mail.outbox] == [["a.berg@baken.example"]]
    assert "/account/reset/" in mail.outbox[0].body

    back = [changed[0], ["Anna Maria van der Berg", "a.berg@baken.example", "BRG", "docent", "", ""], changed[2]]
    run(write_csv(tmp_path / "personeel3.csv", back))
    assert roles_at("a.berg@baken.example", school_a) == [("teacher", "BRG")]  # a role the row no longer names
    assert AuditEntry.objects.filter(summary="personeel a.berg@baken.example: rol docent").exists()


def test_a_colleague_who_can_log_in_hears_about_a_new_role_only(tmp_path, school_a, mentor_a, sent):
    row = ["Linda Post", "mentor@a.example", "PST", "mentor", "", ""]
    with sent():
        assert "updated: 1" in run(write_csv(tmp_path / "a.csv", [row]))  # her teacher code
        assert "unchanged: 1" in run(write_csv(tmp_path / "a.csv", [row]))
    assert mail.outbox == []  # her roles stay the same
    with sent():
        run(write_csv(tmp_path / "b.csv", [row[:3] + ["mentor, docent", "", ""]]))
    assert [m.to for m in mail.outbox] == [["mentor@a.example"]]
    notice = mail.outbox[0]
    assert "mentor, docent" in notice.body and "/account/reset/" not in notice.body
    assert "/account/login/" in notice.body
    mentor_a.refresh_from_db()
    assert mentor_a.check_password(PASSWORD)  # her password stays hers


def test_someone_of_another_school_gets_a_role_here_and_keeps_the_other(tmp_path, school_a, school_b,
                                                                       mentor_b, inspector, sent):
    mentor_b.first_name, mentor_b.last_name = "Daan", "Mol"
    mentor_b.save()
    rows = [["Iemand Anders", "MENTOR@b.example", "MOL", "docent", "", ""],
            ["Hans Claassen", "inspecteur@inspectie.example", "", "docent", "", ""]]
    with sent():
        output = run(write_csv(tmp_path / "personeel.csv", rows))
    assert "created: 2" in output
    assert User.objects.filter(email__iexact="mentor@b.example").count() == 1  # one account, two schools
    assert roles_at("mentor@b.example", school_a) == [("teacher", "MOL")]
    assert roles_at("mentor@b.example", school_b) == [("mentor", "")]  # untouched
    mentor_b.refresh_from_db()
    assert (mentor_b.first_name, mentor_b.last_name) == ("Daan", "Mol")  # school A does not rename them
    assert roles_at(inspector.email, school_a) == [("inspector", ""), ("teacher", "")]
    assert roles_at(inspector.email, school_b) == [("inspector", "")]
    assert sorted(m.to[0] for m in mail.outbox) == ["inspecteur@inspectie.example", "mentor@b.example"]
    assert all("/account/reset/" not in m.body for m in mail.outbox)  # they can log in already


def test_people_not_in_the_file_are_left_alone(tmp_path, school_a, leader_a, mentor_a):
    run(write_csv(tmp_path / "personeel.csv", STAFF[:1]))
    assert roles_at(leader_a.email, school_a) == [("leader", "")]
    assert roles_at(mentor_a.email, school_a) == [("mentor", "")]


def test_mentor_classes_give_the_students_of_the_roster_their_mentor(tmp_path, school_a, sent):
    roster = tmp_path / "leerlingen.csv"
    roster.write_text("leerlingnummer;roepnaam;achternaam;niveau;leerjaar;klas\n"
                      "1001;Sanne;Visser;havo;3;3H1\n1002;Daan;Bakker;havo;3;3h1\n1003;Mila;Jansen;havo;3;3H2\n")
    call_command("import_students", str(roster), "--school", "12AB", stdout=StringIO())
    output = run(write_csv(tmp_path / "personeel.csv", STAFF))
    assert "students who get their mentor from the classes: 2" in output
    jan = User.objects.get(email="j.devries@baken.example")
    assert sorted(Student.objects.filter(mentor=jan).values_list("student_number", flat=True)) == ["1001", "1002"]
    assert Student.objects.get(student_number="1003").mentor is None
    assert sorted(MentorAssignment.objects.filter(mentor=jan, ended_on=None)
                  .values_list("student__student_number", flat=True)) == ["1001", "1002"]
    assert AuditEntry.objects.filter(object_type="student",
                                     summary="personeelsbestand: 2 leerlingen een andere mentor (klas 3H1)").exists()
    before = state()
    assert "unchanged: 3" in run(write_csv(tmp_path / "personeel.csv", STAFF))
    assert state() == before

    # A new mentor for 3H1 takes the class over; the old one keeps the mentor role.
    takeover = [STAFF[0][:4] + ["", ""], ["Kees Bos", "k.bos@baken.example", "BOS", "mentor", "3H1", ""]]
    run(write_csv(tmp_path / "personeel2.csv", takeover))
    kees = User.objects.get(email="k.bos@baken.example")
    assert set(Student.objects.filter(class_code__iexact="3h1").values_list("mentor", flat=True)) == {kees.pk}
    assert MentorAssignment.objects.filter(mentor=jan).exclude(ended_on=None).count() == 2


def test_losing_the_mentor_role_is_named_while_students_keep_their_mentor(tmp_path, school_a, mentor_a):
    from tests.conftest import make_student

    make_student(school_a, mentor_a)
    output = run(write_csv(tmp_path / "personeel.csv", [["Linda Post", "mentor@a.example", "", "docent", "", ""]]))
    assert "mentor@a.example is no longer a mentor but stays the mentor of 1 student" in output
    assert roles_at(mentor_a.email, school_a) == [("teacher", "")]
    assert Student.objects.get().mentor == mentor_a


def test_a_dry_run_writes_nothing_and_sends_nothing(tmp_path, school_a, sent):
    before = state()
    with sent():
        output = run(write_csv(tmp_path / "personeel.csv", STAFF), "--dry-run")
    assert "Dry run: nothing was written and no e-mail was sent." in output
    assert "created: 3" in output and "e-mails to send: 3" in output
    assert state() == before and mail.outbox == []


@pytest.mark.parametrize(("row", "column", "value", "reason"), [
    (["Kim Smit", "", "SMK", "docent", "", ""], "e-mail", "", "Required"),
    (["Kim Smit", "kim.smit", "SMK", "docent", "", ""], "e-mail", "kim.smit", "Not an e-mail address"),
    (["Kim Smit", "k.smit@baken.example", "SMK", "conciërge", "", ""], "functie", "conciërge",
     "Unknown role conciërge. Use mentor (coach"),
    (["Kim Smit", "k.smit@baken.example", "SMK", "", "", ""], "functie", "", "Required"),
    (["Kim Smit", "k.smit@baken.example", "SMK", "inspecteur", "", ""], "functie", "inspecteur",
     "create_user"),
    (["Kim Smit", "k.smit@baken.example", "vrj", "docent", "", ""], "afkorting", "vrj",
     "also given to the person in row 2"),
    (["Kim Smit", "J.DEVRIES@baken.example", "SMK", "docent", "", ""], "e-mail", "j.devries@baken.example",
     "already appears in row 2"),
    (["Kim Smit", "k.smit@baken.example", "SMK", "docent", "4V1", ""], "mentorklassen", "4V1",
     "Only a mentor"),
    (["Kim Smit", "k.smit@baken.example", "SMK", "mentor", "3H1", ""], "mentorklassen", "3H1",
     "already has the mentor of row 2"),
    (["Kim Smit", "k.smit@baken.example", "SMITTTTTTTT", "docent", "", ""], "afkorting", "SMITTTTTTTT",
     "at most 10 characters"),
    (["", "k.smit@baken.example", "SMK", "docent", "", ""], "naam", "", "Required"),
])
def test_each_kind_of_bad_row_is_named_and_nothing_is_written(tmp_path, school_a, row, column, value, reason):
    output = rejected(write_csv(tmp_path / "personeel.csv", [STAFF[0], row]))
    assert errors_in(output) == [(3, column, value)]
    assert reason in output
    assert not User.objects.exists() and not AuditEntry.objects.exists()


def test_a_teacher_code_of_a_colleague_who_is_not_in_the_file_is_an_error(tmp_path, school_a, school_b):
    make_user("oud@baken.example", Role.TEACHER, school_a, teacher_code="VRJ")
    make_user("elders@linde.example", Role.TEACHER, school_b, teacher_code="BRG")  # another school: fine
    output = rejected(write_csv(tmp_path / "personeel.csv", STAFF))
    assert errors_in(output) == [(2, "afkorting", "VRJ")]
    assert "oud@baken.example of this school already has this teacher code" in output

    # Swapping codes within the file is fine: the file says who has which code afterwards.
    swapped = [STAFF[0], ["Oud Collega", "oud@baken.example", "OUD", "docent", "", ""]]
    assert "created: 1 / updated: 1" in run(write_csv(tmp_path / "personeel2.csv", swapped))
    assert roles_at("oud@baken.example", school_a) == [("teacher", "OUD")]


def test_every_bad_row_is_listed_in_row_order(tmp_path, school_a):
    rows = [STAFF[0], ["", "geen-adres", "VRJ", "conciërge", "", ""], ["Kim Smit", "", "", "docent", "", ""]]
    assert errors_in(rejected(write_csv(tmp_path / "personeel.csv", rows))) == [
        (3, "naam", ""), (3, "e-mail", "geen-adres"), (3, "afkorting", "VRJ"), (3, "functie", "conciërge"),
        (4, "e-mail", "")]


def test_the_name_in_three_columns_and_an_xlsx_file(tmp_path, school_a):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Roepnaam", "Tussenvoegsel", "Achternaam", "E-mailadres", "Docentcode", "Rol", "Telefoon"])
    sheet.append(["Sanne", "van", "Dijk", "S.vanDijk@Baken.example", "DIJ", "mentor", "06-1234"])
    sheet.append([])
    sheet.append(["Ahmed", None, "Bouzid", "a.bouzid@baken.example", None, "rector", None])
    workbook.save(tmp_path / "personeel.xlsx")
    assert "rows read: 2 / created: 2" in run(tmp_path / "personeel.xlsx")
    assert sorted(User.objects.values_list("email", "first_name", "last_name")) == [
        ("a.bouzid@baken.example", "Ahmed", "Bouzid"), ("s.vandijk@baken.example", "Sanne", "van Dijk")]
    assert roles_at("a.bouzid@baken.example", school_a) == [("leader", "")]


@pytest.mark.parametrize(("name", "first", "last"), [
    ("Jan de Vries", "Jan", "de Vries"), ("Vries, Jan de", "Jan", "de Vries"),
    ("Anna Maria van der Berg", "Anna Maria", "van der Berg"), ("Berg, Anna Maria van der", "Anna Maria", "van der Berg"),
    ("Ahmed Bouzid", "Ahmed", "Bouzid"), ("Cher", "", "Cher"),
])
def test_a_whole_name_is_split_the_dutch_way(tmp_path, school_a, name, first, last):
    run(write_csv(tmp_path / "personeel.csv", [[name, "x@baken.example", "", "docent", "", ""]]))
    assert User.objects.values_list("first_name", "last_name").get() == (first, last)


def test_a_file_without_name_or_role_columns_is_one_error(tmp_path, school_a):
    output = rejected(write_csv(tmp_path / "personeel.csv", [["x@baken.example"]], header=["e-mail"]))
    lines = [line for line in output.splitlines() if line.startswith("file")]
    assert len(lines) == 1 and "naam of achternaam, rol" in lines[0]


def test_an_unknown_school_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="No school with BRIN code 99ZZ"):
        run(write_csv(tmp_path / "personeel.csv", STAFF), school="99ZZ")
