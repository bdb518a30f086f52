"""PDCA reviews: the Plan and Do sections read from plans and KPIs, sign-off freezing them,
edits refused after sign-off, reopening, follow-ups carried into the next review, the owner's
status updates, 「自分の作業」 and the audit."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.monitoring import services as kpi_services
from chiikidx.monitoring.periods import period_of
from chiikidx.monitoring.reviews import queries, services
from chiikidx.monitoring.reviews.choices import FollowUpStatus, ReviewStatus
from chiikidx.monitoring.reviews.models import Review, ReviewFollowUp, period_label
from chiikidx.plans import services as plan_services
from chiikidx.plans.models import Measure, Plan

from ..plans.sample import make_plan
from .review_sample import Q1, add_follow_up, make_review
from .sample import department, make_kpi, user

pytestmark = pytest.mark.django_db

AOBA = "992011"
Q2 = Q1.next()
HELD = datetime.date(2025, 7, 15)
LOCKED = (
    "この振り返りは承認済みのため変更できません。変更が必要なときは、"
    "団体の管理者が「承認を取り消す」で下書きに戻してください。"
)


@pytest.fixture
def aoba(org_coded):
    return org_coded(AOBA)


@pytest.fixture
def plan(aoba):
    """Two measures: 施策1 順調 40% (weight 1), 施策2 遅延 10% (weight 3) → 17.5%; a monthly
    KPI of 施策1 from 100件 (令和7年3月31日) to 220件 (令和8年3月31日), 110・120・125件 in Q1."""
    found = make_plan(aoba, measures=2)
    first, second = found.measures.order_by("pk")
    admin = user("muni-admin-1")
    plan_services.update_progress(acting_user=admin, measure=first, status="on_track", progress=40)
    plan_services.update_progress(acting_user=admin, measure=second, status="delayed", progress=10)
    Measure.objects.filter(pk=second.pk).update(weight=3)
    kpi = make_kpi(aoba, code="K-01", measures=[first])
    for month, value in ((4, 110), (5, 120), (6, 125)):
        kpi_services.record_actual(
            acting_user=admin,
            kpi=kpi,
            period=period_of("monthly", datetime.date(2025, month, 1)),
            value=Decimal(value),
        )
    found.kpi = kpi
    return found


def ready(review):
    """Fill what a sign-off needs."""
    return services.update_review(
        acting_user=user("muni-staff-1"),
        review=review,
        held_on=HELD,
        assessment="some_issues",
        assessment_text="施策2が遅れています。",
        decisions="施策2の工程を見直す。",
    )


def test_period_labels():
    day = datetime.date(2026, 8, 1)
    assert period_label(period_of("quarterly", day)) == "令和8年度 第2四半期"
    assert period_label(period_of("half_yearly", day)) == "令和8年度 上期"
    assert period_label(period_of("half_yearly", datetime.date(2027, 2, 1))) == "令和8年度 下期"
    assert period_label(period_of("yearly", day)) == "令和8年度"


def test_the_plan_and_do_sections_are_read_from_the_plan_and_the_kpis(plan):
    review = make_review(plan.organization, scope=plan)
    p, d, frozen = queries.sections_of(review)
    assert frozen is False
    assert p["plan"]["vision"] == "誰一人取り残されないデジタル社会"
    assert [pol["title"] for pol in p["policies"]] == ["行政手続のDX"]
    assert p["policies"][0]["measure_count"] == 2
    # the target path on 令和7年6月30日: 100 + 120 × 91 ÷ 365 = 129.92件
    assert p["kpis"] == [
        {
            "id": plan.kpi.pk,
            "code": "K-01",
            "name": "オンライン申請件数",
            "definition": "",
            "unit": "件",
            "direction": "大きいほどよい",
            "baseline": "100件",
            "target_end": "130件",
            "target_year_end": "220件",
            "final_target": "220件",
            "final_target_date": "2026-03-31",
        }
    ]
    assert d["progress"] == "17.5"  # (40 × 1 + 10 × 3) ÷ 4
    assert {s["value"]: s["count"] for s in d["status_counts"] if s["count"]} == {
        "on_track": 1,
        "delayed": 1,
    }
    (kpi,) = d["kpis"]
    assert (kpi["status"], kpi["latest"], kpi["target"]) == ("on_track", "125件", "130件")
    assert kpi["shortfall_text"] == "3.8%不足"  # (129.92 − 125) ÷ 129.92
    assert kpi["actuals"] == [
        {"period": "令和7年4月", "value": "110件"},
        {"period": "令和7年5月", "value": "120件"},
        {"period": "令和7年6月", "value": "125件"},
    ]


def test_a_measure_review_shows_what_and_to_which_level(plan):
    measure = plan.measures.order_by("pk").first()
    Measure.objects.filter(pk=measure.pk).update(
        deliverable="申請50手続のオンライン化", target_level="利用率30%"
    )
    measure.refresh_from_db()
    review = make_review(plan.organization, scope=measure)
    p, d, _frozen = queries.sections_of(review)
    assert [
        (m["title"], m["deliverable"], m["target_level"], m["deadline"]) for m in p["measures"]
    ] == [("施策1", "申請50手続のオンライン化", "利用率30%", "2026-03-31")]
    assert d["progress"] == "40.0"
    assert [k["name"] for k in d["kpis"]] == ["オンライン申請件数"]


def test_sign_off_freezes_the_sections(plan):
    review = ready(make_review(plan.organization, scope=plan))
    services.sign_off(acting_user=user("muni-admin-1"), review=review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SIGNED_OFF
    assert review.signed_off_by.username == "muni-admin-1"
    # Later the measures move on and the June actual is corrected: the review does not change.
    first = plan.measures.order_by("pk").first()
    plan_services.update_progress(
        acting_user=user("muni-admin-1"), measure=first, status="done", progress=100
    )
    kpi_services.record_actual(
        acting_user=user("muni-admin-1"),
        kpi=plan.kpi,
        period=period_of("monthly", datetime.date(2025, 6, 1)),
        value=Decimal(90),
    )
    _p, d, frozen = queries.sections_of(Review.objects.get(pk=review.pk))
    assert frozen is True
    assert d["progress"] == "17.5"
    assert d["kpis"][0]["latest"] == "125件"
    # A draft of the same plan shows the figures as they are now: (100 × 1 + 10 × 3) ÷ 4
    draft = make_review(plan.organization, scope=plan, period=Q2)
    _p, live, frozen = queries.sections_of(draft)
    assert (frozen, live["progress"]) == (False, "32.5")
    assert live["kpis"][0]["actuals"] == []  # nothing entered for 令和7年度 第2四半期
    assert live["kpis"][0]["latest"] == "90件"


def test_sign_off_lists_everything_missing(plan):
    review = make_review(plan.organization, scope=plan)
    with pytest.raises(services.SignOffRefused) as refused:
        services.sign_off(acting_user=user("muni-admin-1"), review=review)
    assert refused.value.problems == [
        "開催日を入力してください。",
        "評価(Check)の総合評価を選んでください。",
        "評価(Check)の内容を入力してください。",
        "改善(Act)の決定事項を入力してください(このまま続けるときも「継続」と書きます)。",
    ]
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.DRAFT


def test_only_admins_sign_off_and_staff_write(plan):
    review = ready(make_review(plan.organization, scope=plan))
    with pytest.raises(ServiceError, match="団体の管理者だけです"):
        services.sign_off(acting_user=user("muni-staff-1"), review=review)
    with pytest.raises(ServiceError, match="団体の管理者・職員だけです"):
        services.update_review(acting_user=user("dept-staff-1"), review=review, decisions="x")
    with pytest.raises(ServiceError, match="団体の管理者・職員だけです"):
        make_review(plan.organization, user("executive-1"), scope=plan, period=Q2)


def test_edits_are_refused_after_sign_off_and_a_reopening_is_audited(plan):
    review = ready(make_review(plan.organization, scope=plan))
    item = add_follow_up(review)
    services.sign_off(acting_user=user("muni-admin-1"), review=review)
    staff = user("muni-staff-1")
    with pytest.raises(ServiceError) as refused:
        services.update_review(acting_user=staff, review=review, decisions="書き換え")
    assert str(refused.value) == LOCKED
    with pytest.raises(ServiceError, match="承認済みのため変更できません"):
        add_follow_up(review, staff)
    with pytest.raises(ServiceError, match="承認済みのため変更できません"):
        services.change_follow_up(acting_user=staff, follow_up=item, title="書き換え")
    with pytest.raises(ServiceError, match="承認済みの振り返りは削除できません。"):
        services.delete_review(acting_user=staff, review=review)
    assert Review.objects.get(pk=review.pk).decisions == "施策2の工程を見直す。"
    # The follow-up is still worked on after the sign-off (by its department's 原課担当).
    services.set_follow_up_status(
        acting_user=user("dept-staff-1"), follow_up=item, status="in_progress", note="着手"
    )
    with pytest.raises(ServiceError, match="理由を入力してください"):
        services.reopen(acting_user=user("muni-admin-1"), review=review, reason=" ")
    services.reopen(acting_user=user("muni-admin-1"), review=review, reason="実績の誤り")
    review.refresh_from_db()
    assert (review.status, review.reopen_reason, review.do_snapshot) == ("draft", "実績の誤り", {})
    assert review.reopened_by.username == "muni-admin-1"
    entries = AuditEntry.objects.filter(model_label="monitoring.Review", object_id=str(review.pk))
    actions = [(e.actor_name, e.after.get("status")) for e in entries.order_by("seq")]
    assert actions == [
        ("muni-admin-1", "draft"),  # created
        ("muni-staff-1", None),  # held_on, the Check and the Act
        ("muni-admin-1", "signed_off"),
        ("muni-admin-1", "draft"),
    ]
    signed = entries.order_by("seq")[2]
    assert signed.after["do_snapshot"]["progress"] == "17.5"
    assert entries.order_by("seq")[3].after["reopen_reason"] == "実績の誤り"


def test_period_and_scope_are_checked(plan, aoba, org_coded):
    with pytest.raises(ServiceError) as future:
        make_review(aoba, scope=plan, period=period_of("quarterly", timezone.localdate()).next())
    assert "まだ始まっていない期間です。始まった期間を選んでください。" in str(future.value)
    with pytest.raises(ServiceError) as outside:
        make_review(aoba, scope=plan, period=period_of("yearly", datetime.date(2024, 4, 1)))
    assert str(outside.value) == (
        "令和6年度 は計画の期間(令和7年度〜令和10年度)の外です。計画の期間の中から選んでください。"
    )
    make_review(aoba, scope=plan)
    with pytest.raises(ServiceError) as twice:
        make_review(aoba, scope=plan)
    assert str(twice.value) == (
        "計画全体「DX推進計画」の 令和7年度 第1四半期 の振り返りはすでにあります。"
        "一覧から開いてください。"
    )
    with pytest.raises(ServiceError, match="この団体の計画から選んでください"):
        services.create_review(
            acting_user=user("root"), organization=org_coded("993018"), scope=plan, period=Q2
        )


def test_the_database_refuses_two_scopes(plan, aoba):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            organization=aoba,
            plan=plan,
            measure=plan.measures.first(),
            period_kind="quarterly",
            period_start=Q1.start,
            period_end=Q1.end,
        )


def test_follow_ups_need_an_owner_and_a_due_date(plan, aoba, org_coded):
    review = make_review(aoba, scope=plan)
    with pytest.raises(ServiceError, match="担当者か担当部署を選んでください"):
        add_follow_up(review, owner_department=None)
    with pytest.raises(ServiceError, match="期限を入力してください"):
        add_follow_up(review, due_on=None)
    with pytest.raises(ServiceError, match="この団体の部署から選んでください"):
        add_follow_up(review, owner_department=department(org_coded("993018")))
    with pytest.raises(ServiceError, match="この団体の職員"):
        add_follow_up(review, owner_user=user("muni-staff-2"))
    with pytest.raises(ServiceError) as early:
        add_follow_up(review, due_on=datetime.date(2025, 3, 31))
    assert str(early.value) == "期限は振り返りの期間の初日(令和7年4月1日)以降にしてください。"
    assert not review.follow_ups.exists()


def test_the_next_review_opens_with_the_open_follow_ups_and_carries_them(plan, aoba):
    admin = user("muni-admin-1")
    first = ready(make_review(aoba, scope=plan))
    open_item = add_follow_up(first, title="申請画面を見直す", owner_user=user("muni-staff-1"))
    done_item = add_follow_up(first, title="説明会を開く")
    services.set_follow_up_status(acting_user=admin, follow_up=done_item, status="done")
    services.sign_off(acting_user=admin, review=first)
    second = ready(make_review(aoba, scope=plan, period=Q2))
    assert services.earlier_open_follow_ups(second) == [open_item]
    with pytest.raises(services.SignOffRefused) as refused:
        services.sign_off(acting_user=admin, review=second)
    assert refused.value.problems == [
        "前回までの振り返りのフォローアップのうち、終わっていないものが1件あります。"
        "「完了にする」か「この振り返りに繰り越す」で片付けてから承認してください。"
    ]
    today = timezone.localdate()
    carried = services.carry_over(
        acting_user=user("muni-staff-1"),
        follow_up=open_item,
        into=second,
        due_on=datetime.date(2025, 12, 26),
    )
    open_item.refresh_from_db()
    assert (open_item.status, open_item.closed_on) == (FollowUpStatus.CARRIED, today)
    assert (carried.review, carried.carried_from, carried.title) == (
        second,
        open_item,
        "申請画面を見直す",
    )
    assert (carried.owner_user.username, carried.due_on) == (
        "muni-staff-1",
        datetime.date(2025, 12, 26),
    )
    assert carried.status == FollowUpStatus.NOT_STARTED
    assert services.earlier_open_follow_ups(second) == []
    with pytest.raises(ServiceError, match="終わっていないフォローアップだけです"):
        services.carry_over(acting_user=admin, follow_up=open_item, into=second)
    with pytest.raises(ServiceError, match="繰越先のものを更新してください"):
        services.set_follow_up_status(acting_user=admin, follow_up=open_item, status="done")
    services.sign_off(acting_user=admin, review=second)
    assert Review.objects.get(pk=second.pk).status == ReviewStatus.SIGNED_OFF


def test_deleting_a_draft_returns_the_carried_follow_ups(plan, aoba):
    admin = user("muni-admin-1")
    first = make_review(aoba, scope=plan)
    item = add_follow_up(first)
    second = make_review(aoba, scope=plan, period=Q2)
    services.carry_over(acting_user=admin, follow_up=item, into=second)
    with pytest.raises(ServiceError, match="次の振り返りに繰り越されているため、削除できません"):
        services.delete_review(acting_user=admin, review=first)
    services.delete_review(acting_user=admin, review=second)
    item.refresh_from_db()
    assert (item.status, item.closed_on) == (FollowUpStatus.IN_PROGRESS, None)
    assert list(ReviewFollowUp.objects.filter(review__organization=aoba)) == [item]


def test_a_measure_review_finds_the_earlier_reviews_of_its_copies(plan, aoba):
    """After a 改定 the measure is a copy (origin = the first version's id)."""
    admin = user("muni-admin-1")
    measure = plan.measures.order_by("pk").first()
    first = make_review(aoba, scope=measure)
    item = add_follow_up(first)
    Plan.objects.filter(pk=plan.pk).update(status="gikai")
    revised = plan_services.revise_plan(acting_user=admin, plan=plan)
    copy = revised.measures.get(origin=measure.pk)
    later = make_review(aoba, scope=copy, period=Q2)
    assert services.earlier_open_follow_ups(later) == [item]


def test_owners_update_their_follow_ups_status(plan, aoba):
    review = make_review(aoba, scope=plan)
    item = add_follow_up(review, owner_user=user("muni-staff-1"), owner_department=None)
    for outsider in ("dept-staff-1", "executive-1", "muni-admin-2"):
        with pytest.raises(
            ServiceError, match="担当者、担当部署の職員と団体の管理者・職員だけです"
        ):
            services.set_follow_up_status(acting_user=user(outsider), follow_up=item, status="done")
    day = datetime.date(2025, 9, 1)
    done = services.set_follow_up_status(
        acting_user=user("muni-staff-1"), follow_up=item, status="done", closed_on=day, note="済"
    )
    assert (done.status, done.closed_on, done.note) == ("done", day, "済")
    reopened = services.set_follow_up_status(
        acting_user=user("muni-staff-1"), follow_up=item, status="in_progress"
    )
    assert (reopened.status, reopened.closed_on, reopened.note) == ("in_progress", None, "済")
    with pytest.raises(ServiceError) as carried:
        services.set_follow_up_status(
            acting_user=user("muni-staff-1"), follow_up=item, status="carried"
        )
    assert str(carried.value) == "状況は 未着手・対応中・完了・取りやめ から選んでください。"
    with pytest.raises(ServiceError, match="まだ来ていない日"):
        services.set_follow_up_status(
            acting_user=user("muni-staff-1"),
            follow_up=item,
            status="done",
            closed_on=timezone.localdate() + datetime.timedelta(days=1),
        )


def test_follow_ups_reach_my_tasks(plan, aoba):
    review = make_review(aoba, scope=plan)
    late = add_follow_up(review, title="広報紙に載せる")  # 福祉課's, no one named
    named = add_follow_up(
        review,
        title="申請画面を見直す",
        owner_user=user("muni-staff-1"),
        due_on=datetime.date(2099, 3, 31),
    )
    finished = add_follow_up(review, title="説明会を開く")
    services.set_follow_up_status(
        acting_user=user("muni-admin-1"), follow_up=finished, status="done"
    )
    tasks = queries.follow_up_tasks(user("dept-staff-1"))
    assert [(t.title, t.due, t.category) for t in tasks] == [
        ("フォローアップ「広報紙に載せる」", datetime.date(2025, 9, 30), "PDCAの振り返り")
    ]
    (task,) = tasks
    assert task.url == reverse("monitoring:follow_ups_mine", args=[AOBA]) + f"#follow-up-{late.pk}"
    assert task.detail == (
        "令和7年度 第1四半期の振り返り(DX推進計画)で決めたフォローアップです。"
        "期限を過ぎています。対応の状況を更新してください。"
    )
    staff_tasks = queries.follow_up_tasks(user("muni-staff-1"))
    assert [t.title for t in staff_tasks] == ["フォローアップ「申請画面を見直す」"]
    assert staff_tasks[0].detail == (
        "令和7年度 第1四半期の振り返り(DX推進計画)で決めたフォローアップです。"
    )
    assert queries.follow_up_tasks(user("muni-admin-2")) == []
    assert named.pk != late.pk
