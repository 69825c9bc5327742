"""Channel Talk's replay of a chat's messages: who opened the cycle, and its reply samples.

The rules, measured on real legacy exports (``docs/metrics.md``; figures in
``docs/decisions.md``), applied to the **latest cycle** only — messages from
``openedAt`` (inclusive) to ``closedAt`` of a closed chat — in file order:

1. **Who opened the cycle.** The customer is waiting from ``openedAt`` when a customer
   message is *at* ``openedAt``, or when nothing is at ``openedAt`` and either the chat
   has no earlier message or the next message is the customer's (an opening by form or
   button is not a message). Otherwise the team opened it (a manager message at
   ``openedAt``, or a reopen followed by a manager message): the first wait starts at
   the next customer message. Bot messages are not looked at; internal notes are the
   team's.
2. A customer message starts a wait when none is running: a sample starts at the
   **first** customer message of the run.
3. The first counted team message during a wait is the reply and ends the wait; more
   team messages do nothing (also several in the same second).
4. Manager messages whose text starts with ``@`` (team mentions) and ``isPrivate`` notes
   are not replies; messages with empty text count, on both sides.

The sample frame is what :func:`chattools.derive.channel.channel_metrics` sums up.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools import Export
>>> from chattools.derive.channel_replay import channel_samples
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2022, 7, 4, 10, m)
>>> chats = pl.DataFrame({"id": ["in", "out"], "state": ["closed"] * 2,
...     "openedAt": [t(0), t(0)], "closedAt": [t(59), t(59)]}).with_columns(
...     pl.col("openedAt", "closedAt").dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["in", "in", "in", "out", "out", "out"],
...     "personType": ["manager", "user", "manager", "manager", "user", "manager"],
...     "plainText": ["@kim look", "hello", "hi", "news!", "what?", "this"],
...     "createdAt": [t(3), t(4), t(9), t(0), t(20), t(25)]}).with_columns(
...     pl.col("createdAt").dt.replace_time_zone(tz), pl.int_range(6).alias("_row"))
>>> s = channel_samples(Export({"chats": chats, "messages": msgs}))
>>> s.select("chat_id", "opened_by", "customer_at", "replied_at").rows()  # doctest: +ELLIPSIS
[('in', 'customer', datetime.datetime(2022, 7, 4, 10, 0, tzinfo=...),
  datetime.datetime(2022, 7, 4, 10, 9, tzinfo=...)),
 ('out', 'team', datetime.datetime(2022, 7, 4, 10, 20, tzinfo=...),
  datetime.datetime(2022, 7, 4, 10, 25, tzinfo=...))]

The customer of chat ``in`` waits from ``openedAt`` (nothing is at ``openedAt`` and the
chat has no earlier message); the ``@`` mention is not a reply. The team opened chat
``out``: its first sample starts at the customer's first message.
"""

from __future__ import annotations

from typing import Literal, overload

import polars as pl

from chattools.derive.collect import collect
from chattools.derive.messages import is_mention, side_expr
from chattools.derive.runs import CYCLE_EARLIER, CYCLE_LATEST, block_number, cycle_messages
from chattools.export import Export

__all__ = ["OPENED_BY", "channel_samples", "channel_side", "openings", "replay"]

#: Values of ``opened_by``: who opened the latest cycle, by Channel Talk's rule.
OPENED_BY = ("customer", "team")

_HUMAN = ("customer", "team", "note")


def channel_side(schema: pl.Schema, mention: pl.Expr | None = None) -> pl.Expr:
    """The ``side`` of each message as Channel Talk's replay reads it (rule 4).

    :func:`~chattools.derive.messages.side_expr`, with manager messages whose text
    starts with ``@`` read as notes (the analyst's metrics leave them as team replies).
    ``mention`` replaces :func:`~chattools.derive.messages.is_mention` (a column
    computed before the text was dropped).
    """
    side = side_expr(schema)
    at = is_mention(schema) if mention is None else mention
    return pl.when((side == "team") & at).then(pl.lit("note")).otherwise(side).alias("side")


def openings(messages: pl.LazyFrame, chats: pl.LazyFrame) -> pl.LazyFrame:
    """Per chat (``id``): ``opened_by`` — who opened the latest cycle (rule 1).

    ``messages`` are :func:`~chattools.derive.runs.cycle_messages` (ordered, with
    ``side`` and ``cycle``); ``chats`` has ``id`` and ``openedAt``. Null for chats
    never opened.
    """
    side = pl.col("side")
    at_open = pl.col("createdAt") == pl.col("openedAt")
    later = (pl.col("cycle") == CYCLE_LATEST) & ~at_open
    flags = (
        messages.filter(side.is_in(_HUMAN) & pl.col("cycle").is_not_null())
        .group_by("chatId")
        .agg(
            (at_open & (side == "customer")).any().alias("__user_at_open"),
            at_open.any().alias("__any_at_open"),
            (pl.col("cycle") == CYCLE_EARLIER).any().alias("__earlier"),
            side.filter(later).first().alias("__next_side"),
        )
        .rename({"chatId": "id"})
    )
    customer = pl.col("__user_at_open") | (
        ~pl.col("__any_at_open") & (~pl.col("__earlier") | (pl.col("__next_side") == "customer"))
    )
    return (
        chats.select("id", "openedAt")
        .join(flags, on="id", how="left", maintain_order="left")
        .with_columns(pl.col("__user_at_open", "__any_at_open", "__earlier").fill_null(False))
        .select(
            "id",
            pl.when(pl.col("openedAt").is_null())
            .then(None)
            .when(customer.fill_null(False))
            .then(pl.lit("customer"))
            .otherwise(pl.lit("team"))
            .alias("opened_by"),
        )
    )


