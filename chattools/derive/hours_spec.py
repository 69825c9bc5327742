"""Operating-hours specification: parse it, and expand it into UTC open intervals.

:class:`chattools.OperatingHours` (in :mod:`chattools.derive.hours`) answers questions
with the intervals built here; this module knows the calendar, that one the queries.

The grammar behind :meth:`chattools.OperatingHours.weekly`:

- a **day key** is a day name (``"mon"`` or ``"monday"``, any case), a range
  ``"mon-fri"`` (ranges wrap: ``"fri-mon"`` is Fri, Sat, Sun, Mon) or a comma list of
  those (``"mon,wed,fri"``); a day named by several keys gets all their slots;
- a **slot** is ``"HH:MM-HH:MM"``; an end earlier than the start crosses midnight and
  the slot belongs to the day it starts on; ``"24:00"`` is a valid end and
  ``"00:00-24:00"`` is a full day; a value is one slot or a list (``[]``: closed);
- overlapping or touching slots of one day are merged.

Slots are kept as ``(start, end)`` minutes after the local midnight of their day, with
``end`` up to ``48 * 60`` for a slot that crosses midnight.

:func:`open_intervals` lays the slots on the dates of some years (override, else closed
date, else weekly slots) as local wall-clock intervals and converts them to UTC: the set
of instants whose local wall clock reads inside ``[start, end)``. Within a stretch of
constant UTC offset ``o`` that is ``[start - o, end - o)``, so each interval is cut at the
zone's offset changes (found by sampling, then pinned to the second) — real elapsed
time across DST changes, no lost hour, no doubled one unless the clock repeats it.

Examples
--------
>>> from chattools.derive.hours_spec import parse_weekly, format_slot
>>> week = parse_weekly({"mon-fri": ["09:00-12:00", "13:00-18:00"], "sat": "22:00-06:00"})
>>> week[0], week[5], week[6]
(((540, 720), (780, 1080)), ((1320, 1800),), ())
>>> format_slot((1320, 1800))
'22:00-06:00 (next day)'
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl

from chattools.errors import InvalidOperatingHoursError

__all__ = [
    "DAY",
    "DAY_NAMES",
    "HOUR",
    "MINUTE",
    "SECOND",
    "Slots",
    "Week",
    "check_timezone",
    "day_number",
    "format_slot",
    "holiday_dates",
    "open_intervals",
    "parse_date",
    "parse_days",
    "parse_days_and_slots",
    "parse_holidays",
    "parse_overrides",
    "parse_slots",
    "parse_weekly",
]

#: Day names, Monday first (Python's ``date.weekday()`` order).
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SLOT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DAY = 24 * 60  # minutes
SECOND = 1_000_000  # microseconds: every instant below is int64 µs since the epoch
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
_EPOCH = date(1970, 1, 1).toordinal()
_LOW, _HIGH = np.iinfo(np.int64).min, np.iinfo(np.int64).max

#: One day's slots: sorted, merged ``(start_minute, end_minute)`` pairs.
Slots = tuple[tuple[int, int], ...]
#: Seven days of slots, Monday first.
Week = tuple[Slots, Slots, Slots, Slots, Slots, Slots, Slots]


def _day_index(name: str, key: object) -> int:
    word = name.strip().lower()
    if word in DAY_NAMES:
        return DAY_NAMES.index(word)
    if word in _FULL_NAMES:
        return _FULL_NAMES.index(word)
    msg = f"unknown day {name.strip()!r} in slots key {key!r}"
    raise InvalidOperatingHoursError(
        msg,
        hint="name days mon, tue, wed, thu, fri, sat, sun (or in full), ranges like "
        "'mon-fri' or lists like 'mon,wed'.",
    )


def parse_days(key: object) -> tuple[int, ...]:
    """The weekdays (0 = Monday) a slots key names, in week order.

    >>> parse_days("Fri-Mon"), parse_days("mon,wed"), parse_days("sunday")
    ((0, 4, 5, 6), (0, 2), (6,))
    """
    if not isinstance(key, str) or not key.strip():
        msg = f"slots key {key!r} is not a day name"
        raise InvalidOperatingHoursError(msg)
    days: set[int] = set()
    for part in key.split(","):
        first, sep, last = part.partition("-")
        lo = _day_index(first, key)
        hi = _day_index(last, key) if sep else lo
        days.update((lo + i) % 7 for i in range((hi - lo) % 7 + 1))
    return tuple(sorted(days))


def _merge(slots: Iterable[tuple[int, int]]) -> Slots:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(slots):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _parse_slot(text: object, where: str) -> tuple[int, int]:
    match = _SLOT.match(text) if isinstance(text, str) else None
    if match is None:
        msg = f'slot {text!r} for {where} is not "HH:MM-HH:MM"'
        raise InvalidOperatingHoursError(msg)
    h0, m0, h1, m1 = (int(g) for g in match.groups())
    if h0 > 23 or m0 > 59 or m1 > 59 or h1 > 24 or (h1 == 24 and m1 != 0):
        msg = f"slot {text!r} for {where} has a time outside 00:00-24:00"
        raise InvalidOperatingHoursError(
            msg,
            hint='hours run 00-23 (and "24:00" as an end), minutes 00-59.',
        )
    start, end = h0 * 60 + m0, h1 * 60 + m1
    if start == end:
        msg = f"slot {text!r} for {where} is empty (it starts where it ends)"
        raise InvalidOperatingHoursError(
            msg,
            hint='write a full day as "00:00-24:00"; leave a closed day out or give [].',
        )
    return (start, end if end > start else end + _DAY)


def parse_slots(value: object, *, where: str) -> Slots:
    """One ``"HH:MM-HH:MM"`` string or a list of them → merged minute pairs.

    >>> parse_slots(["13:00-18:00", "09:00-12:00", "11:00-13:00"], where="mon")
    ((540, 1080),)
    >>> parse_slots("00:00-24:00", where="sun")
    ((0, 1440),)
    """
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        msg = f"slots for {where} must be a string or a list of strings, got {value!r}"
        raise InvalidOperatingHoursError(msg)
    return _merge(_parse_slot(item, where) for item in items)


def parse_weekly(slots: Mapping[str, object]) -> Week:
    """A ``{day key: slots}`` mapping → seven days of merged slots, Monday first."""
    if not isinstance(slots, Mapping):
        msg = f"slots must be a mapping like {{'mon-fri': '09:00-18:00'}}, got {slots!r}"
        raise InvalidOperatingHoursError(msg)
    week: list[list[tuple[int, int]]] = [[] for _ in DAY_NAMES]
    for key, value in slots.items():
        parsed = parse_slots(value, where=f"key {key!r}")
        for day in parse_days(key):
            week[day].extend(parsed)
    a, b, c, d, e, f, g = (_merge(day) for day in week)
    return (a, b, c, d, e, f, g)


def parse_days_and_slots(
    items: Sequence[str], *, name: str = "operating hours"
) -> dict[str, list[str]]:
    """The command line's text form, ``"<days> <slot>,<slot>"`` per item, → the mapping
    :meth:`~chattools.derive.hours.OperatingHours.weekly` takes (which checks the days
    and slots with :func:`parse_weekly`); ``name`` is how an error calls the input
    (``"--hours"``).

    >>> parse_days_and_slots(["mon-fri 09:00-12:00,13:00-18:00", "sat 22:00-06:00"])
    {'mon-fri': ['09:00-12:00', '13:00-18:00'], 'sat': ['22:00-06:00']}
    >>> parse_days_and_slots(["mon-fri"])
    Traceback (most recent call last):
    ...
    chattools.errors.InvalidOperatingHoursError: cannot read operating hours 'mon-fri': expected days and slots
    Hint: write it like "mon-fri 09:00-12:00,13:00-18:00".
    """
    slots: dict[str, list[str]] = {}
    for item in items:
        days, _, times = item.strip().partition(" ")
        if not times.strip():
            msg = f"cannot read {name} {item!r}: expected days and slots"
            raise InvalidOperatingHoursError(
                msg, hint='write it like "mon-fri 09:00-12:00,13:00-18:00".'
            )
        slots.setdefault(days, []).extend(t.strip() for t in times.split(",") if t.strip())
    return slots


def format_slot(slot: tuple[int, int]) -> str:
    """``(start, end)`` minutes → ``"HH:MM-HH:MM"`` (marking a slot that ends next day)."""
    start, end = slot
    text = f"{start // 60:02d}:{start % 60:02d}-"
    if end > _DAY:
        end -= _DAY
        return text + f"{end // 60:02d}:{end % 60:02d} (next day)"
    return text + f"{end // 60:02d}:{end % 60:02d}"


def parse_date(value: object, *, where: str) -> date:
    """A ``datetime.date`` or an ISO ``"YYYY-MM-DD"`` string → ``date``.

    >>> parse_date("2026-05-05", where="closed_dates")
    datetime.date(2026, 5, 5)
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    msg = f"{where} holds {value!r}, which is not a date"
    raise InvalidOperatingHoursError(
        msg,
        hint="give datetime.date objects or ISO strings such as '2026-05-05'.",
    )


