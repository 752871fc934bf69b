"""Every page, every role, audited with axe-core (WCAG 2.1 A/AA) in Chromium on the demo
data: no serious or critical violations. axe comes from static/vendor (make assets) and is
injected through the DevTools protocol, which our Content-Security-Policy does not block.

The same walk checks the layout on a 360 px phone (no sideways scrolling of the page, only
inside a .table-responsive wrapper), and sends the forms back empty to check that every
error is tied to its field, announced and audited too."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from dashboards import demo
from portal.models import User
from tests.browser import demo_site
from tests.browser.test_login_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(settings.BASE_DIR) / "static/vendor/axe-core/axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 800}


def audit(page):
    """Serious and critical violations on the current page, as readable strings."""
    page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const sticking = [...document.querySelectorAll("body *")].filter((el) =>
    el.getBoundingClientRect().right > width + 1 && !el.closest(".table-responsive"));
  return sticking.filter((el) => !sticking.includes(el.parentElement))
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                 (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""))
    .slice(0, 5).concat(["page " + document.documentElement.scrollWidth + " px wide"]);
}"""


def layout_problems(page):
    """On a 360 px phone the page itself never scrolls sideways; wide tables scroll inside
    their .table-responsive wrapper. Returns what sticks out."""
    page.set_viewport_size(PHONE)
    try:
        # Charts redraw at the new size in the next frames.
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        return page.evaluate(WIDER_THAN_THE_SCREEN)
    finally:
        page.set_viewport_size(DESKTOP)


REQUIRED_UNMARKED = """() => [...document.querySelectorAll("main [required]")].filter((field) => {
  const label = (field.type === "radio" || field.type === "checkbox")
    ? field.closest("fieldset")?.querySelector("legend") : field.labels?.[0];
  return !(label && label.textContent.includes("*"));
}).map((field) => (field.name || field.id) + ": required but not marked with *")"""

OUT_OF_ORDER = """() => [...document.querySelectorAll("[tabindex]")].filter((el) => el.tabIndex > 0)
  .map((el) => el.tagName.toLowerCase() + ": a positive tabindex breaks the page's tab order")"""


def check(page, path, status=200):
    """Open the page; the problems found on it by axe, by the checks of required fields and
    tab order, and on a phone."""
    response = page.goto(path)
    if response.status != status:
        return [f"answered {response.status}"]
    return audit(page) + page.evaluate(REQUIRED_UNMARKED) + page.evaluate(OUT_OF_ORDER) + layout_problems(page)


ERROR_WIRING = """() => {
  const problems = [];
  const invalid = [...document.querySelectorAll("main [aria-invalid='true']")];
  for (const field of invalid) {
    const owner = field.getAttribute("aria-describedby") ? field : field.closest("fieldset[aria-describedby]");
    const texts = owner ? owner.getAttribute("aria-describedby").split(/\\s+/)
      .map((id) => document.getElementById(id)).filter(Boolean).map((el) => el.textContent.trim()) : [];
    if (!texts.some(Boolean)) problems.push((field.name || field.id) + ": error text not tied to the field");
  }
  const alert = document.querySelector("main form .alert-danger, main .alert-danger[role='alert']");
  if (!invalid.length && !alert) problems.push("no field marked invalid and no error message");
  const first = document.querySelector("main form .alert-danger, main .alert-danger[role='alert'], main [aria-invalid='true']");
  if (first && document.activeElement !== first) problems.push("the focus is not on the first error");
  return problems;
}"""

EMPTY_THE_FORM = """(form) => {
  form.noValidate = true;  // the server's messages are what we check, not the browser's
  for (const el of form.elements) {
    if (["hidden", "submit", "button", "file"].includes(el.type)) continue;
    if (el.tagName === "SELECT") el.selectedIndex = -1;
    else if (el.type === "checkbox" || el.type === "radio") el.checked = false;
    else el.value = "";
  }
}"""


def form_error_problems(page, path, form="main form[method=post]"):
    """Send the form back empty: the errors are tied to their fields (aria-invalid +
    aria-describedby), the focus moves to the first one, the title says so, axe passes."""
    page.goto(path)
    target = page.locator(form).first
    target.evaluate(EMPTY_THE_FORM)
    with page.expect_navigation():
        target.locator("[type=submit]").first.press("Enter")
    problems = page.evaluate(ERROR_WIRING) + audit(page) + page.evaluate(REQUIRED_UNMARKED) + layout_problems(page)
    with translation.override("nl"):
        prefix = gettext("Error") + ": "
    if not page.title().startswith(prefix):
        problems.append(f"title does not start with {prefix!r}: {page.title()!r}")
    return problems


def test_the_audit_catches_a_known_violation(page):
    page.set_content('<!doctype html><html lang="nl"><body><main><img src="x.png"></main></body></html>')
    assert any(v.startswith("image-alt") for v in audit(page))


