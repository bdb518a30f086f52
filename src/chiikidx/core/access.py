"""The one place that decides who may see and change what — for pages and API alike.

Reads: `Model.objects.visible_to(user)` (built from `visible_q`) and `can(user, "view", obj)`.
Writes: `can(user, "change" | "manage" | "audit", obj_or_org)`.
Routes: every view declares a `Rule` with `@route(...)`; `tests/core/test_permission_matrix.py`
walks the URL conf and fails on any route without one.

Who sees a municipality's data: its members, its prefecture's 県DX推進課 (pref_admin/pref_staff) and
DX推進リエゾン assigned to it. Other organizations see an object only when it is shared within
the prefecture or published; anonymous visitors only what is published. Models that declare
`member_private` (課題) are stricter: outside the organization's own members they are visible only
once the organization shares them (`shared_at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .choices import OrgKind, Role, Visibility

# review: the prefecture's DX推進課 checks what its municipalities submitted (return/accept).
ACTIONS = ("view", "change", "manage", "audit", "review")
VIEW_ROLES = frozenset(Role)
CHANGE_ROLES = frozenset({Role.PREF_ADMIN, Role.PREF_STAFF, Role.MUNI_ADMIN, Role.MUNI_STAFF})
MANAGE_ROLES = frozenset({Role.PREF_ADMIN, Role.MUNI_ADMIN})


@dataclass(frozen=True)
class Grants:
    """What one user may do, as sets of organization ids (computed once per request)."""

    superuser: bool = False
    view_prefectures: frozenset[int] = frozenset()  # every org of these prefectures
    view_orgs: frozenset[int] = frozenset()
    change_orgs: frozenset[int] = frozenset()
    dept_change: dict[int, frozenset[int]] = field(default_factory=dict)  # org → departments
    manage_prefectures: frozenset[int] = frozenset()
    manage_orgs: frozenset[int] = frozenset()
    home_prefectures: frozenset[int] = frozenset()  # for objects shared within a prefecture
    member_orgs: frozenset[int] = frozenset()  # organizations the user belongs to (and wards)

    def can_view_org(self, org) -> bool:
        return (
            self.superuser or org.pk in self.view_orgs or org.prefecture_id in self.view_prefectures
        )

    def can_change_org(self, org) -> bool:
        return self.superuser or org.pk in self.change_orgs

    def can_review_org(self, org) -> bool:
        return self.superuser or (
            org.prefecture_id in self.view_prefectures and org.kind != OrgKind.PREFECTURE
        )

    def can_manage_org(self, org) -> bool:
        return (
            self.superuser
            or org.pk in self.manage_orgs
            or (org.prefecture_id in self.manage_prefectures and org.kind != OrgKind.PREFECTURE)
        )


ANONYMOUS = Grants()


def grants(user) -> Grants:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_chiikidx_grants", None)
    if cached is None:
        cached = _compute_grants(user)
        user._chiikidx_grants = cached
    return cached


def forget(user) -> None:
    """Drop cached grants after memberships change within the same request."""
    user.__dict__.pop("_chiikidx_grants", None)
    user.__dict__.pop("_chiikidx_memberships", None)


def active_memberships(user) -> list:
    """The user's active memberships, read once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_chiikidx_memberships", None)
    if cached is None:
        from .models import Membership

        cached = list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("organization", "department")
            .order_by("organization__code")
        )
        user._chiikidx_memberships = cached
    return cached


