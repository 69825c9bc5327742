"""Read every sheet of a workbook or JSON export as a frame of text.

Never infers a type: XLSX cells are read with fastexcel as strings
(``dtypes="string"``, header in row 1, empty rows kept) and the row count is
checked against the sheet's ``<dimension>``. JSON is read into the same all-text
frames; the Open-API shape keeps its arrays as ``List(String)`` columns (everything
else as text) and is marked ``encoding="api"`` so the parser reads epoch
milliseconds and millisecond durations.

Examples
--------
>>> import polars as pl
>>> from chattools.readers.sheets import read_json
>>> sheets = read_json([b'{"Bot data": [{"id": 7, "name": "x"}, {"id": "8"}]}'], name="b.json")
>>> sheets[0].name, sheets[0].encoding, sheets[0].frame.rows()
('Bot data', 'text', [('7', 'x'), ('8', None)])
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from chattools import schema
from chattools.codecs import codec
from chattools.errors import CorruptFileError, NotAnExportError, UnsafeFileError
from chattools.readers.extent import check_sheet_extent
from chattools.readers.safety import Limits, check_archive, check_xml_parts, json_too_big
from chattools.readers.sniff import bom_length, json_encoding

__all__ = ["Encoding", "RawSheet", "iter_xlsx", "read_json"]

Encoding = Literal["text", "api"]


@dataclass(frozen=True)
class RawSheet:
    """One sheet as read: its name in the file, its text frame and row bookkeeping."""

    name: str
    frame: pl.DataFrame
    encoding: Encoding = "text"
    #: Data rows the sheet declares (XLSX ``<dimension>``), when known.
    declared_rows: int | None = None
    #: Position of the sheet in the file (sheets may be read in another order).
    position: int = 0


# -- XLSX ---------------------------------------------------------------------------------
#: What reading a damaged ZIP raises (zlib.error: a bad deflate stream, e.g. a flipped bit).
_DAMAGED = (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError)
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')


def _xml_unescape(raw: bytes) -> str:
    text = raw.decode("utf-8")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the archive member holding its worksheet (via the workbook's rels)."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for rel in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(_ATTR.findall(rel))
        if b"Id" in attrs and b"Target" in attrs:
            target = attrs[b"Target"].decode().lstrip("/")
            targets[attrs[b"Id"]] = target if target.startswith("xl/") else f"xl/{target}"
    parts = {}
    for tag in _SHEET.findall(workbook):
        attrs = dict(_ATTR.findall(tag))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), None)
        part = targets.get(rid or b"")
        if b"name" in attrs and part:
            parts[_xml_unescape(attrs[b"name"])] = part
    return parts


def _check_sheet_names(names: list[str], *, name: str) -> None:
    """Refuse a workbook that lists one sheet name twice (readers differ on which they take)."""
    seen: set[str] = set()
    for sheet in names:
        if sheet.casefold() in seen:
            msg = f"{name!r} lists the sheet {sheet!r} twice"
            raise CorruptFileError(msg, hint="re-download the export; it was altered.")
        seen.add(sheet.casefold())


def _declared_rows(parts: dict[str, str], heads: dict[str, bytes]) -> dict[str, int]:
    """Sheet name → data rows its ``<dimension>`` declares (header row excluded)."""
    out = {}
    for sheet, part in parts.items():
        head = heads.get(part)
        match = _DIMENSION.search(head) if head else None
        if match and match.group(1):
            out[sheet] = int(match.group(1)) - 1
    return out


def _load_order(sizes: dict[str, int]) -> list[str]:
    """The second-biggest sheet first, then the biggest, then the rest, biggest first.

    A sheet loads only once its extent check (:mod:`~chattools.readers.extent`) has
    passed. The biggest sheet's check, by far the longest, runs in a thread while the
    first sheet loads; big before small otherwise keeps peak memory low (the later,
    smaller sheets reuse the big one's freed buffers).
    """
    order = sorted(sizes, key=lambda sheet: -sizes[sheet])
    return order[1:2] + order[:1] + order[2:]


def iter_xlsx(data: bytes, *, name: str, limits: Limits) -> Iterator[RawSheet]:
    """Every sheet of the plain XLSX ``data`` as text, after the safety checks.

    Sheets are loaded one at a time, when the caller asks for the next one, in
    :func:`_load_order` (loading two at once in threads was ~25% faster on two idle
    cores but cost +70 MB peak memory). The first sheet is handed over only after the
    biggest has loaded, so that the caller's work on it does not add to that peak.
    """
    import fastexcel

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive, name=name, limits=limits)
            heads = check_xml_parts(archive, name=name)
            parts = sheet_parts(archive)
            members = {info.filename: info for info in archive.infolist()}
        reader = fastexcel.read_excel(data)
    except _DAMAGED as err:
        raise _damaged(name, err) from None
    except UnsafeFileError:
        raise
    except Exception as err:  # fastexcel raises its own hierarchy on malformed parts
        raise _unreadable(name, err) from None
    _check_sheet_names(reader.sheet_names, name=name)
    declared = _declared_rows(parts, heads)
    position = {sheet: i for i, sheet in enumerate(reader.sheet_names)}
    known = {s: members[parts[s]] for s in position if parts.get(s) in members}
    # every other member too, before any sheet loads: whatever part the reader's own rules
    # resolve a sheet to (another path, case or folder) is checked (a part without
    # <sheetData> costs an inflate and a search)
    for info in members.values():
        if info not in known.values():
            _check_part(data, info, name, limits)
    order = _load_order({s: known[s].file_size if s in known else 0 for s in position})
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chattools-check") as pool:
        # the thread checks every sheet but the first, in load order: the biggest first
        checks = {
            s: pool.submit(_check_part, data, known[s], name, limits)
            for s in order[1:]
            if s in known
        }
        try:
            if order and order[0] in known:
                _check_part(data, known[order[0]], name, limits)
            del data  # fastexcel keeps its own copy; the thread holds this one while it needs it
            held: list[RawSheet] = []
            for sheet in order:
                if sheet in checks:
                    checks.pop(sheet).result()
                try:
                    frame = reader.load_sheet(sheet, header_row=0, dtypes="string").to_polars()
                except Exception as err:
                    raise _unreadable(name, err) from None
                held.append(RawSheet(sheet, frame, "text", declared.get(sheet), position[sheet]))
                if sheet == order[0] and len(order) > 1:
                    continue  # handed over with the biggest, once that has loaded
                yield from reversed(held)
                held.clear()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _check_part(data: bytes, info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    try:
        check_sheet_extent(data, info, name=name, limits=limits)
    except _DAMAGED as err:
        raise _damaged(name, err) from None


def _damaged(name: str, err: Exception) -> CorruptFileError:
    return CorruptFileError(f"{name!r} is a damaged XLSX file ({err})")


def _unreadable(name: str, err: Exception) -> CorruptFileError:
    msg = f"{name!r} could not be read as a workbook ({type(err).__name__}: {err})"
    return CorruptFileError(msg)


# -- JSON ---------------------------------------------------------------------------------
#: A lone UTF-16 surrogate: JSON can spell one (``"\\ud83d"``, half an emoji cut short),
#: but it is not text in any Unicode encoding, so Arrow cannot hold it.
_SURROGATE = re.compile("[\\ud800-\\udfff]")
_REPLACED = "lone surrogate (half of a cut UTF-16 pair, e.g. an emoji) replaced by U+FFFD"


class _Notes:
    """What reading JSON changed or dropped, as ``Export.problems`` rows (dicts), and the
    objects the parser saw with a key given more than once.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict[str, Any]] = []
        #: id(parsed object) → its (key, value) pairs, for objects with a repeated key
        self.repeated: dict[int, list[tuple[str, Any]]] = {}

    def hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        """``object_pairs_hook``: the object, as ``json`` builds it (the last value of a
        repeated key wins), remembering any repeated key.
        """
        obj = dict(pairs)
        if len(obj) != len(pairs):
            self.repeated[id(obj)] = pairs
        return obj

    def add(
        self, sheet: str, row: int | None, column: str | None, value: Any, problem: str
    ) -> None:
        self.rows.append({"file": self.name, "sheet": sheet, "row": row,
                          "column": None if column is None else _clean_name(column),
                          "value": None if value is None else _shown(value),
                          "problem": problem})  # fmt: skip


