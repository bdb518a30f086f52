"""Percentiles, ranks, peer-group fallback and the municipality report."""

from decimal import Decimal

import pytest

from chiikidx.assessments import benchmark, report, services
from chiikidx.assessments.models import Response
from chiikidx.core.models import Organization

from .conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db


def test_percentile_counts_half_of_ties():
    others = [Decimal(v) for v in (10, 20, 20, 30)]
    assert benchmark.percentile(Decimal(20), others) == 50.0  # (1 below + 2/2 equal) / 4
    assert benchmark.percentile(Decimal(40), others) == 100.0
    assert benchmark.percentile(Decimal(5), others) == 0.0
    assert benchmark.percentile(Decimal(5), []) is None


def _submit(round_, code, overrides, user):
    response = Response.objects.get(round=round_, organization__code=code)
    services.save_answers(acting_user=user, response=response, raw=FULL_ANSWERS | overrides)
    return services.submit(acting_user=user, response=response)


@pytest.fixture
def scored_round(sample_round, user_named):
    admin = user_named("root")
    levels = {"992011": "3", "993018": "1", "992020": "4", "992038": "2", "993026": "0"}
    for code, level in levels.items():
        _submit(sample_round, code, {"L1": level}, admin)
    return sample_round


def test_positions_within_the_prefecture(scored_round):
    data = benchmark.load(scored_round)
    aoba = Response.objects.get(round=scored_round, organization__code="992011")
    position = benchmark.position(data, aoba.pk, None, peers=False)
    # overall scores rise with L1; あおば (L1=3) is 2nd of 5, above 3 of the 4 others
    assert (position.rank, position.size, position.percentile) == (2, 5, 75.0)
    assert position.group == "県内"


def test_small_peer_group_falls_back_to_the_prefecture_and_says_so(scored_round):
    data = benchmark.load(scored_round)
    aoba = Response.objects.get(round=scored_round, organization__code="992011")
    position = benchmark.position(data, aoba.pk, None, peers=True)
    assert position.group.startswith("県内(類似団体「人口10万〜20万人」は")
    assert position.size == 5


def test_peer_group_used_when_large_enough(scored_round, user_named):
    group = Organization.objects.get(code="993018").peer_group
    same = list(
        Organization.objects.filter(prefecture__code="990001", peer_group=group)
        .exclude(code="993018")
        .values_list("code", flat=True)
    )
    for code in same[:4]:
        if not Response.objects.get(round=scored_round, organization__code=code).submitted_at:
            _submit(scored_round, code, {"L1": "2"}, user_named("root"))
    data = benchmark.load(scored_round)
    wakaba = Response.objects.get(round=scored_round, organization__code="993018")
    position = benchmark.position(data, wakaba.pk, None, peers=True)
    assert position.group == f"類似団体({group})" and position.size >= 5


def test_report_names_strengths_weaknesses_and_better_partners(scored_round, user_named):
    aoba = Response.objects.get(
        round=scored_round, organization__code="993018"
    )  # L1=1: weak in a.1
    definition = services.definition_for(aoba)
    built = report.build(definition, aoba, user_named("muni-staff-2"))
    assert built["weaknesses"][0].code == "a.1"
    partners = built["partners"][0]["partners"]
    assert partners and all(p["score"] > built["weaknesses"][0].own for p in partners)
    assert built["hints"][0]["question"].code == "L1" and built["hints"][0]["next"] == "広げる"
    assert built["trend"][-1]["current"]


def _disclose(round_, value, user_named):
    services.save_settings(
        acting_user=user_named("pref-admin"), prefecture=round_.organization, disclosure=value
    )


def test_disclosure_setting_hides_names_from_other_municipalities(scored_round, user_named):
    _disclose(scored_round, "anonymous", user_named)
    wakaba = Response.objects.get(round=scored_round, organization__code="993018")
    definition = services.definition_for(wakaba)
    muni_view = report.build(definition, wakaba, user_named("muni-staff-2"))
    names = [p["name"] for item in muni_view["partners"] for p in item["partners"]]
    assert names and all(name.startswith("団体") for name in names)
    pref_view = report.build(definition, wakaba, user_named("pref-staff"))
    assert any(p["code"] for item in pref_view["partners"] for p in item["partners"])
    _disclose(scored_round, "none", user_named)
    wakaba = Response.objects.get(pk=wakaba.pk)
    assert report.build(definition, wakaba, user_named("muni-staff-2"))["partners"] == []


def test_report_page_and_its_query_count(
    client, scored_round, user_named, django_assert_max_num_queries
):
    aoba = Response.objects.get(round=scored_round, organization__code="992011")
    client.force_login(user_named("muni-admin-1"))
    url = f"/o/992011/assessments/responses/{aoba.pk}/report/"
    client.get(url)
    with django_assert_max_num_queries(22):
        page = client.get(url)
    body = page.content.decode()
    assert "5団体中 2位" in body and "観点別スコア(表)" in body
    assert "'unsafe-inline'" in page["Content-Security-Policy"]
    assert "script-src 'self';" in page["Content-Security-Policy"]


def test_overview_lists_visible_municipalities_and_who_needs_support(
    client, scored_round, user_named, django_assert_max_num_queries
):
    url = f"/o/990001/assessments/rounds/{scored_round.pk}/overview/?sort=overall"
    client.force_login(user_named("pref-staff"))
    client.get(url)
    with django_assert_max_num_queries(20):
        page = client.get(url)
    rows = [r.name for r in page.context["overview"]["rows"]]
    assert rows == ["さくら台市", "あおば市", "ひかり市", "わかば町", "こもれび町"]  # L1 4,3,2,1,0
    support = {s["row"].name for s in page.context["overview"]["support"]}
    assert "こもれび町" in support and "さくら台市" not in support
    client.force_login(
        user_named("liaison")
    )  # assigned to あおば市, わかば町, こもれび町, ほたる村
    rows = {r.name for r in client.get(url).context["overview"]["rows"]}
    assert rows == {"あおば市", "わかば町", "こもれび町"}


def test_overview_filters_by_kind(client, scored_round, user_named):
    client.force_login(user_named("pref-admin"))
    url = f"/o/990001/assessments/rounds/{scored_round.pk}/overview/?kind=town"
    rows = {r.name for r in client.get(url).context["overview"]["rows"]}
    assert rows == {"わかば町", "こもれび町"}


def test_disclosure_none_hides_the_others_distribution(scored_round, user_named):
    _disclose(scored_round, "none", user_named)
    wakaba = Response.objects.get(round=scored_round, organization__code="993018")
    definition = services.definition_for(wakaba)
    assert (
        report.build(definition, wakaba, user_named("muni-staff-2"))["distribution"]["others"] == []
    )
    assert report.build(definition, wakaba, user_named("pref-staff"))["distribution"]["others"]


def test_support_line_is_the_whole_prefectures_even_when_filtered(client, scored_round, user_named):
    client.force_login(user_named("pref-admin"))
    url = f"/o/990001/assessments/rounds/{scored_round.pk}/overview/?kind=city"
    support = {s["row"].name for s in client.get(url).context["overview"]["support"]}
    assert "さくら台市" not in support  # the best of the prefecture is never "bottom quarter"
