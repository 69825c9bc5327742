"""The fictional channel: managers, bots, the support bot, campaigns, tags, teams, users.

:func:`build_world` draws everything that does not depend on single conversations from
a seeded ``random.Random``. Sheet contents are kept as columns of raw Python values
(epoch seconds for local timestamps, epoch milliseconds for the User sheet's UTC
timestamps); :mod:`chattools.sample.frames` turns them into typed frames.

Examples
--------
>>> import random
>>> w = build_world(random.Random(7), users=50, export_at=1782799200)
>>> 8 <= len(w.manager_ids) <= 12, len(w.managers["id"]), 2 <= len(w.bot_ids) <= 3
(True, 3, True)
>>> len(set(w.supportbots["id"])), len(w.supportbots["id"]) > 1
(1, True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from chattools.sample.text import SECTION_PATHS, TAG_NAMES, person_name

__all__ = ["Columns", "World", "build_world", "hex_id"]

#: A sheet's contents: column name → values, one per row.
Columns = dict[str, list[Any]]

_JAN_2025 = 1735657200  # 2025-01-01 00:00 KST
_JAN_2026 = 1767193200  # 2026-01-01 00:00 KST

#: Optional User columns: name → (share of users having it, value maker).
_USER_EXTRA: dict[str, tuple[float, Any]] = {
    "profile.name": (0.9, lambda r, n: n),
    "profile.email": (0.7, lambda r, n: f"user{r.randint(1000, 99999)}@example.com"),
    "profile.mobileNumber": (0.6, lambda r, n: f"+8210{r.randint(10000000, 99999999)}"),
    "profile.plan": (0.3, lambda r, n: r.choice(("free", "basic", "pro"))),
    "profile.companyName": (
        0.1,
        lambda r, n: r.choice(("주식회사 예시", "Example Ltd.", "샘플상사")),
    ),
    "profile.lastOrderId": (0.2, lambda r, n: f"2026{r.randint(100000, 999999)}"),
    "profile.marketingConsent": (0.05, lambda r, n: r.choice(("true", "false"))),
    "profile.referrer": (0.008, lambda r, n: "https://blog.example.com/"),
    "web.browserName": (0.6, lambda r, n: r.choice(("Chrome", "Safari", "Edge", "Whale"))),
    "web.browserVersion": (0.6, lambda r, n: f"{r.randint(120, 140)}.0"),
    "web.osName": (0.6, lambda r, n: r.choice(("Windows", "Mac OS", "iOS", "Android"))),
    "web.osVersion": (0.5, lambda r, n: f"{r.randint(10, 17)}"),
    "web.device": (0.5, lambda r, n: r.choice(("desktop", "mobile", "tablet"))),
    "web.language": (0.02, lambda r, n: r.choice(("ko-KR", "en-US"))),
    "mobile.appVersion": (0.3, lambda r, n: f"3.{r.randint(0, 9)}.{r.randint(0, 20)}"),
    "mobile.os": (0.3, lambda r, n: r.choice(("iOS", "Android"))),
    "mobile.osVersion": (0.3, lambda r, n: f"{r.randint(14, 19)}.{r.randint(0, 4)}"),
    "mobile.deviceModel": (0.25, lambda r, n: r.choice(("iPhone16,2", "SM-S928N", "Pixel 9"))),
    "mobile.sdkVersion": (0.004, lambda r, n: "12.3.0"),
    "mobile.carrier": (0.002, lambda r, n: r.choice(("SKT", "KT", "LG U+"))),
}


def hex_id(rng: random.Random) -> str:
    """A 20-character lowercase hex id (chat and user ids)."""
    return f"{rng.getrandbits(80):020x}"


def _digit_ids(rng: random.Random, n: int, lo: int, hi: int) -> list[str]:
    return [str(i) for i in rng.sample(range(lo, hi), n)]


@dataclass
class World:
    """Everything of the channel that conversations refer to."""

    channel_id: str
    manager_ids: list[str]
    manager_names: dict[str, str]
    bot_ids: list[str]
    support_bot_id: str
    section_paths: list[tuple[str, ...]]
    campaigns: list[tuple[str, str, str]]  # (id, type, name)
    tag_names: list[str]
    team_ids: list[str]
    team_names: dict[str, str]
    user_ids: list[str]
    user_names: dict[str, str]
    managers: Columns = field(default_factory=dict)
    bots: Columns = field(default_factory=dict)
    supportbots: Columns = field(default_factory=dict)
    marketing: Columns = field(default_factory=dict)
    tags: Columns = field(default_factory=dict)
    teams: Columns = field(default_factory=dict)
    users: Columns = field(default_factory=dict)


def _managers(rng: random.Random, channel: str, ids: list[str], names: dict[str, str]) -> Columns:
    """The Manager sheet: deliberately only three of the channel's managers."""
    listed = sorted(rng.sample(ids, 3))
    watch = ("all", "info", "none")
    return {
        "id": listed,
        "channelId": [channel] * 3,
        "accountId": _digit_ids(rng, 3, 100_000, 999_999),
        "name": [names[i] for i in listed],
        "email": [f"agent{k + 1}@example.com" for k in range(3)],
        "mobileNumber": [f"+8210{rng.randint(10000000, 99999999)}", None, None],
        "removed": [False, False, rng.random() < 0.5],
        "createdAt": [rng.randint(_JAN_2025, _JAN_2026) for _ in listed],
        "defaultGroupWatch": [rng.choice(watch) for _ in listed],
        "defaultDirectChatWatch": [rng.choice(watch) for _ in listed],
        "defaultUserChatWatch": [rng.choice(watch) for _ in listed],
        "receiveUnassignedChatAlert": [rng.random() < 0.5 for _ in listed],
        "operatorEmailReminder": [rng.random() < 0.5 for _ in listed],
    }


