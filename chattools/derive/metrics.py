"""Per-chat support metrics: first response, replies, resolution, waiting, backlog.

One row per chat of ``exp.chats`` (chats without messages included), keyed by ``id``.
All reply and waiting metrics describe the latest cycle (``cycle == 1``, see
:mod:`chattools.derive.runs`); message counts cover the whole chat. Every choice is
recorded in ``docs/decisions.md``.

Two families of columns sit side by side, and their names say which is which:

* the **analyst's** metrics (snake_case: ``first_response_time``, ``reply_count``,
  the waiting buckets …, with a ``*_business`` twin in true business time);
* **Channel Talk's** own columns reproduced with Channel Talk's rules
  (:func:`chattools.channel_metrics`), prefixed ``ct_``: ``ct_waiting_time``,
  ``ct_reply_count`` (blank, not 0, without a reply) … and, with operating hours,
  ``ct_operation_*`` — kept or blanked by Channel Talk's in-hours block rule, **not**
  business time. Compare these with the Channel Talk dashboard.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> import chattools as ct
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2024, 3, 4, 10, m)
>>> chats = pl.DataFrame({"id": ["c1", "c2"], "state": ["closed", "opened"],
...                       "openedAt": [t(0), None], "closedAt": [t(30), None],
...                       "createdAt": [t(0), t(1)]}).with_columns(
...     pl.col("openedAt", "closedAt", "createdAt").dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1", "c1", "c1", "c2"],
...                      "personType": ["user", "user", "manager", "bot"],
...                      "createdAt": [t(0), t(2), t(5), t(1)], "_row": [1, 2, 3, 4]}
...                     ).with_columns(pl.col("createdAt").dt.replace_time_zone(tz))
>>> m = ct.chat_metrics(ct.Export({"chats": chats, "messages": msgs}))
>>> m.select("id", "first_response_time", "reply_count", "is_bot_only").rows()
[('c1', datetime.timedelta(seconds=300), 1, False), ('c2', None, 0, True)]
>>> m.select("id", "ct_waiting_time", "ct_reply_count").rows()
[('c1', datetime.timedelta(seconds=300), 1), ('c2', None, None)]
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, overload

import polars as pl

from chattools.derive.channel import CALENDAR_COLUMNS, OPERATION_COLUMNS, channel_plan
from chattools.derive.collect import collect
from chattools.derive.hours import OperatingHours
from chattools.derive.infer_hours import HoursArg, resolve_hours
from chattools.derive.joins import with_assignee
from chattools.derive.messages import side_expr
from chattools.derive.replies import reply_stats, samples_lazy
from chattools.derive.runs import CYCLE_LATEST, HoursLike, as_of_frame, runs_lazy
from chattools.derive.waits import intervals_lazy
from chattools.errors import InvalidValueError
from chattools.export import Export

__all__ = ["CT_COLUMNS", "DURATION_METRICS", "GROUP_COLUMNS", "chat_metrics", "ct_name"]

#: Chat columns kept for grouping.
GROUP_COLUMNS = (
    "state",
    "assigneeId",
    "tags",
    "contactMediumType",
    "marketingId",
    "createdAt",
    "openedAt",
    "closedAt",
)

#: Duration columns of :func:`chat_metrics` (each also ``*_business`` with hours).
DURATION_METRICS = (
    "first_response_time",
    "total_reply_time",
    "avg_reply_time",
    "resolution_time",
    "customer_waiting_time",
    "team_waiting_time",
    "unanswered_tail",
    "pending_age_at_export",
    "snoozed_age_at_export",
)


def ct_name(column: str) -> str:
    """The ``chat_metrics`` name of a Channel Talk column: ``waitingTime`` → ``ct_waiting_time``.

    >>> ct_name("operationAvgReplyTime"), ct_name("firstRepliedAtAfterOpen")
    ('ct_operation_avg_reply_time', 'ct_first_replied_at')
    """
    if column == "firstRepliedAtAfterOpen":
        return "ct_first_replied_at"
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in column)
    return f"ct_{snake}"


#: Channel Talk's columns as :func:`chat_metrics` names them (``operation*`` with hours).
CT_COLUMNS = tuple(ct_name(c) for c in (*CALENDAR_COLUMNS, *OPERATION_COLUMNS))


def _channel_columns(exp: Export, hours: HoursLike | None) -> tuple[pl.LazyFrame, list[str]]:
    """Channel Talk's reproduced columns, renamed ``ct_*`` (``operation*`` with a calendar)."""
    cal = hours if isinstance(hours, OperatingHours) else None
    cols = list(CALENDAR_COLUMNS) + (list(OPERATION_COLUMNS) if cal is not None else [])
    names = [ct_name(c) for c in cols]
    plan = channel_plan(exp, cal).select(
        "id", *[pl.col(c).alias(n) for c, n in zip(cols, names, strict=True)]
    )
    return plan, names


