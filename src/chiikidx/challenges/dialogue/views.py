"""Pages of 対話の記録."""

from django.shortcuts import render

from chiikidx.core.access import org, route

from ..models import DialogueRecord


@route(org("view"))
def dialogues(request, lgcode):
    items = DialogueRecord.objects.visible_to(request.user).filter(organization=request.org)
    return render(request, "challenges/dialogues.html", {"items": items})
