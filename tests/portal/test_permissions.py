"""Every URL, every persona: who gets the page, who gets 403 (wrong role), who gets 404
(another school's object), and where anonymous visitors go. A new URL without a row here
fails `test_every_url_has_a_permission_case`; exports are rows like any page (with their
query-string variants).

Below the matrix: every change (POST) refused to the wrong role or another school leaves
the database exactly as it was, and guessing another school's ids gives a response that
cannot be told apart from a missing id."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PERSONAS = (
    "outsider", "mentor_a", "other_mentor_a", "teacher_a", "leader_a",
    "mentor_b", "leader_b", "inspector", "inspector_b",
)
STUDENT_STAFF_A = {"mentor_a", "other_mentor_a", "teacher_a", "leader_a"}
EVERYONE = set(PERSONAS)


@dataclass
class Case:
    url: callable  # (fixture getter) -> path, pointing at school A's objects
    ok: set = field(default_factory=set)
    forbidden: set = field(default_factory=set)
    not_found: set = field(default_factory=set)
    public: bool = False
    ok_status: int = 200
    method: str = "get"


STAFF_OF_A_AND_B = STUDENT_STAFF_A | {"mentor_b", "leader_b"}
# Pages about school A for its leader (another school's leader: 404), or for its inspector.
LEADER_OF_A = {"ok": {"leader_a"}, "not_found": {"leader_b"}, "forbidden": EVERYONE - {"leader_a", "leader_b"}}
INSPECTOR_OF_A = {"ok": {"inspector"}, "not_found": {"inspector_b"},
                  "forbidden": EVERYONE - {"inspector", "inspector_b"}}
NO_STUDENT_ROLE = {"outsider", "inspector", "inspector_b"}


def _student(f, name):
    return reverse(name, args=[f("student_a").pk])


def _roster_job(f):
    """A finished roster import of school A (no file needed: confirming it again only redirects)."""
    from students.models import ImportJob

    return ImportJob.objects.create(school=f("school_a"), kind=ImportJob.Kind.ROSTER,
                                    status=ImportJob.Status.DONE, filename="leerlingen.csv").pk


def _score_job(f):
    """A finished score import of school A (no file: changing or confirming it only redirects)."""
    from students.models import ImportJob

    return ImportJob.objects.create(school=f("school_a"), kind=ImportJob.Kind.SCORES,
                                    status=ImportJob.Status.DONE, filename="cijfers.csv").pk


def _staff_job(f):
    """A finished staff import of school A (no file: confirming it again only redirects)."""
    from students.models import ImportJob

    return ImportJob.objects.create(school=f("school_a"), kind=ImportJob.Kind.STAFF,
                                    status=ImportJob.Status.DONE, filename="personeel.csv").pk


def _transfer_job(f):
    """A finished warme overdracht import of school A (no file: confirming it again only redirects)."""
    from students.models import ImportJob

    return ImportJob.objects.create(school=f("school_a"), kind=ImportJob.Kind.TRANSFER,
                                    status=ImportJob.Status.DONE, filename="overdracht.csv").pk


def _subject(f, code):
    """A standard subject of school A (every new school has the standard list)."""
    from students.models import Subject

    return Subject.objects.get(school=f("school_a"), code=code).pk


def _missing_standard_subject(f):
    """School A lost its Frans: the button gives it back."""
    from students.models import Subject

    Subject.objects.filter(school=f("school_a"), code="fa").delete()
    return {}


def _review(f, name):
    return reverse(name, args=[f("review_a").pk])


def _item(f, name):
    return reverse(name, args=[f("review_item_a").pk])


CASES = {
    "home": Case(lambda f: reverse("home"), ok=EVERYONE - {"outsider"}, forbidden={"outsider"},
                 ok_status=302),
    "healthz": Case(lambda f: reverse("healthz"), ok=EVERYONE, public=True),
    "audit_log": Case(
        lambda f: reverse("audit_log", args=[f("school_a").brin]),
        ok={"leader_a"}, not_found={"leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "students:list": Case(
        lambda f: reverse("students:list"), ok=STUDENT_STAFF_A | {"mentor_b", "leader_b"},
        forbidden={"outsider", "inspector", "inspector_b"},
    ),
    "students:mine": Case(
        lambda f: reverse("students:mine"), ok={"mentor_a", "other_mentor_a", "mentor_b"},
        forbidden=EVERYONE - {"mentor_a", "other_mentor_a", "mentor_b"},
    ),
    "students:week": Case(
        lambda f: reverse("students:week"), ok={"mentor_a", "other_mentor_a", "mentor_b"},
        forbidden=EVERYONE - {"mentor_a", "other_mentor_a", "mentor_b"},
    ),
    "interventions:plan_create": Case(
        lambda f: _student(f, "interventions:plan_create"), ok={"mentor_a", "leader_a"},
        forbidden={"other_mentor_a", "teacher_a"}, not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "interventions:plan_edit": Case(
        lambda f: reverse("interventions:plan_edit", args=[f("plan_a").pk]), ok={"mentor_a", "leader_a"},
        forbidden={"other_mentor_a", "teacher_a"}, not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "students:detail": Case(
        lambda f: _student(f, "students:detail"), ok=STUDENT_STAFF_A,
        not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "students:edit": Case(
        lambda f: _student(f, "students:edit"), ok={"mentor_a", "leader_a"},
        forbidden={"other_mentor_a", "teacher_a"}, not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "students:export": Case(  # the student's full record (right of access): the school leader only
        lambda f: _student(f, "students:export"), ok={"leader_a"},
        forbidden={"mentor_a", "other_mentor_a", "teacher_a"}, not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "dashboards:school": Case(
        lambda f: reverse("dashboards:school", args=[f("school_a").brin]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "dashboards:inspector": Case(
        lambda f: reverse("dashboards:inspector"), ok={"inspector", "inspector_b"},
        forbidden=EVERYONE - {"inspector", "inspector_b"},
    ),
    "dashboards:school_refresh": Case(
        lambda f: reverse("dashboards:school_refresh", args=[f("school_a").brin]), method="post",
        ok_status=302, **LEADER_OF_A),
    "dashboards:school_group": Case(
        lambda f: reverse("dashboards:school_group", args=[f("school_a").brin, "havo", 3]), **LEADER_OF_A),
    "dashboards:school_export": Case(
        lambda f: reverse("dashboards:school_export", args=[f("school_a").brin, "groepen", "csv"]), **LEADER_OF_A),
    "dashboards:school_export mentoren.xlsx": Case(
        lambda f: reverse("dashboards:school_export", args=[f("school_a").brin, "mentoren", "xlsx"]), **LEADER_OF_A),
    "dashboards:group_export": Case(
        lambda f: reverse("dashboards:group_export", args=[f("school_a").brin, "havo", 3, "leerlingen", "xlsx"]),
        **LEADER_OF_A),
    "dashboards:inspector_export": Case(
        lambda f: reverse("dashboards:inspector_export", args=["xlsx"]), ok={"inspector", "inspector_b"},
        forbidden=EVERYONE - {"inspector", "inspector_b"}),
    "dashboards:inspector_school": Case(
        lambda f: reverse("dashboards:inspector_school", args=[f("school_a").brin]), **INSPECTOR_OF_A),
    "dashboards:inspector_school_export": Case(
        lambda f: reverse("dashboards:inspector_school_export", args=[f("school_a").brin, "wat-werkt", "csv"]),
        **INSPECTOR_OF_A),
    "meetings:review_list": Case(lambda f: reverse("meetings:review_list"),
                                 ok=STAFF_OF_A_AND_B, forbidden=NO_STUDENT_ROLE),
    "meetings:review_create": Case(lambda f: reverse("meetings:review_create"),
                                   ok=STAFF_OF_A_AND_B, forbidden=NO_STUDENT_ROLE),
    "meetings:my_actions": Case(lambda f: reverse("meetings:my_actions"),
                                ok=STAFF_OF_A_AND_B, forbidden=NO_STUDENT_ROLE),
    "meetings:review_detail": Case(
        lambda f: _review(f, "meetings:review_detail"), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE,
    ),
    "meetings:review_refresh": Case(
        lambda f: _review(f, "meetings:review_refresh"), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE, method="post", ok_status=302,
    ),
    "meetings:review_add_item": Case(  # an empty form is shown again with its errors
        lambda f: _review(f, "meetings:review_add_item"), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE, method="post",
    ),
    "meetings:review_item_save": Case(
        lambda f: _item(f, "meetings:review_item_save"), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE, method="post", ok_status=302,
    ),
    "meetings:review_item_remove": Case(
        lambda f: _item(f, "meetings:review_item_remove"), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE,
    ),
    "meetings:review_action_add": Case(  # an empty form is shown again with its errors
        lambda f: _item(f, "meetings:review_action_add"), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE, method="post",
    ),
    "meetings:action_done": Case(
        lambda f: reverse("meetings:action_done", args=[f("action_a").pk]), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE, method="post", ok_status=302,
    ),
    "meetings:conversation_create": Case(
        lambda f: _student(f, "meetings:conversation_create"), ok={"mentor_a", "leader_a"},
        forbidden={"other_mentor_a", "teacher_a"}, not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "meetings:conversation_edit": Case(
        lambda f: reverse("meetings:conversation_edit",
                          args=[f("student_a").pk, f("conversation_a").pk]),
        ok={"mentor_a", "leader_a"}, forbidden={"other_mentor_a", "teacher_a"},
        not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "roster_import:upload": Case(
        lambda f: reverse("roster_import:upload"), ok={"leader_a", "leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "roster_import:preview": Case(
        lambda f: reverse("roster_import:preview", args=[_roster_job(f)]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "roster_import:confirm": Case(
        lambda f: reverse("roster_import:confirm", args=[_roster_job(f)]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
        method="post", ok_status=302,
    ),
    "roster_import:staff_upload": Case(
        lambda f: reverse("roster_import:staff_upload"), ok={"leader_a", "leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "roster_import:staff_preview": Case(
        lambda f: reverse("roster_import:staff_preview", args=[_staff_job(f)]), **LEADER_OF_A),
    "roster_import:staff_confirm": Case(
        lambda f: reverse("roster_import:staff_confirm", args=[_staff_job(f)]), **LEADER_OF_A,
        method="post", ok_status=302,
    ),
    "roster_import:transfer_upload": Case(
        lambda f: reverse("roster_import:transfer_upload"), ok={"leader_a", "leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "roster_import:transfer_preview": Case(
        lambda f: reverse("roster_import:transfer_preview", args=[_transfer_job(f)]), **LEADER_OF_A),
    "roster_import:transfer_confirm": Case(
        lambda f: reverse("roster_import:transfer_confirm", args=[_transfer_job(f)]),
        method="post", ok_status=302, **LEADER_OF_A),
    "interventions:menukaart": Case(
        lambda f: reverse("interventions:menukaart"), ok=EVERYONE - {"outsider"}, forbidden={"outsider"},
    ),
    "interventions:menukaart_compare": Case(
        lambda f: reverse("interventions:menukaart_compare") + f"?id={f('local_intervention_a').pk}",
        ok=EVERYONE - {"outsider"}, forbidden={"outsider"},
    ),
    "interventions:menukaart_detail": Case(
        lambda f: reverse("interventions:menukaart_detail", args=[f("local_intervention_a").pk]),
        ok=STUDENT_STAFF_A, forbidden={"outsider"},
        not_found={"mentor_b", "leader_b", "inspector", "inspector_b"},
    ),
    "interventions:menukaart_create": Case(
        lambda f: reverse("interventions:menukaart_create"), ok={"leader_a", "leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "interventions:menukaart_edit": Case(
        lambda f: reverse("interventions:menukaart_edit", args=[f("local_intervention_a").pk]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "promotion:overview": Case(
        lambda f: reverse("promotion:overview"), ok={"leader_a", "leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "promotion:advice_create": Case(
        lambda f: _student(f, "promotion:advice_create"), ok={"mentor_a", "leader_a"},
        forbidden={"other_mentor_a", "teacher_a"}, not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "promotion:decision": Case(
        lambda f: _student(f, "promotion:decision"), ok={"leader_a"},
        forbidden={"mentor_a", "other_mentor_a", "teacher_a"}, not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "flags:list": Case(lambda f: reverse("flags:list"),
                       ok={"mentor_a", "other_mentor_a", "leader_a", "mentor_b", "leader_b"},
                       forbidden={"outsider", "teacher_a", "inspector", "inspector_b"}),
    "flags:detail": Case(lambda f: reverse("flags:detail", args=[f("flag_a").pk]), ok=STUDENT_STAFF_A,
                         not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE),
    "flags:acknowledge": Case(lambda f: reverse("flags:acknowledge", args=[f("flag_a").pk]),
                              ok={"mentor_a", "leader_a"},
                              forbidden={"other_mentor_a", "teacher_a"} | NO_STUDENT_ROLE,
                              not_found={"mentor_b", "leader_b"}, method="post", ok_status=302),
    "flags:dismiss": Case(lambda f: reverse("flags:dismiss", args=[f("flag_a").pk]),
                          ok={"mentor_a", "leader_a"},
                          forbidden={"other_mentor_a", "teacher_a"} | NO_STUDENT_ROLE,
                          not_found={"mentor_b", "leader_b"}),
    "flags:rules": Case(lambda f: reverse("flags:rules"), ok={"leader_a", "leader_b"},
                        forbidden=EVERYONE - {"leader_a", "leader_b"}),
    "flags:norms": Case(lambda f: reverse("flags:norms"), ok={"leader_a", "leader_b"},
                        forbidden=EVERYONE - {"leader_a", "leader_b"}),
    "flags:norm_edit": Case(lambda f: reverse("flags:norm_edit", args=["havo", 3]),
                            ok={"leader_a", "leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"}),
    "flags:norm_copy": Case(lambda f: reverse("flags:norm_copy"), ok={"leader_a", "leader_b"},
                            forbidden=EVERYONE - {"leader_a", "leader_b"}, method="post", ok_status=302),
    "subjects:list": Case(lambda f: reverse("subjects:list"), ok={"leader_a", "leader_b"},
                          forbidden=EVERYONE - {"leader_a", "leader_b"}),
    "subjects:fill": Case(lambda f: reverse("subjects:fill"), ok={"leader_a", "leader_b"},
                          forbidden=EVERYONE - {"leader_a", "leader_b"}, method="post", ok_status=302),
    "subjects:edit": Case(lambda f: reverse("subjects:edit", args=[_subject(f, "wi")]), **LEADER_OF_A),
    "subjects:merge": Case(lambda f: reverse("subjects:merge", args=[_subject(f, "wi")]), **LEADER_OF_A),
    "flags:export": Case(lambda f: reverse("flags:export"), ok={"leader_a", "leader_b"},
                         forbidden=EVERYONE - {"leader_a", "leader_b"}),
    "flags:notifications": Case(lambda f: reverse("flags:notifications"), ok=STAFF_OF_A_AND_B,
                                forbidden=NO_STUDENT_ROLE),
    "flags:notification_read": Case(
        lambda f: reverse("flags:notification_read", args=[f("notification_a").pk]),
        ok={"mentor_a"}, not_found=STAFF_OF_A_AND_B - {"mentor_a"},
        forbidden=NO_STUDENT_ROLE, method="post", ok_status=302),
    "flags:notifications_read_all": Case(lambda f: reverse("flags:notifications_read_all"),
                                         ok=STAFF_OF_A_AND_B, forbidden=NO_STUDENT_ROLE,
                                         method="post", ok_status=302),
    "roster_import:scores_upload": Case(
        lambda f: reverse("roster_import:scores_upload"), ok={"leader_a", "leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "roster_import:scores_preview": Case(
        lambda f: reverse("roster_import:scores_preview", args=[_score_job(f)]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "roster_import:scores_mapping": Case(
        lambda f: reverse("roster_import:scores_mapping", args=[_score_job(f)]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
        method="post", ok_status=302,
    ),
    "roster_import:scores_confirm": Case(
        lambda f: reverse("roster_import:scores_confirm", args=[_score_job(f)]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
        method="post", ok_status=302,
    ),
    "roster_import:job_status": Case(
        lambda f: reverse("roster_import:job_status", args=[_score_job(f)]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "interventions:plan_evaluate": Case(
        lambda f: reverse("interventions:plan_evaluate", args=[f("plan_a").pk]),
        ok={"mentor_a", "leader_a"}, forbidden={"other_mentor_a", "teacher_a"},
        not_found=EVERYONE - STUDENT_STAFF_A,
    ),
    "interventions:group_list": Case(lambda f: reverse("interventions:group_list"),
                                     ok=STAFF_OF_A_AND_B, forbidden=NO_STUDENT_ROLE),
    "interventions:group_create": Case(
        lambda f: reverse("interventions:group_create"), ok={"leader_a", "leader_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "interventions:group_detail": Case(
        lambda f: reverse("interventions:group_detail", args=[f("group_a").pk]), ok=STUDENT_STAFF_A,
        not_found={"mentor_b", "leader_b"}, forbidden=NO_STUDENT_ROLE,
    ),
    "interventions:group_enrol": Case(  # an empty form is shown again with its errors
        lambda f: reverse("interventions:group_enrol", args=[f("group_a").pk]), ok={"leader_a"},
        forbidden={"mentor_a", "other_mentor_a", "teacher_a"} | NO_STUDENT_ROLE,
        not_found={"mentor_b", "leader_b"}, method="post",
    ),
    "schoolplans:list": Case(
        lambda f: reverse("schoolplans:list"),
        ok={"leader_a", "leader_b", "inspector", "inspector_b"},
        forbidden=EVERYONE - {"leader_a", "leader_b", "inspector", "inspector_b"},
    ),
    **{
        f"schoolplans:{name}": Case(
            lambda f, name=name: reverse(f"schoolplans:{name}", args=[f("programme_a").pk]),
            ok={"leader_a", "inspector"}, not_found={"leader_b", "inspector_b"},
            forbidden=EVERYONE - {"leader_a", "inspector", "leader_b", "inspector_b"},
        )
        for name in ("detail", "scan", "lines", "approvals", "execution", "versions", "accounting",
                     "accounting_pdf", "accounting_csv")
    },
    "schoolplans:document": Case(  # no document uploaded: the readers get 404 too
        lambda f: reverse("schoolplans:document", args=[f("programme_a").pk, "mr"]),
        ok=set(), not_found={"leader_a", "inspector", "leader_b", "inspector_b"},
        forbidden=EVERYONE - {"leader_a", "inspector", "leader_b", "inspector_b"},
    ),
    "schoolplans:line_edit": Case(
        lambda f: reverse("schoolplans:line_edit", args=[f("programme_a").pk, f("programme_line_a").pk]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    # Query-string variants: a leader of several schools picks one with ?school=BRIN (another
    # school's code is a 404); the School Programme reports take ?jaar=.
    **{
        f"{name} ?school=12AB": Case(
            lambda f, name=name: reverse(name) + "?school=12AB",
            ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
        )
        for name in ("flags:export", "flags:rules", "flags:norms", "promotion:overview", "subjects:list")
    },
    **{
        f"schoolplans:{name} ?jaar=2027-2028": Case(
            lambda f, name=name: reverse(f"schoolplans:{name}", args=[f("programme_a").pk]) + "?jaar=2027-2028",
            ok={"leader_a", "inspector"}, not_found={"leader_b", "inspector_b"},
            forbidden=EVERYONE - {"leader_a", "inspector", "leader_b", "inspector_b"},
        )
        for name in ("accounting", "accounting_pdf", "accounting_csv")
    },
    # Django's own account pages.
    "login": Case(lambda f: reverse("login"), ok=EVERYONE, public=True),
    "logout": Case(lambda f: reverse("logout"), ok=EVERYONE, public=True, method="post",
                   ok_status=302),
    "mail_settings": Case(lambda f: reverse("mail_settings"), ok=EVERYONE),
    "password_change": Case(lambda f: reverse("password_change"), ok=EVERYONE),
    "password_change_done": Case(lambda f: reverse("password_change_done"), ok=EVERYONE),
    "password_reset": Case(lambda f: reverse("password_reset"), ok=EVERYONE, public=True),
    "password_reset_done": Case(lambda f: reverse("password_reset_done"), ok=EVERYONE, public=True),
    "password_reset_confirm": Case(
        lambda f: reverse("password_reset_confirm", args=["MQ", "set-password"]),
        ok=EVERYONE, public=True,
    ),
    "password_reset_complete": Case(lambda f: reverse("password_reset_complete"), ok=EVERYONE,
                                    public=True),
    "set_language": Case(lambda f: reverse("set_language"), ok=EVERYONE, public=True,
                         method="post", ok_status=302),
}

# The admin has its own gate (is_staff), checked in test_admin_is_for_staff_only.
EXCLUDED_NAMESPACES = ("admin",)


def _url_names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}"


def test_every_url_has_a_permission_case():
    names = {n for n in _url_names(get_resolver().url_patterns)
             if not n.startswith(tuple(f"{ns}:" for ns in EXCLUDED_NAMESPACES))}
    missing = sorted(names - set(CASES))
    assert not missing, f"URLs without a permission case in {__name__}: {missing}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_names_every_persona(name):
    case = CASES[name]
    assert case.ok | case.forbidden | case.not_found == EVERYONE, name
    assert not (case.ok & case.forbidden or case.ok & case.not_found or case.forbidden & case.not_found)


@pytest.mark.parametrize("name", sorted(CASES))
def test_anonymous(name, client, request, db):
    case = CASES[name]
    url = case.url(request.getfixturevalue)
    response = getattr(client, case.method)(url)
    if case.public:
        assert response.status_code == case.ok_status
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_persona(name, persona, client, request, db):
    case = CASES[name]
    url = case.url(request.getfixturevalue)
    client.force_login(request.getfixturevalue(persona))
    refused = persona not in case.ok
    before = database_state() if refused else None
    response = getattr(client, case.method)(url)
    expected = (case.ok_status if persona in case.ok
                else 403 if persona in case.forbidden else 404)
    assert response.status_code == expected, f"{persona} on {url}"
    if refused:  # nothing written, not even an audit entry
        assert database_state() == before, f"{persona} on {url} changed the database"


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_is_for_staff_only(persona, client, request, student_a):
    client.force_login(request.getfixturevalue(persona))
    for url in (reverse("admin:index"), reverse("admin:students_student_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# --- Changes: a refused POST changes nothing ---------------------------------------------------------
# Every row of the portal's own tables before and after a refused request must be equal: no
# change, and no audit entry either. Each change below is first shown to work for a persona
# who may make it, so that "nothing changed" cannot pass because the form was empty.

PROJECT_APPS = ("portal", "students", "interventions", "schoolplans", "dashboards")
TODAY = "{today}"  # replaced by today's date (ISO) when the body is built


def _tables():
    """(label, SELECT every row) of every table of the portal's own apps, many-to-many tables too."""
    quote = connection.ops.quote_name
    return [
        (model._meta.label, f"SELECT * FROM {quote(model._meta.db_table)} ORDER BY {quote(model._meta.pk.column)}")
        for app in PROJECT_APPS for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if not model._meta.proxy
    ]


