"""The status flow (every allowed and refused move, with and without a linked plan measure,
reasons), sharing and escalation (the note replaced, cleared on withdrawal), 原課担当's
department, the rules every entry point shares (分野, source, lengths, the organization of the
source), and 「施策にする」 (plans being written only, linked both ways, audited)."""

import pytest

from chiikidx.challenges import services
from chiikidx.challenges.choices import STATUS_FLOW, ChallengeStatus
from chiikidx.challenges.models import Challenge
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.plans.choices import PlanStatus, SourceKind
from chiikidx.plans.models import Plan

from ..plans.sample import department, make_plan
from .sample import make_challenge

pytestmark = pytest.mark.django_db
S = ChallengeStatus
AOBA = "992011"
# Every move a person may make by hand on a challenge without a plan measure (施策化 comes only
# from making one) …
ALLOWED = {
    (S.CANDIDATE, S.ADOPTED),
    (S.CANDIDATE, S.DEFERRED),
    (S.ADOPTED, S.RESOLVED),
    (S.ADOPTED, S.DEFERRED),
    (S.ADOPTED, S.CANDIDATE),
    (S.MEASURED, S.RESOLVED),
    (S.MEASURED, S.DEFERRED),
    (S.RESOLVED, S.ADOPTED),
    (S.DEFERRED, S.CANDIDATE),
    (S.DEFERRED, S.ADOPTED),
}
# … and on one linked to its measure: among 施策化, 解決 and 見送り only, back to 施策化 included.
ALLOWED_LINKED = {
    (S.ADOPTED, S.MEASURED),
    (S.ADOPTED, S.RESOLVED),
    (S.ADOPTED, S.DEFERRED),
    (S.CANDIDATE, S.DEFERRED),
    (S.MEASURED, S.RESOLVED),
    (S.MEASURED, S.DEFERRED),
    (S.RESOLVED, S.MEASURED),
    (S.DEFERRED, S.MEASURED),
}
MOVES = [(a, b) for a in S for b in S if a != b]


@pytest.fixture
def admin(user_named):
    return user_named("muni-admin-1")


@pytest.fixture
def aoba(org_coded):
    return org_coded(AOBA)


def _in_status(org, status, measure=None) -> Challenge:
    challenge = make_challenge(org)
    Challenge.objects.filter(pk=challenge.pk).update(status=status, measure=measure)
    return Challenge.objects.get(pk=challenge.pk)


def test_the_tables_of_allowed_moves_are_the_flow():
    flow = {(a, b) for a, targets in STATUS_FLOW.items() for b in targets}
    assert flow - {m for m in flow if m[1] == S.MEASURED} == ALLOWED
    linked = {S.MEASURED, S.RESOLVED, S.DEFERRED}
    assert {m for m in flow if m[1] in linked} == ALLOWED_LINKED


@pytest.mark.parametrize("linked", [False, True], ids=["without-measure", "with-measure"])
@pytest.mark.parametrize(("current", "target"), MOVES, ids=lambda s: str(s))
def test_every_move_is_allowed_or_refused_as_the_flow_says(current, target, linked, aoba, admin):
    measure = _plan(aoba, PlanStatus.DRAFT).measures.first() if linked else None
    challenge = _in_status(aoba, current, measure)
    allowed = ALLOWED_LINKED if linked else ALLOWED
    assert set(services.next_statuses(challenge)) == {b for a, b in allowed if a == current}
    before = AuditEntry.objects.count()
    if (current, target) in allowed:
        services.set_status(
            acting_user=admin, challenge=challenge, status=target, reason="予算がつかないため"
        )
        challenge.refresh_from_db()
        assert (challenge.status, challenge.measure) == (target, measure)
        assert AuditEntry.objects.count() == before + 1
        return
    with pytest.raises(ServiceError) as refused:
        services.set_status(acting_user=admin, challenge=challenge, status=target, reason="理由")
    challenge.refresh_from_db()
    assert challenge.status == current
    assert AuditEntry.objects.count() == before
    names = "、".join(str(b.label) for b in STATUS_FLOW[current] if (current, b) in allowed)
    if target == S.MEASURED and not linked:
        assert str(refused.value).startswith("「施策化」は、課題から計画の施策を作ると付きます")
    elif linked and target in (S.CANDIDATE, S.ADOPTED):
        assert str(refused.value) == (
            "施策になった課題は、「施策化」「解決」「見送り」の間で状態を変えます。"
            f"変えられるのは: {names or 'なし'}"
        )
    else:
        assert str(refused.value) == (
            f"「{current.label}」からは「{target.label}」に変えられません。"
            f"変えられるのは: {names or 'なし'}"
        )


