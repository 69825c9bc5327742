"""Open a container in memory: decrypt it and return the plain payload bytes.

* encrypted XLSX → msoffcrypto-tool (agile or standard ECMA-376 encryption), its slow
  steps redone faster for agile files by :mod:`~chattools.readers.agile`;
* ZIP → pyzipper (AES or ZipCrypto), the JSON member(s) read under the size limits;
* a plain XLSX or JSON needs no password (one given anyway is ignored).

The password is asked for (through ``get_password``) only when the file is
encrypted, and never appears in an error message. Library errors are wrapped:
wrong password → :class:`~chattools.errors.WrongPasswordError`, no password →
:class:`~chattools.errors.PasswordRequiredError`, damaged →
:class:`~chattools.errors.CorruptFileError`.

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

from chattools.errors import (
    CorruptFileError,
    InvalidValueError,
    PasswordRequiredError,
    SourceNotFoundError,
    UnsupportedFormatError,
    WrongPasswordError,
)
from chattools.readers import agile
from chattools.readers.safety import Limits, check_archive, read_member
from chattools.readers.sniff import sniff
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


def open_xlsx(data: bytes, *, name: str, get_password: PasswordSource) -> bytes:
    """The plain XLSX bytes inside an encrypted (OLE2) XLSX."""
    from msoffcrypto import exceptions
    from msoffcrypto.format.ooxml import OOXMLFile

    try:
        office = OOXMLFile(io.BytesIO(data))
    except Exception as err:  # olefile/msoffcrypto raise many types on damaged input
        msg = f"{name!r} is an encrypted Office file that cannot be parsed ({type(err).__name__})"
        raise CorruptFileError(msg) from None
    password = _need_password(name, get_password)
    out = io.BytesIO()
    try:
        # no verify_password: it derives the key a second time (~0.5 s); a wrong key
        # yields bytes that are not a ZIP, checked below
        key = agile.secret_key(office, password)
        if key is None:
            office.load_key(password=password)
        else:
            office.secret_key = key
        fast = agile.decrypt(office, data)
        if fast is None:
            office.decrypt(out)
        else:
            out.write(fast)
    except exceptions.InvalidKeyError:
        raise WrongPasswordError(f"wrong password for {name!r}") from None
    except Exception as err:
        msg = f"{name!r} could not be decrypted: it is damaged ({type(err).__name__})"
        raise CorruptFileError(msg) from None
    plain = out.getvalue()
    if not plain.startswith(b"PK\x03\x04"):
        raise WrongPasswordError(f"wrong password for {name!r}")
    return plain


def _json_members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    files = [i for i in archive.infolist() if not i.is_dir()]
    members = [i for i in files if i.filename.lower().endswith(".json")]
    if not members:
        found = [i.filename for i in files][:10]
        msg = f"the ZIP {name!r} holds no .json member (found {found!r})"
        raise UnsupportedFormatError(msg)
    return members


def open_zip(
    data: bytes, *, name: str, get_password: PasswordSource, limits: Limits
) -> list[bytes]:
    """The JSON payload(s) of an export ZIP, decrypted and size-checked."""
    import pyzipper

    try:
        archive = pyzipper.AESZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, pyzipper.BadZipFile, OSError, ValueError) as err:
        msg = f"{name!r} is a damaged ZIP file ({err})"
        raise CorruptFileError(msg) from None
    with archive:
        check_archive(archive, name=name, limits=limits)
        members = _json_members(archive, name)
        encrypted = any(m.flag_bits & 0x1 for m in members)
        if encrypted:
            archive.setpassword(_need_password(name, get_password).encode("utf-8"))
        payloads = []
        for member in members:
            try:
                payloads.append(read_member(archive, member, name=name, limits=limits))
            except RuntimeError as err:
                if "password" in str(err).lower():
                    raise WrongPasswordError(f"wrong password for {name!r}") from None
                raise CorruptFileError(f"{name!r} could not be read ({err})") from None
            except (
                zipfile.BadZipFile, pyzipper.BadZipFile, zlib.error, EOFError, NotImplementedError
            ) as err:  # fmt: skip
                if encrypted:  # ZipCrypto lets 1 in 256 wrong passwords past its check byte
                    msg = f"wrong password for {name!r} (or the file is damaged)"
                    raise WrongPasswordError(msg) from None
                raise CorruptFileError(f"{name!r} is damaged ({err})") from None
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
    (one member) or a plain ZIP of its JSON members. ``out`` is never the source.

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
        raise SourceNotFoundError(f"{str(src)!r} does not exist")
    if target.resolve() == src.resolve():
        msg = f"refusing to overwrite the encrypted original {str(src)!r}"
        raise InvalidValueError(msg, hint="choose another --out path.")
    data = src.read_bytes()
    container = sniff(data, name=src.name)
    if container not in ("encrypted-xlsx", "zip"):
        msg = f"{src.name!r} is not encrypted ({container}); there is nothing to decrypt"
        raise InvalidValueError(msg, hint="open it directly with ct.open_export.")

    def get_password() -> str | None:
        return resolve_password(password, name=src.name)

    if container == "encrypted-xlsx":
        payload = open_xlsx(data, name=src.name, get_password=get_password)
    else:
        members = open_zip(
            data, name=src.name, get_password=get_password, limits=limits or Limits()
        )
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
