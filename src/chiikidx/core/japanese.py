"""Japanese text, dates, fiscal years, numbers and local-government codes.

Pure Python so imports, templates and management commands can share one set of rules.
Every parser raises ValueError with a Japanese message that tells the user how to fix the value.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

__all__ = [
    "ERAS",
    "Era",
    "fiscal_year",
    "fiscal_year_range",
    "is_valid_lgcode",
    "lgcode_check_digit",
    "nendo_label",
    "nendo_short",
    "normalize",
    "normalize_lgcode",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_nendo",
    "validate_lgcode",
    "wareki",
    "wareki_short",
]

_WHITESPACE = re.compile(r"\s+")


def normalize(text: object) -> str:
    """NFKC, trim and collapse whitespace (全角 space included); None becomes ""."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text))
    return _WHITESPACE.sub(" ", folded).strip()


# --- 年度 (fiscal year, April to March) -------------------------------------------------


def fiscal_year(d: datetime.date) -> int:
    """The 年度 a date falls in: 2025-04-01 … 2026-03-31 → 2025."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(fy: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of 年度 fy."""
    return datetime.date(fy, 4, 1), datetime.date(fy + 1, 3, 31)


# --- 和暦 (Japanese eras) ----------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: datetime.date
    end: datetime.date | None  # None: the current era

    def contains(self, d: datetime.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    def year_of(self, western_year: int) -> int:
        return western_year - self.start.year + 1


def _build_eras() -> tuple[Era, ...]:
    # 明治 starts on the Gregorian date of the 改元 edict; earlier dates used the lunar calendar
    # and never come up in municipal work.
    starts = [
        ("明治", "M", datetime.date(1868, 10, 23)),
        ("大正", "T", datetime.date(1912, 7, 30)),
        ("昭和", "S", datetime.date(1926, 12, 25)),
        ("平成", "H", datetime.date(1989, 1, 8)),
        ("令和", "R", datetime.date(2019, 5, 1)),
    ]
    eras = []
    for i, (name, letter, start) in enumerate(starts):
        following = starts[i + 1][2] if i + 1 < len(starts) else None
        end = following - datetime.timedelta(days=1) if following else None
        eras.append(Era(name, letter, start, end))
    return tuple(eras)


ERAS: tuple[Era, ...] = _build_eras()
_ERA_BY_TOKEN = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}


def _era_on(d: datetime.date) -> Era:
    for era in reversed(ERAS):
        if era.start <= d:
            return era
    raise ValueError(f"{d.year}年{d.month}月{d.day}日は明治より前のため、和暦で表せません。")


def _as_date(d: datetime.date) -> datetime.date:
    return d.date() if isinstance(d, datetime.datetime) else d


def _year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki(d: datetime.date) -> str:
    """2025-04-01 → 令和7年4月1日; the first year of an era is 元年."""
    d = _as_date(d)
    era = _era_on(d)
    return f"{era.name}{_year_text(era.year_of(d.year))}年{d.month}月{d.day}日"


def wareki_short(d: datetime.date) -> str:
    """2025-04-01 → R7.4.1."""
    d = _as_date(d)
    era = _era_on(d)
    return f"{era.letter}{era.year_of(d.year)}.{d.month}.{d.day}"


def _nendo_era(fy: int) -> tuple[Era, int]:
    # Government usage names a 年度 after the era in force on its last day (FY2019 is
    # 令和元年度 although it began in 平成31年). When the new era began after that year's
    # New Year (昭和→平成 in January 1989), the 年度 still belongs to the old era: FY1988
    # is 昭和63年度, not "平成0年度".
    first_day, last_day = fiscal_year_range(fy)
    era = _era_on(last_day)
    if era.year_of(fy) < 1:
        era = _era_on(first_day)
    return era, era.year_of(fy)


def nendo_label(fy: int) -> str:
    """2025 → 令和7年度, 2019 → 令和元年度, 2018 → 平成30年度."""
    era, year = _nendo_era(fy)
    return f"{era.name}{_year_text(year)}年度"


def nendo_short(fy: int) -> str:
    """2025 → R7, 2019 → R1, 2018 → H30."""
    era, year = _nendo_era(fy)
    return f"{era.letter}{year}"


_NENDO_HINT = "2025年度、令和7年度、R7 のように入力してください。"
_ERA_NAMES = r"(明治|大正|昭和|平成|令和|[MTSHR])"
_NENDO_ERA = re.compile(rf"{_ERA_NAMES}\s*(元|\d{{1,2}})\s*(?:年度?)?", re.IGNORECASE)
_NENDO_WESTERN = re.compile(r"(?:FY)?\s*(\d{4})\s*(?:年度?)?", re.IGNORECASE)


