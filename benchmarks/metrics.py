"""Benchmark: ``ct.chat_metrics`` with business hours on ~2.5 million messages.

Builds the messages by generating one sample export and replicating it with fresh
chat ids (each copy shifted by whole weeks, so business hours stay comparable),
then times the metric computation alone. Target: under 3 s.

Run: ``.venv/bin/python benchmarks/metrics.py [--messages 2500000] [--streaming]``
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

import polars as pl

import chattools as ct
from chattools import sample
from chattools.derive.hours import OperatingHours


def build(messages: int, *, seed: int = 7) -> ct.Export:
    """An export of about ``messages`` messages made of shifted sample copies."""
    base = sample.generate(2000, seed=seed)
    chats, msgs = base.frames["chats"], base.frames["messages"]
    copies = max(1, -(-messages // msgs.height))
    time_cols = [c for c, d in chats.schema.items() if isinstance(d, pl.Datetime)]
    chat_parts, msg_parts = [], []
    for k in range(copies):
        shift = timedelta(weeks=k % 20)
        suffix = f"{k:04d}"
        chat_parts.append(
            chats.with_columns(pl.col("id") + suffix, *[pl.col(c) + shift for c in time_cols])
        )
        msg_parts.append(msgs.with_columns(pl.col("chatId") + suffix, pl.col("createdAt") + shift))
    frames = dict(base.frames)
    frames["chats"] = pl.concat(chat_parts)
    frames["messages"] = pl.concat(msg_parts).head(messages)
    return ct.Export(frames, generation="legacy", timezone=base.timezone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2_500_000)
    parser.add_argument(
        "--streaming", action="store_true", help="collect with the streaming engine"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    exp = build(args.messages)
    n_msgs, n_chats = exp.messages.height, exp.chats.height
    print(f"built {n_msgs:,} messages in {n_chats:,} chats in {time.perf_counter() - t0:.1f} s")
    hours = OperatingHours.weekly(
        sample.SAMPLE_HOURS, timezone=exp.timezone, holidays=sample.SAMPLE_HOLIDAYS
    )
    best, best_cpu = float("inf"), float("inf")
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        if args.streaming:
            out = ct.chat_metrics(exp, hours, lazy=True).collect(engine="streaming")
        else:
            out = ct.chat_metrics(exp, hours)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    assert out.height == n_chats
    verdict = "OK" if best < 3 else "SLOW"
    print(
        f"chat_metrics(hours) {'streaming' if args.streaming else 'default engine'}: "
        f"best of {args.repeat} {best:.2f} s wall ({best_cpu:.2f} s CPU over all threads), "
        f"{n_msgs / best:,.0f} messages/s [target < 3 s: {verdict}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores]"
    )


if __name__ == "__main__":
    main()
