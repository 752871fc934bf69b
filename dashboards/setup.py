"""The set-up checklist on a school leader's overview: what a school still has to do before
its dashboards mean anything, in the order of the first week — subjects, staff, roster,
grades, promotion norms, risk rules.

Each step is done or not, says how far it is with a count and links to the page where it is
done; the first step not done is the next one. When a step counts as done:

- subjects: the school has an active subject (a new school starts with the standard list);
- staff: someone other than the school leaders holds a mentor or teacher role at the school;
- roster: the school has active students;
- grades: a grade dated in this school year;
- promotion norms: the school recorded a norm for this school year (saving one, also unchanged,
  or copying last year's); where none is recorded the standard norm applies;
- risk rules: the school saved its rules on the rules page (also unchanged); until then the
  standard rules apply.

The standard norms and rules work: those two steps ask the leader to look at them, not to
change them. Everything is read in one query, whatever the size of the school.
"""

from dataclasses import dataclass, replace

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import Membership, Role, School
from portal.numbers import number
from students.flags.selectors import norm_year
from students.models import PromotionNorm, RiskRules, Score, Student, Subject

# The staff import's page once it exists; until then the import page it will sit beside.
STAFF_IMPORT = "roster_import:upload"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    status: str  # how far it is, with a count: "412 actieve leerlingen"
    action: str  # the link's text
    url: str
    is_next: bool = False


@dataclass(frozen=True)
class Checklist:
    steps: tuple
    has_students: bool
    has_grades: bool  # a grade of any school year

    @property
    def has_data(self):
        """Enough for the dashboards: without students or grades they would only show zeros."""
        return self.has_students and self.has_grades

    @property
    def next_step(self):
        return next((step for step in self.steps if step.is_next), None)

    @property
    def done_count(self):
        return sum(step.done for step in self.steps)

    @property
    def complete(self):
        return self.done_count == len(self.steps)


def _count(queryset, school_field, counted="pk"):
    """A subquery counting `queryset`'s rows of the outer school (0 when none)."""
    rows = (queryset.filter(**{school_field: OuterRef("pk")}).order_by().values(school_field)
            .annotate(n=Count(counted, distinct=counted != "pk")).values("n"))
    return Coalesce(Subquery(rows), 0)


def _facts(school, year):
    """Every count the checklist needs, in one query."""
    leaders_too = Membership.objects.filter(user=OuterRef("user"), school=OuterRef("school"),
                                            role=Role.LEADER)
    staff = (Membership.objects.filter(role__in=(Role.MENTOR, Role.TEACHER), user__is_active=True)
             .exclude(Exists(leaders_too)))
    return School.objects.filter(pk=school.pk).values(
        subjects_count=_count(Subject.objects.filter(is_active=True), "school"),
        staff_count=_count(staff, "school", counted="user"),
        students_count=_count(Student.objects.filter(is_active=True), "school"),
        grades_count=_count(Score.objects.filter(date__range=(year.start, year.end)), "student__school"),
        any_grades=Exists(Score.objects.filter(student__school=OuterRef("pk"))),
        norms_count=_count(PromotionNorm.objects.filter(school_year=year.start_year), "school"),
        rules_saved=Subquery(RiskRules.objects.filter(school=OuterRef("pk")).values("updated_at")[:1]),
    ).get()


def _counted(singular, plural, n, **extra):
    return ngettext(singular, plural, n) % {"count": number(n, 0), **extra}


def _steps(facts, brin, year):
    chosen = f"?school={brin}"
    subjects, staff, students = facts["subjects_count"], facts["staff_count"], facts["students_count"]
    grades, norms, rules_saved = facts["grades_count"], facts["norms_count"], facts["rules_saved"]
    return [
        Step("subjects", _("Subjects"), subjects > 0,
             _counted("%(count)s subject in use", "%(count)s subjects in use", subjects) if subjects
             else _("No subjects yet: add the standard list."),
             _("Open the subject list"), reverse("subjects:list") + chosen),
        Step("staff", _("Staff"), staff > 0,
             _counted("%(count)s mentor or teacher", "%(count)s mentors and teachers", staff) if staff
             else _("No mentors or teachers yet: import the staff, so that mentors can log in and "
                    "the roster can name them."),
             _("Import staff"), reverse(STAFF_IMPORT)),
        Step("roster", _("Students"), students > 0,
             _counted("%(count)s active student", "%(count)s active students", students) if students
             else _("No students yet: import the export of your student information system."),
             _("Import students"), reverse("roster_import:upload")),
        Step("grades", _("Grades"), grades > 0,
             _counted("%(count)s grade in school year %(year)s", "%(count)s grades in school year %(year)s",
                      grades, year=year) if grades
             else _("No grades of school year %(year)s yet: import the grade export.") % {"year": year},
             _("Import scores"), reverse("roster_import:scores_upload")),
        Step("norms", _("Promotion norms"), norms > 0,
             _counted("%(count)s norm recorded for %(year)s", "%(count)s norms recorded for %(year)s",
                      norms, year=year) if norms
             else _("Standard norms in use — look at them and record them for this school year."),
             _("Look at the norms"), reverse("flags:norms") + chosen),
        Step("rules", _("Risk rules"), rules_saved is not None,
             _("The school's own rules, saved on %(date)s.")
             % {"date": formats.date_format(timezone.localtime(rules_saved), "SHORT_DATE_FORMAT")}
             if rules_saved else _("Standard rules in use — look at them and save them as the school's own."),
             _("Look at the rules"), reverse("flags:rules") + chosen),
    ]


def checklist(school, today=None):
    """The school's set-up checklist, its next step marked."""
    year = norm_year(today)
    facts = _facts(school, year)
    steps = _steps(facts, school.brin, year)
    first_open = next((i for i, step in enumerate(steps) if not step.done), None)
    if first_open is not None:
        steps[first_open] = replace(steps[first_open], is_next=True)
    return Checklist(tuple(steps), has_students=facts["students_count"] > 0, has_grades=facts["any_grades"])


def has_data(school):
    """Whether the school has students and grades: what an inspector's page needs to know."""
    return (Student.objects.filter(school=school, is_active=True).exists()
            and Score.objects.filter(student__school=school).exists())
