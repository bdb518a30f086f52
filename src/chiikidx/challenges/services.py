"""Writes of challenges (課題): atomic, with the acting user, audited through the models.

Dialogue records, processes and the prefecture's groups have their own services modules; they
create challenges through `create_challenge` here, so the rules live in one place.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import access, audit
from chiikidx.core.services import ServiceError

from .choices import REASON_REQUIRED, STATUS_FLOW, ChallengeStatus, Scope
from .models import Challenge, ChallengeSettings

CHALLENGE_FIELDS = (
    "department",
    "field",
    "title",
    "description",
    "affected",
    "affected_count",
    "benefit",
    "difficulty",
    "urgency",
    "scope",
    "timing",
    "source_kind",
    "source_record",
    "source_opinion",
    "source_step",
    "source_note",
)
SCORE_FIELDS = ("benefit", "difficulty", "urgency")
SETTINGS_FIELDS = ("fields", "weight_benefit", "weight_ease", "weight_urgency")
# A plan measure is made from a challenge still being considered, not one closed or deferred.
MEASURABLE = (ChallengeStatus.CANDIDATE, ChallengeStatus.ADOPTED)


def settings_for(organization) -> ChallengeSettings:
    """The organization's settings, unsaved defaults when it has none yet (reading writes
    nothing)."""
    found = ChallengeSettings.objects.filter(organization=organization).first()
    return found or ChallengeSettings(organization=organization)


@transaction.atomic
def save_settings(*, acting_user, organization, **values) -> ChallengeSettings:
    if not access.can(acting_user, "manage", organization):
        raise ServiceError(_("課題の設定を変更できるのは団体の管理者だけです。"))
    found = settings_for(organization)
    for name in SETTINGS_FIELDS:
        if name in values:
            setattr(found, name, values[name])
    found.fields = _clean_fields(found.fields)
    if sum(found.weights) <= 0:
        raise ServiceError(_("重みのどれか一つは1以上にしてください。"))
    with audit.acting_as(acting_user):
        found.save()
    return found


def _clean_fields(fields) -> list[str]:
    cleaned = []
    for name in fields or []:
        name = str(name).strip()
        if name and name not in cleaned:
            cleaned.append(name[:40])
    if not cleaned:
        raise ServiceError(_("分野を一つ以上入力してください。"))
    return cleaned


def check_change(user, challenge: Challenge) -> None:
    if not access.can(user, "change", challenge):
        raise ServiceError(_("この課題を変更する権限がありません。"))


def _check_department(organization, department) -> None:
    if department is not None and department.organization_id != organization.pk:
        raise ServiceError(_("部署はこの団体の部署から選んでください。"))


def _check_scores(values: dict) -> None:
    for name in SCORE_FIELDS:
        value = values.get(name)
        if value is not None and value not in (1, 2, 3, 4, 5):
            raise ServiceError(_("点数は1から5の整数で入力してください。"))


@transaction.atomic
def create_challenge(*, acting_user, organization, **fields) -> Challenge:
    """A new 候補. 原課担当 create challenges of their own department only."""
    department = fields.get("department")
    if not access.can_create_in(acting_user, organization, department):
        raise ServiceError(_("この団体の課題を登録する権限がありません。"))
    _check_department(organization, department)
    _check_scores(fields)
    if not (fields.get("title") or "").strip():
        raise ServiceError(_("課題の名前を入力してください。"))
    values = {k: v for k, v in fields.items() if k in CHALLENGE_FIELDS}
    values["title"] = values["title"].strip()[:200]
    with audit.acting_as(acting_user):
        return Challenge.objects.create(organization=organization, **values)


@transaction.atomic
def update_challenge(*, acting_user, challenge: Challenge, **fields) -> Challenge:
    check_change(acting_user, challenge)
    _check_department(challenge.organization, fields.get("department", challenge.department))
    _check_scores(fields)
    for name in CHALLENGE_FIELDS:
        if name in fields:
            setattr(challenge, name, fields[name])
    if not challenge.title.strip():
        raise ServiceError(_("課題の名前を入力してください。"))
    # A department's staff may not move a challenge out of their own department.
    check_change(acting_user, challenge)
    with audit.acting_as(acting_user):
        challenge.save()
    return challenge


@transaction.atomic
def set_scores(*, acting_user, challenge: Challenge, benefit, difficulty, urgency) -> Challenge:
    """The three scores at once (bulk scoring sends one row at a time)."""
    return update_challenge(
        acting_user=acting_user,
        challenge=challenge,
        benefit=benefit,
        difficulty=difficulty,
        urgency=urgency,
    )


def next_statuses(challenge: Challenge) -> tuple[str, ...]:
    """Where the status may go by hand (施策化 only by linking a measure)."""
    return tuple(s for s in STATUS_FLOW.get(challenge.status, ()) if s != ChallengeStatus.MEASURED)


@transaction.atomic
def set_status(*, acting_user, challenge: Challenge, status: str, reason: str = "") -> Challenge:
    check_change(acting_user, challenge)
    if status == ChallengeStatus.MEASURED:
        raise ServiceError(_("「施策化」にするには、課題から計画の施策を作ってください。"))
    if status not in next_statuses(challenge):
        raise ServiceError(
            _("「%(from)s」から「%(to)s」には変えられません。")
            % {
                "from": ChallengeStatus(challenge.status).label,
                "to": ChallengeStatus(status).label if status in ChallengeStatus.values else status,
            }
        )
    reason = (reason or "").strip()
    if status in REASON_REQUIRED and not reason:
        raise ServiceError(
            _("「%(to)s」にする理由を入力してください。") % {"to": ChallengeStatus(status).label}
        )
    challenge.status = status
    challenge.status_reason = reason
    with audit.acting_as(acting_user):
        challenge.save()
    return challenge


@transaction.atomic
def share(*, acting_user, challenge: Challenge) -> Challenge:
    """Let the prefecture (DX推進課 and liaisons) see this challenge."""
    check_change(acting_user, challenge)
    if challenge.shared_at is None:
        challenge.shared_at = timezone.now()
        with audit.acting_as(acting_user):
            challenge.save()
    return challenge


@transaction.atomic
def unshare(*, acting_user, challenge: Challenge) -> Challenge:
    check_change(acting_user, challenge)
    if challenge.escalated_at is not None:
        raise ServiceError(
            _(
                "県・広域に上げた課題は共有をやめられません。先に「上げるのをやめる」を選んでください。"
            )
        )
    challenge.shared_at = None
    with audit.acting_as(acting_user):
        challenge.save()
    return challenge


@transaction.atomic
def escalate(*, acting_user, challenge: Challenge, note: str = "") -> Challenge:
    """Put the challenge in the prefecture's queue: 県・広域で対応, shared, with what is asked."""
    check_change(acting_user, challenge)
    now = timezone.now()
    challenge.scope = Scope.WIDE
    challenge.escalated_at = challenge.escalated_at or now
    challenge.shared_at = challenge.shared_at or now
    challenge.escalation_note = (note or "").strip() or challenge.escalation_note
    with audit.acting_as(acting_user):
        challenge.save()
    return challenge


