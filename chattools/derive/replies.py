"""Reply samples: one per team run that answers a customer run.

A sample starts at the **first** message of a customer run and ends at the first
message of the team run that follows it (Channel Talk's ``replyCount`` /
``totalReplyTime``; Zendesk's "reply time" counts the same thing per public agent
comment). Bots and internal notes never answer (they form no runs, see
:mod:`chattools.derive.runs`). The first response is a sample too.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools import Export
>>> from chattools.derive.replies import reply_samples
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2024, 3, 4, 10, m)
>>> chats = pl.DataFrame({"id": ["c1"], "state": ["opened"], "openedAt": [t(0)],
...                       "closedAt": [None]}, schema_overrides={"closedAt": pl.Datetime}
...                      ).with_columns(pl.col("openedAt", "closedAt").dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1"] * 5,
...                      "personType": ["user", "user", "manager", "user", "manager"],
...                      "createdAt": [t(0), t(1), t(4), t(10), t(12)]}).with_columns(
...     pl.col("createdAt").dt.replace_time_zone(tz), pl.int_range(5).alias("_row"))
>>> reply_samples(Export({"chats": chats, "messages": msgs}))["reply_time"].to_list()
[datetime.timedelta(seconds=240), datetime.timedelta(seconds=120)]
"""

from __future__ import annotations

from typing import Literal, overload

import polars as pl

from chattools.derive.collect import collect
from chattools.derive.runs import CYCLE_LATEST, HoursLike, block_number, check_hours, runs_lazy
from chattools.export import Export

__all__ = ["reply_samples", "reply_stats", "samples_lazy"]


def samples_lazy(runs: pl.LazyFrame, hours: HoursLike | None = None) -> pl.LazyFrame:
    """Reply samples from a runs plan (see :func:`reply_samples` for the columns)."""
    out = runs.filter((pl.col("side") == "customer") & pl.col("next_start").is_not_null()).select(
        "chat_id",
        "cycle",
        block_number("chat_id", "cycle").alias("sample"),
        pl.col("start").alias("customer_at"),
        pl.col("next_start").alias("replied_at"),
        (pl.col("next_start") - pl.col("start")).alias("reply_time"),
    )
    if hours is not None:
        out = out.with_columns(
            hours.business_duration("customer_at", "replied_at").alias("reply_time_business")
        )
    return out


def reply_stats(samples: pl.LazyFrame, *, business: bool = False) -> pl.LazyFrame:
    """Per chat, over the latest cycle: count, total and first sample of the replies.

    Columns: ``chat_id``, ``reply_count``, ``total_reply_time``, ``first_customer_at``,
    ``first_replied_at`` (and ``total_reply_time_business`` when ``business``). Chats
    without a sample have no row.
    """
    aggs = [
        pl.len().cast(pl.Int64).alias("reply_count"),
        pl.col("reply_time").sum().alias("total_reply_time"),
        pl.col("customer_at").min().alias("first_customer_at"),
        pl.col("replied_at").min().alias("first_replied_at"),
    ]
    if business:
        aggs.append(pl.col("reply_time_business").sum().alias("total_reply_time_business"))
    return samples.filter(pl.col("cycle") == CYCLE_LATEST).group_by("chat_id").agg(aggs)


@overload
def reply_samples(
    exp: Export, hours: HoursLike | None = ..., *, lazy: Literal[False] = ...
) -> pl.DataFrame: ...
@overload
def reply_samples(
    exp: Export, hours: HoursLike | None = ..., *, lazy: Literal[True]
) -> pl.LazyFrame: ...
@overload
def reply_samples(
    exp: Export, hours: HoursLike | None = ..., *, lazy: bool
) -> pl.DataFrame | pl.LazyFrame: ...
def reply_samples(
    exp: Export, hours: HoursLike | None = None, *, lazy: bool = False
) -> pl.DataFrame | pl.LazyFrame:
    """One row per reply sample, in every known cycle.

    Columns: ``chat_id``, ``cycle``, ``sample`` (1-based within chat and cycle),
    ``customer_at`` (first message of the customer run), ``replied_at`` (first team
    message after it), ``reply_time`` and, with ``hours``, ``reply_time_business``.
    """
    plan = samples_lazy(runs_lazy(exp), check_hours(hours))
    return plan if lazy else collect(plan, exp)
