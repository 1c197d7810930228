"""Small SVG charts, built on the server (no script, no library): a line per series over a
shared x axis, one marker per point.

The SVG is written here from numbers and escaped labels only, so the page may insert it as is
(``Markup``). Each chart is an ``<svg role="img">`` with a title and a description for screen
readers; each point is a ``<circle class="point">`` with a ``<title>`` saying its value, so the
numbers can be read by hovering (or by a test counting the points).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

__all__ = ["Series", "line_chart"]


@dataclass(frozen=True)
class Series:
    """One line: its name and its points ``(x, y)``, x ascending."""

    name: str
    points: Sequence[tuple[float, float]]
    #: what a point's tooltip says, from (x, y); default "x: y"
    label: Callable[[float, float], str] | None = field(default=None, compare=False)


# A colour-blind-safe palette (Okabe and Ito).
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    step = (high - low) / (count - 1)
    return [low + step * index for index in range(count)]


def _number(value: float) -> str:
    return f"{value:.6g}"


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    x_ticks: Sequence[tuple[float, str]] = (),
    y_format: Callable[[float], str] = _number,
    width: int = 720,
    height: int = 260,
    step: bool = False,
    ident: str = "chart",
) -> Markup:
    """An SVG line chart of ``series``. ``x_ticks``: (x, label) under the axis (default: five
    even ticks); ``step``: draw each line as steps (a value holds until the next point);
    ``ident``: unique on the page (the title's and description's ids)."""
    left, right, top, bottom = 64, 12, 12, 36
    all_points = [point for line in series for point in line.points]
    xs = [x for x, _ in all_points] or [0.0, 1.0]
    ys = [y for _, y in all_points] or [0.0, 1.0]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(0.0, min(ys)), max(ys)
    if x_high == x_low:
        x_high = x_low + 1
    if y_high == y_low:
        y_high = y_low + 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y - y_low) / (y_high - y_low) * plot_h

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" id="{escape(ident)}" '
        f'aria-labelledby="{escape(ident)}-title {escape(ident)}-desc">',
        f'<title id="{escape(ident)}-title">{escape(title)}</title>',
        f'<desc id="{escape(ident)}-desc">{escape(description)}</desc>',
    ]
    for tick in _ticks(y_low, y_high):
        y = sy(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#57606a">{escape(y_format(tick))}</text>'
        )
    for x_value, label in x_ticks or [(t, _number(t)) for t in _ticks(x_low, x_high)]:
        x = sx(x_value)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="#eaeef2" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
            f'fill="#57606a">{escape(label)}</text>'
        )
    for index, line in enumerate(series):
        colour = _COLOURS[index % len(_COLOURS)]
        coordinates: list[str] = []
        previous_y: float | None = None
        for x, y in line.points:
            if step and previous_y is not None:
                coordinates.append(f"{sx(x):.1f},{sy(previous_y):.1f}")
            coordinates.append(f"{sx(x):.1f},{sy(y):.1f}")
            previous_y = y
        parts.append(
            f'<g class="series" data-series="{escape(line.name)}">'
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(coordinates)}"/>'
        )
        for x, y in line.points:
            text = line.label(x, y) if line.label else f"{_number(x)}: {y_format(y)}"
            parts.append(
                f'<circle class="point" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" '
                f'fill="{colour}"><title>{escape(text)}</title></circle>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
