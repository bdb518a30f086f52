"""Pages of the assessments app. Access is declared with @route; objects are looked up inside
the organization of the URL, so another organization's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access, downloads, tabular, uploads
from chiikidx.core.access import SUPERUSER, org, route
from chiikidx.core.middleware import allows_inline_styles
from chiikidx.core.requests import int_or_none, posted
from chiikidx.core.services import ServiceError
from chiikidx.plans import queries as plan_queries
from chiikidx.plans import services as plan_services
from chiikidx.plans.choices import SourceKind

from . import (
    evidence,
    excel,
    framework_excel,
    frameworks,
    national,
    overview,
    queries,
    report,
    services,
)
from .choices import EDITABLE_STATUSES, QuestionType, ResponseStatus
from .definition import DefinitionError
from .forms import (
    AdoptForm,
    DimensionForm,
    FrameworkForm,
    ImportForm,
    QuestionForm,
    ReopenForm,
    RoundForm,
    SettingsForm,
    ValidationRuleForm,
    VersionInfoForm,
)
from .forms import shown as forms_shown
from .models import EvidenceFile, FrameworkVersion, Response, Round
from .presenters import answer_sheet, score_table


def _prefecture_only(request):
    if not request.org.is_prefecture:
        raise Http404


@route(org("view"))
def home(request, lgcode):
    if request.org.is_prefecture:
        context = {
            "frameworks": queries.frameworks_of(request.org),
            "rounds": queries.rounds_of(request.org),
            "adopt_form": AdoptForm(available=queries.adoptable(request.org)),
            "can_manage": access.can(request.user, "manage", request.org),
            "can_change": access.can(request.user, "change", request.org),
            "disclosure_label": queries.settings_of(request.org.pk).get_disclosure_display(),
        }
        return render(request, "assessments/prefecture_home.html", context)
    context = {"responses": queries.responses_of(request.org)}
    return render(request, "assessments/municipality_home.html", context)


@route(org("manage"))
@require_POST
def adopt(request, lgcode):
    _prefecture_only(request)
    form = AdoptForm(request.POST, available=queries.adoptable(request.org))
    if form.is_valid():
        version = services.adopt_shipped(
            acting_user=request.user, organization=request.org, code=form.cleaned_data["code"]
        )
        messages.success(request, _("「%(title)s」を採用しました。") % {"title": version.framework})
        return redirect("assessments:version", lgcode=lgcode, version_id=version.pk)
    messages.error(request, _("採用するフレームワークを選んでください。"))
    return redirect("assessments:home", lgcode=lgcode)


def _version(request, version_id) -> FrameworkVersion:
    _prefecture_only(request)
    try:
        return queries.version_of(request.org, version_id)
    except FrameworkVersion.DoesNotExist as exc:
        raise Http404 from exc


@route(org("view"))
def version(request, lgcode, version_id):
    version = _version(request, version_id)
    can_manage = access.can(request.user, "manage", request.org)
    context = {
        "version": version,
        "definition": frameworks.definition_of(version),
        "can_manage": can_manage,
        "editing": can_manage and not version.is_published,
    }
    return render(request, "assessments/version.html", context)


@route(org("view"))
def version_yaml(request, lgcode, version_id):
    version = _version(request, version_id)
    body = frameworks.write_yaml(frameworks.definition_of(version))
    name = f"{version.framework.code}-v{version.number}.yaml"
    return downloads.attachment(body, name, downloads.YAML)


@route(org("view"))
def version_excel(request, lgcode, version_id):
    version = _version(request, version_id)
    body = framework_excel.write(frameworks.definition_of(version))
    return downloads.attachment(body, f"{version.framework.code}-v{version.number}.xlsx")


@route(org("manage"))
@require_POST
def version_publish(request, lgcode, version_id):
    version = _version(request, version_id)
    try:
        services.publish(acting_user=request.user, version=version)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("第%(n)s版を公開しました。以後この版は変更できません。") % {"n": version.number},
        )
    return redirect("assessments:version", lgcode=lgcode, version_id=version.pk)


@route(org("manage"))
@require_POST
def version_new_draft(request, lgcode, version_id):
    version = _version(request, version_id)
    draft = services.new_draft(
        acting_user=request.user,
        version=version,
        change_note=_("第%(n)s版をもとに作成") % {"n": version.number},
    )
    messages.success(request, _("第%(n)s版(下書き)を作りました。") % {"n": draft.number})
    return redirect("assessments:version", lgcode=lgcode, version_id=draft.pk)


@route(org("manage"))
def import_framework(request, lgcode):
    _prefecture_only(request)
    form = ImportForm(posted(request), request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.name.lower().endswith(".xlsx"):
                definition = framework_excel.read(upload.read())
            else:
                definition = frameworks.read_yaml(upload.read())
            version = services.install(
                acting_user=request.user,
                organization=request.org,
                definition=definition,
                change_note=_("ファイルから取り込み"),
            )
        except DefinitionError as error:
            problems = error.problems
        else:
            messages.success(
                request, _("第%(n)s版(下書き)として取り込みました。") % {"n": version.number}
            )
            return redirect("assessments:version", lgcode=lgcode, version_id=version.pk)
    status = 400 if problems or form.errors else 200
    return render(
        request, "assessments/import.html", {"form": form, "problems": problems}, status=status
    )


@route(org("change"))
def round_new(request, lgcode):
    _prefecture_only(request)
    form = RoundForm(posted(request), prefecture=request.org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.open_round(
                acting_user=request.user,
                prefecture=request.org,
                version=data["version"],
                title=data["title"],
                fiscal_year=form.fiscal_year(),
                opens_on=data["opens_on"],
                due_on=data["due_on"],
                note=data["note"],
                municipalities=data["municipalities"] or None,
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("「%(title)s」を開始しました。") % {"title": survey.title})
            return redirect("assessments:round", lgcode=lgcode, round_id=survey.pk)
    return render(
        request, "assessments/round_form.html", {"form": form}, status=400 if form.errors else 200
    )


@route(org("view"))
def round_detail(request, lgcode, round_id):
    return _render_round(request, _round(request, round_id))


def _render_round(request, survey, upload_problems=None, status=200):
    rows = list(queries.tracker(survey, request.user))
    for row in rows:
        row.round = survey
        row.late = queries.is_late(row)
    counts = {state: sum(1 for r in rows if r.status == state) for state in ResponseStatus.values}
    context = {
        "round": survey,
        "rows": rows,
        "counts": counts,
        "late": sum(1 for r in rows if r.late),
        "upload_problems": upload_problems or [],
        "can_import": access.can(request.user, "change", request.org),
        "can_cancel": access.can(request.user, "manage", request.org),
    }
    return render(request, "assessments/round.html", context, status=status)


def _response(request, response_id) -> Response:
    return get_object_or_404(
        Response.objects.select_related("round__version__framework", "round__organization"),
        pk=response_id,
        organization=request.org,
    )


@route(org("view"))
def response_detail(request, lgcode, response_id):
    response = _response(request, response_id)
    return _render_response(request, response)


def _render_response(request, response, errors=None, status=200, upload_problems=None):
    definition = services.definition_for(response)
    values = services.answer_values(response)
    previous = queries.previous_response(response)
    context = {
        "response": response,
        "definition": definition,
        "sheet": answer_sheet(
            definition,
            values,
            services.answer_values(previous) if previous else {},
            errors or {},
            evidence.files_by_question(response),
        ),
        "evidence_limit": evidence.size_text(evidence.max_bytes()),
        "evidence_accept": uploads.accept(evidence.EXTENSIONS),
        "previous": previous,
        "editable": response.status in EDITABLE_STATUSES
        and response.round.is_answerable
        and access.can(request.user, "change", response),
        "can_review": response.status == ResponseStatus.SUBMITTED
        and access.can(request.user, "review", response),
        "scores": score_table(definition, response) if response.overall_score is not None else None,
        "upload_problems": upload_problems or [],
    }
    return render(request, "assessments/response.html", context, status=status)


def _raw_answers(request, definition) -> dict:
    raw = {}
    for q in definition.questions():
        key = f"q-{q.code}"
        if q.type == "multiple":
            if key in request.POST or f"{key}-present" in request.POST:
                raw[q.code] = request.POST.getlist(key)
        elif key in request.POST:
            raw[q.code] = request.POST.get(key)
    return raw


@route(org("change"))
@require_POST
def response_save(request, lgcode, response_id):
    response = _response(request, response_id)
    definition = services.definition_for(response)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        services.save_answers(
            acting_user=request.user, response=response, raw=_raw_answers(request, definition)
        )
    except services.AnswerErrors as failed:
        errors = {e.question: e.message for e in failed.errors}
        if wants_json:
            return JsonResponse({"saved": False, "errors": errors}, status=400)
        return _render_response(request, response, errors, status=400)
    except ServiceError as refused:
        if wants_json:
            return JsonResponse({"saved": False, "errors": {"": str(refused)}}, status=400)
        messages.error(request, str(refused))
        return redirect("assessments:response", lgcode=lgcode, response_id=response.pk)
    if wants_json:
        sheet = answer_sheet(
            definition,
            services.answer_values(response),
            {},
            {},
            evidence.files_by_question(response),
        )
        progress = {s["code"]: s["percent"] for s in sheet}
        return JsonResponse(
            {"saved": True, "at": timezone.localtime().strftime("%H:%M"), "progress": progress}
        )
    messages.success(request, _("保存しました。"))
    return redirect("assessments:response", lgcode=lgcode, response_id=response.pk)


@route(org("change"))
@require_POST
def response_submit(request, lgcode, response_id):
    response = _response(request, response_id)
    try:
        services.submit(acting_user=request.user, response=response)
    except services.AnswerErrors as failed:
        errors = {e.question: e.message for e in failed.errors}
        messages.error(
            request, _("未回答または誤りのある設問が %(n)s 件あります。") % {"n": len(errors)}
        )
        return _render_response(request, response, errors, status=400)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("提出しました。県の確認をお待ちください。"))
    return redirect("assessments:response", lgcode=lgcode, response_id=response.pk)


def _at_question(lgcode, response, code: str, definition) -> str:
    url = reverse("assessments:response", kwargs={"lgcode": lgcode, "response_id": response.pk})
    return url + (f"#q-{code}" if code in definition.question_map() else "")


@route(org("change"))
@require_POST
def evidence_upload(request, lgcode, response_id):
    """Attach a file to an evidence question (a plain multipart form per question)."""
    response = _response(request, response_id)
    definition = services.definition_for(response)
    code = request.POST.get("question", "")
    try:
        item = services.attach_evidence(
            acting_user=request.user,
            response=response,
            question_code=code,
            upload=request.FILES.get("file"),
        )
    except ServiceError as refused:
        question = definition.question_map().get(code)
        if question is not None and question.type == QuestionType.EVIDENCE:
            messages.error(request, _("ファイルを添付できませんでした。"))
            return _render_response(request, response, {code: str(refused)}, status=400)
        messages.error(request, str(refused))
        return redirect(_at_question(lgcode, response, code, definition))
    messages.success(request, _("「%(name)s」を添付しました。") % {"name": item.original_name})
    return redirect(_at_question(lgcode, response, code, definition))


def _evidence_item(request, response_id, file_id) -> EvidenceFile:
    response = _response(request, response_id)
    item = get_object_or_404(EvidenceFile, pk=file_id, response=response)
    item.response = response  # with its round, already loaded
    return item


@route(org("view"))
def evidence_download(request, lgcode, response_id, file_id):
    """An evidence file, to whoever may see the response (never served as a static file)."""
    item = _evidence_item(request, response_id, file_id)
    return downloads.stored_file(item.file, item.original_name, item.content_type, "evidence")


@route(org("change"))
@require_POST
def evidence_delete(request, lgcode, response_id, file_id):
    item = _evidence_item(request, response_id, file_id)
    response = item.response
    try:
        services.remove_evidence(acting_user=request.user, item=item)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("「%(name)s」を削除しました。") % {"name": item.original_name})
    definition = services.definition_for(response)
    return redirect(_at_question(lgcode, response, item.question_code, definition))


@route(org("review"))
@require_POST
def response_review(request, lgcode, response_id):
    response = _response(request, response_id)
    accept = request.POST.get("decision") == "accept"
    try:
        services.review(
            acting_user=request.user,
            response=response,
            accept=accept,
            comment=request.POST.get("comment", ""),
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("受理しました。") if accept else _("差し戻しました。"))
    return redirect("assessments:response", lgcode=lgcode, response_id=response.pk)


@route(org("view"))
@allows_inline_styles
def response_report(request, lgcode, response_id):
    response = _response(request, response_id)
    definition = services.definition_for(response)
    counted = response.status in (ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED)
    built = report.build(definition, response, request.user) if counted else None
    context = {"response": response, "report": built}
    if built:
        context |= _plan_links(request, built)
    return render(request, "assessments/report.html", context)


def _plan_links(request, built: dict) -> dict:
    """「施策の候補にする」: the municipality's plans that take candidates, and the measures
    already made from each weak point (through the plans app's queries)."""
    points = built["weak_points"] + [h["point"] for h in built["hints"]]
    made = plan_queries.measures_from(request.org, SourceKind.ASSESSMENT, [p.ref for p in points])
    for point in points:
        point.measure = made.get(point.ref)
    if not access.can(request.user, "change", request.org):
        return {"can_plan": False}
    return {
        "can_plan": True,
        "candidate_plans": list(plan_queries.candidate_plans(request.org)),
        "plan_departments": list(plan_queries.departments_for(request.org)),
    }


@route(org("change"))
@require_POST
def report_measure(request, lgcode, response_id):
    """Turn one weak point of the report into a candidate measure of a chosen plan."""
    response = _response(request, response_id)
    back = reverse("assessments:report", args=[lgcode, response.pk])
    if response.status not in (ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED):
        messages.error(request, _("結果は回答を提出すると表示されます。"))
        return redirect(back)
    definition = services.definition_for(response)
    points = {p.ref: p for p in report.weak_points_of(definition, response)}
    point = points.get(request.POST.get("point", ""))
    plan = plan_queries.candidate_plans(request.org).filter(
        pk=int_or_none(request.POST.get("plan"))
    )
    department = plan_queries.departments_for(request.org).filter(
        pk=int_or_none(request.POST.get("department"))
    )
    if point is None:
        messages.error(
            request, _("施策の候補にする弱みが見つかりません。結果を開き直してください。")
        )
    elif not plan.exists():
        messages.error(request, _("候補を入れる計画(下書き・改定中)を選んでください。"))
    elif not department.exists():
        messages.error(request, _("施策の担当部署を選んでください。"))
    else:
        return _create_candidate(request, point, plan.get(), department.get(), back)
    return redirect(back)


def _create_candidate(request, point, plan, department, back):
    try:
        measure = plan_services.create_candidate_measure(
            acting_user=request.user,
            plan=plan,
            owner_department=department,
            source_kind=SourceKind.ASSESSMENT,
            source_ref=point.ref,
            title=point.title,
            description=point.description,
            target_level=point.target_level,
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(back)
    messages.success(
        request,
        _(
            "「%(plan)s」に施策の候補「%(title)s」を作りました(未着手)。期限と予算を入力してください。"
        )
        % {"plan": plan.title, "title": measure.title},
    )
    return redirect(back)


@route(org("view"))
@allows_inline_styles
def round_overview(request, lgcode, round_id):
    survey = _round(request, round_id)
    definition = frameworks.cached_definition(survey.version)
    params = _overview_params(request)
    context = {
        "round": survey,
        "params": params,
        "overview": overview.build(definition, survey, request.user, **params),
    }
    return render(request, "assessments/overview.html", context)


def _overview_params(request) -> dict:
    return {k: request.GET.get(k, "") for k in ("sort", *overview.FILTERS)}


@route(org("view"))
def overview_excel(request, lgcode, round_id):
    """The heatmap table as shown (same filters and order), with the averages."""
    survey = _round(request, round_id)
    definition = frameworks.cached_definition(survey.version)
    built = overview.build(definition, survey, request.user, **_overview_params(request))
    return downloads.attachment(overview.workbook(built, survey), f"overview-{survey.pk}.xlsx")


def _national(request) -> tuple[dict, dict]:
    choices = national.framework_choices()
    code = request.GET.get("framework", "")
    code = code if code in dict(choices) else choices[0][0]
    years = national.years_of(code)
    try:
        year = int(request.GET.get("fiscal_year", ""))
    except ValueError:
        year = None
    year = year if year in years else (years[0] if years else None)
    params = {k: request.GET.get(k, "") for k in ("sort", "prefecture", "kind", "peer_group")}
    built = None
    if year is not None:
        built = national.build(code, year, page=request.GET.get("page", 1), **params)
    context = {
        "choices": choices,
        "code": code,
        "title": dict(choices)[code],
        "years": years,
        "year": year,
        "params": params,
        "national": built,
        "query": request.GET.copy(),
    }
    return context, built


@route(SUPERUSER)
@allows_inline_styles
def national_overview(request):
    context, _built = _national(request)
    query = context["query"]
    query.pop("page", None)
    context["query"] = query.urlencode()
    return render(request, "assessments/national.html", context)


@route(SUPERUSER)
def national_excel(request):
    context, built = _national(request)
    if built is None:
        messages.error(
            request, _("保存できる結果がありません。フレームワークと年度を選んでください。")
        )
        return redirect("assessments:national")
    title = f"{context['title']} {context['year']}年度 全国の結果"
    return downloads.attachment(national.workbook(built, title), f"national-{context['year']}.xlsx")


@route(org("view"))
def response_excel(request, lgcode, response_id):
    response = _response(request, response_id)
    return downloads.attachment(
        excel.template(response), f"{response.organization.code}-{response.round.pk}.xlsx"
    )


@route(org("change"))
@require_POST
def response_excel_upload(request, lgcode, response_id):
    response = _response(request, response_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("取り込むExcelファイルを選んでください。"))
        return redirect("assessments:response", lgcode=lgcode, response_id=response.pk)
    try:
        saved = excel.import_upload(
            acting_user=request.user, response=response, data=upload.read(), filename=upload.name
        )
    except (tabular.TableImportError, tabular.TableFileError) as failed:
        return _render_response(
            request, response, status=400, upload_problems=tabular.problem_lines(failed)
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("Excelから %(n)s 問の回答を取り込みました。") % {"n": len(saved)}
        )
    return redirect("assessments:response", lgcode=lgcode, response_id=response.pk)


def _round(request, round_id) -> Round:
    _prefecture_only(request)
    found = get_object_or_404(
        Round.objects.select_related("version__framework"), pk=round_id, organization=request.org
    )
    found.organization = request.org  # the same row: no second query for it
    return found


@route(org("change"))
@require_POST
def round_close(request, lgcode, round_id):
    survey = _round(request, round_id)
    return _round_action(
        request,
        survey,
        lambda: services.close_round(
            acting_user=request.user, round_=survey, reason=request.POST.get("reason", "")
        ),
        _("締め切りました。提出済みの回答は引き続き受理できます。"),
    )


@route(org("change"))
@require_POST
def round_reopen(request, lgcode, round_id):
    survey = _round(request, round_id)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("assessments:round", lgcode=lgcode, round_id=survey.pk)
    return _round_action(
        request,
        survey,
        lambda: services.reopen_round(
            acting_user=request.user, round_=survey, due_on=form.cleaned_data["due_on"]
        ),
        _("受付を再開しました。"),
    )


@route(org("manage"))
@require_POST
def round_cancel(request, lgcode, round_id):
    survey = _round(request, round_id)
    return _round_action(
        request,
        survey,
        lambda: services.cancel_round(
            acting_user=request.user, round_=survey, reason=request.POST.get("reason", "")
        ),
        _("調査を中止しました。結果は集計に使われなくなります。"),
    )


def _round_action(request, survey, action, done: str):
    try:
        action()
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect("assessments:round", lgcode=request.org.code, round_id=survey.pk)


@route(org("manage"))
def settings_edit(request, lgcode):
    _prefecture_only(request)
    current = queries.settings_of(request.org.pk)
    form = SettingsForm(posted(request), initial={"disclosure": current.disclosure})
    if request.method == "POST" and form.is_valid():
        services.save_settings(
            acting_user=request.user,
            prefecture=request.org,
            disclosure=form.cleaned_data["disclosure"],
        )
        messages.success(request, _("設定を保存しました。すべての調査回に適用されます。"))
        return redirect("assessments:home", lgcode=lgcode)
    return render(
        request,
        "assessments/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@route(org("view"))
def round_excel(request, lgcode, round_id):
    survey = _round(request, round_id)
    responses = list(queries.tracker(survey, request.user))
    return downloads.attachment(excel.round_workbook(survey, responses), f"round-{survey.pk}.xlsx")


@route(org("change"))
@require_POST
def round_excel_upload(request, lgcode, round_id):
    survey = _round(request, round_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("取り込むExcelファイルを選んでください。"))
        return redirect("assessments:round", lgcode=lgcode, round_id=survey.pk)
    try:
        count = excel.import_round_workbook(
            acting_user=request.user, round_=survey, data=upload.read(), filename=upload.name
        )
    except (tabular.TableImportError, tabular.TableFileError) as failed:
        return _render_round(request, survey, tabular.problem_lines(failed), status=400)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect("assessments:round", lgcode=lgcode, round_id=survey.pk)
    messages.success(request, _("%(n)s 団体の回答を取り込みました。") % {"n": count})
    return redirect("assessments:round", lgcode=lgcode, round_id=survey.pk)


# --- editing a draft framework -----------------------------------------------------------------

FROZEN = _(
    "公開済みの版は変更できません。「この版をもとに新しい版を作る」で下書きを作ってから"
    "変更してください。"
)


def _draft(request, version_id):
    """(version, definition) of a draft the user may edit; (version, None) when it is frozen."""
    version = _version(request, version_id)
    if version.is_published:
        messages.error(request, FROZEN)
        return version, None
    return version, frameworks.definition_of(version)


def _to_version(version):
    return redirect(
        "assessments:version", lgcode=version.framework.organization.code, version_id=version.pk
    )


def _edit_page(request, template, context, form, problems=()):
    context = context | {"form": form, "problems": list(problems)}
    failed = request.method == "POST"
    return render(request, template, context, status=400 if failed else 200)


def _apply(request, service, **kwargs) -> list[str] | None:
    """Run an editing service: None when saved, else the problems to show on the form."""
    try:
        service(acting_user=request.user, **kwargs)
    except DefinitionError as error:
        return error.problems
    except ServiceError as refused:
        return [str(refused)]
    return None


def _find(items, code):
    found = next((item for item in items if item.code == code), None)
    if found is None:
        raise Http404
    return found


@route(org("manage"))
def framework_new(request, lgcode):
    _prefecture_only(request)
    form = FrameworkForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.create_framework(
                acting_user=request.user,
                organization=request.org,
                code=data["code"],
                title=data["title"],
                description=data["description"],
            )
        except ServiceError as refused:
            form.add_error("code", str(refused))
        else:
            messages.success(
                request,
                _("「%(title)s」を作りました。観点と設問を追加してください。")
                % {"title": data["title"]},
            )
            return _to_version(version)
    return render(
        request,
        "assessments/framework_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@route(org("manage"))
def version_edit(request, lgcode, version_id):
    version, definition = _draft(request, version_id)
    if definition is None:
        return _to_version(version)
    framework = version.framework
    initial = {
        "title": framework.title,
        "description": framework.description,
        "source": framework.source,
        "change_note": version.change_note,
    }
    form = VersionInfoForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        problems = _apply(
            request, services.update_version_info, version=version, **form.cleaned_data
        )
        if problems is None:
            messages.success(request, _("名称などを保存しました。"))
            return _to_version(version)
        return _edit_page(
            request, "assessments/version_edit.html", {"version": version}, form, problems
        )
    return _edit_page(request, "assessments/version_edit.html", {"version": version}, form)


def _dimension_page(request, version, definition, form, problems=(), dimension=None):
    context = {"version": version, "dimension": dimension}
    return _edit_page(request, "assessments/dimension_form.html", context, form, problems)


@route(org("manage"))
def dimension_new(request, lgcode, version_id):
    version, definition = _draft(request, version_id)
    if definition is None:
        return _to_version(version)
    initial = {"weight": 1, "parent": request.GET.get("parent", "")}
    form = DimensionForm(posted(request), initial=initial, definition=definition)
    if request.method == "POST" and form.is_valid():
        problems = _apply(
            request,
            services.save_dimension,
            version=version,
            fields=form.fields_data(),
            parent=form.cleaned_data["parent"],
        )
        if problems is None:
            messages.success(request, _("観点を追加しました。"))
            return _to_version(version)
        return _dimension_page(request, version, definition, form, problems)
    return _dimension_page(request, version, definition, form)


@route(org("manage"))
def dimension_edit(request, lgcode, version_id, dimension_code):
    version, definition = _draft(request, version_id)
    if definition is None:
        return _to_version(version)
    dimension = _find(definition.all_dimensions(), dimension_code)
    parent = next((d.code for d in definition.all_dimensions() if dimension in d.children), "")
    initial = {
        "code": dimension.code,
        "title": dimension.title,
        "description": dimension.description,
        "weight": forms_shown(dimension.weight),
        "parent": parent,
    }
    form = DimensionForm(
        posted(request), initial=initial, definition=definition, exclude=dimension.code
    )
    if request.method == "POST" and form.is_valid():
        problems = _apply(
            request,
            services.save_dimension,
            version=version,
            fields=form.fields_data(),
            parent=form.cleaned_data["parent"],
            old_code=dimension.code,
        )
        if problems is None:
            messages.success(request, _("観点を保存しました。"))
            return _to_version(version)
        return _dimension_page(request, version, definition, form, problems, dimension)
    return _dimension_page(request, version, definition, form, dimension=dimension)


def _post_edit(request, version_id, service, done: str, **kwargs):
    """A one-button change (delete, move): its result as a message on the version page."""
    version, definition = _draft(request, version_id)
    if definition is not None:
        try:
            service(acting_user=request.user, version=version, **kwargs)
        except DefinitionError as error:
            messages.error(request, " ".join(error.problems))
        except ServiceError as refused:
            messages.error(request, str(refused))
        else:
            if done:
                messages.success(request, done)
    return _to_version(version)


def _step(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@route(org("manage"))
@require_POST
def dimension_delete(request, lgcode, version_id, dimension_code):
    return _post_edit(
        request,
        version_id,
        services.delete_dimension,
        _("観点を削除しました。"),
        code=dimension_code,
    )


@route(org("manage"))
@require_POST
def dimension_move(request, lgcode, version_id, dimension_code):
    return _post_edit(
        request, version_id, services.move_dimension, "", code=dimension_code, step=_step(request)
    )


def _question_page(request, version, form, problems=(), question=None):
    context = {"version": version, "question": question, "types": QuestionType}
    return _edit_page(request, "assessments/question_form.html", context, form, problems)


@route(org("manage"))
def question_new(request, lgcode, version_id):
    version, definition = _draft(request, version_id)
    if definition is None:
        return _to_version(version)
    if not definition.dimensions:
        messages.error(request, _("先に観点を追加してください。設問は観点の中に作ります。"))
        return _to_version(version)
    initial = {"dimension": request.GET.get("dimension", ""), "weight": 1, "required": True}
    form = QuestionForm(posted(request), initial=initial, definition=definition)
    if request.method == "POST" and form.is_valid():
        problems = _apply(
            request,
            services.save_question,
            version=version,
            question=form.question_data(),
            dimension=form.cleaned_data["dimension"],
        )
        if problems is None:
            messages.success(request, _("設問を追加しました。"))
            return _to_version(version)
        return _question_page(request, version, form, problems)
    return _question_page(request, version, form)


@route(org("manage"))
def question_edit(request, lgcode, version_id, question_code):
    version, definition = _draft(request, version_id)
    if definition is None:
        return _to_version(version)
    question = _find(definition.questions(), question_code)
    form = QuestionForm(
        posted(request), initial=QuestionForm.initial_of(question), definition=definition
    )
    if request.method == "POST" and form.is_valid():
        problems = _apply(
            request,
            services.save_question,
            version=version,
            question=form.question_data(),
            dimension=form.cleaned_data["dimension"],
            old_code=question.code,
        )
        if problems is None:
            messages.success(request, _("設問を保存しました。"))
            return _to_version(version)
        return _question_page(request, version, form, problems, question)
    return _question_page(request, version, form, question=question)


@route(org("manage"))
@require_POST
def question_delete(request, lgcode, version_id, question_code):
    return _post_edit(
        request, version_id, services.delete_question, _("設問を削除しました。"), code=question_code
    )


@route(org("manage"))
@require_POST
def question_move(request, lgcode, version_id, question_code):
    return _post_edit(
        request, version_id, services.move_question, "", code=question_code, step=_step(request)
    )


@route(org("manage"))
def validations(request, lgcode, version_id):
    version, definition = _draft(request, version_id)
    if definition is None:
        return _to_version(version)
    form = ValidationRuleForm(posted(request), definition=definition)
    problems = []
    if request.method == "POST" and form.is_valid():
        problems = _apply(request, services.add_validation, version=version, rule=form.rule())
        if problems is None:
            messages.success(request, _("設問間のチェックを追加しました。"))
            return redirect("assessments:validations", lgcode=lgcode, version_id=version.pk)
    questions = definition.question_map()
    rules = [
        {
            "rule": rule,
            "if_question": questions.get(rule["if"].get("question")),
            "then_question": questions.get(rule["then"].get("question")),
        }
        for rule in definition.validations
    ]
    context = {"version": version, "rules": rules}
    return _edit_page(request, "assessments/validations.html", context, form, problems or [])


@route(org("manage"))
@require_POST
def validation_delete(request, lgcode, version_id):
    try:
        index = int(request.POST.get("index", ""))
    except ValueError:
        index = -1
    version, definition = _draft(request, version_id)
    if definition is None:
        return _to_version(version)
    try:
        services.delete_validation(acting_user=request.user, version=version, index=index)
    except (DefinitionError, ServiceError) as refused:
        messages.error(request, " ".join(getattr(refused, "problems", [str(refused)])))
    else:
        messages.success(request, _("設問間のチェックを削除しました。"))
    return redirect("assessments:validations", lgcode=lgcode, version_id=version.pk)
