"""What every page shows from the students app: the number of unread notifications in the
menu (registered in settings.TEMPLATES, so portal's own context processor imports nothing
of this app)."""

from portal import access

from .flags.selectors import unread_count


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not access.has_role(user, *access.STUDENT_ROLES):
        return {}
    return {"unread_notifications": unread_count(user)}
