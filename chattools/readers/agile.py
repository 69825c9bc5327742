"""ECMA-376 agile encryption (every encrypted Channel Talk XLSX), faster than msoffcrypto.

msoffcrypto-tool parses the file and stays the reference: this module redoes its
slow steps with the same results (the tests compare them on files encrypted at test
time) and returns ``None`` for anything it does not handle, so that the caller falls
back to msoffcrypto:

* :func:`password_key` — 100,000 chained hashes, each from a copy of one empty hash
  object (~20% faster than creating each one by name), and from the same chain both
  the secret key and the password verifier (msoffcrypto derives the chain twice to
  check the password);
* :func:`package_stream` — the encrypted package sliced from the file in runs of
  contiguous sectors, instead of read sector by sector;
* :func:`decrypt` — the package's HMAC (``dataIntegrity``) checked, then one AES-CBC
  pass over the whole package, then the first block of each 4096-byte segment fixed
  for that segment's own IV.

The fast path is on unless the environment sets ``CHATTOOLS_FAST_DECRYPT=0``
(:func:`enabled`); then msoffcrypto's public API decrypts and this module only checks
the package's HMAC. ``benchmarks/decrypt.py`` measures what the fast path buys.

Unlike msoffcrypto 6.1, keys and verifier hashes shorter than a block are used at the
length MS-OFFCRYPTO gives them (a SHA-1 file's 20-byte HMAC key, not the 32 decrypted
bytes; a key longer than the hash padded with 0x36), so SHA-1 files written by Apache
POI verify.

Examples
--------
>>> import io
>>> import polars as pl
>>> from msoffcrypto.format.ooxml import OOXMLFile
>>> from chattools.writers.xlsx import encrypt_xlsx, write_xlsx
>>> plain = write_xlsx({"Bot data": pl.DataFrame({"id": ["1"]})})
>>> office = OOXMLFile(io.BytesIO(data := encrypt_xlsx(plain, "pw")))
>>> password_key(office, "nope").verified
False
>>> key = password_key(office, "pw")
>>> key.verified
True
>>> office.secret_key = key.secret
>>> decrypt(office, data) == plain
True
>>> at = data.find(package_stream(office.file, data)[200:232])  # inside the package
>>> tampered = data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]  # one bit flipped
>>> altered = OOXMLFile(io.BytesIO(tampered))
>>> altered.secret_key = key.secret
>>> decrypt(altered, tampered)
Traceback (most recent call last):
...
chattools.readers.agile.DamagedPackageError: its content does not match its integrity check (dataIntegrity HMAC)
>>> chain_runs([2, 9, 3, 0xFFFFFFFE], start=0)  # sector 0, then 2, 3, end of chain
[(0, 1), (2, 2)]
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "DamagedPackageError",
    "Key",
    "chain_runs",
    "check_integrity",
    "decrypt",
    "package_stream",
    "password_key",
    "secret_key",
]

_SEGMENT = 4096
_BLOCK = 16
#: MS-OFFCRYPTO 2.3.4.13: the block keys that derive, from the password's hash chain,
#: the keys of ``encryptedKeyValue``, ``encryptedVerifierHashInput`` and
#: ``encryptedVerifierHashValue``.
_KEY_BLOCK = bytes((0x14, 0x6E, 0x0B, 0xE7, 0xAB, 0xAC, 0xD0, 0xD6))
_VERIFIER_INPUT_BLOCK = bytes((0xFE, 0xA7, 0xD2, 0x76, 0x3B, 0x4B, 0x9E, 0x79))
_VERIFIER_HASH_BLOCK = bytes((0xD7, 0xAA, 0x0F, 0x6D, 0x30, 0x61, 0x34, 0x4E))
#: MS-OFFCRYPTO 2.3.4.14: the block keys of the IVs of the HMAC key and value.
_HMAC_KEY_BLOCK = bytes((0x5F, 0xB2, 0xAD, 0x01, 0x0C, 0xB9, 0xE1, 0xF6))
_HMAC_VALUE_BLOCK = bytes((0xA0, 0x67, 0x7F, 0x02, 0xB2, 0x2C, 0x84, 0x33))
#: Hash names as the encryption info writes them (msoffcrypto's table).
_HASHES = {"SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512"}
#: MS-OFFCRYPTO: spinCount MUST NOT be greater than 10,000,000.
_MAX_SPIN = 10_000_000
_INDEX = struct.Struct("<I").pack


class Key(NamedTuple):
    """The key of an agile file, derived from a password."""

    #: The intermediate (package) key: msoffcrypto's ``secret_key``.
    secret: bytes
    #: Whether the password's verifier matched: ``False`` means a wrong password.
    verified: bool


class DamagedPackageError(ValueError):
    """The encrypted package is not what its key, HMAC or size field says (the key
    being right): the file was damaged or altered.
    """


def _aes_cbc_decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def enabled() -> bool:
    """Whether the fast path is used: unless ``CHATTOOLS_FAST_DECRYPT`` is ``0``.

    >>> enabled() == (os.environ.get("CHATTOOLS_FAST_DECRYPT", "1") != "0")
    True
    """
    return os.environ.get("CHATTOOLS_FAST_DECRYPT", "1").strip() != "0"


def password_key(office: Any, password: str) -> Key | None:
    """The secret key of an agile ``OOXMLFile`` for ``password``, and whether the
    password is right (its verifier, MS-OFFCRYPTO 2.3.4.13, from the same hash chain).

    ``None`` if the file is not agile or uses parameters this does not handle.
    """
    info = getattr(office, "info", None)
    if getattr(office, "type", None) != "agile" or not info:
        return None
    algorithm = _HASHES.get(info.get("passwordHashAlgorithm"))
    spins = info.get("spinValue")
    salt = info.get("passwordSalt")
    bits = info.get("passwordKeyBits")
    if (
        algorithm is None
        or not isinstance(spins, int)
        or not 0 <= spins <= _MAX_SPIN
        or not isinstance(salt, bytes)
        or len(salt) != _BLOCK
        or bits not in (128, 192, 256)
    ):
        return None
    new = getattr(hashlib, algorithm)
    digest = new(salt + password.encode("utf-16-le")).digest()
    empty = new()
    for index in map(_INDEX, range(spins)):
        step = empty.copy()
        step.update(index + digest)
        digest = step.digest()

    def derive(block: bytes) -> bytes:  # padded with 0x36 when the hash is shorter
        return (new(digest + block).digest() + b"\x36" * (bits // 8))[: bits // 8]

    try:
        secret, given, expected = (
            _aes_cbc_decrypt(info[field], derive(block), salt)
            for field, block in (
                ("encryptedKeyValue", _KEY_BLOCK),
                ("encryptedVerifierHashInput", _VERIFIER_INPUT_BLOCK),
                ("encryptedVerifierHashValue", _VERIFIER_HASH_BLOCK),
            )
        )
    except (KeyError, TypeError, ValueError):  # missing fields, not whole blocks
        return None
    actual = new(given[: len(salt)]).digest()
    return Key(secret, hmac.compare_digest(actual, expected[: len(actual)]))


def secret_key(office: Any, password: str) -> bytes | None:
    """The key msoffcrypto's ``ECMA376Agile.makekey_from_password`` makes for an agile
    ``OOXMLFile`` (the :attr:`Key.secret` of :func:`password_key`, right password or not).

    ``None`` if the file is not agile or uses parameters this does not handle.
    """
    key = password_key(office, password)
    return None if key is None else key.secret


def _hash_name(info: dict[str, Any]) -> str | None:
    algorithm = str(info.get("keyDataHashAlgorithm", "")).lower().replace("-", "")
    return algorithm if algorithm in hashlib.algorithms_guaranteed else None


def check_integrity(office: Any, package: bytes) -> None:
    """Raise :class:`DamagedPackageError` unless the HMAC of the whole ``EncryptedPackage``
    stream ``package`` (size field included) is the file's ``dataIntegrity`` value,
    MS-OFFCRYPTO 2.3.4.14; ``office`` is an agile ``OOXMLFile`` with its key loaded.

    With a wrong key it fails too: check the password first.
    """
    info, key = office.info, office.secret_key
    algorithm = _hash_name(info)
    if algorithm is None:
        msg = f"its integrity hash {info.get('keyDataHashAlgorithm')!r} is unknown"
        raise DamagedPackageError(msg)
    size = hashlib.new(algorithm).digest_size
    ivs = [
        hashlib.new(algorithm, info["keyDataSalt"] + block).digest()[:_BLOCK]
        for block in (_HMAC_KEY_BLOCK, _HMAC_VALUE_BLOCK)
    ]
    try:
        mac_key = _aes_cbc_decrypt(info["encryptedHmacKey"], key, ivs[0])[:size]
        expected = _aes_cbc_decrypt(info["encryptedHmacValue"], key, ivs[1])[:size]
    except (KeyError, TypeError, ValueError):
        msg = "its integrity data (dataIntegrity) is missing"
        raise DamagedPackageError(msg) from None
    if len(expected) < size or not hmac.compare_digest(
        hmac.digest(mac_key, package, algorithm), expected
    ):
        msg = "its content does not match its integrity check (dataIntegrity HMAC)"
        raise DamagedPackageError(msg)


def chain_runs(fat: Sequence[int], start: int) -> list[tuple[int, int]]:
    """The sector chain from ``start`` in the allocation table ``fat``, as runs of
    contiguous sectors (first sector, number of sectors); it stops at the end of the
    chain, at a sector outside the table or after as many sectors as the table has.
    """
    table = np.asarray(fat, dtype=np.int64)
    # where a run ends: the next sector in the chain is not the one that follows (and
    # at the table's last sector)
    ends = np.flatnonzero(np.append(table[:-1] != np.arange(1, len(table)), True))
    runs: list[tuple[int, int]] = []
    sector, left = start, len(table)
    while 0 <= sector < len(table) and left > 0:
        end = int(ends[np.searchsorted(ends, sector)])
        length = min(end - sector + 1, left)
        runs.append((sector, length))
        left -= length
        sector = int(table[end])
    return runs


def package_stream(ole: Any, raw: bytes) -> bytes:
    """The ``EncryptedPackage`` stream of the olefile ``ole`` parsed from ``raw``.

    olefile reads a stream sector by sector (26,000 reads for a 13 MB export); here it
    is sliced from ``raw`` along :func:`chain_runs` of olefile's parsed FAT. Anything
    unusual (a mini-stream, a short chain) is left to olefile.
    """
    entry = next(
        (e for e in ole.direntries if e is not None and e.name == "EncryptedPackage"), None
    )
    if entry is None or entry.size < ole.minisectorcutoff:
        with ole.openstream("EncryptedPackage") as stream:
            return bytes(stream.read())
    size = ole.sectorsize
    view = memoryview(raw)
    runs = chain_runs(ole.fat, entry.isectStart)
    stream = b"".join(view[(first + 1) * size : (first + 1 + n) * size] for first, n in runs)
    if len(stream) < entry.size:
        with ole.openstream("EncryptedPackage") as olestream:
            return bytes(olestream.read())
    return stream[: entry.size]


def decrypt(office: Any, raw: bytes) -> bytes | None:
    """The decrypted package of the agile ``OOXMLFile`` ``office`` (key already loaded)
    parsed from ``raw``; ``None`` if it is not agile AES with a key loaded.

    The package's HMAC is checked first (:func:`check_integrity`); then one CBC pass
    over the whole stream is right everywhere except each segment's first block,
    where the previous ciphertext block stood in for the segment's IV
    (hash(keyDataSalt + segment index)); those blocks are fixed with
    ``plain = out XOR previous block XOR iv``. Raises :class:`DamagedPackageError` if
    the HMAC does not match or the size field asks for more bytes than the package
    holds.
    """
    info = getattr(office, "info", None)
    key = getattr(office, "secret_key", None)
    if getattr(office, "type", None) != "agile" or not info or not key:
        return None
    if info.get("keyDataBlockSize") != _BLOCK or len(key) not in (16, 24, 32):
        return None
    algorithm = _hash_name(info)
    if algorithm is None:
        return None
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    def iv(index: int) -> bytes:
        return hashlib.new(algorithm, info["keyDataSalt"] + _INDEX(index)).digest()[:_BLOCK]

    package = package_stream(office.file, raw)
    check_integrity(office, package)
    if len(package) < 8:
        msg = f"its encrypted package is {len(package)} bytes long"
        raise DamagedPackageError(msg)
    (total,) = struct.unpack("<Q", package[:8])
    size = (len(package) - 8) // _BLOCK * _BLOCK
    if total > size:
        msg = f"its encrypted package says it holds {total} bytes but has room for {size}"
        raise DamagedPackageError(msg)
    cipher = memoryview(package)[8 : 8 + size]
    plain = bytearray(size + _BLOCK)  # update_into wants one block of headroom
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv(0))).decryptor()
    decryptor.update_into(cipher, plain)
    for index, start in enumerate(range(_SEGMENT, size, _SEGMENT), start=1):
        block = slice(start, start + _BLOCK)
        fixed = (
            int.from_bytes(plain[block], "little")
            ^ int.from_bytes(cipher[start - _BLOCK : start], "little")
            ^ int.from_bytes(iv(index), "little")
        )
        plain[block] = fixed.to_bytes(_BLOCK, "little")
    cipher.release()
    del package
    return bytes(memoryview(plain)[:total])
