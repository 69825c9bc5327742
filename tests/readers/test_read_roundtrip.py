"""write_export → open_export gives back the typed frames, for every container and generation."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import sample, schema
from chattools.writers import write_export

TZ = "Asia/Seoul"
SEOUL = ZoneInfo(TZ)
PROVENANCE = list(schema.PROVENANCE_COLUMNS)


def _t(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


def _complete(key: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the core columns it lacks added as nulls, in typed-frame order."""
    base = schema.empty_frame(key, TZ).drop(PROVENANCE)
    return pl.concat([base, frame], how="diagonal_relaxed")


def _tags() -> pl.DataFrame:
    names = ["vip,gold", "환불/교환", "[group]a", "plain"]
    return _complete("tags", pl.DataFrame({
        "id": ["1", "2", "3", "4"], "channelId": "9", "name": names,
        "createdAt": [_t(2023, 1, 1, 0, 0, 0)] * 4,
    }))  # fmt: skip


def _chats(generation: str) -> pl.DataFrame:
    frame = pl.DataFrame({
        "id": ["0123456789abcdef0123", "c2", "c3"],
        "userId": ["u1", "u2", None],
        "name": ["N/A", "=SUM(A1)", ""],
        "description": ["여러 줄\n두 번째 줄", "  spaced  ", "@team mention"],
        "state": ["closed", "opened", "snoozed"],
        "contactMediumType": [None, "appKakao", "email"],
        "managerIds": [["7", "8"], None, ["9"]],
        "tags": [["vip,gold", "환불/교환"], None, ["[group]a"]],
        "createdAt": [_t(2023, 5, 1, 23, 59, 59), _t(2023, 12, 31, 0, 0, 0), _t(2024, 2, 29, 12, 0, 1)],
        "openedAt": [_t(2023, 5, 2, 0, 0, 0), None, _t(2024, 3, 1, 1, 2, 3)],
        "waitingTime": [timedelta(hours=169, seconds=5), timedelta(0), None],
        "replyCount": [3, 0, None],
        "resolutionTime": [timedelta(minutes=61), None, timedelta(seconds=59)],
        "summary": ["한국어 요약", None, "x_x0041_y"],
    })  # fmt: skip
    if generation == "2026":
        frame = frame.with_columns(
            managedAt=pl.Series([_t(2023, 5, 2, 0, 1, 0), None, None]),
            alfTriggered=pl.Series([True, False, None]),
            totalSnoozedTime=pl.Series([None, timedelta(hours=2), None]),
        )
    frame = _complete("chats", frame.with_columns(pl.Series("profile.csat", [5.0, None, 1.0])))
    if generation == "2026":  # a 2026 sheet reads with every 2026 column (null when absent)
        columns = schema.frame_columns("chats", "2026")
        base = pl.DataFrame(schema={c.name: schema.dtype_of(c.kind, TZ) for c in columns})
        frame = pl.concat([base, frame], how="diagonal_relaxed")
    return frame


def _messages(generation: str) -> pl.DataFrame:
    frame = pl.DataFrame({
        "chatId": ["c2", "c2", "c2", "0123456789abcdef0123"],
        "personType": ["user", "manager", "user", "bot"],
        "personId": ["u2", "7", "u2", "3"],
        "createdAt": [_t(2024, 1, 1, 10, 0, 0)] * 3 + [_t(2024, 1, 2, 10, 0, 0)],
        "plainText": ["안녕하세요\n문의", "=HYPERLINK(\"x\")", None, "<b>&amp;</b>"],
    })  # fmt: skip
    if generation == "2026":
        frame = frame.with_columns(isPrivate=pl.Series([False, True, False, None]))
    return _complete("messages", frame)


def _users() -> pl.DataFrame:
    return _complete("users", pl.DataFrame({
        "id": ["u1", "u2", "u3"],
        "member": [True, False, None],
        "tags": [["a", "b"], None, ["c"]],
        "sessionsCount": [12, None, 0],
        "createdAt": [
            datetime(2023, 1, 1, 0, 0, 0, 123000, tzinfo=SEOUL),
            _t(2023, 1, 1, 0, 0, 0),  # written without .sss (odd row, whole second)
            _t(2023, 1, 1, 0, 0, 1),
        ],
        "profile.mobileNumber": ["+821012345678", None, "010"],
        "web.device": ["Chrome", None, None],
    }))  # fmt: skip


def _cases() -> pl.DataFrame:
    return _complete("cases", pl.DataFrame({
        "userChatCaseCreatedAt": [_t(2024, 1, 1, 9, 0, 0), _t(2024, 1, 3, 9, 0, 0), _t(2024, 1, 2, 9, 0, 0)],
        "userChatCase": [1, 2, 1],
        "userChatCaseId": ["k1", "k2", "k3"],
        "userChatCaseState": ["completed", "inProgress", "completed"],
        "userChatId": ["c1", "c1", "c2"],
        "userChatState": ["closed", "opened", "closed"],
        "managerIds": [["7"], ["7", "8"], None],
        "firstOpenedAt": [_t(2024, 1, 1, 9, 0, 5), _t(2024, 1, 3, 9, 0, 5), None],
        "waitingTime": [timedelta(seconds=30), None, timedelta(hours=169)],
        "tags": [["plain"], None, ["vip,gold"]],
        "mediumName": ["appKakao", "appKakao", None],
        "profile.csat": [5.0, None, None],
    }))  # fmt: skip


