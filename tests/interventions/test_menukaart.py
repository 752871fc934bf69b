import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from interventions.menukaart import MenukaartDataError, load_menukaart
from interventions.models import Intervention, InterventionPlan
from portal.models import AuditEntry

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR, "interventions/data")

# Every distinct key of the reference NPO menukaart (../shared/reference/menukaart.csv, versions
# 2021-05 and 2022-04), copied here so that the tests never read outside the project.
REFERENCE_KEYS = [
    "vve", "uitbreiding_onderwijs", "zomer_lentescholen", "een_op_een", "individuele_instructie",
    "kleine_groepen", "directe_instructie", "leren_medeleerlingen", "feedback",
    "beheersingsgericht_leren", "begrijpend_lezen", "gesproken_taal", "welbevinden",
    "sportieve_activiteiten", "cultuureducatie", "metacognitie", "samenwerkend_leren",
    "klassenverkleining", "onderwijsassistenten", "ouderbetrokkenheid", "digitale_technologie",
    "beginnende_geletterdheid", "beginnende_gecijferdheid", "fonemisch_bewustzijn",
    "schrijfonderwijs", "lob",
]
REFERENCE_ROWS = {"menukaart 2021-05": 21, "menukaart 2022-04": 26}
PRACTICES = ["lenteschool", "zomerschool", "interne_rebound", "quality_time", "trajectbegeleiding",
             "deltaplan", "kansklas", "tutorleerlingen", "vakondersteuningsuur",
             "driehoeksgesprekken", "buddy", "professionalisering"]


def data_rows(name):
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def menukaart(db):
    """The full national menukaart. The data migration loads it too, but a transactional test
    elsewhere in the suite may have emptied the tables since."""
    load_menukaart()
    return {entry.key: entry for entry in Intervention.objects.national()}


@pytest.fixture
def local_intervention_b(school_b):
    return Intervention.objects.create(school=school_b, key="bijlesmiddag", name_nl="Bijlesmiddag De Linde",
                                       category="A", sector="vo", needs="cognitive")


def shown(response):
    return [entry.key for entry in response.context["interventions"]]


# --- The data ------------------------------------------------------------------------------------

def test_the_data_file_holds_every_row_of_the_reference_menukaart():
    rows = data_rows("menukaart.csv")
    assert set(REFERENCE_KEYS) <= {row["key"] for row in rows}
    for version, count in REFERENCE_ROWS.items():
        assert sum(row["data_version"] == version for row in rows) == count, version
    for key in {row["key"] for row in rows}:
        assert sum(row["current"] == "1" for row in rows if row["key"] == key) == 1, key
    assert {row["key"] for row in data_rows("menukaart_texts.csv")} == {row["key"] for row in rows}
    assert [row["key"] for row in data_rows("practices.csv")] == PRACTICES


def test_every_menukaart_key_and_practice_is_on_the_menukaart_after_loading(menukaart):
    assert set(REFERENCE_KEYS) | set(PRACTICES) | {"zittenblijven"} <= set(menukaart)
    assert all(menukaart[key].payable_from_npo for key in REFERENCE_KEYS)
    assert all(menukaart[key].description for key in menukaart)


def test_repeating_a_year_is_on_it_with_its_negative_effect_and_not_payable(client, mentor_a, menukaart):
    repeating = menukaart["zittenblijven"]
    assert (repeating.effect_months, repeating.cost_level, repeating.category) == (-3, 5, "X")
    assert not repeating.payable_from_npo
    client.force_login(mentor_a)
    page = client.get(repeating.get_absolute_url()).content.decode()
    assert "−3 maanden" in page and "niet betaalbaar uit NPO" in page and "zeer hoge kosten" in page


def test_the_newest_version_is_the_entry_and_older_figures_are_its_history(menukaart):
    extending = menukaart["uitbreiding_onderwijs"]
    assert (extending.data_version, extending.effect_months, extending.evidence_level) == (
        "menukaart 2022-04", 3, 2)
    assert [(v["data_version"], v["effect_months"]) for v in extending.history] == [("menukaart 2021-05", 2)]
    # Values cut off in the 2022 copy stay unknown; the 2021 figures are history, not current.
    assistants = menukaart["onderwijsassistenten"]
    assert assistants.effect_months is None and assistants.history[0]["effect_months"] == 1


def test_practices_are_forms_of_a_menukaart_type(menukaart):
    rebound = menukaart["interne_rebound"]
    assert rebound.based_on == menukaart["kleine_groepen"]
    assert (rebound.dose_weeks, rebound.group_size) == (4, "4–6")
    assert not menukaart["kansklas"].payable_from_npo and menukaart["kansklas"].based_on is None


