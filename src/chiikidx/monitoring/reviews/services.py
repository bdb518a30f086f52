"""Writes of PDCA reviews: atomic, with the acting user, audited through the models. Pages and
API call these, so they accept and refuse the same input with the same Japanese messages.

Who may do what (decided here and in core.access, see docs/decisions/0006):
- create a review, edit it while it is a draft, add, change and delete its follow-ups, carry
  earlier follow-ups into it, delete a draft: the organization's staff (団体の管理者・職員,
  access "change");
- sign off (承認) and reopen (承認を取り消す, with a reason): the organization's admins
  (access "manage"), as for closing a reporting period;
- update a follow-up's status: its owner (担当者), the 原課担当 of its owner department and the
  organization's staff (access.can(user, "change", follow_up)), also after the review is
  signed off — follow-ups are worked on after the meeting.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import access, audit
from chiikidx.core.japanese import nendo_label, wareki
from chiikidx.core.models import Department, Membership
from chiikidx.core.services import ServiceError
from chiikidx.plans import queries as plans_queries
from chiikidx.plans.models import Measure, Plan, Policy

from ..periods import Period
from . import sections
from .choices import (
    OPEN_FOLLOW_UP,
    SETTABLE_FOLLOW_UP,
    Assessment,
    Direction,
    FollowUpStatus,
    PeriodKind,
    ReviewStatus,
)
from .models import Review, ReviewFollowUp, period_label

REVIEW_FIELDS = (
    "held_on",
    "participants",
    "assessment",
    "assessment_text",
    "kpi_remarks",
    "decisions",
    "direction",
)
FOLLOW_UP_FIELDS = ("title", "detail", "owner_user", "owner_department", "due_on")
TEXT_LIMIT = 4000
NOTE_LIMIT = 2000


class SignOffRefused(ServiceError):
    """Sign-off refused: `problems` lists every reason, each a sentence."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


# --- rights ---------------------------------------------------------------------------------


def can_edit(user, organization) -> bool:
    return access.can(user, "change", organization)


def can_sign_off(user, organization) -> bool:
    return access.can(user, "manage", organization)


def can_update_status(user, follow_up: ReviewFollowUp) -> bool:
    return access.can(user, "change", follow_up)


def _require_edit(user, organization) -> None:
    if not can_edit(user, organization):
        raise ServiceError(
            _("この団体の振り返りを作成・編集できるのは、団体の管理者・職員だけです。")
        )


def _require_manage(user, organization) -> None:
    if not can_sign_off(user, organization):
        raise ServiceError(_("振り返りの承認と承認の取消しができるのは、団体の管理者だけです。"))


def _locked_status(review: Review) -> str:
    """The review's stored status, the row locked until the transaction ends."""
    return Review.objects.select_for_update().values_list("status", flat=True).get(pk=review.pk)


def _require_draft(review: Review) -> None:
    if _locked_status(review) != ReviewStatus.DRAFT:
        raise ServiceError(
            _(
                "この振り返りは承認済みのため変更できません。変更が必要なときは、"
                "団体の管理者が「承認を取り消す」で下書きに戻してください。"
            )
        )


# --- reviews --------------------------------------------------------------------------------


def scope_organization_id(scope) -> int:
    if isinstance(scope, Plan):
        return scope.organization_id
    if isinstance(scope, Policy | Measure):
        return scope.plan.organization_id
    raise ServiceError(_("振り返りの対象は、計画・基本方針・施策のどれか1つを選んでください。"))


def scope_fields(scope) -> dict:
    if isinstance(scope, Plan):
        return {"plan": scope, "policy": None, "measure": None}
    if isinstance(scope, Policy):
        return {"plan": None, "policy": scope, "measure": None}
    return {"plan": None, "policy": None, "measure": scope}


def _scope_plan(scope) -> Plan:
    return scope if isinstance(scope, Plan) else scope.plan


