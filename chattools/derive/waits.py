"""Waiting intervals ("hold time"): who was waiting on whom, from when to when.

Each customer or team run (see :mod:`chattools.derive.runs`) opens one interval that
lasts until the other side speaks:

* ``"customer_on_team"`` — from the first customer message of a run to the next team
  message (Zendesk "requester wait", Chatwoot "reply time"); ended by a ``"reply"``.
  Never answered: an *unanswered tail*, ended by ``"close"`` (at ``closedAt``) or, in
  a chat still open, by ``"export"`` (its current pending age).
* ``"team_on_customer"`` — from the first team message of a run to the next customer
  message (Zendesk "pending" / agent wait); ended by ``"customer"``, or at the end
  of a closed chat by ``"close"`` (``ended_waiting_on_customer``) or ``"export"``.

The intervals of a chat tile the time from its first counted message to its close
(or the export time) without overlapping. The last interval of earlier cycles
(``cycle == 0``) ended when that cycle was closed, which legacy exports do not
record: its ``end`` and ``duration`` are null.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> import chattools as ct
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2024, 3, 4, 10, m)
>>> chats = pl.DataFrame({"id": ["c1"], "state": ["closed"], "openedAt": [t(0)],
...                       "closedAt": [t(30)]}).with_columns(
...     pl.col("openedAt", "closedAt").dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1"] * 3, "personType": ["user", "manager", "user"],
...                      "createdAt": [t(0), t(5), t(20)], "_row": [1, 2, 3]}).with_columns(
...     pl.col("createdAt").dt.replace_time_zone(tz))
>>> w = ct.waits(ct.Export({"chats": chats, "messages": msgs}))
>>> w.select("waiting", "duration", "ended_by").rows()
[('customer_on_team', datetime.timedelta(seconds=300), 'reply'),
 ('team_on_customer', datetime.timedelta(seconds=900), 'customer'),
 ('customer_on_team', datetime.timedelta(seconds=600), 'close')]
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, overload

import polars as pl

from chattools.derive.collect import collect
from chattools.derive.infer_hours import HoursArg, resolve_hours
from chattools.derive.runs import CYCLE_EARLIER, HoursLike, as_of_frame, runs_lazy
from chattools.export import Export

__all__ = ["WAITING", "intervals_lazy", "waits"]

#: Values of the ``waiting`` column.
WAITING = ("customer_on_team", "team_on_customer")
#: Values of the ``ended_by`` column.
ENDED_BY = ("reply", "customer", "close", "export")


def intervals_lazy(
    runs: pl.LazyFrame, as_of: pl.LazyFrame, hours: HoursLike | None = None
) -> pl.LazyFrame:
    """Waiting intervals from a runs plan and a one-row ``as_of`` frame."""
    customer = pl.col("side") == "customer"
    answered = pl.col("next_start").is_not_null()
    earlier = pl.col("cycle") == CYCLE_EARLIER
    ended_by = (
        pl.when(answered)
        .then(pl.when(customer).then(pl.lit("reply")).otherwise(pl.lit("customer")))
        .when(earlier | pl.col("is_closed"))
        .then(pl.lit("close"))
        .otherwise(pl.lit("export"))
    )
    end = (
        pl.when(answered)
        .then(pl.col("next_start"))
        .when(earlier)
        .then(None)
        .when(pl.col("is_closed"))
        .then(pl.col("closedAt"))
        .otherwise(pl.max_horizontal("as_of", "start"))
    )
    out = runs.join(as_of, how="cross", maintain_order="left").select(
        "chat_id",
        "cycle",
        "run",
        pl.when(customer)
        .then(pl.lit(WAITING[0]))
        .otherwise(pl.lit(WAITING[1]))
        .cast(pl.Enum(WAITING))
        .alias("waiting"),
        "start",
        end.alias("end"),
        (end - pl.col("start")).alias("duration"),
        (ended_by == "export").alias("open_at_export"),
        ended_by.cast(pl.Enum(ENDED_BY)).alias("ended_by"),
    )
    if hours is not None:
        out = out.with_columns(
            hours.business_duration("start", "end").alias("duration_business")
        ).select(
            "chat_id",
            "cycle",
            "run",
            "waiting",
            "start",
            "end",
            "duration",
            "duration_business",
            "open_at_export",
            "ended_by",
        )
    return out


@overload
def waits(
    exp: Export,
    hours: HoursArg = ...,
    *,
    as_of: datetime | None = ...,
    lazy: Literal[False] = ...,
) -> pl.DataFrame: ...
@overload
def waits(
    exp: Export,
    hours: HoursArg = ...,
    *,
    as_of: datetime | None = ...,
    lazy: Literal[True],
) -> pl.LazyFrame: ...
@overload
def waits(
    exp: Export,
    hours: HoursArg = ...,
    *,
    as_of: datetime | None = ...,
    lazy: bool,
) -> pl.DataFrame | pl.LazyFrame: ...
def waits(
    exp: Export,
    hours: HoursArg = None,
    *,
    as_of: datetime | None = None,
    lazy: bool = False,
) -> pl.DataFrame | pl.LazyFrame:
    """One row per waiting interval of every chat, in conversation order.

    Parameters
    ----------
    exp
        The export (eager or lazy frames).
    hours
        Operating hours, or ``"infer"`` (:func:`chattools.infer_operating_hours`);
        adds ``duration_business``.
    as_of
        Export time that ends the intervals still running in open chats. Default:
        the latest message time in the export. Naive values are read in the
        export's time zone.
    lazy
        Return the ``LazyFrame`` plan instead of collecting it.

    Returns
    -------
    Columns ``chat_id``, ``cycle`` (0 earlier cycles, 1 latest), ``run`` (the
    interval's position in its cycle, from 1), ``waiting``
    (``"customer_on_team"`` / ``"team_on_customer"``), ``start``, ``end``,
    ``duration``, ``duration_business`` (with ``hours``), ``open_at_export`` and
    ``ended_by`` (``"reply"``, ``"customer"``, ``"close"``, ``"export"``).
    """
    hrs = resolve_hours(exp, hours)
    plan = intervals_lazy(runs_lazy(exp), as_of_frame(exp, as_of), hrs)
    return plan if lazy else collect(plan, exp)
