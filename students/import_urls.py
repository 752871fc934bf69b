from django.urls import path

from . import import_views

app_name = "roster_import"
urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("<int:pk>/", import_views.preview, name="preview"),
    path("<int:pk>/bevestigen/", import_views.confirm, name="confirm"),
]
