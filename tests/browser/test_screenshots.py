"""The README's screenshots: each role's main page on the demo data, taken by this test so
they stay current (docs/screenshots/<name>.png). The demo is seeded with a fixed random
seed; what changes from week to week is the data's dates, nothing on the page ticks."""

import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dashboards import demo
from tests.browser import demo_site
from tests.browser.test_login_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 360, "height": 800}

# (file name, role, page, size, the main heading the screenshot must show)
SHOTS = [
    ("mentor", "mentor", "/leerlingen/mijn/", DESKTOP, "Mijn leerlingen"),
    ("mentor-week", "mentor", "/leerlingen/week/", DESKTOP, re.compile(r"Signalen van week \d+")),
    ("mentor-phone", "mentor", "/leerlingen/week/", PHONE, re.compile(r"Signalen van week \d+")),
    ("leader", "leader", "/scholen/12AB/", DESKTOP, "Het Baken College"),
    ("inspector", "inspector", "/inspectie/", DESKTOP, "Scholen onder uw toezicht"),
]


def png_size(path):
    with open(path, "rb") as png:
        header = png.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def test_the_readme_screenshots_of_each_roles_main_page(page, live_server, clock):
    demo_site.build(clock.today)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    logged_in = None
    for name, role, path, size, heading in SHOTS:
        if role != logged_in:
            page.context.clear_cookies()
            page.set_viewport_size(DESKTOP)
            log_in(page, demo_site.EMAILS[role], demo.DEMO_PASSWORD)
            logged_in = role
        page.set_viewport_size(size)
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.wait_for_load_state("networkidle")  # charts drawn
        target = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=target, animations="disabled", caret="hide")
        assert png_size(target) == (size["width"], size["height"])
