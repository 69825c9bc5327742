"""``open_exports`` on folders of real sample files: plain scripts, files that cannot be
read, and safety limits through every Python entry point that reads files."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.errors import (
    CorruptFileError,
    InvalidValueError,
    NotAnExportError,
    UnreadableExportsError,
    UnsafeFileError,
    WrongPasswordError,
)
from chattools.export import SKIPPED_SCHEMA
from chattools.readers import Limits

PW = "Folder7Pass"
CHATS = (20, 15, 10)
#: Far below what a 10-chat sample needs (a sheet spans hundreds of cells; the file
#: expands to tens of kilobytes).
TINY = (Limits(max_cells=10), Limits(max_decompressed_bytes=1000))


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three encrypted sample exports with different chats."""
    folder = tmp_path_factory.mktemp("good")
    for i, n in enumerate(CHATS):
        ct.sample.write_sample(folder / f"part{i}.xlsx", chats=n, seed=40 + i, password=PW)
    return folder


@pytest.fixture(scope="module")
def expected(good: Path) -> int:
    return ct.open_exports(good, password=PW, workers=1).chats.height


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, good: Path) -> Path:
    """The good files plus a stray JSON, a truncated XLSX and a wrong-password export."""
    folder = tmp_path_factory.mktemp("mixed")
    for path in good.iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "notes.json").write_text('{"todo": ["call Kim", "renew licence"]}')
    data = (good / "part0.xlsx").read_bytes()
    (folder / "corrupt.xlsx").write_bytes(data[: len(data) // 2])
    ct.sample.write_sample(folder / "other.xlsx", chats=5, seed=99, password="Another9Pw")
    return folder


# -- a plain script ----------------------------------------------------------------------
def test_a_plain_script_without_a_main_guard(good: Path, expected: int, tmp_path: Path) -> None:
    script = tmp_path / "load_folder.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import chattools as ct
            exp = ct.open_exports({str(good)!r}, password={PW!r}, workers=2)
            print(exp.chats.height, exp.sources.height)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
        env={**_env(), "CHATTOOLS_PROGRESS": "0"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(expected), str(len(CHATS))]
    assert "Traceback" not in done.stderr
    assert "Error" not in done.stderr


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "CHATTOOLS_PASSWORD"}


def test_threads_and_one_at_a_time_give_the_same_export(good: Path) -> None:
    one = ct.open_exports(good, password=PW, workers=1)
    two = ct.open_exports(good, password=PW, workers=2)
    assert one.sources["file"].to_list() == two.sources["file"].to_list()
    assert_frame_equal(one.chats, two.chats)
    assert_frame_equal(one.messages, two.messages)


# -- files that cannot be read -----------------------------------------------------------
def test_files_that_cannot_be_read_are_reported_and_the_rest_loaded(
    mixed: Path, expected: int
) -> None:
    exp = ct.open_exports(mixed, password=PW)
    assert exp.chats.height == expected
    assert exp.sources["file"].to_list() == ["part0.xlsx", "part1.xlsx", "part2.xlsx"]
    assert exp.skipped.schema == SKIPPED_SCHEMA
    assert exp.skipped.select("file", "error").rows() == [
        ("corrupt.xlsx", "CorruptFileError"),
        ("notes.json", "NotAnExportError"),
        ("other.xlsx", "WrongPasswordError"),
    ]
    assert all(exp.skipped["reason"].str.len_chars() > 0)
    assert all(exp.skipped["hint"].str.len_chars() > 0)
    assert PW not in str(exp.skipped.rows()) and PW not in repr(exp)
    assert "skipped=3" in repr(exp)
    file_level = exp.problems.filter(pl.col("sheet").is_null() & pl.col("row").is_null())
    assert sorted(file_level["file"].to_list()) == ["corrupt.xlsx", "notes.json", "other.xlsx"]
    assert file_level["problem"].str.starts_with("file not read (").all()
    assert exp.accounting()["balanced"].all()


def test_on_error_raise_stops_at_the_first_file(mixed: Path) -> None:
    with pytest.raises((CorruptFileError, NotAnExportError, WrongPasswordError)) as info:
        ct.open_exports(mixed, password=PW, on_error="raise", workers=1)
    assert isinstance(info.value, CorruptFileError)  # the first in name order
    assert "'corrupt.xlsx'" in str(info.value) and PW not in str(info.value)


def test_nothing_readable_raises_one_error_listing_every_file(mixed: Path) -> None:
    paths = [mixed / "notes.json", mixed / "other.xlsx"]
    with pytest.raises(UnreadableExportsError) as info:
        ct.open_exports(paths, password=PW)
    text = str(info.value)
    assert text.startswith("none of the 2 export files could be read")
    assert "'notes.json' (NotAnExportError" in text and "'other.xlsx' (WrongPasswordError" in text
    assert "Hint:" in text and PW not in text


def test_the_same_failure_everywhere_keeps_its_class(good: Path) -> None:
    with pytest.raises(WrongPasswordError, match=r"none of the 3 export files") as info:
        ct.open_exports(good, password="Wrong-Guess-1")
    assert "part0.xlsx" in str(info.value) and "part2.xlsx" in str(info.value)
    assert "Wrong-Guess-1" not in str(info.value)


def test_a_single_file_raises_its_own_error(mixed: Path) -> None:
    with pytest.raises(WrongPasswordError, match=r"wrong password for 'other\.xlsx'"):
        ct.open_exports(mixed / "other.xlsx", password=PW)


def test_invalid_options_are_raised_once_not_reported_per_file(good: Path) -> None:
    with pytest.raises(InvalidValueError, match=r"invalid on_error='skip'"):
        ct.open_exports(good, password=PW, on_error="skip")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"invalid limits="):
        ct.open_exports(good, password=PW, limits={"max_cells": 5})  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"invalid timezone="):
        ct.open_exports(good, password=PW, timezone="Mars/Olympus")


