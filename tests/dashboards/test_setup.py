"""The set-up checklist on a school leader's overview: a new school is led through its first
week the documented way (create_school, create_user, import_students, import_scores, the norms
and rules pages), sees the checklist instead of empty dashboards, and a compact one above
them once there is data, until every step is done."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboards.models import SchoolMeasures
from portal.models import Role, School, User
from students.models import Score, Subject
from tests.conftest import make_student, make_user

pytestmark = pytest.mark.django_db

STEP = re.compile(r'<li [^>]*id="setup-(\w+)"[^>]*>(.*?)</li>', re.S)
BADGE = re.compile(r'<span class="badge[^"]*">(?:<span aria-hidden="true">✓ </span>)?([^<]+)</span>')
STATUS = re.compile(r'<p class="mb-0">([^<]+)</p>')


def overview(client, brin="56EF"):
    response = client.get(reverse("dashboards:school", args=[brin]))
    assert response.status_code == 200
    return response.content.decode()


def steps_seen(page):
    """{step: (badge, status)} as the leader reads them, in the page's order."""
    return {key: (BADGE.search(body)[1], STATUS.search(body)[1]) for key, body in STEP.findall(page)}


def next_step(page):
    return [key for key, (badge, _) in steps_seen(page).items() if badge == "volgende stap"]


def write_csv(path, header, rows):
    path.write_text("\r\n".join(";".join(row) for row in [header, *rows]) + "\r\n", encoding="utf-8")
    return str(path)


def form_data(form, **changes):
    """What the browser posts back of an unchanged form (Dutch decimals)."""
    values = {name: form[name].value() for name in form.fields}
    return {**{k: str(v).replace(".", ",") for k, v in values.items() if v is not None}, **changes}


@pytest.fixture
def new_school(db):
    call_command("create_school", "56EF", "Nieuw Lyceum", stdout=StringIO())
    call_command("create_user", "directie@nieuw.example", "--role", "leader", "--school", "56EF",
                 stdout=StringIO())
    return School.objects.get(brin="56EF")


@pytest.fixture
def new_leader(new_school):
    return User.objects.get(email="directie@nieuw.example")


def test_a_new_school_is_led_through_its_first_week(client, new_school, new_leader, tmp_path, clock):
    client.force_login(new_leader)
    page = overview(client)
    subjects = Subject.objects.filter(school=new_school, is_active=True).count()
    assert steps_seen(page)["subjects"] == ("klaar", f"{subjects} vakken in gebruik")
    assert next_step(page) == ["staff"]
    assert steps_seen(page)["roster"][0] == "nog te doen"
    assert 'aria-current="step"' in page and "Personeel importeren" in page
    # The checklist instead of empty dashboards: no charts, no figures computed and stored.
    assert "Inrichting van de school" in page and "<details" not in page
    assert "dashboard-charts" not in page and "Per niveau en leerjaar" not in page
    assert not SchoolMeasures.objects.exists()

    call_command("create_user", "l.post@nieuw.example", "--role", "mentor", "--school", "56EF",
                 "--teacher-code", "POS", stdout=StringIO())
    page = overview(client)
    assert steps_seen(page)["staff"] == ("klaar", "1 mentor of docent")
    assert next_step(page) == ["roster"]

    roster = write_csv(tmp_path / "leerlingen.csv",
                       ["leerlingnummer", "roepnaam", "achternaam", "geboortedatum", "niveau", "leerjaar",
                        "klas", "mentor"],
                       [[str(1000 + n), "Sanne", f"Visser{n}", "04-05-2012", "havo", "3", "3H1", "POS"]
                        for n in range(3)])
    call_command("import_students", roster, "--school", "56EF", stdout=StringIO())
    page = overview(client)
    assert steps_seen(page)["roster"] == ("klaar", "3 actieve leerlingen")
    assert next_step(page) == ["grades"]
    assert "dashboard-charts" not in page  # students but no grades: still nothing to chart
    assert "Leerlingen en mentoren" in page  # the roster itself is worth a look

    day = clock.today.strftime("%d-%m-%Y")
    grades = write_csv(tmp_path / "cijfers.csv", ["leerlingnummer", "vak", "toets", "datum", "cijfer"],
                       [[str(1000 + n), "wi", "Toets 1", day, "6,5"] for n in range(3)])
    call_command("import_scores", grades, "--school", "56EF", stdout=StringIO())
    page = overview(client)
    assert steps_seen(page)["grades"] == ("klaar", f"3 cijfers in schooljaar {clock.school_year}")
    # Data now: the dashboards, and the checklist folded away above them.
    assert "dashboard-charts" in page and '<details class="card mb-3 d-print-none" id="setup">' in page
    assert "4 van 6 stappen klaar — volgende stap: Overgangsnormen" in page
    assert steps_seen(page)["norms"] == (
        "volgende stap", "Standaardnormen in gebruik — bekijk ze en leg ze vast voor dit schooljaar.")

    norm_url = reverse("flags:norm_edit", args=["havo", 3])
    client.post(norm_url, form_data(client.get(norm_url).context["form"]))  # the standard norm, as it is
    page = overview(client)
    assert steps_seen(page)["norms"] == ("klaar", f"1 norm vastgelegd voor {clock.school_year}")
    assert next_step(page) == ["rules"]

    rules_url = reverse("flags:rules")
    response = client.post(rules_url, form_data(client.get(rules_url).context["form"]), follow=True)
    assert "Regels opgeslagen: de school houdt de standaardregels aan." in response.content.decode()
    page = overview(client)
    assert 'id="setup"' not in page and "volgende stap" not in page  # all done: no checklist
    assert "dashboard-charts" in page


