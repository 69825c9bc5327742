"""Scale benchmark: many max-size encrypted exports → Parquet dataset → lazy metrics.

Phases (each in a fresh subprocess, so its peak memory is its own):

1. ``generate``: ``--files`` encrypted XLSX exports of ``--chats`` chats each, from
   ``chattools.sample`` with different seeds, every file shifted ``--shift-days`` later
   than the previous one (consecutive half-years by default, so chats do not all
   overlap); consecutive files share ``--overlap`` chats (the later file holds a newer
   version) to exercise deduplication.
2. ``convert``: ``ct.convert_to_dataset`` (both cores).
3. ``open``: ``ct.open_dataset`` (lazy: reads only the manifest) and row counts.
4. ``metrics``: ``ct.chat_metrics(exp, hours=..., lazy=True)`` collected with the
   streaming engine.

``--phases direct,open,metrics`` replaces 1–2 by ``direct``: one sample re-keyed and
shifted per file, merged with ``chattools.readers.dataset.write_dataset`` (the same merge
as ``convert``, without writing and decrypting XLSX), to test the dataset at full size
quickly.

Prints wall time and peak RSS (this process and its workers) per phase. Target:
re-open < 2 s, peak < 8 GiB.

Usage::

    python benchmarks/scale.py                       # 50 files × 10,000 chats
    python benchmarks/scale.py --files 3 --chats 2000  # quick run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

PASSWORD = "bench2024"  # a throwaway password for generated files only


def _peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024  # Linux: KiB


def _shifted(frames: dict[str, Any], days: int) -> dict[str, Any]:
    import polars as pl

    return {
        k: f.with_columns(pl.col(pl.Datetime) + pl.duration(days=days)) for k, f in frames.items()
    }


def _overlap_block(index: int, overlap: int, days: int, newer: bool) -> dict[str, Any]:
    """Chats (and their messages) shared by file ``index`` and file ``index + 1``."""
    import polars as pl

    from chattools import sample

    frames = _shifted(sample.generate(overlap, seed=50_000 + index).frames, days)
    chats = frames["chats"]
    if newer:  # the later file holds a newer version: closed one day later
        chats = chats.with_columns(pl.col("closedAt") + pl.duration(days=1))
    return {"chats": chats, "messages": frames["messages"]}


def _write_one(args: tuple[int, int, int, int, str]) -> tuple[str, int]:
    import polars as pl

    from chattools import sample
    from chattools.writers import write_export

    index, chats, shift_days, overlap, folder = args
    main = max(1, chats - 2 * overlap) if overlap else chats
    frames = _shifted(sample.generate(main, seed=1000 + index).frames, index * shift_days)
    blocks = []
    if overlap:
        blocks.append(_overlap_block(index, overlap, index * shift_days, newer=False))
        if index:
            blocks.append(_overlap_block(index - 1, overlap, (index - 1) * shift_days, newer=True))
    for block in blocks:
        for key in ("chats", "messages"):
            frames[key] = pl.concat([frames[key], block[key]], how="diagonal_relaxed")
    data = write_export(frames, generation="legacy", container="xlsx", password=PASSWORD)
    path = Path(folder) / f"export-{index:03d}.xlsx"
    path.write_bytes(data)
    return path.name, frames["messages"].height


def phase_generate(opts: argparse.Namespace) -> dict[str, Any]:
    folder = Path(opts.work) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    tasks = [(i, opts.chats, opts.shift_days, opts.overlap, str(folder)) for i in range(opts.files)]
    with ProcessPoolExecutor(max_workers=opts.workers, mp_context=get_context("spawn")) as pool:
        done = list(pool.map(_write_one, tasks))
    size = sum(p.stat().st_size for p in folder.iterdir())
    return {"files": len(done), "messages": sum(m for _, m in done), "MiB": round(size / 2**20)}


def phase_convert(opts: argparse.Namespace) -> dict[str, Any]:
    import chattools as ct

    out = Path(opts.work) / "dataset"
    ct.convert_to_dataset(
        Path(opts.work) / "exports", out, password=PASSWORD, workers=opts.workers, progress=False
    )
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"dataset_MiB": round(size / 2**20)}


def phase_open(opts: argparse.Namespace) -> dict[str, Any]:
    import chattools as ct

    start = time.perf_counter()
    exp = ct.open_dataset(Path(opts.work) / "dataset")
    opened = time.perf_counter() - start
    chats = exp.lazy("chats").select(__import__("polars").len()).collect().item()
    messages = exp.lazy("messages").select(__import__("polars").len()).collect().item()
    return {"open_s": round(opened, 3), "lazy": exp.is_lazy, "chats": chats, "messages": messages}


def phase_metrics(opts: argparse.Namespace) -> dict[str, Any]:
    import chattools as ct

    if not hasattr(ct, "chat_metrics"):
        return {"skipped": "ct.chat_metrics is not available"}
    exp = ct.open_dataset(Path(opts.work) / "dataset")
    hours = None
    if hasattr(ct, "OperatingHours"):
        hours = ct.OperatingHours.weekly(
            {"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone=exp.timezone, holidays="KR"
        )
    metrics = ct.chat_metrics(exp, hours=hours, lazy=True).collect(engine="streaming")
    return {"rows": metrics.height, "business_hours": hours is not None}


def _variant(base: dict[str, Any], index: int, opts: argparse.Namespace) -> Any:
    """File ``index`` as a loaded Export, derived from one sample (no XLSX round trip)."""
    import hashlib

    import polars as pl

    import chattools as ct
    from chattools import schema

    def ids(frames: dict[str, Any], k: int) -> dict[str, Any]:
        def chat_id(c: str) -> Any:
            return pl.col(c).str.slice(0, 17) + f"{k:03x}"

        user = pl.col("personType") == "user"
        out = dict(frames)
        out["chats"] = frames["chats"].with_columns(chat_id("id"), chat_id("userId"))
        out["users"] = frames["users"].with_columns(chat_id("id"))
        out["meets"] = frames["meets"].with_columns(
            chat_id("userChatId"), pl.col("id") + f"{k:03d}"
        )
        out["messages"] = frames["messages"].with_columns(
            chat_id("chatId"), pl.when(user).then(chat_id("personId")).otherwise("personId")
        )
        return _shifted(out, k * opts.shift_days)

    name = f"export-{index:03d}.xlsx"
    frames = ids(base, index)
    if index and opts.overlap:
        prev = ids(base, index - 1)
        again = prev["chats"].tail(opts.overlap)
        frames["chats"] = pl.concat(
            [frames["chats"], again.with_columns(pl.col("closedAt") + pl.duration(days=1))]
        )
        frames["messages"] = pl.concat(
            [
                frames["messages"],
                prev["messages"].filter(pl.col("chatId").is_in(again["id"].implode())),
            ]
        )
    typed = {}
    for key, frame in frames.items():
        names = schema.SHEETS[key].sheet_names
        sheet = (names.get("legacy") or next(iter(names.values())))[0]
        typed[key] = frame.with_columns(
            pl.lit(name).alias("_file"),
            pl.lit(sheet).alias("_sheet"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
        )
    created = typed["chats"]["createdAt"]
    sources = pl.DataFrame(
        [
            {
                "file": name,
                "sha256": hashlib.sha256(name.encode()).hexdigest(),
                "container": "encrypted-xlsx",
                "generation": "legacy",
                "sheets": [typed[k]["_sheet"][0] for k in typed if typed[k].height],
                "chats": typed["chats"].height,
                "messages": typed["messages"].height,
                "first_chat_at": created.min(),
                "last_chat_at": created.max(),
            }
        ],
        schema={
            **ct.export.SOURCE_SCHEMA,
            "first_chat_at": created.dtype,
            "last_chat_at": created.dtype,
        },
    )
    rows_read = pl.DataFrame(
        [(name, f["_sheet"][0], f.height) for f in typed.values() if f.height],
        schema={"file": pl.String, "sheet": pl.String, "rows_read": pl.Int64},
        orient="row",
    )
    return ct.Export(typed, generation="legacy", sources=sources, rows_read=rows_read)


def phase_direct(opts: argparse.Namespace) -> dict[str, Any]:
    """Like generate + convert, without the XLSX round trip (one sample, re-keyed per file)."""
    from chattools import sample
    from chattools.readers.dataset import write_dataset

    base = sample.generate(opts.chats, seed=1000).frames
    out = Path(opts.work) / "dataset"
    write_dataset((_variant(base, i, opts) for i in range(opts.files)), out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"files": opts.files, "dataset_MiB": round(size / 2**20)}


PHASES = {
    "direct": phase_direct,
    "generate": phase_generate,
    "convert": phase_convert,
    "open": phase_open,
    "metrics": phase_metrics,
}


def run_phase(name: str, opts: argparse.Namespace) -> None:
    start = time.perf_counter()
    result = PHASES[name](opts)
    result.update(
        phase=name, seconds=round(time.perf_counter() - start, 2), peak_MiB=round(_peak_mib())
    )
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument(
        "--shift-days", type=int, default=182, help="days between files (half-years)"
    )
    parser.add_argument(
        "--overlap", type=int, default=200, help="chats repeated from the previous file"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--work", default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--phases", default="generate,convert,open,metrics")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.phase:
        run_phase(opts.phase, opts)
        return
    work = Path(opts.work or tempfile.mkdtemp(prefix="chattools-scale-"))
    print(f"# {opts.files} files × {opts.chats} chats in {work}", flush=True)
    env = {**os.environ, "CHATTOOLS_PROGRESS": "0"}
    try:
        for name in opts.phases.split(","):
            args = [sys.executable, __file__, *sys.argv[1:], "--work", str(work), "--phase", name]
            done = subprocess.run(args, env=env, check=False, capture_output=True, text=True)
            if done.returncode:
                print(f"phase {name} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
                sys.exit(done.returncode)
            print(done.stdout.strip().splitlines()[-1], flush=True)
    finally:
        if not opts.keep and opts.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
