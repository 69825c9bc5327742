"""Chat tags: filtering, per-tag statistics, co-occurrence and hierarchical groups.

Everything here works on any frame with a ``tags`` ``List(String)`` column — the chats
sheet, :func:`chattools.chat_metrics` output, the wide chat table — eager or lazy. Tags
are compared as whole list elements, so a tag containing a comma (``"refund,partial"``)
is one tag, never two.

Hierarchical tags are the customer's own convention: ``[group]name`` or ``group/name``
(see :func:`tag_group_expr`).

Examples
--------
>>> import polars as pl
>>> import chattools as ct
>>> chats = pl.DataFrame({"id": ["a", "b", "c"],
...                       "tags": [["refund,partial", "vip"], ["vip"], []]})
>>> ct.filter_tags(chats, any_of=["refund,partial"])["id"].to_list()
['a']
>>> ct.filter_tags(chats, none_of=["vip"])["id"].to_list()
['c']
>>> ct.tag_stats(chats).rows()
[('vip', 2, 0.6666666666666666), ('refund,partial', 1, 0.3333333333333333)]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeVar

import polars as pl

from chattools.errors import InvalidValueError, MissingColumnError

__all__ = [
    "TagMatch",
    "TagStyle",
    "filter_tags",
    "tag_group_expr",
    "tag_groups",
    "tag_pairs",
    "tag_stats",
]

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
TagMatch = Literal["exact", "prefix"]
TagStyle = Literal["auto", "bracket", "slash"]

_ROW = "__tag_row"


def _tag_list(value: str | Iterable[str], name: str) -> list[str]:
    """Tags as a list; a single string is one tag (not its characters)."""
    tags = [value] if isinstance(value, str) else list(value)
    bad = [t for t in tags if not isinstance(t, str)]
    if bad:
        msg = f"{name}={value!r} must hold tag names (strings); got {bad!r}"
        raise InvalidValueError(msg, hint=f'pass e.g. {name}=["refund", "vip"].')
    return tags


def _check_tags_column(frame: pl.DataFrame | pl.LazyFrame, column: str) -> None:
    schema = frame.collect_schema()
    if column not in schema:
        msg = f"column {column!r} not found; the frame has {list(schema)!r}"
        raise MissingColumnError(msg, hint="pass a chats-like frame with a `tags` list column.")
    if schema[column] != pl.List(pl.String()):
        msg = f"column {column!r} has dtype {schema[column]!r}, expected List(String)"
        raise InvalidValueError(
            msg, hint="use the typed frames of an Export (tags are parsed into lists)."
        )


def _has(tag: str, match: TagMatch, column: str) -> pl.Expr:
    """Whether the chat's tag list holds ``tag`` (never null)."""
    if match == "exact":
        found = pl.col(column).list.contains(tag)
    else:
        found = pl.col(column).list.eval(pl.element().str.starts_with(tag)).list.any()
    return found.fill_null(False)


def filter_tags(
    frame: FrameT,
    *,
    all_of: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    none_of: str | Iterable[str] = (),
    match: TagMatch = "exact",
    column: str = "tags",
) -> FrameT:
    """Keep the rows whose tags satisfy every condition given.

    Parameters
    ----------
    frame
        A ``DataFrame`` or ``LazyFrame`` with a ``List(String)`` tag column.
    all_of
        Tags that must all be present.
    any_of
        At least one of these must be present (ignored when empty).
    none_of
        None of these may be present. Chats without tags pass this condition.
    match
        ``"exact"`` compares whole tag names; ``"prefix"`` keeps a tag that starts with
        the given text (``"[billing]"`` or ``"billing/"`` selects a whole group).
    column
        The tag column.

    Examples
    --------
    >>> import polars as pl
    >>> chats = pl.DataFrame({"id": ["a", "b"], "tags": [["[billing]refund"], ["bug"]]})
    >>> filter_tags(chats.lazy(), any_of="[billing]", match="prefix").collect()["id"].to_list()
    ['a']
    """
    if match not in ("exact", "prefix"):
        msg = f"match={match!r} is not supported"
        raise InvalidValueError(msg, hint='use match="exact" or match="prefix".')
    _check_tags_column(frame, column)
    conditions: list[pl.Expr] = [_has(t, match, column) for t in _tag_list(all_of, "all_of")]
    any_tags = _tag_list(any_of, "any_of")
    if any_tags:
        conditions.append(pl.any_horizontal(_has(t, match, column) for t in any_tags))
    none_tags = _tag_list(none_of, "none_of")
    if none_tags:
        conditions.append(~pl.any_horizontal(_has(t, match, column) for t in none_tags))
    if not conditions:
        return frame.clone()
    return frame.filter(pl.all_horizontal(conditions))


