"""Merge several loaded exports into one, and report what each file covers.

Channel Talk caps a download at 10,000 chats, so a period is usually several files
that may overlap. :func:`combine` merges their typed frames into one
:class:`~chattools.Export`; :func:`coverage` tells, per file, which dates it covers,
how much it shares with the other files and where the gaps are.

Merge rules (the same in :func:`chattools.open_exports` and the Parquet dataset):

* **Files are ordered** as given (``Export.sources`` order within each export); a
  "later file" is one further down that order.
* **Chats** are deduplicated by ``id``, keeping the most recent version: the latest
  of ``closedAt`` / ``openedAt`` / ``createdAt``, then the later file, then the later
  row. **Users** likewise by ``id`` (latest ``updatedAt``), **cases** by
  ``userChatCaseId`` (latest ``userChatCaseUpdatedAt``); **managers, bots, tags,
  teams, marketing, meets** by ``id`` and **support bots** by ``id`` + ``sectionPath``,
  keeping the later file's row.
* **Messages** have no id and genuine exact duplicates, so they are never
  deduplicated within a file. When a chat's messages come from several files, the
  messages of ONE file are kept: the file whose chat version was kept (or, when that
  file has no messages for the chat, the file with the next most recent version;
  messages whose chat is in no file: the later file).
* Every dropped row is listed in ``duplicates`` (its ``file``, ``sheet``, ``row``,
  its ``key`` — the id, or the chat id for a message — and ``kept_file``, the file of
  the row or messages kept instead), not in ``problems``: ``Export.accounting()``
  counts them as ``rows_merged`` and :func:`coverage` counts the overlap from them.
  Provenance columns stay on every row.
* ``problems``, ``rows_read``, ``sources`` and ``duplicates`` are concatenated; when
  an input is itself a merge, the ``kept_file`` of its earlier duplicates is updated
  to the file kept now. All exports must share
  one time zone; generations may differ (``sources["generation"]`` keeps each file's)
  and the result's ``generation`` is the newest present (``legacy`` < ``2026`` <
  ``case``). When both formats are merged, the legacy chats' ``replyCount``,
  ``totalReplyTime`` and ``avgReplyTime`` (the latest cycle; 2026: every cycle) become
  ``legacy.replyCount`` … (:data:`chattools.schema.REDEFINED_IN_2026`), so no column
  mixes two definitions.

Examples
--------
>>> import polars as pl
>>> import chattools as ct
>>> from chattools.readers.combine import combine
>>> def export(file, ids, closed):
...     chats = pl.DataFrame({"id": ids, "closedAt": closed, "_file": file,
...                           "_sheet": "UserChat data", "_row": range(1, len(ids) + 1)})
...     chats = chats.with_columns(pl.col("closedAt").str.to_datetime().dt.replace_time_zone(
...         "Asia/Seoul")).cast({"_row": pl.Int64})
...     return ct.Export({"chats": pl.concat([ct.schema.empty_frame("chats"), chats],
...                                           how="diagonal_relaxed")})
>>> a = export("a.xlsx", ["c1", "c2"], ["2024-01-02 10:00:00", "2024-01-03 10:00:00"])
>>> b = export("b.xlsx", ["c2"], ["2024-01-05 09:00:00"])
>>> merged = combine([a, b])
>>> merged.chats.select("id", "_file").rows()
[('c1', 'a.xlsx'), ('c2', 'b.xlsx')]
>>> merged.duplicates.select("file", "row", "key", "kept_file").rows()
[('a.xlsx', 2, 'c2', 'b.xlsx')]
>>> merged.problems.height
0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from chattools import schema
from chattools.errors import InvalidValueError
from chattools.export import DUPLICATE_SCHEMA, PROBLEM_SCHEMA, SOURCE_SCHEMA, Export

__all__ = ["combine", "coverage", "order_columns"]


@dataclass(frozen=True)
class _Rule:
    keys: tuple[str, ...]
    recency: tuple[str, ...] = ()


#: How each sheet is deduplicated (messages are handled on their own).
RULES: dict[str, _Rule] = {
    "chats": _Rule(("id",), ("closedAt", "openedAt", "createdAt")),
    "users": _Rule(("id",), ("updatedAt",)),
    "cases": _Rule(("userChatCaseId",), ("userChatCaseUpdatedAt",)),
    "supportbots": _Rule(("id", "sectionPath")),
    "managers": _Rule(("id",)),
    "bots": _Rule(("id",)),
    "tags": _Rule(("id",)),
    "teams": _Rule(("id",)),
    "marketing": _Rule(("id",)),
    "meets": _Rule(("id",)),
}

_SRC, _VER, _IDX, _WIN = "__src", "__version", "__index", "__winner"
_KEY, _KEPT, _SHEET_KEY = "__key", "__kept_file", "__sheet_key"
#: The columns :func:`_duplicates` reads (an empty frame of them anchors the concat).
_DROPPED = pl.Schema(
    {
        "_file": pl.String(),
        "_sheet": pl.String(),
        "_row": pl.Int64(),
        _KEY: pl.String(),
        _KEPT: pl.String(),
    }
)
_HINT = "combine exports loaded with the same timezone=..., e.g. through ct.open_exports."


def _file_ranks(exports: Sequence[Export]) -> list[tuple[dict[str, int], int]]:
    """Per export: file name → global rank, and the rank of rows from unlisted files."""
    out: list[tuple[dict[str, int], int]] = []
    owner: dict[str, int] = {}
    rank = 0
    for i, exp in enumerate(exports):
        names = exp.sources["file"].to_list() if "file" in exp.sources.columns else []
        ranks: dict[str, int] = {}
        base = rank
        for name in names:
            if name in owner and owner[name] != i:
                msg = f"file {name!r} is in more than one of the exports to combine"
                raise InvalidValueError(
                    msg, hint="give each file once; open_exports skips a path given twice."
                )
            owner[name] = i
            if name not in ranks:
                ranks[name] = rank
                rank += 1
        if not names:
            rank += 1
        out.append((ranks, base))
    return out


def _apart(exp: Export, sheet: str) -> pl.LazyFrame:
    """A legacy export's chats with the columns 2026 redefined renamed apart."""
    frame = exp.lazy(sheet)
    if sheet != "chats" or exp.generation != "legacy":
        return frame
    present = set(frame.collect_schema().names())
    return frame.rename(
        {n: schema.legacy_column(n) for n in schema.REDEFINED_IN_2026 if n in present}
    )


