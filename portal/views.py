import sys

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.shortcuts import get_object_or_404, redirect, render
from django.contrib import messages
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import access, health
from .forms import MailSettingsForm
from .models import AuditEntry, Role


def home(request):
    """Land on the page that fits the user's role."""
    user = request.user
    if access.has_role(user, Role.LEADER):
        school = access.schools_for(user, (Role.LEADER,)).first()
        return redirect("dashboards:school", brin=school.brin)
    if access.has_role(user, Role.MENTOR):
        return redirect("students:mine")
    if access.has_role(user, Role.TEACHER):
        return redirect("students:list")
    if access.has_role(user, Role.INSPECTOR):
        return redirect("dashboards:inspector")
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "portal/no_role.html", status=403)


@access.role_required(Role.LEADER)
def audit_log(request, brin):
    school = get_object_or_404(access.schools_for(request.user, (Role.LEADER,)), brin=brin)
    entries = AuditEntry.objects.filter(school=school).select_related("user")
    who = request.GET.get("wie", "").strip()
    what = request.GET.get("wat", "").strip()
    if who:
        entries = entries.filter(user__email__icontains=who)
    if what:
        entries = entries.filter(summary__icontains=what)
    page = Paginator(entries, 100).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(request, "portal/audit_log.html", {
        "school": school, "page": page, "who": who, "what": what, "query": query.urlencode(),
    })


def mail_settings(request):
    """Every user chooses how the portal's notifications reach them by e-mail."""
    form = MailSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your e-mail setting is saved."))
        return redirect("mail_settings")
    return render(request, "portal/mail_settings.html", {"form": form})


@login_not_required
@never_cache
@require_GET
def healthz(request):
    healthy, parts = health.status()
    return JsonResponse({"status": "ok" if healthy else "error", **parts},
                        status=200 if healthy else 503)



def server_error(request):
    """The 500 handler: a database that is down or restarting (the connection is refused or
    lost) answers 503 with Retry-After, so browsers, proxies and load balancers know it
    passes; anything else gets the plain 500 page. Both are static: no database needed."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
