"""Channel Talk's own metric rules, row by row: the reference implementation.

The sample generator fills the exported metric columns (``waitingTime``,
``replyCount``, ``operation*`` …) with these rules, measured on real legacy exports
(``docs/metrics.md``), so that a recomputation from the messages can be checked for
exact agreement. Written as a plain replay, independently of ``chattools.derive``:

* Only the latest cycle counts: messages with ``opened_at <= t`` (and ``t <= closed_at``
  when closed). Bot messages are never looked at.
* **Who opened the cycle**: the customer is waiting from ``opened_at`` when a customer
  message is at ``opened_at``, or nothing is and either no earlier message exists or
  the next message is the customer's; otherwise the team opened it and the first wait
  starts at the next customer message.
* Replay in order: a customer message starts a wait when none is running (the sample
  starts at the **first** customer message of the run, or at ``opened_at``); the first
  team message during a wait that is not a note ends it. Notes (``isPrivate``, or a
  text starting with ``@``) are never replies.
* ``replyCount`` = number of samples, ``totalReplyTime`` = their sum,
  ``avgReplyTime = total // count``, ``firstRepliedAtAfterOpen`` = the first sample's
  reply, ``waitingTime`` = the first sample: **all blank together** without a sample.
  ``resolutionTime = closed_at − opened_at``.
* ``opened_at is None`` (a bot-only chat) → every column null.
* ``operation*`` are **not** business seconds: the plain value, kept when both its
  endpoints are in one block of operating hours (:meth:`SampleCalendar.same_block`),
  blank otherwise; ``operationReplyCount`` / ``operationTotalReplyTime`` count and sum
  the samples in a block (blank if none).

All values are whole seconds (timestamps are epoch seconds).

Examples
--------
>>> from chattools.sample.hours import SampleCalendar
>>> cal = SampleCalendar({"mon-fri": "09:00-18:00"}, timezone="UTC", holidays=None)
>>> monday_10 = 1782122400  # 2026-06-22 10:00 UTC
>>> msgs = [(monday_10, "user", False), (monday_10 + 60, "bot", False),
...         (monday_10 + 70, "manager", True), (monday_10 + 90, "manager", False),
...         (monday_10 + 100, "user", False), (monday_10 + 200, "manager", False)]
>>> m = cycle_metrics(msgs, opened_at=monday_10, closed_at=None, calendar=cal)
>>> m["replyCount"], m["totalReplyTime"], m["avgReplyTime"], m["waitingTime"]
(2, 190, 95, 90)
>>> m["resolutionTime"] is None, m["operationTotalReplyTime"]
(True, 190)
"""

from __future__ import annotations

from collections.abc import Iterable

from chattools.sample.hours import SampleCalendar

__all__ = ["METRIC_COLUMNS", "MessageEvent", "cycle_metrics", "opened_by", "reply_samples"]

#: (epoch seconds, personType, is a note: ``isPrivate`` or a text starting with ``@``)
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


def opened_by(messages: Iterable[MessageEvent], *, opened_at: int) -> str:
    """``"customer"`` or ``"team"``: who opened the cycle starting at ``opened_at``."""
    human = [(t, p) for t, p, _ in messages if p in ("user", "manager")]
    at_open = [p for t, p in human if t == opened_at]
    if "user" in at_open:
        return "customer"
    if at_open:
        return "team"
    earlier = any(t < opened_at for t, _ in human)
    after = [p for t, p in human if t > opened_at]
    return "customer" if not earlier or (after and after[0] == "user") else "team"


def reply_samples(
    messages: Iterable[MessageEvent], *, opened_at: int, closed_at: int | None
) -> list[tuple[int, int]]:
    """``(start of the wait, reply)`` per reply sample of the cycle.

    ``messages`` must be the chat's messages in conversation order (time, then file
    order); those outside the cycle only matter to who opened it.
    """
    events = list(messages)
    waiting_since: int | None = None
    if opened_by(events, opened_at=opened_at) == "customer":
        waiting_since = opened_at
    samples: list[tuple[int, int]] = []
    for t, person_type, note in events:
        if t < opened_at or (closed_at is not None and t > closed_at):
            continue
        if person_type == "user" and waiting_since is None:
            waiting_since = t
        elif person_type == "manager" and not note and waiting_since is not None:
            samples.append((waiting_since, t))
            waiting_since = None
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
    if samples:
        total = sum(m - u for u, m in samples)
        out["replyCount"], out["totalReplyTime"] = len(samples), total
        out["avgReplyTime"] = total // len(samples)
        out["firstRepliedAtAfterOpen"] = samples[0][1]
        out["waitingTime"] = samples[0][1] - samples[0][0]
        if calendar.same_block(*samples[0]):
            out["operationWaitingTime"] = out["waitingTime"]
        kept = [(u, m) for u, m in samples if calendar.same_block(u, m)]
        if kept:
            op_total = sum(m - u for u, m in kept)
            out["operationReplyCount"], out["operationTotalReplyTime"] = len(kept), op_total
            out["operationAvgReplyTime"] = op_total // len(kept)
    if closed_at is not None:
        out["resolutionTime"] = closed_at - opened_at
        if calendar.same_block(opened_at, closed_at):
            out["operationResolutionTime"] = out["resolutionTime"]
    return out
