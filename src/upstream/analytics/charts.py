"""Server-rendered SVG charts (pure: no Django, no JavaScript, no CDN).

Each function returns one self-contained `<svg>` element: axes, gridlines, a legend, and a `<title>` per mark so the
browser shows the exact value on hover. Every label is escaped here; the caller marks the result safe. A chart with
no data still draws its frame and says so, so an empty filter result shows an empty chart rather than nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569")
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float | None]


def nice_max(value: float) -> float:
    """The smallest 1/2/5 × 10ⁿ at or above `value` (at least 1), so gridlines fall on round numbers."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _number(value: float) -> str:
    """Whole numbers as such, others with up to two decimals (gridlines at quarters: 12.5, 0.25)."""
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _frame(title: str, labels: Sequence[str], top: float, bottom: float = 0.0, empty_text: str = "") -> list[str]:
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = bottom + (top - bottom) * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7280">{escape(_number(value))}</text>'
        )
    step = max(1, math.ceil(len(labels) / 8))
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % step == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" fill="#6b7280">'
                f"{escape(label)}</text>"
            )
    if empty_text:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" fill="#9ca3af" font-size="14">'
            f"{escape(empty_text)}</text>"
        )
    return parts


def _text_width(text: str) -> int:
    """Width in half-width characters: CJK and other wide characters count twice (legend spacing)."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def _legend(names: Sequence[str]) -> list[str]:
    parts: list[str] = []
    x = float(LEFT)
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.1f}" y="{HEIGHT - 7}" fill="#374151">{escape(name)}</text>'
        )
        x += 22 + 6.5 * _text_width(name)
    return parts


def stacked_bars(title: str, labels: Sequence[str], lines: Sequence[Line], *, empty_text: str) -> str:
    """One bar per label, stacked by line (e.g. tickets per day by channel)."""
    totals = [sum((line.values[i] or 0) for line in lines) for i in range(len(labels))]
    has_data = any(totals)
    top = nice_max(max(totals, default=0))
    parts = _frame(title, labels, top, empty_text="" if has_data else empty_text)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    width = max(1.0, slot * 0.8)
    for i, label in enumerate(labels):
        y = float(TOP + plot_h)
        x = LEFT + slot * i + (slot - width) / 2
        for n, line in enumerate(lines):
            value = line.values[i] or 0
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            colour = PALETTE[n % len(PALETTE)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(label)} · {escape(line.label)}: {escape(_number(value))}</title></rect>"
            )
    parts.extend(_legend([line.label for line in lines]))
    parts.append("</svg>")
    return "".join(parts)


def lines_chart(
    title: str,
    labels: Sequence[str],
    lines: Sequence[Line],
    *,
    empty_text: str,
    low: float | None = None,
    high: float | None = None,
) -> str:
    """Lines over the labels; a missing value (None) breaks the line. `low`/`high` fix the scale (CSAT 1–5, NPS
    −100–100)."""
    present = [v for line in lines for v in line.values if v is not None]
    bottom = low if low is not None else min(0.0, min(present, default=0.0))
    top = high if high is not None else nice_max(max(present, default=0.0))
    parts = _frame(title, labels, top, bottom, empty_text="" if present else empty_text)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    span = (top - bottom) or 1.0
    for n, line in enumerate(lines):
        colour = PALETTE[n % len(PALETTE)]
        segment: list[str] = []
        segments: list[list[str]] = [segment]
        for i, value in enumerate(line.values):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            x = LEFT + slot * (i + 0.5)
            y = TOP + plot_h - plot_h * (value - bottom) / span
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(labels[i])} · {escape(line.label)}: {escape(_number(value))}</title></circle>"
            )
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
    parts.extend(_legend([line.label for line in lines]))
    parts.append("</svg>")
    return "".join(parts)


def bars(title: str, labels: Sequence[str], values: Sequence[float | None], *, empty_text: str, high: float) -> str:
    """One bar per label on a fixed scale 0..high (e.g. return-visit scores 1–5 per dimension)."""
    present = [v for v in values if v is not None]
    parts = _frame(title, labels, high, empty_text="" if present else empty_text)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    width = max(1.0, slot * 0.6)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        if value is None:
            continue
        h = plot_h * min(value, high) / high
        x = LEFT + slot * i + (slot - width) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {escape(f"{value:.2f}")}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)
