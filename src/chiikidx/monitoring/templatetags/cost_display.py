"""Showing cost-effectiveness figures: 千円 and 円 rounded half up, hours to one decimal,
procedures as whole numbers, shares in % (monitoring.costs computes exactly)."""

from django import template

from .. import costs

register = template.Library()

register.filter("yen_k", costs.yen_k)
register.filter("yen", costs.yen)
register.filter("hours", costs.hours)
register.filter("procedures", costs.count)


@register.filter
def pct(value, places=1):
    """25 → 25.0%, 18.75 → 18.8%: the same decimals in a column (— when unknown)."""
    return "—" if value is None else f"{costs.fixed(value, int(places))}%"


@register.filter
def plain(value):
    """An input as typed, without trailing zeros: 30.0 → 30, 12.5 → 12.5, 1121 → 1,121."""
    return "—" if value is None else costs.plain(value)


@register.filter
def signed_pct(value):
    """−10% / +5%: a gap against the projection."""
    if value is None:
        return "—"
    text = costs.percent(value, 1)
    return f"{text}%" if text.startswith("-") or text == "0" else f"+{text}%"


@register.filter
def signed_count(value):
    if value is None:
        return "—"
    text = costs.count(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


@register.filter
def fy_of(mapping, key):
    """mapping[key] in a template ({{ row.cumulative|fy_of:"base" }})."""
    return mapping.get(key) if mapping else None
