"""Chats and their messages: arrivals, cycles, replies, snoozes, the export-time cut.

One :class:`Chat` holds the whole story of a conversation in epoch seconds: its
messages in conversation order (time, then list order for same-second ties) and its
open→close cycles. The generations (:mod:`chattools.sample.frames`,
:mod:`chattools.sample.cases`) are projections of the same chats.

Besides the usual inbound chats (opened by a customer message) the sample holds:

* **outbound** chats, opened by the team itself (a proactive follow-up): the first
  human message of the cycle is a manager message, and the cycle's ``opened_at`` (the
  exported ``openedAt``) is that message's time. Some customers answer, some never
  write; the opener is not a reply (Channel Talk counts team runs that *follow* a
  customer run);
* **pending** chats, still ``opened`` at the export time with the customer's message as
  the last human message (unanswered, waiting): about 3 % of the chats (at most 60),
  in the three days before the export, including one opened during the export day's operating hours
  and one waiting since the previous evening;
* reopens within the hour after a close (which the by-case export keeps in one case);
* cycles opened without a message at ``openedAt`` (a form or a button: the customer
  writes, or the team answers, a little later) and reopened cycles opened by the team
  (a follow-up at ``openedAt``, or a team message after a silent reopen) — Channel
  Talk's who-opened-the-cycle rule (:mod:`chattools.sample.ct_metrics`) tells them
  apart;
* internal notes, some of them ``@`` mentions (which legacy exports keep, as manager
  messages whose text starts with ``@``), and chats where the team only talked
  internally and never answered.

Examples
--------
>>> import random
>>> from chattools.sample.hours import SampleCalendar
>>> from chattools.sample.world import build_world
>>> rng = random.Random(3)
>>> cal = SampleCalendar({"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone="Asia/Seoul")
>>> world = build_world(rng, users=10, export_at=1782799200)
>>> chats = build_chats(rng, world, cal, chats=20, export_at=1782799200)
>>> len(chats), all(c.messages == sorted(c.messages, key=lambda m: m[0]) for c in chats)
(20, True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Literal

from chattools.sample import text
from chattools.sample.hours import SampleCalendar
from chattools.sample.world import World, hex_id

__all__ = ["Chat", "Cycle", "Message", "build_chats"]

#: (epoch seconds, personType, personId, plainText, isPrivate)
Message = tuple[int, str, str | None, str | None, bool]
End = Literal["closed", "opened", "snoozed", "pending"]
#: How a cycle opens: a customer message at ``opened_at`` (``"message"``), nothing at
#: ``opened_at`` and the customer (``"form"``) or the team (``"silent-team"``) writing
#: a little later, or a team message at ``opened_at`` (``"team"``, reopens only).
Opening = Literal["message", "form", "silent-team", "team"]

_DAY = 86_400
_HOUR_WEIGHTS = (
    0.3, 0.2, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 2.0, 2.5, 2.5,
    1.8, 2.5, 3.2, 3.5, 3.3, 2.8, 2.0, 1.5, 1.3, 1.2, 1.0, 0.6,
)  # fmt: skip
_MEDIA = (None, "appKakao", "appNaverTalk", "appInstagramMessenger", "appLine", "email",
          "phoneNumber", "inAppChat")  # fmt: skip
_MEDIA_WEIGHTS = (60, 20, 5, 4, 2, 5, 2, 2)
#: At most this many chats wait on the team at the export (a realistic backlog).
_MAX_PENDING = 60


@dataclass
class Cycle:
    """One open→close episode; ``closed_at`` is None while it is still open."""

    opened_at: int
    closed_at: int | None
    snoozes: list[tuple[int, int | None]] = field(default_factory=list)
    outbound: bool = False


@dataclass
class Chat:
    """One chat: attributes of its row plus its messages and cycles."""

    id: str
    user_id: str
    created_at: int
    entry: Literal["plain", "support", "marketing"]
    medium: str | None
    campaign: tuple[str, str, str] | None
    assignee_id: str | None
    team_id: str
    messages: list[Message] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    bot_closed_at: int | None = None  # bot-only chats
    state: str = "closed"
    tags: list[str] | None = None
    manager_ids: list[str] | None = None
    csat: str | None = None
    summary: str | None = None

    def events(self) -> list[tuple[int, str, bool]]:
        """The messages as Channel Talk's rules read them: ``(time, personType, is a note)``,
        a note being ``isPrivate`` or a text starting with ``@``.
        """
        return [(m[0], m[1], m[4] or (m[3] or "").startswith("@")) for m in self.messages]


@dataclass
class _Plan:
    entry: Literal["plain", "support", "marketing"] = "plain"
    bot_only: bool = False
    cycles: int = 1
    end: End = "closed"
    outbound: Literal["no", "answered", "unanswered"] = "no"
    pending_at: int | None = None  # end="pending": when the customer's waiting run starts
    internal_only: bool = False  # the team only writes internal notes, never answers


class _Builder:
    def __init__(
        self,
        rng: random.Random,
        world: World,
        cal: SampleCalendar,
        export_at: int,
    ) -> None:
        self.rng, self.world, self.cal, self.export_at = rng, world, cal, export_at
        self.msgs: list[Message] = []

    def add(self, t: int, person_type: str, person_id: str | None, body: str | None) -> int:
        self.msgs.append((t, person_type, person_id, body, False))
        return t

    def gap(self) -> int:
        """Seconds between two messages of one run: same-second ties are common."""
        return 0 if self.rng.random() < 0.2 else self.rng.randint(2, 90)

    def run(self, t: int, person_type: str, person_id: str | None, n: int) -> int:
        make = text.customer_text if person_type == "user" else text.manager_text
        for k in range(n):
            t = self.add(t + (self.gap() if k else 0), person_type, person_id, make(self.rng))
        return t

    def reply_at(self, t: int) -> int:
        """When the team answers a customer whose run ended at ``t``."""
        r = self.rng.random()
        if self.cal.is_open(t):
            if r < 0.08:
                return t  # same second as the customer's message
            if r < 0.92:
                return t + min(3600, int(self.rng.lognormvariate(4.8, 1.0)))
            return t + self.rng.randint(1800, 6 * 3600)
        if self.cal.is_holiday_in_hours(t) and r < 0.3:  # someone on call on a holiday
            return t + self.rng.randint(60, 1800)
        return self.cal.next_open(t) + min(5400, int(self.rng.lognormvariate(6.0, 1.0)))

    def note(self, a: int, b: int) -> None:
        """An internal note between ``a`` and ``b`` (some are ``@`` mentions)."""
        note_by = self.rng.choice(self.world.manager_ids)
        self.msgs.append(
            (self.rng.randint(a, b), "manager", note_by, text.note_text(self.rng), True)
        )

    def internal_only(self, t: int, cycle: Cycle, end: End) -> Cycle:
        """The team talks about the customer's message internally and never answers."""
        v = self.rng
        for _ in range(v.randint(1, 3)):
            t += v.randint(30, 900)
            note_by = v.choice(self.world.manager_ids)
            self.msgs.append((t, "manager", note_by, v.choice(text.INTERNAL_TALK), True))
        if end == "closed":
            cycle.closed_at = t + v.randint(60, 3600)
        return cycle

    def cycle(
        self,
        opened: int,
        chat: Chat,
        end: End,
        plan: _Plan | None = None,
        opening: Opening = "message",
    ) -> Cycle:
        """Messages of one cycle opened at ``opened`` (see :data:`Opening`).

        With ``plan.outbound`` the team opens the cycle; with ``end="pending"`` the
        cycle stops on a customer run starting at ``plan.pending_at`` (unanswered).
        """
        rng, user = self.rng, chat.user_id
        outbound = plan.outbound if plan is not None else "no"
        until = plan.pending_at if plan is not None and end == "pending" else None
        cycle = Cycle(opened, None, outbound=outbound != "no" or opening == "team")

        def wake(at: int) -> None:
            """End a running snooze at ``at`` (drop it if it would start later)."""
            if cycle.snoozes and cycle.snoozes[-1][1] is None:
                s = cycle.snoozes.pop()[0]
                if s < at:
                    cycle.snoozes.append((s, at))

        if outbound != "no":
            t = self.run(opened, "manager", chat.assignee_id, rng.choice((1, 1, 2)))
            if outbound == "unanswered":
                if end == "closed":  # closed after a few days without an answer
                    cycle.closed_at = t + rng.randint(_DAY, 3 * _DAY)
                return cycle
            t = self.run(t + int(rng.lognormvariate(7.0, 1.2)), "user", user, rng.choice((1, 2)))
        elif opening in ("team", "silent-team"):
            v = self.rng
            at = opened if opening == "team" else opened + v.randint(5, 300)
            t = self.add(at, "manager", chat.assignee_id, text.manager_text(v))
            t = self.run(t + v.randint(30, 3600), "user", user, v.choice((1, 2)))
        else:
            at = opened if opening == "message" else opened + rng.randint(3, 60)
            t = self.run(at, "user", user, rng.choice((1, 1, 2, 3)))
            if plan is not None and plan.internal_only:
                return self.internal_only(t, cycle, end)
        if not self.cal.is_open(t) and rng.random() < 0.7:
            t = self.add(t + rng.randint(0, 1), "bot", self.world.bot_ids[0], text.CLOSED_NOTICE)
        rounds = 1 + min(14, int(rng.expovariate(1 / 6.2)))
        for r in range(rounds):
            reply = self.reply_at(t)
            if until is not None and reply >= until:
                break  # the customer run at hand is still waiting at the export
            if rng.random() < 0.1:  # an internal note before answering
                self.note(t, reply)
            writer = chat.assignee_id if rng.random() < 0.85 else rng.choice(self.world.manager_ids)
            t = self.run(reply, "manager", writer, rng.choice((1, 1, 2, 2, 3)))
            if rng.random() < 0.08:  # snoozed while waiting on the customer
                cycle.snoozes.append((t + rng.randint(5, 120), None))
            back = t + int(rng.lognormvariate(5.3, 1.3))
            if until is not None and (back >= until or r == rounds - 1):
                wake(until)
                self.run(max(until, t + 1), "user", user, rng.choice((1, 1, 2)))
                break
            if r == rounds - 1:
                break
            wake(back)
            t = self.run(back, "user", user, rng.choice((1, 1, 2, 3)))
        if end == "closed" and rng.random() < 0.15:  # unanswered tail: "thanks!"
            t += rng.randint(10, 600)
            wake(t)
            self.add(t, "user", user, "감사합니다!")
        if end == "snoozed" and not (cycle.snoozes and cycle.snoozes[-1][1] is None):
            cycle.snoozes.append((t + rng.randint(5, 120), None))
        if end in ("opened", "pending"):
            wake(t)  # a snooze that already ended: keep it finished
        if end == "closed":
            close = t + (
                rng.randint(30, 1800) if rng.random() < 0.6 else rng.randint(1800, 3 * _DAY)
            )
            cycle.closed_at = close
            wake(close)
        return cycle

    def opening(self, *, first: bool, plan: _Plan) -> Opening:
        """How a cycle opens: mostly with the customer's message (see :data:`Opening`)."""
        if plan.outbound != "no" or plan.internal_only or plan.end == "pending":
            return "message"
        if first and plan.entry != "plain":
            return "message"
        r = self.rng.random()
        if r < 0.06:
            return "form"
        if r < 0.09:
            return "silent-team"
        return "team" if not first and r < 0.2 else "message"

    def chat(self, chat: Chat, plan: _Plan) -> Chat:
        rng, user, bot = self.rng, chat.user_id, self.world.bot_ids
        self.msgs = []
        t = chat.created_at
        if plan.entry == "support":
            self.add(t, "bot", bot[0], rng.choice(text.BOT_GREETINGS))
            for section in rng.choice(self.world.section_paths)[1:]:
                t = self.add(t + rng.randint(3, 40), "user", user, section)
                t = self.add(t + rng.randint(0, 1), "bot", bot[0], f"[{section}] 안내입니다.")
            t += rng.randint(5, 120)
        elif plan.entry == "marketing":
            assert chat.campaign is not None
            self.add(t, "bot", bot[-1], f"{chat.campaign[2]} 🎁 지금 확인해 보세요!")
            t += rng.randint(60, 2 * _DAY)
        elif plan.outbound != "no":  # the team writes during its hours
            later = self.cal.next_open(t) + rng.randint(60, 5400)
            if not self.cal.is_open(t) and later < self.export_at:
                t = chat.created_at = later
        elif rng.random() < 0.3:
            self.add(t, "bot", bot[0], rng.choice(text.BOT_GREETINGS))
        if plan.bot_only:
            if plan.entry != "marketing" or rng.random() < 0.5:
                t = self.run(t, "user", user, rng.choice((1, 2)))
                t = self.add(t + rng.randint(0, 5), "bot", bot[0], rng.choice(text.BOT_GREETINGS))
            chat.bot_closed_at = t + rng.randint(600, 3600)
            chat.assignee_id = None
        else:
            for k in range(plan.cycles):
                last = k == plan.cycles - 1
                opening = self.opening(first=k == 0, plan=plan)
                cycle = self.cycle(t, chat, plan.end if last else "closed", plan, opening)
                chat.cycles.append(cycle)
                if not last:
                    assert cycle.closed_at is not None
                    soon = rng.random() < 0.25  # the customer writes again within the hour
                    t = cycle.closed_at + (
                        rng.randint(60, 3599) if soon else rng.randint(3600, 14 * _DAY)
                    )
        chat.messages = sorted(self.msgs, key=lambda m: m[0])  # stable: keeps tie order
        return chat


