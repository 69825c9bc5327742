"""The report object and :func:`build_report`.

Examples
--------
>>> import chattools as ct
>>> rep = ct.build_report(ct.Export.empty(), title="Empty channel", charts=False)
>>> rep.title
'Empty channel'
>>> [s.title for s in rep.sections][:3]
['Summary', 'Week by week', 'Waiting']
>>> rep.html() == ct.build_report(ct.Export.empty(), title="Empty channel", charts=False).html()
True
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import Any

import polars as pl

from chattools.derive.infer_hours import infer_operating_hours, resolve_hours
from chattools.errors import InvalidValueError
from chattools.export import Export
from chattools.filters import FilterState
from chattools.report.html import CSS, content_id, duration, esc, fmt, page
from chattools.report.period import Period, activity_day, export_period, implausible
from chattools.report.sections import APPENDIX, SECTIONS, Context, Section

__all__ = ["DEFAULT_TARGETS", "Report", "build_report", "describe_hours"]

#: SLA targets used when ``targets`` is not given: metric column → largest duration.
DEFAULT_TARGETS: Mapping[str, timedelta] = {"first_response_time": timedelta(hours=1)}


@dataclass(frozen=True, repr=False)
class Report:
    """A rendered report: a title, a header and its sections (HTML strings).

    Display it in a notebook (``_repr_html_``) or save it with :meth:`write_html`;
    the same input always gives byte-identical HTML.
    """

    title: str
    header: str
    sections: tuple[Section, ...]

    def _body(self) -> str:
        nav = "".join(f'<li><a href="#{s.anchor}">{esc(s.title)}</a></li>' for s in self.sections)
        blocks = "\n".join(
            f'<section id="{s.anchor}"'
            + (' class="appendix"' if s.title.startswith("Appendix") else "")
            + f"><h2>{esc(s.title)}</h2>\n{s.body}\n</section>"
            for s in self.sections
        )
        root = content_id(self.title, self.header, blocks)
        return (
            f'<div class="ctr" id="{root}">\n{self.header}\n'
            f"<nav><ul>{nav}</ul></nav>\n{blocks}\n</div>"
        )

    def html(self) -> str:
        """The whole self-contained HTML page."""
        return page(title=self.title, body=self._body())

    def _repr_html_(self) -> str:
        return f"<style>{CSS}</style>\n{self._body()}"

    def write_html(self, path: str | PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        out = Path(path)
        if out.is_dir():
            msg = f"path={str(path)!r} is a folder"
            raise InvalidValueError(msg, hint="pass a file name such as 'report.html'.")
        out.write_text(self.html(), encoding="utf-8", newline="\n")
        return out

    def __repr__(self) -> str:
        return f"<Report {self.title!r} sections={len(self.sections)}>"


#: The columns of :func:`chattools.chat_metrics` the sections read (and their
#: ``_business`` twins when operating hours are given).
_USED = (
    "id", "first_response_time", "resolution_time", "unanswered_tail", "pending_age_at_export",
    "messages_customer", "messages_team", "state", "assigneeId", "assignee_name", "tags",
    "createdAt", "openedAt",
)  # fmt: skip


def _check_targets(targets: Mapping[str, timedelta] | None) -> Mapping[str, timedelta]:
    if targets is None:
        return DEFAULT_TARGETS
    if not isinstance(targets, Mapping):
        msg = f"targets must map metric names to timedeltas, got {targets!r}"
        raise InvalidValueError(
            msg, hint='pass e.g. targets={"first_response_time": timedelta(minutes=10)}.'
        )
    for metric, target in targets.items():
        if not isinstance(target, timedelta) or target <= timedelta(0):
            msg = f"targets[{metric!r}] must be a positive timedelta, got {target!r}"
            raise InvalidValueError(msg, hint="pass e.g. timedelta(minutes=10).")
    return dict(targets)


def _as_of(exp: Export) -> datetime | None:
    value = exp.messages["createdAt"].max() if "createdAt" in exp.messages.columns else None
    return value if isinstance(value, datetime) else None


def describe_hours(hours: Any, inferred: Any = None) -> str:
    """The operating hours the business-time figures use, in one line.

    >>> import chattools as ct
    >>> describe_hours(ct.OperatingHours.weekly({"mon-fri": ["09:00-12:00", "13:00-18:00"]},
    ...     holidays="KR"))
    'mon-fri 09:00-12:00, 13:00-18:00; sat-sun closed; public holidays (KR) closed'
    >>> describe_hours(None)
    'none given: every figure is in calendar time (24 hours a day, 7 days a week)'
    """
    if hours is None:
        return "none given: every figure is in calendar time (24 hours a day, 7 days a week)"
    if inferred is not None:
        return f"{inferred.describe()} (inferred from the export)"
    week = getattr(hours, "week", None)
    if week is None:
        return "given as a custom calendar"
    from chattools.derive.hours_spec import DAY_NAMES, format_slot

    groups: list[tuple[list[str], str]] = []
    for name, slots in zip(DAY_NAMES, week, strict=True):
        text = ", ".join(map(format_slot, slots)) or "closed"
        if groups and groups[-1][1] == text:
            groups[-1][0].append(name)
        else:
            groups.append(([name], text))
    days = "; ".join(f"{g[0] if len(g) == 1 else f'{g[0]}-{g[-1]}'} {text}" for g, text in groups)
    holidays = getattr(hours, "holidays", None)
    if isinstance(holidays, str):
        days += f"; public holidays ({holidays}) closed"
    elif holidays:
        days += f"; {len(holidays)} holidays closed"
    else:
        days += "; no holidays"
    closed = getattr(hours, "closed_dates", ())
    if closed:
        days += f"; {len(closed)} more closed dates"
    return days


def _resolve(exp: Export, hours: Any) -> tuple[Any, Any]:
    """``hours`` as a calendar, and the inference behind it with ``hours="infer"``."""
    if isinstance(hours, str) and hours == "infer":
        found = infer_operating_hours(exp)
        return found.hours, found
    return resolve_hours(exp, hours), None


def _header(
    title: str, exp: Export, period: Period | None, as_of: datetime | None, hours_text: str,
    targets: Mapping[str, timedelta], mask: bool, selected: bool,
) -> str:  # fmt: skip
    files = exp.sources["file"].to_list() if "file" in exp.sources.columns else []
    span = period.describe() if period else "no chats"
    how = "as selected" if selected else "the export's own, by when chats were active"
    goal = "; ".join(f"{m.replace('_time', '').replace('_', ' ')} within {duration(t)}"
                     for m, t in targets.items())  # fmt: skip
    lines = [
        ("Period", f"{span} — {how} ({exp.timezone})"),
        ("Operating hours", hours_text),
        ("Target", goal),
        (
            "Data",
            f"{len(files)} file(s), export generation {exp.generation}"
            + (f"; last message {fmt(as_of)}" if as_of else "; no messages"),
        ),
        (
            "Customer data",
            "masked (names, e-mail addresses, phone numbers)" if mask else "shown unmasked",
        ),
    ]
    meta = "".join(f'<p class="meta"><b>{esc(k)}:</b> {esc(v)}</p>' for k, v in lines)
    return f"<header><h1>{esc(title)}</h1>{meta}</header>"


def _release_freed_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; a no-op
    where the C library has none).

    Reading an export frees most of what it allocated, but glibc keeps the freed pages
    (measured, 10,000-chat sample: 70 of the process's 270 MB after loading). Polars
    allocates its frames from its own allocator, which cannot reuse them: returning them
    before the report's work lowers the report's peak by as much (docs/decisions.md, 75).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # e.g. musl: another C library, no malloc_trim
        return
    trim(0)


def _metrics(
    exp: Export, calendar: Any, as_of: datetime | None, goal: Mapping[str, timedelta]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The :func:`chattools.chat_metrics` columns the report shows, with ``day``, and
    the :func:`chattools.waits` intervals of every chat: both from one set of runs.
    """
    from chattools.derive.collect import collect
    from chattools.derive.metrics import metrics_lazy
    from chattools.derive.runs import as_of_frame, runs_lazy
    from chattools.derive.waits import intervals_lazy

    hours = resolve_hours(exp, calendar)
    # both plans below read the runs: in memory, they are sorted once, not per plan (an
    # export over a dataset keeps streaming rather than hold them)
    runs = runs_lazy(exp)
    if not exp.is_lazy:
        runs = collect(runs, exp).lazy()
    # no ct_* column is shown: leaving them out skips the replay (the appendix's
    # reconciliation replays once for itself)
    plan = metrics_lazy(exp, hours, as_of=as_of, channel=False, runs=runs)
    schema = plan.collect_schema()
    unknown = [m for m in goal if m not in schema]
    if unknown:
        msg = f"targets name unknown metric(s) {unknown!r}"
        known = [c for c, d in schema.items() if isinstance(d, pl.Duration)]
        raise InvalidValueError(msg, hint=f"use duration columns of chat_metrics: {known!r}.")
    wanted = {*_USED, *goal}
    wanted |= {f"{c}_business" for c in wanted}
    # only the columns the report shows: the rest of the plan is never computed
    shown = plan.select([c for c in schema if c in wanted]).with_columns(
        activity_day().alias("day")
    )
    waits = intervals_lazy(runs, as_of_frame(exp, as_of), hours)
    return collect(shown, exp), collect(waits, exp)


