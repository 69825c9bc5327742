"""An interactive filter panel for notebooks: a thin ipywidgets layer over :mod:`chattools.filters`.

All the logic lives in the pure :class:`~chattools.filters.FilterState` and
:func:`~chattools.filters.filter_export`; the panel only turns widget values into a
state and shows how many chats and messages it keeps. Use ``panel.state`` and
``panel.filtered`` (an :class:`~chattools.Export`) in the next cells.

ipywidgets is optional (``pip install 'chattools[notebooks]'``) and imported when a
panel is built.

Examples
--------
>>> import chattools as ct
>>> panel = ct.FilterPanel(ct.Export.empty())
>>> panel.state.is_empty, panel.filtered.chats.height
(True, 0)
>>> panel.counts_text
'0 of 0 chats, 0 of 0 messages'
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import polars as pl

from chattools.errors import MissingDependencyError
from chattools.export import Export
from chattools.filters import UNASSIGNED, FilterState, filter_export, medium_expr

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


class FilterPanel:
    """Date, tag, assignee, state and medium pickers over an export, with live counts.

    Parameters
    ----------
    exp
        The export to filter.
    state
        The initial :class:`~chattools.filters.FilterState` (default: keep everything).

    Attributes
    ----------
    widgets
        The individual input widgets by option name (``date_from``, ``date_to``,
        ``tags_all``, ``tags_any``, ``tags_none``, ``assignees``, ``states``, ``media``);
        setting their ``.value`` updates :attr:`state`, :attr:`filtered` and the counts.
    box
        The ipywidgets container that a notebook displays.
    """

    def __init__(self, exp: Export, *, state: FilterState | None = None) -> None:
        w = _ipywidgets()
        self.exp = exp
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
        assignee_options = [("(unassigned)", UNASSIGNED)] + [
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
        self.box = w.VBox(
            [
                w.HBox([self.widgets["date_from"], self.widgets["date_to"], w.Label(span)]),
                w.HBox([self.widgets[k] for k in ("tags_all", "tags_any", "tags_none")]),
                w.HBox([self.widgets[k] for k in ("assignees", "states", "media")]),
                self._counts,
                self._error,
            ]
        )
        self._state = FilterState()
        self._filtered = exp
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
