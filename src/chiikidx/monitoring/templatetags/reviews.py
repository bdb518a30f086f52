"""Reading the dates stored in a review's sections (ISO text) back for 和暦 display."""

import datetime

from django import template

register = template.Library()


@register.filter
def isodate(value):
    """'2026-09-30' → date(2026, 9, 30); anything else → None (shown as empty)."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


@register.filter
def isodatetime(value):
    """An ISO date-time with its offset → an aware datetime (None when unreadable)."""
    if isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