def check_period(scope, period: Period, today: datetime.date) -> None:
    if period.frequency not in PeriodKind.values:
        raise ServiceError(_("期間は四半期・半期・年度のどれかで選んでください。"))
    label = period_label(period)
    if period.start > today:
        raise ServiceError(
            _("%(p)s はまだ始まっていない期間です。始まった期間を選んでください。") % {"p": label}
        )
    plan = _scope_plan(scope)
    if not plan.start_fy <= period.fiscal_year <= plan.end_fy:
        raise ServiceError(
            _("%(p)s は計画の期間(%(start)s〜%(end)s)の外です。計画の期間の中から選んでください。")
            % {"p": label, "start": nendo_label(plan.start_fy), "end": nendo_label(plan.end_fy)}
        )


@transaction.atomic
def create_review(
    *,
    acting_user,
    organization,
    scope,
    period: Period,
    held_on: datetime.date | None = None,
    participants: str = "",
    today: datetime.date | None = None,
) -> Review:
    """A draft review of `scope` (a plan, a 基本方針 or a 施策 of the organization)."""
    _require_edit(acting_user, organization)
    if scope_organization_id(scope) != organization.pk:
        raise ServiceError(_("振り返りの対象は、この団体の計画から選んでください。"))
    today = today or timezone.localdate()
    check_period(scope, period, today)
    review = Review(
        organization=organization,
        period_kind=period.frequency,
        period_start=period.start,
        period_end=period.end,
        **scope_fields(scope),
    )
    if Review.objects.filter(
        **{review.scope_kind: scope}, period_kind=period.frequency, period_start=period.start
    ).exists():
        raise ServiceError(_duplicate_message(review))
    _apply(review, {"held_on": held_on, "participants": participants})
    with audit.acting_as(acting_user):
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            raise ServiceError(_duplicate_message(review)) from None
    return review


def _duplicate_message(review: Review) -> str:
    return _(
        "%(scope)s「%(title)s」の %(period)s の振り返りはすでにあります。一覧から開いてください。"
    ) % {
        "scope": review.scope_kind_label,
        "title": review.scope_title,
        "period": review.period_label,
    }


@transaction.atomic
def update_review(*, acting_user, review: Review, **fields) -> Review:
    """Change what was recorded in a draft (開催日, 参加者, Check and Act)."""
    _require_edit(acting_user, review.organization)
    _require_draft(review)
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ServiceError(_("変更できない項目です: %(f)s") % {"f": "、".join(sorted(unknown))})
    _apply(review, fields)
    with audit.acting_as(acting_user):
        review.save()
    return review


def _apply(review: Review, fields: dict) -> None:
    for name, value in fields.items():
        if name in ("participants", "assessment_text", "decisions"):
            value = (value or "").strip()
            if len(value) > TEXT_LIMIT:
                raise ServiceError(
                    _("%(f)sは%(n)s文字以内で入力してください。")
                    % {"f": Review._meta.get_field(name).verbose_name, "n": TEXT_LIMIT}
                )
        if name == "assessment" and value and value not in Assessment.values:
            raise ServiceError(_("総合評価は 順調・一部課題あり・課題あり から選んでください。"))
        if name == "direction" and value and value not in Direction.values:
            raise ServiceError(
                _("今後の方向は 継続・改善して継続・手段を見直す・終了・中止 から選んでください。")
            )
        if name == "kpi_remarks":
            value = _remarks(value)
        setattr(review, name, value if value is not None or name == "held_on" else "")
    if review.held_on and review.held_on < review.period_start:
        raise ServiceError(
            _("開催日は期間の初日(%(d)s)以降にしてください。") % {"d": wareki(review.period_start)}
        )


