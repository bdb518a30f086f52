"""The prefecture's common-issue groups: who may make and change them, which challenges they
may hold (only shared ones of the prefecture's municipalities), the study group and the plan
measure they become, and the audit entries every change leaves."""

import datetime

import pytest

from chiikidx.challenges import services as challenge_services
from chiikidx.challenges.common import services
from chiikidx.challenges.models import CommonIssueGroup, CommonIssueMember
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.plans.choices import SourceKind
from chiikidx.plans.models import Measure

from ..plans.sample import admin_of, department, make_plan
from .common_sample import municipality, sample_group, shared_issue
from .sample import make_challenge

pytestmark = pytest.mark.django_db


@pytest.fixture
def prefecture(org_coded):
    return org_coded("990001")


@pytest.fixture
def issues(prefecture):
    return [
        shared_issue(prefecture, "201", "買い物困難者への配送", "ドローンで配送したい。"),
        shared_issue(
            prefecture, "301", "買い物弱者への共同配送", "共同配送を始めたい.", escalated=True
        ),
        shared_issue(prefecture, "302", "ドローン配送の実証", "山間部へ配送する。"),
    ]


def entries(model, pk):
    return list(AuditEntry.objects.filter(model_label=model, object_id=str(pk)).order_by("seq"))


def test_the_prefectures_staff_make_a_group_audited(prefecture, issues, user_named):
    staff = user_named("pref-staff")
    group = services.create_group(acting_user=staff, prefecture=prefecture, challenges=issues)
    assert group.organization == prefecture and group.title == "買い物・配送(窓口)の共通課題"
    assert group.field == "窓口"  # the field most members have (the sample's)
    assert sorted(group.members.values_list("challenge_id", flat=True)) == [i.pk for i in issues]
    created = entries("challenges.CommonIssueGroup", group.pk)
    assert [(e.action, e.actor.username) for e in created] == [("create", "pref-staff")]
    members = AuditEntry.objects.filter(model_label="challenges.CommonIssueMember")
    assert members.filter(organization=prefecture, actor=staff).count() == 3
    # the challenges stay their municipalities': nothing about them changed
    assert not AuditEntry.objects.filter(model_label="challenges.Challenge", actor=staff).exists()


@pytest.mark.parametrize(
    "username", ["liaison", "muni-admin-1", "executive-1", "t-pref-admin", "dept-staff-1"]
)
def test_others_may_not_make_groups(prefecture, issues, user_named, username):
    with pytest.raises(ServiceError, match="県のDX推進課の管理者・職員だけ"):
        services.create_group(
            acting_user=user_named(username), prefecture=prefecture, challenges=issues
        )
    assert not CommonIssueGroup.objects.exists()


def test_a_municipality_cannot_own_a_group(issues, org_coded, user_named):
    with pytest.raises(ServiceError, match="県の画面"):
        services.create_group(
            acting_user=user_named("muni-admin-1"),
            prefecture=org_coded("992011"),
            challenges=issues[:1],
        )


def test_only_shared_challenges_of_the_prefecture_go_into_a_group(
    prefecture, issues, org_coded, user_named
):
    admin = user_named("pref-admin")
    aoba = municipality(prefecture, "201")
    unshared = make_challenge(aoba, title="まだ共有していない課題")
    second = shared_issue(org_coded("980005"), "201", "つばさ県の課題", "共有済み。")
    for foreign in (unshared, second):
        with pytest.raises(ServiceError, match=f"ID: {foreign.pk}"):
            services.create_group(
                acting_user=admin, prefecture=prefecture, challenges=[issues[0], foreign]
            )
    with pytest.raises(ServiceError, match="1件以上"):
        services.create_group(acting_user=admin, prefecture=prefecture, challenges=[])
    with pytest.raises(ServiceError, match="IDとして読めません"):
        services.create_group(acting_user=admin, prefecture=prefecture, challenges=["x"])
    assert not CommonIssueGroup.objects.exists()
    # once shared, it may join
    challenge_services.share(acting_user=admin_of(aoba), challenge=unshared)
    group = services.create_group(
        acting_user=admin, prefecture=prefecture, challenges=[unshared], title="  共有後  "
    )
    assert group.title == "共有後"


