"""Runs: which messages count, in which cycle, collapsed by side.

Also home of :func:`make_export`, the tiny conversation builder the metric tests share
(``from test_runs import make_export``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest

from chattools import Export, schema
from chattools.derive.runs import as_of_frame, runs
from chattools.errors import InvalidValueError

TZ = "Asia/Seoul"
#: Monday 2024-03-04 10:00 KST: every test time is seconds after this.
BASE = datetime(2024, 3, 4, 10, 0)


def at(seconds: int | None) -> datetime | None:
    """``BASE + seconds`` as a tz-aware datetime (``None`` stays ``None``)."""
    if seconds is None:
        return None
    from zoneinfo import ZoneInfo

    return (BASE + timedelta(seconds=seconds)).replace(tzinfo=ZoneInfo(TZ))


def _typed(sheet: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    target = schema.typed_schema(sheet, TZ)
    if not rows:
        return pl.DataFrame(schema=target)
    names = {k for r in rows for k in r}
    data = {k: [r.get(k) for r in rows] for k in names}
    spec = schema.SHEETS[sheet]

    def dtype(k: str) -> pl.DataType:
        if k in target:
            return target[k]
        return schema.dtype_of(spec.column(k).kind, TZ) if spec.known(k) else pl.String()

    raw = pl.DataFrame(data, schema={k: dtype(k) for k in names})
    return raw.select(
        [pl.col(c) if c in names else pl.lit(None, dtype=d).alias(c) for c, d in target.items()]
        + [pl.col(c) for c in names if c not in target]
    )


def make_export(
    chats: Sequence[dict[str, Any]],
    messages: Sequence[tuple[Any, ...]],
    *,
    lazy: bool = False,
) -> Export:
    """An export from hand-written rows.

    ``chats``: dicts with ``id``, ``state`` and times in seconds after :data:`BASE`
    (``openedAt``, ``closedAt``, ``createdAt``; ``createdAt`` defaults to ``openedAt``
    or 0), plus any other chat column. ``messages``: ``(chatId, personType, seconds)``
    or ``(chatId, personType, seconds, isPrivate)``, in file order.
    """
    chat_rows = []
    for c in chats:
        row = dict(c)
        for k in ("openedAt", "closedAt", "createdAt", "firstRepliedAtAfterOpen"):
            if k in row:
                row[k] = at(row[k])
        row.setdefault("createdAt", row.get("openedAt") or at(0))
        row.setdefault("_file", "t.xlsx")
        chat_rows.append(row)
    msg_rows = []
    for i, m in enumerate(messages, start=1):
        row = {"chatId": m[0], "personType": m[1], "createdAt": at(m[2]), "plainText": f"m{i}"}
        if len(m) > 3:
            row["isPrivate"] = m[3]
        row |= {"_file": "t.xlsx", "_sheet": "Message data", "_row": i}
        msg_rows.append(row)
    frames: dict[str, pl.DataFrame | pl.LazyFrame] = {
        "chats": _typed("chats", chat_rows),
        "messages": _typed("messages", msg_rows),
    }
    if lazy:
        frames = {k: v.lazy() for k, v in frames.items()}
    return Export(frames, timezone=TZ)


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
    assert plan.collect(engine="streaming").equals(eager)
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
