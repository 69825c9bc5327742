"""A dataset folder written by one process at a time, checked part by part on open
(issue 16, cases 9 and 10). Sample exports are built at test time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

import chattools as ct
from chattools import sample
from chattools.errors import DatasetBusyError, DatasetCorruptError, DatasetError
from chattools.readers.dataset import LOCK, write_dataset, writing_lock
from chattools.readers.manifest import MANIFEST, write_atomic

CHATS = 40  # per file; each seed draws its own chat ids


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("exports")
    paths = []
    for i in range(3):
        path = folder / f"e{i}.json"
        sample.write_sample(path, chats=CHATS, seed=50 + i, container="json")
        paths.append(path)
    ids = [set(ct.open_export(p).chats["id"]) for p in paths]
    assert all(len(s) == CHATS for s in ids) and not (ids[0] & ids[1] | ids[1] & ids[2])
    return paths


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


# -- case 9: one writer at a time ---------------------------------------------------------
_CONVERT_AT = textwrap.dedent(
    """
    import sys, time
    import chattools as ct
    from chattools.errors import ChattoolsError
    source, out, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    time.sleep(max(0.0, start - time.time()))
    try:
        ct.convert_to_dataset([source], out, workers=1, progress=False)
    except ChattoolsError as err:
        print(type(err).__name__, err.hint)
    else:
        print("ok")
    """
)


def test_concurrent_conversions_lose_no_chat(exports: list[Path], tmp_path: Path) -> None:
    """Three processes started at the same instant: each either converts its file or is
    told the folder is busy; the dataset holds exactly the files reported converted."""
    out = tmp_path / "ds"
    start = time.time() + 4  # after every interpreter has imported chattools
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CONVERT_AT, str(p), str(out), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in exports
    ]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        results.append(stdout.strip())
    converted = [p.name for p, r in zip(exports, results, strict=True) if r == "ok"]
    assert converted, results
    for r in results:
        assert r == "ok" or r.startswith("DatasetBusyError wait for the other conversion"), r
    assert sorted(f["file"] for f in _manifest(out)["files"]) == sorted(converted)
    assert ct.open_dataset(out, verify="full").chats.height == CHATS * len(converted)
    # the refused ones are added by running them again
    ct.convert_to_dataset(exports, out, workers=1, progress=False)
    assert ct.open_dataset(out).chats.height == CHATS * 3


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(
    exports: list[Path], tmp_path: Path
) -> None:
    out = ct.convert_to_dataset(exports[:1], tmp_path / "ds", workers=1, progress=False)
    with writing_lock(out):
        with pytest.raises(DatasetBusyError, match="is being written by another process") as err:
            ct.convert_to_dataset(exports[1:2], out, workers=1, progress=False)
        assert isinstance(err.value, DatasetError)
        with pytest.raises(DatasetBusyError):
            from chattools.readers.dataset import write_dataset

            write_dataset([ct.open_export(exports[2])], out)
        assert [f["file"] for f in _manifest(out)["files"]] == ["e0.json"]
    ct.convert_to_dataset(exports[1:2], out, workers=1, progress=False)  # released
    assert ct.open_dataset(out).chats.height == 2 * CHATS


def test_a_killed_writer_leaves_no_stuck_lock(exports: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "ds"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from chattools.readers.dataset import writing_lock\n"
            "with writing_lock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(600)\n",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(DatasetBusyError):
            ct.convert_to_dataset(exports[:1], out, workers=1, progress=False)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()
    assert (out / LOCK).is_file()  # the file stays; the lock died with its process
    ct.convert_to_dataset(exports[:1], out, workers=1, progress=False)
    assert ct.open_dataset(out).chats.height == CHATS


def test_a_folder_that_is_not_a_dataset_gets_no_lock_file(
    exports: list[Path], tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    with pytest.raises(DatasetError, match="exists and is not a chattools dataset"):
        ct.convert_to_dataset(exports[:1], folder, workers=1, progress=False)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / MANIFEST
    target.write_text('{"old": true}')

    def half_then_fail(path: Path) -> None:
        path.write_text('{"new": ')
        raise RuntimeError("disk pulled out")

    with pytest.raises(RuntimeError):
        write_atomic(target, half_then_fail)
    assert target.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST]


# -- case 10: every part checked against the manifest --------------------------------------
@pytest.fixture
def dataset(exports: list[Path], tmp_path: Path) -> Path:
    return ct.convert_to_dataset(exports[:2], tmp_path / "ds", workers=1, progress=False)


def _parts(folder: Path, sheet: str) -> list[Path]:
    return sorted((folder / sheet).rglob("part-0.parquet"))


def test_the_manifest_records_size_checksum_and_schema_of_every_part(dataset: Path) -> None:
    manifest = _manifest(dataset)
    assert manifest["format_version"] == 2
    files = sorted(p.relative_to(dataset).as_posix() for p in dataset.rglob("*.parquet"))
    assert sorted(manifest["parts"]) == files
    import hashlib

    for key, record in manifest["parts"].items():
        data = (dataset / key).read_bytes()
        assert record["bytes"] == len(data)
        assert record["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_truncated_part_is_named_with_the_fix(dataset: Path) -> None:
    part = _parts(dataset, "messages")[0]
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])
    key = part.relative_to(dataset).as_posix()
    with pytest.raises(DatasetCorruptError, match=f"'{key}' is {len(data) // 2} bytes") as err:
        ct.open_dataset(dataset)
    assert "convert the exports again" in err.value.hint
    assert isinstance(err.value, DatasetError)


def test_another_sheets_part_copied_over_chats_is_refused(dataset: Path) -> None:
    chats = _parts(dataset, "chats")[0]
    users = dataset / "users" / "part-0.parquet"
    chats.write_bytes(users.read_bytes())
    with pytest.raises(DatasetCorruptError, match=r"chats/month=.*(bytes|columns)"):
        ct.open_dataset(dataset)


def test_same_size_other_columns_is_refused(dataset: Path) -> None:
    """A file of the recorded size but other columns: the footer's schema says so."""
    part = _parts(dataset, "chats")[0]
    record = _manifest(dataset)["parts"][part.relative_to(dataset).as_posix()]
    foreign, pad = pl.DataFrame({"x": ["a"]}), 0
    for _ in range(6):  # key-value metadata grows the footer byte by byte (+ a varint)
        foreign.write_parquet(part, metadata={"pad": "x" * pad, "y": "y" * (pad % 2)})
        pad += record["bytes"] - part.stat().st_size
    assert part.stat().st_size == record["bytes"]
    with pytest.raises(DatasetCorruptError, match="does not have the columns"):
        ct.open_dataset(dataset)