def _cut(chat: Chat, export_at: int) -> None:
    """Drop what happens after the export and set the state."""
    chat.messages = [m for m in chat.messages if m[0] <= export_at]
    chat.cycles = [c for c in chat.cycles if c.opened_at <= export_at]
    if chat.bot_closed_at is not None and chat.bot_closed_at > export_at:
        chat.bot_closed_at = None
    if not chat.cycles:
        chat.state = "closed" if chat.bot_closed_at is not None else "opened"
        return
    last = chat.cycles[-1]
    if last.closed_at is not None and last.closed_at > export_at:
        last.closed_at = None
    last.snoozes = [
        (s, None if e is None or e > export_at else e) for s, e in last.snoozes if s <= export_at
    ]
    if last.closed_at is not None:
        chat.state = "closed"
    elif last.snoozes and last.snoozes[-1][1] is None:
        chat.state = "snoozed"
    else:
        chat.state = "opened"
        last.snoozes = [(s, e) for s, e in last.snoozes if e is not None]


def _arrivals(rng: random.Random, cal: SampleCalendar, n: int, export_at: int) -> list[int]:
    """Chat creation times: weekdays busier than weekends, afternoons busiest."""
    first, last = date(2026, 1, 1), cal.local_date(export_at)
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    weights = [
        0.4
        if cal.holidays is not None and d in cal.holidays
        else (1.0 if d.weekday() < 5 else 0.33)
        for d in days
    ]
    out = []
    for d in rng.choices(days, weights, k=n):
        while True:
            hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
            t = cal.epoch(d, time(hour, rng.randint(0, 59), rng.randint(0, 59)))
            if t <= export_at:
                break
        out.append(t)
    return sorted(out)