def _shown(value: Any) -> str:
    """A JSON value as the text of a problem row (lone surrogates replaced)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _clean(text)[0]


def _clean(text: str) -> tuple[str, bool]:
    """``text`` with each lone surrogate replaced by U+FFFD, and whether there was one."""
    cleaned, count = _SURROGATE.subn("\ufffd", text)
    return cleaned, bool(count)


def _clean_name(name: str) -> str:
    r"""A sheet or column name with each lone surrogate spelled as its escape (``\ud83d``):
    distinct names stay distinct.
    """
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def _flatten(
    row: dict[str, Any],
    notes: _Notes,
    sheet: str,
    index: int,
    prefix: str = "",
    out: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``row`` with nested objects spread into dotted columns (``profile.name``).

    A column given twice (a dotted key and a nested object, or a key repeated in one
    object) keeps one value and notes each other one.
    """
    out = {} if out is None else out
    pairs = notes.repeated.get(id(row)) if notes.repeated else None
    if pairs is not None:  # a key repeated in this object: dict() kept its last value
        counts = Counter(key for key, _ in pairs)
        last = {key: position for position, (key, _) in enumerate(pairs)}
        for position, (key, value) in enumerate(pairs):
            if last[key] != position:
                problem = f"key given {counts[key]} times in one row object; kept the last value"
                notes.add(sheet, index, prefix + key, value, problem)
    for key, value in row.items():
        column = prefix + key
        if isinstance(value, dict):
            _flatten(value, notes, sheet, index, f"{column}.", out)
        elif column in out:
            problem = "column given twice (a dotted key and a nested object); kept the first value"
            notes.add(sheet, index, column, value, problem)
        else:
            out[column] = value
    return out


