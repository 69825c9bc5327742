"""Check chat tags against the channel's tag list (the ``UserChatTag data`` sheet).

Tag cells are split on ``", "``; a tag name may itself hold ``,`` (without a
following space), so the split is right for the real files. Should a name ever hold
``", "``, adjacent pieces are re-joined when the joined text is a known tag name.
Pieces that are still not tag names are reported as problems, never errors. The
re-join runs only on the (rare) rows with an unknown piece.

Examples
--------
>>> import polars as pl
>>> from chattools.readers.tags import check_tags
>>> chats = pl.DataFrame({"tags": [["a", "b"], ["x, y".split(", ")[0], "y"], None],
...                       "_row": [1, 2, 3]})
>>> fixed, problems = check_tags(chats, frozenset({"a", "b", "x, y"}), file="f", sheet="s")
>>> fixed["tags"].to_list()
[['a', 'b'], ['x, y'], None]
>>> problems.height
0
"""

from __future__ import annotations

import polars as pl

from chattools import schema
from chattools.export import PROBLEM_SCHEMA

__all__ = ["check_tags", "rejoin"]


def rejoin(pieces: list[str], names: frozenset[str]) -> list[str]:
    """Greedily re-join adjacent pieces whose ``", "``-joined text is a tag name.

    >>> rejoin(["a", "b", "c"], frozenset({"b, c"}))
    ['a', 'b, c']
    """
    out, i = [], 0
    while i < len(pieces):
        end = i + 1
        if pieces[i] not in names:
            for j in range(len(pieces), i + 1, -1):
                if schema.LIST_SEPARATOR.join(pieces[i:j]) in names:
                    end = j
                    break
        out.append(schema.LIST_SEPARATOR.join(pieces[i:end]))
        i = end
    return out


def check_tags(
    frame: pl.DataFrame,
    names: frozenset[str],
    *,
    file: str,
    sheet: str,
    column: str = "tags",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``frame`` with its tag lists re-joined where needed, and the unknown-tag problems."""
    no_problems = pl.DataFrame(schema=PROBLEM_SCHEMA)
    if not names or column not in frame.columns or frame.height == 0:
        return frame, no_problems
    name_series = pl.Series(sorted(names), dtype=pl.String)
    unknown_rows = (
        frame.select("_row", pl.col(column))
        .explode(column)
        .filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(name_series.implode()))
        .get_column("_row")
        .unique(maintain_order=True)
    )
    if unknown_rows.is_empty():
        return frame, no_problems
    affected = frame.filter(pl.col("_row").is_in(unknown_rows.implode())).select("_row", column)
    rows: list[int] = []
    fixed: list[list[str]] = []
    problems: list[tuple[str, str, int, str, str, str]] = []
    for row, pieces in affected.iter_rows():  # only rows holding an unknown piece
        joined = rejoin(pieces, names)
        rows.append(row)
        fixed.append(joined)
        cell = schema.LIST_SEPARATOR.join(pieces)
        problems.extend(
            (file, sheet, row, column, cell, f"unknown tag {tag!r} (not in the tag sheet)")
            for tag in joined
            if tag not in names
        )
    updates = pl.DataFrame(
        {"_row": rows, column: fixed}, schema={"_row": pl.Int64, column: pl.List(pl.String)}
    )
    frame = frame.update(updates, on="_row", how="left")
    return frame, pl.DataFrame(problems, schema=PROBLEM_SCHEMA, orient="row")
