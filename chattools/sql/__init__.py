"""The core chat metrics as portable SQL, run on DuckDB or Apache Spark.

``chat_metrics.sql`` computes, per chat and in calendar time, what
:func:`chattools.chat_metrics` computes in Polars: first response, reply count and
total reply time, resolution, and the two waiting buckets, over the latest
open→close cycle. The same text runs on both engines; it reads two tables, ``chats``
and ``messages``, with the column names of chattools' typed frames, so it also runs on
a Parquet dataset in object storage from a Spark cluster (see ``docs/spark.md``).

Examples
--------
>>> import chattools as ct
>>> from chattools.sql import load_sql, run_duckdb
>>> "FROM messages" in load_sql("chat_metrics")
True
>>> run_duckdb(ct.Export.empty()).schema["reply_count"]
Int64
"""

from __future__ import annotations

from chattools.sql._duckdb import run_duckdb
from chattools.sql._queries import DUCKDB_PRELUDE, QUERIES, load_sql
from chattools.sql._spark import local_spark, run_spark
from chattools.sql._tables import TABLES

__all__ = [
    "DUCKDB_PRELUDE",
    "QUERIES",
    "TABLES",
    "load_sql",
    "local_spark",
    "run_duckdb",
    "run_spark",
]
