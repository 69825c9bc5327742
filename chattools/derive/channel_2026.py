"""Channel Talk's 2026 metric columns, recomputed by the documented formulas.

The 2026 analytics export (``docs/export-2026.md``, help articles 535969 and 535967)
writes each measured time beside the timestamps it is measured from, and documents the
formula. :func:`channel_2026_metrics` recomputes them:

* **from the exported timestamps** — every ``B − A`` of :data:`TIMESTAMP_FORMULAS`
  (``timeToFirstAnswer = firstAnsweredAt − managedAt``, ``firstQueueTime =
  firstQueueOutAt − firstQueueInAt``, ``alfHandlingTime`` …), truncated to whole
  seconds; ``firstMemberHandlingTime = firstClosedAt − firstActiveAt −
  totalSnoozedTime`` and ``memberHandlingTime`` (the same, one cycle) only for chats
  never reopened (:data:`SINGLE_CYCLE`): the hold time up to the first close is no
  column, and the other cycles' bounds are not exported;
* **from the messages** — the answers, by the replay Channel Talk's legacy columns were
  measured to follow (:mod:`chattools.derive.channel_replay`; the help says no more
  than "answers by team members to the customer's messages") over the span from
  ``firstOpenedAt`` to ``closedAt``: a customer message starts a question when none is
  pending (from ``firstOpenedAt`` when the customer opened the chat), the first later
  message of a team member *to the customer* answers it — internal notes
  (``isPrivate``, ``@`` mentions) and bot or ALF messages (person ids ``ALF-…``,
  ``FRONTALF-…``) never do. ``replyCount`` = the answers, ``totalReplyTime =
  Σ(eachAnsweredAt − eachAskedAt)``, ``avgReplyTime = floor(total / count)``,
  ``firstAnsweredAt`` = the first answer, ``repliedAt`` = the first answer after the
  customer's last message (blank while it is unanswered). Each cycle is replayed on
  its own (:func:`cycle_spans`): a question left when a cycle closed is never answered.
  The row shows the first cycle (``firstOpenedAt`` → ``firstClosedAt``) and the last
  (``openedAt`` → ``closedAt``); the cycles between of a chat reopened twice or more
  are not exported and are replayed as one span;
* with ``hours``, the ``…InOperation`` twins exclude non-operating time (business time
  by :meth:`~chattools.OperatingHours.business_duration`), ``replyCountInOperation``
  counts answers given within operating hours, ``avgReplyTimeInOperation =
  totalReplyTimeInOperation / replyCount`` (the help divides by ``replyCount``), and
  ``firstMemberHandlingTimeInOperation`` subtracts ``operationTotalSnoozedTime``.

Blank stays blank: a formula with a blank end is blank, a chat without answers has a
blank total, average and first answer, and 0 answers.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta
>>> import chattools as ct
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2026, 3, 2, 10, m)  # a Monday
>>> chats = pl.DataFrame({"id": ["c1"], "state": ["closed"], "managedAt": [t(0)],
...     "firstOpenedAt": [t(0)], "firstActiveAt": [t(1)], "firstAnsweredAt": [t(5)], "firstClosedAt": [t(30)],
...     "closedAt": [t(30)], "reopenCount": [0], "totalSnoozedTime": [timedelta(minutes=10)]}
...     ).with_columns(pl.col("^.*At$").dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1"] * 5,
...     "personType": ["user", "bot", "manager", "manager", "manager"],
...     "personId": ["u1", "ALF-1", "m1", "m1", "m1"], "isPrivate": [False, False, True, False, False],
...     "createdAt": [t(0), t(1), t(3), t(5), t(6)]}).with_columns(
...     pl.col("createdAt").dt.replace_time_zone(tz))
>>> m = ct.channel_2026_metrics(ct.Export({"chats": chats, "messages": msgs}, generation="2026"))
>>> m.select("timeToFirstAnswer", "firstMemberHandlingTime", "replyCount", "totalReplyTime").row(0)
(datetime.timedelta(seconds=300), datetime.timedelta(seconds=1140), 1, datetime.timedelta(seconds=300))

ALF's message and the internal note at 10:03 do not answer: the answer is at 10:05.
The team worked 29 minutes from 10:01 to 10:30, 10 of them on hold: 19 minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, overload

import polars as pl

from chattools import schema
from chattools.derive.channel import floor_mean
from chattools.derive.channel_replay import channel_side, replay
from chattools.derive.collect import collect
from chattools.derive.hours import OperatingHours
from chattools.derive.infer_hours import HoursArg, resolve_hours
from chattools.derive.messages import ordered_messages
from chattools.errors import InvalidValueError
from chattools.export import Export

__all__ = [
    "ALF_PERSON_PREFIXES",
    "CYCLES_KNOWN",
    "HANDLING_FORMULAS",
    "MESSAGE_COLUMNS",
    "SINGLE_CYCLE",
    "TIMESTAMP_FORMULAS",
    "TeamHours",
    "answers",
    "channel_2026_metrics",
    "cycle_spans",
    "in_operation",
    "is_alf_message",
    "reopens",
    "resolve_calendars",
    "sided_messages",
]

#: ``column: (start, end)``: the documented ``column = end − start`` (535969, 535967).
TIMESTAMP_FORMULAS: dict[str, tuple[str, str]] = {
    "timeToFirstAssignment": ("managedAt", "firstAssignedAt"),
    "timeToFirstAnswer": ("managedAt", "firstAnsweredAt"),
    "timeFromFirstAskToFirstAnswer": ("firstAskedAt", "firstAnsweredAt"),
    "timeFromFirstAssignmentToFirstAnswer": ("firstAssignedAt", "firstAnsweredAt"),
    "timeFromFirstActiveToFirstAnswer": ("firstActiveAt", "firstAnsweredAt"),
    "timeFromFirstOpenToFirstAnswer": ("firstOpenedAt", "firstAnsweredAt"),
    "timeToFirstClose": ("managedAt", "firstClosedAt"),
    "timeToClose": ("managedAt", "closedAt"),
    "timeFromFirstAskToFirstClose": ("firstAskedAt", "firstClosedAt"),
    "timeFromFirstAssignmentToFirstClose": ("firstAssignedAt", "firstClosedAt"),
    "timeFromFirstActiveToFirstClose": ("firstActiveAt", "firstClosedAt"),
    "timeFromFirstOpenToFirstClose": ("firstOpenedAt", "firstClosedAt"),
    "firstQueueTime": ("firstQueueInAt", "firstQueueOutAt"),
    "workflowHandlingTime": ("firstWorkflowStartedAt", "firstWorkflowEndedAt"),
    "alfHandlingTime": ("firstAlfStartedAt", "firstAlfEndedAt"),
}
#: Formulas without an ``…InOperation`` twin.
_NO_TWIN = frozenset(["workflowHandlingTime", "alfHandlingTime"])
#: ``column: (start, end, hold)``: ``end − start − hold``, reproducible for one cycle.
HANDLING_FORMULAS: dict[str, tuple[str, str, str]] = {
    "firstMemberHandlingTime": ("firstActiveAt", "firstClosedAt", "totalSnoozedTime"),
    "memberHandlingTime": ("firstActiveAt", "firstClosedAt", "totalSnoozedTime"),
}
#: The hold time the ``…InOperation`` twin of a handling time subtracts.
_OPERATION_HOLD = "operationTotalSnoozedTime"
#: Columns recomputed from the messages (the ``…InOperation`` ones need hours).
MESSAGE_COLUMNS = ("firstAnsweredAt", "repliedAt", "replyCount", "totalReplyTime", "avgReplyTime")
_MESSAGE_OPERATION = (
    "replyCountInOperation",
    "totalReplyTimeInOperation",
    "avgReplyTimeInOperation",
)
#: Whether a chat has one open→close cycle: the handling times are reproducible.
SINGLE_CYCLE = "single_cycle"
#: Whether every cycle's bounds are exported (reopened at most once): the answers are.
CYCLES_KNOWN = "cycles_known"
#: Person ids of ALF's messages (535969): ``ALF-1``, ``FRONTALF-2``.
ALF_PERSON_PREFIXES = ("ALF-", "FRONTALF-")
_SECOND = 1_000_000


def in_operation(column: str) -> str:
    """The name of a column's non-operating-time twin.

    >>> in_operation("timeToFirstAnswer"), in_operation("totalSnoozedTime")
    ('timeToFirstAnswerInOperation', 'operationTotalSnoozedTime')
    """
    return _OPERATION_HOLD if column == "totalSnoozedTime" else f"{column}InOperation"


@dataclass(frozen=True)
class TeamHours:
    """The operating hours the ``…InOperation`` columns use: a team's own, else the channel's.

    535967: the hours of the assigned team when it follows its own hours, else the
    channel's. ``teams`` maps a ``teamId`` to its calendar; expressions read ``teamId``.

    >>> week = OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone="Asia/Seoul")
    >>> night = OperatingHours.weekly({"mon-fri": "18:00-23:00"}, timezone="Asia/Seoul")
    >>> TeamHours.of(week, {"t2": night}).teams == {"t2": night}
    True
    """

    channel: OperatingHours
    teams: Mapping[str, OperatingHours] = field(default_factory=dict)

    @classmethod
    def of(
        cls, hours: OperatingHours | None, team_hours: Mapping[str, OperatingHours] | None = None
    ) -> TeamHours | None:
        """Checked calendars (None without any)."""
        teams = dict(team_hours or {})
        bad = {
            k: v
            for k, v in teams.items()
            if not isinstance(k, str) or not isinstance(v, OperatingHours)
        }
        if bad:
            msg = f"team_hours must map team ids to OperatingHours calendars, got {bad!r}"
            raise InvalidValueError(
                msg, hint='pass e.g. team_hours={"7014": ct.OperatingHours.weekly(...)}.'
            )
        if hours is None:
            if teams:
                msg = "team_hours needs the channel's hours too (for the chats of other teams)"
                raise InvalidValueError(
                    msg, hint="pass hours=ct.OperatingHours.weekly(...) as well."
                )
            return None
        return cls(hours, teams)

    def _per_team(self, build: Callable[[OperatingHours], pl.Expr]) -> pl.Expr:
        expr = build(self.channel)
        for team, calendar in self.teams.items():
            expr = pl.when(pl.col("teamId") == team).then(build(calendar)).otherwise(expr)
        return expr

    def business_duration(self, start: pl.Expr | str, end: pl.Expr | str) -> pl.Expr:
        """Open time within ``[start, end)`` on each chat's calendar."""
        return self._per_team(lambda c: c.business_duration(start, end))

    def is_open(self, time: pl.Expr | str) -> pl.Expr:
        """Whether each instant is within its chat's operating hours."""
        return self._per_team(lambda c: c.is_open(time))


