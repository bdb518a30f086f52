"""Request-wide security headers and the audit actor."""

from django.conf import settings

from . import audit

# Strict policy: everything from this server only, no inline script, no external host.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Pages with Plotly charts or Swagger UI: those libraries inject <style> elements. Scripts stay
# 'self' only; see docs/decisions/0004.
CHART_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not settings.DEBUG:
            response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class AuditActorMiddleware:
    """Makes the logged-in user the actor of every audited change made during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.acting_as(request.user):
            return self.get_response(request)


def allows_inline_styles(view):
    """Decorate a view whose page draws charts (see CHART_CONTENT_SECURITY_POLICY)."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CHART_CONTENT_SECURITY_POLICY
        return response

    return wrapped
