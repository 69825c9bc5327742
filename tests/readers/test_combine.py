"""Merging hand-built exports: dedup rules, messages per chat, duplicates, coverage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import schema
from chattools.errors import InvalidValueError
from chattools.export import SOURCE_SCHEMA
from chattools.readers.combine import combine, coverage

TZ = "Asia/Seoul"
SHEET_NAMES = {
    "chats": "UserChat data",
    "messages": "Message data",
    "users": "User data",
    "supportbots": "SupportBot data",
    "tags": "UserChatTag data",
}


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def typed(sheet: str, rows: list[dict[str, Any]], file: str, tz: str = TZ) -> pl.DataFrame:
    """A typed frame from plain Python rows (naive datetimes are channel-local)."""
    target = schema.typed_schema(sheet, tz)
    if not rows:
        return pl.DataFrame(schema=target)
    naive = {
        name: pl.Datetime("us") if isinstance(dtype, pl.Datetime) else dtype
        for name, dtype in target.items()
    }
    full = [
        {**{c: None for c in target}, **r, "_file": file, "_sheet": SHEET_NAMES[sheet], "_row": i}
        for i, r in enumerate(rows, start=1)
    ]
    frame = pl.DataFrame(full, schema=naive)
    return frame.with_columns(
        pl.col(c).dt.replace_time_zone(tz) for c, d in target.items() if isinstance(d, pl.Datetime)
    )


def make_export(
    file: str,
    *,
    tz: str = TZ,
    generation: schema.Generation = "legacy",
    **sheets: list[dict[str, Any]],
) -> ct.Export:
    frames = {k: typed(k, rows, file, tz) for k, rows in sheets.items()}
    chats = frames.get("chats", schema.empty_frame("chats", tz))
    sources = pl.DataFrame(
        {
            "file": [file],
            "sha256": ["0" * 64],
            "container": ["xlsx"],
            "generation": [generation],
            "sheets": [[SHEET_NAMES[k] for k in sheets]],
            "chats": [chats.height],
            "messages": [frames["messages"].height if "messages" in frames else 0],
            "first_chat_at": [chats["createdAt"].min()],
            "last_chat_at": [chats["createdAt"].max()],
        },
        schema=SOURCE_SCHEMA,
    )
    rows_read = pl.DataFrame(
        {
            "file": [file] * len(frames),
            "sheet": [SHEET_NAMES[k] for k in frames],
            "rows_read": [f.height for f in frames.values()],
        },
        schema={"file": pl.String, "sheet": pl.String, "rows_read": pl.Int64},
    )
    return ct.Export(
        frames, generation=generation, timezone=tz, sources=sources, rows_read=rows_read
    )


def msg(chat: str, when: str, text: str, person: str = "user") -> dict[str, Any]:
    return {"chatId": chat, "personType": person, "createdAt": t(when), "plainText": text}


def chat(cid: str, created: str, closed: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "state": "closed" if closed else "opened",
        "createdAt": t(created),
        "closedAt": t(closed) if closed else None,
        **extra,
    }


@pytest.fixture
def overlapping() -> tuple[ct.Export, ct.Export]:
    a = make_export(
        "a.xlsx",
        chats=[
            chat("c1", "2024-01-01 09:00:00", "2024-01-02 10:00:00", name="old"),
            chat("c2", "2024-01-01 11:00:00", "2024-01-01 12:00:00"),
        ],
        messages=[
            msg("c1", "2024-01-01 09:00:00", "hi"),
            msg("c2", "2024-01-01 11:00:00", "dup"),
            msg("c2", "2024-01-01 11:00:00", "dup"),
            msg("c1", "2024-01-01 09:05:00", "ok", "manager"),
        ],
    )
    b = make_export(
        "b.xlsx",
        chats=[chat("c1", "2024-01-01 09:00:00", "2024-01-05 10:00:00", name="new")],
        messages=[
            msg("c1", "2024-01-01 09:00:00", "hi"),
            msg("c1", "2024-01-01 09:05:00", "ok", "manager"),
            msg("c1", "2024-01-04 08:00:00", "again"),
        ],
    )
    return a, b


def test_same_chat_in_two_files_keeps_recent_version_and_its_messages(overlapping):
    a, b = overlapping
    for order in ([a, b], [b, a]):  # the more recent version wins whatever the order
        merged = combine(order)
        chats = merged.chats.sort("id")
        assert chats.select("id", "name", "_file").rows() == [
            ("c1", "new", "b.xlsx"),
            ("c2", None, "a.xlsx"),
        ]
        c1 = merged.messages.filter(pl.col("chatId") == "c1")
        assert c1.select("plainText", "_file", "_row").sort("_row").rows() == [
            ("hi", "b.xlsx", 1),
            ("ok", "b.xlsx", 2),
            ("again", "b.xlsx", 3),
        ]


def test_duplicate_messages_within_one_file_are_kept(overlapping):
    merged = combine(list(overlapping))
    c2 = merged.messages.filter(pl.col("chatId") == "c2")
    assert c2.select("plainText", "_row").rows() == [("dup", 2), ("dup", 3)]


def test_dropped_rows_are_duplicates_not_problems_and_accounting_balances(overlapping):
    merged = combine(list(overlapping))
    assert merged.problems.height == 0
    got = merged.duplicates.sort("sheet", "row")
    assert got.columns == ["file", "sheet", "row", "key", "kept_file"]
    assert got.rows() == [
        ("a.xlsx", "Message data", 1, "c1", "b.xlsx"),
        ("a.xlsx", "Message data", 4, "c1", "b.xlsx"),
        ("a.xlsx", "UserChat data", 1, "c1", "b.xlsx"),
    ]
    acc = merged.accounting()
    assert acc["balanced"].all()
    row = acc.filter(file="a.xlsx", sheet="Message data").row(0, named=True)
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"], row["rows_merged"]) == (
        4,
        2,
        0,
        2,
    )
    # provenance stays on every row, and the columns keep the typed schema
    assert merged.messages.schema == schema.typed_schema("messages")
    assert merged.sources["file"].to_list() == ["a.xlsx", "b.xlsx"]


def test_equal_versions_go_to_the_later_file():
    row = chat("c1", "2024-01-01 09:00:00", "2024-01-02 10:00:00")
    a = make_export("a.xlsx", chats=[row], messages=[msg("c1", "2024-01-01 09:00:00", "x")])
    b = make_export("b.xlsx", chats=[row], messages=[msg("c1", "2024-01-01 09:00:00", "x")])
    merged = combine([a, b])
    assert merged.chats["_file"].to_list() == ["b.xlsx"]
    assert merged.messages["_file"].to_list() == ["b.xlsx"]
    assert combine([b, a]).chats["_file"].to_list() == ["a.xlsx"]


def test_messages_fall_back_when_kept_file_has_none_for_the_chat():
    a = make_export(
        "a.xlsx",
        chats=[chat("c1", "2024-01-01 09:00:00", "2024-01-02 10:00:00")],
        messages=[msg("c1", "2024-01-01 09:00:00", "from a")],
    )
    b = make_export("b.xlsx", chats=[chat("c1", "2024-01-01 09:00:00", "2024-01-09 10:00:00")])
    merged = combine([a, b])
    assert merged.chats["_file"].to_list() == ["b.xlsx"]
    assert merged.messages.select("plainText", "_file").rows() == [("from a", "a.xlsx")]


def test_users_by_id_most_recent_update_then_later_file():
    a = make_export(
        "a.xlsx",
        users=[
            {"id": "u1", "name": "A-new", "updatedAt": t("2024-03-01 00:00:00")},
            {"id": "u2", "name": "A"},
        ],
    )
    b = make_export(
        "b.xlsx",
        users=[
            {"id": "u1", "name": "B-old", "updatedAt": t("2024-01-01 00:00:00")},
            {"id": "u2", "name": "B"},
            {"id": "u3", "name": "B3"},
        ],
    )
    merged = combine([a, b])
    assert merged.users.sort("id").select("id", "name").rows() == [
        ("u1", "A-new"),
        ("u2", "B"),
        ("u3", "B3"),
    ]


def test_supportbots_by_id_and_path():
    rows = [{"id": "1", "sectionPath": ["start", "faq"]}, {"id": "1", "sectionPath": ["start"]}]
    a = make_export("a.xlsx", supportbots=rows)
    b = make_export("b.xlsx", supportbots=rows[:1])
    merged = combine([a, b])
    got = merged.supportbots.select("sectionPath", "_file").sort("_file").rows()
    assert got == [(["start"], "a.xlsx"), (["start", "faq"], "b.xlsx")]


def test_extra_columns_are_kept_and_provenance_stays_last():
    a = make_export("a.xlsx", users=[{"id": "u1"}]).with_frames(
        users=typed("users", [{"id": "u1"}], "a.xlsx").with_columns(
            pl.lit("vip").alias("profile.tier")
        )
    )
    b = make_export("b.xlsx", users=[{"id": "u2"}])
    users = combine([a, b]).users
    assert users.columns[-4:] == ["profile.tier", "_file", "_sheet", "_row"]
    assert users.sort("id")["profile.tier"].to_list() == ["vip", None]


def test_generation_is_the_newest_and_timezones_must_match():
    a = make_export("a.xlsx", chats=[chat("c1", "2024-01-01 09:00:00")])
    b = make_export("b.xlsx", generation="2026", chats=[chat("c2", "2024-02-01 09:00:00")])
    merged = combine([a, b])
    assert merged.generation == "2026"
    assert merged.sources["generation"].to_list() == ["legacy", "2026"]
    utc = make_export("u.xlsx", tz="UTC", chats=[chat("c3", "2024-01-01 09:00:00")])
    with pytest.raises(InvalidValueError, match="different time zones"):
        combine([a, utc])
    with pytest.raises(InvalidValueError, match="no exports"):
        combine([])
    with pytest.raises(InvalidValueError, match=r"'a\.xlsx' is in more than one"):
        combine([a, a])


def test_coverage_overlap_and_gap_by_hand():
    # a: Jan 1–10, b: Jan 8–20 (shares chat "s" with a), c: Jan 25–31, d: no chats.
    a = make_export(
        "a.xlsx", chats=[chat("a1", "2024-01-01 10:00:00"), chat("s", "2024-01-10 23:00:00")]
    )
    b = make_export(
        "b.xlsx",
        chats=[
            chat("s", "2024-01-10 23:00:00", "2024-01-11 09:00:00"),
            chat("b1", "2024-01-08 00:30:00"),
            chat("b2", "2024-01-20 12:00:00"),
        ],
    )
    c = make_export(
        "c.xlsx", chats=[chat("c1", "2024-01-25 00:00:00"), chat("c2", "2024-01-31 23:59:59")]
    )
    d = make_export("d.xlsx", chats=[])
    cov = coverage(combine([c, a, d, b]))
    assert cov["file"].to_list() == ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"]
    assert cov["first_chat_at"].dt.date().to_list() == [
        date(2024, 1, 1),
        date(2024, 1, 8),
        date(2024, 1, 25),
        None,
    ]
    assert cov["chats"].to_list() == [2, 3, 2, 0]
    assert cov["chats_in_other_files"].to_list() == [1, 1, 0, 0]
    assert cov["previous_file"].to_list() == [None, "a.xlsx", "b.xlsx", "c.xlsx"]
    # b overlaps a on Jan 8, 9, 10; Jan 21–24 are covered by no file.
    assert cov["overlap_days"].to_list() == [None, 3, 0, None]
    assert cov["gap_days"].to_list() == [None, 0, 4, None]
    assert ct.coverage is coverage
    assert_frame_equal(coverage(combine([c, a, d, b])), cov)
