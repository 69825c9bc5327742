"""Time the sample generator at full file size: 10,000 chats, generate + write + encrypt.

Run: ``.venv/bin/python benchmarks/sample_size.py [--chats 10000]``. The requirement is
under 60 s for a 10,000-chat password-protected XLSX (about 250,000 messages).
"""

from __future__ import annotations

import argparse
import time
from typing import Literal

from chattools import sample
from chattools.writers import write_export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    runs: tuple[tuple[Literal["legacy", "2026"], Literal["xlsx", "zip"]], ...] = (
        ("legacy", "xlsx"),
        ("2026", "xlsx"),
        ("legacy", "zip"),
    )
    for generation, container in runs:
        t0 = time.perf_counter()
        data = sample.generate(args.chats, seed=args.seed, generation=generation)
        t1 = time.perf_counter()
        payload = write_export(
            data.frames,
            generation=generation,
            container=container,
            password=sample.DEFAULT_PASSWORD,
        )
        t2 = time.perf_counter()
        messages = data.frames["messages"].height
        print(
            f"{generation:>6} {container}: {args.chats} chats, {messages} messages "
            f"({messages / args.chats:.1f}/chat): generate {t1 - t0:.1f} s, "
            f"write+encrypt {t2 - t1:.1f} s, total {t2 - t0:.1f} s, {len(payload) / 1e6:.1f} MB"
        )
    t0 = time.perf_counter()
    cases = sample.generate(args.chats, seed=args.seed, generation="case").frames["cases"]
    print(f"  case: {cases.height} cases: generate {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
