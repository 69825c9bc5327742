"""OperatingHours against a brute-force reference that reads the wall clock step by step.

The reference never expands intervals: for every UTC minute of a window it converts the
instant to local time with ``zoneinfo`` and asks whether the local wall clock lies in a
slot of that date or of the day before (overnight tails), with the date rules (override,
else closed date, else weekly slots) applied to the slot's own date. Windows are placed
around DST changes (Berlin, New York, Lord Howe's 30-minute shift) and Seoul. Slot edges,
zone offsets and DST changes all fall on quarter hours, so the wall clock is read once per
quarter hour and counting open minutes is exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

import chattools as ct

ZONES_AND_DAYS = [
    ("Europe/Berlin", date(2026, 3, 27)),  # spring forward Sun 03-29
    ("Europe/Berlin", date(2026, 10, 23)),  # fall back Sun 10-25
    ("America/New_York", date(2026, 3, 6)),  # Sun 03-08
    ("America/New_York", date(2026, 10, 30)),  # Sun 11-01
    ("Australia/Lord_Howe", date(2026, 4, 3)),  # 30-minute shift Sun 04-05
    ("Asia/Seoul", date(2026, 2, 27)),
]
DAYS = 5
US = 1_000_000


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# quarter hours, with midnight, "24:00" and the hours DST changes touch drawn more often
edge = st.one_of(
    st.sampled_from([0, 60, 120, 150, 180, 1440]), st.integers(0, 96).map(lambda q: q * 15)
)
slot_ints = st.tuples(edge.filter(lambda m: m < 1440), edge).filter(lambda se: se[0] != se[1])


@st.composite
def calendars(draw: st.DrawFn) -> dict[str, object]:
    zone, first = draw(st.sampled_from(ZONES_AND_DAYS))
    first += timedelta(days=draw(st.integers(0, 2)))
    week = [draw(st.lists(slot_ints, max_size=2)) for _ in range(7)]
    window = [first + timedelta(days=i) for i in range(-1, DAYS + 1)]
    closed = draw(st.sets(st.sampled_from(window), max_size=2))
    overrides = draw(
        st.dictionaries(st.sampled_from(window), st.lists(slot_ints, max_size=2), max_size=1)
    )
    return {"zone": zone, "first": first, "week": week, "closed": closed, "overrides": overrides}


def build(cal: dict[str, object]) -> ct.OperatingHours:
    def text(slots: list[tuple[int, int]]) -> list[str]:
        return [f"{hhmm(s)}-{'24:00' if e == 1440 else hhmm(e)}" for s, e in slots]

    week: list[list[tuple[int, int]]] = cal["week"]  # type: ignore[assignment]
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    overrides: dict[date, list[tuple[int, int]]] = cal["overrides"]  # type: ignore[assignment]
    return ct.OperatingHours.weekly(
        {name: text(slots) for name, slots in zip(names, week, strict=True)},
        timezone=str(cal["zone"]),
        closed_dates=sorted(cal["closed"]),  # type: ignore[call-overload]
        overrides={d: text(s) for d, s in overrides.items()},
    )


def reference_mask(cal: dict[str, object]) -> tuple[datetime, np.ndarray]:
    """Open (True) or closed for each UTC minute of the window, read off the wall clock."""
    zone = ZoneInfo(str(cal["zone"]))
    first: date = cal["first"]  # type: ignore[assignment]
    week: list[list[tuple[int, int]]] = cal["week"]  # type: ignore[assignment]
    overrides: dict[date, list[tuple[int, int]]] = cal["overrides"]  # type: ignore[assignment]

    def slots_of(day: date) -> list[tuple[int, int]]:
        if day in overrides:
            chosen = overrides[day]
        elif day in cal["closed"]:  # type: ignore[operator]
            chosen = []
        else:
            chosen = week[day.weekday()]
        return [(s, e if e > s else e + 1440) for s, e in chosen]

    days: dict[date, list[tuple[int, int]]] = {}
    origin = datetime(first.year, first.month, first.day, tzinfo=UTC)
    quarters = np.zeros(DAYS * 96, dtype=bool)  # every edge is on a quarter hour
    for i in range(len(quarters)):
        local = (origin + timedelta(minutes=15 * i)).astimezone(zone)
        today, minute = local.date(), local.hour * 60 + local.minute
        yesterday = today - timedelta(days=1)
        for day, at in ((today, minute), (yesterday, minute + 1440)):
            if day not in days:
                days[day] = slots_of(day)
            if any(s <= at < e for s, e in days[day]):
                quarters[i] = True
    mask = np.repeat(quarters, 15)
    return origin, mask


minute_pairs = st.lists(
    st.tuples(st.integers(0, DAYS * 1440), st.integers(0, DAYS * 1440)), min_size=1, max_size=25
)


@given(calendars(), minute_pairs)
def test_equals_brute_force_and_is_bounded(
    cal: dict[str, object], pairs: list[tuple[int, int]]
) -> None:
    hours = build(cal)
    origin, mask = reference_mask(cal)
    pairs = [*pairs, (0, len(mask))]  # the whole window: every open minute counts
    starts = [origin + timedelta(minutes=a) for a, _ in pairs]
    ends = [origin + timedelta(minutes=b) for _, b in pairs]
    frame = pl.DataFrame({"a": starts, "b": ends}).with_columns(
        pl.all().dt.convert_time_zone(str(cal["zone"]))
    )
    got = frame.select(hours.business_duration("a", "b"))["a"].to_list()
    expected = [
        timedelta(minutes=int(mask[a:b].sum())) if b > a else timedelta(0) for a, b in pairs
    ]
    assert got == expected
    assert all(
        timedelta(0) <= g <= max(e - s, timedelta(0))
        for g, s, e in zip(got, starts, ends, strict=True)
    )
    opened = frame.select(hours.is_open("a"))["a"].to_list()
    for (a, _), is_open in zip(pairs, opened, strict=True):
        assert a >= len(mask) or is_open == bool(mask[a])


@given(
    calendars(),
    st.lists(st.integers(0, DAYS * 1440 * 60 * US), min_size=3, max_size=3).map(sorted),
)
def test_additive_at_any_split_point(cal: dict[str, object], points: list[int]) -> None:
    hours = build(cal)
    first: date = cal["first"]  # type: ignore[assignment]
    origin = datetime(first.year, first.month, first.day, tzinfo=UTC)
    a, b, c = (origin + timedelta(microseconds=p) for p in points)
    frame = pl.DataFrame({"s": [a, b, a], "e": [b, c, c]})
    ab, bc, ac = frame.select(hours.business_duration("s", "e"))["s"].to_list()
    assert ac == ab + bc
    assert ac <= c - a


@given(calendars(), minute_pairs)
def test_deadline_inverts_business_duration(
    cal: dict[str, object], pairs: list[tuple[int, int]]
) -> None:
    hours = build(cal)
    first: date = cal["first"]  # type: ignore[assignment]
    origin = datetime(first.year, first.month, first.day, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "a": [origin + timedelta(minutes=a, microseconds=7) for a, _ in pairs],
            "b": [origin + timedelta(minutes=b) for _, b in pairs],
        }
    ).with_columns(need=hours.business_duration("a", "b"))
    frame = frame.with_columns(t=hours.deadline("a", "need"))
    frame = frame.with_columns(
        back=hours.business_duration("a", "t"),
        just_before=hours.business_duration("a", pl.col("t") - pl.duration(microseconds=1)),
        t=pl.col("t").dt.convert_time_zone("UTC"),  # compare instants, not wall clocks
    )
    for row in frame.iter_rows(named=True):
        assert row["back"] == row["need"]
        assert row["a"] <= row["t"] <= max(row["a"], row["b"])
        if row["need"] > timedelta(0):
            assert row["just_before"] < row["need"]
        else:
            assert row["t"] == row["a"]


@given(calendars(), minute_pairs)
def test_zero_when_every_date_is_closed(
    cal: dict[str, object], pairs: list[tuple[int, int]]
) -> None:
    first: date = cal["first"]  # type: ignore[assignment]
    cal = {
        **cal,
        "overrides": {},
        "closed": {first + timedelta(days=i) for i in range(-2, DAYS + 1)},
    }
    hours = build(cal)
    origin, mask = reference_mask(cal)
    assert not mask.any()
    frame = pl.DataFrame(
        {
            "a": [origin + timedelta(minutes=a) for a, _ in pairs],
            "b": [origin + timedelta(minutes=b) for _, b in pairs],
        }
    )
    assert set(frame.select(hours.business_duration("a", "b"))["a"].to_list()) == {timedelta(0)}
