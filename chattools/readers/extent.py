"""How large a rectangle a worksheet makes the XLSX reader allocate, measured first.

calamine (under fastexcel) allocates one cell for every position between the first
and the last row and column any cell reaches, before it returns anything. One cell
at ``XFD1048576`` in a 1 KB part therefore asks for ~500 GB and aborts the whole
Python process — no exception to catch. So every worksheet part is streamed once
through :func:`sheet_extent`, an upper bound of that rectangle, and
:func:`check_sheet_extent` refuses a part whose bound exceeds ``Limits.max_cells``.

What the reader does (checked against calamine, see ``tests/test_extent.py``): a
cell's position is its ``r`` attribute — letters then digits, any case, leading
zeros allowed, ``r = 'A1'`` with spaces and single quotes too, the last one if
there are several — or, without one, the next column of the current row; a row
without ``r`` is the one after the previous row; element names may carry any
namespace prefix (``<x:c>``). Hence the bound:

* rows ≤ the largest row any ``r`` names + the rows without ``r``;
* columns ≤ the largest column any ``r`` names + the most cells without ``r`` in a row.

It errs only towards larger: text that merely looks like ``r="…"`` counts, and an
element counts as having ``r`` only when ``r`` is its first attribute (as every
spreadsheet writer puts it). The part is inflated with ISA-L and scanned in ~0.5 MB
pieces with numpy, which both release the GIL, so the scan of one sheet runs in a
thread while another loads. A piece whose cells and rows all open as writers write
them (``<c r="``, ``<row r="``) takes a counted scan about twice as fast as the full
one, with the same result (tested on random mixes of every form).

Examples
--------
>>> import io
>>> xml = b'<sheetData><row r="1"><c r="A1"/><c r="C1"/></row><row r="7"><c r="b7"/></row></sheetData>'
>>> sheet_extent([xml])
(7, 3)
>>> sheet_extent([b'<row r="2"><c/><c/><c/></row><row><x:c/></row>'])  # without r: counted
(3, 3)
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from chattools.errors import UnsafeFileError
from chattools.readers.safety import Limits

__all__ = ["check_sheet_extent", "sheet_extent"]

Bytes = npt.NDArray[np.uint8]
Positions = npt.NDArray[np.intp]

#: Compressed bytes inflated at a time (~400 KB of XML; at most ``max_ratio`` times more).
_INPUT = 1 << 15
#: XML scanned at a time, at least (fewer, longer numpy passes; still in the CPU cache).
_PIECE = 1 << 19
#: An XLSX cell holds at most 32,767 characters: a genuine part has a ``<`` far more often.
_MAX_CARRY = 16 << 20
_PAD = 16  # zero bytes around each piece, so fixed offsets from a position stay inside
_LT, _EQ, _COLON = b"<=:"
_R, _C = b"rc"
_SPACE = b" \t\r\n"
_QUOTE = b"\"'"
_WORD = 8  # bytes of an r value read at once
_ALL_BYTES = np.uint64(0x0101010101010101)  # eight True bytes read as one integer
_UPPER = np.uint64(0xDFDFDFDFDFDFDFDF)  # clears the lower-case bit of every letter


def _little(text: bytes) -> int:
    """``text`` read as one little-endian integer, as the views of several bytes read it."""
    return int.from_bytes(text, "little")


_NAME_STARTS = tuple(_little(name) for name in (b"<c", b"<r", b":c", b":r"))
_PLAIN_CELL = np.uint64(_little(b'<c r="'))
_PLAIN_ROW = np.uint64(_little(b'<row r="'))
_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ALNUM = re.compile(rb"[A-Za-z0-9]+")


def _table(chars: bytes) -> npt.NDArray[np.bool_]:
    """A lookup table: ``_table(b"ab")[values]`` tells which ``values`` are ``a`` or ``b``."""
    table = np.zeros(256, dtype=np.bool_)
    table[list(chars)] = True
    return table


_IS_SPACE = _table(_SPACE)
_IS_QUOTE = _table(_QUOTE)
_BEFORE_R = _table(_SPACE + b":" + _QUOTE)  # what may come just before an attribute name
_AFTER_NAME = _table(_SPACE + b"/>")  # what may come just after an element name


def _words(padded: Bytes) -> npt.NDArray[np.uint64]:
    """A view giving, at every position, the 8 bytes starting there as one integer."""
    return np.ndarray(
        shape=(len(padded) - _WORD,), dtype="<u8", buffer=padded, strides=(1,)
    )  # fmt: skip


def _number(chars: bytes, base: int) -> int:
    """``b"12"`` → 12 (base 10); ``b"AB"`` → 28 (base 26, A = 1, any case)."""
    number = 0
    for char in chars:
        number = number * base + (char - ord("0") if base == 10 else (char | 0x20) - ord("`"))
    return number


def _largest(keys: npt.NDArray[np.uint64], base: int) -> int:
    """The largest number among ``keys``: digits or letters as big-endian bytes, right-aligned.

    Zero bytes pad the left, so a longer number has the larger key, and among numbers
    of one length the key order is the number order (no leading zeros reach here).
    """
    largest = int(keys.max()) if len(keys) else 0
    return _number(largest.to_bytes(_WORD, "big").lstrip(b"\0"), base)


def _exact(padded: Bytes, at: int) -> tuple[int, int]:
    """Row and column of the ``r`` value at ``at``, however long (slow, for odd values).

    Digits after the letters make the row; anything else (which the reader refuses)
    counts as a digit. A row beyond 18 significant digits counts as 10**19.
    """
    match = _ALNUM.match(padded.data, at)
    text = match.group() if match else b""
    letters = len(text) - len(text.lstrip(_LETTERS))
    digits = text[letters:].lstrip(b"0")
    if len(digits) > 18:
        return 10**19, _number(text[:letters], 26)
    row = int(digits) if digits.isdigit() else (10 ** len(digits) if digits else 0)
    return row, _number(text[:letters], 26)


def _skip_space(padded: Bytes, at: Positions) -> Positions:
    """``at`` moved past up to three whitespace bytes (more: left on whitespace)."""
    for _ in range(3):
        at = np.where(padded[at] <= 32, at + 1, at)
    return at


def _before_space(padded: Bytes, at: Positions) -> Positions:
    """Where each run of whitespace (bytes <= 32) ending at ``at`` begins, minus one."""
    for _ in range(3):
        at = np.where(padded[at] <= 32, at - 1, at)
    deep = np.flatnonzero(padded[at] <= 32)
    for i in deep.tolist():  # rare: four or more
        while padded[at[i]] <= 32 and at[i] > 0:  # (the zeros before a piece stop it)
            at[i] -= 1
    return at


def _r_values(padded: Bytes, candidates: Positions) -> Positions:
    """Where the values of ``r`` attributes start, from the ``r`` bytes at ``candidates``.

    Any ``r`` after whitespace, ``:`` or a quote, then ``=`` and a quote, with up to
    three spaces around ``=``; longer runs of spaces are followed byte by byte.
    """
    found = candidates[_BEFORE_R[padded[candidates - 1]]]
    plain = (padded[found + 1] == _EQ) & _IS_QUOTE[padded[found + 2]]  # r="…, as written
    if plain.all():
        return found + 3
    values, found = found[plain] + 3, found[~plain]
    eq = _skip_space(padded, found + 1)
    quote = _skip_space(padded, eq + 1)
    ok = (padded[eq] == _EQ) & _IS_QUOTE[padded[quote]]
    deep = (padded[eq] <= 32) | ((padded[eq] == _EQ) & (padded[quote] <= 32))
    more = []
    for at in found[deep].tolist():  # rare: four or more spaces
        at += 1
        while padded[at] <= 32 and at < len(padded) - _PAD:
            at += 1
        if padded[at] != _EQ:
            continue
        at += 1
        while padded[at] <= 32 and at < len(padded) - _PAD:
            at += 1
        if padded[at] in _QUOTE:
            more.append(at + 1)
    return np.concatenate([values, quote[ok] + 1, np.asarray(more, dtype=np.intp)])


def _references(padded: Bytes, values: Positions) -> tuple[int, int]:
    """Largest row and column the ``r`` values starting at ``values`` name."""
    if not len(values):
        return 0, 0
    words = _words(padded)[values]
    chars = words.view(np.uint8).reshape(-1, _WORD)
    letter = (chars | 0x20) - ord("a") < 26
    alnum = letter | (chars - ord("0") < 10)
    letters = np.argmin(letter, axis=1)
    length = np.argmin(alnum, axis=1)
    odd = alnum.view(np.uint64)[:, 0] == _ALL_BYTES  # 8 or more characters
    odd |= chars[np.arange(len(values)), letters] == ord("0")  # a leading zero
    row = column = 0
    if odd.any():
        for at in values[odd].tolist():
            r, c = _exact(padded, at)
            row, column = max(row, r), max(column, c)
        words, letters, length = words[~odd], letters[~odd], length[~odd]
    # the value's bytes right-aligned (two shifts: a shift by 64 would do nothing)
    right = (words.byteswap() >> (8 * (7 - length)).astype(np.uint64)) >> np.uint64(8)
    digits = (8 * (length - letters)).astype(np.uint64)
    row = max(row, _largest(right & ((np.uint64(1) << digits) - np.uint64(1)), 10))
    column = max(column, _largest((right >> digits) & _UPPER, 26))
    return row, column


def _elements(padded: Bytes, starts: Positions, name: bytes) -> Positions:
    """Which of ``starts`` (just after a ``<`` or ``:``) begin an element called ``name``."""
    hit = _AFTER_NAME[padded[starts + len(name)]]
    for i, char in enumerate(name):
        hit &= padded[starts + i] == char
    return starts[hit]


def _has_r(padded: Bytes, starts: Positions, name: bytes) -> npt.NDArray[np.bool_]:
    """Whether each element's first attribute is ``r="…"``."""
    after = starts + len(name)
    return (
        _IS_SPACE[padded[after]]
        & (padded[after + 1] == _R)
        & (padded[after + 2] == _EQ)
        & _IS_QUOTE[padded[after + 3]]
    )


