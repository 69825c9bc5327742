"""A pure filter state over chats, and the functions that apply it.

:class:`FilterState` is a frozen description of what an analyst wants to look at
(dates, tags, assignees, states, media). :func:`apply_filters` applies it to any
frame with one row per chat (``exp.chats`` or :func:`chattools.chat_metrics`
output) and :func:`filter_export` to a whole :class:`~chattools.Export`: chats are
filtered, and messages, cases and calls are restricted to the chats that remain.
The interactive :class:`chattools.FilterPanel` is a thin layer over these.

Semantics (an empty option means "no restriction"):

- ``date_from`` / ``date_to``: inclusive calendar dates in the channel time zone,
  compared with the chat's ``createdAt``.
- ``tags_all``: the chat has every one of these tags; ``tags_any``: at least one;
  ``tags_none``: none of them. A chat without tags has none.
- ``assignees``: ``assigneeId`` is one of these; :data:`UNASSIGNED` selects chats
  without an assignee.
- ``states``: ``state`` is one of these.
- ``media``: ``contactMediumType`` is one of these; :data:`WEB_MEDIUM` selects the web
  messenger (a blank medium in the export).

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools.filters import FilterState, apply_filters
>>> chats = pl.DataFrame({
...     "id": ["a", "b", "c"],
...     "createdAt": [datetime(2024, 3, 1, 23), datetime(2024, 3, 2, 1), datetime(2024, 3, 5)],
...     "state": ["closed", "opened", "closed"],
...     "assigneeId": ["7", None, "7"],
...     "contactMediumType": [None, "appKakao", None],
...     "tags": [["refund"], ["refund", "vip"], []],
... }).with_columns(pl.col("createdAt").dt.replace_time_zone("Asia/Seoul"))
>>> apply_filters(chats, FilterState(tags_any=("refund",), states=("closed",)))["id"].to_list()
['a']
>>> from datetime import date
>>> apply_filters(chats, FilterState(date_to=date(2024, 3, 2), media=("web",)))["id"].to_list()
['a']
>>> FilterState(assignees=("unassigned",)).describe()
'assignee: unassigned'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import TypeVar

import polars as pl

from chattools.derive.tags import filter_tags
from chattools.errors import InvalidValueError, MissingColumnError
from chattools.export import Export

__all__ = [
    "UNASSIGNED",
    "WEB_MEDIUM",
    "FilterState",
    "apply_filters",
    "filter_export",
    "medium_expr",
]

#: The ``assignees`` value that selects chats without an assignee.
UNASSIGNED = "unassigned"
#: The ``media`` value that selects the web messenger (blank ``contactMediumType``).
WEB_MEDIUM = "web"

#: Sheet → column holding the chat id, for the sheets restricted by :func:`filter_export`.
_CHAT_KEYS = {"messages": "chatId", "cases": "userChatId", "meets": "userChatId"}

F = TypeVar("F", pl.DataFrame, pl.LazyFrame)


def _as_tuple(name: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        msg = f"filter option {name!r} must be a list of strings, got {value!r}"
        raise InvalidValueError(msg, hint=f"pass e.g. {name}=('a', 'b').")
    items = tuple(value)
    bad = [v for v in items if not isinstance(v, str)]
    if bad:
        msg = f"filter option {name!r} must hold strings, got {bad[0]!r}"
        raise InvalidValueError(msg, hint=f"pass e.g. {name}=('a', 'b').")
    # keep the first occurrence of each value, in the given order
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class FilterState:
    """What to keep: an immutable, hashable description of a chat filter.

    Parameters
    ----------
    date_from, date_to
        Inclusive dates (channel time zone) compared with the chat's ``createdAt``.
    tags_all, tags_any, tags_none
        Tag names the chat must all have / have at least one of / have none of.
    assignees
        ``assigneeId`` values to keep (:data:`UNASSIGNED` for chats without one).
    states
        ``state`` values to keep (``"opened"``, ``"snoozed"``, ``"closed"``, …).
    media
        ``contactMediumType`` values to keep (:data:`WEB_MEDIUM` for the web messenger).

    Examples
    --------
    >>> s = FilterState(tags_any="vip")
    >>> s.tags_any, s.is_empty
    (('vip',), False)
    >>> FilterState().is_empty
    True
    """

    date_from: date | None = None
    date_to: date | None = None
    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    media: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
                msg = f"filter option {name!r} must be a datetime.date, got {value!r}"
                raise InvalidValueError(msg, hint=f"pass e.g. {name}=datetime.date(2024, 3, 1).")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            msg = f"date_from={self.date_from!r} is after date_to={self.date_to!r}"
            raise InvalidValueError(msg, hint="swap the two dates.")
        for f in fields(self):
            if f.name not in ("date_from", "date_to"):
                object.__setattr__(self, f.name, _as_tuple(f.name, getattr(self, f.name)))

    @property
    def is_empty(self) -> bool:
        """Whether the state keeps every chat."""
        return self == FilterState()

    def replace(self, **changes: object) -> FilterState:
        """A copy with some options changed (validated like the constructor)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self) -> str:
        """A one-line human description (``"all chats"`` when empty).

        >>> from datetime import date
        >>> FilterState(date_from=date(2024, 1, 1), tags_none=("spam",)).describe()
        'from 2024-01-01; without tags: spam'
        """
        parts = []
        if self.date_from:
            parts.append(f"from {self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"to {self.date_to.isoformat()}")
        labels = {
            "tags_all": "all tags",
            "tags_any": "any tag",
            "tags_none": "without tags",
            "assignees": "assignee",
            "states": "state",
            "media": "medium",
        }
        for name, label in labels.items():
            values = getattr(self, name)
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        return "; ".join(parts) if parts else "all chats"


def medium_expr(column: str = "contactMediumType") -> pl.Expr:
    """The chat's medium with the web messenger's blank shown as :data:`WEB_MEDIUM`."""
    return pl.col(column).fill_null(WEB_MEDIUM).replace("", WEB_MEDIUM).alias("medium")


def _need(schema: pl.Schema, column: str, option: str) -> None:
    if column not in schema:
        msg = f"cannot apply filter option {option!r}: the frame has no {column!r} column"
        raise MissingColumnError(
            msg, hint="pass exp.chats or chat_metrics(exp) output (one row per chat)."
        )


def _tag_filter(frame: F, state: FilterState) -> F:
    """Apply the tag options (exact tag names) through :func:`chattools.filter_tags`."""
    if not (state.tags_all or state.tags_any or state.tags_none):
        return frame
    return filter_tags(frame, all_of=state.tags_all, any_of=state.tags_any, none_of=state.tags_none)


def apply_filters(frame: F, state: FilterState) -> F:
    """Keep the chats of ``frame`` that ``state`` selects.

    Parameters
    ----------
    frame
        One row per chat, eager or lazy: ``exp.chats`` or ``chat_metrics(exp)`` output.
        Only the columns the active options need must be present (``createdAt``,
        ``tags``, ``assigneeId``, ``state``, ``contactMediumType``).
    state
        The :class:`FilterState` to apply; an empty state returns ``frame`` unchanged.

    Returns
    -------
    The same kind of frame with the same columns, rows in their original order.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"id": ["a", "b"], "assigneeId": ["7", None]})
    >>> apply_filters(df, FilterState(assignees=("unassigned",)))["id"].to_list()
    ['b']
    """
    if not isinstance(state, FilterState):
        msg = f"state must be a FilterState, got {state!r}"
        raise InvalidValueError(msg, hint="build one with chattools.FilterState(...).")
    if state.is_empty:
        return frame
    schema = frame.collect_schema()
    conds: list[pl.Expr] = []
    if state.date_from or state.date_to:
        _need(schema, "createdAt", "date_from/date_to")
        day = pl.col("createdAt").dt.date()
        if state.date_from:
            conds.append(day >= state.date_from)
        if state.date_to:
            conds.append(day <= state.date_to)
    if state.assignees:
        _need(schema, "assigneeId", "assignees")
        keep = pl.col("assigneeId").is_in([a for a in state.assignees if a != UNASSIGNED])
        if UNASSIGNED in state.assignees:
            keep = keep | pl.col("assigneeId").is_null()
        conds.append(keep)
    if state.states:
        _need(schema, "state", "states")
        conds.append(pl.col("state").is_in(list(state.states)))
    if state.media:
        _need(schema, "contactMediumType", "media")
        conds.append(medium_expr().is_in(list(state.media)))
    if state.tags_all or state.tags_any or state.tags_none:
        _need(schema, "tags", "tags_all/tags_any/tags_none")
    out = frame.filter(pl.all_horizontal(c.fill_null(False) for c in conds)) if conds else frame
    return _tag_filter(out, state)


def filter_export(exp: Export, state: FilterState) -> Export:
    """An export holding only the chats ``state`` selects, and their messages, cases and calls.

    The other sheets (users, managers, tags, …), the sources and the problems are kept
    as they are. Lazy exports stay lazy.

    Examples
    --------
    >>> import chattools as ct
    >>> exp = ct.Export.empty()
    >>> filter_export(exp, FilterState(states=("closed",))).chats.height
    0
    """
    if state.is_empty:
        return exp
    chats = exp.frames.get("chats")
    kept_chats = apply_filters(exp.lazy("chats"), state)
    ids = kept_chats.select(pl.col("id").alias("__chat_id")).unique()
    new: dict[str, pl.DataFrame | pl.LazyFrame] = {}
    new["chats"] = kept_chats if isinstance(chats, pl.LazyFrame) else kept_chats.collect()
    for sheet, key in _CHAT_KEYS.items():
        original = exp.frames.get(sheet)
        if original is None:
            continue
        kept = original.lazy().join(
            ids, left_on=key, right_on="__chat_id", how="semi", maintain_order="left"
        )
        new[sheet] = kept if isinstance(original, pl.LazyFrame) else kept.collect()
    return exp.with_frames(**new)
