"""Pages of PDCA reviews. Access is declared with @route; reviews and follow-ups are looked up
inside the organization of the URL, so another organization's id is a 404. Updating a
follow-up's status is routed with org("view") and decided per follow-up by `access.can` (its
owner, its department's 原課担当 and the organization's staff)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access
from chiikidx.core.access import org, route
from chiikidx.core.japanese import wareki
from chiikidx.core.requests import back, int_or_none, posted
from chiikidx.core.services import ServiceError
from chiikidx.plans.models import Plan

from . import queries, sections, services
from .choices import FollowUpStatus, ReviewStatus, ScopeKind
from .forms import (
    CarryForm,
    FollowUpForm,
    FollowUpStatusForm,
    NewReviewForm,
    ReopenForm,
    ReviewForm,
)
from .models import Review, ReviewFollowUp

PAGE_SIZE = 50


def _review(request, review_id) -> Review:
    try:
        return queries.review_of(request.org, review_id)
    except Review.DoesNotExist as exc:
        raise Http404 from exc


def _follow_up(request, follow_up_id) -> ReviewFollowUp:
    try:
        return queries.follow_up_of(request.org, follow_up_id)
    except ReviewFollowUp.DoesNotExist as exc:
        raise Http404 from exc


def _detail_url(review: Review, anchor: str = "") -> str:
    url = reverse("monitoring:review", args=[review.organization.code, review.pk])
    return f"{url}#{anchor}" if anchor else url


# --- the list -------------------------------------------------------------------------------


@route(org("view"))
def review_list(request, lgcode):
    """The organization's reviews, newest period first; by scope kind, plan and status."""
    scope_kind = request.GET.get("scope", "")
    scope_kind = scope_kind if scope_kind in ScopeKind.values else ""
    status = request.GET.get("status", "")
    status = status if status in ReviewStatus.values else ""
    plans = list(Plan.objects.filter(organization=request.org).order_by("-start_fy", "title"))
    plan_id = int_or_none(request.GET.get("plan"))
    plan_id = plan_id if any(p.pk == plan_id for p in plans) else None
    found = queries.filtered(
        queries.reviews_of(request.org), scope_kind=scope_kind, plan_id=plan_id, status=status
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "plans": plans,
        "scope_kinds": ScopeKind.choices,
        "statuses": ReviewStatus.choices,
        "selected": {"scope": scope_kind, "plan": plan_id, "status": status},
        "can_change": services.can_edit(request.user, request.org),
    }
    return render(request, "monitoring/reviews/list.html", context)


# --- creating and editing -------------------------------------------------------------------


@route(org("change"))
def review_new(request, lgcode):
    initial = {"period": queries.period_key(queries.default_period())}
    if request.GET.get("scope"):
        initial["scope"] = request.GET["scope"]
    form = NewReviewForm(
        posted(request),
        organization=request.org,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.create_review(
                acting_user=request.user,
                organization=request.org,
                scope=form.cleaned_data["scope"],
                period=form.cleaned_data["period"],
                held_on=form.cleaned_data["held_on"],
                participants=form.cleaned_data["participants"],
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("振り返り「%(label)s」を作りました。評価(Check)と改善(Act)を書いてください。")
                % {"label": review},
            )
            return redirect(_detail_url(review))
    status = 400 if form.errors else 200
    return render(request, "monitoring/reviews/new.html", {"form": form}, status=status)


@route(org("change"))
def review_edit(request, lgcode, review_id):
    review = _review(request, review_id)
    if review.is_signed_off:
        messages.error(request, _("承認済みの振り返りは変更できません。"))
        return redirect(_detail_url(review))
    kpis = sections.plan_section(sections.gather(review), review.period)["kpis"]
    initial = {name: getattr(review, name) for name in services.REVIEW_FIELDS}
    initial["held_on"] = wareki(review.held_on) if review.held_on else ""
    initial |= {f"kpi_{pk}": text for pk, text in (review.kpi_remarks or {}).items()}
    form = ReviewForm(posted(request), kpis=kpis, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_review(acting_user=request.user, review=review, **form.values())
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("振り返りを保存しました。"))
            return redirect(_detail_url(review))
    context = {"review": review, "form": form}
    return render(
        request, "monitoring/reviews/edit.html", context, status=400 if form.errors else 200
    )


@route(org("change"))
@require_POST
def review_delete(request, lgcode, review_id):
    review = _review(request, review_id)
    label = str(review)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("削除するときは、確認の欄に印を付けてから押してください。"))
        return redirect(_detail_url(review))
    try:
        services.delete_review(acting_user=request.user, review=review)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(review))
    messages.success(request, _("振り返り「%(label)s」を削除しました。") % {"label": label})
    return redirect("monitoring:reviews", lgcode=lgcode)


