"""Pages of the monitoring app. Access is declared with @route; KPIs are looked up inside the
organization of the URL, so another organization's id is a 404. Recording an actual is
routed with org("view") and decided per KPI by `access.can` (its owner, its department's
原課担当 and the organization's staff)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access, downloads, links, tabular, uploads
from chiikidx.core.access import org, route
from chiikidx.core.requests import back, int_or_none, posted
from chiikidx.core.services import ServiceError
from chiikidx.plans.models import Measure

from . import chart, excel, queries, services, status
from .choices import Alert, Status
from .forms import ActualForm, KpiForm, LockForm, UploadForm
from .models import Kpi, KpiActual, PeriodLock
from .periods import periods_between


def _kpi(request, kpi_id) -> Kpi:
    try:
        return queries.kpi_of(request.org, kpi_id)
    except Kpi.DoesNotExist as exc:
        raise Http404 from exc


@route(org("view"))
def home(request, lgcode):
    """The organization's monitoring page: what needs attention, coverage, filters."""
    show = request.GET.get("show", "attention")
    show = show if show in queries.FILTER_SHOW else "attention"
    status_value = request.GET.get("status", "")
    status_value = status_value if status_value in Status.values else ""
    alert = request.GET.get("alert", "")
    alert = alert if alert in Alert.values else ""
    department_id = int_or_none(request.GET.get("department"))
    found = queries.overview(
        request.org,
        show=show,
        status_value=status_value,
        alert=alert,
        department_id=department_id,
    )
    context = {
        "overview": found,
        "statuses": Status.choices,
        "alerts": Alert.choices,
        "prefecture_view": request.org.is_prefecture,
        "departments": list(queries.departments_of(request.org)),
        "selected": {
            "show": show,
            "status": status_value,
            "alert": alert,
            "department": department_id,
        },
        "can_change": access.can(request.user, "change", request.org),
        "can_manage": access.can(request.user, "manage", request.org),
        "defaults": _defaults(),
    }
    return render(request, "monitoring/home.html", context)


def _defaults() -> dict:
    return {
        "at_risk": status.DEFAULT_AT_RISK,
        "off_track": status.DEFAULT_OFF_TRACK,
        "grace": status.DEFAULT_GRACE_DAYS,
        "stall": status.DEFAULT_STALL_PERIODS,
    }


@route(org("view"))
def mine(request, lgcode):
    """「自分のKPI」: the user's KPIs with the periods due and a form for each."""
    found = queries.states(queries.my_kpis(request.user, request.org), recorders=False)
    locks = queries.locks_of(request.org)
    rows = [
        (
            state,
            ActualForm(kpi=state.kpi, periods_offered=queries.entry_periods(state, locks=locks)),
            services.can_record(request.user, state.kpi),
        )
        for state in found
    ]
    context = {"rows": rows, "file_limit": uploads.size_text(uploads.max_bytes())}
    return render(request, "monitoring/mine.html", context)


@route(org("change"))
def kpi_new(request, lgcode):
    initial = {}
    measure_id = int_or_none(request.GET.get("measure"))
    if (
        measure_id
        and Measure.objects.filter(pk=measure_id, plan__organization=request.org).exists()
    ):
        initial["measures"] = [measure_id]
    return _kpi_form(request, None, initial)


@route(org("change"))
def kpi_edit(request, lgcode, kpi_id):
    return _kpi_form(request, _kpi(request, kpi_id), None)


