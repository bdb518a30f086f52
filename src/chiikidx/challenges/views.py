"""Pages of challenges (課題)."""

from django.shortcuts import render

from chiikidx.core.access import org, route

from .models import Challenge


@route(org("view"))
def home(request, lgcode):
    challenges = Challenge.objects.visible_to(request.user).filter(organization=request.org)
    return render(request, "challenges/home.html", {"org": request.org, "challenges": challenges})
