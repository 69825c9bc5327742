r"""A deterministic, realistic sample of a fictional Channel Talk channel.

:func:`generate` draws a channel (managers, bots, a support bot, campaigns, ~60 tags,
users with dynamic ``profile.*``/``web.*``/``mobile.*`` columns) and its chats from
2026-01-01 to :data:`EXPORT_TIME`, and returns the typed frames an export of the
chosen generation is meant to contain (``schema.typed_schema`` columns and dtypes,
without provenance). :func:`write_sample` writes them as an export file through
:func:`chattools.writers.write_export`. Same seed, same frames: no wall clock is read.

The exported metric columns follow Channel Talk's rules as measured on real exports
(:mod:`chattools.sample.ct_metrics`), with the channel's hours :data:`SAMPLE_HOURS`
and Korean public holidays (:data:`SAMPLE_HOLIDAYS`) closed — or other hours
(``hours=``, ``holidays=``, e.g. to test :func:`chattools.infer_operating_hours`).
The sample holds what drives the residuals on real files — cycles opened by the team,
reopened cycles, ``@`` notes, team-only internal talk — in forms a recomputation can
reproduce; ``gaps=True`` adds what a real legacy export cannot show (internal notes
without a flag, replies missing from the Message sheet), so the exported metrics then
disagree with the messages for those chats, as they do on real files.

Examples
--------
>>> from chattools import sample
>>> data = sample.generate(50, seed=7)
>>> data.generation, sorted(data.frames)[:3]
('legacy', ['bots', 'chats', 'managers'])
>>> data.frames["chats"].height
50
>>> sample.generate(50, seed=7).frames["messages"].equals(data.frames["messages"])
True
>>> sample.write_sample(None, chats=5, container="xlsx", password=sample.DEFAULT_PASSWORD)[:4]
b'\xd0\xcf\x11\xe0'
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from chattools import schema
from chattools.errors import InvalidValueError
from chattools.export import Export
from chattools.sample.analytics import (
    analytics_columns,
    meet_columns_2026,
    team_columns,
    with_alf,
)
from chattools.sample.cases import case_columns
from chattools.sample.conversations import build_chats
from chattools.sample.frames import chat_columns, meets_columns, message_columns, typed_frame
from chattools.sample.hours import SampleCalendar
from chattools.sample.world import build_world

__all__ = [
    "DEFAULT_PASSWORD",
    "EXPORT_TIME",
    "MAX_CHATS_WITH_MESSAGES",
    "SAMPLE_HOLIDAYS",
    "SAMPLE_HOURS",
    "SampleData",
    "calendar",
    "generate",
    "write_sample",
]

#: The sample channel's operating hours (channel time zone).
SAMPLE_HOURS: dict[str, list[str]] = {"mon-fri": ["09:00-12:00", "13:00-18:00"]}
#: Country whose public holidays close the sample channel.
SAMPLE_HOLIDAYS = "KR"
#: When the sample was "exported": a Tuesday afternoon.
EXPORT_TIME = datetime(2026, 6, 30, 15, 0, 0, tzinfo=ZoneInfo("Asia/Seoul"))
#: The password :func:`write_sample` examples use (letters and digits, like Channel Talk's).
DEFAULT_PASSWORD = "Demo1234"
#: Most chats Channel Talk puts in one file with messages (100,000 without them;
#: docs/export-2026.md). :func:`generate` writes more when asked, for benchmarks.
MAX_CHATS_WITH_MESSAGES = 10_000

_SHEETS: dict[schema.Generation, tuple[str, ...]] = {
    "legacy": ("chats", "users", "supportbots", "marketing", "managers", "bots", "tags",
               "messages", "meets"),
    "2026": ("chats", "messages", "users", "managers", "teams", "tags", "meets"),
    "case": ("cases",),
}  # fmt: skip


@dataclass(frozen=True)
class SampleData:
    """The typed frames of a sample export (``frames`` keyed by ``schema.SHEETS`` keys)."""

    frames: dict[str, pl.DataFrame]
    generation: schema.Generation
    timezone: str
    seed: int
    hours: Mapping[str, str | Sequence[str]] = field(default_factory=lambda: dict(SAMPLE_HOURS))
    holidays: str | None = SAMPLE_HOLIDAYS

    def export(self, file: str = "sample.xlsx") -> Export:
        """The frames as an :class:`~chattools.Export`, with provenance columns added.

        ``_file`` is ``file``, ``_sheet`` the sheet name of this generation and ``_row``
        the 1-based row, as if the sample had been written and read back.

        Examples
        --------
        >>> exp = generate(10, seed=1).export()
        >>> exp.messages.columns[-3:], exp.chats["_sheet"][0]
        (['_file', '_sheet', '_row'], 'UserChat data')
        """
        frames = {
            key: frame.with_columns(
                pl.lit(file).alias("_file"),
                pl.lit(schema.SHEETS[key].sheet_names[self.generation][0]).alias("_sheet"),
                pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
            )
            for key, frame in self.frames.items()
        }
        return Export(frames, generation=self.generation, timezone=self.timezone)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={f.height}" for k, f in self.frames.items())
        return f"<SampleData generation={self.generation!r} seed={self.seed} {counts}>"


def calendar(
    timezone: str = schema.DEFAULT_TIMEZONE,
    hours: Mapping[str, str | Sequence[str]] | None = None,
    holidays: str | None = SAMPLE_HOLIDAYS,
) -> SampleCalendar:
    """The sample channel's operating-hours calendar (reference implementation)."""
    return SampleCalendar(
        SAMPLE_HOURS if hours is None else hours, timezone=timezone, holidays=holidays
    )


