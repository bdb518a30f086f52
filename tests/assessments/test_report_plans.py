"""From the assessment to the plan: a weak point of the report becomes a candidate measure
(through plans.services), and the report then links each weak point to its measure."""

import pytest

from chiikidx.assessments.models import Response
from chiikidx.core.models import AuditEntry
from chiikidx.plans import services as plan_services
from chiikidx.plans.models import Measure

from ..plans.sample import department, make_plan
from .test_benchmark import scored_round  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

WAKABA = "993018"  # L1 = 1: weak in dimension a.1, with a hint for L1


@pytest.fixture
def wakaba(scored_round, org_coded, user_named):  # noqa: F811
    org = org_coded(WAKABA)
    plan = make_plan(org, user_named("muni-admin-2"), title="わかば町DX推進計画", measures=0)
    response = Response.objects.get(round=scored_round, organization=org)
    return org, plan, response


def _report(client, response):
    return f"/o/{WAKABA}/assessments/responses/{response.pk}/report/"


def _post(client, wakaba, point, **extra):
    org, plan, response = wakaba
    data = {"point": point, "plan": plan.pk, "department": department(org).pk} | extra
    return client.post(_report(client, response) + "measure/", data)


def test_a_weak_question_becomes_a_candidate_measure_with_its_link(client, wakaba, user_named):
    _org, plan, response = wakaba
    client.force_login(user_named("muni-admin-2"))
    page = client.get(_report(client, response)).content.decode()
    assert page.count("施策の候補にする") >= 2  # the weak dimension and the L1 hint
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()

    ref = f"response:{response.pk}:question:L1"
    done = _post(client, wakaba, ref)
    assert done.status_code == 302
    measure = Measure.objects.get(source_ref=ref)
    assert (measure.plan, measure.status, measure.kind, measure.source_kind) == (
        plan,
        "not_started",
        "normal",
        "assessment",
    )
    assert measure.title == "成熟度の設問"
    assert "次の一歩: 広げる" in measure.description
    assert measure.target_level == "レベル2: 半分"  # the next level's descriptor
    written = AuditEntry.objects.filter(seq__gt=last_seq, model_label="plans.Measure")
    assert [e.actor_id for e in written] == [user_named("muni-admin-2").pk]

    page = client.get(_report(client, response)).content.decode()
    assert "対応する施策:" in page and f"/o/{WAKABA}/plans/measures/{measure.pk}/" in page
    measure_page = client.get(f"/o/{WAKABA}/plans/measures/{measure.pk}/").content.decode()
    assert _report(client, response) in measure_page  # きっかけ: back to the report
    # the same weak point twice: refused, nothing more created
    again = _post(client, wakaba, ref)
    assert again.status_code == 302
    assert Measure.objects.filter(source_ref=ref).count() == 1


def test_a_weak_dimension_becomes_a_measure_with_the_hints(client, wakaba, user_named):
    _org, _plan, response = wakaba
    client.force_login(user_named("muni-staff-2"))
    ref = f"response:{response.pk}:dimension:a.1"
    _post(client, wakaba, ref)
    measure = Measure.objects.get(source_ref=ref)
    assert measure.title.endswith("の底上げ")
    assert "L1 成熟度の設問: 広げる" in measure.description
    assert measure.target_level.startswith("観点「")


def test_only_weak_points_draft_plans_and_own_departments(client, wakaba, user_named):
    org, _plan, response = wakaba
    client.force_login(user_named("muni-admin-2"))
    _post(client, wakaba, f"response:{response.pk}:question:NOPE")
    other_org_department = department(org.prefecture)
    _post(
        client,
        wakaba,
        f"response:{response.pk}:question:L1",
        department=other_org_department.pk,
    )
    aoba_plan = make_plan(org.prefecture, measures=0)  # another organization's plan
    _post(client, wakaba, f"response:{response.pk}:question:L1", plan=aoba_plan.pk)
    assert not Measure.objects.filter(source_kind="assessment").exists()


def test_an_approved_plan_takes_no_candidates(wakaba, user_named):
    org, plan, _response = wakaba
    admin = user_named("muni-admin-2")
    import datetime

    plan_services.advance_plan(
        acting_user=admin,
        plan=plan,
        to_status="genka",
        decided_on=datetime.date(2025, 6, 1),
        decided_by="原課会議",
    )
    plan.refresh_from_db()
    with pytest.raises(plan_services.ServiceError, match="「下書き」か「改定中」の計画だけ"):
        plan_services.create_candidate_measure(
            acting_user=admin,
            plan=plan,
            owner_department=department(org),
            source_kind="assessment",
            source_ref="response:1:question:L1",
            title="x",
        )


def test_viewers_see_links_but_no_buttons_and_may_not_post(client, wakaba, user_named):
    _org, _plan, response = wakaba
    ref = f"response:{response.pk}:question:L1"
    client.force_login(user_named("muni-admin-2"))
    _post(client, wakaba, ref)
    client.force_login(user_named("pref-staff"))
    page = client.get(_report(client, response)).content.decode()
    assert "施策の候補にする" not in page and "対応する施策:" in page
    refused = _post(client, wakaba, f"response:{response.pk}:dimension:a.1")
    assert refused.status_code == 403
    assert Measure.objects.filter(source_kind="assessment").count() == 1
