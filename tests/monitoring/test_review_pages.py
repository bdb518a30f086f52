"""Pages of PDCA reviews: rendering, 404 across organizations, creating, writing the Check and
Act, signing off, carrying follow-ups, the owner's 「完了にする」, the plans' panels, 「自分の作業」
and pinned query counts."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chiikidx.core.models import AuditEntry
from chiikidx.monitoring.reviews import queries, services
from chiikidx.monitoring.reviews.models import Review

from ..plans.sample import make_plan
from .review_sample import Q1, add_follow_up, make_review
from .sample import make_kpi, user

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
Q2 = Q1.next()


def client_of(username):
    client = Client()
    client.force_login(user(username))
    return client


@pytest.fixture
def plan(org_coded):
    found = make_plan(org_coded(AOBA), measures=2)
    make_kpi(org_coded(AOBA), measures=[found.measures.order_by("pk").first()])
    return found


@pytest.fixture
def review(plan):
    found = make_review(plan.organization, scope=plan)
    add_follow_up(found, title="広報紙に載せる")
    return found


def url(name, *args):
    return reverse(f"monitoring:{name}", args=[AOBA, *args])


def ready(review):
    return services.update_review(
        acting_user=user("muni-admin-1"),
        review=review,
        held_on=datetime.date(2025, 7, 15),
        assessment="good",
        assessment_text="計画どおりです。",
        decisions="継続する。",
    )


def test_pages_render_for_staff(review):
    admin = client_of("muni-admin-1")
    item = review.follow_ups.get()
    for address in [
        url("reviews"),
        url("reviews") + "?scope=plan&status=draft&plan=" + str(review.plan_id),
        url("review_new"),
        url("review", review.pk),
        url("review_edit", review.pk),
        url("review_sign_off", review.pk),
        url("follow_up_new", review.pk),
        url("follow_up_edit", item.pk),
        url("follow_ups_mine"),
    ]:
        assert admin.get(address).status_code == 200, address
    page = admin.get(url("review", review.pk)).content.decode()
    for heading in ("計画(Plan)", "実行(Do)", "評価(Check)", "改善(Act)"):
        assert heading in page
    assert "何のためにやっているのか、どんな成果を目指すのか" in page
    assert "誰一人取り残されないデジタル社会" in page  # the plan's 目指す地域像
    assert "下書きのあいだは" in page and "広報紙に載せる" in page


def test_new_review_defaults_to_the_last_quarter_and_the_scope_asked(plan):
    measure = plan.measures.order_by("pk").first()
    page = client_of("muni-staff-1").get(url("review_new") + f"?scope=measure:{measure.pk}")
    html = page.content.decode()
    last = queries.default_period()
    assert f'<option value="{queries.period_key(last)}" selected>' in html
    assert f'<option value="measure:{measure.pk}" selected>' in html


def test_new_review_without_a_plan_says_what_to_do_first():
    page = client_of("sakura-staff").get(reverse("monitoring:review_new", args=["992020"]))
    assert "振り返る計画がまだありません。先に" in page.content.decode()


def test_another_organizations_review_is_404(review):
    other = client_of("muni-admin-2")
    item = review.follow_ups.get()
    for address in [
        reverse("monitoring:review", args=[WAKABA, review.pk]),
        reverse("monitoring:review_edit", args=[WAKABA, review.pk]),
        reverse("monitoring:follow_up_edit", args=[WAKABA, item.pk]),
    ]:
        assert other.get(address).status_code == 404, address
    before = AuditEntry.objects.count()
    posted = other.post(
        reverse("monitoring:follow_up_status", args=[WAKABA, item.pk]), {"status": "done"}
    )
    assert posted.status_code == 404
    assert AuditEntry.objects.count() == before


def test_create_a_review_from_the_form(plan):
    response = client_of("muni-staff-1").post(
        url("review_new"),
        {
            "scope": f"plan:{plan.pk}",
            "period": queries.period_key(Q2),
            "held_on": "令和7年10月20日",
            "participants": "企画課長",
        },
    )
    review = Review.objects.get(plan=plan)
    assert response.status_code == 302 and response["Location"] == url("review", review.pk)
    assert (review.period_start, review.period_end) == (Q2.start, Q2.end)
    assert (review.held_on, review.participants) == (datetime.date(2025, 10, 20), "企画課長")
    again = client_of("muni-staff-1").post(
        url("review_new"), {"scope": f"plan:{plan.pk}", "period": queries.period_key(Q2)}
    )
    assert again.status_code == 400
    assert "の振り返りはすでにあります。一覧から開いてください。" in again.content.decode()


def test_write_the_check_and_act_and_sign_off(review):
    kpi = queries.sections_of(review)[1]["kpis"][0]
    staff = client_of("muni-staff-1")
    saved = staff.post(
        url("review_edit", review.pk),
        {
            "held_on": "R7.7.15",
            "participants": "企画課長、福祉課",
            "assessment": "some_issues",
            "assessment_text": "相談会の参加が伸びていない。",
            "direction": "improve",
            "decisions": "周知の方法を見直す。",
            f"kpi_{kpi['id']}": "周知が足りない。",
        },
    )
    assert saved.status_code == 302
    review.refresh_from_db()
    assert review.kpi_remarks == {str(kpi["id"]): "周知が足りない。"}
    assert (review.assessment, review.direction) == ("some_issues", "improve")
    # 職員 may not sign off; the admin confirms on a page, then signs off
    assert staff.get(url("review_sign_off", review.pk)).status_code == 403
    admin = client_of("muni-admin-1")
    confirm = admin.get(url("review_sign_off", review.pk)).content.decode()
    assert "承認すると、この振り返りは変更できなくなります。" in confirm
    done = admin.post(url("review_sign_off", review.pk))
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.is_signed_off and review.do_snapshot["kpis"][0]["name"] == kpi["name"]
    page = admin.get(url("review", review.pk)).content.decode()
    assert "承認済みのため、内容は変更できません" in page and "承認を取り消す" in page
    assert "周知が足りない。" in page
    refused = staff.get(url("review_edit", review.pk), follow=True)
    assert "承認済みの振り返りは変更できません。" in refused.content.decode()
    staff.post(url("review_edit", review.pk), {"decisions": "書き換え"})
    assert Review.objects.get(pk=review.pk).decisions == "周知の方法を見直す。"


def test_sign_off_page_lists_what_is_missing(review):
    page = client_of("muni-admin-1").get(url("review_sign_off", review.pk)).content.decode()
    assert "まだ承認できません。次を直してください。" in page
    for problem in (
        "開催日を入力してください。",
        "評価(Check)の総合評価を選んでください。",
        "評価(Check)の内容を入力してください。",
    ):
        assert problem in page
    posted = client_of("muni-admin-1").post(url("review_sign_off", review.pk))
    assert posted.status_code == 400
    assert Review.objects.get(pk=review.pk).status == "draft"


def test_reopen_needs_a_reason(review):
    ready(review)
    services.sign_off(acting_user=user("muni-admin-1"), review=review)
    admin = client_of("muni-admin-1")
    assert admin.post(url("review_reopen", review.pk), {"reason": ""}).status_code == 400
    done = admin.post(url("review_reopen", review.pk), {"reason": "評価を書き直す"})
    assert done.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.reopen_reason) == ("draft", "評価を書き直す")


def test_the_next_review_opens_with_earlier_follow_ups_and_carries_them(review):
    item = review.follow_ups.get()
    ready(review)
    services.sign_off(acting_user=user("muni-admin-1"), review=review)
    later = make_review(review.organization, scope=review.plan, period=Q2)
    staff = client_of("muni-staff-1")
    page = staff.get(url("review", later.pk)).content.decode()
    assert "前回までの振り返りから引き継ぐフォローアップ" in page
    assert "この振り返りに繰り越す" in page and "広報紙に載せる" in page
    carried = staff.post(url("review_carry", later.pk, item.pk), {"due_on": "令和7年12月26日"})
    assert carried.status_code == 302
    copy = later.follow_ups.get()
    assert (copy.carried_from_id, copy.due_on) == (item.pk, datetime.date(2025, 12, 26))
    page = staff.get(url("review", later.pk)).content.decode()
    assert "前回までの振り返りから引き継ぐフォローアップ" not in page
    assert "令和7年度 第1四半期の振り返りから繰越" in page
    earlier = staff.get(url("review", review.pk)).content.decode()
    assert "次回へ繰越" in earlier and "令和7年度 第2四半期へ" in earlier


def test_the_owner_marks_a_follow_up_done_from_my_follow_ups(review):
    item = review.follow_ups.get()  # 福祉課's: dept-staff-1's department
    owner = client_of("dept-staff-1")
    mine = url("follow_ups_mine")
    page = owner.get(mine).content.decode()
    assert f'id="follow-up-{item.pk}"' in page and "「広報紙に載せる」を完了にする" in page
    done = owner.post(
        url("follow_up_status", item.pk), {"status": "done", "note": "掲載した", "next": mine}
    )
    assert done.status_code == 302 and done["Location"] == mine
    item.refresh_from_db()
    assert (item.status, item.note, item.closed_on is not None) == ("done", "掲載した", True)
    assert "終わっていないフォローアップはありません。" in owner.get(mine).content.decode()
    # an executive sees the review but may not update the follow-up
    assert client_of("executive-1").post(url("follow_up_status", item.pk)).status_code == 403


def test_the_home_page_lists_the_follow_up_task(review):
    item = review.follow_ups.get()
    home = client_of("dept-staff-1").get("/").content.decode()
    assert "フォローアップ「広報紙に載せる」" in home
    assert url("follow_ups_mine") + f"#follow-up-{item.pk}" in home


def test_the_plans_pages_show_their_reviews(review, plan):
    admin = client_of("muni-admin-1")
    page = admin.get(reverse("plans:plan", args=[AOBA, plan.pk])).content.decode()
    assert "振り返り(PDCA)" in page and url("review", review.pk) in page
    assert url("review_new") + f"?scope=plan:{plan.pk}" in page
    measure = plan.measures.order_by("pk").first()
    mine = make_review(plan.organization, scope=measure)
    page = admin.get(reverse("plans:measure", args=[AOBA, measure.pk])).content.decode()
    assert "この施策の振り返り(PDCA)" in page and url("review", mine.pk) in page
    assert url("review", review.pk) not in page  # the plan's review is on the plan's page
    staff = client_of("dept-staff-1").get(reverse("plans:measure", args=[AOBA, measure.pk]))
    assert "振り返りを始める" not in staff.content.decode()


def _many(plan, n):
    """Reviews of the plan, its 基本方針 and its 施策 over n quarters, two follow-ups each."""
    org, period = plan.organization, Q1
    scopes = [plan, plan.policies.get(), *plan.measures.order_by("pk")]
    for i in range(n):
        found = make_review(org, scope=scopes[i % len(scopes)], period=period)
        add_follow_up(found, due_on=period.next().end)
        add_follow_up(found, due_on=period.next().end, owner_user=user("dept-staff-1"))
        if i % len(scopes) == len(scopes) - 1:
            period = period.next()


def _count(client, address) -> int:
    client.get(address)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def test_list_and_my_follow_ups_have_pinned_query_counts(plan, django_assert_num_queries):
    admin, owner = client_of("muni-admin-1"), client_of("dept-staff-1")
    _many(plan, 3)
    few = (_count(admin, url("reviews")), _count(owner, url("follow_ups_mine")))
    _many(make_plan(plan.organization, title="第2の計画", measures=2), 9)
    # shell, the plans of the filter, the count and the page of reviews (with their counts)
    with django_assert_num_queries(few[0]):
        page = admin.get(url("reviews"))
    assert page.content.decode().count('id="review-') == 12
    # shell and the follow-ups with their reviews, scopes and owners
    with django_assert_num_queries(few[1]):
        page = owner.get(url("follow_ups_mine"))
    assert page.content.decode().count("を完了にする</button>") == 24
    assert few == (9, 7)


def test_review_page_has_a_pinned_query_count(plan, django_assert_num_queries):
    small = make_review(plan.organization, scope=plan)
    add_follow_up(small)
    big_plan = make_plan(plan.organization, title="大きな計画", measures=12)
    for m in big_plan.measures.all()[:6]:
        make_kpi(plan.organization, code=f"K-{m.pk}", measures=[m])
    big = make_review(plan.organization, scope=big_plan)
    for _i in range(5):
        add_follow_up(big)
    admin = client_of("muni-admin-1")
    # shell 6, the review 1, its follow-ups 1, the earlier open ones 1, the previous and next
    # reviews 2; the sections: measures 1, policies 1, KPIs 1, targets 1, actuals 1, updates 1
    counts = {_count(admin, url("review", r.pk)) for r in (small, big)}
    assert counts == {17}


def test_earlier_follow_ups_cost_no_query_each(plan):
    """The next review lists the earlier reviews' open follow-ups, each with its status form:
    one earlier follow-up or five, the page makes the same number of queries."""
    admin = client_of("muni-admin-1")
    counts, carry_buttons = [], []
    for title, n in (("第2の計画", 1), ("第3の計画", 5)):
        scope = make_plan(plan.organization, title=title, measures=2)
        earlier = make_review(plan.organization, scope=scope, period=Q1)
        for _i in range(n):
            add_follow_up(earlier, owner_user=user("dept-staff-1"))
        later = make_review(plan.organization, scope=scope, period=Q1.next())
        page = admin.get(url("review", later.pk)).content.decode()
        carry_buttons.append(page.count("この振り返りに繰り越す"))
        counts.append(_count(admin, url("review", later.pk)))
    assert carry_buttons[1] - carry_buttons[0] == 4
    assert counts[0] == counts[1]