def _with_src(frame: pl.LazyFrame, ranks: dict[str, int], base: int) -> pl.LazyFrame:
    if not ranks:
        return frame.with_columns(pl.lit(base, dtype=pl.Int64).alias(_SRC))
    return frame.with_columns(
        pl.col("_file")
        .replace_strict(list(ranks), list(ranks.values()), default=base, return_dtype=pl.Int64)
        .alias(_SRC)
    )


def order_columns(sheet: str, columns: Sequence[str]) -> list[str]:
    """``columns`` in typed-frame order: core columns, extra columns, provenance."""
    core = [c for c in schema.typed_schema(sheet, provenance=False) if c in columns]
    prov = [c for c in schema.PROVENANCE_COLUMNS if c in columns]
    extra = [c for c in columns if c not in core and c not in prov and c != _SRC]
    return [*core, *extra, *prov]


def _key_expr(name: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.List):
        return pl.col(name).list.join("\x1f")
    return pl.col(name).cast(pl.String)


def _version(frame_schema: pl.Schema, recency: tuple[str, ...]) -> pl.Expr:
    present = [c for c in recency if c in frame_schema]
    if not present:
        return pl.lit(None, dtype=pl.Int64).alias(_VER)
    return pl.max_horizontal(present).alias(_VER)


def _dedup(frame: pl.LazyFrame, rule: _Rule) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(kept rows, dropped rows with ``__key`` and ``__kept_file``) for one sheet."""
    fs = frame.collect_schema()
    if any(k not in fs for k in rule.keys):
        none = pl.lit(None, pl.String)
        return frame, frame.head(0).with_columns(none.alias(_KEY), none.alias(_KEPT))
    keys = [_key_expr(k, fs[k]).alias(f"__k{i}") for i, k in enumerate(rule.keys)]
    key_names = [f"__k{i}" for i in range(len(keys))]
    winner = pl.col(_WIN).struct
    marked = (
        frame.with_row_index(_IDX)
        .with_columns(*keys, _version(fs, rule.recency))
        .with_columns(
            pl.struct(_IDX, "_file")
            .sort_by([_VER, _SRC, "_row", _IDX], nulls_last=False)
            .last()
            .over(key_names)
            .alias(_WIN)
        )
        .with_columns(
            (pl.col("__k0").is_null() | (pl.col(_IDX) == winner.field(_IDX))).alias("__keep"),
            pl.concat_str(key_names, separator=" / ", ignore_nulls=True).alias(_KEY),
            winner.field("_file").alias(_KEPT),
        )
    )
    helper = [_IDX, _VER, _WIN, *key_names]
    kept = marked.filter("__keep").drop(*helper, "__keep", _KEY, _KEPT)
    dropped = marked.filter(~pl.col("__keep")).drop(*helper, "__keep")
    return kept, dropped


def _dedup_messages(
    messages: pl.LazyFrame, chats: pl.LazyFrame | None
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Keep, per chat, the messages of one file (see the module docstring)."""
    pairs = messages.select("chatId", _SRC, "_file").unique()
    if chats is not None and "id" in chats.collect_schema():
        versions = (
            chats.select(
                pl.col("id").alias("chatId"),
                _SRC,
                _version(chats.collect_schema(), RULES["chats"].recency),
            )
            .group_by("chatId", _SRC)
            .agg(pl.col(_VER).max(), pl.lit(True).alias("__has_chat"))
        )
        pairs = pairs.join(versions, on=["chatId", _SRC], how="left")
    else:
        pairs = pairs.with_columns(
            pl.lit(None, dtype=pl.Int64).alias(_VER), pl.lit(None, pl.Boolean).alias("__has_chat")
        )
    order = [pl.col("__has_chat").fill_null(False), _VER, _SRC, "_file"]
    owners = pairs.group_by("chatId").agg(
        pl.col(_SRC).sort_by(order, nulls_last=False).last().alias("__owner"),
        pl.col("_file").sort_by(order, nulls_last=False).last().alias(_KEPT),
    )
    marked = messages.join(owners, on="chatId", how="left", maintain_order="left").with_columns(
        (pl.col("chatId").is_null() | (pl.col(_SRC) == pl.col("__owner"))).alias("__keep")
    )
    kept = marked.filter("__keep").drop("__owner", "__keep", _KEPT)
    dropped = marked.filter(~pl.col("__keep")).select(
        "_file", "_sheet", "_row", pl.col("chatId").alias(_KEY), _KEPT
    )
    return kept, dropped


