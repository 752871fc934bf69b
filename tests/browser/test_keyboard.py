"""A mentor who does not use a mouse records the week: log in, skip the menu, open the week
grid, set severities with the number keys, move between students with Ctrl+↓ / Ctrl+↑ and
save with Enter. Only page.keyboard is used, and every stop of the focus must be visible."""

import re

import pytest
from playwright.sync_api import expect

from students.models import Signal
from tests.conftest import PASSWORD, make_student

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "", id: el.id,
    label: el.getAttribute("aria-label") || el.textContent.trim().slice(0, 60),
    visible: box.width > 2 && box.height > 2 && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def focused(page):
    """Where the focus is; it must be visibly marked (at least a 2 px outline)."""
    stop = page.evaluate(FOCUS)
    assert stop["visible"], f"no visible focus on {stop}"
    return stop


def tab_until(page, wanted, limit=40):
    """Press Tab until the focused element matches `wanted` (a function of the focus stop)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        if wanted(stop):
            return stop
    raise AssertionError(f"Tab never reached the element; last stop: {stop}")


def keyboard_log_in(page, email):
    """The e-mail field has the focus when the login page opens; Tab, password, Enter."""
    page.goto("/")
    expect(page.get_by_label("E-mailadres")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/account/login/"))
    page.wait_for_load_state()  # the style sheets too


def test_a_mentor_records_the_week_with_the_keyboard_only(page, mentor_a, school_a):
    for name in ("Anna", "Bram", "Cas"):
        make_student(school_a, mentor_a, given_name=name, family_name="Jansen")

    keyboard_log_in(page, mentor_a.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn leerlingen")

    # The first Tab shows the skip link; Enter jumps past the menu into the content.
    page.keyboard.press("Tab")
    assert focused(page)["label"] == "Direct naar de inhoud"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_until(page, lambda stop: re.fullmatch(r"Week \d+ invullen", stop["label"]))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signalen van week")
    page.wait_for_load_state()
    expect(page.get_by_text("Ctrl+↓")).to_be_visible()  # the shortcuts are on the page

    # Anna's "leren" cell: 2 (zorg); Ctrl+↓ to Bram, two cells on to planning: 1 (aandacht);
    # Ctrl+↓ to Cas: 3 (urgent); Ctrl+↑ twice back to Anna's planning, which stays 0.
    assert tab_until(page, lambda stop: stop["name"].startswith("s-"))["label"] == "Cognitief / vak – Anna Jansen"
    page.keyboard.press("2")
    page.keyboard.press("Control+ArrowDown")
    assert focused(page)["label"] == "Cognitief / vak – Bram Jansen"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page)["label"] == "Studievaardigheden en planning – Bram Jansen"
    page.keyboard.press("1")
    page.keyboard.press("Control+ArrowDown")
    assert focused(page)["label"] == "Studievaardigheden en planning – Cas Jansen"
    page.keyboard.press("3")
    page.keyboard.press("Control+ArrowUp")
    page.keyboard.press("Control+ArrowUp")
    assert focused(page)["label"] == "Studievaardigheden en planning – Anna Jansen"
    page.keyboard.press("Control+ArrowUp")  # the first row: the focus stays
    assert focused(page)["label"] == "Studievaardigheden en planning – Anna Jansen"

    # Enter saves the week, from a select as from the note field.
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("opgeslagen")
    expect(page.get_by_label("Cognitief / vak – Anna Jansen")).to_have_value("2")
    expect(page.get_by_label("Studievaardigheden en planning – Cas Jansen")).to_have_value("3")
    assert sorted(Signal.objects.values_list("student__given_name", "category", "severity")) == [
        ("Anna", "cognitive", 2), ("Bram", "study_skills", 1), ("Cas", "study_skills", 3)]


def tab_through(page, limit=250):
    """Tab from the top of the page to its end: every stop visibly focused, in page order."""
    page.locator("body").focus()
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break  # past the last control
        stop = focused(page)
        if stops and page.evaluate("() => window.previousStop.compareDocumentPosition(document.activeElement) "
                                   "& Node.DOCUMENT_POSITION_PRECEDING"):
            raise AssertionError(f"the focus jumped back up the page to {stop}")
        page.evaluate("() => { window.previousStop = document.activeElement; }")
        stops.append(stop)
    return stops


@pytest.mark.parametrize("persona, path", [
    ("leader_a", "/scholen/12AB/"),
    ("leader_a", "/schoolprogramma/{programme}/regels/"),
    ("mentor_a", "/interventies/plan/nieuw/{student}/"),
    ("mentor_a", "{student_page}"),
])
def test_every_control_is_reachable_with_tab_visibly_and_in_page_order(
        page, request, persona, path, student_a, programme_a, programme_line_a):
    keyboard_log_in(page, request.getfixturevalue(persona).email)
    page.goto(path.format(programme=programme_a.pk, student=student_a.pk,
                          student_page=student_a.get_absolute_url()))

    stops = tab_through(page)

    assert stops[0]["label"] == "Direct naar de inhoud"
    controls = page.evaluate("""() => [...document.querySelectorAll(
      "a[href], button, input:not([type=hidden]):not([type=radio]), select, textarea, summary, [tabindex='0']")]
      .filter((el) => !el.disabled && el.getClientRects().length && getComputedStyle(el).visibility !== "hidden"
                      && !el.closest(".dropdown-menu, .collapse:not(.show)")).length""")
    assert len(stops) >= controls  # each visible control is at least one stop (a date field has three)
