"""Open a container in memory: decrypt it and return the plain payload bytes.

* encrypted XLSX → msoffcrypto-tool (agile or standard ECMA-376 encryption), its slow
  steps redone faster for agile files by :mod:`~chattools.readers.agile`;
* ZIP → pyzipper (AES or ZipCrypto), the JSON member(s) read under the size limits;
* a plain XLSX or JSON needs no password (one given anyway is ignored).

The password is asked for (through ``get_password``) only when the file is
encrypted, and never appears in an error message. Library errors are wrapped:
wrong password → :class:`~chattools.errors.WrongPasswordError` (whose hint says so
when the password given starts or ends with whitespace, e.g. a newline from a file),
no password → :class:`~chattools.errors.PasswordRequiredError`, damaged →
:class:`~chattools.errors.CorruptFileError`. An encrypted XLSX's password is checked
against the file's verifier before anything is decrypted, so a file that is damaged
(its HMAC or size field does not match) is never reported as a wrong password.

Examples
--------
>>> import polars as pl
>>> from chattools.writers import write_export
>>> from chattools.readers.decrypt import open_xlsx
>>> data = write_export({"bots": pl.DataFrame({"id": ["1"]})}, password="pw")
>>> open_xlsx(data, name="bots.xlsx", get_password=lambda: "nope")
Traceback (most recent call last):
...
chattools.errors.WrongPasswordError: wrong password for 'bots.xlsx'
Hint: ...
>>> open_xlsx(data, name="bots.xlsx", get_password=lambda: "pw")[:2]
b'PK'
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chattools.errors import (
    CorruptFileError,
    InvalidValueError,
    PasswordRequiredError,
    SourceNotFoundError,
    UnsafeFileError,
    UnsupportedFormatError,
    WrongPasswordError,
)
from chattools.readers import agile
from chattools.readers.safety import Limits, check_archive, json_too_big, read_member
from chattools.readers.sniff import HEAD_BYTES, sniff, sniff_head
from chattools.secrets import resolve_password

__all__ = ["PasswordSource", "decrypt_file", "open_xlsx", "open_zip"]

#: Called only when a password is needed; returns ``None`` when there is none.
PasswordSource = Callable[[], str | None]


def _need_password(name: str, get_password: PasswordSource) -> str:
    password = get_password()
    if not password:
        msg = f"{name!r} is password-protected and no password was given"
        raise PasswordRequiredError(msg)
    return password


def _wrong_password(name: str, password: str, *, or_damaged: bool = False) -> WrongPasswordError:
    """The error for a password that does not open ``name``; its hint says when the
    password has surrounding whitespace (it never shows the password).
    """
    msg = f"wrong password for {name!r}" + (" (or the file is damaged)" if or_damaged else "")
    if password == password.strip():
        return WrongPasswordError(msg)
    hint = (
        "the password given starts or ends with whitespace (a space, tab or newline, e.g. "
        "from a file or an environment variable); Channel Talk passwords are letters and "
        "digits only: remove it and try again."
    )
    return WrongPasswordError(msg, hint=hint)


def _damaged(name: str, why: str) -> CorruptFileError:
    msg = f"{name!r} is damaged: {why}"
    hint = "the password is right but the file was damaged or altered; download it again."
    return CorruptFileError(msg, hint=hint)


def open_xlsx(data: bytes, *, name: str, get_password: PasswordSource) -> bytes:
    """The plain XLSX bytes inside an encrypted (OLE2) XLSX.

    The password is checked first, against the file's verifier: a wrong one raises
    ``WrongPasswordError`` before anything is decrypted. With the right one, anything
    else that goes wrong (the package's HMAC does not match, its size field is off,
    it decrypts to something that is not a ZIP) raises ``CorruptFileError``. Agile
    files (every Channel Talk export) take the fast path of
    :mod:`~chattools.readers.agile` unless ``CHATTOOLS_FAST_DECRYPT=0``; others go
    through msoffcrypto (standard encryption has no HMAC to check).
    """
    from msoffcrypto import exceptions
    from msoffcrypto.format.ooxml import OOXMLFile

    try:
        office = OOXMLFile(io.BytesIO(data))
    except Exception as err:  # olefile/msoffcrypto raise many types on damaged input
        msg = f"{name!r} is an encrypted Office file that cannot be parsed ({type(err).__name__})"
        raise CorruptFileError(msg) from None
    password = _need_password(name, get_password)
    fast = agile.enabled()  # one choice for the whole file: key and package alike
    # 1. the password: our verifier check for agile files (same hash chain as the key);
    # msoffcrypto's for standard encryption. An agile file whose parameters the fast path
    # does not take is checked by decrypting (msoffcrypto's agile verifier rejects
    # right passwords of SHA-1 files).
    try:
        key = agile.password_key(office, password) if fast else None
        verified = key is not None or office.type == "standard"
        if key is None:
            office.load_key(password=password, verify_password=verified)
        elif key.verified:
            office.secret_key = key.secret
    except exceptions.InvalidKeyError:
        raise _wrong_password(name, password) from None
    except Exception as err:
        msg = f"{name!r} could not be decrypted: it is damaged ({type(err).__name__})"
        raise CorruptFileError(msg) from None
    if key is not None and not key.verified:
        raise _wrong_password(name, password)
    # 2. the package: HMAC and size checked on the fast path; else msoffcrypto decrypts
    try:
        plain = agile.decrypt(office, data) if fast else None
        if plain is None:
            out = io.BytesIO()
            office.decrypt(out)
            plain = out.getvalue()
            if office.type == "agile":
                agile.check_integrity(office, agile.package_stream(office.file, data))
    except agile.DamagedPackageError as err:
        raise _damaged(name, str(err)) from None
    except exceptions.InvalidKeyError:  # msoffcrypto: the result is not a ZIP
        if not verified:
            raise _wrong_password(name, password, or_damaged=True) from None
        raise _damaged(name, "it does not decrypt to an XLSX") from None
    except Exception as err:
        if not verified:
            raise _wrong_password(name, password, or_damaged=True) from None
        msg = f"{name!r} could not be decrypted: it is damaged ({type(err).__name__})"
        raise CorruptFileError(msg) from None
    if not plain.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(plain)):
        if not verified:
            raise _wrong_password(name, password, or_damaged=True)
        raise _damaged(name, f"it decrypts to {len(plain)} bytes that are not an XLSX")
    return plain


def _is_macos_metadata(filename: str) -> bool:
    """Whether a ZIP member is macOS metadata, never the export (a folder zipped in the
    Finder gains ``__MACOSX/`` with a ``._name`` resource fork for every file).
    """
    parts = filename.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] == ".DS_Store"


def _note(name: str, member: str, problem: str) -> dict[str, Any]:
    """A file-level ``Export.problems`` row about a ZIP member."""
    return {"file": name, "sheet": None, "row": None, "column": None, "value": member,
            "problem": problem}  # fmt: skip


def _json_members(
    archive: zipfile.ZipFile, name: str, problems: list[dict[str, Any]] | None
) -> list[zipfile.ZipInfo]:
    """The members that hold the export, in archive order; each other file is noted in
    ``problems`` (macOS metadata, empty members, non-JSON files). Two members whose
    names differ only by case are refused: extracted on Windows or macOS, one would
    overwrite the other, so what the user sees and what is read would differ.
    """
    notes: list[dict[str, Any]] = []
    members = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        if _is_macos_metadata(info.filename):
            notes.append(_note(name, info.filename, "ZIP member not read: macOS metadata"))
        elif not info.filename.lower().endswith(".json"):
            notes.append(_note(name, info.filename, "ZIP member not read: not a .json file"))
        elif info.file_size == 0:
            notes.append(_note(name, info.filename, "ZIP member not read: empty"))
        else:
            members.append(info)
    if not members:
        found = [i.filename for i in archive.infolist() if not i.is_dir()][:10]
        msg = f"the ZIP {name!r} holds no .json member (found {found!r})"
        raise UnsupportedFormatError(msg)
    seen: dict[str, str] = {}
    for info in members:
        other = seen.setdefault(info.filename.casefold(), info.filename)
        if other != info.filename:
            msg = (
                f"{name!r} holds the members {other!r} and {info.filename!r}, whose names "
                "differ only by case"
            )
            hint = (
                "a genuine export names each file once; if these are two exports, zip "
                "them separately (or unzip them into different folders) and open each."
            )
            raise UnsafeFileError(msg, hint=hint)
    if problems is not None:
        problems.extend(notes)
    return members


def open_zip(
    data: bytes,
    *,
    name: str,
    get_password: PasswordSource,
    limits: Limits,
    problems: list[dict[str, Any]] | None = None,
) -> list[bytes]:
    """The JSON payload(s) of an export ZIP, decrypted and size-checked, in archive order.

    macOS metadata, empty members (also ones holding only whitespace) and files that
    are not ``.json`` are skipped, each noted in ``problems`` (file-level rows of
    ``Export.problems``, when given). The JSON members together may declare and expand
    to at most ``limits.max_json_bytes``.
    """
    import pyzipper

    try:
        archive = pyzipper.AESZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, pyzipper.BadZipFile, OSError, ValueError) as err:
        msg = f"{name!r} is a damaged ZIP file ({err})"
        raise CorruptFileError(msg) from None
    notes: list[dict[str, Any]] = []
    with archive:
        check_archive(archive, name=name, limits=limits)
        members = _json_members(archive, name, notes)
        declared = sum(m.file_size for m in members)
        if declared > limits.max_json_bytes:
            raise json_too_big(name, limits, declared)
        encrypted = any(m.flag_bits & 0x1 for m in members)
        password = _need_password(name, get_password) if encrypted else ""
        if encrypted:
            archive.setpassword(password.encode("utf-8"))
        payloads = []
        left = limits.max_json_bytes
        for member in members:
            try:
                payload = read_member(archive, member, name=name, limits=limits, json_left=left)
            except RuntimeError as err:
                if "password" in str(err).lower():
                    raise _wrong_password(name, password) from None
                msg = f"{name!r} could not be read ({err})"
                raise CorruptFileError(msg) from None
            except (
                zipfile.BadZipFile, pyzipper.BadZipFile, zlib.error, EOFError, NotImplementedError
            ) as err:  # fmt: skip
                if encrypted:  # ZipCrypto lets 1 in 256 wrong passwords past its check byte
                    raise _wrong_password(name, password, or_damaged=True) from None
                msg = f"{name!r} is damaged ({err})"
                raise CorruptFileError(msg) from None
            left -= len(payload)
            if payload.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
                payloads.append(payload)
            else:
                notes.append(_note(name, member.filename, "ZIP member not read: empty"))
    if not payloads:
        msg = f"the ZIP {name!r} holds only empty .json members"
        raise UnsupportedFormatError(msg)
    if problems is not None:
        problems.extend(notes)
    return payloads


def decrypt_file(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    password: str | None = None,
    limits: Limits | None = None,
) -> Path:
    """Write a decrypted copy of one export to ``out`` (only when the user asks for one).

    An encrypted XLSX becomes a plain XLSX; a password-protected ZIP becomes its JSON
    (one member) or a plain ZIP of its JSON members (macOS metadata, empty and
    non-JSON members left out). ``out`` is never the source.

    >>> import tempfile, polars as pl
    >>> from pathlib import Path
    >>> from chattools.writers import write_export
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "enc.xlsx").write_bytes(write_export({"bots": pl.DataFrame({"id": ["1"]})}, password="pw"))
    >>> decrypt_file(folder / "enc.xlsx", folder / "plain.xlsx", password="pw").read_bytes()[:2]
    b'PK'
    """
    src, target = Path(source), Path(out)
    if not src.is_file():
        msg = f"{str(src)!r} does not exist"
        raise SourceNotFoundError(msg)
    if target.resolve() == src.resolve():
        msg = f"refusing to overwrite the encrypted original {str(src)!r}"
        raise InvalidValueError(msg, hint="choose another --out path.")
    limits = limits or Limits()
    with src.open("rb") as stream:  # the kind and size first: read whole only if it may be
        head = stream.read(HEAD_BYTES)
        size = os.fstat(stream.fileno()).st_size
        family = sniff_head(head, name=src.name, whole=size <= len(head))
        if family != "json" and size > limits.max_decompressed_bytes:
            msg = (
                f"{src.name!r} is {size} bytes, bigger than any export "
                f"(limit max_decompressed_bytes={int(limits.max_decompressed_bytes)})"
            )
            raise UnsafeFileError(msg)
        if family == "json":
            data = head  # enough to say it is not encrypted
        else:
            stream.seek(0)
            data = stream.read()
    container = sniff(data, name=src.name)
    if container not in ("encrypted-xlsx", "zip"):
        msg = f"{src.name!r} is not encrypted ({container}); there is nothing to decrypt"
        raise InvalidValueError(msg, hint="open it directly with ct.open_export.")

    def get_password() -> str | None:
        return resolve_password(password, name=src.name)

    if container == "encrypted-xlsx":
        payload = open_xlsx(data, name=src.name, get_password=get_password)
    else:
        members = open_zip(data, name=src.name, get_password=get_password, limits=limits)
        if len(members) == 1:
            payload = members[0]
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as plain:
                for i, member in enumerate(members, 1):
                    plain.writestr(f"export-{i}.json", member)
            payload = buffer.getvalue()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(payload)
    return target
