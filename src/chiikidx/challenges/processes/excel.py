"""Steps in and out of Excel / CSV, and the quick entry of several steps as lines of text.

Import (core.tabular): UTF-8 / UTF-8-BOM / CP932 CSV or xlsx, 全角 digits, the Japanese labels
of 種類・媒体・行う人 (and common other words for them, e.g. 窓口 for 対面). Every row is checked
first and every bad row reported (row, column, value, reason); nothing is saved when one is bad.
The export has the import's columns (so it round-trips) plus figures the import ignores.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from chiikidx.core import japanese, tabular

from ..choices import Medium, Performer, StepType
from . import analysis, services
from .services import StepInput


def _choices(choices, aliases: dict[str, str]):
    """Labels and other words for them; the label is written last so exports show it."""
    return tabular.choice({**aliases, **{str(label): value for value, label in choices.choices}})


STEP_TYPE = _choices(
    StepType,
    {
        "入力": StepType.INPUT,
        "データ入力": StepType.INPUT,
        "発行": StepType.ISSUE,
        "発送": StepType.NOTIFY,
        "保存": StepType.STORE,
        "起案": StepType.APPROVE,
    },
)
MEDIUM = _choices(
    Medium,
    {
        "書面": Medium.PAPER,
        "オンライン": Medium.DIGITAL,
        "システム": Medium.DIGITAL,
        "データ": Medium.DIGITAL,
        "窓口": Medium.IN_PERSON,
    },
)
PERFORMER = _choices(
    Performer,
    {
        "住民": Performer.RESIDENT,
        "事業者": Performer.RESIDENT,
        "申請者": Performer.RESIDENT,
        "委託": Performer.CONTRACTOR,
        "自動": Performer.SYSTEM,
    },
)


def minutes(value) -> Decimal:
    """Minutes per case: 全角 digits, at most one decimal place."""
    return services.minutes_value(value)


COLUMNS = [
    tabular.Column("order", "順番", tabular.integer(min=1, max=9999), aliases=("No", "番号")),
    tabular.Column("name", "手順", required=True, aliases=("手順名", "手順の名前", "作業")),
    tabular.Column("step_type", "種類", STEP_TYPE, aliases=("手順の種類",)),
    tabular.Column("medium", "媒体", MEDIUM, required=True),
    tabular.Column(
        "minutes", "時間(分)", minutes, aliases=("時間", "分", "1件あたりの時間(分)", "所要時間")
    ),
    tabular.Column("performer", "行う人", PERFORMER, aliases=("実施者",)),
    tabular.Column("performer_note", "担当(係・役職など)", aliases=("担当", "係")),
]
FIGURE_COLUMNS = [
    tabular.Column("staff_hours", "年間の職員時間(時間)"),
    tabular.Column("candidate", "改善の候補"),
    tabular.Column("remedy", "改善の方向"),
]

# Words in a step's name that tell its type, when the type is left blank (first match wins).
TYPE_WORDS = [
    (StepType.IDENTIFY, ("本人確認",)),
    (StepType.TRANSCRIBE, ("転記", "書き写")),
    (StepType.INPUT, ("入力",)),
    (StepType.FILL, ("記入", "記載", "書く", "手書き")),
    (StepType.RECEIVE, ("受付", "受け付", "受理")),
    (StepType.INQUIRE, ("照会", "問い合わせ", "問合せ")),
    (StepType.APPROVE, ("決裁", "起案", "承認")),
    (StepType.EXAMINE, ("審査", "確認", "点検", "チェック")),
    (StepType.NOTIFY, ("通知", "発送", "連絡")),
    (StepType.ISSUE, ("交付", "発行", "手渡")),
    (StepType.COLLECT, ("収納", "手数料", "納付")),
    (StepType.STORE, ("保管", "保存", "ファイリング", "綴")),
]


def guess_type(name: str) -> str:
    """The step type a name tells (その他 when none): 「届出書の受付」 → 受付."""
    for step_type, words in TYPE_WORDS:
        if any(word in name for word in words):
            return step_type
    return StepType.OTHER


def to_input(row: dict) -> StepInput:
    name = row.get("name") or ""
    return StepInput(
        name=name,
        step_type=row.get("step_type") or guess_type(japanese.normalize(name)),
        medium=row.get("medium") or "",
        minutes=row.get("minutes") if row.get("minutes") is not None else Decimal(0),
        performer=row.get("performer") or Performer.STAFF,
        performer_note=row.get("performer_note") or "",
    )


# --- import ---------------------------------------------------------------------------------


def read_steps(data: bytes, filename: str) -> list[StepInput]:
    """The file's steps in order (by 順番 when given); TableImportError lists every bad row."""
    result = tabular.read_table(data, filename, COLUMNS)
    errors = list(result.errors)
    rows = []
    for row in result.rows:
        step = to_input(row)
        _values, problems = services.step_problems(step)
        errors += [_row_error(row["_row"], name, step, message) for name, message in problems]
        rows.append((row.get("order") or 10_000, row["_row"], step))
    errors += _duplicate_orders(result.rows)
    if errors:
        raise tabular.TableImportError(errors)
    if not rows:
        raise tabular.TableFileError(
            _("取り込む手順がありません。見出しの下に、1行に1つずつ手順を書いてください。")
        )
    return [step for _order, _row, step in sorted(rows, key=lambda r: r[:2])]