def _remarks(value) -> dict:
    """KPIごとの所見: {KPIのID: 所見}; empty ones are dropped."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ServiceError(_("KPIごとの所見は、KPIのIDと所見の組で指定してください。"))
    found = {}
    for key, text in value.items():
        if not str(key).isdigit():
            raise ServiceError(_("KPIごとの所見のキーにはKPIのIDを指定してください。"))
        text = str(text or "").strip()
        if len(text) > NOTE_LIMIT:
            raise ServiceError(
                _("KPIごとの所見は%(n)s文字以内で入力してください。") % {"n": NOTE_LIMIT}
            )
        if text:
            found[str(int(key))] = text
    return found


@transaction.atomic
def delete_review(*, acting_user, review: Review) -> None:
    """Only a draft. Follow-ups carried into it go back to the earlier review as 対応中."""
    _require_edit(acting_user, review.organization)
    if _locked_status(review) != ReviewStatus.DRAFT:
        raise ServiceError(_("承認済みの振り返りは削除できません。"))
    if ReviewFollowUp.objects.filter(carried_from__review=review).exists():
        raise ServiceError(
            _("この振り返りのフォローアップが次の振り返りに繰り越されているため、削除できません。")
        )
    follow_ups = list(review.follow_ups.select_related("carried_from"))
    with audit.acting_as(acting_user):
        for item in follow_ups:
            item.delete()
            if item.carried_from is not None:
                _reopen_carried(item.carried_from)
        review.delete()


def _reopen_carried(earlier: ReviewFollowUp) -> None:
    earlier.status, earlier.closed_on = FollowUpStatus.IN_PROGRESS, None
    earlier.save()


# --- sign-off -------------------------------------------------------------------------------


def sign_off_problems(review: Review, today: datetime.date | None = None) -> list[str]:
    """Why the review cannot be signed off yet (empty: it can)."""
    today = today or timezone.localdate()
    if review.status != ReviewStatus.DRAFT:
        return [_("この振り返りはすでに承認されています。")]
    problems = []
    if review.held_on is None:
        problems.append(_("開催日を入力してください。"))
    elif review.held_on > today:
        problems.append(
            _("開催日(%(d)s)がまだ来ていません。開催してから承認してください。")
            % {"d": wareki(review.held_on)}
        )
    if not review.assessment:
        problems.append(_("評価(Check)の総合評価を選んでください。"))
    if not review.assessment_text.strip():
        problems.append(_("評価(Check)の内容を入力してください。"))
    if not review.decisions.strip():
        problems.append(
            _("改善(Act)の決定事項を入力してください(このまま続けるときも「継続」と書きます)。")
        )
    open_earlier = earlier_open_follow_ups(review)
    if open_earlier:
        problems.append(
            _(
                "前回までの振り返りのフォローアップのうち、終わっていないものが%(n)s件あります。"
                "「完了にする」か「この振り返りに繰り越す」で片付けてから承認してください。"
            )
            % {"n": len(open_earlier)}
        )
    return problems


@transaction.atomic
def sign_off(*, acting_user, review: Review, today: datetime.date | None = None) -> Review:
    """承認: the review becomes read-only and its Plan and Do sections are frozen as they are."""
    _require_manage(acting_user, review.organization)
    _locked_status(review)
    review.refresh_from_db()
    problems = sign_off_problems(review, today)
    if problems:
        raise SignOffRefused(problems)
    inputs = sections.gather(review)
    review.plan_snapshot = sections.plan_section(inputs, review.period)
    review.do_snapshot = sections.do_section(inputs, review.period)
    review.status = ReviewStatus.SIGNED_OFF
    review.signed_off_by = acting_user
    review.signed_off_at = timezone.now()
    with audit.acting_as(acting_user):
        review.save()
    return review


@transaction.atomic
def reopen(*, acting_user, review: Review, reason: str) -> Review:
    """承認を取り消す: back to a draft, with the reason recorded. The frozen sections are
    dropped (they stay in the audit log) and are frozen again at the next sign-off."""
    _require_manage(acting_user, review.organization)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("承認を取り消す理由を入力してください(監査ログに残ります)。"))
    if len(reason) > NOTE_LIMIT:
        raise ServiceError(_("理由は%(n)s文字以内で入力してください。") % {"n": NOTE_LIMIT})
    if _locked_status(review) != ReviewStatus.SIGNED_OFF:
        raise ServiceError(_("この振り返りは下書きです。取り消す承認はありません。"))
    review.status = ReviewStatus.DRAFT
    review.signed_off_by, review.signed_off_at = None, None
    review.plan_snapshot, review.do_snapshot = {}, {}
    review.reopened_by, review.reopened_at = acting_user, timezone.now()
    review.reopen_reason = reason
    with audit.acting_as(acting_user):
        review.save()
    return review


# --- earlier reviews of the same scope -------------------------------------------------------


def same_scope(review: Review):
    """Reviews of the review's scope (a 施策 also through its copies in other versions)."""
    found = Review.objects.filter(organization_id=review.organization_id)
    if review.measure_id:
        return found.filter(plans_queries.same_measure(review.measure))
    if review.policy_id:
        return found.filter(policy_id=review.policy_id)
    return found.filter(plan_id=review.plan_id)


