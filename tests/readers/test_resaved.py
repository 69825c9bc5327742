"""An export re-saved by a spreadsheet program loads with the same values, or says which changed.

The files are in ``tests/corpus/resaved/`` (``make_resaved.sh`` rebuilds them; see its
README): ``reference.xlsx`` is a sample export with every cell text, as Channel Talk
writes it; ``libreoffice.xlsx`` is its CSV copies imported by LibreOffice Calc with type
detection, ``openpyxl.xlsx`` the same typed as Excel types an opened CSV. The broken
cells below are written out by hand from what each program did to the reference.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
import chattools.readers.load as load_module
from chattools import schema
from chattools.readers.cells import all_text, non_text_cells, scan_workbook
from chattools.readers.safety import Limits

CORPUS = Path(__file__).parents[1] / "corpus" / "resaved"
REAL = (
    Path(__file__).parents[1] / "real"
)  # the de-identified real exports (Excel re-saved, all text)
SCI_CHAT_ID = "6123456789012345e123"  # a 20-hex id, read as 6.123456789012345E+138
LONG_TAG_ID = "123456789012345678"  # 18 digits: a spreadsheet number keeps 15
ERROR, BAD_DATE, NO_RESULT = "an error cell", "a date cell whose serial", "a formula without"
SCI, LONG = "a hex id read as a number in scientific", "an id stored as a number with more"
#: The messages whose text starts with "=": a formula to both programs.
FORMULA_TEXTS = {
    134: "1+1 이렇게 입력해 보시겠어요?",
    282: "== 주문 내역 ===\n상품 A x 2\n상품 B x 1",
    405: "1+1 이렇게 입력해 보시겠어요?",
    484: "1+1 이렇게 입력해 보시겠어요?",
    744: 'IF(A1>0,"ok","no") 엑셀 수식이 안 먹혀요',
    946: "1+1 이렇게 입력해 보시겠어요?",
}
#: (sheet, row, column) → (value in the problem row, start of the problem), per file.
BROKEN = {
    "libreoffice.xlsx": {
        ("UserChat data", 2, "assigneeId"): ("#N/A", f"{ERROR} (formula =NA())"),  # typed =NA()
        ("UserChat data", 4, "closedAt"): ("99999999", BAD_DATE),  # typed over a date
        ("UserChat data", 27, "id"): ("6.12345678901235E+138", SCI),
        ("Message data", 655, "chatId"): ("6.12345678901235E+138", SCI),
        ("UserChatTag data", 1, "id"): ("1.23456789012346E+017", LONG),
        # Calc evaluates "=1+1 이렇게…" as a formula: #VALUE! ("=== 주문" stays text)
        **{
            ("Message data", row, "plainText"): ("#VALUE!", f"{ERROR} (formula ={text})")
            for row, text in FORMULA_TEXTS.items()
            if row != 282
        },
    },
    "openpyxl.xlsx": {
        ("UserChat data", 2, "assigneeId"): ("#N/A", ERROR),
        ("UserChat data", 3, "replyCount"): ("=Y4", NO_RESULT),
        ("UserChat data", 4, "closedAt"): ("99999999", BAD_DATE),
        ("Bot data", 1, "createdAt"): ("-1", BAD_DATE),  # would read as 1899-12-30
        ("UserChat data", 27, "id"): ("6.123456789012341e+138", SCI),
        ("Message data", 655, "chatId"): ("6.123456789012341e+138", SCI),
        ("UserChatTag data", 1, "id"): ("1.23456789012346e+17", LONG),
        # openpyxl writes every text starting with "=" as a formula, and never calculates
        **{
            ("Message data", row, "plainText"): (f"={text}", NO_RESULT)
            for row, text in FORMULA_TEXTS.items()
        },
    },
}
#: Text columns in which both programs turned text into numbers (``+8210…`` → ``8210…``).
NUMBER_NOTES = {
    ("Manager data", "mobileNumber"),
    ("User data", "mobile.osVersion"),
    ("User data", "profile.lastOrderId"),
    ("User data", "profile.mobileNumber"),
    ("User data", "web.browserVersion"),
    ("User data", "web.osVersion"),
}  # (profile.csat is a Number column: a number cell there is what it holds)
FILES = sorted(BROKEN)


@pytest.fixture(scope="module")
def reference() -> ct.Export:
    return ct.open_export(CORPUS / "reference.xlsx")


@pytest.fixture(scope="module", params=FILES)
def resaved(request: pytest.FixtureRequest) -> tuple[str, ct.Export]:
    return request.param, ct.open_export(CORPUS / request.param)


def _cells(exp: ct.Export) -> pl.DataFrame:
    return exp.problems.filter(pl.col("row").is_not_null())


def _masked(frame: pl.DataFrame, problems: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without provenance, with the cells that have a problem set to null."""
    if frame.height:
        mine = problems.filter(pl.col("sheet") == frame["_sheet"][0])
        for (column,), group in mine.group_by("column"):
            rows = group["row"].implode()
            frame = frame.with_columns(
                pl.when(pl.col("_row").is_in(rows))
                .then(None)
                .otherwise(pl.col(str(column)))
                .alias(str(column))
            )
    return frame.drop([c for c in frame.columns if c.startswith("_")])


