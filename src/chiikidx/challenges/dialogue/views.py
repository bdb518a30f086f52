"""Pages of 対話の記録 (hearings, workshops, surveys, public comments, liaison notes and counter
role-plays) and their opinions. Records are looked up inside the organization of the URL, so
another organization's id is a 404.

Writes are routed with org("view") and decided per record by `access.can` (services): the
organization's staff write any record, a 原課担当 the records of their own department. A GET of
a form the user may not use goes back with a message; a POST is a 403.
"""

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

from chiikidx.core import access, downloads, tabular
from chiikidx.core.access import org, route
from chiikidx.core.japanese import wareki
from chiikidx.core.requests import int_or_none, posted
from chiikidx.core.services import ServiceError
from chiikidx.plans.queries import departments_for

from ..choices import DialogueKind
from ..models import DialogueAttachment, DialogueRecord, Opinion
from . import importer, queries, services
from .forms import AttachmentForm, ImportForm, OpinionForm, RecordForm

PAGE_SIZE = 50
OPINION_PAGE_SIZE = 50


def _record(request, record_id) -> DialogueRecord:
    try:
        return queries.record_of(request.org, request.user, record_id)
    except DialogueRecord.DoesNotExist as exc:
        raise Http404 from exc


def _opinion(request, opinion_id) -> Opinion:
    try:
        return queries.opinion_of(request.org, request.user, opinion_id)
    except Opinion.DoesNotExist as exc:
        raise Http404 from exc


def _attachment(record, attachment_id) -> DialogueAttachment:
    try:
        return queries.attachment_of(record, attachment_id)
    except DialogueAttachment.DoesNotExist as exc:
        raise Http404 from exc


def _detail_url(record: DialogueRecord, anchor: str = "") -> str:
    url = reverse("challenges:dialogue", args=[record.organization.code, record.pk])
    return f"{url}#{anchor}" if anchor else url


def _challenge_url(challenge) -> str:
    return reverse(
        "challenges:challenge",
        kwargs={"lgcode": challenge.organization.code, "challenge_id": challenge.pk},
    )


def _no_right(request, record: DialogueRecord):
    """GET of a form the user may not use: back to the record, saying who may."""
    if request.method == "POST":
        raise PermissionDenied
    messages.error(
        request,
        _("この記録を変更できるのは、団体の管理者・職員と、記録の部署(%(dept)s)の原課担当です。")
        % {"dept": record.department or _("部署なし")},
    )
    return redirect(_detail_url(record))


def _writable(request, record: DialogueRecord) -> bool:
    return services.can_change(request.user, record)


# --- the list -------------------------------------------------------------------------------


@route(org("view"))
def dialogues(request, lgcode):
    """The organization's records, newest first; by kind, department, 年度 and words."""
    departments = list(departments_for(request.org))
    years = queries.fiscal_years(request.org, request.user)
    chosen = _record_filter(request, departments, years)
    found = queries.filtered(queries.records_of(request.org, request.user), chosen)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "kinds": DialogueKind.choices,
        "departments": departments,
        "years": years,
        "chosen": chosen,
        "can_create": services.can_create_any(request.user, request.org),
    }
    return render(request, "challenges/dialogue/list.html", context)


def _record_filter(request, departments, years) -> queries.RecordFilter:
    kind = request.GET.get("kind", "")
    department_id = int_or_none(request.GET.get("department"))
    year = int_or_none(request.GET.get("year"))
    return queries.RecordFilter(
        kind=kind if kind in DialogueKind.values else "",
        department_id=department_id if any(d.pk == department_id for d in departments) else None,
        fiscal_year=year if year in years else None,
        text=request.GET.get("q", "").strip()[:100],
    )


# --- creating, editing, deleting ------------------------------------------------------------


