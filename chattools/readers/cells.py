"""Which cells of a workbook are not text — what a spreadsheet program leaves after a re-save.

Channel Talk writes every cell as a text cell. A copy an analyst opened and re-saved
(or a CSV copy imported) in Excel or LibreOffice, or rewrote with openpyxl, can hold
number, date, boolean and error cells and formulas instead. The XLSX reader shows
those as text (``dtypes="string"``), but not all of them faithfully: an error cell, a
formula without a saved result and a date serial outside 1900–9999 all read as null,
and a long digit id read as a number has lost its last digits. This module finds such
cells in the worksheet XML; :mod:`~chattools.readers.resaved` decides what each means.

Cost: every worksheet part is inflated once more (ISA-L) and checked with numpy for
the only two things a text cell never has — a ``<v>`` not directly after ``t="s">``
(shared-string cells as Excel, LibreOffice and Apache POI write them; inline-string
cells have no ``<v>``) and a ``<f>`` formula. That takes ~1 ms per MB of XML (0.15 s
of CPU for a 10,000-chat export, in a thread while the sheets load); only a part that
fails the check is read cell by cell (~0.1 s per MB).

Examples
--------
>>> xml = b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
>>> all_text([xml + b'</row><row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData>'])
True
>>> part = [xml + b'</row><row r="2"><c r="A2" s="1"><v>44564.5</v></c></row>',
...         b'<row r="3"><c r="A3" t="e"><f>NA()</f><v>#N/A</v></c></row></sheetData>']
>>> all_text(part)
False
>>> non_text_cells(part, date_styles=frozenset({1})).rows()
[(1, 0, 'date', '44564.5', None), (2, 0, 'error', '#N/A', 'NA()')]
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import polars as pl

from chattools.errors import ChattoolsError
from chattools.readers.extent import inflate_part
from chattools.readers.safety import Limits, check_archive
from chattools.readers.sheets import sheet_parts

__all__ = ["CELL_SCHEMA", "all_text", "date_styles", "non_text_cells", "scan_workbook"]

#: One row per cell that is not a text cell. ``row`` is the record number (1 = the row
#: under the header, like ``_row``), ``column`` the 0-based position in the sheet frame,
#: ``type`` one of number / date / bool / error / text (a formula's text result, or a
#: ``t="str"`` string), ``value`` the ``<v>`` as stored, ``formula`` the formula if any.
CELL_SCHEMA = pl.Schema(
    {
        "row": pl.Int64(),
        "column": pl.Int64(),
        "type": pl.String(),
        "value": pl.String(),
        "formula": pl.String(),
    }
)

_LT, _V, _F = b"<vf"
_AFTER_NAME = np.zeros(256, dtype=bool)
_AFTER_NAME[list(b"> /\t\r\n")] = True
_SHARED = np.frombuffer(b't="s">', dtype=np.uint8)
_HEAD = 1 << 20  # a <sheetData> later than this: not a worksheet as writers write them
#: The SpreadsheetML namespace bound to a prefix: elements may then be ``<x:c>``, ``<x:v>``.
_PREFIXED = re.compile(
    rb"xmlns:[^=\s]+\s*=\s*[\"'](?:http://schemas\.openxmlformats\.org/spreadsheetml/2006/main"
    rb"|http://purl\.oclc\.org/ooxml/spreadsheetml/main)[\"']"
)

_P = rb"(?:[\w.-]+:)?"  # an optional namespace prefix, as in <x:c>
#: A cell that is not a shared or inline string, with content (not ``<c r="A1"/>``).
_CELL = re.compile(
    rb"<" + _P + rb"c\b(?![^>]*(?<![\w:])t\s*=\s*[\"'](?:s|inlineStr)[\"'])([^>]*)(?<!/)>"
    rb"(.*?)</" + _P + rb"c>",
    re.S,
)
_ATTR = re.compile(rb"(?<![\w:])([rst])\s*=\s*[\"']([^\"']*)[\"']")
_FORMULA = re.compile(rb"<" + _P + rb"f\b[^>]*?(?:/>|>(.*?)</" + _P + rb"f>)", re.S)
_VALUE = re.compile(rb"<" + _P + rb"v\b[^>]*?(?:/>|>(.*?)</" + _P + rb"v>)", re.S)
_ROW_CLOSE = re.compile(rb"</" + _P + rb"row>")
#: The first cell, within one row, that is not self-closing (``<c r="A1"/>`` is empty).
_HEADER = re.compile(
    rb"<" + _P + rb"row\b[^>]*>(?:(?!</" + _P + rb"row>).)*?<" + _P
    + rb"c\b[^>]*?(?<![\w:])r\s*=\s*[\"']([A-Za-z]+[0-9]+)[\"'][^>]*(?<!/)>",
    re.S,
)  # fmt: skip
_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")
_TYPES = {b"b": "bool", b"e": "error", b"str": "text", b"d": "date"}
#: Built-in number formats that show a date or time (ECMA-376 18.8.30, with the CJK ones).
_BUILTIN_DATES = frozenset([*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)])
_XF = re.compile(rb"<(?:\w+:)?xf\b[^>]*>")
_NUMFMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_FORMAT_ID = re.compile(rb'numFmtId="(\d+)"')
_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
Cell = tuple[int, int, str, str | None, str | None] | None
Bytes = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]


class _NoPosition(Exception):
    """A cell without an ``r`` attribute: its place in the frame is unknown."""


def _unescape(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    text = raw.decode("utf-8")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter & 0xDF) - 64  # either case
    return number - 1


class _Scratch:
    """Reused work arrays: fresh ones per piece cost a page fault per 4 KB (2-5x slower)."""

    def __init__(self) -> None:
        self.bytes = np.empty(0, dtype=np.uint8)
        self.mask = np.empty(0, dtype=bool)
        self.other = np.empty(0, dtype=bool)

    def get(self, size: int) -> tuple[Bytes, Mask, Mask]:
        if len(self.bytes) < size:
            self.bytes = np.empty(size, dtype=np.uint8)
            self.mask = np.empty(size, dtype=bool)
            self.other = np.empty(size, dtype=bool)
        return self.bytes[:size], self.mask[:size], self.other[:size]


def _piece_is_text(piece: bytes, start: int, scratch: _Scratch) -> bool:
    """Whether no ``<v``/``<f`` element starting in ``piece[start:-2]`` breaks the rule."""
    data = np.frombuffer(piece, dtype=np.uint8)
    size = len(data) - 2 - start
    if size <= 0:
        return True
    folded, mask, other = scratch.get(size)
    np.bitwise_or(data[start + 1 : -1], _V ^ _F, out=folded)  # 'f' | 0x10 == 'v'
    np.equal(folded, _V, out=mask)
    np.equal(data[start:-2], _LT, out=other)
    np.logical_and(mask, other, out=mask)
    hits = np.flatnonzero(mask) + start
    hits = hits[_AFTER_NAME[data[hits + 2]]]  # <v>, <v/>, <f t="shared"…>; not <foo>
    if not len(hits):
        return True
    if (data[hits + 1] != _V).any() or hits[0] < len(_SHARED):
        return False  # a formula (or a value too near the start to check: never in XML)
    before = data[hits[:, None] - len(_SHARED) + np.arange(len(_SHARED))]
    return bool((before == _SHARED).all())


def all_text(chunks: Iterable[bytes]) -> bool:
    """Whether a worksheet part (its XML in chunks cut anywhere) holds only text cells.

    True when every ``<v>`` value directly follows ``t="s">`` (a shared-string cell)
    and there is no ``<f>``: inline-string cells have no ``<v>`` at all. Anything else
    — a number, date, boolean or error cell, a formula, a ``t`` attribute written
    before ``r``, a part that binds the SpreadsheetML namespace to a prefix (``<x:v>``)
    or has no ``<sheetData`` — is False, and the part is read cell by cell.
    """
    pieces = iter(chunks)
    head = b""
    for chunk in pieces:
        head += chunk
        if b"<sheetData" in head or len(head) > _HEAD:
            break
    at = head.find(b"<sheetData")
    if at < 0 or _PREFIXED.search(head, 0, at):
        return False
    scratch = _Scratch()
    previous = b""
    for piece in itertools.chain([head], pieces):
        # the seam: the last 8 bytes before it and the first 8 after, checked from the 6th
        seam = previous[-8:] + piece[:8]
        if not _piece_is_text(seam, 6, scratch) or not _piece_is_text(piece, 6, scratch):
            return False
        previous = piece
    return _piece_is_text(previous[-8:] + b"  ", 6, scratch)


def _after_last_row(piece: bytes) -> int:
    """Where the last ``</row>`` (or ``</x:row>``) of ``piece`` ends; -1 if it has none."""
    at = len(piece)
    while (at := piece.rfind(b"row>", 0, at)) >= 0:
        start = piece.rfind(b"<", 0, at)
        if start >= 0 and _ROW_CLOSE.fullmatch(piece, start, at + 4):
            return at + 4
    return -1


def _header(block: bytes) -> tuple[int, int] | None:
    """(spreadsheet row, 0-based column) of the first row's first cell that holds something."""
    found = _HEADER.search(block)
    if found is None:
        return None
    ref = _REF.fullmatch(found.group(1))
    return (int(ref.group(2)), _column_number(ref.group(1))) if ref else None


