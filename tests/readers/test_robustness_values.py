"""Hostile values and rows (issue 16, cases 2, 12 and 13): each ends as a ``problems`` row.

Every file is built at test time from the synthetic sample export, with one value,
cell or row changed; the expected values are worked out by hand from the change made.

* case 2: a stray cell at ``AB1048576`` made a million "empty row" problems and a
  phantom chat with a null id; blank rows are now one problem per run, a row with no
  id, state or createdAt is not a chat;
* case 12: a timestamp outside 2000-01-01 … 2099-12-31 (``9999-12-31 23:59:59`` in
  New York overflowed Python's datetime; ``1899-12-30`` is Excel's day 0);
* case 13: a duration longer than 36,525 days (100 years; ``0h 307445734561825861m 0s``
  wrapped around in Int64 to 44 s).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import chattools as ct
from chattools import sample
from chattools.errors import UnsafeFileError

NEW_YORK = "America/New_York"
DATES = "out of range (accepted: 2000-01-01 to 2099-12-31); set to null"
DURATIONS = "out of range (accepted: up to 36525 days); set to null"
#: 36,525 days (2000-01-01 … 2100-01-01) in seconds and milliseconds.
LONGEST_S = 36_525 * 86_400
LONGEST_MS = LONGEST_S * 1000


# -- builders -------------------------------------------------------------------------------
def _json(shape: str = "sheets", chats: int = 5) -> dict[str, Any]:
    data = sample.write_sample(None, chats=chats, seed=1, container="json", json_shape=shape)
    return dict(json.loads(data))


def _open_json(doc: dict[str, Any], **kwargs: Any) -> ct.Export:
    return ct.open_export(json.dumps(doc).encode(), **kwargs)


def _patch_xlsx(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` with one ZIP member rewritten by ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, change(body) if info.filename == member else body)
    return out.getvalue()


def _set_cell(data: bytes, member: str, ref: str, text: str) -> bytes:
    """The sample XLSX with the inline-string cell ``ref`` of ``member`` holding ``text``."""

    def change(xml: bytes) -> bytes:
        cell = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*>.*?</c>')
        new = f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
        fixed, count = cell.subn(new, xml, count=1)
        assert count == 1, ref
        return fixed

    return _patch_xlsx(data, member, change)


def _cell_problems(exp: ct.Export) -> list[tuple[str, int, str, str, str]]:
    return (
        exp.problems.filter(pl.col("column").is_not_null())
        .select("sheet", "row", "column", "value", "problem")
        .rows()
    )


def _rows_problems(exp: ct.Export, sheet: str) -> list[tuple[int, str | None, str]]:
    return (
        exp.problems.filter(pl.col("sheet") == sheet, pl.col("column").is_null())
        .select("row", "value", "problem")
        .rows()
    )


def _append_row(data: bytes, member: str, row_xml: str) -> bytes:
    """The sample XLSX with ``row_xml`` added at the end of ``member``'s sheet data."""
    return _patch_xlsx(
        data, member, lambda xml: xml.replace(b"</sheetData>", row_xml.encode() + b"</sheetData>")
    )


def _shift_rows(data: bytes, member: str, start: int, by: int) -> bytes:
    """The sample XLSX with sheet rows ``start`` and below moved down ``by`` rows."""

    def move(match: re.Match[bytes]) -> bytes:
        number = int(match.group(2))
        return match.group(1) + str(number + by if number >= start else number).encode() + b'"'

    return _patch_xlsx(
        data, member, lambda xml: re.sub(rb'(<row r="|<c r="[A-Z]+)(\d+)"', move, xml)
    )


CHAT_SHEET = "xl/worksheets/sheet1.xml"  # UserChat data: header A1:AC1, 20 chats in rows 2-21
STRAY = "no id, state or createdAt: not a record, not loaded (the value of {})"


