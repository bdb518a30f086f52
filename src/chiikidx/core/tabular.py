"""CSV / Excel import and export shared by every module.

Files come from municipal offices: CP932 CSVs, title rows above the table, merged two-row
headers, 全角 digits, 和暦 dates. read_table() copes with all of that and reports every bad
cell with the row number the user sees in Excel, so one round of corrections is enough.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import japanese, xlsxread

__all__ = [
    "Column",
    "RowError",
    "TableFileError",
    "TableImportError",
    "TableResult",
    "boolean",
    "cell_text",
    "choice",
    "date_",
    "decimal_",
    "decode_text",
    "integer",
    "lgcode",
    "read_table",
    "text",
    "write_csv",
    "write_xlsx",
]

HEADER_SCAN_ROWS = 30
_CSV_EXTENSIONS = {".csv", ".txt", ".tsv"}
_XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
_JST = ZoneInfo("Asia/Tokyo")


class TableFileError(Exception):
    """The file itself cannot be read (format, encoding, corruption)."""


class TableImportError(Exception):
    """Some rows could not be read; .errors lists every one of them."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: e.row)  # stable: columns stay in order
        shown = "\n".join(str(e) for e in self.errors[:20])
        more = f"\n…ほか{len(self.errors) - 20}件" if len(self.errors) > 20 else ""
        super().__init__(f"取り込めない箇所が{len(self.errors)}件あります。\n{shown}{more}")


def problem_lines(exc: TableFileError | TableImportError) -> list[str]:
    """Every problem of a failed import, one line each (a whole-file problem is one line)."""
    return [str(e) for e in getattr(exc, "errors", [])] or [str(exc)]


def describe_failure(exc: TableFileError | TableImportError) -> str:
    """Every problem of a failed import, one per line (for command-line output and logs)."""
    if isinstance(exc, TableImportError):
        lines = "\n".join(str(e) for e in exc.errors)
        return f"取り込めない箇所が{len(exc.errors)}件あります。何も保存していません。\n{lines}"
    return str(exc)


# --- Columns and parsers ----------------------------------------------------------------

Parser = Callable[[Any], Any]


@dataclass
class Column:
    key: str
    label: str
    parser: Parser | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()
    unique: bool = False


