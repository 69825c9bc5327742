"""The wide chat table: one row per chat with its customer, assignee, followers, bot and campaign.

Lookups (users, managers, bots, support bots, campaigns) are first reduced to one row per
id (the first row in load order), so no join can multiply chats: the table always has
exactly ``exp.chats.height`` rows, in the chats' order. Ids that the lookup sheets do not
know are kept: ``*_known`` columns say so, and names become readable placeholders such as
``"manager 1234 (unknown)"`` (real exports list only a few of the managers they use).

``*_known`` columns are ``True``/``False`` when the chat has the id and null when it does
not (a chat without assignee has ``assignee_known`` null).

Examples
--------
>>> import chattools as ct
>>> ct.chat_table(ct.Export.empty()).height
0
"""

from __future__ import annotations

from typing import Literal, overload

import polars as pl

from chattools import schema
from chattools.derive.tags import tag_group_expr
from chattools.export import Export

__all__ = [
    "PATH_SEPARATOR",
    "UNASSIGNED_LABEL",
    "chat_table",
    "join_lookup",
    "known_expr",
    "lookup",
    "placeholder_expr",
    "supportbot_path_lists",
]

#: How a support-bot ``sectionPath`` is shown as one string.
PATH_SEPARATOR = " > "

_ROW = "__chat_row"
_HIT = "__hit"


def lookup(frame: pl.LazyFrame, columns: dict[str, str], *, key: str = "id") -> pl.LazyFrame:
    """One row per non-null ``key`` (the first in load order), ``columns`` renamed, plus a hit flag.

    ``columns`` maps source column → output name; columns missing from ``frame`` come out
    as null strings, so a sheet without e.g. ``email`` still joins.
    """
    available = frame.collect_schema()
    exprs = [
        (pl.col(src) if src in available else pl.lit(None, pl.String)).alias(dst)
        for src, dst in columns.items()
    ]
    return (
        frame.filter(pl.col(key).is_not_null())
        .unique(subset=key, keep="first", maintain_order=True)
        .select(pl.col(key), *exprs, pl.lit(True).alias(_HIT))
    )


def known_expr(id_column: str) -> pl.Expr:
    """``True`` when the lookup matched, ``False`` when it did not, null without an id."""
    return pl.when(pl.col(id_column).is_null()).then(None).otherwise(pl.col(_HIT).is_not_null())


#: The label of a chat nobody was assigned to, where a name is shown (report, charts, panel).
UNASSIGNED_LABEL = "(unassigned)"


def placeholder_expr(kind: str | pl.Expr, id_expr: pl.Expr) -> pl.Expr:
    """A readable name for an id no sheet knows: ``"manager 1234 (unknown)"``.

    ``kind`` is a word or an expression (e.g. ``pl.col("personType")``).
    """
    kind_expr = pl.lit(kind) if isinstance(kind, str) else kind
    return (
        pl.when(id_expr.is_null())
        .then(pl.format("{} (unknown)", kind_expr))
        .otherwise(pl.format("{} {} (unknown)", kind_expr, id_expr))
    )


def join_lookup(left: pl.LazyFrame, right: pl.LazyFrame, on: str) -> pl.LazyFrame:
    """Left join on ``on`` against a lookup keyed by ``id`` (unique, so no fan-out)."""
    return left.join(
        right, left_on=on, right_on="id", how="left", maintain_order="left", coalesce=True
    )


def with_assignee(chats: pl.LazyFrame, managers: pl.LazyFrame) -> pl.LazyFrame:
    """``chats`` with ``assignee_name``, ``assignee_email`` and ``assignee_known``.

    The name is the Manager sheet's, or a placeholder (``"manager 7 (unknown)"``) for an
    id the sheet lacks; null when the chat has no assignee.

    >>> import polars as pl
    >>> chats = pl.LazyFrame({"assigneeId": ["7", "9", None]})
    >>> managers = pl.LazyFrame({"id": ["7"], "name": ["Ann"]})
    >>> with_assignee(chats, managers).collect()["assignee_name"].to_list()
    ['Ann', 'manager 9 (unknown)', None]
    """
    assignees = lookup(managers, {"name": "assignee_name", "email": "assignee_email"})
    return (
        join_lookup(chats, assignees, "assigneeId")
        .with_columns(
            pl.when(pl.col("assigneeId").is_not_null())
            .then(pl.coalesce("assignee_name", placeholder_expr("manager", pl.col("assigneeId"))))
            .alias("assignee_name"),
            known_expr("assigneeId").alias("assignee_known"),
        )
        .drop(_HIT)
    )


def supportbot_path_lists(supportbots: pl.LazyFrame) -> pl.LazyFrame:
    """One row per support-bot id: ``paths``, its distinct section paths joined by ``" > "``."""
    return (
        supportbots.filter(pl.col("id").is_not_null())
        .with_columns(pl.col("sectionPath").list.join(PATH_SEPARATOR).alias("path"))
        .group_by("id", maintain_order=True)
        .agg(pl.col("path").drop_nulls().unique(maintain_order=True).alias("paths"))
    )


