from django.urls import path

from . import views

app_name = "students"
urlpatterns = [
    path("", views.student_list, name="list"),
    path("mijn/", views.my_students, name="mine"),
    path("week/", views.week_grid, name="week"),
    path("<int:pk>/", views.student_detail, name="detail"),
    path("<int:pk>/bewerken/", views.student_edit, name="edit"),
    path("<int:pk>/inzage.zip", views.student_export, name="export"),
]
