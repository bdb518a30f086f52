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
    """A limit: values must stay below it, or (for throughputs) reach it."""

    limit: float
    higher_is_better: bool = False

    def met_by(self, value: float) -> bool:
        return value >= self.limit if self.higher_is_better else value < self.limit


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    target: Target

    @property
    def passed(self) -> bool:
        return self.target.met_by(self.value)

    def cells(self) -> list[str]:
        sign = "≥" if self.target.higher_is_better else "<"
        return [
            self.name,
            f"{number(self.value, self.unit)} {self.unit}",
            f"{sign} {self.target.limit:,g} {self.unit}",
            "PASS" if self.passed else "FAIL",
        ]


def number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f}"
    if unit == "ms":
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
