"""Pages of the plans app. Access is declared with @route; objects are looked up inside the
organization of the URL, so another organization's id is a 404. Updates that 原課担当 may make
(progress, actions) are routed with org("view") and decided per measure by `access.can`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access, downloads, links, tabular, uploads
from chiikidx.core.access import org, route
from chiikidx.core.middleware import allows_inline_styles
from chiikidx.core.requests import back, int_or_none, posted
from chiikidx.core.services import ServiceError

from . import baselines, excel, gantt_table, queries, services, summary
from .choices import MeasureStatus, PlanStatus
from .forms import (
    ActionForm,
    BaselineForm,
    DecisionForm,
    DependencyForm,
    MeasureForm,
    PlanForm,
    PolicyForm,
    ProgressForm,
    ReviseForm,
    SlipForm,
    UploadForm,
    WhatIfForm,
    minutes_help,
)
from .models import Action, Dependency, Measure, Plan, PlanDecision, Policy


def _plan(request, plan_id) -> Plan:
    try:
        return queries.plan_of(request.org, plan_id)
    except Plan.DoesNotExist as exc:
        raise Http404 from exc


def _measure(request, measure_id) -> Measure:
    try:
        return queries.measure_of(request.org, measure_id)
    except Measure.DoesNotExist as exc:
        raise Http404 from exc


def _can_change(request) -> bool:
    return access.can(request.user, "change", request.org)


@route(org("view"))
def home(request, lgcode):
    context = {
        "plans": queries.plans_of(request.org),
        "can_change": _can_change(request),
        "has_department": bool(queries.user_departments(request.user, request.org)),
    }
    return render(request, "plans/home.html", context)


@route(org("change"))
def plan_new(request, lgcode):
    form = PlanForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(
                acting_user=request.user, organization=request.org, **form.values()
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("「%(title)s」を作りました。") % {"title": plan.title})
            return redirect("plans:plan", lgcode=lgcode, plan_id=plan.pk)
    context = {"form": form, "plan": None}
    return render(request, "plans/plan_form.html", context, status=400 if form.errors else 200)


@route(org("view"))
def plan_detail(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    departments = list(queries.departments_for(request.org))
    department_id = int_or_none(request.GET.get("department"))
    status = request.GET.get("status", "")
    status = status if status in MeasureStatus.values else ""
    tree = queries.plan_tree(plan, department_id=department_id, status=status)
    versions = queries.plan_versions(plan)
    can_change = _can_change(request) and not plan.is_superseded
    context = {
        "plan": plan,
        "tree": tree,
        "departments": departments,
        "statuses": MeasureStatus.choices,
        "status_counts": [(label, tree.status_counts[v]) for v, label in MeasureStatus.choices],
        "selected_department": department_id,
        "selected_status": status,
        "can_change": can_change,
        "next_statuses": services.next_statuses(plan),
        "importable": plan.status in excel.IMPORTABLE_STATUSES,
        "versions": versions,
        "revisable": can_change and plan.status in services.REVISABLE_STATUSES,
        "revise_form": ReviseForm(),
        "minutes_accept": uploads.accept(services.MINUTES_EXTENSIONS),
        "minutes_help": minutes_help(),
    }
    return render(request, "plans/plan.html", context)


@route(org("change"))
def plan_edit(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    form = PlanForm(posted(request), instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(acting_user=request.user, plan=plan, **form.values())
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("計画を保存しました。"))
            return redirect("plans:plan", lgcode=lgcode, plan_id=plan.pk)
    context = {"form": form, "plan": plan}
    return render(request, "plans/plan_form.html", context, status=400 if form.errors else 200)


@route(org("change"))
def plan_advance(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    choices = [(s, PlanStatus(s).label) for s in services.next_statuses(plan)]
    files = request.FILES if request.method == "POST" else None
    form = DecisionForm(posted(request), files, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.advance_plan(acting_user=request.user, plan=plan, **form.cleaned_data)
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            plan.refresh_from_db()
            messages.success(
                request,
                _("計画の状態を「%(status)s」にしました。") % {"status": plan.get_status_display()},
            )
            return redirect("plans:plan", lgcode=lgcode, plan_id=plan.pk)
    context = {"form": form, "plan": plan}
    return render(request, "plans/advance.html", context, status=400 if form.errors else 200)


def _decision(request, plan_id, decision_id) -> PlanDecision:
    plan = _plan(request, plan_id)
    decision = PlanDecision.objects.filter(plan=plan, pk=decision_id).first()
    if decision is None:
        raise Http404
    decision.plan = plan
    return decision


@route(org("view"))
def minutes_download(request, lgcode, plan_id, decision_id):
    """The minutes file of a decision, to whoever may see the plan (never a static file)."""
    decision = _decision(request, plan_id, decision_id)
    if not decision.minutes_file:
        raise Http404
    return downloads.stored_file(
        decision.minutes_file, decision.minutes_name, decision.minutes_content_type, "minutes"
    )


@route(org("change"))
@require_POST
def minutes_upload(request, lgcode, plan_id, decision_id):
    """Attach (or replace) the minutes file of a recorded decision, from the plan page."""
    decision = _decision(request, plan_id, decision_id)
    try:
        attached = services.attach_minutes(
            acting_user=request.user, decision=decision, upload=request.FILES.get("file")
        )
    except ServiceError as refused:
        messages.error(request, _("議事録を添付できませんでした: %(p)s") % {"p": refused})
    else:
        messages.success(
            request, _("議事録「%(name)s」を添付しました。") % {"name": attached.minutes_name}
        )
    return redirect(reverse("plans:plan", args=[lgcode, decision.plan_id]) + "#decisions")


@route(org("change"))
def policy_new(request, lgcode, plan_id):
    return _policy_form(request, _plan(request, plan_id), None)


@route(org("change"))
def policy_edit(request, lgcode, plan_id, policy_id):
    plan = _plan(request, plan_id)
    policy = Policy.objects.filter(plan=plan, pk=policy_id).first()
    if policy is None:
        raise Http404
    return _policy_form(request, plan, policy)


def _policy_form(request, plan, policy):
    form = PolicyForm(posted(request), instance=policy or Policy(plan=plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_policy(
                acting_user=request.user, plan=plan, policy=policy, **form.cleaned_data
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("%(level)sを保存しました。") % {"level": plan.policy_label})
            return redirect("plans:plan", lgcode=plan.organization.code, plan_id=plan.pk)
    context = {"form": form, "plan": plan, "policy": policy}
    return render(request, "plans/policy_form.html", context, status=400 if form.errors else 200)


@route(org("change"))
def measure_new(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    if not plan.policies.exists():
        messages.error(
            request,
            _("先に%(level)sを登録してください。") % {"level": plan.policy_label},
        )
        return redirect("plans:policy_new", lgcode=lgcode, plan_id=plan.pk)
    return _measure_form(request, plan, None)


@route(org("change"))
def measure_edit(request, lgcode, measure_id):
    measure = _measure(request, measure_id)
    return _measure_form(request, measure.plan, measure)


def _measure_form(request, plan, measure):
    initial = {"policy": request.GET.get("policy")} if measure is None else None
    form = MeasureForm(
        posted(request), instance=measure or Measure(plan=plan), plan=plan, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_measure(
                acting_user=request.user,
                plan=plan,
                measure=measure,
                contributors=form.cleaned_data["contributors"],
                budgets=form.budgets(),
                **form.values(),
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("「%(title)s」を保存しました。") % {"title": saved.title})
            return redirect("plans:measure", lgcode=plan.organization.code, measure_id=saved.pk)
    context = {"form": form, "plan": plan, "measure": measure}
    return render(request, "plans/measure_form.html", context, status=400 if form.errors else 200)


@route(org("view"))
def measure_detail(request, lgcode, measure_id):
    measure = _measure(request, measure_id)
    budgets = list(measure.budgets.all())
    context = {
        "measure": measure,
        "plan": measure.plan,
        "budgets": budgets,
        "budget_total": sum(b.planned_yen for b in budgets),
        "actual_total": sum(b.actual_yen or 0 for b in budgets),
        "contributors": list(measure.contributors.all()),
        "updates": list(measure.updates.select_related("by")[:50]),
        "actions": list(measure.actions.all()),
        "follow_ons": list(measure.follow_ons.all()),
        "can_update": access.can(request.user, "change", measure),
        "can_change": _can_change(request),
        "progress_form": ProgressForm(measure=measure),
        "action_form": ActionForm(),
        "dependency_tables": [
            (_("この施策が待つ施策(先行)"), queries.predecessors_of(measure), "predecessor"),
            (_("この施策を待つ施策(後続)"), queries.successors_of(measure), "successor"),
        ],
        "dependency_form": DependencyForm(measure=measure),
    }
    return render(request, "plans/measure.html", context)


def _back(request, measure) -> str:
    return back(
        request, reverse("plans:measure", args=[measure.plan.organization.code, measure.pk])
    )


def _require_update_right(request, measure) -> None:
    """原課担当 of the owner department, or the organization's staff (see core.access)."""
    if not access.can(request.user, "change", measure):
        raise PermissionDenied


