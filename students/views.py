from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal import access
from portal.models import Role

from . import selectors, services
from .forms import StudentFilterForm, StudentNotesForm

PAGE_SIZE = 50


@access.role_required(Role.MENTOR)
def my_students(request):
    form = StudentFilterForm(request.GET)
    students = list(selectors.caseload(request.user, **form.filters()))
    services.record_list(user=request.user, schools=access.schools_for(request.user, (Role.MENTOR,)),
                         count=len(students), what="mijn leerlingen")
    return render(request, "students/my_students.html", {"form": form, "students": students})


@access.role_required(*access.STUDENT_ROLES)
def student_list(request):
    form = StudentFilterForm(request.GET)
    page = Paginator(selectors.school_students(request.user, **form.filters()), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    services.record_list(user=request.user, schools=access.schools_for(request.user, access.STUDENT_ROLES),
                         count=len(page.object_list), what="leerlingenlijst")
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(request, "students/student_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "class_codes": selectors.class_codes(request.user),
    })


def student_detail(request, pk):
    student = get_object_or_404(selectors.students_for(request.user), pk=pk)
    services.record_view(user=request.user, student=student)
    return render(request, "students/student_detail.html", {
        "student": student, "can_edit": selectors.can_edit(request.user, student),
    })


def student_edit(request, pk):
    student = get_object_or_404(selectors.students_for(request.user), pk=pk)
    if not selectors.can_edit(request.user, student):
        raise PermissionDenied
    form = StudentNotesForm(request.POST or None, instance=student)
    if request.method == "POST" and form.is_valid():
        services.update_student(actor=request.user, student=student, changes={
            field: form.cleaned_data[field] for field in form.changed_data
        })
        messages.success(request, _("Saved."))
        return redirect(student)
    return render(request, "students/student_edit.html", {"student": student, "form": form})