def test_a_liaison_sees_only_their_municipalities(prefecture, issues, user_named):
    """The group may hold any shared challenge; the liaison reads only those of the
    municipalities assigned to them (あおば市, わかば町, こもれび町, ほたる村)."""
    sakura = shared_issue(prefecture, "202", "さくら台市の配送", "配送の課題。")
    group = services.create_group(
        acting_user=user_named("pref-admin"), prefecture=prefecture, challenges=[*issues, sakura]
    )
    from chiikidx.challenges.common import queries

    found = queries.members_of(group, user_named("liaison"))
    assert [c.pk for c in found.shown] == [issues[0].pk, issues[1].pk, issues[2].pk]
    assert (found.hidden, found.hidden_municipalities) == (1, 1)
    found = queries.members_of(group, user_named("pref-staff"))
    assert len(found.shown) == 4 and found.hidden == 0


def test_change_add_and_remove_members(prefecture, issues, user_named):
    admin = user_named("pref-admin")
    group = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues[:1])
    services.update_group(acting_user=admin, group=group, title="配送DX", note="勉強会を検討")
    assert services.add_members(acting_user=admin, group=group, challenges=issues) == 2
    assert services.add_members(acting_user=admin, group=group, challenges=issues) == 0
    services.remove_member(acting_user=admin, group=group, challenge_id=issues[0].pk)
    assert sorted(group.members.values_list("challenge_id", flat=True)) == [
        issues[1].pk,
        issues[2].pk,
    ]
    with pytest.raises(ServiceError, match="入っていません"):
        services.remove_member(acting_user=admin, group=group, challenge_id=issues[0].pk)
    with pytest.raises(ServiceError, match="共通課題の名前を入力"):
        services.update_group(acting_user=admin, group=group, title=" ")
    with pytest.raises(ServiceError, match="変更できない項目"):
        services.update_group(acting_user=admin, group=group, measure=None)
    with pytest.raises(ServiceError, match="県のDX推進課"):
        services.update_group(acting_user=user_named("liaison"), group=group, title="x")
    group.refresh_from_db()
    assert (group.title, group.note) == ("配送DX", "勉強会を検討")
    updates = [e for e in entries("challenges.CommonIssueGroup", group.pk) if e.action == "update"]
    assert updates[0].after == {"title": "配送DX", "note": "勉強会を検討"}
    removed = AuditEntry.objects.filter(
        model_label="challenges.CommonIssueMember", action="delete"
    ).get()
    assert removed.before["challenge_id"] == issues[0].pk


def test_a_study_group_with_the_members_municipalities(prefecture, issues, user_named):
    admin = user_named("pref-admin")
    group = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues)
    services.make_study_group(
        acting_user=admin,
        group=group,
        name="物流・人流サービスに関する勉強会",
        starts_on=datetime.date(2026, 12, 15),
    )
    group.refresh_from_db()
    assert group.initiative == "study_group"
    codes = sorted(group.municipalities.values_list("code", flat=True))
    assert codes == ["992011", "993018", "993026"]  # あおば市, わかば町, こもれび町
    change = entries("challenges.CommonIssueGroup", group.pk)[-1]
    assert change.after == {"municipalities": codes} and change.before == {"municipalities": []}
    # changed later: another municipality joins (only the prefecture's municipalities may)
    hotaru = municipality(prefecture, "401")
    services.make_study_group(
        acting_user=admin,
        group=group,
        name="物流・人流サービスに関する勉強会",
        starts_on=datetime.date(2027, 1, 20),
        municipalities=[*group.municipalities.all(), hotaru],
    )
    assert group.municipalities.count() == 4
    with pytest.raises(ServiceError, match="この県の市町村"):
        services.make_study_group(
            acting_user=admin,
            group=group,
            name="勉強会",
            starts_on=datetime.date(2027, 1, 20),
            municipalities=[prefecture],
        )
    with pytest.raises(ServiceError, match="初回の日付"):
        services.make_study_group(acting_user=admin, group=group, name="勉強会", starts_on=None)
    with pytest.raises(ServiceError, match="勉強会の名称を入力"):
        services.make_study_group(
            acting_user=admin, group=group, name="", starts_on=datetime.date(2027, 1, 20)
        )