@route(org("view"))
@require_POST
def measure_update(request, lgcode, measure_id):
    measure = _measure(request, measure_id)
    _require_update_right(request, measure)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(request, _("更新できませんでした: %(p)s") % {"p": " / ".join(problems)})
        return redirect(_back(request, measure))
    try:
        services.update_progress(acting_user=request.user, measure=measure, **form.cleaned_data)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("「%(title)s」を「%(status)s・%(progress)s%%」に更新しました。")
            % {
                "title": measure.title,
                "status": measure.get_status_display(),
                "progress": measure.progress,
            },
        )
    return redirect(_back(request, measure))


@route(org("change"))
@require_POST
def measure_spawn(request, lgcode, measure_id):
    measure = _measure(request, measure_id)
    try:
        follow_on = services.spawn_follow_on(acting_user=request.user, measure=measure)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect("plans:measure", lgcode=lgcode, measure_id=measure.pk)
    messages.success(request, _("後継の施策を作りました。期限と予算を入力してください。"))
    return redirect("plans:measure_edit", lgcode=lgcode, measure_id=follow_on.pk)


@route(org("change"))
@require_POST
def action_new(request, lgcode, measure_id):
    measure = _measure(request, measure_id)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            services.add_action(acting_user=request.user, measure=measure, **form.cleaned_data)
        except ServiceError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("取組を追加しました。"))
    else:
        messages.error(request, _("取組の名称を入力してください(期日は和暦でも入力できます)。"))
    return redirect("plans:measure", lgcode=lgcode, measure_id=measure.pk)


