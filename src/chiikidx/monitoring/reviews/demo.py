"""Demo PDCA reviews: every demo organization with a plan gets quarterly reviews of its main
plan — the five quarters before the last one ended, signed off, and a draft of the last one.

The Plan and Do sections of the signed-off reviews are computed from the demo plan and KPIs
(as a sign-off would freeze them); the Check is written from those figures. Follow-ups show
the cycle: most are done, one was dropped, one was carried into the next review and finished
there, one was carried into the draft, and one is overdue and still open — owned by a demo
user (muni-staff-1 in あおば市, muni-staff-2 in わかば町), so it is in their 「自分の作業」 and at
the top of the draft. Runs after the KPIs' demo; deterministic for a given day; idempotent
(an organization with reviews is left alone); reviews and follow-ups are bulk-inserted
(audited), a fixed number of statements per organization.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.choices import OrgKind
from chiikidx.core.models import Department
from chiikidx.plans.models import Plan

from ..periods import Period, period_of
from . import sections
from .choices import Assessment, Direction, FollowUpStatus, PeriodKind, ReviewStatus
from .models import Review, ReviewFollowUp

SIGNED = 5  # signed-off quarters before the draft
HELD_AFTER = datetime.timedelta(days=20)  # the meeting, after the quarter ends
# Who acts, who owns the overdue follow-up, and who owns the carried one (by the org's suffix).
ACTORS = {"000": "pref-admin", "201": "muni-admin-1", "301": "muni-admin-2"}
OVERDUE_OWNERS = {"201": "muni-staff-1", "301": "muni-staff-2"}
CARRIED_OWNERS = {"201": "dept-staff-1"}
PARTICIPANTS = "企画課長、DX推進室長、各施策の担当課の係長"

# (title, detail, the department that owns it by preference)
ACTIONS = [
    (
        "申請画面の入力項目を減らし、スマートフォンで試す",
        "伸びていない手続の画面を、住民3人に実際に使ってもらい、つまずいた項目を直す。",
        ("住民課", "DX推進室", "企画課"),
    ),
    (
        "広報紙とLINEで電子申請を案内する",
        "利用が伸びない原因を周知不足と見て、広報紙の特集とLINEの配信で案内する。",
        ("企画課", "DX推進室", "総務課"),
    ),
    (
        "遅延している施策の工程を組み直す",
        "担当課と工程を見直し、次の推進本部会議で新しい期限を報告する。",
        ("DX推進室", "企画課", "総務課"),
    ),
    (
        "窓口職員向けにデジタル手続の説明会を開く",
        "窓口で電子申請を案内できるよう、各課の窓口担当に説明する。",
        ("総務課", "DX推進室", "企画課"),
    ),
    (
        "KPIの実績の入力漏れをなくす",
        "入力期限を過ぎたKPIの担当者に連絡し、月初の入力を定例にする。",
        ("DX推進室", "企画課", "総務課"),
    ),
    (
        "次年度の予算要求の内容を整理する",
        "効果の出ている施策と見直す施策を分け、予算要求に反映する。",
        ("企画課", "総務課", "DX推進室"),
    ),
]
CANCEL_NOTE = "県の共同調達に切り替えたため、単独での実施は取りやめました。"


@dataclass
class Job:
    """One organization's reviews: its plan, the users and departments named in them."""

    org: object
    suffix: str
    plan: object
    actor: object
    users: dict
    departments: dict
    homes: dict = field(default_factory=dict)  # demo username → their department here
    reviews: list = field(default_factory=list)


