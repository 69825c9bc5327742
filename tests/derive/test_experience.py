"""CSAT, ALF, reopens, queues, hold and teams from a hand-written 2026 export.

Seven chats of three known teams and one unknown (times in seconds after Monday
2026-03-02 10:00 KST; APRIL is a month later). Every expected value is counted by
hand from the table below.

chat team assignee tags          csat  state  alf  replies queue       reopen reassign
c1   t1   m1       vip, refund   5     closed -    2       0→60        0      0
c2   t1   m2       vip           4     closed -    1       -           1      1
c3   t1   m1       -             2     closed ALF  1       120→300     0      0
c4   t2   m3       refund        1     closed ALF  0       -           0      0   (April)
c5   t9?  -        -             -     opened -    0       10→ (still) 0      0
c6   -    -        -             3     closed -    1       -           0      0   (April)
c7   -    -        -             7 (!) closed -    0       -           0      0
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from builders_2026 import TZ, export_2026

import chattools as ct
from chattools.errors import InvalidValueError

S = timedelta(seconds=1)
APRIL = 31 * 86_400  # 2026-04-02 10:00
CLOSED = {"state": "closed", "firstClosedAt": 3600, "closedAt": 3600, "reopenCount": 0,
          "reassignmentCount": 0, "alfTriggered": False}  # fmt: skip
CHATS: list[dict[str, Any]] = [
    {**CLOSED, "id": "c1", "teamId": "t1", "assigneeId": "m1", "tags": ["vip", "refund"],
     "profile.csat": 5.0, "profile.csatComment": "fast, thanks", "managedAt": 0, "openedAt": 0,
     "replyCount": 2, "firstAnsweredAt": 100, "timeToFirstAnswer": 100,
     "firstMemberHandlingTime": 1000, "firstQueueInAt": 0, "firstQueueOutAt": 60,
     "firstQueueTime": 60, "totalSnoozedTime": 300},
    {**CLOSED, "id": "c2", "teamId": "t1", "assigneeId": "m2", "tags": ["vip"],
     "profile.csat": 4.0, "managedAt": 10, "replyCount": 1, "firstAnsweredAt": 210,
     "timeToFirstAnswer": 200, "firstMemberHandlingTime": 2000, "reopenCount": 1,
     "reassignmentCount": 1},
    {**CLOSED, "id": "c3", "teamId": "t1", "assigneeId": "m1", "tags": [], "profile.csat": 2.0,
     "managedAt": 20, "alfTriggered": True, "replyCount": 1, "firstAnsweredAt": 620,
     "timeToFirstAnswer": 600, "firstMemberHandlingTime": 1500, "alfHandlingTime": 120,
     "ALF CX Score": 4.0, "firstQueueInAt": 140, "firstQueueOutAt": 320, "firstQueueTime": 180},
    {**CLOSED, "id": "c4", "teamId": "t2", "assigneeId": "m3", "tags": ["refund"],
     "profile.csat": 1.0, "profile.csatComment": "   ", "managedAt": APRIL,
     "firstClosedAt": APRIL + 600, "alfTriggered": True, "replyCount": 0,
     "alfHandlingTime": 300, "ALF CX Score": 5.0},
    {"id": "c5", "state": "opened", "teamId": "t9", "managedAt": 30, "alfTriggered": False,
     "replyCount": 0, "firstQueueInAt": 10},
    {**CLOSED, "id": "c6", "profile.csat": 3.0, "profile.csatComment": "ok",
     "managedAt": APRIL + 60, "firstClosedAt": APRIL + 900, "replyCount": 1,
     "firstAnsweredAt": APRIL + 120},
    {**CLOSED, "id": "c7", "profile.csat": 7.0, "managedAt": 40, "replyCount": 0},
]  # fmt: skip
TEAMS = [
    {"id": "t1", "channelId": "ch", "name": "Billing", "managerIds": ["m1", "m2"]},
    {"id": "t2", "channelId": "ch", "name": "Shipping", "managerIds": ["m3"]},
    {"id": "t3", "channelId": "ch", "name": "Empty", "managerIds": []},
]
MANAGERS = [{"id": "m1", "name": "Ann"}, {"id": "m2", "name": "Bo"}, {"id": "m3", "name": "Cy"}]
# c1: the team waits on the customer 100→1000 and 1100→close at 3600: 900 + 2500 s
MSGS = [("c1", "user", 0), ("c1", "manager", 100), ("c1", "manager", 150),
        ("c1", "user", 1000), ("c1", "manager", 1100)]  # fmt: skip


@pytest.fixture(scope="module")
def exp() -> ct.Export:
    return export_2026(CHATS, MSGS, teams=TEAMS, managers=MANAGERS)


def _rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return frame.select(columns).rows()


# -- CSAT -----------------------------------------------------------------------------
def test_csat_overall(exp: ct.Export) -> None:
    got = ct.csat_summary(exp).row(0, named=True)
    # valid scores 5, 4, 2, 1, 3 (the 7 is invalid); top = 4 or 5 → 2 of 5
    assert (got["chats"], got["answers"], got["invalid"], got["top"]) == (7, 5, 1, 2)
    assert got["csat_pct"] == pytest.approx(0.4)
    assert got["score_mean"] == pytest.approx(3.0)
    assert got["response_rate"] == pytest.approx(5 / 7)
    assert got["scale"] == "5-point"
    assert [got[f"score_{k}"] for k in range(1, 6)] == [1, 1, 1, 1, 1]


def test_csat_by_team_with_the_team_names(exp: ct.Export) -> None:
    got = _rows(
        ct.csat_summary(exp, "team"), "teamId", "team_name", "answers", "top", "csat_pct", "scale"
    )
    assert got == [
        ("t1", "Billing", 3, 2, pytest.approx(2 / 3), "5-point"),  # 5, 4, 2
        ("t2", "Shipping", 1, 0, 0.0, "2-point"),  # a lone 1 fits the 2-point scale
        ("t9", "team t9 (unknown)", 0, 0, None, None),
        (None, None, 1, 0, 0.0, "3-point"),  # c6's 3 (c7's 7 is no answer)
    ]


def test_csat_by_period_follows_a_change_of_scale(exp: ct.Export) -> None:
    got = ct.csat_summary(exp, "period", every="1mo")
    # the first day of each month, as summarize's periods (summary.period_start)
    assert got["period"].to_list() == [date(2026, 3, 1), date(2026, 4, 1)]
    # March: 5, 4, 2 → 2 of 3; April: 1 and 3 (a 3 and no 2 or 4: 3-point) → 0 of 2
    assert _rows(got, "chats", "answers", "top", "scale") == [
        (5, 3, 2, "5-point"),
        (2, 2, 0, "3-point"),
    ]


def test_csat_by_tag_counts_a_chat_under_each_tag(exp: ct.Export) -> None:
    got = _rows(ct.csat_summary(exp, "tag"), "tag", "chats", "answers", "csat_pct")
    # refund: c1 5, c4 1; vip: c1 5, c2 4; no tag: c3 2, c5 -, c6 3, c7 invalid
    assert got == [("refund", 2, 2, 0.5), ("vip", 2, 2, 1.0), (None, 4, 2, 0.0)]


def test_csat_by_assignee_with_names(exp: ct.Export) -> None:
    got = _rows(ct.csat_summary(exp, "assignee"), "assignee_name", "answers", "csat_pct")
    assert got == [("Ann", 2, 0.5), ("Bo", 1, 1.0), ("Cy", 1, 0.0), (None, 1, 0.0)]


def test_csat_distribution_and_comments(exp: ct.Export) -> None:
    dist = ct.csat_distribution(exp, "team").filter(pl.col("teamId") == "t1")
    assert _rows(dist, "score", "answers") == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]
    assert dist["share"].sum() == pytest.approx(1.0)
    comments = ct.csat_comments(exp)  # c4's blank comment is none
    assert _rows(comments, "id", "score", "comment", "team_name") == [
        ("c1", 5, "fast, thanks", "Billing"), ("c6", 3, "ok", None)]  # fmt: skip


def test_csat_without_scores() -> None:
    got = ct.csat_summary(export_2026([{"id": "x", "state": "opened"}])).row(0, named=True)
    assert (got["answers"], got["csat_pct"], got["scale"]) == (0, None, None)


# -- ALF ------------------------------------------------------------------------------
def test_alf_overall(exp: ct.Export) -> None:
    got = ct.alf_summary(exp).row(0, named=True)
    # ALF in c3 and c4; a team member answered c1, c2, c3, c6: 5 handled
    assert (got["alf_chats"], got["handled"], got["alf_share"]) == (2, 5, 0.4)
    # c4: ALF's, closed, no team answer
    assert (got["alf_resolved"], got["alf_resolution_rate"]) == (1, 0.5)
    assert got["alf_handling_time_mean"] == got["alf_handling_time_median"] == 210 * S
    assert (got["cx_scored"], got["cx_score_mean"]) == (2, 4.5)


def test_alf_by_team(exp: ct.Export) -> None:
    got = _rows(
        ct.alf_summary(exp, "team"), "teamId", "alf_chats", "alf_share", "alf_resolution_rate"
    )
    assert got[:2] == [("t1", 1, pytest.approx(1 / 3), 0.0), ("t2", 1, 1.0, 1.0)]


# -- reopens, queue, hold ---------------------------------------------------------------
def test_reopen_and_reassignment_rates(exp: ct.Export) -> None:
    got = ct.reopen_rates(exp).row(0, named=True)
    # closed at least once: all but c5; c2 was reopened and reassigned
    assert (got["closed"], got["reopened"], got["reassigned"], got["reopens"]) == (6, 1, 1, 1)
    assert got["reopen_rate"] == got["reassignment_rate"] == pytest.approx(1 / 6)
    by_team = _rows(ct.reopen_rates(exp, "team"), "teamId", "closed", "reopen_rate")
    assert by_team[:2] == [("t1", 3, pytest.approx(1 / 3)), ("t2", 1, 0.0)]


def test_queue_times(exp: ct.Export) -> None:
    got = ct.queue_times(exp).row(0, named=True)
    # queued: c1 60 s, c3 180 s, c5 still in the queue
    assert (got["queued"], got["still_queued"], got["queued_share"]) == (3, 1, pytest.approx(3 / 7))
    assert (got["queue_time_mean"], got["queue_time_median"]) == (120 * S, 120 * S)
    # p90 by linear interpolation (summary.QUANTILE_METHOD): 60 + 0.9 × (180 − 60) = 168 s
    assert (got["queue_time_p90"], got["queue_time_max"]) == (168 * S, 180 * S)


def test_hold_as_measured_next_to_hold_inferred(exp: ct.Export) -> None:
    got = ct.hold_times(exp).filter(pl.col("id").is_in(["c1", "c2"]))
    assert _rows(got, "id", "snoozed_time", "inferred_hold", "difference") == [
        ("c1", 300 * S, 3400 * S, 3100 * S),  # snoozed 5 min; waited on the customer 900 + 2500 s
        ("c2", None, 0 * S, None),  # no messages, no snooze
    ]
    hours = ct.OperatingHours.weekly({"mon-fri": "09:00-10:30"}, timezone=TZ)
    # in hours: 100→1000 is 900 s, 1100→1800 (10:30) is 700 s
    business = ct.hold_times(exp, hours).filter(pl.col("id") == "c1")["inferred_hold_business"]
    assert business.to_list() == [1600 * S]


# -- teams ----------------------------------------------------------------------------
def test_team_summary(exp: ct.Export) -> None:
    got = ct.team_summary(exp)
    assert _rows(got, "teamId", "team_name", "members", "chats", "closed", "answered") == [
        ("t1", "Billing", 2, 3, 3, 3),
        ("t2", "Shipping", 1, 1, 1, 0),
        ("t3", "Empty", 0, 0, 0, 0),  # listed in the Team sheet, no chats
        ("t9", "team t9 (unknown)", None, 1, 0, 0),
        (None, None, None, 2, 2, 1),
    ]
    t1 = got.row(0, named=True)
    assert t1["time_to_first_answer_median"] == 200 * S  # 100, 200, 600
    assert t1["first_member_handling_time_median"] == 1500 * S  # 1000, 2000, 1500
    assert (t1["csat_answers"], t1["csat_pct"]) == (3, pytest.approx(2 / 3))
    assert (t1["alf_share"], t1["reopen_rate"]) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert (t1["queued"], t1["queue_time_median"], t1["snoozed_time_total"]) == (
        2,
        120 * S,
        300 * S,
    )
    t3 = got.row(2, named=True)
    assert (t3["csat_pct"], t3["alf_share"], t3["reopen_rate"]) == (None, None, None)


def test_unknown_grouping_and_interval(exp: ct.Export) -> None:
    with pytest.raises(InvalidValueError, match="unknown groupings"):
        ct.csat_summary(exp, "country")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="not an interval"):
        ct.queue_times(exp, "period", every="monthly")
