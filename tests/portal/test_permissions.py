"""Every URL, every persona: who gets the page, who gets 403 (wrong role), who gets 404
(another school's object), and where anonymous visitors go. A new URL without a row here
fails `test_every_url_has_a_permission_case`."""

from dataclasses import dataclass, field

import pytest
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
    "dashboards:school": Case(
        lambda f: reverse("dashboards:school", args=[f("school_a").brin]),
        ok={"leader_a"}, not_found={"leader_b"}, forbidden=EVERYONE - {"leader_a", "leader_b"},
    ),
    "dashboards:inspector": Case(
        lambda f: reverse("dashboards:inspector"), ok={"inspector", "inspector_b"},
        forbidden=EVERYONE - {"inspector", "inspector_b"},
    ),
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
    # Django's own account pages.
    "login": Case(lambda f: reverse("login"), ok=EVERYONE, public=True),
    "logout": Case(lambda f: reverse("logout"), ok=EVERYONE, public=True, method="post",
                   ok_status=302),
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
def test_persona(name, persona, client, request):
    case = CASES[name]
    url = case.url(request.getfixturevalue)
    client.force_login(request.getfixturevalue(persona))
    response = getattr(client, case.method)(url)
    expected = (case.ok_status if persona in case.ok
                else 403 if persona in case.forbidden else 404)
    assert response.status_code == expected, f"{persona} on {url}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_is_for_staff_only(persona, client, request, student_a):
    client.force_login(request.getfixturevalue(persona))
    for url in (reverse("admin:index"), reverse("admin:students_student_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_other_schools_mentor_cannot_change_a_student(client, mentor_b, student_a):
    client.force_login(mentor_b)
    response = client.post(reverse("students:edit", args=[student_a.pk]),
                           {"primary_school_notes": "overschreven", "sex": ""})
    assert response.status_code == 404
    student_a.refresh_from_db()
    assert student_a.primary_school_notes == "Dyslexieverklaring aanwezig."


def test_colleague_mentor_cannot_change_someone_elses_mentee(client, other_mentor_a, student_a):
    client.force_login(other_mentor_a)
    response = client.post(reverse("students:edit", args=[student_a.pk]),
                           {"primary_school_notes": "overschreven", "sex": ""})
    assert response.status_code == 403
    student_a.refresh_from_db()
    assert student_a.primary_school_notes == "Dyslexieverklaring aanwezig."
