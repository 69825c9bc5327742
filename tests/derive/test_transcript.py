"""Transcripts: text lines, escaped HTML, masking, as_of and unknown chats."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from builders import typed

from chattools import Export
from chattools.derive.transcript import Transcript, transcript
from chattools.errors import ChatNotFoundError
from chattools.privacy import pseudonym

TZ = ZoneInfo("Asia/Seoul")


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 4, 10, minute, second, tzinfo=TZ)


def _export() -> Export:
    messages = typed(
        "messages",
        chatId=["c1"] * 6 + ["orphan"],
        personType=["bot", "user", "user", "manager", "manager", "user", "user"],
        personId=["3", "u1", "u1", "7", "7", "u1", "u9"],
        createdAt=[at(0, 1), at(0, 5), at(0, 5), at(1), at(2), at(30), at(0)],
        plainText=[
            "Welcome!",
            "hello <b>I am Kim</b>",
            None,
            "line one\nline two",
            "check tags & notes",
            "call me: 010-1234-5678, kim@example.com",
            "hi",
        ],
        isPrivate=[None, None, None, False, True, None, None],
    )
    chats = typed("chats", id=["c1", "c9"], name=["Kim", "Empty"], state=["closed", "opened"])
    managers = typed("managers", id=["7"], name=["Ann"])
    bots = typed("bots", id=["3"], name=["Helper"])
    return Export({"messages": messages, "chats": chats, "managers": managers, "bots": bots})


def test_plain_text() -> None:
    tr = transcript(_export(), "c1")
    assert isinstance(tr, Transcript)
    assert str(tr) == "\n".join(
        [
            "Chat c1 · state closed · 6 messages",
            "[2026-03-04 10:00:01] Bot (Helper): Welcome!",
            "[2026-03-04 10:00:05] Customer (Kim): hello <b>I am Kim</b>",
            "[2026-03-04 10:00:05] Customer (Kim): (file)",
            "[2026-03-04 10:01:00] Team (Ann): line one\n    line two",
            "[2026-03-04 10:02:00] Note (Ann): check tags & notes",
            "[2026-03-04 10:30:00] Customer (Kim): call me: 010-1234-5678, kim@example.com",
        ]
    )
    assert tr.frame.height == 6
    assert tr.frame["message_number"].to_list() == [1, 2, 3, 4, 5, 6]


def test_html_is_escaped_and_marks_sides() -> None:
    html = transcript(_export(), "c1")._repr_html_()
    assert "<b>I am Kim</b>" not in html
    assert "hello &lt;b&gt;I am Kim&lt;/b&gt;" in html
    assert "check tags &amp; notes" in html
    assert "line one<br>line two" in html
    for side in ("customer", "team", "bot", "note"):
        assert f'class="ct-msg ct-{side}"' in html
    assert html.count('class="ct-msg ') == 6
    assert ">(file)<" in html
    assert html == transcript(_export(), "c1")._repr_html_()  # deterministic


def test_mask() -> None:
    tr = transcript(_export(), "c1", mask=True)
    kim = pseudonym("Kim")
    lines = str(tr).splitlines()
    assert lines[0].endswith("personal data masked")
    assert lines[2] == f"[2026-03-04 10:00:05] Customer ({kim}): hello <b>I am {kim}</b>"
    assert lines[4] == "[2026-03-04 10:01:00] Team (Ann): line one"
    assert lines[-1] == f"[2026-03-04 10:30:00] Customer ({kim}): call me: [phone], [email]"
    assert "Kim" not in str(tr).replace(kim, "")
    assert "Kim" not in tr._repr_html_().replace(kim, "")


def test_as_of() -> None:
    exp = _export()
    assert transcript(exp, "c1", as_of=at(1)).frame.height == 4
    assert transcript(exp, "c1", as_of="2026-03-04 10:00:05").frame.height == 3
    # an aware time in another zone: 01:00:01 UTC is 10:00:01 in Seoul
    utc = datetime(2026, 3, 4, 1, 0, 1, tzinfo=ZoneInfo("UTC"))
    assert transcript(exp, "c1", as_of=utc).frame["plainText"].to_list() == ["Welcome!"]


def test_unknown_and_partial_chats() -> None:
    exp = _export()
    with pytest.raises(ChatNotFoundError, match="'nope'"):
        transcript(exp, "nope")
    with pytest.raises(KeyError):
        transcript(exp, "nope")
    empty = transcript(exp, "c9")
    assert str(empty) == "Chat c9 · state opened · 0 messages"
    assert "no messages" in empty._repr_html_()
    orphan = transcript(exp, "orphan")
    assert str(orphan).splitlines() == [
        "Chat orphan · not in the chats sheet · 1 messages",
        "[2026-03-04 10:00:00] Customer (customer u9 (unknown)): hi",
    ]