class _Scan:
    """Running totals of :func:`sheet_extent` over the pieces of one part."""

    def __init__(self) -> None:
        self.row = self.column = 0  # largest named by an r attribute
        self.rows_without_r = 0
        self.widest_run = 0  # most cells without r in one row
        self.run = 0  # cells without r in the current row so far
        self._masks = np.empty((3, 0), dtype=np.bool_)  # reused from piece to piece

    def _feed_plain(self, padded: Bytes, size: int) -> bool:
        """:meth:`feed` when every cell and row opens as spreadsheet writers write them,
        ``<c r="`` and ``<row r="``; ~2x faster. Returns False, having counted nothing,
        for a piece with any other ``<c``, ``<r``, ``:c`` or ``:r`` (``<x:c``, a cell
        without ``r``, ``<c t="s" r="…"``…), which :meth:`feed` then scans in full.

        The ``r`` attributes are found from the ``=`` signs (those not written `` r="``
        go through the general rules of :func:`_r_values`); the elements are counted
        as two-byte pairs (``<c`` …) at even and at odd offsets.
        """
        equals = np.flatnonzero(np.equal(padded[:size], _EQ, out=self._masks[0, :size]))
        before = padded[equals - 1]
        at = equals[before == _R] - 1  # r=
        opening = _words(padded)[at - 5]  # the 8 bytes up to the quote: '<row r="', 'xx<c r="'
        rows = int(np.count_nonzero(opening == _PLAIN_ROW))
        cells = int(np.count_nonzero((opening >> np.uint64(16)) == _PLAIN_CELL))
        views = (
            padded[: size + (size & 1)].view("<u2"),  # the byte pairs at even offsets
            padded[1 : size + 1 - (size & 1)].view("<u2"),  # at odd offsets
        )
        names = sum(
            int(np.count_nonzero(np.equal(view, name, out=mask[: len(view)])))
            for name in _NAME_STARTS
            for view, mask in zip(views, self._masks[1:], strict=True)
        )
        if names != rows + cells:  # some "<c", "<r", ":c" or ":r" is not one of those
            return False
        plain = (padded[at - 1] == ord(" ")) & (padded[at + 2] == ord('"'))
        others = [at[~plain]]  # r= in other forms (or text): the general rules decide
        spaced = equals[before <= 32] - 1  # "=" after whitespace: r = "…"?
        if len(spaced):
            spaced = _before_space(padded, spaced)
            others.append(spaced[padded[spaced] == _R])
        values = np.concatenate([at[plain] + 3, _r_values(padded, np.concatenate(others))])
        row, column = _references(padded, values)
        self.row, self.column = max(self.row, row), max(self.column, column)
        if rows:
            self.run = 0
        return True

    def feed(self, padded: Bytes, size: int) -> None:
        """Count the elements in ``padded[:size]``: ``_PAD`` zero bytes, then whole
        elements, from a ``<`` to just before one; ``_PAD`` readable bytes follow."""
        if self._masks.shape[1] <= size:
            self._masks = np.empty((3, size + 1), dtype=np.bool_)
        if self._feed_plain(padded, size):
            return
        is_r, hit, other = (mask[:size] for mask in self._masks)
        here, after = padded[:size], padded[1 : size + 1]
        # an r attribute: "r" then "=" or whitespace (text that looks like one counts too)
        np.equal(here, _R, out=is_r)
        np.equal(after, _EQ, out=hit)
        hit |= np.less_equal(after, 32, out=other)
        hit &= is_r
        row, column = _references(padded, _r_values(padded, np.flatnonzero(hit)))
        self.row, self.column = max(self.row, row), max(self.column, column)
        # element names ("c", "row") follow "<" or a namespace prefix's ":"
        np.equal(here, _LT, out=hit)
        hit |= np.equal(here, _COLON, out=other)
        np.equal(after, _C, out=other)
        other[:-1] |= is_r[1:]
        other[-1:] |= after[-1:] == _R
        hit &= other
        starts = np.flatnonzero(hit) + 1
        rows = _elements(padded, starts, b"row")
        cells = _elements(padded, starts, b"c")
        self.rows_without_r += int((~_has_r(padded, rows, b"row")).sum())
        without = cells[~_has_r(padded, cells, b"c")]
        per_row = np.bincount(np.searchsorted(rows, without), minlength=len(rows) + 1)
        per_row[0] += self.run
        self.widest_run = max(self.widest_run, int(per_row.max()))
        self.run = int(per_row[-1])

    def extent(self) -> tuple[int, int]:
        return self.row + self.rows_without_r, self.column + self.widest_run


