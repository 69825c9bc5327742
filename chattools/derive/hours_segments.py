"""Slots of a week from open and closed observations: the core of the hours inference.

:func:`chattools.derive.infer_hours.infer_operating_hours` collects, per weekday, the
minutes of the day at which the channel was seen open or closed; this module turns them
into slots:

* :func:`segments` splits a weekday's open observations wherever at least
  ``min_support`` closed observations lie between two of them (a lunch break, the
  night), or at given minutes;
* each :class:`Slot` knows the range its opening and closing can be in (between the
  closest open and closed observations); :func:`harmonize` picks the *roundest* minute
  of each range (a multiple of 60, then 30, 15, 10, 5 minutes; ties toward the open
  side, where observations are dense) and gives weekdays with as many slots the same
  slot wherever both of its boundaries can be the same;
* :func:`adopt` lends a weekday the breaks another weekday shows when its own
  evidence allows them (a Monday with too few chats to show its lunch);
* :func:`week_slots` stitches a slot ending at midnight and one starting at midnight
  the next day into one overnight slot.

Minutes are of the local day (0-1439); a slot's ``end`` is its **last open minute**
(Channel Talk counts the end minute as open), so ``09:00-12:00`` is ``(540, 720)``.

Examples
--------
>>> from datetime import datetime
>>> t = datetime(2024, 3, 4)
>>> opens = [(m, t, f"c{m}") for m in (545, 600, 700, 790, 900, 1040)]
>>> closed = [(m, t, f"x{m}") for m in (520, 745, 750, 1070)]
>>> week = [segments(opens, closed, 2)] + [[] for _ in range(6)]
>>> harmonize(week)
>>> [(hhmm(s.start), hhmm(s.end)) for s in week[0]]
[('09:00', '12:00'), ('13:00', '17:30')]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from chattools.derive.hours_spec import DAY_NAMES

__all__ = [
    "DAY_MINUTES",
    "Obs",
    "Slot",
    "adopt",
    "grouped",
    "harmonize",
    "hhmm",
    "roundest",
    "roundness",
    "segments",
    "slot_text",
    "week_slots",
]

#: Minutes in a day.
DAY_MINUTES = 24 * 60
_DAY = DAY_MINUTES


def hhmm(minute: int) -> str:
    """A minute of the day as ``"HH:MM"``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def roundness(minute: int) -> int:
    """How round a minute of the day is: 5 on the hour (or 23:59), down to 1 on a 5-minute mark."""
    if minute == _DAY - 1:  # a last open minute of 23:59 is a close at midnight
        return 5
    for score, step in enumerate((60, 30, 15, 10, 5)):
        if minute % step == 0:
            return 5 - score
    return 0


def roundest(lo: int, hi: int, toward: int) -> int:
    """The roundest minute of ``[lo, hi]``; ties go to the one nearest ``toward``.

    ``toward`` is the open side: open observations are dense (every present value
    gives two), closed ones sparse, so the boundary is likelier near the open side.
    """
    return max(range(lo, hi + 1), key=lambda m: (roundness(m), -abs(m - toward)))


@dataclass
class Slot:
    """One slot of one weekday: open observations, bounds on its two boundaries."""

    first: tuple[int, datetime, str]  # (minute, time, chat) of the earliest open observation
    last: tuple[int, datetime, str]
    chats: set[str]
    before: tuple[int, datetime, str] | None  # closest closed observation before
    after: tuple[int, datetime, str] | None
    before_chats: int
    after_chats: int
    start: int = 0
    end: int = 0

    def start_range(self) -> tuple[int, int]:
        """Minutes the slot can open at: after the closest closed observation before."""
        return (self.before[0] + 1 if self.before else 0), self.first[0]

    def end_range(self) -> tuple[int, int]:
        """Minutes the slot can close at (its last open minute)."""
        return self.last[0], (self.after[0] - 1 if self.after else _DAY - 1)


Obs = list[tuple[int, datetime, str]]


def segments(opens: Obs, closed: Obs, min_support: int, splits: Sequence[int] = ()) -> list[Slot]:
    """Split one weekday's open observations at gaps holding enough closed ones
    (and at the ``splits`` minutes, taken from another weekday's schedule).
    """
    if not opens:
        return []
    opens = sorted(opens, key=lambda o: o[0])
    open_minutes = {o[0] for o in opens}
    closed = sorted((c for c in closed if c[0] not in open_minutes), key=lambda c: c[0])
    cm = np.array([c[0] for c in closed], dtype=np.int64)
    groups: list[Obs] = [[opens[0]]]
    for prev, cur in itertools.pairwise(opens):
        between = np.searchsorted(cm, cur[0]) - np.searchsorted(cm, prev[0], side="right")
        if between >= min_support or any(prev[0] < x < cur[0] for x in splits):
            groups.append([])
        groups[-1].append(cur)
    slots: list[Slot] = []
    for g in groups:
        lo, hi = g[0][0], g[-1][0]
        i, j = np.searchsorted(cm, lo), np.searchsorted(cm, hi, side="right")
        before = closed[i - 1] if i > 0 else None
        after = closed[j] if j < len(closed) else None
        prev_end = slots[-1].last[0] if slots else -1
        next_lo = next((h[0][0] for h in groups if h[0][0] > hi), _DAY)
        slots.append(
            Slot(
                first=g[0],
                last=g[-1],
                chats={o[2] for o in g},
                before=before,
                after=after,
                before_chats=len({c[2] for c in closed if prev_end < c[0] < lo}),
                after_chats=len({c[2] for c in closed if hi < c[0] < next_lo}),
            )
        )
    return [s for s in slots if len(s.chats) >= min_support]