def parse_overrides(overrides: Mapping[Any, Any] | None) -> dict[date, Slots]:
    """``{date: slots}`` (``[]`` closes the date) → ``{date: merged slots}``."""
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        msg = (
            f"overrides must be a mapping like {{'2026-12-24': ['10:00-14:00']}}, got {overrides!r}"
        )
        raise InvalidOperatingHoursError(msg)
    result: dict[date, Slots] = {}
    for key, value in overrides.items():
        day = parse_date(key, where="overrides")
        result[day] = parse_slots(value, where=f"override {key!r}")
    return result


def parse_holidays(holidays: object) -> str | frozenset[date] | None:
    """A country code (``"KR"``, ``"US-CA"`` for a subdivision) or an iterable of dates."""
    if holidays is None:
        return None
    if isinstance(holidays, str):
        country, _, subdiv = holidays.strip().upper().partition("-")
        _country_holidays(country, subdiv or None, [], holidays)
        return holidays.strip().upper()
    if isinstance(holidays, Iterable):
        return frozenset(parse_date(d, where="holidays") for d in holidays)
    msg = f"holidays must be a country code or dates, got {holidays!r}"
    raise InvalidOperatingHoursError(
        msg,
        hint="pass a code such as 'KR' (see the holidays package) or a list of dates.",
    )


