"""Chats grouped by assignee, team, tag or period: the keys every 2026 summary shares.

:func:`grouped_chats` adds the key columns of ``by`` to the chat rows, so that CSAT,
ALF, reopen and queue summaries (:mod:`chattools.derive.csat`,
:mod:`chattools.derive.experience`) group the same way:

==============  ============================================================================
``by``          key columns
==============  ============================================================================
``"assignee"``  ``assigneeId``, ``assignee_name`` (the Manager sheet's, or a placeholder)
``"team"``      ``teamId``, ``team_name`` (the Team sheet's, or ``"team 7 (unknown)"``)
``"tag"``       ``tag`` — one row per tag of the chat (a chat without tags: null), so a
                chat counts once under each of its tags
``"period"``    ``period`` — the first day (a ``Date``, :func:`~chattools.derive.summary.
                period_start`) of the ``every`` interval (``"1d"``, ``"1w"``, ``"1mo"``)
                holding the chat's ``managedAt`` (else ``createdAt``): the
                dashboard counts at ``managedAt`` (help article 535967)
==============  ============================================================================

Examples
--------
>>> import polars as pl
>>> from chattools import Export
>>> chats = pl.DataFrame({"id": ["a", "b"], "teamId": ["t1", "t9"], "tags": [["vip", "x"], []]})
>>> teams = pl.DataFrame({"id": ["t1"], "name": ["Billing"]})
>>> exp = Export({"chats": chats, "teams": teams}, generation="2026")
>>> grouped_chats(exp, "team").select("id", "team_name").collect().rows()
[('a', 'Billing'), ('b', 'team t9 (unknown)')]
>>> grouped_chats(exp, "tag").select("id", "tag").collect().rows()
[('a', 'vip'), ('a', 'x'), ('b', None)]
>>> group_keys(["team", "period"])
['teamId', 'team_name', 'period']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias

import polars as pl

from chattools import schema
from chattools.derive.joins import join_lookup, lookup, placeholder_expr, with_assignee
from chattools.derive.summary import period_start
from chattools.errors import InvalidValueError
from chattools.export import Export

__all__ = ["GROUPINGS", "By", "Grouping", "group_keys", "grouped_chats", "with_team"]

Grouping = Literal["assignee", "team", "tag", "period"]
#: What ``by=`` accepts: one grouping, several, or ``None`` (the whole export).
By: TypeAlias = "Grouping | Sequence[Grouping] | None"
#: Every grouping and its key columns.
GROUPINGS: dict[str, tuple[str, ...]] = {
    "assignee": ("assigneeId", "assignee_name"),
    "team": ("teamId", "team_name"),
    "tag": ("tag",),
    "period": ("period",),
}


def _groupings(by: By) -> list[str]:
    names: list[str] = [] if by is None else [by] if isinstance(by, str) else list(by)
    bad = [b for b in names if b not in GROUPINGS]
    if bad:
        msg = f"by={by!r} holds unknown groupings {bad!r}"
        raise InvalidValueError(msg, hint=f"group by any of {sorted(GROUPINGS)}.")
    return names


def group_keys(by: By) -> list[str]:
    """The key columns ``by`` adds, in order."""
    return [k for b in _groupings(by) for k in GROUPINGS[b]]


def with_team(chats: pl.LazyFrame, teams: pl.LazyFrame) -> pl.LazyFrame:
    """``chats`` with ``team_name``: the Team sheet's, a placeholder for an unknown id."""
    names = lookup(teams, {"name": "team_name"})
    return (
        join_lookup(chats, names, "teamId")
        .with_columns(
            pl.when(pl.col("teamId").is_not_null())
            .then(pl.coalesce("team_name", placeholder_expr("team", pl.col("teamId"))))
            .alias("team_name")
        )
        .drop("__hit")
    )


def _column(chats: pl.LazyFrame, name: str, dtype: pl.DataType) -> pl.LazyFrame:
    if name in chats.collect_schema():
        return chats
    return chats.with_columns(pl.lit(None, dtype).alias(name))


def grouped_chats(exp: Export, by: By = None, *, every: str = "1mo") -> pl.LazyFrame:
    """The chat rows with the key columns of ``by`` (see the module docstring)."""
    names = _groupings(by)
    chats = exp.lazy("chats")
    for b in names:
        if b == "assignee":
            chats = with_assignee(_column(chats, "assigneeId", pl.String()), exp.lazy("managers"))
            chats = chats.drop("assignee_email", "assignee_known")
        elif b == "team":
            chats = with_team(_column(chats, "teamId", pl.String()), exp.lazy("teams"))
        elif b == "tag":
            chats = _column(chats, "tags", pl.List(pl.String()))
            tags = pl.col("tags").fill_null([])
            chats = chats.with_columns(
                pl.when(tags.list.len() > 0).then(tags).otherwise(pl.lit([None], pl.List(pl.String)))
                .alias("tag")
            ).explode("tag")  # fmt: skip
        else:
            when = schema.dtype_of("datetime", exp.timezone)
            chats = _column(_column(chats, "managedAt", when), "createdAt", when)
            try:
                pl.select(pl.lit(0).cast(pl.Datetime()).dt.truncate(every))
            except pl.exceptions.PolarsError as exc:
                msg = f"every={every!r} is not an interval"
                raise InvalidValueError(msg, hint='use e.g. "1d", "1w" or "1mo".') from exc
            at = pl.coalesce("managedAt", "createdAt")
            chats = chats.with_columns(period_start(at, every).alias("period"))
    return chats
