"""Channel Talk's 2026 columns recomputed by the documented formulas (535969, 535967).

Every expected value is worked out by hand in the comments; times are seconds after
Monday 2026-03-02 10:00 KST (``builders_2026.BASE``).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from builders_2026 import at, export_2026

import chattools as ct
from chattools.derive.channel_2026 import TIMESTAMP_FORMULAS, answers
from chattools.errors import InvalidValueError

S = timedelta(seconds=1)
HOURS = ct.OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone="Asia/Seoul")
TUE = 86_400  # Tuesday 10:00

# a: ALF first (0-120), queue 120-300, assigned and active 300, closed once at 3600,
#    10 min on hold.
A = {
    "id": "a", "state": "closed", "managedAt": 0, "firstAskedAt": 0,
    "firstAlfStartedAt": 0, "firstAlfEndedAt": 120, "firstQueueInAt": 120,
    "firstQueueOutAt": 300, "firstOpenedAt": 120, "firstAssignedAt": 300,
    "firstActiveAt": 300, "firstAnsweredAt": 420, "firstClosedAt": 3600,
    "closedAt": 3600, "reopenCount": 0, "totalSnoozedTime": 600,
    "operationTotalSnoozedTime": 600,
}  # fmt: skip
# b: Monday 17:30 → answered Tuesday 09:10, first closed 09:40, reopened, closed 11:00.
B = {
    "id": "b", "state": "closed", "managedAt": 27_000, "firstAskedAt": 27_000,
    "firstOpenedAt": 27_000, "firstActiveAt": 27_000, "firstAnsweredAt": TUE - 3000,
    "firstClosedAt": TUE - 1200, "openedAt": TUE, "closedAt": TUE + 3600, "reopenCount": 1,
    "totalSnoozedTime": 0,
}  # fmt: skip
# c: just managed, nothing else.
C = {"id": "c", "state": "opened", "managedAt": 100}
X = {"id": "x", "state": "opened", "firstOpenedAt": 0}
MSGS = [
    ("a", "user", 0), ("a", "bot", 30, False, "ALF-1"),  # with ALF, before the opening
    ("a", "user", 120),  # at firstOpenedAt: the customer opened it, waiting from 120
    ("a", "manager", 400, True),  # an internal note: not an answer
    ("a", "manager", 420), ("a", "manager", 430),  # answer 1: 420 − 120
    ("a", "user", 1000), ("a", "manager", 1300, True),
    ("a", "manager", 1500, False, "FRONTALF-2"),  # ALF's task message: not an answer
    ("a", "manager", 1600),  # answer 2: 1600 − 1000
    ("b", "user", 27_000), ("b", "manager", TUE - 3000),  # 56 400 s, 2 400 s in hours
]  # fmt: skip


@pytest.fixture(scope="module")
def metrics() -> pl.DataFrame:
    return ct.channel_2026_metrics(export_2026([A, B, C], MSGS), hours=HOURS)


def _row(m: pl.DataFrame, chat: str) -> dict[str, object]:
    return m.filter(pl.col("id") == chat).row(0, named=True)


def test_the_timestamp_formulas_of_one_chat(metrics: pl.DataFrame) -> None:
    a = _row(metrics, "a")
    expected = {
        "timeToFirstAssignment": 300, "timeToFirstAnswer": 420,
        "timeFromFirstAskToFirstAnswer": 420, "timeFromFirstAssignmentToFirstAnswer": 120,
        "timeFromFirstActiveToFirstAnswer": 120, "timeFromFirstOpenToFirstAnswer": 300,
        "timeToFirstClose": 3600, "timeToClose": 3600, "timeFromFirstAskToFirstClose": 3600,
        "timeFromFirstAssignmentToFirstClose": 3300, "timeFromFirstActiveToFirstClose": 3300,
        "timeFromFirstOpenToFirstClose": 3480, "firstQueueTime": 180,
        "workflowHandlingTime": None, "alfHandlingTime": 120,
        # 3600 − 300 − 600 on hold
        "firstMemberHandlingTime": 2700, "memberHandlingTime": 2700,
    }  # fmt: skip
    assert set(expected) == set(TIMESTAMP_FORMULAS) | {
        "firstMemberHandlingTime",
        "memberHandlingTime",
    }
    got = {k: a[k] for k in expected}
    assert got == {k: None if v is None else v * S for k, v in expected.items()}
    # all inside Monday's hours: the twins are the same, hold in hours subtracted
    assert a["timeToFirstAnswerInOperation"] == 420 * S
    assert a["firstMemberHandlingTimeInOperation"] == 2700 * S


def test_the_in_operation_twins_exclude_the_night(metrics: pl.DataFrame) -> None:
    b = _row(metrics, "b")
    # 17:30 → 09:10 next day: 83 400 − 27 000 = 56 400 s; in hours 17:30-18:00 + 09:00-09:10
    assert b["timeToFirstAnswer"] == 56_400 * S
    assert b["timeToFirstAnswerInOperation"] == 2400 * S
    # to the last close (Tue 11:00): 30 min + 2 h = 9000 s in hours
    assert b["timeToCloseInOperation"] == 9000 * S
    # reopened: the hold up to the first close is no column, so not reproducible
    assert b["firstMemberHandlingTime"] is None and b["memberHandlingTime"] is None
    assert b["single_cycle"] is False


def test_answers_skip_notes_bots_and_alf(metrics: pl.DataFrame) -> None:
    a = _row(metrics, "a")
    # 300 s + 600 s
    assert (a["replyCount"], a["totalReplyTime"], a["avgReplyTime"]) == (2, 900 * S, 450 * S)
    assert (a["firstAnsweredAt"], a["repliedAt"]) == (at(420), at(1600))
    assert (a["replyCountInOperation"], a["totalReplyTimeInOperation"]) == (2, 900 * S)
    b = _row(metrics, "b")
    # answered within Tuesday's hours: counted in operation, 2400 s of it in hours
    assert (b["replyCount"], b["replyCountInOperation"]) == (1, 1)
    assert (b["totalReplyTimeInOperation"], b["avgReplyTimeInOperation"]) == (2400 * S, 2400 * S)


def test_blank_stays_blank(metrics: pl.DataFrame) -> None:
    c = _row(metrics, "c")
    assert c["replyCount"] == 0
    assert c["totalReplyTime"] is None and c["avgReplyTime"] is None
    assert c["timeToFirstAnswer"] is None and c["timeToFirstAnswerInOperation"] is None
    assert c["firstMemberHandlingTime"] is None


def test_the_average_is_floored_to_whole_seconds() -> None:
    # answers of 10 s and 15 s: 25 / 2 = 12.5 → 12 s
    msgs = [("x", "user", 0), ("x", "manager", 10), ("x", "user", 20), ("x", "manager", 35)]
    m = ct.channel_2026_metrics(export_2026([X], msgs))
    assert m.select("replyCount", "totalReplyTime", "avgReplyTime").row(0) == (2, 25 * S, 12 * S)
    assert "replyCountInOperation" not in m.columns  # no hours, no twins


def test_an_answer_is_the_first_team_message_after_the_question() -> None:
    # U U M M U: one answer (0 → 5); the last question is pending, so no repliedAt
    msgs = [("x", "user", 0), ("x", "user", 2), ("x", "manager", 5), ("x", "manager", 6),
            ("x", "user", 9)]  # fmt: skip
    exp = export_2026([X], msgs)
    got = answers(exp).collect()
    assert got.select("answer", "asked_at", "answered_at").rows() == [(1, at(0), at(5))]
    m = ct.channel_2026_metrics(exp)
    assert m.select("firstAnsweredAt", "repliedAt").row(0) == (at(5), None)


def test_before_the_opening_nothing_is_answered() -> None:
    # the customer talks to a bot from 0; the chat opens at 100 with a team message: the
    # team opened it, so the first question is the customer's message at 150
    msgs = [("x", "user", 0), ("x", "bot", 5), ("x", "manager", 100), ("x", "user", 150),
            ("x", "manager", 200)]  # fmt: skip
    exp = export_2026([{"id": "x", "state": "opened", "firstOpenedAt": 100}], msgs)
    assert answers(exp).collect().select("asked_at", "answered_at").rows() == [(at(150), at(200))]


def test_hours_must_be_a_calendar() -> None:
    exp = export_2026([C])
    with pytest.raises(InvalidValueError):
        ct.channel_2026_metrics(exp, hours="infer")


def test_a_team_with_its_own_hours() -> None:
    # b's team works 17:00-23:00: 17:30 → 23:00 Monday is 5.5 h in its hours, and the
    # answer at Tuesday 09:10 falls outside them
    night = ct.OperatingHours.weekly({"mon-fri": "17:00-23:00"}, timezone="Asia/Seoul")
    exp = export_2026([A, {**B, "teamId": "night"}], MSGS)
    m = ct.channel_2026_metrics(exp, hours=HOURS, team_hours={"night": night})
    b, a = _row(m, "b"), _row(m, "a")
    assert b["timeToFirstAnswerInOperation"] == 19_800 * S
    assert (b["replyCountInOperation"], b["totalReplyTimeInOperation"]) == (0, 19_800 * S)
    assert a["timeToFirstAnswerInOperation"] == 420 * S  # no team: the channel's hours


def test_team_hours_need_calendars_and_the_channel_hours() -> None:
    exp = export_2026([B])
    with pytest.raises(InvalidValueError, match="team ids to OperatingHours"):
        ct.channel_2026_metrics(exp, hours=HOURS, team_hours={"t": "09:00-18:00"})  # type: ignore[dict-item]
    with pytest.raises(InvalidValueError, match="channel's hours too"):
        ct.channel_2026_metrics(exp, team_hours={"t": HOURS})