def database_state():
    """Every row of every table of the portal's own apps (sessions and logins are not ours). Plain
    SQL: the matrix takes this snapshot twice per refused request, and the ORM's query building
    was half of the matrix's time."""
    state = {}
    with connection.cursor() as cursor:
        for label, select in _tables():
            cursor.execute(select)
            state[label] = cursor.fetchall()
    return state


@dataclass
class Change:
    data: callable                    # (fixture getter) -> POST body aimed at school A's objects
    by: str                           # a persona whose POST of this body changes the database
    harmless: dict = field(default_factory=dict)  # may post here, but not this body: persona -> status
    url: callable = None              # when the change needs another object than CASES' row
    files: callable = None            # (fixture getter) -> {"file": upload}


def _week_grid(f):
    from students.models import Category

    student = f("student_a")
    return {**{f"s-{student.pk}-{c}": "0" for c in Category.values}, f"s-{student.pk}-wellbeing": "2",
            f"subject-{student.pk}": "", f"note-{student.pk}": "Zorgen thuis"}


def _plan(f, **extra):
    return {"title": "Bijles wiskunde", "need": "Wiskunde onder de 5", "goal": "wiskunde 5,5",
            "responsible": f("mentor_a").pk, "started_on": "2026-10-01", **extra}


def _classmate(f):
    """Another student of class 3H1 of school A, not on the review's agenda yet."""
    from tests.conftest import make_student

    return make_student(f("school_a"), f("mentor_a"), given_name="Noor", family_name="Smit").pk


