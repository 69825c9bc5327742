"""An interactive filter panel for notebooks: a thin ipywidgets layer over :mod:`chattools.filters`.

All the filtering lives in the pure :class:`~chattools.filters.FilterState` and
:func:`~chattools.filters.filter_export`; the panel turns widget values into a state and,
whenever a filter changes, updates what it shows of the chats it keeps: their counts, a
summary table (first response, reply time, resolution, SLA attainment, unanswered and
pending chats: :func:`chattools.summarize` of :func:`chattools.chat_metrics`) and a chart
(chats per week and the weekly median first response, :mod:`chattools.plots`). Use
``panel.state``, ``panel.filtered`` (an :class:`~chattools.Export`), ``panel.metrics`` and
``panel.summary`` in the next cells.

ipywidgets is optional (``pip install 'chattools[notebooks]'``) and imported when a
panel is built.

Examples
--------
>>> import chattools as ct
>>> panel = ct.FilterPanel(ct.Export.empty(), chart=False)
>>> panel.state.is_empty, panel.filtered.chats.height
(True, 0)
>>> panel.counts_text
'0 of 0 chats, 0 of 0 messages'
>>> panel.summary["chats"].item()
0
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from chattools import plots
from chattools.derive.joins import UNASSIGNED_LABEL
from chattools.derive.metrics import chat_metrics
from chattools.derive.summary import summarize
from chattools.errors import ChattoolsError, MissingDependencyError
from chattools.export import Export
from chattools.filters import UNASSIGNED, FilterState, filter_export, medium_expr

if TYPE_CHECKING:
    from chattools.derive.hours import OperatingHours

__all__ = ["FilterPanel"]


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        msg = "FilterPanel needs the optional package 'ipywidgets'"
        raise MissingDependencyError(msg) from None
    return ipywidgets


def _sorted_values(series: pl.Series) -> list[str]:
    return sorted(str(v) for v in series.drop_nulls().unique().to_list())


def _duration(value: timedelta | None) -> str:
    """Minutes, or hours from two hours on: ``"12.5 min"``, ``"4.0 h"``."""
    if value is None:
        return "–"
    minutes = value.total_seconds() / 60
    return f"{minutes / 60:,.1f} h" if minutes >= 120 else f"{minutes:,.1f} min"


def _target_label(target: timedelta) -> str:
    minutes = target.total_seconds() / 60
    return f"{minutes / 60:g} h" if minutes >= 120 else f"{minutes:g} min"


#: The rows of the summary table: label, column of :func:`chattools.summarize`, format;
#: ``{b}`` is ``_business`` in business time, else empty.
_SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("chats", "chats", "count"),
    ("first response, median", "first_response_time{b}_median", "duration"),
    ("first response, 90th percentile", "first_response_time{b}_p90", "duration"),
    ("reply time, mean of all replies", "reply_time{b}_mean", "duration"),
    ("resolution, median", "resolution_time{b}_median", "duration"),
    ("last customer message unanswered", "unanswered", "count"),
    ("open, with the customer waiting", "pending", "count"),
    ("answered by a bot only", "bot_only", "count"),
)


class FilterPanel:
    """Date, tag, assignee, state and medium pickers over an export, with a live summary.

    Parameters
    ----------
    exp
        The export to filter.
    state
        The initial :class:`~chattools.filters.FilterState` (default: keep everything).
    hours
        The channel's :class:`~chattools.OperatingHours`: the summary is then in business
        time (the chart shows both).
    targets
        SLA targets per metric, e.g. ``{"first_response_time": timedelta(minutes=30)}``:
        the summary adds the share of chats within each.
    chart
        Draw the chart (a PNG, redrawn on every change; ``False`` keeps only its data,
        :attr:`chart_frames`).

    Attributes
    ----------
    widgets
        The individual input widgets by option name (``date_from``, ``date_to``,
        ``tags_all``, ``tags_any``, ``tags_none``, ``assignees``, ``states``, ``media``);
        setting their ``.value`` updates :attr:`state`, :attr:`filtered`, the counts,
        :attr:`summary` and the chart.
    box
        The ipywidgets container that a notebook displays.
    """

    def __init__(
        self,
        exp: Export,
        *,
        state: FilterState | None = None,
        hours: OperatingHours | None = None,
        targets: Mapping[str, timedelta] | None = None,
        chart: bool = True,
    ) -> None:
        w = _ipywidgets()
        self.exp = exp
        self.hours = hours
        self.targets = dict(targets or {})
        #: Per-chat metrics of the whole export, computed once; a filter keeps rows of it
        #: (a chat's metrics depend only on its own messages).
        self.all_metrics = chat_metrics(exp, hours)
        chats = exp.chats
        tag_names = set(exp.tags["name"].drop_nulls().to_list()) if "name" in exp.tags else set()
        if "tags" in chats.columns:
            tag_names.update(chats["tags"].explode().drop_nulls().to_list())
        tags = sorted(tag_names)
        assignees = _sorted_values(chats["assigneeId"]) if "assigneeId" in chats.columns else []
        names: dict[str, str] = {}
        if {"id", "name"} <= set(exp.managers.columns):
            for row in exp.managers.select("id", "name").drop_nulls().iter_rows():
                names.setdefault(row[0], row[1])
        assignee_options = [(UNASSIGNED_LABEL, UNASSIGNED)] + [
            (f"{names[a]} ({a})" if a in names else a, a) for a in assignees
        ]
        states = _sorted_values(chats["state"]) if "state" in chats.columns else []
        media = (
            _sorted_values(chats.select(medium_expr())["medium"])
            if "contactMediumType" in chats.columns
            else []
        )
        days = chats["createdAt"].dt.date().drop_nulls() if "createdAt" in chats.columns else None
        first = days.min() if days is not None and days.len() else None
        last = days.max() if days is not None and days.len() else None
        layout = w.Layout(width="auto")

        def multi(description: str, options: list[Any]) -> Any:
            return w.SelectMultiple(
                options=options, value=(), description=description, rows=6, layout=layout
            )

        self.widgets: dict[str, Any] = {
            "date_from": w.DatePicker(description="from", value=None),
            "date_to": w.DatePicker(description="to", value=None),
            "tags_all": multi("all tags", tags),
            "tags_any": multi("any tag", tags),
            "tags_none": multi("no tag", tags),
            "assignees": multi("assignee", assignee_options),
            "states": multi("state", states),
            "media": multi("medium", media),
        }
        span = f"data: {first!s} to {last!s}" if first is not None else "data: no chats"
        self._counts = w.HTML(value="")
        self._error = w.HTML(value="")
        self._summary_html = w.HTML(value="")
        self._chart: Any = w.Image(format="png") if chart else None
        self._chart_error = w.HTML(value="")
        shown = [self._summary_html, *([self._chart] if chart else []), self._chart_error]
        self.box = w.VBox(
            [
                w.HBox([self.widgets["date_from"], self.widgets["date_to"], w.Label(span)]),
                w.HBox([self.widgets[k] for k in ("tags_all", "tags_any", "tags_none")]),
                w.HBox([self.widgets[k] for k in ("assignees", "states", "media")]),
                self._counts,
                self._error,
                w.HBox(shown),
            ]
        )
        self._state = FilterState()
        self._filtered = exp
        self._metrics = self.all_metrics
        self._summary = pl.DataFrame()
        self.chart_frames: dict[str, pl.DataFrame] = {}
        if state is not None:
            self.set_state(state)
        self._update()
        for widget in self.widgets.values():
            widget.observe(self._on_change, names="value")

    # -- state ------------------------------------------------------------------------
    def _read_state(self) -> FilterState:
        values: dict[str, Any] = {}
        for name, widget in self.widgets.items():
            value = widget.value
            if name.startswith("date_"):
                values[name] = value if isinstance(value, date) else None
            else:
                values[name] = tuple(value)
        return FilterState(**values)

    def _on_change(self, _change: object = None) -> None:
        self._update()

    def _update(self) -> None:
        try:
            state = self._read_state()
        except ValueError as err:  # e.g. from-date after to-date: keep the last good state
            self._error.value = f"<span style='color:#b00'>{html.escape(str(err))}</span>"
            return
        self._error.value = ""
        self._state = state
        self._filtered = filter_export(self.exp, state)
        self._counts.value = f"<b>{html.escape(self.counts_text)}</b>"
        kept = self._filtered.chats["id"].implode()
        self._metrics = self.all_metrics.filter(pl.col("id").is_in(kept))
        business = self.hours is not None
        self._summary = summarize(self._metrics, by=[], targets=self.targets, business=business)
        self._summary_html.value = self._summary_table()
        self._draw_chart()

    def _summary_table(self) -> str:
        row = self._summary.row(0, named=True)
        time = "business time" if self.hours is not None else "calendar time"
        b = "_business" if self.hours is not None else ""
        columns = [(label, col.format(b=b), kind) for label, col, kind in _SUMMARY_ROWS]
        lines = [
            (label, f"{row[col]:,}" if kind == "count" else _duration(row[col]))
            for label, col, kind in columns
            if col in row
        ]
        for metric, target in self.targets.items():
            share = row.get(f"{metric}{b}_within_target")
            label = (
                f"{metric.removesuffix('_time').replace('_', ' ')} within {_target_label(target)}"
            )
            lines.append((label, "–" if share is None else f"{share:.1%}"))
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:right'>{html.escape(v)}</td></tr>"
            for k, v in lines
        )
        return (
            "<table class='chattools-summary'>"
            f"<caption>kept chats ({html.escape(time)})</caption>{body}</table>"
        )

    def _draw_chart(self) -> None:
        chats, metrics = self._filtered.chats, self._metrics
        self.chart_frames = {
            "volume": plots.volume_frame(chats, every="week"),
            "first_response": plots.trend_frame(metrics, metric="first_response_time"),
        }
        if self._chart is None:
            return
        try:
            chart = plots.volume_chart(chats, every="week", title="Kept chats per week") & (
                plots.trend_chart(metrics, title="Median first response per week (min)")
            )
            self._chart.value = plots.to_png(chart, scale=1)
        except ChattoolsError as err:  # e.g. the renderer cannot start: say so, keep the rest
            self._chart.value = b""
            self._chart_error.value = (
                f"<span style='color:#b00'>no chart: {html.escape(err.message)} "
                f"({html.escape(err.hint)})</span>"
            )
        else:
            self._chart_error.value = ""

    def set_state(self, state: FilterState) -> None:
        """Set every widget from ``state`` (values not among the options are ignored)."""
        for name, widget in self.widgets.items():
            value = getattr(state, name)
            if name.startswith("date_"):
                widget.value = value
            else:
                allowed = {opt[1] if isinstance(opt, tuple) else opt for opt in widget.options}
                widget.value = tuple(v for v in value if v in allowed)
        self._update()

    @property
    def state(self) -> FilterState:
        """The current :class:`~chattools.filters.FilterState`."""
        return self._state

    @property
    def filtered(self) -> Export:
        """The export restricted to the chats the current state keeps."""
        return self._filtered

    @property
    def metrics(self) -> pl.DataFrame:
        """:func:`chattools.chat_metrics` of the kept chats (one row per chat)."""
        return self._metrics

    @property
    def summary(self) -> pl.DataFrame:
        """:func:`chattools.summarize` of the kept chats: one row, as the panel shows it."""
        return self._summary

    @property
    def counts_text(self) -> str:
        """``"K of N chats, k of n messages"`` for the current state."""
        kept, total = self._filtered, self.exp
        return (
            f"{kept.chats.height} of {total.chats.height} chats, "
            f"{kept.messages.height} of {total.messages.height} messages"
        )

    # -- display ----------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<FilterPanel {self.state.describe()}: {self.counts_text}>"
