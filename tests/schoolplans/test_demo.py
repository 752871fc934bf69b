"""The programme on the demo data: the scan fills in and the demo plans count as reach."""

from decimal import Decimal

import pytest
from django.db.models import Count
from django.urls import reverse

from dashboards import demo
from interventions.models import InterventionPlan
from portal.models import Membership, Role
from schoolplans.models import ProgrammeLine, SchoolProgramme


@pytest.mark.django_db
def test_demo_school_programme(client, django_assert_max_num_queries):
    demo.seed()
    leader = Membership.objects.filter(role=Role.LEADER).select_related("user", "school").first()
    school = leader.school
    used = (InterventionPlan.objects.filter(student__school=school, intervention__isnull=False)
            .values("intervention").annotate(n=Count("student", distinct=True)).order_by("-n").first())
    first_plan = InterventionPlan.objects.filter(student__school=school).order_by("started_on").first()
    programme = SchoolProgramme.objects.create(school=school, title="NPO", years=1,
                                               first_year=first_plan.started_on.year
                                               if first_plan.started_on.month >= 8
                                               else first_plan.started_on.year - 1)
    ProgrammeLine.objects.create(programme=programme, intervention_id=used["intervention"], expected_students=10,
                                 first_year=programme.first_year, cost_per_year=Decimal("1000"))
    client.force_login(leader.user)
    with django_assert_max_num_queries(15):
        scan = client.get(reverse("schoolplans:scan", args=[programme.pk]))
    assert scan.context["scan"]["totals"]["students"] > 0
    with django_assert_max_num_queries(15):
        execution = client.get(reverse("schoolplans:execution", args=[programme.pk]))
    assert [row["reach"] for row in execution.context["progress"]] == [used["n"]]
