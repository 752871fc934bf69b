from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("scholen/<str:brin>/", views.school, name="school"),
    path("scholen/<str:brin>/bijwerken/", views.school_refresh, name="school_refresh"),
    path("scholen/<str:brin>/export/<slug:table>.<str:fmt>", views.school_export, name="school_export"),
    path("scholen/<str:brin>/groep/<str:level>/<int:leerjaar>/", views.school_group, name="school_group"),
    path("scholen/<str:brin>/groep/<str:level>/<int:leerjaar>/export/<slug:table>.<str:fmt>",
         views.group_export, name="group_export"),
    path("inspectie/", views.inspector, name="inspector"),
    path("inspectie/export.<str:fmt>", views.inspector_export, name="inspector_export"),
    path("inspectie/<str:brin>/", views.inspector_school, name="inspector_school"),
    path("inspectie/<str:brin>/export/<slug:table>.<str:fmt>", views.inspector_school_export,
         name="inspector_school_export"),
]
