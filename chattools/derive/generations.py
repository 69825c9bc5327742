"""One channel across the format switch: an export's chats split by the format of their file.

Downloads from before Channel Talk's 2026 format (``legacy``) and after it (``2026``)
merge into one :class:`~chattools.export.Export` (``docs/decisions.md``, decision 71):
``exp.generation`` is the newest present and ``exp.sources`` keeps each file's own. A
rule that differs between the formats — Channel Talk's exported metric columns, and so
:func:`chattools.reconcile` — must read each chat by the format of the file its row
came from (``_file``). :func:`split_by_generation` gives one Export per format, each
with its chats (under its own column names: a merge keeps the legacy values of the
columns 2026 redefined as ``legacy.replyCount`` …), their messages (by ``chatId``,
whichever file a message came from) and every other sheet whole.

Examples
--------
>>> import polars as pl
>>> import chattools as ct
>>> chats = pl.DataFrame({"id": ["a", "b"], "_file": ["2025.xlsx", "2026.xlsx"]})
>>> messages = pl.DataFrame({"chatId": ["a", "b", "b"], "_file": ["2025.xlsx"] * 3})
>>> sources = pl.DataFrame({"file": ["2025.xlsx", "2026.xlsx"], "generation": ["legacy", "2026"]})
>>> exp = ct.Export({"chats": chats, "messages": messages}, generation="2026",
...                 sources=sources)
>>> parts = split_by_generation(exp)
>>> {g: (p.generation, p.chats["id"].to_list(), p.messages.height) for g, p in parts.items()}
{'legacy': ('legacy', ['a'], 1), '2026': ('2026', ['b'], 2)}
>>> list(split_by_generation(ct.Export.empty()))  # one format: the export itself
['legacy']
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from chattools import schema
from chattools.export import Export

__all__ = ["chat_generations", "split_by_generation"]


def chat_generations(exp: Export) -> pl.LazyFrame:
    """``id``, ``generation``: the format of the file each chat row came from.

    A row whose file is not in ``exp.sources`` (a hand-built frame) takes
    ``exp.generation``.
    """
    chats = exp.lazy("chats")
    if "_file" not in chats.collect_schema() or exp.sources.is_empty():
        return chats.select("id", pl.lit(exp.generation).alias("generation"))
    files = exp.sources.lazy().select(pl.col("file").cast(pl.String).alias("_file"), "generation")
    return (
        chats.select("id", pl.col("_file").cast(pl.String))
        .join(files.unique("_file"), on="_file", how="left", maintain_order="left")
        .select("id", pl.col("generation").fill_null(pl.lit(exp.generation)))
    )


def _own_columns(chats: pl.LazyFrame, generation: str) -> pl.LazyFrame:
    """The chats under their own format's names: a merge keeps the legacy value of a
    redefined column as ``legacy.<name>`` (:data:`chattools.schema.REDEFINED_IN_2026`).
    """
    present = set(chats.collect_schema().names())
    moved = [n for n in schema.REDEFINED_IN_2026 if schema.legacy_column(n) in present]
    if not moved:
        return chats
    if generation != "legacy":
        return chats.drop([schema.legacy_column(n) for n in moved])
    return chats.drop([n for n in moved if n in present]).rename(
        {schema.legacy_column(n): n for n in moved}
    )


def split_by_generation(exp: Export) -> dict[schema.Generation, Export]:
    """One Export per format present among the chats, oldest format first.

    With a single format (every export downloaded at once) it is ``{generation: exp}``,
    the export itself.
    """
    if set(exp.sources["generation"].to_list()) <= {exp.generation}:
        return {exp.generation: exp}  # every row takes exp.generation: no scan of the chats
    generations = chat_generations(exp)
    present = generations.select(pl.col("generation").unique()).collect()["generation"]
    ordered = [g for g in schema.GENERATIONS if g in set(present.to_list())]
    if len(ordered) <= 1:
        return {ordered[0] if ordered else exp.generation: exp}
    parts: dict[schema.Generation, Export] = {}
    for generation in ordered:
        ids = generations.filter(pl.col("generation") == generation).select("id")
        chats = _own_columns(
            exp.lazy("chats").join(ids, on="id", how="semi", maintain_order="left"), generation
        )
        messages = exp.lazy("messages").join(
            ids.rename({"id": "chatId"}), on="chatId", how="semi", maintain_order="left"
        )
        frames = {
            "chats": chats if exp.is_lazy else chats.collect(),
            "messages": messages if exp.is_lazy else messages.collect(),
        }
        parts[generation] = replace(exp.with_frames(**frames), generation=generation)
    return parts
