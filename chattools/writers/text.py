"""Typed frames → the text (or Open-API JSON) values a Channel Talk export holds.

The exact inverse of the readers' parsing: each column is formatted by its kind's codec
(:meth:`chattools.codecs.Codec.format_text` / :meth:`~chattools.codecs.Codec.format_api`)
for a given generation (the table of forms: :mod:`chattools.codecs`).

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
from chattools.codecs import Codec, codec, codec_of_dtype

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


def _codecs(frame: pl.DataFrame, sheet: str) -> dict[str, Codec]:
    """Column → the codec it is written with (an unknown column's from its dtype)."""
    spec = schema.SHEETS[sheet]
    dtypes = frame.schema
    return {
        name: codec(spec.column(name).kind) if spec.known(name) else codec_of_dtype(dtypes[name])
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
    dtypes = frame.schema
    exprs = [
        # a String column is already text (e.g. a deliberately malformed test value)
        (
            pl.col(name)
            if dtypes[name] == pl.String
            else c.format_text(pl.col(name), dtypes[name], timezone, generation=generation)
        ).alias(headers.get(name, name))
        for name, c in _codecs(frame, sheet).items()
    ]
    return frame.select(exprs)


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
    dtypes = frame.schema
    exprs = [
        c.format_api(pl.col(name), dtypes[name], timezone).alias(headers.get(name, name))
        for name, c in _codecs(frame, sheet).items()
    ]
    return frame.select(exprs)
