from django.urls import path

from . import staff_views, transfer_views, views

app_name = "roster_import"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/bevestigen/", views.confirm, name="confirm"),
    path("cijfers/", views.scores_upload, name="scores_upload"),
    path("cijfers/<int:pk>/", views.scores_preview, name="scores_preview"),
    path("cijfers/<int:pk>/kolommen/", views.scores_mapping, name="scores_mapping"),
    path("cijfers/<int:pk>/bevestigen/", views.scores_confirm, name="scores_confirm"),
    path("cijfers/<int:pk>/voortgang/", views.job_status, name="job_status"),
    path("personeel/", staff_views.upload, name="staff_upload"),
    path("personeel/<int:pk>/", staff_views.preview, name="staff_preview"),
    path("personeel/<int:pk>/bevestigen/", staff_views.confirm, name="staff_confirm"),
    path("overdracht/", transfer_views.upload, name="transfer_upload"),
    path("overdracht/<int:pk>/", transfer_views.preview, name="transfer_preview"),
    path("overdracht/<int:pk>/bevestigen/", transfer_views.confirm, name="transfer_confirm"),
]
