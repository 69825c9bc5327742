"""The analyst's appendix: reconciliation with Channel Talk, data quality, definitions."""

from __future__ import annotations

from typing import Any

import polars as pl

from chattools.derive.reconcile import reconcile
from chattools.errors import ChattoolsError
from chattools.readers.combine import coverage
from chattools.report.html import esc, fmt, table
from chattools.report.period import activity_day
from chattools.report.sections.common import VISIBLE, Context, Section, masked, not_available


# -- appendix: reconciliation -------------------------------------------------------------------
def _inferred_hours(inferred: Any) -> list[str]:
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
        table(evidence, visible=VISIBLE),
    ]


def reconciliation(ctx: Context) -> Section:
    """Appendix: per metric, how often chattools' recomputation matches the exported column."""
    title = "Appendix: reconciliation with the exported numbers"
    if "waitingTime" not in ctx.exp.lazy("chats").collect_schema():
        why = "the chats have no exported metric columns (waitingTime, replyCount, …)"
        return Section(title, not_available("reconciliation", why))
    try:
        rec = reconcile(ctx.exp, ctx.hours)
    except ChattoolsError as err:
        return Section(title, not_available("reconciliation", err.message))
    parts = [
        "<p class=\"note\">Channel Talk's exported metrics recomputed with Channel Talk's "
        "own rules, from the messages or from other exported columns (basis); a value "
        f"matches within Channel Talk's truncation ({esc(fmt(rec.tolerance))} steps). Every "
        "mismatch has a reason: notes and replies a legacy export cannot show explain "
        "almost all of them; <i>unexplained</i> ones may be a chattools bug.</p>",
        table(rec.summary, visible=20),
        *_inferred_hours(getattr(rec, "inferred", None) or ctx.inferred),
    ]
    reasons = getattr(rec, "reasons", None)
    if rec.mismatches.height and reasons is not None:
        parts += ["<h3>Mismatches by reason</h3>", table(reasons.filter(pl.col("values") > 0))]
    parts += [
        "<h3>Some mismatching chats</h3>",
        table(rec.mismatches.sort("metric", "chat_id").head(50), visible=5)
        if rec.mismatches.height
        else "<p>Every value matches.</p>",
    ]
    return Section(title, "".join(parts))


# -- appendix: data quality -----------------------------------------------------------------
def _date_problems(ctx: Context) -> pl.DataFrame:
    """The implausibly dated chats as problem rows (left out of every figure)."""
    bad = ctx.implausible
    if bad.height == 0:
        return pl.DataFrame()
    return bad.select(
        (pl.col("_file") if "_file" in bad.columns else pl.lit(None, pl.String)).alias("file"),
        (pl.col("_sheet") if "_sheet" in bad.columns else pl.lit("chats")).alias("sheet"),
        (pl.col("_row") if "_row" in bad.columns else pl.lit(None, pl.Int64)).alias("row"),
        pl.lit("openedAt/createdAt").alias("column"),
        activity_day().cast(pl.String).alias("value"),
        pl.lit("chat without a plausible date (opened or created): left out of the report").alias(
            "problem"
        ),
    )


def data_quality(ctx: Context) -> Section:
    """Appendix: the cells and rows that could not be read, per file and sheet."""
    exp = ctx.exp
    frames = [exp.problems.select("sheet", "problem", "value")]
    dates = _date_problems(ctx)
    if dates.height:
        frames.append(dates.select("sheet", "problem", "value"))
    found = pl.concat(frames, how="vertical_relaxed")
    problems = (
        found.group_by("sheet", "problem")
        .agg(
            pl.len().cast(pl.Int64).alias("cells or rows"),
            pl.col("value").drop_nulls().first().alias("example value"),
        )
        .sort(["cells or rows", "sheet", "problem"], descending=[True, False, False])
    )
    parts = ["<h3>Problems by kind</h3>"]
    if problems.height:
        parts.append(table(masked(ctx, problems), visible=VISIBLE, more="more kinds"))
    else:
        parts.append("<p>No problems were found.</p>")
    loaded = all("_file" in exp.lazy(k).collect_schema() for k in exp.frames)
    why = "the export was not loaded from files (no provenance columns)"
    parts.append("<h3>Accounting (rows read = loaded + rejected + merged)</h3>")
    parts.append(
        table(exp.accounting(), visible=20) if loaded else not_available("accounting", why)
    )
    parts.append("<h3>Coverage per file</h3>")
    parts.append(
        table(coverage(exp), visible=VISIBLE) if loaded else not_available("coverage", why)
    )
    return Section("Appendix: data quality and accounting", "".join(parts))


def definitions(ctx: Context) -> Section:
    """Appendix: what each word of the report means."""
    items = [
        ("Period", "the days chats were active in the export: a chat counts on the day it was "
         "(last) opened, or created if it never was; weeks start on Monday."),
        ("First response", "from the customer's first message to the team's first reply; bots "
         "do not count."),
        ("Resolution", "from the chat's opening to its closing, closed chats only."),
        ("Within target", "share of the chats with a first response whose first response "
         "took at most the target."),
        ("Unanswered", "the customer's last run of messages got no team reply."),
        ("Waiting on the team now", "open chats whose customer is waiting for the team at "
         "export time (the last message)."),
        ("Customer waiting for the team", "from the first customer message of a run to the "
         "next team message (or close)."),
        ("Team waiting for the customer", "from a team message to the customer's next "
         "message (or close)."),
        ("Business hours", ctx.hours_text),
    ]  # fmt: skip
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return Section("Appendix: definitions", f"<dl>{rows}</dl>")
