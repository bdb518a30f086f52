"""Pages of the process inventory (業務プロセスの書き出し). Processes are looked up inside the
organization of the URL, so another organization's id is a 404.

Writing pages are routed with org("view") and decided per process by `access.can` (as the
services do): the organization's staff write any process, 原課担当 those of their own
department (Process is department-scoped). Reading is whoever sees the organization.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access, downloads, tabular
from chiikidx.core.access import org, route
from chiikidx.core.choices import OrgKind
from chiikidx.core.middleware import allows_inline_styles
from chiikidx.core.requests import back, int_or_none, posted
from chiikidx.core.services import ServiceError
from chiikidx.plans.queries import departments_for

from ..models import Process, ProcessStep
from . import analysis, excel, queries, services
from .forms import ImportForm, ProcessForm, QuickStepsForm, step_formset


def _process(request, process_id) -> Process:
    try:
        return queries.process_of(request.org, request.user, process_id)
    except Process.DoesNotExist as exc:
        raise Http404 from exc


def _step(process, step_id) -> ProcessStep:
    try:
        return queries.step_of(process, step_id)
    except ProcessStep.DoesNotExist as exc:
        raise Http404 from exc


def _refuse(request, message: str, destination: str):
    """A page someone may not use: on GET back with the reason, a POST is refused outright."""
    if request.method == "POST":
        raise PermissionDenied
    messages.error(request, message)
    return redirect(destination)


def _refuse_change(request, process):
    """None when the user may change the process, else the refusal."""
    if services.can_change(request.user, process):
        return None
    message = _(
        "この業務プロセスを変更できるのは、団体の管理者・職員と、業務の部署の原課担当だけです。"
    )
    return _refuse(request, message, _detail_url(process))


def _require_change(request, process) -> None:
    if not services.can_change(request.user, process):
        raise PermissionDenied


def _detail_url(process, anchor: str = "") -> str:
    url = reverse("challenges:process", args=[process.organization.code, process.pk])
    return f"{url}#{anchor}" if anchor else url


def _steps_url(process, anchor: str = "") -> str:
    url = reverse("challenges:process_steps", args=[process.organization.code, process.pk])
    return f"{url}#{anchor}" if anchor else url


def challenge_url(challenge) -> str:
    return reverse("challenges:challenge", args=[challenge.organization.code, challenge.pk])


def _status(form) -> int:
    return 400 if form.errors else 200


# --- the organization's list --------------------------------------------------------------


@route(org("view"))
def processes(request, lgcode):
    """Every process with its figures: steps, staff minutes per case and hours per year,
    improvement candidates (3 queries, whatever the number of processes)."""
    departments = list(departments_for(request.org))
    department_id = int_or_none(request.GET.get("department"))
    department_id = department_id if any(d.pk == department_id for d in departments) else None
    pairs = queries.with_data(queries.processes_of(request.org, request.user, department_id))
    rows = [
        {
            "process": p,
            "figures": analysis.figures(d),
            "candidates": len(analysis.candidates(d)),
        }
        for p, d in pairs
    ]
    context = {
        "rows": rows,
        "total": analysis.total_figures(d for _p, d in pairs),
        "candidate_total": sum(r["candidates"] for r in rows),
        "departments": departments,
        "department_id": department_id,
        "can_create": services.can_create(request.user, request.org),
        "is_prefecture": request.org.kind == OrgKind.PREFECTURE,
    }
    return render(request, "challenges/processes/list.html", context)


# --- creating, editing and deleting a process -------------------------------------------------


def _process_form(request, initial=None, current=None):
    return ProcessForm(
        posted(request),
        organization=request.org,
        department_ids=services.creatable_department_ids(request.user, request.org),
        current=current,
        initial=initial,
    )


@route(org("view"))
def process_new(request, lgcode):
    if not services.can_create(request.user, request.org):
        return _refuse(
            request,
            _("業務プロセスを登録できるのは、団体の管理者・職員と原課担当だけです。"),
            reverse("challenges:processes", args=[lgcode]),
        )
    form = _process_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            process = services.create_process(
                acting_user=request.user, organization=request.org, **form.values()
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("業務プロセス「%(p)s」を登録しました。手順を書き出してください。")
                % {"p": process.name},
            )
            return redirect(_steps_url(process))
    context = {"form": form, "suggestions": queries.name_suggestions(request.user, request.org)}
    return render(request, "challenges/processes/form.html", context, status=_status(form))


@route(org("view"))
def process_edit(request, lgcode, process_id):
    process = _process(request, process_id)
    if refused := _refuse_change(request, process):
        return refused
    initial = {name: getattr(process, name) for name in services.PROCESS_FIELDS}
    form = _process_form(request, initial, current=process.department)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_process(acting_user=request.user, process=process, **form.values())
        except ServiceError as refused:
            process.refresh_from_db()  # the page shows the process as stored
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("業務プロセスを保存しました。"))
            return redirect(_detail_url(process))
    context = {
        "form": form,
        "process": process,
        "suggestions": queries.name_suggestions(request.user, request.org),
    }
    return render(request, "challenges/processes/form.html", context, status=_status(form))


@route(org("view"))
@require_POST
def process_delete(request, lgcode, process_id):
    process = _process(request, process_id)
    _require_change(request, process)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("削除するときは、確認の欄に印を付けてから押してください。"))
        return redirect(_detail_url(process, "delete"))
    name = process.name
    try:
        services.delete_process(acting_user=request.user, process=process)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(process, "delete"))
    messages.success(request, _("業務プロセス「%(p)s」を削除しました。") % {"p": name})
    return redirect("challenges:processes", lgcode=lgcode)


# --- one process --------------------------------------------------------------------------


@route(org("view"))
def process_detail(request, lgcode, process_id):
    """The steps as a flow and a table, the figures, the candidates (each with its 課題 or the
    button that makes one) and the 課題 made from the steps."""
    process = _process(request, process_id)
    steps, data = queries.one_with_data(process)
    found = {c.step.id: c for c in analysis.candidates(data)}
    made = queries.challenges_by_step(request.user, [s.pk for s in steps])
    can_change = services.can_change(request.user, process)
    # Only those who may change the process learn that a 課題 they cannot see cites a step.
    cited = queries.cited_step_ids([process.pk]) if can_change else set()
    rows = [
        {
            "step": s,
            "data": d,
            "staff_hours_year": analysis.hours(analysis.staff_minutes_year(d, data.annual_volume)),
            "candidate": found.get(s.pk),
            "challenge": made.get(s.pk),
        }
        for s, d in zip(steps, data.steps, strict=True)
    ]
    context = {
        "process": process,
        "figures": analysis.figures(data),
        "rows": rows,
        "candidates": [r for r in rows if r["candidate"]],
        "challenges": [made[s.pk] for s in steps if s.pk in made],
        "can_change": can_change,
        "can_make": access.can_create_in(request.user, request.org, process.department),
        "cited": bool(cited),
    }
    return render(request, "challenges/processes/detail.html", context)


@route(org("view"))
def process_excel(request, lgcode, process_id):
    """The steps as Excel (or CSV with ?format=csv), with the import's columns."""
    process = _process(request, process_id)
    _steps, data = queries.one_with_data(process)
    if request.GET.get("format") == "csv":
        body = excel.process_csv(data)
        return downloads.attachment(body, f"process-{process.pk}.csv", downloads.CSV)
    return downloads.attachment(excel.process_xlsx(data), f"process-{process.pk}.xlsx")


