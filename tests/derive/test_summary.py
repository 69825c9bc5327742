"""Summaries: grouping keys, pooled reply time, percentiles, SLA shares, counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from builders import make_export

import chattools as ct
from chattools.errors import InvalidValueError, MissingColumnError

M = timedelta(minutes=1)
KST = ZoneInfo("Asia/Seoul")


def _metrics() -> pl.DataFrame:
    """Four chats, times in KST (Sunday 10 March still belongs to the week of 4 March)."""
    return pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            # Mon 4 Mar 10:00, Mon 4 Mar 15:00, Sun 10 Mar 23:30, Mon 1 Apr 09:00
            "createdAt": [
                datetime(2024, 3, 4, 10, tzinfo=KST),
                datetime(2024, 3, 4, 15, tzinfo=KST),
                datetime(2024, 3, 10, 23, 30, tzinfo=KST),
                datetime(2024, 4, 1, 9, tzinfo=KST),
            ],
            "assigneeId": ["1", "1", "2", None],
            "tags": [["x", "y"], ["x"], [], None],
            "first_response_time": [2 * M, 10 * M, None, 4 * M],
            "first_response_time_business": [2 * M, 0 * M, None, 4 * M],
            "reply_count": [1, 3, 0, 4],
            "total_reply_time": [2 * M, 30 * M, None, 8 * M],
            "avg_reply_time": [2 * M, 10 * M, None, 2 * M],
            "resolution_time": [60 * M, None, None, 30 * M],
            "customer_waiting_time": [2 * M, 30 * M, None, 8 * M],
            "team_waiting_time": [10 * M, 5 * M, None, 0 * M],
            "unanswered_tail": [None, 3 * M, None, None],
            "pending_age_at_export": [None, 3 * M, None, None],
            "is_bot_only": [False, False, True, False],
        }
    )


def test_by_week_pooled_mean_and_percentiles() -> None:
    s = summarize_week = ct.summarize(_metrics(), by="week")
    assert summarize_week["week"].to_list() == [date(2024, 3, 4), date(2024, 4, 1)]
    first = s.row(0, named=True)
    assert first["chats"] == 3
    # pooled: (2 + 30) min / (1 + 3) = 8 min — the mean of per-chat means would be 6 min
    assert (first["reply_time_n"], first["reply_time_mean"]) == (4, 8 * M)
    assert first["first_response_time_n"] == 2
    assert first["first_response_time_median"] == 6 * M
    # linear p90 of [2, 10]: 2 + 0.9 * 8 = 9.2 min
    assert first["first_response_time_p90"] == timedelta(minutes=9.2)
    assert first["first_response_time_mean"] == 6 * M
    assert (first["unanswered"], first["pending"], first["bot_only"]) == (1, 1, 1)


def test_day_month_and_hour_weekday() -> None:
    day = ct.summarize(_metrics(), by="day")
    assert day.select("day", "chats").rows() == [
        (date(2024, 3, 4), 2), (date(2024, 3, 10), 1), (date(2024, 4, 1), 1)
    ]  # fmt: skip
    month = ct.summarize(_metrics(), by="month")
    assert month.select("month", "chats").rows() == [(date(2024, 3, 1), 3), (date(2024, 4, 1), 1)]
    hw = ct.summarize(_metrics(), by="hour_weekday")
    assert hw.select("weekday", "hour", "chats").rows() == [
        (1, 9, 1),
        (1, 10, 1),
        (1, 15, 1),
        (7, 23, 1),
    ]


def test_by_tag_explodes_and_columns_combine() -> None:
    tags = ct.summarize(_metrics(), by="tag")
    # chat a counts under x and y; c (no tags) and d (null) under null
    assert tags.select("tag", "chats").rows() == [("x", 2), ("y", 1), (None, 2)]
    both = ct.summarize(_metrics(), by=["month", "assigneeId"])
    assert both.select("month", "assigneeId", "chats").rows() == [
        (date(2024, 3, 1), "1", 2), (date(2024, 3, 1), "2", 1), (date(2024, 4, 1), None, 1)
    ]  # fmt: skip
    overall = ct.summarize(_metrics(), by=[])
    assert overall.select("chats", "reply_time_n", "reply_time_mean").row(0) == (4, 8, 5 * M)


def test_targets_calendar_and_business() -> None:
    t = {"first_response_time": timedelta(minutes=5)}
    cal = ct.summarize(_metrics(), by=[], targets=t)
    # values 2, 10, 4 min → 2 of 3 within 5 min
    assert cal["first_response_time_within_target"].item() == pytest.approx(2 / 3)
    biz = ct.summarize(_metrics(), by=[], targets=t, business=True)
    assert biz["first_response_time_business_within_target"].item() == 1.0
    assert biz["first_response_time_business_median"].item() == 2 * M


def test_business_statistics_keep_the_business_suffix() -> None:
    biz = ct.summarize(_metrics(), by=[], business=True)
    assert "first_response_time_median" not in biz.columns  # no business time under that name
    cal = ct.summarize(_metrics(), by=[])
    assert not any("business" in name for name in cal.columns)
    plain = {"chats", "unanswered", "pending", "bot_only"}  # counts of chats, not of a metric
    assert {n.replace("_business", "") for n in biz.columns} <= set(cal.columns)
    assert all("_business_" in n for n in biz.columns if n not in plain), biz.columns


def test_errors() -> None:
    with pytest.raises(MissingColumnError, match="unknown group key 'agent'"):
        ct.summarize(_metrics(), by="agent")
    with pytest.raises(InvalidValueError, match=r"targets\['first_response_time'\] must be"):
        ct.summarize(_metrics(), targets={"first_response_time": 5})  # type: ignore[dict-item]
    with pytest.raises(MissingColumnError, match="no column 'nope'"):
        ct.summarize(_metrics(), targets={"nope": M})
    with pytest.raises(MissingColumnError, match="business=True"):
        ct.summarize(_metrics().drop("first_response_time_business"), business=True)


def test_on_chat_metrics_output() -> None:
    exp = make_export(
        [{"id": "a", "state": "closed", "openedAt": 0, "closedAt": 600},
         {"id": "b", "state": "opened", "openedAt": 100}],
        [("a", "user", 0), ("a", "manager", 60), ("b", "user", 100), ("b", "manager", 400)],
    )  # fmt: skip
    s = ct.summarize(ct.chat_metrics(exp), by="week", targets={"first_response_time": 2 * M})
    row = s.row(0, named=True)
    assert (row["chats"], row["reply_time_n"], row["reply_time_mean"]) == (2, 2, 3 * M)
    assert row["first_response_time_within_target"] == 0.5


def test_a_group_without_values_has_a_null_share() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 0}], [("a", "user", 0)]
    )  # never answered: no first response, so nothing to hold against the target
    s = ct.summarize(ct.chat_metrics(exp), by=[], targets={"first_response_time": 2 * M})
    assert s["first_response_time_within_target"].to_list() == [None]
