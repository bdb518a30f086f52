"""What every page of the shell needs: the user's organizations, the current one, navigation."""

from . import access, navigation
from .models import Organization


def shell(request):
    user = request.user
    memberships = list(access.active_memberships(user)) if user.is_authenticated else []
    current = getattr(request, "org", None) or _session_org(request, memberships)
    return {
        "my_memberships": memberships,
        "current_org": current,
        "nav_items": navigation.items_for(request, current),
        "is_demo_site": Organization.objects.filter(is_demo=True).exists(),
    }


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
