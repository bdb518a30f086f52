"""The logic model as an SVG diagram, drawn on the server (pure: no database, no JavaScript).

Columns are the six stages, left to right; a stage's nodes are stacked in their 表示順 and the
columns are centred on the tallest. Each box shows its status as a coloured badge with its name
in words, its KPIs with their latest value and status, and its measures. Links are curves with
arrowheads from the right side of a box to the left side of the next; a link within a stage
bulges out to the right of its column. A link in doubt is dashed in the 遅れ colour with a
numbered 「?」 marker in the gap before its target, and its reason is a footnote under the
diagram, so the exported picture says as much as the page.

Only presentation attributes are used (no <style>, no scripts, no external fonts), so the same
text is inline on the page under the Content-Security-Policy, saved as a file, and rendered to
PNG and PDF. Text widths are estimated (full-width characters 1em, others 0.6em): the layout
is the same on every machine, which the tests compare.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from .choices import STAGE_ORDER, STATUS_STYLE, LogicStage
from .logic import NODE_STYLE, NodeStatus

FONT = "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif"
# (text, background) per status style, as in the pages' CSS (.status--ok …)
COLOURS = {
    "ok": ("#197a4b", "#e6f5ec"),
    "warn": ("#8a5300", "#fff8e6"),
    "off": ("#ce0000", "#fdeeee"),
    "draft": ("#626264", "#f2f2f2"),
    "neutral": ("#626264", "#f2f2f2"),
}
TEXT, SUB, BORDER, LINE, LANE, HEAD = (
    "#1a1a1a",
    "#626264",
    "#949497",
    "#626264",
    "#f8f8fa",
    "#e8f1fe",
)
DOUBT = COLOURS["off"][0]

MARGIN = 16
COL_W = 156
GAP = 44
STRIPE = 5
PAD = 8
TITLE_SIZE, TITLE_LINE = 13, 18
SMALL, SMALL_LINE = 11, 15
NODE_GAP = 18
BULGE = 30  # how far a link within a stage swings out to the right
ARROW = 8
MAX_TITLE_LINES = 5
MAX_MEASURES = 3
INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NO_LINE_START = set("、。，．,.)）」』】〕〉》・ー…!?！？%％")


@dataclass(frozen=True)
class BoxKpi:
    name: str
    value: str  # the latest value with its unit, or "—"
    status: str  # monitoring.choices.Status
    status_label: str


@dataclass(frozen=True)
class Box:
    key: int
    stage: str
    title: str
    status: str  # logic.NodeStatus
    status_label: str
    kpis: tuple[BoxKpi, ...] = ()
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Arrow:
    source: int
    target: int
    note: int | None = None  # the footnote number of a link in doubt

    @property
    def doubtful(self) -> bool:
        return self.note is not None


@dataclass
class Diagram:
    title: str
    boxes: list[Box]
    arrows: list[Arrow] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (number, reason)
    description: str = ""


# --- text -------------------------------------------------------------------------------------


def clean(text: str) -> str:
    return INVALID_XML.sub("", str(text)).replace("\r", "")


def char_width(ch: str, size: float) -> float:
    return size if unicodedata.east_asian_width(ch) in "WFA" else size * 0.6


def text_width(text: str, size: float) -> float:
    return sum(char_width(ch, size) for ch in text)


def wrap(text: str, size: float, width: float, max_lines: int | None = None) -> list[str]:
    """Lines of at most `width` (closing punctuation stays on its line); the last kept line
    ends with 「…」 when text is cut."""
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        line, used = "", 0.0
        for ch in paragraph.strip():
            w = char_width(ch, size)
            if line and used + w > width:
                if ch not in NO_LINE_START:
                    lines.append(line)
                    line, used = "", 0.0
                elif len(line) > 1:  # 追い出し: the last character goes down with it
                    lines.append(line[:-1])
                    line, used = line[-1], char_width(line[-1], size)
            line += ch
            used += w
        lines.append(line)
    lines = [ln for ln in lines if ln] or [""]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _t(value) -> str:
    return escape(clean(value))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# --- layout -----------------------------------------------------------------------------------


@dataclass
class Placed:
    box: Box
    x: float
    y: float
    height: float
    title_lines: list[str]
    kpi_lines: list[tuple[list[str], BoxKpi]]
    measure_lines: list[list[str]]

    @property
    def right(self) -> float:
        return self.x + COL_W

    @property
    def mid(self) -> float:
        return self.y + self.height / 2


INNER = COL_W - STRIPE - 2 * PAD


def _measure_box(box: Box) -> Placed:
    title = wrap(box.title, TITLE_SIZE, INNER, MAX_TITLE_LINES)
    kpis = [(wrap(k.name, SMALL, INNER, 2), k) for k in box.kpis]
    shown = list(box.measures[:MAX_MEASURES])
    if len(box.measures) > MAX_MEASURES:
        shown.append(_("ほか %(n)s 件") % {"n": len(box.measures) - MAX_MEASURES})
    measures = [wrap(_("施策: ") + m, SMALL, INNER, 2) for m in shown]
    height = PAD + 18 + 6 + len(title) * TITLE_LINE
    if kpis or measures:
        height += 8
    height += sum((len(lines) + 1) * SMALL_LINE + 2 for lines, _k in kpis)
    height += sum(len(lines) * SMALL_LINE + 2 for lines in measures)
    height += PAD
    return Placed(box, 0, 0, height, title, kpis, measures)


def column_x(stage: str) -> float:
    return MARGIN + STAGE_ORDER.index(stage) * (COL_W + GAP)


TOP = 96  # below the title, the legend and the stage headers


def layout(boxes: list[Box]) -> tuple[dict[int, Placed], float]:
    """Placed boxes by key, and the height of the tallest column."""
    columns: dict[str, list[Placed]] = {s: [] for s in STAGE_ORDER}
    for box in boxes:
        columns[box.stage].append(_measure_box(box))
    heights = {
        s: sum(p.height for p in found) + NODE_GAP * max(len(found) - 1, 0)
        for s, found in columns.items()
    }
    tallest = max(heights.values(), default=0)
    placed = {}
    for stage, found in columns.items():
        y = TOP + (tallest - heights[stage]) / 2
        for p in found:
            p.x, p.y = column_x(stage), y
            y += p.height + NODE_GAP
            placed[p.box.key] = p
    return placed, tallest


def ports(placed: dict[int, Placed], arrows: list[Arrow]) -> dict[tuple[int, int, str], float]:
    """The y where each arrow leaves and enters its boxes: a side's arrows are spread along it
    in the order of the other end's height, so they cross as little as possible."""
    sides: dict[tuple[int, str], list[tuple[float, int, tuple]]] = {}
    for i, arrow in enumerate(arrows):
        up, down = placed[arrow.source], placed[arrow.target]
        within = up.box.stage == down.box.stage
        sides.setdefault((arrow.source, "right"), []).append(
            (down.mid, i, (i, arrow.source, "out"))
        )
        side = "right" if within else "left"
        sides.setdefault((arrow.target, side), []).append((up.mid, i, (i, arrow.target, "in")))
    found = {}
    for (key, _side), ends in sides.items():
        box = placed[key]
        ends.sort()
        span = box.height - 20
        for n, (_y, _i, port) in enumerate(ends):
            found[port] = box.y + 10 + span * (n + 1) / (len(ends) + 1)
    return found


