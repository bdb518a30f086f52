"""Pages of challenges (課題): the list, the detail with its workflow, the form and settings.

Challenges are looked up inside the URL's organization and through `visible_to`, so another
organization's challenge, or a municipality's unshared one seen from the prefecture, is a 404.
原課担当 create and change their own department's challenges: those routes are org("view") and
decide per challenge (or per department) with `access.can` / `access.can_create_in`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access
from chiikidx.core.access import org, route
from chiikidx.core.choices import OrgKind
from chiikidx.core.requests import posted
from chiikidx.core.services import ServiceError
from chiikidx.plans.queries import departments_for

from . import priority, queries, services
from .choices import ChallengeStatus
from .forms import (
    ChallengeForm,
    EscalateForm,
    MeasureForm,
    SettingsForm,
    StatusForm,
    departments_allowed,
)
from .models import Challenge

PAGE_SIZE = 50


def _challenge(request, challenge_id) -> Challenge:
    try:
        return queries.challenge_of(request.user, request.org, challenge_id)
    except Challenge.DoesNotExist as exc:
        raise Http404 from exc


def _detail_url(challenge: Challenge, anchor: str = "") -> str:
    url = reverse("challenges:challenge", args=[challenge.organization.code, challenge.pk])
    return f"{url}#{anchor}" if anchor else url


def can_create(user, organization) -> bool:
    """The organization's staff, or 原課担当 with a department in it."""
    grants = access.grants(user)
    return access.can(user, "change", organization) or bool(grants.dept_change.get(organization.pk))


# --- the list -------------------------------------------------------------------------------


@route(org("view"))
def home(request, lgcode):
    """The organization's challenges by priority, with filters and counts per status."""
    settings = services.settings_for(request.org)
    weights = settings.weights
    everything = queries.challenges_of(request.user, request.org, weights)
    departments = list(departments_for(request.org))
    fields = queries.used_fields(everything, settings.fields)
    filters = queries.Filters.from_query(request.GET, fields=fields, departments=departments)
    sort = queries.one_of(request.GET.get("sort"), queries.SORTS) or "priority"
    counts = queries.status_counts(queries.filtered(everything, filters, with_status=False))
    found = queries.sorted_by(queries.filtered(everything, filters), sort)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    for challenge in page.object_list:
        queries.decorate(challenge, weights)
    query = request.GET.copy()
    query.pop("page", None)
    without_status = query.copy()
    without_status.pop("status", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "status_query": without_status.urlencode(),
        "filters": filters,
        "sort": sort,
        "fields": fields,
        "departments": departments,
        "counts": [
            (value, label, counts[value], queries.STATUS_STYLES[value])
            for value, label in ChallengeStatus.choices
        ],
        "total": sum(counts.values()),
        "formula": priority.formula_text(weights),
        "can_create": can_create(request.user, request.org),
        "can_manage": access.can(request.user, "manage", request.org),
        "is_prefecture": request.org.kind == OrgKind.PREFECTURE,
        "sees_everything": _sees_everything(request.user, request.org),
        **queries.choices_for_filters(),
    }
    return render(request, "challenges/home.html", context)


def _sees_everything(user, organization) -> bool:
    """Members see every challenge; the prefecture and liaisons only what was shared."""
    grants = access.grants(user)
    return grants.superuser or organization.pk in grants.member_orgs


# --- creating and editing -------------------------------------------------------------------


