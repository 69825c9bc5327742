"""The user's own files (issue 16, cases 16 and 17) and the same password options on
every command (issue 17). Exports are built at test time with ``sample.write_sample``."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import chattools as ct
from chattools import sample
from chattools.cli import app
from chattools.errors import OutputExistsError
from chattools.output import write_table

PW = "Outputs42"
runner = CliRunner()
ENV = {"CHATTOOLS_PASSWORD": PW}
NO_PASSWORD: dict[str, str | None] = {"CHATTOOLS_PASSWORD": None}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exports") / "june.xlsx"
    sample.write_sample(path, chats=30, seed=11, password=PW)
    return path


@pytest.fixture
def workdir(export: Path, tmp_path: Path) -> Path:
    """A folder holding two copies of the export (a.xlsx, b.xlsx)."""
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(export.read_bytes())
    return tmp_path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: ") and "(hint: " in lines[0], lines[0]
    assert "Traceback" not in output
    return lines[0]


# -- case 16: never write over an input -----------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ["metrics", "{a}", "-o", "{a}"],
        ["metrics", "{a}", "-o", "{a}", "--force"],
        ["report", "{a}", "-o", "{a}", "--force"],
        ["metrics", "{dir}", "-o", "{b}", "--force"],
        ["report", "{dir}/*.xlsx", "-o", "{b}", "--force"],
        ["decrypt", "{a}", "--out", "{a}", "--force"],
    ],
)
def test_an_input_is_never_written_over(workdir: Path, command: list[str]) -> None:
    names = {"a": str(workdir / "a.xlsx"), "b": str(workdir / "b.xlsx"), "dir": str(workdir)}
    before = {p.name: _digest(p) for p in workdir.iterdir()}
    result = runner.invoke(app, [c.format(**names) for c in command], env=ENV)
    assert result.exit_code == 1
    assert "is one of the input files; it is never written over" in _one_error_line(result.output)
    assert {p.name: _digest(p) for p in workdir.iterdir()} == before


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_another_name_for_an_input_is_still_the_input(workdir: Path, link: str) -> None:
    alias = workdir / "out" / "alias.xlsx"
    alias.parent.mkdir()
    (os.link if link == "hard" else os.symlink)(workdir / "a.xlsx", alias)
    before = _digest(workdir / "a.xlsx")
    result = runner.invoke(
        app, ["metrics", str(workdir / "a.xlsx"), "-o", str(alias), "--force"], env=ENV
    )
    assert result.exit_code == 1, result.output
    assert "one of the input files" in result.output
    assert _digest(workdir / "a.xlsx") == before


@pytest.mark.parametrize(
    ("command", "output"),
    [
        (["metrics", "{a}", "-o", "{out}"], "m.csv"),
        (["report", "{a}", "-o", "{out}"], "r.html"),
        (["decrypt", "{a}", "--out", "{out}"], "plain.xlsx"),
        (["sample", "--chats", "5", "-o", "{out}"], "s.xlsx"),
    ],
)
def test_an_existing_output_is_replaced_only_with_force(
    workdir: Path, command: list[str], output: str
) -> None:
    out = workdir / output
    out.write_text("the user's own file")
    args = [c.format(a=workdir / "a.xlsx", out=out) for c in command]
    refused = runner.invoke(app, args, env=ENV)
    assert refused.exit_code == 1
    line = _one_error_line(refused.output)
    assert "exists already" in line and "--force" in line
    assert out.read_text() == "the user's own file"
    forced = runner.invoke(app, [*args, "--force"], env=ENV)
    assert forced.exit_code == 0, forced.output
    assert out.read_bytes() != b"the user's own file"
    assert sorted(p.name for p in workdir.iterdir()) == sorted(["a.xlsx", "b.xlsx", output])


def test_metrics_output_replaced_with_force_holds_the_metrics(workdir: Path) -> None:
    out = workdir / "m.csv"
    out.write_text("old")
    result = runner.invoke(
        app, ["metrics", str(workdir / "a.xlsx"), "-o", str(out), "--force"], env=ENV
    )
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out).height == 30


def test_write_table_refuses_an_existing_file_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("keep me")
    with pytest.raises(OutputExistsError, match="exists already"):
        write_table(pl.DataFrame({"a": [1]}), path, overwrite=False)
    assert path.read_text() == "keep me"
    write_table(pl.DataFrame({"a": [1]}), path)  # the default replaces, like Polars
    assert path.read_bytes().decode("utf-8-sig").splitlines() == ["a", "1"]


def test_a_writer_failing_halfway_leaves_the_old_file_and_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.csv"
    path.write_text("the previous metrics")

    def half_then_fail(self: pl.DataFrame, file: str | Path, **_: object) -> None:
        Path(file).write_text("a,b\n1,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", half_then_fail)
    with pytest.raises(ct.errors.OutputPathError, match="No space left on device"):
        write_table(pl.DataFrame({"a": [1], "b": [2]}), path)
    assert path.read_text() == "the previous metrics"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]


# -- case 17: outputs that cannot be written, found before anything is read ---------------
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/proc/version/m.csv", "is not a folder"),
        ("/sys/m.csv", "cannot write '/sys/m.csv'"),
        ("{tmp}/missing/m.csv", "does not exist"),
        ("{tmp}", "is a folder, not a file"),
    ],
)
@pytest.mark.parametrize("command", ["metrics", "report"])
def test_an_unwritable_output_fails_before_the_export_is_read(
    export: Path, tmp_path: Path, target: str, message: str, command: str
) -> None:
    """No password is available: had the export been read first, the error would be
    "password required"; the output's error comes first, in one line."""
    if target.startswith("/") and not Path("/", target.split("/")[1]).exists():
        pytest.skip("no such pseudo file system here")
    out = target.format(tmp=tmp_path)
    result = runner.invoke(app, [command, str(export), "-o", out], env=NO_PASSWORD)
    assert result.exit_code == 1
    assert message in _one_error_line(result.output)
    assert not Path(tmp_path, "missing").exists()


