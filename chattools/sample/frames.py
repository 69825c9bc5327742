"""Typed frames of the legacy and 2026 generations, from the drawn world and chats.

:func:`typed_frame` turns raw columns (epoch seconds, seconds, Python lists) into a
frame with exactly the dtypes of ``schema.typed_schema`` (without provenance);
the other functions lay out each sheet.

Examples
--------
>>> f = typed_frame("bots", {"id": ["1"], "channelId": ["9"], "name": ["B"],
...                          "createdAt": [1782799200], "color": [None]}, "Asia/Seoul")
>>> f["createdAt"][0]
datetime.datetime(2026, 6, 30, 15, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Seoul'))
"""

from __future__ import annotations

import random

import polars as pl

from chattools import schema
from chattools.codecs import codec
from chattools.sample.conversations import Chat
from chattools.sample.ct_metrics import cycle_metrics, reply_samples
from chattools.sample.hours import SampleCalendar
from chattools.sample.world import Columns, World

__all__ = [
    "chat_columns",
    "meets_columns",
    "message_columns",
    "typed_frame",
]


#: The drawn world's units of the kinds it draws as numbers, in milliseconds: times are
#: epoch seconds (``utc_datetime``: epoch milliseconds), durations seconds.
_MS_PER_UNIT: dict[schema.Kind, int] = {"datetime": 1000, "utc_datetime": 1, "duration": 1000}


def _convert(name: str, values: list[object], kind: schema.Kind, tz: str) -> pl.Series:
    """The typed column of drawn ``values``, read as the API shape by the kind's codec."""
    coder = codec(kind)
    if kind not in _MS_PER_UNIT:
        return pl.Series(name, values, coder.dtype(tz))
    ms = pl.Series(name, values, pl.Int64) * _MS_PER_UNIT[kind]
    value, _ = coder.parse_api(pl.lit(ms), tz)
    return pl.select(value.cast(coder.dtype(tz)).alias(name)).to_series()


def typed_frame(
    sheet: str,
    columns: Columns,
    timezone: str,
    *,
    extra: tuple[str, ...] = (),
) -> pl.DataFrame:
    """A typed frame of ``sheet``: every core column, then ``extra`` known columns,
    then any other column of ``columns`` as ``String``.
    """
    spec = schema.SHEETS[sheet]
    names = [c.name for c in spec.core_columns] + list(extra)
    names += [k for k in columns if k not in names]
    height = len(next(iter(columns.values()))) if columns else 0
    series = []
    for name in names:
        kind = spec.column(name).kind if spec.known(name) else "text"
        values = columns.get(name, [None] * height)
        series.append(_convert(name, values, kind, timezone))
    return pl.DataFrame(series)


def chat_columns(
    chats: list[Chat], world: World, cal: SampleCalendar, *, export_at: int, generation: str
) -> Columns:
    """Legacy UserChat rows: one per chat, metrics of the latest cycle by Channel Talk's rules
    (the 2026 rows: :func:`chattools.sample.analytics.analytics_columns`).
    """
    cols: Columns = {}

    def put(name: str, value: object) -> None:
        cols.setdefault(name, []).append(value)

    for chat in chats:
        last = chat.cycles[-1] if chat.cycles else None
        metrics = cycle_metrics(
            chat.events(),
            opened_at=last.opened_at if last else None,
            closed_at=last.closed_at if last else None,
            calendar=cal,
        )
        closed_at = last.closed_at if last else chat.bot_closed_at
        put("id", chat.id)
        put("userId", chat.user_id)
        put("name", world.user_names[chat.user_id])
        put("description", None)
        put("state", chat.state)
        put("contactMediumType", chat.medium)
        put("marketingType", chat.campaign[1] if chat.campaign else None)
        put("marketingId", chat.campaign[0] if chat.campaign else None)
        put("supportBotId", world.support_bot_id if chat.entry == "support" else None)
        put("managerIds", chat.manager_ids)
        put("assigneeId", chat.assignee_id)
        put("tags", chat.tags)
        put("firstOpenedAt", chat.cycles[0].opened_at if chat.cycles else None)
        put("openedAt", last.opened_at if last else None)
        put("createdAt", chat.created_at)
        for name, value in metrics.items():
            put(name, value)
        put("closedAt", closed_at)
        put("summary", chat.summary)
        put("profile.csat", None if chat.csat is None else float(chat.csat))
    return cols


