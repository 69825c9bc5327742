"""The 2026 analytics export of the sample chats: every documented column, by its formula.

A projection of the same :class:`~chattools.sample.conversations.Chat` objects as the
legacy sheets, plus what only this generation shows (``docs/export-2026.md``):

* **ALF** (:func:`with_alf`): about a fifth of the plain inbound chats start with the
  customer asking ALF (bot ``FRONTALF-2`` messages) before ALF opens the chat to the
  team; half of the bot-only chats where the customer wrote are ALF's, closed without a
  team member; some internal notes get an internal answer from ``ALF-1``. None of
  these messages is a reply (bots and notes never are).
* **Times**, each by the formula of help article 535969: ``managedAt`` is the first
  question to ALF, else the first opening; replies are the reply samples of every
  cycle (:func:`~chattools.sample.ct_metrics.reply_samples`), ``totalReplyTime`` their
  sum and ``avgReplyTime = totalReplyTime // replyCount``; every ``…InOperation`` twin
  counts the business seconds of the same interval (:meth:`SampleCalendar.business_seconds`);
  ``firstMemberHandlingTime = firstClosedAt − firstActiveAt − hold time of the first cycle``.
  A duration with a missing end is null, never 0.
* **Queues**: about a quarter of the inbound chats wait in the queue before their first
  assignment (``firstActiveAt = firstAssignedAt``); a waiting one at the export is
  ``queued``; an unanswered phone chat is ``missed``, and 40 % of the phone chats start
  with a missed call (``firstMissedAt``, ``missedReason``); a bot-only chat still open
  is ``initial``.
* **CSAT** on the scale the channel used when the chat was managed: 5-point in January
  and February, 3-point ({1, 3, 5}) in March and April, 2-point ({1, 5}) from May
  (:data:`CSAT_SCALES`), with comments.

Random choices of this generation come from their own generator, so the 2026 and legacy
samples of one seed hold the same chats.

Examples
--------
>>> csat_on_scale(4.0, 2), csat_on_scale(2.0, 3), csat_on_scale(2.0, 5)
(5.0, 1.0, 2.0)
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from chattools.sample.conversations import Chat, Message
from chattools.sample.ct_metrics import reply_samples
from chattools.sample.hours import SampleCalendar
from chattools.sample.world import Columns, World

__all__ = [
    "ALF_HANDOVER",
    "ALF_TASK",
    "CSAT_SCALES",
    "analytics_columns",
    "csat_on_scale",
    "meet_columns_2026",
    "team_columns",
    "with_alf",
]

#: ALF's person ids in the Message sheet (535969).
ALF_TASK, ALF_HANDOVER = "FRONTALF-2", "ALF-1"
#: Month of ``managedAt`` (channel time) → points of the CSAT scale in use.
CSAT_SCALES = {1: 5, 2: 5, 3: 3, 4: 3, 5: 2, 6: 2}
_ON_SCALE = {2: {1: 1, 2: 1, 3: 1, 4: 5, 5: 5}, 3: {1: 1, 2: 1, 3: 3, 4: 5, 5: 5}}
_COMMENTS = {1: "답변이 늦었어요", 2: "조금 아쉬워요", 3: "보통이에요", 4: "도움이 됐어요",
             5: "친절했어요"}  # fmt: skip
_MEDIUM_TYPE = {None: "native", "inAppChat": "native", "email": "email", "phoneNumber": "phone"}
_SENDER = {"appKakao": "@sample-store", "appNaverTalk": "WX5NSTORE", "appLine": "@123sample",
           "appInstagramMessenger": "sample.store", "email": "help@shop.example.com",
           "phoneNumber": "+82 2-555-0100"}  # fmt: skip
_ALF_QUESTIONS = ("배송 언제 오나요?", "환불 규정 알려주세요", "Can I change my address?")
_ALF_ANSWERS = ("주문 후 2~3일 내 출고됩니다.", "수령 후 7일 이내 환불 가능합니다.",
                "You can change it before shipping.")  # fmt: skip
_DAY = 86_400


def csat_on_scale(score: float, points: int) -> float:
    """A 1–5 satisfaction as stored on a ``points``-point scale (help article 482)."""
    return float(score if points == 5 else _ON_SCALE[points][int(score)])


def _first_user_at(chat: Chat) -> int | None:
    return next((m[0] for m in chat.messages if m[1] == "user"), None)


def with_alf(rng: random.Random, chats: Iterable[Chat]) -> list[Chat]:
    """Copies of ``chats`` with ALF's part added (the originals are left alone)."""
    out = []
    for chat in chats:
        msgs: list[Message] = list(chat.messages)
        first = chat.cycles[0] if chat.cycles else None
        asks_alf = (
            first is not None
            and not first.outbound
            and chat.entry == "plain"
            and any(m[0] == first.opened_at and m[1] == "user" for m in msgs)
            and rng.random() < 0.2
        )
        if asks_alf and first is not None:
            start = first.opened_at - rng.randint(120, 900)
            pick = rng.randrange(len(_ALF_QUESTIONS))
            msgs += [
                (start, "user", chat.user_id, _ALF_QUESTIONS[pick], False),
                (start + rng.randint(2, 15), "bot", ALF_TASK, _ALF_ANSWERS[pick], False),
            ]
        user_at = _first_user_at(chat)
        alf_resolved = (
            not chat.cycles and user_at is not None and chat.entry == "plain"
            and rng.random() < 0.5
        )  # fmt: skip
        if alf_resolved:
            msgs = [
                (t, p, ALF_TASK, b, n) if p == "bot" and t >= (user_at or 0) else (t, p, i, b, n)
                for t, p, i, b, n in msgs
            ]
        note = next((m for m in msgs if m[4] and m[1] == "manager"), None)
        if note is not None and rng.random() < 0.3:
            msgs.append(
                (note[0] + rng.randint(3, 10), "bot", ALF_HANDOVER, "요약: 환불 요청", True)
            )
        out.append(replace(chat, messages=sorted(msgs, key=lambda m: m[0])))
    return out