def test_a_measured_challenge_resolved_or_deferred_returns_to_measured(aoba, admin):
    """The challenge keeps its measure through 解決 and 見送り, and 施策化 is offered again."""
    plan = _plan(aoba, PlanStatus.DRAFT)
    challenge = make_challenge(aoba)
    measure = services.make_measure(acting_user=admin, challenge=challenge, plan=plan)
    for target, reason in ((S.RESOLVED, "導入した"), (S.MEASURED, ""), (S.DEFERRED, "予算")):
        services.set_status(acting_user=admin, challenge=challenge, status=target, reason=reason)
        challenge.refresh_from_db()
        assert (challenge.status, challenge.measure) == (target, measure)
    assert services.next_statuses(challenge) == (S.MEASURED,)
    services.set_status(acting_user=admin, challenge=challenge, status=S.MEASURED)
    challenge.refresh_from_db()
    assert (challenge.status, challenge.status_reason) == (S.MEASURED, "")


@pytest.mark.parametrize("target", [S.RESOLVED, S.DEFERRED])
def test_resolved_and_deferred_need_a_reason(target, aoba, admin):
    challenge = _in_status(aoba, S.ADOPTED)
    with pytest.raises(ServiceError, match=f"「{target.label}」にする理由を入力してください。"):
        services.set_status(acting_user=admin, challenge=challenge, status=target, reason="  ")
    done = services.set_status(
        acting_user=admin, challenge=challenge, status=target, reason=" 国の制度改正を待つ "
    )
    assert (done.status, done.status_reason) == (target, "国の制度改正を待つ")


def test_adopting_needs_no_reason_and_clears_the_old_one(aoba, admin):
    challenge = _in_status(aoba, S.DEFERRED)
    Challenge.objects.filter(pk=challenge.pk).update(status_reason="優先度が低い")
    challenge.refresh_from_db()
    services.set_status(acting_user=admin, challenge=challenge, status=S.ADOPTED)
    challenge.refresh_from_db()
    assert (challenge.status, challenge.status_reason) == (S.ADOPTED, "")