def _message_counts(exp: Export) -> pl.LazyFrame:
    lf = exp.lazy("messages")
    side = side_expr(lf.collect_schema())
    return (
        lf.select("chatId", "createdAt", side)
        .group_by("chatId")
        .agg(
            *[
                (pl.col("side") == s).sum().cast(pl.Int64).alias(f"messages_{s}")
                for s in ("customer", "team", "bot", "note")
            ],
            pl.col("createdAt").max().alias("__last_message_at"),
        )
        .rename({"chatId": "id"})
    )


def _wait_totals(intervals: pl.LazyFrame, *, business: bool) -> pl.LazyFrame:
    """Per chat: waiting sums and tails of the latest cycle, and who spoke first."""
    cols = ["duration", "duration_business"] if business else ["duration"]
    latest = pl.col("cycle") == CYCLE_LATEST
    customer = latest & (pl.col("waiting") == "customer_on_team")
    team = latest & (pl.col("waiting") == "team_on_customer")
    tail = customer & pl.col("ended_by").is_in(["close", "export"])
    pending = customer & (pl.col("ended_by") == "export")
    aggs = []
    for col in cols:
        sfx = col.removeprefix("duration")
        aggs += [
            pl.when(latest.any())
            .then(pl.col(col).filter(customer).sum())
            .alias(f"customer_waiting_time{sfx}"),
            pl.when(latest.any())
            .then(pl.col(col).filter(team).sum())
            .alias(f"team_waiting_time{sfx}"),
            pl.col(col).filter(tail).first().alias(f"unanswered_tail{sfx}"),
            pl.col(col).filter(pending).first().alias(f"pending_age_at_export{sfx}"),
        ]
    first_run = pl.col("run") == 1
    return (
        intervals.group_by("chat_id")
        .agg(
            *aggs,
            pl.col("waiting")
            .filter(first_run & (pl.col("cycle") == pl.col("cycle").min()))
            .first()
            .eq("team_on_customer")
            .alias("is_outbound"),
            pl.col("waiting")
            .filter(first_run & latest)
            .first()
            .eq("team_on_customer")
            .alias("__cycle_starts_with_team"),
        )
        .rename({"chat_id": "id"})
    )


