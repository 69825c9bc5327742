"""Runs: which messages count, in which cycle, collapsed by side."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from builders import BASE, at, make_export
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import Export, schema
from chattools.derive.runs import as_of_frame, runs
from chattools.errors import InvalidValueError, MissingColumnError


def _rows(exp: Export) -> list[tuple[Any, ...]]:
    return runs(exp).select("chat_id", "cycle", "run", "side", "start", "last", "messages").rows()


def test_customer_run_then_team_run() -> None:
    exp = make_export(
        [{"id": "a", "state": "closed", "openedAt": 0, "closedAt": 600}],
        [("a", "user", 0), ("a", "user", 30), ("a", "manager", 90), ("a", "manager", 100)],
    )
    assert _rows(exp) == [
        ("a", 1, 1, "customer", at(0), at(30), 2),
        ("a", 1, 2, "team", at(90), at(100), 2),
    ]
    assert runs(exp)["next_start"].to_list() == [at(90), None]


def test_bots_and_notes_do_not_split_or_answer() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 0}],
        [
            ("a", "user", 0, False),
            ("a", "bot", 5, False),
            ("a", "manager", 8, True),  # internal note
            ("a", "user", 10, False),
            ("a", "manager", 50, False),
        ],
    )
    assert _rows(exp) == [
        ("a", 1, 1, "customer", at(0), at(10), 2),
        ("a", 1, 2, "team", at(50), at(50), 1),
    ]


def test_cycles_reopened_and_after_close() -> None:
    # earlier cycle before openedAt=100; a bot line after closedAt is irrelevant, a
    # customer line after closedAt belongs to no cycle.
    exp = make_export(
        [{"id": "a", "state": "closed", "openedAt": 100, "closedAt": 300, "createdAt": 0}],
        [
            ("a", "user", 0),
            ("a", "manager", 20),
            ("a", "user", 100),
            ("a", "manager", 160),
            ("a", "user", 300),
            ("a", "user", 301),
        ],
    )
    assert _rows(exp) == [
        ("a", 0, 1, "customer", at(0), at(0), 1),
        ("a", 0, 2, "team", at(20), at(20), 1),
        ("a", 1, 1, "customer", at(100), at(100), 1),
        ("a", 1, 2, "team", at(160), at(160), 1),
        ("a", 1, 3, "customer", at(300), at(300), 1),
    ]


def test_never_opened_chat_has_no_runs() -> None:
    exp = make_export(
        [{"id": "a", "state": "closed", "openedAt": None, "closedAt": 50}],
        [("a", "user", 0), ("a", "bot", 1)],
    )
    assert runs(exp).height == 0


def test_same_second_ties_follow_file_order() -> None:
    exp = make_export(
        [
            {"id": "a", "state": "opened", "openedAt": 0},
            {"id": "b", "state": "opened", "openedAt": 0},
        ],
        # file order, not personType, decides: a is U then M, b is M then U.
        [("a", "user", 0), ("a", "manager", 0), ("b", "manager", 0), ("b", "user", 0)],
    )
    assert runs(exp).select("chat_id", "side").rows() == [
        ("a", "customer"),
        ("a", "team"),
        ("b", "team"),
        ("b", "customer"),
    ]


def test_duplicate_rows_are_kept() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 0}],
        [("a", "user", 0), ("a", "user", 0), ("a", "manager", 9)],
    )
    assert runs(exp)["messages"].to_list() == [2, 1]


def test_file_order_scrambled_chats_and_lazy_streaming() -> None:
    chats = [{"id": c, "state": "opened", "openedAt": 0} for c in ("b", "a")]
    msgs = [("b", "user", 5), ("a", "manager", 7), ("b", "manager", 9), ("a", "user", 0)]
    eager = runs(make_export(chats, msgs))
    plan = runs(make_export(chats, msgs, lazy=True), lazy=True)
    assert isinstance(plan, pl.LazyFrame)
    assert_frame_equal(plan.collect(engine="streaming"), eager)
    assert eager.select("chat_id", "side", "start").rows() == [
        ("a", "customer", at(0)),
        ("a", "team", at(7)),
        ("b", "customer", at(5)),
        ("b", "team", at(9)),
    ]


def test_as_of_default_naive_and_bad() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 0}],
        [("a", "user", 0), ("a", "user", 70)],
    )
    assert as_of_frame(exp, None).collect().item() == at(70)
    assert as_of_frame(exp, BASE + timedelta(hours=1)).collect().item() == at(3600)
    with pytest.raises(InvalidValueError, match="as_of must be a datetime"):
        as_of_frame(exp, "2024-03-04")  # type: ignore[arg-type]


@pytest.mark.parametrize("derive", [ct.chat_metrics, ct.waits, ct.hold_times, ct.channel_metrics])
def test_a_hand_built_frame_without_a_needed_column_is_named(derive: Any) -> None:
    chats = pl.DataFrame({"id": ["a"], "state": ["closed"], "closedAt": [None]})
    with pytest.raises(MissingColumnError, match=r"the chats frame has no column 'openedAt'"):
        derive(ct.Export({"chats": chats}))
    messages = schema.empty_frame("messages").drop("createdAt")
    full = schema.empty_frame("chats")
    with pytest.raises(MissingColumnError, match=r"the messages frame has no column 'createdAt'"):
        derive(ct.Export({"chats": full, "messages": messages}))
