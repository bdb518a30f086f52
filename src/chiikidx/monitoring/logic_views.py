"""Pages of logic models: the organization's list, a model's page (diagram, links in doubt,
line of sight, the table alternative, exports) and the editor (model, nodes, links). Reading
needs org("view"), changing org("change"); every object is looked up inside the URL's
organization and model, so another organization's model, node or link is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access, downloads
from chiikidx.core.access import org, route
from chiikidx.core.services import ServiceError

from . import logic_export, logic_queries, logic_services
from .choices import LogicStage
from .logic_forms import LinkForm, LogicModelForm, NodeForm
from .models import LogicLink, LogicModel, LogicNode

SVG = "image/svg+xml; charset=utf-8"
EXPORTS = {"svg", "png", "pdf", "xlsx"}


def _model(request, model_id) -> LogicModel:
    try:
        return logic_queries.logic_model_of(request.org, model_id)
    except LogicModel.DoesNotExist as exc:
        raise Http404 from exc


def _node(logic_model, node_id) -> LogicNode:
    try:
        return logic_queries.node_of(logic_model, node_id)
    except LogicNode.DoesNotExist as exc:
        raise Http404 from exc


def _link(logic_model, link_id) -> LogicLink:
    try:
        return logic_queries.link_of(logic_model, link_id)
    except LogicLink.DoesNotExist as exc:
        raise Http404 from exc


def _editor(logic_model, anchor: str = ""):
    url = reverse(
        "monitoring:logic_model_edit", args=[logic_model.organization.code, logic_model.pk]
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


# --- reading ----------------------------------------------------------------------------------


@route(org("view"))
def logic_models(request, lgcode):
    """The organization's logic models, each with its counts and links in doubt."""
    found = logic_queries.analyses(logic_queries.logic_models_of(request.org))
    context = {"analyses": found, "can_change": access.can(request.user, "change", request.org)}
    return render(request, "monitoring/logic/list.html", context)


@route(org("view"))
def logic_model(request, lgcode, model_id):
    found = logic_queries.analysis(_model(request, model_id))
    problem = logic_export.renderer_problem()
    context = {
        "a": found,
        "svg": found.svg(prefix=f"logic-{found.logic_model.pk}"),
        "can_change": access.can(request.user, "change", request.org),
        "renderer_message": logic_export.renderer_message(problem) if problem else "",
    }
    return render(request, "monitoring/logic/model.html", context)


@route(org("view"))
def logic_model_export(request, lgcode, model_id):
    """?format=svg (default), png, pdf or xlsx."""
    fmt = request.GET.get("format", "svg")
    if fmt not in EXPORTS:
        raise Http404
    found = logic_queries.analysis(_model(request, model_id))
    name = f"logic-model-{lgcode}-{found.logic_model.pk}"
    if fmt == "xlsx":
        return downloads.attachment(logic_export.workbook(found), f"{name}.xlsx")
    svg = found.svg(prefix=f"logic-{found.logic_model.pk}", standalone=True)
    if fmt == "svg":
        return downloads.attachment(svg.encode("utf-8"), f"{name}.svg", SVG)
    try:
        body = logic_export.png(svg) if fmt == "png" else logic_export.pdf(svg)
    except logic_export.RendererMissing as missing:
        messages.error(request, str(missing))
        return redirect("monitoring:logic_model", lgcode=lgcode, model_id=found.logic_model.pk)
    kind = "image/png" if fmt == "png" else "application/pdf"
    return downloads.attachment(body, f"{name}.{fmt}", kind)


# --- the model --------------------------------------------------------------------------------


def _form_page(request, form, template: str, context, save, done):
    """The model, node and link forms: on a valid POST `save(cleaned_data)` (the form's fields
    are the service's arguments); a refusal shows on the form; after saving, `done(saved)`
    gives the message and the editor's anchor. `context()` is only built to show the form."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            message, destination = done(saved)
            messages.success(request, message)
            return destination
    page = {"form": form, **context()}
    return render(request, template, page, status=400 if form.errors else 200)


def _delete_part(request, found, delete, message: str, anchor: str):
    """Delete a node or a link (the service refuses with a message), back to the editor."""
    try:
        delete()
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, message)
    return _editor(found, anchor)


@route(org("change"))
def logic_model_new(request, lgcode):
    form = LogicModelForm(request.POST or None, organization=request.org)

    def save(data):
        return logic_services.save_logic_model(
            acting_user=request.user, organization=request.org, **data
        )

    def done(saved):
        message = _("ロジックモデル「%(t)s」を作成しました。ノードとつながりを加えてください。")
        return message % {"t": saved.title}, _editor(saved)

    return _form_page(
        request, form, "monitoring/logic/model_form.html", lambda: {"logic_model": None}, save, done
    )


@route(org("change"))
def logic_model_edit(request, lgcode, model_id):
    """The editor: the model's own fields, its nodes by stage and its links."""
    found = _model(request, model_id)
    initial = {
        "title": found.title,
        "description": found.description,
        "plan": found.plan_id,
        "policy": found.policy_id,
    }
    form = LogicModelForm(request.POST or None, organization=request.org, initial=initial)

    def save(data):
        return logic_services.save_logic_model(
            acting_user=request.user, organization=request.org, logic_model=found, **data
        )

    def context():
        return {
            "logic_model": found,
            "a": logic_queries.analysis(found),
            "stages": LogicStage.choices,
        }

    return _form_page(
        request,
        form,
        "monitoring/logic/editor.html",
        context,
        save,
        lambda saved: (_("ロジックモデルを保存しました。"), _editor(found)),
    )