def _chat_tags(frame: pl.DataFrame | pl.LazyFrame, column: str) -> pl.LazyFrame:
    """One row per (chat row, distinct tag); chats without tags disappear here."""
    _check_tags_column(frame, column)
    return (
        frame.lazy()
        .select(pl.col(column).list.unique(maintain_order=True).alias("tag"))
        .with_row_index(_ROW)
        .explode("tag")
        .drop_nulls("tag")
    )


def tag_stats(
    chats: pl.DataFrame | pl.LazyFrame,
    *,
    catalog: pl.DataFrame | pl.LazyFrame | None = None,
    column: str = "tags",
) -> pl.DataFrame:
    """Chats per tag and their share of all rows (chats without tags count in the total).

    A tag repeated within one chat counts once. With ``catalog`` (the ``UserChatTag``
    sheet, ``exp.tags``), tags never used appear with 0 chats and a ``known`` column says
    whether each tag is in the catalog. Sorted by chats (descending), then tag.

    Examples
    --------
    >>> import polars as pl
    >>> chats = pl.DataFrame({"tags": [["a", "a", "b"], ["b"]]})
    >>> catalog = pl.DataFrame({"name": ["a", "b", "c"]})
    >>> tag_stats(chats, catalog=catalog).rows()
    [('b', 2, 1.0, True), ('a', 1, 0.5, True), ('c', 0, 0.0, True)]
    """
    total = chats.lazy().select(pl.len()).collect().item()
    counts = _chat_tags(chats, column).group_by("tag").agg(pl.len().cast(pl.Int64).alias("chats"))
    if catalog is not None:
        names = catalog.lazy().select(pl.col("name").alias("tag")).drop_nulls().unique()
        counts = (
            counts.join(names.with_columns(pl.lit(True).alias("known")), on="tag", how="full",
                        coalesce=True)
            .with_columns(pl.col("chats").fill_null(0), pl.col("known").fill_null(False))
        )  # fmt: skip
    share = pl.col("chats") / total if total else pl.lit(None, pl.Float64)
    out = counts.with_columns(share.cast(pl.Float64).alias("share")).sort(
        ["chats", "tag"], descending=[True, False]
    )
    cols = ["tag", "chats", "share"] + (["known"] if catalog is not None else [])
    return out.select(cols).collect()


