"""`{% panels "app:page" obj %}`: renders the panels other apps registered for a page."""

from django import template
from django.utils.safestring import mark_safe

from chiikidx.core.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, page, obj):
    # Rendered like {% include %}: in the page's context, so the shell's context processors
    # do not run again for each panel.
    parts = []
    for panel in panels_for(page, context.get("request"), obj):
        found = context.template.engine.get_template(panel.template)
        with context.push(**panel.context):
            parts.append(found.render(context))
    return mark_safe("".join(parts))  # noqa: S308 (templates rendered with autoescape)
