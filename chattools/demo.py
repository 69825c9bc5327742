"""``make demo``: the main job, end to end, on the built-in sample export.

1. writes a password-protected sample export in the 2026 format, the one Channel Talk's
   Analytics page downloads today (``out/sample.xlsx``, password ``Demo1234``);
2. opens it, prints a summary of every sheet;
3. writes the HTML report (``out/report.html``);
4. executes the worked-example notebooks into ``out/notebooks/*.html``.

Run it with ``python -m chattools.demo --out out``. It is deterministic: running it
twice writes the same files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl

from chattools import sample

__all__ = ["main"]


def _notebooks(root: Path) -> list[Path]:
    return sorted((root / "notebooks").glob("*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    """Run the four steps above for command-line ``argv``, returning the exit status."""
    parser = argparse.ArgumentParser(prog="python -m chattools.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--skip-notebooks", action="store_true")
    args = parser.parse_args(argv)

    import chattools as ct

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    password = sample.DEFAULT_PASSWORD
    export_path = out / "sample.xlsx"
    sample.write_sample(export_path, chats=args.chats, generation="2026", password=password)
    print(f"1/4 wrote the sample export {export_path} (2026 format, password-protected)")

    exp = ct.open_export(export_path, password=password)
    print(f"2/4 opened it: generation {exp.generation}, time zone {exp.timezone}")
    with pl.Config(tbl_rows=-1, tbl_hide_dataframe_shape=True):
        print(exp.summary())

    hours = ct.OperatingHours.weekly(
        sample.SAMPLE_HOURS, timezone=exp.timezone, holidays=sample.SAMPLE_HOLIDAYS
    )
    report_path = ct.build_report(exp, hours=hours, title="Sample channel").write_html(
        out / "report.html"
    )
    print(f"3/4 wrote the report {report_path}")

    root = Path(__file__).resolve().parent.parent
    notebooks = _notebooks(root)
    if args.skip_notebooks or not notebooks:
        print("4/4 no notebooks to run")
        return 0
    target = out / "notebooks"
    target.mkdir(exist_ok=True)
    # the sample notebooks need no password in the environment: prove it
    env = {k: v for k, v in os.environ.items() if k != "CHATTOOLS_PASSWORD"}
    env["CHATTOOLS_PROGRESS"] = "0"
    for i, nb in enumerate(notebooks, 1):
        print(f"    notebook {i}/{len(notebooks)}: {nb.name}", flush=True)
        work = target / nb.name
        shutil.copy(nb, work)
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--execute",
            f"--ExecutePreprocessor.cwd={nb.parent}",
            "--output-dir",
            str(target),
            str(work),
        ]
        run = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True)
        work.unlink()
        if run.returncode:
            tail = "\n".join(run.stderr.strip().splitlines()[-15:])
            print(
                f"error: notebook {nb.name} failed; the end of its output:\n{tail}", file=sys.stderr
            )
            return 1
    print(f"4/4 executed {len(notebooks)} notebooks into {target}/")
    print(f"done: open {report_path} and {target}/*.html in a browser")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
