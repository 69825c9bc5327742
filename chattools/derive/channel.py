"""Channel Talk's own metric columns, reproduced with Channel Talk's rules.

:func:`channel_metrics` recomputes the columns of a legacy chat row — what the
Channel Talk dashboard shows — from the messages, with the rules measured on real
exports (``docs/metrics.md``, ``docs/decisions.md``):

* the latest cycle only, replayed in file order with who-opened-the-cycle
  (:mod:`chattools.derive.channel_replay`);
* ``firstRepliedAtAfterOpen`` = the first sample's reply, ``waitingTime`` = the first
  sample, ``replyCount`` = the number of samples, ``totalReplyTime`` = their sum,
  ``avgReplyTime = floor(total / count)``; all four (five with the first reply) are
  **blank together** when there is no sample — never 0;
* whole seconds: durations are truncated, averages floored;
* ``resolutionTime = closedAt − openedAt`` for closed chats;
* with ``hours``, the ``operation*`` twins are **not business seconds**: each is the
  plain value kept when both of its endpoints are inside operating hours in the same
  block (:mod:`chattools.derive.channel_hours`), blank otherwise —
  ``operationWaitingTime`` for the first sample, ``operationResolutionTime`` for
  ``(openedAt, closedAt)``, ``operationReplyCount`` / ``operationTotalReplyTime`` the
  count and sum of the samples in a block (blank if none), and
  ``operationAvgReplyTime = floor(total / count)``.

For true business-time durations (what an analyst wants for hold and waiting time) use
:func:`chattools.chat_metrics`, whose ``*_business`` columns measure open time.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> import chattools as ct
>>> tz = "Asia/Seoul"
>>> t = lambda h, m: datetime(2022, 7, 4, h, m)  # a Monday
>>> chats = pl.DataFrame({"id": ["c1", "c2"], "state": ["closed", "closed"],
...     "openedAt": [t(11, 50), t(10, 0)], "closedAt": [t(13, 10), t(10, 30)]}
...     ).with_columns(pl.col("openedAt", "closedAt").dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1", "c1", "c1", "c1", "c2"],
...     "personType": ["user", "manager", "user", "manager", "user"],
...     "createdAt": [t(11, 50), t(12, 20), t(12, 21), t(13, 5), t(10, 0)]}
...     ).with_columns(pl.col("createdAt").dt.replace_time_zone(tz),
...                    pl.int_range(5).alias("_row"))
>>> hours = ct.OperatingHours.weekly({"mon-fri": ["09:00-12:00", "13:00-17:30"]}, timezone=tz)
>>> m = ct.channel_metrics(ct.Export({"chats": chats, "messages": msgs}), hours=hours)
>>> m.select("id", "waitingTime", "replyCount", "totalReplyTime").rows()
[('c1', datetime.timedelta(seconds=1800), 2, datetime.timedelta(seconds=4440)),
 ('c2', None, None, None)]
>>> m.select("operationWaitingTime", "operationReplyCount", "operationResolutionTime").row(0)
(None, None, datetime.timedelta(seconds=4800))

Chat ``c1``'s first reply lands in lunch: ``operationWaitingTime`` is blank, and so is
every sample (each has an end in lunch); the chat itself ran from 11:50 to 13:10, two
in-hours endpoints of one day, so ``operationResolutionTime`` keeps the plain 80
minutes. Chat ``c2`` was never answered: its reply columns are blank, not 0.
"""

from __future__ import annotations

from typing import Literal, overload

import polars as pl

from chattools import schema
from chattools.derive.channel_hours import same_block
from chattools.derive.channel_replay import replay
from chattools.derive.collect import collect
from chattools.derive.hours import OperatingHours
from chattools.derive.infer_hours import HoursArg, resolve_hours
from chattools.errors import InvalidValueError
from chattools.export import Export

__all__ = ["CALENDAR_COLUMNS", "OPERATION_COLUMNS", "channel_metrics", "floor_mean"]

#: The calendar columns :func:`channel_metrics` reproduces, in the export's order.
CALENDAR_COLUMNS = (
    "firstRepliedAtAfterOpen",
    "waitingTime",
    "avgReplyTime",
    "totalReplyTime",
    "replyCount",
    "resolutionTime",
)
#: The ``operation*`` columns it adds with operating hours.
OPERATION_COLUMNS = (
    "operationWaitingTime",
    "operationAvgReplyTime",
    "operationTotalReplyTime",
    "operationReplyCount",
    "operationResolutionTime",
)
_SECOND = 1_000_000


