"""Hostile and broken containers: every one ends in a specific ChattoolsError with a hint.

The corpus is generated here (no committed binaries). Every call runs under a time
bound (:func:`bounded`), so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import TypeVar

import polars as pl
import pytest
from hostile import PW, bounded, fails_with

import chattools as ct
from chattools import errors, sample
from chattools.readers import Limits
from chattools.writers import write_export
from chattools.writers.xlsx import write_xlsx

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _no_env_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATTOOLS_PASSWORD", raising=False)


@pytest.fixture(scope="module")
def encrypted() -> bytes:
    return sample.write_sample(None, chats=15, password=PW)


def _zip(members: dict[str, bytes], *, level: int = 9) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return buf.getvalue()


# -- damaged encrypted XLSX ---------------------------------------------------------------
@pytest.mark.parametrize("cut", [8, 100, 600, 2000, 3000, 6000, 0.5, 0.9])
def test_truncated_encrypted_xlsx_is_corrupt(encrypted: bytes, cut: float) -> None:
    end = int(len(encrypted) * cut) if isinstance(cut, float) else cut
    message = fails_with(
        errors.CorruptFileError, lambda: ct.open_export(encrypted[:end], password=PW)
    ).message
    assert "'<bytes>'" in message


@pytest.mark.parametrize("where", [0.3, 0.5, 0.75])
def test_bit_flipped_package_is_corrupt(encrypted: bytes, where: float) -> None:
    """A flipped bit in the encrypted package garbles the ZIP inside: corrupt, not a crash."""
    data = bytearray(encrypted)
    data[int(len(data) * where)] ^= 0xFF
    fails_with(errors.CorruptFileError, lambda: ct.open_export(bytes(data), password=PW))


@pytest.mark.parametrize("offset", [0, 1, 4, 7])
def test_bit_flipped_magic_is_unsupported(encrypted: bytes, offset: int) -> None:
    data = bytearray(encrypted)
    data[offset] ^= 0x01
    message = fails_with(errors.UnsupportedFormatError, lambda: ct.open_export(bytes(data))).message
    assert "binary data" in message


@pytest.mark.parametrize("offset", [100, 512, 1000])
def test_bit_flips_in_unused_header_bytes_still_open(encrypted: bytes, offset: int) -> None:
    data = bytearray(encrypted)
    data[offset] ^= 0xFF
    with bounded(20):
        assert ct.open_export(bytes(data), password=PW).chats.height == 15


# -- passwords ----------------------------------------------------------------------------
@pytest.mark.parametrize("container", ["xlsx", "zip"])
@pytest.mark.parametrize("wrong", ["Zq7Secret9pw", "p@ss wörd!#$%^&*()\"';\\", " "])
def test_wrong_passwords(container: str, wrong: str) -> None:
    data = sample.write_sample(None, chats=3, container=container, password=PW)  # type: ignore[arg-type]
    message = fails_with(
        errors.WrongPasswordError, lambda: ct.open_export(data, password=wrong)
    ).message
    assert message.startswith("wrong password for '<bytes>'")
    assert wrong.strip() == "" or wrong not in message


@pytest.mark.parametrize("container", ["xlsx", "zip"])
@pytest.mark.parametrize("empty", ["", None])
def test_empty_password_means_none_given(container: str, empty: str | None) -> None:
    data = sample.write_sample(None, chats=3, container=container, password=PW)  # type: ignore[arg-type]
    message = fails_with(
        errors.PasswordRequiredError, lambda: ct.open_export(data, password=empty)
    ).message
    assert "no password was given" in message


@pytest.mark.parametrize("container", ["xlsx", "zip"])
@pytest.mark.parametrize("odd", ["p@ss wörd!#$%^&*()\"';\\", "🔑 ключ 密码  "])
def test_the_right_non_alphanumeric_password_works(container: str, odd: str) -> None:
    data = sample.write_sample(None, chats=3, container=container, password=odd)  # type: ignore[arg-type]
    with bounded(20):
        assert ct.open_export(data, password=odd).chats.height == 3


def test_zip_with_zipcrypto_and_wrong_password() -> None:
    frames = sample.generate(3).frames
    data = write_export(frames, container="zip", password=PW, zipcrypto=True)
    fails_with(errors.WrongPasswordError, lambda: ct.open_export(data, password="Nope0000"))
    assert ct.open_export(data, password=PW).chats.height == 3


# -- not an export ------------------------------------------------------------------------
def test_plain_workbook_that_is_not_an_export() -> None:
    data = write_xlsx({"Budget": pl.DataFrame({"item": ["tea"], "cost": ["3"]})})
    message = fails_with(errors.NotAnExportError, lambda: ct.open_export(data)).message
    assert "'Budget' (columns 'item', 'cost')" in message


def test_export_missing_the_chat_sheet() -> None:
    frames = sample.generate(5).frames
    data = write_export({k: v for k, v in frames.items() if k != "chats"})
    message = fails_with(errors.NotAnExportError, lambda: ct.open_export(data)).message
    assert "'UserChat data'" in message and "'Message data'" in message


@pytest.mark.parametrize(
    ("rename", "missing"),
    [({"state": "status"}, "state"), ({"createdAt": "created"}, "createdAt"), ({"id": "ID"}, "id")],
)
def test_renamed_required_column(rename: dict[str, str], missing: str) -> None:
    chats = pl.DataFrame({"id": ["c1"], "state": ["closed"], "createdAt": ["2024-01-01 00:00:00"]})
    data = write_xlsx({"UserChat data": chats.rename(rename)})
    message = fails_with(errors.MissingColumnError, lambda: ct.open_export(data)).message
    assert f"lacks required column(s) [{missing!r}]" in message
    assert "sheet 'UserChat data'" in message


def test_missing_optional_column_is_a_sheet_level_problem() -> None:
    frames = sample.generate(5).frames
    data = write_export({"chats": frames["chats"].drop("summary")})
    exp = ct.open_export(data)
    row = exp.problems.filter(pl.col("column") == "summary").row(0, named=True)
    assert (row["file"], row["sheet"], row["row"]) == ("<bytes>", "UserChat data", None)
    assert row["problem"].startswith("missing column")
    assert exp.chats["summary"].null_count() == 5


def test_extra_sheets_are_reported_and_extra_columns_kept() -> None:
    chats = pl.DataFrame(
        {"id": ["c1"], "state": ["closed"], "createdAt": ["2024-01-01 00:00:00"],
         "profile.csat": ["5"], "mystery": ["x"]}
    )  # fmt: skip
    data = write_xlsx({"Notes": pl.DataFrame({"n": ["1", "2"]}), "UserChat data": chats})
    exp = ct.open_export(data)
    assert exp.chats.select("profile.csat", "mystery").rows() == [(5.0, "x")]  # a Number
    note = exp.problems.filter(pl.col("sheet") == "Notes").select("row", "column", "problem")
    assert note.rows() == [(None, None, "unknown sheet; not loaded")]


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        (b"id,state,createdAt\nc1,closed,2024-01-01 00:00:00\n", "looks like CSV"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "looks like a PDF"),
        (b"", "is empty"),
        (b"\n \t\n", "only whitespace"),
    ],
)
def test_renamed_files_on_disk(tmp_path: Path, payload: bytes, what: str) -> None:
    path = tmp_path / "june.xlsx"
    path.write_bytes(payload)
    message = fails_with(errors.UnsupportedFormatError, lambda: ct.open_export(path)).message
    assert message.startswith("'june.xlsx'") and what in message


# -- hostile archives ---------------------------------------------------------------------
@pytest.mark.parametrize("member", ["../x.json", "/etc/x.json", "a/../../x.json", "C:/x.json"])
def test_zip_member_escaping_its_folder(member: str) -> None:
    data = _zip({"export.json": b'{"UserChat data": []}', member: b"{}"})
    message = fails_with(errors.UnsafeFileError, lambda: ct.open_export(data)).message
    assert f"member {member!r}" in message and "escapes" in message


def test_xlsx_member_escaping_its_folder() -> None:
    good = write_export(sample.generate(2).frames)
    with zipfile.ZipFile(io.BytesIO(good)) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members["../../evil.xml"] = b"<x/>"
    fails_with(errors.UnsafeFileError, lambda: ct.open_export(_zip(members)))


def _zeros_bomb(size: int) -> bytes:
    """A ZIP whose JSON member is ``size`` bytes (mostly zeros), built in chunks."""
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = b'{"UserChat data": [], "pad": "'
    chunks, crc = [body.compress(head)], zlib.crc32(head)
    block = b"0" * (1 << 20)
    for _ in range((size - len(head) - 2) // len(block)):
        chunks.append(body.compress(block))
        crc = zlib.crc32(block, crc)
    tail = b'"}'
    chunks += [body.compress(tail), body.flush()]
    crc = zlib.crc32(tail, crc)
    total = len(head) + (size - len(head) - 2) // len(block) * len(block) + len(tail)
    compressed = b"".join(chunks)
    info = zipfile.ZipInfo("export.json")
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:  # write the pre-compressed stream as is
        info.file_size, info.compress_size, info.CRC = total, len(compressed), crc
        zf.fp.write(info.FileHeader())  # type: ignore[union-attr]
        info.header_offset = 0
        zf.fp.write(compressed)  # type: ignore[union-attr]
        zf.filelist.append(info)
        zf.NameToInfo[info.filename] = info
        zf.start_dir = zf.fp.tell()  # type: ignore[union-attr]
    return buf.getvalue()


def test_zip_bomb_is_refused_quickly() -> None:
    bomb = _zeros_bomb(200 * 1024 * 1024)
    assert len(bomb) < 400_000  # ~1000x expansion
    message = fails_with(errors.UnsafeFileError, lambda: ct.open_export(bomb)).message
    assert "zip bomb" in message and "max_ratio" in message


def test_a_bomb_lying_about_its_size_is_stopped_while_reading() -> None:
    bomb = bytearray(_zeros_bomb(20 * 1024 * 1024))
    # rewrite the declared size (central directory) to a harmless 1 KB
    with zipfile.ZipFile(io.BytesIO(bytes(bomb))) as zf:
        info = zf.infolist()[0]
    cd = bytes(bomb).rfind(b"PK\x01\x02")
    bomb[cd + 24 : cd + 28] = (1024).to_bytes(4, "little")
    assert info.file_size > 1024
    kinds = (errors.UnsafeFileError, errors.CorruptFileError)
    with bounded(20), pytest.raises(kinds) as raised:
        ct.open_export(bytes(bomb))
    assert raised.value.hint


_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/sharedStrings.xml", "[Content_Types].xml"])
def test_billion_laughs_in_an_xlsx_part(part: str) -> None:
    good = write_export(sample.generate(2).frames)
    with zipfile.ZipFile(io.BytesIO(good)) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    body = members.get(part, b"<sst/>")
    members[part] = _LAUGHS + body.split(b"?>", 1)[-1].lstrip()
    message = fails_with(errors.UnsafeFileError, lambda: ct.open_export(_zip(members))).message
    assert "DTD or entities" in message and repr(part) in message


def test_raising_the_limits_lets_a_big_but_genuine_export_through() -> None:
    """50,000-character messages of one letter compress like a bomb; Limits lets them in."""
    frames = sample.generate(30).frames
    text = pl.lit("ㅋ" * 49_990) + pl.int_range(pl.len()).cast(pl.String).str.zfill(10)
    long = frames["messages"].head(40).with_columns(text.alias("plainText"))  # distinct
    written = write_export({"chats": frames["chats"], "messages": long})
    with zipfile.ZipFile(io.BytesIO(written)) as src:  # as Excel would: deflate level 9
        data = _zip({i.filename: src.read(i) for i in src.infolist()})
    message = fails_with(errors.UnsafeFileError, lambda: ct.open_export(data)).message
    assert "max_ratio" in message
    with bounded(30):
        exp = ct.open_export(data, limits=Limits(max_ratio=100_000))
    assert exp.messages.height == long.height
    assert exp.messages["plainText"].str.len_chars().unique().to_list() == [50_000]


def test_decompressed_size_limit_counts_all_members() -> None:
    data = write_export(sample.generate(20).frames)
    message = fails_with(
        errors.UnsafeFileError,
        lambda: ct.open_export(data, limits=Limits(max_decompressed_bytes=10_000)),
    ).message
    assert "max_decompressed_bytes=10000" in message
    assert ct.open_export(data, limits=Limits(max_decompressed_bytes=10**9)).chats.height == 20


def test_deeply_nested_json_is_refused() -> None:
    for data in (b"[" * 100_000 + b"]" * 100_000, b'{"UserChat data": ' + b"[" * 100_000):
        message = fails_with(errors.UnsafeFileError, lambda d=data: ct.open_export(d)).message  # type: ignore[misc]
        assert "nested too deeply" in message


def test_zip_with_a_member_twice_is_refused() -> None:
    buf = io.BytesIO()
    rows = (
        '{"UserChat data": [{"id": "%s", "state": "closed", "createdAt": "2024-01-01 00:00:00"}]}'
    )
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("export.json", rows % "c1")
    with zipfile.ZipFile(buf, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("export.json", rows % "c2")
    message = fails_with(errors.UnsafeFileError, lambda: ct.open_export(buf.getvalue())).message
    assert "'export.json' twice" in message


def test_a_sheet_split_over_zip_members_keeps_every_row() -> None:
    rows = (
        '{"UserChat data": [{"id": "%s", "state": "closed", "createdAt": "2024-01-01 00:00:00"}]}'
    )
    data = _zip({"export-1.json": (rows % "c1").encode(), "export-2.json": (rows % "c2").encode()})
    exp = ct.open_export(data)
    assert exp.chats.select("id", "_row").rows() == [("c1", 1), ("c2", 2)]
    assert exp.accounting()["balanced"].all()


@pytest.mark.parametrize("password", [12345, b"Zq7Secret9Pw", ["x"]])
def test_a_password_that_is_not_text(password: object) -> None:
    data = sample.write_sample(None, chats=2, password=PW)
    message = fails_with(
        errors.InvalidValueError, lambda: ct.open_export(data, password=password)
    ).message  # type: ignore[arg-type]
    assert message == f"invalid password of type {type(password).__name__!r}; expected a string"


def _with_cell(ref: str, row_tag: str | None = None) -> bytes:
    """A tiny valid export with one extra cell at ``ref`` (inside row ``row_tag``)."""
    good = write_xlsx(
        {
            "UserChat data": pl.DataFrame(
                {"id": ["c1"], "state": ["closed"], "createdAt": ["2024-01-01 00:00:00"]}
            )
        }
    )
    with zipfile.ZipFile(io.BytesIO(good)) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    part = next(n for n in members if n.startswith("xl/worksheets/"))
    row = row_tag or "".join(c for c in ref if c.isdigit())
    quoted = f"'{ref}" if ref.endswith("'") else f'"{ref}"'  # single-quoted attribute
    cell = f'<row r="{row}"><c r={quoted} t="inlineStr"><is><t>x</t></is></c></row>'
    members[part] = members[part].replace(b"</sheetData>", cell.encode() + b"</sheetData>")
    return _zip(members)


@pytest.mark.parametrize(
    ("ref", "row_tag"),
    [("XFD1048576", None), ("ZZ999999", None), ("XFD1048576", "3"), ("XFD1048576'", "3")],
)
def test_a_cell_far_away_is_a_memory_bomb(ref: str, row_tag: str | None) -> None:
    """One cell at XFD1048576 made the XLSX reader allocate ~500 GB and abort the process."""
    message = fails_with(
        errors.UnsafeFileError, lambda: ct.open_export(_with_cell(ref, row_tag))
    ).message
    assert "max_cells=60000000" in message


def test_max_cells_is_configurable() -> None:
    wide = _with_cell("AZ40")  # 40 rows x 52 columns = 2080 cells
    assert ct.open_export(wide).chats.width > 52
    message = fails_with(
        errors.UnsafeFileError, lambda: ct.open_export(wide, limits=Limits(max_cells=2000))
    ).message
    assert "40 rows x 52 columns = 2080 cells" in message
