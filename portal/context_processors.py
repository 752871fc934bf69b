from . import access
from .models import Role


def navigation(request):
    """Which menu items the user gets; one query per request, cached by access."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    leader_schools = [m.school for m in access.memberships(user) if m.role == Role.LEADER]
    flag_roles = access.has_role(user, Role.MENTOR, Role.LEADER)
    return {
        "nav": {
            "mentor": access.has_role(user, Role.MENTOR),
            "students": access.has_role(user, *access.STUDENT_ROLES),
            "leader_schools": leader_schools,
            "inspector": access.has_role(user, Role.INSPECTOR),
            "flags": flag_roles,
        }
    }

