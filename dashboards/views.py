from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import access, audit
from portal.models import Role
from students.models import Level

from . import exports, selectors, services, setup, tables

FORMATS = ("csv", "xlsx")


def _group_url(brin):
    return lambda level, leerjaar: reverse("dashboards:school_group", args=[brin, level, leerjaar])


def _level(level, leerjaar):
    if level not in Level.values or not 1 <= leerjaar <= 6:
        raise Http404
    return level


@access.role_required(Role.LEADER)
def school(request, brin):
    """The school overview: the dashboards once there are students and grades, with the set-up
    checklist above them while a step is open; before that the checklist instead of them."""
    school = selectors.leader_school(request.user, brin)
    checklist = setup.checklist(school)
    return render(request, "dashboards/school.html", {
        "school": school, "checklist": checklist, "overview": selectors.school_overview(school),
        "dashboard": (selectors.school_dashboard(school, group_url=_group_url(school.brin))
                      if checklist.has_data else None),
        "explain": tables.TARGETS, "export_url": "dashboards:school_export",
    })


@require_POST
@access.role_required(Role.LEADER)
def school_refresh(request, brin):
    """Recompute now (one school takes a fraction of a second; the nightly run is Celery's)."""
    school = selectors.leader_school(request.user, brin)
    services.refresh_school(school)
    messages.success(request, _("The figures are up to date."))
    return redirect("dashboards:school", school.brin)


@access.role_required(Role.LEADER)
def school_group(request, brin, level, leerjaar):
    school = selectors.leader_school(request.user, brin)
    group = selectors.group_dashboard(school, _level(level, leerjaar), leerjaar)
    audit.record(user=request.user, school=school, action=audit.Action.VIEW, obj=None,
                 summary=f"dashboard {level} {leerjaar}: {len(group['rows'])} leerlingen bekeken")
    return render(request, "dashboards/group.html", {"school": school, "group": group,
                                                     "level": level, "leerjaar": leerjaar})


@access.role_required(Role.LEADER)
def school_export(request, brin, table, fmt):
    school = selectors.leader_school(request.user, brin)
    found = selectors.school_table(school, table) if fmt in FORMATS else None
    if found is None:
        raise Http404
    return exports.download(found, f"{school.brin}-{found.key}", fmt)


@access.role_required(Role.LEADER)
def group_export(request, brin, level, leerjaar, table, fmt):
    school = selectors.leader_school(request.user, brin)
    group = selectors.group_dashboard(school, _level(level, leerjaar), leerjaar)
    found = selectors.group_table(group, table) if fmt in FORMATS else None
    if found is None:
        raise Http404
    if found.key == "leerlingen":
        audit.record(user=request.user, school=school, action=audit.Action.EXPORT, obj=None,
                     summary=f"dashboard {level} {leerjaar}: lijst van {len(group['rows'])} leerlingen gedownload")
    return exports.download(found, f"{school.brin}-{level}-{leerjaar}-{found.key}", fmt)


def _sort(request):
    sort = request.GET.get("sort", "school")
    return sort, request.GET.get("order") == "desc"


@access.role_required(Role.INSPECTOR)
def inspector(request):
    sort, descending = _sort(request)
    return render(request, "dashboards/inspector.html", {
        "overview": selectors.inspector_overview(request.user, sort=sort, descending=descending),
        "query": "?" + urlencode({"sort": sort, "order": "desc" if descending else "asc"}),
    })


@access.role_required(Role.INSPECTOR)
def inspector_export(request, fmt):
    if fmt not in FORMATS:
        raise Http404
    sort, descending = _sort(request)
    overview = selectors.inspector_overview(request.user, sort=sort, descending=descending)
    return exports.download(overview["table"], "scholen", fmt)


@access.role_required(Role.INSPECTOR)
def inspector_school(request, brin):
    school = selectors.inspector_school(request.user, brin)
    return render(request, "dashboards/inspector_school.html", {
        "school": school,
        "dashboard": selectors.school_dashboard(school, suppress=True) if setup.has_data(school) else None,
        "explain": tables.TARGETS, "export_url": "dashboards:inspector_school_export",
    })


@access.role_required(Role.INSPECTOR)
def inspector_school_export(request, brin, table, fmt):
    school = selectors.inspector_school(request.user, brin)
    found = selectors.school_table(school, table, suppress=True) if fmt in FORMATS else None
    if found is None:
        raise Http404
    return exports.download(found, f"{school.brin}-{found.key}", fmt)