def _kpi_form(request, kpi, initial):
    form = KpiForm(
        posted(request),
        instance=kpi or Kpi(organization=request.org),
        organization=request.org,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_kpi(
                acting_user=request.user,
                organization=request.org,
                kpi=kpi,
                measures=form.cleaned_data["measures"],
                targets=form.targets(),
                **form.values(),
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("KPI「%(name)s」を保存しました。") % {"name": saved.name})
            return redirect("monitoring:kpi", lgcode=request.org.code, kpi_id=saved.pk)
    context = {"form": form, "kpi": kpi, "defaults": _defaults()}
    return render(request, "monitoring/kpi_form.html", context, status=400 if form.errors else 200)


@route(org("view"))
def kpi_detail(request, lgcode, kpi_id):
    kpi = _kpi(request, kpi_id)
    return _kpi_page(request, kpi, None)


def _kpi_page(request, kpi, form, status_code=200):
    today = timezone.localdate()
    state = queries.states([kpi], today, measures=True)[0]
    rows = queries.period_rows(state, today)
    can_record = services.can_record(request.user, kpi)
    if form is None and can_record:
        offered = [r.period for r in rows if not r.locked]
        form = ActualForm(kpi=kpi, periods_offered=offered)
    recorded = [(o.period, o.value) for o in state.facts.actuals]
    context = {
        "kpi": kpi,
        "state": state,
        "rows": rows,
        "targets": list(kpi.targets.all()),
        "corrections": queries.corrections(kpi),
        "chart": chart.line_chart(state.facts, recorded, today),
        "form": form,
        "can_record": can_record,
        "can_change": access.can(request.user, "change", request.org),
        "file_limit": uploads.size_text(uploads.max_bytes()),
        "defaults": _defaults(),
    }
    return render(request, "monitoring/kpi.html", context, status=status_code)


def _back(request, kpi) -> str:
    return back(request, reverse("monitoring:kpi", args=[kpi.organization.code, kpi.pk]))


@route(org("view"))
@require_POST
def actual_new(request, lgcode, kpi_id):
    """Record (or correct) one period's actual: the KPI's owner, its department's 原課担当,
    or the organization's staff."""
    kpi = _kpi(request, kpi_id)
    if not services.can_record(request.user, kpi):
        raise PermissionDenied
    today = timezone.localdate()
    offered = periods_between(kpi.frequency, _first_day(kpi), today)
    form = ActualForm(request.POST, request.FILES, kpi=kpi, periods_offered=offered)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(request, _("記録できませんでした: %(p)s") % {"p": " / ".join(problems)})
        return redirect(_back(request, kpi))
    try:
        done = services.record_actual(
            acting_user=request.user,
            kpi=kpi,
            period=form.chosen_period(),
            value=form.cleaned_data["value"],
            comment=form.cleaned_data["comment"],
            upload=form.cleaned_data.get("file"),
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _message(kpi, done))
    return redirect(_back(request, kpi))


def _first_day(kpi):
    earliest = kpi.actuals.order_by("period_start").values_list("period_start", flat=True).first()
    start = kpi.reporting_start()
    return min(start, earliest) if earliest else start


def _message(kpi, done: services.Recorded) -> str:
    period = done.actual.period.label
    if done.change == "unchanged":
        return _("%(period)s の実績は同じ値のため、変更しませんでした。") % {"period": period}
    state = queries.states([kpi], recorders=False)[0]
    template = (
        _("「%(name)s」の%(period)s の実績を修正しました(第%(v)s版)。状況: %(status)s")
        if done.change == "corrected"
        else _("「%(name)s」の%(period)s の実績を記録しました。状況: %(status)s")
    )
    return template % {
        "name": kpi.name,
        "period": period,
        "v": done.actual.version,
        "status": state.status_label,
    }


@route(org("view"))
def actual_file(request, lgcode, kpi_id, actual_id):
    """An actual's evidence file, to whoever may see the KPI (never served as a static file)."""
    kpi = _kpi(request, kpi_id)
    actual = get_object_or_404(KpiActual, pk=actual_id, kpi=kpi)
    if not actual.file:
        raise Http404
    return downloads.stored_file(actual.file, actual.file_name, actual.file_type, "evidence")


# --- import -------------------------------------------------------------------------------


@route(org("change"))
def import_actuals(request, lgcode):
    """The page of the CSV / Excel import (GET), and the import itself (POST)."""
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "problems": []}
    if request.method != "POST":
        return render(request, "monitoring/import.html", context)
    if not form.is_valid():
        context["problems"] = [_("取り込むファイル(Excel または CSV)を選んでください。")]
        return render(request, "monitoring/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        counts = excel.import_upload(
            acting_user=request.user,
            organization=request.org,
            data=upload.read(),
            filename=upload.name,
        )
    except (tabular.TableImportError, tabular.TableFileError) as failed:
        context["problems"] = tabular.problem_lines(failed)
        return render(request, "monitoring/import.html", context, status=400)
    messages.success(
        request,
        _("実績を取り込みました: 新規 %(c)s件・修正 %(u)s件・変更なし %(n)s件。")
        % {"c": counts["created"], "u": counts["corrected"], "n": counts["unchanged"]},
    )
    return redirect("monitoring:home", lgcode=lgcode)


@route(org("view"))
def import_template(request, lgcode):
    """The template: a row for every period due of each KPI the user may enter."""
    if request.GET.get("format") == "csv":
        body = excel.template_csv(request.user, request.org)
        return downloads.attachment(body, f"kpi-actuals-{lgcode}.csv", downloads.CSV)
    body = excel.template_xlsx(request.user, request.org)
    return downloads.attachment(body, f"kpi-actuals-{lgcode}.xlsx")


# --- reporting period locks ---------------------------------------------------------------


@route(org("manage"))
def locks(request, lgcode):
    form = LockForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            lock = services.lock_period(
                acting_user=request.user,
                organization=request.org,
                period=form.cleaned_data["period"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, _("報告期間「%(label)s」を締めました。") % {"label": lock.label}
            )
            return redirect("monitoring:locks", lgcode=lgcode)
    context = {"form": form, "locks": queries.locks_of(request.org)}
    return render(request, "monitoring/locks.html", context, status=400 if form.errors else 200)


@route(org("manage"))
@require_POST
def lock_delete(request, lgcode, lock_id):
    lock = get_object_or_404(PeriodLock, pk=lock_id, organization=request.org)
    lock.organization = request.org
    try:
        services.unlock_period(acting_user=request.user, lock=lock)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("報告期間「%(label)s」の締めを解除しました。") % {"label": lock.label}
        )
    return redirect("monitoring:locks", lgcode=lgcode)


# --- the prefecture's view of its municipalities ------------------------------------------


@route(org("view"))
def prefecture(request, lgcode):
    """「県内のKPIの状況」: each municipality's KPI statuses and coverage, live, for the
    prefecture's DX推進課 (a liaison sees the municipalities assigned to them)."""
    if not request.org.is_prefecture:
        raise Http404
    sort = request.GET.get("sort", "attention")
    sort = sort if sort in queries.PREFECTURE_SORTS else "attention"
    found = queries.prefecture_overview(request.org, request.user, sort=sort)
    page_of = links.url_maker("monitoring:home", "lgcode")
    for row in found.rows:
        row.url = page_of(lgcode=row.organization.code)
    context = {
        "overview": found,
        "sort": sort,
        "statuses": Status.choices,
        "alerts": Alert.choices,
        # the cells after 使用中のKPI: statuses, 対応が必要, the two coverage shares, alerts
        "counted_columns": len(Status.choices) + 3 + len(Alert.choices),
        "sorts": [(value, order.label) for value, order in queries.PREFECTURE_SORTS.items()],
    }
    return render(request, "monitoring/prefecture.html", context)
