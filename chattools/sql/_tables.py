"""The input tables the SQL files read, and where to find them.

Both engines see the same two tables, projected to the columns the SQL uses:

* ``chats``: ``id``, ``state``, ``openedAt``, ``closedAt``;
* ``messages``: ``chatId``, ``personType``, ``createdAt``, ``isPrivate``, ``_file``,
  ``_row`` — ``isPrivate`` is optional in the data (legacy exports have no internal
  notes) and is added as a NULL boolean when absent.

A dataset directory holds one folder per sheet (``chats/``, ``messages/``, …) of
Parquet files, optionally hive-partitioned (``month=YYYY-MM/``), as written by
``chattools.convert_to_dataset``.

Examples
--------
>>> from chattools.sql._tables import projection_sql
>>> projection_sql("messages", ["chatId", "personType", "createdAt", "_file", "_row"], "raw")
'SELECT chatId, personType, createdAt, CAST(NULL AS BOOLEAN) AS isPrivate, _file, _row FROM raw'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from chattools.errors import DatasetError, MissingColumnError

__all__ = [
    "OPTIONAL_BOOLEAN",
    "TABLES",
    "is_remote",
    "projection_sql",
    "sheet_location",
]

#: Columns each input table must provide, in the order the views expose them.
TABLES: dict[str, tuple[str, ...]] = {
    "chats": ("id", "state", "openedAt", "closedAt"),
    "messages": ("chatId", "personType", "createdAt", "isPrivate", "_file", "_row"),
}

#: Columns that may be missing from the data; they read as NULL booleans.
OPTIONAL_BOOLEAN: frozenset[str] = frozenset({"isPrivate"})


def is_remote(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a URL (``s3://``, ``gs://``, ``abfss://``, …)."""
    return "://" in os.fspath(location)


def sheet_location(dataset_dir: str | os.PathLike[str], table: str) -> str:
    """The folder of ``table`` inside a dataset directory.

    Local folders are checked: a missing folder, or one without Parquet files, raises
    :class:`~chattools.errors.DatasetError`. URLs are passed through unchecked (the
    engine reports what it cannot read).
    """
    base = os.fspath(dataset_dir)
    if is_remote(base):
        return f"{base.rstrip('/')}/{table}"
    folder = Path(base) / table
    if not Path(base).is_dir():
        msg = f"dataset_dir {base!r} is not a directory"
        raise DatasetError(msg)
    if not folder.is_dir() or next(folder.rglob("*.parquet"), None) is None:
        msg = f"dataset_dir {base!r} has no Parquet files under {table + '/'!r}"
        raise DatasetError(
            msg,
            hint="the SQL needs the chats and messages sheets; re-create the dataset with "
            "`chattools convert EXPORTS... --out DATASET/` from exports that include messages.",
        )
    return str(folder)


def projection_sql(table: str, available: Iterable[str], source: str) -> str:
    """``SELECT`` the columns of ``table`` from ``source`` (valid in DuckDB and Spark).

    Raises :class:`~chattools.errors.MissingColumnError` when a required column is
    missing; optional boolean columns are filled with NULL.
    """
    have = {name.lower(): name for name in available}
    parts = []
    for column in TABLES[table]:
        if column.lower() in have:
            parts.append(column)
        elif column in OPTIONAL_BOOLEAN:
            parts.append(f"CAST(NULL AS BOOLEAN) AS {column}")
        else:
            msg = f"the {table!r} table has no column {column!r}"
            raise MissingColumnError(
                msg,
                hint=f"the SQL needs {', '.join(TABLES[table])} in {table!r}; build the "
                "tables from chattools' typed frames (or `chattools convert`).",
            )
    return f"SELECT {', '.join(parts)} FROM {source}"
