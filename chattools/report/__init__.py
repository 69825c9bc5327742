"""The self-contained HTML report of an export.

:func:`build_report` computes the metrics of an export and renders a
:class:`Report`: headline numbers, trends, waiting times, team, tags,
reconciliation with Channel Talk's own numbers and data-quality findings, as one
HTML page with inline CSS and inline SVG charts (no scripts, no external URLs).

Examples
--------
>>> import chattools as ct
>>> rep = ct.build_report(ct.Export.empty(), charts=False)
>>> "<h2>Data quality</h2>" in rep.html()
True
"""

from __future__ import annotations

from chattools.report.core import DEFAULT_TARGETS, Report, build_report
from chattools.report.sections import SECTIONS, Context, Section

__all__ = ["DEFAULT_TARGETS", "SECTIONS", "Context", "Report", "Section", "build_report"]