def sheet_extent(chunks: Iterable[bytes]) -> tuple[int, int]:
    """An upper bound of the (last row, last column) the XLSX reader allocates for a part.

    ``chunks`` are the part's XML, in order, cut anywhere.
    """
    scan = _Scan()
    # the buffer: _PAD zero bytes, an unfinished element carried over, chunks, _PAD zeros
    buffer = np.zeros(2 * _PAD, dtype=np.uint8)
    held = 0  # bytes in the buffer
    last = _PAD  # where its last "<" is (_PAD: none after the first byte)
    for chunk in chunks:
        start, end = _PAD + held, _PAD + held + len(chunk)
        if end + _PAD > len(buffer):
            grown = np.zeros(max(end + _PAD, 2 * len(buffer)), dtype=np.uint8)
            grown[:start] = buffer[:start]
            buffer = grown
        buffer[start:end] = np.frombuffer(chunk, dtype=np.uint8)
        found = chunk.rfind(b"<")
        last = start + found if found >= 0 else last
        held = end - _PAD
        if held < _PIECE:
            continue
        if last <= _PAD:  # no element starts after the first byte: wait for more
            if held > _MAX_CARRY:
                msg = f"an XML element or text of more than {_MAX_CARRY} bytes"
                raise UnsafeFileError(msg)
            continue
        buffer[end : end + _PAD] = 0
        scan.feed(buffer[: end + _PAD], last)
        held = end - last
        buffer[_PAD : _PAD + held] = buffer[last:end]
        last = _PAD
    if held:
        end = _PAD + held
        buffer[end : end + _PAD] = 0
        scan.feed(buffer[: end + _PAD], end)
    return scan.extent()