def _roster(f):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("leerlingen.csv", b"leerlingnummer;roepnaam;achternaam;niveau;leerjaar;klas\n"
                                       b"777001;Noor;Smit;havo;3;3H1\n", content_type="text/csv")}


def _grades(f):
    from django.core.files.uploadedfile import SimpleUploadedFile


    number = f("student_a").student_number
    return {"file": SimpleUploadedFile(
        "cijfers.csv", f"leerlingnummer;vak;toets;datum;cijfer;weging;periode\n"
                       f"{number};wi;H3;01-10-2026;6,5;1;P1\n".encode(), content_type="text/csv")}


def _staff(f):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("personeel.csv", b"naam;e-mail;afkorting;rol\n"
                                       b"Kees Bos;k.bos@a.example;BOS;mentor, docent\n", content_type="text/csv")}


def _transfer(f):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("overdracht.csv", f"leerlingnummer;schooladvies;toetsscore\n"
                                       f"{f('student_a').student_number};havo/vwo;214\n".encode(),
                                       content_type="text/csv")}


def _preview_job(f, kind):
    """A checked upload of school A, waiting for the leader's confirmation."""
    from students.imports import roster, scores, staff, transfer

    start, file = {"roster": (roster.start_roster_job, _roster), "scores": (scores.start_score_job, _grades),
                   "staff": (staff.start_staff_job, _staff),
                   "transfer": (transfer.start_transfer_job, _transfer)}[kind]
    return start(school=f("school_a"), upload=file(f)["file"], actor=f("leader_a")).pk


