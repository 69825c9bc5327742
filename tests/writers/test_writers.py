"""write_export: typed frames → the text a Channel Talk export holds (checked by hand)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import fastexcel
import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattools.errors import InvalidValueError
from chattools.writers import write_export
from chattools.writers.text import text_frame
from chattools.writers.xlsx import write_xlsx, write_xlsx_xlsxwriter

SEOUL = ZoneInfo("Asia/Seoul")


def _chats() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["c1", "c2"],
            "state": ["closed", None],
            "tags": [["vip,gold", "b"], None],
            "createdAt": [datetime(2024, 3, 1, 9, 5, 7, tzinfo=SEOUL), None],
            "waitingTime": [timedelta(hours=169, minutes=2, seconds=3), timedelta(0)],
            "replyCount": [3, None],
            "summary": ["=SUM(A1)", ""],
        }
    )


def test_legacy_text_values() -> None:
    text = text_frame(_chats(), "chats", generation="legacy")
    assert text.rows() == [
        ("c1", "closed", "vip,gold, b", "2024-03-01 09:05:07", "169h 2m 3s", "3", "=SUM(A1)"),
        ("c2", None, None, None, "0h 0m 0s", None, ""),
    ]


def test_2026_durations_are_seconds_and_headers_renamed() -> None:
    chats = _chats().with_columns(contactMediumType=pl.lit("appKakao"))
    text = text_frame(chats, "chats", generation="2026")
    assert text["waitingTime"].to_list() == [str(169 * 3600 + 2 * 60 + 3), "0"]
    assert "mediumName" in text.columns and "contactMediumType" not in text.columns


def test_local_times_are_converted_to_the_channel_timezone() -> None:
    utc = pl.DataFrame(
        {"id": ["1"], "createdAt": [datetime(2024, 1, 1, 15, 0, tzinfo=ZoneInfo("UTC"))]}
    )
    assert text_frame(utc, "bots")["createdAt"].item() == "2024-01-02 00:00:00"


def test_users_utc_iso_mixes_with_and_without_milliseconds() -> None:
    t = datetime(2024, 1, 1, 9, 0, tzinfo=SEOUL)  # 00:00 UTC
    users = pl.DataFrame(
        {"id": ["a", "b", "c", "d"], "createdAt": [t, t, t + timedelta(milliseconds=5), None]}
    )
    assert text_frame(users, "users")["createdAt"].to_list() == [
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00.005Z",
        None,
    ]


def test_booleans_and_extra_columns() -> None:
    managers = pl.DataFrame(
        {"id": ["1", "2"], "removed": [True, False], "profile.x": [1, None], "name": ["a", "b"]}
    )
    text = text_frame(managers, "managers")
    assert text.columns == ["id", "name", "removed", "profile.x"]
    assert text.rows() == [("1", "a", "true", "1"), ("2", "b", "false", None)]


def test_xlsx_cells_are_all_text_and_empty_means_empty() -> None:
    data = write_export({"chats": _chats()})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["UserChat data"]
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == [
        "id", "state", "tags", "createdAt", "waitingTime", "replyCount", "summary",
    ]  # fmt: skip
    values = [c for row in rows[1:] for c in row if c.value is not None]
    assert {c.data_type for c in values} == {"s"}  # "=SUM(A1)" and "3" stay text
    assert [c.value for c in rows[2]] == ["c2", None, None, None, "0h 0m 0s", None, None]
    assert rows[1][6].value == "=SUM(A1)"


TRICKY = [
    "N/A",
    "=1+1",
    "  spaced  ",
    "a\r\nb",
    "x_x0041_y",
    "\x01ctl",
    "<&>\"'",
    "한국어\n둘",
    "0123",
]


def test_xlsx_matches_the_xlsxwriter_reference() -> None:
    frame = pl.DataFrame({"v": TRICKY, "w": ["1", None, *TRICKY[2:]]})
    for writer in (write_xlsx, write_xlsx_xlsxwriter):
        sheet = fastexcel.read_excel(writer({"S": frame})).load_sheet("S", dtypes="string")
        assert sheet.to_polars().rows() == frame.rows(), writer.__name__


def test_password_protected_xlsx_is_an_ole2_file() -> None:
    data = write_export({"chats": _chats()}, password="Pw123")
    assert data[:8] == bytes.fromhex("d0cf11e0a1b11ae1")


def test_json_sheets_shape() -> None:
    doc = json.loads(write_export({"chats": _chats()}, container="json"))
    assert list(doc) == ["UserChat data"]
    assert doc["UserChat data"][1] == {
        "id": "c2", "state": "", "tags": "", "createdAt": "", "waitingTime": "0h 0m 0s",
        "replyCount": "", "summary": "",
    }  # fmt: skip


def test_json_api_shape() -> None:
    doc = json.loads(write_export({"chats": _chats()}, container="json", json_shape="api"))
    row = doc["userChats"][0]
    # 2024-03-01 09:05:07 KST = 00:05:07 UTC; 19783 days since 1970-01-01
    assert row["createdAt"] == (19783 * 86400 + 5 * 60 + 7) * 1000
    assert row["waitingTime"] == (169 * 3600 + 2 * 60 + 3) * 1000
    assert row["tags"] == ["vip,gold", "b"]
    assert row["replyCount"] == 3
    assert doc["userChats"][1]["state"] is None


@pytest.mark.parametrize("zipcrypto", [False, True])
def test_zip_container(zipcrypto: bool) -> None:
    data = write_export({"chats": _chats()}, container="zip", password="Pw123", zipcrypto=zipcrypto)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("export.json")
        assert info.flag_bits & 1
        if zipcrypto:  # the standard library decrypts ZipCrypto: an independent check
            doc = json.loads(zf.read("export.json", pwd=b"Pw123"))
            assert doc["UserChat data"][0]["id"] == "c1"
        else:
            assert info.compress_type == 99  # WinZip AES


def test_plain_zip() -> None:
    with zipfile.ZipFile(io.BytesIO(write_export({"chats": _chats()}, container="zip"))) as zf:
        assert json.loads(zf.read("export.json"))["UserChat data"][0]["id"] == "c1"


def test_only_the_generation_s_sheets_are_written() -> None:
    bots = pl.DataFrame({"id": ["1"]})
    empty_bots = bots.clear()
    doc = json.loads(write_export({"chats": _chats(), "bots": empty_bots}, generation="2026",
                                  container="json"))  # fmt: skip
    assert list(doc) == ["UserChat"]
    with pytest.raises(InvalidValueError, match="'bots' is not part of a '2026' export"):
        write_export({"chats": _chats(), "bots": bots}, generation="2026")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"generation": "2027"}, "generation='2027'"),
        ({"container": "csv"}, "container='csv'"),
        ({"json_shape": "rows"}, "json_shape='rows'"),
        ({"container": "json", "password": "x"}, "container='json'"),
    ],
)
def test_bad_options(kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(InvalidValueError, match=match):
        write_export({"chats": _chats()}, **kwargs)  # type: ignore[arg-type]


@settings(max_examples=40)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=st.sampled_from(list("ab _x05F0AD\r\n\t\x01\x1f&<>=한")), max_size=14),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_text_survives_the_xlsx_writer(values: list[str | None]) -> None:
    frame = pl.DataFrame({"id": [f"r{i}" for i in range(len(values))], "v": values},
                         schema={"id": pl.String, "v": pl.String})  # fmt: skip
    sheet = fastexcel.read_excel(write_xlsx({"S": frame})).load_sheet("S", dtypes="string")
    expected = [None if v in (None, "") else v for v in values]
    assert sheet.to_polars()["v"].to_list() == expected


def test_xml_noncharacters_become_the_replacement_character() -> None:
    frame = pl.DataFrame({"v": ["a\ufffeb\uffff"]})
    sheet = fastexcel.read_excel(write_xlsx({"S": frame})).load_sheet("S", dtypes="string")
    assert sheet.to_polars()["v"].to_list() == ["a\ufffdb\ufffd"]


def test_the_same_frames_give_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """No wall clock in the ZIP: a plain workbook written twice is byte-identical."""
    import time as time_module

    from chattools.writers.xlsx import write_xlsx

    sheets = {"UserChat data": pl.DataFrame({"id": ["a"]})}
    first = write_xlsx(sheets)
    later = time_module.time() + 86_400
    monkeypatch.setattr(time_module, "time", lambda: later)
    assert write_xlsx(sheets) == first
