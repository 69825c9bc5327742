"""Customer and team *runs*: consecutive messages of one side, per chat and cycle.

Every waiting interval and every reply sample is read off these runs, so the rules
that decide which messages count live here, once (see ``docs/decisions.md``):

* message order and sides come from :func:`chattools.derive.messages.ordered_messages`;
* only customer and team messages form runs — bot messages and internal notes are
  dropped *before* collapsing, so ``U B U M`` is one customer run answered by the team;
* ``cycle`` is ``1`` for the latest open→close cycle (``openedAt <= createdAt``, and
  ``createdAt <= closedAt`` when the chat is closed) and ``0`` for everything before
  ``openedAt`` ("earlier cycles": legacy exports do not say where they start or end);
* chats without ``openedAt`` (never handed to the team) and messages after ``closedAt``
  of a closed chat have no cycle and form no runs.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools import Export, schema
>>> from chattools.derive.runs import runs
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2024, 3, 4, 10, m)
>>> chats = pl.DataFrame({"id": ["c1"], "state": ["closed"], "openedAt": [t(0)],
...                       "closedAt": [t(30)]}).with_columns(
...     pl.col("openedAt", "closedAt").dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1"] * 4, "personType": ["user", "bot", "user", "manager"],
...                      "createdAt": [t(0), t(1), t(2), t(5)], "_row": [1, 2, 3, 4]}).with_columns(
...     pl.col("createdAt").dt.replace_time_zone(tz))
>>> exp = Export({"chats": chats, "messages": msgs})
>>> runs(exp).select("run", "side", "messages", "next_start").rows()  # doctest: +ELLIPSIS
[(1, 'customer', 2, datetime.datetime(2024, 3, 4, 10, 5, tzinfo=...)), (2, 'team', 1, None)]
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol, overload, runtime_checkable

import polars as pl

from chattools import schema
from chattools.derive.collect import collect
from chattools.derive.messages import ordered_messages, side_expr
from chattools.errors import InvalidValueError
from chattools.export import Export

__all__ = [
    "CYCLE_EARLIER",
    "CYCLE_LATEST",
    "HoursLike",
    "as_of_frame",
    "block_number",
    "chat_states",
    "check_hours",
    "cycle_messages",
    "file_order",
    "runs",
    "runs_lazy",
]

#: ``cycle`` of messages before the latest ``openedAt`` (earlier, unknown cycles).
CYCLE_EARLIER = 0
#: ``cycle`` of the latest open→close cycle (what legacy chat rows describe).
CYCLE_LATEST = 1

_HUMAN = ("customer", "team")


def file_order(exp: Export) -> list[str] | None:
    """Source file names in load order (the tie-breaker for same-second messages)."""
    if exp.sources.height == 0:
        return None
    return exp.sources.get_column("file").to_list()


def chat_states(exp: Export) -> pl.LazyFrame:
    """Per chat: ``openedAt``, ``closedAt`` and ``is_closed`` (state ``"closed"``)."""
    return exp.require("chats", "id", "openedAt", "closedAt", "state").select(
        pl.col("id").alias("chatId"),
        "openedAt",
        "closedAt",
        (pl.col("state") == "closed").fill_null(False).alias("is_closed"),
    )


def _ensure_messages(exp: Export) -> pl.LazyFrame:
    """The messages sheet with the provenance columns ordering needs.

    Frames built without provenance (e.g. ``chattools.sample``) get ``_row`` = their
    row position, so same-second ties keep the frame's order through joins.
    """
    lf = exp.require("messages", "chatId", "personType", "createdAt")
    names = lf.collect_schema().names()
    if "_row" not in names:
        lf = lf.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    if "_file" not in names:
        lf = lf.with_columns(pl.lit(None, dtype=pl.String()).alias("_file"))
    return lf


def cycle_messages(exp: Export, *, counted_only: bool = False) -> pl.LazyFrame:
    """Ordered messages with their chat's cycle bounds and ``cycle``.

    ``cycle`` is null for messages that belong to no known cycle (chat never opened,
    or after ``closedAt`` of a closed chat) — see the module docstring. With
    ``counted_only``, keep only the customer and team messages that have a cycle
    (what runs are made of); filtering before ordering keeps the sort small.
    """
    t = pl.col("createdAt")
    cycle = (
        pl.when(pl.col("openedAt").is_null())
        .then(None)
        .when(t < pl.col("openedAt"))
        .then(pl.lit(CYCLE_EARLIER))
        .when(pl.col("is_closed") & pl.col("closedAt").is_not_null() & (t > pl.col("closedAt")))
        .then(None)
        .otherwise(pl.lit(CYCLE_LATEST))
        .cast(pl.Int8)
        .alias("cycle")
    )
    messages = _ensure_messages(exp)
    if counted_only:
        messages = messages.filter(side_expr(messages.collect_schema()).is_in(_HUMAN))
    joined = messages.join(chat_states(exp), on="chatId", how="left").with_columns(cycle)
    if counted_only:
        joined = joined.filter(pl.col("cycle").is_not_null())
    return ordered_messages(joined, file_order=file_order(exp))


def block_number(*keys: str, index: pl.Expr | None = None) -> pl.Expr:
    """1-based position within consecutive blocks of equal ``keys`` (a sorted frame).

    The same as ``int_range(1, len + 1).over(keys)`` on a frame sorted by ``keys``,
    without hashing the keys.
    """
    idx = pl.int_range(pl.len(), dtype=pl.Int64) if index is None else index
    first = pl.any_horizontal(*[pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys])
    return idx - pl.when(first).then(idx).forward_fill() + 1


def runs_lazy(exp: Export) -> pl.LazyFrame:
    """The plan behind :func:`runs` (a ``LazyFrame``).

    Messages are in conversation order, so a run is a block of consecutive rows.
    Keeping only the first and last row of each block, a run's last message is its
    own row (one-message run) or the next row: one pass, no group-by, no second sort.
    """
    keys = ("chatId", "cycle", "side")
    first = pl.any_horizontal(*[pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys])
    own_or_next = pl.when(pl.col("__last"))
    blocks = (
        cycle_messages(exp, counted_only=True)
        .with_columns(first.alias("__first"), pl.int_range(pl.len(), dtype=pl.Int64).alias("__i"))
        .with_columns(pl.col("__first").shift(-1, fill_value=True).alias("__last"))
        .filter(pl.col("__first") | pl.col("__last"))
        .with_columns(
            own_or_next.then(pl.col("createdAt"))
            .otherwise(pl.col("createdAt").shift(-1))
            .alias("last"),
            own_or_next.then(pl.col("__i")).otherwise(pl.col("__i").shift(-1)).alias("__j"),
        )
        .filter(pl.col("__first"))
        .rename({"chatId": "chat_id", "createdAt": "start"})
    )
    same_block = (pl.col("chat_id") == pl.col("chat_id").shift(-1)) & (
        pl.col("cycle") == pl.col("cycle").shift(-1)
    )
    return blocks.select(
        "chat_id",
        "cycle",
        block_number("chat_id", "cycle").alias("run"),
        "side",
        "start",
        "last",
        (pl.col("__j") - pl.col("__i") + 1).alias("messages"),
        pl.when(same_block.fill_null(False))
        .then(pl.col("start").shift(-1))
        .otherwise(None)
        .alias("next_start"),
        "openedAt",
        "closedAt",
        "is_closed",
    )


@overload
def runs(exp: Export, *, lazy: Literal[False] = ...) -> pl.DataFrame: ...
@overload
def runs(exp: Export, *, lazy: Literal[True]) -> pl.LazyFrame: ...
@overload
def runs(exp: Export, *, lazy: bool) -> pl.DataFrame | pl.LazyFrame: ...
def runs(exp: Export, *, lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
    """One row per run of customer or team messages, per chat and cycle.

    Columns: ``chat_id``, ``cycle`` (0 earlier cycles, 1 latest), ``run`` (1-based
    within chat and cycle), ``side`` (``"customer"``/``"team"``), ``start`` (first
    message), ``last`` (last message), ``messages``, ``next_start`` (first message
    of the next run of the same cycle, null for the last run), and the chat's
    ``openedAt``, ``closedAt``, ``is_closed``.
    """
    plan = runs_lazy(exp)
    return plan if lazy else collect(plan, exp)


def as_of_frame(exp: Export, as_of: datetime | None) -> pl.LazyFrame:
    """A one-row ``LazyFrame`` with column ``as_of``: the export time.

    Default: the latest message time in the export. A naive ``as_of`` is read in the
    export's time zone.
    """
    dtype = pl.Datetime(schema.TIME_UNIT, exp.timezone)
    if as_of is None:
        return (
            exp.lazy("messages")
            .select(pl.col("createdAt").max().cast(dtype).alias("as_of"))
            .select(pl.col("as_of"))
        )
    if not isinstance(as_of, datetime):
        msg = f"as_of must be a datetime, got {as_of!r}"
        raise InvalidValueError(msg, hint="pass e.g. as_of=datetime(2024, 6, 30, 23, 59).")
    value = pl.lit(as_of)
    value = (
        value.dt.replace_time_zone(exp.timezone)
        if as_of.tzinfo is None
        else value.dt.convert_time_zone(exp.timezone)
    )
    return pl.LazyFrame().select(value.cast(dtype).alias("as_of"))


@runtime_checkable
class HoursLike(Protocol):
    """What the derive functions need from :class:`chattools.OperatingHours`."""

    def business_duration(self, start: str | pl.Expr, end: str | pl.Expr, /) -> pl.Expr:
        """Open time within ``[start, end)`` as a Duration."""

    def is_open(self, time: str | pl.Expr, /) -> pl.Expr:
        """Whether each instant falls inside an open interval."""


def check_hours(hours: object) -> HoursLike | None:
    """Validate the ``hours`` argument (``None`` or an operating-hours object)."""
    if hours is None or isinstance(hours, HoursLike):
        return hours
    msg = f"hours must be an OperatingHours or None, got {hours!r}"
    raise InvalidValueError(
        msg,
        hint='build one with ct.OperatingHours.weekly({"mon-fri": "09:00-18:00"}, '
        'timezone="Asia/Seoul", holidays="KR").',
    )