def _country_holidays(country: str, subdiv: str | None, years: list[int], given: str) -> set[date]:
    import holidays as holidays_package

    try:
        found = holidays_package.country_holidays(country, subdiv=subdiv, years=years)
    except NotImplementedError as err:
        msg = f"holidays={given!r} is not a country (or subdivision) the holidays package knows"
        raise InvalidOperatingHoursError(
            msg,
            hint="use an ISO 3166 code such as 'KR', 'JP' or 'US-CA', or pass a list of dates.",
        ) from err
    return set(found.keys())


def holiday_dates(
    source: str | frozenset[date] | None, first_year: int, last_year: int
) -> set[date]:
    """The closed dates ``source`` names within ``first_year``..``last_year``.

    >>> sorted(d.isoformat() for d in holiday_dates("KR", 2026, 2026) if d.month == 5)
    ['2026-05-01', '2026-05-05', '2026-05-24', '2026-05-25']
    """
    if source is None:
        return set()
    if isinstance(source, str):
        country, _, subdiv = source.partition("-")
        years = list(range(first_year, last_year + 1))
        return _country_holidays(country, subdiv or None, years, source)
    return {d for d in source if first_year <= d.year <= last_year}


def check_timezone(timezone: object) -> str:
    """Validate an IANA time-zone name (for both ``zoneinfo`` and Polars)."""
    try:
        if not isinstance(timezone, str):
            raise TypeError(timezone)
        zoneinfo.ZoneInfo(timezone)
        pl.Series([0], dtype=pl.Datetime("us", "UTC")).dt.convert_time_zone(timezone)
    except (TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError, pl.exceptions.PolarsError):
        msg = f"timezone={timezone!r} is not an IANA time zone"
        raise InvalidOperatingHoursError(
            msg,
            hint="use a name such as 'Asia/Seoul', 'Europe/Berlin' or 'UTC'.",
        ) from None
    return timezone