def test_convert_into_an_unwritable_place_fails_before_reading(
    export: Path, tmp_path: Path
) -> None:
    for out, message in [
        ("/proc/version/ds", "is not a folder"),
        (str(tmp_path / "no" / "ds"), "does not exist"),
        (str(export), "is a file, not a dataset folder"),
    ]:
        result = runner.invoke(app, ["convert", str(export), "--out", out], env=NO_PASSWORD)
        assert result.exit_code == 1
        assert message in _one_error_line(result.output)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("command", [["report", "-o"], ["decrypt", "--out"]])
def test_a_full_device_is_a_one_line_error(export: Path, command: list[str]) -> None:
    name, flag = command
    result = runner.invoke(app, [name, str(export), flag, "/dev/full"], env=ENV)
    assert result.exit_code == 1
    assert "No space left on device" in _one_error_line(result.output)


def _limit_file_size() -> None:  # in the child: writes beyond 4 KiB fail with EFBIG
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


@pytest.mark.parametrize(("command", "name"), [("metrics", "m.csv"), ("report", "r.html")])
def test_a_write_failing_at_the_end_leaves_no_partial_file(
    export: Path, tmp_path: Path, command: str, name: str
) -> None:
    """A real write failure (file size limit: EFBIG) after the whole export was read."""
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "chattools", command, str(export), "-o", str(out / name)],
        env={**os.environ, "CHATTOOLS_PASSWORD": PW, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_file_size,
    )
    assert run.returncode == 1, run.stderr
    assert "File too large" in _one_error_line(run.stderr)
    assert list(out.iterdir()) == []


# -- issue 17: the same password options everywhere, --version ----------------------------
def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"chattools {importlib.metadata.version('chattools')}"


@pytest.mark.parametrize(
    "command",
    [
        ["inspect", "{a}"],
        ["metrics", "{a}", "-o", "{tmp}/m.csv"],
        ["report", "{a}", "-o", "{tmp}/r.html"],
        ["convert", "{a}", "--out", "{tmp}/ds"],
        ["decrypt", "{a}", "--out", "{tmp}/plain.xlsx"],
    ],
)
def test_every_reading_command_takes_the_same_password_options(
    workdir: Path, command: list[str]
) -> None:
    def run(options: list[str], env: dict[str, str | None]) -> None:
        fresh = workdir / f"run{len(list(workdir.glob('run*')))}"  # new outputs each time
        fresh.mkdir()
        args = [c.format(a=workdir / "a.xlsx", tmp=fresh) for c in command]
        result = runner.invoke(app, [*args, *options], env=env)
        assert result.exit_code == 0, result.output
        assert PW not in result.output

    run(["--password", PW], NO_PASSWORD)
    run(["--password", PW], {"CHATTOOLS_PASSWORD": "Wrong" + PW})  # the literal wins
    run(["--password-env", "JUNE_PW"], {"JUNE_PW": PW, "CHATTOOLS_PASSWORD": None})
    with pytest.raises(AssertionError):  # and a wrong one is not silently replaced
        run(["--password", "Wrong" + PW], ENV)
    helped = runner.invoke(app, [command[0], "--help"], env={"COLUMNS": "200"})
    assert "--password" in helped.output and "--password-env" in helped.output
    assert "shell history" in helped.output