def _missing_replies(gaps: random.Random, chats: list[Chat]) -> set[tuple[int, int]]:
    """``(chat, message)`` indices of replies left out of the Message sheet (~2 % of chats).

    Channel Talk counted them (the exported metrics include them); the sheet lacks them,
    as real exports sometimes do (deleted messages, or not exported).
    """
    out: set[tuple[int, int]] = set()
    for ci, chat in enumerate(chats):
        if not chat.cycles or gaps.random() >= 0.02:
            continue
        last = chat.cycles[-1]
        samples = reply_samples(chat.events(), opened_at=last.opened_at, closed_at=last.closed_at)
        if not samples:
            continue
        reply = gaps.choice(samples)[1]
        for mi, (t, person_type, _, body, private) in enumerate(chat.messages):
            mention = (body or "").startswith("@")
            if t == reply and person_type == "manager" and not private and not mention:
                out.add((ci, mi))
                break
    return out


def message_columns(
    rng: random.Random,
    chats: list[Chat],
    *,
    generation: str,
    gaps: random.Random | None = None,
) -> Columns:
    """Message rows grouped by chat in blocks (blocks not in time order).

    Legacy sheets keep the internal notes that are ``@`` mentions (as plain manager
    messages, like real legacy exports) and drop the others. With ``gaps`` (a random
    generator) the sheet shows what real legacy exports cannot: every internal note as
    a plain manager message (no flag), and a few replies missing.
    """
    missing = _missing_replies(gaps, chats) if gaps is not None else set()
    order = list(range(len(chats)))
    rng.shuffle(order)
    cols: Columns = {
        "chatId": [],
        "personType": [],
        "personId": [],
        "createdAt": [],
        "plainText": [],
    }
    private: list[object] = []
    for i in order:
        chat = chats[i]
        for mi, (t, person_type, person_id, body, is_private) in enumerate(chat.messages):
            if (i, mi) in missing:
                continue
            mention = (body or "").startswith("@")
            if is_private and generation == "legacy" and not (mention or gaps is not None):
                continue  # legacy exports show only the notes that are @ mentions
            cols["chatId"].append(chat.id)
            cols["personType"].append(person_type)
            cols["personId"].append(person_id)
            cols["createdAt"].append(t)
            cols["plainText"].append(body)
            private.append(is_private)  # (legacy sheets have no isPrivate column)
    if generation == "2026":
        cols["isPrivate"] = private
    return cols


def meets_columns(rng: random.Random, chats: list[Chat]) -> Columns:
    """A few calls on chats that reached the team."""
    names = ("id", "userChatId", "startedAt", "endedAt", "engagedAt", "from", "to", "direction")
    cols: Columns = {k: [] for k in (*names, "missedReason", "duration")}
    phone = "+82 2-555-0100"
    for chat in chats:
        if not chat.cycles or rng.random() > 0.015:
            continue
        start = chat.cycles[0].opened_at + rng.randint(60, 1800)
        missed = rng.random() < 0.25
        engaged = None if missed else start + rng.randint(3, 25)
        end = start + 30 if engaged is None else engaged + rng.randint(30, 1200)
        inbound = rng.random() < 0.6
        caller = f"+82 10-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        for k, v in zip(
            names,
            (str(rng.randint(10**8, 10**9)), chat.id, start, end, engaged,
             caller if inbound else phone, phone if inbound else caller,
             "inbound" if inbound else "outbound"),
            strict=True,
        ):  # fmt: skip
            cols[k].append(v)
        cols["missedReason"].append("noAnswer" if missed else None)
        cols["duration"].append(None if engaged is None else end - engaged)
    return cols
