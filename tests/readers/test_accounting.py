"""Row accounting: rows read = rows loaded + rejected + merged, per file and sheet.

Checked on every generation × container of the sample, on the broken-cell corpus and
on merges; the rows read are also counted independently from the file itself.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import polars as pl
import pytest
from test_robustness_cells import broken_export

import chattools as ct
from chattools import sample

CASES = [
    (generation, container, shape)
    for generation in ("legacy", "2026", "case")
    for container, shape in (
        ("xlsx", "sheets"),
        ("json", "sheets"),
        ("zip", "sheets"),
        ("json", "api"),
    )
]


def _rows_in_file(data: bytes, container: str) -> dict[str, int]:
    """Data rows per sheet, counted from the raw file (XLSX ``<row`` tags / JSON lists)."""
    if container == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            workbook = zf.read("xl/workbook.xml").decode()
            names = [n.replace("&amp;", "&") for n in _attr_values(workbook, "name")]
            return {
                name: zf.read(f"xl/worksheets/sheet{i}.xml").count(b"<row ") - 1
                for i, name in enumerate(names, 1)
            }
    if container == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            data = zf.read(zf.namelist()[0])
    payload = json.loads(data)
    return {k: len(v) for k, v in payload.items() if isinstance(v, list)}


def _attr_values(xml: str, attr: str) -> list[str]:
    import re

    return re.findall(rf'<sheet\b[^>]*\b{attr}="([^"]*)"', xml)


@pytest.mark.parametrize(("generation", "container", "shape"), CASES)
def test_every_sample_export_balances(generation: str, container: str, shape: str) -> None:
    options: dict[str, Any] = {"generation": generation, "container": container}
    data = sample.write_sample(None, chats=25, seed=3, json_shape=shape, **options)  # type: ignore[arg-type]
    exp = ct.open_export(data)
    acc = exp.accounting()
    assert acc["balanced"].all(), acc.filter(~pl.col("balanced"))
    in_file = _rows_in_file(data, container)
    read = dict(zip(acc["sheet"], acc["rows_read"], strict=True))
    for sheet, n in in_file.items():
        assert read.get(sheet, 0) == n, sheet
    assert exp.chats.height == 25 or generation == "case"


def test_the_broken_cell_corpus_balances() -> None:
    exp = ct.open_export(broken_export())
    acc = exp.accounting().select("sheet", "rows_read", "rows_loaded", "rows_rejected", "balanced")
    assert acc.rows() == [
        ("Message data", 6, 6, 0, True),
        ("UserChat data", 5, 5, 0, True),
    ]


def test_an_unbalanced_export_is_flagged() -> None:
    """The check can fail: drop a loaded row behind the reader's back."""
    exp = ct.open_export(sample.write_sample(None, chats=5, container="json"))
    tampered = exp.with_frames(chats=exp.chats.slice(1))
    row = tampered.accounting().filter(pl.col("sheet") == "UserChat data").row(0, named=True)
    assert (row["rows_read"], row["rows_loaded"], row["balanced"]) == (5, 4, False)


def test_merged_samples_balance() -> None:
    one = sample.write_sample(None, chats=20, seed=1, container="json")
    same = sample.write_sample(None, chats=20, seed=1, container="zip")
    exp = ct.open_exports([one, same], progress=False)
    acc = exp.accounting()
    assert acc["balanced"].all()
    assert exp.chats.height == 20
    chats = acc.filter(pl.col("sheet") == "UserChat data")
    assert chats["rows_read"].sum() == 40 and chats["rows_merged"].sum() == 20