def _inflate(data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member of the ZIP ``data``, inflated with ISA-L (~2.5x zlib), never beyond its
    declared size. Reads ``data`` directly (no file object), so threads may share it."""
    from isal import isal_zlib

    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        msg = f"compression method {member.compress_type} is not supported"
        raise NotImplementedError(msg)
    header = data[member.header_offset : member.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header of {member.filename!r}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = member.header_offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + member.compress_size]
    if len(raw) < member.compress_size:
        raise EOFError(f"{member.filename!r} is truncated")
    inflater = isal_zlib.decompressobj(-15) if member.compress_type else None
    produced = 0
    for at in range(0, len(raw), _INPUT):
        out = (
            inflater.decompress(raw[at : at + _INPUT]) if inflater else bytes(raw[at : at + _INPUT])
        )
        produced += len(out)
        if produced > member.file_size:
            raise UnsafeFileError(f"part {member.filename!r} expands beyond its declared size")
        yield out
    if produced != member.file_size:
        raise zipfile.BadZipFile(f"{member.filename!r} is shorter than its declared size")


def check_sheet_extent(data: bytes, member: zipfile.ZipInfo, *, name: str, limits: Limits) -> None:
    """Raise :class:`UnsafeFileError` if a worksheet part of the ZIP ``data`` may span more
    than ``limits.max_cells`` cells."""
    from isal import isal_zlib

    where = f"worksheet {member.filename!r} of {name!r}"
    try:
        rows, columns = sheet_extent(_inflate(data, member))
    except UnsafeFileError as err:
        raise UnsafeFileError(f"{where}: {err.args[0]}") from None
    except isal_zlib.error as err:  # type: ignore[misc]  # the stubs do not say it is one
        raise zipfile.BadZipFile(f"{member.filename!r}: {err}") from None
    cells = rows * columns
    if cells > limits.max_cells:
        msg = (
            f"{where} spans {rows} rows x {columns} columns = {cells} cells "
            f"(limit max_cells={limits.max_cells})"
        )
        raise UnsafeFileError(msg)
