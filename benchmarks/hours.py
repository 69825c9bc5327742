"""Time ``OperatingHours.business_duration`` against a row-by-row Python loop.

Run: ``.venv/bin/python benchmarks/hours.py [--rows 1000000] [--sample 20000]``.

Random intervals start uniformly over two years (2025-2026, Asia/Seoul) and last an
exponential time (mean 6 hours; one in ten has mean 5 days), measured against the
calendar ``{"mon-fri": ["09:00-12:00", "13:00-18:00"], "sat": "22:00-06:00"}`` with
Korean public holidays. The loop walks each interval day by day through the slots, the
way popular row-by-row helpers do (but DST-safe, comparing instants); it runs on a
random sample and its time is scaled linearly to the full row count. Both answers are
compared on that sample. Target: at least 100x faster.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import polars as pl

import chattools as ct

SLOTS = {"mon-fri": ["09:00-12:00", "13:00-18:00"], "sat": "22:00-06:00"}
ZONE = "Asia/Seoul"


def loop_business_seconds(
    start: datetime, end: datetime, week: tuple, closed: set[date], zone: ZoneInfo
) -> float:
    """One interval, the straightforward way: every local day, every slot."""
    if end <= start:
        return 0.0
    a, b = start.timestamp(), end.timestamp()
    total = 0.0
    day = start.astimezone(zone).date() - timedelta(days=1)  # yesterday's overnight slot
    last = end.astimezone(zone).date()
    while day <= last:
        if day not in closed:
            midnight = datetime.combine(day, clock())
            for s, e in week[day.weekday()]:
                opens = (midnight + timedelta(minutes=s)).replace(tzinfo=zone).timestamp()
                closes = (midnight + timedelta(minutes=e)).replace(tzinfo=zone).timestamp()
                total += max(0.0, min(b, closes) - max(a, opens))
        day += timedelta(days=1)
    return total


def random_intervals(rows: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    lo = int(datetime(2025, 1, 1).timestamp() * 1e6)
    hi = int(datetime(2027, 1, 1).timestamp() * 1e6)
    start = rng.integers(lo, hi, rows)
    mean = np.where(rng.random(rows) < 0.1, 5 * 86_400e6, 6 * 3_600e6)
    end = start + rng.exponential(mean).astype(np.int64)
    return pl.DataFrame({"a": start, "b": end}).with_columns(
        pl.all().cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(ZONE)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    frame = random_intervals(args.rows, args.seed)
    hours = ct.OperatingHours.weekly(SLOTS, timezone=ZONE, holidays="KR")
    t0 = time.perf_counter()
    first = frame.select(hours.business_duration("a", "b"))
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = frame.select(hours.business_duration("a", "b"))["a"]
    warm = time.perf_counter() - t0
    assert first["a"].equals(result)

    zone = ZoneInfo(ZONE)
    closed = set(holidays.country_holidays("KR", years=range(2024, 2028)))
    sample = frame.sample(args.sample, seed=args.seed)
    rows = sample.rows()
    t0 = time.perf_counter()
    looped = [loop_business_seconds(a, b, hours.week, closed, zone) for a, b in rows]
    loop = time.perf_counter() - t0
    scaled = loop * args.rows / args.sample

    vectorised = sample.select(hours.business_duration("a", "b"))["a"].dt.total_microseconds()
    agree = np.abs(vectorised.to_numpy() / 1e6 - np.array(looped)) < 1e-3
    print(f"{args.rows:,} intervals over 2025-2026 ({ZONE}, KR holidays)")
    print(
        f"vectorised business_duration: {cold:.3f} s cold (incl. calendar expansion), {warm:.3f} s warm"
    )
    print(
        f"row-by-row loop: {loop:.2f} s on a {args.sample:,}-row sample, "
        f"scaled linearly to {args.rows:,} rows: {scaled:.1f} s"
    )
    print(f"speed-up: {scaled / cold:.0f}x (cold), {scaled / warm:.0f}x (warm); target >= 100x")
    print(f"sample agreement with the loop: {agree.mean():.2%} of {args.sample:,} rows")


if __name__ == "__main__":
    main()