def _forced_times(cal: SampleCalendar, export_at: int) -> list[int]:
    """Openings the sample must contain: a weekday holiday, a lunch break, a Sunday."""
    days = (date(2026, 1, 1) + timedelta(days=k) for k in range(181))
    hol = [d for d in days if d.weekday() < 5 and not cal.slots(d)]
    return [
        cal.epoch(hol[1] if len(hol) > 1 else date(2026, 5, 5), time(14, 12, 5)),
        cal.epoch(date(2026, 3, 11), time(12, 20, 41)),
        cal.epoch(date(2026, 4, 12), time(11, 3, 9)),
    ]


def build_chats(
    rng: random.Random,
    world: World,
    cal: SampleCalendar,
    *,
    chats: int,
    export_at: int,
) -> list[Chat]:
    """Draw ``chats`` chats between 2026-01-01 and ``export_at`` (sorted by creation)."""
    times = _arrivals(rng, cal, chats, export_at)
    pending = _pending_plans(rng, cal, chats, export_at)
    forced = [
        _Plan(),
        _Plan(),
        _Plan(),  # the three forced opening times above
        _Plan(bot_only=True),
        _Plan(entry="marketing", bot_only=True),
        _Plan(end="snoozed"),
        _Plan(end="opened"),
        _Plan(cycles=3),
        _Plan(cycles=2),
        _Plan(entry="support"),
        _Plan(entry="marketing"),
        _Plan(outbound="answered"),
        _Plan(outbound="unanswered"),
        *(p for p, _ in pending),
    ][:chats]
    forced_at = rng.sample(range(chats), len(forced))
    fixed = _forced_times(cal, export_at)
    fixed += [t for _, t in pending]  # plans 13… are the pending ones
    fixed_at = [*forced_at[:3], *forced_at[13:]]
    for k, t in zip(fixed_at, fixed, strict=False):
        times[k] = t
    plans = {i: p for i, p in zip(forced_at, forced, strict=True)}
    free = [i for i in range(chats) if i not in plans]
    extra = [_Plan(internal_only=True), _Plan(cycles=2), _Plan(cycles=3)]
    for i, p in zip(rng.sample(free, min(len(extra), len(free))), extra, strict=False):
        plans[i] = p
    builder = _Builder(rng, world, cal, export_at)
    out = []
    for i, created in enumerate(times):
        plan = plans.get(i) or _random_plan(rng)
        campaign = rng.choice(world.campaigns) if plan.entry == "marketing" else None
        chat = Chat(
            id=hex_id(rng),
            user_id=rng.choice(world.user_ids),
            created_at=created,
            entry=plan.entry,
            medium=rng.choices(_MEDIA, _MEDIA_WEIGHTS)[0],
            campaign=campaign,
            assignee_id=rng.choice(world.manager_ids[: max(3, len(world.manager_ids) - 2)]),
            team_id=rng.choice(world.team_ids),
        )
        builder.chat(chat, plan)
        _cut(chat, export_at)
        _decorate(rng, world, chat)
        out.append(chat)
    _sprinkle(rng, out)
    return sorted(out, key=lambda c: (c.created_at, c.id))