def _followers(chats: pl.LazyFrame, managers: pl.LazyFrame) -> pl.LazyFrame:
    """Per chat row: follower names in ``managerIds`` order (placeholders for unknown ids)."""
    names = lookup(managers, {"name": "follower"})
    return (
        chats.select(_ROW, pl.col("managerIds").alias("mid"))
        .explode("mid")
        .drop_nulls("mid")
        .with_row_index("__pos")
        .join(names, left_on="mid", right_on="id", how="left", coalesce=True)
        .sort("__pos")
        .group_by(_ROW, maintain_order=True)
        .agg(
            pl.coalesce("follower", placeholder_expr("manager", pl.col("mid"))).alias("__followers")
        )
    )


def _user_columns(users: pl.LazyFrame) -> dict[str, str]:
    skip = {"id", *schema.PROVENANCE_COLUMNS}
    return {c: f"user_{c}" for c in users.collect_schema() if c not in skip}


@overload
def chat_table(exp: Export, *, lazy: Literal[False] = ...) -> pl.DataFrame: ...
@overload
def chat_table(exp: Export, *, lazy: Literal[True]) -> pl.LazyFrame: ...
def chat_table(exp: Export, *, lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
    """One row per chat: the chat's columns plus everything the other sheets say about it.

    Added columns:

    - ``user_*``: every User-sheet column of the chat's customer, ``user_known``;
    - ``assignee_name``, ``assignee_email``, ``assignee_known``;
    - ``follower_ids`` (``managerIds``) and ``followers`` (their names, placeholders for
      managers the Manager sheet lacks);
    - ``supportbot_paths`` (the bot's section paths, ``"a > b > c"``),
      ``supportbot_known``;
    - ``campaign_name``, ``campaign_type``, ``campaign_known`` (Marketing sheet);
    - ``tag_names`` (the ``tags`` list) and ``tag_groups`` (distinct ``[group]``/``group/``
      prefixes, see :func:`chattools.derive.tags.tag_group_expr`).

    The row count and order are those of ``exp.chats``. With ``lazy=True`` the result is
    a ``LazyFrame``.

    Examples
    --------
    >>> import polars as pl, chattools as ct
    >>> from chattools import schema
    >>> def typed(sheet, **columns):  # a typed frame from a few columns
    ...     return pl.concat([schema.empty_frame(sheet), pl.DataFrame(columns)],
    ...                      how="diagonal_relaxed")
    >>> chats = typed("chats", id=["c1"], assigneeId=["7"], managerIds=[["7", "8"]],
    ...               tags=[["[pay]refund,partial"]])
    >>> managers = typed("managers", id=["7"], name=["Ann"])
    >>> exp = ct.Export({"chats": chats, "managers": managers})
    >>> ct.chat_table(exp).select("assignee_name", "followers", "tag_groups").rows()
    [('Ann', ['Ann', 'manager 8 (unknown)'], ['pay'])]
    """
    chats = exp.lazy("chats").with_row_index(_ROW)
    users = exp.lazy("users")
    managers = exp.lazy("managers")
    user_lookup = lookup(users, _user_columns(users))
    out = join_lookup(chats, user_lookup, "userId").with_columns(
        known_expr("userId").alias("user_known")
    )
    out = out.drop(_HIT)
    out = with_assignee(out, managers)
    out = (
        out.join(_followers(chats, managers), on=_ROW, how="left", maintain_order="left")
        .with_columns(
            pl.col("managerIds").alias("follower_ids"),
            pl.when(pl.col("managerIds").is_null())
            .then(None)
            .otherwise(pl.col("__followers").fill_null(pl.lit([], pl.List(pl.String))))
            .alias("followers"),
        )
        .drop("__followers")
    )
    bots = supportbot_path_lists(exp.lazy("supportbots")).with_columns(pl.lit(True).alias(_HIT))
    out = (
        join_lookup(out, bots.rename({"paths": "supportbot_paths"}), "supportBotId")
        .with_columns(known_expr("supportBotId").alias("supportbot_known"))
        .drop(_HIT)
    )
    campaigns = lookup(exp.lazy("marketing"), {"name": "campaign_name", "type": "campaign_type"})
    out = (
        join_lookup(out, campaigns, "marketingId")
        .with_columns(known_expr("marketingId").alias("campaign_known"))
        .drop(_HIT)
    )
    out = out.with_columns(
        pl.col("tags").alias("tag_names"),
        pl.col("tags")
        .list.eval(tag_group_expr(pl.element()).drop_nulls().unique(maintain_order=True))
        .alias("tag_groups"),
    ).drop(_ROW)
    provenance = list(schema.PROVENANCE_COLUMNS)
    out = out.select(pl.exclude(provenance), *provenance)
    return out if lazy else out.collect()
