"""chat_metrics.sql on DuckDB: hand-computed chats, a random sample against a brute-force
reference, the dataset layout, and the errors."""

from __future__ import annotations

import sys
from pathlib import Path

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
from chattools.errors import (
    DatasetError,
    InvalidValueError,
    MissingColumnError,
    MissingDependencyError,
    MissingSheetError,
)
from chattools.sql import DUCKDB_PRELUDE, QUERIES, load_sql, local_spark, run_duckdb, run_spark


def test_hand_chats_from_frames() -> None:
    out = run_duckdb({"chats": HAND_CHATS, "messages": HAND_MESSAGES})
    assert_frame_equal(out, HAND_EXPECTED)


def test_hand_chats_from_export_and_lazy_frames() -> None:
    exp = ct.Export({"chats": HAND_CHATS.lazy(), "messages": HAND_MESSAGES.lazy()})
    assert_frame_equal(run_duckdb(exp, threads=1), HAND_EXPECTED)


def test_hand_chats_from_dataset(tmp_path: Path) -> None:
    out = run_duckdb(write_dataset(HAND_CHATS, HAND_MESSAGES, tmp_path))
    assert_frame_equal(out, HAND_EXPECTED)


def test_random_sample_matches_reference(tmp_path: Path) -> None:
    chats, messages = random_frames()
    expected = reference(chats, messages)
    assert_frame_equal(run_duckdb({"chats": chats, "messages": messages}), expected)
    assert_frame_equal(run_duckdb(write_dataset(chats, messages, tmp_path)), expected)


def test_equals_polars_chat_metrics_on_hand_and_random_chats() -> None:
    for chats, messages in [(HAND_CHATS, HAND_MESSAGES), random_frames()]:
        exp = ct.Export({"chats": chats, "messages": messages})
        assert_frame_equal(as_polars_metrics(run_duckdb(exp)), polars_metrics(exp))


def test_sample_dataset_equals_polars_chat_metrics(tmp_path: Path) -> None:
    """End to end: sample export → convert_to_dataset → SQL == chat_metrics(open_dataset)."""
    dataset = sample_dataset(tmp_path)
    out = run_duckdb(dataset)
    assert out.height == 200 and out["reply_count"].sum() > 500
    assert_frame_equal(as_polars_metrics(out), polars_metrics(ct.open_dataset(dataset)))


def test_legacy_messages_without_is_private(tmp_path: Path) -> None:
    """Without ``isPrivate`` every manager message is a reply (notes do not exist)."""
    chats, messages = random_frames(n_chats=60, seed=11)
    legacy = messages.drop("isPrivate")
    expected = reference(chats, legacy)
    assert expected.equals(reference(chats, messages)) is False  # the notes mattered
    assert_frame_equal(run_duckdb({"chats": chats, "messages": legacy}), expected)
    assert_frame_equal(run_duckdb(write_dataset(chats, legacy, tmp_path)), expected)


def test_dataset_files_may_differ_in_is_private(tmp_path: Path) -> None:
    """A legacy file and a 2026 file in one dataset: schemas are merged by name."""
    chats, messages = random_frames(n_chats=40, seed=5)
    old = messages.filter(pl.col("_file") == "2024-h1.xlsx").with_columns(
        pl.lit(None, pl.Boolean).alias("isPrivate")
    )
    new = messages.filter(pl.col("_file") == "2024-h2.xlsx")
    write_dataset(chats, new, tmp_path)
    target = tmp_path / "messages" / "month=2024-03"
    target.mkdir(exist_ok=True)
    old.drop("isPrivate").write_parquet(target / "legacy-file.parquet")
    expected = reference(chats, pl.concat([old, new]))
    assert_frame_equal(run_duckdb(tmp_path), expected)


def test_empty_inputs_give_an_empty_typed_frame() -> None:
    out = run_duckdb(ct.Export.empty())
    assert out.height == 0
    assert out.schema == QUERIES["chat_metrics"]


def test_load_sql_is_one_portable_statement() -> None:
    text = load_sql("chat_metrics")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    assert code.count(";") == 1 and code.rstrip().endswith(";")
    assert "epoch_us" not in code  # DuckDB-only names live in the prelude
    assert "unix_micros" in DUCKDB_PRELUDE


def test_unknown_query_name() -> None:
    with pytest.raises(InvalidValueError, match="query name='nope'"):
        run_duckdb(ct.Export.empty(), query="nope")


def test_missing_dataset_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="is not a directory"):
        run_duckdb(tmp_path / "absent")
    write_dataset(HAND_CHATS, HAND_MESSAGES, tmp_path)
    for f in (tmp_path / "messages").rglob("*.parquet"):
        f.unlink()
    with pytest.raises(DatasetError, match="no Parquet files under 'messages/'"):
        run_duckdb(tmp_path)


def test_missing_column_and_sheet() -> None:
    with pytest.raises(MissingColumnError, match="'messages' table has no column '_row'"):
        run_duckdb({"chats": HAND_CHATS, "messages": HAND_MESSAGES.drop("_row")})
    with pytest.raises(MissingSheetError, match="no 'messages' table"):
        run_duckdb({"chats": HAND_CHATS})


def test_unreadable_parquet_is_a_dataset_error(tmp_path: Path) -> None:
    write_dataset(HAND_CHATS, HAND_MESSAGES, tmp_path)
    (tmp_path / "chats" / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(DatasetError, match="duckdb could not read"):
        run_duckdb(tmp_path)


def test_spark_without_java_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(MissingDependencyError, match="Spark needs Java") as info:
        local_spark()
    assert "openjdk-17" in info.value.hint


def test_spark_without_pyspark_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(MissingDependencyError, match="optional dependency 'pyspark'") as info:
        run_spark(None, write_dataset(HAND_CHATS, HAND_MESSAGES, tmp_path))
    assert "pip install 'pyspark>=4'" in info.value.hint
