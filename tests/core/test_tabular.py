"""Tests for chiikidx.core.tabular: reading CSV/xlsx uploads and writing exports."""

import codecs
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from chiikidx.core import tabular as t
from chiikidx.core.tabular import (
    Column,
    RowError,
    TableFileError,
    TableImportError,
    decode_text,
    read_table,
    write_csv,
    write_xlsx,
)

D = datetime.date

KIND = t.choice({"都道府県": "prefecture", "市": "city", "町": "town"})

COLUMNS = [
    Column("code", "団体コード", t.lgcode, required=True, unique=True),
    Column("name", "団体名", required=True),
    Column("population", "人口", t.integer(min=0)),
    Column("since", "開始日", t.date_),
]


def _xlsx(rows, *, merges=(), title="Sheet"):
    """Build an xlsx in memory; rows are lists of cell values from A1."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _values(result):
    return [{k: v for k, v in row.items() if k != "_row"} for row in result.rows]


# --- decode_text ------------------------------------------------------------------------


def test_decode_text_utf8_with_bom():
    data = codecs.BOM_UTF8 + "団体コード,人口".encode()
    assert decode_text(data) == "団体コード,人口"  # the BOM does not end up in the first label


def test_decode_text_utf8_without_bom():
    assert decode_text("千代田区".encode()) == "千代田区"


def test_decode_text_cp932():
    data = "千代田区,①,髙橋,ｶﾅ".encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # make sure the test really exercises the fallback
    assert decode_text(data) == "千代田区,①,髙橋,ｶﾅ"


def test_decode_text_utf16_from_excel_unicode_text():
    assert decode_text("団体名\t人口".encode("utf-16")) == "団体名\t人口"


def test_decode_text_rejects_undecodable_bytes():
    with pytest.raises(TableFileError, match="UTF-8") as excinfo:
        decode_text(b"\x82\xa0\x81\x20\x85\x40")
    assert "Shift_JIS" in str(excinfo.value)


# --- parsers ----------------------------------------------------------------------------


def test_text_parser_undoes_excel_number_and_date_guesses():
    assert t.text("札幌市") == "札幌市"
    assert t.text(12.0) == "12"
    assert t.text(12.5) == "12.5"
    assert t.text(D(2025, 4, 1)) == "2025-04-01"
    assert t.text(datetime.datetime(2025, 4, 1)) == "2025-04-01"


def test_integer_bounds():
    parse = t.integer(min=0, max=100)
    assert parse("１００") == 100
    assert parse(0) == 0
    with pytest.raises(ValueError, match="0以上100以下の整数"):
        parse("△1")
    with pytest.raises(ValueError, match="0以上100以下の整数"):
        parse(101)
    with pytest.raises(ValueError, match=r"^1以上の整数"):
        t.integer(min=1)("0")
    with pytest.raises(ValueError, match=r"^10以下の整数"):
        t.integer(max=10)("11")


def test_decimal_places_and_bounds():
    parse = t.decimal_(min=0, max=Decimal("100"), places=1)
    assert parse("12.5") == Decimal("12.5")
    assert parse("12.50") == Decimal("12.5")
    assert parse(0.1) == Decimal("0.1")
    with pytest.raises(ValueError, match="小数点以下は1桁まで"):
        parse("12.55")
    with pytest.raises(ValueError, match="0以上100以下の数値"):
        parse("100.1")


def test_choice_accepts_labels_and_values():
    assert KIND("市") == "city"
    assert KIND("city") == "city"
    assert KIND(" CITY ") == "city"
    assert KIND("都道府県") == "prefecture"


def test_choice_message_lists_allowed_labels():
    with pytest.raises(ValueError) as excinfo:
        KIND("村")
    assert str(excinfo.value) == "選べない値です。次のいずれかを入力してください: 都道府県、市、町"


@pytest.mark.parametrize(
    "raw", ["はい", "○", "〇", "有", "1", 1, "true", "TRUE", "yes", "Yes", True, "ｙｅｓ"]
)
def test_boolean_true(raw):
    assert t.boolean(raw) is True


@pytest.mark.parametrize("raw", ["いいえ", "×", "無", "0", 0, "false", "no", "NO", False])
def test_boolean_false(raw):
    assert t.boolean(raw) is False


@pytest.mark.parametrize("raw", ["たぶん", "2", "△", 2])
def test_boolean_rejects(raw):
    with pytest.raises(ValueError, match="「はい」か「いいえ」"):
        t.boolean(raw)


# --- RowError ---------------------------------------------------------------------------


def test_row_error_str():
    error = RowError(3, "人口", "１２ａ", "数値として読めません。")
    assert str(error) == "3行目「人口」列: 値「１２ａ」— 数値として読めません。"
    assert str(RowError(2, "団体名", "", "必須項目です。")) == "2行目「団体名」列: 必須項目です。"
    assert (
        str(RowError(1, "", "", "見出し行が見つかりません。"))
        == "1行目: 見出し行が見つかりません。"
    )


# --- read_table: CSV --------------------------------------------------------------------


def test_read_cp932_csv_with_title_rows_and_notes():
    content = (
        "令和7年度 市町村別人口調査\r\n"
        "※ 人口は4月1日現在\r\n"
        "団体コード,団体名,人口,開始日,担当者メモ\r\n"
        '010006,北海道,"5,139,913",令和7年4月1日,未確認\r\n'
        "\r\n"
        ",,,,\r\n"
        "131016,千代田区,６８，８３５,R7.4.1,\r\n"
        '011002,札幌市,"1,955,457",2025/4/1,\r\n'
    )
    result = read_table(content.encode("cp932"), "人口.CSV", COLUMNS)
    assert result.ok, result.errors
    assert result.header_row == 3
    assert result.rows == [
        {
            "code": "010006",
            "name": "北海道",
            "population": 5139913,
            "since": D(2025, 4, 1),
            "_row": 4,
        },
        {
            "code": "131016",
            "name": "千代田区",
            "population": 68835,
            "since": D(2025, 4, 1),
            "_row": 7,
        },
        {
            "code": "011002",
            "name": "札幌市",
            "population": 1955457,
            "since": D(2025, 4, 1),
            "_row": 8,
        },
    ]


def test_read_utf8_bom_csv_with_fullwidth_header_markers_and_aliases():
    columns = [
        Column("code", "団体コード", t.lgcode, required=True, aliases=("コード", "lgcode")),
        Column("name", "団体名", required=True),
        Column("kind", "区分", KIND),
        Column("done", "完了", t.boolean),
    ]
    content = "ＬＧＣＯＤＥ,団体名 ※,区 分(必須),完了*\n１３１０１,千代田区,市,○\n"
    result = read_table(codecs.BOM_UTF8 + content.encode(), "x.csv", columns)
    assert result.ok, result.errors
    assert _values(result) == [{"code": "131016", "name": "千代田区", "kind": "city", "done": True}]


def test_read_tab_separated_text_with_thousands_separators():
    content = "団体コード\t団体名\t人口\n010006\t北海道\t5,139,913\n131016\t千代田区\t68,835\n"
    result = read_table(content.encode("utf-16"), "export.txt", COLUMNS)
    assert result.ok, result.errors
    assert [r["population"] for r in result.rows] == [5139913, 68835]


def test_read_keeps_line_breaks_inside_cells():
    columns = [Column("name", "団体名", required=True), Column("memo", "備考")]
    content = '団体名,備考\r\n千代田区,"１行目\r\n２行目　 "\r\n札幌市,\r\n'
    result = read_table(content.encode(), "x.csv", columns)
    assert result.ok
    assert result.rows[0]["memo"] == "1行目\n2行目"
    # Excel shows the two-line cell as one row, so 札幌市 is row 3 although it is on line 4
    assert result.rows[1] == {"name": "札幌市", "memo": None, "_row": 3}


def test_every_bad_row_is_reported_with_row_column_value_and_reason():
    columns = [*COLUMNS, Column("kind", "区分", KIND)]
    content = (
        "団体コード,団体名,人口,開始日,区分\n"  # row 1
        "010006,北海道,5139913,2025-04-01,都道府県\n"  # row 2: fine
        "131017,千代田区,１２ａ,2025-04-01,市\n"  # row 3: check digit, number
        "011002,,100,平成31年5月1日,市\n"  # row 4: name missing, date outside 平成
        "472158,南城市,40000,2025-02-30,村\n"  # row 5: impossible date, unknown choice
        "131016,千代田区,-5,2025-04-01,市\n"  # row 6: below minimum
        "131016,千代田区,68835,2025-04-01,市\n"  # row 7: duplicate code
        "012025,函館市,242000,R7.4.1,市\n"  # row 8: fine
    )
    result = read_table(content.encode("cp932"), "x.csv", columns)
    assert not result.ok
    found = {(e.row, e.column, e.value) for e in result.errors}
    assert found == {
        (3, "団体コード", "131017"),
        (3, "人口", "１２ａ"),
        (4, "団体名", ""),
        (4, "開始日", "平成31年5月1日"),
        (5, "開始日", "2025-02-30"),
        (5, "区分", "村"),
        (6, "人口", "-5"),
        (7, "団体コード", "131016"),
    }
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "検査数字" in messages[(3, "団体コード")]
    assert "数値として読めません" in messages[(3, "人口")]
    assert messages[(4, "団体名")] == "必須項目です。「団体名」を入力してください。"
    assert "平成の期間外" in messages[(4, "開始日")]
    assert "日付はありません" in messages[(5, "開始日")]
    assert "都道府県、市、町" in messages[(5, "区分")]
    assert "0以上" in messages[(6, "人口")]
    assert "6行目と同じ値" in messages[(7, "団体コード")]
    assert [r["_row"] for r in result.rows] == [2, 8]  # only clean rows come back
    assert any(str(e).startswith("3行目「人口」列: 値「１２ａ」— ") for e in result.errors)

    with pytest.raises(TableImportError) as excinfo:
        result.raise_if_errors()
    assert excinfo.value.errors == result.errors
    assert "8件" in str(excinfo.value)
    assert "5行目「区分」列: 値「村」" in str(excinfo.value)


def test_raise_if_errors_returns_the_result_when_clean():
    result = read_table("団体コード,団体名\n010006,北海道\n".encode(), "x.csv", COLUMNS)
    assert result.raise_if_errors() is result


def test_each_duplicate_row_is_reported():
    content = (
        "団体コード,団体名\n010006,北海道\n131016,千代田区\n０１０００６,北海道\n10006,北海道\n"
    )
    result = read_table(content.encode(), "x.csv", COLUMNS)
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (4, "団体コード", "０１０００６"),
        (5, "団体コード", "10006"),
    ]
    assert all("2行目と同じ値" in e.message for e in result.errors)
    assert [r["_row"] for r in result.rows] == [2, 3]


def test_missing_required_column_is_one_file_level_error():
    content = "令和7年度 調査\n\n団体名,人口,備考\n北海道,5139913,\n千代田区,68835,\n"
    result = read_table(content.encode("cp932"), "x.csv", COLUMNS)
    assert result.rows == []
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (3, "", "")
    assert "「団体コード」" in error.message
    assert "「団体名」、「人口」、「備考」" in error.message  # what the file does have


def test_file_without_any_known_header():
    result = read_table(b"a,b,c\n1,2,3\n", "x.csv", COLUMNS)
    assert not result.ok
    assert result.errors[0].row == 1
    assert "見出し行が見つかりません" in result.errors[0].message


def test_optional_columns_may_be_absent_and_unknown_columns_are_ignored():
    content = "連番,団体名,団体コード,謎の列\n1,北海道,010006,x\n2,,,メモだけの行\n"
    result = read_table(content.encode(), "x.csv", COLUMNS)
    assert result.ok, result.errors
    assert result.rows == [
        {"code": "010006", "name": "北海道", "population": None, "since": None, "_row": 2}
    ]


def test_header_only_file_gives_no_rows():
    result = read_table("団体コード,団体名\r\n".encode(), "x.csv", COLUMNS)
    assert result.ok
    assert result.rows == []


# --- read_table: xlsx -------------------------------------------------------------------


def _municipal_workbook():
    """A typical office sheet: a title, a two-row merged header and a merged category."""
    rows = [
        ["令和7年度 市町村別 人口・世帯数調査", None, None, None, None, None, None],  # 1
        [None, None, None, None, None, None, None],  # 2
        ["団体コード", "団体名", "区分", "人口", None, "基準日", "備考"],  # 3
        [None, None, None, "男", "女", None, None],  # 4
        [10006, "北海道", "都道府県", 2434000, 2705913, datetime.datetime(2025, 4, 1), None],
        ["131016", "千代田区", "市", "３４，０００", 34835, "令和7年4月1日", "特別区"],  # 6
        [None, None, None, None, None, None, None],  # 7: blank
        ["011002", "札幌市", None, 920000, 1035457, "R7.4.1", None],  # 8: 区分 merged from 6
    ]
    merges = [
        "A1:G1",  # title across the table
        "A3:A4",
        "B3:B4",
        "C3:C4",
        "D3:E3",  # 人口 over 男 / 女
        "F3:F4",
        "G3:G4",
        "C6:C8",  # category entered once for several rows
    ]
    return _xlsx(rows, merges=merges)


XLSX_COLUMNS = [
    Column("code", "団体コード", t.lgcode, required=True, unique=True),
    Column("name", "団体名", required=True),
    Column("kind", "区分", KIND),
    Column("male", "人口 男", t.integer(min=0)),  # group + sub label
    Column("female", "女性人口", t.integer(min=0), aliases=("女",)),  # sub label via alias
    Column("since", "基準日", t.date_, required=True),
    Column("memo", "備考"),
]


def test_read_xlsx_with_title_and_merged_two_row_header():
    result = read_table(_municipal_workbook(), "調査.xlsx", XLSX_COLUMNS)
    assert result.ok, [str(e) for e in result.errors]
    assert result.header_row == 4
    assert result.rows == [
        {
            "code": "010006",  # the number 10006 lost its leading zero in Excel
            "name": "北海道",
            "kind": "prefecture",
            "male": 2434000,
            "female": 2705913,
            "since": D(2025, 4, 1),
            "memo": None,
            "_row": 5,
        },
        {
            "code": "131016",
            "name": "千代田区",
            "kind": "city",
            "male": 34000,
            "female": 34835,
            "since": D(2025, 4, 1),
            "memo": "特別区",
            "_row": 6,
        },
        {
            "code": "011002",
            "name": "札幌市",
            "kind": "city",  # filled down from the merged C6:C8
            "male": 920000,
            "female": 1035457,
            "since": D(2025, 4, 1),
            "memo": None,
            "_row": 8,
        },
    ]


def test_read_xlsx_header_merged_over_two_rows_without_sub_headers():
    rows = [
        ["団体コード", "団体名", "人口"],
        [None, None, None],
        ["131016", "千代田区", 68835],
    ]
    data = _xlsx(rows, merges=["A1:A2", "B1:B2", "C1:C2"])
    result = read_table(data, "x.xlsx", COLUMNS)
    assert result.ok, [str(e) for e in result.errors]
    assert result.header_row == 2  # both rows score the same; the lower one sits on the data
    assert [r["_row"] for r in result.rows] == [3]


def test_read_xlsx_reports_excel_row_numbers():
    rows = [
        ["人口調査"],
        ["団体コード", "団体名", "人口", "開始日"],
        ["010006", "北海道", "多い", datetime.datetime(2025, 4, 1)],
        [None, None, None, None],
        ["999999", "", 12.5, "令和元年4月1日"],
    ]
    result = read_table(_xlsx(rows), "x.xlsx", COLUMNS)
    found = [(e.row, e.column, e.value) for e in result.errors]
    assert found == [
        (3, "人口", "多い"),
        (5, "団体コード", "999999"),
        (5, "団体名", ""),
        (5, "人口", "12.5"),
        (5, "開始日", "令和元年4月1日"),
    ]


def test_read_xlsx_picks_the_sheet_with_the_table():
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "記入方法"
    guide.append(["この様式に記入してください。"])
    data = wb.create_sheet("データ")
    data.append(["団体コード", "団体名"])
    data.append(["131016", "千代田区"])
    buffer = io.BytesIO()
    wb.save(buffer)

    result = read_table(buffer.getvalue(), "x.xlsx", COLUMNS)
    assert result.sheet == "データ"
    assert _values(result) == [
        {"code": "131016", "name": "千代田区", "population": None, "since": None}
    ]
    with pytest.raises(TableFileError, match=r"「集計」が見つかりません.*「記入方法」、「データ」"):
        read_table(buffer.getvalue(), "x.xlsx", COLUMNS, sheet="集計")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"%PDF-1.4", "report.pdf", "読み込めない種類"),
        (b"\xd0\xcf\x11\xe0", "old.xls", r"古い形式（\.xls）"),
        (b"not a zip file", "broken.xlsx", "Excelファイルを開けません"),
        (b"PK\x03\x04garbage", "broken.xlsx", "Excelファイルを開けません"),
        (b"\x82\xa0\x81\x20", "bad.csv", "文字コード"),
        (b"a,b", "noext", "読み込めない種類"),
    ],
)
def test_unreadable_files_raise_table_file_error(data, filename, message):
    with pytest.raises(TableFileError, match=message):
        read_table(data, filename, COLUMNS)


# --- writing ----------------------------------------------------------------------------

ALL_TYPES = [
    Column("code", "団体コード", t.lgcode, required=True, unique=True),
    Column("name", "団体名", required=True),
    Column("kind", "区分", KIND),
    Column("population", "人口", t.integer()),
    Column("rate", "オンライン化率", t.decimal_(places=2)),
    Column("since", "開始日", t.date_),
    Column("done", "完了", t.boolean),
    Column("memo", "備考"),
]

ALL_ROWS = [
    {
        "code": "010006",
        "name": "北海道",
        "kind": "prefecture",
        "population": 5139913,
        "rate": Decimal("12.5"),
        "since": D(2025, 4, 1),
        "done": True,
        "memo": '=HYPERLINK("http://example.com")',  # must come back as text, not run
    },
    {
        "code": "131016",
        "name": "千代田区",
        "kind": "city",
        "population": -3,
        "rate": Decimal("0.05"),
        "since": D(2019, 5, 1),
        "done": False,
        "memo": "1行目\n2行目",
    },
    {
        "code": "011002",
        "name": "札幌市",
        "kind": None,
        "population": None,
        "rate": None,
        "since": None,
        "done": None,
        "memo": "-",
    },
]


def test_xlsx_round_trip():
    data = write_xlsx(ALL_TYPES, ALL_ROWS, title="令和7年度 団体一覧")
    result = read_table(data, "export.xlsx", ALL_TYPES)
    assert result.ok, [str(e) for e in result.errors]
    assert _values(result) == ALL_ROWS


def test_csv_round_trip():
    data = write_csv(ALL_TYPES, ALL_ROWS)
    result = read_table(data, "export.csv", ALL_TYPES)
    assert result.ok, [str(e) for e in result.errors]
    assert _values(result) == ALL_ROWS
    assert [r["_row"] for r in result.rows] == [2, 3, 4]


def test_write_xlsx_layout():
    data = write_xlsx(ALL_TYPES, ALL_ROWS, title="団体一覧", sheet_title="一覧")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["一覧"]
    assert ws["A1"].value == "団体一覧"
    header = [ws.cell(row=2, column=i + 1) for i in range(len(ALL_TYPES))]
    assert [c.value for c in header] == [c.label for c in ALL_TYPES]
    assert all(c.font.b for c in header)
    assert all(c.fill.fill_type == "solid" for c in header)
    assert ws.freeze_panes == "A3"

    since = ws.cell(row=3, column=6)
    assert isinstance(since.value, datetime.datetime)  # a real Excel date, not text
    assert since.value.date() == D(2025, 4, 1)
    assert since.number_format == "yyyy/mm/dd"
    assert ws.cell(row=3, column=3).value == "都道府県"  # choices are exported as labels
    assert ws.cell(row=3, column=7).value == "はい"
    assert ws.cell(row=3, column=1).value == "010006"  # the leading zero survives
    assert ws.cell(row=3, column=8).data_type == "s"  # "=HYPERLINK(…)" is not a formula

    def width(column_index):
        return ws.column_dimensions[get_column_letter(column_index)].width

    # "オンライン化率" is 7 wide characters, "完了" 2 of them over single-width "はい"/"いいえ"
    assert width(5) >= 14
    assert width(5) > width(7)


def test_write_xlsx_with_no_rows_still_reads_back():
    data = write_xlsx(ALL_TYPES, iter([]), title="空")
    result = read_table(data, "empty.xlsx", ALL_TYPES)
    assert result.ok
    assert result.rows == []


def test_write_csv_format():
    data = write_csv(ALL_TYPES, ALL_ROWS[:1])
    assert data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :].decode("utf-8")
    lines = body.split("\r\n")
    assert lines[0] == "団体コード,団体名,区分,人口,オンライン化率,開始日,完了,備考"
    assert lines[1].startswith("010006,北海道,都道府県,5139913,12.5,2025-04-01,はい,")
    assert "'=HYPERLINK" in lines[1]  # Excel will not evaluate it
    assert lines[2] == ""
    assert "\n" not in body.replace("\r\n", "")


def test_percent_formatted_cells_read_as_shown():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["団体コード", "団体名", "率"])
    ws.append(["011002", "札幌市", 0.25])
    ws.append(["012025", "函館市", 1])
    ws["C2"].number_format = "0%"
    ws["C3"].number_format = "0.0%"
    out = io.BytesIO()
    wb.save(out)
    columns = [*COLUMNS[:2], Column("rate", "率", t.decimal_(min=0, max=100))]
    result = read_table(out.getvalue(), "rates.xlsx", columns)
    assert not result.errors
    assert [r["rate"] for r in result.rows] == [Decimal(25), Decimal(100)]
