"""Support-bot funnel and campaign outcomes, against hand-counted expectations."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

import chattools as ct
from chattools import Export, schema
from chattools.derive.funnel import supportbot_steps

TZ = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 3, 4, 10, tzinfo=TZ)


def typed(sheet: str, **columns: object) -> pl.DataFrame:
    """A typed frame of ``sheet`` from a few columns (others null, provenance filled)."""
    n = len(next(iter(columns.values())))  # type: ignore[arg-type]
    columns.setdefault("_file", ["f.xlsx"] * n)
    columns.setdefault("_row", list(range(1, n + 1)))
    return pl.concat([schema.empty_frame(sheet), pl.DataFrame(columns)], how="diagonal_relaxed")


def minutes(m: int | None) -> datetime | None:
    return None if m is None else T0 + timedelta(minutes=m)


def _export() -> Export:
    chats = typed(
        "chats",
        id=["a", "b", "c", "d", "e", "f"],
        supportBotId=["5", "5", "5", "6", None, None],
        marketingId=["100", "100", "100", None, "200", None],
        marketingType=["campaign", "campaign", None, None, "oneTimeMsg", None],
        state=["closed", "opened", "closed", "closed", "opened", "closed"],
        openedAt=[T0] * 6,
        # a: 1 min, b: none (but a team message exists), c: 5 min, d: 2 min, f: 10 min
        firstRepliedAtAfterOpen=[minutes(1), None, minutes(5), minutes(2), None, minutes(10)],
    )
    messages = typed(
        "messages",
        chatId=["a", "a", "b", "b", "c", "e", "x"],
        personType=["user", "manager", "user", "manager", "bot", "bot", "user"],
        personId=["u", "7", "u", "7", "3", "3", "u"],
        createdAt=[T0] * 7,
        plainText=["q", "a", "q", "a", "hi", "hi", "?"],
    )
    supportbots = typed(
        "supportbots",
        id=["5", "5", "9"],
        revisionId=["1", "1", "1"],
        sectionPath=[["Start", "Refund", "Agent"], ["Start", "FAQ"], ["Hello"]],
    )
    marketing = typed("marketing", id=["100", "300"], name=["Spring", "Unused"], type=["a", "b"])
    return Export(
        {"chats": chats, "messages": messages, "supportbots": supportbots, "marketing": marketing}
    )


def test_supportbot_funnel_by_hand() -> None:
    out = ct.supportbot_funnel(_export())
    assert out.select(
        "supportBotId",
        "bot_known",
        "chats",
        "customer_wrote",
        "team_replied",
        "closed",
        "left_before_team",
    ).rows() == [
        # bot 5: a (wrote, replied, closed), b (wrote, team message, open), c (bot only,
        # firstRepliedAtAfterOpen set, closed)
        ("5", True, 3, 2, 3, 2, 0),
        (None, None, 2, 0, 1, 1, 1),  # e, f: no bot
        ("6", False, 1, 0, 1, 1, 0),  # not in the SupportBot sheet
        ("9", True, 0, 0, 0, 0, 0),  # a bot no chat used
    ]
    assert out.filter(pl.col("supportBotId") == "5")["paths"].to_list() == [
        ["Start > Refund > Agent", "Start > FAQ"]
    ]
    assert out["chats"].sum() == _export().chats.height
    rates = out.filter(pl.col("supportBotId") == "5").select("team_replied_rate", "closed_rate")
    assert rates.rows() == [(1.0, 2 / 3)]
    assert out.filter(pl.col("supportBotId") == "9")["closed_rate"].to_list() == [None]


def test_without_messages_customer_wrote_is_unknown() -> None:
    exp = _export().with_frames(messages=schema.empty_frame("messages"))
    out = ct.supportbot_funnel(exp)
    assert out["customer_wrote"].null_count() == out.height
    # the exported first reply still counts as a team reply: a, c (bot 5), d, f
    assert out.select("supportBotId", "team_replied").rows()[:3] == [
        ("5", 2),
        (None, 1),
        ("6", 1),
    ]


def test_supportbot_steps() -> None:
    out = supportbot_steps(_export())
    assert out.select("supportBotId", "path_number", "step", "section", "is_last").rows() == [
        ("5", 1, 1, "Start", False),
        ("5", 1, 2, "Refund", False),
        ("5", 1, 3, "Agent", True),
        ("5", 2, 1, "Start", False),
        ("5", 2, 2, "FAQ", True),
        ("9", 1, 1, "Hello", True),
    ]
    assert out["bot_chats"].to_list() == [3, 3, 3, 3, 3, 0]


def test_campaign_outcomes_by_hand() -> None:
    out = ct.campaign_outcomes(_export())
    assert out.select(
        "marketingId",
        "marketingType",
        "campaign_name",
        "campaign_known",
        "chats",
        "answered",
        "resolved",
        "first_response_time_median",
        "first_response_time_n",
    ).rows() == [
        # a: 1 min, b: none, c: 5 min → median 3 min of 2 samples
        ("100", "campaign", "Spring", True, 3, 3, 2, timedelta(minutes=3), 2),
        # d: 2 min, f: 10 min → 6 min
        (None, None, None, None, 2, 2, 2, timedelta(minutes=6), 2),
        ("200", "oneTimeMsg", None, False, 1, 0, 0, None, 0),
        ("300", None, "Unused", True, 0, 0, 0, None, 0),
    ]
    assert out["chats"].sum() == _export().chats.height
    first = out.row(0, named=True)
    assert (first["answered_rate"], first["resolved_rate"]) == (1.0, 2 / 3)


def test_empty_export() -> None:
    assert ct.campaign_outcomes(Export.empty()).height == 0
    assert ct.supportbot_funnel(Export.empty()).height == 0
    assert supportbot_steps(Export.empty()).height == 0
