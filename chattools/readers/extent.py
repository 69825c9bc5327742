"""How large a rectangle a worksheet makes the XLSX reader allocate, measured first.

calamine (under fastexcel) allocates one cell for every position between the first
and the last row and column any cell reaches, before it returns anything. One cell
at ``XFD1048576`` in a 1 KB part therefore asks for ~500 GB and aborts the whole
Python process — no exception to catch (upstream: fastexcel issue 487, calamine
issue 693). So every worksheet part is streamed once through :func:`sheet_extent`,
an upper bound of that rectangle, and :func:`check_sheet_extent` refuses a part
whose bound exceeds ``Limits.max_cells``.

The bound counts **cells, and only cells**, the way calamine's XML reader
(quick-xml) sees them:

* the document is cut into markup and text as an XML parser cuts it: a tag runs
  from a ``<`` to the first ``>`` outside a quoted attribute value, so nothing in
  cell text (``var r='test1';``), in comments or in other elements counts;
* only the start tags after the first ``<sheetData>`` count (calamine reads no cell
  before it), and of those only the elements named ``c`` and ``row``, with or
  without a namespace prefix (``<x:c>``) — not the root's ``xmlns:r``, not
  ``<dimension>``, ``<selection>``, ``<mergeCell>``, ``<hyperlink r:id>``, not the
  rich-text runs ``<r>``;
* of their attributes only the one named exactly ``r`` (``r="A1"``, ``r = 'A1'``,
  any case of letters, leading zeros), every ``r`` if there are several;
* a cell without ``r`` takes the next column of its row, a row without ``r`` the
  next row. Hence rows ≤ the largest row any ``r`` names + the rows without ``r``,
  and columns ≤ the largest column named + the most cells without ``r`` in a row.

Two scans compute the same bound. :func:`plain_extent` tokenises the XML with one
regular expression, token by token: the reference, short enough to check by eye.
:func:`fast_extent` finds the same tags with numpy over ~0.5 MB pieces, about 20x
faster; it models only markup where every tag is a
``<…>`` with balanced double quotes (plus the XML declaration, comments and CDATA
without ``<`` inside) and returns ``None`` on anything else — single-quoted
attributes, a ``>`` or ``<`` inside a value, a DOCTYPE — so that :func:`sheet_extent`
reads that part with the plain scan. Within it, a piece whose cells and rows all open
``<c r="``/``<row r="`` (as spreadsheet writers write them) is counted from those
bytes alone, ~3x faster again (:func:`_feed_writer_form` says why that is exact).
Tests check that the scans agree on random mixes of every form, that each check of
the shortcut matters (a far cell it would miss without it), and that the bound
covers what calamine really allocates.

Examples
--------
>>> xml = b'<worksheet xmlns:r="http://x"><sheetData><row r="1"><c r="A1"/><c r="C1"/>'
>>> sheet_extent([xml + b'</row><row r="7"><c r="b7"><v>r="ZZ9"</v></c></row></sheetData>'])
(7, 3)
>>> sheet_extent([b'<sheetData><row r="2"><c/><c/><c/></row><row><x:c/></row></sheetData>'])
(3, 3)
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import numpy.typing as npt

from chattools.errors import UnsafeFileError
from chattools.readers.safety import Limits

__all__ = ["check_sheet_extent", "fast_extent", "plain_extent", "sheet_extent"]

Bytes = npt.NDArray[np.uint8]
Positions = npt.NDArray[np.intp]

#: Compressed bytes inflated at a time (~400 KB of XML; at most ``max_ratio`` times more).
_INPUT = 1 << 15
#: XML scanned at a time, at least (fewer, longer numpy passes; still in the CPU cache).
_PIECE = 1 << 19
#: An XLSX cell holds at most 32,767 characters: a genuine part has a ``<`` far more often.
_MAX_CARRY = 16 << 20
_GRID_ROWS, _GRID_COLUMNS = 1_048_576, 16_384  # Excel's grid: XFD1048576
_PAD = 16  # zero bytes around each piece, so fixed offsets from a position stay inside
_WORD = 8  # bytes of an r value read at once
_NAME = 16  # bytes of an element name looked at at once (longer names: one by one)
_LT, _GT, _QUOTE, _APOSTROPHE, _EQ, _COLON, _SLASH = b"<>\"'=:/"
_BANG, _QUESTION, _R, _C = b"!?rc"
_ALL_BYTES = np.uint64(0x0101010101010101)  # eight True bytes read as one integer
_UPPER = np.uint64(0xDFDFDFDFDFDFDFDF)  # clears the lower-case bit of every letter
_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ALNUM = re.compile(rb"[A-Za-z0-9]+")


def _table(chars: bytes) -> npt.NDArray[np.bool_]:
    """A lookup table: ``_table(b"ab")[values]`` tells which ``values`` are ``a`` or ``b``."""
    table = np.zeros(256, dtype=np.bool_)
    table[list(chars)] = True
    return table


_IS_SPACE = _table(b" \t\r\n")
_ENDS_NAME = _table(b" \t\r\n/>")


# -- cell positions -----------------------------------------------------------------------
def _number(chars: bytes, base: int) -> int:
    """``b"12"`` → 12 (base 10); ``b"AB"`` → 28 (base 26, A = 1, any case)."""
    number = 0
    for char in chars:
        number = number * base + (char - ord("0") if base == 10 else (char | 0x20) - ord("`"))
    return number


def _position(value: bytes | memoryview, at: int = 0) -> tuple[int, int]:
    """Row and column the ``r`` value starting at ``at`` names, however long
    (``b"AB12"`` → (12, 28)).

    Only its leading letters and digits count (calamine refuses anything else); a
    row beyond 18 significant digits counts as 10**19.
    """
    match = _ALNUM.match(value, at)
    text = match.group() if match else b""
    letters = len(text) - len(text.lstrip(_LETTERS))
    digits = text[letters:].lstrip(b"0")
    if len(digits) > 18:
        return 10**19, _number(text[:letters], 26)
    row = int(digits) if digits.isdigit() else (10 ** len(digits) if digits else 0)
    return row, _number(text[:letters], 26)


def _words(padded: Bytes) -> npt.NDArray[np.uint64]:
    """A view giving, at every position, the 8 bytes starting there as one integer."""
    return np.ndarray(
        shape=(len(padded) - _WORD,), dtype="<u8", buffer=padded, strides=(1,)
    )  # fmt: skip


def _largest(keys: npt.NDArray[np.uint64], base: int) -> int:
    """The largest number among ``keys``: digits or letters as big-endian bytes, right-aligned.

    Zero bytes pad the left, so a longer number has the larger key, and among numbers
    of one length the key order is the number order (no leading zeros reach here).
    """
    largest = int(keys.max()) if len(keys) else 0
    return _number(largest.to_bytes(_WORD, "big").lstrip(b"\0"), base)


def _references(padded: Bytes, values: Positions) -> tuple[int, int]:
    """Largest row and column the ``r`` values starting at ``values`` name
    (:func:`_position` of each, vectorised for values of up to 7 characters).
    """
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
            r, c = _position(padded.data, at)
            row, column = max(row, r), max(column, c)
        words, letters, length = words[~odd], letters[~odd], length[~odd]
    # the value's bytes right-aligned (two shifts: a shift by 64 would do nothing)
    right = (words.byteswap() >> (8 * (7 - length)).astype(np.uint64)) >> np.uint64(8)
    digits = (8 * (length - letters)).astype(np.uint64)
    row = max(row, _largest(right & ((np.uint64(1) << digits) - np.uint64(1)), 10))
    column = max(column, _largest((right >> digits) & _UPPER, 26))
    return row, column


# -- the running bound ----------------------------------------------------------------------
class _Bound:
    """Running totals of the bound over the tags of one part, in document order."""

    def __init__(self) -> None:
        self.in_sheet_data = False  # a <sheetData> start tag was seen
        self.row = self.column = 0  # largest named by an r attribute
        self.rows_without_r = 0
        self.widest_run = 0  # most cells without r in one row
        self.run = 0  # cells without r in the current row so far

    def add(self, row: int, column: int) -> None:
        self.row, self.column = max(self.row, row), max(self.column, column)

    def extent(self) -> tuple[int, int]:
        return self.row + self.rows_without_r, self.column + self.widest_run


# -- the plain scan: one token at a time --------------------------------------------------
#: Text, then one piece of markup: a comment, CDATA, a processing instruction or a tag
#: (from ``<`` to the first ``>`` outside quotes, as quick-xml reads it).
_TOKEN = re.compile(
    rb"""[^<]*(?:
        <!--.*?-->
      | <!\[CDATA\[.*?\]\]>
      | <\?.*?\?>
      | <(?!!--|!\[CDATA\[|\?)(?P<tag>(?:[^>"']|"[^"]*"|'[^']*')*)>
    )""",
    re.S | re.X,
)
_TAG_NAME = re.compile(rb"[^ \t\r\n/>]*")
#: A quoted value (skipped whole), or an attribute named exactly r and its value.
_R_ATTRIBUTE = re.compile(
    rb"""("[^"]*"|'[^']*')|(?<=[ \t\r\n"'])r[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')"""
)


def _local(name: bytes) -> bytes:
    """An element name without its namespace prefix: ``b"x:c"`` → ``b"c"``."""
    return name.rpartition(b":")[2]


def _plain_feed(bound: _Bound, xml: bytes) -> int:
    """Count the tags of ``xml``; returns where the first unfinished token starts."""
    at = 0
    for token in _TOKEN.finditer(xml):
        if token.start() != at:  # an unfinished token at ``at``: wait for more
            break
        at = token.end()
        tag = token.group("tag")
        if tag is None or tag[:1] in (b"/", b"!"):
            continue  # not a start tag
        name = _TAG_NAME.match(tag).group()  # type: ignore[union-attr]  # always matches
        local = _local(name)
        if not bound.in_sheet_data:
            bound.in_sheet_data = local == b"sheetData"
            continue
        if local not in (b"c", b"row"):
            continue
        values = [
            m.group(2) if m.group(2) is not None else m.group(3)
            for m in _R_ATTRIBUTE.finditer(tag, len(name))
            if m.group(1) is None
        ]
        for value in values:
            bound.add(*_position(value))
        if local == b"row":
            bound.rows_without_r += not values
            bound.run = 0
        elif not values:
            bound.run += 1
            bound.widest_run = max(bound.widest_run, bound.run)
    return at


def plain_extent(chunks: Iterable[bytes]) -> tuple[int, int]:
    """:func:`sheet_extent` by the plain scan: the part's XML tokenised with a regex.

    >>> plain_extent([b"<sheetData><row r='3'><c r = 'AB3'/>", b"</row></sheetData>"])
    (3, 28)
    """
    bound = _Bound()
    held = b""
    for chunk in chunks:
        held += chunk
        held = held[_plain_feed(bound, held) :]
        if len(held) > _MAX_CARRY:
            msg = f"an XML element or text of more than {_MAX_CARRY} bytes"
            raise UnsafeFileError(msg)
    return bound.extent()  # what is left is unfinished: the XML reader stops with an error


# -- the fast scan: whole pieces with numpy -----------------------------------------------
class _NotModelled(Exception):
    """A piece holds markup the fast scan does not model."""


def _little(text: bytes) -> int:
    """``text`` read as one little-endian integer, as the views of several bytes read it."""
    return int.from_bytes(text, "little")


def _mask(n: int) -> np.uint64:
    """The low ``n`` bytes of a word."""
    return np.uint64((1 << (8 * n)) - 1)


def _pair(lt: Positions, gt: Positions) -> tuple[Positions, bool]:
    """The ``>`` that closes each tag opened at ``lt`` (the first one after it), and
    whether ``<`` and ``>`` simply alternate (no ``>`` in text).

    Raises :class:`_NotModelled` where a tag is unfinished or holds a ``<``.
    """
    if len(gt) == len(lt) and not (np.any(gt < lt) or np.any(gt[:-1] > lt[1:])):
        return gt, True  # one '>' after each '<', as writers write it
    following = np.searchsorted(gt, lt)  # some '>' in text
    if following[-1] >= len(gt):
        raise _NotModelled  # an unfinished tag
    gt = gt[following]
    if np.any(gt[:-1] > lt[1:]):
        raise _NotModelled  # a '<' inside a tag
    return gt, False


def _pairs(padded: Bytes, size: int, pairs: tuple[bytes, ...]) -> Positions:
    """Where the two-byte sequences ``pairs`` start in ``padded[:size]``."""
    views = (padded[: size & ~1].view("<u2"), padded[1 : 1 + ((size - 1) & ~1)].view("<u2"))
    return np.concatenate(
        [np.flatnonzero(v == _little(p)) * 2 + i for p in pairs for i, v in enumerate(views)]
    )


def _r_space_equals(padded: Bytes, size: int) -> bool:
    """Whether an ``r`` is followed by whitespace and then ``=`` anywhere in the piece
    (``r = "A1"``; up to 3 whitespace bytes, more counts as yes).
    """
    at = _pairs(padded, size, (b"r ", b"r\t", b"r\n", b"r\r")) + 1
    for _ in range(3):
        at = np.where(_IS_SPACE[padded[at]], at + 1, at)
    return bool(np.any((padded[at] == _EQ) | _IS_SPACE[padded[at]]))


def _count_pairs(padded: Bytes, size: int, pairs: tuple[bytes, ...]) -> int:
    """How often the two-byte sequences ``pairs`` occur in ``padded[:size]``."""
    views = (padded[: size & ~1].view("<u2"), padded[1 : 1 + ((size - 1) & ~1)].view("<u2"))
    return sum(int(np.count_nonzero(v == _little(p))) for p in pairs for v in views)


def _check_declarations(padded: Bytes, lt: Positions, gt: Positions, second: Bytes) -> None:
    """Raise :class:`_NotModelled` unless every ``<!…>`` and ``<?…>`` is a comment,
    CDATA or processing instruction that ends at its first ``>``.
    """
    for i in np.flatnonzero((second == _BANG) | (second == _QUESTION)).tolist():
        text = padded[lt[i] : gt[i] + 1].tobytes()
        if not (
            (text.startswith(b"<?") and text.endswith(b"?>") and len(text) >= 4)
            or (text.startswith(b"<!--") and text.endswith(b"-->") and len(text) >= 7)
            or (text.startswith(b"<![CDATA[") and text.endswith(b"]]>"))
        ):
            raise _NotModelled


def _prefixed(padded: Bytes, size: int, lt: Positions, first: bytes) -> tuple[Positions, Positions]:
    """The tags whose name has a namespace prefix and a local name starting with one of
    the bytes ``first`` (``<x:c``): (tag index, where the local name starts).
    """
    views = (padded[: size & ~1].view("<u2"), padded[1 : 1 + ((size - 1) & ~1)].view("<u2"))
    colons = np.concatenate(
        [
            np.flatnonzero(view == _little(b":" + bytes([char]))) * 2 + offset
            for char in first
            for offset, view in enumerate(views)
        ]
    )
    back = colons - 1
    for _ in range(_NAME):  # walk back over the prefix, up to _NAME bytes
        name = ~_ENDS_NAME[padded[back]] & (padded[back] != _LT) & (padded[back] != _COLON)
        if not name.any():
            break
        back = np.where(name, back - 1, back)
    else:
        raise _NotModelled  # a very long prefix
    prefixed = (padded[back] == _LT) & (back < colons - 1)
    return np.searchsorted(lt, back[prefixed]), colons[prefixed] + 1


def _quotes_between(quotes: Positions, start: Positions, end: Positions) -> Positions:
    """How many of the sorted ``quotes`` lie between each ``start`` and ``end``."""
    return np.searchsorted(quotes, end) - np.searchsorted(quotes, start)


_CELL = np.uint64(_little(b"<c"))
_ROW = np.uint64(_little(b"<row"))
_PLAIN_CELL = np.uint64(_little(b'<c r="'))
_PLAIN_ROW = np.uint64(_little(b'<row r="'))


def _starts_with(padded: Bytes, at: Positions, text: bytes) -> npt.NDArray[np.bool_]:
    """Which of the positions ``at`` start ``text``."""
    hit = padded[at] == text[0]
    for i, char in enumerate(text[1:], 1):
        hit &= padded[at + i] == char
    return hit


def _feed_writer_form(bound: _Bound, padded: Bytes, size: int) -> bool:
    """:func:`_fast_feed` for a piece whose cells and rows all open as spreadsheet
    writers write them, ``<c r="`` and ``<row r="``, found by their bytes alone (~3x
    faster); ``False``, having counted nothing, for any other piece.

    Why it is exact: text holds no ``<``, so every ``<c r="`` opens a cell (or sits
    where a parser sees none, which only enlarges the bound). It holds when every
    ``<c`` and ``<row`` followed by a name end is one of those (no other cell or row,
    none without ``r``), no name ends in ``:c`` or ``:row`` (prefixed), the piece holds
    no other ``r=`` (a second ``r`` on a cell) and no ``r`` then whitespace then ``=``.
    Then every cell and row an XML parser reads is one of these, its ``r`` the one read.
    """
    starts = _pairs(padded, size, (b"<c", b"<r"))
    cell = (padded[starts + 1] == _C) & _ENDS_NAME[padded[starts + 2]]
    row = _starts_with(padded, starts + 1, b"row") & _ENDS_NAME[padded[starts + 4]]
    plain_cell = cell & _starts_with(padded, starts + 2, b' r="')
    plain_row = row & _starts_with(padded, starts + 4, b' r="')
    n_plain = int(np.count_nonzero(plain_cell) + np.count_nonzero(plain_row))
    if n_plain != np.count_nonzero(cell | row):
        return False  # a cell or row in another form
    if _count_pairs(padded, size, (b"r=",)) != n_plain or _r_space_equals(padded, size):
        return False  # another r attribute somewhere
    prefixed = _pairs(padded, size, (b":c", b":r"))
    if np.any((padded[prefixed + 1] == _C) & _ENDS_NAME[padded[prefixed + 2]]) or np.any(
        _starts_with(padded, prefixed + 1, b"row") & _ENDS_NAME[padded[prefixed + 4]]
    ):
        return False  # a prefixed name
    values = np.concatenate([starts[plain_cell] + 6, starts[plain_row] + 8])
    bound.add(*_references(padded, values))
    if np.any(row):
        bound.run = 0
    return True


def _fast_feed(bound: _Bound, padded: Bytes, size: int) -> None:
    """Count the tags in ``padded[:size]``: ``_PAD`` zero bytes, then whole tags (text
    before the first), from a ``<`` to just before one; ``_PAD`` readable bytes follow.
    """
    piece = padded[:size]
    if not bound.in_sheet_data and b"sheetData" not in piece.tobytes():
        return  # nothing counts before it (and a part without one is not a worksheet)
    if bound.in_sheet_data and _feed_writer_form(bound, padded, size):
        return
    lt = np.flatnonzero(piece == _LT)
    if not len(lt):
        return
    gt, alternating = _pair(lt, np.flatnonzero(piece == _GT))
    words = _words(padded)[lt]  # each tag's first 8 bytes
    second = (words >> np.uint64(8)).astype(np.uint8)
    _check_declarations(padded, lt, gt, second)
    after_c, after_row = (words >> np.uint64(bits) for bits in (16, 32))
    is_cell = ((words & _mask(2)) == _CELL) & _ENDS_NAME[after_c.astype(np.uint8)]
    is_row = ((words & _mask(4)) == _ROW) & _ENDS_NAME[after_row.astype(np.uint8)]
    names = np.where(is_row, lt + 4, lt + 2)  # just after the name
    tags, local = _prefixed(padded, size, lt, b"cr" if bound.in_sheet_data else b"crs")
    if len(tags):
        opening = (second != _SLASH) & (second != _BANG) & (second != _QUESTION)
        local_cell = (padded[local] == _C) & _ENDS_NAME[padded[local + 1]]
        row = (padded[local] == _R) & (padded[local + 1] == ord("o"))
        local_row = row & (padded[local + 2] == ord("w")) & _ENDS_NAME[padded[local + 3]]
        is_cell[tags] |= local_cell & opening[tags]
        is_row[tags] |= local_row & opening[tags]
        names[tags] = np.where(local_row, local + 3, local + 1)
    if not bound.in_sheet_data:
        opened = np.flatnonzero(_sheet_data(padded, lt, words, second, tags, local))
        if not len(opened):
            return
        bound.in_sheet_data = True
        is_cell[: opened[0] + 1] = is_row[: opened[0] + 1] = False
    counted = np.flatnonzero(is_cell | is_row)
    # where '<' and '>' alternate, a '>' inside a value of any tag leaves a cell or row
    # with an odd number of quotes, or one that holds a "'" (see the tests): only those
    # need checking; otherwise every tag
    checked = counted if alternating else np.arange(len(lt))
    quotes = np.flatnonzero(piece == _QUOTE)
    if np.any(_quotes_between(quotes, lt[checked], gt[checked]) & 1):
        raise _NotModelled  # a '>' inside a value
    if np.count_nonzero(piece == _APOSTROPHE):
        apostrophes = np.flatnonzero(piece == _APOSTROPHE)
        if np.any(_quotes_between(apostrophes, lt[checked], gt[checked])):
            raise _NotModelled  # single-quoted values
    tag, values = _r_values(padded, size, lt, gt, quotes, counted, names, words)
    bound.add(*_references(padded, values))
    has_r = np.zeros(len(lt), dtype=np.bool_)
    has_r[tag] = True
    bound.rows_without_r += int(np.count_nonzero(is_row & ~has_r))
    rows = np.flatnonzero(is_row)
    without = np.flatnonzero(is_cell & ~has_r)
    per_row = np.bincount(np.searchsorted(rows, without), minlength=len(rows) + 1)
    per_row[0] += bound.run
    bound.widest_run = max(bound.widest_run, int(per_row.max()))
    bound.run = int(per_row[-1])


def _sheet_data(
    padded: Bytes,
    lt: Positions,
    words: npt.NDArray[np.uint64],
    second: Bytes,
    prefixed: Positions,
    local: Positions,
) -> npt.NDArray[np.bool_]:
    """Which tags open ``<sheetData>`` (with or without a namespace prefix)."""
    at = lt + 1
    at[prefixed] = local
    hit = (second != _SLASH) & _ENDS_NAME[padded[at + 9]]
    for i, char in enumerate(b"sheetData"):
        hit &= padded[at + i] == char
    return hit


def _r_values(
    padded: Bytes,
    size: int,
    lt: Positions,
    gt: Positions,
    quotes: Positions,
    counted: Positions,
    names: Positions,
    words: npt.NDArray[np.uint64],
) -> tuple[Positions, Positions]:
    """The ``r`` attributes of the ``counted`` tags: (tag index, where the value starts).

    An ``r`` attribute is an ``=`` after the name ``r`` (itself after whitespace or a
    quote), outside quotes, then a double quote, with whitespace allowed around ``=``.
    ``names`` is where each tag's name ends.
    """
    # as writers write them: each is the first attribute of a counted tag, `<c r="`,
    # the only "r=" in the piece, and no "r" is followed by whitespace then "="
    plain = counted[((words[counted] & _mask(6)) == _PLAIN_CELL) | (words[counted] == _PLAIN_ROW)]
    if _count_pairs(padded, size, (b"r=",)) == len(plain) and not _r_space_equals(padded, size):
        return plain, names[plain] + 4
    equals = np.flatnonzero(padded[:size] == _EQ)
    name, quote = equals - 1, equals + 1
    spaced = np.flatnonzero(_IS_SPACE[padded[name]] | _IS_SPACE[padded[quote]])
    if len(spaced):  # whitespace around "=" (up to 3 bytes): followed byte by byte
        name_, quote_ = name[spaced], quote[spaced]
        for _ in range(4):
            name_ = np.where(_IS_SPACE[padded[name_]], name_ - 1, name_)
            quote_ = np.where(_IS_SPACE[padded[quote_]], quote_ + 1, quote_)
        if np.any(_IS_SPACE[padded[name_]] | _IS_SPACE[padded[quote_]]):
            raise _NotModelled  # long runs of whitespace inside a tag
        name[spaced], quote[spaced] = name_, quote_
    before = padded[name - 1]
    is_r = (padded[name] == _R) & (_IS_SPACE[before] | (before == _QUOTE))
    name, quote = name[is_r], quote[is_r]
    if len(name) == len(plain) and np.array_equal(name, names[plain] + 1):
        return plain, names[plain] + 4
    tag = np.searchsorted(lt, name, "right") - 1
    keep = (tag >= 0) & (padded[quote] == _QUOTE)
    name, quote, tag = name[keep], quote[keep], tag[keep]
    is_counted = np.zeros(len(lt), dtype=np.bool_)
    is_counted[counted] = True
    keep = is_counted[tag] & (name < gt[tag]) & (name > names[tag])
    name, quote, tag = name[keep], quote[keep], tag[keep]
    outside = (_quotes_between(quotes, lt[tag], name) & 1) == 0
    return tag[outside], quote[outside] + 1


def fast_extent(chunks: Iterable[bytes]) -> tuple[int, int] | None:
    """:func:`sheet_extent` by the fast scan, or ``None`` where the part holds markup
    it does not model (then :func:`plain_extent` gives the bound).

    >>> fast_extent([b'<sheetData><row r="3"><c r="AB3"/></row></sheetData>'])
    (3, 28)
    >>> fast_extent([b"<sheetData><row r='3'><c r='AB3'/></row></sheetData>"]) is None
    True
    """
    bound = _Bound()
    # the buffer: _PAD zero bytes, an unfinished tag carried over, chunks, _PAD zeros
    buffer = np.zeros(2 * _PAD, dtype=np.uint8)
    held = 0  # bytes in the buffer
    last = _PAD  # where its last "<" is (_PAD: none after the first byte)
    try:
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
            if last <= _PAD:  # no tag starts after the first byte: wait for more
                if not bound.in_sheet_data and buffer[_PAD] != _LT:
                    held = 0  # text before any tag: nothing to count, nothing to keep
                    continue
                if held > _MAX_CARRY:
                    msg = f"an XML element or text of more than {_MAX_CARRY} bytes"
                    raise UnsafeFileError(msg)
                continue
            buffer[end : end + _PAD] = 0
            _fast_feed(bound, buffer[: end + _PAD], last)
            held = end - last
            buffer[_PAD : _PAD + held] = buffer[last:end]
            last = _PAD
        if held:
            end = _PAD + held
            buffer[end : end + _PAD] = 0
            _fast_feed(bound, buffer[: end + _PAD], end)
    except _NotModelled:
        return None
    return bound.extent()


def sheet_extent(part: Iterable[bytes] | Callable[[], Iterable[bytes]]) -> tuple[int, int]:
    """An upper bound of the (last row, last column) the XLSX reader allocates for a part.

    ``part`` is the part's XML in chunks cut anywhere: a list, or a function that
    streams them (called again if the fast scan hands the part to the plain one).
    """
    read = part if callable(part) else (lambda: part)
    bound = fast_extent(read())
    return bound if bound is not None else plain_extent(read())


def inflate_part(data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member of the ZIP ``data``, inflated with ISA-L (~2.5x zlib), never beyond its
    declared size. Reads ``data`` directly (no file object), so threads may share it.
    """
    from isal import isal_zlib

    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        msg = f"compression method {member.compress_type} is not supported"
        raise NotImplementedError(msg)
    header = data[member.header_offset : member.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        msg = f"bad local header of {member.filename!r}"
        raise zipfile.BadZipFile(msg)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = member.header_offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + member.compress_size]
    if len(raw) < member.compress_size:
        msg = f"{member.filename!r} is truncated"
        raise EOFError(msg)
    inflater = isal_zlib.decompressobj(-15) if member.compress_type else None
    produced = 0
    for at in range(0, len(raw), _INPUT):
        out = (
            inflater.decompress(raw[at : at + _INPUT]) if inflater else bytes(raw[at : at + _INPUT])
        )
        produced += len(out)
        if produced > member.file_size:
            msg = f"part {member.filename!r} expands beyond its declared size"
            raise UnsafeFileError(msg)
        yield out
    if produced != member.file_size:
        msg = f"{member.filename!r} is shorter than its declared size"
        raise zipfile.BadZipFile(msg)


def check_sheet_extent(data: bytes, member: zipfile.ZipInfo, *, name: str, limits: Limits) -> None:
    """Raise :class:`UnsafeFileError` if a worksheet part of the ZIP ``data`` may span more
    than ``limits.max_cells`` cells.
    """
    from isal import isal_zlib

    where = f"worksheet {member.filename!r} of {name!r}"
    try:
        rows, columns = sheet_extent(lambda: inflate_part(data, member))
    except UnsafeFileError as err:
        msg = f"{where}: {err.args[0]}"
        raise UnsafeFileError(msg) from None
    except isal_zlib.error as err:  # type: ignore[misc]  # the stubs do not say it is one
        msg = f"{member.filename!r}: {err}"
        raise zipfile.BadZipFile(msg) from None
    if rows > _GRID_ROWS or columns > _GRID_COLUMNS:
        msg = (
            f"{where} reaches row {rows}, column {columns}: beyond any spreadsheet "
            f"({_GRID_ROWS} rows x {_GRID_COLUMNS} columns)"
        )
        raise UnsafeFileError(msg, hint="the file is not a genuine export; download it again.")
    cells = rows * columns
    if cells > limits.max_cells:
        msg = (
            f"{where} spans {rows} rows x {columns} columns = {cells} cells "
            f"(limit max_cells={limits.max_cells})"
        )
        raise UnsafeFileError(msg)
