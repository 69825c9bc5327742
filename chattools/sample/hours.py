"""A deliberately simple operating-hours calendar for the sample channel.

The sample generator uses it to decide when replies can be sent, and
:mod:`chattools.sample.ct_metrics` uses it for Channel Talk's ``operation*`` columns.
It works on integer epoch seconds, one day at a time, with plain Python loops: it is
meant to be obviously correct (a reference), independent of the vectorised
``OperatingHours`` and ``channel_hours`` of the library.

The weekly slots are read by the library's grammar (:func:`chattools.derive.hours_spec.parse_weekly`:
day keys such as ``"mon-fri"``, slots ``"HH:MM-HH:MM"``); a slot whose end is not after its
start crosses midnight and belongs to the day it starts on (``"22:00-06:00"``); a public
holiday closes the slots that start on it.

Two notions of "open":

* :meth:`SampleCalendar.is_open` — inside ``[start, end)`` to the second (when the team
  works, and business seconds);
* :meth:`SampleCalendar.block_day` — Channel Talk's test behind ``operation*``: the
  local wall-clock *minute* inside a slot, **the end minute included**, and the
  operating day (the date the slot started) of that slot.

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
>>> cal.is_open(t(2026, 6, 29, 12, 0, 30)), cal.block_day(t(2026, 6, 29, 12, 0, 30))
(False, datetime.date(2026, 6, 29))
>>> night = SampleCalendar({"sat": "22:00-06:00"}, timezone="Asia/Seoul", holidays=None)
>>> night.block_day(t(2026, 6, 28, 5, 59)), night.is_open(t(2026, 6, 28, 6, 0))
(datetime.date(2026, 6, 27), False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from chattools.derive.hours_spec import parse_weekly
from chattools.errors import InvalidOperatingHoursError

__all__ = ["SampleCalendar"]

_ONE_DAY = timedelta(days=1)


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
        # the library's grammar (one parser for every text form of a calendar); the
        # arithmetic below stays this module's own, the independent reference
        self.weekly = {day: list(slots) for day, slots in enumerate(parse_weekly(weekly))}
        self.holidays = holidays_lib.country_holidays(holidays) if holidays else None
        self._cache: dict[date, list[tuple[int, int]]] = {}

    def local_date(self, t: int) -> date:
        """The local calendar date of epoch second ``t``."""
        return datetime.fromtimestamp(t, self.zone).date()

    def epoch(self, d: date, at: time) -> int:
        """Epoch seconds of local wall time ``at`` on ``d``."""
        return int(datetime.combine(d, at, tzinfo=self.zone).timestamp())

    def _at(self, d: date, minute: int) -> int:
        """Epoch seconds of ``minute`` minutes after local midnight of ``d`` (may pass 24 h)."""
        day, m = divmod(minute, 24 * 60)
        return self.epoch(d + timedelta(days=day), time(m // 60, m % 60))

    def day_slots(self, d: date) -> list[tuple[int, int]]:
        """Minutes ``(start, end)`` of the slots starting on ``d`` (end may pass 24:00)."""
        closed = self.holidays is not None and d in self.holidays
        return [] if closed else self.weekly[d.weekday()]

    def slots(self, d: date) -> list[tuple[int, int]]:
        """The open intervals ``[start, end)`` starting on local date ``d``, in epoch seconds."""
        cached = self._cache.get(d)
        if cached is None:
            cached = self._cache[d] = [
                (self._at(d, a), self._at(d, b)) for a, b in self.day_slots(d)
            ]
        return cached

    def is_holiday_in_hours(self, t: int) -> bool:
        """Whether ``t`` is on a public holiday, at a time the weekly slots would be open."""
        d = self.local_date(t)
        if self.holidays is None or d not in self.holidays:
            return False
        minute = (t - self.epoch(d, time(0))) // 60
        return any(a <= minute < b for a, b in self.weekly[d.weekday()])

    def is_open(self, t: int) -> bool:
        """Whether epoch second ``t`` lies inside an open slot (end excluded)."""
        d = self.local_date(t)
        return any(s <= t < e for day in (d - _ONE_DAY, d) for s, e in self.slots(day))

    def block_day(self, t: int) -> date | None:
        """Channel Talk's in-hours test: the operating day of ``t``, or None when closed.

        The local minute of ``t`` must lie in a slot with its end minute included; the
        after-midnight tail of an overnight slot belongs to the day it started.
        """
        local = datetime.fromtimestamp(t, self.zone)
        d, minute = local.date(), local.hour * 60 + local.minute
        if any(a <= minute <= b for a, b in self.day_slots(d)):
            return d
        yesterday = d - _ONE_DAY
        if any(b > 24 * 60 and minute <= b - 24 * 60 for _, b in self.day_slots(yesterday)):
            return yesterday
        return None

    def same_block(self, a: int, b: int) -> bool:
        """Whether ``a`` and ``b`` are both inside hours on one operating day."""
        day = self.block_day(a)
        return day is not None and day == self.block_day(b)

    def next_open(self, t: int) -> int:
        """``t`` itself when open, else the start of the next open slot."""
        d = self.local_date(t) - _ONE_DAY
        for _ in range(400):
            for s, e in self.slots(d):
                if t < e:
                    return max(s, t)
            d += _ONE_DAY
        msg = "the calendar has no open slot within 400 days"
        raise InvalidOperatingHoursError(msg)

    def business_seconds(self, a: int, b: int) -> int:
        """Seconds of ``[a, b)`` inside open slots (0 when ``b <= a``)."""
        if b <= a:
            return 0
        total = 0
        d, last = self.local_date(a) - _ONE_DAY, self.local_date(b)
        while d <= last:
            for s, e in self.slots(d):
                total += max(0, min(b, e) - max(a, s))
            d += _ONE_DAY
        return total
