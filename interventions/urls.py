from django.urls import path

from . import menukaart_views, views

app_name = "interventions"
urlpatterns = [
    path("plan/nieuw/<int:student_pk>/", views.plan_create, name="plan_create"),
    path("plan/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("menukaart/", menukaart_views.menukaart, name="menukaart"),
    path("menukaart/vergelijk/", menukaart_views.menukaart_compare, name="menukaart_compare"),
    path("menukaart/nieuw/", menukaart_views.menukaart_create, name="menukaart_create"),
    path("menukaart/<int:pk>/", menukaart_views.menukaart_detail, name="menukaart_detail"),
    path("menukaart/<int:pk>/bewerken/", menukaart_views.menukaart_edit, name="menukaart_edit"),
]
