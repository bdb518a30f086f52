"""Tests for chiikidx.core.japanese: text, 年度, 和暦, numbers and 団体コード."""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from chiikidx.core import japanese
from chiikidx.core.japanese import (
    fiscal_year,
    fiscal_year_range,
    is_valid_lgcode,
    lgcode_check_digit,
    nendo_label,
    nendo_short,
    normalize,
    normalize_lgcode,
    parse_date,
    parse_decimal,
    parse_int,
    parse_nendo,
    validate_lgcode,
    wareki,
    wareki_short,
)

D = datetime.date

# --- normalize --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("　札幌市　", "札幌市"),
        ("中央区\u3000\u3000北１条", "中央区 北1条"),
        ("ＤＸ 推進\t\n 計画", "DX 推進 計画"),
        ("ｶﾀｶﾅ", "カタカナ"),
        (123, "123"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


# --- 年度 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "fy"),
    [
        (D(2025, 4, 1), 2025),
        (D(2026, 3, 31), 2025),
        (D(2025, 3, 31), 2024),
        (D(2025, 12, 31), 2025),
        (D(2026, 1, 1), 2025),
    ],
)
def test_fiscal_year(d, fy):
    assert fiscal_year(d) == fy


def test_fiscal_year_range():
    assert fiscal_year_range(2025) == (D(2025, 4, 1), D(2026, 3, 31))
    start, end = fiscal_year_range(2019)
    assert fiscal_year(start) == fiscal_year(end) == 2019
    assert fiscal_year(start - datetime.timedelta(days=1)) == 2018
    assert fiscal_year(end + datetime.timedelta(days=1)) == 2020


