"""Output files: checked before anything is read, never an input, replaced atomically.

:func:`check_output` says up front whether a file may be written (its folder exists and
takes files, it is not a folder, not one of the inputs, and not an existing file unless
``overwrite``), so a command fails in a second instead of after reading a whole export.
:func:`atomic_output` gives the writer a temporary file in the target's folder and
moves it into place only once it is complete and on disk (``fsync`` + ``os.replace``):
a crash, a full disk or a failing writer never leaves a half-written file, and an old
file is replaced in one step. A device or pipe (``/dev/stdout``) is written through a
temporary file and copied to it, so a failure there (``/dev/full``) is an error too.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> with atomic_output(folder / "a.txt") as tmp:
...     _ = tmp.write_text("hello")
>>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
('hello', ['a.txt'])
>>> check_output(folder / "a.txt")
Traceback (most recent call last):
...
chattools.errors.OutputExistsError: ... exists already
Hint: choose another output name, or pass --force (overwrite=True) to replace it.
>>> check_output(folder / "a.txt", inputs=[folder / "a.txt"], overwrite=True)
Traceback (most recent call last):
...
chattools.errors.OutputPathError: ... is one of the input files; it is never written over
Hint: choose another output name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from chattools.errors import OutputExistsError, OutputPathError

__all__ = ["atomic_output", "check_output", "same_file"]


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` name one file (same path resolved, or same inode: a
    hard link or another spelling of the path).
    """
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def _is_regular_or_missing(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:  # missing, or a "folder" that is a file (check_output says which)
        return True


def check_output(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
) -> Path:
    """Raise unless ``path`` may be written; return it as a ``Path``.

    Refused: one of ``inputs`` (always, even with ``overwrite``), a folder, an existing
    file unless ``overwrite``, a path whose folder is missing, not a folder, or does not
    take new files (tried by creating and removing a temporary file there). A device
    or pipe that exists (``/dev/stdout``) is allowed: it is written, not replaced.

    Raises
    ------
    OutputPathError
        The path is an input, a folder, or its folder is missing or not writable.
    OutputExistsError
        The file exists and ``overwrite`` is false.
    """
    out = Path(path)
    shown = os.fspath(path)
    for source in inputs:
        if out.exists() and same_file(out, source):
            msg = f"{shown!r} is one of the input files; it is never written over"
            raise OutputPathError(msg, hint="choose another output name.")
    if out.is_dir():
        msg = f"{shown!r} is a folder, not a file"
        raise OutputPathError(msg, hint="pass a file name inside it, e.g. report.html.")
    if not _is_regular_or_missing(out):
        return out  # a device or a pipe: written in place by atomic_output
    if out.exists() and not overwrite:
        msg = f"{shown!r} exists already"
        raise OutputExistsError(msg)
    parent = out.parent
    if not parent.exists():
        msg = f"cannot write {shown!r}: the folder {os.fspath(parent)!r} does not exist"
        raise OutputPathError(msg, hint=f"create it first (mkdir -p {os.fspath(parent)!r}).")
    if not parent.is_dir():
        msg = f"cannot write {shown!r}: {os.fspath(parent)!r} is not a folder"
        raise OutputPathError(msg)
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{out.name}.", suffix=".probe")
    except OSError as err:
        msg = f"cannot write {shown!r}: {err.strerror or err}"
        raise OutputPathError(msg) from None
    os.close(fd)
    os.unlink(probe)
    return out


def _fsync(path: str | os.PathLike[str]) -> None:
    """Flush ``path`` (a file, or a folder where the platform can open one) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary file for the writer; on success move it onto ``path``.

    The temporary file sits in ``path``'s folder (same file system, so the rename is
    atomic) with the same suffix (writers that choose a format by suffix still do);
    it is created readable by its owner only, as exported chat data should be. On any
    error it is removed and ``path`` is left as it was; an ``OSError`` (full disk,
    permission) becomes a one-line :class:`OutputPathError`. A device or pipe that
    exists is written by copying the finished temporary file (from the system's
    temporary folder) into it.

    Raises
    ------
    OutputPathError
        Writing, flushing or renaming failed (the message says why).
    """
    out = Path(path)
    device = not _is_regular_or_missing(out)
    folder = None if device else out.parent
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=f".tmp{out.suffix}")
    except OSError as err:
        msg = f"cannot write {os.fspath(path)!r}: {err.strerror or err}"
        raise OutputPathError(msg) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if device:
            with tmp.open("rb") as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            _fsync(tmp)
            os.replace(tmp, out)
            with contextlib.suppress(OSError):  # folders cannot be opened everywhere
                _fsync(out.parent)
    except OSError as err:
        msg = f"cannot write {os.fspath(path)!r}: {err.strerror or err}"
        raise OutputPathError(msg) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