def _cubic(p0, p1, p2, p3, t):
    u = 1 - t
    return tuple(
        u**3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t**3 * d
        for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
    )


def _y_at(points, x: float) -> float:
    """The curve's height where it crosses `x` (sampled; the curves only move rightwards)."""
    samples = [_cubic(*points, t / 60) for t in range(61)]
    return min(samples, key=lambda p: abs(p[0] - x))[1]


# --- drawing ----------------------------------------------------------------------------------


def render(diagram: Diagram, *, prefix: str = "logic", standalone: bool = False) -> str:
    placed, tallest = layout(diagram.boxes)
    width = 2 * MARGIN + len(STAGE_ORDER) * COL_W + (len(STAGE_ORDER) - 1) * GAP
    bottom = TOP + max(tallest, 40)
    note_lines = [
        (number, wrap(text, 12, width - 2 * MARGIN - 34)) for number, text in diagram.notes
    ]
    notes_height = 0
    if note_lines:
        notes_height = 40 + sum(len(lines) * 17 + 6 for _n, lines in note_lines)
    height = bottom + 24 + notes_height
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else "",
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_num(height)}" '
        f'viewBox="0 0 {width} {_num(height)}" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" class="logic-diagram__svg" '
        f'font-family="{FONT}" font-size="{SMALL}">',
        f'<title id="{prefix}-title">{_t(diagram.title)}</title>',
        f'<desc id="{prefix}-desc">{_t(diagram.description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{_num(height)}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="26" font-size="16" font-weight="bold" fill="{TEXT}">'
        f"{_t(diagram.title)}</text>",
        *_legend(),
        *_lanes(bottom),
    ]
    where = ports(placed, diagram.arrows)
    calm = [(i, a) for i, a in enumerate(diagram.arrows) if not a.doubtful]
    doubted = [(i, a) for i, a in enumerate(diagram.arrows) if a.doubtful]
    markers = []
    for i, arrow in calm + doubted:
        drawn, marker = _arrow(i, arrow, placed, where)
        out += drawn
        markers += marker
    for p in sorted(placed.values(), key=lambda p: (p.x, p.y)):
        out += _box(p)
    out += markers
    out += _notes(note_lines, bottom + 24, width)
    out.append("</svg>")
    return "\n".join(part for part in out if part)


