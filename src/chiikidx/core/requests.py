"""Small helpers the views of every app share for reading a request."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def posted(request):
    """The POST data to bind a form to, or None on GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def int_or_none(value) -> int | None:
    """A query parameter or form value as an int; None when absent or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def back(request, fallback: str) -> str:
    """Where to go after a POST: the form's `next` when it stays on this site, else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback
