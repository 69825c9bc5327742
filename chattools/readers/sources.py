"""Expand what the user passed (files, bytes, folders, globs) into a list of sources.

:func:`expand_sources` accepts one item or a list of items; each item is a path to a
file, a folder (its ``*.xlsx``, ``*.json`` and ``*.zip`` files, sorted by name, not
recursive), a glob string (``"exports/2024-*.xlsx"``, ``"**"`` recurses) or the raw
bytes of a file. The result keeps the input order (folders and globs expand in sorted
order), drops a path given twice, and gives every source a unique display name: the
file name, or the path relative to the common folder when two files share a name.

:func:`password_for` picks the password of one source from ``password`` (one for
all) and ``passwords`` (file name or path → password).

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> for name in ("b.xlsx", "a.json", "notes.txt"):
...     _ = (folder / name).write_bytes(b"{}")
>>> [s.name for s in expand_sources(folder)]
['a.json', 'b.xlsx']
>>> [s.name for s in expand_sources([str(folder / "b.*"), b"{}"])]
['b.xlsx', 'bytes[1]']
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chattools.errors import InvalidValueError, SourceNotFoundError

__all__ = [
    "EXPORT_SUFFIXES",
    "Passwords",
    "Source",
    "SourceLike",
    "Sources",
    "expand_sources",
    "password_for",
]

#: File name endings a folder is searched for.
EXPORT_SUFFIXES = (".xlsx", ".json", ".zip")

SourceLike = str | os.PathLike[str] | bytes | bytearray | memoryview
Sources = SourceLike | Sequence[SourceLike]
#: File name or path → password (``Mapping`` keys are invariant, hence the union).
Passwords = Mapping[str, str] | Mapping[Path, str] | Mapping[str | Path, str]

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, repr=False)
class Source:
    """One export file to read: a path or in-memory bytes, with its display name."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    @property
    def payload(self) -> Path | bytes:
        """What to hand to :func:`chattools.open_export`."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path

    def read_bytes(self) -> bytes:
        """The file's bytes."""
        return self.data if self.data is not None else self.payload.read_bytes()  # type: ignore[union-attr]

    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes (read in chunks for paths)."""
        digest = hashlib.sha256()
        if self.data is not None:
            digest.update(self.data)
        else:
            assert self.path is not None
            with self.path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        return digest.hexdigest()

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else f"{len(self.data or b'')} bytes"
        return f"Source({self.name!r}, {where})"


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in _GLOB_CHARS) and not Path(text).expanduser().exists()


def _expand_one(item: object, index: int) -> tuple[list[Path], bytes | None, str]:
    """Paths (or bytes) for one item, plus a description of what was searched."""
    if isinstance(item, bytes | bytearray | memoryview):
        return [], bytes(item), f"bytes[{index}]"
    if not isinstance(item, str | os.PathLike):
        msg = f"sources item {index} is a {type(item).__name__}, not a path or bytes"
        raise InvalidValueError(
            msg, hint="pass file paths, folders, glob strings or the bytes of an export."
        )
    text = os.fspath(item)
    if isinstance(item, str) and _is_glob(text):
        pattern = os.path.expanduser(text)
        found = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        return found, None, f"glob {text!r}"
    path = Path(text).expanduser()
    if path.is_dir():
        found = sorted(
            (p for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES),
            key=lambda p: p.name,
        )
        return found, None, f"folder {text!r} (*.xlsx, *.json, *.zip)"
    if path.is_file():
        return [path], None, f"file {text!r}"
    msg = f"export file not found: {text!r}"
    raise SourceNotFoundError(msg)


def _unique_names(paths: list[Path]) -> list[str]:
    """File names, or paths relative to the common folder where names collide."""
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    resolved = [p.resolve() for p in paths]
    root = Path(os.path.commonpath([str(p.parent) for p in resolved]))
    out = []
    for name, full in zip(names, resolved, strict=True):
        out.append(name if names.count(name) == 1 else full.relative_to(root).as_posix())
    return out


def expand_sources(sources: Sources) -> list[Source]:
    """Expand files, folders, globs and bytes into a list of :class:`Source`.

    Parameters
    ----------
    sources
        One item or a list of items: a file path, a folder, a glob string, or bytes.

    Raises
    ------
    SourceNotFoundError
        A path does not exist, or nothing at all matched (the message lists what was
        searched).

    Examples
    --------
    >>> expand_sources([b"{}", b"[]"])
    [Source('bytes[0]', 2 bytes), Source('bytes[1]', 2 bytes)]
    """
    items: Iterable[object]
    if isinstance(sources, str | os.PathLike | bytes | bytearray | memoryview):
        items = [sources]
    else:
        items = list(sources)
    entries: list[tuple[Path | None, bytes | None, str | None]] = []
    searched: list[str] = []
    seen: set[Path] = set()
    for index, item in enumerate(items):
        paths, data, what = _expand_one(item, index)
        searched.append(what)
        if data is not None:
            entries.append((None, data, f"bytes[{index}]"))
        for path in paths:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                entries.append((path, None, None))
    if not entries:
        what = ", ".join(searched) if searched else "an empty list"
        msg = f"no export files found in {what}"
        raise SourceNotFoundError(msg)
    file_paths = [p for p, _, _ in entries if p is not None]
    names = iter(_unique_names(file_paths))
    return [
        Source(name=next(names), path=p) if p is not None else Source(name=str(n), data=d)
        for p, d, n in entries
    ]


def password_for(
    source: Source,
    *,
    password: str | None = None,
    passwords: Passwords | None = None,
) -> str | None:
    """The password of ``source``: its entry in ``passwords``, else ``password``.

    A ``passwords`` key matches the source's display name, its file name or its path
    (as given or resolved).

    Examples
    --------
    >>> src = Source("june.xlsx", path=Path("exports/june.xlsx"))
    >>> password_for(src, password="all", passwords={"june.xlsx": "june1"})
    'june1'
    >>> password_for(src, password="all", passwords={"may.xlsx": "may1"})
    'all'
    """
    for key, value in (passwords or {}).items():
        if _key_matches(key, source):
            return value
    return password


def _key_matches(key: str | os.PathLike[str], source: Source) -> bool:
    text = os.fspath(key)
    if text == source.name:
        return True
    if source.path is None:
        return False
    if text == source.path.name or text == str(source.path):
        return True
    try:
        return Path(text).expanduser().resolve() == source.path.resolve()
    except OSError:
        return False
