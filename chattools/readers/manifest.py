"""The ``manifest.json`` of a Parquet dataset: its format, and dtypes and rows as JSON.

The manifest is the one file :func:`chattools.open_dataset` reads eagerly. It lists
each source file (name, SHA-256, counts, date range), the rows read per file and
sheet, the generation and time zone, and per sheet its column types (as text, see
:func:`dtype_to_str`) and partitions. ``problems`` and ``duplicates`` sit beside it
as Parquet tables. It never holds a password.

Format version 2 adds ``parts``: for every Parquet file, keyed by its path in the
dataset folder (``chats/month=2024-03/part-0.parquet``, ``problems.parquet``), its size
in ``bytes``, its ``sha256`` and a ``schema`` fingerprint of its column names and types
(:func:`part_record`), so a truncated, replaced or edited part is caught on open
(:func:`check_part`). Version 1 datasets still open (their parts unchecked) and get
the records the next time files are added.

Examples
--------
>>> from chattools.readers.manifest import dtype_from_str, dtype_to_str, new_manifest
>>> import polars as pl
>>> dtype_from_str(dtype_to_str(pl.List(pl.String())))
List(String)
>>> sorted(new_manifest("Asia/Seoul"))[:4]
['chattools_version', 'duplicates', 'files', 'format']
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from chattools import schema
from chattools._version import __version__
from chattools.errors import DatasetCorruptError, DatasetError
from chattools.export import DUPLICATE_SCHEMA, PROBLEM_SCHEMA, ROWS_READ_SCHEMA, SOURCE_SCHEMA
from chattools.readers.combine import order_columns

__all__ = [
    "DUPLICATES",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "PART",
    "PROBLEMS",
    "ROWS_READ_SCHEMA",
    "check_part",
    "dtype_from_str",
    "dtype_to_str",
    "merge_columns",
    "new_manifest",
    "part_key",
    "part_path",
    "part_record",
    "read_manifest",
    "read_table",
    "records",
    "rows_read_of",
    "schema_fingerprint",
    "schema_of",
    "sheet_paths",
    "sources_of",
    "write_atomic",
    "write_manifest",
]

MANIFEST = "manifest.json"
PROBLEMS = "problems.parquet"
DUPLICATES = "duplicates.parquet"
PART = "part-0.parquet"
FORMAT = "chattools-dataset"
FORMAT_VERSION = 2
#: The side tables next to the manifest: manifest key → (default file name, schema).
TABLES: dict[str, tuple[str, pl.Schema]] = {
    "problems": (PROBLEMS, PROBLEM_SCHEMA),
    "duplicates": (DUPLICATES, DUPLICATE_SCHEMA),
}
_ISO = "%Y-%m-%dT%H:%M:%S%.f%:z"


# -- dtypes and records in JSON ---------------------------------------------------------
_SIMPLE = {
    name: getattr(pl, name)()
    for name in [
        "String",
        "Boolean",
        "Int8",
        "Int16",
        "Int32",
        "Int64",
        "UInt8",
        "UInt16",
        "UInt32",
        "UInt64",
        "Float32",
        "Float64",
        "Date",
        "Time",
        "Null",
        "Binary",
    ]
}


def dtype_to_str(dtype: pl.DataType) -> str:
    """A dtype as text for the manifest (``str(dtype)``, parsed by :func:`dtype_from_str`)."""
    return str(dtype)


def dtype_from_str(text: str) -> pl.DataType:
    """Parse :func:`dtype_to_str` output.

    >>> dtype_from_str("Datetime(time_unit='us', time_zone='Asia/Seoul')")
    Datetime(time_unit='us', time_zone='Asia/Seoul')
    >>> dtype_from_str("List(Duration(time_unit='us'))")
    List(Duration(time_unit='us'))
    """
    if text in _SIMPLE:
        return _SIMPLE[text]
    if m := re.fullmatch(r"Datetime\(time_unit='(\w+)', time_zone=(?:'([^']+)'|None)\)", text):
        return pl.Datetime(m[1], m[2])  # type: ignore[arg-type]
    if m := re.fullmatch(r"Duration\(time_unit='(\w+)'\)", text):
        return pl.Duration(m[1])  # type: ignore[arg-type]
    if m := re.fullmatch(r"List\((.+)\)", text):
        return pl.List(dtype_from_str(m[1]))
    msg = f"unknown column type {text!r} in {MANIFEST}"
    raise DatasetError(msg)


def schema_of(info: Mapping[str, Any]) -> pl.Schema:
    """The typed schema of one sheet's manifest entry (its ``columns``)."""
    return pl.Schema({c: dtype_from_str(d) for c, d in info["columns"].items()})


