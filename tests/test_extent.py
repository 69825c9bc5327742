"""The worksheet extent check, against what calamine (under fastexcel) really allocates.

Every case here was first found by loading the sheet with fastexcel: the forms of
cell positions calamine accepts (lowercase letters, spaces around ``=``, single
quotes, namespace prefixes, leading zeros, several ``r`` on one cell, cells and rows
without ``r``). Small versions are loaded for real and the bound compared with the
frame fastexcel returns; far versions — which would abort this process — must be
refused before fastexcel sees them.
"""

from __future__ import annotations

import io
import random
import zipfile

import fastexcel
import numpy as np
import polars as pl
import pytest

import chattools as ct
from chattools import errors
from chattools.readers import Limits, extent
from chattools.readers.extent import _Scan, sheet_extent
from chattools.writers.xlsx import write_xlsx


def _workbook(rows_xml: str) -> bytes:
    """A valid one-sheet workbook whose ``<sheetData>`` holds exactly ``rows_xml``."""
    good = write_xlsx({"UserChat data": pl.DataFrame({"id": ["c1"]})})
    with zipfile.ZipFile(io.BytesIO(good)) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    part = next(n for n in members if n.startswith("xl/worksheets/"))
    xml = members[part].decode()
    start, end = xml.index("<sheetData>") + len("<sheetData>"), xml.index("</sheetData>")
    members[part] = (xml[:start] + rows_xml + xml[end:]).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _loaded_shape(rows_xml: str) -> tuple[int, int]:
    """(rows, columns) calamine spans: fastexcel's frame with no header row."""
    reader = fastexcel.read_excel(_workbook(rows_xml))
    return reader.load_sheet(0, header_row=None, dtypes="string").to_polars().shape


def _cell(ref: str | None, text: str = "x", *, tag: str = "c", attr: str | None = None) -> str:
    position = "" if ref is None else (attr or f' r="{ref}"')
    return f'<{tag}{position} t="inlineStr"><is><t>{text}</t></is></{tag}>'


ANCHOR = '<row r="1">' + _cell("A1") + "</row>"  # calamine's rectangle starts at the first cell

# each: rows XML after ANCHOR, (rows, columns) calamine spans — checked by loading it
FORMS = {
    "plain": ('<row r="2">' + _cell("A2") + _cell("C2") + "</row>", (2, 3)),
    "lowercase": ('<row r="2">' + _cell("b2") + "</row>", (2, 2)),
    "single quotes": ('<row r="2">' + _cell(None) + _cell("", attr=" r='D2'") + "</row>", (2, 4)),
    "spaces around =": ('<row r = "3">' + _cell("", attr=' r = "E3"') + "</row>", (3, 5)),
    "leading zeros": ('<row r="4">' + _cell("C004") + "</row>", (4, 3)),
    "last r wins": ('<row r="2">' + _cell("", attr=' r="A2" r="F2"') + "</row>", (2, 6)),
    "prefixed cell": ('<row r="2"><x:c r="G2" t="inlineStr"><is><t>x</t></is></x:c></row>', (2, 7)),
    "prefixed row": ('<x:row r="5">' + _cell("A5") + "</x:row>", (5, 1)),
    "cells without r": ('<row r="2">' + _cell(None) * 4 + "</row>", (2, 4)),
    "cell after r": ('<row r="2">' + _cell("C2") + _cell(None) + "</row>", (2, 4)),
    "rows without r": (("<row>" + _cell(None) + "</row>") * 2, (3, 1)),
    "row after r": ('<row r="6">' + _cell(None) + "</row><row>" + _cell(None) + "</row>", (7, 1)),
    "far row in the middle": (
        '<row r="9">' + _cell("B9") + '</row><row r="2">' + _cell("A2") + "</row>",
        (9, 2),
    ),
}


@pytest.mark.parametrize("form", FORMS)
def test_the_bound_covers_what_calamine_allocates(form: str) -> None:
    rows_xml, expected = ANCHOR + FORMS[form][0], FORMS[form][1]
    assert _loaded_shape(rows_xml) == expected  # the fact, measured on calamine itself
    rows, columns = sheet_extent([rows_xml.encode()])
    assert rows >= expected[0] and columns >= expected[1]


def test_the_bound_is_exact_for_sheets_as_writers_make_them() -> None:
    rows_xml = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{col}{r}") for col in ("A", "B", "AA")) + "</row>"
        for r in range(1, 41)
    )
    assert sheet_extent([rows_xml.encode()]) == _loaded_shape(rows_xml) == (40, 27)