def _users(rng: random.Random, ids: list[str], names: dict[str, str], export_at: int) -> Columns:
    """The User sheet (about 95% of the users; the others have chats but no row)."""
    listed = [u for u in ids if rng.random() < 0.95] or ids[:1]
    export_ms = export_at * 1000
    cols: Columns = {k: [] for k in ("id", "name", "tags", "memberId", "member", "language")}
    extra: Columns = {k: [None] * len(listed) for k in _USER_EXTRA}
    more = ("country", "timeZone", "province", "lastSeenAt", "sessionsCount", "createdAt")
    for k in (*more, "updatedAt", "unsubscribeEmail", "unsubscribeTexting", "hasPushToken"):
        cols[k] = []
    for row, uid in enumerate(listed):
        created = rng.randint(_JAN_2025, _JAN_2026) * 1000 + rng.choice((0, rng.randint(0, 999)))
        korean = rng.random() < 0.85
        member = rng.random() < 0.4
        cols["id"].append(uid)
        cols["name"].append(names[uid])
        cols["tags"].append(
            rng.sample(["vip", "b2b", "beta", "휴면"], 1) if rng.random() < 0.1 else None
        )
        cols["memberId"].append(f"M{rng.randint(10000, 99999)}" if member else None)
        cols["member"].append(member)
        cols["language"].append("ko" if korean else rng.choice(("en", "ja")))
        cols["country"].append("KR" if korean else rng.choice(("US", "JP", None)))
        cols["timeZone"].append("Asia/Seoul" if korean else rng.choice(("America/New_York", None)))
        cols["province"].append(rng.choice(("Seoul", "Gyeonggi-do", "Busan", None)))
        cols["lastSeenAt"].append(rng.randint(created, export_ms))
        cols["sessionsCount"].append(rng.randint(1, 300))
        cols["createdAt"].append(created)
        cols["updatedAt"].append(rng.randint(created, export_ms))
        cols["unsubscribeEmail"].append(rng.random() < 0.1)
        cols["unsubscribeTexting"].append(rng.random() < 0.15)
        cols["hasPushToken"].append(rng.random() < 0.3)
        for name, (share, make) in _USER_EXTRA.items():
            if rng.random() < share:
                extra[name][row] = make(rng, names[uid])
    # the column set depends on the seed and the size: only columns someone has
    cols.update({k: v for k, v in extra.items() if any(x is not None for x in v)})
    return cols


