"""Parquet dataset: convert, re-open lazily, add files incrementally, manifest content.

Fixture files come from ``chattools.sample`` written by ``chattools.writers``:
``a`` and ``b`` share 10 chats (``b`` holds a newer version of them), ``c`` is a
different channel period, password-protected with its own password.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import sample, schema
from chattools.errors import DatasetError
from chattools.readers.dataset import MANIFEST, dtype_from_str
from chattools.writers import write_export

PW = {"a.xlsx": "alpha1", "b.json": "unused", "c.zip": "gamma3"}
KEY = ["_file", "_sheet", "_row"]


def nonempty(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {k: f for k, f in frames.items() if f.height}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("exports")
    base = sample.generate(60, seed=11).frames
    ids = base["chats"]["id"]

    def subset(lo: int, hi: int, bump: bool = False) -> dict[str, pl.DataFrame]:
        keep = ids[lo:hi].implode()
        frames = dict(base)
        frames["chats"] = base["chats"][lo:hi]
        if bump:
            frames["chats"] = frames["chats"].with_columns(
                pl.col("closedAt") + pl.duration(hours=5)
            )
        frames["messages"] = base["messages"].filter(pl.col("chatId").is_in(keep))
        return nonempty(frames)

    a = write_export(subset(0, 40), container="xlsx", password=PW["a.xlsx"])
    b = write_export(subset(30, 60, bump=True), container="json")
    c = write_export(
        nonempty(sample.generate(25, seed=12).frames), container="zip", password=PW["c.zip"]
    )
    paths = []
    for name, data in (("a.xlsx", a), ("b.json", b), ("c.zip", c)):
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


@pytest.fixture(scope="module")
def merged(files: list[Path]) -> dict[int, ct.Export]:
    """``open_exports`` of the first 1, 2 and 3 files (the reference)."""
    return {n: ct.open_exports(files[:n], passwords=PW, workers=1) for n in (1, 2, 3)}


def sorted_frames(exp: ct.Export) -> dict[str, pl.DataFrame]:
    return {k: exp.frame(k).sort(KEY) for k in schema.SHEETS}


def assert_same(left: ct.Export, right: ct.Export) -> None:
    a, b = sorted_frames(left), sorted_frames(right)
    for key in schema.SHEETS:
        assert a[key].schema == b[key].schema, key
        assert_frame_equal(a[key], b[key])
    pk = ["file", "sheet", "row", "column", "problem"]
    assert_frame_equal(
        left.problems.sort(pk, nulls_last=True), right.problems.sort(pk, nulls_last=True)
    )
    dk = ["file", "sheet", "row"]
    assert_frame_equal(left.duplicates.sort(dk), right.duplicates.sort(dk))
    assert_frame_equal(left.sources, right.sources)
    assert left.generation == right.generation and left.timezone == right.timezone


def test_dataset_equals_open_exports(
    files: list[Path], merged: dict[int, ct.Export], tmp_path: Path
):
    out = ct.convert_to_dataset(files[:2], tmp_path / "ds", passwords=PW, workers=1)
    exp = ct.open_dataset(out)
    assert exp.is_lazy
    ref = merged[2]
    assert_same(exp, ref)
    # the overlap: 10 chats in both files, kept from b with b's messages only
    assert ref.chats.height == 60
    shared = ref.chats.filter(pl.col("_file") == "b.json").head(10)["id"].implode()
    assert ref.messages.filter(pl.col("chatId").is_in(shared))["_file"].unique().to_list() == [
        "b.json"
    ]
    assert exp.messages.schema["createdAt"] == pl.Datetime("us", "Asia/Seoul")
    assert exp.accounting()["balanced"].all()
    # the 10 shared chats of a (and their messages) are merged away, not problems
    assert exp.problems.height == ref.problems.height == 0
    chats_dup = exp.duplicates.filter(pl.col("sheet") == "UserChat data")
    assert chats_dup.select("file", "kept_file").unique().rows() == [("a.xlsx", "b.json")]
    assert chats_dup.height == 10
    shared_a = ref.chats.filter(pl.col("_file") == "b.json").head(10)["id"].sort().to_list()
    assert chats_dup["key"].sort().to_list() == shared_a
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["duplicates"] == {"file": "duplicates.parquet", "rows": exp.duplicates.height}
    assert exp.accounting()["rows_merged"].sum() == exp.duplicates.height


def test_incremental_add_equals_converting_all_at_once(
    files: list[Path], merged: dict[int, ct.Export], tmp_path: Path
):
    ct.convert_to_dataset(files[:2], tmp_path / "inc", passwords=PW, workers=1)
    users = tmp_path / "inc" / "users" / "part-0.parquet"
    before = users.stat().st_mtime_ns
    ct.convert_to_dataset(files[:2], tmp_path / "inc", passwords=PW, workers=1)  # nothing new
    assert users.stat().st_mtime_ns == before
    ct.convert_to_dataset(files, tmp_path / "inc", passwords=PW, workers=1)
    ct.convert_to_dataset(files, tmp_path / "all", passwords=PW, workers=1, batch_size=3)
    inc, whole = ct.open_dataset(tmp_path / "inc"), ct.open_dataset(tmp_path / "all")
    assert_same(inc, whole)
    assert_same(inc, merged[3])
    assert inc.sources["file"].to_list() == ["a.xlsx", "b.json", "c.zip"]


def test_manifest_content(files: list[Path], merged: dict[int, ct.Export], tmp_path: Path):
    out = ct.convert_to_dataset(files, tmp_path / "ds", passwords=PW, workers=1, batch_size=1)
    manifest = json.loads((out / MANIFEST).read_text())
    assert [f["file"] for f in manifest["files"]] == ["a.xlsx", "b.json", "c.zip"]
    assert [f["sha256"] for f in manifest["files"]] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    ]
    assert manifest["timezone"] == "Asia/Seoul"
    assert manifest["generation"] == "legacy"
    assert manifest["chattools_version"] == ct.__version__
    exp = merged[3]
    for key, info in manifest["sheets"].items():
        frame = exp.frame(key)
        assert info["rows"] == frame.height, key
        assert {c: dtype_from_str(d) for c, d in info["columns"].items()} == dict(frame.schema)
    months = exp.chats.group_by(pl.col("createdAt").dt.strftime("%Y-%m")).len()
    assert manifest["sheets"]["chats"]["partitions"] == dict(months.iter_rows())
    assert sorted(p.name for p in (out / "chats").iterdir()) == [
        f"month={m}" for m in sorted(months["createdAt"])
    ]
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for password in ("alpha1", "gamma3"):
        assert password.encode() not in everything


def test_messages_partitioned_by_their_chats_month(
    files: list[Path], merged: dict[int, ct.Export], tmp_path: Path
):
    out = ct.convert_to_dataset(files[:1], tmp_path / "ds", passwords=PW, workers=1)
    parts = pl.scan_parquet(out / "messages" / "**" / "*.parquet", hive_partitioning=True)
    chats = pl.scan_parquet(out / "chats" / "**" / "*.parquet", hive_partitioning=True)
    joined = (
        parts.select("chatId", pl.col("month").alias("m"))
        .join(chats.select(pl.col("id").alias("chatId"), "month"), on="chatId")
        .collect()
    )
    assert joined.height == merged[1].messages.height
    assert (joined["m"].cast(pl.String) == joined["month"].cast(pl.String)).all()


def test_dataset_errors(files: list[Path], tmp_path: Path):
    with pytest.raises(DatasetError, match=r"manifest\.json is missing"):
        ct.open_dataset(tmp_path / "nothing")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x")
    with pytest.raises(DatasetError, match="exists and is not a chattools dataset"):
        ct.convert_to_dataset(files[:1], tmp_path / "busy", passwords=PW)
    out = ct.convert_to_dataset(files[:1], tmp_path / "ds", passwords=PW, workers=1)
    with pytest.raises(DatasetError, match="timezone='Asia/Seoul', not 'UTC'"):
        ct.convert_to_dataset(files, out, passwords=PW, timezone="UTC")
    (out / MANIFEST).write_text("{not json")
    with pytest.raises(DatasetError, match="cannot read"):
        ct.open_dataset(out)
    shutil.rmtree(out)
    out = ct.convert_to_dataset(files[:1], tmp_path / "ds", passwords=PW, workers=1)
    shutil.rmtree(next((out / "messages").iterdir()))
    with pytest.raises(DatasetError, match="is incomplete"):
        ct.open_dataset(out)


def test_write_dataset_from_loaded_exports(tmp_path: Path):
    from dataclasses import replace

    from test_combine import chat, make_export, msg

    from chattools.readers.combine import combine
    from chattools.readers.dataset import write_dataset

    def with_sha(exp: ct.Export, sha: str) -> ct.Export:
        return replace(exp, sources=exp.sources.with_columns(sha256=pl.lit(sha)))

    a = make_export(
        "a.xlsx",
        chats=[chat("c1", "2024-01-31 23:30:00", "2024-02-01 10:00:00")],
        messages=[msg("c1", "2024-01-31 23:30:00", "hi"), msg("c1", "2024-01-31 23:30:00", "hi")],
    )
    b = make_export(
        "b.xlsx",
        chats=[
            chat("c1", "2024-01-31 23:30:00", "2024-02-03 10:00:00"),
            chat("c2", "2024-02-02 09:00:00"),
        ],
        messages=[msg("c1", "2024-01-31 23:30:00", "hi"), msg("c2", "2024-02-02 09:00:00", "x")],
    )
    a, b = with_sha(a, "a" * 64), with_sha(b, "b" * 64)
    out = write_dataset([a], tmp_path / "ds")
    write_dataset([a, b], out, batch_size=1)  # a is skipped: its sha256 is known
    exp = ct.open_dataset(out)
    assert_same(exp, combine([a, b]))
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["sheets"]["chats"]["partitions"] == {"2024-01": 1, "2024-02": 1}
    assert manifest["sheets"]["messages"]["partitions"] == {"2024-01": 1, "2024-02": 1}
    with pytest.raises(DatasetError, match="not 'UTC'"):
        write_dataset([with_sha(make_export("u.xlsx", tz="UTC"), "c" * 64)], out)


def test_messages_without_chat_then_their_chat_arrives(tmp_path: Path):
    from dataclasses import replace

    from test_combine import chat, make_export, msg

    from chattools.readers.combine import combine
    from chattools.readers.dataset import write_dataset

    a = make_export(
        "a.xlsx",
        chats=[chat("c1", "2024-03-01 09:00:00")],
        messages=[
            msg("c1", "2024-03-01 09:00:00", "x"),
            msg("o1", "2024-03-05 10:00:00", "orphan"),
        ],
    )
    b = make_export(
        "b.xlsx",
        chats=[chat("o1", "2024-02-20 10:00:00", "2024-03-06 10:00:00")],
        messages=[msg("o1", "2024-02-20 10:00:00", "start"), msg("o1", "2024-03-05 10:00:00", "y")],
    )
    a = replace(a, sources=a.sources.with_columns(sha256=pl.lit("a" * 64)))
    b = replace(b, sources=b.sources.with_columns(sha256=pl.lit("b" * 64)))
    out = write_dataset([a], tmp_path / "ds")
    assert json.loads((out / MANIFEST).read_text())["sheets"]["messages"]["orphans"] == {
        "2024-03": 1
    }
    write_dataset([b], out)
    expected = combine([a, b])
    assert expected.messages.filter(chatId="o1")["_file"].to_list() == ["b.xlsx", "b.xlsx"]
    assert_same(ct.open_dataset(out), expected)
    messages = json.loads((out / MANIFEST).read_text())["sheets"]["messages"]
    assert messages["partitions"] == {"2024-02": 2, "2024-03": 1}
    assert messages["orphans"] == {}


def test_duplicates_kept_file_follows_later_batches(tmp_path: Path):
    from dataclasses import replace

    from test_accounting_merge import EXPECTED_DUPLICATES, three_files

    from chattools.readers.combine import combine
    from chattools.readers.dataset import write_dataset

    a, b, c = (
        replace(e, sources=e.sources.with_columns(sha256=pl.lit(ch * 64)))
        for e, ch in zip(three_files(), "abc", strict=True)
    )
    out = write_dataset([a], tmp_path / "ds")
    write_dataset([c], out)  # c's c1 is newer than a's: a's row points at c for now
    first = ct.open_dataset(out).duplicates
    assert first.filter(key="c1", sheet="UserChat data")["kept_file"].to_list() == ["c.xlsx"]
    write_dataset([b], out)  # b's c1 is the newest: every c1 duplicate now points at b
    exp = ct.open_dataset(out)
    assert_same(exp, combine([a, c, b]))
    assert exp.duplicates.sort("file", "sheet", "row").rows() == EXPECTED_DUPLICATES
    assert exp.problems.height == 0
    assert exp.accounting()["balanced"].all()
