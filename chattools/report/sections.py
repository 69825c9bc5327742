"""The sections of the report: each a pure function of a :class:`Context` returning HTML.

A section whose inputs are missing (an API not available, a sheet absent, charts
without Altair) renders a visible "not available" note instead of failing, so the
report always has every heading. Every data value is escaped by
:mod:`chattools.report.html`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import polars as pl

from chattools.derive.messages import ordered_messages
from chattools.errors import ChattoolsError, MissingDependencyError
from chattools.export import Export
from chattools.report.html import content_id, esc, fmt, inline_svg, table

__all__ = ["SECTIONS", "Context", "Section", "api", "not_available"]

#: Public name → module that defines it (used until the name is in ``chattools``).
_API_MODULES = {
    "chat_metrics": "chattools.derive.metrics",
    "waits": "chattools.derive.waits",
    "reconcile": "chattools.derive.reconcile",
    "tag_stats": "chattools.derive.tags",
    "tag_pairs": "chattools.derive.tags",
    "coverage": "chattools.readers.combine",
    "mask_pii": "chattools.privacy",
}


def api(name: str) -> Callable[..., Any] | None:
    """The chattools function ``name``, or ``None`` when this installation lacks it."""
    import chattools

    found = getattr(chattools, name, None)
    if found is None and name in _API_MODULES:
        try:
            found = getattr(importlib.import_module(_API_MODULES[name]), name, None)
        except ImportError:
            found = None
    return found


@dataclass(frozen=True)
class Section:
    """One titled block of the report."""

    title: str
    body: str

    @property
    def anchor(self) -> str:
        return content_id("section", self.title)


@dataclass(frozen=True)
class Context:
    """Everything the sections read.

    ``exp`` is the export as reported (date-filtered, masked when asked), ``full`` the
    whole input (masked when asked) for the data-quality checks.
    """

    exp: Export
    full: Export
    hours: Any
    metrics: pl.DataFrame | None
    waits: pl.DataFrame | None
    targets: Mapping[str, timedelta]
    mask: bool
    charts: bool = True

    @property
    def business(self) -> bool:
        return self.hours is not None


def not_available(what: str, why: str) -> str:
    """The visible note of a part of the report that could not be built."""
    return f'<p class="na">{esc(what)}: not available ({esc(why)}).</p>'


def _chart(ctx: Context, build: Callable[[], Any], what: str) -> str:
    if not ctx.charts:
        return not_available(what, "charts switched off")
    try:
        from chattools.plots import to_svg

        svg = to_svg(build())
    except MissingDependencyError as err:
        return not_available(what, err.message)
    except ImportError as err:
        return not_available(what, f"charts need altair and vl-convert: {err}")
    return f'<div class="chart">{inline_svg(svg, prefix=content_id(svg, length=8))}</div>'


def _cards(items: list[tuple[str, object]]) -> str:
    cards = "".join(
        f'<div class="card"><div class="v">{esc(fmt(v))}</div><div class="k">{esc(k)}</div></div>'
        for k, v in items
    )
    return f'<div class="cards">{cards}</div>'


def _median(frame: pl.DataFrame, column: str) -> object:
    return frame[column].median() if column in frame.columns else None


# -- headline -------------------------------------------------------------------------
def headline(ctx: Context) -> Section:
    exp, m = ctx.exp, ctx.metrics
    items: list[tuple[str, object]] = [
        ("chats", exp.chats.height),
        ("messages", exp.messages.height),
    ]
    notes = ""
    if m is None:
        notes = not_available("reply metrics", "chattools.chat_metrics is missing")
    else:
        items.append(("median first response", _median(m, "first_response_time")))
        if ctx.business:
            items.append(
                ("median first response (business)", _median(m, "first_response_time_business"))
            )
        for metric, target in ctx.targets.items():
            for col, label in ((metric, ""), (f"{metric}_business", " (business)")):
                if col not in m.columns:
                    continue
                values = m[col].drop_nulls()
                share = (values <= target).mean() if values.len() else None
                pct = None if share is None else f"{100 * float(share):.1f}%"  # type: ignore[arg-type]
                name = f"{metric.replace('_', ' ')} ≤ {fmt(target)}{label}"
                items.append((name, pct))
        closed = m.filter(pl.col("state") == "closed") if "state" in m.columns else m.clear()
        items.append(("closed chats", closed.height))
        items.append(("median resolution", _median(closed, "resolution_time")))
        if "unanswered_tail" in m.columns:
            items.append(
                ("unanswered (last customer run)", m["unanswered_tail"].is_not_null().sum())
            )
        if "pending_age_at_export" in m.columns:
            items.append(("currently pending", m["pending_age_at_export"].is_not_null().sum()))
        notes = (
            '<p class="note">SLA shares are over chats with a first response; '
            "unanswered chats are those whose last customer run got no team reply; "
            "currently pending chats are open and waiting on the team at export time.</p>"
        )
    return Section("Headline numbers", _cards(items) + notes)


# -- trends ---------------------------------------------------------------------------
def trends(ctx: Context) -> Section:
    from chattools import plots

    parts = ["<h3>Weekly volume</h3>"]
    chats = ctx.exp.chats
    parts.append(_chart(ctx, lambda: plots.volume_chart(chats, every="week"), "volume chart"))
    parts.append(table(plots.volume_frame(chats, every="week"), max_rows=60))
    parts.append("<h3>Weekly first response</h3>")
    if ctx.metrics is None:
        parts.append(not_available("first response trend", "chattools.chat_metrics is missing"))
    else:
        m = ctx.metrics
        parts.append(_chart(ctx, lambda: plots.trend_chart(m, every="week"), "trend chart"))
        wide = plots.trend_frame(m, every="week").pivot(
            on="variant", index="period", values=["median_min", "n"], sort_columns=True
        )
        parts.append(table(wide.sort("period"), max_rows=60))
    parts.append("<h3>Hour and weekday</h3>")
    parts.append(_chart(ctx, lambda: plots.hour_weekday_chart(chats), "hour × weekday chart"))
    return Section("Trends", "".join(parts))


# -- waiting ----------------------------------------------------------------------------
def _last_customer_text(messages: pl.DataFrame) -> pl.DataFrame:
    """Per chat, the start of the customer's last message (conversation order)."""
    if "_row" not in messages.columns:  # hand-built frames without provenance: file order
        messages = messages.with_row_index("_row", offset=1).with_columns(
            pl.col("_row").cast(pl.Int64)
        )
    if "_file" not in messages.columns:
        messages = messages.with_columns(pl.lit("", pl.String).alias("_file"))
    return (
        ordered_messages(messages.lazy())
        .filter(pl.col("side") == "customer")
        .group_by("chatId", maintain_order=True)
        .agg(pl.col("plainText").last().str.slice(0, 120).alias("last_customer_message"))
        .collect()
    )