def _alf_span(chat: Chat, closed: int | None, export_at: int) -> tuple[int | None, int | None]:
    """``(firstAlfStartedAt, firstAlfEndedAt)``: the first question to ALF, and the hand-over
    to the team (ALF opened the chat) or 24 h after the customer's last question.
    """
    alf_at = [i for i, m in enumerate(chat.messages) if m[1] == "bot" and m[2] == ALF_TASK]
    if not alf_at:
        return None, None
    asked = [m[0] for m in chat.messages[: alf_at[0]] if m[1] == "user"]
    start = asked[0] if asked else chat.messages[alf_at[0]][0]
    if chat.cycles:
        return start, chat.cycles[0].opened_at
    last_question = max(m[0] for m in chat.messages if m[1] == "user")
    end = last_question + _DAY
    if closed is not None:
        end = min(end, closed)
    return start, end if end <= export_at else None


def _span(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else b - a


def analytics_columns(
    rng: random.Random, chats: list[Chat], world: World, cal: SampleCalendar, *, export_at: int
) -> Columns:
    """UserChat rows of the 2026 analytics export, one per chat (see the module docstring)."""
    cols: Columns = {}
    zone = cal.zone

    def put(name: str, value: object) -> None:
        cols.setdefault(name, []).append(value)

    def twin(name: str, a: int | None, b: int | None) -> None:
        put(name, _span(a, b))
        put(f"{name}InOperation", None if a is None or b is None else cal.business_seconds(a, b))

    for chat in chats:
        cycles = chat.cycles
        first, last = (cycles[0], cycles[-1]) if cycles else (None, None)
        events = chat.events()
        samples = [
            s for c in cycles
            for s in reply_samples(events, opened_at=c.opened_at, closed_at=c.closed_at)
        ]  # fmt: skip
        closes = [c.closed_at for c in cycles if c.closed_at is not None]
        if not cycles and chat.bot_closed_at is not None:
            closes = [chat.bot_closed_at]
        first_closed, closed = (closes[0], closes[-1]) if closes else (None, None)
        alf_start, alf_end = _alf_span(chat, closed, export_at)
        inbound = first is not None and not first.outbound
        answered = samples[0][1] if samples else None
        queued = inbound and rng.random() < 0.25
        assigned: int | None = None
        if first is not None and (chat.assignee_id is not None or answered is not None):
            assigned = first.opened_at
            if queued:  # out of the queue by the first answer (or close), if any
                ends = [t for t in (answered, first.closed_at) if t is not None]
                assigned = min([first.opened_at + rng.randint(10, 900), *ends])
                if not ends and (assigned > export_at or chat.state == "opened"):
                    assigned = None  # still waiting in the queue at the export
        active = assigned if queued else (first.opened_at if first else None)
        managed = alf_start if alf_start is not None else (first.opened_at if first else None)
        asked = _first_user_at(chat)
        created = min(chat.created_at, managed) if managed is not None else chat.created_at
        phone = chat.medium == "phoneNumber"
        state = chat.state
        # a phone chat often starts with a missed call (called back later)
        missed_at = first.opened_at if phone and first is not None and rng.random() < 0.4 else None
        if not cycles and closed is None:
            state = "initial"
        elif state == "opened" and answered is None and phone and first is not None:
            state, missed_at = "missed", first.opened_at
        elif state == "opened" and queued and assigned is None:
            state = "queued"
        snoozes = [(s, e if e is not None else export_at) for c in cycles for s, e in c.snoozes]
        first_snoozes = [
            (s, e if e is not None else export_at) for s, e in (first.snoozes if first else [])
        ]
        reassigned = chat.assignee_id is not None and assigned is not None and rng.random() < 0.08
        first_assignee = (
            rng.choice([m for m in world.manager_ids if m != chat.assignee_id])
            if reassigned
            else (chat.assignee_id if assigned is not None else None)
        )
        workflow_end = None
        if chat.entry == "support":
            bots = [m[0] for m in chat.messages if m[1] == "bot" and m[2] != ALF_TASK]
            workflow_end = max(bots) if bots else None
        csat = None
        if chat.csat is not None and managed is not None:
            points = CSAT_SCALES[datetime.fromtimestamp(managed, zone).month]
            csat = csat_on_scale(float(chat.csat), points)
        alf = alf_start is not None
        last_user = max((m[0] for m in chat.messages if m[1] == "user"), default=None)
        replied = next((a for _, a in samples if last_user is not None and a >= last_user), None)
        times = [m[0] for m in chat.messages] + [t for t in (closed, created) if t is not None]

        put("id", chat.id)
        put("managedAt", managed)
        put("name", world.user_names[chat.user_id])
        put("title", "주문 문의드립니다" if chat.medium == "email" else None)
        put("description", None)
        put("summarizedMessage", chat.summary)
        put("tags", chat.tags)
        put("priority", rng.choices(("medium", "high", "low"), (80, 12, 8))[0] if cycles else None)
        put("direction", "OUTBOUND" if first is not None and first.outbound else "INBOUND")
        put("sync", "sync" if phone else "async")
        put("page", "https://shop.example.com/orders" if chat.medium is None else None)
        put("userId", chat.user_id)
        put("assigneeId", chat.assignee_id if assigned is not None else None)
        put("firstAssigneeId", first_assignee)
        put("assigneeIdAtFirstClose", chat.assignee_id if first_closed and assigned else None)
        put("managerIds", chat.manager_ids)
        put("teamId", chat.team_id if cycles else None)
        put("mediumType", _MEDIUM_TYPE.get(chat.medium, "app"))
        put("contactMediumType", None if chat.medium == "inAppChat" else chat.medium)
        put("mediumSenderName", _SENDER.get(chat.medium or ""))
        put("state", state)
        put("missedReason", None if missed_at is None else (
            "noOperator" if cal.is_open(missed_at) else "notInOperation"))  # fmt: skip
        goal = chat.campaign is not None and cycles
        put("goalState", ("achieved" if answered else "notAchieved") if goal else None)
        put("goalCheckedAt", answered if goal else None)
        put("everOpened", bool(cycles))
        put("reopened", len(cycles) > 1)
        put("reassigned", reassigned)
        put("workflowTriggered", chat.entry == "support")
        put("alfTriggered", alf)
        put("replyCount", len(samples))
        put("replyCountInOperation", sum(cal.is_open(a) for _, a in samples))
        put("reopenCount", max(0, len(cycles) - 1))
        put("reassignmentCount", (1 + (rng.random() < 0.2)) if reassigned else 0)
        put("createdAt", created)
        put("updatedAt", max(times))
        put("firstWorkflowStartedAt", chat.created_at if chat.entry == "support" else None)
        put("firstAskedAt", asked)
        put("firstAlfStartedAt", alf_start)
        put("firstAlfEndedAt", alf_end)
        put("firstWorkflowEndedAt", workflow_end)
        put("firstQueueInAt", first.opened_at if queued and first else None)
        put("queuedAt", first.opened_at if queued and first else None)
        put("firstQueueOutAt", assigned if queued else None)
        put("firstOpenedAt", first.opened_at if first else None)
        put("openedAt", last.opened_at if last else None)
        put("firstMissedAt", missed_at)
        put("missedAt", missed_at)
        put("firstAssignedAt", assigned)
        put("firstActiveAt", active)
        put("firstAnsweredAt", answered)
        put("repliedAt", replied)
        put("snoozedAt", max((s for s, _ in snoozes), default=None))
        put("firstClosedAt", first_closed)
        put("closedAt", closed)
        total = sum(a - u for u, a in samples) if samples else None
        total_op = sum(cal.business_seconds(u, a) for u, a in samples) if samples else None
        put("totalReplyTime", total)
        put("totalReplyTimeInOperation", total_op)
        put("avgReplyTime", None if total is None else total // len(samples))
        put("avgReplyTimeInOperation", None if total_op is None else total_op // len(samples))
        put("totalSnoozedTime", sum(e - s for s, e in snoozes) if snoozes else None)
        put("operationTotalSnoozedTime",
            sum(cal.business_seconds(s, e) for s, e in snoozes) if snoozes else None)  # fmt: skip
        queue_in = first.opened_at if queued and first else None
        twin("firstQueueTime", queue_in, assigned if queued else None)
        twin("timeToFirstAssignment", managed, assigned)
        twin("timeToFirstAnswer", managed, answered)
        twin("timeFromFirstAskToFirstAnswer", asked, answered)
        twin("timeFromFirstAssignmentToFirstAnswer", assigned, answered)
        twin("timeFromFirstActiveToFirstAnswer", active, answered)
        twin("timeFromFirstOpenToFirstAnswer", first.opened_at if first else None, answered)
        twin("timeToFirstClose", managed, first_closed)
        twin("timeToClose", managed, closed)
        twin("timeFromFirstAskToFirstClose", asked, first_closed)
        twin("timeFromFirstAssignmentToFirstClose", assigned, first_closed)
        twin("timeFromFirstActiveToFirstClose", active, first_closed)
        twin("timeFromFirstOpenToFirstClose", first.opened_at if first else None, first_closed)
        handled = None if first is None or first.closed_at is None or active is None else (
            first.closed_at - active - sum(e - s for s, e in first_snoozes)
        )  # fmt: skip
        put("firstMemberHandlingTime", handled)
        put("firstMemberHandlingTimeInOperation", None if handled is None else (
            cal.business_seconds(active or 0, first_closed or 0)
            - sum(cal.business_seconds(s, e) for s, e in first_snoozes)
        ))  # fmt: skip
        done = [c for c in cycles if c.closed_at is not None]
        starts = {id(c): (active if c is first else c.opened_at) for c in done}
        ok = bool(done) and all(v is not None for v in starts.values())
        held = [(s, e if e is not None else export_at) for c in done for s, e in c.snoozes]
        put("memberHandlingTime", sum(
            (c.closed_at or 0) - (starts[id(c)] or 0) for c in done
        ) - sum(e - s for s, e in held) if ok else None)  # fmt: skip
        put("memberHandlingTimeInOperation", sum(
            cal.business_seconds(starts[id(c)] or 0, c.closed_at or 0) for c in done
        ) - sum(cal.business_seconds(s, e) for s, e in held) if ok else None)  # fmt: skip
        put("workflowHandlingTime", _span(chat.created_at if workflow_end else None, workflow_end))
        put("alfHandlingTime", _span(alf_start, alf_end))
        put("ALF CX Score", round(rng.triangular(1.0, 5.0, 4.6), 1) if alf and rng.random() < 0.7
            else None)  # fmt: skip
        put("url", f"https://desk.channel.io/#/channels/{world.channel_id}/user_chats/{chat.id}")
        put("profile.csat", csat)
        put("profile.csatComment",
            _COMMENTS[int(chat.csat)] if csat is not None and chat.csat and rng.random() < 0.4
            else None)  # fmt: skip
    return cols


def team_columns(world: World, chats: list[Chat]) -> Columns:
    """Team rows: each team's members are the assignees of its chats."""
    members: dict[str, set[str]] = {t: set() for t in world.team_ids}
    for chat in chats:
        if chat.cycles and chat.assignee_id is not None:
            members.setdefault(chat.team_id, set()).add(chat.assignee_id)
    return {
        "id": list(members),
        "channelId": [world.channel_id] * len(members),
        "name": [world.team_names.get(t, t) for t in members],
        "managerIds": [sorted(m) or None for m in members.values()],
    }


def meet_columns_2026(rng: random.Random, meets: Columns) -> Columns:
    """The legacy meet rows with the 2026 columns and documented values."""
    out: Columns = {k: list(v) for k, v in meets.items()}
    missed = [r is not None for r in out.get("missedReason", [])]
    if not missed:
        return out  # no row: the legacy columns only (what an empty JSON sheet reads as)
    out["direction"] = ["missed" if m else d for m, d in zip(missed, out["direction"], strict=True)]
    out["missedReason"] = [
        rng.choice(("noOperator", "ringTimeOver", "userleft")) if m else None for m in missed
    ]
    out["type"] = [rng.choice(("call", "call", "frontMeet")) for _ in missed]
    out["primaryNumber"] = ["+82 2-555-0100" if t == "call" else None for t in out["type"]]
    out["representativeNumber"] = ["+82 1588-0000" if t == "call" else None for t in out["type"]]
    return out