# --- 和暦 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "long", "short"),
    [
        (D(2025, 4, 1), "令和7年4月1日", "R7.4.1"),
        (D(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
        (D(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
        (D(1989, 1, 8), "平成元年1月8日", "H1.1.8"),
        (D(1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
        (D(1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
        (D(1926, 12, 24), "大正15年12月24日", "T15.12.24"),
        (D(1912, 7, 30), "大正元年7月30日", "T1.7.30"),
        (D(1912, 7, 29), "明治45年7月29日", "M45.7.29"),
    ],
)
def test_wareki(d, long, short):
    assert wareki(d) == long
    assert wareki_short(d) == short


def test_wareki_accepts_datetime():
    assert wareki(datetime.datetime(2025, 4, 1, 13, 5)) == "令和7年4月1日"
    assert wareki_short(datetime.datetime(2025, 4, 1, 13, 5)) == "R7.4.1"


def test_wareki_before_meiji_is_an_error():
    with pytest.raises(ValueError, match="明治より前"):
        wareki(D(1800, 1, 1))


@pytest.mark.parametrize(
    ("fy", "label", "short"),
    [
        (2025, "令和7年度", "R7"),
        (2020, "令和2年度", "R2"),
        (2019, "令和元年度", "R1"),  # began in 平成31年 but is called 令和元年度
        (2018, "平成30年度", "H30"),
        (1989, "平成元年度", "H1"),
        (1988, "昭和63年度", "S63"),  # 平成 began in January 1989, inside FY1988
    ],
)
def test_nendo_label(fy, label, short):
    assert nendo_label(fy) == label
    assert nendo_short(fy) == short


@pytest.mark.parametrize(
    ("text", "fy"),
    [
        ("令和7年度", 2025),
        ("R7", 2025),
        ("R7年度", 2025),
        ("r7", 2025),
        ("R07", 2025),
        ("2025年度", 2025),
        ("2025", 2025),
        (2025, 2025),
        ("２０２５年度", 2025),
        ("令和７年度", 2025),
        ("Ｒ７", 2025),
        (" 令和 7 年度 ", 2025),
        ("令和元年度", 2019),
        ("R1", 2019),
        ("平成31年度", 2019),  # printed on budgets before the 改元
        ("平成30年度", 2018),
        ("H30", 2018),
        ("昭和63年度", 1988),
    ],
)
def test_parse_nendo(text, fy):
    assert parse_nendo(text) == fy


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("平成32年度", "令和2年度"),
        ("令和0年度", "平成30年度"),
        ("昭和64年度", "平成元年度"),
        ("7", "年度として読めません"),
        ("来年度", "年度として読めません"),
        ("", "年度が空です"),
        (None, "年度が空です"),
    ],
)
def test_parse_nendo_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_nendo(text)


def test_nendo_label_round_trips_through_parse_nendo():
    for fy in range(1900, 2101):
        assert parse_nendo(nendo_label(fy)) == fy
        assert parse_nendo(nendo_short(fy)) == fy


# --- parse_date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-01", D(2025, 4, 1)),
        ("2025/4/1", D(2025, 4, 1)),
        ("2025.4.1", D(2025, 4, 1)),
        ("20250401", D(2025, 4, 1)),
        ("2025年4月1日", D(2025, 4, 1)),
        ("2025-04-01 00:00:00", D(2025, 4, 1)),
        ("２０２５／０４／０１", D(2025, 4, 1)),
        ("２０２５年４月１日", D(2025, 4, 1)),
        ("令和7年4月1日", D(2025, 4, 1)),
        ("令和７年４月１日", D(2025, 4, 1)),
        ("令和 7年 4月 1日", D(2025, 4, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("R7.4.1", D(2025, 4, 1)),
        ("Ｒ７．４．１", D(2025, 4, 1)),
        ("R07/04/01", D(2025, 4, 1)),
        ("r7-4-1", D(2025, 4, 1)),
        ("H31.4.30", D(2019, 4, 30)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("S64.1.7", D(1989, 1, 7)),
        ("㋿7年4月1日", D(2025, 4, 1)),  # the single-character 令和 ligature
        ("2024/2/29", D(2024, 2, 29)),
        (20250401, D(2025, 4, 1)),
        (20250401.0, D(2025, 4, 1)),
        (D(2025, 4, 1), D(2025, 4, 1)),
        (datetime.datetime(2025, 4, 1, 9, 30), D(2025, 4, 1)),
    ],
)
def test_parse_date(text, expected):
    result = parse_date(text)
    assert result == expected
    assert type(result) is datetime.date


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("平成31年5月1日", "平成の期間外"),
        ("H31.5.1", "平成の期間外"),
        ("平成32年1月1日", "平成の期間外"),
        ("令和元年4月30日", "令和の期間外"),
        ("昭和64年1月8日", "昭和の期間外"),
        ("令和0年5月1日", "1\\(元年\\)以上"),
        ("2025-02-30", "日付はありません"),
        ("2025-13-01", "日付はありません"),
        ("令和7年2月29日", "日付はありません"),
        ("abc", "日付として読めません"),
        ("4月1日", "日付として読めません"),
        ("2025-04", "日付として読めません"),
        ("X7.4.1", "日付として読めません"),
        ("", "日付が空です"),
        (None, "日付が空です"),
    ],
)
def test_parse_date_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text)


def test_parse_date_messages_tell_how_to_fix():
    with pytest.raises(ValueError) as excinfo:
        parse_date("きのう")
    assert str(excinfo.value) == (
        "「きのう」は日付として読めません。"
        "2025-04-01、令和7年4月1日、R7.4.1 のように入力してください。"
    )
    with pytest.raises(ValueError) as excinfo:
        parse_date("平成31年5月1日")
    assert "令和元年5月1日" in str(excinfo.value)  # suggests the right era


def test_parse_date_round_trips_wareki_across_era_boundaries():
    for start in [D(1912, 7, 25), D(1926, 12, 20), D(1989, 1, 1), D(2019, 4, 25), D(2025, 3, 28)]:
        for offset in range(12):
            d = start + datetime.timedelta(days=offset)
            assert parse_date(wareki(d)) == d
            assert parse_date(wareki_short(d)) == d


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        (12.0, 12),
        (Decimal("12"), 12),
        ("12", 12),
        ("１２", 12),
        (" 42 ", 42),
        ("1,234", 1234),
        ("１，２３４", 1234),
        ("1,234,567", 1234567),
        ("-5", -5),
        ("－５", -5),
        ("−5", -5),
        ("△5", -5),
        ("▲1,000", -1000),
        ("▲ 1,000", -1000),
        ("+7", 7),
        ("12.0", 12),
        ("0", 0),
    ],
)
def test_parse_int(raw, expected):
    result = parse_int(raw)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12a", "数値として読めません"),
        ("１２ａ", "数値として読めません"),
        ("1.5", "整数で入力してください"),
        (1.5, "整数ではありません"),
        (Decimal("1.5"), "整数ではありません"),
        ("12,34", "桁区切り"),
        ("1 2", "数値として読めません"),
        ("--5", "数値として読めません"),
        ("", "値が空です"),
        (None, "値が空です"),
        (True, "数値ではありません"),
        (float("nan"), "数値として扱えません"),
        (float("inf"), "数値として扱えません"),
    ],
)
def test_parse_int_rejects(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_int(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.5", Decimal("1234.5")),
        ("１２．５", Decimal("12.5")),
        ("▲0.5", Decimal("-0.5")),
        ("△1,000.25", Decimal("-1000.25")),
        (".5", Decimal("0.5")),
        ("7", Decimal(7)),
        (0.1, Decimal("0.1")),  # not 0.1000000000000000055…
        (3, Decimal(3)),
        (Decimal("2.50"), Decimal("2.50")),
    ],
)
def test_parse_decimal(raw, expected):
    result = parse_decimal(raw)
    assert result == expected
    assert isinstance(result, Decimal)


