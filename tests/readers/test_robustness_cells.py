"""Broken cells and awkward content: each becomes an ``exp.problems`` entry, no row is lost.

The expected problems (file, sheet, row, column, value) are written out by hand from
the cells below.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import chattools as ct
from chattools import errors
from chattools.writers.xlsx import write_xlsx

SEOUL = ZoneInfo("Asia/Seoul")
CHATS = {
    "id": ["c1", "2.0", "c3", "c4", "c5"],
    "state": ["closed", "opened", "closed", "closed", "opened"],
    "createdAt": [
        "2024-01-01 09:00:00", "not a date", "2024-13-40 25:00:00", "2024-01-02 10:00:00",
        "2024-01-03 11:00:00",
    ],
    "openedAt": ["2024-01-01 09:00:00", "", "1700000000", "2024-01-02T10:00:00Z", ""],
    "operationResolutionTime": ["1h 2m 3s", "abc", "-5s", "99999h 0m 0s", "0h 0m 0s"],
    "replyCount": ["3", "3.0", "three", "", "1e3"],
    "summary": ["ok", "😀 안녕 مرحبا שלום", "", "=1+1", "x"],
    "custom col": ["1", "2", "3", "4", "5"],
}  # fmt: skip
MESSAGES = {
    "chatId": ["c1", "c1", "ghost", "c3", "2", "c1"],
    "personType": ["user", "manager", "user", "alien", "bot", "user"],
    "personId": ["u1", "7.0", "u9", "x", "1", "u1"],
    "createdAt": [
        "2024-01-01 09:00:01", "2024-01-01 09:00:02", "2024-01-01 09:00:03", "bad",
        "2024-01-01 09:00:04", "2024-01-01 09:00:01",
    ],
    "plainText": ["x" * 50_000, "안녕하세요 😀👍🏽 مرحبا Привет 你好", "hi", "", "🤖", "x" * 50_000],
}  # fmt: skip
T = "not a local date-time like 'YYYY-MM-DD HH:MM:SS' (%Y-%m-%d %H:%M:%S)"
D = "not a duration like '1h 2m 3s' or whole seconds"
EXPECTED = {  # (sheet, row, column) → value
    ("UserChat data", 2, "id"): "2.0",
    ("UserChat data", 2, "createdAt"): "not a date",
    ("UserChat data", 2, "operationResolutionTime"): "abc",
    ("UserChat data", 3, "createdAt"): "2024-13-40 25:00:00",
    ("UserChat data", 3, "openedAt"): "1700000000",
    ("UserChat data", 3, "operationResolutionTime"): "-5s",
    ("UserChat data", 2, "replyCount"): "3.0",  # a note: loaded as 3
    ("UserChat data", 3, "replyCount"): "three",
    ("UserChat data", 4, "openedAt"): "2024-01-02T10:00:00Z",
    ("UserChat data", 5, "replyCount"): "1e3",
    ("Message data", 2, "personId"): "7.0",
    ("Message data", 3, "chatId"): "ghost",
    ("Message data", 4, "createdAt"): "bad",
    ("Message data", 4, "personType"): "alien",
}


def broken_export() -> bytes:
    return write_xlsx(
        {"UserChat data": pl.DataFrame(CHATS), "Message data": pl.DataFrame(MESSAGES)}
    )


@pytest.fixture(scope="module")
def exp() -> ct.Export:
    return ct.open_export(broken_export())


def test_every_broken_cell_is_a_problem_naming_file_sheet_row_column(exp: ct.Export) -> None:
    cells = exp.problems.filter(pl.col("row").is_not_null())
    found = {(r["sheet"], r["row"], r["column"]): r["value"] for r in cells.iter_rows(named=True)}
    assert found == EXPECTED
    assert set(cells["file"]) == {"<bytes>"}
    assert cells["problem"].is_not_null().all()


def test_no_row_is_lost_and_broken_cells_are_null(exp: ct.Export) -> None:
    assert exp.chats["_row"].to_list() == [1, 2, 3, 4, 5]
    assert exp.messages["_row"].to_list() == [1, 2, 3, 4, 5, 6]
    chats = {r["_row"]: r for r in exp.chats.iter_rows(named=True)}
    assert chats[1]["createdAt"] == datetime(2024, 1, 1, 9, tzinfo=SEOUL)
    assert chats[1]["operationResolutionTime"] == timedelta(hours=1, minutes=2, seconds=3)
    assert chats[4]["operationResolutionTime"] == timedelta(hours=99_999)
    assert [chats[i]["createdAt"] for i in (2, 3)] == [None, None]
    assert [chats[i]["openedAt"] for i in (2, 3, 4, 5)] == [None] * 4
    assert [chats[i]["replyCount"] for i in range(1, 6)] == [3, 3, None, None, None]
    assert exp.accounting()["balanced"].all()


def test_ids_written_as_numbers_lose_their_dot_zero(exp: ct.Export) -> None:
    assert exp.chats["id"].to_list() == ["c1", "2", "c3", "c4", "c5"]
    assert exp.messages["personId"].to_list() == ["u1", "7", "u9", "x", "1", "u1"]
    # the message of chat "2" is therefore not an orphan
    assert not exp.problems.filter(pl.col("value") == "2").height


def test_text_survives_exactly(exp: ct.Export) -> None:
    texts = exp.messages["plainText"].to_list()
    assert texts[0] == "x" * 50_000 and texts[5] == "x" * 50_000
    assert texts[1] == "안녕하세요 😀👍🏽 مرحبا Привет 你好"
    assert texts[3] is None  # an empty XLSX cell is null, but its row is kept
    assert exp.chats["summary"].to_list() == ["ok", "😀 안녕 مرحبا שלום", None, "=1+1", "x"]
    assert exp.chats["custom col"].to_list() == ["1", "2", "3", "4", "5"]


def test_on_problem_raise_names_the_first_cell() -> None:
    with pytest.raises(errors.InvalidValueError) as info:
        ct.open_export(broken_export(), on_problem="raise")
    assert "sheet 'UserChat data' of '<bytes>', row 2, column 'id'" in info.value.message
    assert info.value.hint


def test_the_exact_duplicate_message_rows_are_both_kept(exp: ct.Export) -> None:
    same = exp.messages.filter(pl.col("chatId") == "c1", pl.col("personType") == "user")
    assert same["_row"].to_list() == [1, 6]


def _one_chat(path: Path, *, closed: str, summary: str, extra: list[str] | None = None) -> Path:
    ids = ["dup", *(extra or [])]
    chats = pl.DataFrame(
        {
            "id": ids,
            "state": ["closed"] * len(ids),
            "createdAt": ["2024-01-01 09:00:00"] * len(ids),
            "closedAt": [closed] * len(ids),
            "summary": [summary] * len(ids),
        }
    )
    messages = pl.DataFrame(
        {"chatId": ["dup"], "personType": ["user"], "createdAt": ["2024-01-01 09:00:01"],
         "plainText": [summary]}
    )  # fmt: skip
    path.write_bytes(write_xlsx({"UserChat data": chats, "Message data": messages}))
    return path


def test_duplicated_chat_with_different_content_across_files(tmp_path: Path) -> None:
    a = _one_chat(tmp_path / "a.xlsx", closed="2024-01-01 10:00:00", summary="old", extra=["a1"])
    b = _one_chat(tmp_path / "b.xlsx", closed="2024-01-01 12:00:00", summary="new")
    exp = ct.open_exports([str(b), str(a)], progress=False)
    kept = exp.chats.filter(pl.col("id") == "dup")
    assert kept.select("summary", "_file").rows() == [("new", "b.xlsx")]
    assert exp.messages.select("plainText", "_file").rows() == [("new", "b.xlsx")]
    dropped = exp.duplicates.select("file", "sheet", "row", "key", "kept_file").sort("sheet")
    assert dropped.rows() == [
        ("a.xlsx", "Message data", 1, "dup", "b.xlsx"),
        ("a.xlsx", "UserChat data", 1, "dup", "b.xlsx"),
    ]
    assert sorted(exp.chats["id"]) == ["a1", "dup"]
    acc = exp.accounting()
    assert acc["balanced"].all()
    assert acc["rows_merged"].sum() == 2 and acc["rows_read"].sum() == 5


def test_out_of_range_numbers_are_problems_not_overflows() -> None:
    """Values that would overflow Python datetimes or wrap Int64 microseconds."""
    doc = (
        b'{"userChats": [{"id": "c1", "state": "closed", "createdAt": 99999999999999999,'
        b' "closedAt": 253402300799999, "openedAt": 253402041600000,'
        b' "resolutionTime": 99999999999999999}]}'
    )
    exp = ct.open_export(doc)
    found = exp.problems.filter(pl.col("row").is_not_null()).select("row", "column", "value")
    assert sorted(found.rows()) == [
        (1, "closedAt", "253402300799999"),  # 9999-12-31 UTC: year 10000 in Seoul
        (1, "createdAt", "99999999999999999"),
        (1, "openedAt", "253402041600000"),  # 9999-12-29: beyond the accepted 2000-2099
        (1, "resolutionTime", "99999999999999999"),
    ]
    assert exp.chats["openedAt"].to_list() == [None]
    text = pl.DataFrame(
        {"id": ["a", "b", "c"], "state": ["closed"] * 3, "createdAt": ["2024-01-01 00:00:00"] * 3,
         "resolutionTime": ["99999999999999h 0m 0s", "99999999999999999999h 0m 0s", "277777h 0m 0s"]}
    )  # fmt: skip
    exp = ct.open_export(write_xlsx({"UserChat data": text}))
    assert exp.chats["resolutionTime"].to_list() == [None, None, timedelta(hours=277_777)]
    bad = exp.problems.filter(pl.col("row").is_not_null())
    assert bad.select("row", "column").rows() == [(1, "resolutionTime"), (2, "resolutionTime")]
    users = (
        b'{"UserChat data": [], "User data": [{"id": "u1", "lastSeenAt": "9999-12-31T23:00:00Z"}]}'
    )
    exp = ct.open_export(users)
    assert exp.users["lastSeenAt"].to_list() == [None]
    assert exp.problems.filter(pl.col("row") == 1)["column"].to_list() == ["lastSeenAt"]