def tag_pairs(
    chats: pl.DataFrame | pl.LazyFrame, *, min_chats: int = 1, column: str = "tags"
) -> pl.DataFrame:
    """Co-occurrence of tag pairs: chats with both tags and their Jaccard index.

    One row per unordered pair (``tag_a < tag_b``) seen together in at least ``min_chats``
    chats: ``chats`` (with both), ``chats_a``, ``chats_b`` (with each) and
    ``jaccard = chats / (chats_a + chats_b - chats)``.

    Examples
    --------
    >>> import polars as pl
    >>> chats = pl.DataFrame({"tags": [["x", "y"], ["y", "x,z"], ["x", "y", "x"]]})
    >>> tag_pairs(chats).rows()
    [('x', 'y', 2, 2, 3, 0.6666666666666666), ('x,z', 'y', 1, 1, 3, 0.3333333333333333)]
    """
    pairs_of = _chat_tags(chats, column)
    per_tag = pairs_of.group_by("tag").agg(pl.len().cast(pl.Int64).alias("n"))
    pairs = (
        pairs_of.join(pairs_of, on=_ROW, suffix="_b")
        .filter(pl.col("tag") < pl.col("tag_b"))
        .group_by(pl.col("tag").alias("tag_a"), "tag_b")
        .agg(pl.len().cast(pl.Int64).alias("chats"))
        .filter(pl.col("chats") >= min_chats)
        .join(per_tag.rename({"tag": "tag_a", "n": "chats_a"}), on="tag_a", how="left")
        .join(per_tag.rename({"tag": "tag_b", "n": "chats_b"}), on="tag_b", how="left")
        .with_columns(
            (pl.col("chats") / (pl.col("chats_a") + pl.col("chats_b") - pl.col("chats"))).alias(
                "jaccard"
            )
        )
    )
    return pairs.sort(["chats", "tag_a", "tag_b"], descending=[True, False, False]).collect()


def tag_group_expr(expr: pl.Expr, *, style: TagStyle = "auto") -> pl.Expr:
    """The group of each tag: ``[group]name`` → ``group``, ``group/name`` → ``group``.

    ``style="auto"`` tries brackets first, then the text before the first ``/``;
    ``"bracket"`` or ``"slash"`` use only one convention (choose ``"bracket"`` when plain
    tags such as ``"A/S"`` contain slashes). Tags without a group give null.

    >>> import polars as pl
    >>> s = pl.Series(["[pay]refund", "pay/card/visa", "vip", "/x"])
    >>> s.to_frame("t").select(tag_group_expr(pl.col("t")))["t"].to_list()
    ['pay', 'pay', None, None]
    """
    if style not in ("auto", "bracket", "slash"):
        msg = f"style={style!r} is not supported"
        raise InvalidValueError(msg, hint='use "auto", "bracket" or "slash".')
    bracket = expr.str.extract(r"^\[([^\]]+)\]", 1)
    slash = expr.str.extract(r"^([^/]+)/", 1)
    if style == "bracket":
        return bracket
    if style == "slash":
        return slash
    return pl.coalesce(bracket, slash)


def tag_groups(
    chats: pl.DataFrame | pl.LazyFrame, *, style: TagStyle = "auto", column: str = "tags"
) -> pl.DataFrame:
    """Chats per tag group (``[group]name`` / ``group/name``), with the group's tags.

    One row per group: ``group``, ``tags`` (its distinct tags, sorted), ``chats`` (with at
    least one tag of the group) and ``share`` of all rows. Tags without a group are
    collected in the row whose ``group`` is null, so no tag is left out.

    Examples
    --------
    >>> import polars as pl
    >>> chats = pl.DataFrame({"tags": [["[pay]refund", "[pay]card"], ["[pay]card", "vip"], []]})
    >>> tag_groups(chats).rows()
    [('pay', ['[pay]card', '[pay]refund'], 2, 0.6666666666666666), (None, ['vip'], 1, 0.3333333333333333)]
    """
    total = chats.lazy().select(pl.len()).collect().item()
    share = pl.col("chats") / total if total else pl.lit(None, pl.Float64)
    return (
        _chat_tags(chats, column)
        .with_columns(tag_group_expr(pl.col("tag"), style=style).alias("group"))
        .group_by("group")
        .agg(
            pl.col("tag").unique().sort().alias("tags"),
            pl.col(_ROW).n_unique().cast(pl.Int64).alias("chats"),
        )
        .with_columns(share.cast(pl.Float64).alias("share"))
        .sort(["chats", "group"], descending=[True, False], nulls_last=True)
        .collect()
    )