#: The message columns the replay reads (besides the text, read once for rule 4).
_REPLAY_COLUMNS = ("chatId", "createdAt", "personType", "isPrivate", "_file", "_row")


def _replay_messages(exp: Export) -> pl.LazyFrame:
    """:func:`~chattools.derive.runs.cycle_messages` with Channel Talk's ``side``,
    ordered, numbered (``__i``) and narrowed to what the replay reads.

    The text is only needed for rule 4 (a ``@`` note), so it is read before the sort
    and not carried through it; an export in memory collects the ordered messages once,
    since the samples, the openings and their joins all read them (over a dataset the
    plan keeps streaming).
    """
    messages = exp.lazy("messages")
    available = messages.collect_schema()
    narrow = messages.select(
        *[c for c in _REPLAY_COLUMNS if c in available],
        is_mention(available).alias("__mention"),
    )
    msgs = cycle_messages(exp.with_frames(messages=narrow)).with_row_index("__i")
    side = channel_side(msgs.collect_schema(), mention=pl.col("__mention"))
    msgs = msgs.with_columns(side).drop("__mention")
    return msgs if exp.is_lazy else collect(msgs, exp).lazy()


def replay(exp: Export) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """``(samples, openings)``: the plans behind :func:`channel_samples`.

    ``openings`` has ``id``, ``opened_by`` and ``first_wait_at`` (when the cycle's first
    wait starts, answered or not: ``openedAt`` or the first customer message).
    """
    msgs = _replay_messages(exp)
    opened = openings(msgs, exp.lazy("chats"))
    counted = msgs.filter(
        (pl.col("cycle") == CYCLE_LATEST) & pl.col("side").is_in(["customer", "team"])
    ).select("chatId", "createdAt", "side", pl.col("__i").cast(pl.Int64))
    # a customer waiting from openedAt: a customer message at openedAt, before all others
    starts = (
        opened.filter(pl.col("opened_by") == "customer")
        .join(exp.lazy("chats").select("id", "openedAt"), on="id", how="left")
        .select(
            pl.col("id").alias("chatId"),
            pl.col("openedAt").alias("createdAt"),
            pl.lit("customer").alias("side"),
            pl.lit(-1, dtype=pl.Int64).alias("__i"),
        )
    )
    schema = counted.collect_schema()
    events = pl.concat([counted, starts.cast(schema)]).sort("chatId", "createdAt", "__i")
    first = (pl.col("chatId") != pl.col("chatId").shift(1)) | (
        pl.col("side") != pl.col("side").shift(1)
    )
    runs = events.filter(first.fill_null(True))
    first_wait = (
        events.filter(pl.col("side") == "customer")
        .group_by("chatId")
        .agg(pl.col("createdAt").min().alias("first_wait_at"))
        .rename({"chatId": "id"})
    )
    opened = opened.join(first_wait, on="id", how="left", maintain_order="left")
    answered = (pl.col("side") == "customer") & (
        pl.col("chatId") == pl.col("chatId").shift(-1)
    ).fill_null(False)
    samples = (
        runs.with_columns(pl.col("createdAt").shift(-1).alias("replied_at"))
        .filter(answered)
        .select(
            pl.col("chatId").alias("chat_id"),
            block_number("chatId").alias("sample"),
            pl.col("createdAt").alias("customer_at"),
            "replied_at",
            (pl.col("replied_at") - pl.col("createdAt")).alias("reply_time"),
        )
        .join(
            opened.select(pl.col("id").alias("chat_id"), "opened_by"),
            on="chat_id",
            how="left",
            maintain_order="left",
        )
    )
    return samples, opened


@overload
def channel_samples(exp: Export, *, lazy: Literal[False] = ...) -> pl.DataFrame: ...
@overload
def channel_samples(exp: Export, *, lazy: Literal[True]) -> pl.LazyFrame: ...
def channel_samples(exp: Export, *, lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
    """One row per reply sample of the latest cycle, by Channel Talk's replay.

    Columns: ``chat_id``, ``sample`` (1-based within the chat), ``customer_at`` (the
    start of the wait: ``openedAt`` or the first customer message of the run),
    ``replied_at`` (the first counted team message after it), ``reply_time``, and
    ``opened_by`` (``"customer"`` or ``"team"``, see the module docstring).
    """
    samples, _ = replay(exp)
    return samples if lazy else samples.collect()
