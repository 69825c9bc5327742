"""What the 2026 columns tell about the customers' experience: ALF, reopens, queues, hold, teams.

Each summary reads the 2026 chat row as exported (``docs/export-2026.md``) and groups
like :mod:`chattools.derive.chat_groups` (``by="assignee"``, ``"team"``, ``"tag"``,
``"period"``):

* :func:`alf_summary` — ALF's share of the chats (the dashboard's *ALF involvement
  rate*: among chats a team member answered or ALF took part in, those ALF took part
  in), the chats ALF closed without a team member (*ALF resolution rate*: among ALF's
  chats; article 535967), ALF's handling time and CX score;
* :func:`reopen_rates` — among chats closed at least once (``firstClosedAt``), the
  share reopened and the share reassigned (``reassignmentCount ≥ 1``, 535967);
* :func:`queue_times` — ``firstQueueTime`` of the chats that queued, and those still
  in the queue;
* :func:`hold_times` — per chat, the hold (snoozed) time Channel Talk measured next to
  the hold time chattools infers from the messages (:func:`chattools.waits`: the team
  waiting on the customer);
* :func:`team_summary` — one row per team of the Team sheet (and per unknown or missing
  team) with its members, chats, answer and handling times, CSAT, ALF, reopens and
  queue.

Examples
--------
>>> import polars as pl
>>> import chattools as ct
>>> chats = pl.DataFrame({"id": list("abcd"), "state": ["closed"] * 3 + ["opened"],
...     "alfTriggered": [True, True, False, False], "replyCount": [0, 2, 1, 0]})
>>> exp = ct.Export({"chats": chats}, generation="2026")
>>> ct.alf_summary(exp).select("alf_chats", "alf_share", "alf_resolved", "alf_resolution_rate").row(0)
(2, 0.6666666666666666, 1, 0.5)

ALF took part in chats a and b; a team member answered b and c: ALF's share is 2 of
the 3 chats handled, and it closed a alone.

>>> from datetime import datetime
>>> chats = pl.DataFrame({"id": list("abc"), "teamId": ["t1", "t1", None],
...     "firstClosedAt": [datetime(2026, 3, 2, 10)] * 3, "reopenCount": [1, 0, 0],
...     "reassignmentCount": [0, 0, 2]})
>>> teams = pl.DataFrame({"id": ["t1", "t2"], "name": ["Billing", "Refunds"],
...     "managerIds": [["m1", "m2"], []]})
>>> exp = ct.Export({"chats": chats, "teams": teams}, generation="2026")
>>> ct.reopen_rates(exp).select("closed", "reopen_rate", "reassignment_rate").row(0)
(3, 0.3333333333333333, 0.3333333333333333)
>>> ct.team_summary(exp).select("team_name", "members", "chats", "reopen_rate").rows()
[('Billing', 2, 2, 0.5), ('Refunds', 0, 0, None), (None, None, 1, 0.0)]
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from chattools import schema
from chattools.derive.chat_groups import By, group_keys, grouped_chats, with_team
from chattools.derive.csat import TOP_SCORE, with_scores
from chattools.derive.infer_hours import HoursArg, resolve_hours
from chattools.derive.runs import as_of_frame, runs_lazy
from chattools.derive.summary import p90
from chattools.derive.waits import intervals_lazy
from chattools.export import Export

__all__ = ["alf_summary", "hold_times", "queue_times", "reopen_rates", "team_summary"]

_DURATION = pl.Duration(schema.TIME_UNIT)


def _with_columns(chats: pl.LazyFrame, columns: dict[str, pl.DataType]) -> pl.LazyFrame:
    """``chats`` with each of ``columns`` it lacks added as nulls (a frame built by hand)."""
    available = chats.collect_schema()
    return chats.with_columns(
        pl.lit(None, dtype).alias(name) for name, dtype in columns.items() if name not in available
    )


def _summarise(exp: Export, by: By, every: str, columns: dict[str, pl.DataType],
               aggs: list[pl.Expr], rates: list[pl.Expr]) -> pl.DataFrame:  # fmt: skip
    keys = group_keys(by)
    chats = _with_columns(grouped_chats(exp, by, every=every), columns)
    return (
        chats.group_by(keys or pl.lit(0).alias("__all"))
        .agg(pl.len().cast(pl.Int64).alias("chats"), *aggs)
        .with_columns(rates)
        .drop("__all", strict=False)
        .sort(keys or "chats", nulls_last=True)
        .collect()
    )


def _share(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole))


def _team_answered() -> pl.Expr:
    """A team member answered: ``replyCount ≥ 1`` or a ``firstAnsweredAt``."""
    return (pl.col("replyCount").fill_null(0) > 0) | pl.col("firstAnsweredAt").is_not_null()


def _closed() -> pl.Expr:
    return pl.col("firstClosedAt").is_not_null() | (pl.col("state") == "closed").fill_null(False)


_ALF_COLUMNS: dict[str, pl.DataType] = {
    "alfTriggered": pl.Boolean(), "replyCount": pl.Int64(), "state": pl.String(),
    "firstAnsweredAt": pl.Datetime(schema.TIME_UNIT), "firstClosedAt": pl.Datetime(schema.TIME_UNIT),
    "alfHandlingTime": _DURATION, "ALF CX Score": pl.Float64(),
}  # fmt: skip


def alf_summary(exp: Export, by: By = None, *, every: str = "1mo") -> pl.DataFrame:
    """ALF per group: ``chats``, ``alf_chats`` (``alfTriggered``), ``handled`` (a team
    member answered or ALF took part), ``alf_share`` (``alf_chats / handled``: the
    involvement rate), ``alf_resolved`` (ALF's chats closed without a team member's
    answer), ``alf_resolution_rate`` (``alf_resolved / alf_chats``),
    ``alf_handling_time_mean`` / ``_median``, ``cx_scored`` and ``cx_score_mean``
    (``ALF CX Score``, 1.0-5.0).
    """
    alf = pl.col("alfTriggered").fill_null(False)
    alone = alf & ~_team_answered() & _closed()
    aggs = [
        alf.sum().cast(pl.Int64).alias("alf_chats"),
        (alf | _team_answered()).sum().cast(pl.Int64).alias("handled"),
        alone.sum().cast(pl.Int64).alias("alf_resolved"),
        pl.col("alfHandlingTime").filter(alf).mean().alias("alf_handling_time_mean"),
        pl.col("alfHandlingTime").filter(alf).median().alias("alf_handling_time_median"),
        pl.col("ALF CX Score").count().cast(pl.Int64).alias("cx_scored"),
        pl.col("ALF CX Score").mean().alias("cx_score_mean"),
    ]
    rates = [
        _share("alf_chats", "handled").alias("alf_share"),
        _share("alf_resolved", "alf_chats").alias("alf_resolution_rate"),
    ]
    out = _summarise(exp, by, every, _ALF_COLUMNS, aggs, rates)
    return out.select(*group_keys(by), "chats", "alf_chats", "handled", "alf_share",
                      "alf_resolved", "alf_resolution_rate", "alf_handling_time_mean",
                      "alf_handling_time_median", "cx_scored", "cx_score_mean")  # fmt: skip


_REOPEN_COLUMNS: dict[str, pl.DataType] = {
    "firstClosedAt": pl.Datetime(schema.TIME_UNIT), "reopenCount": pl.Int64(),
    "reopened": pl.Boolean(), "reassignmentCount": pl.Int64(), "reassigned": pl.Boolean(),
}  # fmt: skip


def reopen_rates(exp: Export, by: By = None, *, every: str = "1mo") -> pl.DataFrame:
    """Reopens and reassignments per group, among the chats closed at least once.

    ``chats``, ``closed`` (with a ``firstClosedAt``), ``reopened`` (``reopenCount ≥ 1``,
    else the ``reopened`` flag), ``reopen_rate``, ``reopens`` (the sum of
    ``reopenCount``), ``reassigned`` (``reassignmentCount ≥ 1``, else the flag),
    ``reassignment_rate`` (article 535967's definition).
    """
    closed = pl.col("firstClosedAt").is_not_null()
    again = pl.coalesce(pl.col("reopenCount") > 0, pl.col("reopened")).fill_null(False)
    moved = pl.coalesce(pl.col("reassignmentCount") > 0, pl.col("reassigned")).fill_null(False)
    aggs = [
        closed.sum().cast(pl.Int64).alias("closed"),
        (closed & again).sum().cast(pl.Int64).alias("reopened"),
        pl.col("reopenCount").filter(closed).sum().cast(pl.Int64).alias("reopens"),
        (closed & moved).sum().cast(pl.Int64).alias("reassigned"),
    ]
    rates = [
        _share("reopened", "closed").alias("reopen_rate"),
        _share("reassigned", "closed").alias("reassignment_rate"),
    ]
    out = _summarise(exp, by, every, _REOPEN_COLUMNS, aggs, rates)
    return out.select(*group_keys(by), "chats", "closed", "reopened", "reopen_rate", "reopens",
                      "reassigned", "reassignment_rate")  # fmt: skip


_QUEUE_COLUMNS: dict[str, pl.DataType] = {
    "firstQueueInAt": pl.Datetime(schema.TIME_UNIT), "firstQueueOutAt": pl.Datetime(schema.TIME_UNIT),
    "firstQueueTime": _DURATION, "firstQueueTimeInOperation": _DURATION,
}  # fmt: skip


def queue_times(exp: Export, by: By = None, *, every: str = "1mo") -> pl.DataFrame:
    """The first queue per group: ``chats``, ``queued`` (a ``firstQueueInAt``),
    ``still_queued`` (no ``firstQueueOutAt`` yet), ``queued_share``, and of the exported
    ``firstQueueTime`` (``firstQueueOutAt − firstQueueInAt``) the ``queue_time_mean``,
    ``_median``, ``_p90``, ``_max`` and ``queue_time_in_operation_mean``.
    """
    queued = pl.col("firstQueueInAt").is_not_null()
    time = pl.col("firstQueueTime")
    aggs = [
        queued.sum().cast(pl.Int64).alias("queued"),
        (queued & pl.col("firstQueueOutAt").is_null()).sum().cast(pl.Int64).alias("still_queued"),
        time.mean().alias("queue_time_mean"),
        time.median().alias("queue_time_median"),
        p90(time).alias("queue_time_p90"),
        time.max().alias("queue_time_max"),
        pl.col("firstQueueTimeInOperation").mean().alias("queue_time_in_operation_mean"),
    ]
    out = _summarise(
        exp, by, every, _QUEUE_COLUMNS, aggs, [_share("queued", "chats").alias("queued_share")]
    )
    return out.select(*group_keys(by), "chats", "queued", "still_queued", "queued_share",
                      "queue_time_mean", "queue_time_median", "queue_time_p90", "queue_time_max",
                      "queue_time_in_operation_mean")  # fmt: skip


def hold_times(
    exp: Export, hours: HoursArg = None, *, as_of: datetime | None = None
) -> pl.DataFrame:
    """Per chat: the hold time Channel Talk measured beside the one inferred from messages.

    Columns ``id``, ``state``, ``snoozed_time`` (``totalSnoozedTime``: the chat on hold,
    "snoozed", as the team set it), ``snoozed_time_in_operation``
    (``operationTotalSnoozedTime``), ``snoozedAt`` (the last hold), ``inferred_hold``
    (the sum of the ``team_on_customer`` intervals of :func:`chattools.waits`: the team
    waiting on the customer, whether or not the chat was snoozed), with ``hours`` also
    ``inferred_hold_business``; and ``difference`` (``inferred_hold − snoozed_time``,
    null unless both are known). The two measure different things — a snooze is a
    state the team chooses, the inferred hold is every wait for the customer — so they
    are shown side by side, not reconciled.
    """
    hrs = resolve_hours(exp, hours)
    waits = intervals_lazy(runs_lazy(exp), as_of_frame(exp, as_of), hrs)
    extra = [pl.col("duration_business").sum().alias("inferred_hold_business")] if hrs else []
    held = (
        waits.filter(pl.col("waiting") == "team_on_customer")
        .group_by("chat_id")
        .agg(pl.col("duration").sum().alias("inferred_hold"), *extra)
        .rename({"chat_id": "id"})
    )
    when = pl.Datetime(schema.TIME_UNIT, exp.timezone)
    chats = _with_columns(
        exp.lazy("chats"),
        {"totalSnoozedTime": _DURATION, "operationTotalSnoozedTime": _DURATION, "snoozedAt": when},
    )
    names = ["inferred_hold", *(["inferred_hold_business"] if hrs else [])]
    return (
        chats.select(
            "id", "state",
            pl.col("totalSnoozedTime").alias("snoozed_time"),
            pl.col("operationTotalSnoozedTime").alias("snoozed_time_in_operation"),
            "snoozedAt",
        )
        .join(held, on="id", how="left", maintain_order="left")
        .with_columns(pl.col(names).fill_null(pl.duration()))
        .with_columns((pl.col("inferred_hold") - pl.col("snoozed_time")).alias("difference"))
        .collect()
    )  # fmt: skip


def team_summary(exp: Export) -> pl.DataFrame:
    """One row per team: the Team sheet's teams (with no chats too), then unknown team
    ids and chats without a team (``teamId`` null).

    ``teamId``, ``team_name``, ``members`` (the Team sheet's ``managerIds``), ``chats``,
    ``closed``, ``answered`` (a team member answered), ``time_to_first_answer_median``,
    ``first_member_handling_time_median``, ``csat_answers``, ``csat_pct``, ``alf_share``,
    ``reopen_rate``, ``reassignment_rate``, ``queued``, ``queue_time_median`` and
    ``snoozed_time_total``.
    """
    columns = {
        **_ALF_COLUMNS, **_REOPEN_COLUMNS, **_QUEUE_COLUMNS,
        "timeToFirstAnswer": _DURATION, "firstMemberHandlingTime": _DURATION,
        "totalSnoozedTime": _DURATION,
    }  # fmt: skip
    chats = with_scores(_with_columns(grouped_chats(exp, "team"), columns))
    score = pl.col("__score")
    per_team = chats.group_by("teamId", "team_name").agg(
        pl.len().cast(pl.Int64).alias("chats"),
        _closed().sum().cast(pl.Int64).alias("closed"),
        _team_answered().sum().cast(pl.Int64).alias("answered"),
        pl.col("timeToFirstAnswer").median().alias("time_to_first_answer_median"),
        pl.col("firstMemberHandlingTime").median().alias("first_member_handling_time_median"),
        score.count().cast(pl.Int64).alias("csat_answers"),
        (score >= TOP_SCORE).sum().cast(pl.Int64).alias("__top"),
    )
    teams = exp.lazy("teams")
    listed = (
        _with_columns(teams, {"name": pl.String(), "managerIds": pl.List(pl.String())})
        .filter(pl.col("id").is_not_null())
        .unique("id", keep="first", maintain_order=True)
        .select(
            pl.col("id").alias("teamId"),
            pl.col("managerIds").list.len().cast(pl.Int64).alias("members"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("__order"),
        )
    )
    rates = [
        alf_summary(exp, "team").select("teamId", "alf_share"),
        reopen_rates(exp, "team").select("teamId", "reopen_rate", "reassignment_rate"),
        queue_times(exp, "team").select("teamId", "queued", "queue_time_median"),
        chats.group_by("teamId")
        .agg(pl.col("totalSnoozedTime").sum().alias("snoozed_time_total"))
        .collect(),
    ]
    names = with_team(listed, teams).select("teamId", "team_name", "members", "__order")
    out = (
        names.join(per_team, on="teamId", how="full", coalesce=True, nulls_equal=True,
                   suffix="_of_chats")
        .with_columns(pl.coalesce("team_name", "team_name_of_chats").alias("team_name"))
        .collect()
    )  # fmt: skip
    for frame in rates:
        out = out.join(frame, on="teamId", how="left", nulls_equal=True)
    return (
        out.with_columns(
            pl.col("chats", "closed", "answered", "csat_answers", "__top", "queued").fill_null(0),
        )
        .with_columns(_share("__top", "csat_answers").alias("csat_pct"))
        .sort(pl.col("__order").fill_null(1 << 40), pl.col("teamId").is_null(), "teamId")
        .select("teamId", "team_name", "members", "chats", "closed", "answered",
                "time_to_first_answer_median", "first_member_handling_time_median",
                "csat_answers", "csat_pct", "alf_share", "reopen_rate", "reassignment_rate",
                "queued", "queue_time_median", "snoozed_time_total")
    )  # fmt: skip