def merge_columns(
    old: Mapping[str, str], columns: Mapping[str, pl.DataType], sheet: str
) -> dict[str, str]:
    """A sheet's manifest ``columns`` widened with the ``columns`` of new rows.

    Raises
    ------
    DatasetError
        A column has another type in the new rows than in the dataset.
    """
    merged = dict(old)
    for column, dtype in columns.items():
        text = dtype_to_str(dtype)
        if merged.setdefault(column, text) != text:
            msg = f"column {column!r} of sheet {sheet!r} is {text} in the new files but {merged[column]} in the dataset"
            raise DatasetError(msg)
    return {c: merged[c] for c in order_columns(sheet, list(merged))}


# -- where the sheets are ---------------------------------------------------------------
def part_path(folder: Path, sheet: str, month: str | None = None) -> Path:
    """The Parquet file of ``sheet`` (of one ``month`` partition if given)."""
    if month is None:
        return folder / sheet / PART
    return folder / sheet / f"month={month}" / PART


def part_key(folder: Path, part: Path) -> str:
    """A Parquet file's key in the manifest's ``parts``: its path in the dataset folder.

    >>> part_key(Path("ds"), part_path(Path("ds"), "chats", "2024-03"))
    'chats/month=2024-03/part-0.parquet'
    """
    return part.relative_to(folder).as_posix()


def sheet_paths(folder: Path, sheet: str, info: Mapping[str, Any]) -> list[Path]:
    """Every Parquet file of ``sheet`` listed in its manifest entry ``info``."""
    if info.get("partitioned_by") == "month":
        return [part_path(folder, sheet, m) for m in sorted(info["partitions"])]
    return [part_path(folder, sheet)] if info.get("rows", 0) else []


