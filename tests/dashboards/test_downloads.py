"""Every table of the dashboards downloads as CSV and XLSX, with the page's numbers, and is
safe to open in a spreadsheet."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import services
from interventions.models import Intervention

pytestmark = pytest.mark.django_db


def test_downloads_are_the_page_tables_and_safe_in_a_spreadsheet(client, small_school, leader_a, school_a):
    Intervention.objects.filter(key="x").update(name_nl='=HYPERLINK("http://x.invalid","klik")')
    services.refresh_school(school_a)
    client.force_login(leader_a)
    response = client.get(reverse("dashboards:school_export", args=["12AB", "wat-werkt", "csv"]))
    assert response["Content-Disposition"] == 'attachment; filename="12AB-wat-werkt.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Interventie"
    hyperlink = next(r for r in rows if "HYPERLINK" in r[0])
    assert hyperlink[0].startswith("'=") and hyperlink[1:6] == ["5", "1", "", "1,5", "1"]
    xlsx = client.get(reverse("dashboards:school_export", args=["12AB", "wat-werkt", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    cell = next(r for r in values if "HYPERLINK" in str(r[0]))
    assert cell[0].startswith("'=") and cell[4] == 1.5
    groups = client.get(reverse("dashboards:school_export", args=["12AB", "groepen", "csv"]))
    rows = list(csv.reader(io.StringIO(groups.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:5] == ["Hele school", "5", "60,0", "20,0", "33,3"]


def test_every_table_of_the_leaders_pages_downloads(client, small_school, leader_a):
    client.force_login(leader_a)
    for key in ("groepen", "advies", "per-week", "doubleren", "wat-werkt", "programma", "niveaus", "mentoren"):
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("dashboards:school_export", args=["12AB", key, fmt]))
            assert response.status_code == 200, (key, fmt)
    for key in ("groep", "per-week", "doubleren", "leerlingen"):
        response = client.get(reverse("dashboards:group_export", args=["12AB", "havo", 3, key, "xlsx"]))
        assert response.status_code == 200, key
    page = client.get(reverse("dashboards:school", args=["12AB"])).content.decode()
    assert page.count('download>CSV') == 7  # all but the programme's: this school has none
    mentors = client.get(reverse("dashboards:school_export", args=["12AB", "mentoren", "csv"]))
    assert "Linda Post;5" in mentors.content.decode("utf-8-sig")