def _duplicates(dropped: pl.LazyFrame, sheet: str) -> pl.LazyFrame:
    """Dropped rows as :data:`~chattools.export.DUPLICATE_SCHEMA` rows plus ``__sheet_key``."""
    return dropped.select(
        pl.col("_file").cast(pl.String).alias("file"),
        pl.col("_sheet").cast(pl.String).alias("sheet"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.col(_KEY).cast(pl.String).alias("key"),
        pl.col(_KEPT).cast(pl.String).alias("kept_file"),
        pl.lit(sheet).alias(_SHEET_KEY),
    )


def _sheet_names(frames: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    """``sheet`` (source sheet name) → ``__sheet_key`` (typed sheet), from the catalogue
    and from the ``_sheet`` values of the frames (derived sheets have their own names).
    """
    known = [
        (name, key)
        for key, spec in schema.SHEETS.items()
        for name in (*spec.all_sheet_names, spec.api_key)
    ]
    catalogue = pl.LazyFrame(
        known, schema={"sheet": pl.String, _SHEET_KEY: pl.String}, orient="row"
    )
    seen = [
        frame.select(
            pl.col("_sheet").cast(pl.String).alias("sheet"), pl.lit(key).alias(_SHEET_KEY)
        ).unique()
        for key, frame in frames.items()
        if "_sheet" in frame.collect_schema()
    ]
    return pl.concat([catalogue, *seen]).unique("sheet", keep="first")


def _resolve(earlier: pl.DataFrame, new: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """Point the ``kept_file`` of duplicates from earlier merges at the file kept now.

    When this merge dropped a row of some (typed sheet, key), the one row (or chat's
    messages) now kept for that key is in ``new``'s ``kept_file``; the keys this merge
    dropped nothing for still have their earlier winner.
    """
    winners = new.select(_SHEET_KEY, "key", pl.col("kept_file").alias("__now")).unique(
        [_SHEET_KEY, "key"]
    )
    return (
        earlier.join(names, on="sheet", how="left", maintain_order="left")
        .join(winners, on=[_SHEET_KEY, "key"], how="left", maintain_order="left")
        .with_columns(pl.coalesce("__now", "kept_file").alias("kept_file"))
        .select(DUPLICATE_SCHEMA.names())
    )


def _concat(frames: list[pl.DataFrame], empty_schema: pl.Schema) -> pl.DataFrame:
    frames = [f for f in frames if f.width]
    if not frames:
        return pl.DataFrame(schema=empty_schema)
    return pl.concat(frames, how="diagonal_relaxed")


def combine(exports: Sequence[Export]) -> Export:
    """Merge exports into one, deduplicating chats and entities across files.

    See the module docstring for the exact rules. The result's frames are eager
    ``DataFrame``s (lazy inputs are collected), in file order.

    Parameters
    ----------
    exports
        Loaded exports, oldest file first (ties between equal versions go to the
        later file).

    Raises
    ------
    InvalidValueError
        No exports, exports with different time zones, or one file in two exports.
    """
    if not exports:
        msg = "combine() got no exports"
        raise InvalidValueError(msg, hint="pass at least one ct.Export.")
    zones = sorted({e.timezone for e in exports})
    if len(zones) > 1:
        msg = f"cannot combine exports with different time zones: {zones!r}"
        raise InvalidValueError(msg, hint=_HINT)
    timezone = zones[0]
    ranks = _file_ranks(exports)
    sheets = [k for k in schema.SHEETS if any(k in e.frames for e in exports)]

    both_formats = {"legacy", "2026"} <= {e.generation for e in exports}
    merged: dict[str, pl.LazyFrame] = {}
    for sheet in sheets:
        parts = [
            _with_src(_apart(e, sheet) if both_formats else e.lazy(sheet), r, b)
            for e, (r, b) in zip(exports, ranks, strict=True)
        ]
        frame = pl.concat(parts, how="diagonal_relaxed")
        merged[sheet] = frame.select(*order_columns(sheet, frame.collect_schema().names()), _SRC)

    kept: dict[str, pl.LazyFrame] = {}
    dropped: list[pl.LazyFrame] = []
    for sheet, frame in merged.items():
        if sheet == "messages":
            kept[sheet], rows = _dedup_messages(frame, merged.get("chats"))
        elif sheet in RULES:
            kept[sheet], rows = _dedup(frame, RULES[sheet])
        else:
            kept[sheet] = frame
            continue
        dropped.append(_duplicates(rows, sheet))
    earlier = _concat([e.duplicates for e in exports], DUPLICATE_SCHEMA)
    earlier = earlier.select(DUPLICATE_SCHEMA.names()).cast(dict(DUPLICATE_SCHEMA))  # type: ignore[arg-type]
    queries = [kept[n].drop(_SRC) for n in kept]
    queries.append(pl.concat([_duplicates(pl.LazyFrame(schema=_DROPPED), ""), *dropped]))
    if earlier.height:
        queries.append(_sheet_names(merged))
    collected = pl.collect_all(queries)
    frames = dict(zip(kept, collected[: len(kept)], strict=True))
    new = collected[len(kept)]
    if earlier.height:
        earlier = _resolve(earlier, new, collected[-1])
    duplicates = pl.concat([earlier, new.drop(_SHEET_KEY)])

    generation = max((e.generation for e in exports), key=schema.GENERATIONS.index)
    return Export(
        frames,
        generation=generation,
        timezone=timezone,
        sources=_concat([e.sources for e in exports], SOURCE_SCHEMA),
        problems=_concat([e.problems for e in exports], PROBLEM_SCHEMA),
        rows_read=_concat([e.rows_read for e in exports], exports[0].rows_read.schema),
        duplicates=duplicates,
    )


def coverage(exp: Export) -> pl.DataFrame:
    """Per source file: dates covered, counts, overlap with other files, gaps.

    Columns: ``file``, ``generation`` (``legacy`` or ``2026``: a channel's downloads
    from before and after Channel Talk's 2026 format merge into one Export, each file
    keeping its own), ``first_chat_at`` / ``last_chat_at`` (min / max chat
    ``createdAt`` in the file, as loaded), ``chats`` and ``messages`` (rows in the file,
    as loaded), ``chats_in_other_files`` (chats of this file that are also in another
    file, counted from the kept chats and ``Export.duplicates``), then, with files sorted by ``first_chat_at``: ``previous_file``,
    ``overlap_days`` (calendar days of this file's range, in the channel time zone,
    already covered by earlier files) and ``gap_days`` (calendar days between the end
    of everything earlier and this file's first day that no file covers). The first
    file has null overlap and gap.

    Examples
    --------
    >>> import chattools as ct
    >>> coverage(ct.Export.empty()).columns[:4]
    ['file', 'generation', 'first_chat_at', 'last_chat_at']
    """
    chats = exp.lazy("chats")
    # Every (chat id, file) pair that was loaded: kept rows plus rows merged away.
    chat_sheets = set(schema.SHEETS["chats"].all_sheet_names) | {schema.SHEETS["chats"].api_key}
    chat_sheets |= set(chats.select(pl.col("_sheet").unique()).collect()["_sheet"].drop_nulls())
    dup = exp.duplicates.lazy().filter(pl.col("sheet").is_in(list(chat_sheets)))
    pairs = pl.concat(
        [
            chats.select(pl.col("id").cast(pl.String), pl.col("_file").alias("file")),
            dup.select(pl.col("key").alias("id"), "file"),
        ]
    ).unique()
    shared = (
        pairs.with_columns((pl.col("file").n_unique().over("id") > 1).alias("__shared"))
        .group_by("file")
        .agg(pl.col("__shared").sum().cast(pl.Int64).alias("chats_in_other_files"))
    )
    observed = chats.group_by(pl.col("_file").alias("file")).agg(
        pl.col("createdAt").min().alias("__first"),
        pl.col("createdAt").max().alias("__last"),
        pl.len().cast(pl.Int64).alias("__chats"),
    )
    n_messages = (
        exp.lazy("messages")
        .group_by(pl.col("_file").alias("file"))
        .agg(pl.len().cast(pl.Int64).alias("__messages"))
    )
    src = exp.sources.lazy().select(
        "file", "generation", "first_chat_at", "last_chat_at", "chats", "messages"
    )
    files = (
        src.join(observed, on="file", how="full", coalesce=True)
        .join(n_messages, on="file", how="full", coalesce=True)
        .join(shared, on="file", how="left")
        .with_columns(
            pl.coalesce("first_chat_at", "__first").alias("first_chat_at"),
            pl.coalesce("last_chat_at", "__last").alias("last_chat_at"),
            pl.coalesce("chats", "__chats", 0).alias("chats"),
            pl.coalesce("messages", "__messages", 0).alias("messages"),
            pl.col("chats_in_other_files").fill_null(0),
        )
        .drop("__first", "__last", "__chats", "__messages")
        .sort("first_chat_at", "file", nulls_last=True)
    )
    start = pl.col("first_chat_at").dt.date()
    end = pl.col("last_chat_at").dt.date()
    covered = end.cum_max().shift(1)
    known = covered.is_not_null() & start.is_not_null()
    overlap = (pl.min_horizontal(end, covered) - start).dt.total_days() + 1
    gap = (start - covered).dt.total_days() - 1
    return files.with_columns(
        pl.col("file").shift(1).alias("previous_file"),
        pl.when(known).then(overlap.clip(lower_bound=0)).cast(pl.Int64).alias("overlap_days"),
        pl.when(known).then(gap.clip(lower_bound=0)).cast(pl.Int64).alias("gap_days"),
    ).collect()
