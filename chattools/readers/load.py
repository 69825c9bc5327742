"""``open_export``: one export file (path, bytes or binary file) → a typed :class:`Export`.

The steps, each in its own module: :mod:`~chattools.readers.sniff` the container →
:mod:`~chattools.readers.decrypt` it in memory (password from
:mod:`chattools.secrets`) → :mod:`~chattools.readers.safety` checks →
:mod:`~chattools.readers.sheets` as text → :mod:`~chattools.readers.detect` the
generation → :mod:`~chattools.readers.parse` each sheet →
:mod:`~chattools.readers.tags` checked against the tag sheet → for by-case exports,
:mod:`~chattools.readers.cases` derives ``chats``. Alongside, in a thread,
:mod:`~chattools.readers.cells` looks for cells that are not text (a copy re-saved in
a spreadsheet program), which :mod:`~chattools.readers.resaved` then checks.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from chattools import schema
from chattools.errors import (
    ChattoolsError,
    InvalidValueError,
    SourceNotFoundError,
    UnsafeFileError,
)
from chattools.export import PROBLEM_SCHEMA, ROWS_READ_SCHEMA, SOURCE_SCHEMA, Export
from chattools.readers.cases import DERIVED_SHEET_SUFFIX, chats_from_cases
from chattools.readers.cells import scan_workbook
from chattools.readers.decrypt import open_xlsx, open_zip
from chattools.readers.detect import Layout, detect, key_by_name
from chattools.readers.links import message_link_problems
from chattools.readers.parse import sheet_problems, type_sheet
from chattools.readers.resaved import check_resaved
from chattools.readers.safety import Limits, json_too_big
from chattools.readers.sheets import RawSheet, iter_xlsx, read_json
from chattools.readers.sniff import HEAD_BYTES, sniff, sniff_head
from chattools.readers.tags import check_tags
from chattools.secrets import resolve_password

__all__ = ["OnProblem", "Source", "open_export"]

OnProblem = Literal["collect", "raise"]
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]
_BYTES_NAME = "<bytes>"


def _read_source(source: Source, limits: Limits) -> tuple[bytes, str]:
    """The raw bytes of ``source`` and the file name used in provenance.

    A file is read whole only after its first bytes have told its kind and its size has
    passed the limit for that kind (:func:`_size_limit`).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _check_size(len(data), data[:HEAD_BYTES], name=_BYTES_NAME, limits=limits)
        return data, _BYTES_NAME
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            what = "is a folder, not a file" if path.is_dir() else "does not exist"
            hint = "use ct.open_exports for folders." if path.is_dir() else None
            msg = f"{str(path)!r} {what}"
            raise SourceNotFoundError(msg, hint=hint)
        with path.open("rb") as stream:
            return _read_stream(stream, path.name, limits), path.name
    read = getattr(source, "read", None)
    if read is None:
        msg = f"invalid source of type {type(source).__name__!r}"
        raise InvalidValueError(msg, hint="pass a path, bytes, or a binary file object.")
    raw_name = getattr(source, "name", None)
    name = Path(raw_name).name if isinstance(raw_name, str) and raw_name else _BYTES_NAME
    return _read_stream(source, name, limits), name  # type: ignore[arg-type]


def _size_limit(head: bytes, *, name: str, limits: Limits, whole: bool) -> tuple[int, str]:
    """The most bytes a file starting with ``head`` may have, and the limit's name.

    JSON is held and parsed as it is: ``max_json_bytes``. An Office file or a ZIP is
    never bigger than what it expands to: ``max_decompressed_bytes``. Anything else is
    refused by :func:`~chattools.readers.sniff.sniff_head` from ``head`` alone.
    """
    if sniff_head(head, name=name, whole=whole) == "json":
        return limits.max_json_bytes, "max_json_bytes"
    return limits.max_decompressed_bytes, "max_decompressed_bytes"


def _check_size(size: int, head: bytes, *, name: str, limits: Limits) -> int:
    """Refuse a file of ``size`` bytes starting with ``head`` above its limit; the limit."""
    limit, field = _size_limit(head, name=name, limits=limits, whole=size <= len(head))
    limit = int(limit)  # a limit may be given as a float (--limit max_json_bytes=2e9)
    if size > limit:
        if field == "max_json_bytes":
            raise json_too_big(name, limits, size)
        msg = f"{name!r} is {size} bytes, bigger than any export (limit {field}={limit})"
        raise UnsafeFileError(msg)
    return limit


