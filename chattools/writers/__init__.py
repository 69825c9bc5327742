"""Write typed frames as a Channel Talk export file: the inverse of the readers.

:func:`write_export` turns typed frames (``schema.typed_schema`` columns; provenance
optional, never written; extra columns such as ``profile.*`` written as text after the
known ones) into the bytes of an XLSX (optionally password-protected), a bare JSON, or
a ZIP holding the JSON. Used by the sample generator and the round-trip tests.

Examples
--------
>>> import polars as pl
>>> import chattools as ct
>>> from chattools.writers import write_export
>>> bots = pl.DataFrame({"id": ["7"], "name": ["Helper"]})
>>> data = write_export({"bots": bots}, container="json")
>>> data
b'{"Bot data":[{"id":"7","name":"Helper"}]}'
>>> write_export({"bots": bots}, container="json", json_shape="api")
b'{"bots":[{"id":"7","name":"Helper"}]}'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

import polars as pl

from chattools import schema
from chattools.errors import InvalidValueError
from chattools.writers.json import ZIP_MEMBER, json_bytes, zip_bytes
from chattools.writers.text import api_frame, text_frame
from chattools.writers.xlsx import encrypt_xlsx, write_xlsx

__all__ = ["ZIP_MEMBER", "Container", "JsonShape", "api_frame", "text_frame", "write_export"]

Container = Literal["xlsx", "json", "zip"]
JsonShape = Literal["sheets", "api"]

_OPTION_HINT = "see the write_export docstring for the accepted values."


def _check_option(name: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        msg = f"invalid {name}={value!r}; expected one of {list(allowed)}"
        raise InvalidValueError(msg, hint=_OPTION_HINT)


def _sheets_to_write(
    frames: Mapping[str, pl.DataFrame], generation: schema.Generation
) -> dict[str, pl.DataFrame]:
    """The frames of sheets that ``generation`` has, in the order given."""
    out = {}
    for key, frame in frames.items():
        if key not in schema.SHEETS:
            msg = f"unknown sheet key {key!r} in frames"
            raise InvalidValueError(msg, hint=f"use keys from {sorted(schema.SHEETS)}.")
        if generation in schema.SHEETS[key].sheet_names:
            out[key] = frame
        elif frame.height:
            msg = f"sheet {key!r} is not part of a {generation!r} export ({frame.height} rows)"
            raise InvalidValueError(msg, hint="drop it, or choose another generation.")
    return out


def write_export(
    frames: Mapping[str, pl.DataFrame],
    *,
    generation: schema.Generation = "legacy",
    container: Container = "xlsx",
    json_shape: JsonShape = "sheets",
    password: str | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    zipcrypto: bool = False,
) -> bytes:
    r"""The bytes of an export file holding ``frames``.

    Parameters
    ----------
    frames
        Sheet key (``"chats"``, ``"messages"``, …) → typed frame. Only sheets that
        ``generation`` has are written (an empty frame of another sheet is ignored);
        a sheet missing from ``frames`` is missing from the file.
    generation
        ``"legacy"``, ``"2026"`` or ``"case"``: sheet names, header names and the
        duration format (``"1h 2m 3s"`` for legacy, integer seconds otherwise).
    container
        ``"xlsx"`` (text cells only), ``"json"`` (bare UTF-8) or ``"zip"`` (the JSON as
        ``export.json`` inside a ZIP).
    json_shape
        ``"sheets"``: keyed by sheet name, same text values as the XLSX (null → ``""``);
        ``"api"``: keyed by ``schema.SHEETS[k].api_key``, epoch-millisecond timestamps,
        millisecond durations, arrays, real booleans and integers, ``null``.
    password
        Encrypt: agile ECMA-376 encryption for XLSX, AES-256 for ZIP. Not allowed for
        bare JSON.
    timezone
        The channel time zone local timestamps are written in.
    zipcrypto
        With ``container="zip"`` and a password: legacy ZipCrypto instead of AES.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta
    >>> chats = pl.DataFrame({
    ...     "id": ["c1"], "state": ["closed"], "createdAt": [datetime(2024, 1, 2, 3, 4, 5)],
    ...     "waitingTime": [timedelta(seconds=65)],
    ... })
    >>> write_export({"chats": chats}, generation="2026", container="json")
    b'{"UserChat":[{"id":"c1","state":"closed","createdAt":"2024-01-02 03:04:05","waitingTime":"65"}]}'
    >>> write_export({"chats": chats}, container="xlsx", password="pw")[:4]
    b'\xd0\xcf\x11\xe0'
    """
    _check_option("generation", generation, schema.GENERATIONS)
    _check_option("container", container, get_args(Container))
    _check_option("json_shape", json_shape, get_args(JsonShape))
    if password is not None and container == "json":
        msg = "password given with container='json'; a bare JSON file cannot be encrypted"
        raise InvalidValueError(msg, hint='use container="zip" for a password-protected JSON.')
    if password == "":
        msg = "empty password"
        raise InvalidValueError(msg, hint="pass a non-empty password, or password=None.")
    selected = _sheets_to_write(frames, generation)

    def sheet_name(key: str) -> str:
        return schema.SHEETS[key].sheet_names[generation][0]

    if container == "xlsx" or json_shape == "sheets":
        texts = {
            sheet_name(k): text_frame(f, k, generation=generation, timezone=timezone)
            for k, f in selected.items()
        }
        if container == "xlsx":
            data = write_xlsx(texts)
            return data if password is None else encrypt_xlsx(data, password)
        payload = json_bytes(texts, empty="")
    else:
        payload = json_bytes(
            {
                schema.SHEETS[k].api_key: api_frame(f, k, generation=generation, timezone=timezone)
                for k, f in selected.items()
            }
        )
    if container == "json":
        return payload
    return zip_bytes(payload, password=password, zipcrypto=zipcrypto)
