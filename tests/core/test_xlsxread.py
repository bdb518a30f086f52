"""core.xlsxread: the stdlib xlsx reader gives read_table exactly the grids openpyxl gave.

The oracle is the openpyxl implementation tabular used before (copied below): every workbook
here is read both ways, with and without a sheet name, and the grids must be equal value for
value and type for type (True == 1 in Python, so types are compared too).
"""

import datetime
import io
import random
import warnings
import zipfile
from decimal import Decimal
from unittest import mock
from xml.sax.saxutils import escape, quoteattr

import openpyxl
import pytest
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils.datetime import MAC_EPOCH
from openpyxl.worksheet.datavalidation import DataValidation

from chiikidx.core import tabular, xlsxread
from chiikidx.core.tabular import Column, TableFileError, _Grid, _read_xlsx

UNREADABLE = (
    "Excelファイルを開けません。ファイルが壊れているか、パスワードが設定されています。"
    "Excelで開いて「Excel ブック (*.xlsx)」で保存し直してください。"
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


# --- the oracle: tabular's openpyxl implementation before core.xlsxread -------------------


def _old_load_workbook(data):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableFileError(UNREADABLE) from exc


def _old_sheet_grid(ws):
    cells = [[_old_shown(cell) for cell in row] for row in ws.iter_rows()]
    grid = _Grid(cells=cells, name=ws.title)
    for rng in ws.merged_cells.ranges:
        anchor = (rng.min_row - 1, rng.min_col - 1)
        if rng.min_col == rng.max_col:
            grid.vertical.add(anchor)
        for r in range(rng.min_row - 1, rng.max_row):
            for c in range(rng.min_col - 1, rng.max_col):
                grid.merged[(r, c)] = anchor
    return grid


def _old_shown(cell):
    value = cell.value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and "%" in (cell.number_format or ""):
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    return value


def _old_read_xlsx(data, sheet):
    wb = _old_load_workbook(data)
    if sheet is not None:
        if sheet not in wb.sheetnames:
            found = "、".join(f"「{name}」" for name in wb.sheetnames)
            raise TableFileError(f"シート「{sheet}」が見つかりません。ファイル内のシート: {found}")
        return [_old_sheet_grid(wb[sheet])]
    sheets = [wb.active, *(ws for ws in wb.worksheets if ws is not wb.active)]
    return [_old_sheet_grid(ws) for ws in sheets if ws is not None]


def _typed(grids):
    return [
        (
            g.name,
            [[(type(v), v) for v in row] for row in g.cells],
            g.merged,
            g.vertical,
        )
        for g in grids
    ]


def assert_same(data: bytes) -> list[_Grid]:
    """Old and new agree on the whole workbook and on every sheet read by name. The old one
    is given Excel's Japanese builtin number formats, which the new one knows on purpose."""
    with (
        warnings.catch_warnings(),
        mock.patch.dict(BUILTIN_FORMATS, xlsxread.JAPANESE_BUILTIN_FORMATS),
    ):
        warnings.simplefilter("ignore")  # openpyxl warns about what it drops or fixes
        expected = _old_read_xlsx(data, None)
        names = [ws.title for ws in _old_load_workbook(data).worksheets]
        by_name = {name: _old_read_xlsx(data, name) for name in names}
    got = _read_xlsx(data, None)
    assert _typed(got) == _typed(expected)
    for name, grids in by_name.items():
        assert _typed(_read_xlsx(data, name)) == _typed(grids), name
    # The same through expat alone: the plain-shapes reading changes nothing.
    with mock.patch.object(xlsxread, "_plain_sheet_data", return_value=None):
        assert _typed(_read_xlsx(data, None)) == _typed(expected)
    return got


# --- building workbooks -------------------------------------------------------------------


def _save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _ws(sheet_data: str, after: str = "", prefix: str = "") -> str:
    """A worksheet part around the given <sheetData> content (elements after it: `after`)."""
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<{p}worksheet {ns}="{MAIN}" xmlns:r="{REL}">'
        f"<{p}sheetData>{sheet_data}</{p}sheetData>{after}</{p}worksheet>"
    )