def text(value: Any) -> str:
    """Plain text; numbers and dates Excel guessed are turned back into what the user typed."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def integer(min: int | None = None, max: int | None = None) -> Parser:
    """Whole numbers, optionally bounded (inclusive)."""

    def parse(value: Any) -> int:
        return _check_range(japanese.parse_int(value), min, max, "整数")

    return parse


def decimal_(
    min: Decimal | int | None = None,
    max: Decimal | int | None = None,
    places: int | None = None,
) -> Parser:
    """Decimal numbers, optionally bounded and limited to `places` digits after the point."""

    def parse(value: Any) -> Decimal:
        if isinstance(value, str):
            value = value.rstrip("%％").rstrip()  # a percentage cell, as shown ("30%" → 30)
        number = japanese.parse_decimal(value)
        exponent = number.as_tuple().exponent
        if places is not None and isinstance(exponent, int) and -exponent > places:
            number = _drop_trailing_zeros(number, places)
        return _check_range(number, min, max, "数値")

    return parse


def _drop_trailing_zeros(number: Decimal, places: int) -> Decimal:
    # "1.50" with places=1 is fine; only real extra digits are an error.
    quantized = number.quantize(Decimal(1).scaleb(-places))
    if quantized != number:
        raise ValueError(f"小数点以下は{places}桁までで入力してください。")
    return quantized


def _check_range(number: Any, low: Any, high: Any, kind: str) -> Any:
    too_low = low is not None and number < low
    too_high = high is not None and number > high
    if not (too_low or too_high):
        return number
    if low is not None and high is not None:
        raise ValueError(f"{low}以上{high}以下の{kind}で入力してください。")
    if low is not None:
        raise ValueError(f"{low}以上の{kind}で入力してください。")
    raise ValueError(f"{high}以下の{kind}で入力してください。")


def date_(value: Any) -> datetime.date:
    """Dates in western or 和暦 notation, or real Excel dates."""
    return japanese.parse_date(value)


def lgcode(value: Any) -> str:
    """全国地方公共団体コード, returned as 6 digits."""
    return japanese.normalize_lgcode(value)


def _choice_key(value: Any) -> str:
    return re.sub(r"\s+", "", japanese.normalize(text(value))).casefold()


class _Choice:
    """Parser accepting either the label or the stored value; writers export the label."""

    def __init__(self, mapping: dict[str, Any]):
        self.labels = {value: label for label, value in mapping.items()}
        self.lookup = {_choice_key(value): value for value in mapping.values()}
        # Labels win over values when they collide: the label is what users see.
        self.lookup.update({_choice_key(label): value for label, value in mapping.items()})

    def __call__(self, value: Any) -> Any:
        try:
            return self.lookup[_choice_key(value)]
        except KeyError:
            allowed = "、".join(str(label) for label in self.labels.values())
            raise ValueError(f"選べない値です。次のいずれかを入力してください: {allowed}") from None

    def display(self, value: Any) -> Any:
        return self.labels.get(value, value)


def choice(mapping: dict[str, Any]) -> Parser:
    """One of a fixed set, e.g. {"都道府県": "prefecture", "市": "city"}."""
    return _Choice(mapping)


_TRUE = {"はい", "○", "〇", "◯", "有", "有り", "あり", "1", "true", "yes", "y"}
_FALSE = {"いいえ", "×", "✕", "無", "無し", "なし", "0", "false", "no", "n"}


def boolean(value: Any) -> bool:
    """はい/いいえ, ○/×, 有/無, 1/0, true/false, yes/no."""
    if isinstance(value, bool):
        return value
    key = _choice_key(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError("「はい」か「いいえ」で入力してください（○/×、有/無、1/0 も使えます）。")


# --- Results ----------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.row}行目" + (f"「{self.column}」列" if self.column else "")
        shown = f"値「{self.value}」— " if self.value else ""
        return f"{where}: {shown}{self.message}"


@dataclass
class TableResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header_row: int | None = None
    sheet: str | None = None
    # keys of the columns found in the header (an absent optional column reads as None)
    present: set[str] = field(default_factory=set)
    # the header row's cells as read, every column (a caller importing columns it did not
    # know in advance, such as a survey's attributes, takes their labels from here)
    header_cells: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_errors(self) -> TableResult:
        if self.errors:
            raise TableImportError(self.errors)
        return self


# --- Reading: bytes → grid --------------------------------------------------------------


@dataclass
class _Grid:
    """Cell values by 0-based (row, column), plus merged ranges of an Excel sheet."""

    cells: list[list[Any]]
    name: str | None = None
    # (row, col) of every merged cell → (row, col) of its range's top-left cell
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # top-left cells of ranges spanning a single column (a category merged down the rows)
    vertical: set[tuple[int, int]] = field(default_factory=set)

    def raw(self, r: int, c: int) -> Any:
        row = self.cells[r] if r < len(self.cells) else []
        return row[c] if c < len(row) else None

    def header_value(self, r: int, c: int) -> Any:
        return self.raw(*self.merged.get((r, c), (r, c)))

    def data_value(self, r: int, c: int, header_row: int) -> Any:
        anchor = self.merged.get((r, c))
        # Fill down a category merged over several data rows; a merge that starts in the
        # header belongs to the header, and horizontal merges would copy into other columns.
        if anchor and anchor in self.vertical and anchor[0] > header_row:
            return self.raw(*anchor)
        return self.raw(r, c)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's Unicode text), else CP932."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp932"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(
        "文字コードを判別できません。CSVを「UTF-8」または「Shift_JIS（CSV（コンマ区切り））」"
        "で保存し直してからアップロードしてください。"
    )


def _sniff_delimiter(text_: str) -> str:
    sample = text_.splitlines()[: HEADER_SCAN_ROWS + 20]

    def score(delimiter: str) -> tuple[int, int]:
        rows = [r for r in csv.reader(sample, delimiter=delimiter) if any(c.strip() for c in r)]
        widths = [len(r) for r in rows if len(r) > 1]
        # Rows that split into several fields, then the most consistent width, win; a TSV
        # full of "1,234" numbers still splits its header on tabs only.
        return len(widths), -len(set(widths))

    return max(("\t", ","), key=lambda d: (score(d), d == ","))


def _read_csv(data: bytes) -> _Grid:
    content = decode_text(data)
    try:
        reader = csv.reader(io.StringIO(content, newline=""), delimiter=_sniff_delimiter(content))
        return _Grid(cells=[list(row) for row in reader])
    except csv.Error as exc:
        raise TableFileError(
            f"CSVとして読めません（{exc}）。Excelで開いて「CSV（コンマ区切り）」で保存し直してください。"
        ) from exc


_UNREADABLE_XLSX = (
    "Excelファイルを開けません。ファイルが壊れているか、パスワードが設定されています。"
    "Excelで開いて「Excel ブック (*.xlsx)」で保存し直してください。"
)


def _load_workbook(data: bytes) -> xlsxread.Workbook:
    try:
        return xlsxread.Workbook(data)
    except xlsxread.XlsxError as exc:
        raise TableFileError(_UNREADABLE_XLSX) from exc


def _sheet_grid(wb: xlsxread.Workbook, name: str) -> _Grid:
    try:
        sheet = wb.read(name)
    except xlsxread.XlsxError as exc:
        raise TableFileError(_UNREADABLE_XLSX) from exc
    cells = sheet.rows
    for (r, c), number_format in sheet.number_formats.items():
        cells[r][c] = _shown(cells[r][c], number_format)
    grid = _Grid(cells=cells, name=sheet.name)
    for min_row, min_col, max_row, max_col in sheet.merged:
        anchor = (min_row - 1, min_col - 1)
        if min_col == max_col:
            grid.vertical.add(anchor)
        for r in range(min_row - 1, max_row):
            for c in range(min_col - 1, max_col):
                grid.merged[(r, c)] = anchor
    return grid


def _shown(value: Any, number_format: str) -> Any:
    """A number as shown; one formatted as a percentage reads "30%", not 0.3."""
    if "%" in number_format:
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    return value


def _read_xlsx(data: bytes, sheet: str | None) -> list[_Grid]:
    wb = _load_workbook(data)
    if sheet is not None:
        if sheet not in wb.sheetnames:
            found = "、".join(f"「{name}」" for name in wb.sheetnames)
            raise TableFileError(f"シート「{sheet}」が見つかりません。ファイル内のシート: {found}")
        return [_sheet_grid(wb, sheet)]
    # Offices often save with a cover or instructions sheet active, so every sheet is a
    # candidate and the best header wins; the active one first so it wins ties.
    active = wb.active
    names = [*([active] if active is not None else []), *(n for n in wb.worksheets if n != active)]
    if not names:
        raise TableFileError(
            "表を読み取れるシートがありません。データを入力したシートのあるExcelファイルを選んでください。"
        )
    return [_sheet_grid(wb, name) for name in names]


def _grids(data: bytes, filename: str, sheet: str | None) -> list[_Grid]:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in _CSV_EXTENSIONS:
        return [_read_csv(data)]
    if suffix in _XLSX_EXTENSIONS:
        return _read_xlsx(data, sheet)
    if suffix == ".xls":
        raise TableFileError(
            "古い形式（.xls）のExcelファイルは読み込めません。"
            "Excelで「名前を付けて保存」から「Excel ブック (*.xlsx)」で保存し直してください。"
        )
    raise TableFileError(
        f"「{filename}」は読み込めない種類のファイルです。Excel（.xlsx）かCSV（.csv）を選んでください。"
    )


# --- Reading: header detection ----------------------------------------------------------

_REQUIRED_MARK = re.compile(r"(?:[※*]|[(\[【]必須[)\]】])+$")


def _header_key(value: Any) -> str:
    if value is None:
        return ""
    key = re.sub(r"\s+", "", japanese.normalize(text(value)))
    return _REQUIRED_MARK.sub("", key).casefold()


def _column_lookup(columns: list[Column]) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (*column.aliases, column.key, column.label):
            lookup[_header_key(name)] = column  # the label, written last, wins a clash
    lookup.pop("", None)
    return lookup


def _match_header(grid: _Grid, r: int, lookup: dict[str, Column], key) -> dict[str, int]:
    """Column key → 0-based position for header row r; the first matching cell wins. `key`:
    _header_key, or a memo of it."""
    positions: dict[str, int] = {}
    width = max((len(grid.cells[i]) for i in range(max(r - 1, 0), r + 1)), default=0)
    for c in range(width):
        sub = key(grid.header_value(r, c))
        group = key(grid.header_value(r - 1, c)) if r > 0 else ""
        # "人口" over "男"/"女" can be addressed as "人口男"; the combined name is more specific.
        names = [group + sub] if group and sub and group != sub else []
        for name in [*names, sub]:
            column = lookup.get(name)
            if column and column.key not in positions:
                positions[column.key] = c
                break
    return positions


def _find_header(grid: _Grid, lookup: dict[str, Column]) -> tuple[int, dict[str, int]]:
    best_row, best = -1, {}
    key = _header_key_memo()
    for r in range(min(HEADER_SCAN_ROWS, len(grid.cells))):
        found = _match_header(grid, r, lookup, key)
        # An equal score on the very next row means a two-row header (merged cells repeat
        # their value); the lower row is the one directly above the data.
        if len(found) > len(best) or (found and len(found) == len(best) and r == best_row + 1):
            best_row, best = r, found
    return best_row, best


def _header_key_memo():
    """_header_key, each distinct cell value worked out once: the scan for the header reads
    every cell of the first rows twice (as a name and as the group over the row below), and
    data rows repeat their values (levels, はい)."""
    known: dict = {}

    def key(value: Any) -> str:
        memo_key = (type(value), value)  # 1, 1.0 and True are equal but read differently
        try:
            return known[memo_key]
        except KeyError:
            found = known[memo_key] = _header_key(value)
            return found
        except TypeError:  # unhashable
            return _header_key(value)

    return key


def _header_labels(grid: _Grid, r: int) -> list[str]:
    width = len(grid.cells[r]) if r < len(grid.cells) else 0
    values = (grid.header_value(r, c) for c in range(width))
    labels = (japanese.normalize(text(v)) for v in values if v is not None)
    return list(dict.fromkeys(label for label in labels if label))


def _missing_columns_error(grid: _Grid, r: int, missing: list[Column]) -> RowError:
    names = "、".join(f"「{c.label}」" for c in missing)
    found = "、".join(f"「{label}」" for label in _header_labels(grid, r)) or "（なし）"
    return RowError(
        row=r + 1,
        column="",
        value="",
        message=f"必須の列 {names} が見つかりません。見出し行にある列: {found}。"
        "列名を確認してください。",
    )


# --- Reading: cells → values ------------------------------------------------------------

_CSV_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@])")


def cell_text(value: str) -> str:
    """Text as read_table returns it (NFKC, trimmed), to tell a real edit from a round-trip."""
    return _cell_text(value)


# A cell needs cleaning if any of these is in it: whitespace other than a single space, a
# space at either end, or the apostrophe that guards a formula.
_NEEDS_CLEANING = re.compile(r"[^\S ]|  |^ | $|^'")


def _cell_text(value: str) -> str:
    # NFKC and trimmed, but line breaks inside a cell (addresses, notes) are kept.
    if unicodedata.is_normalized("NFKC", value) and not _NEEDS_CLEANING.search(value):
        return value  # most cells: nothing to change (checked much faster than changed)
    folded = unicodedata.normalize("NFKC", value).replace("\r\n", "\n").replace("\r", "\n")
    folded = "\n".join(re.sub(r"[^\S\n]+", " ", line).strip() for line in folded.split("\n"))
    return _CSV_FORMULA_GUARD.sub("", folded.strip())


def _prepare(raw: Any) -> Any:
    """Cell → None (blank), a native date/number/bool, or normalized text."""
    if type(raw) is str:  # every cell of a CSV
        return _cell_text(raw) or None
    if raw is None:
        return None
    if isinstance(raw, datetime.date | int | float | Decimal):
        return raw
    cleaned = _cell_text(text(raw))
    return cleaned or None


def _display(raw: Any) -> str:
    return text(raw).strip() if raw is not None else ""


_UNPREPARED = object()


def _parse_cell(
    column: Column, raw: Any, row_no: int, prepared: Any = _UNPREPARED
) -> tuple[Any, RowError | None]:
    value = _prepare(raw) if prepared is _UNPREPARED else prepared
    if value is None:
        if column.required:
            message = f"必須項目です。「{column.label}」を入力してください。"
            return None, RowError(row_no, column.label, "", message)
        return None, None
    try:
        return (column.parser or text)(value), None
    except ValueError as exc:
        return None, RowError(row_no, column.label, _display(raw), str(exc))


def _read_rows(
    grid: _Grid, header: int, positions: dict[str, int], columns: list[Column]
) -> TableResult:
    result = TableResult(
        header_row=header + 1,
        sheet=grid.name,
        present=set(positions),
        header_cells=list(grid.cells[header]),
    )
    present = [c for c in columns if c.key in positions]
    seen: dict[str, dict[Any, int]] = {c.key: {} for c in present if c.unique}
    places = [positions[c.key] for c in present]
    keys = [c.key for c in columns]
    merged = bool(grid.merged)  # without merged cells (a CSV), data values are the cells
    for r in range(header + 1, len(grid.cells)):
        line = grid.cells[r]
        cells = [line[p] if p < len(line) else None for p in places]
        # A merged category running through an otherwise empty row must not revive it.
        prepared = [_prepare(cell) for cell in cells]
        if all(value is None for value in prepared):
            continue  # blank, or only notes in columns we do not import
        record: dict[str, Any] = dict.fromkeys(keys)
        record["_row"] = r + 1
        errors = []
        for column, place, cell, clean in zip(present, places, cells, prepared, strict=True):
            raw = grid.data_value(r, place, header) if merged else cell
            if raw is not cell:  # filled down from a merged cell above
                clean = _UNPREPARED
            value, error = _parse_cell(column, raw, r + 1, clean)
            record[column.key] = value
            if error:
                errors.append(error)
            elif column.unique and value is not None:
                errors.extend(_duplicate(seen[column.key], column, value, raw, r))
        result.errors.extend(errors)
        if not errors:
            result.rows.append(record)
    return result


def _duplicate(seen: dict[Any, int], column: Column, value: Any, raw: Any, r: int) -> list:
    try:
        first = seen.setdefault(value, r + 1)
    except TypeError:  # an unhashable value from a custom parser cannot be checked
        return []
    if first == r + 1:
        return []
    message = f"{first}行目と同じ値です。「{column.label}」は重複できません。"
    return [RowError(r + 1, column.label, _display(raw), message)]


def read_table(
    data: bytes, filename: str, columns: list[Column], *, sheet: str | None = None
) -> TableResult:
    """Read a CSV or xlsx upload into dicts keyed by Column.key, collecting every error."""
    lookup = _column_lookup(columns)
    candidates = [(grid, *_find_header(grid, lookup)) for grid in _grids(data, filename, sheet)]
    grid, header, positions = max(candidates, key=lambda c: len(c[2]))
    if not positions:
        labels = "、".join(f"「{c.label}」" for c in columns)
        message = (
            f"見出し行が見つかりません。先頭{HEADER_SCAN_ROWS}行以内に {labels} "
            "などの列名を書いた行を入れてください。"
        )
        return TableResult(errors=[RowError(1, "", "", message)], sheet=grid.name)
    missing = [c for c in columns if c.required and c.key not in positions]
    if missing:
        error = _missing_columns_error(grid, header, missing)
        return TableResult(errors=[error], header_row=header + 1, sheet=grid.name)
    return _read_rows(grid, header, positions, columns)


# --- Writing ----------------------------------------------------------------------------


def export_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # Excel has no time zones; staff read times in Japan time.
        value = value.astimezone(_JST).replace(tzinfo=None)
    display = getattr(column.parser, "display", None)
    if display is not None:
        value = display(value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return value


def _display_width(value: Any) -> int:
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    longest = max(str(value).split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in longest)


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(
    columns: list[Column], rows: Iterable[dict], *, title: str, sheet_title: str = "データ"
) -> bytes:
    """An xlsx with a title row, a styled and frozen header, and real Excel dates."""
    wb = Workbook()
    ws = wb.active
    ws.title = _SHEET_TITLE_FORBIDDEN.sub("_", sheet_title)[:31] or "データ"
    wb.properties.title = title
    # The header sits directly under the title so read_table's header search never mistakes
    # a title that happens to equal a label for the header.
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    header_row = 2
    thin = Side(style="thin", color="808080")
    widths = [max(_display_width(c.label), 6) for c in columns]
    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=i, value=column.label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = header_row
    for r, row in enumerate(rows, start=header_row + 1):
        for i, column in enumerate(columns, start=1):
            value = export_value(column, row.get(column.key))
            write_cell(ws.cell(row=r, column=i), value)
            if value is not None:
                widths[i - 1] = max(widths[i - 1], _display_width(value))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(width + 2, 60)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if columns:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{max(r, header_row)}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_cell(cell: Any, value: Any) -> None:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # stray control characters break the file
    cell.value = value
    if isinstance(value, datetime.datetime):
        cell.number_format = "yyyy/mm/dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy/mm/dd"
    elif isinstance(value, str):
        # Text starting with "=" must stay text: user input must never run as a formula.
        cell.data_type = "s"
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    value = str(value)
    # A leading ' keeps Excel from evaluating user text as a formula (CSV injection);
    # read_table strips it again so exports round-trip.
    return "'" + value if value[:1] in ("=", "+", "-", "@") and not _is_number(value) else value


def _is_number(value: str) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+(\.\d+)?", value))


def write_csv(columns: list[Column], rows: Iterable[dict]) -> bytes:
    """UTF-8 with BOM and CRLF, which Excel opens without garbling Japanese."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.label for c in columns])
    for row in rows:
        writer.writerow([_csv_value(export_value(c, row.get(c.key))) for c in columns])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