def build_world(rng: random.Random, *, users: int, export_at: int) -> World:
    """Draw the channel: ~8–12 managers, 2–3 bots, one support bot, 3–5 campaigns, tags, users."""
    channel = str(rng.randint(10_000, 99_999))
    manager_ids = _digit_ids(rng, rng.randint(8, 12), 100_000, 999_999)
    manager_names: dict[str, str] = {}
    for m in manager_ids:  # unique display names
        name = person_name(rng)
        manager_names[m] = name if name not in manager_names.values() else f"{name}{m[-2:]}"
    bot_names = ["채널봇", "Support Bot", "마케팅봇"][: rng.randint(2, 3)]
    bot_ids = _digit_ids(rng, len(bot_names), 10_000, 99_999)
    support_bot_id = str(rng.randint(1_000, 9_999))
    paths = sorted(rng.sample(list(SECTION_PATHS), rng.randint(4, len(SECTION_PATHS))))
    n_campaigns = rng.randint(3, 5)
    campaign_ids = _digit_ids(rng, n_campaigns, 100_000, 999_999)
    campaigns = [
        (cid, rng.choice(("campaign", "oneTimeMsg")), f"{month}월 프로모션 #{k + 1}")
        for k, (cid, month) in enumerate(
            zip(campaign_ids, rng.sample(range(1, 7), n_campaigns), strict=True)
        )
    ]
    team_names = {
        t: n
        for t, n in zip(
            _digit_ids(rng, 3, 1_000, 9_999), ("결제팀", "배송팀", "Tech Support"), strict=True
        )
    }
    tag_ids = _digit_ids(rng, len(TAG_NAMES), 100_000, 999_999)
    user_ids = [hex_id(rng) for _ in range(users)]
    user_names = {u: person_name(rng) for u in user_ids}
    world = World(
        channel_id=channel,
        manager_ids=manager_ids,
        manager_names=manager_names,
        bot_ids=bot_ids,
        support_bot_id=support_bot_id,
        section_paths=paths,
        campaigns=campaigns,
        tag_names=list(TAG_NAMES),
        team_ids=list(team_names),
        team_names=team_names,
        user_ids=user_ids,
        user_names=user_names,
    )
    world.managers = _managers(rng, channel, manager_ids, manager_names)
    created = [rng.randint(_JAN_2025, _JAN_2026) for _ in bot_ids]
    world.bots = {
        "id": bot_ids,
        "channelId": [channel] * len(bot_ids),
        "name": bot_names,
        "createdAt": created,
        "color": [rng.choice(("#5E56F0", "#FF6B6B", "#2FBF71")) for _ in bot_ids],
    }
    revision = str(rng.randint(100_000, 999_999))
    world.supportbots = {
        "id": [support_bot_id] * len(paths),
        "revisionId": [revision] * len(paths),
        "sectionPath": [list(p) for p in paths],
    }
    world.marketing = {
        "id": [c[0] for c in campaigns],
        "channelId": [channel] * n_campaigns,
        "name": [c[2] for c in campaigns],
        "type": [c[1] for c in campaigns],
        "state": [rng.choice(("active", "stopped")) for _ in campaigns],
        "createdAt": [rng.randint(_JAN_2025, _JAN_2026) for _ in campaigns],
    }
    world.tags = {
        "id": tag_ids,
        "channelId": [channel] * len(tag_ids),
        "name": list(TAG_NAMES),
        "description": [
            rng.choice((None, None, None, "자동 분류", "매니저 지정")) for _ in tag_ids
        ],
        "createdAt": [rng.randint(_JAN_2025, _JAN_2026) for _ in tag_ids],
    }
    world.teams = {
        "id": list(team_names),
        "channelId": [channel] * len(team_names),
        "name": list(team_names.values()),
        "description": [None, "배송·교환", "app and web issues"],
        "createdAt": [rng.randint(_JAN_2025, _JAN_2026) for _ in team_names],
    }
    world.users = _users(rng, user_ids, user_names, export_at)
    return world
