from django.urls import path

from . import views

app_name = "schoolplans"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/scan/", views.programme_scan, name="scan"),
    path("<int:pk>/regels/", views.programme_lines, name="lines"),
    path("<int:pk>/regels/<int:line_pk>/", views.line_edit, name="line_edit"),
    path("<int:pk>/besluitvorming/", views.programme_approvals, name="approvals"),
    path("<int:pk>/uitvoering/", views.programme_execution, name="execution"),
    path("<int:pk>/versies/", views.programme_versions, name="versions"),
    path("<int:pk>/besluit/<str:which>/", views.document, name="document"),
    path("<int:pk>/verantwoording/", views.accounting, name="accounting"),
    path("<int:pk>/verantwoording.pdf", views.accounting_pdf, name="accounting_pdf"),
    path("<int:pk>/verantwoording.csv", views.accounting_csv, name="accounting_csv"),
]
