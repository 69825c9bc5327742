"""The command line, driven through typer's runner (a real process for `python -m`)."""

from __future__ import annotations

import csv
import re
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
    assert "wrote password-protected 2026 sample export with 60 chats" in result.output
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
    assert "generation: 2026" in result.output
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


# -- folders with files that cannot be read, and --limit ---------------------------------
@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory, export_file: Path) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "sample.xlsx").write_bytes(export_file.read_bytes())
    (folder / "notes.json").write_text('{"todo": ["call Kim"]}')
    ct.sample.write_sample(folder / "other.xlsx", chats=5, seed=3, password="Other5678")
    return folder


def test_inspect_a_folder_lists_what_it_could_not_read(mixed_folder: Path) -> None:
    result = runner.invoke(
        app, ["inspect", str(mixed_folder)], env={"CHATTOOLS_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "file: sample.xlsx" in out and "60 rows" in out
    assert "problems: 0" in out  # the skipped files are listed once, below
    assert "skipped: 2 files could not be read and are not included" in out
    assert "  notes.json: NotAnExportError: " in out
    assert "  other.xlsx: WrongPasswordError: wrong password" in out
    assert "    hint: check the password" in out
    assert PASSWORD not in out and "Traceback" not in out


def test_metrics_and_report_warn_about_skipped_files(mixed_folder: Path, tmp_path: Path) -> None:
    env = {"CHATTOOLS_PASSWORD": PASSWORD}
    for command in (
        ["metrics", str(mixed_folder), "-o", str(tmp_path / "m.csv")],
        ["report", str(mixed_folder), "-o", str(tmp_path / "r.html")],
    ):
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 0, result.output
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 2, result.stderr
        assert warnings[0].startswith("warning: skipped notes.json: NotAnExportError: ")
        assert PASSWORD not in result.output
    with (tmp_path / "m.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 60


def _reading_commands(source: Path, tmp_path: Path) -> list[list[str]]:
    return [
        ["inspect", str(source)],
        ["metrics", str(source), "-o", str(tmp_path / "m.csv")],
        ["report", str(source), "-o", str(tmp_path / "r.html")],
        ["convert", str(source), "--out", str(tmp_path / "dataset")],
    ]


@pytest.mark.parametrize("limit", ["max_cells=10", "max-decompressed-bytes=1_000"])
@pytest.mark.parametrize("command", ["inspect", "metrics", "report", "convert"])
def test_limit_option_reaches_every_reading_command(
    export_file: Path, tmp_path: Path, command: str, limit: str
) -> None:
    args = next(a for a in _reading_commands(export_file, tmp_path) if a[0] == command)
    env = {"CHATTOOLS_PASSWORD": PASSWORD}
    refused = runner.invoke(app, [*args, "--limit", limit], env=env)
    assert refused.exit_code == 1, refused.output
    line = refused.output.strip()
    assert line.startswith("error: ") and "(limit max_" in line
    assert "--limit max_cells=N" in line and "chattools.readers.Limits" in line
    generous = ["--limit", "max_cells=1000000000", "--limit", "max_decompressed_bytes=8e9"]
    passed = runner.invoke(app, [*args, *generous], env=env)
    assert passed.exit_code == 0, passed.output


def test_limit_option_reaches_decrypt(export_file: Path, tmp_path: Path) -> None:
    zipped = tmp_path / "export.zip"
    ct.sample.write_sample(zipped, chats=5, container="zip", password=PASSWORD)
    args = ["decrypt", str(zipped), "--out", str(tmp_path / "plain.json")]
    env = {"CHATTOOLS_PASSWORD": PASSWORD}
    refused = runner.invoke(app, [*args, "--limit", "max_decompressed_bytes=100"], env=env)
    assert refused.exit_code == 1 and "(limit max_decompressed_bytes=100)" in refused.output
    assert runner.invoke(app, args, env=env).exit_code == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("max_rows=5", "KEY one of"),
        ("max_cells", "expected KEY=VALUE"),
        ("max_cells=lots", "'lots' is not a number"),
        ("max_cells=0", "expected a positive number"),
    ],
)
def test_a_bad_limit_option_is_a_usage_error(export_file: Path, value: str, message: str) -> None:
    result = runner.invoke(
        app, ["inspect", str(export_file), "--limit", value], env={"CHATTOOLS_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 2
    flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())  # rich wraps the box
    assert message in flat


def test_limit_help_names_every_limit() -> None:
    import dataclasses

    from chattools.cli import LimitOption
    from chattools.readers import Limits

    help_text = LimitOption.__metadata__[0].help
    assert all(f.name in help_text for f in dataclasses.fields(Limits))


@pytest.mark.parametrize("progress", ["1", "0"])
def test_long_commands_say_what_they_are_doing(
    export_file: Path, tmp_path: Path, progress: str
) -> None:
    env = {"CHATTOOLS_PASSWORD": PASSWORD, "CHATTOOLS_PROGRESS": progress}
    args = ["report", str(export_file), "-o", str(tmp_path / "r.html")]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    steps = ["reading 1 export…", "building the report on 60 chats…"]
    assert all((step in result.stderr) == (progress == "1") for step in steps)
    assert PASSWORD not in result.output + result.stderr
