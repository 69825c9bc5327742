"""chat_metrics.sql on Apache Spark (local mode): the same text gives DuckDB's results.

One Spark session serves the whole module. Spark needs Java: without it the session
fixture fails (it is not skipped) with chattools' "Spark needs Java" message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_sql_data import (
    HAND_CHATS,
    HAND_EXPECTED,
    HAND_MESSAGES,
    as_polars_metrics,
    polars_metrics,
    random_frames,
    reference,
    sample_dataset,
    write_dataset,
)

import chattools as ct
from chattools.errors import DatasetError, MissingColumnError
from chattools.sql import local_spark, run_duckdb, run_spark

#: Small-data settings: a JVM that starts fast and no code generation (tiny inputs).
_FAST = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.default.parallelism": "2",
}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_spark(
        master="local[2]", shuffle_partitions=2, app_name="chattools-tests", config=_FAST
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def random_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    chats, messages = random_frames(n_chats=200, seed=7)
    out = write_dataset(chats, messages, tmp_path_factory.mktemp("random"))
    return out, reference(chats, messages)


def test_session_is_utc_without_ui(spark: Any) -> None:
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.sparkContext.getConf().get("spark.ui.enabled") == "false"


def test_hand_chats(spark: Any, tmp_path: Path) -> None:
    out = run_spark(spark, write_dataset(HAND_CHATS, HAND_MESSAGES, tmp_path))
    assert_frame_equal(out, HAND_EXPECTED)


def test_random_sample_spark_equals_duckdb_equals_reference(
    spark: Any, random_dataset: tuple[Path, pl.DataFrame]
) -> None:
    path, expected = random_dataset
    on_spark = run_spark(spark, path)
    assert_frame_equal(on_spark, expected)
    assert_frame_equal(on_spark, run_duckdb(path))


def test_sample_dataset_spark_equals_duckdb_equals_polars(spark: Any, tmp_path: Path) -> None:
    dataset = sample_dataset(tmp_path)
    on_spark = run_spark(spark, dataset)
    assert_frame_equal(on_spark, run_duckdb(dataset))
    assert_frame_equal(as_polars_metrics(on_spark), polars_metrics(ct.open_dataset(dataset)))


def test_session_time_zone_does_not_matter(
    spark: Any, random_dataset: tuple[Path, pl.DataFrame]
) -> None:
    path, expected = random_dataset
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        assert_frame_equal(run_spark(spark, path), expected)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_legacy_messages_without_is_private(spark: Any, tmp_path: Path) -> None:
    chats, messages = random_frames(n_chats=60, seed=11)
    legacy = messages.drop("isPrivate")
    out = run_spark(spark, write_dataset(chats, legacy, tmp_path))
    assert_frame_equal(out, reference(chats, legacy))


def test_dataset_errors(spark: Any, tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="is not a directory"):
        run_spark(spark, tmp_path / "absent")
    with pytest.raises(DatasetError, match="spark could not read"):
        run_spark(spark, "file:///nonexistent-chattools-dataset")
    write_dataset(HAND_CHATS, HAND_MESSAGES.drop("_file"), tmp_path)
    with pytest.raises(MissingColumnError, match="no column '_file'"):
        run_spark(spark, tmp_path)
