"""Dashboards in the browser, on the demo data: an inspector reviews the supervised schools
and downloads a table; a school leader drills down from the school to the students of a group."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from dashboards import demo
from students.models import Student
from tests.browser.test_login_journey import log_in

pytestmark = pytest.mark.browser


def test_inspector_opens_the_overview_drills_into_a_school_and_downloads_csv(page, inspector):
    demo.seed()
    log_in(page, inspector.email)
    expect(page).to_have_url(re.compile(r"/inspectie/$"))
    table = page.locator("table#schools")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page.locator("#freshness")).to_contain_text("elke nacht bijgewerkt")

    page.locator("table#schools thead a", has_text="Bereik").click()
    expect(page).to_have_url(re.compile(r"sort=reach"))
    expect(page.locator("table#schools thead a[aria-current]")).to_contain_text("Bereik")

    page.get_by_role("link", name="Het Baken College").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Het Baken College")
    expect(page.locator("#table-groups")).to_contain_text("<10")
    expect(page.locator("canvas[data-chart='groups']")).to_be_visible()
    page.get_by_text("Toon de cijfers als tabel").click()
    expect(page.locator("#table-over-time")).to_be_visible()

    with page.expect_download() as info:
        page.locator("#table-groups-title + p a", has_text="CSV").click()
    download = info.value
    assert download.suggested_filename == "12AB-groepen.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Groep", "Leerlingen", "Gesignaleerd"] and rows[1][0] == "Hele school"
    names = set(Student.objects.values_list("family_name", flat=True)) - {""}
    assert not any(name in text for name in names)


def test_leader_drills_down_from_the_school_to_the_students_of_a_group(page, leader_a):
    demo.seed()
    log_in(page, leader_a.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Het Baken College")
    expect(page.locator("#key-figures")).to_contain_text("binnen 3 weken geholpen")
    page.locator("#table-groups").get_by_role("link", name="havo 3").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("havo 3")
    rows = page.locator("#group-students tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == Student.objects.filter(school__brin="12AB", level="havo", leerjaar=3,
                                                   is_active=True).count()
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/leerlingen/\d+/$"))
