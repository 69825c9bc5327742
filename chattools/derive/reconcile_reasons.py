"""Why an exported metric differs from its recomputation: one reason per mismatch.

A legacy export cannot show everything Channel Talk saw. On the real exports measured
(``docs/decisions.md``) almost every difference comes from internal notes written as
plain manager messages (no ``@``, no flag) and from replies missing from the Message
sheet. :func:`chat_reasons` names, per chat, the most likely reason, from evidence the
export does show:

* :data:`MISSING` — no manager message at the second of the exported first reply (or
  no message at the exported wait's start); or the exported samples are more, or
  shorter, than the messages give — Channel Talk saw a message the sheet lacks;
* :data:`NOTE` — the exported first reply is a *later* manager message than the one
  the replay took; or the exported samples are fewer, or longer — a manager message
  counted here was probably internal;
* :data:`INTERNAL` — nothing was exported as a reply although manager messages answer
  the customer: the team probably only talked internally;
* :data:`TEAM` — the cycle was judged opened by the team (its first wait starts at the
  next customer message); Channel Talk may have seen it otherwise;
* :data:`HOURS` — an ``operation*`` value disagrees while its plain twin agrees: the
  operating hours used do not match the channel's;
* :data:`UNEXPLAINED` — none of these fits: the pattern contradicts the rules (report
  it: it may be a chattools bug).

The directions follow from the replay. A note taken for a reply cuts a wait short: the
export has fewer samples (two waits merged, or a last wait left unanswered) or, with
as many, longer ones. A reply missing from the sheet does the opposite: more exported
samples, or as many and shorter ones.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from chattools.derive.channel_replay import channel_side
from chattools.export import Export

__all__ = [
    "HOURS",
    "INTERNAL",
    "MISSING",
    "NOTE",
    "REASONS",
    "TEAM",
    "UNEXPLAINED",
    "chat_reasons",
    "message_flags",
    "sample_reasons",
]

NOTE = "probable internal note (exported reply is a later manager message)"
MISSING = "message missing from the export (no message at the exported time)"
INTERNAL = "probable internal talk (no reply exported: the manager messages are probably internal)"
TEAM = "cycle opened by the team"
HOURS = "outside operating hours"
UNEXPLAINED = "unexplained"
#: Every reason, in report order.
REASONS = (NOTE, MISSING, INTERNAL, TEAM, HOURS, UNEXPLAINED)


def message_flags(exp: Export, *, at: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Per chat and second (``chatId``, ``createdAt``): which kinds of message are there.

    ``__any`` (any message), ``__team`` (a manager message that can be a reply),
    ``__note`` (an ``@`` mention or ``isPrivate`` note), ``__user``. ``at``: only at
    these ``chatId``, ``createdAt`` pairs (the times a caller looks up; the other
    messages are never grouped).
    """
    lf = exp.lazy("messages")
    if at is not None:
        lf = lf.join(at, on=["chatId", "createdAt"], how="semi")
    side = channel_side(lf.collect_schema()).alias("side")
    return (
        lf.select("chatId", "createdAt", side)
        .group_by("chatId", "createdAt")
        .agg(
            pl.lit(True).alias("__any"),
            (pl.col("side") == "team").any().alias("__team"),
            (pl.col("side") == "note").any().alias("__note"),
            (pl.col("side") == "customer").any().alias("__user"),
        )
    )


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 1e6


def _text(expr: pl.Expr) -> pl.Expr:
    """A local timestamp as Channel Talk writes it."""
    return expr.dt.strftime("%Y-%m-%d %H:%M:%S").fill_null("none")