@route(org("view"))
@require_POST
def action_done(request, lgcode, measure_id, action_id):
    measure = _measure(request, measure_id)
    action = Action.objects.filter(measure=measure, pk=action_id).first()
    if action is None:
        raise Http404
    action.measure = measure
    _require_update_right(request, measure)
    try:
        services.set_action_done(
            acting_user=request.user, action=action, done=request.POST.get("done") == "1"
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
    return redirect("plans:measure", lgcode=lgcode, measure_id=measure.pk)


@route(org("view"))
def mine(request, lgcode):
    measures = list(queries.my_measures(request.user, request.org))
    rows = [(m, ProgressForm(measure=m), access.can(request.user, "change", m)) for m in measures]
    context = {
        "rows": rows,
        "has_department": bool(queries.user_departments(request.user, request.org)),
    }
    return render(request, "plans/mine.html", context)


# --- baselines ------------------------------------------------------------------------------


@route(org("view"))
def baseline_list(request, lgcode, plan_id):
    """Baselines of the plan (and of its earlier versions), and the comparison of two states."""
    plan = _plan(request, plan_id)
    versions = queries.plan_versions(plan)
    found = list(queries.baselines_of(versions))
    by_key = {str(b.pk): b for b in found}
    a_key = request.GET.get("a") or (str(found[-1].pk) if found else "")
    b_key = request.GET.get("b") or "current"
    comparison = None
    if {a_key, b_key} <= {*by_key, "current"} and a_key != b_key:
        current = baselines.state_of(plan) if "current" in (a_key, b_key) else None
        states = [
            current if k == "current" else baselines.state_of(by_key[k]) for k in (a_key, b_key)
        ]
        comparison = baselines.compare(*states)
    context = {
        "plan": plan,
        "baselines": found,
        "a_key": a_key,
        "b_key": b_key,
        "comparison": comparison,
        "same": a_key == b_key and bool(found),
        "can_change": _can_change(request) and not plan.is_superseded,
        "form": BaselineForm(),
    }
    return render(request, "plans/baselines.html", context)


# --- dependencies and the schedule ---------------------------------------------------------


@route(org("view"))
@require_POST
def dependency_new(request, lgcode, measure_id):
    """A predecessor for this measure: its department's 原課担当 or the plan's staff."""
    measure = _measure(request, measure_id)
    _require_update_right(request, measure)
    form = DependencyForm(request.POST, measure=measure)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(request, _("追加できませんでした: %(p)s") % {"p": " / ".join(problems)})
        return redirect("plans:measure", lgcode=lgcode, measure_id=measure.pk)
    try:
        services.add_dependency(acting_user=request.user, successor=measure, **form.cleaned_data)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("依存関係を追加しました。"))
    return redirect("plans:measure", lgcode=lgcode, measure_id=measure.pk)


