"""A deliberately simple operating-hours calendar for the sample channel.

The sample generator uses it to decide when replies can be sent, and
:mod:`chattools.sample.ct_metrics` uses it for Channel Talk's ``operation*`` twins.
It works on integer epoch seconds, one day at a time, with plain Python loops: it is
meant to be obviously correct (a reference), independent of the vectorised
``OperatingHours`` of the library.

Examples
--------
>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> cal = SampleCalendar({"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone="Asia/Seoul")
>>> t = lambda *a: int(datetime(*a, tzinfo=ZoneInfo("Asia/Seoul")).timestamp())
>>> cal.business_seconds(t(2026, 6, 29, 11, 0), t(2026, 6, 29, 14, 0))  # lunch excluded
7200
>>> cal.is_open(t(2026, 5, 5, 10, 0))  # Children's Day
False
>>> cal.next_open(t(2026, 6, 26, 18, 30)) == t(2026, 6, 29, 9, 0)  # Friday evening → Monday
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from chattools.errors import InvalidOperatingHoursError

__all__ = ["SampleCalendar"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _days(key: str) -> list[int]:
    """Weekday numbers (Monday 0) for ``"mon-fri"``, ``"sat"`` or ``"mon,wed"``."""
    out: list[int] = []
    for part in key.lower().split(","):
        first, _, last = part.strip().partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            msg = f"unknown weekday in hours key {key!r}"
            raise InvalidOperatingHoursError(msg)
        a, b = _DAYS.index(first), _DAYS.index(last or first)
        out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    return out


def _slot(text: str) -> tuple[time, time]:
    """``"09:00-12:00"`` → (09:00, 12:00); the end must be after the start."""
    try:
        start, end = (time.fromisoformat(p.strip()) for p in text.split("-"))
    except ValueError:
        msg = f"invalid slot {text!r}"
        raise InvalidOperatingHoursError(msg) from None
    if end <= start:
        msg = f"slot {text!r} ends before it starts (the sample calendar has no overnight slots)"
        raise InvalidOperatingHoursError(msg)
    return start, end


class SampleCalendar:
    """Weekly open slots in a time zone, with a country's public holidays closed."""

    def __init__(
        self,
        weekly: Mapping[str, str | Sequence[str]],
        *,
        timezone: str,
        holidays: str | None = "KR",
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self.weekly: dict[int, list[tuple[time, time]]] = {d: [] for d in range(7)}
        for key, slots in weekly.items():
            for day in _days(key):
                items = [slots] if isinstance(slots, str) else list(slots)
                self.weekly[day].extend(_slot(s) for s in items)
        self.holidays = holidays_lib.country_holidays(holidays) if holidays else None
        self._cache: dict[date, list[tuple[int, int]]] = {}

    def local_date(self, t: int) -> date:
        """The local calendar date of epoch second ``t``."""
        return datetime.fromtimestamp(t, self.zone).date()

    def epoch(self, d: date, at: time) -> int:
        """Epoch seconds of local wall time ``at`` on ``d``."""
        return int(datetime.combine(d, at, tzinfo=self.zone).timestamp())

    def slots(self, d: date) -> list[tuple[int, int]]:
        """The open intervals ``[start, end)`` of local date ``d`` in epoch seconds."""
        cached = self._cache.get(d)
        if cached is None:
            closed = self.holidays is not None and d in self.holidays
            cached = (
                []
                if closed
                else sorted(
                    (self.epoch(d, a), self.epoch(d, b)) for a, b in self.weekly[d.weekday()]
                )
            )
            self._cache[d] = cached
        return cached

    def is_open(self, t: int) -> bool:
        """Whether epoch second ``t`` lies inside an open slot."""
        return any(s <= t < e for s, e in self.slots(self.local_date(t)))

    def next_open(self, t: int) -> int:
        """``t`` itself when open, else the start of the next open slot."""
        d = self.local_date(t)
        for _ in range(400):
            for s, e in self.slots(d):
                if t < e:
                    return max(s, t)
            d += timedelta(days=1)
        msg = "the calendar has no open slot within 400 days"
        raise InvalidOperatingHoursError(msg)

    def business_seconds(self, a: int, b: int) -> int:
        """Seconds of ``[a, b)`` inside open slots (0 when ``b <= a``)."""
        if b <= a:
            return 0
        total = 0
        d, last = self.local_date(a), self.local_date(b)
        while d <= last:
            for s, e in self.slots(d):
                total += max(0, min(b, e) - max(a, s))
            d += timedelta(days=1)
        return total
