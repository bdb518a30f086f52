"""Pages of the prefecture's common issues: the queue and the similarity grouping, the groups
and what they become, a municipality's view of its grouped challenge, privacy (the prefecture
sees nothing unshared; another prefecture nothing at all) and pinned query counts."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from chiikidx.challenges.common import services
from chiikidx.challenges.models import CommonIssueGroup
from chiikidx.plans.models import Measure

from ..plans.sample import department, make_plan
from .common_sample import municipality, sample_group, shared_issue
from .sample import make_challenge

pytestmark = pytest.mark.django_db

A = "990001"
SECRET = "非公開の検討中の課題"


@pytest.fixture
def prefecture(org_coded):
    return org_coded(A)


def client_for(user_named, username):
    client = Client()
    client.force_login(user_named(username))
    return client


def text(response) -> str:
    return response.content.decode()


def main(page: str) -> str:
    """The page without its header (whose menu lists the organizations the user may open)."""
    return page.split('<main id="main"', 1)[1]


def common_url(**query):
    url = reverse("challenges:common", args=[A])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def group_url(group, name="challenges:common_group"):
    return reverse(name, args=[group.organization.code, group.pk])


@pytest.fixture
def issues(prefecture):
    """Similar shared issues of four municipalities, an escalated one, and a different one."""
    return [
        shared_issue(
            prefecture,
            "201",
            "デマンド交通の予約をオンライン化したい",
            "電話予約が朝夕に集中する。デマンド交通をアプリで予約したい。",
            escalated=True,
        ),
        shared_issue(
            prefecture,
            "301",
            "デマンドタクシーの電話予約が集中する",
            "デマンド交通の予約を電話で受けている。予約システムを入れたい。",
        ),
        shared_issue(
            prefecture,
            "302",
            "乗合タクシー(デマンド交通)の予約システム",
            "デマンド交通の予約を紙の台帳で管理している。予約システムを共同で調達したい。",
        ),
        shared_issue(
            prefecture,
            "202",
            "窓口でキャッシュレス決済ができない",
            "手数料を現金でしか払えない。",
            escalated=True,
        ),
    ]


def test_the_similarity_grouping_side_by_side(issues, user_named):
    response = client_for(user_named, "pref-staff").get(common_url())
    assert response.status_code == 200
    page = text(response)
    assert "まとまり 1" in page and "まとまり 2" not in page
    group = page[page.index("まとまり 1") : page.index('id="sg-form-1"')]
    assert group.count('<article class="common-card') == 3
    for name in ("あおば市", "わかば町", "こもれび町"):
        assert name in group
    assert re.search(r"<mark>デマンド交通</mark>", page)
    assert "共通する言葉" in page and "平均の類似度" in page
    assert "どれとも似ていない課題 1件" in page
    # the form to group them posts the three challenges
    form = page[page.index('id="sg-form-1"') - 2000 : page.index('id="sg-form-1"')]
    assert form.count('form="sg-form-1"') == 3


def test_issues_like_no_other_are_listed_under_the_groups(issues, user_named):
    page = text(client_for(user_named, "pref-staff").get(common_url()))
    singles = page[page.index('class="card common-singles"') :]
    singles = singles[: singles.index("</details>")]
    single = issues[-1]
    assert "どれとも似ていない課題 1件" in singles
    link = reverse("challenges:challenge", args=[single.organization.code, single.pk])
    assert f'<a href="{link}">{single.title}</a>' in singles
    assert single.organization.name in singles
    assert "デマンド" not in singles  # the grouped ones are not repeated
    # At a threshold no pair reaches, every issue is listed there.
    page = text(client_for(user_named, "pref-staff").get(common_url(threshold="0.99")))
    assert "どれとも似ていない課題 4件" in page
    assert page.count('<details class="card common-singles">') == 1


def test_the_threshold_is_the_users(issues, user_named):
    client = client_for(user_named, "pref-staff")
    assert "まとまり 1" not in text(client.get(common_url(threshold="0.95")))
    page = text(client.get(common_url(threshold="９５％")))  # 全角 and percent are read too
    assert "しきい値 95%" in page and 'value="0.95"' in page
    assert "しきい値 35%" in text(client.get(common_url(threshold="abc")))


def test_the_grouping_is_made_once_for_pages_tabs_and_returns_until_a_text_changes(
    issues, user_named, monkeypatch
):
    from chiikidx.challenges import services as challenge_services
    from chiikidx.challenges.common import similarity

    similarity.forget_groupings()
    made = []
    real = similarity.group_items
    monkeypatch.setattr(
        similarity, "group_items", lambda items, threshold: made.append(1) or real(items, threshold)
    )
    client = client_for(user_named, "pref-staff")
    first = text(client.get(common_url()))
    client.get(common_url(tab="shared"))
    again = text(client.get(common_url()))
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert len(made) == 1 and token.sub("", main(again)) == token.sub("", main(first))
    cards = main(again).count('<article class="common-card')
    assert "わかば町" in main(again)  # issues[1]'s municipality
    # the member unshares it: the prefecture's next view is grouped again, without it
    challenge_services.unshare(acting_user=user_named("muni-admin-2"), challenge=issues[1])
    after = text(client.get(common_url()))
    assert len(made) == 2 and "わかば町" not in main(after)
    assert main(after).count('<article class="common-card') == cards - 1
    similarity.forget_groupings()


def test_filters_by_field_and_region(issues, user_named, prefecture):
    client = client_for(user_named, "pref-staff")
    page = text(client.get(common_url(tab="shared", field="窓口")))
    assert "デマンドタクシーの電話予約が集中する" in page
    page = text(client.get(common_url(tab="escalated", region="県南")))  # none of them
    assert "県・広域への相談はまだありません" in page
    page = text(client.get(common_url(tab="escalated", region="県央")))  # あおば市, さくら台市
    assert "デマンド交通の予約をオンライン化したい" in page
    assert "窓口でキャッシュレス決済ができない" in page
    assert "県で取りまとめてほしい。" in page  # what the municipality asks


def test_the_escalated_queue_by_field(issues, user_named):
    page = text(client_for(user_named, "pref-admin").get(common_url(tab="escalated")))
    assert "県・広域への相談(2)" in page
    assert page.count('type="checkbox" name="challenge"') == 2
    assert "デマンドタクシーの電話予約が集中する" not in page  # shared, not escalated
    shared = text(client_for(user_named, "pref-admin").get(common_url(tab="shared")))
    assert "デマンドタクシーの電話予約が集中する" in shared
    assert "デマンド交通の予約をオンライン化したい" not in shared


def test_making_a_group_from_the_page(issues, user_named):
    client = client_for(user_named, "pref-admin")
    data = {"challenge": [issues[0].pk, issues[1].pk], "title": "デマンド交通の予約", "next": "/"}
    response = client.post(reverse("challenges:common_group_new", args=[A]), data)
    group = CommonIssueGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == group_url(group)
    assert group.title == "デマンド交通の予約" and group.members.count() == 2
    page = text(client.get(common_url(tab="escalated")))
    assert "グループ:" in page and "デマンド交通の予約</a>" in page
    # nothing chosen: back with the reason
    response = client.post(reverse("challenges:common_group_new", args=[A]), {}, follow=True)
    assert "印を付けてから" in text(response)
    assert CommonIssueGroup.objects.count() == 1


def test_the_group_page_side_by_side_with_suggestions(issues, user_named, prefecture):
    admin = user_named("pref-admin")
    group = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues[:2])
    client = client_for(user_named, "pref-admin")
    page = text(client.get(group_url(group) + "?threshold=0.2"))
    assert page.count('<article class="common-card') == 2
    assert "あおば市、わかば町" in page  # the municipalities involved
    assert "乗合タクシー(デマンド交通)の予約システム" in page.split("まだこのグループにないもの")[1]
    response = client.post(
        group_url(group, "challenges:common_group_members"), {"challenge": [issues[2].pk]}
    )
    assert response.status_code == 302 and group.members.count() == 3
    url = reverse("challenges:common_group_member_remove", args=[A, group.pk, issues[0].pk])
    assert client.post(url).status_code == 302 and group.members.count() == 2


def test_making_a_study_group_on_the_page(issues, user_named, prefecture):
    group = sample_group(prefecture)
    client = client_for(user_named, "pref-staff")
    page = text(client.get(group_url(group)))
    # by default the municipalities whose challenges are in the group
    checked = re.findall(r'value="(\d+)"[^>]*checked', page)
    assert sorted(checked) == ["992011", "993018"]
    url = group_url(group, "challenges:common_group_study")
    bad = client.post(url, {"name": "", "starts_on": "令和8年13月1日", "municipalities": []})
    assert bad.status_code == 400
    assert "勉強会の名称" in text(bad) and "参加する市町村を1つ以上" in text(bad)
    data = {"name": "物流の勉強会", "starts_on": "令和8年12月15日", "municipalities": checked}
    assert client.post(url, data).status_code == 302
    group.refresh_from_db()
    assert (group.initiative, str(group.study_group_starts_on)) == ("study_group", "2026-12-15")
    assert "物流の勉強会" in text(client.get(reverse("challenges:common_groups", args=[A])))


def test_making_a_measure_on_the_page(issues, user_named, prefecture):
    group = sample_group(prefecture)
    client = client_for(user_named, "pref-admin")
    assert "「下書き」か「改定中」の県の計画がない" in text(client.get(group_url(group)))
    plan = make_plan(prefecture, user_named("pref-admin"), measures=0)
    page = text(client.get(group_url(group)))
    assert f'<option value="{plan.pk}"' in page
    url = group_url(group, "challenges:common_group_measure")
    bad = client.post(url, {"plan": plan.pk, "owner_department": "", "title": "配送"})
    assert bad.status_code == 400 and "担当部署を選んでください" in text(bad)
    owner = department(prefecture, "デジタル推進課")
    data = {"plan": plan.pk, "owner_department": owner.pk, "title": "配送DXの推進"}
    assert client.post(url, data).status_code == 302
    measure = Measure.objects.get(source_ref=f"common:{group.pk}")
    assert measure.plan == plan and measure.title == "配送DXの推進"
    page = text(client.get(group_url(group)))
    assert reverse("plans:measure", args=[A, measure.pk]) in page
    assert "このグループを削除する" not in page  # a group that became a measure stays


def test_editing_and_deleting_a_group(issues, user_named, prefecture):
    group = sample_group(prefecture)
    client = client_for(user_named, "pref-admin")
    url = group_url(group, "challenges:common_group_edit")
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "", "field": "", "note": ""}).status_code == 400
    assert client.post(url, {"title": "配送DX", "field": "産業", "note": "メモ"}).status_code == 302
    group.refresh_from_db()
    assert (group.title, group.field, group.note) == ("配送DX", "産業", "メモ")
    delete = group_url(group, "challenges:common_group_delete")
    client.post(delete, {})
    assert CommonIssueGroup.objects.filter(pk=group.pk).exists()  # not without the check mark
    assert client.post(delete, {"confirm": "1"})["Location"] == reverse(
        "challenges:common_groups", args=[A]
    )
    assert not CommonIssueGroup.objects.filter(pk=group.pk).exists()


def test_readers_see_no_forms(issues, user_named, prefecture):
    group = sample_group(prefecture)
    shared_issue(prefecture, "302", "ドローン配送の実証", "買い物困難者へドローンで配送する。")
    page = text(client_for(user_named, "liaison").get(group_url(group) + "?threshold=0.05"))
    assert "まだこのグループにないもの" in page and "<table" in page
    assert f"/challenges/common/groups/{group.pk}/" not in page.replace(group_url(group), "")
    assert "グループから外す" not in page and "勉強会として登録する" not in page
    common = text(client_for(user_named, "liaison").get(common_url()))
    assert "グループを作る" not in common and "common/groups/new/" not in common


# --- privacy -------------------------------------------------------------------------------------


def pages(group):
    return [
        common_url(),
        common_url(threshold="0"),
        common_url(tab="escalated"),
        common_url(tab="shared"),
        reverse("challenges:common_groups", args=[A]),
        group_url(group) + "?threshold=0",
        group_url(group, "challenges:common_group_edit"),
        "/api/v1/common-issue-groups/",
        f"/api/v1/common-issue-groups/{group.pk}/",
        f"/api/v1/common-issue-groups/similar/?prefecture={A}&threshold=0",
    ]


@pytest.mark.parametrize("username", ["pref-admin", "pref-staff", "liaison"])
def test_the_prefecture_sees_nothing_unshared(issues, user_named, prefecture, username):
    """Unshared challenges as alike as can be to the shared ones, in every municipality."""
    for suffix in ("201", "301", "302", "202"):
        org = municipality(prefecture, suffix)
        make_challenge(org, title=SECRET, description="デマンド交通の予約をオンライン化したい")
    group = sample_group(prefecture)
    client = client_for(user_named, username)
    for url in pages(group):
        response = client.get(url)
        if response.status_code == 403:
            assert username == "liaison" and url.endswith("/edit/")
            continue
        assert response.status_code == 200, url
        assert SECRET not in text(response), url


def test_a_liaison_sees_only_the_assigned_municipalities(issues, user_named, prefecture):
    sakura = shared_issue(prefecture, "202", "さくら台市の配送の課題", "ドローン配送。")
    page = text(client_for(user_named, "liaison").get(common_url(tab="shared", threshold="0")))
    assert "デマンドタクシーの電話予約が集中する" in page  # わかば町: assigned
    assert sakura.title not in page and "窓口でキャッシュレス決済ができない" not in page
    group = services.create_group(
        acting_user=user_named("pref-admin"), prefecture=prefecture, challenges=[issues[1], sakura]
    )
    page = text(client_for(user_named, "liaison").get(group_url(group)))
    assert "わかば町" in page and "さくら台市" not in page and sakura.title not in page
    assert "ほか1市町村(見られない課題のもの)" in page and "見られない課題が 1件" in page


def test_a_challenge_unshared_later_leaves_the_prefectures_view(issues, user_named, prefecture):
    from chiikidx.challenges import services as challenge_services

    group = services.create_group(
        acting_user=user_named("pref-admin"),
        prefecture=prefecture,
        challenges=issues[1:3],
        title="デマンド交通",
    )
    wakaba = issues[1]
    challenge_services.unshare(acting_user=user_named("muni-admin-2"), challenge=wakaba)
    # it left the group: not shown, not counted, its municipality not named
    for username in ("pref-admin", "liaison"):
        page = text(client_for(user_named, username).get(group_url(group)))
        assert wakaba.title not in page and "見られない課題" not in page
        assert "ほか1市町村" not in page and "ほか1件" not in page
    assert "わかば町" not in main(page)  # the liaison's menu names it (assigned), not the page
    body = client_for(user_named, "pref-admin").get(f"/api/v1/common-issue-groups/{group.pk}/")
    assert [c["id"] for c in body.json()["challenges"]] == [issues[2].pk]
    assert body.json()["hidden_challenges"] == 0


def test_another_prefecture_sees_nothing(issues, user_named, prefecture):
    group = sample_group(prefecture)
    client = client_for(user_named, "t-pref-admin")
    for url in pages(group)[:7]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/common-issue-groups/{group.pk}/").status_code == 404
    similar = client.get(f"/api/v1/common-issue-groups/similar/?prefecture={A}")
    assert similar.status_code == 404
    listed = client.get("/api/v1/common-issue-groups/").json()
    assert listed["count"] == 0
    # its own grouping holds nothing of prefecture A
    own = client.get("/api/v1/common-issue-groups/similar/").json()
    assert own["prefecture"] == "980005" and own["groups"] == []


@pytest.mark.parametrize("username", ["muni-admin-1", "pref-admin"])
def test_a_municipalitys_workspace_has_no_such_pages(issues, user_named, prefecture, username):
    group = sample_group(prefecture)
    client = client_for(user_named, username)
    for name in ("challenges:common", "challenges:common_groups"):
        assert client.get(reverse(name, args=["992011"])).status_code == 404
    url = reverse("challenges:common_group", args=["992011", group.pk])
    assert client.get(url).status_code == 404


# --- the municipality's side ----------------------------------------------------------------------


def challenge_url(challenge):
    return reverse("challenges:challenge", args=[challenge.organization.code, challenge.pk])


def test_the_municipality_sees_what_its_challenge_joined(issues, user_named, prefecture):
    admin = user_named("pref-admin")
    group = services.create_group(
        acting_user=admin,
        prefecture=prefecture,
        challenges=issues[:3],
        title="デマンド交通の共同調達",
        note="県内部のメモ: 交通政策課と調整中",
    )
    services.make_study_group(
        acting_user=admin,
        group=group,
        name="地域交通DX勉強会",
        starts_on=datetime.date(2027, 1, 20),
        municipalities=[municipality(prefecture, "201"), municipality(prefecture, "302")],
    )
    aoba_page = text(client_for(user_named, "muni-staff-1").get(challenge_url(issues[0])))
    assert "県・広域での取組" in aoba_page
    assert "デマンド交通の共同調達" in aoba_page and "地域交通DX勉強会" in aoba_page
    assert "令和9年1月20日" in aoba_page and "参加団体" in aoba_page
    # nothing the municipality may not know: the note, the other members, the group's page
    assert "県内部のメモ" not in aoba_page
    assert issues[1].title not in aoba_page and "わかば町" not in aoba_page
    assert group_url(group) not in aoba_page
    # わかば町 is in the group but not invited to the study group
    wakaba = text(client_for(user_named, "muni-admin-2").get(challenge_url(issues[1])))
    assert "地域交通DX勉強会" in wakaba and "参加団体には入っていません" in wakaba
    # the prefecture's staff get a link to the group
    staff = text(client_for(user_named, "pref-staff").get(challenge_url(issues[0])))
    assert group_url(group) in staff


def test_no_panel_for_a_challenge_in_no_group(issues, user_named):
    page = text(client_for(user_named, "muni-staff-1").get(challenge_url(issues[0])))
    assert "県・広域での取組" not in page


# --- query counts ---------------------------------------------------------------------------------


def more_issues(prefecture, count, start=0):
    suffixes = ["201", "301", "302", "202", "203", "204"]
    for i in range(start, start + count):
        shared_issue(
            prefecture,
            suffixes[i % len(suffixes)],
            f"避難所の受付のデジタル化 その{i}",
            f"避難者名簿を紙で作っている({i})。受付をデジタル化したい。",
            escalated=i % 2 == 0,
        )


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ({}, 14),  # + the issues like no other, listed under the last groups
        ({"tab": "escalated"}, 13),
        ({"tab": "shared"}, 13),
        ({"field": "窓口", "region": "県央"}, 14),
    ],
)
def test_the_common_page_reads_a_fixed_number_of_queries(
    issues, user_named, prefecture, django_assert_num_queries, query, queries
):
    """The same number of queries with 8 issues and with 28 (and 3 groups), whatever grows."""
    client = client_for(user_named, "pref-staff")
    more_issues(prefecture, 4)
    client.get(common_url(**query))  # session, user and grants are read once per request
    with django_assert_num_queries(queries) as few:
        client.get(common_url(**query))
    more_issues(prefecture, 20, start=4)
    sample_group(prefecture)
    services.create_group(
        acting_user=user_named("pref-admin"),
        prefecture=prefecture,
        challenges=issues[:2],
    )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(common_url(**query))
    assert response.status_code == 200


def test_the_group_page_reads_a_fixed_number_of_queries(
    issues, user_named, prefecture, django_assert_num_queries
):
    group = sample_group(prefecture)
    client = client_for(user_named, "pref-admin")
    client.get(group_url(group))
    with django_assert_num_queries(14) as few:
        client.get(group_url(group))
    more_issues(prefecture, 12)
    services.add_members(acting_user=user_named("pref-admin"), group=group, challenges=issues)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(group_url(group)).status_code == 200


def test_the_groups_list_reads_a_fixed_number_of_queries(
    issues, user_named, prefecture, django_assert_num_queries
):
    client = client_for(user_named, "pref-staff")
    sample_group(prefecture)
    client.get(reverse("challenges:common_groups", args=[A]))
    with django_assert_num_queries(8) as few:
        client.get(reverse("challenges:common_groups", args=[A]))
    for i in range(3):
        services.create_group(
            acting_user=user_named("pref-admin"),
            prefecture=prefecture,
            challenges=issues[i : i + 2],
            title=f"グループ{i}",
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("challenges:common_groups", args=[A]))


def test_the_panel_reads_the_same_queries_for_more_groups(
    issues, user_named, prefecture, django_assert_num_queries, django_assert_max_num_queries
):
    admin = user_named("pref-admin")
    client = client_for(user_named, "muni-staff-1")
    first = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues[:1])
    services.make_study_group(
        acting_user=admin, group=first, name="勉強会A", starts_on=datetime.date(2027, 1, 1)
    )
    client.get(challenge_url(issues[0]))
    with django_assert_max_num_queries(100) as one:
        client.get(challenge_url(issues[0]))
    for name in ("勉強会B", "勉強会C"):
        group = services.create_group(
            acting_user=admin, prefecture=prefecture, challenges=issues[:2], title=name
        )
        services.make_study_group(
            acting_user=admin, group=group, name=name, starts_on=datetime.date(2027, 2, 1)
        )
    with django_assert_num_queries(len(one.captured_queries)):
        page = text(client.get(challenge_url(issues[0])))
    assert all(name in page for name in ("勉強会A", "勉強会B", "勉強会C"))


# --- names, unsharing, plans and liaisons ------------------------------------------------------


def input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_the_similarity_page_suggests_a_neutral_name(issues, user_named):
    client = client_for(user_named, "pref-admin")
    page = text(client.get(common_url()))
    form = page[page.index("まとまり 1") :]
    suggested = input_value(form, "title")
    assert suggested.endswith("の共通課題") and "デマンド交通" in suggested
    assert not any(i.title in suggested for i in issues)
    assert re.search(r'<input[^>]*name="title"[^>]*required', form)
    # the prefecture names the group: no name, no group
    data = {"challenge": [issues[0].pk, issues[1].pk], "title": " ", "next": "/"}
    response = client.post(reverse("challenges:common_group_new", args=[A]), data, follow=True)
    assert "グループの名前を入力してください" in text(response)
    assert not CommonIssueGroup.objects.exists()


def test_without_a_name_another_municipality_sees_none_of_the_first_ones_wording(
    issues, user_named, prefecture
):
    """Two municipalities, no name given: the group's name, the study group's and the measure's
    default names are neutral, and わかば町 sees nothing あおば市 wrote."""
    aoba, wakaba = issues[0], issues[1]
    admin = user_named("pref-admin")
    group = services.create_group(
        acting_user=admin, prefecture=prefecture, challenges=[aoba, wakaba]
    )
    assert aoba.title not in group.title and wakaba.title not in group.title
    make_plan(prefecture, admin, measures=0)
    page = text(client_for(user_named, "pref-admin").get(group_url(group)))
    assert input_value(page, "name") == f"{group.title} 勉強会"  # the study group's default
    assert input_value(page, "title") == group.title  # the measure's default
    services.make_study_group(
        acting_user=admin,
        group=group,
        name=f"{group.title} 勉強会",
        starts_on=datetime.date(2027, 1, 20),
    )
    seen = main(text(client_for(user_named, "muni-admin-2").get(challenge_url(wakaba))))
    assert group.title in seen and "参加団体" in seen
    assert aoba.title not in seen and aoba.description not in seen and "あおば市" not in seen


def test_a_challenge_unshared_after_grouping_counts_nowhere(issues, user_named, prefecture):
    from chiikidx.challenges import services as challenge_services

    group = services.create_group(
        acting_user=user_named("pref-admin"),
        prefecture=prefecture,
        challenges=issues[:3],
        title="デマンド交通の共同調達",
    )
    challenge_services.unshare(acting_user=user_named("muni-admin-2"), challenge=issues[1])
    client = client_for(user_named, "pref-admin")
    listed = text(client.get(reverse("challenges:common_groups", args=[A])))
    row = listed[listed.index("デマンド交通の共同調達") :]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[:2] == ["2", "2"]
    page = text(client.get(group_url(group)))
    assert sorted(re.findall(r'value="(\d+)"[^>]*checked', page)) == ["992011", "993026"]
    assert "わかば町" not in main(page).split("参加する市町村")[0]


def test_the_municipality_sees_the_measures_name_only_if_it_may_see_the_plan(
    issues, user_named, prefecture
):
    admin = user_named("pref-admin")
    group = services.create_group(
        acting_user=admin, prefecture=prefecture, challenges=issues[:2], title="デマンド交通"
    )
    plan = make_plan(prefecture, admin, title="県DX推進計画(改定案)", measures=0)
    measure = services.make_measure(
        acting_user=admin,
        group=group,
        plan=plan,
        owner_department=department(prefecture),
        title="デマンド交通の共同調達の推進",
    )
    page = main(text(client_for(user_named, "muni-staff-1").get(challenge_url(issues[0]))))
    assert "県の施策" in page and "県の計画に施策の候補として入っています" in page
    assert measure.title not in page and plan.title not in page
    plan.visibility = "shared"  # the prefecture shares its plan with the municipalities
    plan.save()
    page = main(text(client_for(user_named, "muni-staff-1").get(challenge_url(issues[0]))))
    assert measure.title in page and plan.title in page


def test_a_liaison_sees_no_name_of_a_municipality_not_assigned(issues, user_named, prefecture):
    """さくら台市 (not assigned to the liaison) has a challenge in the group and takes part in
    its study group: the liaison's pages and API say neither its name nor its code."""
    admin = user_named("pref-admin")
    sakura = issues[3]
    group = services.create_group(
        acting_user=admin, prefecture=prefecture, challenges=[issues[0], sakura], title="窓口"
    )
    services.make_study_group(
        acting_user=admin, group=group, name="窓口DX勉強会", starts_on=datetime.date(2027, 1, 1)
    )
    assert group.municipalities.filter(code="992020").exists()
    client = client_for(user_named, "liaison")
    for url in [u for u in pages(group) if not u.endswith("/edit/")]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = text(response)
        body = main(body) if "<main" in body else body
        assert "さくら台市" not in body and "992020" not in body, url
    page = main(text(client.get(group_url(group))))
    assert "ほか1市町村(担当でない市町村)" in page and "あおば市" in page
    detail = client.get(f"/api/v1/common-issue-groups/{group.pk}/").json()
    assert detail["municipalities"] == ["992011"]
    staff = client_for(user_named, "pref-staff").get(f"/api/v1/common-issue-groups/{group.pk}/")
    assert staff.json()["municipalities"] == ["992011", "992020"]


def test_existing_groups_are_read_for_the_challenges_asked_only(
    issues, user_named, prefecture, django_assert_num_queries
):
    from chiikidx.challenges.common import queries

    admin = user_named("pref-admin")
    first = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues[:2])
    services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues[2:])
    with django_assert_num_queries(1) as read:
        found = queries._existing_groups(prefecture, {issues[0].pk})
    assert {k: [g.pk for g in v] for k, v in found.items()} == {issues[0].pk: [first.pk]}
    sql = read.captured_queries[0]["sql"]
    assert f'"challenge_id" IN ({issues[0].pk})' in sql, sql
