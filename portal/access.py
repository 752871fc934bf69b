"""The one door to data: every view, export and task scopes its querysets here.

A user's reach follows from their memberships:
- mentors and teachers see the students of their school; mentors change only their mentees;
- school leaders see and change everything of their school;
- inspectors see only aggregates of their assigned schools (no student rows at all);
- staff/superusers manage the site in the admin, but get no student data in the portal
  unless they also hold a membership.

Objects outside a user's scope do not exist for them (404); a page meant for another
role answers 403.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

from .models import Membership, Role, School

STUDENT_ROLES = (Role.MENTOR, Role.TEACHER, Role.LEADER)
ALL_ROLES = tuple(Role)


def memberships(user):
    """The user's memberships, read once per request (cached on the user object)."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_membership_cache"):
        user._membership_cache = list(
            Membership.objects.filter(user=user).select_related("school")
        )
    return user._membership_cache


def school_ids(user, roles=ALL_ROLES):
    return {m.school_id for m in memberships(user) if m.role in roles}


def has_role(user, *roles):
    return bool(school_ids(user, roles or ALL_ROLES))


def schools_for(user, roles=ALL_ROLES):
    """Schools in which the user holds one of `roles`."""
    return School.objects.filter(pk__in=school_ids(user, roles))


def chosen_school(user, roles, code=""):
    """The school a page works on for a user of several schools: `code` (a BRIN, from
    ?school=) among the user's schools for `roles` — 404 for any other — else the first."""
    from django.shortcuts import get_object_or_404

    schools = schools_for(user, roles).order_by("name")
    code = (code or "").strip().upper()
    return get_object_or_404(schools, brin=code) if code else schools.first()


def scoped(queryset, user, *, school_field="school", roles=STUDENT_ROLES):
    """Narrow any queryset to the schools where the user holds one of `roles`."""
    ids = school_ids(user, roles)
    if not ids:
        return queryset.none()
    return queryset.filter(**{f"{school_field}__in": ids})


def editable(queryset, user, *, school_field="school", mentor_field="mentor"):
    """Rows the user may change: all of a leader's school, a mentor's own mentees."""
    from django.db.models import Q

    leader_of = school_ids(user, (Role.LEADER,))
    mentor_at = school_ids(user, (Role.MENTOR,))
    condition = Q(**{f"{school_field}__in": leader_of}) | Q(
        **{f"{school_field}__in": mentor_at, mentor_field: user}
    )
    if not leader_of and not mentor_at:
        return queryset.none()
    return queryset.filter(condition)


def require_role(user, *roles):
    if not user.is_authenticated or not has_role(user, *roles):
        raise PermissionDenied


def role_required(*roles):
    """View decorator: the user needs at least one of `roles` (at any school), else 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator
