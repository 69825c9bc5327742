"""Who is waiting now, and how long the waits were: the waiting section."""

from __future__ import annotations

import polars as pl

from chattools.derive.messages import ordered_messages
from chattools.derive.summary import p90
from chattools.report import svg
from chattools.report.html import esc, fmt, table
from chattools.report.sections.common import (
    VISIBLE,
    WAIT_LABELS,
    Context,
    Section,
    assignee_label,
    chart,
    masked,
)


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


def waiting(ctx: Context) -> Section:
    """Who is waiting now (open chats, longest first) and how long the waits were."""
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
                assignee_label().alias("Assignee"),
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
        parts.append(table(masked(ctx, shown, names=("Customer",)), visible=VISIBLE))
    parts.append("<h3>How long waits last</h3>")
    if w.height == 0:
        parts.append("<p>No waiting intervals in the period.</p>")
        return Section("Waiting", "".join(parts))
    kinds = list(WAIT_LABELS)
    from chattools.plots import DURATION_BANDS, waits_frame

    bands = waits_frame(w)
    band_names = [label for _, label in DURATION_BANDS]
    share = {(k, b): s for k, b, s in bands.select("kind", "band", "share").iter_rows()}
    count = {(k, b): n for k, b, n in bands.select("kind", "band", "intervals").iter_rows()}
    series = [
        (WAIT_LABELS[k], [100 * share.get((k, b), 0.0) for b in band_names], c)
        for k, c in zip(kinds, (svg.BLUE, svg.ORANGE), strict=True)
    ]
    notes = [[f"{count.get((k, b), 0):,} waits" for b in band_names] for k in kinds]
    parts.append(
        chart(
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
        .with_columns(pl.col("waiting").replace_strict(WAIT_LABELS).alias("waiting"))
        .rename({"waiting": "Who waits"})
    )
    parts.append(table(stats))
    return Section("Waiting", "".join(parts))
