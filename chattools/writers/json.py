"""Frames → the JSON export (sheet-keyed or Open-API shape) and its ZIP container.

The ZIP holds one member, ``export.json``: AES-256 encrypted (WinZip AE-2, pyzipper)
when a password is given, or legacy ZipCrypto with ``zipcrypto=True`` (written here,
as pyzipper only reads it; meant for test fixtures: it is slow on big data and weak).

Examples
--------
>>> import polars as pl
>>> from chattools.writers.json import json_bytes
>>> json_bytes({"Bot data": pl.DataFrame({"id": ["1"], "name": [None]})}, empty="")
b'{"Bot data":[{"id":"1","name":""}]}'
"""

from __future__ import annotations

import io
import json
import os
import struct
import time
import zlib
from collections.abc import Mapping

import polars as pl

__all__ = ["ZIP_MEMBER", "json_bytes", "zip_bytes"]

#: The name of the JSON member inside an export ZIP.
ZIP_MEMBER = "export.json"


def json_bytes(frames: Mapping[str, pl.DataFrame], *, empty: str | None = None) -> bytes:
    """One UTF-8 JSON object: key → array of row objects.

    ``empty``: what nulls become (``""`` for the sheet-keyed shape, ``None`` → JSON null).
    """
    parts = []
    for key, frame in frames.items():
        if empty is not None:
            frame = frame.with_columns(pl.all().fill_null(empty))
        rows = frame.write_json() if frame.width else "[]"
        parts.append(json.dumps(key, ensure_ascii=False) + ":" + rows)
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def zip_bytes(payload: bytes, *, password: str | None = None, zipcrypto: bool = False) -> bytes:
    """A ZIP archive holding ``payload`` as :data:`ZIP_MEMBER`."""
    if password is not None and zipcrypto:
        return _zipcrypto_zip(payload, password.encode("utf-8"))
    import pyzipper

    out = io.BytesIO()
    if password is None:
        with pyzipper.ZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED) as zf:
            zf.writestr(ZIP_MEMBER, payload)
    else:
        with pyzipper.AESZipFile(
            out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as zf:
            zf.setpassword(password.encode("utf-8"))
            zf.writestr(ZIP_MEMBER, payload)
    return out.getvalue()


# -- ZipCrypto (traditional PKWARE encryption) ------------------------------------------
def _crc_table_entry(n: int) -> int:
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
    return c


_CRC_TABLE = [_crc_table_entry(n) for n in range(256)]


class _ZipCryptoKeys:
    def __init__(self, password: bytes) -> None:
        self.k0, self.k1, self.k2 = 305419896, 591751049, 878082192
        for byte in password:
            self._update(byte)

    def _update(self, byte: int) -> None:
        self.k0 = (self.k0 >> 8) ^ _CRC_TABLE[(self.k0 ^ byte) & 0xFF]
        self.k1 = ((self.k1 + (self.k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        self.k2 = (self.k2 >> 8) ^ _CRC_TABLE[(self.k2 ^ (self.k1 >> 24)) & 0xFF]

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray(len(data))
        for i, byte in enumerate(data):
            k = self.k2 | 2
            out[i] = byte ^ (((k * (k ^ 1)) >> 8) & 0xFF)
            self._update(byte)
        return bytes(out)


def _zipcrypto_zip(payload: bytes, password: bytes) -> bytes:
    crc = zlib.crc32(payload) & 0xFFFFFFFF
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    compressed = compressor.compress(payload) + compressor.flush()
    keys = _ZipCryptoKeys(password)
    header = os.urandom(11) + bytes([crc >> 24])
    body = keys.encrypt(header + compressed)
    t = time.localtime()
    dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dos_date = ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    name = ZIP_MEMBER.encode()
    common = struct.pack(
        "<HHHHHIIIHH", 20, 0x0001, 8, dos_time, dos_date, crc, len(body), len(payload),
        len(name), 0,
    )  # fmt: skip
    local = b"PK\x03\x04" + common + name
    central = b"PK\x01\x02" + struct.pack("<H", 20) + common + struct.pack("<HHHII", 0, 0, 0, 0, 0)
    central += name
    end = b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(body), 0
    )
    return local + body + central + end
