"""The report object and :func:`build_report`.

Examples
--------
>>> import chattools as ct
>>> rep = ct.build_report(ct.Export.empty(), title="Empty channel", charts=False)
>>> rep.title
'Empty channel'
>>> [s.title for s in rep.sections][:3]
['Headline numbers', 'Trends', 'Waiting and hold times']
>>> rep.html() == ct.build_report(ct.Export.empty(), title="Empty channel", charts=False).html()
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import Any

import polars as pl

from chattools.errors import InvalidValueError
from chattools.export import Export
from chattools.filters import FilterState, filter_export
from chattools.report.html import CSS, content_id, esc, fmt, page
from chattools.report.sections import SECTIONS, Context, Section, api

__all__ = ["DEFAULT_TARGETS", "Report", "build_report"]

#: SLA targets used when ``targets`` is not given: metric column → largest duration.
DEFAULT_TARGETS: Mapping[str, timedelta] = {"first_response_time": timedelta(hours=1)}

#: Sheets whose text is masked with ``mask=True`` (and the pseudonym label of names).
_MASKED = {
    "chats": "Customer",
    "messages": "Customer",
    "users": "Customer",
    "cases": "Customer",
    "meets": "Customer",
    "managers": "Agent",
}


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
            f'<section id="{s.anchor}"><h2>{esc(s.title)}</h2>\n{s.body}\n</section>'
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


def _masked(exp: Export) -> Export:
    mask_pii = api("mask_pii")
    if mask_pii is None:
        msg = "mask=True needs chattools.mask_pii, which this installation lacks"
        raise InvalidValueError(msg, hint="update chattools, or build the report with mask=False.")
    frames = {
        sheet: mask_pii(exp.frames[sheet], name_label=label)
        for sheet, label in _MASKED.items()
        if sheet in exp.frames
    }
    return replace(exp.with_frames(**frames), problems=mask_pii(exp.problems))


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
    value = exp.messages["createdAt"].max()
    return value if isinstance(value, datetime) else None


def _header(
    title: str,
    exp: Export,
    full: Export,
    state: FilterState,
    as_of: datetime | None,
    hours: Any,
    mask: bool,
) -> str:
    days = exp.chats["createdAt"].dt.date().drop_nulls()
    covered = (
        f"Chats created {fmt(days.min())} to {fmt(days.max())} ({exp.timezone})"
        if days.len()
        else f"No chats in the selected period ({exp.timezone})"
    )
    files = full.sources["file"].to_list() if "file" in full.sources.columns else []
    lines = [
        covered,
        f"Data as of the last message: {fmt(as_of)}" if as_of else "No messages",
        f"Selection: {state.describe()}",
        f"Files: {len(files)}; export generation: {exp.generation}",
        "Business-time metrics use the operating hours given"
        if hours is not None
        else "No operating hours given: calendar time only",
    ]
    if mask:
        lines.append("Personal data masked (names, e-mail addresses, phone numbers)")
    meta = "".join(f'<p class="meta">{esc(line)}</p>' for line in lines)
    return f"<header><h1>{esc(title)}</h1>{meta}</header>"


def build_report(
    exp: Export,
    *,
    hours: Any = None,
    title: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    mask: bool = False,
    targets: Mapping[str, timedelta] | None = None,
    charts: bool = True,
) -> Report:
    """Build the HTML report of an export.

    Parameters
    ----------
    exp
        The export (e.g. from :func:`chattools.open_export`).
    hours
        Operating hours (:class:`chattools.OperatingHours`) for business-time metrics.
    title
        The page title (default ``"Channel Talk chat report"``).
    date_from, date_to
        Inclusive dates (channel time zone) of chat ``createdAt`` to report on.
    mask
        Mask names, e-mail addresses and phone numbers everywhere (:func:`chattools.mask_pii`).
    targets
        SLA targets: metric column of :func:`chattools.chat_metrics` → largest duration;
        the share of chats within each is a headline number (default: first response
        within one hour).
    charts
        Draw charts (inline SVG, needs Altair and vl-convert); ``False`` keeps the tables.

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
    state = FilterState(date_from=date_from, date_to=date_to)
    full = _masked(exp) if mask else exp
    chosen = filter_export(full, state)
    as_of = _as_of(full)
    metrics_fn, waits_fn = api("chat_metrics"), api("waits")
    metrics = metrics_fn(chosen, hours, as_of=as_of) if metrics_fn else None
    waits = waits_fn(chosen, hours, as_of=as_of) if waits_fn else None
    if metrics is not None:
        unknown = [m for m in goal if m not in metrics.columns]
        if unknown:
            msg = f"targets name unknown metric(s) {unknown!r}"
            known = [c for c, d in metrics.schema.items() if isinstance(d, pl.Duration)]
            raise InvalidValueError(msg, hint=f"use duration columns of chat_metrics: {known!r}.")
    ctx = Context(
        exp=chosen,
        full=full,
        hours=hours,
        metrics=metrics,
        waits=waits,
        targets=goal,
        mask=mask,
        charts=charts,
    )
    sections = tuple(make(ctx) for make in SECTIONS)
    name = title or "Channel Talk chat report"
    return Report(
        title=name,
        header=_header(name, chosen, full, state, as_of, hours, mask),
        sections=sections,
    )