# -- what each Parquet file must be -----------------------------------------------------
def schema_fingerprint(columns: Mapping[str, pl.DataType]) -> str:
    """A short digest of column names and types, in order.

    >>> schema_fingerprint({"id": pl.String()}) == schema_fingerprint({"id": pl.Int64()})
    False
    """
    text = json.dumps([[name, dtype_to_str(d)] for name, d in columns.items()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def part_record(path: Path) -> dict[str, Any]:
    """What the manifest records of a Parquet file just written: size, SHA-256, schema."""
    return {
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
        "schema": schema_fingerprint(pl.read_parquet_schema(path)),
    }


def check_part(
    path: Path, record: Mapping[str, Any] | None, *, checksum: bool = False, name: str = ""
) -> None:
    """Raise unless the Parquet file at ``path`` is the one ``record`` describes.

    Always compared: the size (one ``stat``) and the schema read from the file's footer
    (under a millisecond a part); with ``checksum`` also the SHA-256 of its bytes
    (about 1.3 GB/s here). No ``record`` (a version 1 dataset): only that it exists.

    Raises
    ------
    DatasetCorruptError
        The file is missing, has another size, schema or checksum, or is not Parquet.
    """
    shown = name or os.fspath(path)
    try:
        size = path.stat().st_size
    except OSError:
        msg = f"the dataset part {shown!r} is missing"
        raise DatasetCorruptError(msg) from None
    if record is None:
        return
    if size != record["bytes"]:
        msg = (
            f"the dataset part {shown!r} is {size} bytes but was written with "
            f"{record['bytes']} (truncated or replaced)"
        )
        raise DatasetCorruptError(msg)
    try:
        found = schema_fingerprint(pl.read_parquet_schema(path))
    except Exception as err:  # Polars raises ComputeError (and others) on a damaged footer
        msg = f"the dataset part {shown!r} is not readable Parquet ({type(err).__name__})"
        raise DatasetCorruptError(msg) from None
    if found != record["schema"]:
        msg = (
            f"the dataset part {shown!r} does not have the columns it was written with "
            "(another sheet's file copied over it?)"
        )
        raise DatasetCorruptError(msg)
    if checksum and _sha256(path) != record["sha256"]:
        msg = f"the dataset part {shown!r} has another SHA-256 than it was written with (its bytes changed)"
        raise DatasetCorruptError(msg)


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (datetimes as ISO text with their offset)."""
    out = frame.with_columns(
        pl.col(c).dt.to_string(_ISO) for c, d in frame.schema.items() if isinstance(d, pl.Datetime)
    )
    return out.to_dicts()


def _frame(rows: list[dict[str, Any]], target: pl.Schema, timezone: str) -> pl.DataFrame:
    """The inverse of :func:`records`, datetimes in ``timezone``."""
    if not rows:
        return pl.DataFrame(schema=target)
    as_text = {c: pl.String() if isinstance(d, pl.Datetime) else d for c, d in target.items()}
    frame = pl.DataFrame(rows, schema=as_text, orient="row")
    return frame.with_columns(
        pl.col(c)
        .str.to_datetime(_ISO, time_unit="us", time_zone="UTC")
        .dt.convert_time_zone(timezone)
        for c, d in target.items()
        if isinstance(d, pl.Datetime)
    )


def _source_schema(timezone: str) -> pl.Schema:
    return pl.Schema(
        {
            c: pl.Datetime(schema.TIME_UNIT, timezone) if isinstance(d, pl.Datetime) else d
            for c, d in SOURCE_SCHEMA.items()
        }
    )


def sources_of(manifest: Mapping[str, Any]) -> pl.DataFrame:
    """``Export.sources`` as stored in the manifest."""
    timezone = manifest["timezone"]
    return _frame(manifest["files"], _source_schema(timezone), timezone)


def rows_read_of(manifest: Mapping[str, Any]) -> pl.DataFrame:
    """``Export.rows_read`` as stored in the manifest."""
    return _frame(manifest["rows_read"], ROWS_READ_SCHEMA, manifest["timezone"])


# -- the manifest file ------------------------------------------------------------------
def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed ``manifest.json`` of the dataset at ``path``.

    Raises
    ------
    DatasetError
        The folder or its manifest is missing, unreadable or not a chattools dataset.
    """
    folder = Path(path)
    file = folder / MANIFEST
    if not file.is_file():
        msg = f"no chattools dataset at {os.fspath(path)!r}: {MANIFEST} is missing"
        raise DatasetError(msg)
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"cannot read {os.fspath(file)!r}: {err}"
        raise DatasetError(msg) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        msg = f"{os.fspath(file)!r} is not a chattools dataset manifest"
        raise DatasetError(msg)
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        msg = (
            f"the dataset at {os.fspath(path)!r} has format version "
            f"{manifest['format_version']!r}; this chattools reads up to {FORMAT_VERSION}"
        )
        raise DatasetError(msg, hint="upgrade chattools.")
    return manifest


def new_manifest(timezone: str) -> dict[str, Any]:
    """The manifest of an empty dataset in ``timezone``."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "chattools_version": __version__,
        "generation": None,
        "timezone": timezone,
        "updated_at": None,
        "files": [],
        "rows_read": [],
        "problems": {"file": PROBLEMS, "rows": 0},
        "duplicates": {"file": DUPLICATES, "rows": 0},
        "sheets": {},
    }


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, flush it to disk and move it
    into place (:func:`chattools.outfiles.atomic_output`): readers see the old file or
    the new one, never half of one.
    """
    from chattools.outfiles import atomic_output

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        write(tmp)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Stamp ``manifest`` with this version and the time, and write it atomically."""
    manifest["chattools_version"] = __version__
    manifest["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    text = json.dumps(manifest, indent=1, ensure_ascii=False)
    write_atomic(folder / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))


# -- problems and duplicates ------------------------------------------------------------
def read_table(folder: Path, manifest: Mapping[str, Any], table: str) -> pl.DataFrame:
    """The ``problems`` or ``duplicates`` table stored beside the manifest (empty if none;
    datasets written before ``duplicates`` existed have none), checked against its
    record (size, schema and SHA-256: it is read whole anyway).

    Raises
    ------
    DatasetCorruptError
        The table is not the file the manifest recorded, or not readable Parquet.
    """
    default, target = TABLES[table]
    file = folder / manifest.get(table, {}).get("file", default)
    record = manifest.get("parts", {}).get(part_key(folder, file))
    if record is None and not file.is_file():
        return pl.DataFrame(schema=target)
    check_part(file, record, checksum=True, name=file.name)
    try:
        return pl.read_parquet(file)
    except Exception as err:  # Polars' ComputeError on a damaged file
        msg = f"the dataset table {file.name!r} is not readable Parquet ({type(err).__name__})"
        raise DatasetCorruptError(msg) from None