def _legend() -> list[str]:
    y, x = 44, MARGIN
    parts = [f'<g class="logic-legend" font-size="{SMALL}">']
    parts.append(f'<text x="{x}" y="{y + 13}" fill="{SUB}">{_t(_("状況"))}</text>')
    x += 34
    for value in NodeStatus.values:
        label = str(NodeStatus(value).label)
        drawn, w = _badge(x, y, NODE_STYLE[value], label)
        parts += drawn
        x += w + 6
    x += 14
    parts.append(
        f'<line x1="{x}" y1="{y + 9}" x2="{x + 30}" y2="{y + 9}" stroke="{LINE}" '
        f'stroke-width="1.5"/>'
    )
    parts.append(_head(x + 36, y + 9, "right", LINE))
    parts.append(f'<text x="{x + 42}" y="{y + 13}" fill="{SUB}">{_t(_("つながり"))}</text>')
    x += 42 + text_width(_("つながり"), SMALL) + 16
    parts.append(
        f'<line x1="{x}" y1="{y + 9}" x2="{x + 30}" y2="{y + 9}" stroke="{DOUBT}" '
        f'stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(_head(x + 36, y + 9, "right", DOUBT))
    parts.append(
        f'<text x="{x + 42}" y="{y + 13}" fill="{DOUBT}">'
        f"{_t(_('? 前提が疑わしいつながり(番号は図の下の説明)'))}</text>"
    )
    parts.append("</g>")
    return parts


def _lanes(bottom: float) -> list[str]:
    parts = ['<g class="logic-lanes">']
    for stage in STAGE_ORDER:
        x = column_x(stage)
        label = str(LogicStage(stage).label)
        parts.append(
            f'<rect x="{x - 6}" y="68" width="{COL_W + 12}" height="{_num(bottom - 68 + 10)}" '
            f'rx="6" fill="{LANE}"/>'
        )
        parts.append(
            f'<rect x="{x - 6}" y="68" width="{COL_W + 12}" height="22" rx="6" fill="{HEAD}"/>'
        )
        parts.append(
            f'<text x="{x + COL_W / 2}" y="84" text-anchor="middle" font-size="12" '
            f'font-weight="bold" fill="{TEXT}">{_t(label)}</text>'
        )
    parts.append("</g>")
    return parts


def _badge(x: float, y: float, style: str, label: str) -> tuple[list[str], float]:
    fg, bg = COLOURS.get(style, COLOURS["neutral"])
    w = text_width(label, SMALL) + 12
    return [
        f'<rect x="{_num(x)}" y="{y}" width="{_num(w)}" height="18" rx="3" fill="{bg}" '
        f'stroke="{fg}"/>',
        f'<text x="{_num(x + 6)}" y="{y + 13}" font-size="{SMALL}" font-weight="bold" '
        f'fill="{fg}">{_t(label)}</text>',
    ], w


def _head(x: float, y: float, pointing: str, colour: str) -> str:
    back = -ARROW if pointing == "right" else ARROW
    return (
        f'<polygon points="{_num(x)},{_num(y)} {_num(x + back)},{_num(y - 4.5)} '
        f'{_num(x + back)},{_num(y + 4.5)}" fill="{colour}"/>'
    )


def _arrow(i: int, arrow: Arrow, placed, where) -> tuple[list[str], list[str]]:
    up, down = placed[arrow.source], placed[arrow.target]
    y1, y2 = where[(i, arrow.source, "out")], where[(i, arrow.target, "in")]
    colour = DOUBT if arrow.doubtful else LINE
    style = 'stroke-width="2" stroke-dasharray="6 4"' if arrow.doubtful else 'stroke-width="1.5"'
    x1 = up.right
    if up.box.stage == down.box.stage:
        x2 = down.right
        points = ((x1, y1), (x1 + BULGE, y1), (x2 + BULGE, y2), (x2 + ARROW, y2))
        head = _head(x2, y2, "left", colour)
        mark = (x1 + BULGE * 0.75, (y1 + y2) / 2)
    else:
        x2 = down.x
        bend = max((x2 - x1) / 2, 24)
        points = ((x1, y1), (x1 + bend, y1), (x2 - ARROW - bend, y2), (x2 - ARROW, y2))
        head = _head(x2, y2, "right", colour)
        mx = x2 - GAP / 2 - 2
        mark = (mx, _y_at(points, mx))
    (a, b), (c, d), (e, f), (g, h) = points
    path = (
        f'<path class="logic-link{" logic-link--doubtful" if arrow.doubtful else ""}" '
        f'data-source="{arrow.source}" data-target="{arrow.target}" '
        f'd="M{_num(a)},{_num(b)} C{_num(c)},{_num(d)} {_num(e)},{_num(f)} {_num(g)},{_num(h)}" '
        f'fill="none" stroke="{colour}" {style}/>'
    )
    if not arrow.doubtful:
        return [path, head], []
    mx, my = mark
    label = f"?{arrow.note}"
    marker = [
        f'<g class="logic-doubt" data-note="{arrow.note}">',
        f'<circle cx="{_num(mx)}" cy="{_num(my)}" r="11" fill="{COLOURS["off"][1]}" '
        f'stroke="{DOUBT}" stroke-width="1.5"/>',
        f'<text x="{_num(mx)}" y="{_num(my + 4)}" text-anchor="middle" font-size="11" '
        f'font-weight="bold" fill="{DOUBT}">{_t(label)}</text>',
        "</g>",
    ]
    return [path, head], marker


def _box(p: Placed) -> list[str]:
    box = p.box
    style = NODE_STYLE.get(box.status, "neutral")
    fg, _bg = COLOURS[style]
    x, y = p.x, p.y
    parts = [
        f'<g class="logic-node" data-key="{box.key}" data-status="{_t(box.status)}">',
        f'<rect x="{x}" y="{_num(y)}" width="{COL_W}" height="{_num(p.height)}" rx="4" '
        f'fill="#ffffff" stroke="{BORDER}"/>',
        f'<rect x="{x}" y="{_num(y)}" width="{STRIPE}" height="{_num(p.height)}" fill="{fg}"/>',
    ]
    left = x + STRIPE + PAD
    badge, _w = _badge(left, y + PAD, style, box.status_label)
    parts += badge
    cursor = y + PAD + 18 + 6
    for line in p.title_lines:
        cursor += TITLE_LINE
        parts.append(
            f'<text x="{left}" y="{_num(cursor - 4)}" font-size="{TITLE_SIZE}" '
            f'font-weight="bold" fill="{TEXT}">{_t(line)}</text>'
        )
    if p.kpi_lines or p.measure_lines:
        cursor += 4
        parts.append(
            f'<line x1="{left}" y1="{_num(cursor)}" x2="{x + COL_W - PAD}" y2="{_num(cursor)}" '
            f'stroke="#d8d8db"/>'
        )
        cursor += 4
    for lines, kpi in p.kpi_lines:
        for line in lines:
            cursor += SMALL_LINE
            parts.append(f'<text x="{left}" y="{_num(cursor - 3)}" fill="{TEXT}">{_t(line)}</text>')
        cursor += SMALL_LINE
        kfg = COLOURS[STATUS_STYLE.get(kpi.status, "neutral")][0]
        parts.append(
            f'<text x="{left + 8}" y="{_num(cursor - 3)}" fill="{SUB}">{_t(kpi.value)} '
            f'<tspan fill="{kfg}" font-weight="bold">{_t(kpi.status_label)}</tspan></text>'
        )
        cursor += 2
    for lines in p.measure_lines:
        for line in lines:
            cursor += SMALL_LINE
            parts.append(f'<text x="{left}" y="{_num(cursor - 3)}" fill="{SUB}">{_t(line)}</text>')
        cursor += 2
    parts.append("</g>")
    return parts


def _notes(note_lines, top: float, width: float) -> list[str]:
    if not note_lines:
        return []
    parts = [
        '<g class="logic-notes">',
        f'<text x="{MARGIN}" y="{top + 16}" font-size="13" font-weight="bold" fill="{DOUBT}">'
        f"{_t(_('前提が疑わしいつながり'))}</text>",
    ]
    y = top + 32
    for number, lines in note_lines:
        parts.append(
            f'<text x="{MARGIN}" y="{y + 13}" font-size="12" font-weight="bold" '
            f'fill="{DOUBT}">{_t(f"?{number}")}</text>'
        )
        for line in lines:
            y += 17
            parts.append(
                f'<text x="{MARGIN + 34}" y="{y - 4}" font-size="12" fill="{TEXT}">'
                f"{_t(line)}</text>"
            )
        y += 6
    parts.append("</g>")
    return parts