def parse_nendo(text: object) -> int:
    """令和7年度 / R7 / R7年度 / 2025年度 / 2025 (全角 too) → 2025."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    s = normalize(text)
    if not s:
        raise ValueError(f"年度が空です。{_NENDO_HINT}")
    if m := _NENDO_WESTERN.fullmatch(s):
        fy = int(m.group(1))
        if fy < ERAS[0].start.year:
            raise ValueError(f"「{s}」は年度として古すぎます。{_NENDO_HINT}")
        return fy
    if m := _NENDO_ERA.fullmatch(s):
        return _nendo_from_era(s, _ERA_BY_TOKEN[_era_token(m.group(1))], m.group(2))
    raise ValueError(f"「{s}」は年度として読めません。{_NENDO_HINT}")


def _era_token(token: str) -> str:
    return token.upper() if len(token) == 1 else token


def _nendo_from_era(s: str, era: Era, year_text: str) -> int:
    year = 1 if year_text == "元" else int(year_text)
    fy = era.start.year + year - 1
    # 平成31年度 was printed on real budgets before the 改元, so an era's 年度 run up to the
    # one containing its last day; anything later is a typo for the next era.
    last_fy = fiscal_year(era.end) if era.end else None
    if year < 1 or (last_fy is not None and fy > last_fy):
        raise ValueError(
            f"「{s}」は{era.name}の期間外です。{fy}年度なら「{nendo_label(fy)}」と入力してください。"
        )
    return fy


# --- Dates ------------------------------------------------------------------------------

_DATE_HINT = "2025-04-01、令和7年4月1日、R7.4.1 のように入力してください。"
_TIME_SUFFIX = r"(?:\s*[ T]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_WESTERN_DATE = re.compile(
    rf"(\d{{4}})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?{_TIME_SUFFIX}"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ERA_DATE = re.compile(
    rf"{_ERA_NAMES}\s*(元|\d{{1,2}})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?",
    re.IGNORECASE,
)


def parse_date(value: object) -> datetime.date:
    """Read a date typed the many ways Japanese offices write them."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel hands back 20250401 as 20250401.0
    s = normalize(value)
    if not s:
        raise ValueError(f"日付が空です。{_DATE_HINT}")
    if m := (_WESTERN_DATE.fullmatch(s) or _COMPACT_DATE.fullmatch(s)):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _ERA_DATE.fullmatch(s):
        return _era_date(m)
    raise ValueError(f"「{s}」は日付として読めません。{_DATE_HINT}")


def _make_date(year: int, month: int, day: int, shown: str | None = None) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        shown = shown or f"{year}年{month}月{day}日"
        raise ValueError(f"{shown}という日付はありません。月と日を確認してください。") from None


def _era_date(m: re.Match[str]) -> datetime.date:
    era = _ERA_BY_TOKEN[_era_token(m.group(1))]
    year = 1 if m.group(2) == "元" else int(m.group(2))
    month, day = int(m.group(3)), int(m.group(4))
    shown = f"{era.name}{_year_text(year)}年{month}月{day}日"
    if year < 1:
        raise ValueError(f"{shown}: 年は1(元年)以上で入力してください。")
    d = _make_date(era.start.year + year - 1, month, day, shown)
    if not era.contains(d):
        raise ValueError(_outside_era_message(shown, era, d))
    return d


def _outside_era_message(shown: str, era: Era, d: datetime.date) -> str:
    span = f"{wareki(era.start)}〜" + (wareki(era.end) if era.end else "")
    try:
        suggestion = f"西暦{d.year}年{d.month}月{d.day}日なら「{wareki(d)}」です。"
    except ValueError:
        suggestion = ""
    return (
        f"{shown}は{era.name}の期間外です（{era.name}は{span}）。"
        f"{suggestion}元号を確認してください。"
    )


# --- Numbers ----------------------------------------------------------------------------

_NUMBER_HINT = "半角または全角の数字で入力してください（例: 1234、1,234、-50、△50）。"
# NFKC leaves these dash look-alikes alone, but people type them as minus signs.
_MINUS_SIGNS = str.maketrans({"−": "-", "‐": "-", "–": "-", "△": "-", "▲": "-"})
_NUMBER = re.compile(r"([+-]?)\s*(\d+|\d{1,3}(?:,\d{3})+)?(?:\.(\d*))?")
# Numbers typed plainly in ASCII, read as they are (as _number_text would read them).
_PLAIN_INTEGER = re.compile(r"[+-]?[0-9]+")
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _number_text(value: object) -> tuple[str, str, str]:
    """Split a typed number into (sign, integer digits, fraction digits)."""
    s = normalize(value).translate(_MINUS_SIGNS)
    if not s:
        raise ValueError(f"値が空です。{_NUMBER_HINT}")
    m = _NUMBER.fullmatch(s)
    if not m or not (m.group(2) or m.group(3)):
        if re.fullmatch(r"[+-]?\s*[\d,]+(?:\.\d*)?", s):
            raise ValueError(
                "桁区切りのカンマの位置が正しくありません。"
                "1,234 のように3桁ごとに区切ってください。"
            )
        raise ValueError(f"「{s}」は数値として読めません。{_NUMBER_HINT}")
    return m.group(1), (m.group(2) or "0").replace(",", ""), m.group(3) or ""


def _reject_bool(value: object) -> None:
    # bool is an int subclass; a TRUE cell in a number column is a mistake, not 1.
    if isinstance(value, bool):
        raise ValueError(f"「{value}」は数値ではありません。{_NUMBER_HINT}")


