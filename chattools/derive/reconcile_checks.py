"""The comparisons :func:`chattools.reconcile` makes, and the per-chat frame they read.

Each comparison is ``(metric, basis, kind)``: which exported column, what the
recomputation reads (:data:`BASES`), and how Channel Talk's truncation bounds a match
(:func:`window`). :func:`wide_frame` lays out, per chat, the exported values (``x|…``),
the recomputed ones (``r|…``, :func:`chattools.derive.channel.channel_plan`) and the
context the reasons need (messages at the exported first reply, the exported wait's
start).

Examples
--------
>>> import polars as pl
>>> diff = pl.Series([0.0, 1.0, 2.0, -1.0])
>>> pl.select(window("duration", pl.lit(diff), 1.0, pl.lit(1))).to_series().to_list()
[True, True, False, False]
>>> pl.select(window("total", pl.lit(diff), 1.0, pl.lit(2))).to_series().to_list()
[True, True, True, True]
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from chattools import schema
from chattools.codecs import codec_of_dtype
from chattools.derive.channel import channel_plan, floor_mean
from chattools.derive.channel_hours import same_block
from chattools.derive.collect import collect
from chattools.derive.hours import OperatingHours
from chattools.derive.reconcile_reasons import message_flags
from chattools.export import Export

__all__ = [
    "BASES",
    "COMPARISONS",
    "FIRST_REPLY",
    "MESSAGES",
    "TIMESTAMPS",
    "TOTAL_COUNT",
    "TWINS",
    "Kind",
    "as_number",
    "as_text",
    "ok_column",
    "recomputed",
    "wide_frame",
    "window",
]

MESSAGES, TIMESTAMPS = "messages", "exported timestamps"
FIRST_REPLY, TOTAL_COUNT = "exported first reply", "exported total and count"
#: What a recomputation reads, in report order.
BASES = (MESSAGES, TIMESTAMPS, FIRST_REPLY, TOTAL_COUNT)

Kind = Literal["time", "duration", "total", "mean", "count", "exact"]
#: ``(metric, basis, kind)`` of every comparison, in report order (operation* with hours).
COMPARISONS: tuple[tuple[str, str, Kind], ...] = (
    ("firstRepliedAtAfterOpen", MESSAGES, "time"),
    ("waitingTime", MESSAGES, "duration"),
    ("waitingTime", FIRST_REPLY, "duration"),
    ("replyCount", MESSAGES, "count"),
    ("totalReplyTime", MESSAGES, "total"),
    ("avgReplyTime", MESSAGES, "mean"),
    ("avgReplyTime", TOTAL_COUNT, "exact"),
    ("resolutionTime", TIMESTAMPS, "duration"),
    ("operationWaitingTime", MESSAGES, "duration"),
    ("operationWaitingTime", TIMESTAMPS, "exact"),
    ("operationReplyCount", MESSAGES, "count"),
    ("operationTotalReplyTime", MESSAGES, "total"),
    ("operationAvgReplyTime", MESSAGES, "mean"),
    ("operationAvgReplyTime", TOTAL_COUNT, "exact"),
    ("operationResolutionTime", TIMESTAMPS, "duration"),
)
#: The plain checks an ``operation*`` check relies on: if they match, hours are to blame.
TWINS = {
    ("operationWaitingTime", MESSAGES): [("firstRepliedAtAfterOpen", MESSAGES), ("waitingTime", MESSAGES)],
    ("operationWaitingTime", TIMESTAMPS): [],
    ("operationReplyCount", MESSAGES): [("firstRepliedAtAfterOpen", MESSAGES), ("replyCount", MESSAGES), ("totalReplyTime", MESSAGES)],
    ("operationTotalReplyTime", MESSAGES): [("firstRepliedAtAfterOpen", MESSAGES), ("replyCount", MESSAGES), ("totalReplyTime", MESSAGES)],
    ("operationAvgReplyTime", MESSAGES): [("firstRepliedAtAfterOpen", MESSAGES), ("replyCount", MESSAGES), ("totalReplyTime", MESSAGES)],
    ("operationResolutionTime", TIMESTAMPS): [("resolutionTime", TIMESTAMPS)],
}  # fmt: skip
#: The exported total and count an average is checked against.
_TOTAL_COUNT = {
    "avgReplyTime": ("totalReplyTime", "replyCount"),
    "operationAvgReplyTime": ("operationTotalReplyTime", "operationReplyCount"),
}
_SECOND = 1_000_000


def ok_column(metric: str, basis: str) -> str:
    """The name of the match column of one comparison in the wide frame."""
    return f"__ok|{metric}|{basis}"


def as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Values as Channel Talk writes them (``"1h 2m 3s"``, ``YYYY-MM-DD HH:MM:SS``).

    The codec of ``dtype`` formats them (:func:`chattools.codecs.codec_of_dtype`), a time
    as the wall time of its own zone.
    """
    return codec_of_dtype(dtype).format_text(expr, dtype, None)


