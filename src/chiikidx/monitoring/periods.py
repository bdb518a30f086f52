"""Reporting periods of KPIs (pure: no database).

Periods follow the 年度 (April to March): months; quarters Q1 = 4〜6月, Q2 = 7〜9月,
Q3 = 10〜12月, Q4 = 1〜3月; half years 上期 = 4〜9月, 下期 = 10〜3月; and the 年度 itself.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

from chiikidx.core.japanese import fiscal_year, nendo_label, normalize, parse_date, parse_nendo

from .choices import Frequency

MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}
HALF_NAMES = ("上期", "下期")


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period; ordered by its dates."""

    start: datetime.date
    end: datetime.date
    frequency: str

    @property
    def fiscal_year(self) -> int:
        return fiscal_year(self.start)

    @property
    def index(self) -> int:
        """1-based position in its 年度 (the month 1–12 from April, the quarter 1–4, …)."""
        return (self.start.month - 4) % 12 // MONTHS[self.frequency] + 1

    @property
    def key(self) -> str:
        """A stable name: 2025-04 (month), 2025Q1, 2025H1, 2025FY (年度 2025)."""
        if self.frequency == Frequency.MONTHLY:
            return self.start.strftime("%Y-%m")
        suffix = {Frequency.QUARTERLY: "Q", Frequency.HALF_YEARLY: "H"}.get(self.frequency)
        return f"{self.fiscal_year}{suffix}{self.index}" if suffix else f"{self.fiscal_year}FY"

    @property
    def label(self) -> str:
        """令和7年4月, 令和7年度 Q1(4〜6月), 令和7年度 上期(4〜9月), 令和7年度."""
        if self.frequency == Frequency.MONTHLY:
            return _month_label(self.start)
        if self.frequency == Frequency.YEARLY:
            return nendo_label(self.fiscal_year)
        months = f"{self.start.month}〜{self.end.month}月"
        if self.frequency == Frequency.QUARTERLY:
            return f"{nendo_label(self.fiscal_year)} Q{self.index}({months})"
        return f"{nendo_label(self.fiscal_year)} {HALF_NAMES[self.index - 1]}({months})"

    def next(self) -> Period:
        return period_of(self.frequency, self.end + datetime.timedelta(days=1))

    def previous(self) -> Period:
        return period_of(self.frequency, self.start - datetime.timedelta(days=1))

    def __str__(self) -> str:
        return self.label


def _month_label(d: datetime.date) -> str:
    from chiikidx.core.japanese import wareki

    return wareki(d.replace(day=1))[: -len("1日")]


