"""Pages of the shell. Thin: access is declared with @route, reads come from queries."""

from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, queries, services, tasks
from .access import LOGIN, PUBLIC, SUPERUSER, org, route
from .choices import OrgKind
from .demo import DEFAULT_DEMO_PASSWORD
from .forms import (
    DepartmentForm,
    LiaisonAssignmentForm,
    MemberEditForm,
    MemberForm,
    RegistrySearchForm,
)
from .models import Membership, Organization

PAGE_SIZE = 50


@route(PUBLIC)
def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html", {"prefectures": queries.prefectures()})
    context = {
        "workspaces": queries.workspaces_of(request.user),
        "tasks": tasks.tasks_for(request.user)[:5],
    }
    return render(request, "core/home.html", context)


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The demo password is shown only while it is the published default.
        default = settings.CHIIKIDX_DEMO_PASSWORD == DEFAULT_DEMO_PASSWORD
        context["demo_password"] = DEFAULT_DEMO_PASSWORD if default else None
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        return context


login_view = route(PUBLIC)(LoginView.as_view())
logout_view = route(PUBLIC)(require_POST(auth_views.LogoutView.as_view()))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, plus: wrong current passwords count towards the login lockout, the
    change is audited and API tokens issued under the old password are revoked."""

    template_name = "core/password_change.html"
    success_url = "/account/password/done/"

    def post(self, request, *args, **kwargs):
        if not AxesProxyHandler.is_allowed(request, {"username": request.user.get_username()}):
            return render(request, "core/locked_out.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("old_password"):
            user_login_failed.send(
                sender=type(self),
                credentials={"username": self.request.user.get_username()},
                request=self.request,
            )
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user)
        return response


password_change = route(LOGIN)(PasswordChangeView.as_view())
password_change_done = route(LOGIN)(
    auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html")
)


@route(PUBLIC)
def healthz(request):
    Organization.objects.exists()
    return HttpResponse("ok", content_type="text/plain")


@route(LOGIN)
def my_tasks(request):
    return render(request, "core/tasks.html", {"tasks": tasks.tasks_for(request.user)})


@route(LOGIN)
@require_POST
def switch_organization(request):
    """The organization switcher: opens the chosen workspace if the user may see it."""
    target = get_object_or_404(Organization, code=request.POST.get("lgcode", ""))
    if not access.can(request.user, "view", target):
        return redirect("core:home")
    request.session["current_org"] = target.code
    return redirect("core:org_home", lgcode=target.code)


@route(PUBLIC)
def registry(request):
    prefs = queries.prefectures()
    form = RegistrySearchForm(request.GET or None, prefectures=prefs)
    data = form.cleaned_data if form.is_valid() else {}
    results = queries.search_organizations(
        data.get("q", ""), data.get("prefecture", ""), data.get("kind", "")
    )
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "total": page.paginator.count,
    }
    return render(request, "core/registry.html", context)


@route(PUBLIC)
def registry_detail(request, lgcode):
    target = get_object_or_404(
        Organization.objects.select_related("prefecture", "parent"), code=lgcode
    )
    children = Organization.objects.none()
    if target.kind == OrgKind.PREFECTURE:
        children = Organization.objects.filter(prefecture=target).exclude(pk=target.pk)
    elif target.kind == OrgKind.DESIGNATED_CITY:
        children = target.wards.all()
    context = {
        "target": target,
        "children": children.order_by("code"),
        "can_open": access.can(request.user, "view", target),
    }
    return render(request, "core/registry_detail.html", context)


@route(org("view"))
def org_home(request, lgcode):
    target = request.org
    request.session["current_org"] = target.code
    context = {
        "departments": queries.departments_of(target),
        "member_count": Membership.objects.filter(organization=target, is_active=True).count(),
        "liaisons": queries.current_liaisons(municipality=target),
        "assigned": queries.current_liaisons(prefecture=target)
        if target.kind == OrgKind.PREFECTURE
        else [],
        "municipalities": queries.municipalities_of(target)
        if access.sees_whole_prefecture(request.user, target)
        else [],
        "can_manage": access.can(request.user, "manage", target),
        "can_audit": access.can(request.user, "audit", target),
    }
    return render(request, "core/org_home.html", context)


@route(org("manage"))
def regions(request, lgcode):
    """The prefecture's 地域区分 of its municipalities (filters of dashboards)."""
    if not request.org.is_prefecture:
        raise Http404
    municipalities = list(queries.municipalities_of(request.org))
    error = None
    if request.method == "POST":
        posted = {m.code: request.POST.get(f"region-{m.code}", m.region) for m in municipalities}
        try:
            changed = services.set_regions(
                acting_user=request.user, prefecture=request.org, regions=posted
            )
        except services.ServiceError as refused:
            error = str(refused)
            for m in municipalities:
                m.region = posted[m.code]
        else:
            messages.success(request, _("%(n)s 団体の地域区分を更新しました。") % {"n": changed})
            return redirect("core:regions", lgcode=lgcode)
    context = {
        "municipalities": municipalities,
        "names": sorted({m.region for m in municipalities if m.region}),
        "error": error,
    }
    return render(request, "core/regions.html", context, status=400 if error else 200)