# -- case 2: empty rows and stray cells ----------------------------------------------------
def test_a_stray_cell_at_the_bottom_of_the_grid_is_one_problem_not_a_chat() -> None:
    data = sample.write_sample(None, chats=20, seed=1)
    # column AB is "summary" (the 28th header); sheet row 1048576 is data row 1048575
    data = _append_row(
        data,
        CHAT_SHEET,
        '<row r="1048576"><c r="AB1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    )
    exp = ct.open_export(data)
    assert exp.chats.height == 20 and exp.chats["id"].null_count() == 0
    assert exp.chats["_row"].to_list() == list(range(1, 21))
    assert _rows_problems(exp, "UserChat data") == [
        (21, None, "empty rows 21-1048574: not loaded"),
        (1048575, "x", STRAY.format("summary")),
    ]
    assert exp.problems.filter(pl.col("sheet") == "UserChat data").height == 2
    row = exp.accounting().filter(pl.col("sheet") == "UserChat data").row(0, named=True)
    # 20 chats + 1,048,554 empty rows (21 … 1,048,574) + the stray row = 1,048,575 rows
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (
        1_048_575,
        20,
        1_048_555,
    )
    assert exp.accounting()["balanced"].all()


def test_blank_rows_between_chats_are_one_problem_per_run() -> None:
    data = sample.write_sample(None, chats=20, seed=1)
    data = _shift_rows(data, CHAT_SHEET, 6, 3)  # chats 5-20 move from sheet row 6 to 9
    data = _shift_rows(data, CHAT_SHEET, 20, 1)  # chats 16-20 move from sheet row 20 to 21
    exp = ct.open_export(data)
    # data rows: chats 1-4 in 1-4, empty 5-7, chats 5-15 in 8-18, empty 19, chats 16-20 in 20-24
    assert exp.chats["_row"].to_list() == [*range(1, 5), *range(8, 19), *range(20, 25)]
    assert (
        exp.chats["id"].to_list()
        == ct.open_export(sample.write_sample(None, chats=20, seed=1)).chats["id"].to_list()
    )
    assert _rows_problems(exp, "UserChat data") == [
        (5, None, "empty rows 5-7: not loaded"),
        (19, None, "empty row: not loaded"),
    ]
    row = exp.accounting().filter(pl.col("sheet") == "UserChat data").row(0, named=True)
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (24, 20, 4)


def test_json_rows_without_any_required_value_are_reported_cell_by_cell() -> None:
    doc = _json()
    chats = doc["UserChat data"]
    ids = [c["id"] for c in chats]
    doc["UserChat data"] = [
        chats[0],
        {},
        {},
        {"summary": "stray", "tags": "a"},
        chats[1],
        {"id": None},
        *chats[2:],
    ]
    exp = _open_json(doc)
    assert exp.chats["id"].to_list() == ids
    assert exp.chats["_row"].to_list() == [1, 5, 7, 8, 9]
    assert _rows_problems(exp, "UserChat data") == [
        (2, None, "empty rows 2-3: not loaded"),
        (4, "a", STRAY.format("tags")),  # in the file's column order: tags before summary
        (4, "stray", STRAY.format("summary")),
        (6, None, "empty row: not loaded"),
    ]
    assert exp.accounting()["balanced"].all()


def test_api_rows_holding_only_a_list_are_empty_or_stray() -> None:
    doc = _json("api")
    chats = doc["userChats"]
    doc["userChats"] = [chats[0], {"tags": []}, {"tags": ["a", "b"]}, *chats[1:]]
    exp = _open_json(doc)
    assert exp.chats["_row"].to_list() == [1, 4, 5, 6, 7]
    assert _rows_problems(exp, "userChats") == [
        (2, None, "empty row: not loaded"),  # an empty list is an empty cell
        (3, "a, b", STRAY.format("tags")),
    ]
    assert exp.accounting()["balanced"].all()


def test_a_row_with_a_required_value_is_still_loaded() -> None:
    doc = _json()
    doc["UserChat data"][0]["id"] = None  # state and createdAt are still there
    exp = _open_json(doc)
    assert exp.chats.height == 5 and exp.chats["id"].to_list()[0] is None


def test_a_cell_beyond_the_grid_is_still_refused_before_loading() -> None:
    # issue 16's recipe: one cell at G21000000 (147 M cells with a 7-column header)
    data = sample.write_sample(None, chats=20, seed=1)
    data = _append_row(
        data,
        CHAT_SHEET,
        '<row r="21000000"><c r="G21000000" t="inlineStr"><is><t>x</t></is></c></row>',
    )
    with pytest.raises(UnsafeFileError, match="reaches row 21000000"):
        ct.open_export(data)


# -- case 12: timestamps out of range ------------------------------------------------------
def test_json_local_time_in_year_9999_is_null_with_a_problem_and_the_rest_loads() -> None:
    doc = _json()
    chats = doc["UserChat data"]
    kept = [c["createdAt"] for c in chats[2:]]
    chats[0]["createdAt"] = "9999-12-31 23:59:59"  # beyond Python's datetime in New York
    chats[1]["createdAt"] = "1899-12-30 00:00:00"  # Excel's serial 0
    exp = _open_json(doc, timezone=NEW_YORK)  # raised OverflowError
    assert exp.chats.height == 5
    zone = ZoneInfo(NEW_YORK)
    assert exp.chats["createdAt"].to_list() == [None, None] + [
        datetime.strptime(t, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone) for t in kept
    ]
    assert _cell_problems(exp) == [
        ("UserChat data", 1, "createdAt", "9999-12-31 23:59:59", DATES),
        ("UserChat data", 2, "createdAt", "1899-12-30 00:00:00", DATES),
    ]
    assert exp.accounting()["balanced"].all()


@pytest.mark.parametrize(
    ("text", "loaded"),
    [
        ("2000-01-01 00:00:00", datetime(2000, 1, 1)),
        ("1999-12-31 23:59:59", None),
        ("2099-12-31 23:59:59", datetime(2099, 12, 31, 23, 59, 59)),
        ("2100-01-01 00:00:00", None),
        ("1970-01-01 00:00:00", None),  # epoch 0
    ],
)
def test_the_accepted_range_of_local_times_ends_where_documented(
    text: str, loaded: datetime | None
) -> None:
    doc = _json()
    doc["UserChat data"][0]["openedAt"] = text
    exp = _open_json(doc, timezone=NEW_YORK)
    value = exp.chats["openedAt"][0]
    assert value == (loaded and loaded.replace(tzinfo=ZoneInfo(NEW_YORK)))
    expected = [] if loaded else [("UserChat data", 1, "openedAt", text, DATES)]
    assert _cell_problems(exp) == expected


def test_iso_utc_times_out_of_range_are_null_with_a_problem() -> None:
    doc = _json()
    users = doc["User data"]
    users[0]["createdAt"] = "9999-12-31T23:59:59.999Z"
    users[1]["updatedAt"] = "1899-12-30T00:00:00Z"
    users[2]["lastSeenAt"] = "2099-12-31T23:59:59Z"  # the last accepted second
    exp = _open_json(doc, timezone=NEW_YORK)
    assert exp.users.height == len(users)
    assert exp.users["createdAt"][0] is None and exp.users["updatedAt"][1] is None
    assert exp.users["lastSeenAt"][2] == datetime(
        2099, 12, 31, 18, 59, 59, tzinfo=ZoneInfo(NEW_YORK)
    )
    assert _cell_problems(exp) == [
        ("User data", 1, "createdAt", "9999-12-31T23:59:59.999Z", DATES),
        ("User data", 2, "updatedAt", "1899-12-30T00:00:00Z", DATES),
    ]


def test_epoch_milliseconds_out_of_range_are_null_with_a_problem() -> None:
    doc = _json("api")
    chats = doc["userChats"]
    chats[0]["createdAt"] = 253402300799000  # 9999-12-31T23:59:59Z
    chats[1]["createdAt"] = -2209161600000  # 1899-12-30T00:00:00Z
    chats[2]["openedAt"] = 0  # 1970-01-01
    chats[3]["openedAt"] = 4102444799999  # 2099-12-31T23:59:59.999Z: accepted
    chats[4]["openedAt"] = 99999999999999999999  # beyond Int64
    exp = _open_json(doc, timezone=NEW_YORK)
    assert exp.chats.height == 5
    assert exp.chats["createdAt"][:2].to_list() == [None, None]
    zone = ZoneInfo(NEW_YORK)
    assert exp.chats["openedAt"].to_list()[2:] == [
        None,
        datetime(2099, 12, 31, 18, 59, 59, 999000, tzinfo=zone),
        None,
    ]
    assert _cell_problems(exp) == [
        ("userChats", 1, "createdAt", "253402300799000", DATES),
        ("userChats", 2, "createdAt", "-2209161600000", DATES),
        ("userChats", 3, "openedAt", "0", DATES),
        ("userChats", 5, "openedAt", "99999999999999999999", DATES),
    ]


def test_xlsx_local_time_in_year_9999_is_null_with_a_problem() -> None:
    data = sample.write_sample(None, chats=5, seed=1)
    # UserChat data: column P is createdAt (the 16th header), row 2 the first chat
    data = _set_cell(data, "xl/worksheets/sheet1.xml", "P2", "9999-12-31 23:59:59")
    exp = ct.open_export(data, timezone=NEW_YORK)
    assert exp.chats.height == 5
    assert exp.chats["createdAt"][0] is None
    assert exp.chats["createdAt"][1:].null_count() == 0
    assert _cell_problems(exp) == [("UserChat data", 1, "createdAt", "9999-12-31 23:59:59", DATES)]


# -- case 13: durations out of range -------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0h 307445734561825861m 0s", None),  # wrapped around to 44 s in Int64
        ("307445734561825861h 0m 0s", None),
        ("0h 0m 307445734561825861s", None),
        ("99999999999999999999h 0m 0s", None),  # beyond Int64 itself
        ("0h 99999999999999999999m 0s", None),
        ("307445734561825861", None),  # whole seconds
        ("876600h 0m 0s", LONGEST_S),  # 36,525 days: the longest accepted
        ("876600h 0m 1s", None),
        ("0h 52596000m 0s", LONGEST_S),
        ("0h 0m 3155760001s", None),
        (str(LONGEST_S), LONGEST_S),
        (str(LONGEST_S + 1), None),
    ],
)
def test_durations_beyond_100_years_are_null_with_a_problem(text: str, seconds: int | None) -> None:
    doc = _json()
    doc["UserChat data"][0]["waitingTime"] = text
    exp = _open_json(doc)
    assert exp.chats.height == 5
    value = exp.chats["waitingTime"][0]
    assert value == (None if seconds is None else timedelta(seconds=seconds))
    expected = [] if seconds else [("UserChat data", 1, "waitingTime", text, DURATIONS)]
    assert _cell_problems(exp) == expected


