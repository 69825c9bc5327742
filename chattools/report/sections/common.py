"""What every section of the report shares: the :class:`Context` it reads, the
:class:`Section` it returns, and the formatting helpers of its tables and charts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from chattools.derive.joins import UNASSIGNED_LABEL
from chattools.export import Export
from chattools.privacy import mask_pii
from chattools.report.html import content_id, duration, esc
from chattools.report.period import Period

VISIBLE = 10  #: rows of a table shown before the ``<details>`` fold
WEEKS_VISIBLE = 8  #: latest weeks shown before the fold
WAIT_LABELS = {
    "customer_on_team": "Customer waiting for the team",
    "team_on_customer": "Team waiting for the customer",
}


@dataclass(frozen=True)
class Section:
    """One titled block of the report."""

    title: str
    body: str

    @property
    def anchor(self) -> str:
        """The HTML id of the section, derived from its title."""
        return content_id("section", self.title)


@dataclass(frozen=True)
class Context:
    """Everything the sections read.

    ``exp`` is the whole input (never masked: sections mask what they show);
    ``metrics`` one :func:`chattools.chat_metrics` row per chat active in ``period``
    (``day``: its activity day), ``previous`` the same for the period of equal length
    before; ``waits`` the waiting intervals of the period's chats; ``implausible`` the
    chats dated outside any plausible range (left out, listed as problems).
    """

    exp: Export
    period: Period | None
    metrics: pl.DataFrame
    previous: pl.DataFrame
    waits: pl.DataFrame
    implausible: pl.DataFrame
    hours: Any
    hours_text: str
    targets: Mapping[str, timedelta]
    as_of: datetime | None
    mask: bool
    charts: bool = True
    inferred: Any = None  #: the InferredHours behind ``hours`` with ``hours="infer"``

    @property
    def business(self) -> bool:
        """Whether operating hours were given (times are then business times)."""
        return self.hours is not None

    @property
    def within_label(self) -> str:
        """The heading of the share-within-target columns."""
        return "Within target" + (" (business hours)" if self.business else "")

    @property
    def main_metric(self) -> str:
        """The first-response column the summary leads with (business when hours given)."""
        return "first_response_time_business" if self.business else "first_response_time"


def not_available(what: str, why: str) -> str:
    """The visible note of a part of the report that could not be built."""
    return f'<p class="na">{esc(what)}: not available ({esc(why)}).</p>'


def chart(ctx: Context, draw: Callable[[], str]) -> str:
    """``draw()`` in a chart frame, or nothing when charts are off."""
    if not ctx.charts:
        return ""
    return f'<div class="chart">{draw()}</div>'


def masked(ctx: Context, frame: pl.DataFrame, *, names: tuple[str, ...] = ()) -> pl.DataFrame:
    """``frame`` with customer names (columns ``names``), e-mails and phones masked."""
    if not ctx.mask or frame.height == 0:
        return frame
    return mask_pii(frame, name_columns=names)


def minutes(value: float) -> str:
    """A number of minutes as a readable duration (``90`` → ``1 h 30 min``)."""
    return duration(timedelta(minutes=value))


def within(column: str, target: timedelta) -> pl.Expr:
    """Share of the chats with a value in ``column`` whose value is at most ``target``."""
    return (pl.col(column) <= target).filter(pl.col(column).is_not_null()).mean()


def target_share(frame: pl.DataFrame, column: str, target: timedelta) -> float | None:
    """The share of ``column``'s values present that are within ``target`` (None without any)."""
    if column not in frame.columns:
        return None
    value = frame.select(within(column, target)).item()
    return None if value is None else float(value)


def median(frame: pl.DataFrame, column: str) -> timedelta | None:
    """The median of ``column``, or None when the frame or column is missing."""
    if column not in frame.columns or frame.height == 0:
        return None
    value = frame[column].median()
    return value if isinstance(value, timedelta) else None


def target_label(metric: str, target: timedelta, business: bool) -> str:
    """A KPI label such as ``First response within 30 min (business hours)``."""
    what = metric.replace("_time", "").replace("_", " ")
    return f"{what.capitalize()} within {duration(target)}" + (
        " (business hours)" if business else ""
    )


def minutes_of(series: pl.Series) -> list[float | None]:
    """A duration series as float minutes, nulls kept (for the charts)."""
    return [None if v is None else v.total_seconds() / 60 for v in series.to_list()]


def assignee_label() -> pl.Expr:
    """The assignee as :func:`chattools.chat_metrics` names them (``assignee_name``: the
    Manager sheet's name, or ``"manager 7 (unknown)"`` for an id the sheet lacks), and
    ``"(unassigned)"`` for a chat without one: the names of the notebooks and the charts.
    """
    return pl.col("assignee_name").fill_null(UNASSIGNED_LABEL)
