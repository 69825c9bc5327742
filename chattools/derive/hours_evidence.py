"""What an export's ``operation*`` columns say about the channel's operating hours.

Channel Talk keeps an ``operation*`` value when both of its endpoints are inside
operating hours in one block and blanks it otherwise
(:mod:`chattools.derive.channel_hours`). Two such values can be checked against
exported timestamps alone, so each gives a **pair** of instants and whether the value
is present:

* ``operationResolutionTime``: ``(openedAt, closedAt)`` of a closed chat;
* ``operationWaitingTime``: ``(firstRepliedAtAfterOpen − waitingTime,
  firstRepliedAtAfterOpen)``. The start is exact to the second except when it falls on
  ``:00`` seconds (truncation may put the true start in the previous minute): such a
  start is marked inexact and never used as an observation.

A present value makes both endpoints **open** observations. A blank value says that
at least one endpoint is closed (or that they lie on different days): when the pair
lies within one calendar date, at most :data:`MAX_SPAN` apart, on a date the channel
was seen open, and one endpoint is surely open, the other one is a **closed**
observation. :func:`closed_observations` applies that with a caller's idea of "surely
open", so the inference can refine it.

Examples
--------
>>> import chattools as ct
>>> from chattools.derive.hours_evidence import observation_pairs
>>> exp = ct.sample.generate(60, seed=3).export()
>>> pairs = observation_pairs(exp)
>>> sorted(pairs["kind"].unique().to_list()), pairs["present"].dtype
(['resolution', 'waiting'], Boolean)
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from chattools.errors import MissingColumnError
from chattools.export import Export

__all__ = ["MAX_SPAN", "PAIR_COLUMNS", "closed_observations", "endpoints", "observation_pairs"]

#: Longest blank pair read as "one endpoint is closed" (longer waits say little).
MAX_SPAN = timedelta(hours=6)

#: Exported columns each kind of pair needs.
PAIR_COLUMNS = {
    "resolution": ("openedAt", "closedAt", "resolutionTime", "operationResolutionTime"),
    "waiting": ("firstRepliedAtAfterOpen", "waitingTime", "operationWaitingTime"),
}


def observation_pairs(exp: Export) -> pl.DataFrame:
    """One row per checkable ``operation*`` value: ``chat_id``, ``kind``, ``a``, ``b``,
    ``present``, ``a_exact``.

    Raises :class:`~chattools.errors.MissingColumnError` when the chats carry neither
    ``operationResolutionTime`` nor ``operationWaitingTime`` with their inputs.
    """
    chats = exp.lazy("chats")
    names = set(chats.collect_schema().names())
    kinds = [k for k, cols in PAIR_COLUMNS.items() if set(cols) <= names]
    if not kinds:
        wanted = sorted({c for cols in PAIR_COLUMNS.values() for c in cols} - names)
        msg = f"inferring operating hours needs the exported operation* columns; missing {wanted}"
        raise MissingColumnError(
            msg,
            hint="use a legacy chat export with its metric columns, or pass "
            "hours=ct.OperatingHours.weekly(...) yourself.",
        )
    parts = []
    if "resolution" in kinds:
        parts.append(
            chats.filter(
                pl.col("resolutionTime").is_not_null()
                & pl.col("openedAt").is_not_null()
                & pl.col("closedAt").is_not_null()
            ).select(
                pl.col("id").alias("chat_id"),
                pl.lit("resolution").alias("kind"),
                pl.col("openedAt").alias("a"),
                pl.col("closedAt").alias("b"),
                pl.col("operationResolutionTime").is_not_null().alias("present"),
                pl.lit(True).alias("a_exact"),
            )
        )
    if "waiting" in kinds:
        start = pl.col("firstRepliedAtAfterOpen") - pl.col("waitingTime")
        parts.append(
            chats.filter(
                pl.col("waitingTime").is_not_null()
                & pl.col("firstRepliedAtAfterOpen").is_not_null()
            ).select(
                pl.col("id").alias("chat_id"),
                pl.lit("waiting").alias("kind"),
                start.alias("a"),
                pl.col("firstRepliedAtAfterOpen").alias("b"),
                pl.col("operationWaitingTime").is_not_null().alias("present"),
                (start.dt.second() != 0).alias("a_exact"),
            )
        )
    return pl.concat(parts).collect()


def endpoints(pairs: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Pairs with each endpoint's local ``*_date``, ``*_weekday`` (0 = Monday) and
    ``*_minute`` (of the day), the pair's ``pair`` number, ``same_date`` and ``short``.
    """
    cols = []
    for end in ("a", "b"):
        local = pl.col(end).dt.convert_time_zone(timezone)
        cols += [
            local.dt.date().alias(f"{end}_date"),
            (local.dt.weekday() - 1).cast(pl.Int8).alias(f"{end}_weekday"),
            (local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute()).alias(f"{end}_minute"),
        ]
    return (
        pairs.with_row_index("pair")
        .with_columns(cols)
        .with_columns(
            (pl.col("a_date") == pl.col("b_date")).alias("same_date"),
            ((pl.col("b") - pl.col("a")) <= MAX_SPAN).alias("short"),
        )
    )


def closed_observations(
    pairs: pl.DataFrame, a_open: pl.Series, b_open: pl.Series, open_dates: pl.Series
) -> pl.DataFrame:
    """Endpoints of blank pairs read as closed, given which endpoints are surely open.

    A blank pair within one date, at most :data:`MAX_SPAN` long, on a date in
    ``open_dates``, with exactly one endpoint surely open, makes the other endpoint a
    closed observation. Columns: ``chat_id``, ``time``, ``date``, ``weekday``, ``minute``.
    """
    usable = (
        ~pairs["present"]
        & pairs["same_date"]
        & pairs["short"]
        & pairs["a_date"].is_in(open_dates.implode())
    )
    out = []
    for end, other_open, own_open in (("a", b_open, a_open), ("b", a_open, b_open)):
        keep = usable & other_open & ~own_open
        if end == "a":
            keep = keep & pairs["a_exact"]
        out.append(
            pairs.filter(keep).select(
                "chat_id",
                pl.col(end).alias("time"),
                pl.col(f"{end}_date").alias("date"),
                pl.col(f"{end}_weekday").alias("weekday"),
                pl.col(f"{end}_minute").alias("minute"),
            )
        )
    return pl.concat(out)
