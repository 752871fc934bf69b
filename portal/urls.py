from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .forms import LoginForm, PasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("scholen/<str:brin>/audit/", views.audit_log, name="audit_log"),
    path("leerlingen/importeren/", include("students.imports.urls")),
    path("leerlingen/", include("students.urls")),
    path("overleg/", include("students.meetings.urls")),
    path("signalering/", include("students.flags.urls")),
    path("bevordering/", include("students.promotion.urls")),
    path("vakken/", include("students.subjects.urls")),
    path("schoolprogramma/", include("schoolplans.urls")),
    path("interventies/", include("interventions.urls")),
    path("", include("dashboards.urls")),
    path("account/e-mail/", views.mail_settings, name="mail_settings"),
    path("account/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("account/password_reset/", auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
         name="password_reset"),
    path("account/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "portal.views.server_error"
