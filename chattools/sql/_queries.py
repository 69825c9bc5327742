"""The packaged ``.sql`` files and the frames their results become.

Examples
--------
>>> from chattools.sql._queries import load_sql
>>> load_sql("chat_metrics").lstrip().startswith("-- chattools")
True
"""

from __future__ import annotations

from importlib import resources

import polars as pl

from chattools.errors import InvalidValueError

__all__ = ["DUCKDB_PRELUDE", "QUERIES", "finish", "load_sql", "statement"]

#: Result schema of each packaged query, by name (the ``.sql`` file's stem).
QUERIES: dict[str, pl.Schema] = {
    "chat_metrics": pl.Schema(
        {
            "id": pl.String(),
            "first_response_seconds": pl.Float64(),
            "reply_count": pl.Int64(),
            "total_reply_seconds": pl.Float64(),
            "resolution_seconds": pl.Float64(),
            "customer_waiting_seconds": pl.Float64(),
            "team_waiting_seconds": pl.Float64(),
        }
    ),
}

#: What DuckDB needs before it runs the packaged SQL: Spark SQL's ``unix_micros``.
DUCKDB_PRELUDE = "CREATE OR REPLACE TEMP MACRO unix_micros(ts) AS epoch_us(ts)"


def _check_name(name: str) -> str:
    if name not in QUERIES:
        msg = f"unknown query name={name!r}"
        raise InvalidValueError(msg, hint=f"use one of {sorted(QUERIES)}.")
    return name


def load_sql(name: str) -> str:
    """The text of the packaged query ``name`` (e.g. ``"chat_metrics"``).

    The same text runs on Spark SQL as is, and on DuckDB after
    :data:`DUCKDB_PRELUDE`; it reads the tables ``chats`` and ``messages``.

    Examples
    --------
    >>> from chattools.sql import load_sql
    >>> "unix_micros(openedAt)" in load_sql("chat_metrics")
    True
    >>> load_sql("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chattools.errors.InvalidValueError: unknown query name='nope'
    Hint: use one of ['chat_metrics'].
    """
    path = resources.files("chattools.sql").joinpath(f"{_check_name(name)}.sql")
    return path.read_text(encoding="utf-8")


def statement(name: str) -> str:
    """The query as one statement for an engine's API (no trailing ``;``)."""
    return load_sql(name).strip().rstrip(";").rstrip()


def finish(result: pl.DataFrame, name: str) -> pl.DataFrame:
    """Cast an engine's result to the query's schema, sorted by its first column."""
    target = QUERIES[_check_name(name)]
    return result.select(pl.col(c).cast(t) for c, t in target.items()).sort(target.names()[0])
