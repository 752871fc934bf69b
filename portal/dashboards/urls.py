from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("scholen/<str:brin>/", views.school, name="school"),
    path("inspectie/", views.inspector, name="inspector"),
]
