"""CSAT: the customers' satisfaction scores of a 2026 export (``profile.csat``).

The CSAT question is an emoji scale of 2, 3 or 5 options, stored as a number
(help article 482): 2-point → 1, 5; 3-point → 1, 3, 5; 5-point → 1 … 5. The dashboard's
"CSAT score (%)" is the share of answers scoring **4 or 5** (article 535967) — on the
2- and 3-point scales the share of 5s — so one rule serves every scale and a period
that spans a change of scale. :func:`csat_summary` gives, per group
(:mod:`chattools.derive.chat_groups`), the answers, the response rate, the mean, the
CSAT % and the scale the scores fit; :func:`csat_distribution` the share of each score;
:func:`csat_comments` the comments.

A score that is not a whole number from 1 to 5 is no answer: it is counted in
``invalid``, never in the CSAT %.

Examples
--------
>>> import polars as pl
>>> import chattools as ct
>>> chats = pl.DataFrame({"id": list("abcde"), "profile.csat": [5.0, 4.0, 2.0, None, 7.0]})
>>> exp = ct.Export({"chats": chats}, generation="2026")
>>> ct.csat_summary(exp).select("chats", "answers", "invalid", "top", "csat_pct", "scale").row(0)
(5, 3, 1, 2, 0.6666666666666666, '5-point')
>>> ct.csat_distribution(exp).select("score", "answers").rows()
[(1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]
"""

from __future__ import annotations

from typing import Literal, overload

import polars as pl

from chattools.derive.chat_groups import By, group_keys, grouped_chats
from chattools.export import Export

__all__ = [
    "COMMENT_COLUMN",
    "CSAT_COLUMN",
    "SCALES",
    "TOP_SCORE",
    "csat_comments",
    "csat_distribution",
    "csat_summary",
    "scale_expr",
    "with_scores",
]

CSAT_COLUMN = "profile.csat"
COMMENT_COLUMN = "profile.csatComment"
#: The stored scores of each scale (help article 482).
SCALES: dict[str, tuple[int, ...]] = {
    "2-point": (1, 5),
    "3-point": (1, 3, 5),
    "5-point": (1, 2, 3, 4, 5),
}
#: The lowest score counted as satisfied in the CSAT % (article 535967: 4 or 5).
TOP_SCORE = 4


def with_scores(chats: pl.LazyFrame) -> pl.LazyFrame:
    """``chats`` with ``__score`` (a valid score, Int64, else null) and ``__invalid``."""
    available = chats.collect_schema()
    raw = (
        pl.col(CSAT_COLUMN).cast(pl.Float64)
        if CSAT_COLUMN in available
        else pl.lit(None, pl.Float64)
    )
    valid = raw.is_between(1, 5) & (raw == raw.round(0))
    return chats.with_columns(
        pl.when(valid).then(raw.cast(pl.Int64)).alias("__score"),
        (raw.is_not_null() & ~valid.fill_null(False)).alias("__invalid"),
    )


def scale_expr(score: pl.Expr) -> pl.Expr:
    """The smallest scale the scores of a group fit (an aggregation): a 2 or 4 → 5-point,
    else a 3 → 3-point, else 2-point; null without scores.
    """
    return (
        pl.when(score.is_in([2, 4]).any())
        .then(pl.lit("5-point"))
        .when((score == 3).any())
        .then(pl.lit("3-point"))
        .when(score.is_not_null().any())
        .then(pl.lit("2-point"))
    )


@overload
def csat_summary(
    exp: Export, by: By = ..., *, every: str = ..., lazy: Literal[False] = ...
) -> pl.DataFrame: ...
@overload
def csat_summary(
    exp: Export, by: By = ..., *, every: str = ..., lazy: Literal[True]
) -> pl.LazyFrame: ...
def csat_summary(
    exp: Export, by: By = None, *, every: str = "1mo", lazy: bool = False
) -> pl.DataFrame | pl.LazyFrame:
    """CSAT per group: ``chats``, ``answers``, ``invalid``, ``response_rate``,
    ``score_mean``, ``top`` (answers of 4 or 5), ``csat_pct`` (``top / answers``),
    ``scale`` (what the scores fit) and ``score_1`` … ``score_5`` (answers per score).

    ``by``: ``"assignee"``, ``"team"``, ``"tag"``, ``"period"`` (with ``every``) or a
    list of them; ``None`` for one row. Rows are sorted by the keys.
    """
    keys = group_keys(by)
    score = pl.col("__score")
    plan = (
        with_scores(grouped_chats(exp, by, every=every))
        .group_by(keys or pl.lit(0).alias("__all"))
        .agg(
            pl.len().cast(pl.Int64).alias("chats"),
            score.count().cast(pl.Int64).alias("answers"),
            pl.col("__invalid").sum().cast(pl.Int64).alias("invalid"),
            score.mean().alias("score_mean"),
            (score >= TOP_SCORE).sum().cast(pl.Int64).alias("top"),
            scale_expr(score).alias("scale"),
            *[(score == k).sum().cast(pl.Int64).alias(f"score_{k}") for k in range(1, 6)],
        )
        .with_columns(
            (pl.col("answers") / pl.col("chats")).alias("response_rate"),
            pl.when(pl.col("answers") > 0).then(pl.col("top") / pl.col("answers")).alias("csat_pct"),
        )
        .select(*keys, "chats", "answers", "invalid", "response_rate", "score_mean", "top",
                "csat_pct", "scale", *[f"score_{k}" for k in range(1, 6)])
        .sort(keys or "chats", nulls_last=True)
    )  # fmt: skip
    return plan if lazy else plan.collect()


def csat_distribution(exp: Export, by: By = None, *, every: str = "1mo") -> pl.DataFrame:
    """One row per group and score 1 … 5: ``answers`` and ``share`` of the group's answers."""
    keys = group_keys(by)
    wide = csat_summary(exp, by, every=every)
    long = wide.unpivot(
        [f"score_{k}" for k in range(1, 6)], index=[*keys, "answers"], variable_name="score",
        value_name="count",
    ).with_columns(pl.col("score").str.strip_prefix("score_").cast(pl.Int64))  # fmt: skip
    return long.select(
        *keys,
        "score",
        pl.col("count").alias("answers"),
        pl.when(pl.col("answers") > 0).then(pl.col("count") / pl.col("answers")).alias("share"),
    ).sort(*keys, "score", nulls_last=True)


def csat_comments(exp: Export) -> pl.DataFrame:
    """The chats with a CSAT comment: ``id``, ``managedAt``, ``score``, ``comment``,
    ``assigneeId``, ``assignee_name``, ``teamId``, ``team_name``, ``tags``; by time.
    """
    chats = with_scores(grouped_chats(exp, ["assignee", "team"]))
    available = chats.collect_schema()
    if COMMENT_COLUMN not in available:
        chats = chats.with_columns(pl.lit(None, pl.String).alias(COMMENT_COLUMN))
    for name, dtype in (
        ("managedAt", pl.Datetime("us", exp.timezone)),
        ("tags", pl.List(pl.String)),
    ):
        if name not in available:
            chats = chats.with_columns(pl.lit(None, dtype).alias(name))
    comment = pl.col(COMMENT_COLUMN).str.strip_chars()
    return (
        chats.filter(comment.is_not_null() & (comment != ""))
        .select("id", "managedAt", pl.col("__score").alias("score"), comment.alias("comment"),
                "assigneeId", "assignee_name", "teamId", "team_name", "tags")
        .sort("managedAt", nulls_last=True, maintain_order=True)
        .collect()
    )  # fmt: skip