def _styles(ids=(0,), custom=None) -> str:
    fmts = "".join(
        f"<numFmt numFmtId={quoteattr(str(i))} formatCode={quoteattr(code)}/>"
        for i, code in (custom or {}).items()
    )
    xfs = "".join(f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0"/>' for i in ids)
    return (
        f'<styleSheet xmlns="{MAIN}"><numFmts count="{len(custom or {})}">{fmts}</numFmts>'
        '<fonts count="1"><font><sz val="11"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(ids)}">{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _sst(*items: str) -> str:
    return f'<sst xmlns="{MAIN}" count="{len(items)}">{"".join(items)}</sst>'


def _package(
    sheets,
    *,
    shared=None,
    styles=None,
    workbook_pr="",
    active=None,
    parts=None,
    sheet_rels=None,
) -> bytes:
    """An xlsx written by hand: sheets are (name, worksheet xml[, state[, kind]]) tuples.

    kind is "worksheet" (default), "chartsheet" or "dialogsheet"; `parts` adds files and
    `sheet_rels` maps a sheet index to the body of its .rels file.
    """
    files = {}
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>']
    rels = []
    entries = []
    for i, (name, xml, *rest) in enumerate(sheets, start=1):
        state = rest[0] if rest else "visible"
        kind = rest[1] if len(rest) > 1 else "worksheet"
        folder = {"worksheet": "worksheets", "chartsheet": "chartsheets"}.get(kind, "dialogsheets")
        path = f"xl/{folder}/sheet{i}.xml"
        files[path] = xml
        overrides.append(f'<Override PartName="/{path}" ContentType="{CT}.{kind}+xml"/>')
        rels.append(
            f'<Relationship Id="rId{i}" Type="{REL}/{kind}" Target="{folder}/sheet{i}.xml"/>'
        )
        entries.append(
            f'<sheet name={quoteattr(name)} sheetId="{i}" state="{state}" r:id="rId{i}"/>'
        )
        if sheet_rels and i in sheet_rels:
            files[f"xl/{folder}/_rels/sheet{i}.xml.rels"] = (
                f'<Relationships xmlns="{PKG}">{sheet_rels[i]}</Relationships>'
            )
    files["xl/styles.xml"] = styles or _styles()
    overrides.append(f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>')
    rels.append(f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>')
    if shared is not None:
        files["xl/sharedStrings.xml"] = shared
        overrides.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    views = (
        f'<bookViews><workbookView activeTab="{active}"/></bookViews>' if active is not None else ""
    )
    files["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}{views}'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    )
    files["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>'
    )
    files["_rels/.rels"] = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    for path, xml in (parts or {}).items():
        files[path] = xml
        if path.endswith(".xml") and "comments" in path:
            overrides.append(f'<Override PartName="/{path}" ContentType="{CT}.comments+xml"/>')
    files["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{''.join(overrides)}</Types>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text_ in files.items():
            z.writestr(path, text_.encode() if isinstance(text_, str) else text_)
    return buffer.getvalue()


def _rewrite(data: bytes, **changes) -> bytes:
    """The same package with some parts' text replaced: path=function(old text)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name in source.namelist():
            content = source.read(name)
            key = name.replace("/", "__").replace(".", "_")
            if key in changes:
                content = changes[key](content.decode()).encode()
            z.writestr(name, content)
    return buffer.getvalue()


def _c(ref: str, value: str = "", t: str = "", s: str = "", f: str = "") -> str:
    attrs = (f' r="{ref}"' if ref else "") + (f' t="{t}"' if t else "") + (f' s="{s}"' if s else "")
    inner = (f"<f>{escape(f)}</f>" if f else "") + (f"<v>{escape(value)}</v>" if value else "")
    return f"<c{attrs}>{inner}</c>" if inner else f"<c{attrs}/>"


def _row(r, *cells: str) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>' if r else f"<row>{''.join(cells)}</row>"


# --- strings ------------------------------------------------------------------------------

SHARED = _sst(
    "<si><t>見出し</t></si>",
    '<si><r><rPr><b/><sz val="11"/></rPr><t>太字</t></r>'
    '<r><t xml:space="preserve"> と普通</t></r></si>',
    '<si><t>東京都</t><rPh sb="0" eb="3"><t>トウキョウト</t></rPh><phoneticPr fontId="1"/></si>',
    '<si><r><t>漢字</t></r><rPh sb="0" eb="2"><t>カンジ</t></rPh>'
    '<phoneticPr fontId="1" type="Hiragana"/></si>',
    '<si><t xml:space="preserve">  前後に空白  </t></si>',
    "<si><t>  空白は xml:space が無くても残る </t></si>",
    "<si><t>改行_x000D_あり</t></si>",
    "<si><t>_x005F_x000D_ はそのまま</t></si>",
    "<si><t/></si>",
    "<si><t>1行目\r\n2行目&#13;&#10;3行目</t></si>",
    "<si><t>&amp;&lt;&gt;&quot;</t></si>",
    "<si><r><t>先</t></r><t>後</t></si>",  # openpyxl puts the plain <t> first
    "<si><t>一つ目</t><t>二つ目</t></si>",  # the last <t> wins
    '<si><r><t>a</t><t>b</t></r><r><rPr/></r><r><t xml:space="preserve"> </t></r></si>',
    "<si><t>東京</t><x:t xmlns:x='urn:other'>別の名前空間</x:t></si>",
)


def test_shared_strings_join_runs_and_leave_out_furigana():
    rows = "".join(_row(i + 1, _c(f"A{i + 1}", str(i), t="s")) for i in range(15))
    data = _package([("文字列", _ws(rows))], shared=SHARED)
    (grid,) = assert_same(data)
    column = [row[0] for row in grid.cells]
    assert column[1:4] == ["太字 と普通", "東京都", "漢字"]
    assert column[6:8] == ["改行_x000D_あり", "_x000D_ はそのまま"]
    assert column[8] == "" and column[9] == "1行目\n2行目\r\n3行目"


def test_inline_strings_follow_the_same_rules_without_the_x005f_fix():
    cells = [
        '<c r="A1" t="inlineStr"><is><t>インライン</t></is></c>',
        '<c r="B1" t="inlineStr"><is><r><t>リッチ</t></r>'
        "<r><rPr><i/></rPr><t>テキスト</t></r></is></c>",
        '<c r="C1" t="inlineStr"><is><t>大阪</t><rPh sb="0" eb="2"><t>オオサカ</t></rPh></is></c>',
        '<c r="D1" t="inlineStr"><is><t>_x005F_x000D_ と _x000A_</t></is></c>',
        '<c r="E1" t="inlineStr"><is/></c>',  # an empty string, not None
        '<c r="F1" t="inlineStr"/>',
        '<c r="G1" t="inlineStr"><v>7</v></c>',  # <v> is ignored for inline strings
        '<c r="H1" t="inlineStr"><is><t xml:space="preserve"> 空白 </t></is>'
        "<is><t>2つ目</t></is></c>",
    ]
    (grid,) = assert_same(_package([("Sheet1", _ws(_row(1, *cells)))]))
    assert grid.cells[0] == [
        "インライン",
        "リッチテキスト",
        "大阪",
        "_x005F_x000D_ と _x000A_",
        "",
        None,
        None,
        " 空白 ",
    ]


# --- numbers, booleans, errors, formulas ----------------------------------------------------


def test_numbers_booleans_errors_and_cached_formula_values():
    cells = [
        _c("A1", "42"),
        _c("B1", "-17"),
        _c("C1", "3.14"),
        _c("D1", "1.5E+20"),
        _c("E1", "1e-05"),
        _c("F1", "-0.0"),
        _c("G1", "1", t="b"),
        _c("H1", "0", t="b"),
        _c("I1", "#N/A", t="e"),
        _c("J1", "#DIV/0!", t="e"),
        _c("K1", "合計", t="str", f='"合"&"計"'),
        _c("L1", "12", f="SUM(A1:B1)"),
        _c("M1", "", f="NOW()"),  # no cached value
        _c("N1", "2", t="n", f="1+1"),
        _c("O1", "2024-04-01T10:20:30", t="d"),
        _c("P1", "2024-04-01", t="d"),
        _c("Q1", "10:20:30", t="d"),
        _c("R1", "00123"),
        '<c r="S1" t="str"><f>A1</f><v></v></c>',
    ]
    (grid,) = assert_same(_package([("数値", _ws(_row(1, *cells)))]))
    row = grid.cells[0]
    assert row[:6] == [42, -17, 3.14, 1.5e20, 1e-05, -0.0]
    assert row[6] is True and row[7] is False and row[8:11] == ["#N/A", "#DIV/0!", "合計"]
    assert row[11:14] == [12, None, 2] and row[14] == datetime.datetime(2024, 4, 1, 10, 20, 30)
    assert row[15:18] == [datetime.date(2024, 4, 1), datetime.time(10, 20, 30), 123]


# --- number formats: dates, times, percentages ---------------------------------------------

DATE_IDS = [0, 14, 22, 27, 30, 31, 36, 50, 55, 57, 58, 20, 21, 45, 46, 47, 9, 10, 3, 49]
CUSTOM = {
    164: 'yyyy"年"m"月"d"日"',
    165: '[$-ja-JP]ggge"年"m"月"d"日"',
    166: '[$-411]ggge"年"m"月"d"日";@',
    167: "0.0%",
    168: '#,##0"円"',
    169: "[h]:mm:ss",
    170: "h:mm AM/PM",
    171: "mm-dd-yy",  # the same code as builtin 14
    30: 'm"月"d"日"',  # a Japanese builtin id, defined in the file as Excel does
    180: "General",
}
STYLE_IDS = DATE_IDS + list(CUSTOM)


def _formatted_sheet(values):
    rows = []
    for r, value in enumerate(values, start=1):
        cells = [_c(f"{_col(s)}{r}", value, s=str(s)) for s in range(len(STYLE_IDS))]
        rows.append(_row(r, *cells))
    return _ws("".join(rows))


def _col(index: int) -> str:
    return openpyxl.utils.get_column_letter(index + 1)


@pytest.mark.parametrize(
    "workbook_pr", ["", '<workbookPr date1904="1"/>', '<workbookPr date1904="false"/>']
)
def test_dates_times_and_percentages_by_number_format(workbook_pr):
    values = ["45383", "45383.5", "0.75", "1.5", "60", "61", "0", "-1", "0.123", "12", "3000000"]
    data = _package(
        [("書式", _formatted_sheet(values))],
        styles=_styles(STYLE_IDS, CUSTOM),
        workbook_pr=workbook_pr,
    )
    (grid,) = assert_same(data)
    by_style = dict(zip(STYLE_IDS, zip(*grid.cells, strict=True), strict=True))
    epoch_1904 = 'date1904="1"' in workbook_pr
    start = MAC_EPOCH if epoch_1904 else datetime.datetime(1899, 12, 30)
    assert by_style[14][0] == start + datetime.timedelta(days=45383)
    assert by_style[164][1] == start + datetime.timedelta(days=45383, hours=12)
    assert by_style[165][0] == by_style[166][0] == by_style[14][0]
    assert by_style[20][2] == datetime.time(18, 0) and by_style[169][3] == datetime.timedelta(1.5)
    assert (
        by_style[9][8] == "12.3%" and by_style[167][9] == "1200%" and by_style[10][0] == "4538300%"
    )
    assert by_style[0][0] == 45383 and by_style[168][0] == 45383 and by_style[180][0] == 45383
    # Excel's Japanese builtin ids (27–36, 50–58) are dates even where the file does not
    # define them (openpyxl alone left them serial numbers).
    assert by_style[27][0] == by_style[55][0] == by_style[58][0] == by_style[14][0]
    assert isinstance(by_style[30][0], datetime.datetime)
    assert by_style[14][10] == "#VALUE!"  # beyond year 9999


def test_a_style_id_missing_from_numfmts_reads_as_openpyxl_numbers_it():
    # numFmtId 164 is not defined; openpyxl looks it up among the custom formats it numbered
    # (here "0.0%"), so the number reads as a percentage. Odd, but it is today's behaviour.
    styles = _styles([0, 300, 164], {300: "0.0%"})
    data = _package(
        [("S", _ws(_row(1, _c("A1", "0.5", s="2"), _c("B1", "0.5", s="1"))))], styles=styles
    )
    (grid,) = assert_same(data)
    assert grid.cells == [["50%", "50%"]]


def test_no_stylesheet_and_a_stylesheet_without_cell_styles():
    sheet = _ws(_row(1, _c("A1", "45383"), _c("B1", "x", t="str")))
    assert_same(_rewrite(_package([("S", sheet)]), xl__styles_xml=lambda _: _styles(ids=())))
    no_styles = _package([("S", sheet)])
    source = zipfile.ZipFile(io.BytesIO(no_styles))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in source.namelist():
            if name != "xl/styles.xml":
                z.writestr(name, source.read(name))
    assert assert_same(buffer.getvalue())[0].cells == [[45383, "x"]]


# --- shape: extent, merged cells, rows and cells without r --------------------------------


def test_extent_counts_styled_empty_cells_merges_comments_and_hyperlinks():
    sheet = _ws(
        _row(2, _c("B2", "1"), _c("C2", "", s="1")) + _row(7, _c("E7", "", s="1")),
        after=(
            '<mergeCells count="1"><mergeCell ref="G3:H4"/></mergeCells>'
            '<hyperlinks><hyperlink ref="J12" location="\'Sheet1\'!A1" display="x"/>'
            '<hyperlink ref="A14:B15" location="\'Sheet1\'!A1"/></hyperlinks>'
        ),
    )
    comments = (
        f'<comments xmlns="{MAIN}"><authors><author>著者</author></authors><commentList>'
        '<comment ref="L20" authorId="0"><text><t>メモ</t></text></comment>'
        "</commentList></comments>"
    )
    data = _package(
        [("Sheet1", sheet)],
        styles=_styles([0, 0]),
        parts={"xl/comments1.xml": comments},
        sheet_rels={
            1: f'<Relationship Id="rId1" Type="{REL}/comments" Target="../comments1.xml"/>'
        },
    )
    (grid,) = assert_same(data)
    assert len(grid.cells) == 20 and len(grid.cells[0]) == 12


def test_merged_ranges_vertical_horizontal_and_values_under_a_merge():
    rows = "".join(
        _row(r, *(_c(f"{_col(c)}{r}", str(r * 10 + c)) for c in range(4))) for r in range(1, 7)
    )
    merges = ["A2:A5", "B1:D1", "B3:C4", "D6"]
    after = f'<mergeCells count="{len(merges)}">' + "".join(
        f'<mergeCell ref="{m}"/>' for m in merges
    )
    (grid,) = assert_same(_package([("結合", _ws(rows, after=after + "</mergeCells>"))]))
    assert grid.cells[1][0] == 20 and grid.cells[2][0] is None  # only the anchor keeps a value
    assert (1, 0) in grid.vertical and (0, 1) not in grid.vertical
    assert grid.merged[(4, 0)] == (1, 0) and grid.merged[(0, 3)] == (0, 1)


def test_merges_beyond_the_data_and_a_sheet_with_only_a_merge():
    after = '<mergeCells><mergeCell ref="C5:E9"/></mergeCells>'
    data = _package(
        [("データ", _ws(_row(1, _c("A1", "1")), after=after)), ("結合だけ", _ws("", after=after))]
    )
    grids = assert_same(data)
    assert [len(g.cells) for g in grids] == [9, 9]


def test_rows_and_cells_without_r_count_on_from_the_previous_one():
    rows = (
        _row(None, _c("", "1"), _c("", "2"))
        + _row(None, _c("C2", "3"), _c("", "4"), _c("", "5"))
        + _row(5, _c("", "6"), _c("B5", "7"), _c("", "8"))
        + _row(None, _c("", "9"))
        + '<row r="8.0"><c><v>10</v></c></row>'
        + _row(9, _c("b9", "11"), _c("AA9", "12"))  # lower-case letters are accepted
        + _row(10, _c("A10", "13"), '<x:ext xmlns:x="urn:x"/>')  # any child of a row is a cell
    )
    (grid,) = assert_same(_package([("S", _ws(rows))]))
    assert grid.cells[0][:2] == [1, 2] and grid.cells[1][2:5] == [3, 4, 5]
    assert grid.cells[4][:3] == [6, 7, 8] and grid.cells[5][0] == 9 and grid.cells[7][0] == 10


def test_a_cell_given_twice_keeps_the_last_value():
    rows = _row(1, _c("A1", "0.5", s="1"), _c("A1", "x", t="str")) + _row(
        1, _c("B1", "0.25", s="1")
    )
    data = _package([("S", _ws(rows))], styles=_styles([0, 9]))
    (grid,) = assert_same(data)
    assert grid.cells == [["x", "25%"]]


def test_empty_sheets():
    sheets = [
        ("空", _ws("")),
        ("空の行だけ", _ws('<row r="3" ht="20" customHeight="1"/>')),
        ("値", _ws(_row(1, _c("A1", "1")))),
    ]
    grids = assert_same(_package(sheets))
    assert [g.cells for g in grids] == [[], [], [[1]]]


def test_a_namespace_prefix_instead_of_the_default_namespace():
    rows = (
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>インライン</x:t></x:is></x:c></x:row>'
    )
    shared = f'<x:sst xmlns:x="{MAIN}"><x:si><x:t>共有</x:t></x:si></x:sst>'
    (grid,) = assert_same(_package([("S", _ws(rows, prefix="x"))], shared=shared))
    assert grid.cells == [["共有", "インライン"]]


def _random_cell(rng, ref: str, styles: int) -> str:
    s = str(rng.randrange(styles)) if rng.random() < 0.5 else ""
    kind = rng.choice(["n", "n", "s", "inline", "b", "e", "str", "d", "empty", "formula"])
    if kind == "n":
        return _c(ref, rng.choice(["1", "-2", "3.5", "45383", "0.25", "1E3", "60", "0"]), s=s)
    if kind == "inline":
        a = f' r="{ref}"' if ref else ""
        return f'<c{a} t="inlineStr"><is><t>{rng.choice(["a", " b ", ""])}</t></is></c>'
    return {
        "s": lambda: _c(ref, str(rng.randrange(3)), t="s", s=s),
        "b": lambda: _c(ref, rng.choice(["0", "1"]), t="b", s=s),
        "e": lambda: _c(ref, "#N/A", t="e", s=s),
        "str": lambda: _c(ref, "文字", t="str", s=s, f="A1"),
        "d": lambda: _c(ref, "2024-01-02T03:04:05", t="d", s=s),
        "empty": lambda: _c(ref, "", s=s or "0"),
        "formula": lambda: _c(ref, "", f="1+1", s=s),
    }[kind]()


def _random_sheet(rng, styles: int) -> str:
    rows, r = [], 0
    for _ in range(rng.randrange(8)):
        r += rng.randrange(1, 3)
        cells, c = [], 0
        for _ in range(rng.randrange(7)):
            c += rng.randrange(1, 3)
            ref = f"{_col(c - 1)}{r}" if rng.random() < 0.8 else ""
            cells.append(_random_cell(rng, ref, styles))
        rows.append(_row(r if rng.random() < 0.8 else None, *cells))
    merges, used = [], set()
    for _ in range(rng.randrange(3)):
        r1, c1 = rng.randrange(1, 10), rng.randrange(1, 8)
        r2, c2 = r1 + rng.randrange(3), c1 + rng.randrange(3)
        box = {(a, b) for a in range(r1, r2 + 1) for b in range(c1, c2 + 1)}
        if not box & used and len(box) > 1:  # Excel never writes overlapping ranges
            used |= box
            merges.append(f'<mergeCell ref="{_col(c1 - 1)}{r1}:{_col(c2 - 1)}{r2}"/>')
    after = f"<mergeCells>{''.join(merges)}</mergeCells>" if merges else ""
    return _ws("".join(rows), after=after)


@pytest.mark.parametrize("seed", range(30))
def test_random_workbooks(seed):
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not cryptography)
    ids = [0, 14, 9, 10, 22, 20, 46, 27, 164, 165, 49, 3]
    styles = _styles(ids, {164: "0.0%", 165: 'yyyy"年"m"月"d"日"'})
    sheets = [(f"S{i}", _random_sheet(rng, len(ids))) for i in range(rng.randrange(1, 4))]
    pr = '<workbookPr date1904="1"/>' if rng.random() < 0.2 else ""
    shared = _sst("<si><t>a</t></si>", "<si><t>東京</t></si>", "<si><t/></si>")
    assert_same(
        _package(sheets, shared=shared, styles=styles, active=rng.randrange(4), workbook_pr=pr)
    )


# --- sheets: order, active, hidden, names ---------------------------------------------------


def _numbered(n: int) -> str:
    return _ws(_row(1, _c("A1", str(n))))


@pytest.mark.parametrize("active", [None, 0, 2, 3, 7])
def test_the_active_sheet_comes_first_then_the_others_in_order(active):
    sheets = [
        ("表紙", _numbered(1)),
        ("記入例", _numbered(2), "hidden"),
        ("回答", _numbered(3)),
        ("Sheet 4 (作業用)", _numbered(4), "veryHidden"),
    ]
    grids = assert_same(_package(sheets, active=active))
    first = {None: "表紙", 0: "表紙", 2: "回答", 3: "Sheet 4 (作業用)", 7: "表紙"}[active]
    assert grids[0].name == first and len(grids) == 4


def test_only_the_first_workbook_view_names_the_active_sheet():
    sheets = [("一", _numbered(1)), ("二", _numbered(2)), ("三", _numbered(3))]
    views = '<bookViews><workbookView/><workbookView activeTab="2"/></bookViews>'
    data = _rewrite(
        _package(sheets, active=1),
        xl__workbook_xml=lambda x: x.replace(
            '<bookViews><workbookView activeTab="1"/></bookViews>', views
        ),
    )
    assert [g.name for g in assert_same(data)] == ["一", "二", "三"]


def test_duplicate_and_empty_sheet_names_are_renamed_like_openpyxl():
    sheets = [("Data", _numbered(1)), ("data", _numbered(2)), ("", _numbered(3))]
    grids = assert_same(_package(sheets))
    assert [g.name for g in grids] == ["Data", "data1", "Sheet"]


def test_a_dialog_sheet_reads_as_an_empty_worksheet_as_in_openpyxl():
    dialog = f'<dialogsheet xmlns="{MAIN}"><sheetPr/></dialogsheet>'
    grids = assert_same(
        _package([("表", _numbered(1)), ("Dialog1", dialog, "visible", "dialogsheet")])
    )
    assert [g.name for g in grids] == ["表", "Dialog1"] and grids[1].cells == []


CHART = (
    f'<chartsheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr/>'
    '<sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>'
)


def test_chartsheets_are_listed_but_not_read():
    sheets = [("グラフ", CHART, "visible", "chartsheet"), ("表", _numbered(1))]
    data = _package(sheets, active=1, sheet_rels={1: ""})
    grids = assert_same(data)
    assert [g.name for g in grids] == ["表"]
    with pytest.raises(TableFileError) as old, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _old_read_xlsx(data, "ない")
    with pytest.raises(TableFileError) as new:
        _read_xlsx(data, "ない")
    assert (
        str(new.value)
        == str(old.value)
        == ("シート「ない」が見つかりません。ファイル内のシート: 「グラフ」、「表」")
    )


def test_an_active_chartsheet_is_skipped():
    # openpyxl's path broke here (a chartsheet has no rows); the reader skips it.
    data = _package([("グラフ", CHART, "visible", "chartsheet"), ("表", _numbered(1))], active=0)
    assert [g.name for g in _read_xlsx(data, None)] == ["表"]
    assert _read_xlsx(data, "グラフ")[0].cells == []


def test_missing_sheet_message_is_unchanged():
    data = _package([("回答一覧", _numbered(1)), ("スコア", _numbered(2))])
    with pytest.raises(TableFileError) as old:
        _old_read_xlsx(data, "回答")
    with pytest.raises(TableFileError) as new:
        _read_xlsx(data, "回答")
    assert str(new.value) == str(old.value)
    assert "「回答一覧」、「スコア」" in str(new.value)


def test_only_the_needed_sheet_is_parsed():
    broken = _ws(_row(1, _c("A1", "1")))[:-20]  # cut short: not well-formed
    data = _package([("読む", _numbered(1)), ("壊れた", broken)])
    assert _read_xlsx(data, "読む")[0].cells == [[1]]
    with pytest.raises(TableFileError, match="Excelファイルを開けません"):
        _read_xlsx(data, None)


# --- workbooks openpyxl and the product write ----------------------------------------------


def test_a_workbook_written_by_openpyxl_with_every_kind_of_value():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "一覧"
    ws.append(["令和7年度 調査"])
    ws.append(["団体コード", "名称", "人口", "比率", "日付", "日時", "時刻", "可否", "式"])
    ws.append(["011002", "札幌市", 1973395, 0.305, datetime.date(2025, 4, 1)])
    ws.append([13101, "千代田区", -1.5e-7, 1, datetime.datetime(2025, 4, 1, 9, 30)])
    ws["F3"] = datetime.datetime(2025, 4, 1, 9, 30, 15)
    ws["G3"] = datetime.time(8, 45)
    ws["H3"] = True
    ws["H4"] = False
    ws["I3"] = "=C3*2"
    ws["I4"] = "=SUM("
    ws["D3"].number_format = "0.0%"
    ws["D4"].number_format = "0%"
    ws["E3"].number_format = 'yyyy"年"m"月"d"日"'
    ws["E4"].number_format = '[$-ja-JP]ggge"年"m"月"d"日"'
    ws["C4"].number_format = "0.00E+00"
    ws["K9"].fill = PatternFill("solid", fgColor="FFFF00")  # styled, empty, beyond the data
    ws.merge_cells("A1:I1")
    ws.merge_cells("J3:J6")
    hidden = wb.create_sheet("非表示")
    hidden.sheet_state = "hidden"
    hidden["B2"] = "隠し"
    wb.create_sheet("空")
    wb.active = 2
    assert_same(_save(wb))


def test_write_xlsx_exports_read_the_same():
    columns = [
        Column("code", "団体コード", tabular.lgcode, required=True),
        Column("name", "名称", tabular.text),
        Column("day", "基準日", tabular.date_),
        Column("amount", "金額", tabular.decimal_()),
        Column("count", "件数", tabular.integer()),
        Column("ok", "公開", tabular.boolean),
        Column("kind", "区分", tabular.choice({"市": "city", "町": "town"})),
    ]
    rows = [
        {
            "code": "011002",
            "name": "札幌市\n中央区",
            "day": datetime.date(2025, 4, 1),
            "amount": Decimal("1234.5"),
            "count": 3,
            "ok": True,
            "kind": "city",
        },
        {"code": "=1+1", "name": "@SUM(A1)", "day": datetime.datetime(2025, 4, 1, 12, 0)},
        {},
    ]
    data = tabular.write_xlsx(columns, rows, title="令和7年度 団体一覧", sheet_title="データ/一覧")
    assert_same(data)
    assert_same(tabular.write_xlsx(columns, [], title="空のテンプレート"))


def test_an_assessment_style_template_reads_the_same():
    """Like assessments.excel.template: validations, protection, frozen panes, fills, sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "回答"
    ws["A1"] = "令和7年度 自治体DX推進状況調査"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(["設問コード", "分野", "設問", "回答の形式", "回答", "補足"])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[3]:
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    answers = [
        ("S1", "体制", "CIOを置いていますか。", "はい/いいえ", "はい"),
        ("L1", "人材", "研修", "0〜4", 3),
    ]
    answers += [
        ("P1", "割合", "オンライン化率", "%", 0.45),
        ("D1", "日付", "策定日", "日付", datetime.date(2025, 4, 1)),
    ]
    for row in answers:
        ws.append(list(row))
    ws["E6"].number_format = "0%"
    for r in range(4, 8):
        ws.cell(row=r, column=5).protection = Protection(locked=False)
    ws.protection.sheet = True
    validation = DataValidation(type="list", formula1='"はい,いいえ"', allow_blank=True)
    ws.add_data_validation(validation)
    validation.add("E4:E40")
    ws.freeze_panes = "A4"
    ws.column_dimensions["C"].width = 60
    notes = wb.create_sheet("説明")
    notes["A1"] = "記入方法"
    notes["A2"] = "「回答」列だけを入力してください。\n改行も使えます。"
    notes.merge_cells("A2:D4")
    wb.active = 1
    grids = assert_same(_save(wb))
    assert grids[0].name == "説明" and grids[1].cells[5][4] == "45%"


@pytest.mark.django_db
def test_workbooks_the_product_generates_read_the_same():
    from django.contrib.auth import get_user_model

    from chiikidx.assessments import excel as assessment_excel
    from chiikidx.assessments.models import Response
    from chiikidx.challenges import excel as challenge_excel
    from chiikidx.challenges.dialogue import importer
    from chiikidx.core.models import Organization

    first = Response.objects.filter(organization__code__startswith="99").first()
    responses = list(Response.objects.filter(round=first.round).order_by("pk")[:5])
    assert_same(assessment_excel.template(responses[0]))
    assert_same(assessment_excel.round_workbook(responses[0].round, responses))
    aoba = Organization.objects.get(code="992011")
    user = get_user_model().objects.get(username="muni-admin-1")
    assert_same(challenge_excel.workbook(user, aoba))
    assert_same(importer.template_xlsx(aoba))


# --- broken files ---------------------------------------------------------------------------


def _valid() -> bytes:
    return _package([("S", _numbered(1))], shared=_sst("<si><t>x</t></si>"))


def _zip_of(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


BOMB = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"not a zip file", id="not-a-zip"),
        pytest.param(b"PK\x03\x04garbage", id="zip-header-only"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, id="password-ole"),
        pytest.param(_zip_of({"hello.txt": "hi"}), id="zip-without-workbook"),
        pytest.param(_valid()[: len(_valid()) // 2], id="truncated-zip"),
        pytest.param(_rewrite(_valid(), xl__workbook_xml=lambda x: x[:-10]), id="bad-xml-workbook"),
        pytest.param(
            _rewrite(_valid(), xl__worksheets__sheet1_xml=lambda x: x.replace("</row>", "")),
            id="bad-xml-sheet",
        ),
        pytest.param(
            _rewrite(_valid(), xl__sharedStrings_xml=lambda x: x.replace("<si>", "<si", 1)),
            id="bad-xml-strings",
        ),
        pytest.param(_rewrite(_valid(), xl__styles_xml=lambda x: x[:50]), id="bad-xml-styles"),
        pytest.param(
            _rewrite(
                _valid(), xl___rels__workbook_xml_rels=lambda x: x.replace('"rId1"', '"rId9"')
            ),
            id="sheet-without-relationship",
        ),
        pytest.param(
            _rewrite(_valid(), xl__workbook_xml=lambda x: BOMB + x.replace('"S"', '"&b;"')),
            id="entity-declaration",
        ),
        pytest.param(
            _rewrite(
                _valid(), xl__worksheets__sheet1_xml=lambda x: x.replace("<v>1</v>", "<v>x</v>")
            ),
            id="number-that-is-not",
        ),
        pytest.param(
            _package([("S", _ws(_row(1, _c("A1", "5", t="s"))))], shared=_sst("<si><t>x</t></si>")),
            id="shared-string-index-out-of-range",
        ),
        pytest.param(
            _package([("S", _ws(_row(1, _c("A1", "1", s="4"))))]), id="style-out-of-range"
        ),
        pytest.param(_package([("S", _ws(_row(1, _c("A$1", "1"))))]), id="bad-reference"),
        pytest.param(
            _package([("S", _ws("", after='<mergeCells><mergeCell ref="A1:"/></mergeCells>'))]),
            id="bad-merge",
        ),
        pytest.param(_package([("S", _ws(_row("x", _c("", "1"))))]), id="bad-row-number"),
    ],
)
def test_unreadable_files_raise_the_same_message(data):
    for sheet in (None, "S"):
        with pytest.raises(TableFileError) as exc:
            _read_xlsx(data, sheet)
        assert str(exc.value) == UNREADABLE
    with pytest.raises(TableFileError) as exc:
        tabular.read_table(data, "upload.xlsx", [Column("a", "A")])
    assert str(exc.value) == UNREADABLE


def _compression_set_to(data: bytes, method: int) -> bytes:
    """The zip with every member's compression method field (local and central headers) set
    to `method`, as a packer with a method zipfile does not know would write it."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = raw.find(signature)
        while start != -1:
            raw[start + offset : start + offset + 2] = method.to_bytes(2, "little")
            start = raw.find(signature, start + 4)
    return bytes(raw)


def test_a_compression_method_zipfile_cannot_read_is_an_unreadable_file():
    data = _compression_set_to(_valid(), 98)  # 98: PPMd, which zipfile does not read
    with pytest.raises(xlsxread.XlsxError, match="unsupported zip compression"):
        xlsxread.Workbook(data)
    with pytest.raises(TableFileError) as exc:
        tabular.read_table(data, "upload.xlsx", [Column("a", "A")])
    assert str(exc.value) == UNREADABLE


def test_a_workbook_without_any_worksheet():
    data = _rewrite(_valid(), xl__workbook_xml=lambda x: x.replace('r:id="rId1"', ""))
    with pytest.raises(TableFileError, match="表を読み取れるシートがありません"):
        _read_xlsx(data, None)


def test_the_reader_api():
    wb = xlsxread.Workbook(_package([("一", _numbered(1)), ("二", _numbered(2))], active=1))
    assert (wb.sheetnames, wb.worksheets, wb.active) == (["一", "二"], ["一", "二"], "二")
    sheet = wb.read("一")
    assert (sheet.name, sheet.rows, sheet.merged, sheet.number_formats) == ("一", [[1]], [], {})
    with pytest.raises(KeyError):
        wb.read("三")
    with pytest.raises(xlsxread.XlsxError):
        xlsxread.Workbook(b"")


def test_a_date_in_a_japanese_builtin_format_imports_as_a_date():
    """Japanese Excel shows 令和6年4月1日 with builtin format 58 and writes only its id."""
    sheet = _ws(
        _row(1, _c("A1", "0", t="s"), _c("B1", "1", t="s"))
        + _row(2, _c("A2", "2", t="s"), _c("B2", "45383", s="1"))
        + _row(3, _c("A3", "3", t="s"), _c("B3", "45413", s="2"))
    )
    data = _package(
        [("Sheet1", sheet)],
        shared=_sst(*(f"<si><t>{t}</t></si>" for t in ["名称", "開始日", "説明会", "研修"])),
        styles=_styles((0, 58, 31)),
    )
    columns = [Column("name", "名称", tabular.text), Column("start", "開始日", tabular.date_)]
    result = tabular.read_table(data, "予定.xlsx", columns)
    assert result.errors == []
    assert [(r["name"], r["start"]) for r in result.rows] == [
        ("説明会", datetime.date(2024, 4, 1)),
        ("研修", datetime.date(2024, 5, 1)),
    ]


# --- the plain shapes, read without expat -------------------------------------------------


def _plain(xml: str) -> bool:
    """Whether the sheet's cells are read by the regular expression, not by expat."""
    split = xlsxread._plain_sheet_data(xml.encode())
    if split is None:
        return False
    try:
        xlsxread._plain_tokens(split[1], split[2])
    except xlsxread._NotPlain:
        return False
    return True


PLAIN_CASES = [
    # (id, sheet data, read without expat)
    ("numbers-and-strings", _row(1, _c("A1", "1", s="1"), _c("B1", "0", t="s")), True),
    ("attributes-in-another-order", _row(1, _c("A1", "2.5", t="n", s="1")), True),
    (
        "inline-string-with-entities",
        '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a &amp; &lt;b&gt; '
        "&quot;c&quot; &apos;d&apos; </t></is></c></row>",
        True,
    ),
    ("empty-cells-and-rows", '<row r="1"/><row r="2"><c r="A2" s="1"/><c r="B2"></c></row>', True),
    (
        "rows-and-cells-without-r",
        _row(None, _c("", "1"), _c("", "2")) + _row(None, _c("", "3")),
        True,
    ),
    (
        "a-declared-prefix-on-rows",
        '<row r="1" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>',
        True,
    ),
    ("a-formula", _row(1, _c("A1", "2", f="1+1")), False),
    (
        "a-character-reference",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a&#10;b</t></is></c></row>',
        False,
    ),
    (
        "a-carriage-return",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a\r\nb</t></is></c></row>',
        False,
    ),
    (
        "a-rich-text-inline-string",
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row>',
        False,
    ),
    ("whitespace-between-elements", '<row r="1">\n  <c r="A1"><v>1</v></c>\n</row>', False),
    ("a-comment", '<row r="1"><!-- note --><c r="A1"><v>1</v></c></row>', False),
    ("a-tab-in-an-attribute", '<row r="1"><c r="A1" s="1\t"><v>1</v></c></row>', False),
    (
        "a-namespace-declared-inside",
        f'<row r="1"><c r="A1" xmlns="{MAIN}"><v>1</v></c></row>',
        False,
    ),
]


@pytest.mark.parametrize(
    ("sheet_data", "plain"), [pytest.param(d, p, id=i) for i, d, p in PLAIN_CASES]
)
def test_plain_sheets_are_read_without_expat_and_read_the_same(sheet_data, plain):
    xml = _ws(sheet_data).replace(f'xmlns:r="{REL}"', f'xmlns:r="{REL}" xmlns:x14ac="urn:x14ac"')
    assert _plain(xml) is plain
    assert_same(_package([("S", xml)], shared=_sst("<si><t>共有</t></si>"), styles=_styles((0, 2))))


def test_the_workbooks_the_imports_read_are_plain():
    """openpyxl's own files (the templates the product hands out) take the fast reading."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["団体コード", "L1", "Y1"])
    ws.append(["011002", 3, "はい"])
    ws.append(["012025", 4.5, "A & B <c>"])
    data = _save(wb)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert _plain(z.read("xl/worksheets/sheet1.xml").decode())
    assert_same(data)


def test_a_sheet_expat_refuses_is_not_read_plain():
    """An ideographic space between attributes is not XML whitespace: expat refuses the sheet
    (a damaged file), and the plain reading must not take it either."""
    xml = _ws('<row r="1"><c\u3000r="A1"><v>1</v></c></row>')
    assert not _plain(xml)
    with pytest.raises(xlsxread.XlsxError):
        xlsxread.Workbook(_package([("S", xml)])).read("S")
