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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from chattools.derive.csat import csat_summary
from chattools.derive.experience import alf_summary, hold_times, reopen_rates, team_summary
from chattools.derive.messages import ordered_messages
from chattools.derive.reconcile import reconcile
from chattools.derive.summary import PERIODS, p90, period_start
from chattools.derive.tags import tag_pairs, tag_stats
from chattools.errors import ChattoolsError
from chattools.export import Export
from chattools.privacy import mask_pii
from chattools.readers.combine import coverage
from chattools.report import svg
from chattools.report.html import content_id, duration, esc, fmt, table
from chattools.report.period import Period, activity_day

__all__ = ["APPENDIX", "SECTIONS", "Context", "Section", "not_available"]

VISIBLE = 10  #: rows of a table shown before the ``<details>`` fold
WEEKS_VISIBLE = 8  #: latest weeks shown before the fold
_WAIT_LABELS = {
    "customer_on_team": "Customer waiting for the team",
    "team_on_customer": "Team waiting for the customer",
}


@dataclass(frozen=True)
class Section:
    """One titled block of the report."""

    title: str
    body: str

    @property
    def anchor(self) -> str:
        """The HTML id of the section, derived from its title."""
        return content_id("section", self.title)


@dataclass(frozen=True)
class Context:
    """Everything the sections read.

    ``exp`` is the whole input (never masked: sections mask what they show);
    ``metrics`` one :func:`chattools.chat_metrics` row per chat active in ``period``
    (``day``: its activity day), ``previous`` the same for the period of equal length
    before; ``waits`` the waiting intervals of the period's chats; ``implausible`` the
    chats dated outside any plausible range (left out, listed as problems).
    """

    exp: Export
    period: Period | None
    metrics: pl.DataFrame
    previous: pl.DataFrame
    waits: pl.DataFrame
    implausible: pl.DataFrame
    hours: Any
    hours_text: str
    targets: Mapping[str, timedelta]
    as_of: datetime | None
    mask: bool
    charts: bool = True
    inferred: Any = None  #: the InferredHours behind ``hours`` with ``hours="infer"``

    @property
    def business(self) -> bool:
        """Whether operating hours were given (times are then business times)."""
        return self.hours is not None

    @property
    def within_label(self) -> str:
        """The heading of the share-within-target columns."""
        return "Within target" + (" (business hours)" if self.business else "")

    @property
    def main_metric(self) -> str:
        """The first-response column the summary leads with (business when hours given)."""
        return "first_response_time_business" if self.business else "first_response_time"


def not_available(what: str, why: str) -> str:
    """The visible note of a part of the report that could not be built."""
    return f'<p class="na">{esc(what)}: not available ({esc(why)}).</p>'


def _chart(ctx: Context, draw: Callable[[], str]) -> str:
    if not ctx.charts:
        return ""
    return f'<div class="chart">{draw()}</div>'


def _masked(ctx: Context, frame: pl.DataFrame, *, names: tuple[str, ...] = ()) -> pl.DataFrame:
    """``frame`` with customer names (columns ``names``), e-mails and phones masked."""
    if not ctx.mask or frame.height == 0:
        return frame
    return mask_pii(frame, name_columns=names)


def _minutes(value: float) -> str:
    return duration(timedelta(minutes=value))


def _within(column: str, target: timedelta) -> pl.Expr:
    """Share of the chats with a value in ``column`` whose value is at most ``target``."""
    return (pl.col(column) <= target).filter(pl.col(column).is_not_null()).mean()


def _target_share(frame: pl.DataFrame, column: str, target: timedelta) -> float | None:
    if column not in frame.columns:
        return None
    value = frame.select(_within(column, target)).item()
    return None if value is None else float(value)


def _median(frame: pl.DataFrame, column: str) -> timedelta | None:
    if column not in frame.columns or frame.height == 0:
        return None
    value = frame[column].median()
    return value if isinstance(value, timedelta) else None


def _target_label(metric: str, target: timedelta, business: bool) -> str:
    what = metric.replace("_time", "").replace("_", " ")
    return f"{what.capitalize()} within {duration(target)}" + (
        " (business hours)" if business else ""
    )