# --- the step editor ----------------------------------------------------------------------


@route(org("view"))
def process_steps(request, lgcode, process_id):
    """The step table: change any row, fill the empty rows to add several steps, move a step
    up or down, delete one — each button saves the whole table. The quick entry adds steps
    written one per line."""
    process = _process(request, process_id)
    if refused := _refuse_change(request, process):
        return refused
    steps = list(process.steps.order_by("order", "pk"))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    quick = QuickStepsForm(request.POST if action == "paste" else None)
    if action == "paste":
        return _paste(request, process, steps, quick)
    formset = step_formset(posted(request), steps)
    problems = []
    if request.method == "POST" and formset.is_valid():
        pairs = [(f, f.step_input()) for f in formset.forms if f.has_changed() or f.initial]
        try:
            done = _save(request, process, [i for _f, i in pairs], action)
        except services.StepsRefused as refused:
            problems = _place(refused.problems, pairs)
        except ServiceError as refused:
            problems = [str(refused)]
        else:
            messages.success(request, done)
            if action.startswith(("up:", "down:")):
                return redirect(_steps_url(process, f"row-{action.partition(':')[2]}"))
            if action.startswith("delete:"):
                return redirect(_steps_url(process))
            return redirect(_detail_url(process))
    return _editor(request, process, steps, formset, quick, problems)