@route(org("view"))
def departments(request, lgcode):
    context = {
        "departments": queries.departments_of(request.org),
        "can_manage": access.can(request.user, "manage", request.org),
        "form": DepartmentForm(organization=request.org),
    }
    return render(request, "core/departments.html", context)


@route(org("manage"))
@require_POST
def department_create(request, lgcode):
    form = DepartmentForm(request.POST, organization=request.org)
    if form.is_valid():
        services.create_department(
            acting_user=request.user, organization=request.org, **form.cleaned_data
        )
        messages.success(request, _("部署「%(name)s」を登録しました。") % form.cleaned_data)
        return redirect("core:departments", lgcode=lgcode)
    context = {"departments": queries.departments_of(request.org), "can_manage": True, "form": form}
    return render(request, "core/departments.html", context, status=400)


@route(org("manage"))
def members(request, lgcode):
    memberships = (
        Membership.objects.filter(organization=request.org)
        .select_related("user", "department")
        .order_by("-is_active", "role", "user__username")
    )
    return render(request, "core/members.html", {"memberships": memberships})


@route(org("manage"))
def member_create(request, lgcode):
    form = MemberForm(request.POST if request.method == "POST" else None, organization=request.org)
    if request.method == "POST" and form.is_valid():
        membership = services.create_member(
            acting_user=request.user, organization=request.org, data=form.cleaned_data
        )
        messages.success(
            request, _("%(user)s を登録しました。") % {"user": membership.user.username}
        )
        return redirect("core:members", lgcode=lgcode)
    return render(
        request, "core/member_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _membership_of(request, membership_id) -> Membership:
    return access.get_visible_or_404(
        request.user,
        Membership.objects.filter(organization=request.org).select_related("user", "organization"),
        pk=membership_id,
    )


@route(org("manage"))
def member_edit(request, lgcode, membership_id):
    membership = _membership_of(request, membership_id)
    form = MemberEditForm(request.POST if request.method == "POST" else None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(
                acting_user=request.user, membership=membership, data=form.cleaned_data
            )
        except services.ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, _("%(user)s の情報を更新しました。") % {"user": membership.user}
            )
            return redirect("core:members", lgcode=lgcode)
    context = {"form": form, "membership": membership}
    return render(request, "core/member_edit.html", context, status=400 if form.errors else 200)


@route(org("manage"))
def member_password(request, lgcode, membership_id):
    membership = _membership_of(request, membership_id)
    form = SetPasswordForm(membership.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                acting_user=request.user,
                membership=membership,
                password=form.cleaned_data["new_password1"],
            )
        except services.ServiceError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(user)s のパスワードを再設定しました。ロックも解除されています。")
                % {"user": membership.user},
            )
            return redirect("core:members", lgcode=lgcode)
    context = {"form": form, "membership": membership}
    return render(request, "core/member_password.html", context, status=400 if form.errors else 200)


