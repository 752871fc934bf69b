from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access
from portal.models import Role
from portal.schoolyear import SchoolYear

from . import reports, selectors, services
from .forms import (AdjustmentForm, ApprovalForm, BudgetForm, ConclusionForm, LineForm, MunicipalityForm,
                    ProgrammeForm, SpendingForm, VersionForm)
from .models import ProgrammeLine, SchoolProgramme

readers = access.role_required(Role.LEADER, Role.INSPECTOR)


def _programme(request, pk):
    """Readers get their schools' programmes; a change (POST) needs the school's leader."""
    if request.method == "POST":
        access.require_role(request.user, Role.LEADER)
        return get_object_or_404(selectors.editable_programmes(request.user), pk=pk)
    return get_object_or_404(selectors.programmes_for(request.user), pk=pk)


def _can_edit(request, programme):
    return programme.school_id in access.school_ids(request.user, (Role.LEADER,))


def _page(request, template, programme, step, **context):
    return render(request, template, {"programme": programme, "step": step,
                                      "can_edit": _can_edit(request, programme), **context})


def _error(request, error):
    messages.error(request, " ".join(error.messages))


@readers
def programme_list(request):
    schools = access.schools_for(request.user, (Role.LEADER,))
    form = None
    if schools:
        form = ProgrammeForm(request.POST or None, schools=schools,
                             initial={"first_year": SchoolYear.of(timezone.localdate()).start_year})
    if request.method == "POST":
        access.require_role(request.user, Role.LEADER)
        if form.is_valid():
            programme = services.create_programme(actor=request.user, **form.cleaned_data)
            return redirect("schoolplans:detail", programme.pk)
    programmes = selectors.programmes_for(request.user)
    return render(request, "schoolplans/list.html", {"programmes": programmes, "form": form})


@readers
def programme_detail(request, pk):
    programme = _programme(request, pk)
    if request.method == "POST":
        try:
            services.transition(programme, request.POST.get("to", ""), request.user)
            messages.success(request, _("The programme is now “%(state)s”.") % {"state": programme.get_state_display()})
        except (ValidationError, ValueError) as error:
            _error(request, error if isinstance(error, ValidationError) else ValidationError(_("Unknown state.")))
        return redirect("schoolplans:detail", programme.pk)
    moves = [(to, SchoolProgramme.State(to).label) for to in services.allowed_moves(programme, request.user)]
    return _page(request, "schoolplans/detail.html", programme, "overview", moves=moves,
                 budget=services.budget_overview(programme), states=SchoolProgramme.State.choices)


@readers
def programme_scan(request, pk):
    programme = _programme(request, pk)
    form = ConclusionForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_conclusions(actor=request.user, programme=programme, texts=form.cleaned_data)
            messages.success(request, _("Conclusions saved."))
        except ValidationError as error:
            _error(request, error)
        return redirect("schoolplans:scan", programme.pk)
    scan = selectors.schoolscan(programme.school, timezone.localdate())
    if not _can_edit(request, programme):
        scan = selectors.scan_for_inspectors(scan)
    return _page(request, "schoolplans/scan.html", programme, "scan", scan=scan, form=form,
                 conclusions=programme.conclusions.all())


@readers
def programme_lines(request, pk):
    programme = _programme(request, pk)
    action = request.POST.get("action")
    line_form = LineForm(request.POST if action == "line" else None, instance=ProgrammeLine(programme=programme))
    budget_form = BudgetForm(request.POST if action == "budget" else None, programme=programme)
    if request.method == "POST":
        try:
            if action == "line" and line_form.is_valid():
                services.save_line(actor=request.user, form=line_form)
                return redirect("schoolplans:lines", programme.pk)
            if action == "budget" and budget_form.is_valid():
                services.save_budget(actor=request.user, programme=programme, **budget_form.cleaned_data)
                return redirect("schoolplans:lines", programme.pk)
            if action == "confirm":
                services.confirm_over_budget(actor=request.user, programme=programme)
                return redirect("schoolplans:lines", programme.pk)
        except ValidationError as error:
            _error(request, error)
            return redirect("schoolplans:lines", programme.pk)
    budget = services.budget_overview(programme)
    return _page(request, "schoolplans/lines.html", programme, "lines", budget=budget,
                 lines=programme.lines.select_related("intervention"), line_form=line_form,
                 budget_form=budget_form, over=any(row["over"] for row in budget),
                 planned_total=sum(row["planned"] for row in budget),
                 budget_total=sum(row["budget"] for row in budget))