def _tunable(kind):
    from students.risk.settings import Norm, RiskSettings

    values = (RiskSettings() if kind == "rules" else Norm()).to_values()
    values = {name: str(value).replace(".", ",") for name, value in values.items()}
    values["points_cito" if kind == "rules" else "max_below_55"] = "2"
    return values


def _last_years_norm(f):
    from portal.schoolyear import SchoolYear
    from students.flags.selectors import norm_year
    from students.models import PromotionNorm

    PromotionNorm.objects.create(school=f("school_a"), school_year=norm_year().start_year - 1, level="havo",
                                 leerjaar=3, rules={"max_below_55": 2})
    assert isinstance(norm_year(), SchoolYear)
    return {}


def _running(f):
    from schoolplans.models import SchoolProgramme

    f("programme_line_a")
    SchoolProgramme.objects.filter(pk=f("programme_a").pk).update(state=SchoolProgramme.State.RUNNING)


def _into_consultation(f):
    from schoolplans.models import SchoolProgramme

    f("programme_line_a")
    SchoolProgramme.objects.filter(pk=f("programme_a").pk).update(over_budget_confirmed=True)
    return {"to": "consultation"}


def _spending(f):
    _running(f)
    return {"action": "spending", "line": f("programme_line_a").pk, "school_year": "2026", "period": "P1",
            "amount": "1250.00", "note": "bijlesdocent"}