def test_the_layout_check_catches_a_page_wider_than_a_phone(page):
    page.set_content('<!doctype html><html lang="nl"><body style="margin: 0"><main><div style="width: 500px">breed</div>'
                     '<div class="table-responsive" style="overflow-x: auto"><table style="width: 900px">'
                     '<tr><td>mag scrollen</td></tr></table></div></main></body></html>')
    assert layout_problems(page) == ["div", "page 500 px wide"]


def forms_of(role, site):
    """The forms each role fills in, sent back empty to see their errors."""
    s, p = site.student, site.programme
    return {
        "mentor": [(f"/interventies/plan/nieuw/{s.pk}/", "main form[method=post]"),
                   (f"/interventies/plan/{site.plan.pk}/evaluatie/", "main form[method=post]"),
                   (f"/overleg/gesprek/{s.pk}/nieuw/", "main form[method=post]"),
                   (f"/signalering/{site.flag.pk}/afwijzen/", "main form[method=post]"),
                   (f"/bevordering/leerling/{s.pk}/advies/nieuw/", "main form[method=post]"),
                   ("/account/password_change/", "main form[method=post]"),
                   ("/account/e-mail/", "main form[method=post]"),
                   (f"/overleg/besprekingen/{site.review.pk}/", "main form[action$='/acties/']"),
                   ("/leerlingen/week/", "#week-grid")],
        "leader": [("/overleg/besprekingen/nieuw/", "main form[method=post]"),
                   ("/interventies/menukaart/nieuw/", "main form[method=post]"),
                   ("/interventies/groepen/nieuw/", "main form[method=post]"),
                   ("/signalering/regels/", "main form[method=post]"),
                   ("/vakken/", "main form:not([action])"),
                   (f"/vakken/{site.subject.pk}/samenvoegen/", "main form[method=post]"),
                   ("/signalering/normen/havo/3/", "main form[method=post]"),
                   (f"/bevordering/leerling/{s.pk}/besluit/", "main form[method=post]"),
                   ("/leerlingen/importeren/", "main form[method=post]"),
                   ("/leerlingen/importeren/cijfers/", "main form[method=post]"),
                   ("/leerlingen/importeren/personeel/", "main form[method=post]"),
                   ("/leerlingen/importeren/overdracht/", "main form[method=post]"),
                   ("/schoolprogramma/", "#programme-form"),
                   (f"/schoolprogramma/{p.pk}/uitvoering/", "#spending-form"),
                   (f"/schoolprogramma/{site.draft.pk}/regels/", "#line-form"),
                   (f"/schoolprogramma/{site.draft.pk}/regels/", "#budget-form"),
                   (f"/schoolprogramma/{site.draft.pk}/regels/{site.draft.lines.first().pk}/", "main form[method=post]")],
    }.get(role, [])


ROSTER_WITH_AN_ERROR = ("leerlingnummer;roepnaam;achternaam;geboortedatum;niveau;leerjaar;klas\n"
                        "900001;Fenna;Oost;04-05-2013;havo;2;2H1\n"
                        "900002;Gijs;West;31-02-2013;havo;2;2H1\n")
STAFF_TO_CONFIRM = ("naam;e-mail;afkorting;rol;mentorklassen;vakken\n"
                    "Fenna Oost;f.oost@baken.example;OOS;mentor, docent;9Z9;ne\n"
                    "Gijs West;g.west@baken.example;WES;zorgcoördinator;;\n")
TRANSFER_WITH_AN_ERROR = ("leerlingnummer;schooladvies;heroverwogen advies;rekenen\n"
                          "100001;havo/vwo;vwo;1S\n"
                          "100002;havo-plus;;2F\n")
SCORES_WITH_AN_UNKNOWN_COLUMN = ("leerlingnummer;vak;toets;datum;uitslag\n"
                                 "100001;wiskunde;Toets 9;20-11-2026;6,5\n")
SCORES_WITH_A_NEW_SUBJECT = ("leerlingnummer;vak;toets;datum;cijfer\n"
                             "100001;sterrenkunde;Toets 9;01-10-2025;6,5\n")


def import_previews(page):
    """The leader uploads a roster with an error, a staff file to confirm (its people and notes),
    a transfer file with an error, a score file with a subject the school does not know and one
    whose grade column has an unknown name: the preview pages with their error tables, the
    people to add, the choice per new subject and the column mapping (in that order)."""
    paths = []
    for upload, name, content in (("/leerlingen/importeren/", "leerlingen.csv", ROSTER_WITH_AN_ERROR),
                                  ("/leerlingen/importeren/personeel/", "personeel.csv", STAFF_TO_CONFIRM),
                                  ("/leerlingen/importeren/overdracht/", "overdracht.csv", TRANSFER_WITH_AN_ERROR),
                                  ("/leerlingen/importeren/cijfers/", "nieuw-vak.csv", SCORES_WITH_A_NEW_SUBJECT),
                                  ("/leerlingen/importeren/cijfers/", "cijfers.csv", SCORES_WITH_AN_UNKNOWN_COLUMN)):
        page.goto(upload)
        page.locator("main input[type=file]").set_input_files(
            {"name": name, "mimeType": "text/csv", "buffer": content.encode()})
        page.locator("main form[method=post] [type=submit]").first.click()
        expect(page).not_to_have_url(re.compile(re.escape(upload) + "$"))
        paths.append(urlsplit(page.url).path)
    return paths