# --- the review -----------------------------------------------------------------------------


@route(org("view"))
def review_detail(request, lgcode, review_id):
    """The four sections; the earlier reviews' unfinished follow-ups on top of a draft."""
    review = _review(request, review_id)
    plan, do, frozen = queries.sections_of(review)
    follow_ups = queries.follow_ups_of(review)
    earlier = [] if review.is_signed_off else services.earlier_open_follow_ups(review)
    user = request.user
    today = timezone.localdate()
    remarks = review.kpi_remarks or {}
    context = {
        "review": review,
        "plan_section": plan,
        "do_section": do,
        "frozen": frozen,
        "check_kpis": [(k, remarks.get(str(k["id"]), "")) for k in do["kpis"]],
        "not_growing": sections.kpi_needs_rethink(do),
        "not_growing_hint": sections.hint_for_not_growing(),
        "follow_ups": _with_forms(user, follow_ups),
        "earlier": [
            (f, _status_form(user, f), services.default_carry_due(f, review, today))
            for f in earlier
        ],
        "can_edit": services.can_edit(user, request.org),
        "can_manage": services.can_sign_off(user, request.org),
        "can_audit": access.can(user, "audit", request.org),
        "neighbours": _neighbours(review),
    }
    return render(request, "monitoring/reviews/detail.html", context)


def _status_form(user, follow_up):
    if follow_up.status == FollowUpStatus.CARRIED:
        return None
    if not services.can_update_status(user, follow_up):
        return None
    return FollowUpStatusForm(follow_up=follow_up)


def _with_forms(user, follow_ups):
    return [(f, _status_form(user, f)) for f in follow_ups]


def _neighbours(review: Review) -> dict:
    same = services.same_scope(review).only("pk", "period_start", "period_kind", "period_end")
    before = same.filter(period_start__lt=review.period_start).order_by("-period_start").first()
    after = same.filter(period_start__gt=review.period_start).order_by("period_start").first()
    return {"previous": before, "next": after}


# --- sign-off and reopening -----------------------------------------------------------------


@route(org("manage"))
def review_sign_off(request, lgcode, review_id):
    """承認: a confirmation page listing what is still missing; POST signs off."""
    review = _review(request, review_id)
    problems = services.sign_off_problems(review)
    if request.method == "POST":
        try:
            services.sign_off(acting_user=request.user, review=review)
        except services.SignOffRefused as refused:
            problems = refused.problems
        except ServiceError as refused:
            problems = [str(refused)]
        else:
            messages.success(
                request,
                _(
                    "振り返り「%(label)s」を承認しました。計画と実行の欄は、承認した時点の値で固定しました。"
                )
                % {"label": review},
            )
            return redirect(_detail_url(review))
    context = {"review": review, "problems": problems}
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/reviews/sign_off.html", context, status=status)


@route(org("manage"))
def review_reopen(request, lgcode, review_id):
    """承認を取り消す (with a reason, kept in the review and the audit log)."""
    review = _review(request, review_id)
    form = ReopenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen(
                acting_user=request.user, review=review, reason=form.cleaned_data["reason"]
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("承認を取り消し、下書きに戻しました。"))
            return redirect(_detail_url(review))
    context = {"review": review, "form": form}
    return render(
        request, "monitoring/reviews/reopen.html", context, status=400 if form.errors else 200
    )


# --- follow-ups -----------------------------------------------------------------------------


