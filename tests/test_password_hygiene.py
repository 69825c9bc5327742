"""The password never leaks: not in errors, reprs, logs, warnings, output, reports or disk."""

from __future__ import annotations

import builtins
import io
import logging
import os
import pickle
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import chattools as ct
from chattools import errors, sample
from chattools.cli import app
from chattools.readers.decrypt import decrypt_file

PW = "Zq7Secret9Pw"
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le")
NEEDLES = tuple(PW.encode(e) for e in ENCODINGS)


def assert_clean(text: str | bytes, where: str) -> None:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    for needle in NEEDLES:
        assert needle not in data, f"password found in {where}"


@pytest.fixture(autouse=True)
def _no_env_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATTOOLS_PASSWORD", raising=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for name, container in (("june.xlsx", "xlsx"), ("july.zip", "zip")):
        data = sample.write_sample(None, chats=12, seed=5, container=container, password=PW)  # type: ignore[arg-type]
        out[name] = folder / name
        out[name].write_bytes(data)
    return out


def _corrupt(data: bytes) -> bytes:
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0xFF
    return bytes(flipped)


FAILURES: dict[str, Callable[[bytes], tuple[bytes, str | None]]] = {
    "wrong": lambda d: (d, "Wrong" + PW),
    "prefix": lambda d: (d, PW[:-1]),
    "missing": lambda d: (d, None),
    "truncated": lambda d: (d[: len(d) // 2], PW),
    "bit-flipped": lambda d: (_corrupt(d), PW),
}


def _walk(obj: Any, seen: set[int], depth: int = 0) -> Iterator[str]:
    """Every string reachable from ``obj`` through attributes and containers."""
    if id(obj) in seen or depth > 12:
        return
    seen.add(id(obj))
    if isinstance(obj, str | bytes):
        yield obj if isinstance(obj, str) else obj.decode("latin-1")
    elif isinstance(obj, pl.DataFrame):
        for column in obj.select(pl.col(pl.String)).columns:
            yield from (v for v in obj[column].drop_nulls().to_list())
        yield from obj.columns
    elif isinstance(obj, pl.LazyFrame):
        yield from _walk(obj.collect(), seen, depth + 1)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk(key, seen, depth + 1)
            yield from _walk(value, seen, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for value in obj:
            yield from _walk(value, seen, depth + 1)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        yield from _walk(vars(obj), seen, depth + 1)


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("file", ["june.xlsx", "july.zip"])
def test_no_error_path_shows_the_password(
    files: dict[str, Path], file: str, failure: str, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    data, password = FAILURES[failure](files[file].read_bytes())
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exp = ct.open_export(data, password=password)
        except errors.ChattoolsError as err:
            text = "".join(traceback.format_exception(err, chain=True))
            assert_clean(text + repr(err) + repr(err.args) + err.hint, f"{failure} error")
            assert_clean(pickle.dumps(err), "pickled error")
        else:  # a flip may land in unused bytes; the export must then be clean too
            assert_clean(repr(exp), "repr")
    assert_clean(caplog.text, "log records")
    assert_clean(" ".join(str(w.message) for w in caught), "warnings")
    out = capsys.readouterr()
    assert_clean(out.out + out.err, "stdout/stderr")


def test_a_wrong_password_error_never_quotes_what_was_typed(files: dict[str, Path]) -> None:
    typed = "Typed-Guess-4242"
    for path in files.values():
        with pytest.raises(errors.WrongPasswordError) as info:
            ct.open_export(path, password=typed)
        assert typed not in str(info.value) and path.name in str(info.value)


@pytest.fixture(scope="module")
def opened(files: dict[str, Path]) -> ct.Export:
    return ct.open_exports([str(p) for p in files.values()], password=PW, progress=False)


@pytest.mark.parametrize("how", ["open_export", "open_exports"])
def test_the_export_does_not_hold_the_password(files: dict[str, Path], how: str) -> None:
    if how == "open_export":
        exp = ct.open_export(files["june.xlsx"], password=PW)
    else:
        exp = ct.open_exports([str(p) for p in files.values()], password=PW, progress=False)
    assert_clean(repr(exp), "repr")
    assert_clean(str(exp.sources.rows()), "sources")
    assert_clean(pickle.dumps(exp), "pickle")
    for text in _walk(exp, set()):
        assert_clean(text, "an attribute of the Export")


def test_progress_output_and_logs(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ct.open_exports([str(p) for p in files.values()], password=PW, progress=True, workers=1)
    out = capsys.readouterr()
    assert_clean(out.out + out.err + caplog.text, "progress output")


def test_cli_commands(files: dict[str, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"MY_EXPORT_PW": PW}
    args = ["--password-env", "MY_EXPORT_PW"]
    paths = [str(p) for p in files.values()]
    runs = [
        ["inspect", *paths, *args],
        ["metrics", paths[0], "-o", str(tmp_path / "m.csv"), *args],
        ["report", *paths, "-o", str(tmp_path / "r.html"), *args],
    ]
    for command in runs:
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 0, result.output
        assert_clean(result.output, f"cli {command[0]}")
    for command in (["inspect", paths[0], *args], ["metrics", paths[1], "-o", "x.csv", *args]):
        result = runner.invoke(app, command, env={"MY_EXPORT_PW": "Wrong" + PW})
        assert result.exit_code == 1 and "wrong password" in result.output
        assert_clean(result.output, "cli error")
    for written in tmp_path.iterdir():
        assert_clean(written.read_bytes(), written.name)


def test_report_html(opened: ct.Export, tmp_path: Path) -> None:
    path = ct.build_report(opened, charts=False).write_html(tmp_path / "report.html")
    assert_clean(path.read_bytes(), "report HTML")


class _DiskWatch:
    """Records every file opened for writing (builtins/io/os) while active."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writes: list[str] = []
        real_open, real_os_open = builtins.open, os.open

        def watched_open(file: Any, mode: str = "r", *a: Any, **k: Any) -> Any:
            if any(c in mode for c in "wax+"):
                self.writes.append(str(file))
            return real_open(file, mode, *a, **k)

        def watched_os_open(path: Any, flags: int, *a: Any, **k: Any) -> int:
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                self.writes.append(str(path))
            return real_os_open(path, flags, *a, **k)

        monkeypatch.setattr(builtins, "open", watched_open)
        monkeypatch.setattr(io, "open", watched_open)
        monkeypatch.setattr(os, "open", watched_os_open)


def _listing(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*")}


def test_decrypted_bytes_never_touch_disk(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    before = _listing(tmp_path, files["june.xlsx"].parent)
    watch = _DiskWatch(monkeypatch)
    ct.open_export(files["june.xlsx"], password=PW)
    ct.open_export(files["july.zip"].read_bytes(), password=PW)
    ct.open_exports([str(p) for p in files.values()], password=PW, progress=False, workers=1)
    monkeypatch.undo()
    assert watch.writes == []
    assert _listing(tmp_path, files["june.xlsx"].parent) == before


def test_decrypt_file_writes_only_where_asked(files: dict[str, Path], tmp_path: Path) -> None:
    """The one sanctioned plaintext copy: decrypt_file, at the path given."""
    out = decrypt_file(files["june.xlsx"], tmp_path / "plain.xlsx", password=PW)
    assert sorted(tmp_path.iterdir()) == [out]
    assert_clean(out.read_bytes(), "decrypted copy")
    assert ct.open_export(out).chats.height == 12


def test_no_message_is_derived_from_the_password(tmp_path: Path) -> None:
    """Masking a one-letter password as '***' spelled it out (issue 16, case 18)."""
    good = tmp_path / "good.xlsx"
    good.write_bytes(sample.write_sample(None, chats=5, seed=3, password="e"))  # type: ignore[arg-type]
    broken = tmp_path / "broken.json"
    broken.write_text('{"UserChat data": [')
    exp = ct.open_exports([str(good), str(broken)], password="e", progress=False)
    reasons = " ".join(exp.skipped["reason"].to_list() + exp.skipped["hint"].to_list())
    assert "***" not in reasons and "e" in reasons  # the text as the reader wrote it
    assert exp.skipped["file"].to_list() == ["broken.json"]
