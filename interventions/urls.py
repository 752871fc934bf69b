from django.urls import path

from . import views

app_name = "interventions"
urlpatterns = [
    path("plan/nieuw/<int:student_pk>/", views.plan_create, name="plan_create"),
    path("plan/<int:pk>/", views.plan_edit, name="plan_edit"),
]