def _editor(request, process, steps, formset, quick, problems, status=None):
    cited = queries.cited_step_ids([process.pk])
    rows = list(zip(formset.forms, [*steps, *[None] * len(formset.forms)], strict=False))
    invalid = formset.is_bound and not formset.is_valid()
    context = {
        "process": process,
        "formset": formset,
        "rows": rows,
        "last_pk": steps[-1].pk if steps else None,
        "cited": cited,
        "quick": quick,
        "problems": problems,
    }
    failed = invalid or problems or quick.errors
    return render(
        request,
        "challenges/processes/steps.html",
        context,
        status=status or (400 if failed else 200),
    )


def _save(request, process, steps, action: str) -> str:
    """Save the table, with a row's button applied (up:id, down:id, delete:id); the message
    to show."""
    verb, _sep, pk = action.partition(":")
    step_id = int_or_none(pk)
    named = {"s": next((s.name for s in steps if s.id is not None and s.id == step_id), "")}
    if verb == "delete":
        services.delete_step(
            acting_user=request.user, process=process, step_id=step_id, steps=steps
        )
        return _("手順「%(s)s」を削除しました。") % named
    if verb in ("up", "down"):
        services.move_step(
            acting_user=request.user,
            process=process,
            step_id=step_id,
            offset=-1 if verb == "up" else 1,
            steps=steps,
        )
        return _("手順「%(s)s」を%(w)sに動かしました。") % {
            **named,
            "w": _("上") if verb == "up" else _("下"),
        }
    services.save_steps(acting_user=request.user, process=process, steps=steps)
    return _("手順を保存しました。")


def _place(problems, pairs) -> list[str]:
    """Put each problem on its row of the table; the others are returned for the top."""
    left = []
    for problem in problems:
        if 0 < problem.index <= len(pairs):
            form = pairs[problem.index - 1][0]
            field = problem.field if problem.field in form.fields else None
            form.add_error(field, problem.message)
        else:
            left.append(problem.message)
    return left


def _paste(request, process, steps, quick):
    problems = []
    if quick.is_valid():
        try:
            added = excel.parse_lines(quick.cleaned_data["lines"])
            services.add_steps(acting_user=request.user, process=process, steps=added)
        except (tabular.TableImportError, tabular.TableFileError) as failed:
            problems = tabular.problem_lines(failed)
        except ServiceError as refused:
            problems = [str(refused)]
        else:
            messages.success(request, _("手順を%(n)s件追加しました。") % {"n": len(added)})
            return redirect(_steps_url(process, "steps"))
    formset = step_formset(None, steps)
    context_problems = [_("まとめて追加できませんでした。何も追加していません。"), *problems]
    return _editor(
        request, process, steps, formset, quick, context_problems if problems else [], status=400
    )


# --- import -------------------------------------------------------------------------------


@route(org("view"))
def process_import(request, lgcode, process_id):
    """Steps from Excel or CSV: every row checked first, every bad row reported, nothing saved
    when one is bad."""
    process = _process(request, process_id)
    if refused := _refuse_change(request, process):
        return refused
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"process": process, "form": form, "problems": []}
    if request.method != "POST":
        return render(request, "challenges/processes/import.html", context)
    if not form.is_valid():
        context["problems"] = [e for errors in form.errors.values() for e in errors]
        return render(request, "challenges/processes/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        count = excel.import_steps(
            acting_user=request.user,
            process=process,
            data=upload.read(),
            filename=upload.name,
            replace=form.cleaned_data["replace"],
        )
    except (tabular.TableImportError, tabular.TableFileError) as failed:
        context["problems"] = tabular.problem_lines(failed)
        return render(request, "challenges/processes/import.html", context, status=400)
    except ServiceError as refused:
        context["problems"] = [str(refused)]
        return render(request, "challenges/processes/import.html", context, status=400)
    messages.success(request, _("手順を%(n)s件取り込みました。") % {"n": count})
    return redirect(_detail_url(process))


# --- one click: a candidate step becomes a 課題 -------------------------------------------------