def as_number(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Seconds for durations and times (epoch), the value itself for counts."""
    if isinstance(dtype, pl.Duration):
        return expr.dt.total_microseconds().cast(pl.Float64) / 1e6
    if isinstance(dtype, pl.Datetime):
        return expr.dt.epoch("us").cast(pl.Float64) / 1e6
    return expr.cast(pl.Float64)


def window(kind: Kind, diff: pl.Expr, tol: float, count: pl.Expr) -> pl.Expr:
    """Whether ``diff = recomputed − exported`` is within Channel Talk's truncation."""
    if kind == "duration":
        return (diff >= 0) & (diff <= tol)
    if kind == "total":
        c = count.fill_null(1).cast(pl.Float64).clip(lower_bound=1)
        return (diff >= -(c - 1) * tol) & (diff <= c * tol)
    if kind in ("time", "mean"):
        return diff.abs() <= tol
    return diff == 0


def recomputed(metric: str, basis: str, hours: OperatingHours | None) -> pl.Expr:
    """The recomputed value of one comparison over the wide frame."""
    x = pl.col
    if basis == FIRST_REPLY:  # the exported first reply minus the replay's wait start
        wait = x("x|firstRepliedAtAfterOpen") - x("first_wait_at")
        us = wait.dt.total_microseconds() // _SECOND * _SECOND
        return us.cast(pl.Duration(schema.TIME_UNIT))
    if basis == TOTAL_COUNT:
        total, count = _TOTAL_COUNT[metric]
        return pl.when(x(f"x|{count}") > 0).then(floor_mean(x(f"x|{total}"), x(f"x|{count}")))
    if metric == "operationWaitingTime" and basis == TIMESTAMPS:
        assert hours is not None
        reply, wait = x("x|firstRepliedAtAfterOpen"), x("x|waitingTime")
        return pl.when(same_block(hours, reply - wait, reply)).then(wait)
    return x(f"r|{metric}")


def wide_frame(exp: Export, hours: OperatingHours | None, metrics: list[str]) -> pl.LazyFrame:
    """Per chat: exported (``x|…``) and recomputed (``r|…``) values, and the context."""
    recomputed = channel_plan(exp, hours)
    exported = exp.lazy("chats").select(
        "id", "openedAt", *[pl.col(m).alias(f"x|{m}") for m in metrics]
    )
    # the flags are looked up at the exported first reply, the exported wait's start and
    # 1 s before it: grouped at those times only (a few per chat, not every message), and
    # collected once for the three joins that read them
    first, wait = pl.col("firstRepliedAtAfterOpen"), pl.col("waitingTime")
    looked_up = pl.concat(
        exp.lazy("chats").select(pl.col("id").alias("chatId"), at.alias("createdAt"))
        for at in (first, first - wait, first - wait - pl.duration(seconds=1))
    ).drop_nulls()
    flags = collect(message_flags(exp, at=looked_up), exp).lazy()
    at_x = flags.rename(
        {"chatId": "id", "createdAt": "x|firstRepliedAtAfterOpen", "__any": "at_x_any",
         "__team": "at_x_team", "__note": "at_x_note", "__user": "at_x_user"}
    )  # fmt: skip
    recomputed_cols = [pl.col(m).alias(f"r|{m}") for m in metrics]
    wide = (
        exported.join(
            recomputed.select("id", "opened_by", "first_wait_at", *recomputed_cols),
            on="id",
            how="left",
            maintain_order="left",
        )
        .join(at_x, on=["id", "x|firstRepliedAtAfterOpen"], how="left", maintain_order="left")
        .with_columns(
            (pl.col("x|firstRepliedAtAfterOpen") - pl.col("x|waitingTime")).alias("__start")
        )
    )
    # the exported wait's start is "seen" at openedAt or at a message (or 1 s later:
    # truncation), e.g. a customer message missing from the sheet leaves it unseen
    times = flags.select(pl.col("chatId").alias("id"), pl.col("createdAt").alias("__start"))
    near = times.with_columns(pl.col("__start") + pl.duration(seconds=1))  # unique, as times
    start_seen = (
        pl.col("__at").fill_null(False)
        | pl.col("__near").fill_null(False)
        | ((pl.col("__start") - pl.col("openedAt")).dt.total_seconds().abs() <= 1).fill_null(False)
    )
    return (
        wide.join(times.with_columns(pl.lit(True).alias("__at")), on=["id", "__start"],
                  how="left", maintain_order="left")
        .join(near.with_columns(pl.lit(True).alias("__near")), on=["id", "__start"],
              how="left", maintain_order="left")
        .with_columns(start_seen.alias("start_seen"))
    )  # fmt: skip