def _duplicate_orders(rows: list[dict]) -> list[tabular.RowError]:
    seen: dict[int, int] = {}
    errors = []
    for row in rows:
        order = row.get("order")
        if order is None:
            continue
        if order in seen:
            message = _("%(r)s行目と同じ順番です。順番が重ならないようにしてください。") % {
                "r": seen[order]
            }
            errors.append(tabular.RowError(row["_row"], "順番", str(order), message))
        seen.setdefault(order, row["_row"])
    return errors


LABELS = {c.key: c.label for c in COLUMNS}


def _row_error(row_no: int, name: str, step: StepInput, message: str) -> tabular.RowError:
    value = getattr(step, name, "") if name in LABELS else ""
    return tabular.RowError(row_no, LABELS.get(name, ""), str(value or ""), message)


def import_steps(*, acting_user, process, data: bytes, filename: str, replace: bool) -> int:
    """Add the file's steps after the process's steps (or instead of them); the count."""
    steps = read_steps(data, filename)
    try:
        services.add_steps(acting_user=acting_user, process=process, steps=steps, replace=replace)
    except services.StepsRefused as refused:
        raise tabular.TableFileError(str(refused)) from None
    return len(steps)


# --- quick entry: one step per line -----------------------------------------------------------

LINE_COLUMNS = [c for c in COLUMNS if c.key != "order"]


def parse_lines(text: str) -> list[StepInput]:
    """「手順, 種類, 媒体, 分, 行う人, 担当」 per line (tab-separated when pasted from Excel);
    only 手順 and 媒体 are needed. TableImportError lists every bad line."""
    errors, steps = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        cells = _cells(line)
        if not any(cells) or _is_header(cells):
            continue
        row, problems = _line_row(number, cells)
        if not problems:
            step = to_input(row)
            _values, found = services.step_problems(step)
            problems = [_row_error(number, n, step, m) for n, m in found]
        errors += problems
        steps.append(to_input(row))
    if errors:
        raise tabular.TableImportError(errors)
    if not steps:
        raise tabular.TableFileError(_("追加する手順を1行に1つずつ入力してください。"))
    return steps


def _cells(line: str) -> list[str]:
    if "\t" in line:
        return [japanese.normalize(c) for c in line.split("\t")]
    return [c.strip() for c in japanese.normalize(line).split(",")]  # NFKC: ，→ ,


def _is_header(cells: list[str]) -> bool:
    return cells[0] in ("手順", "手順名")


def _line_row(number: int, cells: list[str]) -> tuple[dict, list[tabular.RowError]]:
    row: dict = {"_row": number}
    problems = []
    if len(cells) > len(LINE_COLUMNS):
        message = _(
            "区切りが多すぎます。「手順, 種類, 媒体, 分, 行う人, 担当」の順に、"
            "6項目までで書いてください(手順の名前にカンマは使えません)。"
        )
        return row, [tabular.RowError(number, "", "", message)]
    for column, cell in zip(LINE_COLUMNS, cells, strict=False):
        value, error = _parse(column, cell, number)
        row[column.key] = value
        if error:
            problems.append(error)
    if not row.get("medium") and not any(p.column == "媒体" for p in problems):
        message = _("媒体(紙・電子・対面・電話)を3番目に書いてください。")
        problems.append(tabular.RowError(number, "媒体", "", message))
    return row, problems


def _parse(column: tabular.Column, cell: str, number: int):
    if not cell:
        return None, None
    try:
        return (column.parser or tabular.text)(cell), None
    except ValueError as exc:
        return None, tabular.RowError(number, column.label, cell, str(exc))


# --- export ---------------------------------------------------------------------------------

THIN = Side(style="thin", color="808080")
BORDER = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOP = Alignment(vertical="top", wrap_text=True)


def step_rows(data: analysis.ProcessData) -> list[dict]:
    found = {c.step.id: c for c in analysis.candidates(data)}
    rows = []
    for step in data.steps:
        candidate = found.get(step.id)
        rows.append(
            {
                "order": step.order,
                "name": step.name,
                "step_type": step.step_type,
                "medium": step.medium,
                "minutes": step.minutes,
                "performer": step.performer,
                "performer_note": step.performer_note,
                "staff_hours": analysis.one_place(
                    analysis.hours(analysis.staff_minutes_year(step, data.annual_volume))
                ),
                "candidate": candidate.label if candidate else None,
                "remedy": candidate.remedy if candidate else None,
            }
        )
    return rows


