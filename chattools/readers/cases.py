"""Chat-level rows from a by-case export, so chat functions work on case exports.

A by-case export (``UserChatCase data``) has one row per open→close cycle of a chat
and no chat sheet. :func:`chats_from_cases` builds ``exp.chats`` from the **latest
case of each chat** (highest ``userChatCase`` ordinal, then latest
``userChatCaseCreatedAt``, then the later row), mapping case columns to chat names:

======================  =====================================================
chat column             from the case export
======================  =====================================================
``id``                  ``userChatId``
``state``               ``userChatState``
``contactMediumType``   ``mediumName``
``name``                ``userName``
``summary``             ``summarizedMessage``
``openedAt``            the latest case's ``firstOpenedAt`` (its cycle start)
``firstOpenedAt``       the earliest ``firstOpenedAt`` over all cases of the chat
``firstRepliedAtAfterOpen``  the latest case's ``firstRepliedAt``
same name               ``userId, description, marketingType, marketingId,
                        managerIds, assigneeId, tags, createdAt, waitingTime,
                        avgReplyTime, totalReplyTime, replyCount, resolutionTime,
                        closedAt`` and the 2026 columns (``teamId``, ``priority``,
                        ``direction``, ``firstQueuedAt`` …) and ``profile.*``
======================  =====================================================

``supportBotId`` and the ``operation*`` columns have no case counterpart: null.
Provenance points at the latest case's row; ``_sheet`` is
``"UserChatCase data (latest case per chat)"``.

Examples
--------
>>> import polars as pl
>>> from chattools import schema
>>> from chattools.readers.cases import chats_from_cases
>>> cases = pl.concat([schema.empty_frame("cases"), pl.DataFrame({
...     "userChatId": ["c1", "c1", "c2"], "userChatCase": [1, 2, 1],
...     "userChatState": ["closed", "opened", "closed"], "userChatCaseId": ["a", "b", "c"],
...     "_file": "f", "_sheet": "UserChatCase data", "_row": [1, 2, 3]})], how="diagonal_relaxed")
>>> chats_from_cases(cases, timezone="Asia/Seoul").select("id", "state", "_row").rows()
[('c1', 'opened', 2), ('c2', 'closed', 3)]
"""

from __future__ import annotations

import polars as pl

from chattools import schema

__all__ = ["CASE_TO_CHAT", "DERIVED_SHEET_SUFFIX", "chats_from_cases"]

#: Chat column → case column it is taken from (the latest case of the chat).
CASE_TO_CHAT: dict[str, str] = {
    "id": "userChatId",
    "state": "userChatState",
    "contactMediumType": "mediumName",
    "name": "userName",
    "summary": "summarizedMessage",
    "openedAt": "firstOpenedAt",
    "firstRepliedAtAfterOpen": "firstRepliedAt",
}
DERIVED_SHEET_SUFFIX = " (latest case per chat)"


def chats_from_cases(cases: pl.DataFrame, *, timezone: str) -> pl.DataFrame:
    """One chat row per ``userChatId``: the latest case, with chat column names."""
    latest = (
        cases.with_columns(
            pl.col("firstOpenedAt").min().over("userChatId").alias("\x00firstOpenedAt")
        )
        .sort(["userChatCase", "userChatCaseCreatedAt", "_row"], nulls_last=False)
        .group_by("userChatId", maintain_order=True)
        .last()
        .sort("_row")
    )
    chat_schema = schema.typed_schema("chats", timezone, provenance=False)
    chat_columns = {c.name: c for c in schema.SHEETS["chats"].columns}
    exprs = []
    for name, dtype in chat_schema.items():
        source = CASE_TO_CHAT.get(name, name)
        if name == "firstOpenedAt":
            exprs.append(pl.col("\x00firstOpenedAt").alias(name))
        elif source in latest.columns:
            exprs.append(pl.col(source).cast(dtype).alias(name))
        else:
            exprs.append(pl.lit(None, dtype).alias(name))
    extra = [
        pl.col(c)
        for c in latest.columns
        if (c in chat_columns and c not in chat_schema) or c.startswith("profile.")
    ]
    provenance = [
        pl.col("_file"),
        (pl.col("_sheet") + DERIVED_SHEET_SUFFIX).alias("_sheet"),
        pl.col("_row"),
    ]
    return latest.select(*exprs, *extra, *provenance)