def test_a_changed_byte_is_found_by_full_verification(dataset: Path) -> None:
    part = _parts(dataset, "messages")[0]
    data = bytearray(part.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the data pages: size and footer unchanged
    part.write_bytes(bytes(data))
    ct.open_dataset(dataset)  # quick: size and schema only
    with pytest.raises(DatasetCorruptError, match="another SHA-256"):
        ct.open_dataset(dataset, verify="full")


def test_a_damaged_side_table_is_a_dataset_error(exports: list[Path], tmp_path: Path) -> None:
    same = tmp_path / "copy.json"  # the same chats again: the merge records duplicates
    same.write_bytes(exports[0].read_bytes() + b"\n")
    out = ct.convert_to_dataset([exports[0], same], tmp_path / "ds", workers=1, progress=False)
    table = out / "duplicates.parquet"
    assert table.is_file()
    table.write_bytes(table.read_bytes()[:-10])
    with pytest.raises(DatasetCorruptError, match=r"duplicates\.parquet"):
        ct.open_dataset(out)


def test_a_version_1_dataset_opens_and_gets_records_when_extended(
    exports: list[Path], tmp_path: Path
) -> None:
    out = ct.convert_to_dataset(exports[:1], tmp_path / "ds", workers=1, progress=False)
    manifest = _manifest(out)
    old_parts = set(manifest.pop("parts"))
    manifest["format_version"] = 1
    (out / MANIFEST).write_text(json.dumps(manifest))
    assert ct.open_dataset(out).chats.height == CHATS
    ct.convert_to_dataset(exports[1:2], out, workers=1, progress=False)
    assert old_parts <= set(_manifest(out)["parts"])
    assert ct.open_dataset(out, verify="full").chats.height == 2 * CHATS


def test_verify_must_be_quick_or_full(dataset: Path) -> None:
    with pytest.raises(ct.errors.InvalidValueError, match="verify"):
        ct.open_dataset(dataset, verify="none")  # type: ignore[arg-type]


def test_a_folder_another_writer_is_filling_is_busy_not_foreign(
    exports: list[Path], tmp_path: Path
) -> None:
    """The writer has written parts but not yet its manifest: a second writer was told
    the folder 'is not a chattools dataset' (seen in a parallel test run), not busy."""
    out = tmp_path / "ds"
    with writing_lock(out):
        (out / "chats").mkdir()
        (out / "chats" / "part-0.parquet").write_bytes(b"being written")
        with pytest.raises(DatasetBusyError):
            ct.convert_to_dataset([str(exports[0])], out, progress=False)
        with pytest.raises(DatasetBusyError):
            write_dataset([ct.open_export(exports[0])], out)
    # the writer died there: no manifest, parts left behind; that folder is still refused
    with pytest.raises(DatasetError, match="is not a chattools dataset"):
        ct.convert_to_dataset([str(exports[0])], out, progress=False)
