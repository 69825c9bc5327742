"""Run the packaged SQL on Apache Spark over a Parquet dataset.

PySpark is optional: it is imported only here, when a Spark function is called, and
a missing install raises :class:`~chattools.errors.MissingDependencyError` with the
command that fixes it. Spark needs Java (17 or 21).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from chattools.errors import DatasetError, MissingDependencyError
from chattools.sql._queries import finish, statement
from chattools.sql._tables import TABLES, projection_sql, sheet_location

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["local_spark", "run_spark"]

_PYSPARK_HINT = "install it with: pip install 'pyspark>=4'  (Spark also needs Java 17 or 21)."


def _import_pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError:
        msg = "running the SQL on Spark needs the optional dependency 'pyspark'"
        raise MissingDependencyError(msg, hint=_PYSPARK_HINT) from None
    return pyspark.sql


def _check_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.exists(os.path.join(java_home, "bin", "java")):
        return
    if shutil.which("java") is None:
        msg = "Spark needs Java, but no 'java' was found on PATH and JAVA_HOME is not set"
        raise MissingDependencyError(
            msg,
            hint="install a Java 17 or 21 runtime (e.g. apt-get install openjdk-17-jre-headless) "
            "or set JAVA_HOME to one.",
        )


def local_spark(
    *,
    master: str = "local[2]",
    shuffle_partitions: int = 4,
    app_name: str = "chattools",
    config: Mapping[str, str] | None = None,
) -> SparkSession:
    """A local Spark session set up for the packaged SQL (UTC session time zone, no UI).

    Results do not depend on the session time zone (the SQL works on instants); UTC
    only keeps anything you display from the session unambiguous.

    Parameters
    ----------
    master
        Spark master URL, e.g. ``"local[2]"`` (two cores) or ``"local[*]"``.
    shuffle_partitions
        ``spark.sql.shuffle.partitions``; small values suit small data.
    app_name
        The Spark application name.
    config
        More Spark settings, e.g. ``{"spark.driver.memory": "4g"}`` (JVM settings
        only take effect when this call starts the JVM).

    Returns
    -------
    pyspark.sql.SparkSession
        ``getOrCreate()``'s session: an already running session is reused, and the
        settings above are applied to it.
    """
    sql = _import_pyspark()
    _check_java()
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.driver.bindAddress": "127.0.0.1",
        **(config or {}),
    }
    builder = sql.SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.shuffle.partitions", str(shuffle_partitions))
    return spark


def run_spark(
    spark: SparkSession | None,
    dataset_dir: str | os.PathLike[str],
    *,
    query: str = "chat_metrics",
) -> pl.DataFrame:
    """Run a packaged query (default ``chat_metrics.sql``) on Spark.

    The ``chats`` and ``messages`` folders of ``dataset_dir`` are read with
    ``spark.read.parquet`` (hive partitions and schema merging on) and registered as
    the temporary views ``chats`` and ``messages`` (replacing views of those names in
    the session); the SQL text is the same one DuckDB runs.

    Parameters
    ----------
    spark
        A ``SparkSession``; ``None`` starts (or reuses) :func:`local_spark`.
    dataset_dir
        A dataset directory written by ``chattools.convert_to_dataset``, local or a URL
        Spark can read (``s3a://…``, ``abfss://…``, ``gs://…``).
    query
        The packaged query to run (see :func:`chattools.sql.load_sql`).

    Returns
    -------
    polars.DataFrame
        One row per chat, sorted by ``id``: the same frame :func:`run_duckdb` returns.

    Examples
    --------
    Starting a JVM takes seconds, so this example is not run as a doctest:

    >>> from chattools.sql import local_spark, run_spark
    >>> spark = local_spark(master="local[2]")  # doctest: +SKIP
    >>> run_spark(spark, "chattools-dataset/").columns[:3]  # doctest: +SKIP
    ['id', 'first_response_seconds', 'reply_count']
    """
    text = statement(query)
    locations = {table: sheet_location(dataset_dir, table) for table in TABLES}
    session = local_spark() if spark is None else spark
    for table, location in locations.items():
        try:
            frame = session.read.option("mergeSchema", "true").parquet(location)
        except Exception as err:  # AnalysisException and friends: no pyspark import needed
            msg = f"spark could not read {location!r}: {str(err).splitlines()[0]}"
            raise DatasetError(msg) from None
        frame.createOrReplaceTempView(f"{table}_raw")
        session.sql(projection_sql(table, frame.columns, f"{table}_raw")).createOrReplaceTempView(
            table
        )
    result = session.sql(text)
    if hasattr(result, "toArrow"):
        out = cast("pl.DataFrame", pl.from_arrow(result.toArrow()))
    else:  # pyspark < 4
        out = pl.from_pandas(result.toPandas())
    return finish(out, query)
