"""The table under the Gantt chart (the chart's accessible alternative), built here rather than
in the template: a plan has hundreds of measures of up to nine cells each, and the template
engine took most of the page's time. Every text is escaped by format_html."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from chiikidx.core.templatetags.jp import wareki_short as _day

EMPTY = mark_safe("")


def _status(style: str, text: str) -> SafeString:
    return format_html('<span class="status status--{}">{}</span>', style, text)


def _name(line) -> SafeString:
    m, c = line.measure, line.row.computed
    name = format_html('<a href="{}">{} {}</a>', line.url, m.code, m.title)
    star = "★ " if c.critical else ""
    other = (
        format_html(' <span class="muted">({}: {})</span>', _("他の計画"), m.plan.title)
        if line.row.external
        else EMPTY
    )
    return format_html('<th scope="row">{}{}{}</th>', star, name, other)


def _baseline(line) -> SafeString:
    span = line.baseline
    if span is not None:
        start = (
            format_html(" {} {}", _("開始"), _status(*_shown(span.start_shown)))
            if span.start_drift
            else EMPTY
        )
        content = format_html(
            "{}〜{}<div>{} {}{}</div>",
            _day(span.start),
            _day(span.deadline),
            _("期限"),
            _status(*_shown(span.deadline_shown)),
            start,
        )
    elif line.added:
        content = _status("update", _("ベースラインのあとに追加"))
    elif line.row.external:
        content = format_html('<span class="muted">{}</span>', _("他の計画"))
    else:
        content = format_html('<span class="muted">{}</span>', _("日付なし"))
    return format_html('<td class="nowrap">{}</td>', content)


def _shown(drift) -> tuple[str, str]:
    return drift.style, drift.text


def _impact(line) -> SafeString:
    moved = _("%(n)s日後ろへ") % {"n": line.move.shift_days} if line.move is not None else ""
    broken = (
        format_html(
            "<br>{}", _status("off", _("期限を%(n)s日超える") % {"n": line.broken.days_late})
        )
        if line.broken is not None
        else EMPTY
    )
    return format_html('<td class="nowrap">{}{}</td>', moved, broken)


def row(line, *, baseline: bool, impact: bool) -> SafeString:
    m, c = line.measure, line.row.computed
    late = (
        _status("off", _("%(n)s日超過") % {"n": line.row.days_late})
        if line.row.days_late
        else EMPTY
    )
    return format_html(
        '<tr{}>{}<td class="nowrap">{}</td><td>{}</td><td class="nowrap">{}〜{}</td>'
        '<td class="num">{}{}</td><td>{}</td><td class="nowrap">{}</td>{}{}</tr>',
        mark_safe(' class="row--what-if"') if line.move or line.broken else EMPTY,
        _name(line),
        _status(m.status_style, m.get_status_display()),
        m.owner_department.name,
        _day(c.earliest_start),
        _day(c.earliest_finish),
        c.slack_days,
        _("日"),
        "✓" if c.critical else "",
        late,
        _baseline(line) if baseline else EMPTY,
        _impact(line) if impact else EMPTY,
    )


def rows(lines, *, baseline: bool, impact: bool) -> SafeString:
    """The table's <tbody> content: one row per line of queries.gantt."""
    return format_html_join(
        "\n", "{}", ((row(line, baseline=baseline, impact=impact),) for line in lines)
    )
