from django.urls import path

from . import import_views

app_name = "roster_import"
urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("<int:pk>/", import_views.preview, name="preview"),
    path("<int:pk>/bevestigen/", import_views.confirm, name="confirm"),
    path("cijfers/", import_views.scores_upload, name="scores_upload"),
    path("cijfers/<int:pk>/", import_views.scores_preview, name="scores_preview"),
    path("cijfers/<int:pk>/kolommen/", import_views.scores_mapping, name="scores_mapping"),
    path("cijfers/<int:pk>/bevestigen/", import_views.scores_confirm, name="scores_confirm"),
    path("cijfers/<int:pk>/voortgang/", import_views.job_status, name="job_status"),
]
