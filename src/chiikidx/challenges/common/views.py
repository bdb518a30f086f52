"""Pages of the prefecture's common issues (県内の共通課題): the queue of shared and escalated
challenges, their grouping by text similarity, and the prefecture's groups with the wide-area
initiatives they become.

These pages exist in a prefecture's workspace only (a municipality's: 404). Access is declared
with @route; reads go through `Challenge.objects.visible_to` (a municipality's unshared
challenge never shows) and groups are looked up inside the prefecture of the URL, so another
prefecture's id is a 404. Writes need "change" on the prefecture (its DX推進課) and go through
`services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiikidx.core import access
from chiikidx.core.access import org, route
from chiikidx.core.japanese import wareki
from chiikidx.core.requests import back, posted
from chiikidx.core.services import ServiceError

from ..choices import InitiativeKind
from ..models import CommonIssueGroup
from . import queries, services
from .forms import TABS, GroupForm, MeasureForm, NewGroupForm, StudyGroupForm, threshold_from
from .similarity import Group

GROUPS_PER_PAGE = 20
MEMBERS_SHOWN = 8
SINGLES_SHOWN = 100  # issues like no other, listed under the last page of groups
ROWS_PER_PAGE = 100


def _prefecture(request):
    if not request.org.is_prefecture:
        raise Http404
    return request.org


def _group(request, group_id) -> CommonIssueGroup:
    try:
        return queries.group_of(_prefecture(request), request.user, group_id)
    except CommonIssueGroup.DoesNotExist as exc:
        raise Http404 from exc


def _group_url(group: CommonIssueGroup, anchor: str = "") -> str:
    url = reverse("challenges:common_group", args=[group.organization.code, group.pk])
    return f"{url}#{anchor}" if anchor else url


# --- the queue and the grouping ----------------------------------------------------------------


@route(org("view"))
def common(request, lgcode):
    """県内の共通課題: shared and escalated challenges of the prefecture's municipalities, and
    their grouping by text similarity with a threshold the user sets."""
    prefecture = _prefecture(request)
    tab = request.GET.get("tab", "similar")
    tab = tab if tab in TABS else "similar"
    everything = queries.queue(prefecture, request.user)
    fields, regions = queries.fields_of(everything), queries.regions_of(prefecture)
    field = request.GET.get("field", "")
    field = field if field in fields else ""
    region = request.GET.get("region", "")
    region = region if region in regions else ""
    threshold = threshold_from(request.GET.get("threshold"))
    found = queries.filtered(everything, field=field, region=region)
    query = request.GET.copy()
    for name in ("page", "tab"):
        query.pop(name, None)
    page_query = query.copy()
    page_query["tab"] = tab
    context = {
        "tab": tab,
        "fields": fields,
        "regions": regions,
        "selected": {"field": field, "region": region},
        "threshold": threshold,
        "threshold_percent": round(threshold * 100),
        "totals": queries.totals(found),
        "query": query.urlencode(),
        "page_query": page_query.urlencode(),
        "can_edit": services.can_edit(request.user, prefecture),
        "group_count": queries.groups_of(prefecture, request.user).count(),
    }
    if tab == "similar":
        context |= _similar_context(request, prefecture, found, threshold)
    else:
        rows = queries.queue_rows(found, escalated=tab == "escalated")
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        queries.attach_groups(prefecture, page.object_list)
        context["page"] = page
    return render(request, "challenges/common.html", context)


def _similar_context(request, prefecture, found, threshold) -> dict:
    grouping = queries.group_similar(found, threshold)
    page = Paginator(grouping.groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    # At most MEMBERS_SHOWN members side by side; the group's form still posts them all.
    shown = [_trimmed(g) for g in page.object_list]
    first = (page.number - 1) * GROUPS_PER_PAGE + 1
    groups = queries.similar_groups(prefecture, found, shown, range(first, first + len(shown)))
    for shown_group, whole in zip(groups, page.object_list, strict=True):
        shown_group.size = len(whole.keys)
        shown_group.hidden_keys = whole.keys[MEMBERS_SHOWN:]
    singles = []
    if grouping.singletons and not page.has_next():  # the rest, after the last groups
        wanted = grouping.singletons[:SINGLES_SHOWN]
        singles = list(found.filter(pk__in=wanted).order_by("field", "organization__code", "pk"))
    return {
        "page": page,
        "similar": groups,
        "singles": singles,
        "singles_more": len(grouping.singletons) - len(singles) if singles else 0,
        "grouped_count": sum(len(g.keys) for g in grouping.groups),
        "single_count": len(grouping.singletons),
        "similar_count": len(grouping.groups),
    }


def _trimmed(group: Group) -> Group:
    return Group(group.keys[:MEMBERS_SHOWN], group.cohesion, group.terms)


@route(org("change"))
@require_POST
def common_group_new(request, lgcode):
    """A group from a similarity group or a selection of the queue."""
    prefecture = _prefecture(request)
    form = NewGroupForm(request.POST)
    fallback = reverse("challenges:common", args=[lgcode])
    if not form.is_valid():
        errors = [str(e) for found in form.errors.values() for e in found]
        messages.error(request, " ".join(errors or [_("入力を確認してください。")]))
        return redirect(back(request, fallback))
    try:
        group = services.create_group(
            acting_user=request.user,
            prefecture=prefecture,
            challenges=form.cleaned_data["challenges"],
            title=form.cleaned_data["title"],
        )
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(back(request, fallback))
    messages.success(
        request,
        _(
            "共通課題のグループ「%(title)s」を作りました。名前とメモを整え、"
            "県の施策か勉強会にするかを決めてください。"
        )
        % {"title": group.title},
    )
    return redirect(_group_url(group))


# --- the prefecture's groups ---------------------------------------------------------------------


INITIATIVE_FILTERS = {"none": InitiativeKind.NONE, "measure": InitiativeKind.MEASURE}
INITIATIVE_FILTERS["study_group"] = InitiativeKind.STUDY_GROUP


@route(org("view"))
def common_groups(request, lgcode):
    """The prefecture's groups, by what they became (県の施策・勉強会・未定)."""
    prefecture = _prefecture(request)
    initiative = request.GET.get("initiative", "")
    found = queries.groups_of(prefecture, request.user)
    if initiative in INITIATIVE_FILTERS:
        found = found.filter(initiative=INITIATIVE_FILTERS[initiative])
    else:
        initiative = ""
    context = {
        "page": Paginator(found, ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "initiative": initiative,
        "page_query": f"initiative={initiative}" if initiative else "",
        "initiatives": [(k, InitiativeKind(v).label) for k, v in INITIATIVE_FILTERS.items()],
        "can_edit": services.can_edit(request.user, prefecture),
    }
    return render(request, "challenges/common_groups.html", context)


def _detail_context(request, group, *, study_form=None, measure_form=None) -> dict:
    prefecture = group.organization
    threshold = threshold_from(request.GET.get("threshold"))
    detail = queries.group_detail(group, request.user, threshold)
    participants, participants_hidden = queries.participants_of(group, request.user)
    plans = queries.candidate_plans(prefecture)
    can_edit = services.can_edit(request.user, prefecture)
    if can_edit and study_form is None:
        # the group's name is the prefecture's own (never a municipality's wording), and by
        # default the municipalities of the shared challenges the editor sees take part
        study_form = StudyGroupForm(
            prefecture=prefecture,
            initial={
                "name": group.study_group_name or _("%(t)s 勉強会") % {"t": group.title},
                "starts_on": wareki(group.study_group_starts_on)
                if group.study_group_starts_on
                else "",
                "municipalities": participants
                or services.member_municipalities(group, request.user),
            },
        )
    if can_edit and measure_form is None and group.measure_id is None:
        measure_form = MeasureForm(
            prefecture=prefecture,
            plans=plans,
            initial={
                "title": group.title,
                "owner_department": queries.default_department(request.user, prefecture),
            },
        )
    return {
        "group": group,
        "threshold": threshold,
        # a liaison sees the municipalities assigned to them by name, the others as a count
        "involved": _shown_municipalities(detail["members"]),
        "involved_hidden": detail["hidden_municipalities"],
        "participants": participants,
        "participants_hidden": participants_hidden,
        "plans_available": plans.exists(),
        "study_form": study_form,
        "measure_form": measure_form,
        "can_edit": can_edit,
        "can_audit": access.can(request.user, "audit", prefecture),
        **detail,
    }


def _shown_municipalities(members) -> list:
    found = {m.challenge.organization_id: m.challenge.organization for m in members}
    return sorted(found.values(), key=lambda o: o.code)


@route(org("view"))
def common_group(request, lgcode, group_id):
    """A group: its challenges side by side with the words they share, the municipalities
    involved, similar challenges not in it yet, and what the prefecture makes of it."""
    group = _group(request, group_id)
    return render(request, "challenges/common_group.html", _detail_context(request, group))


@route(org("change"))
def common_group_edit(request, lgcode, group_id):
    group = _group(request, group_id)
    initial = {name: getattr(group, name) for name in services.GROUP_FIELDS}
    form = GroupForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group(acting_user=request.user, group=group, **form.cleaned_data)
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("グループを保存しました。"))
            return redirect(_group_url(group))
    status = 400 if form.errors else 200
    context = {"group": group, "form": form}
    return render(request, "challenges/common_group_edit.html", context, status=status)


