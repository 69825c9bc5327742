"""The ``chattools`` command line.

Every command that reads exports takes its password the same three ways, first found
wins: ``--password TEXT`` (it stays in the shell history and shows in the process list),
the environment variable ``--password-env NAME`` (default ``CHATTOOLS_PASSWORD``) or, in
a terminal, a hidden prompt; a password is never echoed, logged or written. Data
errors print one clean line and exit with code 1; usage errors exit with code 2.
Every command that writes checks its output before reading anything: it is never one
of the input files, an existing file is replaced only with ``--force``, its folder must
exist and be writable; the file is written beside it under a temporary name and moved
into place when complete (a failure leaves no half file). ``chattools --version``
prints the version. Every command that reads exports takes ``--limit KEY=VALUE``
(repeatable) to raise one of the safety limits of :class:`chattools.readers.Limits`.
Given several files, a folder or a glob, a file that cannot be read is reported and
the others are used (``inspect`` lists it; ``metrics`` and ``report`` print a warning
line per file on standard error); ``convert`` stops at it.

Examples
--------
``chattools sample --chats 200 --password Demo1234 -o sample.xlsx``
``CHATTOOLS_PASSWORD=Demo1234 chattools inspect sample.xlsx``
``chattools metrics sample.xlsx -o metrics.xlsx --force`` (prompts for the password)
``chattools report sample.xlsx --hours "mon-fri 09:00-12:00,13:00-18:00" --holidays KR -o report.html``
``chattools inspect big.xlsx --limit max_cells=300000000``
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from chattools._version import __version__
from chattools.errors import ChattoolsError, InvalidOperatingHoursError, OutputPathError

app = typer.Typer(
    name="chattools",
    help="Read, merge and analyse Channel Talk chat exports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")

Password = Annotated[
    str | None,
    typer.Option(
        "--password",
        help="The export password as text. Beware: it stays in your shell history and other "
        "users can see it in the process list; prefer --password-env or the hidden prompt.",
    ),
]
PasswordEnv = Annotated[
    str,
    typer.Option(
        "--password-env",
        metavar="NAME",
        help="Environment variable holding the export password (used when --password is not "
        "given; prompted for, hidden, in a terminal when unset).",
    ),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace the output file if it exists (an input is never replaced)."
    ),
]
Exports = Annotated[list[Path], typer.Argument(help="Export files, folders or globs.")]
Timezone = Annotated[str, typer.Option("--timezone", help="The channel's IANA time zone.")]
Hours = Annotated[
    list[str] | None,
    typer.Option(
        "--hours",
        help='Operating hours, e.g. "mon-fri 09:00-12:00,13:00-18:00" (repeatable), or '
        '"infer" to infer them from where the export\'s operation* values are present.',
    ),
]
Holidays = Annotated[
    str | None, typer.Option("--holidays", help="Country code of public holidays, e.g. KR.")
]
LimitOption = Annotated[
    list[str] | None,
    typer.Option(
        "--limit",
        metavar="KEY=VALUE",
        help="Raise a safety limit for a genuine export that was refused, e.g. "
        "max_cells=300000000 (repeatable; keys: max_cells, max_decompressed_bytes, "
        "max_ratio, ratio_floor_bytes, max_members, max_json_bytes).",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"chattools {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Read, merge and analyse Channel Talk chat exports."""


def _fail(err: ChattoolsError) -> typer.Exit:
    typer.echo(f"error: {err.message} (hint: {err.hint})", err=True)
    return typer.Exit(code=1)


def _run(action: Callable[[], T]) -> T:
    """Run ``action`` turning chattools errors into a one-line message and exit code 1."""
    try:
        return action()
    except ChattoolsError as err:
        raise _fail(err) from None


def _password(literal: str | None, env_name: str) -> str | None:
    """``--password``, else the environment variable ``env_name``, else a hidden prompt."""
    if literal:
        return literal
    value = os.environ.get(env_name)
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        return (
            typer.prompt("Export password", hide_input=True, default="", show_default=False) or None
        )
    return None