def _check(name: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        msg = f"invalid {name}={value!r}; expected one of {list(allowed)}"
        raise InvalidValueError(msg, hint="see the chattools.sample docstring.")


def generate(
    chats: int = 200,
    *,
    seed: int = 7,
    generation: schema.Generation = "legacy",
    timezone: str = schema.DEFAULT_TIMEZONE,
    hours: Mapping[str, str | Sequence[str]] | None = None,
    holidays: str | None = SAMPLE_HOLIDAYS,
    gaps: bool = False,
    messages: bool = True,
) -> SampleData:
    """Draw a sample channel with ``chats`` chats and return its typed frames.

    Parameters
    ----------
    chats
        Number of chats (rows of the chat sheet); about 25 messages each on average.
    seed
        Seed of the ``random.Random`` everything is drawn from.
    generation
        ``"legacy"`` (nine sheets, no internal notes), ``"2026"`` (the analytics export:
        every documented column, :mod:`chattools.sample.analytics`) or ``"case"`` (the
        ``cases`` frame only).
    timezone
        The channel time zone: of the typed timestamps and of the operating hours.
    hours
        The channel's weekly slots (default :data:`SAMPLE_HOURS`), e.g.
        ``{"mon-fri": "09:00-18:00", "sat": "22:00-06:00"}``: when the team answers,
        and what the ``operation*`` columns keep.
    holidays
        Country whose public holidays close the channel (``None``: never closed).
    gaps
        Add what real legacy exports cannot show: internal notes as plain manager
        messages (no ``@``, no flag) and replies missing from the Message sheet. The
        exported metrics still follow Channel Talk's rules on the whole conversation,
        so a recomputation from the messages disagrees for those chats.
    messages
        ``False``: no Message sheet, like a download "without messages" (the 2026
        export allows 100,000 chats so, 10,000 with messages).

    Examples
    --------
    >>> data = generate(20, seed=1, generation="2026")
    >>> data.frames["messages"]["isPrivate"].dtype
    Boolean
    >>> "teams" in data.frames, "supportbots" in data.frames
    (True, False)
    """
    _check("generation", generation, schema.GENERATIONS)
    if isinstance(chats, bool) or not isinstance(chats, int) or chats < 1:
        msg = f"invalid chats={chats!r}; expected a positive integer"
        raise InvalidValueError(msg, hint="pass e.g. chats=200 (up to 10_000 per real file).")
    if not isinstance(messages, bool):
        msg = f"invalid messages={messages!r}; expected True or False"
        raise InvalidValueError(msg, hint="pass messages=False for a file without messages.")
    if not isinstance(gaps, bool):
        msg = f"invalid gaps={gaps!r}; expected True or False"
        raise InvalidValueError(msg, hint="pass gaps=True for the residuals of real exports.")
    try:
        ZoneInfo(timezone)
    except (ValueError, KeyError) as exc:  # zoneinfo errors subclass these
        msg = f"invalid timezone={timezone!r}"
        raise InvalidValueError(msg, hint="use an IANA name such as 'Asia/Seoul'.") from exc
    week = dict(SAMPLE_HOURS) if hours is None else dict(hours)
    cal = calendar(timezone, week, holidays)
    export_at = int(EXPORT_TIME.timestamp())
    rng = random.Random(seed)
    world = build_world(rng, users=max(3, chats * 3 // 4), export_at=export_at)
    drawn = build_chats(rng, world, cal, chats=chats, export_at=export_at)
    frames: dict[str, pl.DataFrame] = {}
    if generation == "case":
        cases = case_columns(rng, drawn, world, cal, export_at=export_at)
        frames["cases"] = typed_frame("cases", cases, timezone)
        return SampleData(frames, generation, timezone, seed, week, holidays)
    gap_rng = random.Random(seed + 104_729) if gaps else None
    if generation == "2026":  # its own draws: the same chats as the legacy sample's
        own = random.Random(seed + 2026)
        with_alf_chats = with_alf(own, drawn)
        chat_rows = analytics_columns(own, with_alf_chats, world, cal, export_at=export_at)
        message_rows = message_columns(rng, with_alf_chats, generation=generation, gaps=gap_rng)
        meet_rows = meet_columns_2026(own, meets_columns(rng, drawn))
        world.teams = team_columns(world, drawn)
    else:
        chat_rows = chat_columns(drawn, world, cal, export_at=export_at, generation=generation)
        message_rows = message_columns(rng, drawn, generation=generation, gaps=gap_rng)
        meet_rows = meets_columns(rng, drawn)
    raw = {
        "chats": chat_rows,
        "messages": message_rows,
        "meets": meet_rows,
        "users": world.users,
        "supportbots": world.supportbots,
        "marketing": world.marketing,
        "managers": world.managers,
        "bots": world.bots,
        "tags": world.tags,
        "teams": world.teams,
    }
    for key in _SHEETS[generation]:
        if key == "messages" and not messages:
            continue  # downloaded without messages
        # the columns a reader gives a sheet of this generation, in the same order (an
        # empty sheet only the core ones: an empty JSON list cannot show its generation)
        rows = len(next(iter(raw[key].values()), []))
        extra = tuple(c.name for c in schema.frame_columns(key, generation) if not c.core)
        extra = extra if rows else ()
        frames[key] = typed_frame(key, raw[key], timezone, extra=extra)
    return SampleData(frames, generation, timezone, seed, week, holidays)


def write_sample(
    path: str | Path | None = None,
    *,
    chats: int = 200,
    seed: int = 7,
    generation: schema.Generation = "legacy",
    container: Literal["xlsx", "json", "zip"] = "xlsx",
    json_shape: Literal["sheets", "api"] = "sheets",
    password: str | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    hours: Mapping[str, str | Sequence[str]] | None = None,
    holidays: str | None = SAMPLE_HOLIDAYS,
    gaps: bool = False,
    messages: bool = True,
) -> bytes:
    """Generate a sample and return (and, with ``path``, write) it as an export file.

    ``password=None`` writes an unencrypted file; pass e.g. :data:`DEFAULT_PASSWORD`
    for a password-protected XLSX or ZIP, like the files Channel Talk produces.

    Examples
    --------
    >>> write_sample(None, chats=3, container="json")[:2]
    b'{"'
    """
    from chattools.writers import write_export

    data = generate(
        chats,
        seed=seed,
        generation=generation,
        timezone=timezone,
        hours=hours,
        holidays=holidays,
        gaps=gaps,
        messages=messages,
    )
    payload = write_export(
        data.frames,
        generation=generation,
        container=container,
        json_shape=json_shape,
        password=password,
        timezone=timezone,
    )
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
    return payload
