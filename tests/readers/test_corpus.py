"""Files written by real third-party programs open to the same frames as our own.

* ``tests/corpus/``: one synthetic sample written by chattools (``sample.xlsx``, the
  reference, and ``sample.json``), and copies of it re-saved, rewritten or encrypted by
  LibreOffice, openpyxl, xlsxwriter, msoffcrypto-tool, Apache POI and 7-Zip
  (``tests/corpus/make_corpus.sh`` rebuilds them; ``tests/corpus/README.md`` says what each
  is). Every copy must give exactly the reference's typed frames and no problem.
* ``tests/real/``: the two de-identified real exports (written by Channel Talk with POI,
  re-saved in Excel 16), plain and encrypted in memory at test time.
* Workbooks saved by Microsoft Excel (the real exports, and the public files listed in
  ``tests/corpus/excel/SOURCES.md`` when they are present in ``../shared/excel/`` or in
  ``$CHATTOOLS_EXCEL_CORPUS``): the reader layer refuses none of them and loads every sheet
  as fastexcel does, and the extent guard's bound covers every cell an XML parser finds.

The committed files are what is tested: nothing here needs LibreOffice, Java or 7-Zip.
"""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import fastexcel
import msoffcrypto
import msoffcrypto.format.ooxml
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import schema
from chattools.readers.extent import sheet_extent
from chattools.readers.safety import Limits
from chattools.readers.sheets import iter_xlsx

TESTS = Path(__file__).parents[1]
CORPUS = TESTS / "corpus"
REAL = TESTS / "real"
#: The one public password of every encrypted corpus file (tests/corpus/README.md).
PASSWORD = "Corpus1234"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: Every corpus file of the sample, what made it, and whether it is encrypted.
SAMPLE_FILES = {
    "sample.json": ("chattools JSON writer", False),
    "libreoffice.xlsx": ("LibreOffice Calc, re-saved", False),
    "libreoffice-standard.xlsx": ("LibreOffice Calc, saved with a password", True),
    "openpyxl.xlsx": ("openpyxl load_workbook + save", False),
    "xlsxwriter-sst.xlsx": ("xlsxwriter, shared strings", False),
    "xlsxwriter-inline.xlsx": ("xlsxwriter constant_memory, inline strings", False),
    "msoffcrypto-agile.xlsx": ("msoffcrypto-tool OOXMLFile.encrypt", True),
    "poi-sxssf.xlsx": ("Apache POI SXSSF", False),
    "poi-agile.xlsx": ("Apache POI SXSSF, agile encryption (POI defaults)", True),
    "poi-agile256.xlsx": ("Apache POI SXSSF, agile encryption AES-256/SHA-512", True),
    "poi-standard.xlsx": ("Apache POI SXSSF, standard encryption", True),
    "7z-aes256.zip": ("7-Zip, the JSON in an AES-256 ZIP", True),
    "7z-zipcrypto.zip": ("7-Zip, the JSON in a ZipCrypto ZIP", True),
}

#: What each program leaves in the package, so that a rebuilt corpus is what it claims.
XLSX_MARKERS = {
    "libreoffice.xlsx": (b"docProps/app.xml", b"<Application>LibreOffice/"),
    "openpyxl.xlsx": (b"docProps/app.xml", b"Openpyxl"),
    "xlsxwriter-sst.xlsx": (b"xl/sharedStrings.xml", b"<sst "),
    "xlsxwriter-inline.xlsx": (b"xl/worksheets/sheet1.xml", b't="inlineStr"'),
    "poi-sxssf.xlsx": (b"docProps/app.xml", b"<Application>Apache POI</Application>"),
}


def _same(left: pl.DataFrame, right: pl.DataFrame, what: str) -> None:
    """``assert_frame_equal`` (exact: dtypes, order, values), naming the file and sheet."""
    try:
        assert_frame_equal(left, right)
    except AssertionError as err:
        raise AssertionError(f"{what}: {err}") from None


