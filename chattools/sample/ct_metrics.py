"""Channel Talk's own metric rules, row by row: the reference implementation.

The sample generator fills the exported metric columns (``waitingTime``,
``replyCount``, ``operation*`` …) with these rules, so that a recomputation from the
messages can be checked for exact agreement. The rules (see ``shared/metrics.md``):

* Only one cycle counts: messages with ``opened_at <= t`` (and ``t <= closed_at`` when
  closed). Bot messages and internal notes (``private``) are ignored.
* Customer (``"user"``) and team (``"manager"``) messages collapse into runs of one
  side. A reply sample is a team run following a customer run; its time is the first
  team message minus the **first** message of the customer run.
* ``replyCount`` = number of samples; ``totalReplyTime`` = their sum and
  ``avgReplyTime = total // count`` (both null without samples);
  ``firstRepliedAtAfterOpen`` = the first sample's team message;
  ``waitingTime`` = that minus ``openedAt``; ``resolutionTime = closedAt − openedAt``.
* Outbound cycles (the team writes first, e.g. a proactive follow-up): ``openedAt`` is
  the manager's first message; the opening team run follows no customer run, so it is
  not a reply sample: ``waitingTime`` runs from that opener to the first team message
  answering the customer, and stays null (``replyCount`` 0) if the customer never
  writes. This is the rule :mod:`chattools.derive.replies` and ``reconcile`` apply.
* ``opened_at is None`` (a bot-only chat) → every column null, ``replyCount`` included.
* ``operation*``: null when ``opened_at`` is outside the open slots; otherwise the same
  quantities measured in business seconds, ``operationReplyCount = replyCount``.

All values are whole seconds (timestamps are epoch seconds).

Examples
--------
>>> from chattools.sample.hours import SampleCalendar
>>> cal = SampleCalendar({"mon-fri": "09:00-18:00"}, timezone="UTC", holidays=None)
>>> monday_10 = 1782122400  # 2026-06-22 10:00 UTC
>>> msgs = [(monday_10, "user", False), (monday_10 + 60, "bot", False),
...         (monday_10 + 90, "manager", False), (monday_10 + 100, "user", False),
...         (monday_10 + 200, "manager", False)]
>>> m = cycle_metrics(msgs, opened_at=monday_10, closed_at=None, calendar=cal)
>>> m["replyCount"], m["totalReplyTime"], m["avgReplyTime"], m["waitingTime"]
(2, 190, 95, 90)
>>> m["resolutionTime"] is None, m["operationTotalReplyTime"]
(True, 190)
"""

from __future__ import annotations

from collections.abc import Iterable

from chattools.sample.hours import SampleCalendar

__all__ = ["METRIC_COLUMNS", "MessageEvent", "cycle_metrics", "reply_samples"]

#: (epoch seconds, personType, isPrivate)
MessageEvent = tuple[int, str, bool]

#: The chat columns :func:`cycle_metrics` fills (``firstRepliedAtAfterOpen`` is a time).
METRIC_COLUMNS = (
    "firstRepliedAtAfterOpen",
    "waitingTime",
    "avgReplyTime",
    "totalReplyTime",
    "replyCount",
    "resolutionTime",
    "operationWaitingTime",
    "operationAvgReplyTime",
    "operationTotalReplyTime",
    "operationReplyCount",
    "operationResolutionTime",
)


def reply_samples(
    messages: Iterable[MessageEvent], *, opened_at: int, closed_at: int | None
) -> list[tuple[int, int]]:
    """``(first customer message of the run, first team message)`` per reply sample.

    ``messages`` must be in conversation order (time, then file order).
    """
    samples: list[tuple[int, int]] = []
    side: str | None = None
    run_start = 0
    for t, person_type, private in messages:
        if t < opened_at or (closed_at is not None and t > closed_at):
            continue
        if private or person_type not in ("user", "manager"):
            continue
        if person_type == side:
            continue
        if person_type == "manager" and side == "user":
            samples.append((run_start, t))
        side, run_start = person_type, t
    return samples


def cycle_metrics(
    messages: Iterable[MessageEvent],
    *,
    opened_at: int | None,
    closed_at: int | None,
    calendar: SampleCalendar,
) -> dict[str, int | None]:
    """Channel Talk's metric columns for one cycle (see the module docstring)."""
    out: dict[str, int | None] = dict.fromkeys(METRIC_COLUMNS)
    if opened_at is None:
        return out
    samples = reply_samples(messages, opened_at=opened_at, closed_at=closed_at)
    count = len(samples)
    out["replyCount"] = count
    if samples:
        total = sum(m - u for u, m in samples)
        out["totalReplyTime"], out["avgReplyTime"] = total, total // count
        out["firstRepliedAtAfterOpen"] = samples[0][1]
        out["waitingTime"] = samples[0][1] - opened_at
    if closed_at is not None:
        out["resolutionTime"] = closed_at - opened_at
    if not calendar.is_open(opened_at):
        return out
    biz = calendar.business_seconds
    out["operationReplyCount"] = count
    if samples:
        total = sum(biz(u, m) for u, m in samples)
        out["operationTotalReplyTime"], out["operationAvgReplyTime"] = total, total // count
        out["operationWaitingTime"] = biz(opened_at, samples[0][1])
    if closed_at is not None:
        out["operationResolutionTime"] = biz(opened_at, closed_at)
    return out