@transaction.atomic
def withdraw_escalation(*, acting_user, challenge: Challenge) -> Challenge:
    check_change(acting_user, challenge)
    challenge.escalated_at = None
    with audit.acting_as(acting_user):
        challenge.save()
    return challenge


@transaction.atomic
def make_measure(*, acting_user, challenge: Challenge, plan, owner_department=None):
    """A candidate measure in one of the organization's plans, linked both ways; the challenge
    becomes 施策化."""
    from chiikidx.plans import services as plan_services
    from chiikidx.plans.choices import SourceKind as MeasureSource

    check_change(acting_user, challenge)
    if challenge.status not in MEASURABLE:
        raise ServiceError(
            _(
                "「%(status)s」の課題は施策にできません。"
                "施策にするときは、先に状態を「採択」に戻してください。"
            )
            % {"status": ChallengeStatus(challenge.status).label}
        )
    if plan.organization_id != challenge.organization_id:
        raise ServiceError(_("計画はこの団体の計画から選んでください。"))
    if challenge.measure_id is not None:
        raise ServiceError(
            _("この課題はすでに施策「%(title)s」になっています。") % {"title": challenge.measure}
        )
    measure = plan_services.create_candidate_measure(
        acting_user=acting_user,
        plan=plan,
        owner_department=owner_department or challenge.department,
        source_kind=MeasureSource.CHALLENGE,
        source_ref=f"challenge:{challenge.pk}",
        title=challenge.title,
        description=challenge.description,
    )
    challenge.measure = measure
    challenge.status = ChallengeStatus.MEASURED
    challenge.status_reason = ""
    with audit.acting_as(acting_user):
        challenge.save()
    return measure