def _without_provenance(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([c for c in frame.columns if not c.startswith("_")])


@pytest.fixture(scope="module")
def reference() -> ct.Export:
    return ct.open_export(CORPUS / "sample.xlsx")


def test_reference_is_the_plain_legacy_sample(reference: ct.Export) -> None:
    assert (CORPUS / "sample.xlsx").read_bytes()[:4] == b"PK\x03\x04"
    assert reference.generation == "legacy"
    assert reference.problems.height == 0
    assert reference.chats.height == 40 and reference.messages.height > 0
    for key in ("users", "managers", "bots", "tags", "supportbots", "meets"):
        assert reference.frame(key).height > 0, key
    # the provenance columns dropped before comparing are these three, on every sheet
    for key in schema.SHEETS:
        extra = [c for c in reference.frame(key).columns if c.startswith("_")]
        assert extra == ["_file", "_sheet", "_row"], key


def test_corpus_lists_every_file() -> None:
    present = {p.name for p in CORPUS.iterdir() if p.suffix in (".xlsx", ".json", ".zip")}
    assert present == {"sample.xlsx", *SAMPLE_FILES}


@pytest.mark.parametrize("name", sorted(SAMPLE_FILES))
def test_third_party_copy_gives_the_reference_frames(name: str, reference: ct.Export) -> None:
    path = CORPUS / name
    _, encrypted = SAMPLE_FILES[name]
    head = path.read_bytes()[:8]
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            assert all(info.flag_bits & 0x1 for info in archive.infolist())
    elif name.endswith(".xlsx"):
        assert (head == OLE) is encrypted
    exp = ct.open_export(path, password=PASSWORD)
    assert exp.problems.height == 0, exp.problems
    assert exp.generation == reference.generation
    for key in schema.SHEETS:
        _same(
            _without_provenance(exp.frame(key)),
            _without_provenance(reference.frame(key)),
            f"{name}: {key}",
        )


@pytest.mark.parametrize("name", sorted(XLSX_MARKERS))
def test_plain_copy_carries_its_writers_mark(name: str) -> None:
    member, mark = XLSX_MARKERS[name]
    with zipfile.ZipFile(CORPUS / name) as archive:
        assert mark in archive.read(member.decode())


# -- the real exports ----------------------------------------------------------------------
REAL_FILES = {"channel-a-2022H1.xlsx": (2456, 24247), "channel-a-2022H2.xlsx": (963, 10499)}


def _encrypted(data: bytes) -> bytes:
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(data)).encrypt(PASSWORD, out)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_export_opens_plain_and_encrypted(name: str) -> None:
    chats, messages = REAL_FILES[name]
    data = (REAL / name).read_bytes()
    plain = ct.open_export(REAL / name)
    assert plain.problems.height == 0, plain.problems
    assert (plain.generation, plain.chats.height, plain.messages.height) == (
        "legacy",
        chats,
        messages,
    )
    secret = _encrypted(data)
    assert secret[:8] == OLE
    exp = ct.open_export(secret, password=PASSWORD)
    assert exp.problems.height == 0, exp.problems
    assert (exp.chats.height, exp.messages.height) == (chats, messages)
    for key in schema.SHEETS:
        _same(exp.frame(key).drop("_file"), plain.frame(key).drop("_file"), f"{name}: {key}")


# -- workbooks saved by Microsoft Excel: the reader layer ---------------------------------
EXCEL_DIR = Path(os.environ.get("CHATTOOLS_EXCEL_CORPUS", TESTS.parent.parent / "shared" / "excel"))
#: Passwords of the encrypted Excel files (documented by the repositories they come from).
EXCEL_PASSWORDS = {"msoffcrypto-example_password.xlsx": "Password1234_"}
EXCEL_FILES = sorted(REAL.glob("*.xlsx")) + sorted(EXCEL_DIR.glob("*.xlsx"))


def _excel_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:8] == OLE:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=EXCEL_PASSWORDS[path.name])
        out = io.BytesIO()
        office.decrypt(out)
        data = out.getvalue()
    return data


def _parsed_extent(xml: bytes) -> tuple[int, int]:
    """The last (row, column) of any ``r`` an XML parser finds on a row or a cell."""
    last_row = last_column = 0
    for _, element in ET.iterparse(io.BytesIO(xml)):
        tag = element.tag.rsplit("}", 1)[-1]
        ref = element.get("r")
        if ref is not None and tag == "row":
            last_row = max(last_row, int(ref))
        elif ref is not None and tag == "c":
            match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref)
            assert match, ref
            column = 0
            for letter in match[1]:
                column = column * 26 + ord(letter) - 64
            last_row = max(last_row, int(match[2]))
            last_column = max(last_column, column)
        element.clear()
    return last_row, last_column


#: Excel's grid: no cell of a genuine workbook lies beyond XFD1048576.
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


def _check_extents(data: bytes, what: str) -> None:
    """The guard's bound of every worksheet part is inside Excel's grid, under the cell
    limit, and covers every cell an XML parser finds (the root's ``xmlns:r="http..."``
    once read as column HTTP = 154,664)."""
    limits = Limits()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
        assert parts, what
        for part in parts:
            content = archive.read(part)
            rows, columns = sheet_extent([content])
            parsed_rows, parsed_columns = _parsed_extent(content)
            where = f"{what}: {part}: bound {(rows, columns)}, cells up to {(parsed_rows, parsed_columns)}"
            assert rows <= EXCEL_ROWS and columns <= EXCEL_COLUMNS, where
            assert rows * columns <= limits.max_cells, where
            assert rows >= parsed_rows and columns >= parsed_columns, where


@pytest.mark.parametrize("path", EXCEL_FILES, ids=lambda p: p.name)
def test_excel_saved_workbook_passes_the_reader_layer(path: Path) -> None:
    data = _excel_bytes(path)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        app = archive.read("docProps/app.xml")
    assert re.search(rb"<Application>Microsoft [^<]*Excel[^<]*</Application>", app), app
    sheets = {s.name: s.frame for s in iter_xlsx(data, name=path.name, limits=Limits())}
    reader = fastexcel.read_excel(data)
    assert sorted(sheets) == sorted(reader.sheet_names)
    for name, frame in sheets.items():
        direct = reader.load_sheet(name, header_row=0, dtypes="string").to_polars()
        assert frame.shape == direct.shape, name
        _same(frame, direct, f"{path.name}: {name}")
    _check_extents(data, path.name)


@pytest.mark.parametrize("name", sorted(n for n in SAMPLE_FILES if n.endswith(".xlsx")))
def test_third_party_copy_passes_the_extent_guard(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    if data[:8] == OLE:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
        data = out.getvalue()
    _check_extents(data, name)
