"""Read functions for students. Every one starts from portal.access, the one door."""

from django.db.models import Q

from portal import access
from portal.models import Role

from .models import Student

SORTS = {
    "naam": ("family_name", "given_name"),
    "klas": ("class_code", "family_name", "given_name"),
    "niveau": ("level", "leerjaar", "class_code", "family_name"),
    "nummer": ("student_number",),
}


def students_for(user):
    """All students this user may see (none for inspectors)."""
    return access.scoped(Student.objects.select_related("school", "mentor"), user)


def editable_students_for(user):
    """Students whose records this user may change: a leader's school, a mentor's mentees."""
    return access.editable(Student.objects.all(), user)


def can_edit(user, student):
    return editable_students_for(user).filter(pk=student.pk).exists()


def filter_students(queryset, *, q="", class_code="", level="", leerjaar=None, sort="klas"):
    if q:
        queryset = queryset.filter(
            Q(given_name__icontains=q) | Q(family_name__icontains=q) | Q(student_number__icontains=q)
        )
    if class_code:
        queryset = queryset.filter(class_code__iexact=class_code)
    if level:
        queryset = queryset.filter(level=level)
    if leerjaar:
        queryset = queryset.filter(leerjaar=leerjaar)
    return queryset.order_by(*SORTS.get(sort, SORTS["klas"]))


def caseload(user, **filters):
    """'Mijn leerlingen': the mentor's own active mentees."""
    return filter_students(students_for(user).active().filter(mentor=user), **filters)


def school_students(user, **filters):
    return filter_students(students_for(user).active(), **filters)


def class_codes(user):
    return (
        students_for(user).active().exclude(class_code="")
        .order_by("class_code").values_list("class_code", flat=True).distinct()
    )


def mentors_of(school):
    """Users who may be a mentor at this school (for forms and the roster import)."""
    from portal.models import User

    return User.objects.filter(memberships__school=school, memberships__role=Role.MENTOR).distinct()
