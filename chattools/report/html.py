"""HTML building blocks of the report: escaping, readable values, tables, the page.

Every value that comes from the data goes through :func:`esc` (or :func:`table`,
which escapes every cell); markup is only ever built from constants here. The charts
(:mod:`chattools.report.svg`) carry no ids and no namespace URLs, so the page holds no
URL at all.

Examples
--------
>>> import polars as pl
>>> from chattools.report.html import esc, table
>>> esc("<script>alert(1)</script>")
'&lt;script&gt;alert(1)&lt;/script&gt;'
>>> print(table(pl.DataFrame({"tag": ["a<b"], "chats": [3]})))  # doctest: +NORMALIZE_WHITESPACE
<table><thead><tr><th>tag</th><th>chats</th></tr></thead>
<tbody><tr><td>a&lt;b</td><td class="num">3</td></tr></tbody></table>
"""

from __future__ import annotations

import hashlib
import html
from datetime import date, datetime, timedelta

import polars as pl

__all__ = ["CSS", "content_id", "duration", "esc", "fmt", "page", "table"]

CSS = """
.ctr { font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans KR", sans-serif;
  margin: 0 auto; max-width: 1040px; padding: 24px; color: #1d2330; background: #fff; }
.ctr h1 { font-size: 1.7em; margin-bottom: 0.2em; }
.ctr h2 { font-size: 1.3em; border-bottom: 2px solid #e3e7ef; padding-bottom: 4px;
  margin-top: 2em; }
.ctr h3 { font-size: 1.05em; margin-top: 1.4em; }
.ctr .meta { color: #5b6475; margin: 0.2em 0; }
.ctr .note { color: #5b6475; font-size: 0.9em; }
.ctr .na { background: #fff7e0; border-left: 4px solid #e0a800; padding: 6px 10px; }
.ctr .cards { display: flex; flex-wrap: wrap; gap: 10px; }
.ctr .card { border: 1px solid #e3e7ef; border-radius: 6px; padding: 10px 14px;
  min-width: 150px; }
.ctr .card .v { font-size: 1.4em; font-weight: 600; }
.ctr .card .k { color: #5b6475; font-size: 0.85em; }
.ctr table { border-collapse: collapse; margin: 8px 0; font-size: 0.9em; }
.ctr th, .ctr td { border-bottom: 1px solid #e3e7ef; padding: 4px 10px; text-align: left;
  vertical-align: top; }
.ctr th { background: #f5f7fb; }
.ctr td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ctr .chart { margin: 10px 0; overflow-x: auto; }
.ctr nav ul { columns: 2; padding-left: 1.2em; }
.ctr table.kpi th[scope="row"] { background: #fff; font-weight: 600; }
.ctr table.kpi td.big { font-size: 1.15em; font-weight: 600; }
.ctr details { margin: 4px 0 12px; }
.ctr details > summary { cursor: pointer; color: #3b6fb6; }
.ctr .cols { display: flex; flex-wrap: wrap; gap: 32px; align-items: flex-start; }
.ctr dt { font-weight: 600; margin-top: 6px; }
.ctr dd { margin-left: 1.2em; color: #3a4150; }
.ctr section.appendix h2 { color: #5b6475; }
"""


def esc(value: object) -> str:
    """``value`` as HTML-escaped text (quotes included)."""
    return html.escape(str(value), quote=True)


def duration(value: timedelta) -> str:
    """A duration in the two largest readable units: ``3 d 4 h``, ``2 h 05 min``, ``12 min``.

    >>> [duration(timedelta(seconds=s)) for s in (42, 720, 7500, 273600, 39758648)]
    ['42 s', '12 min', '2 h 05 min', '3 d 4 h', '460 d 4 h']
    """
    total = round(value.total_seconds())
    sign, total = ("-", -total) if total < 0 else ("", total)
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    if d:
        return f"{sign}{d} d {h} h" if h else f"{sign}{d} d"
    if h:
        return f"{sign}{h} h {m:02d} min" if m else f"{sign}{h} h"
    if m:
        return f"{sign}{m} min" if m >= 10 or not s else f"{sign}{m} min {s:02d} s"
    return f"{sign}{s} s"


def fmt(value: object) -> str:
    """A display string for a cell value (durations readable, floats rounded)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def table(
    frame: pl.DataFrame,
    *,
    visible: int = 10,
    percent: tuple[str, ...] = ("share",),
    more: str = "more rows",
) -> str:
    """An HTML table of ``frame``: the first ``visible`` rows, the rest behind ``<details>``.

    Every cell is escaped; float columns named in ``percent`` are shown as percentages.
    Put the rows a reader needs first (latest weeks, largest counts) before calling.
    """
    frame = frame.with_columns(
        (pl.col(c) * 100).round(1).cast(pl.String).add("%").alias(c)
        for c in percent
        if c in frame.columns and frame.schema[c].is_float()
    )
    numeric = {c for c, d in frame.schema.items() if d.is_numeric() or isinstance(d, pl.Duration)}
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)

    def body(part: pl.DataFrame) -> str:
        rows = []
        for row in part.iter_rows():
            cells = "".join(
                f'<td class="num">{esc(fmt(v))}</td>' if c in numeric else f"<td>{esc(fmt(v))}</td>"
                for c, v in zip(frame.columns, row, strict=True)
            )
            rows.append(f"<tr>{cells}</tr>")
        return f"<table><thead><tr>{head}</tr></thead>\n<tbody>{''.join(rows)}</tbody></table>"

    shown = body(frame.head(visible))
    if frame.height <= visible:
        return shown
    rest = frame.height - visible
    return (
        f"{shown}<details><summary>{rest:,} {esc(more)}</summary>"
        f"{body(frame.slice(visible))}</details>"
    )


def content_id(*parts: str, length: int = 10) -> str:
    """A deterministic id derived from content (never random, never time-based).

    >>> content_id("a", "b") == content_id("a", "b") != content_id("ab")
    True
    """
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
    return "c" + digest[:length]


def page(*, title: str, body: str) -> str:
    """The whole self-contained HTML document (inline CSS, no scripts, no URLs).

    The CSS applies inside ``<div class="ctr">`` only, so the same body can be shown in a
    notebook without restyling it.
    """
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
