"""The status flow (every allowed and refused move, reasons), sharing and escalation, 原課担当's
department, and 「施策にする」 (plans being written only, linked both ways, audited)."""

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
# Every move a person may make by hand (施策化 comes only from making a plan measure).
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
MOVES = [(a, b) for a in S for b in S if a != b]


@pytest.fixture
def admin(user_named):
    return user_named("muni-admin-1")


@pytest.fixture
def aoba(org_coded):
    return org_coded(AOBA)


def _in_status(org, status) -> Challenge:
    challenge = make_challenge(org)
    Challenge.objects.filter(pk=challenge.pk).update(status=status)
    return Challenge.objects.get(pk=challenge.pk)


def test_the_table_of_allowed_moves_is_the_flow_without_measured():
    flow = {(a, b) for a, targets in STATUS_FLOW.items() for b in targets if b != S.MEASURED}
    assert flow == ALLOWED


@pytest.mark.parametrize(("current", "target"), MOVES, ids=lambda s: str(s))
def test_every_move_is_allowed_or_refused_as_the_flow_says(current, target, aoba, admin):
    challenge = _in_status(aoba, current)
    before = AuditEntry.objects.count()
    if (current, target) in ALLOWED:
        services.set_status(
            acting_user=admin, challenge=challenge, status=target, reason="予算がつかないため"
        )
        challenge.refresh_from_db()
        assert challenge.status == target
        assert AuditEntry.objects.count() == before + 1
        return
    with pytest.raises(ServiceError) as refused:
        services.set_status(acting_user=admin, challenge=challenge, status=target, reason="理由")
    challenge.refresh_from_db()
    assert challenge.status == current
    assert AuditEntry.objects.count() == before
    if target == S.MEASURED:
        assert "施策を作って" in str(refused.value)
    else:
        expected = f"「{current.label}」から「{target.label}」には変えられません。"
        assert str(refused.value) == expected


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
