"""Recompute Channel Talk's exported metrics from the messages and compare.

Channel Talk's rules (measured on real exports, ``shared/export-format.md``) applied
to the runs of the latest cycle (:mod:`chattools.derive.runs`):

* ``replyCount`` = number of reply samples (0 if none); ``totalReplyTime`` = their
  sum and ``avgReplyTime`` = ``total // count`` in whole seconds (null without samples);
* ``firstRepliedAtAfterOpen`` = the first sample's team message,
  ``waitingTime`` = that minus ``openedAt``;
* ``resolutionTime`` = ``closedAt − openedAt`` for closed chats;
* ``openedAt`` null → every metric null (``replyCount`` too);
* ``operation*`` (with ``hours``): null when ``openedAt`` is outside operating hours,
  otherwise the same quantities in business time, ``operationReplyCount = replyCount``.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta
>>> import chattools as ct
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2024, 3, 4, 10, m)
>>> chats = pl.DataFrame({"id": ["c1"], "state": ["closed"], "openedAt": [t(0)],
...     "closedAt": [t(30)], "firstRepliedAtAfterOpen": [t(5)], "replyCount": [1],
...     "waitingTime": [timedelta(minutes=5)], "totalReplyTime": [timedelta(minutes=5)],
...     "avgReplyTime": [timedelta(minutes=4)], "resolutionTime": [timedelta(minutes=30)]}
...     ).with_columns(pl.col("openedAt", "closedAt", "firstRepliedAtAfterOpen"
...                          ).dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1", "c1"], "personType": ["user", "manager"],
...     "createdAt": [t(0), t(5)], "_row": [1, 2]}).with_columns(
...     pl.col("createdAt").dt.replace_time_zone(tz))
>>> rec = ct.reconcile(ct.Export({"chats": chats, "messages": msgs}))
>>> rec.summary.filter(pl.col("share") < 1).select("metric", "matching").rows()
[('avgReplyTime', 0)]
>>> rec.mismatches.select("chat_id", "exported", "recomputed", "difference").rows()
[('c1', '0h 4m 0s', '0h 5m 0s', 60.0)]
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from chattools import schema
from chattools.derive.replies import reply_stats, samples_lazy
from chattools.derive.runs import HoursLike, check_hours, runs_lazy
from chattools.errors import InvalidValueError, MissingColumnError, MissingSheetError
from chattools.export import Export

__all__ = ["CALENDAR_METRICS", "OPERATION_METRICS", "Reconciliation", "ct_metrics", "reconcile"]

#: Exported columns recomputed without operating hours, in report order.
CALENDAR_METRICS = (
    "waitingTime",
    "replyCount",
    "totalReplyTime",
    "avgReplyTime",
    "resolutionTime",
    "firstRepliedAtAfterOpen",
)
#: The ``operation*`` twins recomputed with operating hours.
OPERATION_METRICS = (
    "operationWaitingTime",
    "operationReplyCount",
    "operationTotalReplyTime",
    "operationAvgReplyTime",
    "operationResolutionTime",
)
_COUNTS = ("replyCount", "operationReplyCount")


def _floor_mean(total: pl.Expr, count: pl.Expr) -> pl.Expr:
    """``total // count`` in whole seconds, as a Duration (Channel Talk's average)."""
    us = total.dt.total_microseconds() // (count * 1_000_000) * 1_000_000
    return us.cast(pl.Duration(schema.TIME_UNIT))