@route(org("view"))
@require_POST
def dependency_delete(request, lgcode, measure_id, dependency_id):
    measure = _measure(request, measure_id)
    dependency = (
        Dependency.objects.filter(pk=dependency_id)
        .filter(Q(predecessor=measure) | Q(successor=measure))
        .select_related("successor__plan__organization", "predecessor")
        .first()
    )
    if dependency is None:
        raise Http404
    _require_update_right(request, dependency.successor)
    try:
        services.remove_dependency(acting_user=request.user, dependency=dependency)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("依存関係を外しました。"))
    return redirect("plans:measure", lgcode=lgcode, measure_id=measure.pk)


def _measure_choices(found) -> list[tuple[int, str]]:
    return [(r.measure.pk, services.measure_name(r.measure)) for r in found.rows if not r.external]


@route(org("view"))
def plan_schedule(request, lgcode, plan_id):
    """工程: the computed schedule, and a what-if that changes nothing."""
    plan = _plan(request, plan_id)
    found = services.schedule_of(plan)
    what_if_form, impact = _what_if_asked(request, plan, found)
    slip_form = None
    if impact is not None:
        slip_form = SlipForm(initial=what_if_form.cleaned_data, choices=_measure_choices(found))
    return _schedule_page(request, plan, found, what_if_form, impact, slip_form)


def _what_if_asked(request, plan, found):
    """The what-if form of the GET query (unbound without `measure`) and its impact, if any."""
    asked = request.GET if "measure" in request.GET else None
    form = WhatIfForm(asked, choices=_measure_choices(found))
    if asked is None or not form.is_valid():
        return form, None
    chosen = found.measures[form.cleaned_data["measure"]]
    try:
        return form, services.what_if(plan, chosen, form.cleaned_data["days"], found)
    except ServiceError as refused:
        form.add_error(None, str(refused))
        return form, None


def _schedule_page(request, plan, found, what_if_form, impact, slip_form, status=200):
    names = {pk: services.measure_name(m) for pk, m in found.measures.items()}
    context = {
        "plan": plan,
        "schedule": found,
        "critical_paths": [[names[i] for i in path] for path in found.result.critical_paths]
        if found.result
        else [],
        "what_if_form": what_if_form,
        "impact": impact,
        "slip_form": slip_form,
        "can_change": _can_change(request),
    }
    return render(request, "plans/schedule.html", context, status=status)


@route(org("change"))
@require_POST
def baseline_new(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    form = BaselineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("ベースラインの名称を入力してください(例: 議会承認時)。"))
        return redirect("plans:baselines", lgcode=lgcode, plan_id=plan.pk)
    try:
        taken = services.take_baseline(acting_user=request.user, plan=plan, **form.cleaned_data)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("ベースライン「%(label)s」を保存しました。") % {"label": taken.label}
        )
    return redirect("plans:baselines", lgcode=lgcode, plan_id=plan.pk)


# --- Excel 工程表 --------------------------------------------------------------------------


@route(org("view"))
def plan_excel(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    name = f"koteihyo-{lgcode}-{plan.pk}-v{plan.version}.xlsx"
    return downloads.attachment(excel.workbook(plan), name)


@route(org("change"))
@require_POST
def plan_excel_upload(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("取り込む工程表(Excel または CSV)を選んでください。"))
        return redirect("plans:plan", lgcode=lgcode, plan_id=plan.pk)
    try:
        done = excel.import_upload(
            acting_user=request.user, plan=plan, data=upload.read(), filename=upload.name
        )
    except (tabular.TableImportError, tabular.TableFileError) as failed:
        problems = tabular.problem_lines(failed)
        context = {"plan": plan, "problems": problems, "form": UploadForm()}
        return render(request, "plans/excel_errors.html", context, status=400)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("工程表を取り込みました: 追加 %(c)s件・更新 %(u)s件・変更なし %(n)s件。")
            % {"c": done.created, "u": done.updated, "n": done.unchanged},
        )
    return redirect("plans:plan", lgcode=lgcode, plan_id=plan.pk)


@route(org("change"))
@require_POST
def plan_revise(request, lgcode, plan_id):
    plan = _plan(request, plan_id)
    form = ReviseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        new = services.revise_plan(acting_user=request.user, plan=plan, note=note)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect("plans:plan", lgcode=lgcode, plan_id=plan.pk)
    messages.success(
        request,
        _("第%(v)s版を作りました(改定中)。第%(old)s版は改定前の版として残ります。")
        % {"v": new.version, "old": plan.version},
    )
    return redirect("plans:plan", lgcode=lgcode, plan_id=new.pk)


