"""Chart geometry for the overview (pure): the templates draw it as inline SVG, escaping every label.

`bar_chart` places one bar per bucket; `line_chart` draws a line through the buckets that have a
value (a bucket with None leaves a gap). Both scale to a "nice" maximum (1, 2 or 5 times a power
of ten) with three horizontal grid lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH = 720
HEIGHT = 200
LEFT = 44  # room for the y labels
BOTTOM = 22  # room for the x labels
TOP = 8


@dataclass(frozen=True, slots=True)
class Mark:
    """A bar (`height` > 0 or 0) or a point of a line, with its tooltip."""

    x: float
    y: float
    width: float
    height: float
    tip: str


@dataclass(frozen=True, slots=True)
class Tick:
    pos: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the SVG macro needs."""

    title: str
    kind: str  # "bar" or "line"
    width: int
    height: int
    marks: tuple[Mark, ...]
    lines: tuple[str, ...]  # SVG polyline `points` attributes, one per unbroken run
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    plot_left: int
    plot_bottom: int
    empty: bool


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above `value` (1 for zero or less)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power + 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _x_ticks(starts: Sequence[datetime], slot: float, every: int, fmt: str) -> tuple[Tick, ...]:
    return tuple(
        Tick(LEFT + i * slot + slot / 2, start.strftime(fmt)) for i, start in enumerate(starts) if i % every == 0
    )


def _frame(values: Sequence[float | None]) -> tuple[float, float, float, tuple[Tick, ...]]:
    top = nice_ceiling(max((v for v in values if v is not None), default=0.0))
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT
    ticks = tuple(Tick(TOP + plot_h * (1 - f), _fmt(top * f)) for f in (0.0, 0.5, 1.0))
    return top, plot_h, plot_w, ticks


def _label_every(n: int) -> tuple[int, str]:
    """How many buckets between x labels, and their format (hours for a day, weekday+hour beyond)."""
    if n <= 24:
        return 3, "%H:%M"
    return 24, "%a %d"


def bar_chart(title: str, starts: Sequence[datetime], values: Sequence[int | float], *, unit: str = "") -> Chart:
    """One bar per bucket starting at `starts[i]` (local times) with height `values[i]`."""
    if len(starts) != len(values):
        raise ValueError("one value per bucket")
    top, plot_h, plot_w, y_ticks = _frame(list(values))
    slot = plot_w / max(len(values), 1)
    gap = min(2.0, slot * 0.2)
    every, fmt = _label_every(len(starts))
    marks = []
    for i, (start, value) in enumerate(zip(starts, values, strict=True)):
        h = plot_h * value / top
        marks.append(Mark(LEFT + i * slot + gap / 2, TOP + plot_h - h, max(slot - gap, 0.5), h,
                          f"{start:%a %H:%M}: {_fmt(float(value))}{unit}"))
    return Chart(title, "bar", WIDTH, HEIGHT, tuple(marks), (), _x_ticks(starts, slot, every, fmt), y_ticks,
                 LEFT, HEIGHT - BOTTOM, empty=not any(values))


def line_chart(title: str, starts: Sequence[datetime], values: Sequence[float | None], *, unit: str = "") -> Chart:
    """A line through the buckets that have a value; None breaks the line."""
    if len(starts) != len(values):
        raise ValueError("one value per bucket")
    top, plot_h, plot_w, y_ticks = _frame(values)
    slot = plot_w / max(len(values), 1)
    every, fmt = _label_every(len(starts))
    marks: list[Mark] = []
    runs: list[list[str]] = [[]]
    for i, (start, value) in enumerate(zip(starts, values, strict=True)):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        x, y = LEFT + i * slot + slot / 2, TOP + plot_h * (1 - value / top)
        marks.append(Mark(x, y, 0, 0, f"{start:%a %H:%M}: {_fmt(value)}{unit}"))
        runs[-1].append(f"{x:.1f},{y:.1f}")
    lines = tuple(" ".join(run) for run in runs if len(run) > 1)
    return Chart(title, "line", WIDTH, HEIGHT, tuple(marks), lines, _x_ticks(starts, slot, every, fmt), y_ticks,
                 LEFT, HEIGHT - BOTTOM, empty=not marks)