def test_the_reference_is_all_text_and_loads_clean(reference: ct.Export) -> None:
    data = (CORPUS / "reference.xlsx").read_bytes()
    assert scan_workbook(data, limits=Limits()) == {}
    assert reference.problems.height == 0
    assert reference.chats.filter(pl.col("_row") == 27)["id"].to_list() == [SCI_CHAT_ID]
    assert reference.messages.filter(pl.col("chatId") == SCI_CHAT_ID)["_row"].to_list() == [655]
    assert reference.tags["id"][0] == LONG_TAG_ID
    formulas = reference.messages.filter(pl.col("plainText").str.starts_with("="))
    assert dict(zip(formulas["_row"], formulas["plainText"].str.slice(1), strict=True)) == (
        FORMULA_TEXTS
    )


def test_the_copies_really_hold_dates_numbers_booleans_and_errors() -> None:
    for file in FILES:
        found = scan_workbook((CORPUS / file).read_bytes(), limits=Limits())
        types = {
            (sheet, t) for sheet, cells in found.items() if cells is not None for t in cells["type"]
        }
        assert {
            ("UserChat data", "date"),
            ("UserChat data", "number"),  # counts, digit ids
            ("Manager data", "number"),  # manager ids
            ("Message data", "number"),  # personId
            ("User data", "bool"),
            ("UserChat data", "error"),
        } <= types, file
    users = scan_workbook((CORPUS / "openpyxl.xlsx").read_bytes(), limits=Limits())["User data"]
    assert users is not None and "date" in users["type"].to_list()  # UTC times as date cells


def test_every_surviving_cell_loads_identical_to_the_reference(
    resaved: tuple[str, ct.Export], reference: ct.Export
) -> None:
    _, exp = resaved
    problems = _cells(exp)
    for key in schema.SHEETS:
        got, want = exp.frames[key], reference.frames[key]
        assert_frame_equal(_masked(got, problems), _masked(want, problems), check_exact=True)
        assert got.height == want.height


def test_each_broken_cell_is_one_specific_problem_and_null(
    resaved: tuple[str, ct.Export], reference: ct.Export
) -> None:
    file, exp = resaved
    problems = _cells(exp)
    by_cell = {(r["sheet"], r["row"], r["column"]): r for r in problems.iter_rows(named=True)}
    assert problems.select("sheet", "row", "column").is_duplicated().sum() == 0
    for (sheet, row, column), (value, problem) in BROKEN[file].items():
        found = by_cell[(sheet, row, column)]
        assert (found["value"], found["file"]) == (value, file), (sheet, row, column)
        assert found["problem"].startswith(problem), found["problem"]
        frame = next(f for f in exp.frames.values() if f.height and f["_sheet"][0] == sheet)
        assert frame.filter(pl.col("_row") == row)[column].to_list() == [None]


def test_every_other_problem_is_a_number_kept_as_shown_in_a_text_column(
    resaved: tuple[str, ct.Export], reference: ct.Export
) -> None:
    file, exp = resaved
    problems = _cells(exp)
    broken = pl.DataFrame(
        list(BROKEN[file]), schema=["sheet", "row", "column"], orient="row"
    ).with_columns(pl.col("row").cast(pl.Int64))
    notes = problems.join(broken, on=["sheet", "row", "column"], how="anti")
    assert notes["problem"].str.starts_with("a number cell in a text column").all()
    assert set(notes.select("sheet", "column").unique().iter_rows()) == NUMBER_NOTES
    # one note per numeric text of the reference in those columns, nothing else
    numeric = r"^\+?[0-9]+(\.[0-9]+)?$"
    for sheet, column in NUMBER_NOTES:
        want = next(f for f in reference.frames.values() if f.height and f["_sheet"][0] == sheet)
        got = next(f for f in exp.frames.values() if f.height and f["_sheet"][0] == sheet)
        rows = notes.filter(sheet=sheet, column=column)
        expected = want.filter(pl.col(column).str.contains(numeric))["_row"].to_list()
        assert sorted(rows["row"]) == expected, (sheet, column)
        # the value is kept as the cell shows it: the same as the problem's value
        shown = got.join(rows.select(_row="row", value="value"), on="_row")
        assert (shown[column] == shown["value"]).all()
    manager = exp.managers.filter(pl.col("_row") == 1)["mobileNumber"].to_list()
    assert manager == ["821036401454"]  # the reference's "+821036401454" lost its "+"


