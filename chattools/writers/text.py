"""Typed frames → the text (or Open-API JSON) values a Channel Talk export holds.

The exact inverse of the readers' parsing: each column is formatted by its *kind*
(see :mod:`chattools.schema`) for a given generation.

==================  =======================================  ==============================
kind                text (XLSX, sheet-keyed JSON)            Open-API JSON (``api`` shape)
==================  =======================================  ==============================
``datetime``        naive ``YYYY-MM-DD HH:MM:SS``, local     epoch milliseconds
``utc_datetime``    ``…T…[.sss]Z`` in UTC (``.sss`` mixed)    epoch milliseconds
``duration``        ``"{h}h {m}m {s}s"`` (legacy) / seconds  milliseconds
``int``             digits                                   integer
``number``          ``5`` / ``4.5``                          number
``bool``            ``true`` / ``false``                     boolean
``list``/``tags``   joined with ``", "``                     array
==================  =======================================  ==============================

Nulls stay null (an empty cell). Sub-second parts of local timestamps and durations
are dropped, as in the real files.

Examples
--------
>>> import polars as pl
>>> from datetime import timedelta
>>> from chattools.writers.text import text_frame
>>> typed = pl.DataFrame({"id": ["1"], "duration": [timedelta(hours=169, seconds=5)]})
>>> text_frame(typed, "meets", generation="legacy").row(0)
('1', '169h 0m 5s')
>>> text_frame(typed, "meets", generation="case").row(0)
('1', '608405')
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from chattools import schema

__all__ = ["api_frame", "header_names", "ordered_columns", "text_frame"]

Shape = Literal["text", "api"]


def ordered_columns(sheet: str, columns: list[str]) -> list[str]:
    """``columns`` in write order: known columns in catalogue order, then the others.

    Provenance columns are left out.

    >>> ordered_columns("bots", ["profile.x", "name", "id", "_row"])
    ['id', 'name', 'profile.x']
    """
    spec = schema.SHEETS[sheet]
    present = [c for c in columns if c not in schema.PROVENANCE_COLUMNS]
    known = [c.name for c in spec.columns if c.name in present]
    return known + [c for c in present if c not in known]


def header_names(sheet: str, generation: schema.Generation) -> dict[str, str]:
    """Canonical column name → header written by ``generation`` (only the renamed ones)."""
    return schema.HEADERS_BY_GENERATION[generation].get(sheet, {})


def _local(expr: pl.Expr, dtype: pl.DataType, timezone: str) -> pl.Expr:
    """A datetime expression as naive local time in ``timezone``."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return expr.dt.convert_time_zone(timezone).dt.replace_time_zone(None)
    return expr


def _utc(expr: pl.Expr, dtype: pl.DataType, timezone: str) -> pl.Expr:
    """A datetime expression as naive UTC (naive input is taken as local ``timezone``)."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        expr = expr.dt.replace_time_zone(timezone, non_existent="null", ambiguous="earliest")
    return expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)


def _text_expr(
    name: str, kind: schema.Kind, dtype: pl.DataType, generation: schema.Generation, tz: str
) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.String:  # already text (e.g. a deliberately malformed test value)
        return col
    if kind == "datetime":
        return _local(col, dtype, tz).dt.strftime(schema.LOCAL_DATETIME_FORMAT)
    if kind == "utc_datetime":
        utc = _utc(col, dtype, tz)
        with_ms = utc.dt.strftime(schema.UTC_DATETIME_FORMATS[0])
        without = utc.dt.strftime(schema.UTC_DATETIME_FORMATS[1])
        # The real files mix both forms in one column: drop `.000` on every other row.
        whole_second = utc.dt.millisecond() == 0
        odd_row = pl.int_range(pl.len()) % 2 == 1
        return pl.when(whole_second & odd_row).then(without).otherwise(with_ms)
    if kind == "duration":
        seconds = col.dt.total_seconds()
        if generation != "legacy":
            return seconds.cast(pl.String)
        return pl.format("{}h {}m {}s", seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if kind == "bool":
        return pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
    if kind == "number":  # a whole number as digits ("5", not "5.0")
        whole = col.round() == col
        return (
            pl.when(whole)
            .then(col.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(col.cast(pl.String))
        )
    if kind in ("list", "tags"):
        if isinstance(dtype, pl.List):
            return col.list.eval(pl.element().cast(pl.String)).list.join(schema.LIST_SEPARATOR)
        return col.cast(pl.String)
    return col.cast(pl.String)


def _kind_of_extra(dtype: pl.DataType) -> schema.Kind:
    """The kind an unknown (extra) column is written as, from its dtype."""
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if isinstance(dtype, pl.Duration):
        return "duration"
    if isinstance(dtype, pl.Boolean):
        return "bool"
    if isinstance(dtype, pl.List):
        return "list"
    return "text"


def _kinds(frame: pl.DataFrame, sheet: str) -> dict[str, schema.Kind]:
    spec = schema.SHEETS[sheet]
    return {
        name: spec.column(name).kind if spec.known(name) else _kind_of_extra(frame.schema[name])
        for name in ordered_columns(sheet, frame.columns)
    }


def text_frame(
    frame: pl.DataFrame,
    sheet: str,
    *,
    generation: schema.Generation = "legacy",
    timezone: str = schema.DEFAULT_TIMEZONE,
) -> pl.DataFrame:
    """The all-``String`` frame a ``generation`` export holds for the typed ``frame``.

    Columns are renamed to the generation's headers; nulls stay null.
    """
    headers = header_names(sheet, generation)
    exprs = [
        _text_expr(name, kind, frame.schema[name], generation, timezone).alias(
            headers.get(name, name)
        )
        for name, kind in _kinds(frame, sheet).items()
    ]
    return frame.select(exprs)


def _api_expr(name: str, kind: schema.Kind, dtype: pl.DataType, tz: str) -> pl.Expr:
    col = pl.col(name)
    if kind in ("datetime", "utc_datetime"):
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            col = col.dt.replace_time_zone(tz, non_existent="null", ambiguous="earliest")
        return col.dt.epoch("ms")
    if kind == "duration":
        return col.dt.total_milliseconds()
    if kind in ("list", "tags") and not isinstance(dtype, pl.List):
        return col.str.split(schema.LIST_SEPARATOR)
    if kind == "int":
        return col.cast(pl.Int64)
    return col


def api_frame(
    frame: pl.DataFrame,
    sheet: str,
    *,
    generation: schema.Generation = "legacy",
    timezone: str = schema.DEFAULT_TIMEZONE,
) -> pl.DataFrame:
    """The JSON-ready frame of the Open-API shape: epoch ms, ms durations, arrays.

    >>> import polars as pl
    >>> from datetime import datetime
    >>> typed = pl.DataFrame({"id": ["1"], "createdAt": [datetime(1970, 1, 1, 9)]})
    >>> api_frame(typed.with_columns(pl.col("createdAt").dt.replace_time_zone("Asia/Seoul")),
    ...           "bots").row(0)
    ('1', 0)
    """
    headers = header_names(sheet, generation)
    exprs = [
        _api_expr(name, kind, frame.schema[name], timezone).alias(headers.get(name, name))
        for name, kind in _kinds(frame, sheet).items()
    ]
    return frame.select(exprs)
