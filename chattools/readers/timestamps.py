"""Timestamps in any form a 2026 export may write, and columns that mix forms.

Channel Talk's help (article 535969) calls the 2026 columns "Timestamp" without saying
how they are written, so a local-time column of a text sheet whose cells are not all
``YYYY-MM-DD HH:MM:SS`` is read in whichever of these forms each cell takes:

==============  ======================================  ===============================
form            example                                 read as
==============  ======================================  ===============================
local           ``2026-02-01 10:00:00``                 wall time in the channel's zone
ISO-8601        ``2026-02-01T01:00:00Z``, ``…+09:00``,   that instant
                ``2026-02-01T01:00:00.123Z``
epoch ms        ``1769907600000`` (12 to 14 digits)     milliseconds since 1970 UTC
==============  ======================================  ===============================

A cell in none of them is null with a problem; a cell in another form than the
column's most common one keeps its value and gets a problem naming both forms (the
column mixes forms). Columns whose cells are all local times never come here
(:func:`has_other_forms` is false): the plain local parser reads them.

Examples
--------
>>> import polars as pl
>>> from chattools.readers.timestamps import has_other_forms, read_timestamps
>>> cells = pl.Series("t", ["2026-02-01 10:00:00", "2026-02-01 11:00:00",
...                         "2026-02-01T01:00:00Z", "1769907600000", "soon", None])
>>> has_other_forms(cells), has_other_forms(cells.head(2))
(True, False)
>>> value, check = read_timestamps(pl.col("t"), "Asia/Seoul")
>>> out = cells.to_frame().select(value.alias("v"), check(value, pl.col("t")).alias("p"))
>>> out["v"].dt.strftime("%H:%M").to_list()
['10:00', '11:00', '10:00', '10:00', None, None]
>>> out["p"].to_list()[2:5]  # doctest: +NORMALIZE_WHITESPACE
['ISO-8601 in a column mostly in local form (the column mixes forms)',
 'epoch milliseconds in a column mostly in local form (the column mixes forms)',
 "not a time: expected local 'YYYY-MM-DD HH:MM:SS', ISO-8601 with Z or an offset, or epoch milliseconds"]
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from chattools.codecs import LOCAL_TIME, TIME_FORMS, Check

__all__ = ["FORMS", "has_other_forms", "read_timestamps"]

#: Form name → pattern of its text (:data:`chattools.codecs.TIME_FORMS`).
FORMS: dict[str, str] = TIME_FORMS
_LOCAL_LENGTH = len("2026-02-01 10:00:00")
#: The start of an ISO-8601 time, or epoch milliseconds: what a local column never holds.
_OTHER = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T|^[0-9]{12,14}$"
#: Python's datetime range, a day inside it so that every time zone can show the value.
PYTHON_RANGE = (datetime(1, 1, 2), datetime(9999, 12, 29, 23, 59, 59, 999999))


def has_other_forms(cells: pl.Series) -> bool:
    """Whether a text column holds an ISO-8601 or epoch-millisecond time.

    Cheap on genuine legacy columns: only cells not 19 bytes long are looked at.

    >>> has_other_forms(pl.Series(["2026-02-01 10:00:00", None, "soon"]))
    False
    """
    if cells.dtype != pl.String:
        return False
    odd = cells.filter(cells.str.len_bytes() != _LOCAL_LENGTH)
    return bool(odd.len() and odd.str.contains(_OTHER).any())


def read_timestamps(
    text: pl.Expr, timezone: str, *, bounds: tuple[datetime, datetime] = PYTHON_RANGE
) -> tuple[pl.Expr, Check]:
    """The times of a text column in any :data:`FORMS`, in ``timezone``, and their check.

    ``bounds`` (naive, inclusive–exclusive; local wall time for local text, UTC for the
    others) limit what is read; a time outside them is null with a problem. The local-time
    codec reads them (:meth:`chattools.codecs.LocalTime.parse_any_form`).
    """
    return LOCAL_TIME.parse_any_form(text, timezone, bounds=bounds)