# -- summary ------------------------------------------------------------------------------
def _kpis(ctx: Context, m: pl.DataFrame, *, now: bool) -> list[tuple[str, object]]:
    closed = m.filter(pl.col("state") == "closed")
    rows: list[tuple[str, object]] = [
        ("Chats", m.height),
        ("Customer messages", int(m["messages_customer"].sum())),
        ("Team messages", int(m["messages_team"].sum())),
        ("Median first response", _median(m, "first_response_time")),
    ]
    if ctx.business:
        rows.append(
            ("Median first response (business hours)", _median(m, "first_response_time_business"))
        )
    for metric, target in ctx.targets.items():
        for col, business in ((metric, False), (f"{metric}_business", True)):
            if col in m.columns:
                rows.append(
                    (_target_label(metric, target, business), _target_share(m, col, target))
                )
    rows += [
        ("Median resolution (closed chats)", _median(closed, "resolution_time")),
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
    targets = "; ".join(f"{_target_label(k, v, False).lower()}" for k, v in ctx.targets.items())
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
        aggs.append(_within(metric, target).alias("within"))
    per_week = ctx.metrics.group_by(period_start(pl.col("day"), PERIODS["week"]).alias("week")).agg(
        aggs
    )
    return grid.join(per_week, on="week", how="left", maintain_order="left").with_columns(
        pl.col("chats", "unanswered").fill_null(0)
    )


def _minutes_of(series: pl.Series) -> list[float | None]:
    return [None if v is None else v.total_seconds() / 60 for v in series.to_list()]


def weekly(ctx: Context) -> Section:
    title = "Week by week"
    if ctx.period is None:
        return Section(title, "<p>No chats in the period.</p>")
    w = _weekly(ctx)
    labels = [d.strftime("%m-%d") for d in w["week"].to_list()]
    parts = [
        _chart(
            ctx,
            lambda: svg.bars(
                labels,
                w["chats"].to_list(),
                title="Chats per week (week starting; pale: partial week)",
                faded=w["partial"].to_list(),
            ),
        )
    ]
    series = [("median first response", _minutes_of(w["median_frt"]), svg.BLUE)]
    if ctx.business:
        series.append(
            ("median first response (business hours)", _minutes_of(w["median_frt_b"]), svg.ORANGE)
        )
    target = ctx.targets.get("first_response_time")
    ref = (target.total_seconds() / 60, f"target {duration(target)}") if target else None
    parts.append(
        _chart(
            ctx,
            lambda: svg.lines(
                labels, series, title="Median first response per week", fmt=_minutes, reference=ref
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
    m = ctx.metrics
    at = pl.coalesce(pl.col("openedAt"), pl.col("createdAt"))
    counts = (
        m.select(at.dt.weekday().alias("wd"), at.dt.hour().alias("h")).group_by("wd", "h").len()
    )
    grid = [[0] * 24 for _ in range(7)]
    for wd, h, n in counts.iter_rows():
        grid[wd - 1][h] = n
    body = _chart(
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


# -- waiting ----------------------------------------------------------------------------------
def _last_customer_text(messages: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    """Per chat of ``ids``, the start of the customer's last message (conversation order)."""
    messages = messages.filter(pl.col("chatId").is_in(ids.implode()))
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
        .agg(pl.col("plainText").last().str.slice(0, 120).alias("Last customer message"))
        .collect()
    )


def _assignee_names(ctx: Context) -> pl.Expr:
    """``assigneeId`` as a manager name (the id when the export lacks the name)."""
    managers = ctx.exp.managers
    names: dict[str, str] = {}
    if {"id", "name"} <= set(managers.columns):
        for mid, name in managers.select("id", "name").iter_rows():
            if mid is not None and name:
                names.setdefault(mid, name)
    label = pl.col("assigneeId").replace_strict(names, default=pl.col("assigneeId"))
    return (
        pl.when(pl.col("assigneeId").is_null())
        .then(pl.lit("(unassigned)"))
        .when(pl.col("assigneeId").is_in(list(names)))
        .then(label)
        .otherwise(pl.lit("Manager #") + pl.col("assigneeId"))
    )


def waiting(ctx: Context) -> Section:
    m, w = ctx.metrics, ctx.waits
    as_of = f" (as of {fmt(ctx.as_of)})" if ctx.as_of else ""
    parts = [f"<h3>Waiting on the team now{esc(as_of)}</h3>"]
    pending = (
        m.filter(pl.col("pending_age_at_export").is_not_null())
        .sort(["pending_age_at_export", "id"], descending=[True, False])
        .head(50)
    )
    if pending.height == 0:
        parts.append("<p>No chat is waiting on the team.</p>")
    else:
        chats = ctx.exp.chats
        names = (
            chats.select("id", pl.col("name").alias("Customer"))
            if "name" in chats.columns
            else pl.DataFrame(schema={"id": pl.String, "Customer": pl.String})
        )
        shown = (
            pending.select(
                pl.col("id").alias("Chat"),
                _assignee_names(ctx).alias("Assignee"),
                pl.col("pending_age_at_export").alias("Waiting for"),
            )
            .join(names, left_on="Chat", right_on="id", how="left", maintain_order="left")
            .join(
                _last_customer_text(ctx.exp.messages, pending["id"]),
                left_on="Chat",
                right_on="chatId",
                how="left",
                maintain_order="left",
            )
        )
        parts.append(table(_masked(ctx, shown, names=("Customer",)), visible=VISIBLE))
    parts.append("<h3>How long waits last</h3>")
    if w.height == 0:
        parts.append("<p>No waiting intervals in the period.</p>")
        return Section("Waiting", "".join(parts))
    kinds = list(_WAIT_LABELS)
    from chattools.plots import DURATION_BANDS, waits_frame

    bands = waits_frame(w)
    band_names = [label for _, label in DURATION_BANDS]
    share = {(k, b): s for k, b, s in bands.select("kind", "band", "share").iter_rows()}
    count = {(k, b): n for k, b, n in bands.select("kind", "band", "intervals").iter_rows()}
    series = [
        (_WAIT_LABELS[k], [100 * share.get((k, b), 0.0) for b in band_names], c)
        for k, c in zip(kinds, (svg.BLUE, svg.ORANGE), strict=True)
    ]
    notes = [[f"{count.get((k, b), 0):,} waits" for b in band_names] for k in kinds]
    parts.append(
        _chart(
            ctx,
            lambda: svg.hbars(
                band_names,
                series,
                title="Share of waits by length",
                fmt=lambda v: f"{v:.0f}%",
                notes=notes,
                clip=False,
            ),
        )
    )
    cols = ["duration"] + (["duration_business"] if "duration_business" in w.columns else [])
    stats = (
        w.group_by(pl.col("waiting").cast(pl.String))
        .agg(
            pl.len().cast(pl.Int64).alias("Waits"),
            *[
                e
                for d in cols
                for sfx in [" (business hours)" if d.endswith("business") else ""]
                for e in (
                    pl.col(d).median().alias(f"Median{sfx}"),
                    p90(pl.col(d)).alias(f"9 in 10 within{sfx}"),
                )
            ],
        )
        .sort("waiting")
        .with_columns(pl.col("waiting").replace_strict(_WAIT_LABELS).alias("waiting"))
        .rename({"waiting": "Who waits"})
    )
    parts.append(table(stats))
    return Section("Waiting", "".join(parts))


# -- team -------------------------------------------------------------------------------------
def team(ctx: Context) -> Section:
    m = ctx.metrics
    target = ctx.targets.get("first_response_time")
    metric = ctx.main_metric
    aggs = [
        pl.len().cast(pl.Int64).alias("Chats"),
        pl.col("first_response_time").is_not_null().sum().cast(pl.Int64).alias("Answered"),
        pl.col("first_response_time").median().alias("Median first response"),
    ]
    if ctx.business:
        aggs.append(pl.col("first_response_time_business").median().alias("… in business hours"))
    if target is not None:
        aggs.append(_within(metric, target).alias(ctx.within_label))
    aggs += [
        pl.col("resolution_time")
        .filter(pl.col("state") == "closed")
        .median()
        .alias("Median resolution"),
        pl.col("unanswered_tail").is_not_null().sum().cast(pl.Int64).alias("Unanswered"),
    ]
    per = (
        m.with_columns(_assignee_names(ctx).alias("Assignee"))
        .group_by("Assignee")
        .agg(aggs)
        .sort(["Chats", "Assignee"], descending=[True, False])
    )
    if per.height == 0:
        return Section("Team", "<p>No chats in the period.</p>")
    top = per.head(15)
    key = "… in business hours" if ctx.business else "Median first response"
    parts = [
        _chart(
            ctx,
            lambda: svg.hbars(
                top["Assignee"].to_list(),
                [("median first response", _minutes_of(top[key]), svg.BLUE)],
                title="Median first response per assignee"
                + (" (business hours)" if ctx.business else ""),
                fmt=_minutes,
                notes=[[f"{n:,} chats" for n in top["Chats"].to_list()]],
            ),
        ),
        table(per, visible=VISIBLE, percent=(ctx.within_label,), more="more assignees"),
    ]
    unnamed = per.filter(pl.col("Assignee").str.starts_with("Manager #")).height
    if unnamed:
        parts.append(
            f'<p class="note">{unnamed} assignee(s) are not in the export\'s Manager sheet '
            "(e.g. people who have left the team): shown by id.</p>"
        )
    return Section("Team", "".join(parts))


# -- customer satisfaction and automation (2026 exports) ----------------------------------------
_SCORE_LABELS = ("1 (lowest)", "2", "3", "4", "5 (highest)")


def _period_export(ctx: Context) -> tuple[Export, int]:
    """The export restricted to the period's chats of 2026 files and their messages, and
    how many of the period's chats come from legacy files (left out: they have none of
    the columns) when legacy and 2026 files were opened together.
    """
    ids = ctx.metrics.select(pl.col("id").alias("__id"))
    exp = ctx.exp
    chats = exp.chats.join(ids, left_on="id", right_on="__id", how="semi", maintain_order="left")
    legacy = 0
    if exp.sources.height and "_file" in chats.columns:
        files = exp.sources.filter(pl.col("generation") == "2026").get_column("file")
        of_2026 = chats.filter(pl.col("_file").is_in(files.implode()))
        legacy, chats = chats.height - of_2026.height, of_2026
        ids = chats.select(pl.col("id").alias("__id"))
    messages = exp.messages
    if "chatId" in messages.columns:
        messages = messages.join(
            ids, left_on="chatId", right_on="__id", how="semi", maintain_order="left"
        )
    return exp.with_frames(chats=chats, messages=messages), legacy


def _share_text(part: int, whole: int) -> str:
    """``part`` of ``whole`` as ``"40.0% (12 of 30)"``; ``–`` when ``whole`` is 0."""
    if not whole:
        return "–"
    return f"{100 * part / whole:.1f}% ({part:,} of {whole:,})"


def _hold_table(ctx: Context, exp: Export) -> pl.DataFrame:
    """Snoozed time (Channel Talk's) next to the hold inferred from the messages: per
    measure, the chats with some hold, its median and 9th decile per chat.
    """
    frame = hold_times(exp, ctx.hours, as_of=ctx.as_of)
    pairs = [("Snoozed (Channel Talk)", "snoozed_time"),
             ("Team waiting for the customer (from the messages)", "inferred_hold")]  # fmt: skip
    if ctx.business:
        pairs += [("Snoozed in operating hours (Channel Talk)", "snoozed_time_in_operation"),
                  ("… from the messages, business hours", "inferred_hold_business")]  # fmt: skip
    rows = []
    for label, column in pairs:
        some = pl.col(column).filter(pl.col(column) > timedelta(0))
        rows.append(frame.select(
            pl.lit(label).alias("Measured as"),
            some.len().cast(pl.Int64).alias("Chats on hold"),
            some.median().alias("Median per chat"),
            p90(some).alias("9 in 10 within"),
        ))  # fmt: skip
    return pl.concat(rows)


def _team_table(exp: Export) -> pl.DataFrame:
    """:func:`chattools.team_summary` with readable headings, teams with chats only."""
    per = team_summary(exp)
    name = (
        pl.when(pl.col("teamId").is_null())
        .then(pl.lit("(no team)"))
        .otherwise(pl.coalesce("team_name", pl.lit("Team #") + pl.col("teamId")))
    )
    return per.filter(pl.col("chats") > 0).select(
        name.alias("Team"),
        pl.col("members").alias("Members"),
        pl.col("chats").alias("Chats"),
        pl.col("answered").alias("Answered by the team"),
        pl.col("time_to_first_answer_median").alias("Median time to first answer"),
        pl.col("csat_answers").alias("CSAT answers"),
        pl.col("csat_pct").alias("CSAT"),
        pl.col("alf_share").alias("ALF took part"),
        pl.col("reopen_rate").alias("Reopened"),
        pl.col("reassignment_rate").alias("Reassigned"),
        pl.col("snoozed_time_total").alias("Snoozed in total"),
    )


def satisfaction(ctx: Context) -> Section | None:
    """CSAT, ALF, reopens, snoozed time and teams: 2026 exports only (``None`` otherwise)."""
    if ctx.exp.generation != "2026":
        return None
    title = "Customer satisfaction and automation"
    if ctx.metrics.height == 0:
        return Section(title, "<p>No chats in the period.</p>")
    exp, legacy = _period_export(ctx)
    csat = csat_summary(exp).row(0, named=True)
    alf = alf_summary(exp).row(0, named=True)
    again = reopen_rates(exp).row(0, named=True)
    mean = csat["mean_score"]
    handling = alf["alf_handling_time_median"]
    cx = alf["cx_score_mean"]
    figures = [
        ("Satisfied customers (CSAT: answers scoring 4 or 5)",
         _share_text(csat["top"], csat["answers"])),
        ("Chats with a CSAT answer", _share_text(csat["answers"], csat["chats"])),
        ("Mean score", "–" if mean is None else f"{mean:.2f} of 5"
         + (f" ({csat['scale']} scale)" if csat["scale"] else "")),
        ("ALF took part (of the chats the team or ALF handled)",
         _share_text(alf["alf_chats"], alf["handled"])),
        ("Closed by ALF alone, no team member answering (of ALF's chats)",
         _share_text(alf["alf_resolved"], alf["alf_chats"])),
        ("Median ALF handling time", duration(handling) if handling is not None else "–"),
        ("Mean ALF CX score", "–" if cx is None else f"{cx:.2f} of 5"),
        ("Reopened after closing (of the chats closed)",
         _share_text(again["reopened"], again["closed"])),
        ("Reassigned to someone else (of the chats closed)",
         _share_text(again["reassigned"], again["closed"])),
    ]  # fmt: skip
    rows = "".join(
        f'<tr><th scope="row">{esc(k)}</th><td class="num big">{esc(v)}</td></tr>'
        for k, v in figures
    )
    parts = [f'<table class="kpi"><tbody>{rows}</tbody></table>']
    if legacy:
        parts.append(
            f'<p class="note">{legacy:,} chat(s) of the period come from legacy export files, '
            "which have no CSAT, ALF, reopen, snooze or team columns: left out here.</p>"
        )
    counts = [int(csat[f"score_{k}"]) for k in range(1, 6)]
    if csat["answers"]:
        parts.append(
            _chart(
                ctx,
                lambda: svg.bars(
                    _SCORE_LABELS,
                    counts,
                    title="CSAT answers by score",
                    median=False,
                    clip=False,
                    height=200,
                ),
            )
        )
    else:
        parts.append("<p>No customer answered the CSAT question in the period.</p>")
    parts.append("<h3>Time on hold</h3>")
    parts.append(table(_hold_table(ctx, exp)))
    parts.append(
        '<p class="note">Snoozed: the team put the chat on hold in Channel Talk '
        "(<i>totalSnoozedTime</i>). From the messages: every wait of the team for the "
        "customer's next message, snoozed or not. The two measure different things, so "
        "they are shown side by side, not reconciled.</p>"
    )
    parts.append("<h3>By team</h3>")
    teams = _team_table(exp)
    parts.append(
        table(
            teams,
            visible=VISIBLE,
            percent=("CSAT", "ALF took part", "Reopened", "Reassigned"),
            more="more teams",
        )
    )
    parts.append(
        '<p class="note">Teams and members from the export\'s Team sheet. CSAT: the share of '
        "answers scoring 4 or 5 (on a 2- or 3-point scale: the top score); ALF took part: "
        "of the chats the team or ALF handled; reopened and reassigned: of the chats "
        "closed at least once.</p>"
    )
    return Section(title, "".join(parts))


# -- tags -------------------------------------------------------------------------------------
def tags(ctx: Context) -> Section:
    m = ctx.metrics
    stats = tag_stats(m).rename({"tag": "Tag", "chats": "Chats", "share": "Share of chats"})
    if stats.height == 0:
        return Section("Tags", "<p>No chat in the period has a tag.</p>")
    parts = [
        '<div class="cols"><div><h3>Most used tags</h3>',
        table(stats, visible=VISIBLE, percent=("Share of chats",), more="more tags"),
        "</div><div>",
    ]
    pairs = tag_pairs(m)
    parts.append("<h3>Tags used together</h3>")
    if pairs.height:
        shown = pairs.sort(["chats", "tag_a", "tag_b"], descending=[True, False, False]).select(
            pl.col("tag_a").alias("Tag"),
            pl.col("tag_b").alias("Together with"),
            pl.col("chats").alias("Chats with both"),
        )
        parts.append(table(shown, visible=VISIBLE, more="more pairs"))
    else:
        parts.append("<p>No chat has two tags.</p>")
    parts.append("</div></div>")
    return Section("Tags", "".join(parts))


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
        parts.append(table(_masked(ctx, problems), visible=VISIBLE, more="more kinds"))
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


#: The sections a manager reads, in report order.
SECTIONS: tuple[Callable[[Context], Section | None], ...] = (
    summary,
    weekly,
    waiting,
    team,
    satisfaction,
    tags,
    arrivals,
)
#: The analyst's appendix, after :data:`SECTIONS`.
APPENDIX: tuple[Callable[[Context], Section], ...] = (reconciliation, data_quality, definitions)
