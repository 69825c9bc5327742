"""The comparisons behind ``ct.reconcile`` on a 2026-generation export, with their reasons.

:func:`chattools.reconcile` hands a 2026 export here. Each documented, reproducible
column (:mod:`chattools.derive.channel_2026`) is compared with its recomputation on
one basis:

* ``"exported timestamps"`` — every ``end − start`` formula (``timeToFirstAnswer``,
  ``firstQueueTime``, ``alfHandlingTime`` …) and the handling times of chats never
  reopened (``firstMemberHandlingTime = firstClosedAt − firstActiveAt −
  totalSnoozedTime``; reopened chats are not compared: the hold time up to the first
  close is no column); with hours, their ``…InOperation`` twins;
* ``"exported total and count"`` — ``avgReplyTime = totalReplyTime / replyCount`` (and
  ``avgReplyTimeInOperation = totalReplyTimeInOperation / replyCount``);
* ``"messages"`` — the answers replayed from the Message sheet cycle by cycle
  (``firstAnsweredAt``, ``repliedAt``, ``replyCount``, ``totalReplyTime``,
  ``avgReplyTime`` and, with hours, the ``…InOperation`` counts and totals); only when
  the export has messages, and only for chats reopened at most once (the bounds of
  the cycles between the first and the last are not exported).

Only the chat rows of 2026 files are compared (a merged legacy + 2026 export keeps
its legacy rows out). Counts treat blank as 0; the windows are the legacy ones
(:func:`~chattools.derive.reconcile_checks.window`), averages and handling times
within ``± tolerance`` (the help does not say how they are rounded).

**Reasons** (:data:`REASONS_2026`): a twin whose plain value matches is
:data:`~chattools.derive.reconcile_reasons.HOURS`; a broken ``end − start`` or
``total / count`` is :data:`~chattools.derive.reconcile_reasons.UNEXPLAINED`; a
message-basis mismatch is :data:`~chattools.derive.reconcile_reasons.MISSING` when
the sheet has no team member's public message at the exported answer time, or
Channel Talk counted more (or as many and shorter) answers; :data:`ALF` when ALF took
part; :data:`NOT_ANSWER` when the exported answer time holds only an internal note or
a bot/ALF message; else ``UNEXPLAINED``.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from chattools.derive.channel_2026 import (
    CYCLES_KNOWN,
    HANDLING_FORMULAS,
    SINGLE_CYCLE,
    TIMESTAMP_FORMULAS,
    TeamHours,
    channel_2026_plan,
    in_operation,
    sided_messages,
)
from chattools.derive.collect import collect
from chattools.derive.reconcile_checks import (
    MESSAGES,
    TIMESTAMPS,
    TOTAL_COUNT,
    Kind,
    as_number,
    as_text,
    window,
)
from chattools.derive.reconcile_reasons import HOURS, MISSING, UNEXPLAINED
from chattools.errors import MissingColumnError
from chattools.export import Export

__all__ = ["ALF", "NOT_ANSWER", "REASONS_2026", "compare_2026", "comparisons_2026"]

ALF = "ALF took part (its questions and answers are counted differently)"
NOT_ANSWER = "exported answer is an internal note or a bot/ALF message"
#: Every reason of a 2026 reconciliation, in report order.
REASONS_2026 = (MISSING, NOT_ANSWER, ALF, HOURS, UNEXPLAINED)

_MESSAGE_PLAIN: tuple[tuple[str, Kind], ...] = (
    ("firstAnsweredAt", "time"),
    ("repliedAt", "time"),
    ("replyCount", "count"),
    ("totalReplyTime", "total"),
    ("avgReplyTime", "mean"),
)
_MESSAGE_TWINS: tuple[tuple[str, Kind], ...] = (
    ("replyCountInOperation", "count"),
    ("totalReplyTimeInOperation", "total"),
    ("avgReplyTimeInOperation", "mean"),
)
_COUNTS = frozenset(["replyCount", "replyCountInOperation"])
_AVERAGES = {
    "avgReplyTime": ("totalReplyTime", "replyCount"),
    "avgReplyTimeInOperation": ("totalReplyTimeInOperation", "replyCount"),
}
_SECOND = 1_000_000


def comparisons_2026(hours: bool, messages: bool) -> list[tuple[str, str, Kind]]:
    """``(metric, basis, kind)`` of every 2026 comparison, in report order.

    >>> [c[0] for c in comparisons_2026(hours=False, messages=False)][:2]
    ['timeToFirstAssignment', 'timeToFirstAnswer']
    >>> len(comparisons_2026(hours=True, messages=True))
    42
    """
    out: list[tuple[str, str, Kind]] = []
    for name in TIMESTAMP_FORMULAS:
        out.append((name, TIMESTAMPS, "duration"))
        if hours and name not in ("workflowHandlingTime", "alfHandlingTime"):
            out.append((in_operation(name), TIMESTAMPS, "duration"))
    for name in HANDLING_FORMULAS:
        out.append((name, TIMESTAMPS, "mean"))
        if hours:
            out.append((in_operation(name), TIMESTAMPS, "mean"))
    out.append(("avgReplyTime", TOTAL_COUNT, "mean"))
    if hours:
        out.append(("avgReplyTimeInOperation", TOTAL_COUNT, "mean"))
    if messages:
        out += [(m, MESSAGES, k) for m, k in _MESSAGE_PLAIN]
        if hours:
            out += [(m, MESSAGES, k) for m, k in _MESSAGE_TWINS]
    return out


def _plain(metric: str) -> str | None:
    """The plain column of an ``…InOperation`` twin (None for a plain column)."""
    if metric.endswith("InOperation"):
        return metric.removesuffix("InOperation")
    return None


def _rows_2026(exp: Export) -> pl.LazyFrame:
    chats = exp.lazy("chats")
    if exp.sources.height and "_file" in chats.collect_schema():
        files = exp.sources.filter(pl.col("generation") == "2026").get_column("file")
        chats = chats.filter(pl.col("_file").is_in(files.implode()))
    return chats


def _message_flags(exp: Export) -> pl.LazyFrame:
    """Per chat and second: a public team-member message there, anything there."""
    return (
        sided_messages(exp)
        .select("chatId", pl.col("createdAt").dt.truncate("1s"), "__side")
        .group_by("chatId", "createdAt")
        .agg(
            (pl.col("__side") == "team").any().alias("__team"),
            pl.col("__side").is_in(["note", "bot"]).any().alias("__other"),
        )
    )


def _when(rules: list[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
    chain: Any = pl.when(rules[0][0]).then(rules[0][1])
    for cond, value in rules[1:]:
        chain = chain.when(cond).then(value)
    return chain.otherwise(otherwise)


def _message_reason(tol: float) -> tuple[pl.Expr, pl.Expr]:
    """``(reason, detail)`` of a message-basis mismatch of one chat."""
    count_x = pl.col("x|replyCount").fill_null(0)
    count_r = pl.col("r|replyCount").fill_null(0)
    sec = lambda c: as_number(pl.col(c).fill_null(pl.duration()), pl.Duration("us"))  # noqa: E731
    dt = sec("x|totalReplyTime") - sec("r|totalReplyTime")
    more = (count_x > count_r) | (
        (count_x == count_r) & (dt < -count_r.cast(pl.Float64).clip(lower_bound=1) * tol)
    )
    samples = pl.format(
        "exported {} answer(s) totalling {} s, the messages give {} totalling {} s",
        count_x,
        sec("x|totalReplyTime").round(0).cast(pl.Int64),
        count_r,
        sec("r|totalReplyTime").round(0).cast(pl.Int64),
    )
    unseen = []
    for at in ("firstAnsweredAt", "repliedAt"):
        present = pl.col(f"x|{at}").is_not_null()
        unseen.append((present & ~pl.col(f"team@{at}").fill_null(False), at, pl.col(f"other@{at}")))
    rules: list[tuple[pl.Expr, pl.Expr, pl.Expr]] = []
    for cond, at, other in unseen:
        text = as_text(pl.col(f"x|{at}"), pl.Datetime("us"))  # as the export writes it
        rules.append(
            (
                cond & other.fill_null(False),
                pl.lit(NOT_ANSWER),
                pl.format(
                    "only an internal note or a bot/ALF message at the exported {} {}",
                    pl.lit(at),
                    text,
                ),
            )
        )
        rules.append(
            (
                cond,
                pl.lit(MISSING),
                pl.format("no team member's message to the customer at the exported {} {}", pl.lit(at), text),
            )
        )  # fmt: skip
    rules.append((pl.col("alfTriggered").fill_null(False), pl.lit(ALF), samples))
    rules.append(
        (
            more,
            pl.lit(MISSING),
            pl.format("{}: an answer is probably missing from the export", samples),
        )
    )
    reason = _when([(c, r) for c, r, _ in rules], pl.lit(UNEXPLAINED))
    detail = _when([(c, d) for c, _, d in rules], samples)
    return reason, detail


def _recomputed(metric: str, basis: str) -> pl.Expr:
    if basis == TOTAL_COUNT:
        total, count = _AVERAGES[metric]
        us = (
            pl.col(f"x|{total}").dt.total_microseconds()
            // (pl.col(f"x|{count}") * _SECOND)
            * _SECOND
        )
        return pl.when(pl.col(f"x|{count}") > 0).then(us.cast(pl.Duration("us")))
    return pl.col(f"r|{metric}")


def compare_2026(
    exp: Export, hours: TeamHours | None, tol: float
) -> tuple[pl.DataFrame, list[tuple[str, str, Kind]]]:
    """The long comparison frame of a 2026 export and the comparisons it holds.

    One row per chat and comparison: ``chat_id``, ``metric``, ``basis``, ``exported``,
    ``recomputed``, ``difference``, ``match``, ``x_null``, ``r_null``, ``reason``,
    ``detail`` (what :func:`chattools.reconcile` summarises).
    """
    has_messages = exp.lazy("messages").select(pl.len()).collect().item() > 0
    checks = comparisons_2026(hours is not None, has_messages)
    chats = _rows_2026(exp)
    available = chats.collect_schema()
    inputs = {m for m, _, _ in checks} | {c for pair in _AVERAGES.values() for c in pair}
    missing = sorted(c for c in ("id", *inputs) if c not in available)
    if missing:
        msg = f"reconcile needs the 2026 export's measured columns; the chats lack {missing}"
        raise MissingColumnError(
            msg, hint="reconcile an export as loaded by ct.open_export (it keeps every column)."
        )
    alf = pl.col("alfTriggered") if "alfTriggered" in available else pl.lit(None, pl.Boolean)
    exported = chats.select(
        "id", alf.alias("alfTriggered"), *[pl.col(c).alias(f"x|{c}") for c in sorted(inputs)]
    )
    plan = channel_2026_plan(exp, hours)
    names = plan.collect_schema().names()
    wide = exported.join(
        plan.select(
            "id",
            SINGLE_CYCLE,
            CYCLES_KNOWN,
            *[pl.col(c).alias(f"r|{c}") for c in names if c in inputs],
        ),
        on="id",
        how="left",
        maintain_order="left",
    )
    msg_reason, msg_detail = pl.lit(UNEXPLAINED), pl.lit("")
    if has_messages:
        flags = _message_flags(exp)
        for at in ("firstAnsweredAt", "repliedAt"):
            renamed = {
                "chatId": "id",
                "createdAt": f"@{at}",
                "__team": f"team@{at}",
                "__other": f"other@{at}",
            }
            wide = wide.with_columns(pl.col(f"x|{at}").dt.truncate("1s").alias(f"@{at}")).join(
                flags.rename(renamed), on=["id", f"@{at}"], how="left", maintain_order="left"
            )
        msg_reason, msg_detail = _message_reason(tol)
    # one plan per comparison below: read it once. In memory: the streaming engine of
    # polars panics here ("assertion failed: i < self.len()") on a legacy + 2026 export
    done = wide.collect(engine="in-memory").lazy()
    long = []
    ok_of: dict[tuple[str, str], pl.Expr] = {}
    for metric, basis, kind in checks:
        dtype = available[metric]
        x, r = pl.col(f"x|{metric}"), _recomputed(metric, basis)
        if metric in _COUNTS:
            x, r = x.fill_null(0), r.fill_null(0)
        diff = as_number(r, dtype) - as_number(x, dtype)
        count = pl.col("r|replyCount").fill_null(0)
        ok = (x.is_null() & r.is_null()) | window(kind, diff, tol, count).fill_null(False)
        ok_of[(metric, basis)] = ok
        plain = _plain(metric)
        twin_ok = ok_of.get((plain, basis)) if plain is not None else None
        if basis == MESSAGES:
            reason, detail = msg_reason, msg_detail
        else:
            reason = pl.lit(UNEXPLAINED)
            detail = (
                pl.lit("the exported average is not total / count")
                if basis == TOTAL_COUNT
                else pl.lit(f"the exported {metric} is not its documented formula")
            )
        if twin_ok is not None:
            reason = pl.when(twin_ok).then(pl.lit(HOURS)).otherwise(reason)
            detail = pl.when(twin_ok).then(
                pl.lit("the plain value matches: the operating hours used differ from the channel's")
            ).otherwise(detail)  # fmt: skip
        rows = done
        if metric in HANDLING_FORMULAS or (plain in HANDLING_FORMULAS):
            rows = done.filter(pl.col(SINGLE_CYCLE).fill_null(False))
        elif basis == MESSAGES:
            rows = done.filter(pl.col(CYCLES_KNOWN).fill_null(False))
        long.append(
            rows.select(
                pl.col("id").alias("chat_id"),
                pl.lit(metric).alias("metric"),
                pl.lit(basis).alias("basis"),
                as_text(x, dtype).alias("exported"),
                as_text(r, dtype).alias("recomputed"),
                diff.alias("difference"),
                ok.alias("match"),
                x.is_null().alias("x_null"),
                r.is_null().alias("r_null"),
                reason.alias("reason"),
                detail.alias("detail"),
            )
        )
    return collect(pl.concat(long), exp), checks
