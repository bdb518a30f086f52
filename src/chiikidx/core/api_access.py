"""DRF side of the access module: the same rules and `can()` as the pages."""

from django.http import Http404
from rest_framework import permissions

from . import access, audit


class RouteRulePermission(permissions.BasePermission):
    """Every API view declares `access_rule`; a view without one is refused outright."""

    message = "この操作を行う権限がありません。"

    def has_permission(self, request, view) -> bool:
        rule = getattr(view, "access_rule", None)
        if rule is None:
            return False
        audit.set_actor(request.user)
        try:
            rule.check(request, view.kwargs)
        except access.LoginRequired:
            return False
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if view.access_rule == access.PUBLIC and request.method in permissions.SAFE_METHODS:
            return True  # a public route serves only what its queryset's visible_to() returns
        if not access.can(request.user, "view", obj):
            raise Http404
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can(request.user, "change", obj)