def add_months(d: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after d's month."""
    total = d.year * 12 + d.month - 1 + months
    return datetime.date(total // 12, total % 12 + 1, 1)


# Periods are immutable and the same few recur for every KPI: the functions below that make
# them are cached, so a page or an evaluation of thousands of KPIs shares their instances.
@functools.lru_cache(maxsize=16384)
def period_of(frequency: str, d: datetime.date) -> Period:
    """The period of `frequency` that contains day d."""
    months = MONTHS[frequency]
    fy = fiscal_year(d)
    offset = (d.month - 4) % 12 // months * months
    start = add_months(datetime.date(fy, 4, 1), offset)
    end = add_months(start, months) - datetime.timedelta(days=1)
    return Period(start, end, frequency)


def periods_between(frequency: str, first: datetime.date, last: datetime.date) -> list[Period]:
    """Every period from the one containing `first` to the one containing `last`."""
    if last < first:
        return []
    return list(_span(period_of(frequency, first), period_of(frequency, last)))


@functools.lru_cache(maxsize=4096)
def _span(current: Period, final: Period) -> tuple[Period, ...]:
    found = []
    while current <= final:
        found.append(current)
        current = current.next()
    return tuple(found)


@functools.lru_cache(maxsize=16384)
def stored_period(start: datetime.date, end: datetime.date, frequency: str) -> Period:
    """The period of an actual read from the database (one shared instance per period)."""
    return Period(start, end, frequency)


# --- reading a period typed by a person ------------------------------------------------------

_FREQUENCY_WORDS = {
    Frequency.MONTHLY: "月",
    Frequency.QUARTERLY: "四半期",
    Frequency.HALF_YEARLY: "半期(上期・下期)",
    Frequency.YEARLY: "年度",
}
_EXAMPLES = {
    Frequency.MONTHLY: "「令和7年4月」「2025/4」",
    Frequency.QUARTERLY: "「令和7年度 Q1」「2025年度 第1四半期」",
    Frequency.HALF_YEARLY: "「令和7年度 上期」「2025年度 下期」",
    Frequency.YEARLY: "「令和7年度」「2025年度」",
}
_NENDO = r"(.+?年度|[MTSHR]\s*\d{1,2}|\d{4})"
_QUARTER = re.compile(rf"{_NENDO}\s*(?:Q|第)\s*([1-4])\s*(?:四半期)?", re.IGNORECASE)
_HALF = re.compile(rf"{_NENDO}\s*(上半?期|下半?期)", re.IGNORECASE)
_MONTH = re.compile(
    r"(\d{4}|(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:元|\d{1,2}))\s*[年/.\-]\s*(\d{1,2})\s*月?",
    re.IGNORECASE,
)
_NOTE = re.compile(r"\([^()]*\)$")


def hint(frequency: str) -> str:
    return (
        f"{_EXAMPLES[frequency]}のように{_FREQUENCY_WORDS[frequency]}で入力するか、"
        "期間内の日付(例: 2025/6/30、令和7年6月30日)を入力してください。"
    )


def parse_period(frequency: str, value: object) -> Period:
    """A period of `frequency` from a date in it or from its name (令和7年度 Q1, 2025/4, …).

    A name of another length than the KPI's (a quarter for a monthly KPI) is refused, so a
    mistaken column is not silently spread over the wrong period."""
    if isinstance(value, datetime.date):
        return period_of(frequency, parse_date(value))
    text = normalize(value)
    if not text:
        raise ValueError(f"期間が空です。{hint(frequency)}")
    try:
        return period_of(frequency, parse_date(text))
    except ValueError:
        pass
    named = named_period(text)
    if named is None:
        raise ValueError(f"「{text}」は期間として読めません。{hint(frequency)}")
    if named.frequency != frequency:
        raise ValueError(
            f"「{text}」は{_FREQUENCY_WORDS[named.frequency]}の期間ですが、"
            f"このKPIは{_FREQUENCY_WORDS[frequency]}ごとに入力します。{hint(frequency)}"
        )
    return named


def named_period(text: object) -> Period | None:
    """A period given by its name, of whatever length (None: not a period's name).
    A trailing note in brackets is ignored: 「令和7年度 Q1(4〜6月)」 is 令和7年度 Q1."""
    text = _NOTE.sub("", normalize(text)).strip()
    if m := _QUARTER.fullmatch(text):
        start = add_months(datetime.date(_nendo(m.group(1)), 4, 1), (int(m.group(2)) - 1) * 3)
        return period_of(Frequency.QUARTERLY, start)
    if m := _HALF.fullmatch(text):
        months = 0 if m.group(2).startswith("上") else 6
        start = add_months(datetime.date(_nendo(m.group(1)), 4, 1), months)
        return period_of(Frequency.HALF_YEARLY, start)
    if text.endswith("年度"):
        return period_of(Frequency.YEARLY, datetime.date(_nendo(text), 4, 1))
    if m := _MONTH.fullmatch(text):
        return period_of(Frequency.MONTHLY, _month_start(m.group(1), int(m.group(2))))
    return None


def _nendo(text: str) -> int:
    return parse_nendo(text)


def _month_start(year_text: str, month: int) -> datetime.date:
    if not 1 <= month <= 12:
        raise ValueError(f"{month}月という月はありません。1〜12月で入力してください。")
    if year_text.isdigit() and len(year_text) == 4:
        return datetime.date(int(year_text), month, 1)
    return parse_date(f"{year_text}年{month}月1日")