def parse_hours_option(hours: Sequence[str] | None, *, timezone: str, holidays: str | None) -> Any:
    """Turn ``["mon-fri 09:00-12:00,13:00-18:00", ...]`` into ``OperatingHours`` (or None).

    ``["infer"]`` stays ``"infer"``: the schedule is inferred from the export
    (:func:`chattools.infer_operating_hours`).

    >>> h = parse_hours_option(["mon-fri 09:00-18:00"], timezone="Asia/Seoul", holidays="KR")
    >>> type(h).__name__
    'OperatingHours'
    >>> parse_hours_option(["infer"], timezone="Asia/Seoul", holidays=None)
    'infer'
    """
    if not hours:
        return None
    if any(item.strip().lower() == "infer" for item in hours):
        if len(hours) > 1 or holidays:
            msg = "--hours infer cannot be combined with other --hours or --holidays"
            raise InvalidOperatingHoursError(
                msg, hint="give either --hours infer, or the slots (and --holidays) yourself."
            )
        return "infer"
    from chattools.derive.hours import OperatingHours
    from chattools.derive.hours_spec import parse_days_and_slots

    slots = parse_days_and_slots(hours, name="--hours")
    return OperatingHours.weekly(slots, timezone=timezone, holidays=holidays)


def parse_limits_option(values: Sequence[str] | None) -> Any:
    """Turn ``["max_cells=300000000", ...]`` into ``Limits`` (or None when not given).

    Keys are the fields of :class:`chattools.readers.Limits` (``-`` may stand for
    ``_``); values are numbers (``_`` separators allowed). Bad input is a usage error.

    >>> limits = parse_limits_option(["max_cells=300_000_000", "max-ratio=500"])
    >>> limits.max_cells, limits.max_ratio
    (300000000, 500.0)
    >>> parse_limits_option(None) is None
    True
    """
    if not values:
        return None
    from chattools.readers.safety import Limits

    keys = [f.name for f in dataclasses.fields(Limits)]
    given: dict[str, int | float] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or key not in keys:
            msg = f"cannot read --limit {item!r}: expected KEY=VALUE with KEY one of {keys}"
            raise typer.BadParameter(msg, param_hint="--limit")
        text = raw.strip().replace("_", "")
        try:
            given[key] = int(text)
        except ValueError:
            try:
                given[key] = float(text)
            except ValueError:
                msg = f"cannot read --limit {item!r}: {raw.strip()!r} is not a number"
                raise typer.BadParameter(msg, param_hint="--limit") from None
    try:
        return Limits(**given)  # type: ignore[arg-type]
    except ChattoolsError as err:
        msg = f"--limit: {err.message}"
        raise typer.BadParameter(msg, param_hint="--limit") from None


def _input_files(exports: Sequence[Path]) -> list[Path]:
    """Every file the export arguments (files, folders, globs) stand for."""
    from chattools.readers.sources import expand_sources

    return [s.path for s in expand_sources([str(p) for p in exports]) if s.path is not None]


def _check_output(output: Path, exports: Sequence[Path], force: bool) -> None:
    """Refuse, before anything is read, an output that is an input or cannot be written."""
    from chattools.outfiles import check_output

    check_output(output, inputs=_input_files(exports), overwrite=force)


def _check_dataset_folder(out: Path) -> None:
    """The dataset folder of ``convert``: a folder, or a new one in a writable folder."""
    from chattools.outfiles import check_output

    if not out.exists():
        check_output(out)
    elif not out.is_dir():
        msg = f"{str(out)!r} is a file, not a dataset folder"
        raise OutputPathError(msg, hint="pass a new or existing dataset folder to --out.")
    else:
        check_output(out / ".chattools-write-check", overwrite=True)


def _step(text: str) -> None:
    """One progress line on standard error (``reading …``), shown as progress bars are
    (a terminal, or ``CHATTOOLS_PROGRESS=1``; never with ``CHATTOOLS_PROGRESS=0``).
    """
    from chattools.progress import progress_enabled

    if progress_enabled():
        typer.echo(f"{text}…", err=True)


def _open(exports: Sequence[Path], password: str | None, timezone: str, limits: Any = None) -> Any:
    import chattools as ct

    _step(f"reading {len(exports)} export{'s' if len(exports) != 1 else ''}")

    if len(exports) == 1 and exports[0].is_file():
        return ct.open_export(exports[0], password=password, timezone=timezone, limits=limits)
    return ct.open_exports(
        [str(p) for p in exports], password=password, timezone=timezone, limits=limits
    )


def _warn_skipped(exp: Any) -> None:
    """One line on standard error per file that could not be read (and was left out)."""
    for row in exp.skipped.iter_rows(named=True):
        typer.echo(
            f"warning: skipped {row['file']}: {row['error']}: {row['reason']} "
            f"(hint: {row['hint']})",
            err=True,
        )


