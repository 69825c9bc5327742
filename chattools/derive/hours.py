"""Operating hours: business time between timestamps, vectorised and DST-safe.

An :class:`OperatingHours` calendar holds weekly open slots (several a day for lunch
breaks; a slot may cross midnight and then belongs to the day it starts on), an IANA
time zone, closed dates (public holidays through the ``holidays`` package, plus your
own dates) and per-date overrides. The slot grammar is described in
:mod:`chattools.derive.hours_spec`.

**What is open.** An instant is open when the local wall clock, read on the date a
slot starts (or the day after, for the tail of a slot crossing midnight), lies in
``[start, end)``. Business time is measured in real elapsed time: a slot 01:00-04:00 in
``Europe/Berlin`` lasts 2 hours on the night the clocks spring forward and 4 hours on
the night they fall back. Precedence per date: an override replaces the weekly slots;
otherwise a holiday or closed date closes every slot that **starts** on it (the
after-midnight tail of a slot that started the evening before still runs into it,
like the night shift that is already at work); otherwise the weekly slots apply.

**How.** The calendar is expanded into sorted, merged UTC open intervals
``S[k], E[k]`` with prefix sums ``cum[k]`` (business time before interval ``k``).
For any instant ``F(t) = cum[k] + clip(t - S[k], 0, E[k] - S[k])`` where ``k`` is the
last interval with ``S[k] <= t`` (a binary search), and the business duration of
``[a, b)`` is ``F(b) - F(a)``: O(N log M), exact to the microsecond. Each time an
expression runs, the years it needs are worked out from the data it sees (whole
calendar years around the earliest and latest non-null timestamps, holidays looked up
for those years only); the expansion is cached on the calendar and widened on demand,
so any dates work. :meth:`OperatingHours.expand` lists the intervals of a range.

Timestamps may be in any time zone (they are compared as instants); naive ones are
read as wall-clock times in the calendar's zone (the first of two repeated times), and
``Date`` values as local midnight. Zones whose offset changes twice within six hours
are not supported (the tz database has no such case in modern times).

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools.derive.hours import OperatingHours
>>> hours = OperatingHours.weekly(
...     {"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone="Asia/Seoul", holidays="KR"
... )
>>> chats = pl.DataFrame({
...     "openedAt": [datetime(2026, 3, 3, 11, 30), datetime(2026, 3, 6, 17, 0)],
...     "closedAt": [datetime(2026, 3, 3, 14, 0), datetime(2026, 3, 9, 10, 0)],
... }).with_columns(pl.all().dt.replace_time_zone("Asia/Seoul"))
>>> business = hours.business_duration("openedAt", "closedAt")
>>> chats.select(business)["openedAt"].to_list()
[datetime.timedelta(seconds=5400), datetime.timedelta(seconds=7200)]
>>> chats.select(hours.deadline("openedAt", pl.duration(hours=2)))["openedAt"].dt.hour().to_list()
[14, 10]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from chattools.derive.hours_spec import (
    DAY,
    DAY_NAMES,
    MINUTE,
    Slots,
    Week,
    check_timezone,
    format_slot,
    holiday_dates,
    open_intervals,
    parse_date,
    parse_holidays,
    parse_overrides,
    parse_weekly,
)
from chattools.errors import InvalidValueError

__all__ = ["OperatingHours"]

_EPOCH = date(1970, 1, 1).toordinal()
#: A column name, an expression, or a literal datetime/date.
Moment = str | pl.Expr | datetime | date
_INPUT_HINT = "pass Datetime columns (any time zone), and a Duration for the business time."


def _year_of(instant_us: int) -> int:
    day = instant_us // DAY + _EPOCH
    if not 1 <= day <= date.max.toordinal():
        msg = "timestamps outside the years 1-9999 cannot be given operating hours"
        raise InvalidValueError(
            msg,
            hint="filter out placeholder dates before computing business time.",
        )
    return date.fromordinal(day).year


@dataclass(frozen=True)
class _Intervals:
    """Merged UTC open intervals (µs) for local dates ``first_year``..``last_year``."""

    first_year: int
    last_year: int
    starts: np.ndarray
    ends: np.ndarray
    before: np.ndarray  # business time before each interval: cum[k]

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """``F(t)``: business time from the start of the expansion to ``t``."""
        if len(self.starts) == 0:
            return np.zeros_like(t)
        k = np.searchsorted(self.starts, t, side="right") - 1
        kc = np.maximum(k, 0)
        inside = np.clip(t - self.starts[kc], 0, self.ends[kc] - self.starts[kc])
        return np.where(k >= 0, self.before[kc] + inside, 0)

    def inverse(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Earliest ``t`` with ``F(t) == target`` (for ``target > 0``), and whether found."""
        through = self.before + (self.ends - self.starts)
        k = np.searchsorted(through, target, side="left")
        found = k < len(self.starts)
        kc = np.minimum(k, max(len(self.starts) - 1, 0))
        if len(self.starts) == 0:
            return np.zeros_like(target), found
        return self.starts[kc] + (target - self.before[kc]), found

    def contains(self, t: np.ndarray) -> np.ndarray:
        if len(self.starts) == 0:
            return np.zeros(len(t), dtype=bool)
        k = np.searchsorted(self.starts, t, side="right") - 1
        return (k >= 0) & (t < self.ends[np.maximum(k, 0)])