def test_a_plan_measure_in_a_draft_plan_of_the_prefecture(prefecture, issues, user_named):
    admin = user_named("pref-admin")
    group = services.create_group(
        acting_user=admin, prefecture=prefecture, challenges=issues, title="配送DXの推進"
    )
    plan = make_plan(prefecture, admin, title="広域DX推進計画(改定案)", measures=0)
    owner = department(prefecture, "デジタル推進課")
    measure = services.make_measure(
        acting_user=admin, group=group, plan=plan, owner_department=owner
    )
    group.refresh_from_db()
    assert group.measure == measure and group.initiative == "measure"
    assert (measure.source_kind, measure.source_ref) == (
        SourceKind.COMMON_ISSUE,
        f"common:{group.pk}",
    )
    assert measure.title == "配送DXの推進" and measure.owner_department == owner
    # the text says how many municipalities, never which ones nor their challenges
    assert "3市町村" in measure.description
    assert "あおば市" not in measure.description and issues[1].title not in measure.description
    assert group.municipalities.count() == 3
    assert AuditEntry.objects.filter(
        model_label="plans.Measure", object_id=str(measure.pk)
    ).exists()
    with pytest.raises(ServiceError, match="すでに県の施策"):
        services.make_measure(acting_user=admin, group=group, plan=plan, owner_department=owner)
    # a study group later keeps the measure as the initiative
    services.make_study_group(
        acting_user=admin, group=group, name="配送DX勉強会", starts_on=datetime.date(2027, 2, 1)
    )
    group.refresh_from_db()
    assert group.initiative == "measure" and group.study_group_name == "配送DX勉強会"
    with pytest.raises(ServiceError, match="施策を計画から外して"):
        services.delete_group(acting_user=admin, group=group)


def test_a_measure_needs_a_plan_being_written_and_the_prefectures_plan(
    prefecture, issues, user_named, org_coded
):
    admin = user_named("pref-admin")
    group = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues)
    aoba = org_coded("992011")
    municipal_plan = make_plan(aoba, measures=0)
    with pytest.raises(ServiceError, match="県の計画から"):
        services.make_measure(
            acting_user=admin,
            group=group,
            plan=municipal_plan,
            owner_department=department(prefecture),
        )
    plan = make_plan(prefecture, admin, measures=0)
    plan.status = "gikai"
    plan.save()
    with pytest.raises(ServiceError, match="「下書き」か「改定中」"):
        services.make_measure(
            acting_user=admin, group=group, plan=plan, owner_department=department(prefecture)
        )
    assert not Measure.objects.filter(source_kind=SourceKind.COMMON_ISSUE).exists()


def test_dissolving_a_group_keeps_the_challenges(prefecture, issues, user_named):
    admin = user_named("pref-admin")
    group = sample_group(prefecture)
    member_ids = list(group.members.values_list("challenge_id", flat=True))
    services.delete_group(acting_user=admin, group=group)
    assert not CommonIssueGroup.objects.filter(pk=group.pk).exists()
    assert not CommonIssueMember.objects.filter(challenge_id__in=member_ids).exists()
    deleted = AuditEntry.objects.filter(action="delete", actor=admin)
    assert {e.model_label for e in deleted} == {
        "challenges.CommonIssueGroup",
        "challenges.CommonIssueMember",
    }
    from chiikidx.challenges.models import Challenge

    assert Challenge.objects.filter(pk__in=member_ids).count() == 2


# --- names, unsharing and the audit of who takes part -----------------------------------------


def test_without_a_title_the_name_is_neutral(prefecture, user_named):
    """Two municipalities' challenges, no title given: the name is made of words both wrote and
    the field, never one municipality's own title (every member municipality sees it)."""
    aoba = shared_issue(
        prefecture, "201", "中山間地域の買い物困難者への配送", "ドローンで届けたい。"
    )
    wakaba = shared_issue(prefecture, "301", "買い物弱者への共同配送", "宅配事業者と配送したい。")
    admin = user_named("pref-admin")
    group = services.create_group(
        acting_user=admin, prefecture=prefecture, challenges=[aoba, wakaba]
    )
    assert group.title == "買い物・配送(窓口)の共通課題"
    assert aoba.title not in group.title and wakaba.title not in group.title
    # the defaults derived from it stay neutral too: the measure's name and description
    plan = make_plan(prefecture, admin, measures=0)
    measure = services.make_measure(
        acting_user=admin, group=group, plan=plan, owner_department=department(prefecture)
    )
    assert measure.title == group.title
    assert aoba.title not in measure.description and wakaba.title not in measure.description