@route(org("change"))
@require_POST
def common_group_members(request, lgcode, group_id):
    """Add challenges (posted as `challenge` values) to the group."""
    group = _group(request, group_id)
    ids = request.POST.getlist("challenge")
    if not ids:
        messages.error(request, _("追加する課題に印を付けてから押してください。"))
        return redirect(_group_url(group, "members"))
    try:
        added = services.add_members(acting_user=request.user, group=group, challenges=ids)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("課題を%(n)s件追加しました。") % {"n": added})
    return redirect(_group_url(group, "members"))


@route(org("change"))
@require_POST
def common_group_member_remove(request, lgcode, group_id, challenge_id):
    group = _group(request, group_id)
    try:
        services.remove_member(acting_user=request.user, group=group, challenge_id=challenge_id)
    except ServiceError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("課題をグループから外しました(課題そのものは残ります)。"))
    return redirect(_group_url(group, "members"))


@route(org("change"))
@require_POST
def common_group_study(request, lgcode, group_id):
    """Make the group a study group (勉強会), or change the study group."""
    group = _group(request, group_id)
    form = StudyGroupForm(request.POST, prefecture=group.organization)
    if form.is_valid():
        try:
            services.make_study_group(
                acting_user=request.user,
                group=group,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                municipalities=form.cleaned_data["municipalities"],
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("勉強会「%(name)s」を登録しました。参加する市町村の課題の画面に表示されます。")
                % {"name": form.cleaned_data["name"]},
            )
            return redirect(_group_url(group, "initiative"))
    context = _detail_context(request, group, study_form=form)
    return render(request, "challenges/common_group.html", context, status=400)