def metrics_lazy(
    exp: Export,
    hours: HoursLike | None = None,
    *,
    channel_rule: bool = False,
    as_of: datetime | None = None,
    channel: bool = True,
    runs: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """The plan behind :func:`chat_metrics`.

    ``channel=False`` leaves out Channel Talk's ``ct_*`` columns, and with them the
    replay behind them: a left join whose columns are never selected is still
    computed, and the replay is most of the plan's work (the report shows no ``ct_*``
    column; its reconciliation replays once for itself). ``runs``: the
    :func:`~chattools.derive.runs.runs` of ``exp``, when the caller has them already
    (the report reads them for the waiting intervals too).
    """
    business = hours is not None
    runs = runs_lazy(exp) if runs is None else runs
    as_of_lf = as_of_frame(exp, as_of)
    stats = reply_stats(samples_lazy(runs, hours), business=business).rename({"chat_id": "id"})
    waits = _wait_totals(intervals_lazy(runs, as_of_lf, hours), business=business)
    chats = exp.lazy("chats")
    names = chats.collect_schema().names()
    keep = [c for c in GROUP_COLUMNS if c in names]
    ct_plan, ct_columns = _channel_columns(exp, hours) if channel else (None, [])
    chat_columns = chats.select("id", *keep)
    if "assigneeId" in keep:  # the name beside the id, for readers of the table
        chat_columns = with_assignee(chat_columns, exp.lazy("managers")).drop(
            "assignee_email", "assignee_known"
        )
        keep.insert(keep.index("assigneeId") + 1, "assignee_name")
    base = (
        chat_columns.join(stats, on="id", how="left", maintain_order="left")
        .join(waits, on="id", how="left", maintain_order="left")
        .join(_message_counts(exp), on="id", how="left", maintain_order="left")
    )
    if ct_plan is not None:
        base = base.join(ct_plan, on="id", how="left", maintain_order="left")
    base = base.join(as_of_lf, how="cross", maintain_order="left")
    outbound_cycle = pl.col("__cycle_starts_with_team").fill_null(False)
    frt_from = pl.when(outbound_cycle).then("first_customer_at").otherwise("openedAt")
    closed = (pl.col("state") == "closed") & pl.col("closedAt").is_not_null()
    snoozed = pl.col("state") == "snoozed"
    count = pl.col("reply_count").fill_null(0)
    out = base.with_columns(
        (pl.col("first_replied_at") - frt_from).alias("first_response_time"),
        count.alias("reply_count"),
        (pl.col("total_reply_time") / pl.col("reply_count")).alias("avg_reply_time"),
        pl.when(closed).then(pl.col("closedAt") - pl.col("openedAt")).alias("resolution_time"),
        pl.when(snoozed)
        .then(pl.max_horizontal(pl.col("as_of") - pl.col("__last_message_at"), pl.duration()))
        .alias("snoozed_age_at_export"),
        *[pl.col(f"messages_{s}").fill_null(0) for s in ("customer", "team", "bot", "note")],
        pl.col("is_outbound").fill_null(False),
    ).with_columns(
        ((pl.col("messages_team") == 0) & (pl.col("messages_bot") > 0)).alias("is_bot_only"),
    )
    business_cols: list[str] = []
    if hours is not None:
        business_cols = [f"{m}_business" for m in DURATION_METRICS]
        out = out.with_columns(
            hours.business_duration(frt_from, "first_replied_at").alias(
                "first_response_time_business"
            ),
            (pl.col("total_reply_time_business") / pl.col("reply_count")).alias(
                "avg_reply_time_business"
            ),
            pl.when(closed)
            .then(hours.business_duration("openedAt", "closedAt"))
            .alias("resolution_time_business"),
            pl.when(snoozed)
            .then(hours.business_duration("__last_message_at", pl.col("as_of")))
            .alias("snoozed_age_at_export_business"),
        )
        if channel_rule:
            opened_in_hours = hours.is_open("openedAt").fill_null(False)
            out = out.with_columns(
                *[pl.when(opened_in_hours).then(pl.col(c)).alias(c) for c in business_cols]
            )
    order = [
        "id",
        *DURATION_METRICS[:1],
        "reply_count",
        *DURATION_METRICS[1:],
        *business_cols,
        *ct_columns,
        "is_bot_only",
        "is_outbound",
        "messages_customer",
        "messages_team",
        "messages_bot",
        "messages_note",
        *keep,
    ]
    return out.select(order)


@overload
def chat_metrics(
    exp: Export,
    hours: HoursArg = ...,
    *,
    channel_rule: bool = ...,
    as_of: datetime | None = ...,
    lazy: Literal[False] = ...,
) -> pl.DataFrame: ...
@overload
def chat_metrics(
    exp: Export,
    hours: HoursArg = ...,
    *,
    channel_rule: bool = ...,
    as_of: datetime | None = ...,
    lazy: Literal[True],
) -> pl.LazyFrame: ...
@overload
def chat_metrics(
    exp: Export,
    hours: HoursArg = ...,
    *,
    channel_rule: bool = ...,
    as_of: datetime | None = ...,
    lazy: bool,
) -> pl.DataFrame | pl.LazyFrame: ...
def chat_metrics(
    exp: Export,
    hours: HoursArg = None,
    *,
    channel_rule: bool = False,
    as_of: datetime | None = None,
    lazy: bool = False,
) -> pl.DataFrame | pl.LazyFrame:
    """One row per chat with its reply, resolution, waiting and backlog metrics.

    Parameters
    ----------
    exp
        The export (eager or lazy frames).
    hours
        Operating hours (:class:`~chattools.OperatingHours`), or ``"infer"`` to infer
        them from the export's ``operation*`` columns
        (:func:`chattools.infer_operating_hours`); adds a ``*_business`` twin of every
        duration and Channel Talk's ``ct_operation_*`` columns.
    channel_rule
        Make the ``*_business`` columns null for chats opened outside operating
        hours (needs ``hours``). An early approximation kept for compatibility: it is
        *not* Channel Talk's rule, which the ``ct_operation_*`` columns reproduce.
    as_of
        Export time for open chats (pending and snoozed ages, open tails). Default:
        the latest message time in the export.
    lazy
        Return the ``LazyFrame`` plan instead of collecting it.

    Returns
    -------
    ``id``; durations ``first_response_time``, ``total_reply_time``,
    ``avg_reply_time``, ``resolution_time``, ``customer_waiting_time``,
    ``team_waiting_time``, ``unanswered_tail``, ``pending_age_at_export``,
    ``snoozed_age_at_export`` (and ``*_business``); ``reply_count``;
    Channel Talk's columns ``ct_first_replied_at``, ``ct_waiting_time``,
    ``ct_avg_reply_time``, ``ct_total_reply_time``, ``ct_reply_count``,
    ``ct_resolution_time`` (and ``ct_operation_*`` with an OperatingHours calendar);
    ``is_bot_only``, ``is_outbound``; ``messages_customer``/``_team``/``_bot``/``_note``;
    and the chat columns ``state``, ``assigneeId``, ``assignee_name`` (the Manager
    sheet's name, or ``"manager 7 (unknown)"``), ``tags``, ``contactMediumType``,
    ``marketingId``, ``createdAt``, ``openedAt``, ``closedAt``.
    """
    hrs = resolve_hours(exp, hours)
    if channel_rule and hrs is None:
        msg = f"channel_rule={channel_rule!r} needs operating hours, got hours={hours!r}"
        raise InvalidValueError(msg, hint="pass hours=ct.OperatingHours.weekly(...).")
    plan = metrics_lazy(exp, hrs, channel_rule=channel_rule, as_of=as_of)
    return plan if lazy else collect(plan, exp)