def build_report(
    exp: Export,
    *,
    hours: Any = None,
    title: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    mask: bool = True,
    targets: Mapping[str, timedelta] | None = None,
    charts: bool = True,
) -> Report:
    """Build the HTML report of an export.

    Parameters
    ----------
    exp
        The export (e.g. from :func:`chattools.open_export`).
    hours
        Operating hours (:class:`chattools.OperatingHours`) for business-time figures,
        ``"infer"`` to infer them from the export (:func:`chattools.infer_operating_hours`),
        or ``None`` for calendar time only. The header states which.
    title
        The page title (default ``"Channel Talk chat report"``).
    date_from, date_to
        Inclusive local dates of the period (default: the export's own period, from the
        first to the last day a chat was active — opened, or created if never opened).
    mask
        Mask customer names, e-mail addresses and phone numbers wherever the report shows
        customer text (default ``True``; team names are shown).
    targets
        SLA targets: duration column of :func:`chattools.chat_metrics` → largest duration;
        the share of chats within each leads the summary (default: first response
        within one hour).
    charts
        Draw the charts (inline SVG); ``False`` keeps the tables only.

    Returns
    -------
    Report
        Deterministic: the same input gives byte-identical HTML (no wall-clock time, no
        random ids). It never holds a password: an :class:`~chattools.Export` has none.
    """
    if not isinstance(exp, Export):
        msg = f"exp must be a chattools.Export, got {type(exp).__name__!r}"
        raise InvalidValueError(msg, hint="open the file first: exp = ct.open_export(path).")
    goal = _check_targets(targets)
    FilterState(date_from=date_from, date_to=date_to)  # validates the dates
    _release_freed_heap()
    calendar, inferred = _resolve(exp, hours)
    as_of = _as_of(exp)
    every, waits = _metrics(exp, calendar, as_of, goal)
    bad = every.select(implausible(as_of)).to_series()
    own = export_period(every.filter(~bad), as_of)
    period = own
    if date_from or date_to:
        lo = date_from or (own.start if own else date_to)
        hi = date_to or (own.end if own else date_from)
        assert lo is not None and hi is not None
        period = Period(lo, hi)
    kept = every.filter(~bad)
    in_period = kept.filter(period.contains(pl.col("day"))) if period else kept.clear()
    previous = kept.filter(period.previous().contains(pl.col("day"))) if period else kept.clear()
    waits = waits.filter(pl.col("chat_id").is_in(in_period["id"].implode()))
    implausible_chats = exp.chats.filter(pl.col("id").is_in(every.filter(bad)["id"].implode()))
    hours_text = describe_hours(calendar, inferred)
    ctx = Context(
        exp=exp,
        period=period,
        metrics=in_period,
        previous=previous,
        waits=waits,
        implausible=implausible_chats,
        hours=calendar,
        hours_text=hours_text,
        targets=goal,
        as_of=as_of,
        mask=mask,
        charts=charts,
        inferred=inferred,
    )
    made = (make(ctx) for make in (*SECTIONS, *APPENDIX))
    sections = tuple(s for s in made if s is not None)  # a section may not apply
    name = title or "Channel Talk chat report"
    selected = bool(date_from or date_to)
    return Report(
        title=name,
        header=_header(name, exp, period, as_of, hours_text, goal, mask, selected),
        sections=sections,
    )