def ct_metrics(exp: Export, hours: HoursLike | None = None) -> pl.LazyFrame:
    """Channel Talk's metric columns recomputed from the messages (a ``LazyFrame``).

    Columns: ``id`` and :data:`CALENDAR_METRICS` (plus :data:`OPERATION_METRICS`
    with ``hours``), typed like the exported columns.
    """
    hrs = check_hours(hours)
    stats = reply_stats(samples_lazy(runs_lazy(exp), hrs), business=hrs is not None)
    base = (
        exp.lazy("chats")
        .select("id", "state", "openedAt", "closedAt")
        .join(stats.rename({"chat_id": "id"}), on="id", how="left", maintain_order="left")
    )
    opened = pl.col("openedAt").is_not_null()
    closed = (pl.col("state") == "closed") & pl.col("closedAt").is_not_null()
    count = pl.col("reply_count")
    out = base.with_columns(
        pl.col("first_replied_at").alias("firstRepliedAtAfterOpen"),
        (pl.col("first_replied_at") - pl.col("openedAt")).alias("waitingTime"),
        pl.when(opened).then(count.fill_null(0)).alias("replyCount"),
        pl.col("total_reply_time").alias("totalReplyTime"),
        _floor_mean(pl.col("total_reply_time"), count).alias("avgReplyTime"),
        pl.when(closed).then(pl.col("closedAt") - pl.col("openedAt")).alias("resolutionTime"),
    )
    cols: list[str] = list(CALENDAR_METRICS)
    if hrs is not None:
        in_hours = hrs.is_open("openedAt").fill_null(False)
        total_b = pl.col("total_reply_time_business")
        out = out.with_columns(
            pl.when(in_hours)
            .then(hrs.business_duration("openedAt", "first_replied_at"))
            .alias("operationWaitingTime"),
            pl.when(in_hours).then(pl.col("replyCount")).alias("operationReplyCount"),
            pl.when(in_hours).then(total_b).alias("operationTotalReplyTime"),
            pl.when(in_hours).then(_floor_mean(total_b, count)).alias("operationAvgReplyTime"),
            pl.when(in_hours & closed)
            .then(hrs.business_duration("openedAt", "closedAt"))
            .alias("operationResolutionTime"),
        )
        cols += OPERATION_METRICS
    return out.select("id", *cols)


def _as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Values as Channel Talk writes them (``"1h 2m 3s"``, ``YYYY-MM-DD HH:MM:SS``)."""
    if isinstance(dtype, pl.Duration):
        s = expr.dt.total_seconds()
        return pl.format("{}h {}m {}s", s // 3600, s % 3600 // 60, s % 60)
    if isinstance(dtype, pl.Datetime):
        return expr.dt.strftime(schema.LOCAL_DATETIME_FORMAT)
    return expr.cast(pl.String)


def _as_number(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Seconds for durations and times (epoch), the value itself for counts."""
    if isinstance(dtype, pl.Duration):
        return expr.dt.total_microseconds().cast(pl.Float64) / 1e6
    if isinstance(dtype, pl.Datetime):
        return expr.dt.epoch("us").cast(pl.Float64) / 1e6
    return expr.cast(pl.Float64)


@dataclass(frozen=True)
class Reconciliation:
    """Exported vs recomputed metrics.

    ``summary``: one row per metric — ``compared`` (chats), ``matching`` (within
    the tolerance; both null is a match, one null a mismatch), ``share``,
    ``exported_null``, ``recomputed_null``. ``mismatches``: ``chat_id``, ``metric``,
    ``exported`` and ``recomputed`` (as Channel Talk writes them) and ``difference``
    (recomputed − exported: seconds for durations and times, a count for counts).
    """

    summary: pl.DataFrame
    mismatches: pl.DataFrame
    tolerance: timedelta

    @property
    def all_match(self) -> bool:
        """Whether every compared value matched."""
        return self.mismatches.height == 0

    def __repr__(self) -> str:
        total = int(self.summary["compared"].sum()) if self.summary.height else 0
        return (
            f"<Reconciliation metrics={self.summary.height} values={total} "
            f"mismatches={self.mismatches.height} tolerance={self.tolerance}>"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Reconciliation</b> — tolerance {html.escape(str(self.tolerance))}, "
            f"{self.mismatches.height} mismatching values</p>"
        )
        parts = [head, self.summary._repr_html_()]
        if self.mismatches.height:
            parts += ["<p>First mismatches</p>", self.mismatches.head(20)._repr_html_()]
        return "<div class='chattools-reconciliation'>" + "".join(parts) + "</div>"


