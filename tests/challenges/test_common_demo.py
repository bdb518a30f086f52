"""The demo's common issues: municipalities escalate similar issues in their own words, the
default threshold groups them, and the prefecture has made three groups through the services
(one a study group); building again changes nothing."""

import pytest

from chiikidx.challenges.common import demo, queries, similarity
from chiikidx.challenges.models import Challenge, CommonIssueGroup
from chiikidx.core import demo as core_demo
from chiikidx.core.models import AuditEntry, Organization

pytestmark = pytest.mark.django_db

SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")


def test_demo_common_issues(user_named, django_assert_max_num_queries):
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    with django_assert_max_num_queries(400):
        demo.extend(SPEC, orgs)
    counts = (
        Challenge.objects.count(),
        CommonIssueGroup.objects.count(),
        AuditEntry.objects.count(),
    )
    demo.extend(SPEC, orgs)
    assert (
        Challenge.objects.count(),
        CommonIssueGroup.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert counts[0] == len(demo.ISSUES)

    prefecture = orgs["980005"]
    found = queries.queue(prefecture, user_named("t-pref-admin"))
    assert found.count() == len(demo.ISSUES)  # all shared
    assert found.filter(escalated_at__isnull=False).count() == sum(1 for i in demo.ISSUES if i.ask)
    grouping = queries.group_similar(found, similarity.DEFAULT_THRESHOLD)
    titles = dict(found.values_list("pk", "title"))
    groups = [sorted(titles[k] for k in g.keys)[0] for g in grouping.groups]
    assert sorted(groups) == sorted(
        [
            "ドローンによる日用品の配送",
            "デマンドタクシーの電話予約の負担",
            "体育館や公民館の施設予約が電話のみ",
            "区役所窓口の手数料のキャッシュレス化",
            "子育て情報を届けるアプリ",
            "避難所の受付をデジタル化したい",
        ]
    )
    assert len(grouping.singletons) == 4

    made = {g.title: g for g in CommonIssueGroup.objects.filter(organization=prefecture)}
    assert set(made) == {t for t, *_rest in demo.GROUPS}
    delivery = made["買い物困難者への配送(配送DX)"]
    assert delivery.initiative == "study_group"
    assert delivery.study_group_name == "物流・人流サービスに関する勉強会"
    assert delivery.members.count() == 4 and delivery.municipalities.count() == 4
    assert delivery.created_by.username == "t-pref-admin"
    # the prefecture's plan of the test world is not being written: the group waits
    assert made["避難所受付のデジタル化"].initiative == ""
    aoba = Challenge.objects.get(title="中山間地域の買い物困難者への配送")
    assert aoba.created_by.username == "t-muni-admin-1"
    assert str(aoba.escalated_at.date()) == "2026-07-14" and aoba.department.name == "産業振興課"
