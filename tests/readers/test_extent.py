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
from pathlib import Path

import fastexcel
import polars as pl
import pytest

import chattools as ct
from chattools import errors
from chattools.readers import Limits, extent
from chattools.readers.extent import fast_extent, plain_extent, sheet_extent
from chattools.writers.xlsx import write_xlsx

REAL = Path(__file__).parents[1] / "real"


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


def _part(rows_xml: str) -> bytes:
    """A worksheet part as Excel writes one, whose ``<sheetData>`` holds ``rows_xml``."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
        'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxml'
        'formats.org/officeDocument/2006/relationships"><dimension ref="A1:XFD1048576"/>'
        '<sheetViews><sheetView workbookViewId="0"><selection activeCell="XFD1048576" '
        'sqref="XFD1048576"/></sheetView></sheetViews>'
        f"<sheetData>{rows_xml}</sheetData>"
        '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells><hyperlinks>'
        '<hyperlink ref="XFD1048576" r:id="rId1"/></hyperlinks></worksheet>'
    ).encode()


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
    rows, columns = sheet_extent([_part(rows_xml)])
    assert rows >= expected[0] and columns >= expected[1]


def test_the_bound_is_exact_for_sheets_as_writers_make_them() -> None:
    rows_xml = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{col}{r}") for col in ("A", "B", "AA")) + "</row>"
        for r in range(1, 41)
    )
    assert sheet_extent([_part(rows_xml)]) == _loaded_shape(rows_xml) == (40, 27)


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
    data = _part(rows_xml)
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
    assert "max_cells=60000000" in str(info.value) or "beyond any spreadsheet" in str(info.value)


def test_the_limit_follows_max_cells_and_names_the_sheet() -> None:
    data = _workbook('<row r="1">' + _cell("A1") + '</row><row r="30">' + _cell("J30") + "</row>")
    with pytest.raises(errors.UnsafeFileError) as info:
        ct.open_export(data, limits=Limits(max_cells=299))
    assert "spans 30 rows x 10 columns = 300 cells (limit max_cells=299)" in str(info.value)
    assert "xl/worksheets/" in str(info.value)


def test_an_endless_element_is_refused_not_buffered() -> None:
    endless = [b"<sheetData><row><c><t>", *(b"x" * (1 << 20) for _ in range(20))]
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
def test_the_fast_and_the_plain_scan_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """On any mix of forms, cut anywhere and scanned in small pieces, the fast scan gives
    exactly what the plain one gives, or hands the part over (``None``)."""
    rng = random.Random(seed)
    data = _part(_random_sheet(rng))
    cuts = sorted(rng.sample(range(1, len(data)), k=min(rng.randint(0, 30), len(data) - 1)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    monkeypatch.setattr(extent, "_PIECE", rng.choice([0, 64]))  # scan small pieces
    fast = fast_extent(pieces)
    assert fast is None or fast == plain_extent(pieces), data
    assert sheet_extent(pieces) == plain_extent(pieces)


def test_the_fast_scan_takes_sheets_as_writers_make_them() -> None:
    rows_xml = "".join(
        f'<row r="{r}">' + _cell(f"A{r}", "a = b") + _cell(f"C{r}", 'see r="X9"') + "</row>"
        for r in range(1, 200)
    )
    xml = f'<worksheet xmlns:r="http://x"><sheetData>{rows_xml}</sheetData></worksheet>'
    assert fast_extent([xml.encode()]) == plain_extent([xml.encode()]) == (199, 3)


# what is not a cell must not count: real workbooks are full of it
NOT_CELLS = {
    "a script in a message": _cell("A2", "var r='test1'; r = \"XFD1048576\";"),
    "an r lookalike in text": _cell("A2", 'r="XFD1048576"'),
    "rich-text runs": '<c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>a</t></r>'
    '<r><t xml:space="preserve"> b</t></r></is></c>',
    "a prefixed r attribute": '<c r="A2" x:r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    "a row attribute named like r": '<c r="A2" rr="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
}


@pytest.mark.parametrize("form", NOT_CELLS)
def test_only_cells_count(form: str) -> None:
    rows_xml = ANCHOR + '<row r="2">' + NOT_CELLS[form] + "</row>"
    assert _loaded_shape(rows_xml) == (2, 1)  # calamine reads one column
    assert sheet_extent([_part(rows_xml)]) == (2, 1)
    assert fast_extent([_part(rows_xml)]) in (None, (2, 1))


# far cells hidden where a scan that does not tokenise like an XML parser would miss them
HIDDEN = {
    "after a '>' in a value": '<row r="2"><c a=">" r="XFD900000"><v>1</v></c></row>',
    "after '><' in a value": '<row r="2"><c a="><" r="XFD900000"><v>1</v></c></row>',
    "single-quoted, after a '>'": "<row r='2'><c a='>' r='XFD900000'><v>1</v></c></row>",
    "after a quoted r=": '<row r="2"><c a=" r=" r="XFD900000"><v>1</v></c></row>',
    "no space before r": '<row r="2"><c s="1"r="XFD900000"><v>1</v></c></row>',
    "after a comment": '<!-- <c r="A1"> --><row r="2"><c r="XFD900000"><v>1</v></c></row>',
    "a second r": '<row r="2"><c r="A2" r="XFD900000"><v>1</v></c></row>',
    "spaced r": '<row r="2"><c r = "XFD900000"><v>1</v></c></row>',
    "a second, spaced r": '<row r="2"><c r="A2" r ="XFD900000"><v>1</v></c></row>',
    "prefixed cells without r": '<row r="2">' + "<x:c/>" * 20_000 + "</row>",
    "a cell without r after a wide row": '<row r="2">' + "<c/>" * 20_000 + "</row>",
    "prefixed": '<row r="2"><x:c r="XFD900000"><v>1</v></x:c></row>',
    "prefixed, long prefix": '<row r="2"><spreadsheet:c r="XFD900000"><v>1</v></spreadsheet:c>'
    "</row>",
}


@pytest.mark.parametrize("form", HIDDEN)
@pytest.mark.parametrize("pieces", ["one piece", "small pieces"])
def test_far_cells_behind_markup_are_found(
    form: str, pieces: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # after plain rows, so that small pieces also go through the writer-form shortcut
    plain_rows = "".join(f'<row r="{r}">' + _cell(f"A{r}") + "</row>" for r in range(2, 30))
    part = _part(ANCHOR + plain_rows + HIDDEN[form])
    chunks = [part]
    if pieces == "small pieces":
        monkeypatch.setattr(extent, "_PIECE", 64)
        chunks = [part[i : i + 50] for i in range(0, len(part), 50)]
    assert plain_extent(chunks)[1] >= 16384
    assert sheet_extent(chunks)[1] >= 16384
    assert fast_extent(chunks) in (None, plain_extent(chunks))


def test_a_scan_of_real_excel_worksheets_is_exact() -> None:
    """Every worksheet of the real exports (Apache POI, re-saved in Excel 16): the bound
    is exactly what calamine loads, and the fast scan takes them."""
    for path in sorted(REAL.glob("*.xlsx")):
        data = path.read_bytes()
        reader = fastexcel.read_excel(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/s")]
            assert len(parts) == len(reader.sheet_names) == 8
            shapes = sorted(
                reader.load_sheet(name, header_row=None, dtypes="string").to_polars().shape
                for name in reader.sheet_names
            )
            bounds = [fast_extent(extent.inflate_part(data, info)) for info in parts]
        assert sorted(bounds) == shapes, path.name  # type: ignore[type-var]


def test_real_exports_open() -> None:
    for path, chats in zip(sorted(REAL.glob("*.xlsx")), (2456, 963), strict=True):
        assert ct.open_export(path).chats.height == chats


def test_the_writer_form_shortcut_runs_and_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces where every cell and row opens ``<c r="``/``<row r="`` skip the tag
    tokenising; it must run on such pieces and agree with the plain scan."""
    taken: list[bool] = []
    shortcut = extent._feed_writer_form
    monkeypatch.setattr(
        extent, "_feed_writer_form", lambda *a: taken.append(shortcut(*a)) or taken[-1]
    )
    monkeypatch.setattr(extent, "_PIECE", 64)
    rows_xml = "".join(
        f'<row r="{r}">' + _cell(f"A{r}", "a = b") + _cell(f"C{r}", "x") + "</row>"
        for r in range(1, 50)
    )
    part = _part(rows_xml)
    chunks = [part[i : i + 100] for i in range(0, len(part), 100)]
    assert fast_extent(chunks) == plain_extent(chunks) == (49, 3)
    assert taken.count(True) > 10
    odd = _part(rows_xml + '<row r="50"><c t="n"><v>1</v></c></row>')  # a cell without r
    chunks = [odd[i : i + 100] for i in range(0, len(odd), 100)]
    assert fast_extent(chunks) == plain_extent(chunks) == (50, 4)
    assert False in taken


def test_under_the_cell_limit_of_old_but_beyond_the_grid_is_refused() -> None:
    """A 1.7 KB sheet with one cell at G21000000 (147 M cells) would take ~8 GB."""
    data = _workbook(ANCHOR + '<row r="21000000">' + _cell("G21000000") + "</row>")
    with pytest.raises(errors.UnsafeFileError, match="beyond any spreadsheet"):
        ct.open_export(data)


def test_the_default_cell_limit_admits_the_largest_documented_sheet() -> None:
    """1,000,000 cases x 48 columns fits; the same at Excel's full width does not."""
    data = _workbook(ANCHOR + '<row r="1000001">' + _cell("AV1000001") + "</row>")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = next(i for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    extent.check_sheet_extent(data, info, name="cases.xlsx", limits=Limits())
    wide = _workbook(ANCHOR + '<row r="1000001">' + _cell("BJ1000001") + "</row>")  # 62 cols
    with pytest.raises(errors.UnsafeFileError, match="max_cells=60000000"):
        ct.open_export(wide)