def is_alf_message(schema_: pl.Schema) -> pl.Expr:
    """Whether a message is ALF's (its ``personId`` starts with ``ALF-`` or ``FRONTALF-``)."""
    if "personId" not in schema_:
        return pl.lit(False)
    pid = pl.col("personId").cast(pl.String)
    return pl.any_horizontal([pid.str.starts_with(p) for p in ALF_PERSON_PREFIXES]).fill_null(False)


def _whole_seconds(expr: pl.Expr) -> pl.Expr:
    us = expr.dt.total_microseconds()
    return (us // _SECOND * _SECOND).cast(pl.Duration(schema.TIME_UNIT))


def _alf_as_bot(messages: pl.LazyFrame) -> pl.LazyFrame:
    """ALF's messages (``ALF-…``, ``FRONTALF-…``) as ``personType == "bot"``."""
    alf = is_alf_message(messages.collect_schema())
    return messages.with_columns(
        pl.when(alf).then(pl.lit("bot")).otherwise(pl.col("personType")).alias("personType")
    )


def sided_messages(exp: Export) -> pl.LazyFrame:
    """Messages in conversation order with ``__side`` as the 2026 answers read it.

    ``"customer"``, ``"team"`` (a team member's message to the customer), ``"note"``
    (``isPrivate`` or an ``@`` mention), ``"bot"`` (bots and ALF), ``"other"``.
    """
    lf = _alf_as_bot(exp.lazy("messages"))
    names = lf.collect_schema().names()
    if "_row" not in names:
        lf = lf.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    if "_file" not in names:
        lf = lf.with_columns(pl.lit(None, dtype=pl.String()).alias("_file"))
    files = exp.sources.get_column("file").to_list() if exp.sources.height else None
    side = channel_side(lf.collect_schema()).alias("__side")
    return ordered_messages(lf.with_columns(side), file_order=files)


_CYCLE_SEP = "\x1f"


def _column(available: pl.Schema, name: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(name) if name in available else pl.lit(None, dtype).alias(name)


def reopens(available: pl.Schema) -> pl.Expr:
    """Times each chat was reopened: ``reopenCount``, else 0 unless ``reopened`` says so."""
    count = _column(available, "reopenCount", pl.Int64())
    flag = _column(available, "reopened", pl.Boolean())
    return pl.coalesce(count, pl.when(flag).then(None).otherwise(pl.lit(0, pl.Int64)))


def cycle_spans(exp: Export) -> pl.LazyFrame:
    """The open→close cycles the 2026 chat row shows, one row each.

    Columns ``chat_id``, ``cycle`` (1 first, 2 the unexported middle ones as one, 3
    the last), ``state``, ``openedAt``, ``closedAt``. A chat never reopened has one
    cycle ``firstOpenedAt`` → ``closedAt``; reopened once, the first ends at
    ``firstClosedAt`` and the last starts at ``openedAt`` (the last opening); reopened
    more often, what lies between is one more span.
    """
    chats = exp.lazy("chats")
    available = chats.collect_schema()
    when = schema.dtype_of("datetime", exp.timezone)
    first_open = pl.coalesce(
        _column(available, "firstOpenedAt", when), _column(available, "openedAt", when)
    )
    last_open = _column(available, "openedAt", when)
    first_close = _column(available, "firstClosedAt", when)
    close = _column(available, "closedAt", when)
    base = chats.select(
        pl.col("id").alias("chat_id"),
        "state",
        first_open.alias("__first_open"),
        last_open.alias("__last_open"),
        first_close.alias("__first_close"),
        close.alias("__close"),
        reopens(available).fill_null(0).alias("__reopens"),
    )
    again = pl.col("__reopens") > 0
    tick = pl.duration(microseconds=1)
    spans = [
        base.select(
            "chat_id",
            pl.lit(1, pl.Int8).alias("cycle"),
            pl.when(again).then(pl.lit("closed")).otherwise(pl.col("state")).alias("state"),
            pl.col("__first_open").alias("openedAt"),
            pl.when(again)
            .then(pl.col("__first_close"))
            .otherwise(pl.col("__close"))
            .alias("closedAt"),
        ),
        base.filter(pl.col("__reopens") > 1).select(
            "chat_id",
            pl.lit(2, pl.Int8).alias("cycle"),
            pl.lit("closed").alias("state"),
            (pl.col("__first_close") + tick).alias("openedAt"),
            (pl.col("__last_open") - tick).alias("closedAt"),
        ),
        base.filter(again).select(
            "chat_id",
            pl.lit(3, pl.Int8).alias("cycle"),
            "state",
            pl.col("__last_open").alias("openedAt"),
            pl.col("__close").alias("closedAt"),
        ),
    ]
    return pl.concat(spans).sort("chat_id", "cycle", maintain_order=True)


def _as_cycles(exp: Export) -> Export:
    """``exp`` with one pseudo-chat per cycle (id ``chat␟cycle``), each with the messages."""
    spans = cycle_spans(exp).with_columns(
        pl.format("{}" + _CYCLE_SEP + "{}", "chat_id", "cycle").alias("id")
    )
    messages = _alf_as_bot(exp.lazy("messages"))
    names = messages.collect_schema().names()
    if "_row" not in names:  # keep the file order through the join
        messages = messages.with_row_index("_row", offset=1).with_columns(
            pl.col("_row").cast(pl.Int64)
        )
    copies = (
        messages.join(
            spans.select(pl.col("chat_id").alias("chatId"), pl.col("id").alias("__cycle_id")),
            on="chatId",
            how="inner",
        )
        .with_columns(pl.col("__cycle_id").alias("chatId"))
        .drop("__cycle_id")
    )
    return replace(exp, frames={**exp.frames, "chats": spans.drop("chat_id"), "messages": copies})


def answers(exp: Export) -> pl.LazyFrame:
    """One row per answer: ``chat_id``, ``answer`` (1-based), ``asked_at``, ``answered_at``.

    Channel Talk's measured replay (:mod:`chattools.derive.channel_replay`) within each
    cycle of :func:`cycle_spans`, ALF's messages read as a bot's.
    """
    samples, _ = replay(_as_cycles(exp))
    parts = pl.col("chat_id").str.split_exact(_CYCLE_SEP, 1)
    return (
        samples.with_columns(
            parts.struct.field("field_0").alias("chat_id"),
            parts.struct.field("field_1").cast(pl.Int8).alias("__cycle"),
        )
        .sort("chat_id", "__cycle", "sample", maintain_order=True)
        .select(
            "chat_id",
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("chat_id").alias("answer"),
            pl.col("customer_at").alias("asked_at"),
            pl.col("replied_at").alias("answered_at"),
        )
    )


def _message_plan(exp: Export, hours: TeamHours | None) -> pl.LazyFrame:
    found = answers(exp)
    extra: list[pl.Expr] = []
    if hours is not None:
        chats = exp.lazy("chats")
        team = pl.col("teamId") if "teamId" in chats.collect_schema() else pl.lit(None, pl.String)
        found = found.join(
            chats.select(pl.col("id").alias("chat_id"), team.alias("teamId")),
            on="chat_id",
            how="left",
            maintain_order="left",
        ).with_columns(
            hours.is_open("answered_at").alias("__in_hours"),
            hours.business_duration("asked_at", "answered_at").alias("__business"),
        )
        extra = [
            pl.col("__in_hours").sum().cast(pl.Int64).alias("replyCountInOperation"),
            pl.col("__business").sum().alias("__op_total"),
        ]
    last_asked = (
        sided_messages(exp)
        .filter(pl.col("__side") == "customer")
        .group_by("chatId")
        .agg(pl.col("createdAt").max().alias("__last_asked"))
        .rename({"chatId": "chat_id"})
    )
    after_last = pl.col("answered_at") >= pl.col("__last_asked")
    stats = (
        found.join(last_asked, on="chat_id", how="left")
        .group_by("chat_id")
        .agg(
            pl.len().cast(pl.Int64).alias("replyCount"),
            (pl.col("answered_at") - pl.col("asked_at")).sum().alias("__total"),
            pl.col("answered_at").min().alias("firstAnsweredAt"),
            pl.col("answered_at").filter(after_last).min().alias("repliedAt"),
            *extra,
        )
        .rename({"chat_id": "id"})
    )
    total = _whole_seconds(pl.col("__total"))
    count = pl.col("replyCount")
    cols = [
        total.alias("totalReplyTime"),
        floor_mean(total, count).alias("avgReplyTime"),
    ]
    if hours is not None:
        op_total = _whole_seconds(pl.col("__op_total"))
        cols += [
            op_total.alias("totalReplyTimeInOperation"),
            floor_mean(op_total, count).alias("avgReplyTimeInOperation"),
        ]
    return stats.with_columns(cols).drop("__total", "__op_total", strict=False)


def _timestamp_exprs(available: pl.Schema, hours: TeamHours | None) -> list[pl.Expr]:
    def col(name: str) -> pl.Expr:
        if name in available:
            return pl.col(name)
        return pl.lit(None, dtype=schema.dtype_of("datetime")).alias(name)

    out = []
    for name, (start, end) in TIMESTAMP_FORMULAS.items():
        out.append(_whole_seconds(col(end) - col(start)).alias(name))
        if hours is not None and name not in _NO_TWIN:
            out.append(
                _whole_seconds(hours.business_duration(col(start), col(end))).alias(
                    in_operation(name)
                )
            )
    for name, (start, end, hold) in HANDLING_FORMULAS.items():
        held = pl.col(hold) if hold in available else pl.lit(None, pl.Duration(schema.TIME_UNIT))
        plain = _whole_seconds(col(end) - col(start)) - held.fill_null(pl.duration())
        out.append(pl.when(pl.col(SINGLE_CYCLE)).then(plain).alias(name))
        if hours is not None:
            op_hold = pl.col(_OPERATION_HOLD) if _OPERATION_HOLD in available else held
            business = _whole_seconds(hours.business_duration(col(start), col(end)))
            value = business - op_hold.fill_null(pl.duration())
            out.append(pl.when(pl.col(SINGLE_CYCLE)).then(value).alias(in_operation(name)))
    return out


def _single_cycle(available: pl.Schema) -> pl.Expr:
    """Never reopened: ``reopenCount == 0``, else ``reopened`` false, else one close time."""
    rules = []
    if "reopenCount" in available:
        rules.append(pl.col("reopenCount") == 0)
    if "reopened" in available:
        rules.append(~pl.col("reopened"))
    if "closedAt" in available and "firstClosedAt" in available:
        rules.append(pl.col("firstClosedAt") == pl.col("closedAt"))
    return pl.coalesce(*rules, pl.lit(False)) if rules else pl.lit(False)


def channel_2026_plan(exp: Export, hours: TeamHours | None = None) -> pl.LazyFrame:
    """The plan behind :func:`channel_2026_metrics` (hours already resolved)."""
    chats = exp.lazy("chats")
    if "teamId" not in chats.collect_schema():
        chats = chats.with_columns(pl.lit(None, pl.String).alias("teamId"))
    available = chats.collect_schema()
    base = chats.with_columns(
        _single_cycle(available).alias(SINGLE_CYCLE),
        (reopens(available).fill_null(0) <= 1).alias(CYCLES_KNOWN),
    )
    timed = base.select(
        "id", SINGLE_CYCLE, CYCLES_KNOWN, *_timestamp_exprs(base.collect_schema(), hours)
    )
    msg_cols = list(MESSAGE_COLUMNS) + (list(_MESSAGE_OPERATION) if hours is not None else [])
    counts = ["replyCount"] + (["replyCountInOperation"] if hours is not None else [])
    out = timed.join(_message_plan(exp, hours), on="id", how="left", maintain_order="left")
    out = out.with_columns(pl.col(counts).fill_null(0))
    names = _ordered(out.collect_schema().names(), msg_cols)
    return out.select("id", *names, SINGLE_CYCLE, CYCLES_KNOWN)


def _ordered(names: list[str], msg_cols: list[str]) -> list[str]:
    timed = [n for n in names if n not in ("id", SINGLE_CYCLE, CYCLES_KNOWN, *msg_cols)]
    return [*timed, *msg_cols]


def resolve_calendars(
    exp: Export, hours: HoursArg, team_hours: Mapping[str, OperatingHours] | None = None
) -> TeamHours | None:
    """The calendars of the ``…InOperation`` columns (``"infer"`` is refused for 2026)."""
    if isinstance(hours, str) and hours == "infer":
        msg = "operating hours cannot be inferred from a 2026 export yet"
        raise InvalidValueError(msg, hint="pass hours=ct.OperatingHours.weekly(...) or None.")
    resolved = resolve_hours(exp, hours)
    if resolved is not None and not isinstance(resolved, OperatingHours):
        msg = f"the …InOperation columns need an OperatingHours calendar, got {resolved!r}"
        raise InvalidValueError(msg, hint="pass hours=ct.OperatingHours.weekly(...).")
    return TeamHours.of(resolved, team_hours)


@overload
def channel_2026_metrics(
    exp: Export,
    hours: HoursArg = ...,
    *,
    team_hours: Mapping[str, OperatingHours] | None = ...,
    lazy: Literal[False] = ...,
) -> pl.DataFrame: ...
@overload
def channel_2026_metrics(
    exp: Export,
    hours: HoursArg = ...,
    *,
    team_hours: Mapping[str, OperatingHours] | None = ...,
    lazy: Literal[True],
) -> pl.LazyFrame: ...
def channel_2026_metrics(
    exp: Export,
    hours: HoursArg = None,
    *,
    team_hours: Mapping[str, OperatingHours] | None = None,
    lazy: bool = False,
) -> pl.DataFrame | pl.LazyFrame:
    """The 2026 export's measured columns recomputed by Channel Talk's documented formulas.

    Parameters
    ----------
    exp
        A 2026-generation export (the messages are needed for the answer columns only;
        without them those are blank and the counts 0).
    hours
        The channel's operating hours: adds the ``…InOperation`` twins.
    team_hours
        ``teamId`` → the hours of a team that follows its own (535967): its chats'
        twins use them instead of ``hours``.
    lazy
        Return the ``LazyFrame`` plan instead of collecting it.

    Returns
    -------
    One row per chat of ``exp.chats``: ``id``, every column of
    :data:`TIMESTAMP_FORMULAS` and :data:`HANDLING_FORMULAS` (with ``hours`` their
    twins), the answer columns :data:`MESSAGE_COLUMNS` (with ``hours``
    ``replyCountInOperation``, ``totalReplyTimeInOperation``,
    ``avgReplyTimeInOperation``), ``single_cycle`` (never reopened: the handling
    times are blank otherwise) and ``cycles_known`` (reopened at most once: every
    cycle's bounds are exported, so the answers are replayed cycle by cycle). The rules are in the module docstring.
    """
    resolved = resolve_calendars(exp, hours, team_hours)
    plan = channel_2026_plan(exp, resolved)
    return plan if lazy else collect(plan, exp)
