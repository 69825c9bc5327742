"""open_export on bad input: each failure is its own ChattoolsError, never showing the password."""

from __future__ import annotations

import io
import zipfile

import fastexcel
import msoffcrypto
import openpyxl
import polars as pl
import pytest

import chattools as ct
from chattools import errors
from chattools.readers import Limits
from chattools.writers import write_export
from chattools.writers.xlsx import write_xlsx

SECRET = "Sekr1tPass"


@pytest.fixture(autouse=True)
def _no_env_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATTOOLS_PASSWORD", raising=False)


def _chats() -> dict[str, pl.DataFrame]:
    return {"chats": pl.DataFrame({"id": ["c1"], "state": ["closed"], "createdAt": ["x"]})
            .with_columns(pl.col("createdAt").str.replace("x", "2024-01-01 00:00:00")
                          .str.to_datetime().dt.replace_time_zone("Asia/Seoul"))}  # fmt: skip


ENCRYPTED = {
    "xlsx": lambda: write_export(_chats(), password=SECRET),
    "zip-aes": lambda: write_export(_chats(), container="zip", password=SECRET),
    "zip-zipcrypto": lambda: write_export(
        _chats(), container="zip", password=SECRET, zipcrypto=True
    ),
}


def _check_no_secret(err: BaseException) -> None:
    assert SECRET not in str(err) and SECRET not in repr(err)


@pytest.mark.parametrize("kind", list(ENCRYPTED))
def test_wrong_password(kind: str) -> None:
    with pytest.raises(errors.WrongPasswordError, match="wrong password for '<bytes>'") as info:
        ct.open_export(ENCRYPTED[kind](), password="Wrong999")
    _check_no_secret(info.value)


@pytest.mark.parametrize("kind", list(ENCRYPTED))
def test_missing_password(kind: str) -> None:
    with pytest.raises(errors.PasswordRequiredError, match="password-protected") as info:
        ct.open_export(ENCRYPTED[kind]())
    _check_no_secret(info.value)


@pytest.mark.parametrize("kind", list(ENCRYPTED))
def test_password_from_the_environment(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATTOOLS_PASSWORD", SECRET)
    assert ct.open_export(ENCRYPTED[kind]()).chats["id"].to_list() == ["c1"]


def test_a_password_for_a_plain_file_is_ignored() -> None:
    assert ct.open_export(write_export(_chats()), password=SECRET).chats.height == 1


def test_the_encrypted_xlsx_only_opens_with_msoffcrypto_and_the_password() -> None:
    data = ENCRYPTED["xlsx"]()
    with pytest.raises(Exception):  # noqa: B017 - any failure: it is not a workbook
        openpyxl.load_workbook(io.BytesIO(data))
    with pytest.raises(Exception):  # noqa: B017
        fastexcel.read_excel(data).load_sheet(0)
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        office.load_key(password="Wrong999", verify_password=True)
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=SECRET, verify_password=True)
    out = io.BytesIO()
    office.decrypt(out)
    sheet = openpyxl.load_workbook(out)["UserChat data"]
    assert [c.value for c in sheet[2]] == ["c1", "closed", "2024-01-01 00:00:00"]


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"id,state,createdAt\nc1,closed,2024-01-01\n", "looks like CSV"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "looks like a PDF"),
        (b"", "is empty"),
        (b"<html><body>login</body></html>", "HTML"),
        (bytes(range(256)), "binary data"),
    ],
)
def test_unsupported_formats(data: bytes, what: str) -> None:
    with pytest.raises(errors.UnsupportedFormatError, match=what):
        ct.open_export(data)


@pytest.mark.parametrize(
    "make",
    [
        lambda: write_export(_chats())[:600],
        lambda: write_export(_chats(), password=SECRET)[:3000],
        lambda: write_export(_chats(), container="json")[:-5],
        lambda: write_export(_chats(), container="zip")[:60],
    ],
    ids=["xlsx", "encrypted-xlsx", "json", "zip"],
)
def test_truncated_files(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.CorruptFileError) as info:
        ct.open_export(make(), password=SECRET)
    _check_no_secret(info.value)


def test_not_an_export_lists_expected_and_found_sheets() -> None:
    data = write_xlsx({"Sheet1": pl.DataFrame({"a": ["1"], "b": ["2"]})})
    with pytest.raises(errors.NotAnExportError) as info:
        ct.open_export(data)
    message = str(info.value)
    assert "'UserChat data'" in message and "'Sheet1' (columns 'a', 'b')" in message


def test_json_of_another_kind_is_not_an_export() -> None:
    with pytest.raises(errors.NotAnExportError, match="expected a sheet named"):
        ct.open_export(b'{"rows": [{"a": 1}]}')
    with pytest.raises(errors.NotAnExportError, match="JSON list"):
        ct.open_export(b'[{"a": 1}]')


def test_missing_required_column() -> None:
    data = write_xlsx({"UserChat data": pl.DataFrame({"id": ["c1"], "createdAt": ["x"]})})
    with pytest.raises(errors.MissingColumnError, match=r"lacks required column\(s\) \['state'\]"):
        ct.open_export(data)


def _zip(members: dict[str, bytes], level: int = 9) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return buf.getvalue()


def test_zip_bomb_is_refused() -> None:
    bomb = _zip({"export.json": b'{"UserChat data": [' + b" " * 20_000_000 + b"]}"})
    with pytest.raises(errors.UnsafeFileError, match="zip bomb"):
        ct.open_export(bomb)


def test_decompressed_size_limit() -> None:
    data = write_export(_chats(), container="zip")
    with pytest.raises(errors.UnsafeFileError, match="max_decompressed_bytes=10"):
        ct.open_export(data, limits=Limits(max_decompressed_bytes=10))


@pytest.mark.parametrize("name", ["../export.json", "/etc/export.json", "C:\\x\\export.json"])
def test_escaping_member_names_are_refused(name: str) -> None:
    with pytest.raises(errors.UnsafeFileError, match="escapes the archive"):
        ct.open_export(_zip({name: b'{"UserChat data": []}'}))


def test_xml_entities_are_refused() -> None:
    plain = write_export(_chats())
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"?>\n", b'?>\n<!DOCTYPE lol [<!ENTITY lol "lol">]>\n', 1
    )
    with pytest.raises(errors.UnsafeFileError, match="declares a DTD"):
        ct.open_export(_zip(parts))


def test_invalid_options() -> None:
    data = write_export(_chats())
    with pytest.raises(errors.InvalidValueError, match="on_problem='ignore'"):
        ct.open_export(data, on_problem="ignore")  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidValueError, match="timezone='Mars/Base'"):
        ct.open_export(data, timezone="Mars/Base")
    with pytest.raises(errors.SourceNotFoundError, match="does not exist"):
        ct.open_export("/nonexistent/june.xlsx")