def harmonize(week: list[list[Slot]]) -> None:
    """Choose boundaries; days with as many slots share a slot wherever both of its
    boundaries can be the same.
    """
    for day in week:
        for s in day:
            s.start = roundest(*s.start_range(), toward=s.start_range()[1])
            s.end = roundest(*s.end_range(), toward=s.end_range()[0])
    by_count: dict[int, list[int]] = {}
    for d, day in enumerate(week):
        if day:
            by_count.setdefault(len(day), []).append(d)
    for n, days in by_count.items():
        for k in range(n):
            starts = [week[d][k].start_range() for d in days]
            ends = [week[d][k].end_range() for d in days]
            s_lo, s_hi = max(r[0] for r in starts), min(r[1] for r in starts)
            e_lo, e_hi = max(r[0] for r in ends), min(r[1] for r in ends)
            if s_lo <= s_hi and e_lo <= e_hi:  # both boundaries can be shared: one slot
                start, end = roundest(s_lo, s_hi, toward=s_hi), roundest(e_lo, e_hi, toward=e_lo)
                for d in days:
                    week[d][k].start, week[d][k].end = start, end


def adopt(opens: list[Obs], closed: list[Obs], week: list[list[Slot]], min_support: int) -> None:
    """Give a weekday the breaks another weekday shows when its own evidence allows
    them: none of its open observations in those breaks, none of its closed
    observations in those slots (a Monday with too few chats to show its lunch).
    Weekdays with more evidence lend first.
    """
    support = [sum(len(s.chats) for s in day) for day in week]
    own = [list(day) for day in week]  # breaks seen on the day itself, not adopted ones
    for d in sorted(range(7), key=lambda k: support[k]):
        for e in sorted(range(7), key=lambda k: -support[k]):
            if not week[d] or len(own[e]) <= len(week[d]):
                continue
            gaps = [(a.end, b.start) for a, b in itertools.pairwise(own[e])]
            if any(g0 < o[0] < g1 for o in opens[d] for g0, g1 in gaps):
                continue
            if any(s.start <= c[0] <= s.end for c in closed[d] for s in own[e]):
                continue
            new = segments(opens[d], closed[d], min_support, [(a + b) // 2 for a, b in gaps])
            if len(new) == len(own[e]):
                week[d] = new
                break


def week_slots(week: list[list[Slot]]) -> dict[int, list[tuple[int, int]]]:
    """Per weekday ``(start, end)`` minutes, end exclusive-style for OperatingHours."""
    out: dict[int, list[tuple[int, int]]] = {
        d: [(s.start, _DAY if s.end == _DAY - 1 else s.end) for s in day]
        for d, day in enumerate(week)
    }
    for d in range(7):  # stitch overnight slots: ...-24:00 then 00:00-... the next day
        nxt = (d + 1) % 7
        evening = out[d] and out[d][-1][1] == _DAY and out[d][-1][0] > 0
        morning = out[nxt] and out[nxt][0][0] == 0 and out[nxt][0][1] < _DAY
        if evening and morning:
            start, _ = out[d][-1]
            out[d][-1] = (start, _DAY + out[nxt][0][1])
            out[nxt] = out[nxt][1:]
    return out


def slot_text(start: int, end: int) -> str:
    """A ``(start, end)`` slot in minutes as ``"HH:MM-HH:MM"`` (an end at midnight: ``24:00``)."""
    return f"{hhmm(start)}-{'24:00' if end == _DAY else hhmm(end % _DAY)}"


def grouped(slots: dict[int, list[tuple[int, int]]]) -> dict[str, tuple[str, ...]]:
    """Weekday slots as ``{"mon-fri": (...), "sat": (...)}`` (consecutive equal days)."""
    out: dict[str, tuple[str, ...]] = {}
    d = 0
    while d < 7:
        texts = tuple(slot_text(*s) for s in slots[d])
        e = d
        while e + 1 < 7 and tuple(slot_text(*s) for s in slots[e + 1]) == texts:
            e += 1
        if texts:
            key = DAY_NAMES[d] if d == e else f"{DAY_NAMES[d]}-{DAY_NAMES[e]}"
            out[key] = texts
        d = e + 1
    return out
