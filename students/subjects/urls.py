from django.urls import path

from . import views

app_name = "subjects"
urlpatterns = [
    path("", views.subject_list, name="list"),
    path("aanvullen/", views.subject_fill, name="fill"),
    path("<int:pk>/", views.subject_edit, name="edit"),
    path("<int:pk>/samenvoegen/", views.subject_merge, name="merge"),
]
