"""Infer a channel's operating hours from where its ``operation*`` values are blank.

Channel Talk keeps an ``operation*`` value only when both of its endpoints are inside
operating hours in one block (:mod:`chattools.derive.channel_hours`), so an export
tells which instants were open: :func:`infer_operating_hours` reads the observations
of :mod:`chattools.derive.hours_evidence` and rebuilds the weekly schedule.

**How.** Per weekday, the minutes of the open observations (endpoints of present
values) are split into slots wherever at least ``min_support`` closed observations
(endpoints of blank values whose partner is surely open) lie between two open ones —
a lunch break, the night. Each slot boundary lies between the closest open and the
closest closed observation; of the minutes in between the *roundest* is taken (a
multiple of 60, then 30, 15, 10, 5 minutes), and weekdays whose boundaries can be the
same are given the same. A slot ending at midnight followed by one starting at
midnight the next day is one overnight slot. "Surely open" starts as "an open
observation within 5 minutes on each side, same weekday" and becomes "inside a slot"
after a first pass. Closed observations only come from dates on which some value was
present (a day the whole team was off says nothing about the hours), and public
holidays are judged apart: blank values inside the weekly hours on a holiday say
"holidays closed", present ones "not closed"; none says nothing (``None``: assumed not
closed).

Examples
--------
>>> import chattools as ct
>>> exp = ct.sample.generate(800, seed=5).export()
>>> found = ct.infer_operating_hours(exp)
>>> found.slots
{'mon-fri': ('09:00-12:00', '13:00-18:00')}
>>> found.holidays_closed, found.country
(True, 'KR')
>>> found.describe()
'mon-fri 09:00-12:00, 13:00-18:00; public holidays (KR) closed'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeAlias

import numpy as np
import polars as pl

from chattools.derive.hours import OperatingHours
from chattools.derive.hours_evidence import closed_observations, endpoints, observation_pairs
from chattools.derive.hours_segments import (
    DAY_MINUTES,
    Obs,
    Slot,
    adopt,
    grouped,
    harmonize,
    hhmm,
    segments,
    slot_text,
    week_slots,
)
from chattools.derive.hours_spec import DAY_NAMES
from chattools.derive.runs import HoursLike, check_hours
from chattools.errors import InvalidValueError
from chattools.export import Export

__all__ = ["HoursArg", "InferredHours", "infer_operating_hours", "resolve_hours"]

#: What ``hours=`` accepts across chattools: a calendar, ``"infer"`` or ``None``.
HoursArg: TypeAlias = "OperatingHours | HoursLike | Literal['infer'] | None"

_DAY = DAY_MINUTES
_SANDWICH = 5  # minutes: "surely open" before the first pass
#: Country of the public holidays tested when ``holidays="auto"``, by channel time zone.
ZONE_COUNTRIES = {
    "Asia/Seoul": "KR", "Asia/Tokyo": "JP", "Asia/Taipei": "TW", "Asia/Shanghai": "CN",
    "Asia/Hong_Kong": "HK", "Asia/Singapore": "SG", "Asia/Ho_Chi_Minh": "VN",
    "Asia/Bangkok": "TH", "Asia/Jakarta": "ID", "Asia/Manila": "PH", "Asia/Kolkata": "IN",
    "Europe/London": "GB", "Europe/Berlin": "DE", "Europe/Paris": "FR",
    "America/New_York": "US", "America/Chicago": "US", "America/Denver": "US",
    "America/Los_Angeles": "US", "Australia/Sydney": "AU",
}  # fmt: skip


@dataclass(frozen=True)
class InferredHours:
    """Operating hours inferred from an export, with the evidence behind them.

    ``hours`` is the calendar (use it as ``hours=`` anywhere); ``slots`` the weekly
    schedule by day group; ``holidays_closed`` ``True``/``False``, or ``None`` when no
    observation on a public holiday could tell (the calendar then keeps them open);
    ``evidence`` one row per weekday boundary (the closest open and closed
    observations on each side, and how many chats support each); ``holiday_evidence``
    one row per public holiday seen; ``chats`` the chats with a present ``operation*``
    value.
    """

    hours: OperatingHours
    slots: dict[str, tuple[str, ...]]
    holidays_closed: bool | None
    country: str | None
    evidence: pl.DataFrame
    holiday_evidence: pl.DataFrame
    chats: int

    def describe(self) -> str:
        """The schedule in one line."""
        week = "; ".join(f"{k} {', '.join(v)}" for k, v in self.slots.items())
        if self.country is None:
            hol = "public holidays not tested"
        elif self.holidays_closed is None:
            hol = f"public holidays ({self.country}) not seen: assumed open"
        else:
            hol = f"public holidays ({self.country}) {'closed' if self.holidays_closed else 'open'}"
        return f"{week}; {hol}"

    def __repr__(self) -> str:
        return f"<InferredHours {self.describe()!r} chats={self.chats}>"

    def _repr_html_(self) -> str:
        parts = [
            f"<p><b>Inferred operating hours</b> — {html.escape(self.describe())} "
            f"({self.chats} chats with a present operation* value)</p>",
            self.evidence._repr_html_(),
        ]
        if self.holiday_evidence.height:
            parts.append(self.holiday_evidence._repr_html_())
        return "<div class='chattools-inferred-hours'>" + "".join(parts) + "</div>"


def _obs(frame: pl.DataFrame) -> list[Obs]:
    """Per weekday: ``(minute, time, chat)`` of each observation."""
    week: list[Obs] = [[] for _ in range(7)]
    for wd, minute, t, chat in frame.select("weekday", "minute", "time", "chat_id").iter_rows():
        week[wd].append((minute, t, chat))
    return week


def _open_frame(pairs: pl.DataFrame) -> pl.DataFrame:
    present = pairs.filter("present")
    parts = [
        present.filter(pl.col("a_exact") if end == "a" else pl.lit(True)).select(
            "chat_id",
            pl.col(end).alias("time"),
            pl.col(f"{end}_date").alias("date"),
            pl.col(f"{end}_weekday").alias("weekday"),
            pl.col(f"{end}_minute").alias("minute"),
        )
        for end in ("a", "b")
    ]
    return pl.concat(parts)


def _inside(week: Sequence[Sequence[tuple[int, int]]], wd: pl.Series, m: pl.Series) -> pl.Series:
    """Whether each (weekday, minute) lies in a slot of that weekday (end minute included)."""
    hit = pl.Series(np.zeros(len(wd), dtype=bool))
    for d, day in enumerate(week):
        for s, e in day:
            hit = hit | ((wd == d) & (m >= s) & (m <= min(e, _DAY - 1)))
    return hit


def _sandwiched(opens: list[Obs], wd: pl.Series, m: pl.Series) -> pl.Series:
    out = np.zeros(len(wd), dtype=bool)
    wdn, mn = wd.to_numpy(), m.to_numpy()
    for d in range(7):
        ms = np.sort(np.array([o[0] for o in opens[d]], dtype=np.int64))
        sel = wdn == d
        if not len(ms) or not sel.any():
            continue
        x = mn[sel]
        below = np.searchsorted(ms, x, side="right") - np.searchsorted(ms, x - _SANDWICH)
        above = np.searchsorted(ms, x + _SANDWICH, side="right") - np.searchsorted(ms, x)
        out[sel] = (below > 0) & (above > 0)
    return pl.Series(out)


def _evidence_rows(
    week: list[list[Slot]], closed_days: dict[int, int], timezone: str
) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for d, day in enumerate(week):
        if not day:
            rows.append({"weekday": DAY_NAMES[d], "slot": None, "boundary": "closed all day",
                         "at": None, "open_side": None, "closed_side": None,
                         "slot_chats": 0, "closed_chats": closed_days.get(d, 0),
                         "bounded": closed_days.get(d, 0) > 0})  # fmt: skip
            continue
        for s in day:
            slot = slot_text(s.start, _DAY if s.end == _DAY - 1 else s.end)
            for boundary, at, opened, shut, n in (
                ("opens", s.start, s.first, s.before, s.before_chats),
                ("closes", s.end, s.last, s.after, s.after_chats),
            ):
                rows.append({"weekday": DAY_NAMES[d], "slot": slot, "boundary": boundary,
                             "at": hhmm(at), "open_side": opened[1],
                             "closed_side": shut[1] if shut else None,
                             "slot_chats": len(s.chats), "closed_chats": n,
                             "bounded": shut is not None})  # fmt: skip
    stamp = pl.Datetime("us", timezone)
    schema: dict[str, pl.DataType] = {
        "weekday": pl.String(), "slot": pl.String(), "boundary": pl.String(), "at": pl.String(),
        "open_side": stamp, "closed_side": stamp, "slot_chats": pl.Int64(),
        "closed_chats": pl.Int64(), "bounded": pl.Boolean(),
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _holidays(
    pairs: pl.DataFrame, week: list[list[tuple[int, int]]], hol: dict[date, str]
) -> tuple[bool | None, pl.DataFrame]:
    """Whether public holidays were closed: pairs within the weekly hours on a holiday."""
    on = pairs.filter(pl.col("a_date").is_in(list(hol)) & pl.col("same_date"))
    inside = _inside(week, on["a_weekday"], on["a_minute"]) & _inside(
        week, on["b_weekday"], on["b_minute"]
    )
    usable = on.filter(inside & (pl.col("a_exact") | pl.col("present")))
    per_day = (
        usable.group_by("a_date")
        .agg(
            pl.col("chat_id").filter("present").n_unique().alias("present_chats"),
            pl.col("chat_id").filter(~pl.col("present")).n_unique().alias("blank_chats"),
        )
        .sort("a_date")
        .with_columns(pl.col("a_date").replace_strict(hol, default=None).alias("holiday"))
        .select(pl.col("a_date").alias("date"), "holiday", "present_chats", "blank_chats")
        .cast({"present_chats": pl.Int64, "blank_chats": pl.Int64})
    )
    opened = int(per_day["present_chats"].sum())
    shut = int(per_day["blank_chats"].sum())
    verdict = None if opened == shut == 0 else shut > opened
    return verdict, per_day


def infer_operating_hours(
    exp: Export,
    *,
    holidays: str | None = "auto",
    min_chats: int = 30,
    min_support: int = 2,
) -> InferredHours:
    """Infer the channel's weekly operating hours from the exported ``operation*`` values.

    Parameters
    ----------
    exp
        A legacy export with its metric columns (messages are not needed).
    holidays
        Country code whose public holidays to test (``"KR"``), ``"auto"`` for the
        country of the export's time zone (:data:`ZONE_COUNTRIES`), or ``None``.
    min_chats
        Fewest chats with a present ``operation*`` value to infer anything from.
    min_support
        Fewest closed observations that split a slot (a lunch break), and fewest
        chats a slot needs.

    Raises
    ------
    MissingColumnError
        The chats have no ``operation*`` columns to read.
    InvalidValueError
        Too little evidence: fewer than ``min_chats`` chats with a present value.
    """
    if not isinstance(min_chats, int) or min_chats < 1:
        msg = f"min_chats must be a positive integer, got {min_chats!r}"
        raise InvalidValueError(msg, hint="pass e.g. min_chats=30.")
    if not isinstance(min_support, int) or min_support < 1:
        msg = f"min_support must be a positive integer, got {min_support!r}"
        raise InvalidValueError(msg, hint="pass e.g. min_support=2.")
    tz = exp.timezone
    pairs = endpoints(observation_pairs(exp), tz)
    chats = pairs.filter("present")["chat_id"].n_unique()
    if chats < min_chats:
        msg = (
            f"too little evidence to infer operating hours: {chats} chat(s) with a present "
            f"operation* value, fewer than min_chats={min_chats}"
        )
        raise InvalidValueError(
            msg,
            hint="give the hours yourself with hours=ct.OperatingHours.weekly(...), "
            "or infer from a longer export (several months of chats).",
        )
    country = ZONE_COUNTRIES.get(tz) if holidays == "auto" else holidays
    years = pairs.select(pl.col("a_date").dt.year().min(), pl.col("b_date").dt.year().max()).row(0)
    hol: dict[date, str] = {}
    if country is not None:
        import holidays as holidays_lib

        hol = dict(holidays_lib.country_holidays(country, years=range(years[0], years[1] + 1)))
    weekly = pairs.filter(~pl.col("a_date").is_in(list(hol)))
    opens = _open_frame(weekly)
    open_dates = opens["date"].unique()
    open_obs = _obs(opens)
    a_open = _sandwiched(open_obs, weekly["a_weekday"], weekly["a_minute"]) & weekly["a_exact"]
    b_open = _sandwiched(open_obs, weekly["b_weekday"], weekly["b_minute"])
    week: list[list[Slot]] = []
    for _ in range(2):
        closed_obs = _obs(closed_observations(weekly, a_open, b_open, open_dates))
        week = [segments(open_obs[d], closed_obs[d], min_support) for d in range(7)]
        harmonize(week)
        adopt(open_obs, closed_obs, week, min_support)
        harmonize(week)
        found = [[(s.start, s.end) for s in day] for day in week]
        a_open = _inside(found, weekly["a_weekday"], weekly["a_minute"]) & weekly["a_exact"]
        b_open = _inside(found, weekly["b_weekday"], weekly["b_minute"])
    if not any(week):
        msg = "too little evidence to infer operating hours: no slot has enough open observations"
        raise InvalidValueError(
            msg, hint="give the hours yourself with hours=ct.OperatingHours.weekly(...)."
        )
    blank_days = (
        weekly.filter(~pl.col("present")).group_by("a_weekday").agg(pl.col("chat_id").n_unique())
    )
    closed_days = dict(blank_days.iter_rows())
    slots = week_slots(week)
    closed, holiday_frame = (None, pl.DataFrame()) if not hol else _holidays(pairs, found, hol)
    spec = {DAY_NAMES[d]: [slot_text(*s) for s in slots[d]] for d in range(7) if slots[d]}
    calendar = OperatingHours.weekly(spec, timezone=tz, holidays=country if closed else None)
    return InferredHours(
        hours=calendar,
        slots=grouped(slots),
        holidays_closed=closed,
        country=country,
        evidence=_evidence_rows(week, closed_days, tz),
        holiday_evidence=holiday_frame,
        chats=chats,
    )


def resolve_hours(exp: Export, hours: object) -> HoursLike | None:
    """``hours`` as a calendar: ``"infer"`` → :func:`infer_operating_hours`, else checked."""
    if isinstance(hours, str):
        if hours == "infer":
            return infer_operating_hours(exp).hours
        msg = f'hours must be an OperatingHours, "infer" or None, got {hours!r}'
        raise InvalidValueError(
            msg, hint='pass hours="infer" or hours=ct.OperatingHours.weekly({...}).'
        )
    return check_hours(hours)
