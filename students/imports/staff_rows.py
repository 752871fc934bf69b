"""The staff file's columns and cells: one person per row → a record for the staff write.

A row names the person (one name column, or roepnaam/tussenvoegsel/achternaam), their e-mail
address (the key: one account per address, whatever the capitals), their teacher code, their
role(s) at this school and the classes they are mentor of. What only the whole file shows (an
address, a teacher code or a class met twice, a code another colleague of the school already
has) is checked once every row is read (`StaffRows.finish`), so that the errors stay in row order.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Membership, Role

from ..models import Student
from .columns import Column, key
from .results import Checked, ErrorList, RowError

User = get_user_model()
STAFF_ROLES = (Role.MENTOR, Role.TEACHER, Role.LEADER)  # an inspector is no staff of the school
MAX_LENGTH = {
    "email": User._meta.get_field("email").max_length,
    "first_name": User._meta.get_field("first_name").max_length,
    "last_name": User._meta.get_field("last_name").max_length,
    "teacher_code": Membership._meta.get_field("teacher_code").max_length,
    "class_code": Student._meta.get_field("class_code").max_length,
}

COLUMNS = (
    Column("name", gettext_lazy("name"), ("naam", "volledige naam", "medewerker", "name")),
    Column("given_name", gettext_lazy("given name"), ("roepnaam", "voornaam")),
    Column("tussenvoegsel", gettext_lazy("tussenvoegsel"),
           ("tussenvoegsel", "tussenvoegsels", "voorvoegsel")),
    Column("family_name", gettext_lazy("family name"), ("achternaam", "familienaam", "geslachtsnaam")),
    Column("email", gettext_lazy("e-mail address"),
           ("e-mail", "e-mailadres", "email", "mail", "mailadres", "werkmail"), required=True),
    Column("teacher_code", gettext_lazy("teacher code"),
           ("docentcode", "afkorting", "code", "medewerkercode", "lerarencode", "docentafkorting")),
    Column("role", gettext_lazy("role"), ("rol", "rollen", "functie", "role"), required=True),
    Column("classes", gettext_lazy("mentor of classes"),
           ("mentorklassen", "mentorklas", "mentor van", "klassen", "klas", "mentorgroepen")),
    Column("subjects", gettext_lazy("subjects (not stored)"), ("vakken", "vak", "lesgevende vakken")),
)
# Shown when the file has neither a name column nor an achternaam column.
NAME_NEEDED = Column("name", gettext_lazy("name"), ("naam of achternaam",), required=True)
NOT_STORED = ("subjects",)  # recognised, named in the preview, not kept: no place for them

# The words schools use for a role, as portal roles. Care and guidance staff (zorgcoördinator,
# decaan …) see every student of the school and change nothing: the teacher's reach. A school
# that wants them to change records writes "schoolleider" in their row.
ROLE_SPELLINGS = {
    Role.MENTOR: ("mentor", "coach", "studiecoach", "klassenmentor", "slb'er"),
    Role.TEACHER: ("docent", "leraar", "lerares", "vakdocent", "teacher", "zorgcoördinator",
                   "ondersteuningscoördinator", "decaan", "orthopedagoog", "remedial teacher"),
    Role.LEADER: ("schoolleider", "teamleider", "afdelingsleider", "directeur", "directie",
                  "adjunct-directeur", "rector", "conrector", "locatiedirecteur", "locatieleider",
                  "bouwcoördinator", "school leader"),
}
ROLE_KEYS = {key(s): role for role, spellings in ROLE_SPELLINGS.items() for s in (*spellings, role.value)}
INSPECTOR_KEYS = {key(s) for s in ("inspecteur", "inspector", "inspectie")}
ROLE_SEPARATORS = re.compile(r"[,;/+&]|\s+en\s+")
CLASS_SEPARATORS = re.compile(r"[,;|\s]+")
# Words of a Dutch family name that come before it (Jan de Vries, Vries, Jan de).
TUSSENVOEGSELS = {"van", "de", "der", "den", "het", "'t", "ten", "ter", "te", "in", "op", "la", "le",
                  "du", "da", "di", "von", "v.d.", "vd"}


def parse_roles(text):
    """(sorted role values, None) or (None, reason): 'docent, mentor', 'Teamleider', 'zorgcoördinator'."""
    if not text:
        return None, _("Required; this cell is empty.")
    roles = set()
    for part in (p.strip() for p in ROLE_SEPARATORS.split(text)):
        if not part:
            continue
        if key(part) in INSPECTOR_KEYS:
            return None, _("An inspector is not staff of the school; inspectors get access with "
                           "`manage.py create_user`.")
        role = ROLE_KEYS.get(key(part))
        if role is None:
            return None, unknown_role(part)
        roles.add(role.value)
    if not roles:
        return None, _("Required; this cell is empty.")
    return sorted(roles), None


def unknown_role(word):
    return _("Unknown role %(value)s. Use %(accepted)s; several roles separated by a comma, for "
             "example “docent, mentor”.") % {"value": word, "accepted": accepted_roles()}


def accepted_roles():
    """'mentor (coach, …); docent (leraar, …); schoolleider (teamleider, …)' as the role words."""
    return "; ".join(f"{spellings[0]} ({', '.join(spellings[1:])})" for spellings in ROLE_SPELLINGS.values())


def split_name(text):
    """(first name, last name) of a whole name: 'Jan de Vries' → ('Jan', 'de Vries'), 'Vries, Jan
    de' → ('Jan', 'de Vries'), 'Anna Maria van der Berg' → ('Anna Maria', 'van der Berg'). Without
    a tussenvoegsel the first word is the first name (write roepnaam and achternaam in columns
    of their own to be exact)."""
    if "," in text:
        family, _sep, rest = text.partition(",")
        words = rest.split()
        cut = len(words)
        while cut > 0 and words[cut - 1].lower() in TUSSENVOEGSELS:
            cut -= 1
        return " ".join(words[:cut]), " ".join([*words[cut:], *family.split()])
    words = text.split()
    if len(words) < 2:
        return "", text.strip()
    cut = next((i for i, w in enumerate(words) if i and w.lower() in TUSSENVOEGSELS), 1)
    return " ".join(words[:cut]), " ".join(words[cut:])


def parse_classes(text):
    """([class codes], None) or (None, reason): '3H1, 3H2' or '3H1 3H2'."""
    codes = list(dict.fromkeys(c for c in CLASS_SEPARATORS.split(text or "") if c and c.lower() != "en"))
    for code in codes:
        if len(code) > MAX_LENGTH["class_code"]:
            return None, _("%(value)s is not a class: a class code has at most %(max)s characters.") % {
                "value": code, "max": MAX_LENGTH["class_code"]}
    return codes, None


def parse_email(text):
    if not text:
        return None, _("Required; this cell is empty.")
    address = User.objects.normalize_email(text).lower()
    try:
        validate_email(address)
    except ValidationError:
        return None, _("Not an e-mail address; write it as name@school.nl.")
    if len(address) > MAX_LENGTH["email"]:
        return None, _("Too long: at most %(max)s characters.") % {"max": MAX_LENGTH["email"]}
    return address, None


class StaffRows:
    """Checks a staff file: every row parsed as it is read, the whole file checked at the end.

    `finish()` returns the records of a clean file, or every problem in row order.
    """

    def __init__(self, school, plan, header):
        self.school = school
        self.fields = [c for c in COLUMNS if c.field in plan.columns and c.field not in NOT_STORED]
        self.header = {c.field: header[plan.columns[c.field]] for c in self.fields}
        self.position = {c.field: plan.columns[c.field] for c in self.fields}
        self.has_code = "teacher_code" in plan.columns
        self.rows = []  # (row number, record, [(field, value, reason)])

    def check(self, frame):
        rows_read = 0
        for number, cells in zip(frame.index, frame.itertuples(index=False, name=None)):
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue  # blank lines are skipped, not counted
            rows_read += 1
            values = {c.field: cells[self.position[c.field]] for c in self.fields}
            record, problems = self._parse(values)
            self.rows.append((int(number), record, problems))
        return Checked([], ErrorList([]), rows_read, 0)

    def _parse(self, values):
        record, problems = {}, []

        def take(field, parsed):
            value, reason = parsed
            if reason:
                problems.append((field, values[field], reason))
            return value

        record["email"] = take("email", parse_email(values["email"]))
        if "family_name" in values:
            if not values["family_name"]:
                problems.append(("family_name", "", _("Required; this cell is empty.")))
            first = values.get("given_name")  # None: no roepnaam column, the first name stays
            last = " ".join(p for p in (values.get("tussenvoegsel", ""), values["family_name"]) if p)
            where = ("given_name" if "given_name" in values else "family_name", "family_name")
        else:
            if not values["name"]:
                problems.append(("name", "", _("Required; this cell is empty.")))
            first, last = split_name(values["name"])
            where = ("name", "name")
        for field, text, column in (("first_name", first, where[0]), ("last_name", last, where[1])):
            if text is not None and len(text) > MAX_LENGTH[field]:
                problems.append((column, values[column], _("Too long: at most %(max)s characters.")
                                 % {"max": MAX_LENGTH[field]}))
        record["first_name"], record["last_name"] = first, last
        if self.has_code:
            code = values["teacher_code"]
            if len(code) > MAX_LENGTH["teacher_code"]:
                problems.append(("teacher_code", code, _("Too long: at most %(max)s characters.")
                                 % {"max": MAX_LENGTH["teacher_code"]}))
            record["teacher_code"] = code
        record["roles"] = take("role", parse_roles(values["role"]))
        record["classes"] = take("classes", parse_classes(values.get("classes", ""))) or []
        if record["classes"] and record["roles"] and Role.MENTOR not in record["roles"]:
            problems.append(("classes", values["classes"], _(
                "Only a mentor is mentor of classes: add mentor to the role, or empty this cell.")))
        return record, problems

    def finish(self):
        """The records of a clean file, or every problem: per row and left to right."""
        self._check_across_rows()
        records, errors, rejected = [], [], 0
        for number, record, problems in self.rows:
            if problems:
                rejected += 1
                problems.sort(key=lambda problem: self.position[problem[0]])
                errors.extend(RowError(number, self.header[f], value, reason) for f, value, reason in problems)
            else:
                records.append({**record, "row": number})
        self.rows = []
        return Checked(records, ErrorList(errors), 0, rejected)

    def _check_across_rows(self):
        first_with = {"email": {}, "teacher_code": {}, "classes": {}}
        for number, record, problems in self.rows:
            email = record["email"]
            if email and email in first_with["email"]:
                problems.append(("email", email, _("This e-mail address already appears in row %(row)s.")
                                 % {"row": first_with["email"][email]}))
            elif email:
                first_with["email"][email] = number
            code = record.get("teacher_code", "").lower()
            if code and code in first_with["teacher_code"]:
                problems.append(("teacher_code", record["teacher_code"], _(
                    "This teacher code is also given to the person in row %(row)s; a code belongs to "
                    "one person.") % {"row": first_with["teacher_code"][code]}))
            elif code:
                first_with["teacher_code"][code] = number
            for class_code in record["classes"]:
                seen = first_with["classes"].setdefault(class_code.lower(), number)
                if seen != number:
                    problems.append(("classes", class_code, _(
                        "Class %(class)s already has the mentor of row %(row)s; a student has one "
                        "mentor.") % {"class": class_code, "row": seen}))
        if self.has_code:
            self._check_codes_of_colleagues(set(first_with["email"]))

    def _check_codes_of_colleagues(self, emails):
        """A code in the file that a colleague of this school has who is not in the file."""
        taken = {}
        for code, email in (Membership.objects.filter(school=self.school, role__in=STAFF_ROLES)
                            .exclude(teacher_code="").annotate(address=Lower("user__email"))
                            .values_list("teacher_code", "address")):
            if email not in emails:
                taken.setdefault(code.strip().lower(), email)
        for _number, record, problems in self.rows:
            holder = taken.get(record.get("teacher_code", "").lower())
            if holder and not any(problem[0] == "teacher_code" for problem in problems):
                problems.append(("teacher_code", record["teacher_code"], _(
                    "%(email)s of this school already has this teacher code and is not in this "
                    "file; a code belongs to one person.") % {"email": holder}))


def with_name_column(plan, header):
    """The plan with the name read from roepnaam/achternaam when the file has them, else from
    the whole-name column; a file with neither misses its name column."""
    if "family_name" in plan.columns and "name" in plan.columns:
        plan.ignored.append(header[plan.columns.pop("name")])
    elif "family_name" not in plan.columns and "name" not in plan.columns:
        plan.missing.insert(0, NAME_NEEDED)
    return plan