def earlier_open_follow_ups(review: Review) -> list[ReviewFollowUp]:
    """Unfinished follow-ups of the earlier reviews of the same scope (oldest due first)."""
    earlier = same_scope(review).filter(period_start__lt=review.period_start)
    return list(
        ReviewFollowUp.objects.filter(review__in=earlier.values("pk"), status__in=OPEN_FOLLOW_UP)
        .select_related("review__organization", "owner_user", "owner_department")
        .order_by("due_on", "pk")
    )


# --- follow-ups -----------------------------------------------------------------------------


def _check_follow_up(organization, values: dict) -> None:
    title = (values.get("title") or "").strip()
    if not title:
        raise ServiceError(_("フォローアップの内容を入力してください。"))
    if len(title) > 200:
        raise ServiceError(_("フォローアップの内容は200文字以内で入力してください。"))
    values["title"] = title
    values["detail"] = (values.get("detail") or "").strip()
    if len(values["detail"]) > TEXT_LIMIT:
        raise ServiceError(_("詳細は%(n)s文字以内で入力してください。") % {"n": TEXT_LIMIT})
    if values.get("due_on") is None:
        raise ServiceError(_("フォローアップの期限を入力してください(例: 令和8年12月25日)。"))
    user, department = values.get("owner_user"), values.get("owner_department")
    if user is None and department is None:
        raise ServiceError(_("フォローアップの担当者か担当部署を選んでください。"))
    if department is not None and (
        department.organization_id != organization.pk or department.is_archived
    ):
        raise ServiceError(_("担当部署はこの団体の部署から選んでください。"))
    if (
        user is not None
        and not Membership.objects.filter(
            user=user, organization=organization, is_active=True
        ).exists()
    ):
        raise ServiceError(_("担当者はこの団体の職員(有効な所属のある人)から選んでください。"))


def _check_due(review: Review, due_on: datetime.date) -> None:
    if due_on < review.period_start:
        raise ServiceError(
            _("期限は振り返りの期間の初日(%(d)s)以降にしてください。")
            % {"d": wareki(review.period_start)}
        )


@transaction.atomic
def add_follow_up(
    *,
    acting_user,
    review: Review,
    title: str,
    due_on: datetime.date | None,
    owner_user=None,
    owner_department: Department | None = None,
    detail: str = "",
) -> ReviewFollowUp:
    _require_edit(acting_user, review.organization)
    _require_draft(review)
    values = {
        "title": title,
        "detail": detail,
        "due_on": due_on,
        "owner_user": owner_user,
        "owner_department": owner_department,
    }
    _check_follow_up(review.organization, values)
    _check_due(review, values["due_on"])
    item = ReviewFollowUp(review=review, **values)
    with audit.acting_as(acting_user):
        item.save()
    return item


@transaction.atomic
def change_follow_up(*, acting_user, follow_up: ReviewFollowUp, **fields) -> ReviewFollowUp:
    """Change what a follow-up is, who owns it and its due date (staff, review a draft)."""
    review = follow_up.review
    _require_edit(acting_user, review.organization)
    _require_draft(review)
    unknown = set(fields) - set(FOLLOW_UP_FIELDS)
    if unknown:
        raise ServiceError(_("変更できない項目です: %(f)s") % {"f": "、".join(sorted(unknown))})
    values = {name: fields.get(name, getattr(follow_up, name)) for name in FOLLOW_UP_FIELDS}
    _check_follow_up(review.organization, values)
    _check_due(review, values["due_on"])
    for name, value in values.items():
        setattr(follow_up, name, value)
    with audit.acting_as(acting_user):
        follow_up.save()
    return follow_up