@route(org("manage"))
def liaisons(request, lgcode):
    """Prefecture admins assign DX推進リエゾン to municipalities (伴走支援)."""
    if not request.org.is_prefecture:
        raise Http404
    form = LiaisonAssignmentForm(
        request.POST if request.method == "POST" else None,
        prefecture=request.org,
        liaisons=queries.liaison_users_of(request.org),
        municipalities=queries.municipalities_of(request.org),
    )
    if request.method == "POST" and form.is_valid():
        services.assign_liaison(
            acting_user=request.user, prefecture=request.org, data=form.cleaned_data
        )
        messages.success(request, _("担当を登録しました。"))
        return redirect("core:liaisons", lgcode=lgcode)
    context = {"form": form, "assignments": queries.liaison_assignments_of(request.org)}
    return render(request, "core/liaisons.html", context, status=400 if form.errors else 200)


@route(org("manage"))
@require_POST
def liaison_end(request, lgcode, assignment_id):
    if not request.org.is_prefecture:
        raise Http404
    assignment = access.get_visible_or_404(
        request.user, queries.liaison_assignments_of(request.org), pk=assignment_id
    )
    try:
        ended = services.end_liaison_assignment(acting_user=request.user, assignment=assignment)
    except services.ServiceError as refused:
        messages.error(request, str(refused))
    else:
        done = (
            _("担当を終了しました(履歴は残ります)。")
            if ended
            else _("開始前の担当を取り消しました(監査ログに記録されています)。")
        )
        messages.success(request, done)
    return redirect("core:liaisons", lgcode=lgcode)


@route(org("manage"))
@require_POST
def member_toggle(request, lgcode, membership_id):
    membership = _membership_of(request, membership_id)
    try:
        services.set_membership_active(
            acting_user=request.user, membership=membership, active=not membership.is_active
        )
    except services.ServiceError as refused:
        messages.error(request, str(refused))
    else:
        template = (
            _("%(user)s の所属を有効にしました。")
            if membership.is_active
            else _("%(user)s の所属を無効にしました。")
        )
        messages.success(request, template % {"user": membership.user.username})
    return redirect("core:members", lgcode=lgcode)


@route(org("audit"))
def audit_log(request, lgcode):
    return _audit_log_page(
        request, _audit_entries(request, queries.audit_entries_for_org(request.org))
    )


def _audit_entries(request, entries):
    """Without the entries of objects kept from the reader (a municipality's unshared 課題)."""
    hidden = access.hidden_audit_q(request.user, request.org)
    return entries if hidden is None else entries.exclude(hidden)


@route(SUPERUSER)
def system_audit_log(request):
    """Every entry, including those of no organization (accounts of users without membership)."""
    return _audit_log_page(request, queries.audit_entries_all())


def _audit_log_page(request, entries):
    """Newest first, paged by sequence number: no COUNT or DISTINCT over a growing history."""
    labels = queries.audited_model_labels()
    model = request.GET.get("model", "")
    if model in dict(labels):  # anything else is ignored, not queried
        entries = entries.filter(model_label=model)
    else:
        model = ""
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        entries = entries.filter(seq__lt=int(before))
    rows = list(entries[: PAGE_SIZE + 1])
    older = rows[PAGE_SIZE - 1].seq if len(rows) > PAGE_SIZE else None
    queries.describe_changes(rows[:PAGE_SIZE])
    context = {
        "entries": rows[:PAGE_SIZE],
        "model": model,
        "labels": labels,
        "older_query": urlencode({"model": model, "before": older}) if older else "",
        "newest_query": urlencode({"model": model}) if before else "",
    }
    return render(request, "core/audit_log.html", context)


@route(org("audit"))
def audit_object(request, lgcode, model_label, object_id):
    if "\x00" in model_label + object_id:
        raise Http404
    entries = list(
        _audit_entries(
            request,
            queries.audit_entries_for_object(model_label, object_id).filter(
                organization=request.org
            ),
        )
    )
    if not entries:
        raise Http404
    queries.describe_changes(entries)
    context = {"entries": entries, "model_label": model_label, "object_id": object_id}
    return render(request, "core/audit_object.html", context)
