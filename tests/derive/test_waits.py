"""Waiting intervals: hand-computed conversations and the no-overlap invariant."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from builders import BASE, at, make_export
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.derive.hours import OperatingHours

S = timedelta(seconds=1)


def _rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return frame.select("cycle", "waiting", "start", "end", "ended_by", "open_at_export").rows()


def test_closed_chat_all_kinds_of_end() -> None:
    exp = make_export(
        [{"id": "a", "state": "closed", "openedAt": 0, "closedAt": 1000}],
        [("a", "user", 0), ("a", "user", 10), ("a", "manager", 60), ("a", "user", 300),
         ("a", "manager", 400), ("a", "manager", 450)],
    )  # fmt: skip
    w = ct.waits(exp)
    assert _rows(w) == [
        (1, "customer_on_team", at(0), at(60), "reply", False),
        (1, "team_on_customer", at(60), at(300), "customer", False),
        (1, "customer_on_team", at(300), at(400), "reply", False),
        (1, "team_on_customer", at(400), at(1000), "close", False),  # waiting on customer
    ]
    assert w["duration"].to_list() == [60 * S, 240 * S, 100 * S, 600 * S]
    assert w.schema["waiting"] == pl.Enum(["customer_on_team", "team_on_customer"])


def test_unanswered_tail_closed_and_open() -> None:
    exp = make_export(
        [
            {"id": "a", "state": "closed", "openedAt": 0, "closedAt": 500},
            {"id": "b", "state": "opened", "openedAt": 0},
        ],
        [("a", "user", 0), ("a", "manager", 20), ("a", "user", 100),
         ("b", "user", 50), ("b", "bot", 60), ("b", "user", 70), ("z", "bot", 900)],
    )  # fmt: skip
    w = ct.waits(exp)
    # the export time defaults to the latest message in the export (900, a bot line)
    assert _rows(w.filter(pl.col("chat_id") == "a"))[-1] == (
        1, "customer_on_team", at(100), at(500), "close", False,
    )  # fmt: skip
    assert _rows(w.filter(pl.col("chat_id") == "b")) == [
        (1, "customer_on_team", at(50), at(900), "export", True)
    ]
    explicit = ct.waits(exp, as_of=BASE + timedelta(seconds=2000))
    assert explicit.filter(pl.col("chat_id") == "b")["duration"].item() == 1950 * S


def test_earlier_cycle_ends_unknown() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 500, "createdAt": 0}],
        [("a", "user", 0), ("a", "manager", 30), ("a", "user", 500), ("a", "manager", 560)],
    )
    w = ct.waits(exp, as_of=BASE + timedelta(seconds=600))
    assert _rows(w) == [
        (0, "customer_on_team", at(0), at(30), "reply", False),
        (0, "team_on_customer", at(30), None, "close", False),
        (1, "customer_on_team", at(500), at(560), "reply", False),
        (1, "team_on_customer", at(560), at(600), "export", True),
    ]
    assert w["duration"].to_list() == [30 * S, None, 60 * S, 40 * S]


def test_business_duration_column() -> None:
    hours = OperatingHours.weekly(
        {"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone="Asia/Seoul"
    )
    # BASE is Monday 10:00; 10:00 → 14:00 spans the lunch break: 3 business hours.
    exp = make_export(
        [{"id": "a", "state": "closed", "openedAt": 0, "closedAt": 4 * 3600}],
        [("a", "user", 0), ("a", "manager", 4 * 3600)],
    )
    w = ct.waits(exp, hours)
    assert w["duration"].to_list() == [timedelta(hours=4), timedelta(0)]
    assert w["duration_business"].to_list() == [timedelta(hours=3), timedelta(0)]


def test_lazy_and_streaming() -> None:
    chats = [{"id": "a", "state": "closed", "openedAt": 0, "closedAt": 99}]
    msgs = [("a", "user", 0), ("a", "manager", 5)]
    plan = ct.waits(make_export(chats, msgs, lazy=True), lazy=True)
    assert isinstance(plan, pl.LazyFrame)
    assert_frame_equal(plan.collect(engine="streaming"), ct.waits(make_export(chats, msgs)))


_event = st.tuples(st.sampled_from(["user", "manager", "bot"]), st.integers(0, 50))


@given(
    events=st.lists(_event, max_size=12),
    opened=st.integers(0, 30),
    close=st.one_of(st.none(), st.integers(0, 60)),
)
def test_intervals_tile_without_overlap(
    events: list[tuple[str, int]], opened: int, close: int | None
) -> None:
    events = sorted(events, key=lambda e: e[1])
    close_at = close if close is not None and close >= opened else None
    closed = close_at is not None
    chat = {"id": "a", "state": "closed" if closed else "opened", "openedAt": opened,
            "closedAt": close_at, "createdAt": 0}  # fmt: skip
    as_of = BASE + timedelta(seconds=70)
    w = ct.waits(make_export([chat], [("a", p, t) for p, t in events]), as_of=as_of)
    for cycle in (0, 1):
        part = w.filter(pl.col("cycle") == cycle)
        starts, ends = part["start"].to_list(), part["end"].to_list()
        # consecutive: each interval ends where the next starts, never before its start
        assert ends[:-1] == starts[1:]
        assert all(e is None or e >= s for s, e in zip(starts, ends, strict=True))
        if cycle == 1 and part.height:
            span_end = (
                at(close_at) if close_at is not None else as_of.replace(tzinfo=starts[0].tzinfo)
            )
            total = sum(part["duration"].drop_nulls(), timedelta())
            assert total <= span_end - starts[0]
            assert ends[-1] == span_end
            # every counted human message of the cycle starts or continues an interval
            humans = [
                t
                for p, t in events
                if p != "bot" and t >= opened and (close_at is None or t <= close_at)
            ]
            assert starts[0] == at(humans[0])
