"""/api/v1/common-issue-groups/: the prefecture's groups and the similarity grouping, through
the access module and the same services as the pages."""

import pytest
from rest_framework.test import APIClient

from chiikidx.challenges.models import CommonIssueGroup
from chiikidx.core.models import AuditEntry
from chiikidx.plans.models import Measure

from ..plans.sample import department, make_plan
from .common_sample import sample_group, shared_issue
from .sample import make_challenge

pytestmark = pytest.mark.django_db

URL = "/api/v1/common-issue-groups/"


@pytest.fixture
def prefecture(org_coded):
    return org_coded("990001")


@pytest.fixture
def issues(prefecture):
    return [
        shared_issue(
            prefecture,
            "201",
            "避難所の受付をデジタル化したい",
            "避難者名簿を手書きで作っている。避難所の受付をデジタル化したい。",
            escalated=True,
        ),
        shared_issue(
            prefecture,
            "301",
            "避難所受付のデジタル化",
            "避難所の受付と避難者名簿の作成に時間がかかる。",
        ),
        shared_issue(
            prefecture,
            "202",
            "避難者名簿の作成と集計",
            "避難所ごとの避難者名簿を紙で集計している。",
        ),
        shared_issue(
            prefecture, "302", "窓口でキャッシュレス決済ができない", "手数料を現金でしか払えない。"
        ),
    ]


def api(user_named, username):
    client = APIClient()
    client.force_authenticate(user_named(username))
    return client


