"""The team and, for 2026 exports, customer satisfaction and automation."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from chattools.derive.csat import csat_summary
from chattools.derive.experience import alf_summary, hold_times, reopen_rates, team_summary
from chattools.derive.joins import placeholder_expr
from chattools.derive.summary import p90
from chattools.export import Export
from chattools.report import svg
from chattools.report.html import duration, esc, table
from chattools.report.sections.common import (
    VISIBLE,
    Context,
    Section,
    assignee_label,
    chart,
    minutes,
    minutes_of,
    within,
)


# -- team -------------------------------------------------------------------------------------
def team(ctx: Context) -> Section:
    """The team: per assignee, chats, first response, resolution and share within target."""
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
        aggs.append(within(metric, target).alias(ctx.within_label))
    aggs += [
        pl.col("resolution_time")
        .filter(pl.col("state") == "closed")
        .median()
        .alias("Median resolution"),
        pl.col("unanswered_tail").is_not_null().sum().cast(pl.Int64).alias("Unanswered"),
    ]
    per = (
        m.with_columns(assignee_label().alias("Assignee"))
        .group_by("Assignee")
        .agg(aggs)
        .sort(["Chats", "Assignee"], descending=[True, False])
    )
    if per.height == 0:
        return Section("Team", "<p>No chats in the period.</p>")
    top = per.head(15)
    key = "… in business hours" if ctx.business else "Median first response"
    parts = [
        chart(
            ctx,
            lambda: svg.hbars(
                top["Assignee"].to_list(),
                [("median first response", minutes_of(top[key]), svg.BLUE)],
                title="Median first response per assignee"
                + (" (business hours)" if ctx.business else ""),
                fmt=minutes,
                notes=[[f"{n:,} chats" for n in top["Chats"].to_list()]],
            ),
        ),
        table(per, visible=VISIBLE, percent=(ctx.within_label,), more="more assignees"),
    ]
    unnamed = _unnamed_assignees(ctx)
    if unnamed:
        parts.append(
            f'<p class="note">{unnamed} assignee(s) are not in the export\'s Manager sheet '
            '(e.g. people who have left the team): shown as "manager &lt;id&gt; (unknown)".</p>'
        )
    return Section("Team", "".join(parts))


def _unnamed_assignees(ctx: Context) -> int:
    """How many of the period's assignees the table shows by ``chat_metrics``' placeholder
    (no name in the export's Manager sheet).
    """
    placeholder = pl.col("assignee_name") == placeholder_expr("manager", pl.col("assigneeId"))
    return ctx.metrics.filter(placeholder)["assigneeId"].n_unique()


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
    # team_name is the Team sheet's, or "team <id> (unknown)" (chattools.derive.chat_groups)
    name = pl.when(pl.col("teamId").is_null()).then(pl.lit("(no team)")).otherwise("team_name")
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
    mean = csat["score_mean"]
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
            chart(
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