@route(org("change"))
@require_POST
def common_group_measure(request, lgcode, group_id):
    """Make the group a candidate measure of one of the prefecture's plans being written."""
    group = _group(request, group_id)
    form = MeasureForm(
        request.POST,
        prefecture=group.organization,
        plans=queries.candidate_plans(group.organization),
    )
    if form.is_valid():
        try:
            measure = services.make_measure(
                acting_user=request.user,
                group=group,
                plan=form.cleaned_data["plan"],
                owner_department=form.cleaned_data["owner_department"],
                title=form.cleaned_data["title"],
            )
        except ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("計画「%(plan)s」に施策の候補「%(title)s」を作りました。")
                % {"plan": measure.plan.title, "title": measure.title},
            )
            return redirect(_group_url(group, "initiative"))
    context = _detail_context(request, group, measure_form=form)
    return render(request, "challenges/common_group.html", context, status=400)


@route(org("change"))
@require_POST
def common_group_delete(request, lgcode, group_id):
    group = _group(request, group_id)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("削除するときは、確認の欄に印を付けてから押してください。"))
        return redirect(_group_url(group))
    title = group.title
    try:
        services.delete_group(acting_user=request.user, group=group)
    except ServiceError as refused:
        messages.error(request, str(refused))
        return redirect(_group_url(group))
    messages.success(
        request,
        _("グループ「%(title)s」を削除しました(課題はそのまま残ります)。") % {"title": title},
    )
    return redirect("challenges:common_groups", lgcode=lgcode)
