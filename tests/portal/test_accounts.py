import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


@pytest.mark.parametrize("persona, landing", [
    ("mentor_a", "/leerlingen/mijn/"),
    ("teacher_a", "/leerlingen/"),
    ("leader_a", "/scholen/12AB/"),
    ("inspector", "/inspectie/"),
])
def test_each_role_logs_in_with_email_and_lands_on_its_page(persona, landing, client, request):
    user = request.getfixturevalue(persona)
    response = login(client, user.email.upper())  # e-mail addresses are case-insensitive
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_a_user_without_a_role_is_told_so(client, outsider):
    client.force_login(outsider)
    response = client.get("/")
    assert response.status_code == 403
    assert "geen rol" in response.content.decode()


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(client, mentor_a):
    response = login(client, mentor_a.email, "fout-wachtwoord")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_for_this_address(client, mentor_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, mentor_a.email, "fout-wachtwoord")
    response = login(client, mentor_a.email)  # even the right password is refused now
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Te veel" in response.content.decode()


def test_logout_needs_a_post(client, mentor_a):
    client.force_login(mentor_a)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("students:mine")).status_code == 302


def test_password_reset_by_email(client, mentor_a):
    response = client.post(reverse("password_reset"), {"email": mentor_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [mentor_a.email]
    link = re.search(r"https?://[^/]+(/account/reset/\S+)", message.body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "nieuw-en-lang-genoeg",
                                      "new_password2": "nieuw-en-lang-genoeg"})
    assert response.status_code == 302
    mentor_a.refresh_from_db()
    assert mentor_a.check_password("nieuw-en-lang-genoeg")


def test_an_account_made_without_a_password_chooses_one_through_forgot_your_password(client, school_a):
    from io import StringIO

    from django.core.management import call_command

    call_command("create_user", "nieuw@a.example", "--role", "teacher", "--school", "12AB", stdout=StringIO())
    client.post(reverse("password_reset"), {"email": "Nieuw@A.example"})
    assert [m.to for m in mail.outbox] == [["nieuw@a.example"]]
    link = re.search(r"https?://[^/]+(/account/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "nieuw-en-lang-genoeg", "new_password2": "nieuw-en-lang-genoeg"})
    assert login(client, "nieuw@a.example", "nieuw-en-lang-genoeg").status_code == 302


def test_a_switched_off_account_gets_no_reset_link(client, mentor_a):
    mentor_a.is_active = False
    mentor_a.save()
    client.post(reverse("password_reset"), {"email": mentor_a.email})
    assert mail.outbox == []


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "niemand@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change(client, mentor_a):
    client.force_login(mentor_a)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "nog-een-lang-wachtwoord",
        "new_password2": "nog-een-lang-wachtwoord"})
    assert response.status_code == 302
    mentor_a.refresh_from_db()
    assert mentor_a.check_password("nog-een-lang-wachtwoord")


def test_pages_carry_security_headers(client, mentor_a):
    client.force_login(mentor_a)
    response = client.get(reverse("students:mine"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
