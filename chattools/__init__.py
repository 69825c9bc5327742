"""chattools: read, merge and analyse Channel Talk chat exports with Polars.

Examples
--------
>>> import chattools as ct
>>> ct.__version__
'0.1.0'
"""

from __future__ import annotations

from chattools import errors, sample, schema, sql
from chattools._version import __version__
from chattools.derive.funnel import campaign_outcomes, supportbot_funnel
from chattools.derive.hours import OperatingHours
from chattools.derive.metrics import chat_metrics
from chattools.derive.reconcile import Reconciliation, reconcile
from chattools.derive.summary import summarize
from chattools.derive.tags import filter_tags, tag_groups, tag_pairs, tag_stats
from chattools.derive.timeline import chats_without_messages
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

__all__ = [
    "ChattoolsError",
    "Export",
    "FilterPanel",
    "FilterState",
    "OperatingHours",
    "Reconciliation",
    "Report",
    "__version__",
    "apply_filters",
    "build_report",
    "campaign_outcomes",
    "chat_metrics",
    "chats_without_messages",
    "convert_to_dataset",
    "coverage",
    "errors",
    "filter_export",
    "filter_tags",
    "mask_pii",
    "open_dataset",
    "open_export",
    "open_exports",
    "reconcile",
    "sample",
    "schema",
    "sql",
    "summarize",
    "supportbot_funnel",
    "tag_groups",
    "tag_pairs",
    "tag_stats",
    "waits",
]
