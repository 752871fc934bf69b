"""A school leader walks through the five steps of the NPO School Programme on the demo data
and downloads the accounting PDF."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from interventions.menukaart import load_menukaart
from dashboards import demo
from tests.browser.test_login_journey import log_in

pytestmark = pytest.mark.browser


def test_leader_walks_the_five_steps_and_downloads_the_accounting_pdf(page, leader_a, local_intervention_a):
    # The demo school year of Het Baken College (BRIN 12AB, the school of leader_a): the scan
    # works on its real figures; the school's own intervention is one line of the plan.
    load_menukaart()
    demo.seed()
    log_in(page, leader_a.email)
    page.goto("/schoolprogramma/")
    page.locator("#id_title").fill("NPO-programma 2026-2028")
    page.locator("#id_first_year").fill("2026")
    page.locator("#id_years").fill("2")
    page.locator("#create-programme").click()
    expect(page.locator("#programme-state")).to_be_visible()
    overview = page.url

    # 1. Schoolscan: the figures are filled in; the leader writes a conclusion.
    page.locator("nav[aria-label] a", has_text="1.").click()
    expect(page.locator("#scan-table")).to_be_visible()
    expect(page.locator("#scan-table")).to_contain_text("havo")  # the demo school's groups
    page.locator("#id_cognitive").fill("Wiskunde in havo 3 blijft achter.")
    page.locator("#save-conclusions").click()
    expect(page.locator("#id_cognitive")).to_have_value("Wiskunde in havo 3 blijft achter.")

    # 2. Plan and budget: one line costing more than the budget, confirmed explicitly.
    page.locator("nav[aria-label] a", has_text="2.").click()
    page.locator("#id_intervention").select_option(label="Huiswerkklas 3 havo")
    page.locator("#id_expected_students").fill("12")
    page.locator("#id_years").fill("1")
    page.locator("#id_hours").fill("40")
    page.locator("#id_cost_per_year").fill("9000")
    page.locator("#add-line").click()
    page.locator("#id_school_year").select_option("2026")
    page.locator("#id_amount_per_student").fill("300")
    page.locator("#id_students").fill("25")
    page.locator("#save-budget").click()
    expect(page.locator("#budget-table")).to_contain_text("7.500,00")
    page.locator("#confirm-over-budget").click()
    expect(page.locator("#over-budget-confirmed")).to_be_visible()
    page.goto(overview)
    page.locator("#to-consultation").click()
    expect(page.locator("#programme-state")).not_to_have_text("concept")

    # 3. Team, MR and board, municipality informed.
    page.locator("nav[aria-label] a", has_text="3.").click()
    page.locator("#id_team_consulted_on").fill("2026-09-01")
    page.locator("#id_mr_on").fill("2026-09-15")
    page.locator("#id_mr_outcome").select_option("approved")
    page.locator("#id_board_on").fill("2026-09-22")
    page.locator("#id_board_outcome").select_option("adopted")
    page.locator("#id_municipality_informed_on").fill("2026-10-01")
    page.locator("#save-approvals").click()
    for to in ("mr_approved", "adopted", "running"):
        page.goto(overview)
        page.locator(f"#to-{to}").click()
        expect(page.locator(f"#to-{to}")).to_have_count(0)

    # 4. Execution: spending entered for the line.
    page.locator("nav[aria-label] a", has_text="4.").click()
    page.locator("#id_line").select_option(index=1)
    page.locator("#id_school_year").select_option("2026")
    page.locator("#id_period").fill("periode 1")
    page.locator("#id_amount").fill("2500")
    page.locator("#add-spending").click()
    expect(page.locator("#progress-table")).to_contain_text("2.500,00")

    # 5. Accounting: the printable page and the PDF.
    page.locator("nav[aria-label] a", has_text="5.").click()
    expect(page.locator("#total-spent")).to_have_text("2.500,00")
    with page.expect_download() as download_info:
        page.locator("#download-pdf").click()
    content = open(download_info.value.path(), "rb").read()
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "9.000,00" in text and "2.500,00" in text and "7.500,00" in text
