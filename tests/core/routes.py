"""Walk the URL conf: every route with its view and declared access rule."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "core:org_home"
    pattern: str
    callback: object
    params: tuple[str, ...]

    @property
    def rule(self):
        rule = getattr(self.callback, "access_rule", None)
        view_class = getattr(self.callback, "cls", None) or getattr(
            self.callback, "view_class", None
        )
        return rule or getattr(view_class, "access_rule", None)


def iter_routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            params = tuple(entry.pattern.regex.groupindex) + _prefix_params(prefix)
            yield Route(f"{namespace}{entry.name}", pattern, entry.callback, params)


def _prefix_params(prefix: str) -> tuple[str, ...]:
    import re

    return tuple(re.findall(r"<(?:\w+:)?(\w+)>", prefix))


def all_routes() -> list[Route]:
    return list(iter_routes())