def _as_text(value: Any) -> Any:
    if isinstance(value, list):
        return schema.LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).split(schema.LIST_SEPARATOR)


def _series(column: str, values: list[Any], *, listed: bool) -> pl.Series:
    if listed:
        return pl.Series(column, [_as_list(v) for v in values], pl.List(pl.String))
    if any(isinstance(v, list | bool) for v in values):
        values = [_as_text(v) for v in values]
    return pl.Series(column, values, dtype=pl.String, strict=False)


def _cleaned(
    values: list[Any], *, listed: bool, notes: _Notes, sheet: str, column: str
) -> list[Any]:
    """``values`` with every lone surrogate replaced, each replacement noted."""
    out = []
    for index, value in enumerate(values, start=1):
        if listed:
            value = _as_list(value)
        elif isinstance(value, list | bool):
            value = _as_text(value)
        if isinstance(value, str):
            value, changed = _clean(value)
        elif isinstance(value, list):
            pieces = [_clean(v) for v in value]
            value, changed = [v for v, _ in pieces], any(c for _, c in pieces)
        else:
            changed = False
        if changed:
            shown = schema.LIST_SEPARATOR.join(value) if isinstance(value, list) else value
            notes.add(sheet, index, column, shown, _REPLACED)
        out.append(value)
    return out


def _frame(
    rows: list[Any], *, key: str, name: str, list_columns: frozenset[str], notes: _Notes
) -> pl.DataFrame:
    if not all(isinstance(r, dict) for r in rows):
        msg = f"JSON key {key!r} of {name!r} is not a list of row objects"
        raise NotAnExportError(msg)
    if notes.repeated or any(isinstance(v, dict) for r in rows for v in r.values()):
        rows = [_flatten(r, notes, key, i) for i, r in enumerate(rows, start=1)]
    columns = list(dict.fromkeys(k for r in rows for k in r))
    series = []
    for column in columns:
        values = [r.get(column) for r in rows]
        listed = column in list_columns
        label = _clean_name(column)
        if label != column:
            notes.add(
                key, None, label, None, "lone surrogate in the column name; written as \\uXXXX"
            )
        try:
            series.append(_series(label, values, listed=listed))
        except UnicodeEncodeError:  # a lone surrogate (rare): found, replaced and noted
            values = _cleaned(values, listed=listed, notes=notes, sheet=key, column=label)
            series.append(_series(label, values, listed=listed))
    return pl.DataFrame(series)


def _list_columns(key: str) -> frozenset[str]:
    spec = schema.SHEETS[schema.API_KEYS[key]]
    listed = [c for c in spec.columns if codec(c.kind).is_list]
    names = {c.name for c in listed} | {a for c in listed for a in c.aliases}
    return frozenset(names)


def _decode(payload: bytes, *, name: str) -> str:
    """The text of one JSON payload: UTF-8, or UTF-16/32 (byte-order mark or not)."""
    codec = json_encoding(payload) or "utf-8"
    try:
        return payload[bom_length(payload) :].decode(codec)
    except UnicodeDecodeError as err:
        msg = f"{name!r} is not valid JSON: not {codec.upper()} text ({err.reason} at byte {err.start})"
        raise CorruptFileError(msg) from None