@app.command()
def sample(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    chats: Annotated[
        int,
        typer.Option(
            min=1,
            max=100_000,
            help="Number of chats (at most 10,000 with messages, as Channel Talk).",
        ),
    ] = 200,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same file).")] = 7,
    generation: Annotated[
        str, typer.Option(help="2026 (what Channel Talk downloads today) | legacy | case")
    ] = "2026",
    messages: Annotated[
        bool, typer.Option("--messages/--no-messages", help="Include the Message sheet.")
    ] = True,
    container: Annotated[str, typer.Option(help="xlsx | json | zip")] = "xlsx",
    json_shape: Annotated[str, typer.Option(help="sheets | api (JSON containers)")] = "sheets",
    password: Annotated[
        str | None, typer.Option(help="Password to protect the file with (letters and digits).")
    ] = None,
    force: Force = False,
) -> None:
    """Write a synthetic, realistic Channel Talk export (no real customer data)."""
    from chattools import sample as sample_mod
    from chattools.outfiles import atomic_output, check_output

    if generation not in ("legacy", "2026", "case"):
        msg = f"unknown generation {generation!r}"
        raise typer.BadParameter(msg, param_hint="--generation")
    if container not in ("xlsx", "json", "zip"):
        msg = f"unknown container {container!r}"
        raise typer.BadParameter(msg, param_hint="--container")
    if messages and chats > sample_mod.MAX_CHATS_WITH_MESSAGES:
        msg = (
            f"{chats} chats with messages: Channel Talk puts at most "
            f"{sample_mod.MAX_CHATS_WITH_MESSAGES:,} chats with messages in one file "
            "(add --no-messages for up to 100,000 chats without)"
        )
        raise typer.BadParameter(msg, param_hint="--chats")

    def build() -> None:
        check_output(output, overwrite=force)
        with atomic_output(output) as tmp:
            sample_mod.write_sample(
                tmp,
                chats=chats,
                seed=seed,
                generation=generation,  # type: ignore[arg-type]
                container=container,  # type: ignore[arg-type]
                json_shape=json_shape,  # type: ignore[arg-type]
                password=password,
                messages=messages,
            )

    _run(build)
    protected = "password-protected " if password else ""
    without = "" if messages else " (no messages)"
    typer.echo(
        f"wrote {protected}{generation} sample export with {chats} chats{without} to {output}"
    )


@app.command()
def inspect(
    exports: Exports,
    password: Password = None,
    password_env: PasswordEnv = "CHATTOOLS_PASSWORD",
    timezone: Timezone = "Asia/Seoul",
    limit: LimitOption = None,
) -> None:
    """Show what is in export files: generation, sheets, rows, date range, problems."""
    import polars as pl

    limits = parse_limits_option(limit)
    exp = _run(lambda: _open(exports, _password(password, password_env), timezone, limits))
    typer.echo(f"generation: {exp.generation}   time zone: {exp.timezone}")
    for row in exp.sources.iter_rows(named=True):
        typer.echo(
            f"file: {row['file']}  container: {row['container']}  chats: {row['chats']}  "
            f"messages: {row['messages']}  from {row['first_chat_at']} to {row['last_chat_at']}"
        )
    for row in exp.summary().iter_rows(named=True):
        typer.echo(f"  {row['sheet']:<12} {row['rows']:>9,} rows  {row['columns']:>3} columns")
    # the skipped files are listed on their own, not again among the problems
    problems = exp.problems.filter(~pl.col("file").is_in(exp.skipped["file"].implode()))
    typer.echo(f"problems: {problems.height}")
    if problems.height:
        counts = problems.group_by("problem").len().sort("len", descending=True).head(10)
        for problem, n in counts.iter_rows():
            typer.echo(f"  {n:>6} × {problem}")
    if exp.skipped.height:
        n = exp.skipped.height
        typer.echo(
            f"skipped: {n} file{'s' if n > 1 else ''} could not be read and {'are' if n > 1 else 'is'} not included"
        )
        for row in exp.skipped.iter_rows(named=True):
            typer.echo(f"  {row['file']}: {row['error']}: {row['reason']}")
            typer.echo(f"    hint: {row['hint']}")