def _new_version(f):
    _running(f)
    return {"reason": "Extra regel voor de zomerschool"}


def _signalled_classmate(f):
    """A classmate of student_a with an urgent signal in the review's week: a refresh puts them
    on the agenda."""
    from portal.schoolyear import week_start
    from students.models import Signal, Student

    student = Student.objects.get(pk=_classmate(f))
    Signal.objects.create(student=student, week=week_start(f("review_a").held_on), category="motivation",
                          severity=3, author=f("mentor_a"))
    return {}


def _mapping(f):
    """The columns of the score job just uploaded, confirmed and saved for the school."""
    from students.models import ImportJob

    mapping = ImportJob.objects.filter(kind=ImportJob.Kind.SCORES).latest("pk").mapping
    return {"kind": mapping["kind"], "save": "on",
            **{f"column_{name}": str(index) for name, index in mapping["columns"].items()}}


LEADER_B_FORM_ERROR = {"leader_b": 200}  # leader_b may post here, but not with school A's ids
INSPECTORS_MAY_NOT_CHANGE = {"inspector": 403, "inspector_b": 403}  # a role check, before any lookup

CHANGES = {
    "students:edit": Change(lambda f: {"primary_school_notes": "overschreven", "sex": "v"}, by="mentor_a"),
    "students:week": Change(_week_grid, by="mentor_a",
                            harmless={"other_mentor_a": 302, "mentor_b": 302}),  # not their mentee
    "interventions:plan_create": Change(_plan, by="mentor_a"),
    "interventions:plan_edit": Change(lambda f: _plan(f, status="active", title="Andere titel"), by="mentor_a"),
    "interventions:plan_evaluate": Change(
        lambda f: {"evaluated_on": TODAY, "goal_result": "met", "decision": "stop", "notes": ""}, by="mentor_a"),
    "interventions:group_create": Change(
        lambda f: {"name": "Rebound 3 havo", "goal": "voldoendes", "starts_on": "2027-01-10",
                   "coordinator": f("leader_a").pk}, by="leader_a", harmless=LEADER_B_FORM_ERROR),
    "interventions:group_enrol": Change(lambda f: {"students": [f("student_a").pk]}, by="leader_a"),
    "interventions:menukaart_create": Change(
        lambda f: {"name_nl": "Leesclub", "category": "B", "sector": "vo", "needs": ["cognitive"],
                   "cost_level": "1", "evidence_level": ""}, by="leader_a"),
    "interventions:menukaart_edit": Change(
        lambda f: {"name_nl": "Huiswerkklas 3 havo (nieuw)", "category": "B", "sector": "vo",
                   "needs": ["cognitive"]}, by="leader_a"),
    "meetings:review_create": Change(
        lambda f: {"school": f("student_a").school_id, "held_on": "2026-12-01", "class_code": "3H1"},
        by="mentor_a",
        harmless={"mentor_b": 200, "leader_b": 200}),
    "meetings:review_refresh": Change(_signalled_classmate, by="mentor_a"),
    "meetings:review_add_item": Change(lambda f: {"student": _classmate(f), "reason": "zorgen"}, by="mentor_a"),
    "meetings:review_item_save": Change(lambda f: {"conclusion": "Bijles inzetten"}, by="mentor_a"),
    "meetings:review_item_remove": Change(lambda f: {}, by="mentor_a"),
    "meetings:review_action_add": Change(
        lambda f: {"description": "Ouders bellen", "owner": f("mentor_a").pk, "due_on": "2026-12-01"},
        by="mentor_a"),
    "meetings:action_done": Change(lambda f: {"done": "on"}, by="mentor_a"),
    "meetings:conversation_create": Change(
        lambda f: {"held_on": "2026-11-20", "participants": "Sanne, moeder", "agreements": "Planning maken"},
        by="mentor_a"),
    "meetings:conversation_edit": Change(
        lambda f: {"held_on": "2026-11-12", "participants": "Sanne, moeder", "agreements": "Anders"},
        by="mentor_a"),
    "roster_import:upload": Change(lambda f: {"school": f("school_a").pk}, files=_roster, by="leader_a",
                                   harmless=LEADER_B_FORM_ERROR),
    "roster_import:confirm": Change(
        lambda f: {}, by="leader_a",
        url=lambda f: reverse("roster_import:confirm", args=[_preview_job(f, "roster")])),
    "roster_import:scores_upload": Change(lambda f: {"school": f("school_a").pk}, files=_grades, by="leader_a",
                                          harmless=LEADER_B_FORM_ERROR),
    "roster_import:staff_upload": Change(lambda f: {"school": f("school_a").pk}, files=_staff, by="leader_a",
                                         harmless=LEADER_B_FORM_ERROR),
    "roster_import:staff_confirm": Change(
        lambda f: {}, by="leader_a",
        url=lambda f: reverse("roster_import:staff_confirm", args=[_preview_job(f, "staff")])),
    "roster_import:scores_mapping": Change(
        _mapping, by="leader_a",
        url=lambda f: reverse("roster_import:scores_mapping", args=[_preview_job(f, "scores")])),
    "roster_import:scores_confirm": Change(
        lambda f: {}, by="leader_a",
        url=lambda f: reverse("roster_import:scores_confirm", args=[_preview_job(f, "scores")])),
    "roster_import:transfer_upload": Change(lambda f: {"school": f("school_a").pk}, files=_transfer,
                                            by="leader_a", harmless=LEADER_B_FORM_ERROR),
    "roster_import:transfer_confirm": Change(
        lambda f: {}, by="leader_a",
        url=lambda f: reverse("roster_import:transfer_confirm", args=[_preview_job(f, "transfer")])),
    "promotion:advice_create": Change(
        lambda f: {"moment": "overig", "given_on": TODAY, "prognosis": "bevorderd", "reasons": "Gaat goed"},
        by="mentor_a"),
    "promotion:decision": Change(lambda f: {"decision": "bevorderd", "decided_on": TODAY}, by="leader_a"),
    "flags:acknowledge": Change(lambda f: {}, by="mentor_a"),
    "flags:dismiss": Change(lambda f: {"reason": "Gemiste toets, wordt ingehaald"}, by="mentor_a"),
    "flags:rules": Change(lambda f: _tunable("rules"), by="leader_a"),
    "flags:rules ?school=12AB": Change(lambda f: _tunable("rules"), by="leader_a",
                                       url=lambda f: reverse("flags:rules") + "?school=12AB"),
    "flags:norm_edit": Change(lambda f: _tunable("norm"), by="leader_a"),
    "flags:norm_copy": Change(_last_years_norm, by="leader_a"),
    "flags:notification_read": Change(lambda f: {}, by="mentor_a"),
    "subjects:list": Change(lambda f: {"code": "ster", "name": "sterrenkunde", "result_kind": "grade"},
                            by="leader_a"),
    "subjects:fill": Change(_missing_standard_subject, by="leader_a"),
    "subjects:edit": Change(lambda f: {"code": "wi", "name": "wiskunde 1", "result_kind": "grade",
                                       "is_active": "on"}, by="leader_a"),
    "subjects:merge": Change(lambda f: {"target": _subject(f, "wa")}, by="leader_a"),
    "schoolplans:list": Change(
        lambda f: {"school": f("school_a").pk, "title": "NPO 2027", "first_year": "2027", "years": "1"},
        by="leader_a", harmless={**LEADER_B_FORM_ERROR, "inspector": 403, "inspector_b": 403}),
    "schoolplans:detail": Change(_into_consultation, by="leader_a",
                                 harmless=INSPECTORS_MAY_NOT_CHANGE),
    "schoolplans:scan": Change(lambda f: {"cognitive": "Rekenen blijft achter"}, by="leader_a",
                               harmless=INSPECTORS_MAY_NOT_CHANGE),
    "schoolplans:lines": Change(
        lambda f: {"action": "budget", "school_year": "2026", "amount_per_student": "500.00", "students": "400"},
        by="leader_a", harmless=INSPECTORS_MAY_NOT_CHANGE),
    "schoolplans:line_edit": Change(lambda f: {"action": "delete"}, by="leader_a"),
    "schoolplans:approvals": Change(lambda f: {"team_consulted_on": "2026-11-01", "team_notes": "Akkoord"},
                                    by="leader_a", harmless=INSPECTORS_MAY_NOT_CHANGE),
    "schoolplans:execution": Change(_spending, by="leader_a", harmless=INSPECTORS_MAY_NOT_CHANGE),
    "schoolplans:versions": Change(_new_version, by="leader_a", harmless=INSPECTORS_MAY_NOT_CHANGE),
    "dashboards:school_refresh": Change(lambda f: {}, by="leader_a"),
}


