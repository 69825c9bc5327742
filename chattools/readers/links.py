"""Messages that do not fit the file: an unknown chat or an unknown ``personType``.

Such a message is kept (nothing is dropped) and listed in ``Export.problems`` with its
file, sheet, row and column, so that a chat missing from the chat sheet, or a sender
type the metrics cannot place on a side, is visible instead of silently ignored.

Examples
--------
>>> import polars as pl
>>> from chattools.readers.links import message_link_problems
>>> chats = pl.DataFrame({"id": ["c1"]})
>>> messages = pl.DataFrame({"chatId": ["c1", "c9"], "personType": ["user", "alien"],
...                          "_row": [1, 2]})
>>> message_link_problems(messages, chats, file="f.xlsx", sheet="Message data").select(
...     "row", "column", "value").rows()
[(2, 'chatId', 'c9'), (2, 'personType', 'alien')]
"""

from __future__ import annotations

import polars as pl

from chattools.export import PROBLEM_SCHEMA

__all__ = ["PERSON_TYPES", "message_link_problems"]

#: The ``personType`` values of the export format.
PERSON_TYPES = ("user", "manager", "bot")


def _problems(
    messages: pl.DataFrame, bad: pl.Expr, column: str, problem: str, *, file: str, sheet: str
) -> pl.DataFrame:
    return messages.filter(bad).select(
        pl.lit(file, pl.String).alias("file"),
        pl.lit(sheet, pl.String).alias("sheet"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(column, pl.String).alias("column"),
        pl.col(column).cast(pl.String).alias("value"),
        pl.lit(problem, pl.String).alias("problem"),
    )


def message_link_problems(
    messages: pl.DataFrame, chats: pl.DataFrame, *, file: str, sheet: str
) -> pl.DataFrame:
    """Problems of the messages whose chat is not in ``chats`` or whose sender type is unknown.

    Parameters
    ----------
    messages
        The typed message frame of one file (``chatId``, ``personType``, ``_row``).
    chats
        The typed chat frame of the same file (``id``).
    file, sheet
        Provenance written into the problems.
    """
    out = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    if messages.height == 0:
        return out[0]
    if "chatId" in messages.columns and "id" in chats.columns:
        known = chats.get_column("id").drop_nulls().unique().implode()
        unknown = pl.col("chatId").is_not_null() & ~pl.col("chatId").is_in(known)
        note = "chat not in the chat sheet; message kept"
        out.append(_problems(messages, unknown, "chatId", note, file=file, sheet=sheet))
    if "personType" in messages.columns:
        odd = pl.col("personType").is_not_null() & ~pl.col("personType").is_in(PERSON_TYPES)
        note = f"unknown personType (expected one of {list(PERSON_TYPES)}); message kept"
        out.append(_problems(messages, odd, "personType", note, file=file, sheet=sheet))
    return pl.concat(out).sort("row", "column")