def test_steps_link_to_where_they_are_done_for_the_school_on_the_page(client, new_school, school_a):
    leader = make_user("twee@scholen.example", Role.LEADER, school_a)
    leader.memberships.create(school=new_school, role=Role.LEADER)
    client.force_login(leader)
    page = overview(client)
    for url in (reverse("subjects:list"), reverse("flags:norms"), reverse("flags:rules")):
        assert f'href="{url}?school=56EF"' in page
    for url in (reverse("roster_import:upload"), reverse("roster_import:scores_upload")):
        assert f'href="{url}"' in page


def test_staff_means_mentors_and_teachers_other_than_the_leaders(client, new_school, new_leader, school_a,
                                                                 inspector):
    make_user("elders@a.example", Role.MENTOR, school_a)  # another school's mentor
    make_user("ook-mentor@nieuw.example", Role.LEADER, new_school)
    User.objects.get(email="ook-mentor@nieuw.example").memberships.create(school=new_school, role=Role.MENTOR)
    client.force_login(new_leader)
    assert steps_seen(overview(client))["staff"][0] == "volgende stap"
    make_user("docent@nieuw.example", Role.TEACHER, new_school)
    assert steps_seen(overview(client))["staff"] == ("klaar", "1 mentor of docent")


def test_grades_of_an_earlier_year_keep_the_dashboards_but_ask_for_this_years(client, school_a, leader_a,
                                                                              mentor_a, clock):
    student = make_student(school_a, mentor_a)
    last_year = clock.school_year.start.replace(year=clock.school_year.start_year - 1)
    Score.objects.create(student=student, subject=Subject.objects.get(school=school_a, code="wi"),
                         test="Toets", date=last_year, grade=6)
    client.force_login(leader_a)
    page = overview(client, "12AB")
    assert "dashboard-charts" in page  # last year's figures are worth showing
    assert steps_seen(page)["grades"] == (
        "volgende stap", f"Nog geen cijfers van schooljaar {clock.school_year}: importeer de cijferexport.")


def test_a_leader_of_another_school_cannot_see_the_checklist(client, new_school, leader_b, school_b, mentor_b):
    make_student(school_b, mentor_b)
    client.force_login(leader_b)
    assert client.get(reverse("dashboards:school", args=["56EF"])).status_code == 404
    page = overview(client, "34CD")
    assert steps_seen(page)["roster"] == ("klaar", "1 actieve leerling")  # only its own students


def test_mentors_do_not_see_it_and_inspectors_see_a_neutral_no_data_page(client, new_school, school_a):
    mentor = make_user("m@nieuw.example", Role.MENTOR, new_school)
    client.force_login(mentor)
    assert client.get(reverse("dashboards:school", args=["56EF"])).status_code == 403
    inspector = make_user("inspecteur@nieuw.example", Role.INSPECTOR, new_school)
    client.force_login(inspector)
    response = client.get(reverse("dashboards:inspector_school", args=["56EF"]))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="no-data"' in page and "Nog geen gegevens" in page
    assert "setup-" not in page and "volgende stap" not in page and "importeren" not in page
    assert "dashboard-charts" not in page and not SchoolMeasures.objects.exists()


def test_the_checklist_runs_a_constant_number_of_queries(client, new_school, new_leader,
                                                         django_assert_max_num_queries):
    client.force_login(new_leader)
    with django_assert_max_num_queries(12) as few:
        overview(client)
    mentor = make_user("m@nieuw.example", Role.MENTOR, new_school)
    for _ in range(30):
        make_student(new_school, mentor)
    with django_assert_max_num_queries(len(few)) as many:
        page = overview(client)
    assert "30 actieve leerlingen" in page and len(many) == len(few)
