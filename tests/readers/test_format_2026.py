"""The 2026 analytics export (docs/export-2026.md), read from hand-written workbooks.

Every expected value below is worked out from the help's definitions (article 535969),
not from the reader's output: ids stay text, ``Time(초)`` are whole seconds, Number
scores are floats, the Team sheet has ``managerIds``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import chattools as ct
from chattools import schema
from chattools.writers.xlsx import write_xlsx

SEOUL = ZoneInfo("Asia/Seoul")
#: Every UserChat column of the 2026 export as the help lists it (535969), in its order.
DOCUMENTED_CHAT_COLUMNS = """
id managedAt name title description summarizedMessage tags priority direction sync page
userId assigneeId firstAssigneeId assigneeIdAtFirstClose managerIds teamId mediumType
mediumName mediumSenderName state missedReason goalState goalCheckedAt everOpened reopened
reassigned workflowTriggered alfTriggered replyCount replyCountInOperation reopenCount
reassignmentCount createdAt updatedAt firstWorkflowStartedAt firstAskedAt firstAlfStartedAt
firstAlfEndedAt firstWorkflowEndedAt firstQueueInAt queuedAt firstQueueOutAt firstOpenedAt
openedAt firstMissedAt missedAt firstAssignedAt firstActiveAt firstAnsweredAt repliedAt
snoozedAt firstClosedAt closedAt totalReplyTime totalReplyTimeInOperation avgReplyTime
avgReplyTimeInOperation totalSnoozedTime operationTotalSnoozedTime firstQueueTime
firstQueueTimeInOperation timeToFirstAssignment timeToFirstAssignmentInOperation
timeToFirstAnswer timeToFirstAnswerInOperation timeFromFirstAskToFirstAnswer
timeFromFirstAskToFirstAnswerInOperation timeFromFirstAssignmentToFirstAnswer
timeFromFirstAssignmentToFirstAnswerInOperation timeFromFirstActiveToFirstAnswer
timeFromFirstActiveToFirstAnswerInOperation timeFromFirstOpenToFirstAnswer
timeFromFirstOpenToFirstAnswerInOperation timeToFirstClose timeToFirstCloseInOperation
timeToClose timeToCloseInOperation timeFromFirstAskToFirstClose
timeFromFirstAskToFirstCloseInOperation timeFromFirstAssignmentToFirstClose
timeFromFirstAssignmentToFirstCloseInOperation timeFromFirstActiveToFirstClose
timeFromFirstActiveToFirstCloseInOperation timeFromFirstOpenToFirstClose
timeFromFirstOpenToFirstCloseInOperation firstMemberHandlingTime
firstMemberHandlingTimeInOperation memberHandlingTime memberHandlingTimeInOperation
workflowHandlingTime alfHandlingTime ALF_CX_Score url profile.csat profile.csatComment
"""
DOCUMENTED_CHAT_COLUMNS = [c.replace("_", " ") for c in DOCUMENTED_CHAT_COLUMNS.split()]

#: Two hand-written chats; cells not given are empty.
ROWS: dict[str, list[str | None]] = {
    "id": ["6a1b2c3d4e5f60718293", "6a1b2c3d4e5f60718294"],
    "managedAt": ["2026-02-02 10:00:00", "2026-02-03 09:00:00"],
    "name": ["김하나", "N/A"],
    "tags": ["배송, 환불", None],
    "priority": ["high", "medium"],
    "direction": ["INBOUND", "OUTBOUND"],
    "sync": ["async", "sync"],
    "userId": ["5f0000000000000000aa", "5f0000000000000000bb"],
    "assigneeId": ["101", "102"],
    "firstAssigneeId": ["102", "102"],
    "managerIds": ["101, 102", None],
    "teamId": ["12", "13"],
    "mediumType": ["app", "phone"],
    "mediumName": ["appKakao", "phoneNumber"],
    "state": ["queued", "missed"],
    "missedReason": [None, "notInOperation"],
    "everOpened": ["true", "False"],
    "reopened": ["TRUE", "false"],
    "alfTriggered": ["true", "false"],
    "replyCount": ["2", "0"],
    "reopenCount": ["1", "0"],
    "createdAt": ["2026-02-02 09:59:00", "2026-02-03 09:00:00"],
    "firstAnsweredAt": ["2026-02-02 10:05:00", None],
    "totalReplyTime": ["420", None],
    "avgReplyTime": ["210", None],
    "timeToFirstAnswer": ["300", None],
    "alfHandlingTime": ["3725", None],
    "ALF CX Score": ["4.5", None],
    "profile.csat": ["5", "1"],
    "profile.csatComment": ["친절했어요", None],
    "profile.orderNo": ["A-1", None],
}


def _book(**sheets: dict[str, list[str | None]]) -> bytes:
    """An XLSX of text cells; sheet names use ``_`` for spaces."""
    frames = {name.replace("_", " "): pl.DataFrame(cols) for name, cols in sheets.items()}
    return write_xlsx(frames)


def _full_chats(**cells: list[str | None]) -> dict[str, list[str | None]]:
    """Every documented column, empty unless given."""
    return {c: cells.get(c, [None, None]) for c in DOCUMENTED_CHAT_COLUMNS} | cells


def _cell_problems(exp: ct.Export) -> list[tuple[object, ...]]:
    return (
        exp.problems.filter(pl.col("row").is_not_null())
        .select("sheet", "row", "column", "value", "problem")
        .rows()
    )


def test_the_catalogue_knows_every_documented_column() -> None:
    known = {c.name for c in schema.frame_columns("chats", "2026")}
    canonical = {schema.canonical_column("chats", c) for c in DOCUMENTED_CHAT_COLUMNS}
    assert len(DOCUMENTED_CHAT_COLUMNS) == 96
    assert canonical <= known
    # what a 2026 frame has beyond them: the legacy-only columns, kept for every file
    assert known - canonical == {
        "marketingType", "marketingId", "supportBotId", "firstRepliedAtAfterOpen",
        "waitingTime", "resolutionTime", "operationWaitingTime", "operationAvgReplyTime",
        "operationTotalReplyTime", "operationReplyCount", "operationResolutionTime", "summary",
    }  # fmt: skip


def test_a_complete_2026_sheet_is_typed_with_no_problem() -> None:
    exp = ct.open_export(_book(UserChat_data=_full_chats(**ROWS)))
    assert exp.generation == "2026"
    assert exp.problems.is_empty()
    row = exp.chats.row(0, named=True)
    assert row["id"] == "6a1b2c3d4e5f60718293" and row["teamId"] == "12"
    assert row["assigneeId"] == "101" and row["firstAssigneeId"] == "102"
    assert row["managedAt"] == datetime(2026, 2, 2, 10, 0, tzinfo=SEOUL)
    assert row["firstAnsweredAt"] == datetime(2026, 2, 2, 10, 5, tzinfo=SEOUL)
    assert row["timeToFirstAnswer"] == timedelta(minutes=5)  # = firstAnsweredAt − managedAt
    assert row["alfHandlingTime"] == timedelta(hours=1, minutes=2, seconds=5)
    assert (row["totalReplyTime"], row["avgReplyTime"]) == (
        timedelta(minutes=7),
        timedelta(minutes=3.5),
    )
    assert (row["replyCount"], row["reopenCount"]) == (2, 1)
    assert (row["everOpened"], row["reopened"], row["alfTriggered"]) == (True, True, True)
    assert row["ALF CX Score"] == 4.5 and row["profile.csat"] == 5.0
    assert row["tags"] == ["배송", "환불"] and row["managerIds"] == ["101", "102"]
    assert row["contactMediumType"] == "appKakao" and row["mediumType"] == "app"
    assert row["profile.orderNo"] == "A-1"  # the channel's own profile fields stay text
    second = exp.chats.row(1, named=True)
    assert (second["state"], second["missedReason"]) == ("missed", "notInOperation")
    assert (second["everOpened"], second["alfTriggered"], second["replyCount"]) == (False, False, 0)
    assert second["timeToFirstAnswer"] is None  # blank: not measured, never 0
    assert second["profile.csat"] == 1.0 and second["name"] == "N/A"
    assert exp.chats["waitingTime"].null_count() == 2  # legacy-only: null, not reported
    dtypes = exp.chats.schema
    assert dtypes["ALF CX Score"] == pl.Float64 and dtypes[
        "firstMemberHandlingTime"
    ] == pl.Duration("us")
    assert dtypes["reassigned"] == pl.Boolean and dtypes["goalCheckedAt"] == pl.Datetime(
        "us", "Asia/Seoul"
    )


def test_a_2026_sheet_reports_its_missing_columns_but_not_legacy_ones() -> None:
    cells = _full_chats(**ROWS)
    del cells["firstClosedAt"], cells["url"]
    exp = ct.open_export(_book(UserChat_data=cells))
    missing = exp.problems.filter(pl.col("row").is_null())
    assert sorted(missing["column"].to_list()) == ["firstClosedAt", "url"]
    assert exp.chats["firstClosedAt"].dtype == pl.Datetime("us", "Asia/Seoul")
    assert exp.chats["url"].null_count() == 2


def test_a_bad_score_is_a_problem() -> None:
    exp = ct.open_export(
        _book(UserChat_data=_full_chats(**{**ROWS, "ALF CX Score": ["great", "NaN"]}))
    )
    assert exp.chats["ALF CX Score"].to_list() == [None, None]
    assert _cell_problems(exp) == [
        ("UserChat data", 1, "ALF CX Score", "great", "not a number"),
        ("UserChat data", 2, "ALF CX Score", "NaN", "not a number"),
    ]


def test_messages_with_capitalised_keys_internal_notes_and_alf() -> None:
    exp = ct.open_export(_book(
        UserChat_data=_full_chats(**ROWS),
        Message_data={
            "ChatId": ["6a1b2c3d4e5f60718293"] * 3,
            "PersonType": ["user", "bot", "bot"],
            "PersonId": ["5f0000000000000000aa", "FRONTALF-2", "ALF-1"],
            "CreatedAt": ["2026-02-02 09:59:00", "2026-02-02 09:59:05", "2026-02-02 10:01:00"],
            "PlainText": ["배송 언제 와요?", None, "요약: 배송 문의"],
            "isPrivate": ["False", "False", "True"],
        },
    ))  # fmt: skip
    messages = exp.messages
    assert messages.columns[:6] == [
        "chatId",
        "personType",
        "personId",
        "createdAt",
        "plainText",
        "isPrivate",
    ]
    assert messages["personId"].to_list() == ["5f0000000000000000aa", "FRONTALF-2", "ALF-1"]
    assert messages["isPrivate"].to_list() == [False, False, True]
    assert messages["createdAt"][1] == datetime(2026, 2, 2, 9, 59, 5, tzinfo=SEOUL)
    assert exp.problems.is_empty()


def test_team_and_meet_sheets() -> None:
    exp = ct.open_export(_book(
        UserChat_data=_full_chats(**ROWS),
        Team_data={"id": ["12", "13"], "channelId": ["9", "9"], "name": ["배송팀", "CS"],
                   "managerIds": ["101, 102", None]},
        UserChat_meet_data={
            "id": ["900"], "userChatId": ["6a1b2c3d4e5f60718294"],
            "startedAt": ["2026-02-03 09:00:00"], "endedAt": ["2026-02-03 09:00:30"],
            "engagedAt": [None], "from": ["+82 10-1234-5678"], "to": ["+82 2-555-0100"],
            "direction": ["missed"], "missedReason": ["notInOperation"], "duration": [None],
            "type": ["call"], "primaryNumber": ["+82 2-555-0100"],
            "representativeNumber": ["+82 1588-0000"],
        },
    ))  # fmt: skip
    assert exp.teams.rows() == [
        ("12", "9", "배송팀", ["101", "102"], "<bytes>", "Team data", 1),
        ("13", "9", "CS", None, "<bytes>", "Team data", 2),
    ]
    meet = exp.meets.row(0, named=True)
    assert (meet["type"], meet["representativeNumber"], meet["duration"]) == (
        "call",
        "+82 1588-0000",
        None,
    )
    assert exp.problems.is_empty()


def test_a_legacy_sheet_gets_no_2026_column() -> None:
    exp = ct.open_export(_book(UserChat_data={
        "id": ["c1"], "state": ["closed"], "createdAt": ["2024-01-01 10:00:00"],
    }))  # fmt: skip
    assert exp.generation == "legacy"
    assert "managedAt" not in exp.chats.columns and "waitingTime" in exp.chats.columns
    missing = set(exp.problems.filter(pl.col("row").is_null())["column"])
    assert "waitingTime" in missing and "managedAt" not in missing


# -- timestamp forms ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-02 10:00:00", datetime(2026, 2, 2, 10, 0, tzinfo=SEOUL)),
        ("2026-02-02T01:00:00Z", datetime(2026, 2, 2, 10, 0, tzinfo=SEOUL)),
        ("2026-02-02T01:00:00.250Z", datetime(2026, 2, 2, 10, 0, 0, 250000, tzinfo=SEOUL)),
        ("2026-02-02T10:00:00+09:00", datetime(2026, 2, 2, 10, 0, tzinfo=SEOUL)),
        ("2026-02-01T20:00:00-05:00", datetime(2026, 2, 2, 10, 0, tzinfo=SEOUL)),
        # 2026-02-02 01:00 UTC: 56 years of 365 days + 14 leap days + 32 days, plus 1 hour
        (str(((56 * 365 + 14 + 32) * 86400 + 3600) * 1000), datetime(2026, 2, 2, 10, tzinfo=SEOUL)),
    ],
)
def test_each_timestamp_form_alone_reads_without_problem(text: str, expected: datetime) -> None:
    cells = _full_chats(**{**ROWS, "firstAnsweredAt": [text, text]})
    exp = ct.open_export(_book(UserChat_data=cells))
    assert exp.chats["firstAnsweredAt"].to_list() == [expected, expected]
    assert exp.problems.is_empty()


def test_a_column_mixing_forms_is_read_and_reported() -> None:
    ten = datetime(2026, 2, 2, 10, 0, tzinfo=SEOUL)
    exp = ct.open_export(_book(UserChat_data={
        "id": ["c1", "c2", "c3", "c4"], "state": ["closed"] * 4,
        "createdAt": ["2026-02-02 09:00:00"] * 4, "managedAt": ["2026-02-02 09:00:00"] * 4,
        "firstClosedAt": ["2026-02-02 10:00:00", "2026-02-02T01:00:00Z", "2026-02-02 10:00:00",
                          "1770000000"],  # the last: ten digits, seconds? not milliseconds
    }))  # fmt: skip
    assert exp.chats["firstClosedAt"].to_list() == [ten, ten, ten, None]
    assert _cell_problems(exp) == [
        ("UserChat data", 2, "firstClosedAt", "2026-02-02T01:00:00Z",
         "ISO-8601 in a column mostly in local form (the column mixes forms)"),
        ("UserChat data", 4, "firstClosedAt", "1770000000",
         "not a time: expected local 'YYYY-MM-DD HH:MM:SS', ISO-8601 with Z or an offset, "
         "or epoch milliseconds"),
    ]  # fmt: skip


def test_legacy_local_columns_keep_their_own_problem_text() -> None:
    exp = ct.open_export(_book(UserChat_data={
        "id": ["c1"], "state": ["closed"], "createdAt": ["2024-01-01 10:00:00"],
        "closedAt": ["soon"],
    }))  # fmt: skip
    assert [p[4] for p in _cell_problems(exp)] == [
        "not a local date-time like 'YYYY-MM-DD HH:MM:SS' (%Y-%m-%d %H:%M:%S)"
    ]