@pytest.mark.parametrize(
    ("ms", "loaded"),
    [
        (LONGEST_MS, True),
        (-LONGEST_MS, True),
        (LONGEST_MS + 1, False),
        (9223372036854775807, False),  # Int64's largest: times 1000 would wrap
        (-9223372036854775808, False),  # its abs() wraps to itself
    ],
)
def test_millisecond_durations_beyond_100_years_are_null_with_a_problem(
    ms: int, loaded: bool
) -> None:
    doc = _json("api")
    doc["userChats"][0]["waitingTime"] = ms
    exp = _open_json(doc)
    value = exp.chats["waitingTime"][0]
    assert value == (timedelta(milliseconds=ms) if loaded else None)
    expected = [] if loaded else [("userChats", 1, "waitingTime", str(ms), DURATIONS)]
    assert _cell_problems(exp) == expected


def test_an_xlsx_duration_that_wrapped_around_is_null_with_a_problem() -> None:
    data = sample.write_sample(None, chats=5, seed=1)
    # UserChat data: column Q is waitingTime (the 17th header)
    data = _set_cell(data, "xl/worksheets/sheet1.xml", "Q3", "0h 307445734561825861m 0s")
    exp = ct.open_export(data)
    assert exp.chats["waitingTime"][1] is None
    assert _cell_problems(exp) == [
        ("UserChat data", 2, "waitingTime", "0h 307445734561825861m 0s", DURATIONS)
    ]
