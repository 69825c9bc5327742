"""open_export on hand-written sheets: parsing rules and the problems they report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import chattools as ct
from chattools import errors
from chattools.writers.xlsx import write_xlsx

SEOUL = ZoneInfo("Asia/Seoul")


def _book(**sheets: dict[str, list[str | None]]) -> bytes:
    """An XLSX of text cells; sheet names use ``_`` for spaces."""
    return write_xlsx({name.replace("_", " "): pl.DataFrame(cols) for name, cols in sheets.items()})


def _chats(**extra: list[str | None]) -> dict[str, list[str | None]]:
    return {"id": ["c1", "c2"], "state": ["closed", "opened"],
            "createdAt": ["2024-01-01 10:00:00", "2024-01-02 11:30:00"], **extra}  # fmt: skip


def _cell_problems(exp: ct.Export) -> list[tuple[object, ...]]:
    return (
        exp.problems.filter(pl.col("row").is_not_null())
        .select("sheet", "row", "column", "value", "problem")
        .rows()
    )


def test_durations_text_and_seconds_blank_is_null_not_zero() -> None:
    data = _book(
        UserChat_data=_chats(waitingTime=["169h 0m 5s", None], avgReplyTime=["0h 0m 0s", "75"])
    )
    chats = ct.open_export(data).chats
    assert chats["waitingTime"].to_list() == [timedelta(hours=169, seconds=5), None]
    assert chats["avgReplyTime"].to_list() == [timedelta(0), timedelta(seconds=75)]


def test_unparseable_cells_become_null_and_are_reported() -> None:
    data = _book(UserChat_data=_chats(
        waitingTime=["12 minutes", "1h 2m 3s"], replyCount=["3", "many"],
        openedAt=["2024-01-01T10:00:00", None],
    ))  # fmt: skip
    exp = ct.open_export(data)
    assert exp.chats["waitingTime"].to_list() == [None, timedelta(hours=1, minutes=2, seconds=3)]
    assert exp.chats["replyCount"].to_list() == [3, None]
    assert exp.chats["openedAt"].to_list() == [None, None]
    problems = _cell_problems(exp)
    assert [(p[1], p[2], p[3]) for p in problems] == [
        (1, "openedAt", "2024-01-01T10:00:00"),
        (1, "waitingTime", "12 minutes"),
        (2, "replyCount", "many"),
    ]
    assert exp.accounting()["balanced"].all()


def test_on_problem_raise_names_sheet_row_column_and_value() -> None:
    data = _book(UserChat_data=_chats(replyCount=["3", "many"]))
    with pytest.raises(errors.InvalidValueError) as info:
        ct.open_export(data, on_problem="raise")
    assert str(info.value).startswith(
        "sheet 'UserChat data' of '<bytes>', row 2, column 'replyCount': not an integer "
        "(value 'many')"
    )


def test_ids_written_as_numbers_are_fixed_and_reported() -> None:
    data = _book(UserChat_data=_chats(assigneeId=["123.0", "456"], replyCount=["2.0", "1"]))
    exp = ct.open_export(data)
    assert exp.chats["assigneeId"].to_list() == ["123", "456"]
    assert exp.chats["replyCount"].to_list() == [2, 1]
    assert [(p[2], p[3]) for p in _cell_problems(exp)] == [
        ("assigneeId", "123.0"),
        ("replyCount", "2.0"),
    ]


def test_users_utc_times_with_and_without_milliseconds() -> None:
    data = _book(
        UserChat_data=_chats(),
        User_data={"id": ["u1", "u2", "u3"],
                   "createdAt": ["2024-01-01T15:00:00.250Z", "2024-01-01T15:00:00Z", "yesterday"],
                   "member": ["true", "FALSE", "maybe"]},
    )  # fmt: skip
    exp = ct.open_export(data)
    assert exp.users["createdAt"].to_list() == [
        datetime(2024, 1, 2, 0, 0, 0, 250000, tzinfo=SEOUL),
        datetime(2024, 1, 2, 0, 0, 0, tzinfo=SEOUL),
        None,
    ]
    assert exp.users["member"].to_list() == [True, False, None]
    assert sorted((p[2], p[3]) for p in _cell_problems(exp)) == [
        ("createdAt", "yesterday"),
        ("member", "maybe"),
    ]


def test_lists_tags_and_unknown_tag_names() -> None:
    data = _book(
        UserChat_data=_chats(tags=["vip,gold, 환불", "ghost"], managerIds=["7, 8", None]),
        UserChatTag_data={"id": ["1", "2"], "name": ["vip,gold", "환불"]},
    )
    exp = ct.open_export(data)
    assert exp.chats["tags"].to_list() == [["vip,gold", "환불"], ["ghost"]]
    assert exp.chats["managerIds"].to_list() == [["7", "8"], None]
    assert _cell_problems(exp) == [
        ("UserChat data", 2, "tags", "ghost", "unknown tag 'ghost' (not in the tag sheet)")
    ]


def test_a_tag_name_holding_comma_space_is_rejoined() -> None:
    data = _book(
        UserChat_data=_chats(tags=["a, b, c", "c"]),
        UserChatTag_data={"id": ["1", "2"], "name": ["a, b", "c"]},
    )
    exp = ct.open_export(data)
    assert exp.chats["tags"].to_list() == [["a, b", "c"], ["c"]]
    assert _cell_problems(exp) == []


def test_aliases_extras_and_missing_core_columns() -> None:
    data = _book(
        UserChat_data=_chats(**{"profile.csat": ["5", None], "mediumName": ["appLine", None]})
    )
    exp = ct.open_export(data)
    chats = exp.chats
    assert chats["contactMediumType"].to_list() == ["appLine", None]
    assert chats.columns[-4:] == ["profile.csat", "_file", "_sheet", "_row"]
    assert chats["summary"].dtype == pl.String and chats["summary"].null_count() == 2
    missing = exp.problems.filter(pl.col("row").is_null(), pl.col("sheet") == "UserChat data")
    assert "summary" in missing["column"].to_list()
    assert "contactMediumType" not in missing["column"].to_list()


def test_file_only_message_rows_are_kept_and_empty_rows_reported() -> None:
    data = _book(
        UserChat_data=_chats(),
        Message_data={"chatId": ["c1", None, "c1"], "personType": ["user", None, "user"],
                      "createdAt": ["2024-01-01 10:00:00", None, "2024-01-01 10:00:01"],
                      "plainText": [None, None, "hi"]},
    )  # fmt: skip
    exp = ct.open_export(data)
    assert exp.messages.select("_row", "plainText").rows() == [(1, None), (3, "hi")]
    assert exp.problems.filter(
        pl.col("sheet") == "Message data", pl.col("column").is_null()
    ).select("row", "problem").rows() == [(2, "empty row: not loaded")]
    accounting = exp.accounting().filter(pl.col("sheet") == "Message data").row(0, named=True)
    assert (accounting["rows_read"], accounting["rows_loaded"], accounting["rows_rejected"]) == (
        3,
        2,
        1,
    )
    assert exp.accounting()["balanced"].all()


def test_unknown_sheets_are_reported_and_missing_sheets_are_empty() -> None:
    exp = ct.open_export(_book(UserChat_data=_chats(), Notes={"a": ["x"]}))
    assert exp.problems.filter(pl.col("sheet") == "Notes")["problem"].to_list() == [
        "unknown sheet; not loaded"
    ]
    assert (
        exp.messages.height == 0 and exp.messages.schema == ct.schema.empty_frame("messages").schema
    )


def test_a_renamed_chat_sheet_is_recognised_by_its_columns() -> None:
    core: dict[str, list[str | None]] = {
        c.name: [None, None] for c in ct.schema.SHEETS["chats"].core_columns
    }
    exp = ct.open_export(_book(Sheet1={**core, **_chats()}))
    assert exp.chats["id"].to_list() == ["c1", "c2"]


def test_dst_gap_and_overlap_are_explicit() -> None:
    data = _book(UserChat_data={
        "id": ["a", "b", "c"], "state": ["closed"] * 3,
        "createdAt": ["2024-03-10 02:30:00", "2024-11-03 01:30:00", "2024-07-01 12:00:00"],
    })  # fmt: skip
    tz = "America/New_York"
    exp = ct.open_export(data, timezone=tz)
    ny = ZoneInfo(tz)
    assert exp.chats["createdAt"].to_list() == [
        None,
        datetime(2024, 11, 3, 1, 30, tzinfo=ny),  # the earlier (EDT) 01:30
        datetime(2024, 7, 1, 12, 0, tzinfo=ny),
    ]
    assert exp.chats["createdAt"][1].utcoffset() == timedelta(hours=-4)
    assert [(p[1], p[4]) for p in _cell_problems(exp)] == [
        (1, "local time does not exist in America/New_York (DST gap)"),
        (2, "ambiguous local time in America/New_York (DST overlap); took the earlier"),
    ]


def test_api_json_nested_objects_and_typed_values() -> None:
    doc = {
        "userChats": [{"id": 1, "state": "closed", "createdAt": 1704067200000,
                       "waitingTime": 65000, "tags": ["a", "b"], "profile": {"csat": 5}}],
        "messages": [{"chatId": 1, "personType": "user", "createdAt": 1704067200000,
                      "plainText": None, "isPrivate": False}],
    }  # fmt: skip
    exp = ct.open_export(json.dumps(doc).encode())
    assert exp.generation == "2026"  # isPrivate marks a 2026 export
    row = exp.chats.row(0, named=True)
    assert row["id"] == "1" and row["profile.csat"] == 5.0 and row["tags"] == ["a", "b"]
    assert row["createdAt"] == datetime(2024, 1, 1, 9, 0, tzinfo=SEOUL)
    assert row["waitingTime"] == timedelta(seconds=65)
    assert exp.messages["isPrivate"].to_list() == [False]


def test_trailing_empty_rows_are_reported_against_the_sheet_dimension() -> None:
    data = _book(UserChat_data={"id": ["c1", None], "state": ["closed", None],
                                "createdAt": ["2024-01-01 10:00:00", None]})  # fmt: skip
    exp = ct.open_export(data)
    assert exp.chats.height == 1
    notes = exp.problems.filter(pl.col("row").is_null(), pl.col("column").is_null())
    assert notes["problem"].to_list() == [
        "the sheet declares 2 rows but 1 were read (trailing empty rows are not data)"
    ]
