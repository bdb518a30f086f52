"""Pages of cost-effectiveness cases (費用対効果). Access is declared with @route; cases are
looked up inside the organization of the URL, so another organization's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access, downloads
from chiikidx.core.access import org, route
from chiikidx.core.middleware import allows_inline_styles
from chiikidx.core.requests import int_or_none, posted
from chiikidx.core.services import ServiceError
from chiikidx.plans.queries import current_measures

from . import cost_excel, cost_queries, cost_services
from .cost_forms import CostCaseForm
from .models import CostCase


def _case(request, case_id) -> CostCase:
    try:
        return cost_queries.case_of(request.org, case_id)
    except CostCase.DoesNotExist as exc:
        raise Http404 from exc


@route(org("view"))
def cost_list(request, lgcode):
    """The organization's cases with their headline figures (a fixed number of queries)."""
    found = cost_queries.results(cost_queries.cases_of(request.org))
    context = {
        "cost_results": found,
        "totals": cost_queries.totals(found),
        "can_change": access.can(request.user, "change", request.org),
    }
    return render(request, "monitoring/costs.html", context)


@route(org("view"))
@allows_inline_styles
def cost_detail(request, lgcode, case_id):
    case = _case(request, case_id)
    (found,) = cost_queries.results([case])
    context = {
        "case": case,
        "result": found,
        "rows": found.rows(),
        "chart": found.chart(),
        "first": found.base.years[0] if found.base.years else None,
        "per_case": case.travel_cost + case.postage,  # C: travel cost and postage
        "can_change": access.can(request.user, "change", request.org),
    }
    return render(request, "monitoring/cost.html", context)


@route(org("view"))
def cost_excel_download(request, lgcode, case_id):
    case = _case(request, case_id)
    (found,) = cost_queries.results([case])
    body = cost_excel.workbook(found)
    return downloads.attachment(body, f"cost-{lgcode}-{case.pk}.xlsx")


def _years_for_new(request, measure_id) -> tuple[list[int], int | None]:
    """The 年度 to offer on a new case: its measure's plan's, else the latest current plan's."""
    measures = current_measures().filter(plan__organization=request.org).select_related("plan")
    measure = measures.filter(pk=measure_id).first() if measure_id else None
    plan = measure.plan if measure else None
    if plan is None:
        latest = measures.order_by("-plan__start_fy", "-plan_id").first()
        plan = latest.plan if latest else None
    years = list(range(plan.start_fy, plan.end_fy + 1)) if plan else []
    return years, measure.pk if measure else None


@route(org("change"))
def cost_new(request, lgcode):
    measure_id = int_or_none(request.GET.get("measure"))
    years, measure_id = _years_for_new(request, measure_id)
    form = CostCaseForm(
        posted(request),
        organization=request.org,
        years=years,
        initial={"measure": measure_id} if measure_id else None,
    )
    return _save(request, form, None)


@route(org("change"))
def cost_edit(request, lgcode, case_id):
    case = _case(request, case_id)
    form = CostCaseForm(
        posted(request),
        organization=request.org,
        case=case,
    )
    return _save(request, form, case)


def _save(request, form, case):
    if request.method == "POST" and form.is_valid():
        try:
            saved = cost_services.save_cost_case(
                acting_user=request.user,
                organization=request.org,
                case=case,
                adoption=form.adoption(),
                **form.values(),
            )
        except ServiceError as refused:
            form.show_error(refused)
        else:
            messages.success(
                request,
                _("費用対効果の試算「%(name)s」を保存しました。") % {"name": saved.procedure},
            )
            return redirect("monitoring:cost", lgcode=request.org.code, case_id=saved.pk)
    failed = bool(form.errors) or form.adoption_error is not None
    context = {"form": form, "case": case}
    return render(request, "monitoring/cost_form.html", context, status=400 if failed else 200)


@route(org("change"))
@require_POST
def cost_delete(request, lgcode, case_id):
    case = _case(request, case_id)
    try:
        cost_services.delete_cost_case(acting_user=request.user, case=case)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect("monitoring:cost", lgcode=lgcode, case_id=case.pk)
    messages.success(
        request, _("費用対効果の試算「%(name)s」を削除しました。") % {"name": case.procedure}
    )
    return redirect("monitoring:costs", lgcode=lgcode)
