"""The period a report covers: the export's own, by when chats were active in it.

A chat belongs to the day it was (last) opened — ``openedAt``, or ``createdAt`` for a
chat never opened — not to the day it was created: a half-year download holds chats
created years earlier and reopened in the half-year. Days outside any plausible range
(before :data:`EARLIEST`, e.g. Excel's ``1899-12-30`` zero date, or after the last
message) are not part of the period: they are reported as problems, and charts bin by
the period, never by such a date.

Examples
--------
>>> from datetime import date
>>> p = Period(date(2022, 1, 1), date(2022, 6, 30))
>>> p.days, p.previous()
(181, Period(start=datetime.date(2021, 7, 4), end=datetime.date(2021, 12, 31)))
>>> p.weeks()[0], p.weeks()[-1]
(Week(start=datetime.date(2021, 12, 27), days=2), Week(start=datetime.date(2022, 6, 27), days=4))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from chattools.readers.parse import TIMESTAMP_RANGE

__all__ = ["EARLIEST", "Period", "Week", "activity_day", "export_period", "implausible"]

#: No Channel Talk chat is older than this: the first day the readers accept (decision 43).
EARLIEST: date = TIMESTAMP_RANGE[0].date()


def activity_day() -> pl.Expr:
    """The local day a chat was active: ``openedAt``, else ``createdAt`` (as ``Date``)."""
    return pl.coalesce(pl.col("openedAt"), pl.col("createdAt")).dt.date()


@dataclass(frozen=True)
class Week:
    """A Monday-started week and how many of its days lie in the period (7: a full week)."""

    start: date
    days: int

    @property
    def partial(self) -> bool:
        """Whether fewer than seven of the week's days lie in the period."""
        return self.days < 7

    def label(self) -> str:
        """``"2022-06-27"`` or ``"2022-06-27 (4 of 7 days)"`` for a partial week."""
        base = self.start.isoformat()
        return f"{base} ({self.days} of 7 days)" if self.partial else base


@dataclass(frozen=True)
class Period:
    """Inclusive local dates ``start`` … ``end``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """The number of days in the period, both ends counted."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def contains(self, day: pl.Expr) -> pl.Expr:
        """Whether each ``day`` lies in the period."""
        return day.is_between(self.start, self.end)

    def weeks(self) -> list[Week]:
        """The Monday-started weeks overlapping the period, oldest first."""
        first = self.start - timedelta(days=self.start.weekday())
        weeks = []
        monday = first
        while monday <= self.end:
            lo, hi = max(monday, self.start), min(monday + timedelta(days=6), self.end)
            weeks.append(Week(monday, (hi - lo).days + 1))
            monday += timedelta(days=7)
        return weeks

    def describe(self) -> str:
        """The period in words: its dates, days, weeks and any partial first or last week."""
        weeks = self.weeks()
        partial = [w for w in (weeks[0], weeks[-1]) if w.partial]
        note = ""
        if partial:
            which = " and ".join(sorted({"first" if w is weeks[0] else "last" for w in partial}))
            note = f"; {which} week partial"
        return f"{self.start} to {self.end} ({self.days} days, {len(weeks)} weeks{note})"


def implausible(as_of: datetime | None) -> pl.Expr:
    """True for chats with no activity day, or one that cannot be real (module docstring)."""
    day = activity_day()
    late = day > as_of.date() if as_of is not None else pl.lit(False)
    return day.is_null() | (day < EARLIEST) | late


def export_period(chats: pl.DataFrame, as_of: datetime | None) -> Period | None:
    """The export's own period: first to last activity day of its plausible chats."""
    if chats.height == 0:
        return None
    marked = chats.select(activity_day().alias("d"), implausible(as_of).alias("bad"))
    days = marked.filter(~pl.col("bad") & pl.col("d").is_not_null())["d"]
    if days.len() == 0:
        return None
    lo, hi = days.min(), days.max()
    assert isinstance(lo, date) and isinstance(hi, date)
    return Period(lo, hi)
