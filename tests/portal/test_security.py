"""What a browser gets besides the page: every form that changes something carries a CSRF
token, every response carries the security headers, and pages with student data are never
kept by a proxy or in the browser's cache."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
POST = re.compile(r"""method\s*=\s*["']?post\b""", re.IGNORECASE)


def post_forms_without_csrf_token():
    """(template, form tag) of every <form method="post"> whose body has no {% csrf_token %}."""
    missing, forms = [], 0
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for match in FORM.finditer(text):
            if not POST.search(match.group(0)):
                continue
            forms += 1
            end = text.find("</form>", match.end())
            body = text[match.end():end if end != -1 else len(text)]
            if "{% csrf_token %}" not in body:
                missing.append((str(template.relative_to(settings.BASE_DIR)), match.group(0)))
    return forms, missing


def test_every_post_form_in_every_template_carries_a_csrf_token():
    forms, missing = post_forms_without_csrf_token()
    assert forms > 40  # the scan found the forms (base.html's logout, the week grid, ...)
    assert not missing, missing


def test_the_scan_finds_a_form_without_a_token(tmp_path, settings):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad.html").write_text(
        '<form action="/x/" METHOD=post><button>Opslaan</button></form>'
        '<form method="get"><input name="q"></form>', encoding="utf-8")
    settings.BASE_DIR = tmp_path
    assert post_forms_without_csrf_token() == (1, [("templates/bad.html", '<form action="/x/" METHOD=post>')])


def test_a_change_without_the_csrf_token_is_refused(mentor_a, student_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(mentor_a)
    response = browser.post(reverse("students:edit", args=[student_a.pk]),
                            {"primary_school_notes": "overschreven", "sex": ""})
    assert response.status_code == 403
    student_a.refresh_from_db()
    assert student_a.primary_school_notes == "Dyslexieverklaring aanwezig."


def _security_headers(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


def _not_cached(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives


STUDENT_DATA = {
    "students:detail": True, "students:edit": True, "students:export": True,  # True: takes the student's id
    "students:list": False, "flags:export": False,
}


@pytest.mark.parametrize("page", sorted(STUDENT_DATA))
def test_pages_with_student_data_carry_the_headers_and_are_never_cached(page, client, leader_a, student_a):
    client.force_login(leader_a)
    response = client.get(reverse(page, args=[student_a.pk] if STUDENT_DATA[page] else []))
    assert response.status_code == 200
    _security_headers(response)
    _not_cached(response)


def test_a_page_that_does_not_exist_carries_the_headers_too(client, leader_a):
    client.force_login(leader_a)
    response = client.get(reverse("students:detail", args=[987654]))
    assert response.status_code == 404
    _security_headers(response)
    _not_cached(response)


def test_the_login_page_carries_the_headers_and_is_not_cached(client, db):
    response = client.get(reverse("login"))
    _security_headers(response)
    _not_cached(response)  # Django's login view: never_cache


def test_the_session_cookie_is_not_readable_by_scripts(client, mentor_a):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": mentor_a.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