def reconcile(
    exp: Export,
    hours: HoursLike | None = None,
    *,
    tolerance: timedelta = timedelta(seconds=1),
) -> Reconciliation:
    """Compare Channel Talk's exported metrics with a recomputation from the messages.

    Parameters
    ----------
    exp
        A legacy or 2026 export with its messages.
    hours
        The channel's operating hours; adds the ``operation*`` twins.
    tolerance
        Largest difference counted as a match for durations and times (counts must
        be equal).
    """
    if not isinstance(tolerance, timedelta) or tolerance < timedelta(0):
        msg = f"tolerance must be a non-negative timedelta, got {tolerance!r}"
        raise InvalidValueError(msg, hint="pass e.g. tolerance=timedelta(seconds=1).")
    if exp.generation == "case":
        msg = f"reconcile needs chat rows and messages; this export's generation is {exp.generation!r}"
        raise MissingSheetError(
            msg, hint="download the chat export with message data (not the by-case export)."
        )
    has_chats = exp.lazy("chats").select(pl.len()).collect().item() > 0
    if has_chats and exp.lazy("messages").select(pl.len()).collect().item() == 0:
        msg = "reconcile needs the messages, but this export has no message rows"
        raise MissingSheetError(
            msg, hint="download the export again with the 'message data' option checked."
        )
    recomputed = ct_metrics(exp, hours)
    metrics = recomputed.collect_schema().names()[1:]
    exported = exp.lazy("chats")
    exp_schema = exported.collect_schema()
    missing = [m for m in ("id", *metrics) if m not in exp_schema]
    if missing:
        msg = f"reconcile needs the exported metric columns; the chats lack {missing}"
        raise MissingColumnError(
            msg, hint="reconcile an export as loaded by ct.open_export (it keeps every column)."
        )
    joined = exported.select("id", *[pl.col(m).alias(f"__x_{m}") for m in metrics]).join(
        recomputed, on="id", how="left", maintain_order="left"
    )
    tol = tolerance.total_seconds()
    long = []
    for m in metrics:
        dtype = exp_schema[m]
        x, r = pl.col(f"__x_{m}"), pl.col(m)
        diff = _as_number(r, dtype) - _as_number(x, dtype)
        limit = 0.0 if m in _COUNTS else tol
        match = (x.is_null() & r.is_null()) | (diff.abs() <= limit).fill_null(False)
        long.append(
            joined.select(
                pl.col("id").alias("chat_id"),
                pl.lit(m).alias("metric"),
                _as_text(x, dtype).alias("exported"),
                _as_text(r, dtype).alias("recomputed"),
                diff.alias("difference"),
                match.alias("match"),
                x.is_null().alias("x_null"),
                r.is_null().alias("r_null"),
            )
        )
    frame = pl.concat(long).collect()
    counts = frame.group_by("metric").agg(
        pl.len().cast(pl.Int64).alias("compared"),
        pl.col("match").sum().cast(pl.Int64).alias("matching"),
        pl.col("x_null").sum().cast(pl.Int64).alias("exported_null"),
        pl.col("r_null").sum().cast(pl.Int64).alias("recomputed_null"),
    )
    summary = (
        pl.DataFrame({"metric": metrics}, schema={"metric": pl.String})
        .join(counts, on="metric", how="left", maintain_order="left")
        .with_columns(pl.exclude("metric").fill_null(0))
        .with_columns(
            pl.when(pl.col("compared") > 0)
            .then(pl.col("matching") / pl.col("compared"))
            .alias("share")
        )
        .select("metric", "compared", "matching", "share", "exported_null", "recomputed_null")
    )
    mismatches = frame.filter(~pl.col("match")).select(
        "chat_id", "metric", "exported", "recomputed", "difference"
    )
    return Reconciliation(summary=summary, mismatches=mismatches, tolerance=tolerance)