def _instants(series: pl.Series, zone: str, param: str) -> tuple[np.ndarray, np.ndarray]:
    """A Datetime/Date series → (UTC µs int64, null mask); naive means local wall clock."""
    dtype = series.dtype
    if dtype == pl.Date:
        series, dtype = series.cast(pl.Datetime("us")), pl.Datetime("us")
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        try:
            series = series.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="raise")
        except pl.exceptions.PolarsError:
            msg = (
                f"{param} holds naive times that do not exist in {zone!r} (skipped by a DST change)"
            )
            raise InvalidValueError(
                msg,
                hint="attach the right time zone first with .dt.replace_time_zone(...).",
            ) from None
    elif not isinstance(dtype, pl.Datetime | pl.Null):
        msg = f"{param} must be a Datetime, got {dtype!r}"
        raise InvalidValueError(msg, hint=_INPUT_HINT)
    physical = series.cast(pl.Datetime("us", "UTC")).to_physical()
    return physical.fill_null(0).to_numpy().astype(np.int64), physical.is_null().to_numpy()


def _business_us(series: pl.Series, param: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(series.dtype, pl.Duration | pl.Null):
        msg = f"{param} must be a Duration, got {series.dtype!r}"
        raise InvalidValueError(msg, hint=_INPUT_HINT)
    physical = series.cast(pl.Duration("us")).to_physical()
    if (physical < 0).any():
        worst = str(timedelta(microseconds=int(physical.fill_null(0).to_numpy().min())))
        msg = f"{param} holds negative business durations, e.g. {worst!r}"
        raise InvalidValueError(
            msg,
            hint="deadlines are counted forward; filter or clip negative durations first.",
        )
    return physical.fill_null(0).to_numpy().astype(np.int64), physical.is_null().to_numpy()


def _broadcast(*arrays: np.ndarray) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        msg = f"inputs have different lengths {[len(a) for a in arrays]}"
        raise InvalidValueError(
            msg,
            hint="give columns of one frame, or a single literal value.",
        ) from None


def _series(values: np.ndarray, nulls: np.ndarray, dtype: pl.DataType) -> pl.Series:
    out = pl.Series(np.ascontiguousarray(values))
    if nulls.any():
        out = out.scatter(np.flatnonzero(nulls), None)
    return out.cast(dtype)


def _expr(value: str | pl.Expr | Any) -> pl.Expr:
    if isinstance(value, str):
        return pl.col(value)
    return value if isinstance(value, pl.Expr) else pl.lit(value)


class OperatingHours:
    """A business calendar; build one with :meth:`OperatingHours.weekly`.

    Attributes ``week`` (seven tuples of ``(start, end)`` minutes, Monday first),
    ``timezone``, ``holidays`` (a country code, a frozenset of dates or None),
    ``closed_dates`` and ``overrides`` hold the parsed specification; calendars with
    the same specification compare equal.

    Examples
    --------
    >>> hours = OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone="UTC")
    >>> hours.business_seconds_between(datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 9, 30))
    1800.0
    """

    def __init__(
        self,
        week: Week,
        *,
        timezone: str,
        holidays: str | frozenset[date] | None,
        closed_dates: frozenset[date],
        overrides: Mapping[date, Slots],
    ) -> None:
        self.week = week
        self.timezone = check_timezone(timezone)
        self.holidays = holidays
        self.closed_dates = closed_dates
        self.overrides = dict(sorted(overrides.items()))
        self._cache: _Intervals | None = None

    @classmethod
    def weekly(
        cls,
        slots: Mapping[str, str | Sequence[str]],
        *,
        timezone: str = "Asia/Seoul",
        holidays: str | Iterable[date | str] | None = None,
        closed_dates: Iterable[date | str] | date | str = (),
        overrides: Mapping[date | str, str | Sequence[str]] | None = None,
    ) -> OperatingHours:
        """Build a calendar from weekly slots.

        Parameters
        ----------
        slots
            ``{day key: slot or [slots]}``, e.g. ``{"mon-fri": ["09:00-12:00",
            "13:00-18:00"], "sat": "22:00-06:00"}`` (see :mod:`~chattools.derive.hours_spec`).
        timezone
            IANA zone the slots are read in.
        holidays
            A country code for the ``holidays`` package (``"KR"``; ``"US-CA"`` for a
            subdivision), looked up lazily for the years the data covers, or dates.
        closed_dates
            More dates closed all day (``date`` or ``"YYYY-MM-DD"``; one or many).
        overrides
            ``{date: slots}`` replacing that date's slots; ``[]`` closes it. An
            override wins over a holiday or closed date.

        Examples
        --------
        >>> OperatingHours.weekly({"Mon-Fri": "09:00-18:00"}, timezone="Europe/Berlin").week[:2]
        (((540, 1080),), ((540, 1080),))
        """
        if isinstance(closed_dates, str | date):
            closed_dates = [closed_dates]
        return cls(
            parse_weekly(slots),
            timezone=timezone,
            holidays=parse_holidays(holidays),
            closed_dates=frozenset(parse_date(d, where="closed_dates") for d in closed_dates),
            overrides=parse_overrides(overrides),
        )

    # -- expansion -------------------------------------------------------------------

    def _expand(self, first_year: int, last_year: int) -> _Intervals:
        closed = holiday_dates(self.holidays, first_year, last_year) | self.closed_dates
        starts, ends = open_intervals(
            self.week, self.timezone, closed, self.overrides, first_year, last_year
        )
        before = np.concatenate([[0], np.cumsum(ends - starts)[:-1]]).astype(np.int64)
        return _Intervals(first_year, last_year, starts, ends, before[: len(starts)])

    def _intervals(self, lo: int, hi: int) -> _Intervals:
        """The (cached) expansion covering every open interval that meets ``[lo, hi]``."""
        first, last = _year_of(lo - 2 * DAY), _year_of(hi + 2 * DAY)
        cache = self._cache
        if cache is None or cache.first_year > first or cache.last_year < last:
            if cache is not None:
                first, last = min(first, cache.first_year), max(last, cache.last_year)
            cache = self._cache = self._expand(first, last)
        return cache

    # -- vectorised kernels (numpy in, numpy out) ---------------------------------------

    def _business_batch(self, series: Sequence[pl.Series]) -> pl.Series:
        (a, a_null), (b, b_null) = (
            _instants(s, self.timezone, p) for s, p in zip(series, ("start", "end"), strict=True)
        )
        a, b, a_null, b_null = _broadcast(a, b, a_null, b_null)
        nulls = a_null | b_null
        out = np.zeros(len(a), dtype=np.int64)
        if not nulls.all():
            both = np.concatenate([a[~nulls], b[~nulls]])
            iv = self._intervals(int(both.min()), int(both.max()))
            out = np.maximum(iv.cumulative(b) - iv.cumulative(a), 0)
        return _series(out, nulls, pl.Duration("us"))

    def _deadline_batch(self, series: Sequence[pl.Series]) -> pl.Series:
        a, a_null = _instants(series[0], self.timezone, "start")
        need, need_null = _business_us(series[1], "business")
        a, need, a_null, need_null = _broadcast(a, need, a_null, need_null)
        nulls = a_null | need_null
        out = a.copy()
        todo = ~nulls & (need > 0)
        if todo.any():
            lo, hi = int(a[todo].min()), int(a[todo].max())
            weekly = sum(e - s for day in self.week for s, e in day) * MINUTE
            for _ in range(6):
                iv = self._intervals(lo, hi)
                found_at, found = iv.inverse(iv.cumulative(a[todo]) + need[todo])
                missing = int((need[todo][~found]).max(initial=0))
                if found.all() or weekly == 0:
                    break
                hi += max(missing // weekly * 7 * DAY * 5 // 4, 365 * DAY)
            out[todo] = found_at
            nulls[np.flatnonzero(todo)[~found]] = True
        return _series(out, nulls, pl.Datetime("us", "UTC")).dt.convert_time_zone(self.timezone)

    def _open_batch(self, series: pl.Series) -> pl.Series:
        t, nulls = _instants(series, self.timezone, "time")
        out = np.zeros(len(t), dtype=bool)
        if not nulls.all():
            out = self._intervals(int(t[~nulls].min()), int(t[~nulls].max())).contains(t)
        return _series(out, nulls, pl.Boolean())

    # -- public expressions ------------------------------------------------------------

    def business_duration(self, start: Moment, end: Moment) -> pl.Expr:
        """Open time within ``[start, end)`` as ``Duration("us")``.

        Null when either side is null; zero when ``end <= start`` or nothing was open.
        Column names, expressions or literal datetimes are accepted.
        """
        return pl.map_batches(
            [_expr(start), _expr(end)],
            self._business_batch,
            return_dtype=pl.Duration("us"),
            is_elementwise=True,
        )

    def deadline(self, start: Moment, business: str | pl.Expr | timedelta) -> pl.Expr:
        """The earliest instant ``t >= start`` with ``business_duration(start, t) == business``.

        ``business`` is a Duration (``pl.duration(hours=8)``, a column, a ``timedelta``);
        zero gives ``start`` itself, negative values raise. The result is a Datetime in
        the calendar's time zone; the calendar is expanded past the data as far as the
        deadline needs. Null only when the calendar never opens enough (no weekly slots
        and overrides that run out).
        """
        return pl.map_batches(
            [_expr(start), _expr(business)],
            self._deadline_batch,
            return_dtype=pl.Datetime("us", self.timezone),
            is_elementwise=True,
        )

    def is_open(self, time: Moment) -> pl.Expr:
        """Whether each instant falls inside an open interval (``[open, close)``)."""
        return _expr(time).map_batches(
            self._open_batch, return_dtype=pl.Boolean(), is_elementwise=True
        )

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Scalar helper: business seconds in ``[start, end)`` for two datetimes.

        >>> hours = OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone="UTC")
        >>> hours.business_seconds_between(datetime(2026, 3, 6, 17), datetime(2026, 3, 9, 10))
        7200.0
        """
        value = pl.select(self.business_duration(pl.lit(start), pl.lit(end))).item()
        return float(value.total_seconds())

    def expand(self, start: date | datetime, end: date | datetime) -> pl.DataFrame:
        """The open intervals that meet ``[start, end)`` (a date means local midnight).

        >>> hours = OperatingHours.weekly({"sat": "22:00-06:00"}, timezone="Asia/Seoul")
        >>> opens, closes, length = hours.expand(date(2026, 3, 8), date(2026, 3, 9)).row(0)
        >>> opens.isoformat(), closes.isoformat(), length
        ('2026-03-07T22:00:00+09:00', '2026-03-08T06:00:00+09:00', datetime.timedelta(seconds=28800))
        """
        bounds = []
        for name, value in (("start", start), ("end", end)):
            if not isinstance(value, date):  # datetime is a date too
                msg = f"expand: {name} must be a date or datetime, got {value!r}"
                raise InvalidValueError(
                    msg,
                    hint="pass e.g. datetime.date(2026, 3, 1).",
                )
            bounds.append(int(_instants(pl.Series([value]), self.timezone, name)[0][0]))
        lo, hi = bounds
        iv = self._intervals(lo, hi)
        keep = (iv.ends > lo) & (iv.starts < hi)
        lengths = iv.ends - iv.starts
        frame = pl.DataFrame({"opens": iv.starts, "closes": iv.ends, "length": lengths})
        return frame.filter(keep).with_columns(
            pl.col("opens", "closes")
            .cast(pl.Datetime("us", "UTC"))
            .dt.convert_time_zone(self.timezone),
            pl.col("length").cast(pl.Duration("us")),
        )

    # -- presentation --------------------------------------------------------------------

    def describe(self) -> pl.DataFrame:
        """One row per weekly slot (closed days have null times), with its length.

        >>> OperatingHours.weekly({"sat": "22:00-06:00"}).describe().row(5)
        ('sat', '22:00', '06:00', True, datetime.timedelta(seconds=28800))
        """
        rows: list[tuple[str, str | None, str | None, bool | None, timedelta]] = []
        for name, slots in zip(DAY_NAMES, self.week, strict=True):
            for start, end in slots:
                opens, closes = format_slot((start, end)).split(" ")[0].split("-")
                rows.append((name, opens, closes, end > 24 * 60, timedelta(minutes=end - start)))
            if not slots:
                rows.append((name, None, None, None, timedelta(0)))
        schema = pl.Schema(
            {
                "weekday": pl.String(),
                "opens": pl.String(),
                "closes": pl.String(),
                "next_day": pl.Boolean(),
                "length": pl.Duration("us"),
            }
        )
        return pl.DataFrame(rows, schema=schema, orient="row")

    def __repr__(self) -> str:
        if isinstance(self.holidays, frozenset):
            holidays = f"<{len(self.holidays)} dates>"
        else:
            holidays = repr(self.holidays)
        lines = [f"OperatingHours(timezone={self.timezone!r}, holidays={holidays})"]
        for name, slots in zip(DAY_NAMES, self.week, strict=True):
            lines.append(f"  {name}  " + (", ".join(map(format_slot, slots)) or "closed"))
        if self.closed_dates:
            shown = sorted(self.closed_dates)
            more = f", … (+{len(shown) - 5})" if len(shown) > 5 else ""
            lines.append("  closed: " + ", ".join(d.isoformat() for d in shown[:5]) + more)
        for day, slots in self.overrides.items():
            lines.append(
                f"  {day.isoformat()}: " + (", ".join(map(format_slot, slots)) or "closed")
            )
        return "\n".join(lines)

    def _key(self) -> tuple[object, ...]:
        return (
            self.week,
            self.timezone,
            self.holidays,
            self.closed_dates,
            tuple(self.overrides.items()),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OperatingHours) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())
