"""Time reading a max-size encrypted export: chattools vs the naive pipeline vs the floor.

Usage::

    python benchmarks/load.py [--chats 10000] [--repeat 3] [--out DIR]

Writes (once, then reuses) a password-protected legacy export of ``--chats`` chats
made by :mod:`chattools.sample`, then measures, each run in a fresh subprocess
(wall time of the work, peak RSS of the process):

* **chattools**: ``ct.open_export(path)`` → typed frames, problems, provenance;
* **naive**: msoffcrypto decrypt → ``pandas.read_excel(engine="openpyxl",
  sheet_name=None)`` → ``pd.to_datetime`` on the timestamp columns;
* **floor**: msoffcrypto decrypt → fastexcel reading every sheet as text, no typing.

and prints the figures and the ratios against the targets (chattools ≥ 15x faster
than naive, ≤ 1.1x the floor, peak memory ≤ 0.65x naive; as whole processes ≥ 22x
naive), and the floor's own whole-process ratio to naive: the most any reader doing
the floor's work can reach on this machine. Each is timed twice: the
work inside the process, and the whole process as a user meets it (interpreter start
and imports included). Then the same for the real exports of ``../shared/real/``
(``--real``), encrypted with the same password into ``--out`` first, as users
download them. The password reaches the
subprocesses through ``CHATTOOLS_PASSWORD``, never the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "Bench1234"
REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


def _decrypt(path: Path) -> bytes:
    import io

    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(path.read_bytes()))
    office.load_key(password=os.environ["CHATTOOLS_PASSWORD"])
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def _run_chattools(path: Path) -> dict[str, int]:
    import chattools as ct

    exp = ct.open_export(path)
    return {"chats": exp.chats.height, "messages": exp.messages.height}


def _run_naive(path: Path) -> dict[str, int]:
    import io

    import pandas as pd

    from chattools import schema

    sheets = pd.read_excel(io.BytesIO(_decrypt(path)), engine="openpyxl", sheet_name=None)
    times = {
        c.name
        for s in schema.SHEETS.values()
        for c in s.columns
        if c.kind in ("datetime", "utc_datetime")
    }
    for frame in sheets.values():
        for column in frame.columns:
            if column in times:
                frame[column] = pd.to_datetime(frame[column], errors="coerce", format="mixed")
    return {"chats": len(sheets["UserChat data"]), "messages": len(sheets["Message data"])}


def _run_floor(path: Path) -> dict[str, int]:
    import fastexcel

    reader = fastexcel.read_excel(_decrypt(path))
    frames = {
        name: reader.load_sheet(name, header_row=0, dtypes="string").to_polars()
        for name in reader.sheet_names
    }
    return {"chats": frames["UserChat data"].height, "messages": frames["Message data"].height}


RUNNERS = {"chattools": _run_chattools, "naive": _run_naive, "floor": _run_floor}


#: Modules each pipeline imports before its timer starts (imports are not timed).
IMPORTS = {
    # chattools imports lazily (PEP 562): name what open_export loads, as the others do
    "chattools": ("chattools", "chattools.readers.load", "polars", "numpy", "fastexcel"),
    "naive": ("pandas", "openpyxl", "msoffcrypto", "chattools.schema"),
    "floor": ("fastexcel", "msoffcrypto", "polars"),
}


def _child(which: str, path: Path) -> None:
    import importlib

    for module in IMPORTS[which]:
        importlib.import_module(module)

    start = time.perf_counter()
    counts = RUNNERS[which](path)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, **counts}))


def _measure(which: str, path: Path) -> dict[str, float]:
    env = {**os.environ, "CHATTOOLS_PASSWORD": PASSWORD, "CHATTOOLS_PROGRESS": "0"}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(path)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    process = time.perf_counter() - start
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "process": process}


def _encrypted_copies(real: Path, out: Path) -> list[Path]:
    """The real exports, each encrypted with :data:`PASSWORD` (once), as downloaded."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    copies = []
    for plain in sorted(real.glob("*.xlsx")):
        copy = out / f"real-{plain.name}"
        if not copy.exists():
            out.mkdir(parents=True, exist_ok=True)
            encrypted = io.BytesIO()
            OOXMLFile(io.BytesIO(plain.read_bytes())).encrypt(PASSWORD, encrypted)
            copy.write_bytes(encrypted.getvalue())
        copies.append(copy)
    return copies


