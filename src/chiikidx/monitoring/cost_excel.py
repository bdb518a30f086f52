"""A cost-effectiveness case as an Excel workbook: the inputs (with units and the formulas), the
results per 年度 and scenario (and realised), and the totals. Values are written exactly and
shown rounded by the cells' number formats (円 and hours to one decimal)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from chiikidx.core import tabular
from chiikidx.core.japanese import nendo_label

from .choices import Scenario
from .cost_queries import CaseResult
from .costs import SCENARIOS

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
YEN_FORMAT, HOURS_FORMAT, COUNT_FORMAT, PERCENT_FORMAT = "#,##0", "#,##0.0", "#,##0", "0.0"

FORMULAS = (
    "移る件数 M = N × 普及率 ÷ 100",
    "住民の時間の削減 H = M ×(移動 + 待ち + 記入の分)÷ 60",
    "住民の便益 B = H × 住民の時間価値 + M ×(交通費 + 郵送料)",
    "職員の時間 S = M × 職員の作業時間の削減(分)÷ 60",
    "職員の便益 K = S × 職員の人件費(円/時)",
    "費用 E = 運用費(最初の年度は + 初期費用)",
    "純便益 = B + K − E、行政内部の効果 = K − E",
    "正味現在価値 NPV = Σ 純便益 ÷(1 + 割引率)^t(最初の年度は t = 0)",
    "回収年度 = 累積の純便益が初めて0以上になる年度",
    "実績: 同じ式で、移る件数 M にKPIの実績の件数を使います。"
    "一部の月だけの年度は、運用費と見込みを経過した月数で按分して比べます。",
)


def _header(ws, row: int, labels: list[str]) -> None:
    for i, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=i, value=label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _widths(ws, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _inputs_sheet(ws, found: CaseResult) -> None:
    case = found.case
    ws.title = _("入力")
    title = ws.cell(row=1, column=1)
    tabular.write_cell(title, _("費用対効果の試算: %(p)s") % {"p": case.procedure})
    title.font = Font(bold=True, size=14)
    years = found.inputs.years
    facts = [
        (_("団体"), case.organization.name, ""),
        (_("施策"), str(case.measure), ""),
        (_("計画"), case.measure.plan.title, ""),
        (_("種類"), case.get_kind_display(), ""),
        (_("期間"), f"{nendo_label(years[0])}〜{nendo_label(years[-1])}" if years else "", ""),
        (_("実績に使うKPI"), str(case.kpi) if case.kpi_id else _("なし"), ""),
        (_("前提と数字の出どころ"), case.note, ""),
    ]
    numbers = [
        ("annual_procedures", _("件/年")),
        ("travel_minutes", _("分/件")),
        ("waiting_minutes", _("分/件")),
        ("filling_minutes", _("分/件")),
        ("travel_cost", _("円/件")),
        ("postage", _("円/件")),
        ("time_value", _("円/時")),
        ("staff_minutes", _("分/件")),
        ("staff_hourly_cost", _("円/時")),
        ("initial_cost", _("円")),
        ("running_cost", _("円/年")),
        ("discount_rate", _("%/年")),
    ]
    _header(ws, 3, [_("項目"), _("値"), _("単位")])
    r = 4
    for label, value, unit in facts:
        ws.cell(row=r, column=1, value=label)
        tabular.write_cell(ws.cell(row=r, column=2), value)  # names and notes typed by users
        ws.cell(row=r, column=3, value=unit)
        r += 1
    for name, unit in numbers:
        field = case._meta.get_field(name)
        ws.cell(row=r, column=1, value=str(field.verbose_name))
        ws.cell(row=r, column=2, value=getattr(case, name)).number_format = "#,##0.##"
        ws.cell(row=r, column=3, value=unit)
        r += 1
    r += 1
    _header(ws, r, [_("年度"), _("普及率 低位(%)"), _("普及率 基準(%)"), _("普及率 高位(%)")])
    for fy in years:
        r += 1
        share = found.inputs.adoption.get(fy)
        ws.cell(row=r, column=1, value=nendo_label(fy))
        for i, part in enumerate(SCENARIOS, start=2):
            ws.cell(row=r, column=i, value=share.of(part) if share else None)
    r += 2
    ws.cell(row=r, column=1, value=_("計算式")).font = Font(bold=True)
    for line in FORMULAS:
        r += 1
        ws.cell(row=r, column=1, value=line)
    r += 2
    ws.cell(
        row=r,
        column=1,
        value=_("金額は円、時間は時間。計算は端数を丸めずに行い、表示だけを丸めています。"),
    )
    _widths(ws, [34, 40, 12, 16])


YEAR_COLUMNS = [
    ("moved", COUNT_FORMAT),
    ("resident_hours", HOURS_FORMAT),
    ("resident_yen", YEN_FORMAT),
    ("staff_hours", HOURS_FORMAT),
    ("staff_yen", YEN_FORMAT),
    ("cost", YEN_FORMAT),
    ("net", YEN_FORMAT),
    ("cumulative", YEN_FORMAT),
    ("internal", YEN_FORMAT),
    ("present_value", YEN_FORMAT),
]


def _years_sheet(ws, found: CaseResult) -> None:
    ws.title = _("年度別")
    labels = [
        _("年度"),
        _("見込み・実績"),
        _("普及率(%)"),
        _("対象の月"),
        _("移る件数(件)"),
        _("住民の時間の削減(時間)"),
        _("住民の便益(円)"),
        _("職員の時間(時間)"),
        _("職員の便益(円)"),
        _("費用(円)"),
        _("純便益(円)"),
        _("累積の純便益(円)"),
        _("行政内部の効果(円)"),
        _("現在価値(円)"),
    ]
    _header(ws, 1, labels)
    r = 1
    series = [(s, str(Scenario(s).label), found.scenarios[s]) for s in SCENARIOS]
    if found.realised is not None:
        series.append(("realised", _("実績"), found.realised))
    for key, name, result in series:
        for year, cumulative in zip(result.years, result.cumulative, strict=True):
            r += 1
            share, months = _share(found, key, year.fiscal_year)
            for i, value in enumerate([nendo_label(year.fiscal_year), name, share, months], 1):
                ws.cell(row=r, column=i, value=value)
            ws.cell(row=r, column=3).number_format = PERCENT_FORMAT
            for i, (attr, fmt) in enumerate(YEAR_COLUMNS, start=5):
                value = cumulative if attr == "cumulative" else getattr(year, attr)
                ws.cell(row=r, column=i, value=value).number_format = fmt
    ws.freeze_panes = "C2"
    _widths(ws, [12, 10, 10, 10] + [14] * len(YEAR_COLUMNS))


def _share(found: CaseResult, key: str, fy: int):
    """(普及率 %, the months counted) of one 年度 of a scenario or of the realised counts."""
    if key != "realised":
        return found.inputs.adoption_of(fy).of(key), _("通年")
    one = found.counted[fy]
    return one.adoption(found.inputs.annual_procedures), one.months_label


TOTAL_ROWS = [
    ("moved", gettext_lazy("移る件数(件)"), COUNT_FORMAT),
    ("resident_hours", gettext_lazy("住民の時間の削減(時間)"), HOURS_FORMAT),
    ("resident_yen", gettext_lazy("住民の便益(円)"), YEN_FORMAT),
    ("staff_hours", gettext_lazy("職員の時間(時間)"), HOURS_FORMAT),
    ("staff_yen", gettext_lazy("職員の便益(円)"), YEN_FORMAT),
    ("cost", gettext_lazy("費用(円)"), YEN_FORMAT),
    ("net", gettext_lazy("純便益(円)"), YEN_FORMAT),
    ("npv", gettext_lazy("正味現在価値 NPV(円)"), YEN_FORMAT),
    ("payback_fy", gettext_lazy("回収年度"), None),
    ("internal", gettext_lazy("行政内部の効果(円)"), YEN_FORMAT),
    ("internal_npv", gettext_lazy("行政内部の効果の現在価値(円)"), YEN_FORMAT),
    ("internal_payback_fy", gettext_lazy("行政内部だけでの回収年度"), None),
]


def _totals_sheet(ws, found: CaseResult) -> None:
    ws.title = _("合計")
    columns = [(str(Scenario(s).label), found.scenarios[s]) for s in SCENARIOS]
    if found.has_realised:
        columns.append((_("実績(これまで)"), found.realised))
    _header(ws, 1, [_("項目"), *(label for label, _r in columns)])
    for r, (attr, label, fmt) in enumerate(TOTAL_ROWS, start=2):
        ws.cell(row=r, column=1, value=str(label))
        for c, (_label, result) in enumerate(columns, start=2):
            value = getattr(result, attr)
            if attr.endswith("payback_fy"):
                value = nendo_label(value) if value else _("期間内に回収できない")
            cell = ws.cell(row=r, column=c, value=value)
            if fmt:
                cell.number_format = fmt
    _widths(ws, [30] + [18] * len(columns))


def workbook(found: CaseResult) -> bytes:
    wb = Workbook()
    wb.properties.title = _("費用対効果の試算: %(p)s") % {"p": found.case.procedure}
    _inputs_sheet(wb.active, found)
    _years_sheet(wb.create_sheet(), found)
    _totals_sheet(wb.create_sheet(), found)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