def _parse(payload: bytes, *, name: str, notes: _Notes) -> dict[str, Any]:
    """One payload parsed: an object keyed by sheet; a key given twice is refused."""
    try:
        part = json.loads(_decode(payload, name=name), object_pairs_hook=notes.hook)
    except json.JSONDecodeError as err:
        msg = f"{name!r} is not valid JSON ({err})"
        raise CorruptFileError(msg) from None
    except RecursionError:  # a JSON "bomb": arrays/objects nested thousands deep
        msg = f"{name!r} holds JSON nested too deeply to be an export"
        raise UnsafeFileError(msg) from None
    except MemoryError:
        msg = f"not enough memory to read the {len(payload)} bytes of JSON of {name!r}"
        hint = (
            "reading JSON takes ~9x its size in memory: free memory, or lower "
            "chattools.readers.Limits(max_json_bytes=...) to refuse such files up front."
        )
        raise UnsafeFileError(msg, hint=hint) from None
    if not isinstance(part, dict):
        msg = f"{name!r} holds a JSON {type(part).__name__}, not an object keyed by sheet"
        raise NotAnExportError(msg)
    pairs = notes.repeated.pop(id(part), None)
    if pairs is not None:
        key, count = Counter(k for k, _ in pairs).most_common(1)[0]
        msg = f"{name!r} lists the JSON key {key!r} {count} times"
        hint = (
            "re-download the export; it was altered (JSON readers differ on which copy of "
            "a repeated key they keep, so none is taken)."
        )
        raise CorruptFileError(msg, hint=hint)
    return part


def read_json(
    payloads: list[bytes],
    *,
    name: str,
    limits: Limits | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> list[RawSheet]:
    r"""The sheets of one or more JSON payloads (objects keyed by sheet or API name).

    Parameters
    ----------
    payloads
        The JSON texts (UTF-8, or UTF-16/32), e.g. the members of one ZIP in order: a
        sheet split over several keeps its rows in payload order.
    name
        The file name, for messages.
    limits
        ``max_json_bytes`` bounds the payloads together, checked before parsing.
    problems
        Receives one ``Export.problems`` row (a dict) for every value changed or
        dropped while reading: a lone surrogate replaced by U+FFFD, a column given
        twice in a row (``profile: {"name"}`` next to ``"profile.name"``, or a key
        repeated in one object: the first, resp. the last value kept).

    A top-level key given twice in one payload is refused (``CorruptFileError``):
    readers differ on which copy they keep, as for a sheet name listed twice in a
    workbook.

    Examples
    --------
    >>> notes = []
    >>> sheets = read_json([b'{"Bot data": [{"id": "1", "name": "hi \\ud83d"}]}'], name="b.json",
    ...                    problems=notes)
    >>> sheets[0].frame.rows(), [(n["row"], n["column"], n["value"]) for n in notes]
    ([('1', 'hi �')], [(1, 'name', 'hi �')])
    >>> read_json([b'{"Bot data": [], "Bot data": []}'], name="b.json")
    Traceback (most recent call last):
    ...
    chattools.errors.CorruptFileError: 'b.json' lists the JSON key 'Bot data' 2 times
    Hint: ...
    """
    limits = limits or Limits()
    total = sum(len(p) for p in payloads)
    if total > limits.max_json_bytes:
        raise json_too_big(name, limits, total)
    notes = _Notes(name)
    document: dict[str, Any] = {}
    parts = []  # kept until the end: the ids in notes.repeated stay those of live objects
    for payload in payloads:
        part = _parse(payload, name=name, notes=notes)
        parts.append(part)
        for raw_key, rows in part.items():  # a sheet split over members: rows in member order
            key = _clean_name(raw_key)
            earlier = document.get(key)
            if isinstance(earlier, list) and isinstance(rows, list):
                earlier.extend(rows)  # in place: linear in the rows, however many members
            else:
                document[key] = list(rows) if isinstance(rows, list) else rows
            if key != raw_key:
                notes.add(
                    key, None, None, None, "lone surrogate in the sheet name; written as \\uXXXX"
                )
    sheet_names = {n for s in schema.SHEETS.values() for n in s.all_sheet_names}
    is_api = not (document.keys() & sheet_names) and bool(document.keys() & schema.API_KEYS)
    sheets: list[RawSheet] = []
    for key, rows in document.items():
        if not isinstance(rows, list):
            if key in sheet_names or key in schema.API_KEYS:
                msg = f"JSON key {key!r} of {name!r} is not a list of rows"
                raise NotAnExportError(msg)
            rows = []  # metadata: kept as an empty sheet that detect reports as unknown
        lists = _list_columns(key) if is_api and key in schema.API_KEYS else frozenset()
        frame = _frame(rows, key=key, name=name, list_columns=lists, notes=notes)
        sheets.append(RawSheet(key, frame, "api" if is_api else "text", len(rows), len(sheets)))
    if problems is not None:
        problems.extend(notes.rows)
    return sheets
