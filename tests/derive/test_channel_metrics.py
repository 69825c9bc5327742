"""Channel Talk's columns reproduced with its own rules, on small chats worked out by hand.

Every chat starts at BASE = Monday 2024-03-04 10:00 KST (times are seconds after it);
the channel is open Mon-Fri 09:00-12:00 and 13:00-17:30. The expected values in the
table were worked out by hand from the rules in ``docs/metrics.md``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from builders import make_export
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.derive.channel import CALENDAR_COLUMNS, OPERATION_COLUMNS
from chattools.errors import InvalidValueError

HOURS = ct.OperatingHours.weekly({"mon-fri": ["09:00-12:00", "13:00-17:30"]}, timezone="Asia/Seoul")
H = 3600
#: 11:50, 12:00, 12:30, 13:05 … on BASE's Monday, in seconds after 10:00
AT = {"11:50": 6600, "11:59": 7140, "12:00:45": 7245, "12:30": 9000, "13:05": 11100,
      "13:10": 11400, "17:00": 25200, "tue 09:30": 84600}  # fmt: skip

# (name, chat, messages (chatId, personType, seconds, text), expected by hand:
#  first reply, waitingTime, replyCount, totalReplyTime, opened_by,
#  operationWaitingTime, operationReplyCount, operationTotalReplyTime)
CASES: list[tuple[str, dict[str, Any], list[tuple[Any, ...]], tuple[Any, ...]]] = [
    # two runs: U0 M60 | U120 U150 M300 → samples 60 and 180 (from the run's FIRST message)
    ("two samples", {"closedAt": 600},
     [("user", 0), ("manager", 60), ("user", 120), ("user", 150), ("manager", 300)],
     (60, 60, 2, 240, "customer", 60, 2, 240)),
    # an @ mention is not a reply: the wait runs on to the next manager message
    ("@ mention", {"closedAt": 600},
     [("user", 0), ("manager", 30, "@kim please look"), ("manager", 90)],
     (90, 90, 1, 90, "customer", 90, 1, 90)),
    # empty texts count, on both sides
    ("empty texts", {"closedAt": 600}, [("user", 0, None), ("manager", 40, None)],
     (40, 40, 1, 40, "customer", 40, 1, 40)),
    # a same-second reply keeps file order: 0 s; the second manager message does nothing
    ("same second", {"closedAt": 600}, [("user", 0), ("manager", 0), ("manager", 0)],
     (0, 0, 1, 0, "customer", 0, 1, 0)),
    # opened by a form (nothing at openedAt, no earlier message): the customer waits from
    # openedAt, so the team's first message is the reply
    ("form, team first", {"closedAt": 900},
     [("manager", 120), ("user", 300), ("manager", 360)],
     (120, 120, 2, 180, "customer", 120, 2, 180)),
    # a reopen opened by a team message at openedAt: the first wait starts at the next
    # customer message (messages before openedAt belong to an earlier cycle)
    ("reopen by the team", {"closedAt": 900},
     [("user", -3600), ("manager", -3500), ("manager", 0), ("user", 200), ("manager", 260)],
     (260, 60, 1, 60, "team", 60, 1, 60)),
    # a silent reopen (nothing at openedAt) followed by the customer: waiting from openedAt
    ("silent reopen, customer next", {"closedAt": 900},
     [("user", -3600), ("manager", -3500), ("user", 100), ("manager", 400)],
     (400, 400, 1, 400, "customer", 400, 1, 400)),
    # a silent reopen followed by the team: opened by the team
    ("silent reopen, team next", {"closedAt": 900},
     [("user", -3600), ("manager", -3500), ("manager", 50), ("user", 100), ("manager", 130)],
     (130, 30, 1, 30, "team", 30, 1, 30)),
    # never answered: the reply columns are blank together, never 0
    ("unanswered", {"closedAt": 100}, [("user", 0)],
     (None, None, None, None, "customer", None, None, None)),
    # messages after closedAt are not in the cycle
    ("after close", {"closedAt": 100}, [("user", 0), ("manager", 60), ("user", 70),
                                        ("manager", 200)],
     (60, 60, 1, 60, "customer", 60, 1, 60)),
    # opened 11:50, answered 12:30 (lunch): operationWaitingTime blank; 11:50 → 13:10 is
    # one day, both ends open: operationResolutionTime keeps the plain 80 min
    ("reply in lunch", {"openedAt": AT["11:50"], "closedAt": AT["13:10"]},
     [("user", AT["11:50"]), ("manager", AT["12:30"])],
     (AT["12:30"], 2400, 1, 2400, "customer", None, None, None)),
    # a wait spanning lunch is kept whole (not business seconds)
    ("wait spans lunch", {"openedAt": AT["11:50"], "closedAt": AT["13:10"]},
     [("user", AT["11:50"]), ("manager", AT["13:05"])],
     (AT["13:05"], 4500, 1, 4500, "customer", 4500, 1, 4500)),
    # the end minute is inclusive: 12:00:45 is still open
    ("end minute", {"openedAt": AT["11:59"], "closedAt": AT["13:10"]},
     [("user", AT["11:59"]), ("manager", AT["12:00:45"])],
     (AT["12:00:45"], 105, 1, 105, "customer", 105, 1, 105)),
    # answered the next morning: another day, so blank however short the business time
    ("next day", {"openedAt": AT["17:00"], "closedAt": AT["tue 09:30"] + 60},
     [("user", AT["17:00"]), ("manager", AT["tue 09:30"])],
     (AT["tue 09:30"], 59400, 1, 59400, "customer", None, None, None)),
]  # fmt: skip


def _export(name: str, chat: dict[str, Any], msgs: list[tuple[Any, ...]]) -> ct.Export:
    row = {"id": name, "state": "closed", "openedAt": 0} | chat
    exp = make_export([row], [(name, m[0], m[1]) for m in msgs])
    texts = [m[2] if len(m) > 2 else "text" for m in msgs]
    return exp.with_frames(messages=exp.messages.with_columns(pl.Series("plainText", texts)))


def _seconds(value: Any) -> Any:
    return None if value is None else int(value.total_seconds())


@pytest.mark.parametrize(("name", "chat", "msgs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hand_worked_chats(
    name: str, chat: dict[str, Any], msgs: list[tuple[Any, ...]], expected: tuple[Any, ...]
) -> None:
    exp = _export(name, chat, msgs)
    row = ct.channel_metrics(exp, HOURS).row(0, named=True)
    first = row["firstRepliedAtAfterOpen"]
    opened = exp.chats["openedAt"][0]
    got = (
        None if first is None else int((first - opened).total_seconds()) + chat.get("openedAt", 0),
        _seconds(row["waitingTime"]),
        row["replyCount"],
        _seconds(row["totalReplyTime"]),
        row["opened_by"],
        _seconds(row["operationWaitingTime"]),
        row["operationReplyCount"],
        _seconds(row["operationTotalReplyTime"]),
    )
    assert got == expected
    count, total = row["replyCount"], row["totalReplyTime"]
    if count is not None:  # avgReplyTime = floor(total / count)
        assert row["avgReplyTime"] == timedelta(seconds=int(total.total_seconds()) // count)
    resolution = chat["closedAt"] - chat.get("openedAt", 0)
    assert row["resolutionTime"] == timedelta(seconds=resolution)


def test_resolution_kept_or_blanked_by_the_block_rule() -> None:
    rows = [
        {"id": "in", "state": "closed", "openedAt": 0, "closedAt": 600},
        {"id": "lunch", "state": "closed", "openedAt": 0, "closedAt": AT["12:30"]},
        {"id": "span", "state": "closed", "openedAt": AT["11:50"], "closedAt": AT["13:10"]},
        {"id": "open", "state": "opened", "openedAt": 0},
    ]
    exp = make_export(rows, [(r["id"], "user", r["openedAt"]) for r in rows])
    got = ct.channel_metrics(exp, HOURS).select("id", "operationResolutionTime").rows()
    assert [(i, _seconds(v)) for i, v in got] == [
        ("in", 600),
        ("lunch", None),
        ("span", 4800),
        ("open", None),
    ]


def test_never_opened_chats_are_blank_and_columns_typed() -> None:
    exp = make_export(
        [{"id": "bot", "state": "closed", "openedAt": None, "closedAt": 50}],
        [("bot", "user", 0), ("bot", "bot", 5)],
    )
    out = ct.channel_metrics(exp, HOURS)
    assert out.columns == [
        "id",
        *CALENDAR_COLUMNS,
        *OPERATION_COLUMNS,
        "opened_by",
        "first_wait_at",
    ]
    assert out.row(0)[1:] == (None,) * (len(out.columns) - 1)
    schema = exp.chats.schema
    assert all(out.schema[c] == schema[c] for c in (*CALENDAR_COLUMNS, *OPERATION_COLUMNS))
    assert ct.channel_metrics(exp).columns[-2:] == ["opened_by", "first_wait_at"]


def test_lazy_and_eager_agree_and_bad_hours_raise() -> None:
    exp = _export(*CASES[0][:3])
    lazy = ct.Export({k: v.lazy() for k, v in exp.frames.items()}, timezone=exp.timezone)
    assert_frame_equal(ct.channel_metrics(lazy, HOURS), ct.channel_metrics(exp, HOURS))
    assert_frame_equal(
        ct.channel_metrics(exp, HOURS, lazy=True).collect(), ct.channel_metrics(exp, HOURS)
    )
    with pytest.raises(InvalidValueError, match="hours must be"):
        ct.channel_metrics(exp, "weekdays")  # type: ignore[arg-type]


def test_sample_exports_reproduce_their_own_columns() -> None:
    data = ct.sample.generate(400, seed=11)
    exp = data.export()
    got = ct.channel_metrics(exp, ct.OperatingHours.weekly(data.hours, timezone=exp.timezone,
                                                           holidays=data.holidays))  # fmt: skip
    cols = ["id", *CALENDAR_COLUMNS, *OPERATION_COLUMNS]
    assert_frame_equal(got.select(cols), exp.chats.select(cols))
    assert set(got["opened_by"].drop_nulls()) == {"customer", "team"}


def test_chat_metrics_keeps_both_families_side_by_side() -> None:
    exp = _export(*CASES[4][:3])  # a form the team answered first
    m = ct.chat_metrics(exp, HOURS).row(0, named=True)
    # the analyst's first response skips the team's opener; Channel Talk's counts it
    assert m["ct_waiting_time"] == timedelta(seconds=120) and m["ct_reply_count"] == 2
    assert m["ct_operation_waiting_time"] == timedelta(seconds=120)
    assert m["first_response_time"] is not None and m["first_response_time_business"] is not None
    unanswered = ct.chat_metrics(_export(*CASES[8][:3])).row(0, named=True)
    assert unanswered["reply_count"] == 0 and unanswered["ct_reply_count"] is None
