"""Template filters for Japanese dates and fiscal years: {{ d|wareki }}, {{ fy|nendo }}."""

import datetime

from django import template
from django.utils import timezone

from .. import japanese

register = template.Library()


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def wareki(value):
    """2025-04-01 → 令和7年4月1日 (ISO for dates before 明治, which have no 和暦 here)."""
    if not value:
        return ""
    day = _as_date(value)
    try:
        return japanese.wareki(day)
    except ValueError:
        return day.isoformat()


@register.filter
def wareki_short(value):
    """2025-04-01 → R7.4.1."""
    return japanese.wareki_short(_as_date(value)) if value else ""


@register.filter
def nendo(value):
    """2025 → 令和7年度; a date → the 年度 it falls in."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.date):
        value = japanese.fiscal_year(_as_date(value))
    return japanese.nendo_label(int(value))


@register.filter
def nendo_short(value):
    """2025 → R7."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.date):
        value = japanese.fiscal_year(_as_date(value))
    return japanese.nendo_short(int(value))


@register.filter
def wareki_datetime(value):
    """An aware datetime → 令和7年4月1日 13:05 in local time."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{japanese.wareki(local.date())} {local:%H:%M}"
