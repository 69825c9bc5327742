"""The sections a support lead reads first: the summary, the latest weeks, when chats arrive."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from chattools.derive.summary import PERIODS, period_start
from chattools.report import svg
from chattools.report.html import duration, esc, fmt, table
from chattools.report.sections.common import (
    WEEKS_VISIBLE,
    Context,
    Section,
    chart,
    median,
    minutes,
    minutes_of,
    target_label,
    target_share,
    within,
)


# -- summary ------------------------------------------------------------------------------
def _kpis(ctx: Context, m: pl.DataFrame, *, now: bool) -> list[tuple[str, object]]:
    closed = m.filter(pl.col("state") == "closed")
    rows: list[tuple[str, object]] = [
        ("Chats", m.height),
        ("Customer messages", int(m["messages_customer"].sum())),
        ("Team messages", int(m["messages_team"].sum())),
        ("Median first response", median(m, "first_response_time")),
    ]
    if ctx.business:
        rows.append(
            ("Median first response (business hours)", median(m, "first_response_time_business"))
        )
    for metric, target in ctx.targets.items():
        for col, business in ((metric, False), (f"{metric}_business", True)):
            if col in m.columns:
                rows.append((target_label(metric, target, business), target_share(m, col, target)))
    rows += [
        ("Median resolution (closed chats)", median(closed, "resolution_time")),
        ("Last customer message unanswered", int(m["unanswered_tail"].is_not_null().sum())),
        (
            "Waiting on the team now",
            int(m["pending_age_at_export"].is_not_null().sum()) if now else None,
        ),
    ]
    return rows


def _percent(diff: float, base: float) -> str:
    if not base:
        return ""
    share = diff / base
    return " (±0%)" if abs(share) < 0.005 else f" ({share:+.0%})"


def _change(now: object, before: object) -> str:
    """``now`` against ``before``: ``+3 (+150%)``, ``-28 s (-1%)``, ``+3.8 pts``."""
    if now is None or before is None:
        return "–"
    if isinstance(now, timedelta) and isinstance(before, timedelta):
        diff = now - before
        sign = "-" if diff < timedelta(0) else "+"
        return f"{sign}{duration(abs(diff))}{_percent(diff / timedelta(seconds=1), before / timedelta(seconds=1))}"
    if isinstance(now, float) and isinstance(before, float):
        return f"{100 * (now - before):+.1f} pts"
    if isinstance(now, int) and isinstance(before, int):
        return f"{now - before:+,}{_percent(now - before, before)}"
    return "–"


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{100 * value:.1f}%"
    return fmt(value)


def summary(ctx: Context) -> Section:
    """The summary: the period's key figures, with the change from the period before."""
    now = _kpis(ctx, ctx.metrics, now=True)
    have_previous = ctx.previous.height > 0
    before = dict(_kpis(ctx, ctx.previous, now=False)) if have_previous else {}
    prev = ctx.period.previous() if ctx.period else None
    head = (
        "<tr><th></th><th>This period</th>"
        f"<th>Previous {ctx.period.days if ctx.period else 0} days</th><th>Change</th></tr>"
    )
    rows = []
    for name, value in now:
        earlier = before.get(name)
        rows.append(
            f'<tr><th scope="row">{esc(name)}</th><td class="num big">{esc(_value(value))}</td>'
            f'<td class="num">{esc(_value(earlier))}</td>'
            f'<td class="num">{esc(_change(value, earlier))}</td></tr>'
        )
    parts = [f'<table class="kpi"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>']
    if prev is not None and not have_previous:
        parts.append(
            f'<p class="note">No chat of the export was active in the previous period '
            f"({prev.start} to {prev.end}): open an earlier export together with this one "
            "to compare.</p>"
        )
    elif prev is not None:
        parts.append(f'<p class="note">Previous period: {prev.start} to {prev.end}.</p>')
    targets = "; ".join(f"{target_label(k, v, False).lower()}" for k, v in ctx.targets.items())
    parts.append(
        f'<p class="note">Target: {esc(targets)}, as a share of the chats that got a first '
        "response. <i>Unanswered</i>: chats whose last customer message got no team reply; "
        "<i>waiting now</i>: open chats waiting on the team when the export was made. "
        "Definitions: appendix.</p>"
    )
    return Section("Summary", "".join(parts))


