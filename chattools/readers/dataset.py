"""A plain Parquet dataset of converted exports: write once, re-open lazily in no time.

Decrypting and parsing 50 XLSX files takes minutes; :func:`convert_to_dataset` does it
once and writes the typed frames as Parquet, and :func:`open_dataset` re-opens them as
lazy ``pl.scan_parquet`` frames (reading ``manifest.json`` and each part's footer), so any Polars,
DuckDB or Arrow tool can query them too. The layout::

    out_dir/
      manifest.json                 files (sha256), generation, time zone, counts, schemas,
                                    and each part's size, SHA-256 and schema (format 2)
      .chattools.lock               held (flock) by the one process writing the dataset
      problems.parquet              Export.problems (if any)
      duplicates.parquet            Export.duplicates: rows merged away (if any)
      chats/month=2024-03/part-0.parquet     chats by the month of their createdAt
      messages/month=2024-03/...             messages by the month of their chat
      meets/…, cases/…                       calls by their chat's month, cases by createdAt
      users/part-0.parquet, managers/…       the other sheets, one file each

Converting again with more files adds only files whose SHA-256 is not yet in the
manifest, and merges them exactly like :func:`chattools.open_exports` (chats and
entities deduplicated, per chat the messages of one file), rewriting only the month
partitions the new files touch (see :mod:`chattools.readers.manifest` for the
manifest). The dataset holds **decrypted data**: keep it
somewhere as private as the exports. No password is ever written.

One writer at a time: converting (or :func:`write_dataset`) holds an exclusive
``flock`` on ``out_dir/.chattools.lock`` for the whole run; a second writer stops at
once with :class:`~chattools.errors.DatasetBusyError` (it does not wait). The
operating system drops the lock when the holder ends, so a crashed or killed
conversion never leaves the folder locked. Every file is written beside its place and
moved in when complete (``manifest.json`` last), and the manifest records each Parquet
file's size, SHA-256 and schema: :func:`open_dataset` checks size and schema of every
part (``verify="full"`` also the SHA-256) and names a damaged or replaced one.

Examples
--------
>>> import chattools as ct
>>> ct.open_dataset("no/such/folder")
Traceback (most recent call last):
...
chattools.errors.DatasetError: no chattools dataset at 'no/such/folder': manifest.json is missing
Hint: re-create it with `chattools convert EXPORTS... --out DATASET/`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import polars as pl

from chattools import schema
from chattools.errors import (
    DatasetBusyError,
    DatasetCorruptError,
    DatasetError,
    InvalidValueError,
    OutputPathError,
)
from chattools.export import Export
from chattools.readers.combine import combine
from chattools.readers.manifest import (
    DUPLICATES,
    MANIFEST,
    PROBLEMS,
    check_part,
    dtype_from_str,
    dtype_to_str,
    merge_columns,
    new_manifest,
    part_key,
    part_path,
    part_record,
    read_manifest,
    read_table,
    records,
    rows_read_of,
    schema_of,
    sheet_paths,
    sources_of,
    write_atomic,
    write_manifest,
)
from chattools.readers.parallel import OnProblem, iter_exports
from chattools.readers.safety import Limits
from chattools.readers.sources import (
    Passwords,
    Source,
    Sources,
    expand_sources,
    password_for,
)

__all__ = [
    "LOCK",
    "MANIFEST",
    "convert_to_dataset",
    "dtype_from_str",
    "dtype_to_str",
    "open_dataset",
    "read_manifest",
    "write_dataset",
]

#: Sheets partitioned by the month of their chat; the others are one file each.
PARTITIONED = ("chats", "messages", "meets", "cases")
UNKNOWN_MONTH = "unknown"
_MONTH = "__month"
#: The file in a dataset folder that a writer holds an exclusive ``flock`` on.
LOCK = ".chattools.lock"
Verify = Literal["quick", "full"]


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; false if another holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: a byte-range lock, also dropped when the process ends
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


@contextlib.contextmanager
def writing_lock(folder: Path) -> Iterator[None]:
    """Hold the dataset folder's write lock (creating the folder if needed).

    Raises
    ------
    DatasetBusyError
        Another process (or another writer in this one) holds it.
    OutputPathError
        The folder cannot be created or written.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        msg = f"cannot write the dataset at {os.fspath(folder)!r}: {err.strerror or err}"
        raise OutputPathError(msg) from None
    try:
        if not _try_lock(fd):
            msg = f"the dataset at {os.fspath(folder)!r} is being written by another process"
            raise DatasetBusyError(msg)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def _scan(paths: list[Path], target: pl.Schema) -> pl.LazyFrame:
    if not paths:
        return pl.LazyFrame(schema=target)
    return pl.scan_parquet(
        [str(p) for p in paths],
        schema=target,
        missing_columns="insert",
        extra_columns="ignore",
        hive_partitioning=False,
    )