def test_without_the_check_the_broken_cells_are_silent(
    monkeypatch: pytest.MonkeyPatch, reference: ct.Export
) -> None:
    monkeypatch.setattr(load_module, "scan_workbook", lambda data, *, limits: {})
    exp = ct.open_export(CORPUS / "openpyxl.xlsx")
    assert exp.tags["id"][0] == "123456789012346000"  # a different id, loaded as if fine
    assert exp.bots["createdAt"][0] is None  # 1899-12-30 is out of range even so
    assert _cells(exp).filter(pl.col("column") == "closedAt").height == 0  # a silent null
    assert exp.chats.filter(pl.col("_row") == 4)["closedAt"].to_list() == [None]


@pytest.mark.parametrize(
    "path", [*sorted(REAL.glob("*.xlsx")), CORPUS / "reference.xlsx"], ids=lambda p: p.name
)
def test_genuine_all_text_files_are_not_read_cell_by_cell(path: Path) -> None:
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert parts
    assert scan_workbook(data, limits=Limits()) == {}


_TEXT_XML = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main" xmlns:r="r"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is>'
    b'</c><c r="B1" s="2" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>'
    b'a &lt;v&gt; b="s"&gt;&lt;f&gt;</t></is></c><c r="B2"/></row></sheetData></worksheet>'
)


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        (b'<c r="B2"><v>5</v></c>', "number"),
        (b'<c r="B2" t="n"><v>5</v></c>', "number"),
        (b'<c r="B2" t="b"><v>1</v></c>', "bool"),
        (b'<c r="B2" t="e"><v>#N/A</v></c>', "error"),
        (b'<c r="B2" t="str"><f>A1</f><v>x</v></c>', "text"),
        (b'<c r="B2"><f>A1</f></c>', "number"),
        (b'<c r="B2"><f t="shared" si="0"/><v/></c>', "number"),
        (b'<c t="s" r="B2"><v>0</v></c>', None),  # t before r: read cell by cell, a text
    ],
)
def test_any_cell_that_is_not_text_fails_the_check_wherever_the_xml_is_cut(
    cell: bytes, kind: str | None
) -> None:
    xml = _TEXT_XML.replace(b'<c r="B2"/>', cell)
    assert all_text([_TEXT_XML[:n] for n in (len(_TEXT_XML),)])
    for cut in range(1, len(xml)):
        assert all_text([_TEXT_XML[:cut], _TEXT_XML[cut:]])
        assert not all_text([xml[:cut], xml[cut:]]), cut
    found = non_text_cells([xml[:200], xml[200:]], date_styles=frozenset())
    assert found is not None
    assert found.select("row", "column", "type").rows() == ([(1, 1, kind)] if kind else [])


def test_a_prefixed_namespace_is_read_cell_by_cell() -> None:
    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>id</x:t></x:is></x:c>'
        b'</x:row><x:row r="2"><x:c r="A2"><x:v>5</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    assert not all_text([xml])
    found = non_text_cells([xml[:150], xml[150:]], date_styles=frozenset())
    assert found is not None
    assert found.select("row", "column", "type", "value").rows() == [(1, 0, "number", "5")]


def test_cells_are_placed_relative_to_the_header_and_dates_found_by_style() -> None:
    xml = (
        b'<worksheet><sheetData><row r="3"><c r="B3"/><c r="C3" t="s"><v>0</v></c></row>'
        b"<row r='5'><c r='b5'/><c r='d5' s='1'><v>45000.5</v></c><c r='e5' s='2'><v>7</v></c>"
        b"</row></sheetData></worksheet>"
    )
    found = non_text_cells([xml], date_styles=frozenset({1}))
    assert found is not None
    assert found.select("row", "column", "type").rows() == [(2, 1, "date"), (2, 2, "number")]
    assert (
        non_text_cells(
            [b'<worksheet><sheetData><row r="1"><c><v>1</v></c>'], date_styles=frozenset()
        )
        is None
    )
