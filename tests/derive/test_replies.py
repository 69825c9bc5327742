"""Reply samples against hand-computed values and a brute-force reference."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from builders import at, make_export
from hypothesis import given
from hypothesis import strategies as st

from chattools.derive.replies import reply_samples, reply_stats, samples_lazy
from chattools.derive.runs import runs_lazy


def _samples(exp):  # type: ignore[no-untyped-def]
    return reply_samples(exp).select("cycle", "sample", "customer_at", "replied_at").rows()


def test_u_run_then_m_counts_from_first_u() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 0}],
        [("a", "user", 0), ("a", "user", 40), ("a", "manager", 100), ("a", "manager", 130)],
    )
    assert _samples(exp) == [(1, 1, at(0), at(100))]
    assert reply_samples(exp)["reply_time"].to_list() == [timedelta(seconds=100)]


def test_several_samples_and_outbound_first_m() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 0}],
        # M first (outbound): the first team run answers nothing.
        [
            ("a", "manager", 0),
            ("a", "user", 60),
            ("a", "user", 70),
            ("a", "manager", 90),
            ("a", "user", 200),
            ("a", "bot", 210),
            ("a", "manager", 260),
        ],
    )
    assert _samples(exp) == [(1, 1, at(60), at(90)), (1, 2, at(200), at(260))]


def test_bot_only_and_note_only_have_no_samples() -> None:
    exp = make_export(
        [{"id": "a", "state": "closed", "openedAt": 0, "closedAt": 99}],
        [("a", "user", 0, False), ("a", "bot", 5, False), ("a", "manager", 9, True)],
    )
    assert reply_samples(exp).height == 0


def test_reply_stats_latest_cycle_only() -> None:
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": 100, "createdAt": 0}],
        [
            ("a", "user", 0),
            ("a", "manager", 50),  # earlier cycle: a sample, but not in the stats
            ("a", "user", 100),
            ("a", "manager", 130),
            ("a", "user", 140),
            ("a", "manager", 200),
        ],
    )
    assert [r[0] for r in _samples(exp)] == [0, 1, 1]
    stats = reply_stats(samples_lazy(runs_lazy(exp))).collect()
    assert stats.rows() == [("a", 2, timedelta(seconds=90), at(100), at(130))]


def _reference(events: list[tuple[str, int, bool]], opened: int) -> list[tuple[int, int]]:
    """Brute force: walk the conversation, keep the first U of each customer run."""
    samples = []
    waiting_since: int | None = None
    for person, t, private in events:
        if t < opened or private or person not in ("user", "manager"):
            continue
        if person == "user" and waiting_since is None:
            waiting_since = t
        elif person == "manager" and waiting_since is not None:
            samples.append((waiting_since, t))
            waiting_since = None
    return samples


_event = st.tuples(st.sampled_from(["user", "manager", "bot"]), st.integers(0, 30), st.booleans())


@given(events=st.lists(_event, max_size=14), opened=st.integers(0, 40))
def test_matches_brute_force(events: list[tuple[str, int, bool]], opened: int) -> None:
    events = sorted(events, key=lambda e: e[1])  # stable: file order breaks ties
    exp = make_export(
        [{"id": "a", "state": "opened", "openedAt": opened * 10, "createdAt": 0}],
        [("a", p, t * 10, priv and p == "manager") for p, t, priv in events],
    )
    got = reply_samples(exp).filter(pl.col("cycle") == 1).select("customer_at", "replied_at").rows()
    notes = [(p, t, priv and p == "manager") for p, t, priv in events]
    want = [(at(u * 10), at(m * 10)) for u, m in _reference(notes, opened)]
    assert got == want
