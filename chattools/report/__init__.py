"""The self-contained HTML report of an export.

:func:`build_report` computes the metrics of an export and renders a
:class:`Report` for a support lead: a summary against a stated target and the
previous period, the latest weeks, who is waiting now, the team, (for a 2026 export)
customer satisfaction and automation, the tags; then an
appendix for the analyst (reconciliation with Channel Talk's own numbers, data
quality, accounting, definitions). One HTML page with inline CSS and hand-drawn
inline SVG charts (no scripts, no external URLs); customer data masked by default.

Examples
--------
>>> import chattools as ct
>>> rep = ct.build_report(ct.Export.empty(), charts=False)
>>> "<h2>Appendix: data quality and accounting</h2>" in rep.html()
True
"""

from __future__ import annotations

from chattools.report.core import DEFAULT_TARGETS, Report, build_report, describe_hours
from chattools.report.period import Period
from chattools.report.sections import APPENDIX, SECTIONS, Context, Section

__all__ = [
    "APPENDIX",
    "DEFAULT_TARGETS",
    "SECTIONS",
    "Context",
    "Period",
    "Report",
    "Section",
    "build_report",
    "describe_hours",
]