@route(org("change"))
def follow_up_new(request, lgcode, review_id):
    review = _review(request, review_id)
    return _follow_up_form(request, review, None)


@route(org("change"))
def follow_up_edit(request, lgcode, follow_up_id):
    follow_up = _follow_up(request, follow_up_id)
    return _follow_up_form(request, follow_up.review, follow_up)


def _follow_up_form(request, review, follow_up):
    if review.is_signed_off:
        messages.error(
            request,
            _(
                "承認済みの振り返りのフォローアップは、状況だけを更新できます(内容・担当・期限は変えられません)。"
            ),
        )
        return redirect(_detail_url(review, "act"))
    initial = {}
    if follow_up is not None:
        initial = {name: getattr(follow_up, name) for name in services.FOLLOW_UP_FIELDS}
        initial["due_on"] = wareki(follow_up.due_on)
    form = FollowUpForm(
        posted(request),
        organization=request.org,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if follow_up is None:
                services.add_follow_up(acting_user=request.user, review=review, **form.values())
            else:
                services.change_follow_up(
                    acting_user=request.user, follow_up=follow_up, **form.values()
                )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("フォローアップ「%(title)s」を保存しました。")
                % {"title": form.values()["title"]},
            )
            return redirect(_detail_url(review, "act"))
    context = {"review": review, "follow_up": follow_up, "form": form}
    return render(
        request,
        "monitoring/reviews/follow_up_form.html",
        context,
        status=400 if form.errors else 200,
    )


@route(org("change"))
@require_POST
def follow_up_delete(request, lgcode, follow_up_id):
    follow_up = _follow_up(request, follow_up_id)
    review = follow_up.review
    try:
        services.delete_follow_up(acting_user=request.user, follow_up=follow_up)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("フォローアップ「%(title)s」を削除しました。") % {"title": follow_up.title}
        )
    return redirect(_detail_url(review, "act"))


@route(org("view"))
@require_POST
def follow_up_status(request, lgcode, follow_up_id):
    """A follow-up's owner, its department's 原課担当 or the staff record how it stands."""
    follow_up = _follow_up(request, follow_up_id)
    if not services.can_update_status(request.user, follow_up):
        raise PermissionDenied
    destination = back(request, _detail_url(follow_up.review, f"follow-up-{follow_up.pk}"))
    form = FollowUpStatusForm(request.POST, follow_up=follow_up)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(request, _("更新できませんでした: %(p)s") % {"p": " / ".join(problems)})
        return redirect(destination)
    try:
        done = services.set_follow_up_status(
            acting_user=request.user,
            follow_up=follow_up,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            closed_on=form.cleaned_data["closed_on"],
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("フォローアップ「%(title)s」を「%(status)s」にしました。")
            % {"title": done.title, "status": done.get_status_display()},
        )
    return redirect(destination)


@route(org("change"))
@require_POST
def review_carry(request, lgcode, review_id, follow_up_id):
    """Carry an earlier review's unfinished follow-up into this draft (繰越)."""
    review = _review(request, review_id)
    follow_up = _follow_up(request, follow_up_id)
    form = CarryForm(request.POST)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(request, _("繰り越せませんでした: %(p)s") % {"p": " / ".join(problems)})
        return redirect(_detail_url(review, "earlier"))
    try:
        carried = services.carry_over(
            acting_user=request.user,
            follow_up=follow_up,
            into=review,
            due_on=form.cleaned_data["due_on"],
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(review, "earlier"))
    messages.success(
        request,
        _("フォローアップ「%(title)s」をこの振り返りに繰り越しました。") % {"title": carried.title},
    )
    return redirect(_detail_url(review, "earlier"))


@route(org("view"))
def follow_ups_mine(request, lgcode):
    """自分のフォローアップ: the user's (or their department's) unfinished follow-ups."""
    found = list(queries.my_follow_ups(request.user, request.org))
    rows = [(f, _status_form(request.user, f)) for f in found]
    context = {"rows": rows, "today": timezone.localdate()}
    return render(request, "monitoring/reviews/mine.html", context)