def _cell_row(cell: re.Match[bytes], header: tuple[int, int], date_styles: frozenset[int]) -> Cell:
    attrs = dict(_ATTR.findall(cell.group(1)))
    formula = _FORMULA.search(cell.group(2))
    value = _VALUE.search(cell.group(2))
    if formula is None and (value is None or value.group(1) is None):
        return None  # an empty cell, or a string without a <v>
    ref = _REF.fullmatch(attrs.get(b"r", b""))
    if ref is None:
        raise _NoPosition
    row = int(ref.group(2)) - header[0]
    column = _column_number(ref.group(1)) - header[1]
    if row < 1 or column < 0:
        return None  # the header, or left of the frame
    kind = _TYPES.get(attrs.get(b"t", b"n"), "number")
    if kind == "number" and int(attrs.get(b"s", b"0") or 0) in date_styles:
        kind = "date"
    text = _unescape(formula.group(1) or b"") if formula else None
    return row, column, kind, _unescape(value.group(1) if value else None), text


def non_text_cells(chunks: Iterable[bytes], *, date_styles: frozenset[int]) -> pl.DataFrame | None:
    """Every cell of a worksheet part that is not a text cell (:data:`CELL_SCHEMA`).

    Positions are relative to the header, taken as the first row's first cell that is
    not empty (the XLSX reader starts its frame there); cells left of it are not in
    the frame and not returned. A number cell whose style is in ``date_styles`` is a
    ``"date"``. ``None`` when the cells cannot be placed: a cell without an ``r``
    position (no writer seen omits it) or a sheet without a header row.
    """
    rows: list[tuple[int, int, str, str | None, str | None]] = []
    header: tuple[int, int] | None = None
    carry = b""
    try:
        for chunk in itertools.chain(chunks, [b""]):
            piece = carry + chunk
            cut = _after_last_row(piece) if chunk else len(piece)
            if cut < 0:
                carry = piece  # no whole row yet
                continue
            block, carry = piece[:cut], piece[cut:]
            header = header or _header(block)
            if header is None:
                carry = block + carry
                continue
            for cell in _CELL.finditer(block):
                found = _cell_row(cell, header, date_styles)
                if found is not None:
                    rows.append(found)
    except _NoPosition:
        return None
    if header is None:
        return None
    return pl.DataFrame(rows, schema=CELL_SCHEMA, orient="row")