def _compute_grants(user) -> Grants:
    if user.is_superuser:
        return Grants(superuser=True)
    from .models import LiaisonAssignment, Organization

    view_prefs, view, change, manage_prefs, manage, homes = set(), set(), set(), set(), set(), set()
    members: set[int] = set()
    liaison_prefs: set[int] = set()
    dept_change: dict[int, set[int]] = {}
    for m in active_memberships(user):
        org = m.organization
        homes.add(org.prefecture_id)
        view.add(org.pk)
        if m.role != Role.LIAISON:
            members.add(org.pk)
        if m.role in (Role.PREF_ADMIN, Role.PREF_STAFF):
            view_prefs.add(org.pk)
        if m.role == Role.LIAISON:
            liaison_prefs.add(org.pk)
        if m.role in CHANGE_ROLES:
            change.add(org.pk)
        if m.role == Role.DEPT_STAFF and m.department_id:
            dept_change.setdefault(org.pk, set()).add(m.department_id)
        if m.role == Role.PREF_ADMIN:
            manage_prefs.add(org.pk)
        if m.role in MANAGE_ROLES:
            manage.add(org.pk)
    # Assignments count only while the user is an active liaison of that prefecture.
    today = timezone.localdate()
    assigned = LiaisonAssignment.objects.filter(
        user=user, start_date__lte=today, municipality__prefecture_id__in=liaison_prefs
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    view.update(assigned.values_list("municipality_id", flat=True))
    # A designated city's members and liaisons also see its wards.
    wards = dict(Organization.objects.filter(parent_id__in=view).values_list("pk", "parent_id"))
    view.update(wards)
    members.update(ward for ward, parent in wards.items() if parent in members)
    return Grants(
        view_prefectures=frozenset(view_prefs),
        view_orgs=frozenset(view),
        change_orgs=frozenset(change),
        dept_change={k: frozenset(v) for k, v in dept_change.items()},
        manage_prefectures=frozenset(manage_prefs),
        manage_orgs=frozenset(manage),
        home_prefectures=frozenset(homes),
        member_orgs=frozenset(members),
    )


# --- objects -------------------------------------------------------------------------------


def visible_q(user, model) -> Q:
    """Filter for `model` rows that `user` may read (tenant models with `organization`)."""
    g = grants(user)
    if g.superuser:
        return Q()
    if getattr(model, "member_private", False):
        return _member_private_q(g)
    q = Q(visibility=Visibility.PUBLIC)
    q |= Q(organization_id__in=g.view_orgs) | Q(organization__prefecture_id__in=g.view_prefectures)
    q |= Q(visibility=Visibility.SHARED, organization__prefecture_id__in=g.home_prefectures)
    return q


def _member_private_q(g: Grants) -> Q:
    """Models that declare `member_private` (課題): the organization's own members see every
    row; the prefecture's DX推進課 and liaisons only rows shared with them (`shared_at`)."""
    shared = Q(shared_at__isnull=False) & (
        Q(organization_id__in=g.view_orgs) | Q(organization__prefecture_id__in=g.view_prefectures)
    )
    return Q(organization_id__in=g.member_orgs) | shared


def hidden_audit_q(user, org) -> Q | None:
    """Audit entries of `org` that `user` may not read although they may read its log: those of
    `member_private` objects (課題) not shared with them. None when nothing is hidden."""
    from django.apps import apps

    g = grants(user)
    if g.superuser or org.pk in g.member_orgs:
        return None
    hidden = Q(pk__in=[])
    for model in apps.get_models():
        if getattr(model, "member_private", False):
            shown = model.objects.visible_to(user).filter(organization=org).values_list("pk")
            hidden |= Q(model_label=model._meta.label) & ~Q(
                object_id__in=[str(pk) for (pk,) in shown]
            )
    return hidden


def organizations_visible_to(user, queryset):
    """The registry itself is public data; workspace access is decided by `can(..., org)`."""
    return queryset


def can(user, action: str, obj) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    from .models import Organization

    g = grants(user)
    if isinstance(obj, Organization):
        return _can_org(g, action, obj)
    org = obj.audit_organization()
    if action == "view":
        return _can_view_object(g, obj, org)
    if action == "change":
        # Organization settings (memberships, liaison assignments) declare change_action="manage".
        action = getattr(obj, "change_action", "change")
    if action == "change":
        return (
            g.can_change_org(org)
            or _dept_can_change(g, obj, org)
            or _owner_can_change(user, obj, org)
        )
    return _can_org(g, action, org)


def _can_org(g: Grants, action: str, org) -> bool:
    if action == "view":
        return g.can_view_org(org)
    if action == "change":
        return g.can_change_org(org)
    if action == "review":
        return g.can_review_org(org)
    return g.can_manage_org(org)


def _can_view_object(g: Grants, obj, org) -> bool:
    if getattr(obj, "member_private", False):
        return (
            g.superuser
            or org.pk in g.member_orgs
            or (obj.shared_at is not None and g.can_view_org(org))
        )
    visibility = getattr(obj, "visibility", Visibility.PRIVATE)
    if visibility == Visibility.PUBLIC or g.can_view_org(org):
        return True
    return visibility == Visibility.SHARED and org.prefecture_id in g.home_prefectures


def _dept_can_change(g: Grants, obj, org) -> bool:
    """原課担当 change objects of their own department, in models that opt in."""
    if not getattr(obj, "department_scoped", False):
        return False
    department_id = getattr(obj, "department_id", None)
    return department_id is not None and department_id in g.dept_change.get(org.pk, ())


def _owner_can_change(user, obj, org) -> bool:
    """The person named as an object's owner (担当者) changes it while a member of its
    organization, in models that opt in (e.g. a KPI's owner records its actuals)."""
    if not getattr(obj, "owner_scoped", False):
        return False
    owner_id = getattr(obj, "owner_user_id", None)
    if owner_id is None or owner_id != getattr(user, "pk", None):
        return False
    return any(m.organization_id == org.pk for m in active_memberships(user))


def sees_whole_prefecture(user, prefecture) -> bool:
    """県DX推進課 (and system admins) see every municipality of their prefecture."""
    g = grants(user)
    return prefecture.kind == OrgKind.PREFECTURE and (
        g.superuser or prefecture.pk in g.view_prefectures
    )


def can_create_in(user, org, department=None) -> bool:
    """Whether `user` may create objects in `org` (department-scoped staff in their own only)."""
    g = grants(user)
    if g.can_change_org(org):
        return True
    return department is not None and department.pk in g.dept_change.get(org.pk, ())


def get_visible_or_404(user, queryset, **lookup):
    """An object of another organization is a 404, never a 403."""
    obj = get_object_or_404(queryset, **lookup)
    if not can(user, "view", obj):
        raise Http404
    return obj


# --- routes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What a route requires. `kind`: public, login, superuser or org (with an action)."""

    kind: str
    action: str = "view"

    def __str__(self) -> str:
        return f"{self.kind}:{self.action}" if self.kind == "org" else self.kind

    def check(self, request, kwargs) -> None:
        """Raise (or return a redirect marker) when the request may not proceed."""
        user = request.user
        if self.kind == "public":
            return
        if not user.is_authenticated:
            raise LoginRequired
        if self.kind == "superuser" and not user.is_superuser:
            raise PermissionDenied
        if self.kind == "org":
            self._check_org(request, kwargs)

    def _check_org(self, request, kwargs) -> None:
        from .models import Organization

        org = get_object_or_404(
            Organization.objects.select_related("prefecture"), code=kwargs["lgcode"]
        )
        if not can(request.user, "view", org):
            raise Http404
        if self.action != "view" and not can(request.user, self.action, org):
            raise PermissionDenied
        request.org = org


PUBLIC = Rule("public")
LOGIN = Rule("login")
SUPERUSER = Rule("superuser")


def org(action: str = "view") -> Rule:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return Rule("org", action)


class LoginRequired(Exception):
    """Raised by a rule when an anonymous visitor must log in first."""


def route(rule: Rule):
    """Declare and enforce the access rule of a page view."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                rule.check(request, kwargs)
            except LoginRequired:
                return redirect_to_login(request.get_full_path())
            return view(request, *args, **kwargs)

        wrapped.access_rule = rule
        return wrapped

    return decorate
