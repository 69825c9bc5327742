"""The far-cell guard checks every part the XLSX reader may read, wherever it is stored.

Each workbook here hides a far cell (which makes calamine abort the process) where a
guard that follows its own reading of the relationships would not look: behind a
duplicated sheet name, in an unusual part path, at the ZIP root. Each is opened in a
child process, so that a guard that lets one through fails this test instead of
aborting the test run.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

import chattools as ct
from chattools import errors
from chattools.readers import Limits
from chattools.readers.sheets import iter_xlsx
from chattools.writers.xlsx import write_xlsx

FAR = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
    '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
)
NEAR = '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
    'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
)
REL = (
    '<Relationship Id="{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="{}"/>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships"><sheets>{}</sheets></workbook>'
)


def _workbook(sheets: list[tuple[str, str, str]], *, far: bool = True) -> bytes:
    """A workbook whose sheets are (name, relationship target, ZIP member), with the
    far cell in the first member (if ``far``) and harmless sheets in the others."""
    good = write_xlsx({"UserChat data": pl.DataFrame({"id": ["c1"]})})
    with zipfile.ZipFile(io.BytesIO(good)) as src:
        members = {
            i.filename: src.read(i) for i in src.infolist() if "worksheets" not in i.filename
        }
    listed, rels = [], []
    for i, (name, target, member) in enumerate(sheets, 1):
        listed.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(REL.format(f"rId{i}", target))
        members[member] = SHEET.format(FAR if far and i == 1 else NEAR).encode()
    members["xl/workbook.xml"] = WORKBOOK.format("".join(listed)).encode()
    members["xl/_rels/workbook.xml.rels"] = RELS.format("".join(rels)).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


CASES = {
    "duplicated sheet name": [
        ("UserChat data", "worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("UserChat data", "worksheets/sheet2.xml", "xl/worksheets/sheet2.xml"),
    ],
    "unusual folder and case": [("UserChat data", "WS/Data.xml", "xl/ws/data.xml")],
    "at the ZIP root": [("UserChat data", "/data.xml", "data.xml")],
    "far sheet listed second, first part elsewhere": [
        ("User data", "../data.xml", "data.xml"),
        ("UserChat data", "worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
    ],
}

CHILD = """
import sys, chattools as ct
from chattools.errors import ChattoolsError
try:
    ct.open_export(sys.argv[1])
except ChattoolsError as err:
    print(type(err).__name__, err.message)
    sys.exit(3)
print("loaded")
"""


@pytest.mark.parametrize("case", CASES)
def test_a_far_cell_anywhere_is_refused_before_the_reader_sees_it(
    case: str, tmp_path: Path
) -> None:
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(_workbook(CASES[case]))
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 3, (run.returncode, run.stdout, run.stderr[-2000:])
    assert run.stdout.startswith(("UnsafeFileError", "CorruptFileError")), run.stdout
    if run.stdout.startswith("UnsafeFileError"):
        assert "1048576 rows x 16384 columns" in run.stdout


def test_a_duplicated_sheet_name_is_a_clear_error() -> None:
    data = _workbook(CASES["duplicated sheet name"], far=False)
    with pytest.raises(errors.CorruptFileError, match="lists the sheet 'UserChat data' twice"):
        ct.open_export(data)


@pytest.mark.parametrize("case", ["unusual folder and case", "at the ZIP root"])
def test_unusual_part_paths_still_load(case: str) -> None:
    data = _workbook(CASES[case], far=False)
    (sheet,) = iter_xlsx(data, name="x.xlsx", limits=Limits())
    assert (sheet.name, sheet.frame.columns, sheet.frame.height) == ("UserChat data", ["id"], 0)