def test_a_word_of_one_municipality_only_is_not_in_the_name(prefecture, user_named):
    own = [
        shared_issue(prefecture, "201", "ドローン配送の実証", "山間部へドローンで配送する。"),
        shared_issue(prefecture, "201", "ドローンによる日用品の配送", "ドローンの飛行ルート。"),
    ]
    other = shared_issue(prefecture, "301", "買い物弱者への配送", "宅配事業者と配送する。")
    group = services.create_group(
        acting_user=user_named("pref-admin"), prefecture=prefecture, challenges=[*own, other]
    )
    assert group.title == "配送(窓口)の共通課題"  # ドローン: あおば市's word only
    assert services.suggested_title(own[:1]) == "窓口の共通課題"  # nothing shared
    assert services.suggested_title(own[:1], field="") == "市町村に共通する課題"


def test_unsharing_a_challenge_takes_it_out_of_every_group(prefecture, issues, user_named):
    admin = user_named("pref-admin")
    first = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues)
    second = services.create_group(
        acting_user=admin, prefecture=prefecture, challenges=issues[1:], title="共同配送"
    )
    komorebi = municipality(prefecture, "302")
    challenge_services.unshare(acting_user=admin_of(komorebi), challenge=issues[2])
    assert not CommonIssueMember.objects.filter(challenge=issues[2]).exists()
    left = AuditEntry.objects.filter(model_label="challenges.CommonIssueMember", action="delete")
    assert sorted(e.before["group_id"] for e in left) == [first.pk, second.pk]
    assert {(e.organization, e.actor) for e in left} == {(prefecture, admin_of(komorebi))}
    # counted nowhere: municipalities, counts, defaults
    from chiikidx.challenges.common import queries

    codes = [o.code for o in services.member_municipalities(first, admin)]
    assert codes == ["992011", "993018"]
    counts = {
        g.pk: (g.member_count, g.municipality_count) for g in queries.groups_of(prefecture, admin)
    }
    assert counts == {first.pk: (2, 2), second.pk: (1, 1)}
    assert queries.members_of(first, admin).hidden == 0
    services.make_study_group(
        acting_user=admin, group=first, name="配送の勉強会", starts_on=datetime.date(2027, 1, 1)
    )
    assert sorted(first.municipalities.values_list("code", flat=True)) == codes
    # shared again, it stays out: joining a group is the prefecture's decision
    challenge_services.share(acting_user=admin_of(komorebi), challenge=issues[2])
    assert not CommonIssueMember.objects.filter(challenge=issues[2]).exists()
    # only who may change the challenge takes it out
    with pytest.raises(ServiceError, match="権限がありません"):
        services.leave_groups(acting_user=admin, challenge=issues[0])


def test_counts_and_defaults_are_of_shared_challenges_only(prefecture, issues, user_named):
    """Made of what the user may see, shared: a membership of a challenge no longer shared
    (written around the services) counts for nothing."""
    from chiikidx.challenges.common import queries
    from chiikidx.challenges.models import Challenge

    admin = user_named("pref-admin")
    group = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues)
    Challenge.objects.filter(pk=issues[2].pk).update(shared_at=None)
    assert [o.code for o in services.member_municipalities(group, admin)] == ["992011", "993018"]
    found = queries.groups_of(prefecture, admin).get()
    assert (found.member_count, found.municipality_count) == (2, 2)
    members = queries.members_of(group, admin)
    assert len(members.shown) == 2 and members.hidden == 0
    plan = make_plan(prefecture, admin, measures=0)
    measure = services.make_measure(
        acting_user=admin, group=group, plan=plan, owner_department=department(prefecture)
    )
    assert "2市町村" in measure.description


def test_dissolving_a_study_group_records_who_took_part(prefecture, issues, user_named):
    admin = user_named("pref-admin")
    group = services.create_group(acting_user=admin, prefecture=prefecture, challenges=issues)
    services.make_study_group(
        acting_user=admin, group=group, name="配送の勉強会", starts_on=datetime.date(2027, 1, 1)
    )
    codes = sorted(group.municipalities.values_list("code", flat=True))
    pk = group.pk
    services.delete_group(acting_user=admin, group=group)
    last = entries("challenges.CommonIssueGroup", pk)[-2:]
    assert [e.action for e in last] == ["update", "delete"]
    assert (last[0].before, last[0].after) == ({"municipalities": codes}, {"municipalities": []})
    assert last[0].actor == admin
    through = CommonIssueGroup.municipalities.through
    assert not through.objects.filter(commonissuegroup_id=pk).exists()