@route(org("view"))
def challenge_new(request, lgcode):
    if not can_create(request.user, request.org):
        return _refuse(
            request,
            _("この団体の課題を登録できるのは、団体の管理者・職員と原課担当だけです。"),
            reverse("challenges:home", args=[lgcode]),
        )
    settings = services.settings_for(request.org)
    initial = {"department": _own_department(request)}
    if request.GET.get("field") in settings.fields:
        initial["field"] = request.GET["field"]
    form = ChallengeForm(
        posted(request),
        user=request.user,
        organization=request.org,
        fields_list=settings.fields,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.create_challenge(
                acting_user=request.user, organization=request.org, **form.values()
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, _("課題「%(title)s」を登録しました。") % {"title": challenge.title}
            )
            if request.POST.get("then") == "another":
                return redirect("challenges:challenge_new", lgcode=lgcode)
            return redirect(_detail_url(challenge))
    context = {"form": form, "challenge": None}
    return render(
        request, "challenges/challenge_form.html", context, status=400 if form.errors else 200
    )


def _own_department(request):
    """原課担当 file under their own department by default."""
    own = departments_allowed(request.user, request.org)
    if access.can(request.user, "change", request.org):
        return None
    first = own.first()
    return first.pk if first else None


def _refuse(request, message: str, destination: str):
    """A page someone may not use: on GET back with the reason, a POST is refused outright."""
    if request.method == "POST":
        raise PermissionDenied
    messages.error(request, message)
    return redirect(destination)


@route(org("view"))
def challenge_edit(request, lgcode, challenge_id):
    challenge = _challenge(request, challenge_id)
    if not access.can(request.user, "change", challenge):
        return _refuse(request, _("この課題を変更する権限がありません。"), _detail_url(challenge))
    settings = services.settings_for(request.org)
    initial = {name: getattr(challenge, name) for name in services.CHALLENGE_FIELDS}
    initial["department"] = challenge.department_id
    form = ChallengeForm(
        posted(request),
        user=request.user,
        organization=request.org,
        fields_list=settings.fields,
        challenge=challenge,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_challenge(
                acting_user=request.user, challenge=challenge, **form.values()
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("課題を保存しました。"))
            return redirect(_detail_url(challenge))
    context = {"form": form, "challenge": challenge}
    return render(
        request, "challenges/challenge_form.html", context, status=400 if form.errors else 200
    )


# --- the challenge --------------------------------------------------------------------------


@route(org("view"))
def challenge_detail(request, lgcode, challenge_id):
    challenge = _challenge(request, challenge_id)
    settings = services.settings_for(request.org)
    weights = settings.weights
    queries.decorate(challenge, weights)
    user = request.user
    can_change = access.can(user, "change", challenge)
    next_statuses = services.next_statuses(challenge)
    can_measure = (
        can_change
        and access.can(user, "change", request.org)
        and challenge.measure_id is None
        and challenge.status in services.MEASURABLE
    )
    context = {
        "challenge": challenge,
        "scores": queries.scores_of(challenge),
        "formula": priority.formula_text(weights),
        "working": queries.working(challenge, weights),
        "weights": weights,
        "source": _source(challenge),
        "can_change": can_change,
        "status_form": StatusForm(next_statuses=next_statuses) if can_change else None,
        "escalate_form": EscalateForm(initial={"note": challenge.escalation_note}),
        "measure_form": (
            MeasureForm(organization=request.org, challenge=challenge) if can_measure else None
        ),
        "can_measure": can_measure,
        "can_audit": access.can(user, "audit", request.org),
        "is_member": _sees_everything(user, request.org),
    }
    return render(request, "challenges/challenge.html", context)


def _source(challenge: Challenge) -> dict | None:
    """Where the challenge came from, with a link to that page when it has one."""
    code = challenge.organization.code
    if challenge.source_opinion_id:
        opinion = challenge.source_opinion
        url = reverse("challenges:dialogue", args=[code, opinion.record_id])
        return {
            "label": _("%(record)s の %(number)s番")
            % {"record": opinion.record.title, "number": opinion.number},
            "quote": opinion.text,
            "url": f"{url}#opinion-{opinion.pk}",
        }
    if challenge.source_record_id:
        record = challenge.source_record
        return {
            "label": f"{record.get_kind_display()}: {record.title}",
            "url": reverse("challenges:dialogue", args=[code, record.pk]),
        }
    if challenge.source_step_id:
        step = challenge.source_step
        url = reverse("challenges:process", args=[code, step.process_id])
        return {
            "label": _("業務プロセス「%(process)s」の手順 %(step)s")
            % {"process": step.process.name, "step": step},
            "url": f"{url}#step-{step.pk}",
        }
    return None


def _changeable(request, challenge_id) -> Challenge:
    """A challenge of the URL's organization the user may change (404 if unseen, else 403)."""
    challenge = _challenge(request, challenge_id)
    if not access.can(request.user, "change", challenge):
        raise PermissionDenied
    return challenge


def _post_action(request, challenge, act, done: str):
    """Runs one service on the challenge; its refusal becomes a message."""
    try:
        act(challenge)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect(_detail_url(challenge, "workflow"))


@route(org("view"))
@require_POST
def challenge_status(request, lgcode, challenge_id):
    challenge = _changeable(request, challenge_id)
    form = StatusForm(request.POST, next_statuses=services.next_statuses(challenge))
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(
            request, _("状態を変えられませんでした: %(p)s") % {"p": " / ".join(problems)}
        )
        return redirect(_detail_url(challenge, "workflow"))
    try:
        services.set_status(
            acting_user=request.user,
            challenge=challenge,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("状態を「%(status)s」にしました。") % {"status": challenge.get_status_display()},
        )
    return redirect(_detail_url(challenge, "workflow"))


@route(org("view"))
@require_POST
def challenge_share(request, lgcode, challenge_id):
    return _post_action(
        request,
        _changeable(request, challenge_id),
        lambda c: services.share(acting_user=request.user, challenge=c),
        _("県(DX推進課・担当リエゾン)と共有しました。県の職員もこの課題を見られます。"),
    )


@route(org("view"))
@require_POST
def challenge_unshare(request, lgcode, challenge_id):
    return _post_action(
        request,
        _changeable(request, challenge_id),
        lambda c: services.unshare(acting_user=request.user, challenge=c),
        _("県との共有をやめました。県の職員からは見えなくなります。"),
    )


@route(org("view"))
@require_POST
def challenge_escalate(request, lgcode, challenge_id):
    challenge = _changeable(request, challenge_id)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("県・広域に求めることは2,000文字以内で書いてください。"))
        return redirect(_detail_url(challenge, "workflow"))
    note = form.cleaned_data["note"]
    return _post_action(
        request,
        challenge,
        lambda c: services.escalate(acting_user=request.user, challenge=c, note=note),
        _("県・広域で対応する課題として、県に上げました。県の共通課題の一覧に並びます。"),
    )


@route(org("view"))
@require_POST
def challenge_withdraw(request, lgcode, challenge_id):
    return _post_action(
        request,
        _changeable(request, challenge_id),
        lambda c: services.withdraw_escalation(acting_user=request.user, challenge=c),
        _(
            "県・広域に上げるのをやめました。県との共有は続き、対応主体は「県・広域で対応」のままです"
            "(変えるときは「内容と評価を編集」から)。"
        ),
    )


@route(org("change"))
@require_POST
def challenge_measure(request, lgcode, challenge_id):
    """「施策にする」: a candidate measure in a plan being written, linked both ways."""
    challenge = _changeable(request, challenge_id)
    form = MeasureForm(request.POST, organization=request.org, challenge=challenge)
    if not form.is_valid():
        messages.error(
            request,
            _("施策にできませんでした: 計画(下書き・改定中)と担当部署を選んでください。"),
        )
        return redirect(_detail_url(challenge, "measure"))
    try:
        measure = services.make_measure(
            acting_user=request.user,
            challenge=challenge,
            plan=form.cleaned_data["plan"],
            owner_department=form.cleaned_data["owner_department"],
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(challenge, "measure"))
    messages.success(
        request,
        _(
            "計画「%(plan)s」に施策の候補「%(title)s」を作り、課題を「施策化」にしました。"
            "施策のページで期限や予算を入れてください。"
        )
        % {"plan": measure.plan.title, "title": measure.title},
    )
    return redirect(_detail_url(challenge, "measure"))


# --- settings -------------------------------------------------------------------------------


@route(org("manage"))
def settings_page(request, lgcode):
    """The organization's 分野 and the priority weights; 「計算式を確認」 shows the formula for
    the typed weights without saving."""
    current = services.settings_for(request.org)
    initial = {
        "fields_text": "\n".join(current.fields),
        "weight_benefit": current.weight_benefit,
        "weight_ease": current.weight_ease,
        "weight_urgency": current.weight_urgency,
    }
    form = SettingsForm(posted(request), initial=initial)
    previewing = request.method == "POST" and "preview" in request.POST
    if request.method == "POST" and form.is_valid() and not previewing:
        try:
            services.save_settings(
                acting_user=request.user,
                organization=request.org,
                fields=form.cleaned_data["fields_text"],
                weight_benefit=form.cleaned_data["weight_benefit"],
                weight_ease=form.cleaned_data["weight_ease"],
                weight_urgency=form.cleaned_data["weight_urgency"],
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("課題の設定を保存しました。"))
            return redirect("challenges:settings", lgcode=lgcode)
    weights = (form.weights() if request.method == "POST" else None) or current.weights
    context = {
        "form": form,
        "formula": priority.formula_text(weights),
        "weights": weights,
        "examples": _examples(weights),
        "descriptors": queries.descriptor_table(),
        "previewing": previewing and form.is_valid(),
    }
    return render(request, "challenges/settings.html", context, status=400 if form.errors else 200)


# 裨益性, 難易度, 緊急性: an easy win, a typical case, a hard but important one, a weak one.
EXAMPLES = [(5, 1, 5), (4, 2, 3), (5, 5, 4), (2, 4, 1)]


def _examples(weights) -> list[dict]:
    """A few score sets and their priority under the given weights."""
    rows = []
    for b, d, u in EXAMPLES:
        probe = Challenge(benefit=b, difficulty=d, urgency=u)
        rows.append(
            {
                "benefit": b,
                "difficulty": d,
                "urgency": u,
                "priority": priority.score(b, d, u, weights),
                "working": queries.working(probe, weights),
            }
        )
    return rows