def waiting(ctx: Context) -> Section:
    from chattools import plots

    w = ctx.waits
    if w is None:
        return Section(
            "Waiting and hold times", not_available("waits", "chattools.waits is missing")
        )
    durations = ["duration"] + (["duration_business"] if "duration_business" in w.columns else [])
    stats = (
        w.group_by("waiting")
        .agg(
            pl.len().cast(pl.Int64).alias("intervals"),
            *[
                e
                for d in durations
                for e in (
                    pl.col(d).median().alias(f"median {d.replace('_', ' ')}"),
                    pl.col(d).quantile(0.9, "nearest").alias(f"p90 {d.replace('_', ' ')}"),
                    pl.col(d).sum().alias(f"total {d.replace('_', ' ')}"),
                )
            ],
        )
        .sort("waiting")
    )
    ended = (
        w.group_by("waiting", pl.col("ended_by").cast(pl.String))
        .agg(pl.len().cast(pl.Int64).alias("intervals"))
        .sort("waiting", "ended_by")
        if "ended_by" in w.columns
        else None
    )
    parts = [
        '<p class="note">customer_on_team: the customer waits for the team (from the first '
        "customer message of a run to the next team message); team_on_customer: the team "
        "waits for the customer. Bots never end a wait.</p>",
        table(stats),
    ]
    for d in durations:
        build = partial(plots.waits_chart, w, duration=d, title=f"Waiting times ({d})")
        parts.append(_chart(ctx, build, "waits chart"))
    if ended is not None:
        parts += ["<h3>How waits ended</h3>", table(ended)]
    m = ctx.metrics
    parts.append("<h3>Longest currently pending chats</h3>")
    if m is None or "pending_age_at_export" not in m.columns:
        parts.append(not_available("pending chats", "chattools.chat_metrics is missing"))
    else:
        chats = ctx.exp.chats
        names = (
            chats.select("id", pl.col("name").alias("customer"))
            if "name" in chats.columns
            else None
        )
        pending = (
            m.filter(pl.col("pending_age_at_export").is_not_null())
            .sort(["pending_age_at_export", "id"], descending=[True, False])
            .head(10)
            .select("id", "state", "assigneeId", "pending_age_at_export")
        )
        if names is not None:
            pending = pending.join(names, on="id", how="left", maintain_order="left")
        pending = pending.join(
            _last_customer_text(ctx.exp.messages),
            left_on="id",
            right_on="chatId",
            how="left",
            maintain_order="left",
        )
        parts.append(table(pending) if pending.height else "<p>No chat is waiting on the team.</p>")
    return Section("Waiting and hold times", "".join(parts))


