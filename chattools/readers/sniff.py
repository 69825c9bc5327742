"""Tell what container a file is from its first bytes (never from its name).

==========================  =====================================================
``"encrypted-xlsx"``        OLE2/CFB holding ``EncryptionInfo`` + ``EncryptedPackage``
``"xlsx"``                  ``PK\\x03\\x04`` with ``[Content_Types].xml``
``"zip"``                   any other ZIP (the JSON export, possibly encrypted)
``"json"``                  ``{`` or ``[`` after an optional BOM and whitespace
==========================  =====================================================

Anything else raises :class:`~chattools.errors.UnsupportedFormatError` saying what the
bytes look like (CSV, PDF, HTML, legacy ``.xls``, empty …).

Examples
--------
>>> from chattools.readers.sniff import sniff
>>> sniff(b'\\xef\\xbb\\xbf  {"UserChat data": []}')
'json'
>>> sniff(b"id,name\\n1,a\\n", name="chats.csv")
Traceback (most recent call last):
...
chattools.errors.UnsupportedFormatError: 'chats.csv' looks like CSV or plain text, not a Channel Talk export
Hint: ...
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Literal

from chattools.errors import CorruptFileError, UnsupportedFormatError

__all__ = ["OLE2_MAGIC", "Container", "sniff", "strip_bom"]

Container = Literal["encrypted-xlsx", "xlsx", "zip", "json"]
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOM = b"\xef\xbb\xbf"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
#: Sector numbers from this one up are markers (free, end of chain, FAT, DIFAT).
_MAX_SECTOR = 0xFFFFFFFA


def strip_bom(data: bytes) -> bytes:
    """``data`` without a leading UTF-8 byte-order mark."""
    return data[len(_BOM) :] if data.startswith(_BOM) else data


def _describe(data: bytes) -> str:
    """What non-export bytes look like, for the error message."""
    head = data[:2048]
    if not data.strip():
        return "is empty" if not data else "holds only whitespace"
    if head.startswith(b"%PDF"):
        return "looks like a PDF document"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "looks like an image"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        return "looks like a gzip/7z/rar archive"
    text = strip_bom(head).lstrip()
    if text[:1] == b"<":
        return "looks like HTML or XML"
    try:
        strip_bom(head).decode("utf-8")
    except UnicodeDecodeError:
        return f"is binary data starting with {head[:8].hex(' ')!r}"
    return "looks like CSV or plain text"


def _is_encrypted_ole(data: bytes) -> bool:
    """Whether an OLE2 file has an ``EncryptionInfo`` stream (its directory names are UTF-16).

    A byte search instead of parsing the compound file: msoffcrypto parses it next
    anyway, and reports a damaged one.
    """
    return _ENCRYPTION_INFO in data and _ENCRYPTED_PACKAGE in data


def _ole_truncated(data: bytes) -> bool:
    """Whether an OLE2 header points past the end of ``data`` (a file cut short).

    Reads the header fields of [MS-CFB] 2.2: sector shift (9 or 12), the first
    directory sector and the FAT sector locations of the header DIFAT.
    """
    if len(data) < 512:
        return True
    (shift,) = struct.unpack_from("<H", data, 30)
    if shift not in (9, 12):
        return False  # not a plausible header: left to the "legacy .xls" message
    size = 1 << shift
    sectors = [struct.unpack_from("<I", data, 48)[0]]
    sectors += struct.unpack_from("<109I", data, 76)
    used = [n for n in sectors if n < _MAX_SECTOR]
    return any((n + 2) * size > len(data) for n in used)


def sniff(data: bytes, *, name: str = "<bytes>") -> Container:
    """The container of ``data``; raises ``UnsupportedFormatError`` for anything else."""
    if data.startswith(OLE2_MAGIC):
        if _is_encrypted_ole(data):
            return "encrypted-xlsx"
        if _ole_truncated(data):  # e.g. an encrypted export cut short: its directory is lost
            msg = f"{name!r} is a truncated Office (OLE2) file, e.g. an encrypted export cut short"
            raise CorruptFileError(msg)
        msg = f"{name!r} looks like a legacy Excel .xls (OLE2) file, not a Channel Talk export"
        raise UnsupportedFormatError(msg)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            msg = f"{name!r} looks like a ZIP/XLSX file but is truncated or damaged ({err})"
            raise CorruptFileError(msg) from None
        return "xlsx" if "[Content_Types].xml" in names else "zip"
    if strip_bom(data[:4096]).lstrip()[:1] in (b"{", b"["):
        return "json"
    msg = f"{name!r} {_describe(data)}, not a Channel Talk export"
    raise UnsupportedFormatError(msg)
