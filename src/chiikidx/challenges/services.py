"""Writes of challenges (課題): atomic, with the acting user, audited through the models.

Dialogue records, processes and the prefecture's groups have their own services modules; they
create challenges through `create_challenge` here, so the rules live in one place. The page's
form, the Excel import and the API check with the same rules and messages (`field_problem`,
`source_problem`, `value_problem`), and the services check them again:
- 分野 from the organization's list (a 分野 since removed stays on the challenge that has it);
- by hand the source is 職員の気づき, アセスメント or その他; 対話の記録, 住民の意見 and
  業務プロセス come with their link (the record, the opinion, the step), which belongs to the
  same organization;
- the title and the other short texts fit their columns (refused, never cut), and the number of
  people affected is 0 to AFFECTED_COUNT_MAX.

The status flow (choices.STATUS_FLOW): 候補 → 採択 → 施策化 → 解決 / 見送り. 施策化 comes first from
making a plan measure (`make_measure`); the challenge stays linked to that measure, so from then
on it moves only among 施策化, 解決 and 見送り (解決 or 見送り can go back to 施策化, never to
候補 or 採択). A challenge without a measure never goes to 施策化 by hand.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import access, audit
from chiikidx.core.services import ServiceError

from .choices import REASON_REQUIRED, STATUS_FLOW, Axis, ChallengeStatus, Scope, SourceKind
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
# The three scores (裨益性, 難易度, 緊急性): the form, the scoring table and the import use these.
SCORE_FIELDS = tuple(axis.value for axis in Axis)
SETTINGS_FIELDS = ("fields", "weight_benefit", "weight_ease", "weight_urgency")
# A plan measure is made from a challenge still being considered, not one closed or deferred.
MEASURABLE = (ChallengeStatus.CANDIDATE, ChallengeStatus.ADOPTED)
# Where a linked challenge may go: it keeps its measure (施策化, then 解決 or 見送り and back).
LINKED_STATUSES = (ChallengeStatus.MEASURED, ChallengeStatus.RESOLVED, ChallengeStatus.DEFERRED)
# Sources a person picks by hand; the others come with their link when a challenge is made from
# a dialogue record, an opinion or a process step.
HAND_SOURCES = (SourceKind.STAFF, SourceKind.ASSESSMENT, SourceKind.OTHER)
LINKED_SOURCES = {
    SourceKind.DIALOGUE: "source_record",
    SourceKind.OPINION: "source_opinion",
    SourceKind.PROCESS: "source_step",
}
# Short texts are refused beyond their column's length (PostgreSQL would fail, SQLite keep them).
TEXT_LIMITS = {
    name: Challenge._meta.get_field(name).max_length
    for name in ("title", "field", "affected", "source_note")
}
ESCALATION_NOTE_LIMIT = 2000
# 影響を受ける人数(概数): more than the people of Japan is a typing mistake.
AFFECTED_COUNT_MAX = 200_000_000


def settings_for(organization) -> ChallengeSettings:
    """The organization's settings, unsaved defaults when it has none yet (reading writes
    nothing). Read once per organization object (a request's, an import's, a demo's), so the
    分野 check of each new or changed challenge costs no query; `save_settings` keeps it
    current. Treat the result as read-only."""
    found = organization.__dict__.get(_SETTINGS_KEY)
    if found is None:
        found = _read_settings(organization)
        organization.__dict__[_SETTINGS_KEY] = found
    return found


_SETTINGS_KEY = "_challenge_settings"


def _read_settings(organization) -> ChallengeSettings:
    found = ChallengeSettings.objects.filter(organization=organization).first()
    return found or ChallengeSettings(organization=organization)


@transaction.atomic
def save_settings(*, acting_user, organization, **values) -> ChallengeSettings:
    if not access.can(acting_user, "manage", organization):
        raise ServiceError(_("課題の設定を変更できるのは団体の管理者だけです。"))
    found = _read_settings(organization)  # a copy: a refused change leaves the read one alone
    for name in SETTINGS_FIELDS:
        if name in values:
            setattr(found, name, values[name])
    found.fields = _clean_fields(found.fields)
    if sum(found.weights) <= 0:
        raise ServiceError(_("重みのどれか一つは1以上にしてください。"))
    with audit.acting_as(acting_user):
        found.save()
    organization.__dict__[_SETTINGS_KEY] = found
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


def value_problem(name: str, value) -> str:
    """What is wrong with a short text or the number of people affected ("" if nothing)."""
    if name in TEXT_LIMITS and value is not None and len(str(value)) > TEXT_LIMITS[name]:
        return _("%(label)sは%(n)s文字以内で入力してください(今は%(len)s文字です)。") % {
            "label": Challenge._meta.get_field(name).verbose_name,
            "n": TEXT_LIMITS[name],
            "len": len(str(value)),
        }
    if name == "affected_count" and value is not None and not 0 <= value <= AFFECTED_COUNT_MAX:
        return _("影響を受ける人数は0から%(max)sまでの整数で入力してください。") % {
            "max": f"{AFFECTED_COUNT_MAX:,}"
        }
    return ""


def field_problem(fields: list[str], value: str, current: str = "") -> str:
    """Why `value` cannot be the 分野 ("" if it can): the organization's list, or the 分野 the
    challenge has now (a 分野 since removed from the list stays where it is)."""
    if not value or value == current or value in fields:
        return ""
    return _(
        "分野の一覧にない分野です。次のいずれかを書いてください"
        "(一覧は団体の「課題の設定」で変えられます): %(allowed)s"
    ) % {"allowed": "、".join(fields)}


def source_problem(kind: str, challenge: Challenge | None = None, links: dict | None = None) -> str:
    """Why `kind` cannot be the source ("" if it can): 職員の気づき, アセスメント or その他 by
    hand; 対話の記録, 住民の意見 and 業務プロセス only with their link (given in `links`, or the
    challenge's own), that is when made from that record, opinion or step."""
    if kind in HAND_SOURCES:
        return ""
    if kind in LINKED_SOURCES:
        name = LINKED_SOURCES[kind]
        linked = (links or {}).get(name) is not None or (
            challenge is not None and getattr(challenge, f"{name}_id") is not None
        )
        if linked:
            return ""
    allowed = "、".join(str(SourceKind(k).label) for k in HAND_SOURCES)
    if kind in LINKED_SOURCES:
        return _(
            "出どころ「%(kind)s」は、対話の記録・住民の意見・業務プロセスのページから課題を作ると"
            "付きます。ここでは次のいずれかを選んでください: %(allowed)s"
        ) % {"kind": SourceKind(kind).label, "allowed": allowed}
    return _("出どころは次のいずれかを選んでください: %(allowed)s") % {"allowed": allowed}


def _check_values(organization, fields: dict, challenge: Challenge | None = None) -> None:
    """The rules every entry point shares (see the module docstring); only what is given and
    changed is checked, so an unchanged challenge reads no settings."""
    _check_department(organization, fields.get("department"))
    _check_scores(fields)
    for name in (*TEXT_LIMITS, "affected_count"):
        problem = value_problem(name, fields.get(name))
        if problem:
            raise ServiceError(problem)
    current = challenge.field if challenge is not None else ""
    value = fields.get("field") or ""
    if value and value != current:
        problem = field_problem(settings_for(organization).fields or [], value, current)
        if problem:
            raise ServiceError(problem)
    _check_sources(organization, fields)
    if "source_kind" in fields:
        problem = source_problem(fields["source_kind"], challenge, fields)
        if problem:
            raise ServiceError(problem)


def _check_sources(organization, fields: dict) -> None:
    """A linked record, opinion or step belongs to the challenge's organization (read through
    the objects the callers already hold: no query for a record, an opinion of that record or a
    step whose process is loaded)."""
    owners = []
    if fields.get("source_record") is not None:
        owners.append(fields["source_record"].organization_id)
    if fields.get("source_opinion") is not None:
        owners.append(fields["source_opinion"].record.organization_id)
    if fields.get("source_step") is not None:
        owners.append(fields["source_step"].process.organization_id)
    if any(owner != organization.pk for owner in owners):
        raise ServiceError(_("出どころの記録・意見・手順は、この団体のものから選んでください。"))


@transaction.atomic
def create_challenge(*, acting_user, organization, **fields) -> Challenge:
    """A new 候補. 原課担当 create challenges of their own department only."""
    department = fields.get("department")
    if not access.can_create_in(acting_user, organization, department):
        raise ServiceError(_("この団体の課題を登録する権限がありません。"))
    values = {k: v for k, v in fields.items() if k in CHALLENGE_FIELDS}
    values["title"] = (values.get("title") or "").strip()
    if not values["title"]:
        raise ServiceError(_("課題の名前を入力してください。"))
    _check_values(organization, values)
    with audit.acting_as(acting_user):
        return Challenge.objects.create(organization=organization, **values)


@transaction.atomic
def update_challenge(*, acting_user, challenge: Challenge, **fields) -> Challenge:
    check_change(acting_user, challenge)
    values = {k: v for k, v in fields.items() if k in CHALLENGE_FIELDS}
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            raise ServiceError(_("課題の名前を入力してください。"))
    _check_values(challenge.organization, values, challenge)
    for name, value in values.items():
        setattr(challenge, name, value)
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
    """Where the status may go by hand. A challenge linked to a plan measure keeps it: only
    施策化, 解決 and 見送り (back to 施策化 from 解決・見送り). One without a measure goes to
    施策化 only by making a measure (`make_measure`), never by hand."""
    allowed = STATUS_FLOW.get(challenge.status, ())
    if challenge.measure_id is not None:
        return tuple(s for s in allowed if s in LINKED_STATUSES)
    return tuple(s for s in allowed if s != ChallengeStatus.MEASURED)


def status_problem(challenge: Challenge, status: str) -> str:
    """Why the challenge cannot move to `status` by hand ("" if it can); the page, the API and
    the import say the same."""
    if status not in ChallengeStatus.values:
        allowed = "、".join(str(label) for label in ChallengeStatus.labels)
        return _("状態は次のいずれかを選んでください: %(allowed)s") % {"allowed": allowed}
    if status == ChallengeStatus.MEASURED and challenge.measure_id is None:
        return _(
            "「施策化」は、課題から計画の施策を作ると付きます"
            "(課題のページの「施策にする」か、優先度マップで選んで)。"
        )
    allowed = next_statuses(challenge)
    if status in allowed:
        return ""
    names = "、".join(str(ChallengeStatus(s).label) for s in allowed) or _("なし")
    if challenge.measure_id is not None and status not in LINKED_STATUSES:
        return _(
            "施策になった課題は、「施策化」「解決」「見送り」の間で状態を変えます。"
            "変えられるのは: %(allowed)s"
        ) % {"allowed": names}
    return _("「%(from)s」からは「%(to)s」に変えられません。変えられるのは: %(allowed)s") % {
        "from": ChallengeStatus(challenge.status).label,
        "to": ChallengeStatus(status).label,
        "allowed": names,
    }


@transaction.atomic
def set_status(*, acting_user, challenge: Challenge, status: str, reason: str = "") -> Challenge:
    check_change(acting_user, challenge)
    problem = status_problem(challenge, status)
    if problem:
        raise ServiceError(problem)
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
    """Hide the challenge from the prefecture again; it also leaves every prefecture group, so
    it no longer counts there nor names its municipality to anyone."""
    from .common.services import leave_groups  # here: the common issues build on this module

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
    leave_groups(acting_user=acting_user, challenge=challenge)
    return challenge


@transaction.atomic
def escalate(*, acting_user, challenge: Challenge, note: str | None = None) -> Challenge:
    """Put the challenge in the prefecture's queue: 県・広域で対応, shared, with what is asked.
    A note given replaces the one before (blank clears it; the page's form starts from the
    current note); None (the API without `note`) keeps it."""
    check_change(acting_user, challenge)
    if note is not None and len(note.strip()) > ESCALATION_NOTE_LIMIT:
        raise ServiceError(
            _("県・広域に求めることは%(n)s文字以内で書いてください。")
            % {"n": f"{ESCALATION_NOTE_LIMIT:,}"}
        )
    now = timezone.now()
    challenge.scope = Scope.WIDE
    challenge.escalated_at = challenge.escalated_at or now
    challenge.shared_at = challenge.shared_at or now
    if note is not None:
        challenge.escalation_note = note.strip()
    with audit.acting_as(acting_user):
        challenge.save()
    return challenge


@transaction.atomic
def withdraw_escalation(*, acting_user, challenge: Challenge) -> Challenge:
    """Out of the prefecture's queue: what was asked is no longer asked, so the note goes (the
    audit log keeps it). The challenge stays shared and its 対応主体 stays 県・広域で対応 until
    someone changes it: withdrawing says nothing about who can solve it."""
    check_change(acting_user, challenge)
    challenge.escalated_at = None
    challenge.escalation_note = ""
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
        new_policy_title=_("課題からの候補"),
    )
    challenge.measure = measure
    challenge.status = ChallengeStatus.MEASURED
    challenge.status_reason = ""
    with audit.acting_as(acting_user):
        challenge.save()
    return measure
