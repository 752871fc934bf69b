from django.urls import path

from . import menukaart_views, views

app_name = "interventions"
urlpatterns = [
    path("plan/nieuw/<int:student_pk>/", views.plan_create, name="plan_create"),
    path("plan/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("plan/<int:pk>/evaluatie/", views.plan_evaluate, name="plan_evaluate"),
    path("groepen/", views.group_list, name="group_list"),
    path("groepen/nieuw/", views.group_create, name="group_create"),
    path("groepen/<int:pk>/", views.group_detail, name="group_detail"),
    path("groepen/<int:pk>/inschrijven/", views.group_enrol, name="group_enrol"),
    path("menukaart/", menukaart_views.menukaart, name="menukaart"),
    path("menukaart/vergelijk/", menukaart_views.menukaart_compare, name="menukaart_compare"),
    path("menukaart/nieuw/", menukaart_views.menukaart_create, name="menukaart_create"),
    path("menukaart/<int:pk>/", menukaart_views.menukaart_detail, name="menukaart_detail"),
    path("menukaart/<int:pk>/bewerken/", menukaart_views.menukaart_edit, name="menukaart_edit"),
]