def extend(spec, orgs: dict, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    draft = period_of(PeriodKind.QUARTERLY, today).previous()
    periods = [draft]
    for _i in range(SIGNED):
        periods.insert(0, periods[0].previous())
    jobs = _jobs(spec, orgs, periods)
    for actor, own in _by_actor(jobs).items():
        with audit.acting_as(actor):
            _build(own, periods, today)


def _jobs(spec, orgs: dict, periods: list[Period]) -> list[Job]:
    candidates = [o for o in orgs.values() if o.kind != OrgKind.WARD]
    built = set(
        Review.objects.filter(organization__in=candidates).values_list("organization_id", flat=True)
    )
    todo = sorted((o for o in candidates if o.pk not in built), key=lambda o: o.code)
    revised = Exists(Plan.objects.filter(previous_id=OuterRef("pk")))
    plans: dict = {}
    for plan in (
        Plan.objects.filter(organization__in=todo)
        .annotate(revised=revised)
        .filter(revised=False)
        .select_related("organization")
        .order_by("organization_id", "-start_fy", "pk")
    ):
        plans.setdefault(plan.organization_id, plan)
    names = {*ACTORS.values(), *OVERDUE_OWNERS.values(), *CARRIED_OWNERS.values()}
    users = {
        u.username.removeprefix(spec.user_prefix): u
        for u in get_user_model()
        .objects.filter(username__in=[spec.user_prefix + n for n in names])
        .prefetch_related("memberships")
    }
    departments: dict = {}
    for d in Department.objects.filter(organization__in=todo, is_archived=False):
        departments.setdefault(d.organization_id, {})[d.name] = d
    jobs = []
    for org in todo:
        plan = plans.get(org.pk)
        if plan is None or not departments.get(org.pk):
            continue  # reviews once the organization has a plan
        if not all(plan.start_fy <= p.fiscal_year <= plan.end_fy for p in periods):
            continue
        suffix = next(
            (s for s in (*ACTORS, *OVERDUE_OWNERS) if org.code == core_demo.code(spec, s)), ""
        )
        depts = departments[org.pk]
        by_id = {d.pk: d for d in depts.values()}
        own, homes = {}, {}
        for name, u in users.items():
            for m in u.memberships.all():
                if m.organization_id == org.pk and m.is_active:
                    own[name] = u
                    homes[name] = by_id.get(m.department_id)
        actor = own.get(ACTORS.get(suffix, ""))
        jobs.append(Job(org, suffix, plan, actor, own, depts, homes))
    return jobs


def _by_actor(jobs: list[Job]) -> dict:
    found: dict = {}
    for job in jobs:
        found.setdefault(job.actor, []).append(job)
    return found


def _build(jobs: list[Job], periods: list[Period], today: datetime.date) -> None:
    for job in jobs:
        inputs = sections.gather_scope(job.plan)
        previous = None
        for i, period in enumerate(periods):
            signed = i < len(periods) - 1
            review, previous = _review(job, inputs, period, signed, previous, today)
            job.reviews.append(review)
    reviews = Review.objects.bulk_create([r for job in jobs for r in job.reviews])
    made = iter(reviews)
    for job in jobs:
        job.reviews = [next(made) for _r in job.reviews]
    first, carried = [], []
    for job in jobs:
        own_first, own_carried = _follow_ups(job, periods, today)
        first += own_first
        carried += own_carried
    ReviewFollowUp.objects.bulk_create(first)
    for item in carried:
        item.carried_from_id = item.carried_from.pk
    ReviewFollowUp.objects.bulk_create(carried)


def _held(period: Period, today: datetime.date) -> datetime.date:
    return min(period.end + HELD_AFTER, today)


def _review(job: Job, inputs, period: Period, signed: bool, previous, today) -> tuple:
    """The review of one quarter, and its Do section (the next quarter compares with it)."""
    held = _held(period, today)
    signed_on = min(held + datetime.timedelta(days=2), today)
    plan_section = sections.plan_section(inputs, period)
    do = sections.do_section(inputs, period, signed_on if signed else None)
    assessment, text, decisions, direction = _check(do, previous)
    review = Review(
        organization=job.org,
        plan=job.plan,
        period_kind=PeriodKind.QUARTERLY,
        period_start=period.start,
        period_end=period.end,
        held_on=held,
        participants=PARTICIPANTS,
        assessment=assessment,
        assessment_text=text,
        kpi_remarks=_remarks(do),
        decisions=decisions,
        direction=direction,
        created_by=job.actor,
        updated_by=job.actor,
    )
    if signed:
        review.status = ReviewStatus.SIGNED_OFF
        review.plan_snapshot, review.do_snapshot = plan_section, do
        review.signed_off_by = job.actor
        review.signed_off_at = timezone.make_aware(
            datetime.datetime.combine(signed_on, datetime.time(17))
        )
    else:
        # The draft: the meeting was held, the Check is being written, nothing decided yet.
        review.assessment, review.direction, review.decisions = "", "", ""
    return review, do


def _check(do: dict, previous: dict | None) -> tuple[str, str, str, str]:
    """The overall assessment and its text, written from the Do figures."""
    counts = {s["value"]: s["count"] for s in do["status_counts"]}
    kpis = do["kpis"]
    off = [k for k in kpis if k["status"] in ("off_track", "stale")]
    risk = [k for k in kpis if k["status"] == "at_risk"]
    flat = [k for k in kpis if k["not_growing"]]
    delayed, caution = counts.get("delayed", 0), counts.get("caution", 0)
    if off or delayed >= 3:
        assessment = Assessment.ISSUES
    elif risk or flat or delayed or caution:
        assessment = Assessment.SOME_ISSUES
    else:
        assessment = Assessment.GOOD
    lines = [_progress_line(do, previous)]
    lines.append(f"施策は遅延 {delayed}件・注意 {caution}件・完了 {counts.get('done', 0)}件です。")
    if kpis:
        good = sum(1 for k in kpis if k["status"] == "on_track")
        lines.append(f"KPIは順調 {good}件・注意 {len(risk)}件・遅れや未更新 {len(off)}件です。")
    if flat:
        names = "、".join(f"「{k['name']}」" for k in flat)
        lines.append(
            f"{names}は利用が伸びていません。何のためにやっているのか(住民の手間を減らす)に"
            "立ち返ると、件数を追うより、使いにくさと知られていないことが課題です。"
        )
    decisions = []
    if flat:
        decisions.append("伸びていない取組は、画面の使い勝手(UI/UX)と周知の方法を見直す。")
    if delayed or off:
        decisions.append("遅延している施策と遅れているKPIは、担当課と工程を見直し、次回報告する。")
    decisions.append("順調な施策はこのまま継続する。")
    direction = Direction.CONTINUE if assessment == Assessment.GOOD else Direction.IMPROVE
    return assessment, "\n".join(lines), "\n".join(decisions), direction


def _progress_line(do: dict, previous: dict | None) -> str:
    progress = do["progress"]
    if progress is None:
        return "進捗を積み上げられる施策はまだありません。"
    if previous is None or previous.get("progress") is None:
        return f"施策の進捗(積み上げ)は{progress}%です。"
    gain = float(progress) - float(previous["progress"])
    return f"施策の進捗(積み上げ)は{progress}%で、前の四半期から{gain:+.1f}ポイントです。"


def _remarks(do: dict) -> dict:
    found = {}
    for k in do["kpis"]:
        if k["not_growing"]:
            found[str(k["id"])] = "伸びていない。周知の方法と申請画面の使い勝手を見直す。"
        elif k["status"] == "stale":
            found[str(k["id"])] = "実績の入力が止まっている。担当者に確認する。"
    return found


def _department(job: Job, names: tuple) -> Department:
    found = next((job.departments[n] for n in names if n in job.departments), None)
    return found or next(iter(job.departments.values()))


def _item(job: Job, review: Review, n: int, due: datetime.date, **values) -> ReviewFollowUp:
    title, detail, departments = ACTIONS[n % len(ACTIONS)]
    return ReviewFollowUp(
        review=review,
        title=title,
        detail=detail,
        owner_department=_department(job, departments),
        due_on=due,
        **values,
    )


def _follow_ups(job: Job, periods: list[Period], today) -> tuple[list, list]:
    """Two follow-ups per review; see the module's docstring for how each one ended."""
    first, carried = [], []
    last_signed = len(periods) - 2
    for i, (review, period) in enumerate(zip(job.reviews, periods, strict=True)):
        due = period.next().end
        held_next = _held(period.next(), today)
        if i < last_signed:
            done = _item(
                job,
                review,
                i * 2,
                due,
                status=FollowUpStatus.DONE,
                closed_on=min(due - datetime.timedelta(days=12), today),
                note="予定どおり終えました。",
            )
            first.append(done)
            if i == 0:
                second = _item(
                    job,
                    review,
                    i * 2 + 1,
                    due,
                    status=FollowUpStatus.CANCELLED,
                    closed_on=min(due - datetime.timedelta(days=30), today),
                    note=CANCEL_NOTE,
                )
            elif i == 1:
                # Carried into the next review and finished there.
                second = _item(
                    job,
                    review,
                    i * 2 + 1,
                    due,
                    status=FollowUpStatus.CARRIED,
                    closed_on=held_next,
                    note="期限までに終わらず、次の四半期に繰り越しました。",
                )
                carried.append(
                    _item(
                        job,
                        job.reviews[i + 1],
                        i * 2 + 1,
                        periods[i + 1].next().end,
                        status=FollowUpStatus.DONE,
                        closed_on=min(periods[i + 1].next().end, today),
                        carried_from=second,
                        note="繰り越したあと、終えました。",
                    )
                )
            else:
                second = _item(
                    job,
                    review,
                    i * 2 + 1,
                    due,
                    status=FollowUpStatus.DONE,
                    closed_on=min(due - datetime.timedelta(days=3), today),
                )
            first.append(second)
        elif i == last_signed:
            first += _last_signed(job, review, i, due, held_next, carried)
        else:
            first.append(
                _item(job, review, 5, period.next().end, status=FollowUpStatus.NOT_STARTED)
            )
    return first, carried


def _last_signed(job: Job, review: Review, i: int, due, held_next, carried: list) -> list:
    """The review before the draft: one follow-up carried into the draft, one still open and
    overdue (owned by a demo user where there is one)."""
    draft = job.reviews[i + 1]
    moved = _item(
        job,
        review,
        2,
        due,
        status=FollowUpStatus.CARRIED,
        closed_on=held_next,
        note="半分まで進みました。残りを次の四半期に繰り越します。",
    )
    name = CARRIED_OWNERS.get(job.suffix, "")
    owner = job.users.get(name)
    copy = _item(
        job,
        draft,
        2,
        draft.period.next().end,
        status=FollowUpStatus.IN_PROGRESS,
        carried_from=moved,
        note="残りの課で進めています。",
    )
    if owner is not None:
        copy.owner_user = owner
        copy.owner_department = job.homes.get(name) or copy.owner_department
    carried.append(copy)
    late = _item(job, review, 1, due, status=FollowUpStatus.IN_PROGRESS)
    late.note = "原稿はできたが、掲載の調整が残っています。"
    name = OVERDUE_OWNERS.get(job.suffix, "")
    owner = job.users.get(name)
    if owner is not None:
        late.owner_user = owner
        late.owner_department = job.homes.get(name) or late.owner_department
    return [moved, late]
