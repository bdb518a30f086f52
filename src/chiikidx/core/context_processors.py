"""What every page of the shell needs: the user's organizations, the current one, navigation."""

from django.utils import timezone
from django.utils.translation import gettext

from . import access, navigation, queries
from .models import Organization


def shell(request):
    user = request.user
    memberships = access.active_memberships(user)
    current = getattr(request, "org", None) or _session_org(request, memberships)
    nav_items = navigation.items_for(request, current)
    section_label, section_items = navigation.section_items(nav_items)
    return {
        "my_memberships": memberships,
        "switcher": _switcher(user, memberships, current),
        "current_org": current,
        "today": timezone.localdate(),
        "nav_items": nav_items,
        "nav_section_label": section_label,
        "nav_section_items": section_items,
        "is_demo_site": Organization.objects.filter(is_demo=True).exists(),
    }


def _switcher(user, memberships, current) -> list[tuple[Organization, str]]:
    """Organizations to switch between; the one open now is listed even if reached otherwise."""
    if not user.is_authenticated:
        return []
    options = queries.workspaces_of(user, memberships)
    if current is not None and all(org.pk != current.pk for org, _ in options):
        options.append((current, gettext("閲覧中")))
    return options


def _session_org(request, memberships):
    """The workspace last opened (or the first membership), for navigation on other pages."""
    if not request.user.is_authenticated:
        return None
    code = request.session.get("current_org")
    for m in memberships:
        if m.organization.code == code:
            return m.organization
    if code:
        org = Organization.objects.filter(code=code).first()
        if org and access.can(request.user, "view", org):
            return org
    return memberships[0].organization if memberships else None
