from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from chattools.errors import UnsupportedFormatError
from chattools.output import write_table

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "plain", None]


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "plainText": HOSTILE,
            "count": [1, -2, 3, 4, 5, 6, 7],
            "at": [datetime(2026, 3, 4, 10, 0, i) for i in range(7)],
            "wait": [timedelta(seconds=s) for s in (0, 1, 2, 3, 4, 5, 90)],
            "tags": [["a,b", "c"], [], None, ["x"], ["y"], ["z"], ["w"]],
        }
    ).with_columns(pl.col("at").dt.replace_time_zone("Asia/Seoul"))


def test_csv_neutralises_formula_cells_and_keeps_numbers(tmp_path: Path) -> None:
    path = write_table(frame(), tmp_path / "m.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["plainText"] for r in rows] == [
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tTAB",
        "plain",
        "",
    ]
    assert rows[1]["count"] == "-2"  # a real number is not text and is left alone
    assert [json.loads(r["tags"]) if r["tags"] else None for r in rows[:3]] == [
        ["a,b", "c"],
        [],
        None,
    ]
    assert rows[6]["wait_seconds"] == "90.0"
    assert rows[0]["at (Asia/Seoul)"] == "2026-03-04 10:00:00"


def test_xlsx_has_no_formula_cells(tmp_path: Path) -> None:
    path = write_table(frame(), tmp_path / "m.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    col = header.index("plainText") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, 9)]
    assert all(c.data_type != "f" for c in cells)
    assert cells[0].value == '\'=HYPERLINK("http://x")'
    assert cells[3].value == "'@SUM(A1)"
    assert cells[5].value == "plain"


def test_parquet_keeps_types(tmp_path: Path) -> None:
    path = write_table(frame(), tmp_path / "m.parquet")
    back = pl.read_parquet(path)
    assert back.schema == frame().schema
    assert back["plainText"].to_list() == HOSTILE


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"unknown table format 'txt'"):
        write_table(frame(), tmp_path / "m.txt")


def test_xlsx_is_ready_for_excel(tmp_path: Path) -> None:
    """Frozen header, a filter, durations as [h]:mm:ss, dates as date cells, the zone
    in the header, Korean intact."""
    df = frame().with_columns(pl.Series("note", ["환불 요청"] * 7))
    ws = openpyxl.load_workbook(write_table(df, tmp_path / "m.xlsx")).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2"
    assert [t.autoFilter is not None for t in ws.tables.values()] == [True]  # a table
    wait = ws.cell(row=8, column=header.index("wait") + 1)
    assert wait.number_format == "[h]:mm:ss" and wait.value == timedelta(seconds=90)
    at = ws.cell(row=2, column=header.index("at (Asia/Seoul)") + 1)
    assert at.is_date and at.value == datetime(2026, 3, 4, 10, 0, 0)
    assert ws.cell(row=2, column=header.index("note") + 1).value == "환불 요청"
    assert json.loads(ws.cell(row=2, column=header.index("tags") + 1).value) == ["a,b", "c"]
