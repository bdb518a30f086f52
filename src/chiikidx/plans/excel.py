"""The plan as an Excel 工程表 (one row per measure, a 年度/quarter grid), and its import.

The import reads the same workbook (or a CSV with the same columns): a row with an ID updates
that measure of the plan, a row without one creates a measure. Every row is checked first; if
any is wrong, nothing is saved and every problem is reported with its Excel row. A column
missing from the file leaves that field as it is; an exported workbook imported unchanged
changes nothing (no audit entries)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from chiikidx.core import tabular
from chiikidx.core.japanese import fiscal_year, nendo_label, wareki
from chiikidx.core.services import ServiceError

from . import queries, services
from .choices import MeasureStatus, PlanStatus
from .models import Measure, Plan

SHEET = "工程表"
HEADER_ROW = 4
GROUP_ROW = 3
IMPORTABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.REVISING)
QUARTERS = ("Q1(4-6月)", "Q2(7-9月)", "Q3(10-12月)", "Q4(1-3月)")
TEXT_FIELDS = ("code", "title", "responsible", "deliverable", "target_level")

HEADER_FILL = PatternFill("solid", fgColor="DCE6F8")
BAR_FILL = PatternFill("solid", fgColor="4472C4")
THIN = Side(style="thin", color="808080")
BORDER = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)

STATUS = tabular.choice({str(label): value for value, label in MeasureStatus.choices})


def columns(plan: Plan) -> list[tabular.Column]:
    """The columns of the 工程表, in order (the quarter grid follows them)."""
    fixed = [
        tabular.Column("id", "ID", tabular.integer(min=1), unique=True),
        tabular.Column("policy", plan.policy_label, required=True, aliases=("基本方針",)),
        tabular.Column("code", "番号"),
        tabular.Column("title", plan.measure_label, required=True, aliases=("施策",)),
        tabular.Column("department", "担当課", required=True, aliases=("担当部署",)),
        tabular.Column("responsible", "担当者"),
        tabular.Column("start_date", "開始日", tabular.date_),
        tabular.Column("deadline", "期限", tabular.date_),
        tabular.Column("deliverable", "何を(成果物)", aliases=("成果物",)),
        tabular.Column("target_level", "どの水準まで", aliases=("目標水準",)),
        tabular.Column("status", "状態", STATUS, aliases=("状況",)),
        tabular.Column("progress", "進捗%", tabular.integer(min=0, max=100), aliases=("進捗",)),
        tabular.Column("weight", "重み", tabular.decimal_(min=0, max=9999, places=2)),
    ]
    budgets = []
    for year in _years(plan):
        label = nendo_label(year)
        money = tabular.integer(min=0)
        budgets.append(tabular.Column(f"planned_{year}", f"{label} 予算(円)", money))
        budgets.append(tabular.Column(f"actual_{year}", f"{label} 決算(円)", money))
    return fixed + budgets


def _years(plan: Plan) -> list[int]:
    return list(range(plan.start_fy, plan.end_fy + 1))


# --- export ----------------------------------------------------------------------------------


def _measures(plan: Plan) -> list[Measure]:
    return list(
        Measure.objects.filter(plan=plan)
        .select_related("policy", "owner_department")
        .prefetch_related("budgets")
    )


def row_of(measure: Measure) -> dict:
    budgets = {b.fiscal_year: b for b in measure.budgets.all()}
    row = {
        "id": measure.pk,
        "policy": str(measure.policy),
        "code": measure.code,
        "title": measure.title,
        "department": measure.owner_department.name,
        "responsible": measure.responsible,
        "start_date": measure.start_date,
        "deadline": measure.deadline,
        "deliverable": measure.deliverable,
        "target_level": measure.target_level,
        "status": measure.status,
        "progress": measure.progress,
        "weight": Decimal(measure.weight).normalize(),
    }
    for year, budget in budgets.items():
        row[f"planned_{year}"] = budget.planned_yen
        row[f"actual_{year}"] = budget.actual_yen
    return row


def quarters_spanned(start: datetime.date | None, end: datetime.date | None) -> set:
    """(年度, quarter 1–4) from the start to the deadline (one of them alone: that quarter)."""
    start, end = start or end, end or start
    if start is None:
        return set()
    first, last = _quarter(start), _quarter(end)
    found, current = set(), first
    while current <= last:
        found.add(current)
        year, q = current
        current = (year + 1, 1) if q == 4 else (year, q + 1)
    return found


def _quarter(d: datetime.date) -> tuple[int, int]:
    return fiscal_year(d), (d.month - 4) % 12 // 3 + 1


def workbook(plan: Plan) -> bytes:
    cols = columns(plan)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    _title(sheet, plan)
    grid_start = len(cols) + 1
    _headers(sheet, plan, cols, grid_start)
    measures = _measures(plan)
    for r, measure in enumerate(measures, start=HEADER_ROW + 1):
        row = row_of(measure)
        for c, column in enumerate(cols, start=1):
            _cell(sheet.cell(row=r, column=c), tabular.export_value(column, row.get(column.key)))
        _bar(sheet, r, grid_start, plan, quarters_spanned(measure.start_date, measure.deadline))
    _layout(sheet, plan, cols, grid_start, HEADER_ROW + len(measures))
    _instructions(book.create_sheet("説明"), plan)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title(sheet, plan: Plan) -> None:
    sheet["B1"] = _("%(title)s 工程表(第%(v)s版)") % {"title": plan.title, "v": plan.version}
    sheet["B1"].font = Font(bold=True, size=14)
    sheet["B2"] = _("%(org)s ・ 計画期間 %(start)s〜%(end)s ・ 状態 %(status)s ・ 出力 %(at)s") % {
        "org": plan.organization.name,
        "start": nendo_label(plan.start_fy),
        "end": nendo_label(plan.end_fy),
        "status": plan.get_status_display(),
        "at": wareki(timezone.localdate()),
    }


def _headers(sheet, plan: Plan, cols, grid_start: int) -> None:
    for c, column in enumerate(cols, start=1):
        _head(sheet.cell(row=HEADER_ROW, column=c, value=column.label))
    for i, year in enumerate(_years(plan)):
        first = grid_start + i * 4
        _head(sheet.cell(row=GROUP_ROW, column=first, value=nendo_label(year)))
        sheet.merge_cells(
            start_row=GROUP_ROW, start_column=first, end_row=GROUP_ROW, end_column=first + 3
        )
        for q, name in enumerate(QUARTERS):
            _head(sheet.cell(row=HEADER_ROW, column=first + q, value=name))


def _head(cell) -> None:
    cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _cell(cell, value) -> None:
    tabular.write_cell(cell, value)
    cell.border = BORDER
    if isinstance(value, datetime.date):
        cell.number_format = "yyyy/mm/dd"
    if isinstance(value, str):
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _bar(sheet, r: int, grid_start: int, plan: Plan, spanned: set) -> None:
    for i, year in enumerate(_years(plan)):
        for q in range(1, 5):
            cell = sheet.cell(row=r, column=grid_start + i * 4 + q - 1)
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center")
            if (year, q) in spanned:
                cell.value, cell.fill = "■", BAR_FILL
                cell.font = Font(color="FFFFFF")


WIDTHS = {"policy": 20, "code": 6, "title": 30, "department": 12, "responsible": 10}
WIDTHS |= {"start_date": 11, "deadline": 11, "deliverable": 28, "target_level": 28}
WIDTHS |= {"status": 8, "progress": 7, "weight": 6}


def _layout(sheet, plan: Plan, cols, grid_start: int, last_row: int) -> None:
    for c, column in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = WIDTHS.get(column.key, 14)
    sheet.column_dimensions["A"].hidden = True  # the ID: kept so an import finds the measure
    for c in range(grid_start, grid_start + 4 * len(_years(plan))):
        sheet.column_dimensions[get_column_letter(c)].width = 5
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=5)  # policy, code, title stay
    setup = sheet.page_setup
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.paperSize = sheet.PAPERSIZE_A3
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    sheet.print_area = f"B1:{get_column_letter(grid_start + 4 * len(_years(plan)) - 1)}{last_row}"
    sheet.oddFooter.center.text = "&P / &N"


def _instructions(sheet, plan: Plan) -> None:
    lines = [
        _("この工程表の使い方"),
        _("1. 「工程表」シートの1行が1つの施策です。A列(非表示)のIDで施策を見分けます。"),
        _("2. IDのない行は新しい施策として登録します。行を消しても施策は削除されません。"),
        _(
            "3. 基本方針と担当課は、登録済みの名称を書きます。"
            "状態は 未着手・順調・注意・遅延・完了・中止 のどれかです。"
        ),
        _(
            "4. 日付は 2025/4/1、令和7年4月1日、R7.4.1 のどれでもかまいません。"
            "数字は全角・カンマ付きでも読めます。"
        ),
        _("5. 年度・四半期の ■ は開始日から期限までを示す参考表示で、取り込みません。"),
        _("6. 取り込めるのは、状態が「下書き」か「改定中」の計画だけです。"),
        _("7. 誤りがあるときは行と理由をすべて表示し、何も保存しません。直して取り込み直します。"),
        _("8. CSV(UTF-8 または Shift_JIS)で、同じ見出しの列を並べても取り込めます。"),
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 110


# --- import ----------------------------------------------------------------------------------


@dataclass
class Planned:
    """What one valid row will do: create (measure None) or update a measure."""

    row: int
    measure: Measure | None
    fields: dict = field(default_factory=dict)
    budgets: dict | None = None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def check_importable(acting_user, plan: Plan) -> None:
    services.check_change(acting_user, plan)
    if plan.status not in IMPORTABLE_STATUSES:
        raise ServiceError(
            _(
                "工程表を取り込めるのは、状態が「下書き」か「改定中」の計画だけです"
                "(この計画は「%(status)s」)。計画を改定してから取り込んでください。"
            )
            % {"status": plan.get_status_display()}
        )


def import_upload(*, acting_user, plan: Plan, data: bytes, filename: str) -> ImportResult:
    """Create and update measures from the 工程表, or save nothing and report every bad row."""
    check_importable(acting_user, plan)
    result = tabular.read_table(data, filename, columns(plan))
    context = _Context(plan)
    errors = list(result.errors)
    planned = []
    for row in result.rows:
        problems, step = context.plan_row(row, result.present)
        errors += problems
        if step is not None:
            planned.append(step)
    if errors:
        raise tabular.TableImportError(errors)
    return _apply(acting_user, plan, planned)


@transaction.atomic
def _apply(acting_user, plan: Plan, planned: list[Planned]) -> ImportResult:
    done = ImportResult()
    for step in planned:
        if step.measure is not None and not step.fields and step.budgets is None:
            done.unchanged += 1
            continue
        services.save_measure(
            acting_user=acting_user,
            plan=plan,
            measure=step.measure,
            budgets=step.budgets,
            **step.fields,
        )
        if step.measure is None:
            done.created += 1
        else:
            done.updated += 1
    return done


def _fold(value) -> str:
    return tabular.cell_text(str(value or ""))


class _Context:
    """The plan's policies, departments and measures, looked up by what the file says."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.policies = {}
        for policy in plan.policies.all():
            self.policies.setdefault(_fold(policy.title), policy)
        for policy in plan.policies.all():
            self.policies[_fold(str(policy))] = policy
        departments = queries.departments_for(plan.organization)
        self.departments = {_fold(d.name): d for d in departments}
        self.measures = {m.pk: m for m in _measures(plan)}

    def plan_row(self, row: dict, present: set) -> tuple[list, Planned | None]:
        where, errors = row["_row"], []

        def fail(column: str, value, message: str) -> None:
            errors.append(tabular.RowError(where, column, str(value or ""), message))

        measure = None
        if row.get("id") is not None:
            measure = self.measures.get(row["id"])
            if measure is None:
                fail(
                    "ID",
                    row["id"],
                    _("この計画の施策のIDではありません。新しい施策ならIDを空欄にしてください。"),
                )
        policy = self.policies.get(_fold(row["policy"]))
        if policy is None:
            fail(
                self.plan.policy_label,
                row["policy"],
                _(
                    "この計画にない%(level)sです。登録済みの名称を書くか、先に画面で登録してください。"
                )
                % {"level": self.plan.policy_label},
            )
        department = self.departments.get(_fold(row["department"]))
        if department is None:
            fail(
                "担当課",
                row["department"],
                _("この団体にない部署です。部署の一覧にある名称を書いてください。"),
            )
        if errors:
            return errors, None
        values = self._values(row, present, policy, department)
        start = values.get("start_date", measure.start_date if measure else None)
        deadline = values.get("deadline", measure.deadline if measure else None)
        if start and deadline and deadline < start:
            fail("期限", wareki(deadline), _("期限は開始日以降にしてください。"))
            return errors, None
        budgets = self._budgets(row, present, measure)
        if measure is None:
            return [], Planned(where, None, values, budgets or None)
        return [], Planned(
            where, measure, _changed(measure, values), _budget_change(measure, budgets)
        )

    def _values(self, row: dict, present: set, policy, department) -> dict:
        values = {"policy": policy, "owner_department": department}
        for name in TEXT_FIELDS:
            if name in present:
                values[name] = row.get(name) or ""
        for name in ("start_date", "deadline"):
            if name in present:
                values[name] = row.get(name)
        for name in ("status", "progress", "weight"):
            if name in present and row.get(name) is not None:
                values[name] = row[name]
        return values

    def _budgets(self, row: dict, present: set, measure: Measure | None) -> dict:
        stored = {}
        if measure is not None:
            stored = {b.fiscal_year: (b.planned_yen, b.actual_yen) for b in measure.budgets.all()}
        found = dict(stored)
        for year in _years(self.plan):
            keys = (f"planned_{year}", f"actual_{year}")
            if not any(k in present for k in keys):
                continue  # the file has no column for this 年度: keep what is stored
            planned, actual = row.get(keys[0]), row.get(keys[1])
            if planned is None and actual is None:
                found.pop(year, None)
            else:
                found[year] = (planned or 0, actual)
        return found


def _changed(measure: Measure, values: dict) -> dict:
    changed = {}
    for name, value in values.items():
        current = getattr(measure, name)
        if name in TEXT_FIELDS:
            same = _fold(current) == _fold(value)
        elif name == "weight":
            same = Decimal(current) == Decimal(value)
        else:
            same = current == value
        if not same:
            changed[name] = value
    return changed


def _budget_change(measure: Measure, budgets: dict) -> dict | None:
    stored = {b.fiscal_year: (b.planned_yen, b.actual_yen) for b in measure.budgets.all()}
    return None if stored == budgets else budgets