def _read_stream(stream: IO[bytes], name: str, limits: Limits) -> bytes:
    """A binary stream's bytes: the head first, then the rest up to the limit for its kind."""
    head = stream.read(HEAD_BYTES)
    if isinstance(head, str):
        msg = "the file object was opened in text mode"
        raise InvalidValueError(msg, hint="open the file with open(path, 'rb').")
    head = bytes(head)
    try:
        size = os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # not a file: a socket, BytesIO…
        size = None
    limit = _check_size(len(head) if size is None else size, head, name=name, limits=limits)
    if len(head) < HEAD_BYTES if size is None else len(head) >= size:
        return head  # the whole file
    if size is not None and stream.seekable():
        stream.seek(0)  # one read into one buffer (head + rest would copy it all again)
        data = bytes(stream.read(size + 1))
        if len(data) > size:  # the file grew while it was read
            data += bytes(stream.read(limit + 1 - len(data)))
    else:
        data = head + bytes(stream.read(limit + 1 - len(head)))
    if len(data) > limit:
        _check_size(len(data), head, name=name, limits=limits)
    return data


def _check_options(timezone: str, on_problem: str, limits: Limits | None) -> None:
    if on_problem not in get_args(OnProblem):
        msg = f"invalid on_problem={on_problem!r}; expected one of {list(get_args(OnProblem))}"
        raise InvalidValueError(msg, hint='use "collect" (default) or "raise".')
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        msg = f"invalid timezone={timezone!r}; expected an IANA time zone"
        raise InvalidValueError(msg, hint="use a name such as 'Asia/Seoul'.") from None
    if limits is not None and not isinstance(limits, Limits):
        msg = f"invalid limits={limits!r}; expected chattools.readers.Limits"
        raise InvalidValueError(msg, hint="pass limits=chattools.readers.Limits(...).")


def _raise_first(problems: pl.DataFrame) -> None:
    rows = problems.filter(pl.col("row").is_not_null())
    if rows.height:
        p = rows.row(0, named=True)
        value = p["value"] if p["value"] is None or len(p["value"]) <= 80 else p["value"][:80] + "…"
        msg = (
            f"sheet {p['sheet']!r} of {p['file']!r}, row {p['row']}, column {p['column']!r}: "
            f"{p['problem']} (value {value!r})"
        )
        raise InvalidValueError(msg)


def _open_payload(
    data: bytes, container: str, *, name: str, password: str | None, limits: Limits,
    notes: list[dict[str, object]],
) -> bytes | list[bytes]:  # fmt: skip
    """The plain XLSX bytes, or the JSON payload(s), inside the file's bytes (ZIP
    members not read go to ``notes``).
    """

    def get_password() -> str | None:
        return resolve_password(password, name=name)

    if container == "encrypted-xlsx":
        return open_xlsx(data, name=name, get_password=get_password)
    if container == "zip":
        return open_zip(data, name=name, get_password=get_password, limits=limits, problems=notes)
    return data


def _sheets(
    payload: bytes | list[bytes], container: str, *, name: str, limits: Limits,
    notes: list[dict[str, object]],
) -> Iterable[RawSheet]:  # fmt: skip
    """The sheets as text; what reading JSON changed or dropped goes to ``notes``."""
    if isinstance(payload, list):
        return read_json(payload, name=name, limits=limits, problems=notes)
    if container == "json":
        return read_json([payload], name=name, limits=limits, problems=notes)
    return iter_xlsx(payload, name=name, limits=limits)


Typed = tuple[pl.DataFrame, pl.DataFrame] | ChattoolsError


def _try_type(raw: RawSheet, key: str, *, name: str, timezone: str) -> Typed:
    try:
        return type_sheet(raw, key, file=name, timezone=timezone)
    except ChattoolsError as err:  # raised only if detect keeps the sheet
        return err


