"""The report's charts as hand-written inline SVG: bars, lines, horizontal bars, heat map.

The report's charts are simple, and drawing them through Vega-Lite (:mod:`chattools.plots`,
kept for notebooks) cost most of the report's time and a JS engine that dies under a
``ulimit -v`` (docs/decisions.md). These functions take plain lists and return one
``<svg>`` element: no scripts, no ids, no URLs, every label escaped, coordinates
rounded, so the same data always gives the same text.

Outliers do not flatten a chart: a bar axis is *clipped* (:func:`axis_cap`), a bar
above it drawn broken with its real value on top (horizontal bars: marked ``▲``);
durations over weeks use a logarithmic axis; counts are written on the bars; a dashed
line marks the median or the target.

Examples
--------
>>> svg = bars(["w1", "w2", "w3"], [3, 5, 200], title="Chats per week")
>>> svg.startswith("<svg") and ">200<" in svg and 'stroke="#fff"' in svg
True
>>> axis_cap([1, 2, 3, 2, 90])
7.5
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence

from chattools.report.html import esc

__all__ = ["axis_cap", "bars", "hbars", "heatmap", "lines"]

WIDTH = 960
_LEFT = 60  # the value axis of bars and lines: weeks line up across charts
BLUE, ORANGE, GREY, FADED = "#3b6fb6", "#e08a2c", "#8a93a6", "#a9c0e3"
_FONT = 'font-family="sans-serif" font-size="11" fill="#3a4150"'

Value = float | int | None


def _n(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def axis_cap(values: Sequence[Value], *, at_least: float = 0.0) -> float:
    """The top of a value axis robust to outliers: the largest value, unless it exceeds
    2.5 × the upper quartile; then 2.5 × the upper quartile (never below ``at_least``).
    """
    present = sorted(float(v) for v in values if v is not None)
    if not present:
        return max(at_least, 1.0)
    q3 = present[(3 * (len(present) - 1)) // 4]
    top = present[-1]
    cap = top if q3 <= 0 or top <= 2.5 * q3 else 2.5 * q3
    return max(cap, at_least, 1e-9)


def _nice(top: float) -> list[float]:
    """About four round tick values from 0 to ``top``."""
    if top <= 0:
        return [0.0]
    raw = top / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [round(k * step, 10) for k in range(int(top / step + 1e-9) + 1)]


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    head = (
        f'<svg width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" aria-label="{esc(title)}">'
    )
    heading = f'<text x="0" y="14" {_FONT} font-size="13" font-weight="600">{esc(title)}</text>'
    return head + heading + "".join(body) + "</svg>"


def _y_axis(
    ticks: list[float],
    y: Callable[[float], float],
    left: float,
    right: float,
    fmt: Callable[[float], str],
) -> list[str]:
    out = []
    for t in ticks:
        out.append(
            f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y(t))}" y2="{_n(y(t))}" '
            'stroke="#e3e7ef"/>'
            f'<text x="{_n(left - 4)}" y="{_n(y(t) + 4)}" text-anchor="end" {_FONT}>'
            f"{esc(fmt(t))}</text>"
        )
    return out


def _x_labels(
    labels: Sequence[str], x: Callable[[int], float], base: float, room: float
) -> list[str]:
    every = max(1, int(len(labels) * 62 / room) + 1) if labels else 1
    out = []
    last = len(labels) - 1
    for i, label in enumerate(labels):
        if i % every and i != last:
            continue
        if i != last and last - i < every and i % every == 0 and i != 0:
            continue  # leave room for the last label
        out.append(
            f'<text x="{_n(x(i))}" y="{_n(base + 14)}" text-anchor="middle" {_FONT}>'
            f"{esc(label)}</text>"
        )
    return out


def _median_line(
    value: float,
    y: Callable[[float], float],
    left: float,
    right: float,
    text: str,
    *,
    anchor: str = "end",
    end: float | None = None,
) -> str:
    """A dashed horizontal line at ``value`` labelled ``text`` (at ``left`` or ``right``)."""
    at = left + 2 if anchor == "start" else right
    return (
        f'<line x1="{_n(left)}" x2="{_n(end if end is not None else right)}" '
        f'y1="{_n(y(value))}" y2="{_n(y(value))}" stroke="{GREY}" stroke-dasharray="4 3"/>'
        f'<text x="{_n(at)}" y="{_n(y(value) - 3)}" text-anchor="{anchor}" {_FONT} '
        f'font-weight="600">{esc(text)}</text>'
    )


def bars(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    title: str,
    faded: Sequence[bool] | None = None,
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    height: int = 230,
    median: bool = True,
    clip: bool = True,
) -> str:
    """Vertical bars with their value on top; ``faded`` bars (partial weeks) drawn lighter;
    a dashed line at the median value unless ``median`` is false; with ``clip`` the axis
    is clipped (:func:`axis_cap`), else it reaches the largest value.
    """
    left, top, bottom = _LEFT, 30, height - 24
    right = WIDTH - 8
    cap = axis_cap(values) if clip else max(max(values, default=0), 1)
    scale = (bottom - top) / cap
    y = lambda v: bottom - min(v, cap) * scale  # noqa: E731
    n = max(len(values), 1)
    slot = (right - left) / n
    x = lambda i: left + slot * (i + 0.5)  # noqa: E731
    body = _y_axis(_nice(cap), y, left, right, fmt)
    small = slot < 22
    for i, v in enumerate(values):
        color = FADED if faded and faded[i] else BLUE
        w = max(slot * 0.8, 1)
        body.append(
            f'<rect x="{_n(x(i) - w / 2)}" y="{_n(y(v))}" width="{_n(w)}" '
            f'height="{_n(bottom - y(v))}" fill="{color}"/>'
        )
        if v > cap:  # a broken bar: two white strokes across its top
            for dy in (7, 11):
                body.append(
                    f'<line x1="{_n(x(i) - w / 2)}" x2="{_n(x(i) + w / 2)}" y1="{_n(top + dy + 2)}" '
                    f'y2="{_n(top + dy - 2)}" stroke="#fff" stroke-width="1.5"/>'
                )
        if v > cap or not small or i == len(values) - 1:
            body.append(
                f'<text x="{_n(x(i))}" y="{_n(y(v) - 3)}" text-anchor="middle" {_FONT} '
                f'font-size="{9 if small else 10}">{esc(fmt(v))}</text>'
            )
    if values and median:
        mid = float(statistics.median(values))
        body.append(
            _median_line(mid, y, left, right, f"median {fmt(mid)}", anchor="start", end=right)
        )
    body += _x_labels(labels, x, bottom, right - left)
    return _svg(WIDTH, height, body, title)


#: Tick values (minutes) of a logarithmic duration axis.
_LOG_TICKS = (0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440, 2880, 10080, 43200)


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value], str]],
    *,
    title: str,
    fmt: Callable[[float], str],
    reference: tuple[float, str] | None = None,
    height: int = 240,
) -> str:
    """Lines (name, values, colour) over ``labels`` on a logarithmic axis.

    Durations of a week span seconds to days: a log axis keeps a 93-hour week from
    flattening the others, and every week stays readable. ``reference`` draws a dashed
    line (e.g. the target). Gaps (``None``) break a line; values ≤ 0 sit on the floor.
    """
    left, top, bottom = _LEFT, 30, height - 40
    right = WIDTH - 8
    present = [float(v) for _, vs, _ in series for v in vs if v is not None and v > 0]
    if reference is not None:
        present.append(reference[0])
    lo = min(present, default=1.0)
    hi = max(present, default=1.0)
    lo_tick = max((t for t in _LOG_TICKS if t <= lo), default=lo)
    hi_tick = min((t for t in _LOG_TICKS if t >= hi), default=hi)
    if hi_tick <= lo_tick:
        hi_tick = lo_tick * 10
    span = math.log(hi_tick) - math.log(lo_tick)

    def y(v: float) -> float:
        v = min(max(v, lo_tick), hi_tick)
        return bottom - (math.log(v) - math.log(lo_tick)) / span * (bottom - top)

    n = max(len(labels), 1)
    slot = (right - left) / n
    x = lambda i: left + slot * (i + 0.5)  # noqa: E731
    ticks = [t for t in _LOG_TICKS if lo_tick <= t <= hi_tick]
    if len(ticks) > 7:
        ticks = ticks[:: math.ceil(len(ticks) / 7)]
    body = _y_axis(ticks, y, left, right, fmt)
    if reference is not None:
        body.append(_median_line(reference[0], y, left, right, reference[1], anchor="start"))
    for s, (name, values, color) in enumerate(series):
        run: list[str] = []
        paths: list[list[str]] = [run]
        for i, v in enumerate(values):
            if v is None:
                run = []
                paths.append(run)
                continue
            run.append(f"{_n(x(i))},{_n(y(float(v)))}")
        for pts in paths:
            if len(pts) > 1:
                body.append(
                    f'<polyline points="{" ".join(pts)}" fill="none" stroke="{color}" '
                    'stroke-width="2"/>'
                )
            for p in pts:
                cx, cy = p.split(",")
                body.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
        lx = left + 260 * s
        body.append(
            f'<rect x="{_n(lx)}" y="{_n(height - 12)}" width="12" height="3" fill="{color}"/>'
            f'<text x="{_n(lx + 16)}" y="{_n(height - 8)}" {_FONT}>{esc(name)}</text>'
        )
    body += _x_labels(labels, x, bottom, right - left)
    return _svg(WIDTH, height, body, title + " (log scale)")


def hbars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value], str]],
    *,
    title: str,
    fmt: Callable[[float], str],
    notes: Sequence[Sequence[str] | None] = (),
    legend: bool = True,
    clip: bool = True,
) -> str:
    """Horizontal bars, one row per label and one bar per series.

    ``notes[s][i]`` is written after bar ``i`` of series ``s`` (e.g. its count); with
    ``clip`` the axis is clipped (:func:`axis_cap`) and longer bars are marked ``▲``.
    """
    row = 16 * len(series) + 8
    left = 190
    right = WIDTH - 150
    top = 30 + (16 if legend and len(series) > 1 else 0)
    height = top + row * len(labels) + 24
    everything = [v for _, vs, _ in series for v in vs]
    cap = axis_cap(everything) if clip else max((float(v) for v in everything if v), default=1.0)
    scale = (right - left) / cap
    body = []
    for t in _nice(cap):
        px = left + t * scale
        body.append(
            f'<line x1="{_n(px)}" x2="{_n(px)}" y1="{top}" y2="{_n(height - 20)}" stroke="#e3e7ef"/>'
            f'<text x="{_n(px)}" y="{_n(height - 6)}" text-anchor="middle" {_FONT}>{esc(fmt(t))}</text>'
        )
    for i, label in enumerate(labels):
        y0 = top + row * i + 4
        text = label if len(label) <= 28 else label[:27] + "…"
        body.append(
            f'<text x="{left - 6}" y="{_n(y0 + 8 * len(series) + 4)}" text-anchor="end" {_FONT}>'
            f"{esc(text)}</text>"
        )
        for s, (_, values, color) in enumerate(series):
            v = values[i]
            if v is None:
                continue
            yy = y0 + 16 * s
            w = min(v, cap) * scale
            mark = "▲ " if v > cap else ""
            note = notes[s] if s < len(notes) else None
            extra = f" · {note[i]}" if note else ""
            body.append(
                f'<rect x="{left}" y="{_n(yy)}" width="{_n(max(w, 1))}" height="13" fill="{color}"/>'
                f'<text x="{_n(left + w + 4)}" y="{_n(yy + 10)}" {_FONT}>'
                f"{mark}{esc(fmt(v))}{esc(extra)}</text>"
            )
    if legend and len(series) > 1:
        for s, (name, _, color) in enumerate(series):
            lx = left + 210 * s
            body.append(
                f'<rect x="{lx}" y="22" width="12" height="8" fill="{color}"/>'
                f'<text x="{lx + 16}" y="30" {_FONT}>{esc(name)}</text>'
            )
    return _svg(WIDTH, height, body, title)


def heatmap(
    rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[int]], *, title: str
) -> str:
    """A grid of counts (``values[row][col]``), darker for more, each count written in."""
    left, top, cell_w, cell_h = 40, 26, 28, 22
    top_value = max((v for r in values for v in r), default=0) or 1
    body = []
    for j, col in enumerate(cols):
        body.append(
            f'<text x="{_n(left + cell_w * (j + 0.5))}" y="{top + cell_h * len(rows) + 14}" '
            f'text-anchor="middle" {_FONT}>{esc(col)}</text>'
        )
    for i, name in enumerate(rows):
        y0 = top + cell_h * i
        body.append(
            f'<text x="{left - 6}" y="{y0 + 15}" text-anchor="end" {_FONT}>{esc(name)}</text>'
        )
        for j, v in enumerate(values[i]):
            share = v / top_value
            light = round(247 - share * 170)
            fill = f"rgb({light},{round(251 - share * 130)},{round(255 - share * 75)})"
            ink = "#ffffff" if share > 0.55 else "#3a4150"
            body.append(
                f'<rect x="{left + cell_w * j}" y="{y0}" width="{cell_w - 1}" height="{cell_h - 1}" '
                f'fill="{fill}"/>'
            )
            if v:
                body.append(
                    f'<text x="{_n(left + cell_w * (j + 0.5))}" y="{y0 + 15}" text-anchor="middle" '
                    f'font-family="sans-serif" font-size="9" fill="{ink}">{v:,}</text>'
                )
    return _svg(left + cell_w * len(cols) + 8, top + cell_h * len(rows) + 22, body, title)
