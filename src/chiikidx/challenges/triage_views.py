"""Pages of the triage of challenges (課題): the bulk scoring table, the priority map, and the
Excel export and import.

Scoring is routed with org("view") and decided per row by `access.can` (the organization's
staff change every row, a 原課担当 only their own department's); challenges are looked up
inside the organization of the URL among those the user may see, so another organization's id
is a 404. Turning challenges into plan measures needs the right to change the plans, so that
route is org("change").
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access, downloads, links, tabular
from chiikidx.core.access import org, route
from chiikidx.core.middleware import allows_inline_styles
from chiikidx.core.requests import int_or_none
from chiikidx.core.services import ServiceError
from chiikidx.plans.queries import candidate_plans, departments_for

from . import excel, priority, queries, services, triage
from .choices import ChallengeStatus, Scope, Timing
from .models import Challenge

PAGE_SIZE = 100


def _challenge(request, challenge_id) -> Challenge:
    found = triage.challenges_of(request.user, request.org).filter(pk=challenge_id).first()
    if found is None:
        raise Http404
    found.organization = request.org
    return found


def _filters(request, settings, departments) -> tuple[queries.Filters, list[str]]:
    """The filters of the query string, checked as on the list page (the same 分野: the
    organization's list and any other its challenges carry), and the 分野 to offer."""
    found = triage.challenges_of(request.user, request.org)
    fields = queries.used_fields(found, settings.fields or [])
    filters = queries.Filters.from_query(request.GET, fields=fields, departments=departments)
    return filters, fields


def _filter_context(fields, settings, departments, filters) -> dict:
    return {
        "fields": fields,
        "departments": departments,
        "statuses": ChallengeStatus.choices,
        "filters": filters,
        "formula": priority.formula_text(settings.weights),
    }


def _url_with(name: str, lgcode: str, query: list[tuple[str, str]]) -> str:
    url = reverse(name, args=[lgcode])
    return f"{url}?{urlencode(query)}" if query else url


# --- the scoring table --------------------------------------------------------------------------


@route(org("view"))
def scoring(request, lgcode):
    """The table of the organization's challenges with their scores, 対応主体 and 着手時期. With
    JavaScript each changed row is saved on its own (scoring_save); without it the whole table
    is one form: every row is checked first, and nothing is saved if any row is wrong."""
    settings = services.settings_for(request.org)
    departments = list(departments_for(request.org))
    filters, fields = _filters(request, settings, departments)
    found = queries.filtered(triage.challenges_of(request.user, request.org), filters)
    page = Paginator(found.order_by("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    challenges = triage.attach_organization(page.object_list, request.org)
    checks = {}
    if request.method == "POST":
        if not triage.may_write_any(request.user, request.org):
            raise PermissionDenied
        checks = _posted_rows(request)
        if all(check.ok for check in checks.values()):
            _save_table(request, list(checks.values()))
            query = filters.as_query() + ([("page", str(page.number))] if page.number > 1 else [])
            return redirect(_url_with("challenges:scoring", lgcode, query))
    rows = [_row(request.user, c, settings.weights, checks.get(c.pk)) for c in challenges]
    context = _filter_context(fields, settings, departments, filters) | {
        "page": page,
        "rows": rows,
        "bad_rows": [r for r in rows if r["errors"]],
        "query": urlencode(filters.as_query()),
        "legend": queries.descriptor_table(),
        "scopes": Scope.choices,
        "timings": Timing.choices,
        "can_write": triage.may_write_any(request.user, request.org),
    }
    status = 400 if any(not check.ok for check in checks.values()) else 200
    return render(request, "challenges/scoring.html", context, status=status)


def _posted_rows(request) -> dict[int, triage.RowCheck]:
    """Every posted row of the table, checked (the rows are those the user may see)."""
    ids = [i for i in (int_or_none(v) for v in request.POST.getlist("row")) if i]
    found = triage.challenges_of(request.user, request.org).filter(pk__in=ids)
    checks = {}
    for challenge in triage.attach_organization(found, request.org):
        checks[challenge.pk] = triage.check_row(
            request.user, challenge, request.POST, prefix=f"c{challenge.pk}-"
        )
    return checks


def _save_table(request, checks) -> None:
    try:
        saved = triage.save_rows(request.user, checks)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        if saved:
            messages.success(request, _("%(n)s件の課題を保存しました。") % {"n": saved})
        else:
            messages.success(request, _("変更はありませんでした。"))


def _row(user, challenge, weights, check=None) -> dict:
    values = {name: getattr(challenge, name) for name in triage.ROW_NAMES}
    errors = {}
    if check is not None:
        values |= check.values | check.raw  # a wrong value stays as typed, to be corrected
        errors = check.errors
    return {
        "challenge": challenge,
        "scores": [
            {"name": name, "value": values[name], "error": errors.get(name, "")}
            for name in services.SCORE_FIELDS
        ],
        "scope": values["scope"],
        "timing": values["timing"],
        "errors": errors,
        "messages": list(errors.values()),
        "can_change": access.can(user, "change", challenge),
        "priority": triage.priority_of(challenge, weights),
    }


@route(org("view"))
@require_POST
def scoring_save(request, lgcode, challenge_id):
    """One row of the scoring table, posted by scoring.js as JSON (or as a form): the scores,
    対応主体 and 着手時期; answers with the new priority or the Japanese reason it was refused."""
    challenge = _challenge(request, challenge_id)
    if not access.can(request.user, "change", challenge):
        message = _(
            "この課題を変更する権限がありません。原課担当は自分の部署の課題だけを変更できます。"
        )
        return JsonResponse({"ok": False, "message": message}, status=403)
    data = _posted_data(request)
    if data is None:
        return JsonResponse({"ok": False, "message": _("送られた内容を読めません。")}, status=400)
    check = triage.check_row(request.user, challenge, data)
    if check.ok:
        try:
            triage.save_row(request.user, check)
        except ServiceError as refused:
            check.errors[""] = str(refused)
    if not check.ok:
        return JsonResponse(
            {"ok": False, "message": " ".join(check.messages()), "errors": check.errors},
            status=400,
        )
    return JsonResponse(_saved(challenge, services.settings_for(request.org).weights))


def _posted_data(request):
    if request.content_type != "application/json":
        return request.POST
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return (
        {k: "" if v is None else str(v) for k, v in data.items()}
        if isinstance(data, dict)
        else None
    )


def _saved(challenge, weights) -> dict:
    score = triage.priority_of(challenge, weights)
    return {
        "ok": True,
        "message": _("保存しました"),
        "priority": f"{score}" if score is not None else "",
        "quadrant": priority.quadrant(challenge.benefit, challenge.difficulty),
        "values": {name: getattr(challenge, name) for name in triage.ROW_NAMES},
    }


# --- the priority map ---------------------------------------------------------------------------


@route(org("view"))
@allows_inline_styles
def priority_map(request, lgcode):
    """難易度 × 裨益性 with 緊急性 as size and colour; the same points as tables by quadrant,
    from which selected challenges become candidate plan measures."""
    return _map_page(request, lgcode)


def _map_page(request, lgcode, *, problems=(), results=(), selected=(), status=200):
    settings = services.settings_for(request.org)
    departments = list(departments_for(request.org))
    filters, fields = _filters(request, settings, departments)
    found = queries.filtered(
        triage.challenges_of(request.user, request.org).select_related("measure__plan"), filters
    ).order_by("pk")
    challenges = triage.attach_organization(found, request.org)
    points, unscored = triage.map_points(challenges, settings.weights)
    url_of = links.url_maker("challenges:challenge", "lgcode", "challenge_id")
    can_make = access.can(request.user, "change", request.org)
    plans = list(candidate_plans(request.org)) if can_make else []
    context = _filter_context(fields, settings, departments, filters) | {
        "chart": triage.chart_data(points, lambda c: url_of(lgcode=lgcode, challenge_id=c.pk)),
        "sections": _map_sections(points, unscored, bool(plans)),
        "scored_count": len(points),
        "count": len(challenges),
        "can_make": can_make,
        "pickable": bool(plans),
        "plans": plans,
        "problems": problems,
        "results": results,
        "selected": set(selected),
        "query": urlencode(filters.as_query()),
    }
    return render(request, "challenges/map.html", context, status=status)


def _map_sections(points, unscored, pickable) -> list[dict]:
    """The table alternative: one table per quadrant (highest priority first), then the
    challenges without all three scores; with checkboxes when a plan can take them."""

    def item(challenge, score=None) -> dict:
        selectable = (
            pickable and challenge.measure_id is None and challenge.status in services.MEASURABLE
        )
        return {"challenge": challenge, "priority": score, "selectable": selectable}

    sections = [
        {
            "id": f"q-{quadrant.slug}",
            "title": quadrant.label,
            "slug": quadrant.slug,
            "items": [item(p.challenge, p.priority) for p in quadrant.points],
        }
        for quadrant in triage.quadrants(points)
    ]
    sections.append(
        {
            "id": "unscored",
            "title": _("まだ点数がない課題"),
            "slug": "",
            "items": [item(c) for c in unscored],
        }
    )
    return sections


@route(org("change"))
@require_POST
def map_measures(request, lgcode):
    """The challenges selected on the map become candidate measures of one of the organization's
    plans (下書き・改定中), owned by each challenge's department unless another is chosen; all in
    one transaction, so either every selected challenge becomes a measure or none does."""
    ids = [i for i in (int_or_none(v) for v in request.POST.getlist("challenge")) if i]
    plan = candidate_plans(request.org).filter(pk=int_or_none(request.POST.get("plan"))).first()
    departments = {d.pk: d for d in departments_for(request.org)}
    found = triage.challenges_of(request.user, request.org).filter(pk__in=ids).order_by("pk")
    challenges = triage.attach_organization(found.select_related("measure"), request.org)
    problems = []
    if not challenges:
        problems.append(_("施策の候補にする課題を、表のチェックボックスで選んでください。"))
    if plan is None:
        problems.append(_("施策を入れる計画を選んでください(「下書き」か「改定中」の計画)。"))
    if problems:
        return _map_page(request, lgcode, problems=problems, selected=ids, status=400)
    chosen = {
        c.pk: departments.get(int_or_none(request.POST.get(f"owner-{c.pk}"))) for c in challenges
    }
    results = triage.make_measures(
        acting_user=request.user,
        challenges=challenges,
        plan=plan,
        default_department=departments.get(int_or_none(request.POST.get("owner"))),
        chosen={pk: d for pk, d in chosen.items() if d is not None},
    )
    if any(r.error for r in results):
        return _map_page(request, lgcode, results=results, selected=ids, status=400)
    for result in results:
        messages.success(
            request,
            _("「%(challenge)s」を計画「%(plan)s」の施策の候補にしました(担当: %(owner)s)。")
            % {
                "challenge": result.challenge.title,
                "plan": plan.title,
                "owner": result.measure.owner_department.name,
            },
        )
    query = [(k, v) for k, v in request.GET.items() if k in ("field", "department", "status")]
    return redirect(_url_with("challenges:map", lgcode, query) + "#measures")


# --- Excel ------------------------------------------------------------------------------------


@route(org("view"))
def export(request, lgcode):
    """The organization's challenges the user may see, as a workbook to edit and import."""
    body = excel.workbook(request.user, request.org)
    return downloads.attachment(body, f"challenges-{lgcode}.xlsx")


@route(org("view"))
def import_template(request, lgcode):
    """The same workbook without rows (or its header as a CSV), to list new challenges."""
    if request.GET.get("format") == "csv":
        body = excel.template_csv()
        return downloads.attachment(body, f"challenges-template-{lgcode}.csv", downloads.CSV)
    body = excel.workbook(request.user, request.org, with_rows=False)
    return downloads.attachment(body, f"challenges-template-{lgcode}.xlsx")


@route(org("view"))
def import_page(request, lgcode):
    """The import page (GET) and the import itself (POST): those who may change some of the
    organization's challenges; each row is checked against the rights on that challenge."""
    can_write = triage.may_write_any(request.user, request.org)
    context = {"can_write": can_write, "problems": [], "file_problem": ""}
    if request.method != "POST":
        return render(request, "challenges/import.html", context)
    if not can_write:
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        context["file_problem"] = _("取り込むファイル(Excel または CSV)を選んでください。")
        return render(request, "challenges/import.html", context, status=400)
    try:
        done = excel.import_upload(
            acting_user=request.user,
            organization=request.org,
            data=upload.read(),
            filename=upload.name,
        )
    except tabular.TableImportError as failed:
        context["problems"] = failed.errors
        return render(request, "challenges/import.html", context, status=400)
    except tabular.TableFileError as failed:
        context["file_problem"] = str(failed)
        return render(request, "challenges/import.html", context, status=400)
    messages.success(
        request,
        _("課題を取り込みました: 追加 %(c)s件・更新 %(u)s件・変更なし %(n)s件。")
        % {"c": done.created, "u": done.updated, "n": done.unchanged},
    )
    return redirect("challenges:scoring", lgcode=lgcode)