@transaction.atomic
def delete_follow_up(*, acting_user, follow_up: ReviewFollowUp) -> None:
    """Remove a follow-up from a draft; one carried in goes back to its review as 対応中."""
    review = follow_up.review
    _require_edit(acting_user, review.organization)
    _require_draft(review)
    if ReviewFollowUp.objects.filter(carried_from=follow_up).exists():
        raise ServiceError(_("次の振り返りに繰り越したフォローアップは削除できません。"))
    earlier = follow_up.carried_from
    with audit.acting_as(acting_user):
        follow_up.delete()
        if earlier is not None:
            _reopen_carried(earlier)


@transaction.atomic
def set_follow_up_status(
    *,
    acting_user,
    follow_up: ReviewFollowUp,
    status: str,
    note: str | None = None,
    closed_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ReviewFollowUp:
    """Its owner, its department's 原課担当 or the staff record how a follow-up stands; a
    follow-up done (完了) or dropped (取りやめ) gets the day it ended (today by default)."""
    if not can_update_status(acting_user, follow_up):
        raise ServiceError(
            _(
                "このフォローアップの状況を更新できるのは、担当者、担当部署の職員と"
                "団体の管理者・職員だけです。"
            )
        )
    follow_up = (
        ReviewFollowUp.objects.select_for_update()
        .select_related("review__organization")
        .get(pk=follow_up.pk)
    )
    if follow_up.status == FollowUpStatus.CARRIED:
        raise ServiceError(
            _("このフォローアップは次の振り返りに繰り越しました。繰越先のものを更新してください。")
        )
    if status not in SETTABLE_FOLLOW_UP:
        raise ServiceError(_("状況は 未着手・対応中・完了・取りやめ から選んでください。"))
    today = today or timezone.localdate()
    if status in OPEN_FOLLOW_UP:
        closed_on = None
    else:
        closed_on = closed_on or follow_up.closed_on or today
        if closed_on > today:
            raise ServiceError(_("完了・取りやめの日に、まだ来ていない日は入れられません。"))
    follow_up.status, follow_up.closed_on = status, closed_on
    if note is not None:
        note = note.strip()
        if len(note) > NOTE_LIMIT:
            raise ServiceError(
                _("対応の記録は%(n)s文字以内で入力してください。") % {"n": NOTE_LIMIT}
            )
        follow_up.note = note
    with audit.acting_as(acting_user):
        follow_up.save()
    return follow_up


def default_carry_due(follow_up: ReviewFollowUp, into: Review, today: datetime.date):
    """The old due date while it is still ahead, else the end of the period after the review."""
    return follow_up.due_on if follow_up.due_on >= today else into.period.next().end


@transaction.atomic
def carry_over(
    *,
    acting_user,
    follow_up: ReviewFollowUp,
    into: Review,
    due_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ReviewFollowUp:
    """Carry an unfinished follow-up of an earlier review of the same scope into this draft:
    a new follow-up (carried_from the old one) with the same content, owner and status; the
    old one becomes 次回へ繰越."""
    _require_edit(acting_user, into.organization)
    _require_draft(into)
    today = today or timezone.localdate()
    open_earlier = {f.pk: f for f in earlier_open_follow_ups(into)}
    earlier = open_earlier.get(follow_up.pk)
    if earlier is None:
        raise ServiceError(
            _(
                "繰り越せるのは、同じ対象の前回までの振り返りの、終わっていないフォローアップだけです。"
            )
        )
    due_on = due_on or default_carry_due(earlier, into, today)
    _check_due(into, due_on)
    carried = ReviewFollowUp(
        review=into,
        title=earlier.title,
        detail=earlier.detail,
        owner_user=earlier.owner_user,
        owner_department=earlier.owner_department,
        due_on=due_on,
        status=earlier.status,
        carried_from=earlier,
    )
    earlier.status, earlier.closed_on = FollowUpStatus.CARRIED, today
    with audit.acting_as(acting_user):
        earlier.save()
        carried.save()
    return carried
