"""Tiny typed-export builders the tests share (import with ``from builders import …``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from chattools import Export, schema

TZ = "Asia/Seoul"
#: Monday 2024-03-04 10:00 KST: every test time is seconds after this.
BASE = datetime(2024, 3, 4, 10, 0)


def at(seconds: int | None) -> datetime | None:
    """``BASE + seconds`` as a tz-aware datetime (``None`` stays ``None``)."""
    if seconds is None:
        return None
    from zoneinfo import ZoneInfo

    return (BASE + timedelta(seconds=seconds)).replace(tzinfo=ZoneInfo(TZ))


def _typed(sheet: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    target = schema.typed_schema(sheet, TZ)
    if not rows:
        return pl.DataFrame(schema=target)
    names = {k for r in rows for k in r}
    data = {k: [r.get(k) for r in rows] for k in names}
    spec = schema.SHEETS[sheet]

    def dtype(k: str) -> pl.DataType:
        if k in target:
            return target[k]
        return schema.dtype_of(spec.column(k).kind, TZ) if spec.known(k) else pl.String()

    raw = pl.DataFrame(data, schema={k: dtype(k) for k in names})
    return raw.select(
        [pl.col(c) if c in names else pl.lit(None, dtype=d).alias(c) for c, d in target.items()]
        + [pl.col(c) for c in names if c not in target]
    )


def make_export(
    chats: Sequence[dict[str, Any]],
    messages: Sequence[tuple[Any, ...]],
    *,
    lazy: bool = False,
) -> Export:
    """An export from hand-written rows.

    ``chats``: dicts with ``id``, ``state`` and times in seconds after :data:`BASE`
    (``openedAt``, ``closedAt``, ``createdAt``; ``createdAt`` defaults to ``openedAt``
    or 0), plus any other chat column. ``messages``: ``(chatId, personType, seconds)``
    or ``(chatId, personType, seconds, isPrivate)``, in file order.
    """
    chat_rows = []
    for c in chats:
        row = dict(c)
        for k in ("openedAt", "closedAt", "createdAt", "firstRepliedAtAfterOpen"):
            if k in row:
                row[k] = at(row[k])
        row.setdefault("createdAt", row.get("openedAt") or at(0))
        row.setdefault("_file", "t.xlsx")
        chat_rows.append(row)
    msg_rows = []
    for i, m in enumerate(messages, start=1):
        row = {"chatId": m[0], "personType": m[1], "createdAt": at(m[2]), "plainText": f"m{i}"}
        if len(m) > 3:
            row["isPrivate"] = m[3]
        row |= {"_file": "t.xlsx", "_sheet": "Message data", "_row": i}
        msg_rows.append(row)
    frames: dict[str, pl.DataFrame | pl.LazyFrame] = {
        "chats": _typed("chats", chat_rows),
        "messages": _typed("messages", msg_rows),
    }
    if lazy:
        frames = {k: v.lazy() for k, v in frames.items()}
    return Export(frames, timezone=TZ)


def typed(sheet: str, **columns: object) -> pl.DataFrame:
    """A typed frame of ``sheet`` from a few columns (others null, provenance filled)."""
    n = len(next(iter(columns.values())))  # type: ignore[arg-type]
    columns.setdefault("_file", ["f.xlsx"] * n)
    columns.setdefault("_row", list(range(1, n + 1)))
    return pl.concat([schema.empty_frame(sheet), pl.DataFrame(columns)], how="diagonal_relaxed")
