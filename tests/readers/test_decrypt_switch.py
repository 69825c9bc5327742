"""``CHATTOOLS_FAST_DECRYPT=0`` switches the fast agile path off: msoffcrypto's public API
decrypts, with the same frames and the same errors; by default the fast path runs."""

from __future__ import annotations

import io
from typing import Any

import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import errors, sample
from chattools.readers import agile

PW = "Switch-4321"


@pytest.fixture(scope="module")
def encrypted() -> bytes:
    return sample.write_sample(None, chats=15, seed=4, password=PW)  # type: ignore[return-value]


def _count_msoffcrypto(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = OOXMLFile.decrypt

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(OOXMLFile, "decrypt", counted)
    return calls


def test_switched_off_msoffcrypto_decrypts_to_the_same_frames(
    encrypted: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = ct.open_export(encrypted, password=PW)
    calls = _count_msoffcrypto(monkeypatch)
    assert calls == []
    monkeypatch.setenv("CHATTOOLS_FAST_DECRYPT", "0")
    assert not agile.enabled()
    plain = ct.open_export(encrypted, password=PW)
    assert calls == [1]
    for key in ("chats", "messages", "users", "managers"):
        assert_frame_equal(fast.frame(key), plain.frame(key))


def test_by_default_the_fast_path_decrypts(
    encrypted: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHATTOOLS_FAST_DECRYPT", raising=False)
    calls = _count_msoffcrypto(monkeypatch)
    ct.open_export(encrypted, password=PW)
    assert calls == []


@pytest.mark.parametrize("switch", ["0", "1"])
def test_a_wrong_password_is_refused_either_way(
    encrypted: bytes, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    monkeypatch.setenv("CHATTOOLS_FAST_DECRYPT", switch)
    with pytest.raises(errors.WrongPasswordError):
        ct.open_export(encrypted, password=PW + "x")


@pytest.mark.parametrize("switch", ["0", "1"])
def test_a_tampered_package_is_damage_either_way(
    encrypted: bytes, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    monkeypatch.setenv("CHATTOOLS_FAST_DECRYPT", switch)
    office = OOXMLFile(io.BytesIO(encrypted))
    package = agile.package_stream(office.file, encrypted)
    at = encrypted.find(package[4096:4128])
    tampered = encrypted[:at] + bytes([encrypted[at] ^ 1]) + encrypted[at + 1 :]
    with pytest.raises(errors.CorruptFileError, match="damaged"):
        ct.open_export(tampered, password=PW)
