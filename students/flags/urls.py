from django.urls import path

from . import views

app_name = "flags"
urlpatterns = [
    path("", views.flag_list, name="list"),
    path("<int:pk>/", views.flag_detail, name="detail"),
    path("<int:pk>/gezien/", views.flag_acknowledge, name="acknowledge"),
    path("<int:pk>/afwijzen/", views.flag_dismiss, name="dismiss"),
    path("regels/", views.rules, name="rules"),
    path("normen/", views.norms, name="norms"),
    path("normen/kopieren/", views.norm_copy, name="norm_copy"),
    path("normen/<str:level>/<int:leerjaar>/", views.norm_edit, name="norm_edit"),
    path("export.csv", views.export, name="export"),
    path("meldingen/", views.notifications, name="notifications"),
    path("meldingen/gelezen/", views.notifications_read_all, name="notifications_read_all"),
    path("meldingen/<int:pk>/gelezen/", views.notification_read, name="notification_read"),
]
