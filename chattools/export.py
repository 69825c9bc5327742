"""The loaded export: typed frames, where they came from, and what could not be read.

An :class:`Export` is what :func:`chattools.open_export`, :func:`chattools.open_exports`
and :func:`chattools.open_dataset` return. It holds one typed Polars frame per sheet
(eager, or lazy when opened from a Parquet dataset), the generation, the channel time
zone, one row per source file, a ``problems`` frame listing every cell or row that
could not be read as it should, a ``duplicates`` frame listing every row dropped
because another file held the same record and a ``skipped`` frame listing every file
that :func:`chattools.open_exports` could not read at all. It never holds a password.

Examples
--------
>>> import chattools as ct
>>> exp = ct.Export.empty()
>>> exp.chats.height, exp.generation, exp.timezone
(0, 'legacy', 'Asia/Seoul')
>>> exp.skipped.columns
['file', 'error', 'reason', 'hint']
>>> exp.messages.columns[:5]
['chatId', 'personType', 'personId', 'createdAt', 'plainText']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import polars as pl

from chattools import schema
from chattools.errors import MissingColumnError, MissingSheetError, MovedError

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "DUPLICATE_SCHEMA",
    "EMPTY_ROWS_PROBLEM",
    "PROBLEM_SCHEMA",
    "ROWS_READ_SCHEMA",
    "SKIPPED_SCHEMA",
    "SOURCE_SCHEMA",
    "Export",
]

#: The joins that were methods of Export until 2026-12-04 (``exp.timeline()``…) and the
#: functions that replaced them: Export is a container and imports nothing of derive or
#: readers (docs/decisions.md, decision 41).
_MOVED_TO_FUNCTIONS = {
    "timeline": "ct.timeline(exp)",
    "chat_table": "ct.chat_table(exp)",
    "transcript": "ct.transcript(exp, chat_id)",
    "coverage": "ct.coverage(exp)",
}

#: One row per cell or row that could not be loaded as it should.
PROBLEM_SCHEMA = pl.Schema(
    {
        "file": pl.String(),
        "sheet": pl.String(),
        "row": pl.Int64(),
        "column": pl.String(),
        "value": pl.String(),
        "problem": pl.String(),
    }
)
#: The problem of a run of empty rows, one ``problems`` row (its ``row`` the run's first,
#: the text naming the last), which :meth:`Export.accounting` counts as every row of it.
EMPTY_ROWS_PROBLEM = "empty rows {}-{}: not loaded"
_RUN_LAST = r"^empty rows \d+-(\d+): not loaded$"  # EMPTY_ROWS_PROBLEM's last row

#: One row per row dropped when merging files because another row with the same ``key``
#: was kept (from ``kept_file``); see :mod:`chattools.readers.combine`.
DUPLICATE_SCHEMA = pl.Schema(
    {
        "file": pl.String(),
        "sheet": pl.String(),
        "row": pl.Int64(),
        "key": pl.String(),
        "kept_file": pl.String(),
    }
)

#: One row per file that could not be read at all (``ct.open_exports(..., on_error="report")``):
#: the error class (e.g. ``"WrongPasswordError"``), its message and its hint (never a password).
SKIPPED_SCHEMA = pl.Schema(
    {"file": pl.String(), "error": pl.String(), "reason": pl.String(), "hint": pl.String()}
)

#: One row per source file.
#: Rows read per (file, sheet), for :meth:`Export.accounting`.
ROWS_READ_SCHEMA = pl.Schema({"file": pl.String(), "sheet": pl.String(), "rows_read": pl.Int64()})

SOURCE_SCHEMA = pl.Schema(
    {
        "file": pl.String(),
        "sha256": pl.String(),
        "container": pl.String(),
        "generation": pl.String(),
        "sheets": pl.List(pl.String()),
        "chats": pl.Int64(),
        "messages": pl.Int64(),
        "first_chat_at": pl.Datetime(schema.TIME_UNIT, schema.DEFAULT_TIMEZONE),
        "last_chat_at": pl.Datetime(schema.TIME_UNIT, schema.DEFAULT_TIMEZONE),
    }
)

Frame = pl.DataFrame | pl.LazyFrame


@dataclass(frozen=True, repr=False)
class Export:
    """Typed frames of one or more Channel Talk exports.

    Use the sheet properties (``chats``, ``messages``, ``users``, ``managers``, ``bots``,
    ``tags``, ``supportbots``, ``marketing``, ``meets``, ``cases``, ``teams``) for eager
    frames and :meth:`lazy` for a ``LazyFrame`` of any sheet.
    """

    frames: Mapping[str, Frame]
    generation: schema.Generation = "legacy"
    timezone: str = schema.DEFAULT_TIMEZONE
    sources: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SOURCE_SCHEMA))
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))
    #: Rows read per (file, sheet), for :meth:`accounting`.
    rows_read: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ROWS_READ_SCHEMA))
    #: Rows dropped as cross-file duplicates (``DUPLICATE_SCHEMA``), for :meth:`accounting`.
    duplicates: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=DUPLICATE_SCHEMA))
    #: Files that could not be read and were left out (``SKIPPED_SCHEMA``); each is also a
    #: row of :attr:`problems` with no sheet. See :func:`chattools.open_exports`.
    skipped: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SKIPPED_SCHEMA))

    @classmethod
    def empty(cls, timezone: str = schema.DEFAULT_TIMEZONE) -> Export:
        """An export with every sheet present and empty."""
        return cls({k: schema.empty_frame(k, timezone) for k in schema.SHEETS}, timezone=timezone)

    # -- sheets -----------------------------------------------------------------------
    def lazy(self, sheet: str) -> pl.LazyFrame:
        """The typed frame of ``sheet`` as a ``LazyFrame`` (empty if the export lacks it)."""
        if sheet not in schema.SHEETS:
            msg = f"unknown sheet {sheet!r}"
            raise MissingSheetError(msg, hint=f"use one of {sorted(schema.SHEETS)}.")
        frame = self.frames.get(sheet)
        if frame is None:
            return schema.empty_frame(sheet, self.timezone).lazy()
        return frame.lazy()

    def require(self, sheet: str, *columns: str) -> pl.LazyFrame:
        """:meth:`lazy` after checking the frame has ``columns``: a frame built by hand
        without one gets a :class:`~chattools.errors.MissingColumnError` naming it, not a
        Polars error from deep inside a plan.

        >>> import polars as pl, chattools as ct
        >>> ct.Export({"chats": pl.DataFrame({"id": ["a"]})}).require("chats", "id", "openedAt")
        Traceback (most recent call last):
        ...
        chattools.errors.MissingColumnError: the chats frame has no column 'openedAt' (it has ['id'])
        Hint: keep the export's columns (filter rows, not columns), or start from chattools.schema.empty_frame('chats').
        """
        lf = self.lazy(sheet)
        names = lf.collect_schema().names()
        missing = [c for c in columns if c not in names]
        if missing:
            what = ", ".join(repr(c) for c in missing)
            plural = "s" if len(missing) > 1 else ""
            msg = f"the {sheet} frame has no column{plural} {what} (it has {names!r})"
            raise MissingColumnError(
                msg,
                hint="keep the export's columns (filter rows, not columns), or start from "
                f"chattools.schema.empty_frame({sheet!r}).",
            )
        return lf

    def frame(self, sheet: str) -> pl.DataFrame:
        """The typed frame of ``sheet``, collected if it is lazy."""
        frame = self.frames.get(sheet)
        if isinstance(frame, pl.DataFrame):
            return frame
        return self.lazy(sheet).collect()

    @property
    def is_lazy(self) -> bool:
        """Whether the frames are lazy scans (an export opened with ``open_dataset``)."""
        return any(isinstance(f, pl.LazyFrame) for f in self.frames.values())

    @property
    def chats(self) -> pl.DataFrame:
        """The chats sheet (UserChat data) as a DataFrame."""
        return self.frame("chats")

    @property
    def messages(self) -> pl.DataFrame:
        """The messages sheet (Message data) as a DataFrame."""
        return self.frame("messages")

    @property
    def users(self) -> pl.DataFrame:
        """The users sheet (User data) as a DataFrame."""
        return self.frame("users")

    @property
    def managers(self) -> pl.DataFrame:
        """The managers sheet (Manager data) as a DataFrame."""
        return self.frame("managers")

    @property
    def bots(self) -> pl.DataFrame:
        """The bots sheet (Bot data) as a DataFrame."""
        return self.frame("bots")

    @property
    def tags(self) -> pl.DataFrame:
        """The chat tags sheet (UserChatTag data) as a DataFrame."""
        return self.frame("tags")

    @property
    def supportbots(self) -> pl.DataFrame:
        """The support bots sheet (SupportBot data) as a DataFrame."""
        return self.frame("supportbots")

    @property
    def marketing(self) -> pl.DataFrame:
        """The marketing campaigns sheet (Marketing data) as a DataFrame."""
        return self.frame("marketing")

    @property
    def meets(self) -> pl.DataFrame:
        """The calls sheet (UserChat meet data) as a DataFrame."""
        return self.frame("meets")

    @property
    def cases(self) -> pl.DataFrame:
        """The cases sheet (UserChatCase data) as a DataFrame."""
        return self.frame("cases")

    @property
    def teams(self) -> pl.DataFrame:
        """The teams sheet (Team data) as a DataFrame."""
        return self.frame("teams")

    def with_frames(self, **frames: Frame) -> Export:
        """A copy with some sheets replaced (e.g. filtered chats)."""
        return replace(self, frames={**self.frames, **frames})

    # -- accounting -------------------------------------------------------------------
    def accounting(self) -> pl.DataFrame:
        """Per file and sheet: rows read, loaded, rejected as problems and merged away.

        ``rows_read == rows_loaded + rows_rejected + rows_merged`` holds for every row
        (column ``balanced``): a row is either in a frame, rejected (listed in
        :attr:`problems` with no ``column``; a run of empty rows is listed once, as
        ``"empty rows 21-40: not loaded"``) or dropped as a duplicate of a row kept
        from another file (listed in :attr:`duplicates`). A row that loaded with a
        problem in one of its cells counts as loaded.

        Examples
        --------
        >>> import chattools as ct
        >>> ct.Export.empty().accounting().columns
        ['file', 'sheet', 'rows_read', 'rows_loaded', 'rows_rejected', 'rows_merged', 'balanced']
        """
        loaded = [
            self.lazy(key)
            .group_by("_file", "_sheet")
            .agg(pl.len().cast(pl.Int64).alias("rows_loaded"))
            .rename({"_file": "file", "_sheet": "sheet"})
            for key in schema.SHEETS
        ]
        loaded_df = pl.concat([lf.collect() for lf in loaded])
        rejected = (
            self.problems.filter(pl.col("column").is_null() & pl.col("row").is_not_null())
            .with_columns(
                last=pl.col("problem")
                .str.extract(_RUN_LAST)
                .cast(pl.Int64)
                .fill_null(pl.col("row"))
            )
            .group_by("file", "sheet")
            .agg(
                (pl.col("row").n_unique() + (pl.col("last") - pl.col("row")).sum())
                .cast(pl.Int64)
                .alias("rows_rejected")
            )
        )
        merged = self.duplicates.group_by("file", "sheet").agg(
            pl.col("row").n_unique().cast(pl.Int64).alias("rows_merged")
        )
        counts = ["rows_read", "rows_loaded", "rows_rejected", "rows_merged"]
        return (
            self.rows_read.join(loaded_df, on=["file", "sheet"], how="full", coalesce=True)
            .join(rejected, on=["file", "sheet"], how="left")
            .join(merged, on=["file", "sheet"], how="full", coalesce=True)
            .with_columns(pl.col(counts).fill_null(0))
            .with_columns(
                (
                    pl.col("rows_read")
                    == pl.col("rows_loaded") + pl.col("rows_rejected") + pl.col("rows_merged")
                ).alias("balanced")
            )
            .select("file", "sheet", *counts, "balanced")
            .sort("file", "sheet")
        )

    def __getattr__(self, name: str) -> object:
        """Point a caller of a removed join method at the function that replaced it."""
        moved = _MOVED_TO_FUNCTIONS.get(name)
        if moved is None:
            msg = f"{type(self).__name__!r} object has no attribute {name!r}"
            raise AttributeError(msg)
        msg = f"exp.{name}() is no longer a method of Export: it is the function {moved}"
        raise MovedError(msg, hint=f"write {moved} instead of exp.{name}(...).")

    # -- display ----------------------------------------------------------------------
    def summary(self) -> pl.DataFrame:
        """One row per sheet: rows and columns (what ``print(exp)`` shows)."""
        rows = []
        for key in schema.SHEETS:
            frame = self.frames.get(key)
            if frame is None:
                n, cols = 0, len(schema.typed_schema(key))
            elif isinstance(frame, pl.LazyFrame):
                n = frame.select(pl.len()).collect().item()
                cols = len(frame.collect_schema())
            else:
                n, cols = frame.height, frame.width
            rows.append({"sheet": key, "rows": n, "columns": cols})
        return pl.DataFrame(
            rows, schema={"sheet": pl.String, "rows": pl.Int64, "columns": pl.Int64}
        )

    def _activity_span(self) -> tuple[datetime | None, datetime | None]:
        """The first and last chat activity: messages sent, chats opened or closed.

        Not ``createdAt``: a download of one half-year holds chats created long before it.

        Examples
        --------
        >>> import chattools as ct
        >>> ct.Export.empty()._activity_span()
        (None, None)
        """
        stamps = [("messages", "createdAt"), ("chats", "openedAt"), ("chats", "closedAt")]
        parts = [
            self.lazy(sheet).select(pl.col(column).alias("at"))
            for sheet, column in stamps
            if column in self.lazy(sheet).collect_schema()
        ]
        if not parts:
            return None, None
        span = pl.concat(parts, how="vertical_relaxed").select(
            pl.col("at").min().alias("first"), pl.col("at").max().alias("last")
        )
        first, last = span.collect().row(0)
        return first, last

    def _repr_html_(self) -> str:
        """A compact table for notebooks: generation, period, files, rows, problems."""
        from html import escape
        from pathlib import PureWindowsPath  # splits at "/" and "\\"

        first, last = self._activity_span()
        period = (
            f"{first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M}"
            if first is not None and last is not None
            else "no chat activity"
        )
        names = [PureWindowsPath(f).name for f in self.sources["file"].cast(pl.String)]
        shown = ", ".join(names[:5]) + (f", … {len(names) - 5} more" if len(names) > 5 else "")
        counts = self.summary()
        rows = [
            ("generation", self.generation),
            ("period", f"{period} ({self.timezone})"),
            ("files", f"{len(names)}" + (f": {shown}" if names else "")),
            *[
                (f"rows · {sheet}", f"{n:,}")
                for sheet, n in counts.select("sheet", "rows").iter_rows()
                if n
            ],
            ("problems", f"{self.problems.height:,}"),
        ]
        if self.duplicates.height:
            rows.append(("duplicates merged", f"{self.duplicates.height:,}"))
        if self.skipped.height:
            rows.append(("files skipped", f"{self.skipped.height:,}"))
        body = "".join(
            f"<tr><th style='text-align:left'>{escape(k)}</th>"
            f"<td style='text-align:left'>{escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<table class='chattools-export'><caption>Export</caption>{body}</table>"

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{r['sheet']}={r['rows']}" for r in self.summary().iter_rows(named=True)
        )
        files = self.sources.height
        merged = f" duplicates={self.duplicates.height}" if self.duplicates.height else ""
        skipped = f" skipped={self.skipped.height}" if self.skipped.height else ""
        return (
            f"<Export generation={self.generation!r} timezone={self.timezone!r} "
            f"files={files} {counts} problems={self.problems.height}{merged}{skipped}>"
        )
