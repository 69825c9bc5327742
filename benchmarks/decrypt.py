"""What the fast agile path buys: decrypting a max-size export, fast path vs msoffcrypto.

Usage::

    python benchmarks/decrypt.py [--chats 10000] [--repeat 5]

Writes a password-protected sample export of ``--chats`` chats (agile, SHA-512, 100,000
spins, as Channel Talk writes them) and times ``chattools.readers.decrypt.open_xlsx`` on
it with the fast path (:mod:`chattools.readers.agile`) and with it switched off
(``CHATTOOLS_FAST_DECRYPT=0``: msoffcrypto-tool's public API, then the HMAC check).
Each variant runs in-process (best of ``--repeat``) and as a whole process (interpreter
start and imports included, best of ``--repeat``), alternating; it prints the times and
the ratio plain / fast. Both must give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "Bench1234"
CHILD = """
import os, sys, time
from pathlib import Path
from chattools.readers.decrypt import open_xlsx
data = Path(sys.argv[1]).read_bytes()
start = time.perf_counter()
open_xlsx(data, name="bench.xlsx", get_password=lambda: os.environ["BENCH_PASSWORD"])
print(time.perf_counter() - start)
"""


def _in_process(data: bytes, fast: bool) -> tuple[float, bytes]:
    from chattools.readers.decrypt import open_xlsx

    os.environ["CHATTOOLS_FAST_DECRYPT"] = "1" if fast else "0"
    start = time.perf_counter()
    plain = open_xlsx(data, name="bench.xlsx", get_password=lambda: PASSWORD)
    return time.perf_counter() - start, plain


def _whole_process(path: Path, fast: bool) -> float:
    env = {**os.environ, "CHATTOOLS_FAST_DECRYPT": "1" if fast else "0"}
    env["BENCH_PASSWORD"] = PASSWORD
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, str(path)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from chattools import sample

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        data = sample.write_sample(path, chats=args.chats, seed=1, password=PASSWORD)
        print(f"encrypted sample: {args.chats:,} chats, {len(data) / 1e6:.1f} MB")
        best = {True: float("inf"), False: float("inf")}
        whole = {True: float("inf"), False: float("inf")}
        outputs = {}
        for _ in range(args.repeat):
            for fast in (True, False):
                seconds, outputs[fast] = _in_process(data, fast)
                best[fast] = min(best[fast], seconds)
                whole[fast] = min(whole[fast], _whole_process(path, fast))
        assert outputs[True] == outputs[False], "the two paths disagree"
        for label, fast in (("fast path", True), ("msoffcrypto", False)):
            print(
                f"{label:12s} in-process {best[fast]:6.3f} s   whole process {whole[fast]:6.3f} s"
            )
        print(f"plain / fast: in-process {best[False] / best[True]:.2f}x, "
              f"whole process {whole[False] / whole[True]:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
