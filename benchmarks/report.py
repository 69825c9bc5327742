"""Time ``chattools report`` as a user meets it: a whole process on a max-size export.

Usage::

    python benchmarks/report.py [--chats 10000] [--repeat 3] [--out DIR] [--previous REV]

Writes (once, then reuses) a password-protected legacy sample export of ``--chats``
chats (10,000 chats ≈ 250,000 messages, the largest documented export), then measures,
each in a fresh subprocess (wall time, CPU time — steadier than wall time on a shared
machine — and peak RSS of that process):

* **load**: ``python -c "ct.open_export(path)"`` — interpreter, imports and reading,
  the floor any report stands on (the baseline of the ratio);
* **report**: ``python -m chattools report path -o report.html``, imports included;
* **previous** (with ``--previous REV``): the same command from the ``chattools``
  package of git revision ``REV`` (extracted with ``git archive``), same environment;

the runs interleaved (load, report, previous, load, …) so that a busy spell of a shared
machine slows each alike, after one round that is not counted: it writes the bytecode
(under ``--out``, whatever ``PYTHONDONTWRITEBYTECODE`` says), which an installed package
has already;

then, in one more process, the split of the report's work: load, metrics
(``chat_metrics`` and ``waits``, from one set of runs), reconciliation (the appendix's ``reconcile``),
charts (the SVG drawing of :mod:`chattools.report.svg`), the other sections, and HTML
(``Report.html``), each timed by wrapping the function the report calls. The issue's
target is ≤ 4 s and ≤ 400 MB for the report process. The password reaches the
subprocesses through ``CHATTOOLS_PASSWORD``, never the command line. Times are medians
of ``--repeat`` runs; on a shared machine, compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

PASSWORD = "Bench1234"
ROOT = Path(__file__).resolve().parents[1]

_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
if run.returncode:
    sys.exit(run.stderr[-2000:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""

_SPLIT = """
import json, sys, time
from collections import defaultdict
spent = defaultdict(float)

def timed(name, fn):
    def run(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - t
    return run

t0 = time.perf_counter()
import chattools as ct
from chattools.report import core, svg
exp = ct.open_export(sys.argv[1])
t1 = time.perf_counter()
core._metrics = timed("metrics", core._metrics)
ct.reconcile = timed("reconciliation", ct.reconcile)
for name in ("bars", "lines", "hbars", "heatmap"):
    setattr(svg, name, timed("charts", getattr(svg, name)))
report = ct.build_report(exp)
t2 = time.perf_counter()
report.html()
t3 = time.perf_counter()
rest = (t2 - t1) - sum(spent.values())
print(json.dumps({"load (imports included)": t1 - t0, **spent, "other sections": rest,
                  "HTML": t3 - t2}))
"""


def _measure(
    cmd: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of ``cmd`` run as its own process."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024, float(out[2])


def _summary(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Median wall time, largest peak, median CPU time."""
    return (
        statistics.median(r[0] for r in runs),
        max(r[1] for r in runs),
        statistics.median(r[2] for r in runs),
    )


def _previous_package(rev: str, into: Path) -> Path:
    """The ``chattools`` package of git revision ``rev``, extracted under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "chattools"],
        capture_output=True,
        check=True,
    ).stdout
    tar = into / "previous.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ct-bench")
    parser.add_argument("--previous", help="git revision to compare with (e.g. HEAD~5)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))

    args.out.mkdir(parents=True, exist_ok=True)
    export = args.out / f"report-{args.chats}.xlsx"
    if not export.exists():
        # written by a child: a parent holding the sample would lend its size to every
        # measured child's peak (Linux keeps ru_maxrss across fork and exec)
        write = "import os, sys; from chattools import sample; sample.write_sample(sys.argv[1], "
        write += "chats=int(sys.argv[2]), password=os.environ['CHATTOOLS_PASSWORD'])"
        subprocess.run(
            [sys.executable, "-c", write, str(export), str(args.chats)],
            env={**os.environ, "CHATTOOLS_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)},
            check=True,
        )
    # bytecode cached, as an installed package has it (a PYTHONDONTWRITEBYTECODE shell
    # would compile every module in every run): kept under --out, warmed by a first run
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {
        "CHATTOOLS_PASSWORD": PASSWORD,
        "PYTHONPATH": str(ROOT),
        "PYTHONPYCACHEPREFIX": str(args.out / "pycache"),
    }
    html = args.out / "report.html"
    report_cmd = [sys.executable, "-m", "chattools", "report", str(export), "-o", str(html)]
    load_cmd = [sys.executable, "-c", f"import chattools as ct; ct.open_export({str(export)!r})"]
    with tempfile.TemporaryDirectory() as tmp:
        # name → (command, environment, working directory); the previous package runs
        # from its extracted tree: ``python -m`` puts the working directory ahead of
        # PYTHONPATH, so from ROOT it would import this tree's package
        cases = {"load": (load_cmd, env, ROOT), "report": (report_cmd, env, ROOT)}
        if args.previous:
            old = _previous_package(args.previous, Path(tmp))
            cases[f"report at {args.previous}"] = (
                report_cmd, {**env, "PYTHONPATH": str(old)}, old
            )  # fmt: skip
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
        for i in range(args.repeat + 1):  # interleaved: a busy spell slows every case alike
            for name, (cmd, run_env, cwd) in cases.items():
                if html.exists():
                    html.unlink()
                measured = _measure(cmd, run_env, cwd)
                if i:  # the first round writes the bytecode
                    runs[name].append(measured)
    results = {name: _summary(r) for name, r in runs.items()}
    load = results["load"]
    split = json.loads(
        subprocess.run(
            [sys.executable, "-c", _SPLIT, str(export)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"chattools report on {export.name} ({args.chats:,} chats), {started}")
    print(f"{'process':<28}{'wall s':>9}{'× load':>8}{'CPU s':>9}{'× load':>8}{'peak MB':>9}")
    for name, (wall, peak, cpu) in results.items():
        print(
            f"{name:<28}{wall:>9.2f}{wall / load[0]:>8.2f}{cpu:>9.2f}{cpu / load[2]:>8.2f}"
            f"{peak:>9.0f}"
        )
    wall, peak, _ = results["report"]
    verdict = "meets" if wall <= 4 and peak <= 400 else "misses"
    print(f"target ≤ 4 s and ≤ 400 MB: {verdict} ({wall:.2f} s, {peak:.0f} MB)")
    print("split of the report's work (one process, seconds):")
    for name, seconds in split.items():
        print(f"  {name:<26}{seconds:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
