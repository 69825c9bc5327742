"""Load many export files on both cores, with a progress bar, and merge them.

:func:`open_exports` is the many-files entry point: it expands folders and globs
(:mod:`chattools.readers.sources`), reads the files in a thread pool
(:func:`load_exports`, results in input order) and merges them
(:func:`chattools.readers.combine.combine`).

Threads, not processes: decryption, the XLSX reader (fastexcel/calamine), the safety
scan and Polars release the GIL, so two threads keep both cores busy without starting
interpreters or pickling every frame back (faster and ~40% less memory than a process
pool; measured in ``docs/decisions.md``). It works the same in a notebook and in a plain
script, which needs no ``if __name__ == "__main__":`` guard. At most ``workers`` files
are read at a time (each file's bytes are read when its turn comes), and when a file
may ask for its password at a hidden prompt the files are read one at a time.

A file that cannot be read (wrong or missing password, damaged, not an export,
refused for safety) does not sink the others: by default (``on_error="report"``) it is
left out and listed in ``Export.skipped`` (and as a file-level row of
``Export.problems``); ``on_error="raise"`` stops at the first such file. When no file
at all could be read, the error is raised either way.

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

import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any, Literal, get_args

import polars as pl

from chattools import schema
from chattools.errors import (
    ChattoolsError,
    InvalidValueError,
    SourceNotFoundError,
    UnreadableExportsError,
)
from chattools.export import PROBLEM_SCHEMA, SKIPPED_SCHEMA, Export
from chattools.progress import progress_bar
from chattools.readers.combine import combine
from chattools.readers.load import _check_options, open_export
from chattools.readers.safety import Limits
from chattools.readers.sources import (
    Passwords,
    Source,
    Sources,
    expand_sources,
    password_for,
)
from chattools.secrets import PASSWORD_ENV_VAR

__all__ = [
    "Loader",
    "OnError",
    "OnProblem",
    "Skipped",
    "iter_exports",
    "load_exports",
    "open_exports",
    "relabel",
]

OnProblem = Literal["collect", "raise"]
#: What to do with a file that cannot be read: leave it out and report it, or raise.
OnError = Literal["report", "raise"]
#: ``loader(payload, *, password, timezone, on_problem, limits) -> Export`` (``ct.open_export``).
Loader = Callable[..., Export]
#: How many skipped files an error message lists by name.
_LISTED = 10


def _open_export(
    payload: Path | bytes,
    *,
    password: str | None,
    timezone: str,
    on_problem: str,
    limits: Limits | None,
) -> Export:
    return open_export(
        payload,
        password=password,
        timezone=timezone,
        on_problem=on_problem,  # type: ignore[arg-type]
        limits=limits,
    )


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


def _named(err: ChattoolsError, name: str) -> ChattoolsError:
    """The same error, its message naming the file ``name``."""
    if name in err.message:
        return err
    return type(err)(f"{err.message} (file {name!r})", hint=err.hint)


@dataclass(frozen=True)
class Skipped:
    """A file left out with ``on_error="report"``: its display name and its error.

    The error's message and hint never contain the file's password.
    """

    file: str
    error: ChattoolsError

    def row(self) -> dict[str, str]:
        """The file's row of ``Export.skipped``."""
        err = self.error
        return {
            "file": self.file,
            "error": type(err).__name__,
            "reason": err.message,
            "hint": err.hint,
        }

    def named(self) -> ChattoolsError:
        """The error, its message naming the file (to raise)."""
        return _named(self.error, self.file)


@dataclass(frozen=True)
class _Options:
    timezone: str
    on_problem: str
    on_error: str
    loader: Loader | None
    limits: Limits | None


_Task = tuple[Path | bytes, str, str | None]
_Result = Export | Skipped


def _read(task: _Task, options: _Options) -> _Result:
    """Load one file; a file that cannot be read is raised or returned as :class:`Skipped`."""
    payload, name, password = task
    load = options.loader or _open_export
    try:
        exp = load(
            payload,
            password=password,
            timezone=options.timezone,
            on_problem=options.on_problem,
            limits=options.limits,
        )
    except ChattoolsError as err:
        error = err  # no reader puts a password in a message (tests/test_password_hygiene.py)
    except OSError as err:  # vanished or unreadable between listing and reading
        msg = f"cannot read {name!r}: {err.strerror or type(err).__name__}"
        error = SourceNotFoundError(
            msg, hint="check that the file exists and that you may read it."
        )
    except Exception as err:  # a bug, not a bad file: never hidden
        err.add_note(f"while reading the export {name!r}")
        raise
    else:
        return relabel(exp, name)
    if options.on_error == "raise":
        raise _named(error, name) from None
    return Skipped(name, error)


