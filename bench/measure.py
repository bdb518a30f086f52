"""Timing helpers, result rows and the table (no Django here)."""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """A limit: values must stay below it (or, with `or_equal`, not exceed it), or (for
    throughputs) reach it."""

    limit: float
    higher_is_better: bool = False
    or_equal: bool = False

    def met_by(self, value: float) -> bool:
        if self.higher_is_better:
            return value >= self.limit
        return value <= self.limit if self.or_equal else value < self.limit

    @property
    def sign(self) -> str:
        if self.higher_is_better:
            return "≥"
        return "≤" if self.or_equal else "<"


@dataclass(frozen=True)
class Result:
    """One row of the table. Without a target the row is information only (never a FAIL); a
    value of None is a figure that cannot be measured yet, explained by `note`.

    `figure` and `field` say where the value goes in results/latest.json (see `figures`)."""

    name: str
    value: float | None
    unit: str
    target: Target | None = None
    figure: str = ""
    field: str = ""
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.target is None or self.value is None or self.target.met_by(self.value)

    @property
    def has_target(self) -> bool:
        return self.target is not None and self.value is not None

    def cells(self) -> list[str]:
        if self.value is None:
            return [self.name, self.note or "—", "—", "n/a"]
        target = "—"
        if self.target is not None:
            target = f"{self.target.sign} {self.target.limit:,g} {self.unit}"
        return [
            self.name,
            f"{number(self.value, self.unit)} {self.unit}",
            target,
            "info" if self.target is None else "PASS" if self.passed else "FAIL",
        ]


def number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f}"
    if unit in ("ms", "MB", "×"):
        return f"{value:.1f}"
    return f"{value:,.0f}"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by one call of `fn`, and what it returned."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def samples(fn: Callable[[], Any], n: int, warmup: int = 1) -> list[float]:
    """Seconds of `n` calls of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    gc.collect()  # garbage left by earlier steps is not this benchmark's cost
    return [timed(fn)[0] for _ in range(n)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """95th percentile, nearest-rank (with 30 samples: the 29th fastest)."""
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def ms(seconds: float) -> float:
    return seconds * 1000


# results/latest.json: the fields of every figure (null where one does not apply). A result
# row fills `field`; its target, if any, fills the field named here.
FIELDS = {
    "median_ms": "target_ms",
    "p95_ms": "p95_target_ms",
    "sql_bound_ms": None,
    "ratio": "ratio_target",
    "peak_mb": None,
    "per_s": "target_per_s",
    "aggregate_ms": None,
    "page_ratio": None,
}
ENTRY_KEYS = [
    "median_ms",
    "p95_ms",
    "target_ms",
    "sql_bound_ms",
    "ratio",
    "peak_mb",
    "p95_target_ms",
    "ratio_target",
    "per_s",
    "target_per_s",
    "aggregate_ms",
    "page_ratio",
]


def figures(results: list[Result], run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One JSON entry per figure, from the result rows that name it."""
    entries: dict[str, dict[str, Any]] = {}
    for result in results:
        if not result.figure:
            continue
        entry = entries.setdefault(
            result.figure, dict.fromkeys(ENTRY_KEYS) | {"passed": None, "note": None}
        )
        if result.field:
            entry[result.field] = _json_value(result.value, result.unit, result.field)
            target_field = FIELDS[result.field]
            if target_field and result.target is not None:
                entry[target_field] = _json_value(result.target.limit, result.unit, result.field)
        if result.has_target:
            entry["passed"] = result.passed and entry["passed"] is not False
        if result.note and result.note not in (entry["note"] or ""):
            entry["note"] = "; ".join(n for n in (entry["note"], result.note) if n)
        entry["run"] = run
    return entries


def _json_value(value: float | None, unit: str, field: str) -> float | None:
    if value is None:
        return None
    if field.endswith("_ms") and unit == "s":
        value *= 1000
    return round(value, 3 if field.endswith("ratio") else 1)


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def table(results: list[Result]) -> str:
    rows = [["benchmark", "measured", "target", "result"], *(r.cells() for r in results)]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = [_line(row, widths) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _line(row: list[str], widths: list[int]) -> str:
    aligned = [
        _pad(cell, width, right=i in (1, 2))
        for i, (cell, width) in enumerate(zip(row, widths, strict=True))
    ]
    return " | ".join(aligned)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill
