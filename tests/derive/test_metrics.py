"""Per-chat metrics on tiny conversations with hand-computed expectations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from builders import BASE, at, make_export
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.derive.hours import OperatingHours
from chattools.errors import InvalidValueError

S = timedelta(seconds=1)
AS_OF = BASE + timedelta(seconds=5000)
HOURS = OperatingHours.weekly(
    {"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone="Asia/Seoul", holidays="KR"
)

CHATS: list[dict[str, Any]] = [
    {"id": "u_m", "state": "closed", "openedAt": 0, "closedAt": 1000},
    {"id": "outbound", "state": "opened", "openedAt": 0},
    {"id": "bot_only", "state": "closed", "openedAt": None, "closedAt": 50},
    {"id": "bot_between", "state": "closed", "openedAt": 0, "closedAt": 500},
    {"id": "notes", "state": "closed", "openedAt": 0, "closedAt": 900},
    {"id": "ties", "state": "closed", "openedAt": 0, "closedAt": 100},
    {"id": "dups", "state": "closed", "openedAt": 0, "closedAt": 100},
    {"id": "reopened", "state": "closed", "openedAt": 1000, "closedAt": 2000, "createdAt": 0},
    {"id": "tail_open", "state": "opened", "openedAt": 0},
    {"id": "tail_closed", "state": "closed", "openedAt": 0, "closedAt": 600},
    {"id": "snoozed", "state": "snoozed", "openedAt": 0},
    {"id": "empty", "state": "opened", "openedAt": None},
]
MESSAGES = [
    ("u_m", "user", 0), ("u_m", "user", 30), ("u_m", "manager", 100), ("u_m", "user", 200),
    ("u_m", "manager", 260),
    ("outbound", "manager", 0), ("outbound", "user", 300), ("outbound", "manager", 360),
    ("bot_only", "user", 0), ("bot_only", "bot", 5), ("bot_only", "user", 10),
    ("bot_only", "bot", 20),
    ("bot_between", "user", 0), ("bot_between", "bot", 10), ("bot_between", "manager", 70),
    ("notes", "user", 0, False), ("notes", "manager", 30, True), ("notes", "manager", 200, False),
    ("ties", "user", 0), ("ties", "manager", 0),
    ("dups", "user", 0), ("dups", "user", 0), ("dups", "manager", 10),
    ("reopened", "user", 0), ("reopened", "manager", 50), ("reopened", "user", 1000),
    ("reopened", "manager", 1300),
    ("tail_open", "user", 0), ("tail_open", "manager", 20), ("tail_open", "user", 100),
    ("tail_closed", "user", 0), ("tail_closed", "manager", 20), ("tail_closed", "user", 100),
    ("snoozed", "user", 0), ("snoozed", "manager", 60), ("snoozed", "bot", 100),
]  # fmt: skip


def _s(n: int | None) -> timedelta | None:
    return None if n is None else n * S


@pytest.fixture(scope="module")
def metrics() -> pl.DataFrame:
    return ct.chat_metrics(make_export(CHATS, MESSAGES), as_of=AS_OF)


# id: first_response, reply_count, total_reply, avg_reply, resolution,
#     customer_waiting, team_waiting, unanswered_tail, pending_age, snoozed_age
EXPECTED = {
    "u_m": (100, 2, 160, 80, 1000, 160, 840, None, None, None),
    "outbound": (60, 1, 60, 60, None, 60, 300 + 4640, None, None, None),
    "bot_only": (None, 0, None, None, None, None, None, None, None, None),
    "bot_between": (70, 1, 70, 70, 500, 70, 430, None, None, None),
    "notes": (200, 1, 200, 200, 900, 200, 700, None, None, None),
    "ties": (0, 1, 0, 0, 100, 0, 100, None, None, None),
    "dups": (10, 1, 10, 10, 100, 10, 90, None, None, None),
    "reopened": (300, 1, 300, 300, 1000, 300, 700, None, None, None),
    "tail_open": (20, 1, 20, 20, None, 20 + 4900, 80, 4900, 4900, None),
    "tail_closed": (20, 1, 20, 20, 600, 20 + 500, 80, 500, None, None),
    "snoozed": (60, 1, 60, 60, None, 60, 4940, None, None, 4900),
    "empty": (None, 0, None, None, None, None, None, None, None, None),
}
COLUMNS = (
    "first_response_time", "reply_count", "total_reply_time", "avg_reply_time",
    "resolution_time", "customer_waiting_time", "team_waiting_time", "unanswered_tail",
    "pending_age_at_export", "snoozed_age_at_export",
)  # fmt: skip


@pytest.mark.parametrize("chat", list(EXPECTED))
def test_hand_computed(metrics: pl.DataFrame, chat: str) -> None:
    row = metrics.filter(pl.col("id") == chat).select(COLUMNS).row(0)
    want = tuple(
        v if c == "reply_count" else _s(v) for c, v in zip(COLUMNS, EXPECTED[chat], strict=True)
    )
    assert row == want


def test_every_chat_once_in_chat_order(metrics: pl.DataFrame) -> None:
    assert metrics["id"].to_list() == [c["id"] for c in CHATS]


def test_flags_and_message_counts(metrics: pl.DataFrame) -> None:
    got = {
        r[0]: r[1:]
        for r in metrics.select(
            "id", "is_bot_only", "is_outbound", "messages_customer", "messages_team",
            "messages_bot", "messages_note",
        ).rows()
    }  # fmt: skip
    assert got["bot_only"] == (True, False, 2, 0, 2, 0)
    assert got["outbound"] == (False, True, 1, 2, 0, 0)
    assert got["notes"] == (False, False, 1, 1, 0, 1)
    assert got["dups"] == (False, False, 2, 1, 0, 0)
    assert got["reopened"] == (False, False, 2, 2, 0, 0)
    assert got["empty"] == (False, False, 0, 0, 0, 0)


def test_chat_columns_kept(metrics: pl.DataFrame) -> None:
    assert metrics.filter(pl.col("id") == "reopened").select(
        "state", "createdAt", "openedAt", "closedAt"
    ).row(0) == ("closed", at(0), at(1000), at(2000))
    assert {"assigneeId", "tags", "contactMediumType", "marketingId"} <= set(metrics.columns)


def test_default_as_of_is_latest_message() -> None:
    m = ct.chat_metrics(make_export(CHATS, MESSAGES))
    # latest message: reopened's M at 1300 → tail_open waits 1300 − 100
    assert m.filter(pl.col("id") == "tail_open")["pending_age_at_export"].item() == 1200 * S


def test_business_hours_and_channel_rule() -> None:
    chats = [
        {"id": "lunch", "state": "closed", "openedAt": 0, "closedAt": 4 * 3600},
        {"id": "at_lunch", "state": "closed", "openedAt": 9000, "closedAt": 9000 + 3600},
    ]
    msgs = [("lunch", "user", 0), ("lunch", "manager", 4 * 3600),
            ("at_lunch", "user", 9000), ("at_lunch", "manager", 9000 + 3600)]  # fmt: skip
    exp = make_export(chats, msgs)
    m = ct.chat_metrics(exp, HOURS)
    # Monday 10:00 → 14:00 with lunch 12–13: 3 h; 12:30 → 13:30: 30 min
    assert m["first_response_time_business"].to_list() == [3 * 3600 * S, 1800 * S]
    assert m["resolution_time_business"].to_list() == [3 * 3600 * S, 1800 * S]
    assert m["first_response_time"].to_list() == [4 * 3600 * S, 3600 * S]
    ruled = ct.chat_metrics(exp, HOURS, channel_rule=True)
    assert ruled["first_response_time_business"].to_list() == [3 * 3600 * S, None]
    assert ruled["avg_reply_time_business"].to_list() == [3 * 3600 * S, None]
    assert ruled["first_response_time"].to_list() == [4 * 3600 * S, 3600 * S]
    assert all(f"{c}_business" in m.columns for c in COLUMNS if c != "reply_count")


def test_outbound_business_frt_measured_from_customer() -> None:
    exp = make_export(
        [{"id": "o", "state": "opened", "openedAt": 0}],
        [("o", "manager", 0), ("o", "user", 600), ("o", "manager", 660)],
    )
    m = ct.chat_metrics(exp, HOURS)
    assert m.select("first_response_time", "first_response_time_business").row(0) == (
        60 * S,
        60 * S,
    )


def test_lazy_streaming_same_result() -> None:
    eager = ct.chat_metrics(make_export(CHATS, MESSAGES), HOURS, as_of=AS_OF)
    plan = ct.chat_metrics(make_export(CHATS, MESSAGES, lazy=True), HOURS, as_of=AS_OF, lazy=True)
    assert isinstance(plan, pl.LazyFrame)
    assert_frame_equal(plan.collect(engine="streaming"), eager)


def test_channel_rule_needs_hours() -> None:
    with pytest.raises(InvalidValueError, match="channel_rule=True needs operating hours"):
        ct.chat_metrics(make_export(CHATS, MESSAGES), channel_rule=True)
    with pytest.raises(InvalidValueError, match="hours must be an OperatingHours"):
        ct.chat_metrics(make_export(CHATS, MESSAGES), "mon-fri")  # type: ignore[call-overload]


def test_the_assignee_name_stands_next_to_the_id() -> None:
    chats = [
        {"id": "a", "state": "closed", "openedAt": 0, "closedAt": 10, "assigneeId": "7"},
        {"id": "b", "state": "closed", "openedAt": 0, "closedAt": 10, "assigneeId": "9"},
        {"id": "c", "state": "opened", "openedAt": 0},
    ]
    exp = make_export(chats, [("a", "user", 0), ("a", "manager", 5)])
    managers = pl.DataFrame({"id": ["7"], "name": ["Ann"]}, schema_overrides={"id": pl.String})
    exp = exp.with_frames(managers=pl.concat(
        [ct.schema.empty_frame("managers"), managers], how="diagonal_relaxed"
    ))  # fmt: skip
    m = ct.chat_metrics(exp)
    at = m.columns.index("assigneeId")
    assert m.columns[at + 1] == "assignee_name"
    assert m["assignee_name"].to_list() == ["Ann", "manager 9 (unknown)", None]
