"""Pages of 業務プロセス."""

from django.shortcuts import render

from chiikidx.core.access import org, route

from ..models import Process


@route(org("view"))
def processes(request, lgcode):
    items = Process.objects.visible_to(request.user).filter(organization=request.org)
    return render(request, "challenges/processes.html", {"items": items})