def _n_workers(workers: int | None, n_files: int) -> int:
    if workers is None:
        workers = min(2, os.cpu_count() or 1, n_files)
    elif isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = f"invalid workers={workers!r}; expected a whole number >= 1"
        raise InvalidValueError(msg, hint="use workers=1 to read one file at a time.")
    return max(1, min(workers, n_files))


def _may_prompt(tasks: Sequence[_Task]) -> bool:
    """Whether a file may ask for its password at a hidden prompt (one file at a time then)."""
    if all(password for _, _, password in tasks) or os.environ.get(PASSWORD_ENV_VAR):
        return False
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdin
        return False


@contextmanager
def _pool(n: int) -> Iterator[ThreadPoolExecutor | None]:
    if n == 1:
        yield None
        return
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="chattools-read")
    try:
        yield pool
    finally:  # on an error or an early stop, files not started are never read
        pool.shutdown(wait=True, cancel_futures=True)


def _check(on_error: str, limits: Limits | None) -> None:
    if on_error not in get_args(OnError):
        msg = f"invalid on_error={on_error!r}; expected one of {list(get_args(OnError))}"
        raise InvalidValueError(msg, hint='use "report" (default) or "raise".')
    if limits is not None and not isinstance(limits, Limits):
        msg = f"invalid limits={limits!r}; expected chattools.readers.Limits"
        raise InvalidValueError(msg, hint="pass limits=chattools.readers.Limits(...).")


def _tasks(
    sources: Sequence[Source], password: str | None, passwords: Passwords | None
) -> list[_Task]:
    return [
        (s.payload, s.name, password_for(s, password=password, passwords=passwords))
        for s in sources
    ]


def _iter_results(
    tasks: list[_Task],
    options: _Options,
    *,
    workers: int | None,
    progress: bool | None,
    batch_size: int | None,
) -> Iterator[list[_Result]]:
    """Results batch by batch in input order; the next batch is read meanwhile."""
    size = max(1, batch_size or len(tasks) or 1)
    batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    n = 1 if _may_prompt(tasks) else _n_workers(workers, len(tasks))
    with (
        progress_bar(total=len(tasks), desc="reading exports", enabled=progress) as bar,
        _pool(n) as pool,
    ):
        if pool is None:
            for batch in batches:
                out = []
                for task in batch:
                    bar.set_postfix_str(task[1], refresh=False)
                    out.append(_read(task, options))
                    bar.update(1)
                yield out
            return

        def submit(batch: list[_Task]) -> list[Future[_Result]]:
            return [pool.submit(_read, task, options) for task in batch]

        remaining = iter(batches)
        pending = deque((b, submit(b)) for b in islice(remaining, 2))
        while pending:
            batch, futures = pending.popleft()
            index = {f: i for i, f in enumerate(futures)}
            results: list[_Result | None] = [None] * len(futures)
            for future in as_completed(futures):
                results[index[future]] = future.result()
                bar.set_postfix_str(batch[index[future]][1], refresh=False)
                bar.update(1)
            following = next(remaining, None)
            if following is not None:
                pending.append((following, submit(following)))
            yield [r for r in results if r is not None]


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
    limits: Limits | None = None,
) -> Iterator[list[Export]]:
    """Load sources batch by batch (input order), reading the next batch meanwhile.

    One thread pool serves every batch; at most two batches are in flight, so
    memory stays bounded by the batch size. A file that cannot be read raises (see
    :func:`load_exports`).
    """
    _check("raise", limits)
    options = _Options(timezone, on_problem, "raise", loader, limits)
    for batch in _iter_results(
        _tasks(sources, password, passwords),
        options,
        workers=workers,
        progress=progress,
        batch_size=batch_size,
    ):
        yield [r for r in batch if isinstance(r, Export)]


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
    limits: Limits | None = None,
) -> list[Export]:
    """Load each source with ``ct.open_export`` (in a thread pool), in input order.

    ``loader`` replaces ``ct.open_export``. Each export's file is renamed to the
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
        limits=limits,
    ):
        out.extend(batch)
    return out


def _nothing_read(skipped: Sequence[Skipped]) -> ChattoolsError:
    """The error to raise when no file could be read: the file's own, or one listing all."""
    if len(skipped) == 1:
        return skipped[0].named()
    listed = "; ".join(
        f"{s.file!r} ({type(s.error).__name__}: {s.error.message})" for s in skipped[:_LISTED]
    )
    more = f"; and {len(skipped) - _LISTED} more" if len(skipped) > _LISTED else ""
    msg = f"none of the {len(skipped)} export files could be read: {listed}{more}"
    kinds = {type(s.error) for s in skipped}
    if len(kinds) == 1:  # e.g. one wrong password for every file: keep the class
        return kinds.pop()(msg, hint=skipped[0].error.hint)
    hints = dict.fromkeys(f"{type(s.error).__name__}: {s.error.hint}" for s in skipped)
    return UnreadableExportsError(
        msg, hint=f"{UnreadableExportsError.default_hint} {' '.join(hints)}"
    )


