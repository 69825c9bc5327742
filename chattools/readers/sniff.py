r"""Tell what container a file is from its first bytes (never from its name).

==========================  =====================================================
``"encrypted-xlsx"``        OLE2/CFB holding ``EncryptionInfo`` + ``EncryptedPackage``
``"xlsx"``                  ``PK\x03\x04`` with ``[Content_Types].xml``
``"zip"``                   any other ZIP (the JSON export, possibly encrypted)
``"json"``                  ``{`` or ``[`` after an optional BOM and whitespace, in UTF-8,
                            UTF-16 or UTF-32 (:func:`json_encoding`)
==========================  =====================================================

Anything else raises :class:`~chattools.errors.UnsupportedFormatError` saying what the
bytes look like (CSV, PDF, HTML, legacy ``.xls``, empty …). :func:`sniff_head` tells
the family (OLE2, ZIP, JSON) from the first :data:`HEAD_BYTES` alone, so that a file's
size can be checked against the limit for its kind before it is read whole.

Examples
--------
>>> from chattools.readers.sniff import json_encoding, sniff, sniff_head
>>> sniff(b'\xef\xbb\xbf  {"UserChat data": []}')
'json'
>>> sniff_head(b"PK\x03\x04 and the rest of the file is not needed")
'zip'
>>> json_encoding('{"UserChat data": []}'.encode("utf-16"))  # with a byte-order mark
'utf-16-le'
>>> sniff(b"id,name\n1,a\n", name="chats.csv")
Traceback (most recent call last):
...
chattools.errors.UnsupportedFormatError: 'chats.csv' looks like CSV or plain text, not a Channel Talk export
Hint: ...
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import Literal

from chattools.errors import CorruptFileError, UnsupportedFormatError

__all__ = [
    "HEAD_BYTES",
    "OLE2_MAGIC",
    "Container",
    "Family",
    "bom_length",
    "json_encoding",
    "sniff",
    "sniff_head",
    "strip_bom",
]

Container = Literal["encrypted-xlsx", "xlsx", "zip", "json"]
#: What the first bytes alone tell: an Office (OLE2) file, a ZIP (XLSX or not), or JSON.
Family = Literal["ole2", "zip", "json"]
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: How many leading bytes :func:`sniff_head` looks at.
HEAD_BYTES = 8192
_BOM = b"\xef\xbb\xbf"
#: Byte-order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one).
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (_BOM, "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
#: Characters text files do not hold (NUL and the other C0 controls but tab, LF, CR).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
#: Sector numbers from this one up are markers (free, end of chain, FAT, DIFAT).
_MAX_SECTOR = 0xFFFFFFFA


def strip_bom(data: bytes) -> bytes:
    """``data`` without a leading UTF-8 byte-order mark."""
    return data[len(_BOM) :] if data.startswith(_BOM) else data


def _bom(data: bytes) -> tuple[bytes, str] | None:
    return next(((mark, codec) for mark, codec in _BOMS if data.startswith(mark)), None)


def _text_encoding(head: bytes) -> tuple[int, str]:
    """(byte-order mark length, codec) of text starting with ``head``.

    A mark decides; without one, the zero bytes among the first four do, as for JSON
    in RFC 4627 §3 (its first two characters are ASCII: zero-padded in UTF-16/32);
    else UTF-8.
    """
    found = _bom(head)
    if found is not None:
        return len(found[0]), found[1]
    first = head[:4]
    if len(first) == 4 and first[0] and not any(first[1:]):
        return 0, "utf-32-le"
    if len(first) == 4 and first[3] and not any(first[:3]):
        return 0, "utf-32-be"
    if len(first) >= 2 and first[0] and not first[1]:
        return 0, "utf-16-le"
    if len(first) >= 2 and first[1] and not first[0]:
        return 0, "utf-16-be"
    return 0, "utf-8"


def _decode_head(head: bytes) -> str | None:
    """The text of ``head`` in its :func:`_text_encoding` (a character cut at the end
    dropped), or ``None`` if it is not text in that encoding.
    """
    skip, codec = _text_encoding(head)
    body = head[skip:]
    try:
        return body.decode(codec)
    except UnicodeDecodeError as err:
        if err.start < len(body) - 4:  # not just the last character cut short
            return None
        return body[: err.start].decode(codec, errors="replace")


def json_encoding(data: bytes) -> str | None:
    """The codec of ``data`` if its text starts like JSON (``{`` or ``[`` after optional
    whitespace), else ``None``: UTF-8, or UTF-16/32 with or without a byte-order mark.

    Only the first :data:`HEAD_BYTES` are looked at. The codec names no byte order:
    decode ``data[bom_length(data):]`` with it.
    """
    text = _decode_head(data[:HEAD_BYTES])
    if text is None:
        return None
    return _text_encoding(data[:4])[1] if text.lstrip(" \t\r\n")[:1] in ("{", "[") else None


def bom_length(data: bytes) -> int:
    """The length of ``data``'s byte-order mark (UTF-8, UTF-16 or UTF-32), 0 if none."""
    found = _bom(data)
    return len(found[0]) if found else 0


def _describe(head: bytes, *, whole: bool) -> str:
    """What non-export bytes look like, for the error message (``whole``: ``head`` is
    the entire file).
    """
    head = head[:HEAD_BYTES]
    if not head.strip():
        if not head:
            return "is empty"
        return "holds only whitespace" if whole else f"starts with {len(head)} bytes of whitespace"
    if head.startswith(b"%PDF"):
        return "looks like a PDF document"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "looks like an image"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        return "looks like a gzip/7z/rar archive"
    text = _decode_head(head[:2048])
    if text is None or _CONTROL.search(text):
        return f"is binary data starting with {head[:8].hex(' ')!r}"
    if text.lstrip()[:1] == "<":
        return "looks like HTML or XML"
    codec = _text_encoding(head)[1]
    return "looks like CSV or plain text" + ("" if codec == "utf-8" else f" ({codec.upper()})")


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


def sniff_head(head: bytes, *, name: str = "<bytes>", whole: bool = False) -> Family:
    """The family of a file from its first bytes (at least :data:`HEAD_BYTES` of them, or
    all of a shorter file: ``whole=True``); raises ``UnsupportedFormatError`` for
    anything that is not an Office file, a ZIP or JSON.
    """
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if json_encoding(head) is not None:
        return "json"
    msg = f"{name!r} {_describe(head, whole=whole)}, not a Channel Talk export"
    raise UnsupportedFormatError(msg)


def sniff(data: bytes, *, name: str = "<bytes>") -> Container:
    """The container of ``data``; raises ``UnsupportedFormatError`` for anything else."""
    family = sniff_head(data[:HEAD_BYTES], name=name, whole=len(data) <= HEAD_BYTES)
    if family == "ole2":
        if _is_encrypted_ole(data):
            return "encrypted-xlsx"
        if _ole_truncated(data):  # e.g. an encrypted export cut short: its directory is lost
            msg = f"{name!r} is a truncated Office (OLE2) file, e.g. an encrypted export cut short"
            raise CorruptFileError(msg)
        msg = f"{name!r} looks like a legacy Excel .xls (OLE2) file, not a Channel Talk export"
        raise UnsupportedFormatError(msg)
    if family == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            msg = f"{name!r} looks like a ZIP/XLSX file but is truncated or damaged ({err})"
            raise CorruptFileError(msg) from None
        return "xlsx" if "[Content_Types].xml" in names else "zip"
    return "json"
