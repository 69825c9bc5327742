"""The command line, driven through typer's runner (a real process for `python -m`)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import msoffcrypto
import pytest
from typer.testing import CliRunner

import chattools as ct
from chattools.cli import app

PASSWORD = "Cli7Password"
runner = CliRunner()


@pytest.fixture(scope="module")
def export_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "sample.xlsx"
    result = runner.invoke(
        app, ["sample", "--chats", "60", "--password", PASSWORD, "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "wrote password-protected legacy sample export with 60 chats" in result.output
    return path


def test_sample_opens_with_its_password_only(export_file: Path) -> None:
    with export_file.open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
    assert ct.open_export(export_file, password=PASSWORD).chats.height == 60
    with pytest.raises(ct.errors.WrongPasswordError):
        ct.open_export(export_file, password="Wrong1234")


def test_inspect_reads_the_password_from_the_environment(export_file: Path) -> None:
    result = runner.invoke(app, ["inspect", str(export_file)], env={"CHATTOOLS_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert "generation: legacy" in result.output
    assert "chats" in result.output and "60 rows" in result.output
    assert PASSWORD not in result.output


def test_custom_password_env_name(export_file: Path) -> None:
    result = runner.invoke(
        app,
        ["inspect", str(export_file), "--password-env", "MY_EXPORT_PW"],
        env={"MY_EXPORT_PW": PASSWORD, "CHATTOOLS_PASSWORD": None},
    )
    assert result.exit_code == 0, result.output


def test_data_error_is_one_clean_line_with_exit_code_1(export_file: Path) -> None:
    result = runner.invoke(
        app, ["inspect", str(export_file)], env={"CHATTOOLS_PASSWORD": "Wrong1234"}
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: wrong password")
    assert "hint:" in lines[0]
    assert "Traceback" not in result.output
    assert "Wrong1234" not in result.output


def test_missing_password_says_how_to_give_one(export_file: Path) -> None:
    result = runner.invoke(app, ["inspect", str(export_file)], env={"CHATTOOLS_PASSWORD": None})
    assert result.exit_code == 1
    assert "CHATTOOLS_PASSWORD" in result.output


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", "--chats", "0", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    result = runner.invoke(app, ["sample", "--generation", "1999", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2


def test_metrics_writes_one_row_per_chat_csv(export_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "metrics.csv"
    result = runner.invoke(
        app,
        [
            "metrics",
            str(export_file),
            "-o",
            str(out),
            "--hours",
            "mon-fri 09:00-12:00,13:00-18:00",
            "--holidays",
            "KR",
        ],
        env={"CHATTOOLS_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 60
    assert "first_response_time_seconds" in rows[0]
    assert "first_response_time_business_seconds" in rows[0]


def test_bad_hours_option_is_a_clean_error(export_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["metrics", str(export_file), "-o", str(tmp_path / "m.csv"), "--hours", "mon-fri"],
        env={"CHATTOOLS_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 1
    assert "--hours 'mon-fri'" in result.output


def test_report_is_byte_identical_on_rerun(export_file: Path, tmp_path: Path) -> None:
    paths = [tmp_path / "a.html", tmp_path / "b.html"]
    for path in paths:
        result = runner.invoke(
            app,
            [
                "report",
                str(export_file),
                "-o",
                str(path),
                "--hours",
                "mon-fri 09:00-18:00",
                "--holidays",
                "KR",
                "--from",
                "2026-01-01",
                "--to",
                "2026-06-30",
            ],
            env={"CHATTOOLS_PASSWORD": PASSWORD},
        )
        assert result.exit_code == 0, result.output
    assert paths[0].read_bytes() == paths[1].read_bytes()
    html = paths[0].read_text(encoding="utf-8")
    assert "<html" in html.lower()
    assert PASSWORD not in html


def test_report_rejects_a_bad_date(export_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["report", str(export_file), "-o", str(tmp_path / "r.html"), "--from", "June"],
        env={"CHATTOOLS_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_convert_says_that_decrypted_data_lands_on_disk(export_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    result = runner.invoke(
        app, ["convert", str(export_file), "--out", str(out)], env={"CHATTOOLS_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    assert "decrypted data written to" in result.output
    assert ct.open_dataset(out).chats.height == 60


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chattools", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    for command in ("sample", "inspect", "convert", "metrics", "report", "decrypt"):
        assert command in done.stdout


def test_decrypt_writes_a_plain_copy_only_when_asked(export_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain.xlsx"
    result = runner.invoke(
        app, ["decrypt", str(export_file), "--out", str(out)], env={"CHATTOOLS_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    assert "decrypted data written to" in result.output
    assert out.read_bytes()[:4] == b"PK\x03\x04"
    plain = ct.open_export(out)  # no password needed any more
    assert plain.chats.height == 60
    again = runner.invoke(
        app,
        ["decrypt", str(out), "--out", str(tmp_path / "x.xlsx")],
        env={"CHATTOOLS_PASSWORD": PASSWORD},
    )
    assert again.exit_code == 1
    assert "not encrypted" in again.output
