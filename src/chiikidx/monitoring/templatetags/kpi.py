"""Showing KPI values: 1,234件, 12.5%, 達成/未達成; shortfalls as 8.2%不足 / 3.1%上回る."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext

from ..choices import COUNT_KINDS, KpiKind

register = template.Library()


def number(value, places: int = 2) -> str:
    """A number as people read it: thousands separators, no trailing zeros."""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP).normalize()
    if rounded == rounded.to_integral_value():
        rounded = rounded.quantize(Decimal(1))
    return f"{rounded:,f}"


@register.filter
def kpi_value(value, kpi):
    """The value with the KPI's unit (— when there is none)."""
    if value is None or value == "":
        return "—"
    if kpi.kind == KpiKind.MILESTONE:
        return gettext("達成") if Decimal(value) >= 1 else gettext("未達成")
    places = 0 if kpi.kind in COUNT_KINDS else 2
    return f"{number(value, places)}{kpi.unit_label}"


@register.filter
def shortfall(value):
    """8.2%不足 (behind the path) or 3.1%上回る (ahead); — when not measured."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if value > 0:
        return gettext("%(p)s%%不足") % {"p": number(value, 1)}
    if value < 0:
        return gettext("%(p)s%%上回る") % {"p": number(-value, 1)}
    return gettext("目標どおり")


@register.filter
def plain_number(value):
    return "—" if value is None or value == "" else number(value)