def _read_and_type(
    sheets: Iterable[RawSheet], *, name: str, timezone: str
) -> tuple[Layout, list[RawSheet], dict[str, tuple[pl.DataFrame, pl.DataFrame]]]:
    """Detect the layout and type each kept sheet (typed frame, problems) by name.

    A sheet whose name says what it is gets typed (in a worker thread) as soon as it
    is read, while this thread reads the next one; the layout, which needs every
    sheet, then decides which typed sheets are kept (errors of the others are dropped).
    """
    raws: list[RawSheet] = []
    early: dict[str, tuple[str, Future[Typed]]] = {}
    # typing runs in a worker thread while this one loads the next sheet: both release
    # the GIL, and loading stays in one thread (one malloc arena: lower peak memory)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chattools-type") as pool:
        for raw in sheets:
            raws.append(raw)
            key = key_by_name(raw.name, raw.encoding)
            if key is not None:
                task = pool.submit(_try_type, raw, key, name=name, timezone=timezone)
                early[raw.name] = (key, task)
    raws.sort(key=lambda r: r.position)
    layout = detect(raws, name=name)
    by_name = {r.name: r for r in raws}
    typed = {}
    for sheet, key in layout.keys.items():
        known = early.get(sheet)
        result = known[1].result() if known and known[0] == key else None
        if result is None:
            result = _try_type(by_name[sheet], key, name=name, timezone=timezone)
        if isinstance(result, ChattoolsError):
            raise result
        typed[sheet] = result
    return layout, raws, typed


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_row(
    name: str, sha256: str, container: str, generation: str, sheets: list[str],
    frames: dict[str, pl.DataFrame], timezone: str,
) -> pl.DataFrame:  # fmt: skip
    chats = frames["chats"]
    created = (
        chats["createdAt"] if chats.height else pl.Series([], dtype=pl.Datetime("us", timezone))
    )
    source_schema = {**SOURCE_SCHEMA, "first_chat_at": created.dtype, "last_chat_at": created.dtype}
    return pl.DataFrame(
        [{
            "file": name, "sha256": sha256, "container": container,
            "generation": generation, "sheets": sheets, "chats": chats.height,
            "messages": frames["messages"].height, "first_chat_at": created.min(),
            "last_chat_at": created.max(),
        }],
        schema=source_schema,
    )  # fmt: skip