def process_xlsx(data: analysis.ProcessData) -> bytes:
    """The process's steps (importable back) with the yearly staff hours and candidates."""
    title = _("業務プロセス「%(p)s」の手順(年間%(v)s件)") % {
        "p": data.name,
        "v": f"{data.annual_volume:,}",
    }
    return tabular.write_xlsx(
        [*COLUMNS, *FIGURE_COLUMNS], step_rows(data), title=title, sheet_title=_("手順")
    )


def process_csv(data: analysis.ProcessData) -> bytes:
    return tabular.write_csv([*COLUMNS, *FIGURE_COLUMNS], step_rows(data))


def analysis_xlsx(organization, pairs) -> bytes:
    """The organization's analysis: processes, candidates, shared steps, totals (5 sheets)."""
    data = [d for _p, d in pairs]
    book = Workbook()
    book.properties.title = _("%(o)s 業務プロセスの分析") % {"o": organization.name}
    _sheet(book.active, _("業務の一覧"), book.properties.title, *_process_table(data))
    _sheet(book.create_sheet(), _("改善の候補"), _("改善の候補"), *_candidate_table(data))
    _sheet(
        book.create_sheet(),
        _("共通の手順"),
        _("複数の業務にある手順(共通化・標準化の候補)"),
        *_shared_table(data),
    )
    for attribute, name in (("step_type", _("手順の種類別")), ("medium", _("媒体別"))):
        title = _("職員の年間時間(%(n)s)") % {"n": name}
        _sheet(book.create_sheet(), name, title, *_total_table(data, attribute))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _process_table(data):
    columns = [
        (_("業務名"), 24),
        (_("比較用の標準名"), 18),
        (_("部署"), 14),
        (_("年間件数"), 10),
        (_("手順の数"), 9),
        (_("職員の時間(分/件)"), 12),
        (_("職員の年間時間(時間)"), 14),
        (_("紙の手順"), 9),
        (_("対面の手順"), 9),
        (_("改善の候補"), 9),
    ]
    rows = []
    for d in data:
        f = analysis.figures(d)
        rows.append(
            [
                d.name,
                d.common_name,
                d.department,
                d.annual_volume,
                f.steps,
                f.staff_minutes,
                analysis.one_place(f.staff_hours_year),
                f.paper_steps,
                f.in_person_steps,
                len(analysis.candidates(d)),
            ]
        )
    return columns, rows


def _candidate_table(data):
    columns = [
        (_("業務名"), 20),
        (_("順番"), 6),
        (_("手順"), 28),
        (_("種類"), 10),
        (_("媒体"), 8),
        (_("行う人"), 12),
        (_("候補の種類"), 18),
        (_("改善の方向"), 24),
        (_("減らせる職員の年間時間(最大)"), 16),
        (_("住民・事業者の年間時間"), 14),
        (_("理由"), 50),
    ]
    rows = [
        [
            c.process.name,
            c.step.order,
            c.step.name,
            c.step.type_label,
            c.step.medium_label,
            c.step.performer_label,
            c.label,
            c.remedy,
            analysis.one_place(c.staff_hours_year),
            analysis.one_place(c.resident_hours_year),
            c.reason,
        ]
        for c in analysis.all_candidates(data)
    ]
    return columns, rows


def _shared_table(data):
    columns = [
        (_("種類"), 10),
        (_("手順"), 28),
        (_("業務の数"), 9),
        (_("業務"), 40),
        (_("書き方の違い"), 36),
        (_("職員の年間時間(時間)"), 14),
    ]
    rows = [
        [
            s.type_label,
            s.name,
            len(s.processes),
            "、".join(p.name for p in s.processes),
            "、".join(s.names) if len(s.names) > 1 else "",
            analysis.one_place(s.staff_hours_year),
        ]
        for s in analysis.shared_steps(data)
    ]
    return columns, rows


def _total_table(data, attribute: str):
    columns = [
        (_("手順の種類") if attribute == "step_type" else _("媒体"), 14),
        (_("職員が行う手順の数"), 12),
        (_("職員の年間時間(時間)"), 14),
        (_("割合(%)"), 10),
    ]
    rows = [
        [t.label, t.steps, analysis.one_place(t.staff_hours_year), analysis.one_place(t.share)]
        for t in analysis.totals_by(data, attribute)
    ]
    return columns, rows


def _sheet(ws, name: str, title: str, columns, rows) -> None:
    """The project's table style (as core.tabular.write_xlsx): a title, a styled frozen
    header, a filter."""
    ws.title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    heading = ws.cell(row=1, column=1)
    tabular.write_cell(heading, title)
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
            tabular.write_cell(cell, value)
            cell.alignment = TOP
            cell.border = BORDER
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{max(r, 2)}"