@route(org("change"))
@require_POST
def logic_model_delete(request, lgcode, model_id):
    found = _model(request, model_id)
    try:
        logic_services.delete_logic_model(acting_user=request.user, logic_model=found)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return _editor(found)
    messages.success(request, _("ロジックモデル「%(t)s」を削除しました。") % {"t": found.title})
    return redirect("monitoring:logic_models", lgcode=lgcode)


# --- nodes ------------------------------------------------------------------------------------


@route(org("change"))
def logic_node_new(request, lgcode, model_id):
    found = _model(request, model_id)
    stage = request.GET.get("stage", "")
    initial = {"stage": stage} if stage in LogicStage.values else {}
    if stage == LogicStage.IMPACT and found.plan is not None:
        initial["title"] = found.plan.vision.strip()[:200]  # the impact restates the vision
    return _node_form(request, found, None, initial)


@route(org("change"))
def logic_node_edit(request, lgcode, model_id, node_id):
    found = _model(request, model_id)
    node = _node(found, node_id)
    initial = {
        "stage": node.stage,
        "title": node.title,
        "description": node.description,
        "order": node.order,
        "measures": list(node.measures.values_list("pk", flat=True)),
        "kpis": list(node.kpis.values_list("pk", flat=True)),
    }
    return _node_form(request, found, node, initial)


def _node_form(request, found, node, initial):
    form = NodeForm(request.POST or None, organization=request.org, initial=initial)

    def save(data):
        return logic_services.save_node(
            acting_user=request.user, logic_model=found, node=node, **data
        )

    def done(saved):
        message = _("ノード「%(t)s」を保存しました。") % {"t": saved.title}
        return message, _editor(found, f"node-{saved.pk}")

    context = {"logic_model": found, "node": node}
    return _form_page(request, form, "monitoring/logic/node_form.html", lambda: context, save, done)


@route(org("change"))
@require_POST
def logic_node_delete(request, lgcode, model_id, node_id):
    found = _model(request, model_id)
    node = _node(found, node_id)
    return _delete_part(
        request,
        found,
        lambda: logic_services.delete_node(acting_user=request.user, node=node),
        _("ノード「%(t)s」と、そのつながりを削除しました。") % {"t": node.title},
        "nodes",
    )


# --- links ------------------------------------------------------------------------------------


@route(org("change"))
def logic_link_new(request, lgcode, model_id):
    found = _model(request, model_id)
    initial = {}
    for name in ("source", "target"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    return _link_form(request, found, None, initial)


@route(org("change"))
def logic_link_edit(request, lgcode, model_id, link_id):
    found = _model(request, model_id)
    link = _link(found, link_id)
    initial = {
        "source": link.source_id,
        "target": link.target_id,
        "assumption": link.assumption,
        "rationale": link.rationale,
    }
    return _link_form(request, found, link, initial)


def _link_form(request, found, link, initial):
    form = LinkForm(request.POST or None, logic_model=found, initial=initial)

    def save(data):
        return logic_services.save_link(
            acting_user=request.user, logic_model=found, link=link, **data
        )

    def done(saved):
        message = _("「%(s)s」→「%(t)s」のつながりを保存しました。") % {
            "s": saved.source.title,
            "t": saved.target.title,
        }
        return message, _editor(found, f"link-{saved.pk}")

    context = {"logic_model": found, "link": link}
    return _form_page(request, form, "monitoring/logic/link_form.html", lambda: context, save, done)


@route(org("change"))
@require_POST
def logic_link_delete(request, lgcode, model_id, link_id):
    found = _model(request, model_id)
    link = _link(found, link_id)
    return _delete_part(
        request,
        found,
        lambda: logic_services.delete_link(acting_user=request.user, link=link),
        _("「%(s)s」→「%(t)s」のつながりを削除しました。")
        % {"s": link.source.title, "t": link.target.title},
        "links",
    )