def _with_skipped(exp: Export, skipped: Sequence[Skipped]) -> Export:
    """``exp`` with the skipped files in ``skipped`` and as file-level ``problems`` rows."""
    rows = [s.row() for s in skipped]
    problems = pl.DataFrame(
        [
            {"file": r["file"], "problem": f"file not read ({r['error']}): {r['reason']}"}
            for r in rows
        ],
        schema=PROBLEM_SCHEMA,
    )
    return replace(
        exp,
        skipped=pl.DataFrame(rows, schema=SKIPPED_SCHEMA),
        problems=pl.concat([exp.problems, problems], how="diagonal_relaxed"),
    )


def open_exports(
    sources: Sources,
    *,
    password: str | None = None,
    passwords: Passwords | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    on_problem: OnProblem = "collect",
    on_error: OnError = "report",
    workers: int | None = None,
    progress: bool | None = None,
    limits: Limits | None = None,
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
    on_error
        A file that cannot be read at all (wrong or missing password, damaged, not an
        export, refused for safety, unreadable from disk): ``"report"`` leaves it out,
        loads the others and lists it in ``Export.skipped`` (columns ``file``,
        ``error`` — the error class —, ``reason``, ``hint``; never a password) and as a
        row of ``Export.problems`` without a sheet; ``"raise"`` raises its error on the
        first such file. Either way, when no file could be read, the error is raised.
    workers
        Threads to read with; default ``min(2, os.cpu_count(), number of files)``.
        ``1`` reads one file at a time in this thread.
    progress
        Show a progress bar over files; default: only on a terminal and unless
        ``CHATTOOLS_PROGRESS=0``.
    limits
        Safety limits (:class:`chattools.readers.Limits`) applied to every file.

    Returns
    -------
    Export
        The merged export: chats and entities deduplicated across files, per chat
        the messages of one file (see :mod:`chattools.readers.combine`), every
        dropped duplicate listed in ``duplicates``; ``sources`` has one row per file
        read, ``skipped`` one row per file left out.

    Raises
    ------
    SourceNotFoundError
        A path does not exist or nothing matched.
    ChattoolsError
        No file could be read: one file's own error (wrong password, damaged file, …,
        naming the file); for several files, the error class they share (e.g.
        ``WrongPasswordError``) or :class:`~chattools.errors.UnreadableExportsError`,
        listing each file and why. With ``on_error="raise"``: the first file's error.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import chattools as ct
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = ct.sample.write_sample(folder / "june.xlsx", chats=20, password="Demo1234")
    >>> _ = (folder / "notes.json").write_text('{"todo": ["call Kim"]}')
    >>> exp = ct.open_exports(folder, password="Demo1234")
    >>> exp.chats.height, exp.skipped.select("file", "error").rows()
    (20, [('notes.json', 'NotAnExportError')])
    >>> ct.open_exports(folder, password="Demo1234", on_error="raise")
    Traceback (most recent call last):
    ...
    chattools.errors.NotAnExportError: JSON key 'todo' of 'notes.json' is not a list of row objects
    Hint: ...
    """
    _check(on_error, limits)
    _check_options(timezone, on_problem, limits)  # once, not as an error of every file
    tasks = _tasks(expand_sources(sources), password, passwords)
    options = _Options(timezone, on_problem, on_error, None, limits)
    results = [
        r
        for batch in _iter_results(
            tasks, options, workers=workers, progress=progress, batch_size=None
        )
        for r in batch
    ]
    exports = [r for r in results if isinstance(r, Export)]
    skipped = [r for r in results if isinstance(r, Skipped)]
    if not exports:
        raise _nothing_read(skipped)
    merged = combine(exports)
    return _with_skipped(merged, skipped) if skipped else merged
