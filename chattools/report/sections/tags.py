"""The tags section: the most used tags and the pairs used together."""

from __future__ import annotations

import polars as pl

from chattools.derive.tags import tag_pairs, tag_stats
from chattools.report.html import table
from chattools.report.sections.common import VISIBLE, Context, Section


# -- tags -------------------------------------------------------------------------------------
def tags(ctx: Context) -> Section:
    """The tags: the most used, and the pairs most often used together."""
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
