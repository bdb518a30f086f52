"""Exports of a logic model: the diagram as SVG, PNG and PDF, and a logframe table in Excel.

PNG and PDF are drawn from the same SVG by CairoSVG, which needs the system's cairo library
(libcairo2) and a Japanese font (fonts-noto-cjk) — see the operations guide. Without them the
page says so and the SVG and Excel exports still work. Nothing is fetched from anywhere: the
SVG names no external resource.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as N
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from chiikidx.core import tabular
from chiikidx.core.japanese import wareki

from .logic_queries import Analysis
from .templatetags.kpi import kpi_value

PNG_SCALE = 2  # twice the SVG's size: sharp when printed or projected


# --- PNG and PDF ------------------------------------------------------------------------------


@functools.cache
def renderer_problem() -> str | None:
    """Why PNG and PDF cannot be made on this server: "cairo", "font" or None (they can).
    Asked once per process."""
    try:
        import cairosvg  # noqa: F401 - loads libcairo through cairocffi
    except (ImportError, OSError):
        return "cairo"
    return None if has_japanese_font() else "font"


def has_japanese_font() -> bool:
    found = shutil.which("fc-list")
    if found is None:
        return False
    try:
        listed = subprocess.run(  # noqa: S603 - a fixed command, no user input
            [found, ":lang=ja", "family"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(listed.stdout.strip())


def renderer_message(problem: str) -> str:
    if problem == "font":
        return _(
            "このサーバーには日本語のフォントがないため、PNG・PDFを出力できません(文字が表示"
            "されません)。SVGかExcelで出力するか、システム管理者に運用ガイドの「図の出力"
            "(PNG・PDF)」のとおりフォント(fonts-noto-cjk)を入れるよう依頼してください。"
        )
    return _(
        "このサーバーには図をPNG・PDFに変換するライブラリ(cairo)がないため、PNG・PDFを出力"
        "できません。SVGかExcelで出力するか、システム管理者に運用ガイドの「図の出力(PNG・PDF)」"
        "のとおり libcairo2 と fonts-noto-cjk を入れるよう依頼してください。"
    )


class RendererMissing(Exception):
    pass


def png(svg: str) -> bytes:
    return _cairo("svg2png", svg, scale=PNG_SCALE)


def pdf(svg: str) -> bytes:
    return _cairo("svg2pdf", svg)


def _cairo(function: str, svg: str, **options) -> bytes:
    problem = renderer_problem()
    if problem:
        raise RendererMissing(renderer_message(problem))
    import cairosvg

    return getattr(cairosvg, function)(bytestring=svg.encode("utf-8"), **options)


# --- Excel: the logframe ----------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="808080")
BORDER = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
TOP = Alignment(wrap_text=True, vertical="top")
LOGFRAME = [
    (N("段階"), 12),
    (N("内容"), 34),
    (N("状況"), 12),
    (N("指標(KPI・基準値・目標・最新の実績・状況)"), 52),
    (N("前提条件(次の段階へのつながり)"), 52),
    (N("関連施策"), 36),
]
LINKS = [
    (N("上流のノード(原因)"), 30),
    (N("下流のノード(結果)"), 30),
    (N("前提条件"), 40),
    (N("根拠"), 40),
    (N("判定"), 16),
    (N("理由"), 60),
]
SIGHT = [(N("施策"), 36), (N("インパクトへの見通し"), 80)]


def kpi_text(state) -> str:
    """「KPI名」, then 基準値 … → 目標 … / 最新 …(期間) ・ 状況."""
    kpi, facts, ev = state.kpi, state.facts, state.evaluation
    path = []
    if facts.baseline is not None:
        path.append(
            _("基準値 %(v)s(%(d)s)")
            % {"v": kpi_value(facts.baseline.value, kpi), "d": wareki(facts.baseline.date)}
        )
    if facts.targets:
        last = max(facts.targets, key=lambda t: t.date)
        path.append(
            _("目標 %(v)s(%(d)s)") % {"v": kpi_value(last.value, kpi), "d": wareki(last.date)}
        )
    latest = _("実績なし")
    if ev.latest is not None:
        latest = _("最新 %(v)s(%(p)s)") % {
            "v": kpi_value(ev.latest.value, kpi),
            "p": ev.latest.period.label,
        }
    detail = " / ".join(p for p in (" → ".join(path), latest) if p)
    return f"{kpi}\n  {detail} ・ {state.status_label}"


def assumption_text(view) -> str:
    text = f"→「{view.target.title}」: {view.link.assumption or _('(前提条件が書かれていません)')}"
    if view.link.rationale:
        text += "\n  " + _("根拠: %(r)s") % {"r": view.link.rationale}
    if view.doubtful:
        text += "\n  " + _("【前提が疑わしい ?%(n)s】") % {"n": view.check.note}
    return text


def logframe_rows(found: Analysis) -> list[list[str]]:
    rows = []
    for node in found.nodes:
        rows.append(
            [
                node.node.get_stage_display(),
                node.title + (f"\n{node.node.description}" if node.node.description else ""),
                node.status_label,
                "\n".join(kpi_text(s) for s in node.kpi_states),
                "\n".join(assumption_text(v) for v in node.outgoing),
                "\n".join(str(m) for m in node.measures),
            ]
        )
    return rows


def link_rows(found: Analysis) -> list[list[str]]:
    return [
        [
            f"{v.source.node.get_stage_display()}: {v.source.title}",
            f"{v.target.node.get_stage_display()}: {v.target.title}",
            v.link.assumption,
            v.link.rationale,
            v.verdict_label + (f" ?{v.check.note}" if v.doubtful else ""),
            v.check.reason,
        ]
        for v in found.links
    ]


def sight_rows(found: Analysis) -> list[list[str]]:
    rows = []
    for sight in found.sights:
        if sight.reaches:
            text = "\n".join(" → ".join(n.title for n in path) for path in sight.paths)
            rows.append([str(sight.measure), text])
    for measure, reason in found.unconnected:
        rows.append([str(measure), _("【つながっていない施策】") + reason])
    for node in found.unserved:
        rows.append(
            [
                _("(施策なし)"),
                _("【どの施策も支えていない成果】%(stage)s「%(t)s」")
                % {"stage": node.node.get_stage_display(), "t": node.title},
            ]
        )
    return rows


def workbook(found: Analysis) -> bytes:
    book = Workbook()
    model = found.logic_model
    title = _("ロジックモデル「%(t)s」— ロジックフレーム") % {"t": model.title}
    book.properties.title = title
    _sheet(book.active, _("ロジックフレーム"), title, LOGFRAME, logframe_rows(found))
    _sheet(
        book.create_sheet(),
        _("つながりと前提"),
        _("つながりと前提の点検(KPIの状況から)"),
        LINKS,
        link_rows(found),
    )
    _sheet(
        book.create_sheet(),
        _("見通し"),
        _("施策からインパクトへの見通し"),
        SIGHT,
        sight_rows(found),
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(ws, name: str, title: str, columns, rows) -> None:
    """The project's table style (core.tabular.write_xlsx): a title, a styled frozen header,
    a filter; long text wraps at the top of its cell."""
    ws.title = name
    heading = ws.cell(row=1, column=1)
    tabular.write_cell(heading, title)  # the model's title, typed by users
    heading.font = Font(bold=True, size=14)
    for c, (label, width) in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=c, value=str(label))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    r = 2
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            tabular.write_cell(cell, value or None)
            cell.alignment = TOP
            cell.border = BORDER
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{max(r, 2)}"
