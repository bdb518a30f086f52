"""Panels: parts of one app's page that another app provides.

The page's app does not import the provider (plans must not know monitoring): the provider
registers here for a page name, and the page's template asks for whatever is registered with
`{% load panels %}{% panels "plans:measure" measure %}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


Provider = Callable[[object, object], Panel | None]  # (request, the page's object)
_providers: dict[str, list[Provider]] = {}


def register(page: str, provider: Provider) -> Provider:
    found = _providers.setdefault(page, [])
    if provider not in found:
        found.append(provider)
    return provider


def panels_for(page: str, request, obj) -> list[Panel]:
    found = [provider(request, obj) for provider in _providers.get(page, [])]
    return sorted((p for p in found if p is not None), key=lambda p: p.order)
