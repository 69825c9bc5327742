"""Tell the generation of an export and which sheet is which — never from sheet order.

Sheets are recognised by name (``schema.SHEETS[k].sheet_names``, or the API keys of
the Open-API JSON shape); a sheet with an unknown name is recognised by its columns
when it holds every required and most core columns of exactly one sheet. The
generation follows from the sheets and column signatures:

* a ``UserChatCase data`` sheet → ``"case"``;
* a ``UserChat`` or ``Team data`` sheet, a 2026 header (``mediumName``) or any
  column of ``schema.SIGNATURE_2026`` → ``"2026"``;
* otherwise ``"legacy"``.

A file without a chat (or case) sheet raises :class:`~chattools.errors.NotAnExportError`
listing the sheets and columns expected and found.

Examples
--------
>>> import polars as pl
>>> from chattools.readers.sheets import RawSheet
>>> from chattools.readers.detect import detect
>>> sheets = [RawSheet("Message data", pl.DataFrame({"isPrivate": ["true"]})),
...           RawSheet("UserChat data", pl.DataFrame({"id": ["c"]}))]
>>> layout = detect(sheets, name="x.xlsx")
>>> layout.generation, layout.keys
('2026', {'Message data': 'messages', 'UserChat data': 'chats'})
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chattools import schema
from chattools.errors import NotAnExportError
from chattools.readers.sheets import RawSheet

__all__ = ["Layout", "detect", "key_by_name"]

#: Share of a sheet's core columns an unknown-named sheet must hold to be taken for it.
_MATCH_SHARE = 0.8


@dataclass(frozen=True)
class Layout:
    """What a file holds: its generation, sheet name → sheet key, unknown sheets."""

    generation: schema.Generation
    keys: dict[str, str]
    unknown: tuple[str, ...] = ()


def key_by_name(name: str, encoding: str) -> str | None:
    """The sheet key a sheet (or Open-API key) name stands for, if any."""
    if encoding == "api":
        return schema.API_KEYS.get(name)
    for key, spec in schema.SHEETS.items():
        if name.strip() in spec.all_sheet_names:
            return key
    return None


def _by_columns(columns: list[str], taken: set[str]) -> str | None:
    """The one sheet whose columns an unknown-named sheet matches best, if clear."""
    scores = {}
    for key, spec in schema.SHEETS.items():
        present = {schema.canonical_column(key, c) for c in columns}
        core = {c.name for c in spec.core_columns}
        required = {c.name for c in spec.required_columns}
        share = len(core & present) / len(core)
        if required <= present and share >= _MATCH_SHARE and key not in taken:
            scores[key] = share
    best = sorted(scores.items(), key=lambda kv: -kv[1])
    if not best or (len(best) > 1 and best[1][1] == best[0][1]):
        return None
    return best[0][0]


def _canonical(sheet: RawSheet, key: str) -> set[str]:
    return {schema.canonical_column(key, c) for c in sheet.frame.columns}


def _generation(sheets: dict[str, RawSheet], keys: dict[str, str]) -> schema.Generation:
    by_key = {k: sheets[n] for n, k in keys.items()}
    if "cases" in by_key:
        return "case"
    renamed = {h for m in schema.HEADERS_BY_GENERATION["2026"].values() for h in m.values()}
    marks = [
        any(n.strip() in ("UserChat", "Team data") for n in keys),
        "teams" in by_key,
        bool(set(by_key["chats"].frame.columns) & renamed),
    ]
    for key, signature in schema.SIGNATURE_2026.items():
        if key in by_key:
            marks.append(bool(_canonical(by_key[key], key) & signature))
    return "2026" if any(marks) else "legacy"


def _found(sheets: Sequence[RawSheet]) -> str:
    parts = []
    for sheet in sheets:
        cols = sheet.frame.columns
        more = ", …" if len(cols) > 6 else ""
        parts.append(f"{sheet.name!r} (columns {', '.join(map(repr, cols[:6]))}{more})")
    return "; ".join(parts) or "no sheets"


def detect(sheets: Sequence[RawSheet], *, name: str) -> Layout:
    """The :class:`Layout` of a file's sheets; raises ``NotAnExportError`` if not an export."""
    keys: dict[str, str] = {}
    unknown = []
    for sheet in sheets:
        key = key_by_name(sheet.name, sheet.encoding)
        if key is None or key in keys.values():
            unknown.append(sheet)
        else:
            keys[sheet.name] = key
    still_unknown = []
    for sheet in unknown:
        key = _by_columns(sheet.frame.columns, set(keys.values()))
        if key is None:
            still_unknown.append(sheet.name)
        else:
            keys[sheet.name] = key
    if not {"chats", "cases"} & set(keys.values()):
        api = sheets and all(s.encoding == "api" for s in sheets)
        expected = (
            [schema.SHEETS["chats"].api_key, schema.SHEETS["cases"].api_key]
            if api
            else [*schema.SHEETS["chats"].all_sheet_names, *schema.SHEETS["cases"].all_sheet_names]
        )
        required = [c.name for c in schema.SHEETS["chats"].required_columns]
        msg = (
            f"{name!r} is not a Channel Talk chat export: expected a sheet named one of "
            f"{expected!r} (chat columns {required!r}, …); found {_found(sheets)}"
        )
        raise NotAnExportError(msg)
    by_name = {s.name: s for s in sheets}
    generation = _generation(by_name, keys)
    return Layout(generation, keys, tuple(still_unknown))