def parse_int(value: object) -> int:
    """12 / 12.0 / "１２" / "1,234" / "△50" → int."""
    _reject_bool(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return _integral(value)
    if type(value) is str and _PLAIN_INTEGER.fullmatch(value):
        return int(value)
    sign, digits, fraction = _number_text(value)
    if fraction.strip("0"):
        raise ValueError("整数で入力してください。小数点以下は使えません。")
    return int(sign + digits)


def _integral(value: float | Decimal) -> int:
    if not _is_finite(value):
        raise ValueError(f"「{value}」は数値として扱えません。{_NUMBER_HINT}")
    if value != int(value):
        raise ValueError(f"「{value}」は整数ではありません。小数点以下は使えません。")
    return int(value)


def _is_finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def parse_decimal(value: object) -> Decimal:
    """12.5 / "１２．５" / "1,234.5" / "▲0.5" → Decimal."""
    _reject_bool(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # str() gives the shortest repr, so Excel's 0.1 stays 0.1 rather than 0.1000000000000000055…
        result = Decimal(str(value))
    elif type(value) is str and _PLAIN_DECIMAL.fullmatch(value):
        result = Decimal(value)
    else:
        sign, digits, fraction = _number_text(value)
        try:
            result = Decimal(f"{sign}{digits}.{fraction or '0'}" if fraction else sign + digits)
        except InvalidOperation:
            raise ValueError(f"「{value}」は数値として読めません。{_NUMBER_HINT}") from None
    if not result.is_finite():
        raise ValueError(f"「{value}」は数値として扱えません。{_NUMBER_HINT}")
    return result


# --- 全国地方公共団体コード (JIS X 0402) -------------------------------------------------

_LGCODE_HINT = (
    "6桁の全国地方公共団体コード（例: 北海道 010006、千代田区 131016）を入力してください。"
)
_WEIGHTS = (6, 5, 4, 3, 2)


def lgcode_check_digit(first5: str) -> int:
    """Check digit of a 5-digit code: (11 − Σ weight·digit mod 11) mod 10."""
    if not re.fullmatch(r"[0-9]{5}", first5):
        raise ValueError(f"「{first5}」は5桁の数字ではありません。")
    total = sum(w * int(c) for w, c in zip(_WEIGHTS, first5, strict=True))
    return (11 - total % 11) % 10


def is_valid_lgcode(code: object) -> bool:
    """True for a 6-digit code whose check digit matches."""
    if not isinstance(code, str):
        return False
    s = normalize(code)
    return bool(re.fullmatch(r"[0-9]{6}", s)) and lgcode_check_digit(s[:5]) == int(s[5])


def _with_check_digit(first5: str) -> str:
    return first5 + str(lgcode_check_digit(first5))


def _plausible_5digit(first5: str) -> bool:
    # Municipal parts 001–099 are unassigned (000 is the prefecture, cities start at 100), so
    # such a "5-digit code" is really a 6-digit code that lost its leading zero. Prefecture
    # numbers are not capped at 47 because demo and test data use fictional ones.
    return first5[:2] != "00" and not 1 <= int(first5[2:]) <= 99


def normalize_lgcode(value: object) -> str:
    """Return the 6-digit code; accept 5-digit codes and numbers that lost a leading zero."""
    _reject_bool(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return _lgcode_from_int(value)
    s = normalize(value)
    if not re.fullmatch(r"[0-9]+", s):
        raise ValueError(f"「{s}」は団体コードとして読めません。数字だけで{_LGCODE_HINT}")
    if len(s) == 4:
        s = "0" + s  # a 5-digit code whose leading zero Excel dropped
    if len(s) == 5:
        padded = "0" + s
        if not _plausible_5digit(s) and is_valid_lgcode(padded):
            return padded
        return _with_check_digit(s)
    return _checked(s)


def _lgcode_from_int(value: int) -> str:
    # Excel turns 010006 into the number 10006; a 5-digit number is more often that than
    # a 5-digit code typed as a number, so prefer it when its check digit works out.
    if value < 0:
        raise ValueError(f"「{value}」は団体コードではありません。{_LGCODE_HINT}")
    s = str(value)
    if len(s) == 5 and is_valid_lgcode("0" + s):
        return "0" + s
    if len(s) <= 5:
        return _with_check_digit(s.zfill(5))
    return _checked(s)


def _checked(s: str) -> str:
    if len(s) != 6:
        raise ValueError(f"「{s}」は{len(s)}桁です。{_LGCODE_HINT}")
    if not is_valid_lgcode(s):
        raise ValueError(
            f"「{s}」は検査数字（6桁目）が合いません。打ち間違いがないか確認し、{_LGCODE_HINT}"
        )
    return s


def validate_lgcode(value: object) -> None:
    """Django validator: the stored value must already be a correct 6-digit code."""
    if is_valid_lgcode(value) and normalize(value) == value:
        return
    try:
        fixed = normalize_lgcode(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_lgcode") from None
    raise ValidationError(
        f"「{value}」ではなく、6桁の団体コード「{fixed}」で入力してください。",
        code="invalid_lgcode",
    )
