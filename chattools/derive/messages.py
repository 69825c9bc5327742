"""Messages in conversation order, with the side each one speaks for.

The one place that decides message order and sides, used by the timeline, the
waiting intervals and the reply metrics alike.

Order: chat, ``createdAt``, then original file order (``_file`` position in the
sources, then ``_row``) — timestamps have one-second resolution, so same-second ties
are common and file order is the only tie-breaker that is right.

Sides (see ``docs/metrics.md``): ``personType == "user"`` → ``"customer"``,
``"manager"`` → ``"team"`` (``"note"`` when ``isPrivate`` is true: internal notes
never answer a customer), ``"bot"`` → ``"bot"``; anything else → ``"other"``.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools import schema
>>> from chattools.derive.messages import ordered_messages
>>> tz = "Asia/Seoul"
>>> t = datetime(2024, 3, 4, 10, 0, 0)
>>> msgs = pl.DataFrame({
...     "chatId": ["c1", "c1", "c1"], "personType": ["manager", "user", "bot"],
...     "personId": ["7", "u", "9"], "createdAt": [t, t, t], "plainText": ["b", "a", "c"],
...     "_file": ["f.xlsx"] * 3, "_sheet": ["Message data"] * 3, "_row": [2, 1, 3],
... }).with_columns(pl.col("createdAt").dt.replace_time_zone(tz))
>>> ordered_messages(msgs.lazy()).collect().select("plainText", "side", "message_number").rows()
[('a', 'customer', 1), ('b', 'team', 2), ('c', 'bot', 3)]
"""

from __future__ import annotations

import polars as pl

__all__ = ["SIDES", "is_mention", "ordered_messages", "side_expr"]

#: Every value of the ``side`` column.
SIDES = ("customer", "team", "bot", "note", "other")


def is_mention(schema: pl.Schema) -> pl.Expr:
    """Whether a message's text starts with ``@`` (a team mention); false without text.

    Channel Talk does not count such manager messages as replies (measured on real
    legacy exports, which have no ``isPrivate``); its replay
    (:mod:`chattools.derive.channel_replay`) reads them as notes.
    """
    if "plainText" not in schema:
        return pl.lit(False)
    return pl.col("plainText").cast(pl.String).str.starts_with("@").fill_null(False)


def side_expr(schema: pl.Schema) -> pl.Expr:
    """The ``side`` of each message, from ``personType`` (and ``isPrivate`` when present)."""
    team = pl.lit("team")
    if "isPrivate" in schema:
        team = pl.when(pl.col("isPrivate").fill_null(False)).then(pl.lit("note")).otherwise(team)
    return (
        pl.when(pl.col("personType") == "user")
        .then(pl.lit("customer"))
        .when(pl.col("personType") == "manager")
        .then(team)
        .when(pl.col("personType") == "bot")
        .then(pl.lit("bot"))
        .otherwise(pl.lit("other"))
        .alias("side")
    )


def ordered_messages(
    messages: pl.LazyFrame, *, file_order: list[str] | None = None
) -> pl.LazyFrame:
    """Sort messages into conversation order and add ``side`` and ``message_number``.

    ``file_order`` lists source file names in load order (``Export.sources["file"]``);
    without it files sort by name. ``message_number`` counts from 1 within each chat.
    """
    schema = messages.collect_schema()
    if file_order:
        rank = pl.col("_file").replace_strict(
            file_order, list(range(len(file_order))), default=len(file_order), return_dtype=pl.Int64
        )
    else:
        rank = pl.col("_file")
    return (
        messages.with_columns(rank.alias("__file_rank"), side_expr(schema))
        .sort("chatId", "createdAt", "__file_rank", "_row", nulls_last=True, maintain_order=True)
        .drop("__file_rank")
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("chatId").alias("message_number")
        )
    )
