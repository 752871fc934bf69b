from django.shortcuts import get_object_or_404, render

from portal import access
from portal.models import Role

from . import selectors


@access.role_required(Role.LEADER)
def school(request, brin):
    school = get_object_or_404(access.schools_for(request.user, (Role.LEADER,)), brin=brin)
    return render(request, "dashboards/school.html", {
        "school": school, "overview": selectors.school_overview(school),
    })


@access.role_required(Role.INSPECTOR)
def inspector(request):
    return render(request, "dashboards/inspector.html", {
        "schools": selectors.inspector_overview(request.user),
    })