# -- open -------------------------------------------------------------------------------
def open_dataset(path: str | os.PathLike[str], *, verify: Verify = "quick") -> Export:
    """Open a dataset written by :func:`convert_to_dataset` as a lazy :class:`Export`.

    Only ``manifest.json``, the parts' footers and the ``problems`` and ``duplicates`` tables are read; every sheet is a
    ``pl.scan_parquet`` ``LazyFrame`` with the typed schema (``Export.is_lazy`` is
    true; ``exp.lazy("messages")`` keeps it lazy, ``exp.messages`` collects).

    Each Parquet part is checked against the manifest first: ``verify="quick"`` (the
    default) compares its size and the schema in its footer (a truncated file, or
    another sheet's part copied over it); ``verify="full"`` also its SHA-256 (any
    changed byte; reads every part once, ~1.3 GB/s warm).

    Raises
    ------
    DatasetError
        The folder or its manifest is missing or unreadable.
    DatasetCorruptError
        A part is missing, truncated, replaced or (with ``verify="full"``) changed.
    """
    if verify not in ("quick", "full"):
        msg = f"invalid verify={verify!r}; expected 'quick' or 'full'"
        raise InvalidValueError(msg, hint='pass verify="quick" (size and schema) or "full".')
    folder = Path(path)
    manifest = read_manifest(folder)
    timezone = manifest["timezone"]
    parts = manifest.get("parts", {})
    frames: dict[str, pl.LazyFrame] = {}
    for sheet, info in manifest["sheets"].items():
        paths = sheet_paths(folder, sheet, info)
        missing = [p for p in paths if not p.is_file()]
        if missing:
            msg = f"the dataset at {os.fspath(path)!r} is incomplete: {os.fspath(missing[0])!r} is missing"
            raise DatasetCorruptError(msg)
        for part in paths:
            key = part_key(folder, part)
            check_part(part, parts.get(key), checksum=verify == "full", name=key)
        frames[sheet] = _scan(paths, schema_of(info))
    return Export(
        frames,
        generation=manifest["generation"] or "legacy",
        timezone=timezone,
        sources=sources_of(manifest),
        problems=read_table(folder, manifest, "problems"),
        rows_read=rows_read_of(manifest),
        duplicates=read_table(folder, manifest, "duplicates"),
    )