@pytest.mark.parametrize("seed", range(8))
def test_random_sheets_cut_anywhere(seed: int) -> None:
    """Random mixes of all forms, fed in random pieces: the bound always covers calamine."""
    rng = random.Random(seed)
    parts = []
    for _ in range(rng.randint(1, 12)):
        row = rng.choice(["", f' r="{rng.randint(1, 60)}"', f" r = '{rng.randint(1, 60)}'"])
        cells = []
        for _ in range(rng.randint(0, 6)):
            letters = rng.choice(["A", "c", "Z", "ab", "AC"])
            ref = f"{letters}{rng.randint(1, 60):0{rng.choice([1, 3])}d}"
            attr = rng.choice(["", f' r="{ref}"', f" r='{ref}'", f' s="0" r="{ref}"'])
            cells.append(_cell("", attr=attr) if attr else _cell(None))
        parts.append(f"<row{row}>" + "".join(cells) + "</row>")
    rows_xml = ANCHOR + "".join(parts)
    data = rows_xml.encode()
    cuts = sorted(rng.sample(range(1, len(data)), k=min(5, len(data) - 1)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    rows, columns = sheet_extent(pieces)
    shape = _loaded_shape(rows_xml)
    assert rows >= shape[0] and columns >= shape[1], rows_xml


# far versions: calamine would abort this process, so only chattools may read them
BOMBS = {
    "lowercase": '<row r="900000">' + _cell("xfd900000") + "</row>",
    "spaces around =": '<row r="900000">' + _cell("", attr=' r = "XFD900000"') + "</row>",
    "tab and newline": '<row r="900000">' + _cell("", attr=' r\t=\n"XFD900000"') + "</row>",
    "prefixed cell": '<row r="900000"><x:c r="XFD900000"><v>1</v></x:c></row>',
    "last r wins": '<row r="900000">' + _cell("", attr=' r="A900000" r="XFD900000"') + "</row>",
    "leading zeros": '<row r="1">' + _cell("XFD0000000000900000") + "</row>",
    "wide row without r, far row": (
        '<row r="2">' + "<c/>" * 20_000 + '</row><row r="900000">' + _cell("A900000") + "</row>"
    ),
    "many rows without r": "<row><c/></row>" * 200_000 + "<row>" + _cell("XFD1") + "</row>",
}


@pytest.mark.parametrize("form", BOMBS)
def test_far_cells_in_every_form_are_refused(form: str) -> None:
    lenient = Limits(max_ratio=100_000)  # repetitive XML deflates very well: not the point here
    with pytest.raises(errors.UnsafeFileError) as info:
        ct.open_export(_workbook(BOMBS[form]), limits=lenient)
    assert "max_cells=150000000" in str(info.value)


def test_the_limit_follows_max_cells_and_names_the_sheet() -> None:
    data = _workbook('<row r="1">' + _cell("A1") + '</row><row r="30">' + _cell("J30") + "</row>")
    with pytest.raises(errors.UnsafeFileError) as info:
        ct.open_export(data, limits=Limits(max_cells=299))
    assert "spans 30 rows x 10 columns = 300 cells (limit max_cells=299)" in str(info.value)
    assert "xl/worksheets/" in str(info.value)


def test_an_endless_element_is_refused_not_buffered() -> None:
    endless = [b"<row><c><t>", *(b"x" * (1 << 20) for _ in range(20))]
    with pytest.raises(errors.UnsafeFileError, match="more than"):
        sheet_extent(endless)


def _random_sheet(rng: random.Random) -> str:
    """Mostly cells and rows as writers make them, with now and then any other form,
    and text that holds ``=``, ``r="…"`` lookalikes, ``:c`` and ``<`` entities."""
    texts = [
        "x",
        "a = b",
        "=== total ===",
        'r="ZZ9"',
        "x r = 'AB77'",
        "see r='ZZ99'",
        "y r    = 'QQ98'",
        "note:c",
    ]
    parts = []
    for r in range(1, rng.randint(2, 80)):
        odd_row = rng.random() < 0.1
        row = rng.choice(["", f" r = '{r}'", f' spans="1:3" r="{r}"']) if odd_row else f' r="{r}"'
        cells = []
        for col in ("A", "B", "AB")[: rng.randint(0, 3)]:
            text = rng.choice(texts) if rng.random() < 0.3 else "x"
            if rng.random() < 0.1:
                ref = f"{col.lower()}{r:03d}"
                attr = rng.choice(
                    ["", f" r='{ref}'", f' t="s" r="{ref}"', f' r ="{ref}"', f" r=\"A1\" r='{ref}'"]
                )
                cells.append(_cell(text, attr=attr) if attr else _cell(None, text))
            else:
                cells.append(_cell(f"{col}{r}", text))
        parts.append(f"<row{row}>" + "".join(cells) + "</row>")
    return ANCHOR + "".join(parts)


@pytest.mark.parametrize("seed", range(40))
def test_the_fast_scan_of_plain_pieces_agrees_with_the_full_scan(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces where every cell and row opens ``<c r="``/``<row r="`` take a faster scan;
    on any mix of forms cut anywhere, it must give exactly what the full scan gives."""
    rng = random.Random(seed)
    data = _random_sheet(rng).encode()
    cuts = sorted(rng.sample(range(1, len(data)), k=min(rng.randint(0, 30), len(data) - 1)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    monkeypatch.setattr(extent, "_PIECE", rng.choice([0, 64]))  # scan small pieces
    taken = []
    fast = _Scan._feed_plain
    monkeypatch.setattr(_Scan, "_feed_plain", lambda s, *a: taken.append(fast(s, *a)) or taken[-1])
    bound = sheet_extent(pieces)
    monkeypatch.setattr(_Scan, "_feed_plain", lambda *a: False)
    assert bound == sheet_extent(pieces), data
    assert True in taken  # the fast scan ran on some piece


def test_the_fast_scan_takes_sheets_as_writers_make_them() -> None:
    rows_xml = "".join(
        f'<row r="{r}">' + _cell(f"A{r}", "a = b") + _cell(f"C{r}", 'see r="X9"') + "</row>"
        for r in range(1, 200)
    )
    scan = _Scan()
    padded = np.frombuffer(bytes(16) + rows_xml.encode() + bytes(16), dtype=np.uint8)
    scan._masks = np.empty((3, len(padded)), dtype=np.bool_)
    assert scan._feed_plain(padded, len(padded) - 16)
    assert scan.extent() == (199, 24)  # the lookalike X9 counts, as in the full scan
