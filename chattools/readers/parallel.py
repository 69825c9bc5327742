"""Load many export files on all cores, with a progress bar, and merge them.

:func:`open_exports` is the many-files entry point: it expands folders and globs
(:mod:`chattools.readers.sources`), reads the files in a process pool
(:func:`load_exports`, results in input order) and merges them
(:func:`chattools.readers.combine.combine`).

Worker processes are started with ``spawn`` (safe with Polars' thread pool), so a
script that calls :func:`open_exports` with ``workers > 1`` must guard its top level
with ``if __name__ == "__main__":``; notebooks need nothing. Inside a worker process
loading falls back to one process.

Examples
--------
>>> import chattools as ct
>>> ct.open_exports([])
Traceback (most recent call last):
...
chattools.errors.SourceNotFoundError: no export files found in an empty list
Hint: check the path; folders and globs must contain .xlsx, .json or .zip exports.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import polars as pl

from chattools import schema
from chattools.errors import ChattoolsError, InvalidValueError
from chattools.export import Export
from chattools.progress import progress_bar
from chattools.readers.combine import combine
from chattools.readers.sources import (
    Passwords,
    Source,
    Sources,
    expand_sources,
    password_for,
)

__all__ = ["Loader", "OnProblem", "iter_exports", "load_exports", "open_exports", "relabel"]

OnProblem = Literal["collect", "raise"]
#: ``loader(payload, *, password, timezone, on_problem) -> Export`` (``ct.open_export``).
Loader = Callable[..., Export]


def _open_export(
    payload: Path | bytes, *, password: str | None, timezone: str, on_problem: str
) -> Export:
    from chattools.readers.load import open_export

    return open_export(payload, password=password, timezone=timezone, on_problem=on_problem)  # type: ignore[arg-type]


def relabel(exp: Export, name: str) -> Export:
    """``exp`` with its (single) file renamed to ``name`` in provenance and bookkeeping."""
    old = exp.sources["file"].unique().to_list() if exp.sources.height else []
    if old == [name] or not old:
        return exp
    mapping = {o: name for o in old}

    def rename(frame: Any, column: str) -> Any:
        return frame.with_columns(pl.col(column).replace(mapping))

    return Export(
        {k: rename(f, "_file") for k, f in exp.frames.items()},
        generation=exp.generation,
        timezone=exp.timezone,
        sources=rename(exp.sources, "file"),
        problems=rename(exp.problems, "file"),
        rows_read=rename(exp.rows_read, "file"),
    )


def _named(err: ChattoolsError, name: str, password: str | None) -> ChattoolsError:
    """The same error class, naming the file and never showing the password."""
    message, hint = err.message, err.hint
    if name not in message:
        message = f"{message} (file {name!r})"
    if password:
        message, hint = message.replace(password, "***"), hint.replace(password, "***")
    return type(err)(message, hint=hint)


def _load_one(
    payload: Path | bytes,
    name: str,
    password: str | None,
    timezone: str,
    on_problem: str,
    loader: Loader | None,
) -> Export:
    load = loader or _open_export
    try:
        exp = load(payload, password=password, timezone=timezone, on_problem=on_problem)
    except ChattoolsError as err:
        raise _named(err, name, password) from None
    except Exception as err:
        err.add_note(f"while reading the export {name!r}")
        raise
    return relabel(exp, name)


def _n_workers(workers: int | None, n_files: int) -> int:
    if workers is None:
        workers = min(2, os.cpu_count() or 1, n_files)
    elif isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = f"invalid workers={workers!r}; expected a whole number >= 1"
        raise InvalidValueError(msg, hint="use workers=1 to read in this process.")
    if multiprocessing.parent_process() is not None:
        return 1
    return max(1, min(workers, n_files))


@contextmanager
def _pool(n: int) -> Iterator[ProcessPoolExecutor | None]:
    if n == 1:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=n, mp_context=context)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)


_Task = tuple[Path | bytes, str, str | None]


def iter_exports(
    sources: Sequence[Source],
    *,
    password: str | None = None,
    passwords: Passwords | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    on_problem: OnProblem = "collect",
    workers: int | None = None,
    progress: bool | None = None,
    loader: Loader | None = None,
    batch_size: int | None = None,
) -> Iterator[list[Export]]:
    """Load sources batch by batch (input order), reading the next batch meanwhile.

    One process pool serves every batch; at most two batches are in flight, so
    memory stays bounded by the batch size. See :func:`load_exports`.
    """
    tasks: list[_Task] = [
        (s.payload, s.name, password_for(s, password=password, passwords=passwords))
        for s in sources
    ]
    size = max(1, batch_size or len(tasks) or 1)
    batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    n = _n_workers(workers, len(tasks))
    with (
        progress_bar(total=len(tasks), desc="reading exports", enabled=progress) as bar,
        _pool(n) as pool,
    ):
        if pool is None:
            for batch in batches:
                out = []
                for payload, name, pwd in batch:
                    bar.set_postfix_str(name, refresh=False)
                    out.append(_load_one(payload, name, pwd, timezone, on_problem, loader))
                    bar.update(1)
                yield out
            return

        def submit(batch: list[_Task]) -> list[Future[Export]]:
            return [
                pool.submit(_load_one, payload, name, pwd, timezone, on_problem, loader)
                for payload, name, pwd in batch
            ]

        remaining = iter(batches)
        pending = deque((b, submit(b)) for b in islice(remaining, 2))
        while pending:
            batch, futures = pending.popleft()
            index = {f: i for i, f in enumerate(futures)}
            results: list[Export | None] = [None] * len(futures)
            for future in as_completed(futures):
                results[index[future]] = future.result()
                bar.set_postfix_str(batch[index[future]][1], refresh=False)
                bar.update(1)
            following = next(remaining, None)
            if following is not None:
                pending.append((following, submit(following)))
            yield [r for r in results if r is not None]


def load_exports(
    sources: Sequence[Source],
    *,
    password: str | None = None,
    passwords: Passwords | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    on_problem: OnProblem = "collect",
    workers: int | None = None,
    progress: bool | None = None,
    loader: Loader | None = None,
) -> list[Export]:
    """Load each source with ``ct.open_export`` (in a process pool), in input order.

    ``loader`` replaces ``ct.open_export`` (it must be a module-level function so
    that worker processes can import it). Each export's file is renamed to the
    source's display name. An error in one file is re-raised as the same
    :class:`~chattools.ChattoolsError` subclass, naming the file (never the password).
    """
    out: list[Export] = []
    for batch in iter_exports(
        sources,
        password=password,
        passwords=passwords,
        timezone=timezone,
        on_problem=on_problem,
        workers=workers,
        progress=progress,
        loader=loader,
    ):
        out.extend(batch)
    return out


def open_exports(
    sources: Sources,
    *,
    password: str | None = None,
    passwords: Passwords | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    on_problem: OnProblem = "collect",
    workers: int | None = None,
    progress: bool | None = None,
) -> Export:
    """Read many exports (files, a folder or a glob) and merge them into one.

    Parameters
    ----------
    sources
        A list of paths or bytes, a folder (its ``*.xlsx``, ``*.json`` and ``*.zip``
        files, sorted by name) or a glob string such as ``"exports/2024-*.xlsx"``.
        Order matters: when two files hold the same version of a chat, the later
        file wins.
    password
        One password for every file.
    passwords
        Per-file passwords: file name or path → password (falls back to
        ``password``). Without either, ``ct.open_export`` uses
        ``CHATTOOLS_PASSWORD``. Passwords never appear in messages or progress bars.
    timezone
        The channel's IANA time zone (for every file).
    on_problem
        Passed to ``ct.open_export``: ``"collect"`` unreadable cells in
        ``Export.problems`` or ``"raise"`` on the first.
    workers
        Processes to read with; default ``min(2, os.cpu_count(), number of files)``.
        ``1`` reads in this process.
    progress
        Show a progress bar over files; default: only on a terminal and unless
        ``CHATTOOLS_PROGRESS=0``.

    Returns
    -------
    Export
        The merged export: chats and entities deduplicated across files, per chat
        the messages of one file (see :mod:`chattools.readers.combine`), every
        dropped duplicate listed in ``duplicates``; ``sources`` has one row per file.

    Raises
    ------
    SourceNotFoundError
        A path does not exist or nothing matched.
    ChattoolsError
        Any error of ``ct.open_export`` (wrong password, damaged file, …), naming
        the file.
    """
    expanded = expand_sources(sources)
    exports = load_exports(
        expanded,
        password=password,
        passwords=passwords,
        timezone=timezone,
        on_problem=on_problem,
        workers=workers,
        progress=progress,
    )
    return combine(exports)
