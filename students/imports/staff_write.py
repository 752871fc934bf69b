"""Writing a checked staff file: what it changes (`plan_staff`, also the preview's figures) and
the change itself (`write_staff`), in the pipeline's one transaction.

One account per e-mail address, whatever the capitals. A person of another school gets a
membership here and keeps the others; their name stays as their account has it (a school does
not rename another school's colleague). The roles in a row are the person's roles at this
school: a role at this school that the row no longer names is taken away; an inspector's
membership is never touched. People not in the file are left alone. New accounts get no usable
password: a mail after commit holds a link to choose one.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import format_lazy

from portal import audit, mail
from portal.models import Membership, Role, School

from .. import services
from ..models import Student
from .staff_rows import STAFF_ROLES

User = get_user_model()
ROLE_WORDS = {Role.MENTOR: "mentor", Role.TEACHER: "docent", Role.LEADER: "schoolleider"}  # audit: Dutch


@dataclass(eq=False)
class Person:
    """What the file does to one person: `user` is their account (a new, unsaved one if needed)."""

    record: dict
    user: object
    new_account: bool = False
    joins: bool = False  # no staff role at this school yet (a new account too)
    name: bool = False
    roles_before: list = field(default_factory=list)
    code: bool = False
    memberships: list = field(default_factory=list)  # their staff memberships at this school
    students: list = field(default_factory=list)  # class students who get them as mentor

    @property
    def roles(self):
        return self.record["roles"]

    @property
    def roles_changed(self):
        return not self.joins and set(self.roles_before) != set(self.roles)

    @property
    def changes(self):
        """What changes, as words for the preview: account, school, name, roles, code, classes."""
        found = [("account", self.new_account), ("school", self.joins and not self.new_account),
                 ("name", self.name), ("roles", self.roles_changed), ("code", self.code),
                 ("classes", bool(self.students))]
        return [word for word, changed in found if changed]

    def summary(self):
        return {"row": self.record["row"], "email": self.record["email"],
                "name": " ".join(p for p in (self.user.first_name, self.user.last_name) if p),
                "roles": self.roles, "before": self.roles_before, "changes": self.changes,
                "students": len(self.students)}


@dataclass
class StaffPlan:
    people: list
    classes_without_students: list
    mentees_kept: list  # [email, active mentees] of people who stop being a mentor

    @property
    def created(self):
        return [p for p in self.people if p.joins]

    @property
    def updated(self):
        return [p for p in self.people if p.changes and not p.joins]

    def counts(self):
        created, updated = len(self.created), len(self.updated)
        return created, updated, len(self.people) - created - updated

    def details(self):
        invites, notices = _mail_kinds(self.people)
        return {
            "people": [p.summary() for p in self.people if p.joins or p.changes],
            "students_to_assign": sum(len(p.students) for p in self.people),
            "classes_without_students": self.classes_without_students,
            "mentees_kept": self.mentees_kept,
            "invites": len(invites), "notices": len(notices),
        }


def plan_staff(school, records):
    """What writing these records would change at `school`, read from the database (no writes)."""
    emails = [r["email"] for r in records]
    users = {u.address: u for u in User.objects.annotate(address=Lower("email")).filter(address__in=emails)}
    memberships = {}  # user id -> their memberships, every school
    for membership in Membership.objects.filter(user__in=list(users.values())):
        memberships.setdefault(membership.user_id, []).append(membership)
    classes = _class_students(school, records)
    people = []
    for record in records:
        user = users.get(record["email"])
        person = Person(record, user) if user else _new_account(record)
        if user:
            held = memberships.get(user.pk, [])
            here = [m for m in held if m.school_id == school.pk and m.role in STAFF_ROLES]
            person.memberships, person.joins = here, not here
            person.roles_before = sorted({m.role for m in here})
            person.name = _renames(user, record, elsewhere=any(m.school_id != school.pk for m in held))
            person.code = "teacher_code" in record and any(
                m.teacher_code != record["teacher_code"] for m in here if m.role in record["roles"])
        for class_code in record["classes"]:
            person.students += [s for s in classes.get(class_code.lower(), ())
                                if user is None or s.mentor_id != user.pk]
        people.append(person)
    without = [c for r in records for c in r["classes"] if c.lower() not in classes]
    return StaffPlan(people, without, _mentees_kept(school, people))


def _new_account(record):
    user = User(email=record["email"], first_name=record["first_name"] or "", last_name=record["last_name"])
    user.set_unusable_password()
    return Person(record, user, new_account=True, joins=True)


def _renames(user, record, *, elsewhere):
    """Sets the file's name on the account; True when it changes. The account of someone who also
    works at another school keeps its name (only an empty one is filled in)."""
    first = user.first_name if record["first_name"] is None else record["first_name"]
    if elsewhere and (user.first_name or user.last_name):
        return False
    changed = (user.first_name, user.last_name) != (first, record["last_name"])
    user.first_name, user.last_name = first, record["last_name"]
    return changed


def _class_students(school, records):
    """{class code in lower case: [active students of that class]} for the classes in the file."""
    wanted = {c.lower() for r in records for c in r["classes"]}
    found = {}
    if wanted:
        for student in (Student.objects.filter(school=school, is_active=True)
                        .annotate(klas=Lower("class_code")).filter(klas__in=wanted).only("pk", "mentor_id")):
            found.setdefault(student.klas, []).append(student)
    return found


def _mentees_kept(school, people):
    """[email, count] of the people who stop being a mentor here while students still have them."""
    leaving = {p.user.pk: p.record["email"] for p in people
               if Role.MENTOR in p.roles_before and Role.MENTOR not in p.roles}
    if not leaving:
        return []
    counts = (Student.objects.filter(school=school, is_active=True, mentor_id__in=list(leaving))
              .values("mentor_id").annotate(n=Count("pk")).order_by())
    return [[leaving[row["mentor_id"]], row["n"]] for row in counts]


def write_staff(*, school, records, actor):
    """Create and update the people of a checked staff file; returns the StaffPlan it carried out.

    The school's row is locked first, so two staff imports of one school take turns.
    """
    School.objects.select_for_update().filter(pk=school.pk).first()
    plan = plan_staff(school, records)
    new = [p.user for p in plan.people if p.new_account]
    User.objects.bulk_create(new)
    User.objects.bulk_update([p.user for p in plan.people if p.name and not p.new_account],
                             ["first_name", "last_name"])
    _write_memberships(school, plan.people)
    _write_mentors(plan.people)
    _audit(school, plan, actor)
    people = [p for p in plan.people if p.changes]
    if people:
        # After commit: a mail never goes out for a change that was rolled back, and a mail that
        # fails (logged) does not undo the import.
        transaction.on_commit(lambda: mail.send(_mails(school, people, actor)), robust=True)
    return plan


def _write_memberships(school, people):
    gone, added, recoded = [], [], []
    for person in people:
        roles = set(person.roles)
        held = {m.role: m for m in person.memberships}
        code = person.record.get("teacher_code")
        if code is None:  # no code column: the code this person already has here
            code = next((m.teacher_code for m in person.memberships if m.teacher_code), "")
        gone += [m.pk for role, m in held.items() if role not in roles]
        added += [Membership(user=person.user, school=school, role=role, teacher_code=code)
                  for role in sorted(roles - set(held))]
        for role, membership in held.items():
            if role in roles and membership.teacher_code != code:
                membership.teacher_code = code
                recoded.append(membership)
    Membership.objects.filter(pk__in=gone).delete()
    Membership.objects.bulk_update(recoded, ["teacher_code"])
    Membership.objects.bulk_create(added)


def _write_mentors(people):
    students = []
    for person in people:
        for student in person.students:
            student.mentor_id = person.user.pk
            students.append(student)
    Student.objects.bulk_update(students, ["mentor"], batch_size=1000)
    services.record_mentor_changes(students)


def _audit(school, plan, actor):
    """One entry per person added or changed, one for students who got a mentor, one for the file."""
    audit.record_many(user=actor, entries=[
        (school, audit.Action.CREATE if p.joins else audit.Action.UPDATE, p.user, _audit_summary(p))
        for p in plan.created + plan.updated])
    moved = sum(len(p.students) for p in plan.people)
    if moved:
        classes = sorted({c for p in plan.people if p.students for c in p.record["classes"]})
        audit.record(user=actor, school=school, action=audit.Action.UPDATE, object_type="student",
                     summary=f"personeelsbestand: {moved} leerlingen een andere mentor (klas {', '.join(classes)})")
    created, updated, _unchanged = plan.counts()
    if created or updated:
        audit.record(user=actor, school=school, action=audit.Action.IMPORT, object_type="user",
                     summary=f"personeelsbestand: {created} nieuw, {updated} bijgewerkt")


def _audit_summary(person):
    """'personeel j.jansen@school.nl: rol mentor, docent, docentcode' (the log is in Dutch)."""
    roles = "rol " + ", ".join(ROLE_WORDS[Role(r)] for r in person.roles)
    if person.joins:
        return f"personeel {person.record['email']}: nieuw, {roles}"
    words = {"name": "naam", "roles": roles, "code": "docentcode", "classes": "mentor van klas"}
    return f"personeel {person.record['email']}: " + ", ".join(words[w] for w in person.changes)


def _mail_kinds(people):
    """(people who get a link to choose a password, people told about their new roles here).

    A new account, or one that never had a password, gets the link; a colleague who can log in
    hears only when their roles at this school changed (or they joined it); nobody else gets mail.
    """
    invites, notices = [], []
    for person in people:
        if not person.user.is_active or not (person.joins or person.roles_changed):
            continue
        if person.new_account or not person.user.has_usable_password():
            invites.append(person)
        else:
            notices.append(person)
    return invites, notices


def _mails(school, people, actor):
    """The mails, made after commit (the link's token is made from the saved account)."""
    invites, notices = _mail_kinds(people)
    invited = {id(p) for p in invites}
    common = {"school": school.name, "login": mail.link(reverse("login")),
              "invited_by": (actor.get_full_name() or actor.email) if actor else ""}
    return [
        mail.Mail(to=p.user.email, template="staff_invite" if id(p) in invited else "staff_roles", context={
            **common, "first_name": p.user.first_name, "email": p.user.email,
            "roles": role_list(p.roles), "link": _set_password_link(p.user),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        })
        for p in invites + notices
    ]


def role_list(values):
    """'mentor, docent': the roles' names, translated when the text is used (a mail is rendered
    in its own language)."""
    labels = [Role(value).label for value in values]
    return format_lazy(", ".join(["{}"] * len(labels)), *labels)


def _set_password_link(user):
    """Django's own password-reset link (`/account/reset/<uid>/<token>/`), made absolute."""
    return mail.link(reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user)}))
