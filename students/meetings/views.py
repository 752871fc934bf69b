"""Leerlingbespreking (team student review), 'Mijn acties' and driehoeksgesprekken."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal import access, audit

from .. import selectors
from . import conversations, reviews
from .forms import (
    ActionDoneForm, ActionForm, AgendaAddForm, ConclusionForm, ConversationForm, ReviewForm,
)
from .suggestions import agenda_window

staff_only = access.role_required(*access.STUDENT_ROLES)


def _review_url(review, item=None):
    url = reverse("meetings:review_detail", args=[review.pk])
    return f"{url}#item-{item.pk}" if item else url


@staff_only
def review_list(request):
    page = Paginator(reviews.review_list(request.user), 50).get_page(request.GET.get("pagina"))
    return render(request, "students/review_list.html", {"page": page})


@staff_only
def review_create(request):
    schools = access.schools_for(request.user, access.STUDENT_ROLES)
    form = ReviewForm(request.POST or None, schools=schools,
                      initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.create_review(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Review planned; the agenda is ready."))
            return redirect(_review_url(review))
    return render(request, "students/review_form.html", {
        "form": form, "class_codes": selectors.class_codes(request.user),
    })


def _focus_first_error(form):
    """A form re-shown with errors sits somewhere down a long page: take the user there."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            return form
    return form


def _review_page(request, review, *, add_form=None, action_forms=None, log_view=False):
    """The review page; an invalid form posted from it is shown in its place, with errors."""
    user, action_forms = request.user, action_forms or {}
    items = list(reviews.agenda(review))
    if log_view:
        reviews.record_review_view(user=user, review=review, count=len(items))
    owners = list(reviews.action_owners(review.school))
    for item in items:
        item.conclusion_form = ConclusionForm(instance=item, auto_id=f"id_item{item.pk}_%s")
        item.action_form = action_forms.get(item.pk) or ActionForm(
            owners=owners, auto_id=f"id_action{item.pk}_%s")
    since, previous = agenda_window(review)
    add_form = add_form or AgendaAddForm(candidates=reviews.agenda_candidates(user, review))
    return render(request, "students/review_detail.html", {
        "review": review, "items": items, "add_form": add_form, "since": since,
        "previous": previous, "today": timezone.localdate(),
    })


@staff_only
def review_detail(request, pk):
    review = get_object_or_404(reviews.reviews_for(request.user), pk=pk)
    return _review_page(request, review, log_view=True)


@staff_only
@require_POST
def review_refresh(request, pk):
    review = get_object_or_404(reviews.reviews_for(request.user), pk=pk)
    added = reviews.refresh_agenda(actor=request.user, review=review)
    messages.success(request, ngettext("Agenda updated: %(count)s student added.",
                                       "Agenda updated: %(count)s students added.", added)
                     % {"count": added})
    return redirect(_review_url(review))


@staff_only
@require_POST
def review_add_item(request, pk):
    review = get_object_or_404(reviews.reviews_for(request.user), pk=pk)
    form = AgendaAddForm(request.POST, candidates=reviews.agenda_candidates(request.user, review))
    if form.is_valid():
        try:
            item = reviews.add_to_agenda(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("student", error)
        else:
            return redirect(_review_url(review, item))
    return _review_page(request, review, add_form=_focus_first_error(form))


@staff_only
@require_POST
def review_item_save(request, pk):
    item = get_object_or_404(reviews.items_for(request.user), pk=pk)
    form = ConclusionForm(request.POST)
    if form.is_valid():
        reviews.save_conclusion(actor=request.user, item=item,
                                 conclusion=form.cleaned_data["conclusion"])
        messages.success(request, _("Saved."))
    return redirect(_review_url(item.review, item))


@staff_only
def review_item_remove(request, pk):
    item = get_object_or_404(reviews.items_for(request.user), pk=pk)
    if request.method == "POST":
        reviews.remove_from_agenda(actor=request.user, item=item)
        messages.success(request, _("%(name)s was taken off the agenda.")
                         % {"name": item.student.full_name})
        return redirect(_review_url(item.review))
    audit.record_student_view(user=request.user, student=item.student, what=f"agendapunt {item.pk}")
    return render(request, "students/review_item_remove.html", {
        "item": item, "action_count": item.actions.count(),
    })


@staff_only
@require_POST
def review_action_add(request, pk):
    item = get_object_or_404(reviews.items_for(request.user), pk=pk)
    form = ActionForm(request.POST, owners=reviews.action_owners(item.review.school),
                      auto_id=f"id_action{item.pk}_%s")
    if form.is_valid():
        try:
            reviews.add_action(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Action added."))
            return redirect(_review_url(item.review, item))
    return _review_page(request, item.review, action_forms={item.pk: _focus_first_error(form)})


@staff_only
@require_POST
def action_done(request, pk):
    action = get_object_or_404(reviews.actions_for(request.user), pk=pk)
    form = ActionDoneForm(request.POST)
    form.is_valid()
    reviews.set_action_done(actor=request.user, action=action,
                             done=form.cleaned_data.get("done", False))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(back)
    return redirect(_review_url(action.item.review, action.item))


@staff_only
def my_actions(request):
    actions = list(reviews.open_actions_for(request.user))
    reviews.record_actions_list(user=request.user, actions=actions)
    return render(request, "students/review_my_actions.html", {
        "actions": actions, "today": timezone.localdate(),
    })


def _conversation_student(request, student_pk):
    """The student, if the user may record their conversations: 404 outside the school, else 403."""
    student = get_object_or_404(selectors.students_for(request.user), pk=student_pk)
    if not conversations.can_record_conversation(request.user, student):
        raise PermissionDenied
    return student


def conversation_create(request, student_pk):
    student = _conversation_student(request, student_pk)
    form = ConversationForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        conversations.record_conversation(actor=request.user, student=student, **form.cleaned_data)
        messages.success(request, _("Conversation recorded."))
        return redirect(student)
    audit.record_student_view(user=request.user, student=student, what="driehoeksgesprekken")
    return render(request, "students/conversation_form.html", {
        "form": form, "student": student, "conversations": conversations.conversations_for(student),
    })


def conversation_edit(request, student_pk, pk):
    student = _conversation_student(request, student_pk)
    conversation = get_object_or_404(conversations.conversations_for(student), pk=pk)
    # Not bound to the instance: the service compares old and new values itself.
    form = ConversationForm(request.POST or None,
                            initial=model_to_dict(conversation, fields=ConversationForm.Meta.fields))
    if request.method == "POST" and form.is_valid():
        conversations.update_conversation(actor=request.user, conversation=conversation,
                                     **{name: form.cleaned_data[name] for name in form.changed_data})
        messages.success(request, _("Saved."))
        return redirect(student)
    audit.record_student_view(user=request.user, student=student,
                              what=f"driehoeksgesprek {conversation.pk}")
    return render(request, "students/conversation_form.html", {
        "form": form, "student": student, "conversation": conversation,
    })