# -- expansion: slots on dates → UTC open intervals ----------------------------------------


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return d.toordinal() - _EPOCH


def _utc_offsets(zone: str, utc_us: np.ndarray) -> np.ndarray:
    """The zone's UTC offset (µs) in effect at each UTC instant."""
    utc = pl.Series(utc_us, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    local = utc.dt.convert_time_zone(zone).dt.replace_time_zone(None).to_physical()
    return local.to_numpy() - utc_us


def _segments(zone: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Constant-offset segments covering ``[lo, hi]``: bounds (n + 1) and offsets (n).

    Offsets are sampled every six hours; each change is then pinned down to the hour,
    the minute and the second (tz database changes fall on whole seconds).
    """
    step = 6 * HOUR
    grid = np.arange(lo // step * step, hi + step, step, dtype=np.int64)
    offsets = _utc_offsets(zone, grid)
    change = np.flatnonzero(offsets[1:] != offsets[:-1])
    left, before = grid[change], offsets[change]
    for finer in (HOUR, MINUTE, SECOND) if len(change) else ():
        probes = left[:, None] + finer * np.arange(1, step // finer + 1, dtype=np.int64)
        same = _utc_offsets(zone, probes.ravel()).reshape(probes.shape) == before[:, None]
        left = left + finer * np.argmin(same, axis=1)  # the last probe before the change
        step = finer
    bounds = np.concatenate([[_LOW], left + SECOND, [_HIGH]]).astype(np.int64)
    return bounds, np.concatenate([offsets[:1], offsets[change + 1]])


def _local_to_utc(zone: str, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants whose local wall-clock time lies in ``[lo, hi)``, as intervals.

    Within a constant-offset segment ``[B_j, B_j+1)`` with offset ``o_j`` that preimage
    is ``[lo - o_j, hi - o_j) ∩ [B_j, B_j+1)``; each local interval meets a few segments.
    """
    bounds, offsets = _segments(zone, int(lo.min()) - DAY, int(hi.max()) + DAY)
    first = np.searchsorted(bounds, lo - offsets.max(), side="right") - 1
    last = np.minimum(
        np.searchsorted(bounds, hi - offsets.min(), side="right") - 1, len(offsets) - 1
    )
    count = last - first + 1
    row = np.repeat(np.arange(len(lo)), count)
    seg = (
        np.repeat(first, count)
        + np.arange(count.sum())
        - np.repeat(np.cumsum(count) - count, count)
    )
    starts = np.maximum(lo[row] - offsets[seg], bounds[seg])
    ends = np.minimum(hi[row] - offsets[seg], bounds[seg + 1])
    keep = starts < ends
    return starts[keep], ends[keep]


def _merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort intervals and merge the overlapping or touching ones."""
    if len(starts) == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] > reach[:-1]
    heads = np.flatnonzero(new)
    return starts[heads], np.maximum.reduceat(ends, heads)


def open_intervals(
    week: Week,
    timezone: str,
    closed: set[date] | frozenset[date],
    overrides: Mapping[date, Slots],
    first_year: int,
    last_year: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, merged UTC open intervals (µs) of the slots starting in the given years.

    Per date: an override replaces the weekly slots, else a closed date has none.
    """
    days = np.arange(day_number(date(first_year, 1, 1)), day_number(date(last_year, 12, 31)) + 1)
    special = np.isin(days, [day_number(d) for d in set(closed) | set(overrides)])
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []

    def add(on: np.ndarray, slots: Slots) -> None:
        minutes = np.array(slots, dtype=np.int64).reshape(-1, 2) * MINUTE
        lo.append((on[:, None] * DAY + minutes[None, :, 0]).ravel())
        hi.append((on[:, None] * DAY + minutes[None, :, 1]).ravel())

    for wd, slots in enumerate(week):
        add(days[~special & (weekday == wd)], slots)
    for day, slots in overrides.items():
        if first_year <= day.year <= last_year:
            add(np.array([day_number(day)], dtype=np.int64), slots)
    local_lo, local_hi = np.concatenate(lo), np.concatenate(hi)
    if len(local_lo) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return _merge_intervals(*_local_to_utc(timezone, local_lo, local_hi))