@route(org("view"))
def dialogue_new(request, lgcode):
    if not services.can_create_any(request.user, request.org):
        if request.method == "POST":
            raise PermissionDenied
        messages.error(
            request,
            _(
                "対話の記録を登録できるのは、団体の管理者・職員と、自分の部署の記録を登録する"
                "原課担当です。"
            ),
        )
        return redirect("challenges:dialogues", lgcode=lgcode)
    initial = {
        "kind": request.GET.get("kind", DialogueKind.HEARING),
        "held_on": wareki(timezone.localdate()),
    }
    form = RecordForm(posted(request), organization=request.org, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.create_record(
                acting_user=request.user, organization=request.org, **form.values()
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("対話の記録「%(title)s」を登録しました。") % {"title": record.title}
                + _next_step(record),
            )
            return redirect(_detail_url(record))
    context = {"form": form, "record": None}
    status = 400 if form.errors else 200
    return render(request, "challenges/dialogue/form.html", context, status=status)


def _next_step(record: DialogueRecord) -> str:
    if record.kind in services.IMPORT_KINDS:
        return _("アンケートの回答は「ファイルから意見を取り込む」で取り込めます。")
    if record.kind == DialogueKind.ROLEPLAY:
        return _("「住民目線の気づきを追加」で、気づいたことを1件ずつ記録します。")
    return _("課題にするときは「この記録から課題を作る」を押します。")


@route(org("view"))
def dialogue_edit(request, lgcode, record_id):
    record = _record(request, record_id)
    if not _writable(request, record):
        return _no_right(request, record)
    initial = {name: getattr(record, name) for name in services.RECORD_FIELDS}
    initial["held_on"] = wareki(record.held_on)
    initial["held_until"] = wareki(record.held_until) if record.held_until else ""
    form = RecordForm(
        posted(request),
        organization=request.org,
        user=request.user,
        current=record.department,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_record(acting_user=request.user, record=record, **form.values())
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("対話の記録を保存しました。"))
            return redirect(_detail_url(record))
    context = {"form": form, "record": record}
    status = 400 if form.errors else 200
    return render(request, "challenges/dialogue/form.html", context, status=status)


@route(org("view"))
@require_POST
def dialogue_delete(request, lgcode, record_id):
    record = _record(request, record_id)
    if not _writable(request, record):
        raise PermissionDenied
    if request.POST.get("confirm") != "1":
        messages.error(request, _("削除するときは、確認の欄に印を付けてから押してください。"))
        return redirect(_detail_url(record, "delete"))
    title = record.title
    try:
        services.delete_record(acting_user=request.user, record=record)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(record, "delete"))
    messages.success(request, _("対話の記録「%(title)s」を削除しました。") % {"title": title})
    return redirect("challenges:dialogues", lgcode=lgcode)


# --- the record -----------------------------------------------------------------------------


@route(org("view"))
def dialogue_detail(request, lgcode, record_id):
    """The record, its attachments, its opinions (filtered, paged) and the challenges made from
    it or its opinions."""
    record = _record(request, record_id)
    chosen = queries.OpinionFilter(
        age_band=request.GET.get("age", "").strip()[:20],
        area=request.GET.get("area", "").strip()[:50],
        text=request.GET.get("q", "").strip()[:100],
    )
    found = queries.opinions_of(record, chosen)
    page = Paginator(found, OPINION_PAGE_SIZE).get_page(request.GET.get("page"))
    opinions = list(page.object_list)
    made = queries.challenges_by_opinion(opinions, request.user)
    can_change = _writable(request, record)
    # Only those who may change the record learn that a challenge they cannot see cites one.
    cited = queries.cited_opinions(opinions) if can_change else set()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "record": record,
        "is_roleplay": record.kind == DialogueKind.ROLEPLAY,
        "can_import": record.kind in services.IMPORT_KINDS,
        "attachments": queries.attachments_of(record),
        "attachment_accept": AttachmentForm.accept(),
        "challenges": queries.challenges_of(record, request.user),
        "page": page,
        "rows": [(o, made.get(o.pk), o.pk in cited) for o in opinions],
        "query": query.urlencode(),
        "chosen": chosen,
        "facets": queries.opinion_facets(record),
        "can_change": can_change,
        "can_audit": access.can(request.user, "audit", request.org),
    }
    return render(request, "challenges/dialogue/detail.html", context)


# --- making a challenge ---------------------------------------------------------------------


@route(org("view"))
@require_POST
def dialogue_challenge(request, lgcode, record_id):
    """この記録から課題を作る: then straight to the new challenge, to score it."""
    record = _record(request, record_id)
    if not _writable(request, record):
        raise PermissionDenied
    try:
        made = services.challenge_from_record(acting_user=request.user, record=record)
    except services.AlreadyMade as taken:
        return _already_made(request, taken, _detail_url(record, "challenges"))
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(record, "challenges"))
    return _to_challenge(request, made)


@route(org("view"))
@require_POST
def opinion_challenge(request, lgcode, opinion_id):
    """この意見を課題にする (one opinion or one 住民目線の気づき)."""
    opinion = _opinion(request, opinion_id)
    if not _writable(request, opinion.record):
        raise PermissionDenied
    back_to = _detail_url(opinion.record, f"opinion-{opinion.pk}")
    try:
        made = services.challenge_from_opinion(acting_user=request.user, opinion=opinion)
    except services.AlreadyMade as taken:
        return _already_made(request, taken, back_to)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(back_to)
    return _to_challenge(request, made)


def _already_made(request, taken, back_to: str):
    """A second click (or someone else's first): the existing 課題 opens, as for a process's
    step — when the user may see it; else back, told only that the source is taken."""
    if taken.visible:
        messages.info(request, str(taken))
        return redirect(_challenge_url(taken.challenge))
    messages.error(request, str(taken))
    return redirect(back_to)


def _to_challenge(request, made):
    messages.success(
        request,
        _(
            "課題「%(title)s」を作りました(出どころの記録とつながっています)。"
            "裨益性・難易度・緊急性を採点してください。"
        )
        % {"title": made.title},
    )
    return redirect(_challenge_url(made))


# --- attachments ----------------------------------------------------------------------------