@pytest.mark.parametrize("raw", ["1.2.3", "abc", "nan", "1e3", "", None, "12,34.5", float("inf")])
def test_parse_decimal_rejects(raw):
    with pytest.raises(ValueError):
        parse_decimal(raw)


# --- 団体コード ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first5", "digit"),
    [
        ("01000", 6),  # 北海道 010006
        ("13101", 6),  # 千代田区 131016
        ("01100", 2),  # 札幌市 011002
        ("13000", 1),  # 東京都 130001: 6·1 + 5·3 = 21, 21 mod 11 = 10, 11 − 10 = 1
        ("27100", 4),  # 大阪市 271004: 12 + 35 + 4 = 51, 51 mod 11 = 7, 11 − 7 = 4
        ("47215", 8),  # 南城市 472158: 24 + 35 + 8 + 3 + 10 = 80, 80 mod 11 = 3, 11 − 3 = 8
        ("00000", 1),  # remainder 0 → 11 mod 10 = 1
        ("00006", 0),  # 2·6 = 12, remainder 1 → 10 mod 10 = 0
    ],
)
def test_lgcode_check_digit(first5, digit):
    assert lgcode_check_digit(first5) == digit


@pytest.mark.parametrize("bad", ["0100", "010006", "0100a", "０１０００"])
def test_lgcode_check_digit_needs_five_ascii_digits(bad):
    with pytest.raises(ValueError):
        lgcode_check_digit(bad)


@pytest.mark.parametrize(
    "code", ["010006", "131016", "011002", "130001", "271004", "472158", "０１０００６", " 131016 "]
)
def test_is_valid_lgcode_accepts(code):
    assert is_valid_lgcode(code)


@pytest.mark.parametrize(
    "code",
    [
        "010007",  # wrong check digit
        "131010",
        "472150",
        "011001",
        "01000",  # 5 digits: a code without its check digit is not a valid 6-digit code
        "0100066",
        "01000６x",
        "abcdef",
        "٠١٠٠٠٦",  # Arabic-Indic digits are digits to str.isdigit, not to JIS
        "",
        None,
        10006,
    ],
)
def test_is_valid_lgcode_rejects(code):
    assert not is_valid_lgcode(code)


def test_every_code_in_the_bundled_municipality_list_is_valid():
    path = Path(japanese.__file__).parent / "data" / "local_governments.csv"
    with path.open(encoding="utf-8", newline="") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    assert len(codes) > 1700
    assert [c for c in codes if not is_valid_lgcode(c)] == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010006", "010006"),
        ("０１０００６", "010006"),
        (" 131016 ", "131016"),
        ("13101", "131016"),  # 5-digit code: check digit appended
        ("01100", "011002"),
        ("47215", "472158"),
        ("26000", "260002"),  # 京都府, although "026000" also has a matching check digit
        ("03000", "030007"),  # 岩手県
        ("10006", "010006"),  # a CSV saved by Excel: 010006 lost its zero (no city is 006)
        (10006, "010006"),  # Excel number cell
        (10006.0, "010006"),
        (11002, "011002"),
        (131016, "131016"),
        (1100, "011002"),  # 5-digit 01100 typed as a number
    ],
)
def test_normalize_lgcode(raw, expected):
    assert normalize_lgcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("131017", "検査数字"),
        ("1310166", "7桁"),
        ("131", "3桁"),
        ("13-101", "団体コードとして読めません"),
        ("千代田区", "団体コードとして読めません"),
        ("", "団体コードとして読めません"),
        (-10006, "団体コードではありません"),
        (True, "数値ではありません"),
    ],
)
def test_normalize_lgcode_rejects(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_lgcode(raw)


def test_validate_lgcode_accepts_real_codes():
    for code in ["010006", "131016", "011002"]:
        assert validate_lgcode(code) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("010007", "検査数字"),
        ("13101", "131016"),  # fixable, but the stored value must already be 6 digits
        ("０１０００６", "010006"),
        ("abc", "団体コードとして読めません"),
    ],
)
def test_validate_lgcode_rejects(raw, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_lgcode(raw)
    assert excinfo.value.code == "invalid_lgcode"
    assert message in excinfo.value.messages[0]
