"""Channel Talk's in-hours test behind the ``operation*`` columns: wall clock, whole minutes.

Channel Talk's ``operation*`` columns are **not** business seconds (``docs/metrics.md``,
measured on real exports): a value is the plain value, kept when both of its endpoints
lie inside operating hours **in the same block**, blank otherwise. A wait spanning lunch
is kept; one that starts before opening, ends in lunch or after closing, or runs into
another day is blanked. This module answers "in which block is this instant?":

* an instant is open when its local wall-clock **minute** lies in a slot, the slot's end
  minute **included** (a channel open 09:00-12:00 counts 12:00:59 as open: measured,
  100 % with the end minute included, 99.7-99.9 % without);
* an instant's block is the **operating day** of the slot it lies in: the local date the
  slot starts on. For slots that do not cross midnight that is the calendar day (what was
  measured); the after-midnight tail of an overnight slot belongs to the evening it
  started (an assumption: the measured channel has no overnight slot);
* dates are read like :class:`~chattools.OperatingHours` reads them: an override replaces
  the weekly slots, otherwise a closed date or public holiday closes the slots starting on
  it.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools.derive.hours import OperatingHours
>>> from chattools.derive.channel_hours import operating_day, same_block
>>> hours = OperatingHours.weekly({"mon-fri": ["09:00-12:00", "13:00-17:30"]},
...                               timezone="Asia/Seoul")
>>> t = lambda h, m, s=0: datetime(2022, 7, 4, h, m, s)  # a Monday
>>> df = pl.DataFrame({"a": [t(11, 50), t(11, 50), t(8, 59, 59), t(17, 30, 59)],
...                    "b": [t(13, 5), t(12, 30), t(9, 10), t(17, 30, 59)]}
...                   ).with_columns(pl.all().dt.replace_time_zone("Asia/Seoul"))
>>> df.select(same_block(hours, "a", "b"))["a"].to_list()
[True, False, False, True]
>>> df.select(operating_day(hours, "b"))["b"].to_list()[:2]
[datetime.date(2022, 7, 4), None]
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from chattools.derive.hours import OperatingHours
from chattools.derive.hours_spec import Slots, holiday_dates

__all__ = ["operating_day", "same_block"]

_DAY = 24 * 60
_EPOCH = date(1970, 1, 1).toordinal()


def _slots_on(hours: OperatingHours, day: date, closed: set[date]) -> Slots:
    """The slots that start on local date ``day`` (override, closed date, weekly)."""
    if day in hours.overrides:
        return hours.overrides[day]
    if day in closed:
        return ()
    return hours.week[day.weekday()]


def _slot_table(
    hours: OperatingHours, days: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct day (epoch-day numbers, sorted): start/end minutes, padded with -1."""
    first = date.fromordinal(int(days.min()) + _EPOCH)
    last = date.fromordinal(int(days.max()) + _EPOCH)
    closed = holiday_dates(hours.holidays, first.year, last.year) | set(hours.closed_dates)
    per_day = [_slots_on(hours, date.fromordinal(int(d) + _EPOCH), closed) for d in days]
    width = max([len(s) for s in per_day] + [1])
    starts = np.full((len(days), width), -1, dtype=np.int64)
    ends = np.full((len(days), width), -1, dtype=np.int64)
    for i, slots in enumerate(per_day):
        for k, (s, e) in enumerate(slots):
            starts[i, k], ends[i, k] = s, e
    return days, starts, ends


def _day_batch(series: pl.Series, hours: OperatingHours) -> pl.Series:
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is not None:
        series = series.dt.convert_time_zone(hours.timezone).dt.replace_time_zone(None)
    local = series.cast(pl.Datetime("us"))  # naive times are read as the local wall clock
    nulls = local.is_null().to_numpy()
    out = np.zeros(len(local), dtype=np.int64)
    found = np.zeros(len(local), dtype=bool)
    if not nulls.all():
        day = local.dt.date().cast(pl.Int64).fill_null(0).to_numpy()
        minute = (local.dt.hour().cast(pl.Int64) * 60 + local.dt.minute()).fill_null(0).to_numpy()
        wanted = np.unique(np.concatenate([day[~nulls], day[~nulls] - 1]))
        days, starts, ends = _slot_table(hours, wanted)
        today = np.searchsorted(days, day)
        yesterday = np.searchsorted(days, day - 1)
        m = minute[:, None]
        # the slot's end minute is open too: [start, end] in whole minutes
        in_today = (starts[today] >= 0) & (m >= starts[today]) & (m <= ends[today])
        tail_end = ends[yesterday] - _DAY
        in_tail = (starts[yesterday] >= 0) & (tail_end >= 0) & (m <= tail_end)
        today_open = in_today.any(axis=1) & ~nulls
        tail_open = in_tail.any(axis=1) & ~nulls & ~today_open
        out = np.where(today_open, day, np.where(tail_open, day - 1, 0))
        found = today_open | tail_open
    result = pl.Series(out).cast(pl.Int32).cast(pl.Date)
    missing = np.flatnonzero(~found)
    return result.scatter(missing, None) if len(missing) else result


def operating_day(hours: OperatingHours, time: str | pl.Expr) -> pl.Expr:
    """The operating day (a ``Date``) of each instant, null when it is outside hours.

    An instant is inside when its local minute lies in a slot, end minute included;
    the after-midnight tail of an overnight slot belongs to the day the slot started.
    """
    expr = pl.col(time) if isinstance(time, str) else time
    return expr.map_batches(
        lambda s: _day_batch(s, hours), return_dtype=pl.Date(), is_elementwise=True
    )


def same_block(hours: OperatingHours, start: str | pl.Expr, end: str | pl.Expr) -> pl.Expr:
    """Whether ``start`` and ``end`` are both inside operating hours on one operating day.

    The test behind Channel Talk's ``operation*`` columns: false (never null) when
    either side is null or outside hours.
    """
    a, b = operating_day(hours, start), operating_day(hours, end)
    return (a == b).fill_null(False)
