"""Deployment settings are checked in a separate process, as a real deployment would run."""

import os
import subprocess
import sys

from django.conf import settings


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"DEBUG", "HTTPS", "STATIC_MANIFEST", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_deploy_check_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0",
                    SECRET_KEY="k7#Vq9!xZ2@pL4$wR8^tY6&uI1*oP3(aS5)dF0_gH-jK+lM=nB", ALLOWED_HOSTS="leerroute.school.nl")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