def _frames(generation: str) -> dict[str, pl.DataFrame]:
    if generation == "case":
        return {"cases": _cases()}
    return {
        "tags": _tags(),
        "chats": _chats(generation),
        "messages": _messages(generation),
        "users": _users(),
    }


def _expected(frame: pl.DataFrame) -> pl.DataFrame:
    """Blank text reads back as null (an empty cell)."""
    return frame.with_columns(pl.col(pl.String).replace("", None))


CONTAINERS = [
    ("xlsx", "sheets", None, False),
    ("xlsx", "sheets", "Pw123", False),
    ("json", "sheets", None, False),
    ("json", "api", None, False),
    ("zip", "sheets", None, False),
    ("zip", "api", "Pw123", False),
    ("zip", "sheets", "Pw123", True),
]


@pytest.mark.parametrize("generation", schema.GENERATIONS)
@pytest.mark.parametrize(("container", "shape", "password", "zipcrypto"), CONTAINERS)
def test_round_trip(
    generation: schema.Generation, container: str, shape: str, password: str | None,
    zipcrypto: bool,
) -> None:  # fmt: skip
    frames = _frames(generation)
    data = write_export(
        frames, generation=generation, container=container, json_shape=shape,  # type: ignore[arg-type]
        password=password, zipcrypto=zipcrypto,
    )  # fmt: skip
    exp = ct.open_export(data, password=password, timezone=TZ)
    assert exp.generation == generation
    for key, frame in frames.items():
        got = exp.frame(key)
        assert_frame_equal(got.drop(PROVENANCE), _expected(frame))
        assert got["_row"].to_list() == list(range(1, frame.height + 1))
        assert got["_file"].unique().to_list() == ["<bytes>"]
    assert exp.problems.filter(pl.col("row").is_not_null()).is_empty()
    assert exp.accounting()["balanced"].all()
    assert exp.sources["sha256"].item() == hashlib.sha256(data).hexdigest()


def test_case_export_derives_chats_from_the_latest_case() -> None:
    exp = ct.open_export(write_export({"cases": _cases()}, generation="case"))
    chats = exp.chats
    assert chats.select("id", "state", "contactMediumType").rows() == [
        ("c1", "opened", "appKakao"),
        ("c2", "closed", None),
    ]
    c1 = chats.row(0, named=True)
    assert c1["openedAt"] == _t(2024, 1, 3, 9, 0, 5)  # the latest case's start
    assert c1["firstOpenedAt"] == _t(2024, 1, 1, 9, 0, 5)  # the first case's
    assert c1["managerIds"] == ["7", "8"]
    assert chats["_sheet"].unique().to_list() == ["UserChatCase data (latest case per chat)"]
    assert exp.accounting()["balanced"].all()


def test_path_source_names_the_file(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "june.xlsx"  # type: ignore[operator]
    path.write_bytes(write_export(_frames("legacy")))
    exp = ct.open_export(path)
    assert exp.chats["_file"].unique().to_list() == ["june.xlsx"]
    with path.open("rb") as handle:
        assert ct.open_export(handle).messages["_file"].unique().to_list() == ["june.xlsx"]


def test_sheet_order_does_not_matter() -> None:
    frames = _frames("2026")
    reordered = {k: frames[k] for k in reversed(list(frames))}
    exp = ct.open_export(write_export(reordered, generation="2026"))
    assert exp.generation == "2026"
    assert_frame_equal(exp.chats.drop(PROVENANCE), _expected(frames["chats"]))


@pytest.mark.parametrize("generation", schema.GENERATIONS)
@pytest.mark.parametrize(("container", "shape", "password"), [
    ("xlsx", "sheets", sample.DEFAULT_PASSWORD), ("json", "api", None),
    ("zip", "sheets", sample.DEFAULT_PASSWORD),
])  # fmt: skip
def test_sample_round_trip(
    generation: schema.Generation, container: str, shape: str, password: str | None
) -> None:
    data = sample.generate(40, seed=11, generation=generation)
    payload = write_export(
        data.frames, generation=generation, container=container,  # type: ignore[arg-type]
        json_shape=shape, password=password,  # type: ignore[arg-type]
    )  # fmt: skip
    exp = ct.open_export(payload, password=password)
    assert exp.generation == generation
    for key, frame in data.frames.items():
        assert_frame_equal(exp.frame(key).drop(PROVENANCE), _expected(frame))
    assert exp.problems.filter(pl.col("row").is_not_null()).is_empty()
