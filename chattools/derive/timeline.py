"""The timeline: every message in conversation order, with who sent it and its chat.

Ordering and sides come from :func:`chattools.derive.messages.ordered_messages` (chat,
``createdAt``, then file order); this module adds names and chat columns:

- ``sender_name``: the manager's name (Manager sheet), the bot's name (Bot sheet) or the
  customer's name (User sheet by ``personId``, then the chat's user, then the chat's
  ``name``); ids no sheet knows get a placeholder such as ``"manager 1234 (unknown)"`` and
  ``sender_known=False``;
- ``chat_known``, ``state``, ``assigneeId``, ``userId``, ``chat_name`` from the chat.

Nothing is dropped: messages whose chat is missing from the chats sheet stay, with
``chat_known=False``; chats without any message are listed by
:func:`chats_without_messages`. Duplicate message rows (genuine in real exports) stay.

Examples
--------
>>> import chattools as ct
>>> ct.timeline(ct.Export.empty()).columns[:6]
['chatId', 'message_number', 'createdAt', 'side', 'personType', 'personId']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

import polars as pl

from chattools import schema
from chattools.derive.joins import join_lookup, lookup, placeholder_expr
from chattools.derive.messages import ordered_messages
from chattools.export import Export

__all__ = ["FRONT_COLUMNS", "chats_without_messages", "timeline"]

#: The first columns of a timeline, in order; the message's other columns follow.
FRONT_COLUMNS = (
    "chatId",
    "message_number",
    "createdAt",
    "side",
    "personType",
    "personId",
    "sender_name",
    "sender_known",
    "plainText",
)
_CHAT_COLUMNS = ("chat_known", "state", "assigneeId", "userId", "chat_name")


def _hit(name: str) -> pl.Expr:
    return pl.lit(True).alias(name)


@overload
def timeline(
    exp: Export, *, chat_ids: Sequence[str] | None = ..., lazy: Literal[False] = ...
) -> pl.DataFrame: ...
@overload
def timeline(
    exp: Export, *, chat_ids: Sequence[str] | None = ..., lazy: Literal[True]
) -> pl.LazyFrame: ...
def timeline(
    exp: Export, *, chat_ids: Sequence[str] | None = None, lazy: bool = False
) -> pl.DataFrame | pl.LazyFrame:
    """Messages joined to their chat, in conversation order, with sender names.

    Parameters
    ----------
    exp
        The export.
    chat_ids
        Only these chats (filtered before ordering; handy for a single transcript).
    lazy
        Return a ``LazyFrame``.

    Returns
    -------
    One row per message row of ``exp.messages`` (same count; see the module docstring
    for the columns).

    Examples
    --------
    >>> import polars as pl, chattools as ct
    >>> from chattools import schema
    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> def typed(sheet, **columns):  # a typed frame from a few columns
    ...     return pl.concat([schema.empty_frame(sheet), pl.DataFrame(columns)],
    ...                      how="diagonal_relaxed")
    >>> t = datetime(2026, 3, 4, 10, 0, 5, tzinfo=ZoneInfo("Asia/Seoul"))
    >>> msgs = typed("messages", chatId=["c1", "c1"], personType=["user", "manager"],
    ...              personId=["u1", "42"], createdAt=[t, t], plainText=["hi", "hello"],
    ...              _row=[1, 2])
    >>> chats = typed("chats", id=["c1"], userId=["u1"], name=["Kim"])
    >>> exp = ct.Export({"messages": msgs, "chats": chats})
    >>> ct.timeline(exp).select("sender_name", "sender_known", "side").rows()
    [('Kim', True, 'customer'), ('manager 42 (unknown)', False, 'team')]
    """
    messages = exp.lazy("messages")
    if chat_ids is not None:
        messages = messages.filter(pl.col("chatId").is_in(list(chat_ids)))
    ordered = ordered_messages(messages, file_order=exp.sources["file"].to_list())

    def names(sheet: str) -> pl.LazyFrame:
        return lookup(exp.lazy(sheet), {"name": "__name"}).drop("__hit")

    users = names("users")
    # one row per chat (small): its columns and its user's name
    chats = (
        lookup(
            exp.lazy("chats"),
            {"state": "state", "assigneeId": "assigneeId", "userId": "userId", "name": "chat_name"},
        )
        .rename({"__hit": "chat_known"})
        .join(
            users.rename({"id": "userId", "__name": "__chat_user_name"}),
            on="userId",
            how="left",
            maintain_order="left",
        )
    )
    # one lookup of every sender, keyed by (personType, personId): two big joins in all
    senders = pl.concat(
        [
            names(sheet).with_columns(pl.lit(kind).alias("personType"))
            for sheet, kind in (("users", "user"), ("managers", "manager"), ("bots", "bot"))
        ]
    ).rename({"id": "personId"})
    out = join_lookup(ordered, chats, "chatId").with_columns(pl.col("chat_known").fill_null(False))
    out = out.join(senders, on=["personType", "personId"], how="left", maintain_order="left")

    person_type = pl.col("personType")
    # a customer: the User row of personId, else the chat's user, else the chat's name
    customer = pl.coalesce("__name", "__chat_user_name", "chat_name")
    name = (
        pl.when(person_type == "user")
        .then(pl.coalesce(customer, placeholder_expr("customer", pl.col("personId"))))
        .when(person_type.is_in(["manager", "bot"]))
        .then(pl.coalesce("__name", placeholder_expr(person_type, pl.col("personId"))))
        .otherwise(
            pl.format(
                "{} {}", person_type.fill_null("sender"), pl.col("personId").fill_null("(no id)")
            )
        )
    )
    known = (
        pl.when(person_type == "user")
        .then(customer.is_not_null())
        .otherwise(pl.col("__name").is_not_null())
    )
    out = out.with_columns(name.alias("sender_name"), known.alias("sender_known"))
    columns = out.collect_schema()
    helper = {"__name", "__chat_user_name"}
    provenance = [c for c in schema.PROVENANCE_COLUMNS if c in columns]
    front = [c for c in FRONT_COLUMNS if c in columns]
    rest = [
        c
        for c in columns
        if c not in helper and c not in front and c not in provenance and c not in _CHAT_COLUMNS
    ]
    out = out.select(*front, *rest, *_CHAT_COLUMNS, *provenance)
    return out if lazy else out.collect()


def chats_without_messages(exp: Export) -> pl.DataFrame:
    """The chats that have no message in ``exp.messages`` (in the chats' order).

    Exports downloaded without "message data" have no messages at all, so then every
    chat is listed.

    >>> import chattools as ct
    >>> chats_without_messages(ct.Export.empty()).height
    0
    """
    ids = exp.lazy("messages").select(pl.col("chatId").alias("id")).unique()
    return exp.lazy("chats").join(ids, on="id", how="anti", maintain_order="left").collect()