def _post(client, name, f):
    from django.utils import timezone

    change = CHANGES[name]
    url = (change.url or CASES[name].url)(f)
    data = change.data(f) or {}
    data = {k: (timezone.localdate().isoformat() if v == TODAY else v) for k, v in data.items()}
    if change.files:
        data.update(change.files(f))
    return url, data


@pytest.fixture
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_post_url_is_tried_as_a_change():
    posted = {name for name, case in CASES.items() if case.method == "post"}
    # Django's own pages, and one that only ever touches the user's own notifications.
    assert posted - set(CHANGES) == {"logout", "set_language", "flags:notifications_read_all"}


@pytest.mark.usefixtures("_media_in_tmp")
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_the_change_works_for_who_may_make_it(name, client, request, db, clock):
    f = request.getfixturevalue
    client.force_login(f(CHANGES[name].by))
    url, data = _post(client, name, f)
    before = database_state()
    response = client.post(url, data)
    assert response.status_code in (200, 302), f"{name}: {response.status_code}"
    assert database_state() != before, f"{name}: the body changed nothing; fix the test's body"


def _refused(name):
    case, change = CASES[name], CHANGES[name]
    for persona in PERSONAS:
        if persona in change.harmless:
            yield persona, change.harmless[persona]
        elif persona in case.forbidden:
            yield persona, 403
        elif persona in case.not_found:
            yield persona, 404


