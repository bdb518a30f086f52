"""Reviews for tests: made through the services, of the organization's sample plan."""

import datetime

from chiikidx.monitoring.periods import period_of
from chiikidx.monitoring.reviews import services
from chiikidx.monitoring.reviews.models import Review, ReviewFollowUp

from ..plans.sample import admin_of, sample_plan
from .sample import department

Q1 = period_of("quarterly", datetime.date(2025, 4, 1))  # 令和7年度 第1四半期


def make_review(org, user=None, *, scope=None, period=Q1, **fields) -> Review:
    user = user or admin_of(org)
    review = services.create_review(
        acting_user=user, organization=org, scope=scope or sample_plan(org), period=period
    )
    if fields:
        services.update_review(acting_user=user, review=review, **fields)
    return review


def owner_department(org):
    """あおば市: 福祉課 (dept-staff-1's department); elsewhere the first department."""
    return department(org, "福祉課") if org.code == "992011" else department(org)


def add_follow_up(review, user=None, **fields) -> ReviewFollowUp:
    values = {
        "title": "電子申請の案内を広報紙に載せる",
        "due_on": datetime.date(2025, 9, 30),
        "owner_department": owner_department(review.organization),
    }
    values.update(fields)
    return services.add_follow_up(
        acting_user=user or admin_of(review.organization), review=review, **values
    )


def sample_review(org) -> Review:
    """The organization's draft review of its sample plan for 令和7年度 第1四半期, with one
    follow-up owned by a department (あおば市: 福祉課), created on demand."""
    plan = sample_plan(org)
    found = Review.objects.filter(plan=plan, period_start=Q1.start).first()
    if found is None:
        found = make_review(org, scope=plan)
        add_follow_up(found)
    return found


def sample_follow_up(org) -> ReviewFollowUp:
    return sample_review(org).follow_ups.order_by("pk").first()


def next_review(org) -> Review:
    """A draft of the quarter after the sample review (its follow-up can be carried into it)."""
    plan = sample_plan(org)
    period = Q1.next()
    found = Review.objects.filter(plan=plan, period_start=period.start).first()
    return found or make_review(org, scope=plan, period=period)
