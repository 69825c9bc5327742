"""The timeline: order from ordered_messages, sender names, unknown ids and orphans kept."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
from builders import typed
from polars.testing import assert_frame_equal

from chattools import Export, schema
from chattools.derive.timeline import chats_without_messages, timeline
from chattools.export import SOURCE_SCHEMA

TZ = ZoneInfo("Asia/Seoul")


def t(second: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 4, 10, minute, second, tzinfo=TZ)


def _export() -> Export:
    # Two files: "b.xlsx" was loaded first, so on same-second ties its rows come first.
    messages = typed(
        "messages",
        chatId=["c1", "c1", "c1", "c1", "c1", "c2", "zz", "c1"],
        personType=["user", "manager", "manager", "bot", "user", "user", "user", "manager"],
        personId=["u1", "42", "7", "3", "u1", "u2", "u5", "7"],
        createdAt=[t(5), t(5), t(9), t(1), t(5), t(0), t(0), t(9)],
        plainText=["hello", "hi there", "dup", "welcome", "again", "yo", "lost", "dup"],
        _file=["a.xlsx", "b.xlsx", "a.xlsx", "a.xlsx", "a.xlsx", "a.xlsx", "a.xlsx", "a.xlsx"],
        _row=[1, 5, 3, 0, 2, 4, 6, 7],
    )
    chats = typed(
        "chats",
        id=["c1", "c2", "c3"],
        userId=["u1", "u2", None],
        name=["Kim chat", "Lee", None],
        state=["closed", "opened", "opened"],
        assigneeId=["7", None, None],
    )
    users = typed("users", id=["u1"], name=["Kim Minji"])
    managers = typed("managers", id=["7"], name=["Ann"])
    bots = typed("bots", id=["3"], name=["Welcome bot"])
    sources = pl.concat(
        [pl.DataFrame(schema=SOURCE_SCHEMA), pl.DataFrame({"file": ["b.xlsx", "a.xlsx"]})],
        how="diagonal_relaxed",
    )
    return Export(
        {"messages": messages, "chats": chats, "users": users, "managers": managers, "bots": bots},
        sources=sources,
    )


def test_order_ties_and_duplicates() -> None:
    out = timeline(_export())
    c1 = out.filter(pl.col("chatId") == "c1")
    # bot at :01; three messages at :05 — b.xlsx first (loaded first), then a.xlsx rows 1, 2;
    # the duplicate manager rows at :09 are both kept
    assert c1["plainText"].to_list() == ["welcome", "hi there", "hello", "again", "dup", "dup"]
    assert c1["message_number"].to_list() == [1, 2, 3, 4, 5, 6]
    assert c1["side"].to_list() == ["bot", "team", "customer", "customer", "team", "team"]
    assert out.height == _export().messages.height


def test_sender_names_and_unknown_manager() -> None:
    out = timeline(_export()).filter(pl.col("chatId") == "c1")
    assert out["sender_name"].to_list() == [
        "Welcome bot",
        "manager 42 (unknown)",
        "Kim Minji",
        "Kim Minji",
        "Ann",
        "Ann",
    ]
    assert out["sender_known"].to_list() == [True, False, True, True, True, True]


def test_customer_name_falls_back_to_chat_name() -> None:
    out = timeline(_export())
    c2 = out.filter(pl.col("chatId") == "c2")
    # u2 has no User row: the chat's name is used
    assert c2.select("sender_name", "sender_known", "state", "chat_known").rows() == [
        ("Lee", True, "opened", True)
    ]


def test_message_of_unknown_chat_kept() -> None:
    out = timeline(_export())
    orphan = out.filter(pl.col("chatId") == "zz")
    assert orphan.select("chat_known", "state", "sender_name", "sender_known").rows() == [
        (False, None, "customer u5 (unknown)", False)
    ]


def test_chat_columns_and_provenance() -> None:
    out = timeline(_export())
    assert out.columns[:9] == [
        "chatId",
        "message_number",
        "createdAt",
        "side",
        "personType",
        "personId",
        "sender_name",
        "sender_known",
        "plainText",
    ]
    assert out.columns[-3:] == ["_file", "_sheet", "_row"]
    first = out.row(0, named=True)
    assert (first["state"], first["assigneeId"], first["userId"], first["chat_name"]) == (
        "closed",
        "7",
        "u1",
        "Kim chat",
    )


def test_chats_without_messages() -> None:
    assert chats_without_messages(_export())["id"].to_list() == ["c3"]
    no_messages = _export().with_frames(messages=schema.empty_frame("messages"))
    assert chats_without_messages(no_messages)["id"].to_list() == ["c1", "c2", "c3"]


def test_internal_notes_are_notes() -> None:
    exp = _export()
    messages = exp.messages.with_columns(
        pl.Series("isPrivate", [False, True, False, False, False, False, False, False])
    )
    out = timeline(exp.with_frames(messages=messages))
    note = out.filter(pl.col("plainText") == "hi there")
    assert note.select("side", "sender_name").rows() == [("note", "manager 42 (unknown)")]


def test_lazy_export_and_method_agree() -> None:
    exp = _export()
    before = exp.messages.clone()
    lazy_exp = Export({k: v.lazy() for k, v in exp.frames.items()}, sources=exp.sources)
    assert_frame_equal(timeline(lazy_exp), timeline(exp))
    assert isinstance(timeline(exp, lazy=True), pl.LazyFrame)
    assert_frame_equal(exp.messages, before)


def test_chat_ids_filter() -> None:
    out = timeline(_export(), chat_ids=["c2", "zz"])
    assert sorted(out["chatId"].to_list()) == ["c2", "zz"]
