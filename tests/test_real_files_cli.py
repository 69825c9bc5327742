"""The command line on the real exports, as a user runs it: each command in its own
process, on a copy encrypted at test time (as Channel Talk delivers them)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

import chattools as ct

REAL = Path(__file__).parent / "real"
PASSWORD = "Real2022Export"
#: chats, messages per file (tests/real/README.md)
COUNTS = {"channel-a-2022H1.xlsx": (2456, 24247), "channel-a-2022H2.xlsx": (963, 10499)}


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("real")
    out = {}
    for name in COUNTS:
        copy = io.BytesIO()
        OOXMLFile(io.BytesIO((REAL / name).read_bytes())).encrypt(PASSWORD, copy)
        (folder / name).write_bytes(copy.getvalue())
        out[name] = folder / name
    return out


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHATTOOLS_PASSWORD": PASSWORD, "CHATTOOLS_PROGRESS": "0"}
    cmd = [sys.executable, "-m", "chattools", *map(str, args)]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", COUNTS)
def test_inspect_shows_every_chat_and_message(
    name: str, encrypted: dict[str, Path], tmp_path: Path
) -> None:
    run = _run("inspect", encrypted[name], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    chats, messages = COUNTS[name]
    assert f"chats: {chats}  messages: {messages}" in run.stdout
    assert "problems: 0" in run.stdout
    assert PASSWORD not in run.stdout + run.stderr


@pytest.mark.parametrize("name", COUNTS)
def test_metrics_has_one_row_per_chat(
    name: str, encrypted: dict[str, Path], tmp_path: Path
) -> None:
    run = _run("metrics", encrypted[name], "-o", tmp_path / "m.csv", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    metrics = pl.read_csv(tmp_path / "m.csv", infer_schema_length=0)
    assert metrics.height == COUNTS[name][0]
    assert metrics["id"].n_unique() == metrics.height


def test_report_and_convert_on_both_halves(encrypted: dict[str, Path], tmp_path: Path) -> None:
    files = list(encrypted.values())
    run = _run("report", *files, "-o", tmp_path / "r.html", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and PASSWORD not in html
    run = _run("convert", *files, "--out", tmp_path / "ds", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    merged = ct.open_dataset(tmp_path / "ds")
    plain = ct.open_exports(sorted(REAL.glob("*.xlsx")))
    assert merged.chats.height == plain.chats.height
    assert merged.chats["id"].n_unique() == merged.chats.height  # no chat counted twice


def test_hours_inferred_from_the_export(encrypted: dict[str, Path], tmp_path: Path) -> None:
    """The schedule Channel Talk applied, measured on these files (docs/metrics.md)."""
    h1 = encrypted["channel-a-2022H1.xlsx"]
    run = _run("report", h1, "--hours", "infer", "-o", tmp_path / "r.html", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "r.html").read_text()
    assert "mon-fri 09:00-12:00, 13:00-17:30" in html and "inferred from the export" in html
    run = _run("metrics", h1, "--hours", "infer", "-o", tmp_path / "m.csv", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    header = (tmp_path / "m.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "first_response_time_business_seconds" in header.split(",")
    bad = _run("report", h1, "--hours", "infer", "--holidays", "KR", "-o", "x.html", cwd=tmp_path)
    assert bad.returncode == 1 and "cannot be combined" in bad.stderr