def _sprinkle(rng: random.Random, chats: list[Chat]) -> None:
    """Guarantee the special texts once each, and some genuine exact duplicate rows."""
    slots: dict[str, list[tuple[int, int]]] = {"user": [], "manager": []}
    for ci, chat in enumerate(chats):
        for mi, m in enumerate(chat.messages):
            if m[1] in slots and not m[4] and m[3] is not None and chat.cycles:
                slots[m[1]].append((ci, mi))
    specials = {"user": text.GUARANTEED_CUSTOMER_TEXTS, "manager": text.GUARANTEED_MANAGER_TEXTS}
    for side, texts in specials.items():
        for body, (ci, mi) in zip(
            texts, rng.sample(slots[side], min(len(texts), len(slots[side]))), strict=False
        ):
            t, person_type, person_id, _, private = chats[ci].messages[mi]
            chats[ci].messages[mi] = (t, person_type, person_id, body, private)
    every = slots["user"] + slots["manager"]
    if not every:
        return
    picks: dict[int, set[int]] = {}
    for ci, mi in rng.sample(every, max(1, len(every) // 250)):
        picks.setdefault(ci, set()).add(mi)
    for ci, rows in picks.items():
        msgs = chats[ci].messages
        chats[ci].messages = [
            x for mi, m in enumerate(msgs) for x in ([m, m] if mi in rows else [m])
        ]


def _pending_plans(
    rng: random.Random, cal: SampleCalendar, chats: int, export_at: int
) -> list[tuple[_Plan, int]]:
    """Chats still waiting on the team at the export, with their creation times.

    One opened during the export day's operating hours, one waiting since the previous
    evening, and more in the last three days, to about 3 % of the chats (at most
    :data:`_MAX_PENDING`, a backlog's size, in files of thousands of chats).
    """
    day = cal.local_date(export_at)
    evening = cal.epoch(day - timedelta(days=1), time(20, 47, 33))
    morning = min(cal.epoch(day, time(13, 20, 17)), export_at - 1800)
    out = [
        (_Plan(end="pending", pending_at=rng.randint(morning, export_at - 900)), morning),
        (_Plan(end="pending", pending_at=evening), evening),
    ]
    for _ in range(max(0, min(_MAX_PENDING, round(chats * 0.03)) - len(out))):
        created = rng.randint(export_at - 3 * _DAY, export_at - 1200)
        out.append(
            (_Plan(end="pending", pending_at=rng.randint(created, export_at - 600)), created)
        )
    return out


def _random_plan(rng: random.Random) -> _Plan:
    if rng.random() < 0.03:  # the team writes first (a proactive follow-up)
        answered = rng.random() < 0.5
        return _Plan(outbound="answered" if answered else "unanswered")
    r = rng.random()
    entry: Literal["plain", "support", "marketing"] = (
        "support" if r < 0.2 else "marketing" if r < 0.27 else "plain"
    )
    bot_only = rng.random() < (0.35 if entry == "marketing" else 0.05)
    cycles = 1
    while rng.random() < (0.12 if cycles == 1 else 0.35) and cycles < 4:
        cycles += 1
    e = rng.random()
    end: End = "opened" if e < 0.02 else "snoozed" if e < 0.035 else "closed"
    internal = not bot_only and cycles == 1 and end == "closed" and rng.random() < 0.015
    return _Plan(entry, bot_only, cycles, end, internal_only=internal)


def _decorate(rng: random.Random, world: World, chat: Chat) -> None:
    """Followers, tags, CSAT and summary, from what happened in the chat."""
    writers = {m[2] for m in chat.messages if m[1] == "manager" and not m[4] and m[2]}
    if chat.cycles and rng.random() < 0.05:
        chat.assignee_id = None  # unassigned, answered by whoever was around
    followers = sorted(writers | ({chat.assignee_id} if chat.assignee_id else set()))
    chat.manager_ids = followers or None
    n_tags = rng.choice((0, 0, 1, 1, 1, 2, 2, 3, 4)) if chat.cycles else 0
    chat.tags = rng.sample(world.tag_names, n_tags) or None
    if chat.state == "closed" and chat.cycles and rng.random() < 0.3:
        chat.csat = rng.choices(("1", "2", "3", "4", "5"), (3, 3, 10, 30, 54))[0]
    if chat.state == "closed" and chat.cycles and rng.random() < 0.2:
        chat.summary = rng.choice(
            ("환불 요청 처리 완료", "배송 지연 안내", "Password reset link sent")
        )
