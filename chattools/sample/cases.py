"""The by-case generation: one ``UserChatCase data`` row per open→close cycle.

A chat reopened twice has three cases (``userChatCase`` 1, 2, 3); a bot-only chat,
never handed to the team, has one case whose metrics are all null. Per-case metrics
follow Channel Talk's rules (:func:`chattools.sample.ct_metrics.cycle_metrics`)
applied to that cycle; ``totalSnoozedTime``/``snoozedCount`` count the cycle's snoozes
(a snooze still running is measured up to the export time) and ``leadTime`` is
``closedAt − userChatCaseCreatedAt``.

Examples
--------
>>> from chattools.sample import generate
>>> cases = generate(30, seed=1, generation="case").frames["cases"]
>>> cases["userChatCase"].min(), list(generate(30, seed=1, generation="case").frames)
(1, ['cases'])
"""

from __future__ import annotations

import random

from chattools.sample.conversations import Chat
from chattools.sample.ct_metrics import cycle_metrics
from chattools.sample.hours import SampleCalendar
from chattools.sample.world import Columns, World

__all__ = ["case_columns"]

_CASE_METRICS = ("waitingTime", "totalReplyTime", "replyCount", "avgReplyTime", "resolutionTime")


def _windows(chat: Chat) -> list[tuple[int | None, int | None, list[tuple[int, int | None]]]]:
    """(opened, closed, snoozes) per case; a bot-only chat has one unopened case."""
    if not chat.cycles:
        return [(None, chat.bot_closed_at, [])]
    return [(c.opened_at, c.closed_at, c.snoozes) for c in chat.cycles]


def case_columns(
    rng: random.Random, chats: list[Chat], world: World, cal: SampleCalendar, *, export_at: int
) -> Columns:
    """One row per case of every chat, in chat order."""
    cols: Columns = {}

    def put(name: str, value: object) -> None:
        cols.setdefault(name, []).append(value)

    case_ids = iter(rng.sample(range(10**9, 10**10), sum(max(1, len(c.cycles)) for c in chats)))
    for chat in chats:
        events = [(m[0], m[1], m[4]) for m in chat.messages]
        windows = _windows(chat)
        names = [world.manager_names[m] for m in chat.manager_ids or []]
        for k, (opened, closed, snoozes) in enumerate(windows, start=1):
            latest = k == len(windows)
            metrics = cycle_metrics(events, opened_at=opened, closed_at=closed, calendar=cal)
            created = chat.created_at if k == 1 or opened is None else opened
            inside = [
                m for m in chat.messages
                if (opened is None or m[0] >= opened) and (closed is None or m[0] <= closed)
            ]  # fmt: skip
            stamps = [m[0] for m in inside] + ([closed] if closed is not None else [])
            spans = [(s, e if e is not None else export_at) for s, e in snoozes]
            put("userChatCaseCreatedAt", created)
            put("userChatCase", k)
            put("userChatCaseId", str(next(case_ids)))
            put("userChatCaseState", "completed" if closed is not None else "inProgress")
            put("userChatCaseUpdatedAt", max(stamps, default=created))
            put("userChatId", chat.id)
            put("direction", "INBOUND")
            put("userChatState", chat.state)
            put(
                "userChatUrl",
                f"https://desk.channel.io/#/channels/{world.channel_id}/user_chats/{chat.id}",
            )
            put("teamId", chat.team_id if opened is not None else None)
            put("teamName", world.team_names[chat.team_id] if opened is not None else None)
            put("assigneeId", chat.assignee_id)
            put("assigneeName", world.manager_names.get(chat.assignee_id or ""))
            put("managerIds", chat.manager_ids)
            put("managerNames", names or None)
            put("userId", chat.user_id)
            put("userName", world.user_names[chat.user_id])
            put("createdAt", chat.created_at)
            put("firstQueuedAt", opened)
            put("firstOpenedAt", opened)
            put("firstAskedAt", next((m[0] for m in inside if m[1] == "user"), None))
            put("firstRepliedAt", metrics["firstRepliedAtAfterOpen"])
            put("closedAt", closed)
            for name in _CASE_METRICS:
                put(name, metrics[name])
            put("totalSnoozedTime", sum(e - s for s, e in spans) if spans else None)
            put("leadTime", closed - created if closed is not None else None)
            put("snoozedCount", len(spans))
            put("missedCount", 0)
            put("description", None)
            put("summarizedMessage", chat.summary if latest else None)
            put("tags", chat.tags)
            put("mediumName", chat.medium)
            put("mediumSenderName", "샘플스토어" if chat.medium == "appKakao" else None)
            put("marketingType", chat.campaign[1] if chat.campaign and k == 1 else None)
            put("marketingId", chat.campaign[0] if chat.campaign and k == 1 else None)
            put("workflowId", None)
            put("page", "https://shop.example.com/orders" if chat.medium is None else None)
            put("priority", "medium" if opened is not None else None)
            put("profile.csat", chat.csat if latest else None)
            put("profile.csatComment", "친절했어요" if latest and chat.csat == "5" else None)
    return cols
