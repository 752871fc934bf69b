"""Signalering: risk flags for mentors and school leaders; rules, norms and the risk export
for school leaders; the notifications page for everyone with a student role."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal import access
from portal.models import Role
from portal.schoolyear import SchoolYear

from students.models import MAX_LEERJAAR, Level
from students.risk.evaluation import evaluate
from students.risk.rules import projection_for
from students.risk.settings import settings_for

from . import selectors, services
from .forms import DismissForm, FlagFilterForm, NormForm, RiskRulesForm

PAGE_SIZE = 50
LEADER = (Role.LEADER,)

mentors_and_leaders = access.role_required(Role.MENTOR, Role.LEADER)
staff_only = access.role_required(*access.STUDENT_ROLES)
leaders_only = access.role_required(Role.LEADER)


def _safe_next(request, fallback):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return fallback


def _led_schools(request):
    return access.schools_for(request.user, LEADER).order_by("name")


def _led_school(request):
    return access.chosen_school(request.user, LEADER, request.GET.get("school"))


def _with_school(url, request, school):
    return f"{url}?school={school.brin}" if request.GET.get("school") else url


# --- Flags ------------------------------------------------------------------------------------

@mentors_and_leaders
def flag_list(request):
    form = FlagFilterForm(request.GET)
    page = Paginator(selectors.flag_list(request.user, **form.filters()), PAGE_SIZE).get_page(
        request.GET.get("pagina"))
    services.record_flag_list(user=request.user, flags=page.object_list)
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(request, "students/flag_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "now": timezone.now(),
        "is_leader": access.has_role(request.user, Role.LEADER),
    })


@staff_only
def flag_detail(request, pk):
    flag = get_object_or_404(selectors.flags_for(request.user), pk=pk)
    services.record_flag_view(user=request.user, flag=flag)
    return render(request, "students/flag_detail.html", {
        "flag": flag, "events": selectors.flag_events(flag), "can_act": selectors.can_act(request.user, flag),
        "projection": projection_for(flag.student), "dismiss_form": DismissForm(),
        "plans": flag.plans.all(),  # a resolved flag links to the plan that resolved it
    })


def _actionable(request, pk):
    """The flag if the user may act on it: 404 outside their schools, else 403."""
    flag = get_object_or_404(selectors.flags_for(request.user), pk=pk)
    if not selectors.can_act(request.user, flag):
        raise PermissionDenied
    return flag


@mentors_and_leaders
@require_POST
def flag_acknowledge(request, pk):
    flag = _actionable(request, pk)
    try:
        services.acknowledge(actor=request.user, flag=flag)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Flag acknowledged; it now waits for a plan."))
    return redirect(_safe_next(request, reverse("flags:detail", args=[flag.pk])))


@mentors_and_leaders
def flag_dismiss(request, pk):
    flag = _actionable(request, pk)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dismiss(actor=request.user, flag=flag, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None if not hasattr(error, "error_dict") else "reason", error.messages)
        else:
            messages.success(request, _("Flag dismissed."))
            return redirect("flags:detail", pk=flag.pk)
    services.record_flag_view(user=request.user, flag=flag)
    return render(request, "students/flag_dismiss.html", {"flag": flag, "form": form})


# --- Rules, norms, export (school leaders) -------------------------------------------------------

def _evaluation_year(request):
    try:
        return SchoolYear.parse(request.GET.get("jaar", ""))
    except ValueError:
        return SchoolYear(SchoolYear.of(timezone.localdate()).start_year - 1)


@leaders_only
def rules(request):
    school = _led_school(request)
    current = settings_for(school)
    form = RiskRulesForm(request.POST or None, current=current)
    trial = None
    if request.method == "POST" and form.is_valid():
        if "try" in request.POST:
            trial = form.result
        else:
            changed = services.save_rules(actor=request.user, school=school, settings=form.result)
            if changed:
                messages.success(request, ngettext(
                    "Rules saved: %(count)s setting changed. The flags are being recomputed.",
                    "Rules saved: %(count)s settings changed. The flags are being recomputed.",
                    len(changed)) % {"count": len(changed)})
            elif changed is not None:
                messages.success(request, _("Rules saved: the school keeps the standard rules."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(_with_school(reverse("flags:rules"), request, school))
    year = _evaluation_year(request)
    return render(request, "students/flag_rules.html", {
        "form": form, "school": school, "schools": _led_schools(request), "trial": trial is not None,
        "evaluation": evaluate(school, year, settings=trial or current),
    })


@leaders_only
def norms(request):
    school = _led_school(request)
    year = selectors.norm_year()
    return render(request, "students/flag_norms.html", {
        "school": school, "schools": _led_schools(request), "year": year,
        "rows": selectors.norm_table(school, year),
        "previous": SchoolYear(year.start_year - 1),
        "previous_count": selectors.previous_norm_count(school, year),
        "school_query": f"?school={school.brin}" if request.GET.get("school") else "",
    })


@leaders_only
def norm_edit(request, level, leerjaar):
    if level not in Level.values or not 1 <= leerjaar <= MAX_LEERJAAR[Level(level)]:
        raise Http404
    school = _led_school(request)
    year = selectors.norm_year()
    current, recorded = selectors.norm_of(school, year, level, leerjaar)
    form = NormForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        if services.save_norm(actor=request.user, school=school, year=year, level=level,
                           leerjaar=leerjaar, norm=form.result):
            messages.success(request, _("Norm saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect(_with_school(reverse("flags:norms"), request, school))
    return render(request, "students/flag_norm_form.html", {
        "form": form, "school": school, "year": year, "level": Level(level), "leerjaar": leerjaar,
        "recorded": recorded, "is_exam_year": leerjaar == MAX_LEERJAAR[Level(level)],
    })


@leaders_only
@require_POST
def norm_copy(request):
    school = _led_school(request)
    copied = services.copy_norms(actor=request.user, school=school, year=selectors.norm_year())
    if copied:
        messages.success(request, ngettext("%(count)s norm copied from last school year.",
                                           "%(count)s norms copied from last school year.",
                                           copied) % {"count": copied})
    else:
        messages.info(request, _("There was nothing to copy."))
    return redirect(_with_school(reverse("flags:norms"), request, school))


@leaders_only
def export(request):
    school = _led_school(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="risico-{school.brin}-{timezone.localdate():%Y-%m-%d}.csv"')
    services.export_risk(actor=request.user, school=school, out=response)
    return response


# --- Notifications --------------------------------------------------------------------------------

@staff_only
def notifications(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("pagina"))
    return render(request, "students/notification_list.html", {
        "page": page, "unread": selectors.unread_count(request.user), "query": "",
    })


@staff_only
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.mark_read(notification=notification)
    if request.POST.get("open") and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect(_safe_next(request, reverse("flags:notifications")))


@staff_only
@require_POST
def notifications_read_all(request):
    services.mark_all_read(user=request.user)
    return redirect("flags:notifications")
