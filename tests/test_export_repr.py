"""``Export._repr_html_``: what a notebook shows for ``exp`` — compact, escaped, no password."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

import chattools as ct
from chattools import sample
from chattools.export import PROBLEM_SCHEMA, SKIPPED_SCHEMA, SOURCE_SCHEMA

TZ = "Asia/Seoul"


class _Table(HTMLParser):
    """The (header, cell) text pairs of a two-column table, and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> tuple[dict[str, str], list[str]]:
    parser = _Table()
    parser.feed(html)
    assert all(len(row) == 2 for row in parser.rows), parser.rows
    return dict((k, v) for k, v in parser.rows), parser.tags


def _export(files: list[str]) -> ct.Export:
    chats = pl.DataFrame(
        {
            "id": ["a", "b"],
            # created long before the period: must not start it
            "createdAt": [datetime(2020, 1, 1, 0, 0), datetime(2026, 3, 2, 9, 0)],
            "openedAt": [datetime(2026, 3, 1, 8, 5), datetime(2026, 3, 2, 9, 0)],
            "closedAt": [datetime(2026, 3, 9, 18, 30), None],
        }
    ).with_columns(pl.col("createdAt", "openedAt", "closedAt").dt.replace_time_zone(TZ))
    messages = pl.DataFrame(
        {
            "chatId": ["a", "a", "b"],
            "createdAt": [
                datetime(2026, 3, 1, 8, 6),
                datetime(2026, 3, 9, 18, 0),
                datetime(2026, 3, 10, 7, 45),
            ],
        }
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))
    sources = pl.DataFrame({"file": files}, schema={"file": pl.String}).with_columns(
        *[pl.lit(None, dtype).alias(c) for c, dtype in SOURCE_SCHEMA.items() if c != "file"]
    )
    problems = pl.DataFrame(
        [("x.xlsx", "chats", 3, "waitingTime", "12 minutes", "bad duration")] * 2,
        schema=PROBLEM_SCHEMA,
        orient="row",
    )
    return ct.Export(
        {"chats": chats, "messages": messages}, timezone=TZ, sources=sources, problems=problems
    )


def test_the_table_states_generation_period_files_rows_and_problems() -> None:
    cells, tags = _parse(_export(["data/june.xlsx", r"C:\exports\july.xlsx"])._repr_html_())
    assert tags[0] == "table"
    assert cells["generation"] == "legacy"
    # first activity: chat a opened 08:05; last: b's message 10 Mar 07:45 (after a closed)
    assert cells["period"] == "2026-03-01 08:05 → 2026-03-10 07:45 (Asia/Seoul)"
    assert cells["files"] == "2: june.xlsx, july.xlsx"  # names only, no folders
    assert cells["rows · chats"] == "2"
    assert cells["rows · messages"] == "3"
    assert "rows · users" not in cells  # empty sheets are left out
    assert cells["problems"] == "2"
    assert "duplicates merged" not in cells and "files skipped" not in cells


def test_many_files_skipped_files_and_an_empty_export() -> None:
    names = [f"part{i}.xlsx" for i in range(7)]
    skipped = pl.DataFrame(
        [("notes.json", "NotAnExportError", "not an export", "hint")],
        schema=SKIPPED_SCHEMA,
        orient="row",
    )
    exp = _export(names)
    cells, _ = _parse(ct.Export(exp.frames, sources=exp.sources, skipped=skipped)._repr_html_())
    assert (
        cells["files"] == "7: part0.xlsx, part1.xlsx, part2.xlsx, part3.xlsx, part4.xlsx, … 2 more"
    )
    assert cells["files skipped"] == "1"
    assert cells["problems"] == "0"

    cells, _ = _parse(ct.Export.empty()._repr_html_())
    assert cells["period"] == "no chat activity (Asia/Seoul)"
    assert cells["files"] == "0"
    assert not [k for k in cells if k.startswith("rows")]


def test_text_from_files_cannot_inject_html() -> None:
    evil = "<img src=x onerror=alert(2)><b>'bold' &amp; \"x\".xlsx"  # a file name
    html = _export([evil])._repr_html_()
    cells, tags = _parse(html)
    assert cells["files"] == f"1: {evil}"  # shown as text, exactly
    assert set(tags) <= {"table", "caption", "tr", "th", "td"}
    assert "<img" not in html and "<b>" not in html


def test_a_real_sample_shows_no_password(tmp_path: Path) -> None:
    path = tmp_path / "sample.xlsx"
    sample.write_sample(path, chats=20, seed=3, password="Pw-9fj3-secret")
    exp = ct.open_export(path, password="Pw-9fj3-secret")
    html = exp._repr_html_()
    assert "Pw-9fj3-secret" not in html
    cells, _ = _parse(html)
    assert cells["files"] == "1: sample.xlsx"
    assert cells["rows · chats"] == "20"
    assert cells["rows · messages"] == f"{exp.messages.height:,}"
