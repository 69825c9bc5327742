"""The sections of the report: each a pure function of a :class:`Context` returning HTML.

The order is the reader's: a summary a support lead reads first, the latest weeks, who
is waiting now, the team, customer satisfaction and automation (2026 exports only: a
section that does not apply returns ``None``), the tags; analyst material (reconciliation, data quality,
accounting, definitions) goes to the appendix. Labels are words, durations readable
units, tables short (the rest behind ``<details>``). Customer text is masked where it
is shown when ``mask`` is on. A part whose inputs are missing renders a visible "not
available" note instead of failing. Every data value is escaped.
"""

from __future__ import annotations

from collections.abc import Callable

from chattools.report.sections import appendix, overview, tags, team, waiting
from chattools.report.sections.common import Context, Section, not_available

__all__ = ["APPENDIX", "SECTIONS", "Context", "Section", "not_available"]

#: The sections a manager reads, in report order (one module per topic; each section is a
#: function of the :class:`Context` returning a :class:`Section`, or None where it does not
#: apply).
SECTIONS: tuple[Callable[[Context], Section | None], ...] = (
    overview.summary,
    overview.weekly,
    waiting.waiting,
    team.team,
    team.satisfaction,
    tags.tags,
    overview.arrivals,
)
#: The analyst's appendix, after :data:`SECTIONS`.
APPENDIX: tuple[Callable[[Context], Section], ...] = (
    appendix.reconciliation,
    appendix.data_quality,
    appendix.definitions,
)