# -- safety limits -----------------------------------------------------------------------
@pytest.mark.parametrize("limits", TINY, ids=["max_cells", "max_decompressed_bytes"])
def test_limits_reach_open_export(good: Path, limits: Limits) -> None:
    with pytest.raises(UnsafeFileError) as info:
        ct.open_export(good / "part2.xlsx", password=PW, limits=limits)
    assert "chattools.readers.Limits" in info.value.hint and "--limit" in info.value.hint
    assert ct.open_export(good / "part2.xlsx", password=PW).chats.height == CHATS[2]


@pytest.mark.parametrize("limits", TINY, ids=["max_cells", "max_decompressed_bytes"])
def test_limits_reach_open_exports(good: Path, limits: Limits) -> None:
    with pytest.raises(UnsafeFileError, match=r"none of the 3 export files could be read"):
        ct.open_exports(good, password=PW, limits=limits)
    with pytest.raises(UnsafeFileError, match=r"\(limit max_"):
        ct.open_exports(good, password=PW, limits=limits, on_error="raise")
    generous = Limits(max_cells=10**9, max_decompressed_bytes=2**33)
    assert ct.open_exports(good, password=PW, limits=generous).sources.height == len(CHATS)


@pytest.mark.parametrize("limits", TINY, ids=["max_cells", "max_decompressed_bytes"])
def test_limits_reach_convert_to_dataset(good: Path, limits: Limits, tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileError, match=r"\(limit max_"):
        ct.convert_to_dataset(good, tmp_path / "refused", password=PW, limits=limits)
    out = ct.convert_to_dataset(good, tmp_path / "ok", password=PW)
    assert ct.open_dataset(out).sources.height == len(CHATS)
    with pytest.raises(InvalidValueError, match=r"invalid limits="):
        ct.convert_to_dataset(good, tmp_path / "x", password=PW, limits=5)  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()