@app.command()
def metrics(
    exports: Exports,
    output: Annotated[Path, typer.Option("-o", "--output", help=".csv, .parquet or .xlsx")],
    password: Password = None,
    password_env: PasswordEnv = "CHATTOOLS_PASSWORD",
    timezone: Timezone = "Asia/Seoul",
    hours: Hours = None,
    holidays: Holidays = None,
    limit: LimitOption = None,
    force: Force = False,
) -> None:
    """Compute one row of metrics per chat and write it to CSV, Parquet or Excel."""
    import chattools as ct
    from chattools.output import table_format, write_table

    limits = parse_limits_option(limit)

    def build() -> Path:
        _check_output(output, exports, force)
        fmt = table_format(output)
        oh = parse_hours_option(hours, timezone=timezone, holidays=holidays)
        exp = _open(exports, _password(password, password_env), timezone, limits)
        _warn_skipped(exp)
        _step(f"computing the metrics of {exp.chats.height:,} chats")
        return write_table(ct.chat_metrics(exp, hours=oh), output, format=fmt, overwrite=force)

    path = _run(build)
    typer.echo(f"wrote chat metrics to {path}")


@app.command()
def report(
    exports: Exports,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path(
        "report.html"
    ),
    password: Password = None,
    password_env: PasswordEnv = "CHATTOOLS_PASSWORD",
    timezone: Timezone = "Asia/Seoul",
    hours: Hours = None,
    holidays: Holidays = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD), inclusive.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    mask: Annotated[
        bool, typer.Option(help="Mask customer names, e-mails and phones (--no-mask shows them).")
    ] = True,
    limit: LimitOption = None,
    force: Force = False,
) -> None:
    """Write a self-contained HTML report (byte-identical for the same input)."""
    import chattools as ct
    from chattools.outfiles import atomic_output

    def day(value: str | None, name: str) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            msg = f"{value!r} is not a YYYY-MM-DD date"
            raise typer.BadParameter(msg, param_hint=name) from None

    start, end = day(date_from, "--from"), day(date_to, "--to")
    limits = parse_limits_option(limit)

    def build() -> Path:
        oh = parse_hours_option(hours, timezone=timezone, holidays=holidays)
        _check_output(output, exports, force)
        exp = _open(exports, _password(password, password_env), timezone, limits)
        _warn_skipped(exp)
        _step(f"building the report on {exp.chats.height:,} chats")
        rep = ct.build_report(exp, hours=oh, title=title, date_from=start, date_to=end, mask=mask)
        with atomic_output(output) as tmp:
            rep.write_html(tmp)
        return output

    path = _run(build)
    typer.echo(f"wrote report to {path}")


@app.command()
def convert(
    exports: Exports,
    out: Annotated[Path, typer.Option("--out", help="Dataset folder to create or extend.")],
    password: Password = None,
    password_env: PasswordEnv = "CHATTOOLS_PASSWORD",
    timezone: Timezone = "Asia/Seoul",
    limit: LimitOption = None,
) -> None:
    """Convert exports to a Parquet dataset (decrypted data is written to disk).

    Only one conversion at a time writes a dataset folder: a second one started while
    the first runs stops at once with "is being written by another process".
    """
    import chattools as ct

    limits = parse_limits_option(limit)

    def build() -> Path:
        _check_dataset_folder(out)
        _input_files(exports)  # a missing input is reported before the password prompt
        return ct.convert_to_dataset(
            [str(p) for p in exports],
            out,
            password=_password(password, password_env),
            timezone=timezone,
            limits=limits,
        )

    path = _run(build)
    typer.echo(f"decrypted data written to {path} (unencrypted Parquet; protect this folder)")


@app.command()
def decrypt(
    export: Annotated[Path, typer.Argument(help="Encrypted export file.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the decrypted file.")],
    password: Password = None,
    password_env: PasswordEnv = "CHATTOOLS_PASSWORD",
    limit: LimitOption = None,
    force: Force = False,
) -> None:
    """Write a decrypted copy of one export (only when you really need one)."""
    from chattools.outfiles import atomic_output
    from chattools.readers.decrypt import decrypt_file

    limits = parse_limits_option(limit)

    def build() -> None:
        _check_output(out, [export], force)
        secret = _password(password, password_env)
        with atomic_output(out) as tmp:
            decrypt_file(export, tmp, password=secret, limits=limits)

    _run(build)
    typer.echo(f"decrypted data written to {out} (unencrypted; protect or delete it)")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``chattools`` console script."""
    app(args=list(argv) if argv is not None else None, prog_name="chattools")
