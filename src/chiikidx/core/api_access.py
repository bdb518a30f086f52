"""DRF side of the access module: the same rules and `can()` as the pages."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, permissions

from . import access, audit

LOCKED_OUT_MESSAGE = _(
    "ログインの失敗が続いたため、このログインIDは30分間ロックされています。"
    "時間をおいてから再度お試しいただくか、団体の管理者に連絡してください。"
)
NOT_FOUND_MESSAGE = _("指定されたものは見つかりません。URLやコードを確認してください。")


def exception_handler(exc, context):
    """DRF's handler, with a Japanese 404 instead of Django's English "No … matches" text."""
    from rest_framework.views import exception_handler as drf_exception_handler  # import cycle

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND_MESSAGE)
    return drf_exception_handler(exc, context)


class Pagination(pagination.LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


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
        # An action may need another right than "change" (e.g. a prefecture's "review").
        action = getattr(view, "object_actions", {}).get(getattr(view, "action", None), "change")
        return access.can(request.user, action, obj)