# -- week by week -----------------------------------------------------------------------------
def _weekly(ctx: Context) -> pl.DataFrame:
    """One row per week of the period (oldest first), every week present."""
    assert ctx.period is not None
    weeks = ctx.period.weeks()
    grid = pl.DataFrame(
        {
            "week": [w.start for w in weeks],
            "label": [w.label() for w in weeks],
            "partial": [w.partial for w in weeks],
        }
    )
    metric, target = ctx.main_metric, ctx.targets.get("first_response_time")
    aggs = [
        pl.len().cast(pl.Int64).alias("chats"),
        pl.col("first_response_time").median().alias("median_frt"),
        pl.col("resolution_time").filter(pl.col("state") == "closed").median().alias("median_res"),
        pl.col("unanswered_tail").is_not_null().sum().cast(pl.Int64).alias("unanswered"),
    ]
    if ctx.business:
        aggs.append(pl.col("first_response_time_business").median().alias("median_frt_b"))
    if target is not None:
        aggs.append(within(metric, target).alias("within"))
    per_week = ctx.metrics.group_by(period_start(pl.col("day"), PERIODS["week"]).alias("week")).agg(
        aggs
    )
    return grid.join(per_week, on="week", how="left", maintain_order="left").with_columns(
        pl.col("chats", "unanswered").fill_null(0)
    )


def weekly(ctx: Context) -> Section:
    """Week by week: chats, median first response and resolution, share within target."""
    title = "Week by week"
    if ctx.period is None:
        return Section(title, "<p>No chats in the period.</p>")
    w = _weekly(ctx)
    labels = [d.strftime("%m-%d") for d in w["week"].to_list()]
    parts = [
        chart(
            ctx,
            lambda: svg.bars(
                labels,
                w["chats"].to_list(),
                title="Chats per week (week starting; pale: partial week)",
                faded=w["partial"].to_list(),
            ),
        )
    ]
    series = [("median first response", minutes_of(w["median_frt"]), svg.BLUE)]
    if ctx.business:
        series.append(
            ("median first response (business hours)", minutes_of(w["median_frt_b"]), svg.ORANGE)
        )
    target = ctx.targets.get("first_response_time")
    ref = (target.total_seconds() / 60, f"target {duration(target)}") if target else None
    parts.append(
        chart(
            ctx,
            lambda: svg.lines(
                labels, series, title="Median first response per week", fmt=minutes, reference=ref
            ),
        )
    )
    shown = w.reverse().select(
        pl.col("label").alias("Week"),
        pl.col("chats").alias("Chats"),
        pl.col("median_frt").alias("Median first response"),
        *([pl.col("median_frt_b").alias("… in business hours")] if ctx.business else []),
        *([pl.col("within").alias(ctx.within_label)] if "within" in w.columns else []),
        pl.col("median_res").alias("Median resolution"),
        pl.col("unanswered").alias("Unanswered"),
    )
    parts.append("<h3>Latest weeks first</h3>")
    parts.append(
        table(shown, visible=WEEKS_VISIBLE, percent=(ctx.within_label,), more="earlier weeks")
    )
    return Section(title, "".join(parts))


# -- when chats arrive ------------------------------------------------------------------------
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def arrivals(ctx: Context) -> Section:
    """When chats arrive: chats per weekday and hour of opening."""
    m = ctx.metrics
    at = pl.coalesce(pl.col("openedAt"), pl.col("createdAt"))
    counts = (
        m.select(at.dt.weekday().alias("wd"), at.dt.hour().alias("h")).group_by("wd", "h").len()
    )
    grid = [[0] * 24 for _ in range(7)]
    for wd, h, n in counts.iter_rows():
        grid[wd - 1][h] = n
    body = chart(
        ctx,
        lambda: svg.heatmap(
            _WEEKDAYS,
            [str(h) for h in range(24)],
            grid,
            title=f"Chats by weekday and hour opened ({ctx.exp.timezone})",
        ),
    )
    if not ctx.charts:
        body = '<p class="note">Charts switched off.</p>'
    return Section("When chats arrive", body)
