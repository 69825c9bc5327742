"""chattools: read, merge and analyse Channel Talk chat exports with Polars.

``import chattools`` is quick: each public name is imported from its module on first
use (PEP 562), so a script that only opens an export never loads the sample
generator, ``holidays``, Altair or ipywidgets.

Examples
--------
>>> import chattools as ct
>>> ct.__version__
'0.1.0'
>>> ct.open_export.__module__
'chattools.readers.load'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from chattools._version import __version__

if TYPE_CHECKING:  # the same names as _WHERE, for type checkers and editors
    from chattools import errors, sample, schema, sql
    from chattools.derive.channel import channel_metrics
    from chattools.derive.channel_2026 import channel_2026_metrics
    from chattools.derive.csat import csat_comments, csat_distribution, csat_summary
    from chattools.derive.experience import (
        alf_summary,
        hold_times,
        queue_times,
        reopen_rates,
        team_summary,
    )
    from chattools.derive.funnel import campaign_outcomes, supportbot_funnel
    from chattools.derive.hours import OperatingHours
    from chattools.derive.infer_hours import InferredHours, infer_operating_hours
    from chattools.derive.joins import chat_table
    from chattools.derive.metrics import chat_metrics
    from chattools.derive.reconcile import Reconciliation, reconcile
    from chattools.derive.summary import summarize
    from chattools.derive.tags import filter_tags, tag_groups, tag_pairs, tag_stats
    from chattools.derive.timeline import chats_without_messages, timeline
    from chattools.derive.transcript import transcript
    from chattools.derive.waits import waits
    from chattools.errors import ChattoolsError
    from chattools.export import Export
    from chattools.filters import FilterState, apply_filters, filter_export
    from chattools.privacy import mask_pii
    from chattools.readers.combine import coverage
    from chattools.readers.dataset import convert_to_dataset, open_dataset
    from chattools.readers.load import open_export
    from chattools.readers.parallel import open_exports
    from chattools.report import Report, build_report
    from chattools.widgets import FilterPanel

#: Public name → the module it lives in (``chattools.<name>``: that module itself).
_WHERE = {
    "ChattoolsError": "chattools.errors",
    "Export": "chattools.export",
    "FilterPanel": "chattools.widgets",
    "FilterState": "chattools.filters",
    "InferredHours": "chattools.derive.infer_hours",
    "OperatingHours": "chattools.derive.hours",
    "Reconciliation": "chattools.derive.reconcile",
    "Report": "chattools.report",
    "alf_summary": "chattools.derive.experience",
    "apply_filters": "chattools.filters",
    "build_report": "chattools.report",
    "campaign_outcomes": "chattools.derive.funnel",
    "channel_2026_metrics": "chattools.derive.channel_2026",
    "channel_metrics": "chattools.derive.channel",
    "chat_metrics": "chattools.derive.metrics",
    "chat_table": "chattools.derive.joins",
    "chats_without_messages": "chattools.derive.timeline",
    "convert_to_dataset": "chattools.readers.dataset",
    "coverage": "chattools.readers.combine",
    "csat_comments": "chattools.derive.csat",
    "csat_distribution": "chattools.derive.csat",
    "csat_summary": "chattools.derive.csat",
    "errors": "chattools.errors",
    "filter_export": "chattools.filters",
    "filter_tags": "chattools.derive.tags",
    "hold_times": "chattools.derive.experience",
    "infer_operating_hours": "chattools.derive.infer_hours",
    "mask_pii": "chattools.privacy",
    "open_dataset": "chattools.readers.dataset",
    "open_export": "chattools.readers.load",
    "open_exports": "chattools.readers.parallel",
    "queue_times": "chattools.derive.experience",
    "reconcile": "chattools.derive.reconcile",
    "reopen_rates": "chattools.derive.experience",
    "sample": "chattools.sample",
    "schema": "chattools.schema",
    "sql": "chattools.sql",
    "summarize": "chattools.derive.summary",
    "supportbot_funnel": "chattools.derive.funnel",
    "tag_groups": "chattools.derive.tags",
    "tag_pairs": "chattools.derive.tags",
    "tag_stats": "chattools.derive.tags",
    "team_summary": "chattools.derive.experience",
    "timeline": "chattools.derive.timeline",
    "transcript": "chattools.derive.transcript",
    "waits": "chattools.derive.waits",
}

__all__ = [
    "ChattoolsError",
    "Export",
    "FilterPanel",
    "FilterState",
    "InferredHours",
    "OperatingHours",
    "Reconciliation",
    "Report",
    "__version__",
    "alf_summary",
    "apply_filters",
    "build_report",
    "campaign_outcomes",
    "channel_2026_metrics",
    "channel_metrics",
    "chat_metrics",
    "chat_table",
    "chats_without_messages",
    "convert_to_dataset",
    "coverage",
    "csat_comments",
    "csat_distribution",
    "csat_summary",
    "errors",
    "filter_export",
    "filter_tags",
    "hold_times",
    "infer_operating_hours",
    "mask_pii",
    "open_dataset",
    "open_export",
    "open_exports",
    "queue_times",
    "reconcile",
    "reopen_rates",
    "sample",
    "schema",
    "sql",
    "summarize",
    "supportbot_funnel",
    "tag_groups",
    "tag_pairs",
    "tag_stats",
    "team_summary",
    "timeline",
    "transcript",
    "waits",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use, then keep it."""
    where = _WHERE.get(name)
    if where is None:
        msg = f"module 'chattools' has no attribute {name!r}"
        raise AttributeError(msg)
    module = importlib.import_module(where)
    value = module if where == f"chattools.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