@pytest.mark.usefixtures("_media_in_tmp")
@pytest.mark.parametrize(("name", "persona", "status"),
                         [(n, p, s) for n in sorted(CHANGES) for p, s in _refused(n)])
def test_a_refused_change_changes_nothing(name, persona, status, client, request, db, clock):
    f = request.getfixturevalue
    client.force_login(f(persona))
    url, data = _post(client, name, f)
    before = database_state()
    response = client.post(url, data)
    assert response.status_code == status, f"{persona} on {url}"
    assert database_state() == before, f"{persona} changed something with a POST to {url}"


# --- Guessing ids: another school's object looks exactly like one that does not exist ---------------
# Ids are sequential, so guessing them is easy; what must hold is that a guess gives nothing:
# not the object, and not even the knowledge that it exists.

OUTSIDERS_OF_A = ("outsider", "mentor_b", "leader_b", "inspector_b")
QUERY_IDS = {"interventions:menukaart_compare"}  # ids in the query string: ?id=<pk>
MISSING = 10 ** 9


def _names_with_ids(patterns, prefix=""):
    from django.urls.converters import IntConverter

    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names_with_ids(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name and any(
                _is_id(key) and isinstance(c, IntConverter)
                for key, c in getattr(p.pattern, "converters", {}).items()):
            yield f"{prefix}{p.name}"


def _is_id(key):
    """An object's id (<int:pk>, <int:student_pk>), not a number such as a leerjaar."""
    return key == "pk" or key.endswith("_pk")


def _url_name(case_name):
    return case_name.split(" ")[0]


_NAMES_WITH_IDS = set(_names_with_ids(get_resolver().url_patterns)) | QUERY_IDS
WITH_IDS = sorted(name for name in CASES if _url_name(name) in _NAMES_WITH_IDS)


def _missing_variants(url):
    """The same URL with every id replaced by one that does not exist, and with each id alone."""
    import re

    from django.urls import resolve

    path, _, query = url.partition("?")
    match = resolve(path)
    ids = [k for k, v in match.kwargs.items() if _is_id(k) and isinstance(v, int)]
    query = re.sub(r"=\d+(?=&|$)", f"={MISSING}", query)
    tail = f"?{query}" if query else ""
    variants = []
    for replaced in [ids] if len(ids) < 2 else [ids, *([k] for k in ids)]:
        kwargs = {k: (MISSING if k in replaced else v) for k, v in match.kwargs.items()}
        variants.append(reverse(match.view_name, kwargs=kwargs) + tail)
    return variants


def _shape(response, url):
    """What a visitor can see of a response, apart from the URL itself and the CSRF token."""
    import re

    from django.utils.html import escape

    body = response.content.decode("utf-8", errors="replace")
    body = body.replace(escape(url), "URL").replace(url, "URL")
    body = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1TOKEN", body)
    return response.status_code, response.get("Content-Type"), body


def test_the_urls_with_ids_are_found():
    assert {"students:detail", "students:export", "meetings:conversation_edit", "schoolplans:line_edit",
            "interventions:menukaart_compare", "flags:notification_read"} <= set(WITH_IDS)


@pytest.mark.parametrize("persona", OUTSIDERS_OF_A)
@pytest.mark.parametrize("name", WITH_IDS)
def test_another_schools_id_looks_like_a_missing_one(name, persona, client, request, db):
    case = CASES[name]
    url = case.url(request.getfixturevalue)
    client.force_login(request.getfixturevalue(persona))
    send = getattr(client, case.method)
    seen = _shape(send(url), url)
    assert seen[0] != 200 or name in QUERY_IDS, f"{persona} got {url}"
    for missing in _missing_variants(url):
        assert _shape(send(missing), missing) == seen, f"{persona}: {url} differs from {missing}"


@pytest.mark.parametrize(("persona", "page"), [
    ("mentor_b", "students:detail"), ("leader_b", "students:export"), ("leader_b", "promotion:decision"),
    ("leader_b", "interventions:plan_edit"),
])
def test_trying_every_id_in_turn_finds_only_your_own_schools(persona, page, client, request, school_a,
                                                             mentor_a, student_b):
    from interventions.models import InterventionPlan
    from tests.conftest import make_student

    students_a = [make_student(school_a, mentor_a) for _ in range(6)]
    plans = [InterventionPlan.objects.create(student=s, title="Bijles", need="n", goal="g",
                                             started_on=date(2026, 10, 1)) for s in [*students_a, student_b]]
    objects = plans if page == "interventions:plan_edit" else [*students_a, student_b]
    own = {objects[-1].pk}
    client.force_login(request.getfixturevalue(persona))
    shapes = set()
    for pk in range(1, max(o.pk for o in objects) + 3):
        url = reverse(page, args=[pk])
        response = client.get(url)
        if pk in own:
            assert response.status_code == 200
        else:
            shapes.add(_shape(response, url))
    assert len(shapes) == 1 and next(iter(shapes))[0] == 404, shapes