def test_share_unshare_escalate_and_withdraw(aoba, admin):
    challenge = make_challenge(aoba)
    assert challenge.shared_at is None and challenge.scope == "self"
    services.share(acting_user=admin, challenge=challenge)
    shared_at = challenge.shared_at
    assert shared_at is not None
    services.share(acting_user=admin, challenge=challenge)  # again: nothing changes
    assert challenge.shared_at == shared_at
    services.unshare(acting_user=admin, challenge=challenge)
    assert challenge.shared_at is None
    services.escalate(acting_user=admin, challenge=challenge, note="県で様式をそろえたい")
    challenge.refresh_from_db()
    assert challenge.escalated_at is not None and challenge.shared_at is not None
    assert (challenge.scope, challenge.escalation_note) == ("wide", "県で様式をそろえたい")
    with pytest.raises(ServiceError, match="上げるのをやめる"):
        services.unshare(acting_user=admin, challenge=challenge)
    services.withdraw_escalation(acting_user=admin, challenge=challenge)
    challenge.refresh_from_db()
    assert challenge.escalated_at is None and challenge.shared_at is not None
    services.unshare(acting_user=admin, challenge=challenge)
    challenge.refresh_from_db()
    assert challenge.shared_at is None
    labels = list(
        AuditEntry.objects.filter(model_label="challenges.Challenge", object_id=str(challenge.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert labels == ["create", "update", "update", "update", "update", "update"]


def test_the_escalation_note_is_replaced_and_cleared_on_withdrawal(aoba, admin):
    challenge = make_challenge(aoba)
    services.escalate(acting_user=admin, challenge=challenge, note="様式をそろえたい")
    services.escalate(acting_user=admin, challenge=challenge)  # no note given (API): kept
    assert challenge.escalation_note == "様式をそろえたい"
    services.escalate(acting_user=admin, challenge=challenge, note=" 共同調達にしたい ")
    assert challenge.escalation_note == "共同調達にしたい"
    services.escalate(acting_user=admin, challenge=challenge, note="  ")  # blank: cleared
    assert challenge.escalation_note == ""
    with pytest.raises(ServiceError, match="2,000文字以内"):
        services.escalate(acting_user=admin, challenge=challenge, note="あ" * 2001)
    services.escalate(acting_user=admin, challenge=challenge, note="県で検討してほしい")
    services.withdraw_escalation(acting_user=admin, challenge=challenge)
    challenge.refresh_from_db()
    # no longer asked: the note goes (the audit log keeps it); shared and 県・広域 stay
    assert (challenge.escalated_at, challenge.escalation_note) == (None, "")
    assert challenge.shared_at is not None and challenge.scope == "wide"
    last = AuditEntry.objects.filter(
        model_label="challenges.Challenge", object_id=str(challenge.pk)
    ).latest("seq")
    assert last.before["escalation_note"] == "県で検討してほしい"
    assert last.after["escalation_note"] == ""


# --- the rules every entry point shares -------------------------------------------------------


def test_too_long_texts_and_counts_out_of_range_are_refused_not_cut(aoba, admin):
    before = Challenge.objects.count()
    with pytest.raises(ServiceError) as refused:
        make_challenge(aoba, title="あ" * 201)
    assert str(refused.value) == "課題は200文字以内で入力してください(今は201文字です)。"
    assert Challenge.objects.count() == before
    challenge = make_challenge(aoba, title="い" * 200, affected="子育て世帯", affected_count=0)
    assert challenge.title == "い" * 200
    for values, message in (
        ({"title": "う" * 201}, "課題は200文字以内で入力してください(今は201文字です)。"),
        (
            {"affected": "え" * 201},
            "影響を受ける人は200文字以内で入力してください(今は201文字です)。",
        ),
        (
            {"source_note": "お" * 201},
            "出どころの補足は200文字以内で入力してください(今は201文字です)。",
        ),
        (
            {"affected_count": -1},
            "影響を受ける人数は0から200,000,000までの整数で入力してください。",
        ),
        (
            {"affected_count": 200_000_001},
            "影響を受ける人数は0から200,000,000までの整数で入力してください。",
        ),
    ):
        with pytest.raises(ServiceError) as refused:
            services.update_challenge(acting_user=admin, challenge=challenge, **values)
        assert str(refused.value) == message
    challenge.refresh_from_db()
    assert (challenge.title, challenge.affected, challenge.affected_count) == (
        "い" * 200,
        "子育て世帯",
        0,
    )
    services.update_challenge(acting_user=admin, challenge=challenge, affected_count=200_000_000)


def test_the_field_comes_from_the_list_or_stays_as_it_was(aoba, admin):
    challenge = make_challenge(aoba, field="窓口")
    with pytest.raises(ServiceError, match="分野の一覧にない分野です。") as refused:
        make_challenge(aoba, field="宇宙")
    assert "防災、交通、福祉" in str(refused.value)
    services.save_settings(acting_user=admin, organization=aoba, fields=["防災", "福祉"])
    # 窓口 was removed from the list: the challenge keeps it, but no other may take it
    services.update_challenge(acting_user=admin, challenge=challenge, field="窓口", title="変更")
    with pytest.raises(ServiceError, match=r"次のいずれかを書いてください.*: 防災、福祉$"):
        make_challenge(aoba, field="窓口")
    services.update_challenge(acting_user=admin, challenge=challenge, field="福祉")
    with pytest.raises(ServiceError, match="分野の一覧にない分野です。"):
        services.update_challenge(acting_user=admin, challenge=challenge, field="窓口")
    assert Challenge.objects.get(pk=challenge.pk).field == "福祉"


def test_linked_sources_only_with_their_link(aoba, admin):
    from .dialogue_sample import make_record

    for kind in ("dialogue", "opinion", "process", "unknown"):
        with pytest.raises(ServiceError, match="職員の気づき、アセスメント、その他") as refused:
            make_challenge(aoba, source_kind=kind)
        if kind != "unknown":
            assert "のページから課題を作ると付きます" in str(refused.value)
    own = make_challenge(aoba, source_kind="assessment")
    with pytest.raises(ServiceError, match="「対話の記録」は"):
        services.update_challenge(acting_user=admin, challenge=own, source_kind="dialogue")
    record = make_record(aoba)
    linked = make_challenge(aoba, source_kind="dialogue", source_record=record)
    # kept as it is on the form, the import and the API; an opinion it was not made from: no
    services.update_challenge(acting_user=admin, challenge=linked, source_kind="dialogue")
    with pytest.raises(ServiceError, match="「住民の意見」は"):
        services.update_challenge(acting_user=admin, challenge=linked, source_kind="opinion")
    services.update_challenge(acting_user=admin, challenge=linked, source_kind="staff")


def test_sources_of_another_organization_are_refused(aoba, admin, org_coded):
    from .dialogue_sample import add_opinion, make_record
    from .process_sample import sample_step

    other = org_coded("993018")
    record = make_record(other)
    opinion = add_opinion(record)
    before = Challenge.objects.count()
    for values in (
        {"source_kind": "dialogue", "source_record": record},
        {"source_kind": "opinion", "source_record": record, "source_opinion": opinion},
        {"source_kind": "opinion", "source_opinion": opinion},
        {"source_kind": "process", "source_step": sample_step(other)},
    ):
        with pytest.raises(ServiceError) as refused:
            make_challenge(aoba, **values)
        assert (
            str(refused.value) == "出どころの記録・意見・手順は、この団体のものから選んでください。"
        )
    challenge = make_challenge(aoba)
    with pytest.raises(ServiceError, match="この団体のものから"):
        services.update_challenge(
            acting_user=admin, challenge=challenge, source_kind="dialogue", source_record=record
        )
    assert Challenge.objects.count() == before + 1
    assert Challenge.objects.get(pk=challenge.pk).source_record is None
    # the organization's own record is fine
    own = make_challenge(aoba, source_kind="dialogue", source_record=make_record(aoba))
    assert own.source_record.organization == aoba


@pytest.mark.parametrize("username", ["executive-1", "liaison", "pref-admin", "muni-admin-2"])
def test_who_may_not_change_is_refused_everything(username, aoba, user_named):
    challenge = make_challenge(aoba, shared=True)
    user = user_named(username)
    before = AuditEntry.objects.count()
    for act in (
        lambda: services.update_challenge(acting_user=user, challenge=challenge, title="変更"),
        lambda: services.set_status(acting_user=user, challenge=challenge, status=S.ADOPTED),
        lambda: services.share(acting_user=user, challenge=challenge),
        lambda: services.unshare(acting_user=user, challenge=challenge),
        lambda: services.escalate(acting_user=user, challenge=challenge),
        lambda: services.withdraw_escalation(acting_user=user, challenge=challenge),
    ):
        with pytest.raises(ServiceError, match="この課題を変更する権限がありません。"):
            act()
    with pytest.raises(ServiceError, match="登録する権限がありません"):
        services.create_challenge(acting_user=user, organization=aoba, title="新しい課題")
    assert AuditEntry.objects.count() == before


def test_department_staff_work_on_their_own_department_only(aoba, user_named):
    staff = user_named("dept-staff-1")  # 福祉課
    welfare, residents = department(aoba, "福祉課"), department(aoba, "住民課")
    own = services.create_challenge(
        acting_user=staff, organization=aoba, title="介護認定の紙の申請", department=welfare
    )
    services.set_status(acting_user=staff, challenge=own, status=S.ADOPTED)
    services.share(acting_user=staff, challenge=own)
    with pytest.raises(ServiceError):
        services.create_challenge(
            acting_user=staff, organization=aoba, title="転入届", department=residents
        )
    with pytest.raises(ServiceError):
        services.create_challenge(acting_user=staff, organization=aoba, title="部署なし")
    # nor may they move their challenge out of their department
    with pytest.raises(ServiceError, match="権限がありません"):
        services.update_challenge(acting_user=staff, challenge=own, department=residents)
    other = make_challenge(aoba, department=residents)
    with pytest.raises(ServiceError, match="権限がありません"):
        services.set_status(acting_user=staff, challenge=other, status=S.ADOPTED)
    assert Challenge.objects.get(pk=own.pk).department == welfare


def test_scores_are_one_to_five(aoba, admin):
    challenge = make_challenge(aoba)
    with pytest.raises(ServiceError, match="1から5"):
        services.set_scores(
            acting_user=admin, challenge=challenge, benefit=6, difficulty=1, urgency=1
        )
    services.set_scores(acting_user=admin, challenge=challenge, benefit=5, difficulty=1, urgency=2)
    challenge.refresh_from_db()
    assert (challenge.benefit, challenge.difficulty, challenge.urgency) == (5, 1, 2)


# --- 施策にする ---------------------------------------------------------------------------------


def _plan(org, status):
    plan = make_plan(org, title=f"計画({status})", measures=1)
    Plan.objects.filter(pk=plan.pk).update(status=status)
    return Plan.objects.get(pk=plan.pk)


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.REVISING])
def test_a_measure_is_made_in_a_plan_being_written(status, aoba, admin):
    plan = _plan(aoba, status)
    challenge = make_challenge(aoba, title="保育所の入所申請が紙だけ", field="子育て")
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    measure = services.make_measure(
        acting_user=admin,
        challenge=challenge,
        plan=plan,
        owner_department=department(aoba, "子育て支援課"),
    )
    challenge.refresh_from_db()
    assert challenge.measure == measure and challenge.status == S.MEASURED
    assert list(measure.challenges.all()) == [challenge]  # linked both ways
    assert (measure.title, measure.source_kind, measure.source_ref) == (
        "保育所の入所申請が紙だけ",
        SourceKind.CHALLENGE,
        f"challenge:{challenge.pk}",
    )
    assert measure.owner_department.name == "子育て支援課"
    new = list(AuditEntry.objects.filter(seq__gt=last))
    assert sorted((e.model_label, e.action) for e in new) == [
        ("challenges.Challenge", "update"),
        ("plans.Measure", "create"),
    ]
    (update,) = [e for e in new if e.model_label == "challenges.Challenge"]
    assert update.after == {"measure_id": measure.pk, "status": "measured"}
    assert all(e.actor_id == admin.pk for e in new)
    assert measure.policy.title == "行政手続のDX"  # the plan's first policy


def test_a_plan_without_policies_gets_one_for_candidates_from_challenges(aoba, admin):
    from chiikidx.plans import services as plan_services

    plan = plan_services.create_plan(
        acting_user=admin, organization=aoba, title="方針のない計画", start_fy=2025, end_fy=2028
    )
    measure = services.make_measure(acting_user=admin, challenge=make_challenge(aoba), plan=plan)
    assert measure.policy.title == "課題からの候補"
    assert list(plan.policies.values_list("title", flat=True)) == ["課題からの候補"]


@pytest.mark.parametrize("status", [PlanStatus.GENKA, PlanStatus.HONBU, PlanStatus.GIKAI])
def test_an_approved_plan_takes_no_measure(status, aoba, admin):
    plan = _plan(aoba, status)
    challenge = make_challenge(aoba)
    before = AuditEntry.objects.count()
    with pytest.raises(ServiceError, match="「下書き」か「改定中」の計画だけ"):
        services.make_measure(acting_user=admin, challenge=challenge, plan=plan)
    challenge.refresh_from_db()
    assert challenge.measure is None and challenge.status == S.CANDIDATE
    assert AuditEntry.objects.count() == before


def test_a_measure_is_made_once_and_only_from_an_open_challenge(aoba, admin, org_coded):
    plan = _plan(aoba, PlanStatus.DRAFT)
    challenge = make_challenge(aoba)
    services.make_measure(acting_user=admin, challenge=challenge, plan=plan)
    with pytest.raises(ServiceError, match="「施策化」の課題は施策にできません"):
        services.make_measure(acting_user=admin, challenge=challenge, plan=plan)
    deferred = _in_status(aoba, S.DEFERRED)
    with pytest.raises(ServiceError, match="「見送り」の課題は施策にできません"):
        services.make_measure(acting_user=admin, challenge=deferred, plan=plan)
    other_plan = _plan(org_coded("993018"), PlanStatus.DRAFT)
    with pytest.raises(ServiceError, match="この団体の計画から"):
        services.make_measure(acting_user=admin, challenge=make_challenge(aoba), plan=other_plan)


def test_department_staff_cannot_make_a_measure(aoba, user_named):
    plan = _plan(aoba, PlanStatus.DRAFT)
    challenge = make_challenge(aoba)  # 福祉課: dept-staff-1 may change the challenge …
    with pytest.raises(ServiceError):  # … but not the plan
        services.make_measure(
            acting_user=user_named("dept-staff-1"), challenge=challenge, plan=plan
        )
    challenge.refresh_from_db()
    assert challenge.measure is None


def test_settings_save_the_fields_and_weights(aoba, admin, user_named):
    saved = services.save_settings(
        acting_user=admin,
        organization=aoba,
        fields=[" 窓口 ", "防災", "窓口", "", "子育て"],
        weight_benefit=3,
        weight_ease=0,
        weight_urgency=1,
    )
    assert saved.fields == ["窓口", "防災", "子育て"] and saved.weights == (3, 0, 1)
    with pytest.raises(ServiceError, match="重みのどれか一つ"):
        services.save_settings(
            acting_user=admin, organization=aoba, weight_benefit=0, weight_urgency=0
        )
    with pytest.raises(ServiceError, match="管理者だけ"):
        services.save_settings(acting_user=user_named("muni-staff-1"), organization=aoba)
    assert services.settings_for(aoba).weights == (3, 0, 1)
