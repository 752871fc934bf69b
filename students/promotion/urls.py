from django.urls import path

from . import views

app_name = "promotion"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("leerling/<int:student_pk>/advies/nieuw/", views.advice_create, name="advice_create"),
    path("leerling/<int:student_pk>/besluit/", views.decision, name="decision"),
]