# -- convert ----------------------------------------------------------------------------
def _month(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m").fill_null(UNKNOWN_MONTH)


def _chat_months(exp: Export, known: pl.DataFrame) -> pl.DataFrame:
    """``chatId`` → ``__month`` for the new chats, then for chats already stored."""
    new = exp.lazy("chats").select(pl.col("id").alias("chatId"), _month("createdAt").alias(_MONTH))
    return pl.concat([new.collect(), known]).unique("chatId", keep="first", maintain_order=True)


def _with_months(exp: Export, known: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The new export's partitioned sheets with a ``__month`` column."""
    months = _chat_months(exp, known)
    own = {"messages": "createdAt", "meets": "startedAt", "cases": "createdAt"}
    chat_key = {"messages": "chatId", "meets": "userChatId"}
    out: dict[str, pl.DataFrame] = {}
    for sheet in PARTITIONED:
        if sheet not in exp.frames:
            continue
        frame = exp.frame(sheet)
        if sheet == "chats":
            out[sheet] = frame.with_columns(_month("createdAt").alias(_MONTH))
        elif sheet in chat_key:
            out[sheet] = (
                frame.join(
                    months.rename({"chatId": chat_key[sheet], _MONTH: "__chat_month"}),
                    on=chat_key[sheet],
                    how="left",
                    maintain_order="left",
                )
                .with_columns(pl.coalesce("__chat_month", _month(own[sheet])).alias(_MONTH))
                .drop("__chat_month")
            )
        else:
            out[sheet] = frame.with_columns(_month(own[sheet]).alias(_MONTH))
    return out


def _stored_months(folder: Path, manifest: dict[str, Any], new: Export) -> set[str]:
    """Months of stored rows that share a key with the new rows."""
    chat_ids = pl.concat(
        [
            new.lazy("chats").select(pl.col("id").alias("k")),
            new.lazy("messages").select(pl.col("chatId").alias("k")),
            new.lazy("meets").select(pl.col("userChatId").alias("k")),
            new.lazy("cases").select(pl.col("userChatId").alias("k")),
        ]
    ).unique()
    keys = chat_ids.collect()["k"].drop_nulls()
    own_keys = {
        "meets": new.lazy("meets").select("id").collect()["id"].drop_nulls(),
        "cases": new.lazy("cases").select("userChatCaseId").collect()["userChatCaseId"],
    }
    by_chat = {"chats": "id", "messages": "chatId", "meets": "userChatId", "cases": "userChatId"}
    own_col = {"meets": "id", "cases": "userChatCaseId"}
    months: set[str] = set()
    for sheet in PARTITIONED:
        info = manifest["sheets"].get(sheet)
        if not info or not info.get("partitions"):
            continue
        cond = pl.col(by_chat[sheet]).is_in(keys.implode())
        if sheet in own_col:
            cond = cond | pl.col(own_col[sheet]).is_in(own_keys[sheet].drop_nulls().implode())
        paths = sheet_paths(folder, sheet, info)
        if sheet == "messages" and "orphans" in info:
            # messages live in their chat's month (found through the chats above),
            # except messages whose chat is in no file: only those months are scanned
            paths = [p for p in paths if p.parent.name.removeprefix("month=") in info["orphans"]]
            if not paths:
                continue
        hits = (
            pl.scan_parquet([str(p) for p in paths], include_file_paths="__path")
            .select(by_chat[sheet], *([own_col[sheet]] if sheet in own_col else []), "__path")
            .filter(cond)
            .select(pl.col("__path").unique())
            .collect()["__path"]
        )
        months |= {Path(p).parent.name.removeprefix("month=") for p in hits}
    return months


def _stored_chat_months(folder: Path, manifest: dict[str, Any], months: set[str]) -> pl.DataFrame:
    info = manifest["sheets"].get("chats")
    empty = pl.DataFrame(schema={"chatId": pl.String, _MONTH: pl.String})
    if not info or not months:
        return empty
    frames = [
        pl.scan_parquet(part_path(folder, "chats", m))
        .select(pl.col("id").alias("chatId"), pl.lit(m).alias(_MONTH))
        .collect()
        for m in sorted(months & set(info["partitions"]))
    ]
    return pl.concat([empty, *frames])


def _load_stored(
    folder: Path, manifest: dict[str, Any], months: set[str], sheets: set[str]
) -> Export:
    frames: dict[str, pl.DataFrame] = {}
    for sheet, info in manifest["sheets"].items():
        target = schema_of(info)
        if sheet in PARTITIONED:
            parts = [
                _scan([part_path(folder, sheet, m)], target)
                .with_columns(pl.lit(m).alias(_MONTH))
                .collect()
                for m in sorted(months & set(info["partitions"]))
            ]
            if parts:
                frames[sheet] = pl.concat(parts, how="diagonal_relaxed")
        elif sheet in sheets:
            frames[sheet] = _scan(sheet_paths(folder, sheet, info), target).collect()
    return Export(
        frames,
        generation=manifest["generation"] or "legacy",
        timezone=manifest["timezone"],
        sources=sources_of(manifest),
        duplicates=read_table(folder, manifest, "duplicates"),
    )


def _write_part(folder: Path, frame: pl.DataFrame, target: Path, manifest: dict[str, Any]) -> None:
    write_atomic(target, frame.write_parquet)
    manifest.setdefault("parts", {})[part_key(folder, target)] = part_record(target)


def _write_sheet(
    folder: Path,
    manifest: dict[str, Any],
    sheet: str,
    frame: pl.DataFrame,
    months: set[str],
) -> None:
    info = manifest["sheets"][sheet]
    if sheet not in PARTITIONED:
        _write_part(folder, frame, part_path(folder, sheet), manifest)
        info.update(partitioned_by=None, rows=frame.height)
        return
    partitions: dict[str, int] = dict(info.get("partitions", {}))
    written = set(frame[_MONTH].unique().to_list())
    for month in sorted(months | written):
        part = frame.filter(pl.col(_MONTH) == month).drop(_MONTH)
        target = part_path(folder, sheet, month)
        if part.height:
            _write_part(folder, part, target, manifest)
            partitions[month] = part.height
        elif month in partitions:
            shutil.rmtree(target.parent, ignore_errors=True)
            del partitions[month]
            manifest.get("parts", {}).pop(part_key(folder, target), None)
    info.update(partitioned_by="month", partitions=partitions, rows=sum(partitions.values()))


def _record_old_parts(folder: Path, manifest: dict[str, Any]) -> None:
    """Give the files a version 1 chattools wrote (no record yet) their record now."""
    parts = manifest.setdefault("parts", {})
    files = [
        p for sheet, info in manifest["sheets"].items() for p in sheet_paths(folder, sheet, info)
    ]
    files += [folder / manifest[t]["file"] for t in ("problems", "duplicates") if t in manifest]
    for file in files:
        key = part_key(folder, file)
        if key not in parts and file.is_file():
            parts[key] = part_record(file)


def _count_orphans(merged: Export, info: dict[str, Any], months: set[str]) -> None:
    """Per month, the messages whose chat is in no file (see :func:`_stored_months`)."""
    orphans = (
        merged.lazy("messages")
        .join(merged.lazy("chats").select(pl.col("id").alias("chatId")), on="chatId", how="anti")
        .group_by(_MONTH)
        .len()
        .collect()
    )
    counts = {m: c for m, c in info.get("orphans", {}).items() if m not in months}
    counts.update({m: int(n) for m, n in orphans.iter_rows()})
    info["orphans"] = dict(sorted(counts.items()))


def _add_batch(folder: Path, manifest: dict[str, Any], new: Export) -> None:
    """Merge one combined batch into the dataset and update ``manifest`` in place."""
    months = _stored_months(folder, manifest, new)
    new_parts = _with_months(new, _stored_chat_months(folder, manifest, months))
    for part in new_parts.values():
        months |= set(part[_MONTH].unique().to_list())
    touched = {
        k
        for k, f in new.frames.items()
        if k not in PARTITIONED and f.lazy().select(pl.len()).collect().item()
    }
    stored = _load_stored(folder, manifest, months, touched)
    batch = new.with_frames(**new_parts)
    merged = combine([stored, batch])
    for sheet, frame in merged.frames.items():
        assert isinstance(frame, pl.DataFrame)
        if sheet not in PARTITIONED and sheet not in touched and sheet in manifest["sheets"]:
            continue
        info = manifest["sheets"].setdefault(sheet, {"columns": {}})
        columns = {c: d for c, d in frame.schema.items() if c != _MONTH}
        info["columns"] = merge_columns(info["columns"], columns, sheet)
        if frame.height or sheet in PARTITIONED:
            _write_sheet(folder, manifest, sheet, frame, months if sheet in PARTITIONED else set())
        else:
            info.setdefault("rows", 0)
            info.setdefault("partitioned_by", None)
    if "messages" in merged.frames and "chats" in merged.frames:
        _count_orphans(merged, manifest["sheets"]["messages"], months)
    manifest["files"] = records(merged.sources)
    manifest["rows_read"] = manifest["rows_read"] + records(new.rows_read)
    manifest["generation"] = merged.generation
    if merged.problems.height:
        old = folder / PROBLEMS
        problems = merged.problems
        if old.is_file():
            problems = pl.concat([pl.read_parquet(old), problems], how="diagonal_relaxed")
        _write_part(folder, problems, old, manifest)
        manifest["problems"] = {"file": PROBLEMS, "rows": problems.height}
    if merged.duplicates.height:  # the stored ones went into the merge: rewrite them all
        _write_part(folder, merged.duplicates, folder / DUPLICATES, manifest)
        manifest["duplicates"] = {"file": DUPLICATES, "rows": merged.duplicates.height}


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        msg = f"invalid batch_size={batch_size!r}; expected a whole number >= 1"
        raise InvalidValueError(msg, hint="the default, 4, suits most machines.")


def _prepare_folder(folder: Path, timezone: str, *, locked: bool = True) -> dict[str, Any]:
    """The manifest to extend: the dataset's, or a new one for a new or empty folder.

    Before the lock is taken (``locked=False``) a folder holding the lock file is another
    writer's dataset in the making (parts written, manifest not yet): the lock decides
    it, and the check is made again under the lock.
    """
    if (folder / MANIFEST).is_file():
        manifest = read_manifest(folder)
        if manifest["timezone"] != timezone:
            msg = (
                f"the dataset at {os.fspath(folder)!r} was converted with "
                f"timezone={manifest['timezone']!r}, not {timezone!r}"
            )
            raise DatasetError(msg, hint=f"pass timezone={manifest['timezone']!r}.")
        return manifest
    if folder.exists() and (not folder.is_dir() or any(p.name != LOCK for p in folder.iterdir())):
        if not locked and (folder / LOCK).is_file():
            return new_manifest(timezone)
        msg = f"{os.fspath(folder)!r} exists and is not a chattools dataset"
        raise DatasetError(msg, hint="choose a new or empty folder for out_dir.")
    return new_manifest(timezone)


def convert_to_dataset(
    sources: Sources,
    out_dir: str | os.PathLike[str],
    *,
    password: str | None = None,
    passwords: Passwords | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    on_problem: OnProblem = "collect",
    workers: int | None = None,
    progress: bool | None = None,
    batch_size: int = 4,
    limits: Limits | None = None,
) -> Path:
    """Convert exports into (or add them to) a Parquet dataset; return its folder.

    Parameters
    ----------
    sources
        Files, a folder or a glob, as for :func:`chattools.open_exports`.
    out_dir
        The dataset folder: new, empty, or a dataset written before (then only files
        whose SHA-256 is not in its manifest are read and merged in).
    password, passwords, timezone, on_problem, workers, progress, limits
        As for :func:`chattools.open_exports`; ``timezone`` must match the dataset's.
        A file that cannot be read stops the conversion with its error (batches
        already merged stay; converting again reads only the files not yet in it).
    batch_size
        Files merged into the dataset at a time (bounds memory).

    Returns
    -------
    Path
        ``out_dir``. The Parquet files hold decrypted data; the manifest lists each
        file's name and SHA-256 but never a password.

    Raises
    ------
    DatasetError
        ``out_dir`` is a non-empty folder that is not a dataset, or the dataset was
        written with another time zone.
    DatasetBusyError
        Another conversion is writing ``out_dir`` right now (see the module docs).
    ChattoolsError
        A file could not be read (wrong password, damaged, refused for safety by
        ``limits``, …), naming the file.
    """
    _check_batch_size(batch_size)
    if limits is not None and not isinstance(limits, Limits):
        msg = f"invalid limits={limits!r}; expected chattools.readers.Limits"
        raise InvalidValueError(msg, hint="pass limits=chattools.readers.Limits(...).")
    folder = Path(out_dir)
    _prepare_folder(folder, timezone, locked=False)  # a folder that is not a dataset is not touched
    expanded = expand_sources(sources)
    with writing_lock(folder):
        manifest = _prepare_folder(folder, timezone)  # as the last writer left it
        _convert_locked(
            folder,
            manifest,
            expanded,
            password=password,
            passwords=passwords,
            timezone=timezone,
            on_problem=on_problem,
            workers=workers,
            progress=progress,
            batch_size=batch_size,
            limits=limits,
        )
    return folder


def _convert_locked(
    folder: Path,
    manifest: dict[str, Any],
    expanded: list[Source],
    *,
    password: str | None,
    passwords: Passwords | None,
    timezone: str,
    on_problem: OnProblem,
    workers: int | None,
    progress: bool | None,
    batch_size: int,
    limits: Limits | None,
) -> None:
    known_sha = {f["sha256"] for f in manifest["files"]}
    names = {f["file"] for f in manifest["files"]}
    todo: list[Source] = []
    resolved: dict[str, str] = {}
    for source in expanded:
        sha = source.sha256()
        if sha in known_sha:
            continue
        known_sha.add(sha)
        pwd = password_for(source, password=password, passwords=passwords)
        if source.name in names:  # a different file under a name already used
            source = replace(source, name=f"{source.name}@{sha[:8]}")
        names.add(source.name)
        if pwd is not None:
            resolved[source.name] = pwd
        todo.append(source)
    if not todo:
        return
    for batch in iter_exports(
        todo,
        passwords=resolved,
        timezone=timezone,
        on_problem=on_problem,
        workers=workers,
        progress=progress,
        batch_size=batch_size,
        limits=limits,
    ):
        _flush(folder, manifest, batch)


def _flush(folder: Path, manifest: dict[str, Any], batch: list[Export]) -> None:
    """Merge ``batch`` in and write the manifest (last, atomically); the lock is held."""
    _add_batch(folder, manifest, combine(batch))
    _record_old_parts(folder, manifest)
    write_manifest(folder, manifest)


def write_dataset(
    exports: Iterable[Export], out_dir: str | os.PathLike[str], *, batch_size: int = 4
) -> Path:
    """Add exports already loaded in memory to a dataset; return its folder.

    The same merge as :func:`convert_to_dataset` (which reads files and calls this
    logic batch by batch). An export whose files (``sources["sha256"]``) are all in
    the manifest already is skipped; all exports must have the dataset's time zone.

    Examples
    --------
    >>> import tempfile
    >>> import chattools as ct
    >>> from chattools.readers.dataset import write_dataset
    >>> out = write_dataset([ct.Export.empty()], tempfile.mkdtemp())
    >>> ct.open_dataset(out).chats.height
    0
    """
    _check_batch_size(batch_size)
    folder = Path(out_dir)
    with contextlib.ExitStack() as stack:
        _write_exports(stack, exports, folder, batch_size)
    return folder


def _write_exports(
    stack: contextlib.ExitStack[Any], exports: Iterable[Export], folder: Path, batch_size: int
) -> None:
    manifest: dict[str, Any] | None = None
    known: set[str] = set()
    batch: list[Export] = []
    for exp in exports:
        if manifest is None:
            _prepare_folder(
                folder, exp.timezone, locked=False
            )  # a folder that is not a dataset is not touched
            stack.enter_context(writing_lock(folder))
            manifest = _prepare_folder(folder, exp.timezone)
            known = {f["sha256"] for f in manifest["files"]}
        elif exp.timezone != manifest["timezone"]:
            msg = f"cannot add an export with timezone={exp.timezone!r} to a dataset in {manifest['timezone']!r}"
            raise DatasetError(msg, hint="load every file with the same timezone=....")
        shas = set(exp.sources["sha256"].drop_nulls().to_list())
        if shas and shas <= known:
            continue
        known |= shas
        batch.append(exp)
        if len(batch) >= batch_size:
            _flush(folder, manifest, batch)
            batch = []
    if batch and manifest is not None:
        _flush(folder, manifest, batch)