@route(org("view"))
@require_POST
def attachment_upload(request, lgcode, record_id):
    record = _record(request, record_id)
    if not _writable(request, record):
        raise PermissionDenied
    try:
        item = services.attach_file(
            acting_user=request.user, record=record, upload=request.FILES.get("file")
        )
    except ServiceError as refused:
        messages.error(request, _("添付できませんでした: %(p)s") % {"p": refused})
    else:
        messages.success(request, _("「%(name)s」を添付しました。") % {"name": item.original_name})
    return redirect(_detail_url(record, "attachments"))


@route(org("view"))
def attachment_download(request, lgcode, record_id, attachment_id):
    """An attached file, to whoever may see the record (never served as a static file)."""
    record = _record(request, record_id)
    item = _attachment(record, attachment_id)
    return downloads.stored_file(item.file, item.original_name, item.content_type, "dialogue")


@route(org("view"))
@require_POST
def attachment_delete(request, lgcode, record_id, attachment_id):
    record = _record(request, record_id)
    item = _attachment(record, attachment_id)
    if not _writable(request, record):
        raise PermissionDenied
    name = item.original_name
    try:
        services.remove_attachment(acting_user=request.user, attachment=item)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("「%(name)s」を削除しました。") % {"name": name})
    return redirect(_detail_url(record, "attachments"))


# --- opinions by hand -----------------------------------------------------------------------


@route(org("view"))
def opinion_new(request, lgcode, record_id):
    """An opinion, or a role-play's 「住民目線の気づき」, entered by hand."""
    record = _record(request, record_id)
    if not _writable(request, record):
        return _no_right(request, record)
    return _opinion_form(request, record, None)


@route(org("view"))
def opinion_edit(request, lgcode, opinion_id):
    opinion = _opinion(request, opinion_id)
    if not _writable(request, opinion.record):
        return _no_right(request, opinion.record)
    return _opinion_form(request, opinion.record, opinion)


def _opinion_form(request, record, opinion):
    finding = record.kind == DialogueKind.ROLEPLAY
    initial = {}
    if opinion is not None:
        initial = {name: getattr(opinion, name) for name in ("text", "age_band", "area")}
    form = OpinionForm(posted(request), finding=finding, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if opinion is None:
                saved = services.add_opinion(
                    acting_user=request.user, record=record, **form.values()
                )
            else:
                saved = services.update_opinion(
                    acting_user=request.user, opinion=opinion, **form.values()
                )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("%(n)s番を保存しました。") % {"n": saved.number})
            if opinion is None and request.POST.get("another"):
                return redirect(
                    "challenges:opinion_new", lgcode=record.organization.code, record_id=record.pk
                )
            return redirect(_detail_url(record, f"opinion-{saved.pk}"))
    context = {"form": form, "record": record, "opinion": opinion, "finding": finding}
    status = 400 if form.errors else 200
    return render(request, "challenges/dialogue/opinion_form.html", context, status=status)


@route(org("view"))
@require_POST
def opinion_delete(request, lgcode, opinion_id):
    opinion = _opinion(request, opinion_id)
    record = opinion.record
    if not _writable(request, record):
        raise PermissionDenied
    number = opinion.number
    try:
        services.delete_opinion(acting_user=request.user, opinion=opinion)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_detail_url(record, f"opinion-{opinion.pk}"))
    messages.success(request, _("%(n)s番を削除しました。") % {"n": number})
    return redirect(_detail_url(record, "opinions"))


# --- the survey import ----------------------------------------------------------------------


@route(org("view"))
def dialogue_import(request, lgcode, record_id):
    """The page of the survey import (GET) and the import itself (POST)."""
    record = _record(request, record_id)
    if not _writable(request, record):
        return _no_right(request, record)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {
        "record": record,
        "form": form,
        "problems": [],
        "can_import": record.kind in services.IMPORT_KINDS,
        "kinds_message": services.import_kinds_message(),
        "existing": record.opinions.count(),
    }
    if request.method != "POST":
        return render(request, "challenges/dialogue/import.html", context)
    if not form.is_valid():
        context["problems"] = [_("取り込むファイル(Excel または CSV)を選んでください。")]
        return render(request, "challenges/dialogue/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        count = importer.import_file(
            acting_user=request.user, record=record, data=upload.read(), filename=upload.name
        )
    except (tabular.TableImportError, tabular.TableFileError) as failed:
        context["problems"] = tabular.problem_lines(failed)
        context["errors"] = getattr(failed, "errors", [])
        return render(request, "challenges/dialogue/import.html", context, status=400)
    except ServiceError as refused:
        context["problems"] = [str(refused)]
        return render(request, "challenges/dialogue/import.html", context, status=400)
    messages.success(request, _("意見を%(n)s件取り込みました。") % {"n": count})
    return redirect(_detail_url(record, "opinions"))


@route(org("view"))
def import_template(request, lgcode):
    """The empty template: 番号, 意見, 年代, 地区 and an example attribute column."""
    if request.GET.get("format") == "csv":
        return downloads.attachment(importer.template_csv(), "survey-opinions.csv", downloads.CSV)
    body = importer.template_xlsx(request.org)
    return downloads.attachment(body, f"survey-opinions-{lgcode}.xlsx")
