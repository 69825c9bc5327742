"""The by-case generation: one ``UserChatCase data`` row per case of a chat.

Channel Talk's rule: "a new case starts whenever a closed chat is reopened or
snoozed; a closed case keeps absorbing activity for one hour". :func:`case_windows`
applies it to a chat's open→close cycles:

* a cycle reopened **within one hour** (``<= 3600`` s) of the previous close joins
  that case (the case's ``closedAt`` becomes the later close);
* a reopen later than that starts a new case at the new ``openedAt``;
* a **snooze** ends the running case (``completed``, no ``closedAt``) and starts a
  new one at the snooze's start, which holds that snooze (``snoozedCount`` 1).

A chat reopened twice, an hour or more apart, without snoozes has three cases
(``userChatCase`` 1, 2, 3); a bot-only chat, never handed to the team, has one case
whose metrics are all null. Per-case metrics follow Channel Talk's rules
(:func:`chattools.sample.ct_metrics.cycle_metrics`) applied to the case's window
(messages from its start to its end; ``resolutionTime`` only for a closed case);
``totalSnoozedTime``/``snoozedCount`` count the case's snoozes (a snooze still
running is measured up to the export time); ``leadTime`` is the case's end
(``closedAt``, or the snooze that ended it) ``− userChatCaseCreatedAt``. ``direction``
is ``OUTBOUND`` for a case opened by the team (:mod:`chattools.sample.conversations`).

Examples
--------
>>> from chattools.sample import generate
>>> cases = generate(30, seed=1, generation="case").frames["cases"]
>>> cases["userChatCase"].min(), list(generate(30, seed=1, generation="case").frames)
(1, ['cases'])
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from chattools.sample.conversations import Chat
from chattools.sample.ct_metrics import cycle_metrics
from chattools.sample.hours import SampleCalendar
from chattools.sample.world import Columns, World

__all__ = ["CaseWindow", "case_columns", "case_windows"]

#: A closed case keeps absorbing a reopen for this many seconds after its close.
ABSORB_SECONDS = 3600

_CASE_METRICS = ("waitingTime", "totalReplyTime", "replyCount", "avgReplyTime", "resolutionTime")


@dataclass
class CaseWindow:
    """One case: ``start`` (None for a bot-only chat), ``end`` (None while in
    progress), whether it ended by a close, its snoozes and its direction.
    """

    start: int | None
    end: int | None
    closed: bool
    snoozes: list[tuple[int, int | None]] = field(default_factory=list)
    outbound: bool = False


def case_windows(chat: Chat) -> list[CaseWindow]:
    """The chat's cases by Channel Talk's rule (see the module docstring).

    Examples
    --------
    >>> from chattools.sample.conversations import Chat, Cycle
    >>> chat = Chat("c", "u", 0, "plain", None, None, None, "t",
    ...             cycles=[Cycle(0, 100), Cycle(1900, 3000, [(2000, 2500)]), Cycle(9000, None)])
    >>> [(w.start, w.end, w.closed, len(w.snoozes)) for w in case_windows(chat)]
    [(0, 2000, False, 0), (2000, 3000, True, 1), (9000, None, False, 0)]
    """
    if not chat.cycles:
        closed = chat.bot_closed_at is not None
        return [CaseWindow(None, chat.bot_closed_at, closed)]
    merged: list[CaseWindow] = []
    for c in chat.cycles:
        prev = merged[-1] if merged else None
        if prev is not None and prev.end is not None and c.opened_at - prev.end <= ABSORB_SECONDS:
            prev.end, prev.closed = c.closed_at, c.closed_at is not None
            prev.snoozes = prev.snoozes + list(c.snoozes)
        else:
            merged.append(
                CaseWindow(c.opened_at, c.closed_at, c.closed_at is not None,
                           list(c.snoozes), c.outbound)
            )  # fmt: skip
    out: list[CaseWindow] = []
    for w in merged:
        start, outbound = w.start, w.outbound
        held: list[tuple[int, int | None]] = []
        for s, e in w.snoozes:
            if start is not None and s <= start:  # snoozed the moment it opened
                held.append((s, e))
                continue
            out.append(CaseWindow(start, s, False, held, outbound))
            start, outbound, held = s, False, [(s, e)]
        out.append(CaseWindow(start, w.end, w.closed, held, outbound))
    return out


def case_columns(
    rng: random.Random, chats: list[Chat], world: World, cal: SampleCalendar, *, export_at: int
) -> Columns:
    """One row per case of every chat, in chat order."""
    cols: Columns = {}

    def put(name: str, value: object) -> None:
        cols.setdefault(name, []).append(value)

    all_windows = [case_windows(chat) for chat in chats]
    case_ids = iter(rng.sample(range(10**9, 10**10), sum(map(len, all_windows))))
    for chat, windows in zip(chats, all_windows, strict=True):
        events = chat.events()
        names = [world.manager_names[m] for m in chat.manager_ids or []]
        for k, w in enumerate(windows, start=1):
            opened, end = w.start, w.end
            closed = end if w.closed else None
            latest = k == len(windows)
            metrics = cycle_metrics(events, opened_at=opened, closed_at=end, calendar=cal)
            if closed is None:
                metrics["resolutionTime"] = None
            created = chat.created_at if k == 1 or opened is None else opened
            inside = [
                m for m in chat.messages
                if (opened is None or m[0] >= opened) and (end is None or m[0] <= end)
            ]  # fmt: skip
            stamps = [m[0] for m in inside] + ([end] if end is not None else [])
            spans = [(s, e if e is not None else export_at) for s, e in w.snoozes]
            put("userChatCaseCreatedAt", created)
            put("userChatCase", k)
            put("userChatCaseId", str(next(case_ids)))
            put("userChatCaseState", "completed" if end is not None else "inProgress")
            put("userChatCaseUpdatedAt", max(stamps, default=created))
            put("userChatId", chat.id)
            put("direction", "OUTBOUND" if w.outbound else "INBOUND")
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
            put("leadTime", end - created if end is not None else None)
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
            put("profile.csat", float(chat.csat) if latest and chat.csat else None)
            put("profile.csatComment", "친절했어요" if latest and chat.csat == "5" else None)
    return cols
