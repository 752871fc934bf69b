"""Deployment settings are checked in a separate process, as a real deployment would run."""

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
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


# --- The documented production setup (Procfile, deploy/) ----------------------------------------

DEPLOY = settings.BASE_DIR / "deploy"


def example_environment():
    """deploy/leerroute.env.example as a dict, with a real secret key in place of the placeholder."""
    values = {}
    for line in (DEPLOY / "leerroute.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return {**values, "SECRET_KEY": secrets.token_urlsafe(50)}


def procfile():
    lines = (settings.BASE_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def test_the_example_production_environment_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **example_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_procfile_runs_web_worker_and_one_beat():
    processes = procfile()
    assert processes["web"] == "gunicorn --config deploy/gunicorn.conf.py portal.wsgi"
    assert processes["worker"].startswith("celery --app portal worker")
    assert processes["beat"].startswith("celery --app portal beat")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (systemd)")
def test_the_systemd_units_are_valid(tmp_path):
    """The units name /srv/leerroute; pointed at this checkout, systemd finds nothing to fault."""
    for unit in (DEPLOY / "systemd").glob("*.service"):
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/leerroute", str(settings.BASE_DIR)))
    units = sorted(str(p) for p in tmp_path.glob("*.service"))
    assert len(units) == 3
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def production_web(tmp_path):
    """The Procfile's web process, in production mode behind a (pretend) TLS proxy on loopback,
    with static files collected by `collectstatic` as the release step does."""
    environment = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
                   "BEHIND_PROXY": "1", "STATIC_ROOT": str(tmp_path / "static"),
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": ""}
    collected = manage("collectstatic", "--no-input", **environment)
    assert collected.returncode == 0, collected.stderr
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"HTTPS", "STATIC_MANIFEST", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(environment, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    server = subprocess.Popen(shlex.split(procfile()["web"]), cwd=settings.BASE_DIR, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"{base}/healthz")
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)


def test_gunicorn_serves_the_portal_and_its_static_files_in_production_mode(production_web):
    https = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front adds

    status, _headers, body = _get(f"{production_web}/healthz", **https)
    assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok", "broker": "eager"}

    status, headers, _body = _get(f"{production_web}/healthz")  # plain HTTP straight to gunicorn
    assert status == 301 and headers["Location"].startswith("https://")

    status, _headers, body = _get(f"{production_web}/account/login/", **https)
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', body.decode())
    assert status == 200 and stylesheet, "the login page links the hashed stylesheet"
    status, headers, _body = _get(production_web + stylesheet.group(1), **https, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