def open_export(
    source: Source,
    *,
    password: str | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    on_problem: OnProblem = "collect",
    limits: Limits | None = None,
) -> Export:
    """Read one Channel Talk export into typed Polars frames.

    Parameters
    ----------
    source
        A path, the file's bytes, or a binary file object: a password-protected or
        plain ``.xlsx``, a ``.json`` (sheet-keyed or Open-API shape) or a ``.zip``
        holding the JSON (AES or ZipCrypto). The container is sniffed from the bytes.
    password
        The export password. Default: the ``CHATTOOLS_PASSWORD`` environment
        variable, then a hidden prompt if stdin is a terminal. Asked for only when
        the file is encrypted; never stored, logged or shown.
    timezone
        The channel's IANA time zone: local timestamps are read in it and every
        timestamp is returned in it.
    on_problem
        ``"collect"``: a cell that cannot be parsed becomes null and is listed in
        ``Export.problems``; ``"raise"``: raise :class:`~chattools.errors.InvalidValueError`
        on the first such cell (sheet-level notes, such as a missing optional column,
        are still only collected).
    limits
        Safety limits (:class:`chattools.readers.Limits`) against zip bombs and files
        too big to hold; a file is read whole only after its first bytes and its size
        have passed them.

    Returns
    -------
    Export
        Every sheet typed (missing optional sheets empty), ``generation``,
        ``sources`` (one row, with the file's sha256), ``problems`` and
        ``rows_read``. For a by-case export, ``chats`` holds the latest case of each
        chat under chat column names (see :mod:`chattools.readers.cases`).

    Examples
    --------
    >>> import polars as pl
    >>> import chattools as ct
    >>> from datetime import datetime
    >>> from chattools.writers import write_export
    >>> chats = pl.DataFrame({"id": ["c1"], "state": ["closed"],
    ...                       "createdAt": [datetime(2024, 1, 2, 9, 30)]})
    >>> data = write_export({"chats": chats}, password="pw1")
    >>> exp = ct.open_export(data, password="pw1")
    >>> exp.generation, exp.chats.select("id", "createdAt").rows()  # doctest: +ELLIPSIS
    ('legacy', [('c1', datetime.datetime(2024, 1, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo(key='Asia/Seoul')))])
    >>> ct.open_export(data, password="nope")
    Traceback (most recent call last):
    ...
    chattools.errors.WrongPasswordError: wrong password for '<bytes>'
    Hint: ...
    """
    _check_options(timezone, on_problem, limits)
    limits = limits or Limits()
    data, name = _read_source(source, limits)
    container = sniff(data, name=name)
    notes: list[dict[str, object]] = []  # ZIP members skipped, JSON values changed
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chattools-sha256") as pool:
        # hashlib releases the GIL: the fingerprint is taken while the file is decrypted
        fingerprint = pool.submit(_sha256, data)
        payload = _open_payload(
            data, container, name=name, password=password, limits=limits, notes=notes
        )
    sha256 = fingerprint.result()
    del data  # keep one copy of the bytes in memory at a time
    sheets = _sheets(payload, container, name=name, limits=limits, notes=notes)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chattools-cells") as pool:
        # numpy and ISA-L release the GIL: non-text cells are looked for while sheets load
        cells = (
            pool.submit(scan_workbook, payload, limits=limits)
            if isinstance(payload, bytes) and container != "json"
            else None
        )
        del payload  # the sheet reader and the scan hold the only references
        layout, raws, typed = _read_and_type(sheets, name=name, timezone=timezone)
        non_text = cells.result() if cells is not None else {}
    by_name = {raw.name: raw for raw in raws}
    for sheet, found in non_text.items():  # a copy re-saved by a spreadsheet program
        key = layout.keys.get(sheet)
        if key is not None and sheet in typed:
            typed[sheet] = check_resaved(
                by_name[sheet], key, *typed[sheet], found, file=name, timezone=timezone
            )

    problems = [sheet_problems(name, s, None, "unknown sheet; not loaded") for s in layout.unknown]
    if notes:
        problems.insert(0, pl.DataFrame(notes, schema=PROBLEM_SCHEMA))
        if on_problem == "raise":
            _raise_first(problems[0])
    rows_read = []
    frames: dict[str, pl.DataFrame] = {}
    tags_sheet = next((s for s, k in layout.keys.items() if k == "tags"), None)
    tag_names = frozenset(typed[tags_sheet][0]["name"].drop_nulls()) if tags_sheet else frozenset()
    for raw in raws:
        key = layout.keys.get(raw.name)
        if key is None:
            continue
        frame, sheet_problems_ = typed.pop(raw.name)
        if "tags" in frame.columns and schema.SHEETS[key].column("tags").kind == "tags":
            frame, tag_problems = check_tags(frame, tag_names, file=name, sheet=raw.name)
            sheet_problems_ = pl.concat([sheet_problems_, tag_problems])
        if on_problem == "raise":
            _raise_first(sheet_problems_)
        frames[key] = frame
        problems.append(sheet_problems_)
        rows_read.append((name, raw.name, raw.frame.height))

    for key in schema.SHEETS:
        frames.setdefault(key, schema.empty_frame(key, timezone))
    if layout.generation == "case" and "chats" not in layout.keys.values():
        frames["chats"] = chats_from_cases(frames["cases"], timezone=timezone)
        derived = next(n for n, k in layout.keys.items() if k == "cases") + DERIVED_SHEET_SUFFIX
        rows_read.append((name, derived, frames["chats"].height))
    message_sheet = next((n for n, k in layout.keys.items() if k == "messages"), None)
    if message_sheet is not None:
        links = message_link_problems(
            frames["messages"], frames["chats"], file=name, sheet=message_sheet
        )
        if on_problem == "raise":
            _raise_first(links)
        problems.append(links)

    return Export(
        frames,
        generation=layout.generation,
        timezone=timezone,
        sources=_source_row(
            name, sha256, container, layout.generation, [r.name for r in raws], frames, timezone
        ),
        problems=pl.concat(problems) if problems else pl.DataFrame(schema=PROBLEM_SCHEMA),
        rows_read=pl.DataFrame(rows_read, schema=ROWS_READ_SCHEMA, orient="row"),
    )
