from portal import access

from .models import InterventionPlan


def plans_for(user):
    """Plans of the students this user may see."""
    return access.scoped(
        InterventionPlan.objects.select_related("student", "goal_subject", "responsible"),
        user, school_field="student__school",
    )


def editable_plans_for(user):
    """Plans a user may change: a leader's school, a mentor's own mentees."""
    return access.editable(InterventionPlan.objects.all(), user, school_field="student__school",
                           mentor_field="student__mentor")
