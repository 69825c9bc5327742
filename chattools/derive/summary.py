"""Aggregate per-chat metrics by period, hour×weekday, assignee, tag, medium, campaign.

Input: the frame :func:`chattools.chat_metrics` returns. Per group: the number of
chats; for each duration metric its ``_n`` (values present), ``_median``, ``_p90``
(linear interpolation, like numpy's default) and ``_mean``; for reply time the
**pooled** mean ``Σ total_reply_time / Σ reply_count`` (never a mean of per-chat
means) with ``reply_time_n`` = the number of reply samples; SLA attainment
(``<metric>_within_target``); unanswered, pending and bot-only chat counts.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta
>>> from chattools.derive.summary import summarize
>>> m = pl.DataFrame({
...     "createdAt": [datetime(2024, 3, 4, 10), datetime(2024, 3, 5, 10)],
...     "first_response_time": [timedelta(minutes=2), timedelta(minutes=10)],
...     "reply_count": [1, 3],
...     "total_reply_time": [timedelta(minutes=2), timedelta(minutes=30)],
...     "avg_reply_time": [timedelta(minutes=2), timedelta(minutes=10)],
... }).with_columns(pl.col("createdAt").dt.replace_time_zone("Asia/Seoul"))
>>> s = summarize(m, by="week", targets={"first_response_time": timedelta(minutes=5)})
>>> s.select("week", "chats", "reply_time_n", "reply_time_mean",
...          "first_response_time_within_target").rows()
[(datetime.date(2024, 3, 4), 2, 4, datetime.timedelta(seconds=480), 0.5)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Literal

import polars as pl

from chattools.errors import InvalidValueError, MissingColumnError

__all__ = ["PERIODS", "QUANTILE_METHOD", "SUMMARY_METRICS", "p90", "period_start", "summarize"]

#: chattools' one quantile definition: linear interpolation between the two nearest
#: values (numpy's default; Polars' own default is ``"nearest"``), for every ``_p90``
#: column and the report's "9 in 10 within" (docs/naming.md).
QUANTILE_METHOD: Literal["linear"] = "linear"


def p90(expr: pl.Expr) -> pl.Expr:
    """The 90th percentile of ``expr`` by :data:`QUANTILE_METHOD`.

    >>> pl.select(p90(pl.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]))).item()
    9.1
    """
    return expr.quantile(0.9, QUANTILE_METHOD)


Period = Literal["day", "week", "month", "hour_weekday"]
#: Special ``by`` keys computed from ``createdAt``.
PERIODS: dict[str, str] = {"day": "1d", "week": "1w", "month": "1mo"}


def period_start(at: pl.Expr, every: str) -> pl.Expr:
    """The first day of the period of ``every`` (a Polars interval: ``"1d"``, ``"1w"``,
    ``"1mo"``, …; weeks start on Monday) that holds ``at``, as a ``Date`` in ``at``'s
    time zone: chattools' one period bucketing (``summarize``, the 2026 summaries'
    ``period``, the charts).

    >>> from datetime import datetime
    >>> pl.select(period_start(pl.lit(datetime(2026, 3, 5, 23, 30)), "1w")).item()
    datetime.date(2026, 3, 2)
    """
    return at.dt.truncate(every).dt.date()


#: Duration metrics summarised (``reply_time`` is pooled from total and count).
SUMMARY_METRICS = (
    "first_response_time",
    "reply_time",
    "resolution_time",
    "customer_waiting_time",
    "team_waiting_time",
)


def _group_keys(frame: pl.LazyFrame, by: str | Sequence[str]) -> tuple[pl.LazyFrame, list[str]]:
    keys = [by] if isinstance(by, str) else list(by)
    names = frame.collect_schema().names()
    out: list[str] = []
    for key in keys:
        if key in PERIODS or key == "hour_weekday":
            if "createdAt" not in names:
                msg = f"by={key!r} needs a 'createdAt' column"
                raise MissingColumnError(msg, hint="pass the frame ct.chat_metrics returned.")
            t = pl.col("createdAt")
            if key == "hour_weekday":
                frame = frame.with_columns(
                    t.dt.weekday().alias("weekday"), t.dt.hour().alias("hour")
                )
                out += ["weekday", "hour"]
            else:
                frame = frame.with_columns(period_start(t, PERIODS[key]).alias(key))
                out.append(key)
        elif key == "tag":
            if "tags" not in names:
                msg = "by='tag' needs a 'tags' column"
                raise MissingColumnError(msg, hint="pass the frame ct.chat_metrics returned.")
            frame = frame.with_columns(pl.col("tags").alias("tag")).explode(
                "tag", empty_as_null=True, keep_nulls=True
            )
            out.append("tag")
        elif key in names:
            out.append(key)
        else:
            msg = f"unknown group key {key!r} in by={by!r}"
            raise MissingColumnError(
                msg,
                hint="use 'day', 'week', 'month', 'hour_weekday', 'tag' or a column name "
                f"such as {[n for n in names if n in ('assigneeId', 'contactMediumType', 'marketingId', 'state')]}.",
            )
    return frame, out


def _metric_aggs(names: list[str], suffix: str) -> list[pl.Expr]:
    aggs: list[pl.Expr] = []
    for metric in SUMMARY_METRICS:
        if metric == "reply_time":
            total, count, avg = (
                f"total_reply_time{suffix}",
                "reply_count",
                f"avg_reply_time{suffix}",
            )
            if not {total, count, avg} <= set(names):
                continue
            has = pl.col(total).is_not_null()
            n = pl.col(count).filter(has).sum()
            aggs += [
                n.cast(pl.Int64).alias(f"reply_time{suffix}_n"),
                pl.when(n > 0).then(pl.col(total).sum() / n).alias(f"reply_time{suffix}_mean"),
                pl.col(avg).median().alias(f"{avg}_median"),
                p90(pl.col(avg)).alias(f"{avg}_p90"),
            ]
            continue
        col = f"{metric}{suffix}"
        if col not in names:
            continue
        c = pl.col(col)
        aggs += [
            c.count().cast(pl.Int64).alias(f"{col}_n"),
            c.median().alias(f"{col}_median"),
            p90(c).alias(f"{col}_p90"),
            c.mean().alias(f"{col}_mean"),
        ]
    return aggs


def _target_aggs(
    targets: Mapping[str, timedelta] | None, names: list[str], suffix: str
) -> list[pl.Expr]:
    aggs: list[pl.Expr] = []
    for metric, target in (targets or {}).items():
        if not isinstance(target, timedelta):
            msg = f"targets[{metric!r}] must be a timedelta, got {target!r}"
            raise InvalidValueError(
                msg, hint="pass e.g. {'first_response_time': timedelta(minutes=5)}."
            )
        col = f"{metric}{suffix}"
        if col not in names:
            msg = f"targets has {metric!r}, but the metrics have no column {col!r}"
            raise MissingColumnError(
                msg, hint="use a duration column of ct.chat_metrics (with hours for business=True)."
            )
        c = pl.col(col)
        share = pl.when(c.count() > 0).then((c <= target).sum() / c.count())
        aggs.append(share.alias(f"{col}_within_target"))  # null, not NaN, without values
    return aggs


def summarize(
    metrics: pl.DataFrame | pl.LazyFrame,
    *,
    by: str | Sequence[str] = "week",
    targets: Mapping[str, timedelta] | None = None,
    business: bool = False,
) -> pl.DataFrame:
    """Summarise :func:`chattools.chat_metrics` per group.

    Parameters
    ----------
    metrics
        The per-chat metrics frame.
    by
        ``"day"``, ``"week"`` (Monday start), ``"month"`` — the period of ``createdAt``
        in the channel time zone —, ``"hour_weekday"`` (``weekday`` 1 = Monday,
        ``hour``), ``"tag"`` (one row per tag; a chat counts in each of its tags,
        untagged chats under null), a column name (``assigneeId``,
        ``contactMediumType``, ``marketingId``, …), or a list of those. ``[]``: one
        overall row.
    targets
        SLA targets per duration metric, e.g. ``{"first_response_time":
        timedelta(minutes=5)}``; adds ``<metric>_within_target``: the share of chats
        with a value that are within the target.
    business
        Use the ``*_business`` columns (``chat_metrics`` with ``hours``). The
        statistics keep the suffix (``first_response_time_business_median``,
        ``first_response_time_business_within_target``): a frame never holds
        business time under a calendar name (``docs/naming.md``, rule 4).

    Examples
    --------
    >>> from datetime import timedelta
    >>> import polars as pl
    >>> import chattools as ct
    >>> m = pl.DataFrame({"first_response_time": [timedelta(minutes=4), None],
    ...                   "first_response_time_business": [timedelta(minutes=1), None]})
    >>> ct.summarize(m, by=[], business=True).columns[:3]
    ['chats', 'first_response_time_business_n', 'first_response_time_business_median']
    """
    lf = metrics.lazy()
    names = lf.collect_schema().names()
    suffix = "_business" if business else ""
    if business and not any(n.endswith("_business") for n in names):
        msg = f"business={business!r}, but the metrics have no '*_business' columns"
        raise MissingColumnError(msg, hint="compute them with ct.chat_metrics(exp, hours=...).")
    lf, keys = _group_keys(lf, by)
    aggs = [pl.len().cast(pl.Int64).alias("chats")]
    aggs += _metric_aggs(names, suffix)
    aggs += _target_aggs(targets, names, suffix)
    for col, alias in (
        ("unanswered_tail", "unanswered"),
        ("pending_age_at_export", "pending"),
    ):
        if col in names:
            aggs.append(pl.col(col).is_not_null().sum().cast(pl.Int64).alias(alias))
    if "is_bot_only" in names:
        aggs.append(pl.col("is_bot_only").sum().cast(pl.Int64).alias("bot_only"))
    if not keys:
        return lf.select(aggs).collect()
    return lf.group_by(keys).agg(aggs).sort(keys, nulls_last=True).collect()