@route(org("view"))
@require_POST
def process_step_challenge(request, lgcode, process_id, step_id):
    """Make a 候補 課題 from the step and open it; a step already made into one opens that."""
    process = _process(request, process_id)
    step = _step(process, step_id)
    if not access.can_create_in(request.user, request.org, process.department):
        raise PermissionDenied
    try:
        challenge = services.make_challenge(acting_user=request.user, step=step)
    except services.AlreadyMade as made:
        if made.visible:
            messages.info(request, str(made))
            return redirect(challenge_url(made.challenge))
        messages.error(request, str(made))
        return redirect(back(request, _detail_url(process, "candidates")))
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(back(request, _detail_url(process, "candidates")))
    messages.success(
        request,
        _("課題「%(t)s」を作りました(候補)。点数を付けて優先順位を決めてください。")
        % {"t": challenge.title},
    )
    return redirect(challenge_url(challenge))


# --- the organization's analysis ----------------------------------------------------------

TOP_CANDIDATES = 10  # shown open; the others behind 「残りのn件を表示」


@route(org("view"))
@allows_inline_styles
def process_analysis(request, lgcode):
    """Shared steps, improvement candidates and staff time per step type and medium for all
    the organization's processes (3 queries)."""
    pairs = queries.with_data(queries.processes_of(request.org, request.user))
    data = [d for _p, d in pairs]
    found = analysis.all_candidates(data)
    made = queries.challenges_by_step(request.user, [c.step.id for c in found])
    departments = {p.pk: p.department for p, _d in pairs}
    by_type = analysis.totals_by(data, "step_type")
    by_medium = analysis.totals_by(data, "medium")
    rows = [
        {
            "candidate": c,
            "challenge": made.get(c.step.id),
            "can_make": access.can_create_in(
                request.user, request.org, departments.get(c.process.id)
            ),
        }
        for c in found
    ]
    context = {
        "processes": pairs,
        "total": analysis.total_figures(data),
        "shared": analysis.shared_steps(data),
        "candidates": rows,
        "candidates_top": rows[:TOP_CANDIDATES],
        "candidates_rest": rows[TOP_CANDIDATES:],
        "by_type": by_type,
        "by_medium": by_medium,
        "chart": {
            "types": _chart(by_type),
            "media": _chart(by_medium),
        },
        "freed_hours": analysis.hours(sum((c.staff_minutes_year for c in found), analysis.ZERO)),
    }
    return render(request, "challenges/processes/analysis.html", context)


def _chart(totals) -> dict:
    return {
        "labels": [t.label for t in totals],
        "hours": [float(analysis.one_place(t.staff_hours_year)) for t in totals],
    }


@route(org("view"))
def process_analysis_excel(request, lgcode):
    pairs = queries.with_data(queries.processes_of(request.org, request.user))
    body = excel.analysis_xlsx(request.org, pairs)
    return downloads.attachment(body, f"process-analysis-{lgcode}.xlsx")


# --- the prefecture's comparison ----------------------------------------------------------


@route(org("view"))
def process_compare(request, lgcode):
    """One procedure (比較用の標準名) across the prefecture's municipalities, side by side."""
    if request.org.kind != OrgKind.PREFECTURE:
        raise Http404
    names = queries.common_names(request.user, request.org)
    chosen = request.GET.get("name", "")
    if chosen not in {n for n, _count in names}:
        chosen = names[0][0] if names else ""
    pairs = queries.compared(request.user, request.org, chosen) if chosen else []
    comparison = analysis.compare([d for _p, d in pairs])
    columns = [
        {
            "process": p,
            "figures": f,
            "candidates": len(analysis.candidates(d)),
        }
        for (p, _d), (d, f) in zip(pairs, comparison.columns, strict=True)
    ]
    context = {
        "names": names,
        "chosen": chosen,
        "columns": columns,
        "comparison": comparison,
        "rows": [_compare_row(r, columns) for r in comparison.rows],
    }
    return render(request, "challenges/processes/compare.html", context)


def _compare_row(row, columns) -> dict:
    def names(indexes):  # a municipality with two of the columns is named once
        found = (columns[i]["process"].organization.name for i in indexes)
        return "、".join(dict.fromkeys(found))

    return {
        "row": row,
        "cells": row.cells,
        "digital": names(row.digital_columns),
        "paper": names(row.paper_only_columns),
    }