@route(org("change"))
@require_POST
def plan_slip(request, lgcode, plan_id):
    """この遅れを反映する: a separate, audited action (plans.services.apply_slip)."""
    plan = _plan(request, plan_id)
    found = services.schedule_of(plan)
    choices = _measure_choices(found)
    form = SlipForm(request.POST, choices=choices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            moves = services.apply_slip(
                acting_user=request.user,
                plan=plan,
                measure=found.measures[data["measure"]],
                days=data["days"],
                reason=data["reason"],
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("遅れを反映し、%(n)s件の施策の日程を移しました。") % {"n": len(moves)},
            )
            return redirect("plans:schedule", lgcode=lgcode, plan_id=plan.pk)
    # Refused: show the impact being applied again beside the errors.
    asked = {k: request.POST.get(k, "") for k in ("measure", "days")}
    what_if_form = WhatIfForm(asked, choices=choices)
    impact = None
    if what_if_form.is_valid():
        chosen = found.measures[what_if_form.cleaned_data["measure"]]
        try:
            impact = services.what_if(plan, chosen, what_if_form.cleaned_data["days"], found)
        except ServiceError:
            impact = None
    return _schedule_page(request, plan, found, what_if_form, impact, form, status=400)


@route(org("view"))
@allows_inline_styles
def plan_gantt(request, lgcode, plan_id):
    """ガントチャート by 年度 and quarter; filters by policy, department and status (GET), the
    baseline drawn as ghost bars (default: the latest), and a what-if that changes nothing."""
    plan = _plan(request, plan_id)
    policy_id = int_or_none(request.GET.get("policy"))
    department_id = int_or_none(request.GET.get("department"))
    status = request.GET.get("status", "")
    status = status if status in MeasureStatus.values else ""
    found = list(queries.baselines_of(queries.plan_versions(plan)).defer("snapshot"))
    baseline = _chosen_baseline(request.GET.get("baseline"), found)
    schedule_found = services.schedule_of(plan)
    what_if_form, impact = _what_if_asked(request, plan, schedule_found)
    kept = [
        (name, request.GET[name])
        for name in ("policy", "department", "status", "baseline")
        if request.GET.get(name)
    ]
    chart = queries.gantt(
        plan,
        policy_id=policy_id,
        department_id=department_id,
        status=status,
        baseline=baseline,
        impact=impact,
        found=schedule_found,
    )
    measure_url = links.url_maker("plans:measure", "lgcode", "measure_id")
    for line in chart.lines:
        line.url = measure_url(lgcode=lgcode, measure_id=line.measure.pk)
    table_rows = gantt_table.rows(
        chart.lines, baseline=chart.baseline is not None, impact=impact is not None
    )
    context = {
        "plan": plan,
        "gantt": chart,
        "table_rows": table_rows,
        "policies": list(plan.policies.all()),
        "departments": list(queries.departments_for(request.org)),
        "statuses": MeasureStatus.choices,
        "selected_policy": policy_id,
        "selected_department": department_id,
        "selected_status": status,
        "baselines": found,
        "baseline_key": str(baseline.pk) if baseline is not None else "none",
        "what_if_form": what_if_form,
        "impact": impact,
        "impact_title": services.measure_name(schedule_found.measures[impact.task_id])
        if impact
        else "",
        "kept_params": kept,
        "kept_query": urlencode(kept),
        "can_change": _can_change(request) and not plan.is_superseded,
    }
    return render(request, "plans/gantt.html", context)


def _chosen_baseline(key: str | None, found: list):
    """The baseline asked for among the plan's; the latest when none (or another's) is asked
    for; None for "none" (表示しない)."""
    if key == "none" or not found:
        return None
    return next((b for b in found if str(b.pk) == key), found[-1])


SUMMARY_LIST_LIMIT = 8  # rows per list on the one-page summary; the rest are counted


@route(org("view"))
def plan_summary(request, lgcode, plan_id):
    """概要: the plan on one A4 page for 本部会議 and 議会 (plans.summary)."""
    plan = _plan(request, plan_id)
    found = summary.summary(plan)
    limit = SUMMARY_LIST_LIMIT
    context = {
        "plan": plan,
        "s": found,
        "late": found.late[:limit],
        "late_more": max(0, len(found.late) - limit),
        "upcoming": found.upcoming[:limit],
        "upcoming_more": max(0, len(found.upcoming) - limit),
        "at_risk": found.at_risk[:limit],
        "at_risk_more": max(0, len(found.at_risk) - limit),
    }
    return render(request, "plans/summary.html", context)