def test_loading_again_changes_nothing_and_repairs_what_was_changed(menukaart):
    out = call_command_output("load_menukaart")
    assert f"menukaart: {len(menukaart)} entries / created: 0 / updated: 0 / unchanged: {len(menukaart)}" in out
    Intervention.objects.filter(key="feedback").update(effect_months=12, name_nl="Iets anders")
    Intervention.objects.filter(key="lob").delete()
    out = call_command_output("load_menukaart")
    assert "created: 1 / updated: 1" in out
    feedback = Intervention.objects.get(key="feedback")
    assert (feedback.effect_months, feedback.name_nl) == (6, "Feedback")
    assert Intervention.objects.national().count() == len(menukaart)


def test_a_broken_data_file_loads_nothing(tmp_path, menukaart):
    for name in ("menukaart.csv", "menukaart_texts.csv", "practices.csv"):
        (tmp_path / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    rows = (tmp_path / "menukaart.csv").read_text(encoding="utf-8")
    (tmp_path / "menukaart.csv").write_text(rows.replace(",cognitive;language,", ",reading,", 1), encoding="utf-8")
    Intervention.objects.filter(key="feedback").update(effect_months=12)
    with pytest.raises(MenukaartDataError, match="unknown needs"):
        load_menukaart(data_dir=tmp_path)
    assert Intervention.objects.get(key="feedback").effect_months == 12


def test_the_command_fails_with_the_reason(tmp_path):
    (tmp_path / "menukaart.csv").write_text("key,current\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Menukaart not loaded: menukaart.csv: missing columns \['category'"):
        call_command("load_menukaart", "--data-dir", str(tmp_path))


def call_command_output(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- Browsing --------------------------------------------------------------------------------

URL = reverse("interventions:menukaart")


def test_everyone_with_a_role_browses_the_whole_menukaart(client, inspector, menukaart):
    client.force_login(inspector)
    response = client.get(URL)
    assert set(shown(response)) == set(menukaart)
    page = response.content.decode()
    assert '<th scope="col">' in page and "<caption>" in page
    assert "€€€€€" in page and "zeer hoge kosten (5 van 5)" in page  # symbols, and words for screen readers


@pytest.mark.parametrize("query, present, absent", [
    ({"behoefte": "language"}, {"begrijpend_lezen", "fonemisch_bewustzijn"}, {"zittenblijven", "een_op_een"}),
    ({"behoefte": "behaviour"}, {"gedragsinterventies", "interne_rebound"}, {"feedback"}),
    ({"sector": "vo"}, {"lob", "feedback", "kansklas"}, {"fonemisch_bewustzijn", "vve"}),
    ({"categorie": "X"}, {"zittenblijven", "kansklas"}, {"feedback"}),
    ({"kosten": "1"}, {"feedback", "metacognitie"}, {"een_op_een", "zittenblijven", "directe_instructie"}),
    ({"bewijs": "4"}, {"feedback", "fonemisch_bewustzijn"}, {"kleine_groepen", "welbevinden"}),
    ({"effect": "0"}, {"feedback", "niveauklassen"}, {"zittenblijven", "welbevinden"}),
    ({"effect": "6", "kosten": "1", "sector": "vo"}, {"feedback", "metacognitie", "begrijpend_lezen"},
     {"een_op_een", "fonemisch_bewustzijn"}),
])
def test_filters(client, mentor_a, menukaart, query, present, absent):
    client.force_login(mentor_a)
    keys = set(shown(client.get(URL, query)))
    assert present <= keys and not absent & keys


def test_sorting_by_effect_puts_the_largest_gain_first_and_unknowns_last(client, mentor_a, menukaart):
    client.force_login(mentor_a)
    keys = shown(client.get(URL, {"sort": "effect"}))
    assert keys[0] == "metacognitie" and keys.index("zittenblijven") < keys.index("welbevinden")


def test_nonsense_filters_are_ignored(client, mentor_a, menukaart):
    client.force_login(mentor_a)
    assert len(shown(client.get(URL, {"kosten": "veel", "behoefte": "x"}))) == len(menukaart)


def test_the_list_page_runs_a_fixed_number_of_queries(client, leader_a, school_a, menukaart,
                                                      django_assert_max_num_queries):
    for n in range(20):
        Intervention.objects.create(school=school_a, key=f"eigen-{n}", name_nl=f"Eigen aanpak {n}",
                                    category="B", based_on=menukaart["kleine_groepen"], needs="cognitive")
    client.force_login(leader_a)
    with django_assert_max_num_queries(5):
        response = client.get(URL)
    assert len(response.context["interventions"]) == len(menukaart) + 20


def test_the_detail_page_shows_figures_history_and_forms(client, teacher_a, menukaart):
    client.force_login(teacher_a)
    page = client.get(menukaart["zomer_lentescholen"].get_absolute_url()).content.decode()
    assert "+3 maanden" in page and "menukaart 2021-05" in page  # figures and their earlier version
    assert "Lenteschool" in page and "minimaal tien dagen" in page


# --- Comparing -------------------------------------------------------------------------------

COMPARE = reverse("interventions:menukaart_compare")


def test_up_to_four_interventions_side_by_side(client, mentor_a, menukaart, django_assert_max_num_queries):
    picked = [menukaart[k] for k in ("zittenblijven", "zomer_lentescholen", "interne_rebound", "een_op_een")]
    client.force_login(mentor_a)
    with django_assert_max_num_queries(5):
        response = client.get(COMPARE, {"id": [e.pk for e in picked]})
    assert response.context["interventions"] == picked and not response.context["too_many"]
    page = response.content.decode()
    assert "−3" in page and page.count('<th scope="row">') >= 10


def test_more_than_four_shows_the_first_four_and_says_so(client, mentor_a, menukaart):
    picked = [menukaart[k] for k in ("feedback", "lob", "vve", "deltaplan", "kansklas")]
    client.force_login(mentor_a)
    response = client.get(COMPARE, {"id": [e.pk for e in picked] + ["x"]})
    assert response.context["interventions"] == picked[:4]
    assert "hoogstens 4 interventies" in response.content.decode()


def test_another_schools_local_intervention_is_not_compared(client, mentor_b, menukaart, local_intervention_a):
    client.force_login(mentor_b)
    response = client.get(COMPARE, {"id": [local_intervention_a.pk, menukaart["lob"].pk]})
    assert response.context["interventions"] == [menukaart["lob"]]
    assert "Huiswerkklas" not in response.content.decode()


# --- A school's own interventions ------------------------------------------------------------

CREATE = reverse("interventions:menukaart_create")


def local_data(**changes):
    data = {"name_nl": "Rekenlab 2 vmbo", "name_en": "", "category": "B", "based_on": "", "sector": "vo",
            "needs": ["numeracy"], "description": "Twee middagen per week rekenen in kleine groepjes.",
            "working_elements": "", "advantages": "", "drawbacks": "", "tips": "", "dose_weeks": "6",
            "dose_hours_per_week": "1,5", "group_size_min": "3", "group_size_max": "6",
            "effect_months": "", "cost_level": "2", "evidence_level": "", "source": ""}
    data.update(changes)
    return data


def test_a_leader_adds_the_schools_own_intervention(client, leader_a, school_a, menukaart):
    client.force_login(leader_a)
    response = client.post(CREATE, local_data(based_on=menukaart["kleine_groepen"].pk))
    entry = Intervention.objects.get(school=school_a)
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert (entry.key, entry.needs, str(entry.dose_hours_per_week), entry.created_by) == (
        "rekenlab-2-vmbo", "cognitive,numeracy", "1.5", leader_a)
    assert entry.is_local and entry.payable_from_npo  # a form of a payable menukaart type
    audit = AuditEntry.objects.get(object_type="intervention")
    assert (audit.action, audit.school, audit.summary) == (
        "create", school_a, "menukaart: lokale interventie 'Rekenlab 2 vmbo' toegevoegd")
    page = client.get(URL).content.decode()
    assert "Rekenlab 2 vmbo" in page and "lokaal" in page


def test_a_local_intervention_without_a_menukaart_type_is_not_payable(client, leader_a, school_a):
    client.force_login(leader_a)
    client.post(CREATE, local_data())
    assert not Intervention.objects.get(school=school_a).payable_from_npo


@pytest.mark.parametrize("changes, field", [
    ({"name_nl": "huiswerkklas 3 HAVO"}, "name_nl"),  # the school already has it
    ({"group_size_min": "8"}, "group_size_max"),
    ({"effect_months": "4"}, "source"),  # a claimed effect needs a source
    ({"evidence_level": "3"}, "source"),
    ({"effect_months": "20", "source": "eigen evaluatie"}, "effect_months"),
    ({"needs": []}, "needs"),
    ({"category": ""}, "category"),
])
def test_what_a_local_intervention_needs(client, leader_a, school_a, local_intervention_a, changes, field):
    client.force_login(leader_a)
    response = client.post(CREATE, local_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Intervention.objects.filter(school=school_a).count() == 1


def test_a_leader_edits_the_schools_own_intervention(client, leader_a, school_a, local_intervention_a):
    client.force_login(leader_a)
    url = reverse("interventions:menukaart_edit", args=[local_intervention_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, local_data(name_nl="Huiswerkklas 3 havo", needs=["cognitive", "study_skills"],
                                           sector="vo", category="B", description="Vier middagen per week."))
    assert response.status_code == 302
    local_intervention_a.refresh_from_db()
    assert local_intervention_a.description == "Vier middagen per week."
    assert local_intervention_a.key == "huiswerkklas-3-havo"  # the key stays
    assert AuditEntry.objects.get(action="update", object_type="intervention").summary.startswith(
        "menukaart: lokale interventie 'Huiswerkklas 3 havo' gewijzigd (")


def test_a_national_entry_cannot_be_edited(client, leader_a, menukaart):
    client.force_login(leader_a)
    url = reverse("interventions:menukaart_edit", args=[menukaart["zittenblijven"].pk])
    assert client.get(url).status_code == 403
    assert client.post(url, local_data(name_nl="Zittenblijven is prima")).status_code == 403
    assert Intervention.objects.get(key="zittenblijven", school=None).name_nl.startswith("Zittenblijven (")


def test_another_schools_local_intervention_does_not_exist_for_you(client, leader_b, mentor_b, inspector,
                                                                 local_intervention_a, menukaart):
    detail = local_intervention_a.get_absolute_url()
    for user in (leader_b, mentor_b, inspector):
        client.force_login(user)
        assert client.get(detail).status_code == 404
        assert local_intervention_a.key not in shown(client.get(URL))
    client.force_login(leader_b)
    response = client.post(reverse("interventions:menukaart_edit", args=[local_intervention_a.pk]),
                           local_data(name_nl="Overgenomen"))
    assert response.status_code == 404


def test_staff_of_the_school_see_the_local_intervention(client, mentor_a, local_intervention_a, menukaart):
    client.force_login(mentor_a)
    assert local_intervention_a.key in shown(client.get(URL))
    page = client.get(local_intervention_a.get_absolute_url()).content.decode()
    assert "Huiswerkklas 3 havo" in page and "Bewerken" not in page


# --- Plans based on the menukaart ------------------------------------------------------------

def plan_data(mentor, **changes):
    data = {"intervention": "", "title": "", "need": "Wiskunde zakt sinds september.",
            "goal": "wiskunde minstens 5,5 in januari", "goal_subject": "", "goal_grade": "",
            "goal_date": "", "responsible": mentor.pk, "started_on": "2026-11-23", "next_evaluation_on": ""}
    data.update(changes)
    return data


def test_a_plan_from_the_menukaart_takes_its_name(client, mentor_a, student_a, menukaart):
    client.force_login(mentor_a)
    response = client.post(reverse("interventions:plan_create", args=[student_a.pk]),
                           plan_data(mentor_a, intervention=menukaart["interne_rebound"].pk))
    assert response.status_code == 302
    plan = InterventionPlan.objects.get()
    assert (plan.intervention, plan.title) == (menukaart["interne_rebound"], "Interne rebound")
    assert list(menukaart["interne_rebound"].plans.all()) == [plan]


def test_a_plan_keeps_its_own_title(client, mentor_a, student_a, menukaart):
    client.force_login(mentor_a)
    client.post(reverse("interventions:plan_create", args=[student_a.pk]),
                plan_data(mentor_a, intervention=menukaart["deltaplan"].pk, title="Deltaplan wiskunde"))
    assert InterventionPlan.objects.get().title == "Deltaplan wiskunde"


def test_a_plan_needs_a_title_or_an_intervention(client, mentor_a, student_a):
    client.force_login(mentor_a)
    response = client.post(reverse("interventions:plan_create", args=[student_a.pk]), plan_data(mentor_a))
    assert set(response.context["form"].errors) == {"title"}


def test_the_plan_form_offers_the_menukaart_and_the_schools_own_only(client, mentor_a, student_a, menukaart,
                                                                   local_intervention_a, local_intervention_b):
    client.force_login(mentor_a)
    url = reverse("interventions:plan_create", args=[student_a.pk])
    field = client.get(url).context["form"].fields["intervention"]
    offered = set(field.queryset)
    assert local_intervention_a in offered and local_intervention_b not in offered
    assert set(menukaart.values()) <= offered
    page = client.get(url).content.decode()
    assert '<optgroup label="A. Meer onderwijs">' in page and "Huiswerkklas 3 havo (lokaal)" in page
    response = client.post(url, plan_data(mentor_a, intervention=local_intervention_b.pk))
    assert "intervention" in response.context["form"].errors


def test_editing_a_plan_can_link_it_to_the_menukaart(client, mentor_a, plan_a, menukaart):
    client.force_login(mentor_a)
    response = client.post(reverse("interventions:plan_edit", args=[plan_a.pk]), plan_data(
        mentor_a, intervention=menukaart["quality_time"].pk, title="Huiswerkklas", need="planning",
        goal="huiswerk op tijd af", started_on="2026-10-01", next_evaluation_on="2026-11-12",
        status="active", ended_on=""))
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert (plan_a.intervention, plan_a.title) == (menukaart["quality_time"], "Huiswerkklas")