# -- team -------------------------------------------------------------------------------
def team(ctx: Context) -> Section:
    from chattools import plots

    m = ctx.metrics
    if m is None:
        return Section("Team", not_available("team table", "chattools.chat_metrics is missing"))
    managers = ctx.exp.managers
    parts = [table(plots.assignee_frame(m, managers=managers))]
    if ctx.business:
        parts += [
            "<h3>In business time</h3>",
            table(plots.assignee_frame(m, business=True, managers=managers)),
        ]
    parts.append(_chart(ctx, lambda: plots.assignee_chart(m, managers=managers), "assignee chart"))
    return Section("Team", "".join(parts))


# -- tags -------------------------------------------------------------------------------
def tags(ctx: Context) -> Section:
    from chattools import plots

    stats_fn, pairs_fn = api("tag_stats"), api("tag_pairs")
    if stats_fn is None or pairs_fn is None:
        return Section("Tags", not_available("tag tables", "chattools.tag_stats is missing"))
    chats = ctx.exp.chats
    parts = ["<h3>Top tags</h3>", table(stats_fn(chats), max_rows=20)]
    pairs = pairs_fn(chats)
    parts.append("<h3>Tags used together</h3>")
    if pairs.height:
        parts.append(_chart(ctx, lambda: plots.tag_pairs_chart(pairs), "tag pairs chart"))
        parts.append(table(pairs, max_rows=15))
    else:
        parts.append("<p>No chat has two tags.</p>")
    return Section("Tags", "".join(parts))


# -- reconciliation ---------------------------------------------------------------------
def _inferred_hours(rec: Any) -> list[str]:
    inferred = getattr(rec, "inferred", None)
    if inferred is None:
        return []
    evidence = inferred.evidence.select(
        "weekday", "slot", "boundary", "at", "open_side", "closed_side", "slot_chats",
        "closed_chats",
    )  # fmt: skip
    return [
        "<h3>Inferred operating hours</h3>",
        f"<p>{esc(inferred.describe())} — from {inferred.chats:,} chats with an "
        "<code>operation*</code> value; each boundary lies between the closest open and "
        "closed observations.</p>",
        table(evidence, max_rows=30),
    ]


def reconciliation(ctx: Context) -> Section:
    fn = api("reconcile")
    title = "Reconciliation with the exported numbers"
    if fn is None:
        return Section(title, not_available("reconciliation", "chattools.reconcile is missing"))
    if "waitingTime" not in ctx.exp.lazy("chats").collect_schema():
        why = "the chats have no exported metric columns (waitingTime, replyCount, …)"
        return Section(title, not_available("reconciliation", why))
    try:
        rec = fn(ctx.exp, ctx.hours)
    except ChattoolsError as err:
        return Section(title, not_available("reconciliation", err.message))
    parts = [
        "<p class=\"note\">Channel Talk's exported metrics recomputed with Channel Talk's "
        "own rules, from the messages or from other exported columns (basis); a value "
        f"matches within Channel Talk's truncation ({esc(fmt(rec.tolerance))} steps). Every "
        "mismatch has a reason: notes and replies a legacy export cannot show explain "
        "almost all of them; <i>unexplained</i> ones may be a chattools bug.</p>",
        table(rec.summary),
        *_inferred_hours(rec),
    ]
    reasons = getattr(rec, "reasons", None)
    if rec.mismatches.height and reasons is not None:
        parts += ["<h3>Mismatches by reason</h3>", table(reasons.filter(pl.col("values") > 0))]
    parts += [
        "<h3>Some mismatching chats</h3>",
        table(rec.mismatches.sort("metric", "chat_id"), max_rows=10)
        if rec.mismatches.height
        else "<p>Every value matches.</p>",
    ]
    return Section(title, "".join(parts))


# -- data quality -----------------------------------------------------------------------
def data_quality(ctx: Context) -> Section:
    exp = ctx.full  # the whole input: a date filter must not unbalance the accounting
    problems = (
        exp.problems.group_by("sheet", "problem")
        .agg(
            pl.len().cast(pl.Int64).alias("cells or rows"),
            pl.col("value").drop_nulls().first().alias("example value"),
        )
        .sort(["cells or rows", "sheet", "problem"], descending=[True, False, False])
    )
    parts = ["<h3>Problems by kind</h3>"]
    parts.append(table(problems) if problems.height else "<p>No problems were found.</p>")
    loaded = all("_file" in exp.lazy(k).collect_schema() for k in exp.frames)
    why = "the export was not loaded from files (no provenance columns)"
    parts.append("<h3>Accounting (rows read = loaded + rejected + merged)</h3>")
    parts.append(table(exp.accounting()) if loaded else not_available("accounting", why))
    parts.append("<h3>Coverage per file</h3>")
    cov = api("coverage")
    if cov is None:
        parts.append(not_available("coverage", "chattools.coverage is missing"))
    else:
        parts.append(table(cov(exp)) if loaded else not_available("coverage", why))
    return Section("Data quality", "".join(parts))


#: The sections, in report order.
SECTIONS: tuple[Callable[[Context], Section], ...] = (
    headline,
    trends,
    waiting,
    team,
    tags,
    reconciliation,
    data_quality,
)