def _best(which: str, path: Path, repeat: int, results: dict[str, dict[str, float]]) -> None:
    """Keep each figure's best run in ``results[which]`` (machine load only adds)."""
    run = _measure(which, path)
    best = results.setdefault(which, run)
    for key in ("seconds", "process", "peak_mb"):
        best[key] = min(best[key], run[key])


def _export(chats: int, out: Path) -> Path:
    path = out / f"legacy-{chats}.xlsx"
    if not path.exists():
        from chattools import sample

        out.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        data = sample.generate(chats, seed=7)
        generated = time.perf_counter() - start
        from chattools.writers import write_export

        start = time.perf_counter()
        payload = write_export(data.frames, password=PASSWORD)
        written = time.perf_counter() - start
        path.write_bytes(payload)
        n = data.frames["messages"].height
        print(f"sample: {chats} chats, {n} messages; generated in {generated:.1f} s, "
              f"written + encrypted in {written:.1f} s, {len(payload) / 1e6:.1f} MB")  # fmt: skip
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of chattools and floor")
    parser.add_argument("--out", type=Path, default=Path("/tmp/chattools-bench"))
    parser.add_argument("--skip-naive", action="store_true", help="only chattools vs floor")
    parser.add_argument("--real", type=Path, default=REAL, help="folder of real exports")
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--write-sample", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    if args.write_sample:
        _export(args.chats, args.out)
        return
    # the sample is written by a child: a parent holding it would lend its size to every
    # measured child's peak (Linux keeps ru_maxrss across fork and exec)
    cmd = [sys.executable, __file__, "--write-sample", "--chats", str(args.chats)]
    subprocess.run([*cmd, "--out", str(args.out)], check=True)
    path = args.out / f"legacy-{args.chats}.xlsx"
    results: dict[str, dict[str, float]] = {}
    # interleave the runs so that machine load hits both alike; keep each one's best
    for _ in range(args.repeat):
        for which in ("floor", "chattools"):
            _best(which, path, args.repeat, results)
    if not args.skip_naive:
        results["naive"] = _measure("naive", path)
    _report(path.name, results)
    ct, floor = results["chattools"], results["floor"]
    _ratio("time vs floor", ct["seconds"] / floor["seconds"], "<=", 1.1)
    _ratio("process vs floor", ct["process"] / floor["process"], "", 0)
    _ratio("peak memory/floor", ct["peak_mb"] / floor["peak_mb"], "", 0)
    if "naive" in results:
        naive = results["naive"]
        _ratio("speed-up vs naive", naive["seconds"] / ct["seconds"], ">=", 15)
        _ratio("process vs naive", naive["process"] / ct["process"], ">=", 22)
        # the ceiling of any reader that decrypts and reads the sheets as fastexcel does
        _ratio("floor process/naive", naive["process"] / floor["process"], "", 0)
        _ratio("peak memory/naive", ct["peak_mb"] / naive["peak_mb"], "<=", 0.65)
    for copy in _encrypted_copies(args.real, args.out) if args.real.is_dir() else []:
        real: dict[str, dict[str, float]] = {}
        for _ in range(args.repeat):
            for which in ("floor", "chattools"):
                _best(which, copy, args.repeat, real)
        _report(copy.name, real)
        _ratio("time vs floor", real["chattools"]["seconds"] / real["floor"]["seconds"], "", 0)
        _ratio("process vs floor", real["chattools"]["process"] / real["floor"]["process"], "", 0)


def _report(name: str, results: dict[str, dict[str, float]]) -> None:
    print(f"-- {name}")
    for which, r in results.items():
        print(f"{which:10s} {r['seconds']:8.2f} s in-process  {r['process']:6.2f} s whole process"
              f"  peak {r['peak_mb']:6.0f} MB  chats={r['chats']:.0f} messages={r['messages']:.0f}")  # fmt: skip


def _ratio(label: str, value: float, op: str, target: float) -> None:
    if not op:
        print(f"{label:20s}: {value:6.2f}x")
        return
    met = value <= target if op == "<=" else value >= target
    print(f"{label:20s}: {value:6.2f}x  (target {op} {target:g}x)  {'ok' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