def _when(rules: list[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
    chain: Any = pl.when(rules[0][0]).then(rules[0][1])
    for cond, value in rules[1:]:
        chain = chain.when(cond).then(value)
    return chain.otherwise(otherwise)


def _direction(prefix: str, tol: float) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``(note_like, missing_like, detail)`` from the exported vs recomputed samples.

    Reads ``{prefix}x_count``/``r_count``/``x_total``/``r_total``. Fewer exported samples,
    or as many and longer beyond truncation, point to notes; more, or shorter, to
    messages the sheet lacks.
    """
    count_x = pl.col(f"{prefix}x_count").fill_null(0)
    count_r = pl.col(f"{prefix}r_count").fill_null(0)
    x_seconds = _seconds(pl.col(f"{prefix}x_total").fill_null(pl.duration()))
    r_seconds = _seconds(pl.col(f"{prefix}r_total").fill_null(pl.duration()))
    dc, dt = count_x - count_r, x_seconds - r_seconds
    c = count_r.cast(pl.Float64).clip(lower_bound=1)
    longer = dt > (c - 1) * tol  # exported total longer than truncation allows
    shorter = dt < -c * tol
    detail = pl.format(
        "exported {} sample(s) totalling {} s, the messages give {} totalling {} s",
        count_x, x_seconds.round(0).cast(pl.Int64), count_r, r_seconds.round(0).cast(pl.Int64),
    )  # fmt: skip
    return (dc < 0) | ((dc == 0) & longer), (dc > 0) | ((dc == 0) & shorter), detail


def sample_reasons(prefix: str, tol: float) -> tuple[pl.Expr, pl.Expr]:
    """``(reason, detail)`` of a difference in the samples alone (no first-reply evidence)."""
    note_like, missing_like, samples = _direction(prefix, tol)
    reason = _when(
        [(note_like, pl.lit(NOTE)), (missing_like, pl.lit(MISSING))], pl.lit(UNEXPLAINED)
    )
    detail = _when(
        [
            (note_like, pl.format("{}: a counted manager message was probably internal", samples)),
            (missing_like, pl.format("{}: a reply is probably missing from the export", samples)),
        ],
        pl.lit("the exported values fit no known reason"),
    )
    return reason, detail


def chat_reasons(tol: float) -> tuple[pl.Expr, pl.Expr]:
    """``(reason, detail)`` String expressions over a frame of per-chat context.

    Expected columns: ``x_first``/``r_first`` (exported / recomputed first reply),
    ``x_count``/``r_count``, ``x_total``/``r_total`` (Durations), ``opened_by``, the
    flags at the exported first reply ``at_x_team``/``at_x_note``, ``__start`` (the
    exported wait's start) and ``start_seen`` (a message or ``openedAt`` there), and
    the match flags ``ok_first`` and ``ok_wait_x``.
    """
    x_first, r_first = pl.col("x_first"), pl.col("r_first")
    note_like, missing_like, samples = _direction("", tol)
    team = pl.col("opened_by") == "team"
    has_x = x_first.is_not_null()
    rules: list[tuple[pl.Expr, pl.Expr, pl.Expr]] = [
        (
            has_x & ~pl.col("at_x_team").fill_null(False) & ~pl.col("at_x_note").fill_null(False),
            pl.lit(MISSING),
            pl.format("no manager message at the exported first reply {}", _text(x_first)),
        ),
        (
            has_x & r_first.is_not_null() & (x_first > r_first) & pl.col("at_x_team").fill_null(False),
            pl.lit(NOTE),
            pl.format(
                "the exported first reply {} is a later manager message than {}",
                _text(x_first), _text(r_first),
            ),
        ),
        (
            ~has_x & r_first.is_not_null(),
            pl.lit(INTERNAL),
            pl.format(
                "no reply exported; the messages give {} from {}",
                pl.col("r_count").fill_null(0), _text(r_first),
            ),
        ),
        (
            team & (~pl.col("ok_first") | ~pl.col("ok_wait_x")),
            pl.lit(TEAM),
            pl.lit("opened by the team: the first wait starts at the next customer message"),
        ),
        (
            pl.col("ok_first") & ~pl.col("ok_wait_x") & ~pl.col("start_seen"),
            pl.lit(MISSING),
            pl.format("no message at the exported start of the wait {}", _text(pl.col("__start"))),
        ),
        (
            pl.col("ok_first") & note_like,
            pl.lit(NOTE),
            pl.format("{}: fewer or longer, a counted manager message was probably internal", samples),
        ),
        (
            pl.col("ok_first") & missing_like,
            pl.lit(MISSING),
            pl.format("{}: more or shorter, a reply is probably missing from the export", samples),
        ),
        (team, pl.lit(TEAM), pl.lit("opened by the team")),
    ]  # fmt: skip
    reason = _when([(c, r) for c, r, _ in rules], pl.lit(UNEXPLAINED))
    detail = _when([(c, d) for c, _, d in rules], pl.lit("the exported values fit no known reason"))
    return reason, detail