def _whole_seconds(expr: pl.Expr) -> pl.Expr:
    """A duration truncated to whole seconds (Channel Talk's resolution)."""
    us = expr.dt.total_microseconds()
    return (us // _SECOND * _SECOND).cast(pl.Duration(schema.TIME_UNIT))


def floor_mean(total: pl.Expr, count: pl.Expr) -> pl.Expr:
    """``floor(total / count)`` in whole seconds, as a Duration (Channel Talk's average)."""
    us = total.dt.total_microseconds() // (count * _SECOND) * _SECOND
    return us.cast(pl.Duration(schema.TIME_UNIT))


def _operating_hours(hours: object) -> OperatingHours:
    if isinstance(hours, OperatingHours):
        return hours
    msg = f"Channel Talk's operation* columns need an OperatingHours calendar, got {hours!r}"
    raise InvalidValueError(msg, hint='pass hours=ct.OperatingHours.weekly(...) or hours="infer".')


def channel_plan(exp: Export, hours: OperatingHours | None = None) -> pl.LazyFrame:
    """The plan behind :func:`channel_metrics` (hours already resolved)."""
    samples, opened = replay(exp)
    in_block = (
        same_block(hours, "customer_at", "replied_at") if hours is not None else pl.lit(False)
    )
    first = pl.col("sample") == 1
    stats = (
        samples.with_columns(in_block.alias("__in_block"))
        .group_by("chat_id")
        .agg(
            pl.len().cast(pl.Int64).alias("__count"),
            pl.col("reply_time").sum().alias("__total"),
            pl.col("customer_at").filter(first).first().alias("__first_customer_at"),
            pl.col("replied_at").filter(first).first().alias("__first_replied_at"),
            pl.col("__in_block").filter(first).first().alias("__first_in_block"),
            pl.col("__in_block").sum().cast(pl.Int64).alias("__op_count"),
            pl.col("reply_time").filter(pl.col("__in_block")).sum().alias("__op_total"),
        )
        .rename({"chat_id": "id"})
    )
    base = (
        exp.lazy("chats")
        .select("id", "state", "openedAt", "closedAt")
        .join(stats, on="id", how="left", maintain_order="left")
        .join(opened, on="id", how="left", maintain_order="left")
    )
    closed = (pl.col("state") == "closed") & pl.col("closedAt").is_not_null()
    opened_at = pl.col("openedAt").is_not_null()
    total = _whole_seconds(pl.col("__total"))
    out = base.with_columns(
        # whole seconds, as Channel Talk writes its timestamps (docs/metrics.md, C9)
        pl.col("__first_replied_at").dt.truncate("1s").alias("firstRepliedAtAfterOpen"),
        _whole_seconds(pl.col("__first_replied_at") - pl.col("__first_customer_at")).alias(
            "waitingTime"
        ),
        floor_mean(total, pl.col("__count")).alias("avgReplyTime"),
        total.alias("totalReplyTime"),
        pl.col("__count").alias("replyCount"),
        pl.when(closed & opened_at)
        .then(_whole_seconds(pl.col("closedAt") - pl.col("openedAt")))
        .alias("resolutionTime"),
    )
    cols: list[str] = list(CALENDAR_COLUMNS)
    if hours is not None:
        op_total = _whole_seconds(pl.col("__op_total"))
        has_op = pl.col("__op_count") > 0
        out = out.with_columns(
            pl.when(pl.col("__first_in_block"))
            .then(pl.col("waitingTime"))
            .alias("operationWaitingTime"),
            pl.when(has_op)
            .then(floor_mean(op_total, pl.col("__op_count")))
            .alias("operationAvgReplyTime"),
            pl.when(has_op).then(op_total).alias("operationTotalReplyTime"),
            pl.when(has_op).then(pl.col("__op_count")).alias("operationReplyCount"),
            pl.when(same_block(hours, "openedAt", "closedAt"))
            .then(pl.col("resolutionTime"))
            .alias("operationResolutionTime"),
        )
        cols += OPERATION_COLUMNS
    return out.select("id", *cols, "opened_by", "first_wait_at")


@overload
def channel_metrics(
    exp: Export, hours: HoursArg = ..., *, lazy: Literal[False] = ...
) -> pl.DataFrame: ...
@overload
def channel_metrics(exp: Export, hours: HoursArg = ..., *, lazy: Literal[True]) -> pl.LazyFrame: ...
def channel_metrics(
    exp: Export, hours: HoursArg = None, *, lazy: bool = False
) -> pl.DataFrame | pl.LazyFrame:
    """Channel Talk's metric columns recomputed from the messages with its own rules.

    Parameters
    ----------
    exp
        An export with chat rows and messages (legacy or 2026).
    hours
        The channel's operating hours (:class:`~chattools.OperatingHours`), ``"infer"``
        to infer them from the exported ``operation*`` columns
        (:func:`chattools.infer_operating_hours`), or ``None`` for the calendar columns
        only.
    lazy
        Return the ``LazyFrame`` plan instead of collecting it.

    Returns
    -------
    One row per chat of ``exp.chats``: ``id``, ``firstRepliedAtAfterOpen``,
    ``waitingTime``, ``avgReplyTime``, ``totalReplyTime``, ``replyCount``,
    ``resolutionTime`` (typed like the exported columns), with ``hours`` also
    ``operationWaitingTime``, ``operationAvgReplyTime``, ``operationTotalReplyTime``,
    ``operationReplyCount``, ``operationResolutionTime``; and ``opened_by``
    (``"customer"``/``"team"``: who opened the latest cycle, by Channel Talk's rule).
    The rules are in the module docstring; blank means what it means in the export.
    """
    resolved = resolve_hours(exp, hours)
    plan = channel_plan(exp, None if resolved is None else _operating_hours(resolved))
    return plan if lazy else collect(plan, exp)
