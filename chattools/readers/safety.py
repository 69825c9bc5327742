"""Refuse dangerous files before any parser sees them.

:class:`Limits` bounds what a ZIP container (an XLSX is one) may expand to, and
:func:`check_archive` refuses zip bombs, member names that escape the archive and
XML parts that declare a DTD or entities (billion-laughs and external-entity
attacks) — all before the bytes reach fastexcel or the JSON parser.

Examples
--------
>>> import io, zipfile
>>> from chattools.readers.safety import Limits, check_archive
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as zf:
...     zf.writestr("../evil.json", "{}")
>>> check_archive(zipfile.ZipFile(buf), name="x.zip", limits=Limits())
Traceback (most recent call last):
...
chattools.errors.UnsafeFileError: member '../evil.json' of 'x.zip' escapes the archive
Hint: ...
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from chattools.errors import InvalidValueError, UnsafeFileError

__all__ = ["Limits", "check_archive", "check_xml_parts", "json_too_big", "read_member"]

_GIB = 1024**3
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: How much of each XML part is scanned for a DTD (it can only sit in the prolog).
_PROLOG_BYTES = 64 * 1024


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Safety limits for reading one export file.

    Parameters
    ----------
    max_decompressed_bytes
        Most bytes all members of a ZIP/XLSX may expand to together (default 4 GiB;
        a 10,000-chat export with messages is well under 200 MiB).
    max_ratio
        Highest expansion ratio (uncompressed / compressed size) of a member larger
        than ``ratio_floor_bytes`` (default 200; XML deflates ~10–30x, zip bombs
        ~1000x).
    ratio_floor_bytes
        Members expanding to fewer bytes than this are not ratio-checked.
    max_members
        Most members an archive may have.
    max_cells
        Most cells (last row × last column) a worksheet may span: the XLSX reader
        allocates that rectangle before it returns anything, ~50 bytes a cell at peak
        (measured: 21 million empty cells, +1.05 GB), so one cell at ``XFD1048576`` in
        a 1 KB file would ask for ~500 GB. Default 60 million (~3 GB): the largest
        sheet Channel Talk documents, the by-case export of up to 1,000,000 cases ×
        ~48 columns, plus a few profile fields; a 10,000-chat export with messages
        spans ~1.3 million (250,000 messages × 5), 100,000 chats without ~10 million.
        A sheet beyond Excel's grid (1,048,576 rows × 16,384 columns) is always refused.
    max_json_bytes
        Most bytes of JSON one export may hold (a bare ``.json`` file, or all the JSON
        members of a ZIP together), checked before anything is read or inflated:
        parsing costs ~9x the JSON's size in memory at peak (measured: 640 MB for a
        70 MB export), so this bounds memory. Default 1 GiB (~9 GB at peak), about twice
        the largest export Channel Talk can produce: a 10,000-chat export with messages
        is ~70 MB as the sample writes it (1.2 KB per chat at 43 columns, 220 bytes per
        message) and a 100,000-chat one without messages ~170 MB; at the ~100 columns
        and profile fields of a documented 2026 chat row, ~3 KB a chat, that is ~120 MB
        and ~400 MB, ~500 MB pretty-printed.

    Examples
    --------
    >>> Limits(max_ratio=500).max_ratio
    500.0
    """

    max_decompressed_bytes: int = 4 * _GIB
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1024 * 1024
    max_members: int = 10_000
    max_cells: int = 60_000_000
    max_json_bytes: int = _GIB

    def __post_init__(self) -> None:
        fields = ("max_decompressed_bytes", "max_ratio", "ratio_floor_bytes", "max_members")
        for name in (*fields, "max_cells", "max_json_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                msg = f"invalid {name}={value!r}; expected a positive number"
                raise InvalidValueError(msg, hint="see chattools.readers.Limits for defaults.")
        object.__setattr__(self, "max_ratio", float(self.max_ratio))


def _escapes(member: str) -> bool:
    path = member.replace("\\", "/")
    return (
        path.startswith("/") or re.match(r"^[A-Za-z]:", path) is not None or ".." in path.split("/")
    )


def check_archive(archive: zipfile.ZipFile, *, name: str, limits: Limits) -> None:
    """Raise :class:`UnsafeFileError` if ``archive`` is a bomb, escapes, or holds a DTD.

    Sizes are the ones the archive declares; :func:`read_member` enforces them on the
    bytes actually read. XML parts (``*.xml``, ``*.rels``) have their prolog scanned.
    """
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        msg = f"{name!r} has {len(infos)} members (limit max_members={limits.max_members})"
        raise UnsafeFileError(msg)
    total = 0
    names: set[str] = set()
    for info in infos:
        if info.filename in names:  # which copy a reader takes differs between tools
            msg = f"{name!r} holds member {info.filename!r} twice"
            raise UnsafeFileError(msg)
        names.add(info.filename)
        if _escapes(info.filename):
            msg = f"member {info.filename!r} of {name!r} escapes the archive"
            raise UnsafeFileError(msg)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            msg = (
                f"member {info.filename!r} of {name!r} expands {ratio:.0f}x "
                f"(limit max_ratio={limits.max_ratio:g}): a zip bomb?"
            )
            raise UnsafeFileError(msg)
    if total > limits.max_decompressed_bytes:
        msg = (
            f"{name!r} expands to {total} bytes "
            f"(limit max_decompressed_bytes={limits.max_decompressed_bytes})"
        )
        raise UnsafeFileError(msg)


def check_xml_parts(archive: zipfile.ZipFile, *, name: str) -> dict[str, bytes]:
    """Raise :class:`UnsafeFileError` if an XML part of ``archive`` declares a DTD/entity.

    Returns the scanned head of each XML part (member name → first bytes).
    """
    heads = {}
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as stream:
            head = stream.read(_PROLOG_BYTES)
        if _DTD.search(head):
            msg = f"XML part {info.filename!r} of {name!r} declares a DTD or entities"
            raise UnsafeFileError(msg)
        root = re.search(rb"<[A-Za-z_]", head)
        if root is None and len(head) == _PROLOG_BYTES:
            msg = f"XML part {info.filename!r} of {name!r} has an oversized prolog"
            raise UnsafeFileError(msg)
        heads[info.filename] = head
    return heads


def read_member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    *,
    name: str,
    limits: Limits,
    json_left: int | None = None,
) -> bytes:
    """The bytes of ``member``, refusing to expand beyond the limits (declared or not).

    At most ``max_decompressed_bytes``, and ``max_ratio`` times the member's compressed
    size (or ``ratio_floor_bytes``); for a JSON member also at most ``json_left``, what
    is left of ``max_json_bytes`` for this export. Inflating stops just past the cap,
    whatever size the member declares.

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as zf:
    ...     zf.writestr("export.json", "{}" + " " * 100)
    >>> archive = zipfile.ZipFile(buf)
    >>> read_member(archive, archive.infolist()[0], name="x.zip", limits=Limits())[:2]
    b'{}'
    >>> read_member(archive, archive.infolist()[0], name="x.zip", limits=Limits(), json_left=50)
    Traceback (most recent call last):
    ...
    chattools.errors.UnsafeFileError: the JSON of 'x.zip' expands beyond 1073741824 bytes (limit max_json_bytes=1073741824)
    Hint: ...
    """
    by_ratio = int(max(member.compress_size, 1) * limits.max_ratio)
    # int(): a limit may be given as a float (--limit max_json_bytes=2e9)
    cap = int(min(limits.max_decompressed_bytes, max(by_ratio, limits.ratio_floor_bytes)))
    if json_left is not None and json_left < cap:
        with archive.open(member) as stream:
            data = stream.read(max(int(json_left), 0) + 1)
        if len(data) > json_left:
            raise json_too_big(name, limits)
        return data
    with archive.open(member) as stream:
        data = stream.read(cap + 1)
    if len(data) > cap:
        msg = f"member {member.filename!r} of {name!r} expands beyond {cap} bytes: a zip bomb?"
        raise UnsafeFileError(msg)
    return data


def json_too_big(name: str, limits: Limits, size: int | None = None) -> UnsafeFileError:
    """The error for an export holding more JSON than ``max_json_bytes`` (``size``: how
    much it declares, when known).
    """
    limit = int(limits.max_json_bytes)
    if size is None:
        msg = f"the JSON of {name!r} expands beyond {limit} bytes (limit max_json_bytes={limit})"
    else:
        msg = f"{name!r} holds {size} bytes of JSON (limit max_json_bytes={limit})"
    return UnsafeFileError(msg)
