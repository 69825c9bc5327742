"""Hand-written 2026-generation exports for tests (import with ``from builders_2026 import …``).

Times are seconds after :data:`BASE` (Monday 2026-03-02 10:00 KST); ``…At`` columns
become tz-aware datetimes and the ``Time(초)`` columns durations, typed as
``docs/export-2026.md`` gives them (``chattools.schema`` where it knows the column).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from chattools import Export, schema

TZ = "Asia/Seoul"
BASE = datetime(2026, 3, 2, 10, 0)
_DOC_KINDS: dict[str, schema.Kind] = {  # the documented kinds, for columns schema lacks
    "replyCount": "int", "replyCountInOperation": "int", "reopenCount": "int",
    "reassignmentCount": "int", "ALF CX Score": "number", "profile.csat": "number",
    "everOpened": "bool", "reopened": "bool", "reassigned": "bool",
    "workflowTriggered": "bool", "alfTriggered": "bool", "isPrivate": "bool",
    "tags": "tags", "managerIds": "list",
}  # fmt: skip


def at(seconds: float | None) -> datetime | None:
    """``BASE + seconds`` in the channel's time zone (``None`` stays ``None``)."""
    if seconds is None:
        return None
    return (BASE + timedelta(seconds=seconds)).replace(tzinfo=ZoneInfo(TZ))


def _kind(sheet: str, name: str) -> schema.Kind:
    spec = schema.SHEETS[sheet]
    if spec.known(name):
        return spec.column(name).kind
    if name in _DOC_KINDS:
        return _DOC_KINDS[name]
    if name.endswith("At"):
        return "datetime"
    if name.endswith(("Time", "InOperation")):
        return "duration"
    return "text"


def frame(sheet: str, rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """A typed frame of ``sheet``: core columns null-filled, the given ones typed."""
    names = list(dict.fromkeys(k for r in rows for k in r))
    kinds = {k: _kind(sheet, k) for k in names}

    def value(k: str, v: Any) -> Any:
        if v is None:
            return None
        if kinds[k] == "datetime":
            return at(v)
        if kinds[k] == "duration":
            return timedelta(seconds=v)
        return v

    data = {k: [value(k, r.get(k)) for r in rows] for k in names}
    given = pl.DataFrame(data, schema={k: schema.dtype_of(kinds[k], TZ) for k in names})
    n = given.height
    prov = pl.DataFrame({"_file": ["t26.xlsx"] * n, "_row": list(range(1, n + 1))})
    typed = pl.concat([given, prov], how="horizontal")
    return pl.concat([schema.empty_frame(sheet, TZ), typed], how="diagonal_relaxed")


def export_2026(
    chats: Sequence[dict[str, Any]],
    messages: Sequence[tuple[Any, ...]] = (),
    **sheets: Sequence[dict[str, Any]],
) -> Export:
    """A 2026 export: ``chats`` as dicts; ``messages`` as ``(chatId, personType, seconds)``
    or ``(chatId, personType, seconds, isPrivate[, personId])`` in file order; other sheets
    (``teams``, ``managers``, ``tags``) as dicts."""
    msg_rows = []
    for m in messages:
        row: dict[str, Any] = {"chatId": m[0], "personType": m[1], "createdAt": m[2]}
        row["isPrivate"] = m[3] if len(m) > 3 else False
        row["personId"] = m[4] if len(m) > 4 else {"user": "u", "manager": "m1"}.get(m[1], "b")
        msg_rows.append(row)
    chat_frame = frame("chats", chats)
    every = [c.name for c in schema.frame_columns("chats", "2026")]  # as open_export types them
    absent = [n for n in every if n not in chat_frame.columns]
    chat_frame = chat_frame.with_columns(
        pl.lit(None, schema.dtype_of(_kind("chats", n), TZ)).alias(n) for n in absent
    )
    frames = {
        "chats": chat_frame,
        "messages": frame("messages", msg_rows) if msg_rows else schema.empty_frame("messages", TZ),
    }
    frames |= {k: frame(k, v) for k, v in sheets.items()}
    return Export(frames, generation="2026", timezone=TZ)
