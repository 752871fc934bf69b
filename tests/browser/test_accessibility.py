"""Every page, every role, audited with axe-core (WCAG 2.1 A/AA) in Chromium on the demo
data: no serious or critical violations. axe comes from static/vendor (make assets) and is
injected through the DevTools protocol, which our Content-Security-Policy does not block."""

from pathlib import Path

import pytest
from django.conf import settings

from interventions.models import Intervention
from interventions.services import load_menukaart
from portal.dashboards import demo
from students.models import Student, TeamReview
from tests.browser.test_login_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(settings.BASE_DIR) / "static/vendor/axe-core/axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def audit(page):
    """Serious and critical violations on the current page, as readable strings."""
    page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_the_audit_catches_a_known_violation(page):
    page.set_content('<!doctype html><html lang="nl"><body><main><img src="x.png"></main></body></html>')
    assert any(v.startswith("image-alt") for v in audit(page))


def pages_of(role, student, review, menukaart_entry):
    plan = student.intervention_plans.first()
    common = ["/account/password_change/", "/interventies/menukaart/"]
    return {
        "mentor": ["/leerlingen/mijn/", "/leerlingen/week/", "/leerlingen/", student.get_absolute_url(),
                   f"/leerlingen/{student.pk}/bewerken/", f"/interventies/plan/nieuw/{student.pk}/",
                   f"/overleg/gesprek/{student.pk}/nieuw/", "/overleg/besprekingen/",
                   f"/overleg/besprekingen/{review.pk}/", "/overleg/acties/", "/signalering/",
                   "/signalering/meldingen/", "/interventies/groepen/"]
                  + ([f"/interventies/plan/{plan.pk}/", f"/interventies/plan/{plan.pk}/evaluatie/"] if plan else []),
        "leader": ["/scholen/12AB/", "/scholen/12AB/audit/", "/leerlingen/importeren/",
                   "/leerlingen/importeren/cijfers/", "/leerlingen/", "/overleg/besprekingen/nieuw/", "/interventies/menukaart/nieuw/",
                   f"/interventies/menukaart/{menukaart_entry.pk}/",
                   f"/interventies/menukaart/vergelijk/?id={menukaart_entry.pk}", "/signalering/",
                   "/signalering/regels/", "/signalering/normen/", "/bevordering/",
                   f"/bevordering/leerling/{student.pk}/besluit/", "/interventies/groepen/nieuw/",
                   "/schoolprogramma/"],
        "inspector": ["/inspectie/", "/schoolprogramma/"],
    }[role] + common


def test_every_page_of_every_role_passes_axe(page, live_server):
    demo.seed()
    load_menukaart()  # transactional tests empty the table the data migration filled
    menukaart_entry = Intervention.objects.get(key="interne_rebound")
    for path in ("/account/login/", "/account/password_reset/"):
        page.goto(path)
        assert audit(page) == [], path
    mentor = "a.bouzid@baken.example"
    mentees = Student.objects.filter(mentor__email=mentor).order_by("student_number")
    student = mentees.filter(intervention_plans__isnull=False).first() or mentees.first()
    review = TeamReview.objects.get(school__brin="12AB")
    failures = {}
    for role, email in (("mentor", mentor), ("leader", "m.hoekstra@baken.example"),
                        ("inspector", "h.claassen@inspectie.example")):
        page.context.clear_cookies()
        log_in(page, email, demo.DEMO_PASSWORD)
        for path in pages_of(role, student, review, menukaart_entry):
            response = page.goto(path)
            assert response.status == 200, path
            if problems := audit(page):
                failures[f"{role} {path}"] = problems
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())