def test_the_prefecture_makes_and_changes_a_group(issues, user_named):
    client = api(user_named, "pref-staff")
    data = {"organization_code": "990001", "challenges": [i.pk for i in issues[:2]]}
    created = client.post(URL, data, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    # no title given: a neutral one from the words both share, never a municipality's own
    assert body["title"] == "デジタル化・避難所(窓口)の共通課題"
    assert [c["organization_code"] for c in body["challenges"]] == ["992011", "993018"]
    assert body["initiative"] == "" and body["hidden_challenges"] == 0
    group_url = f"{URL}{body['id']}/"
    changed = client.patch(
        group_url,
        {"title": "避難所受付のデジタル化", "challenges": [i.pk for i in issues[1:3]]},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "避難所受付のデジタル化"
    # by municipality code: さくら台市 992020, わかば町 993018
    assert [c["id"] for c in changed.json()["challenges"]] == [issues[2].pk, issues[1].pk]
    assert client.get(URL).json()["count"] == 1
    assert AuditEntry.objects.filter(
        model_label="challenges.CommonIssueGroup", object_id=str(body["id"])
    ).exists()


def test_refusals_say_why(issues, user_named, prefecture):
    client = api(user_named, "pref-admin")
    unshared = make_challenge(issues[0].organization, title="未共有")
    refused = client.post(
        URL, {"organization_code": "990001", "challenges": [unshared.pk]}, format="json"
    )
    assert refused.status_code == 400 and f"ID: {unshared.pk}" in refused.json()["detail"]
    unseen = client.post(URL, {"organization_code": "980005", "challenges": []}, format="json")
    assert unseen.status_code == 400 and "見られる県" in unseen.json()["detail"]
    liaison = api(user_named, "liaison").post(
        URL, {"organization_code": "990001", "challenges": [issues[0].pk]}, format="json"
    )
    assert liaison.status_code == 403
    group = sample_group(prefecture)
    assert api(user_named, "liaison").patch(f"{URL}{group.pk}/", {"title": "x"}).status_code == 403
    assert api(user_named, "muni-admin-1").get(f"{URL}{group.pk}/").status_code == 404
    assert not CommonIssueGroup.objects.exclude(pk=group.pk).exists()


def test_study_group_and_measure(issues, user_named, prefecture):
    group = sample_group(prefecture)
    client = api(user_named, "pref-admin")
    study = client.post(
        f"{URL}{group.pk}/study-group/",
        {"name": "物流の勉強会", "starts_on": "令和8年12月15日", "municipalities": ["992011"]},
        format="json",
    )
    assert study.status_code == 200, study.json()
    assert study.json()["initiative"] == "study_group"
    assert study.json()["municipalities"] == ["992011"]
    assert study.json()["study_group_starts_on"] == "2026-12-15"
    bad = client.post(f"{URL}{group.pk}/study-group/", {"name": "x", "starts_on": "13月"})
    assert bad.status_code == 400 and "初回の日付" in bad.json()["detail"]
    no_plan = client.post(
        f"{URL}{group.pk}/measure/", {"plan": 0, "owner_department": 0}, format="json"
    )
    assert no_plan.status_code == 400 and "下書き" in no_plan.json()["detail"]
    plan = make_plan(prefecture, user_named("pref-admin"), measures=0)
    owner = department(prefecture, "デジタル推進課")
    made = client.post(
        f"{URL}{group.pk}/measure/", {"plan": plan.pk, "owner_department": owner.pk}, format="json"
    )
    assert made.status_code == 200, made.json()
    measure = Measure.objects.get(source_ref=f"common:{group.pk}")
    assert made.json()["measure"] == measure.pk and made.json()["plan"] == plan.pk
    liaison = api(user_named, "liaison").post(f"{URL}{group.pk}/study-group/", {"name": "x"})
    assert liaison.status_code == 403


def test_delete(issues, user_named, prefecture):
    group = sample_group(prefecture)
    assert api(user_named, "liaison").delete(f"{URL}{group.pk}/").status_code == 403
    assert api(user_named, "pref-staff").delete(f"{URL}{group.pk}/").status_code == 204
    assert not CommonIssueGroup.objects.filter(pk=group.pk).exists()


def test_similar(issues, user_named):
    client = api(user_named, "pref-staff")
    found = client.get(f"{URL}similar/", {"prefecture": "990001", "threshold": "0.3"})
    assert found.status_code == 200
    body = found.json()
    assert body["prefecture"] == "990001" and body["threshold"] == 0.3
    assert [[c["id"] for c in g["challenges"]] for g in body["groups"]] == [
        [i.pk for i in issues[:3]]
    ]
    assert body["singletons"] == [issues[3].pk]
    assert "避難所" in body["groups"][0]["terms"] and 0 < body["groups"][0]["cohesion"] <= 1
    assert client.get(f"{URL}similar/").json()["prefecture"] == "990001"  # their own
    narrowed = client.get(
        f"{URL}similar/", {"prefecture": "990001", "threshold": "0.3", "field": "x"}
    )
    assert narrowed.json()["groups"] == [] and narrowed.json()["singletons"] == []


def test_similar_respects_who_sees_what(issues, user_named):
    liaison = api(user_named, "liaison").get(f"{URL}similar/", {"threshold": "0"})
    seen = {c["organization_code"] for g in liaison.json()["groups"] for c in g["challenges"]}
    seen |= {issues_by_id(issues)[k] for k in liaison.json()["singletons"]}
    assert "992020" not in seen  # さくら台市: not assigned to the liaison
    muni = api(user_named, "muni-admin-1")
    assert muni.get(f"{URL}similar/", {"prefecture": "990001"}).status_code == 404
    assert muni.get(f"{URL}similar/").json() == {
        "prefecture": None,
        "threshold": 0.35,
        "groups": [],
        "singletons": [],
    }


def issues_by_id(issues):
    return {i.pk: i.organization.code for i in issues}


def test_the_schema_describes_the_endpoints(client):
    schema = client.get("/api/v1/schema/").content.decode()
    for path in (
        "/api/v1/common-issue-groups/",
        "/api/v1/common-issue-groups/similar/",
        "/api/v1/common-issue-groups/{id}/study-group/",
        "/api/v1/common-issue-groups/{id}/measure/",
    ):
        assert path in schema


@pytest.mark.parametrize(
    ("path", "queries"), [("", 4), ("{group}/", 3), ("similar/?threshold=0.3", 2)]
)
def test_reads_are_a_fixed_number_of_queries(
    issues, user_named, prefecture, django_assert_num_queries, path, queries
):
    """The list, a group and the similarity grouping: the same queries with 4 issues in one
    group and with 16 in four groups (a study group each)."""
    import datetime

    from chiikidx.challenges.common import services

    admin = user_named("pref-admin")
    group = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues)
    url = URL + path.format(group=group.pk)
    client = api(user_named, "pref-staff")
    client.get(url)  # grants and the like are read once
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    suffixes = ["201", "301", "202", "302"]
    for n in range(3):
        more = [
            shared_issue(prefecture, s, f"避難所の受付のデジタル化 その{n}-{s}", "避難者名簿。")
            for s in suffixes
        ]
        services.add_members(acting_user=admin, group=group, challenges=more)
        other = services.create_group(acting_user=admin, prefecture=prefecture, challenges=more)
        services.make_study_group(
            acting_user=admin, group=other, name="勉強会", starts_on=datetime.date(2027, 1, 1)
        )
    with django_assert_num_queries(queries):
        body = client.get(url).json()
    grown = {
        "": lambda: body["count"] == 4,
        "{group}/": lambda: len(body["challenges"]) == 16,
        "similar/?threshold=0.3": lambda: sum(len(g["challenges"]) for g in body["groups"]) > 12,
    }
    assert grown[path](), body
