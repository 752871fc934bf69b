"""The menukaart: browse, compare, and a school's own interventions (school leaders)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal import access
from portal.models import Role

from . import selectors, services
from .forms import LocalInterventionForm, MenukaartFilterForm


@access.role_required(*access.ALL_ROLES)
def menukaart(request):
    form = MenukaartFilterForm(request.GET)
    return render(request, "interventions/menukaart_list.html", {
        "form": form,
        "interventions": selectors.menukaart(request.user, **form.filters()),
        "filtered": any(request.GET.get(name) for name in form.fields if name != "sort"),
        "can_add": access.has_role(request.user, Role.LEADER),
        "compare_max": selectors.COMPARE_MAX,
    })


@access.role_required(*access.ALL_ROLES)
def menukaart_detail(request, pk):
    intervention = get_object_or_404(
        selectors.interventions_for(request.user).select_related("based_on", "school"), pk=pk)
    return render(request, "interventions/menukaart_detail.html", {
        "intervention": intervention,
        "variants": selectors.variants_of(request.user, intervention),
        "can_edit": selectors.editable_interventions_for(request.user).filter(pk=pk).exists(),
    })


@access.role_required(*access.ALL_ROLES)
def menukaart_compare(request):
    ids = [int(value) for value in request.GET.getlist("id") if value.isdigit()]
    interventions, too_many = selectors.compared(request.user, ids)
    return render(request, "interventions/menukaart_compare.html", {
        "interventions": interventions, "too_many": too_many, "compare_max": selectors.COMPARE_MAX,
    })


@access.role_required(Role.LEADER)
def menukaart_create(request):
    form = LocalInterventionForm(request.POST or None,
                                 schools=access.schools_for(request.user, (Role.LEADER,)))
    if request.method == "POST" and form.is_valid():
        intervention = services.create_local_intervention(
            actor=request.user, school=form.target_school(), data=form.cleaned_data)
        messages.success(request, _("Your school's intervention was added to the menukaart."))
        return redirect(intervention)
    return render(request, "interventions/menukaart_form.html", {"form": form})


@access.role_required(Role.LEADER)
def menukaart_edit(request, pk):
    intervention = get_object_or_404(selectors.interventions_for(request.user), pk=pk)
    if not selectors.editable_interventions_for(request.user).filter(pk=pk).exists():
        raise PermissionDenied  # a national entry, or the leader of another of the user's schools
    form = LocalInterventionForm(request.POST or None, instance=intervention,
                                 schools=access.schools_for(request.user, (Role.LEADER,)))
    if request.method == "POST" and form.is_valid():
        services.update_local_intervention(
            actor=request.user, intervention=intervention,
            changes={field: form.cleaned_data[field] for field in form.changed_data})
        messages.success(request, _("Saved."))
        return redirect(intervention)
    return render(request, "interventions/menukaart_form.html",
                  {"form": form, "intervention": intervention})
