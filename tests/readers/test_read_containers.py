"""Container handling: sniffing, the fast agile decryption, safety limits, JSON variants."""

from __future__ import annotations

import io
import json
import random

import polars as pl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

import chattools as ct
from chattools import errors
from chattools.readers import Limits, agile
from chattools.readers.sniff import OLE2_MAGIC, sniff
from chattools.writers import write_export
from chattools.writers.xlsx import encrypt_xlsx, write_xlsx


def _workbook(rows: int) -> bytes:
    # varied text so the package does not compress to a few bytes
    frame = pl.DataFrame({"id": [f"{i:020x}" for i in range(rows)], "state": ["closed"] * rows})
    return write_xlsx(
        {"UserChat data": frame.with_columns(createdAt=pl.lit("2024-01-01 00:00:00"))}
    )


@pytest.mark.parametrize("rows", [1, 300, 5000])
def test_fast_agile_decryption_matches_msoffcrypto(rows: int) -> None:
    plain = _workbook(rows)
    data = encrypt_xlsx(plain, "Pw123")
    office = OOXMLFile(io.BytesIO(data))
    office.load_key(password="Pw123")
    with office.file.openstream("EncryptedPackage") as stream:
        assert agile.package_stream(office.file, data) == stream.read()
    reference = io.BytesIO()
    office.decrypt(reference)
    assert agile.decrypt(office, data) == reference.getvalue() == plain


@pytest.mark.parametrize("password", ["Pw123", "비밀번호 123!", "x" * 255])
def test_fast_agile_key_matches_msoffcrypto(password: str) -> None:
    office = OOXMLFile(io.BytesIO(encrypt_xlsx(_workbook(1), password)))
    mine = agile.secret_key(office, password)
    office.load_key(password=password)
    assert mine == office.secret_key and len(mine) == 32
    assert agile.secret_key(office, password + "!") != mine


def _walk(fat: list[int], sector: int) -> list[int]:
    """The sector chain, followed one sector at a time (as olefile does)."""
    chain: list[int] = []
    while 0 <= sector < len(fat) and len(chain) < len(fat):
        chain.append(sector)
        sector = fat[sector]
    return chain


@pytest.mark.parametrize("seed", range(30))
def test_sector_runs_follow_the_chain(seed: int) -> None:
    """Random allocation tables: fragmented, looping, pointing outside, ending anywhere."""
    rng = random.Random(seed)
    size = rng.randint(1, 60)
    fat = [rng.choice([i + 1, i + 1, i + 1, rng.randrange(size + 3), 0xFFFFFFFE, 0xFFFFFFFF])
           for i in range(size)]  # fmt: skip
    start = rng.randrange(size)
    runs = agile.chain_runs(fat, start)
    assert [s for first, n in runs for s in range(first, first + n)] == _walk(fat, start)


def test_sniff_recognises_each_container() -> None:
    frames = {"chats": pl.DataFrame({"id": ["c"], "state": ["closed"]})}
    assert sniff(write_export(frames)) == "xlsx"
    assert sniff(write_export(frames, password="x1")) == "encrypted-xlsx"
    assert sniff(write_export(frames, container="zip")) == "zip"
    assert sniff(b"\xef\xbb\xbf\n  " + write_export(frames, container="json")) == "json"


def test_a_legacy_xls_is_unsupported() -> None:
    with pytest.raises(errors.UnsupportedFormatError, match=r"legacy Excel \.xls"):
        ct.open_export(OLE2_MAGIC + bytes(4096))


def test_json_with_bom_and_whitespace() -> None:
    doc = {"UserChat data": [{"id": "c1", "state": "closed", "createdAt": "2024-01-01 00:00:00"}]}
    exp = ct.open_export(b"\xef\xbb\xbf\r\n " + json.dumps(doc).encode())
    assert exp.chats["id"].to_list() == ["c1"]
    assert exp.sources.select("container", "chats").row(0) == ("json", 1)


def test_json_split_over_several_zip_members() -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("chats.json", json.dumps({"UserChat data": [
            {"id": "c1", "state": "closed", "createdAt": "2024-01-01 00:00:00"}]}))  # fmt: skip
        zf.writestr("messages.json", json.dumps({"Message data": [
            {"chatId": "c1", "personType": "user", "createdAt": "2024-01-01 00:00:01"}]}))  # fmt: skip
    exp = ct.open_export(buf.getvalue())
    assert (exp.chats.height, exp.messages.height) == (1, 1)


def test_a_zip_without_json_is_unsupported() -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(errors.UnsupportedFormatError, match=r"no \.json member"):
        ct.open_export(buf.getvalue())


@pytest.mark.parametrize("field", ["max_decompressed_bytes", "max_ratio", "max_members"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(errors.InvalidValueError, match=f"invalid {field}=0"):
        Limits(**{field: 0})


def test_too_many_members() -> None:
    data = write_export({"chats": pl.DataFrame({"id": ["c"], "state": ["x"]})})
    with pytest.raises(errors.UnsafeFileError, match="max_members=2"):
        ct.open_export(data, limits=Limits(max_members=2))