def _is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (quoted text and colours aside)."""
    plain = _LITERALS.sub("", code.split(";")[0]).lower()
    return any(letter in plain for letter in "ymdhs") and "general" not in plain


def date_styles(styles: bytes) -> frozenset[int]:
    """Indexes of the cell formats (``s`` of a cell) in ``styles.xml`` that show a date."""
    custom = {
        int(fid): _is_date_format(_unescape(code) or "") for fid, code in _NUMFMT.findall(styles)
    }
    xfs = _CELL_XFS.search(styles)
    if xfs is None:
        return frozenset()
    out = set()
    for index, xf in enumerate(_XF.findall(xfs.group(0))):
        fid = _FORMAT_ID.search(xf)
        number = int(fid.group(1)) if fid else 0
        if custom.get(number, number in _BUILTIN_DATES):
            out.add(index)
    return frozenset(out)


def scan_workbook(data: bytes, *, limits: Limits) -> dict[str, pl.DataFrame | None]:
    """Sheet name → its non-text cells, for the sheets of the XLSX ``data`` that have any.

    An empty dict for a workbook whose cells are all text (every genuine export);
    ``None`` for a sheet whose cells could not be placed (see :func:`non_text_cells`).
    A file the archive checks refuse, or a damaged one, is left to the sheet reader,
    which reports it: this returns an empty dict for it.
    """
    from isal import isal_zlib

    damaged = (ChattoolsError, zipfile.BadZipFile, OSError, EOFError, NotImplementedError)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        check_archive(archive, name="", limits=limits)
        parts = sheet_parts(archive)
        members = {info.filename: info for info in archive.infolist()}
        flagged = [
            sheet
            for sheet, part in parts.items()
            if part in members and not all_text(inflate_part(data, members[part]))
        ]
        if not flagged:
            return {}
        dates = date_styles(archive.read("xl/styles.xml")) if "xl/styles.xml" in members else None
        return {
            sheet: non_text_cells(
                inflate_part(data, members[parts[sheet]]), date_styles=dates or frozenset()
            )
            for sheet in flagged
        }
    except (*damaged, isal_zlib.error):  # type: ignore[misc]  # the stubs do not say it is one
        return {}
