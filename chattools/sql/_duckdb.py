"""Run the packaged SQL on DuckDB, over a Parquet dataset or in-memory frames.

Examples
--------
>>> import chattools as ct
>>> from chattools.sql import run_duckdb
>>> run_duckdb(ct.Export.empty()).columns[:3]
['id', 'first_response_seconds', 'reply_count']
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import polars as pl

from chattools.errors import DatasetError, MissingSheetError
from chattools.export import Export
from chattools.sql._queries import DUCKDB_PRELUDE, finish, statement
from chattools.sql._tables import TABLES, projection_sql, sheet_location

__all__ = ["Source", "run_duckdb"]

#: What :func:`run_duckdb` reads: a dataset directory (or URL), an Export, or frames.
Source = str | os.PathLike[str] | Export | Mapping[str, pl.DataFrame | pl.LazyFrame]


def _frames(source: Export | Mapping[str, pl.DataFrame | pl.LazyFrame]) -> dict[str, pl.DataFrame]:
    """The input tables as eager frames holding only the columns the SQL reads."""
    out = {}
    for table, wanted in TABLES.items():
        if isinstance(source, Export):
            lf = source.lazy(table)
        elif table in source:
            lf = source[table].lazy()
        else:
            msg = f"frames has no {table!r} table (keys: {sorted(source)!r})"
            raise MissingSheetError(msg, hint=f"pass a mapping with {sorted(TABLES)} frames.")
        names = lf.collect_schema().names()
        out[table] = lf.select(c for c in wanted if c in names).collect()
    return out


def run_duckdb(
    source: Source,
    *,
    query: str = "chat_metrics",
    threads: int | None = None,
) -> pl.DataFrame:
    """Run a packaged query (default ``chat_metrics.sql``) on DuckDB.

    Parameters
    ----------
    source
        A dataset directory written by ``chattools.convert_to_dataset`` (one folder of
        Parquet files per sheet, optionally hive-partitioned; a URL such as
        ``s3://bucket/dataset`` works when DuckDB's ``httpfs`` extension can load), a
        :class:`chattools.Export`, or a mapping ``{"chats": frame, "messages": frame}``
        of typed frames.
    query
        The packaged query to run (see :func:`chattools.sql.load_sql`).
    threads
        DuckDB worker threads (default: DuckDB's own, all cores).

    Returns
    -------
    polars.DataFrame
        One row per chat, sorted by ``id``; durations are ``Float64`` seconds.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime
    >>> from chattools.sql import run_duckdb
    >>> t = lambda s: datetime(2024, 3, 4, 10, 0, s)
    >>> chats = pl.DataFrame({"id": ["c1"], "state": ["closed"], "openedAt": [t(0)],
    ...                       "closedAt": [t(50)]})
    >>> msgs = pl.DataFrame({"chatId": ["c1"] * 3, "personType": ["user", "manager", "user"],
    ...                      "createdAt": [t(0), t(5), t(20)], "_file": ["a.xlsx"] * 3,
    ...                      "_row": [1, 2, 3]})
    >>> out = run_duckdb({"chats": chats, "messages": msgs})
    >>> out.select("reply_count", "total_reply_seconds", "team_waiting_seconds").row(0)
    (1, 5.0, 15.0)
    """
    import duckdb

    text = statement(query)
    config: dict[str, str | bool | int | float | list[str]] = (
        {} if threads is None else {"threads": threads}
    )
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute(DUCKDB_PRELUDE)
        if isinstance(source, Export | Mapping):
            for table, frame in _frames(source).items():
                con.register(f"{table}_raw", frame)
                con.execute(
                    f"CREATE TEMP VIEW {table} AS {projection_sql(table, frame.columns, f'{table}_raw')}"
                )
        else:
            for table in TABLES:
                location = sheet_location(source, table)
                try:
                    rel = con.read_parquet(
                        f"{location}/**/*.parquet", hive_partitioning=True, union_by_name=True
                    )
                    columns = rel.columns
                except duckdb.Error as err:
                    msg = f"duckdb could not read {location!r}: {str(err).splitlines()[0]}"
                    raise DatasetError(msg) from None
                rel.create_view(f"{table}_raw")
                con.execute(
                    f"CREATE TEMP VIEW {table} AS {projection_sql(table, columns, f'{table}_raw')}"
                )
        result = con.sql(text).pl()
    finally:
        con.close()
    return finish(result, query)