@access.role_required(Role.LEADER)
def line_edit(request, pk, line_pk):
    programme = get_object_or_404(selectors.editable_programmes(request.user), pk=pk)
    line = get_object_or_404(programme.lines, pk=line_pk)
    form = LineForm(request.POST or None, instance=line)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                services.delete_line(actor=request.user, line=line)
                return redirect("schoolplans:lines", programme.pk)
            if form.is_valid():
                services.save_line(actor=request.user, form=form)
                return redirect("schoolplans:lines", programme.pk)
        except ValidationError as error:
            _error(request, error)
            return redirect("schoolplans:lines", programme.pk)
    return _page(request, "schoolplans/line_form.html", programme, "lines", form=form, line=line)


@readers
def programme_approvals(request, pk):
    programme = _programme(request, pk)
    form_class = MunicipalityForm if programme.is_locked else ApprovalForm
    form = form_class(request.POST or None, request.FILES or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_approvals(actor=request.user, form=form)
            messages.success(request, _("Decisions saved."))
        except ValidationError as error:
            _error(request, error)
        return redirect("schoolplans:approvals", programme.pk)
    return _page(request, "schoolplans/approvals.html", programme, "approvals", form=form)


@readers
def programme_execution(request, pk):
    programme = _programme(request, pk)
    action = request.POST.get("action")
    spending_form = SpendingForm(request.POST if action == "spending" else None, programme=programme,
                                 initial={"school_year": SchoolYear.of(timezone.localdate()).start_year})
    adjustment_form = AdjustmentForm(request.POST if action == "adjustment" else None, programme=programme,
                                     initial={"made_on": timezone.localdate()}, prefix="adjustment")
    if request.method == "POST":
        try:
            if action == "spending" and spending_form.is_valid():
                services.add_spending(actor=request.user, **spending_form.cleaned_data)
                return redirect("schoolplans:execution", programme.pk)
            if action == "adjustment" and adjustment_form.is_valid():
                services.add_adjustment(actor=request.user, **adjustment_form.cleaned_data)
                return redirect("schoolplans:execution", programme.pk)
        except ValidationError as error:
            _error(request, error)
            return redirect("schoolplans:execution", programme.pk)
    progress = list(selectors.programme_progress(programme).values())
    if not _can_edit(request, programme):
        progress = selectors.progress_for_inspectors(progress)
    adjustments = [a for line in programme.lines.prefetch_related("adjustments").select_related("intervention")
                   for a in line.adjustments.all()]
    return _page(request, "schoolplans/execution.html", programme, "execution", progress=progress,
                 spending_form=spending_form, adjustment_form=adjustment_form, adjustments=adjustments,
                 running=programme.state in (SchoolProgramme.State.ADOPTED, SchoolProgramme.State.RUNNING))


@readers
def programme_versions(request, pk):
    programme = _programme(request, pk)
    form = VersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.new_version(actor=request.user, programme=programme, reason=form.cleaned_data["reason"])
            messages.success(request, _("Version %(n)s is a draft again.") % {"n": programme.version})
        except ValidationError as error:
            _error(request, error)
        return redirect("schoolplans:versions", programme.pk)
    versions, diffs = selectors.version_diffs(programme)
    return _page(request, "schoolplans/versions.html", programme, "versions", versions=versions,
                 diffs=diffs, form=form)


def _report(request, pk):
    programme = get_object_or_404(selectors.programmes_for(request.user), pk=pk)
    try:
        year = SchoolYear.parse(request.GET["jaar"]).start_year
    except (KeyError, ValueError):
        year = programme.first_year
    report = selectors.accounting(programme, year)
    if not _can_edit(request, programme):
        report = selectors.accounting_for_inspectors(report)
    return programme, report


@readers
def accounting(request, pk):
    programme, report = _report(request, pk)
    return _page(request, "schoolplans/accounting.html", programme, "accounting", report=report,
                 years=programme.school_years)


@readers
def accounting_pdf(request, pk):
    programme, report = _report(request, pk)
    response = HttpResponse(reports.accounting_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="npo-verantwoording-{programme.school.brin}-'
                                       f'{report["school_year"]}.pdf"')
    return response


@readers
def accounting_csv(request, pk):
    programme, report = _report(request, pk)
    response = HttpResponse(reports.accounting_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="npo-verantwoording-{programme.school.brin}-'
                                       f'{report["school_year"]}.csv"')
    return response


DOCUMENTS = {"mr": "mr_document", "bestuur": "board_document"}


@readers
def document(request, pk, which):
    """The uploaded MR or board decision, for the school's leader and its inspectors."""
    programme = get_object_or_404(selectors.programmes_for(request.user), pk=pk)
    field = DOCUMENTS.get(which)
    stored = getattr(programme, field) if field else None
    if not stored:
        raise Http404
    return FileResponse(stored.open("rb"), as_attachment=True,
                        filename=stored.name.rsplit("/", 1)[-1])