def url_names():
    """Every named URL of the project outside the admin."""
    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                yield from walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                yield namespace + p.name
    return set(walk(get_resolver().url_patterns))


def test_every_page_of_every_role_passes_axe_and_fits_a_phone(page, live_server, clock):
    site = demo_site.build(clock.today)
    page.set_viewport_size(DESKTOP)
    failures, visited = {}, set()

    def note(label, problems):
        if problems:
            failures[label] = problems

    # Before logging in: the login page (also with a wrong password), the lock-out page after
    # five failed attempts, and the password reset from asking to the new password.
    for path in ("/account/login/", "/account/password_reset/"):
        note(path, check(page, path))
        visited.add(path)
    log_in(page, demo_site.MENTOR, "verkeerd")
    expect(page.get_by_role("alert")).to_be_visible()
    page.wait_for_load_state()  # the alert shows while parsing; the focus moves once the scripts ran
    note("login with a wrong password", page.evaluate(ERROR_WIRING) + audit(page) + layout_problems(page))
    for _ in range(5):
        log_in(page, "niemand@baken.example", "verkeerd")
    expect(page.get_by_role("heading", level=1)).to_have_text("Te veel mislukte inlogpogingen")
    note("lockout", audit(page) + layout_problems(page))
    note("password reset sent back empty", form_error_problems(page, "/account/password_reset/"))
    outsider = User.objects.create_user("zonder.rol@baken.example", demo.DEMO_PASSWORD)
    page.goto("/account/password_reset/")
    page.get_by_label("E-mailadres").fill(outsider.email)
    page.get_by_role("button", name="Link versturen").click()
    note("/account/password_reset/done/", audit(page) + layout_problems(page))
    link = re.search(r"https?://\S+/account/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    note("password reset link", audit(page) + layout_problems(page))
    visited |= {"/account/password_reset/done/", link, page.url}  # the link redirects to a form
    page.locator("#id_new_password1").fill("een-nieuw-lang-wachtwoord-2026")
    page.locator("#id_new_password2").fill("een-nieuw-lang-wachtwoord-2026")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    note("/account/reset/done/", audit(page) + layout_problems(page))
    visited.add(page.url)
    log_in(page, outsider.email, "een-nieuw-lang-wachtwoord-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("U heeft nog geen rol in het portaal")
    note("no role", audit(page) + layout_problems(page))
    page.goto("/account/password_change/")
    page.locator("#id_old_password").fill("een-nieuw-lang-wachtwoord-2026")
    page.locator("#id_new_password1").fill("nog-een-ander-wachtwoord-2027")
    page.locator("#id_new_password2").fill("nog-een-ander-wachtwoord-2027")
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/password_change/done/$"))
    note("/account/password_change/done/", audit(page) + layout_problems(page))
    visited |= {"/", "/account/password_change/done/"}
    page.context.clear_cookies()

    for role, email in demo_site.EMAILS.items():
        log_in(page, email, demo.DEMO_PASSWORD)
        expect(page).not_to_have_url(re.compile(r"/account/login/"))
        for path in demo_site.pages(role, site):
            note(f"{role} {path}", check(page, path))
            visited.add(path)
        for path, form in forms_of(role, site):
            note(f"{role} {path} with errors", form_error_problems(page, path, form))
        if role == "leader":
            previews = import_previews(page)
            for path in previews:
                note(f"leader {path}", check(page, path))
                visited.add(path)
            note("leader: score columns sent back empty", form_error_problems(page, path, "form[action$='/kolommen/']"))
            visited.add(urlsplit(page.url).path)
            note("leader: new subjects confirmed without a choice",
                 form_error_problems(page, previews[3], "form[action$='/bevestigen/']"))
            visited.add(urlsplit(page.url).path)
        if role == "mentor":  # what someone outside their reach sees: 404 and 403
            note("mentor: page not found", check(page, "/leerlingen/999999/", status=404))
            note("mentor: no access", check(page, f"/scholen/{site.school.brin}/", status=403))
        page.context.clear_cookies()

    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())
    names = {resolve(urlsplit(url).path).view_name for url in visited}
    assert sorted(url_names() - names - demo_site.NOT_PAGES) == [], "pages nobody audits"
