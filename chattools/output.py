"""Write result frames to CSV, Excel or Parquet — safely.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and chat texts are written by customers (CWE-1236, "CSV injection"). Every
text cell that starts with one of those characters (or a tab / carriage return) is
written with a leading apostrophe in CSV, and as an explicit string cell in XLSX.
Numbers, dates and durations are left alone.

Examples
--------
>>> import polars as pl
>>> from chattools.output import neutralise_formulas
>>> df = pl.DataFrame({"plainText": ["=SUM(A1:A9)", "hello", "@team", None]})
>>> neutralise_formulas(df)["plainText"].to_list()
["'=SUM(A1:A9)", 'hello', "'@team", None]
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Literal

import polars as pl

from chattools.errors import OutputPathError, UnsupportedFormatError
from chattools.outfiles import atomic_output, check_output

__all__ = ["FORMULA_PREFIXES", "neutralise_formulas", "table_format", "write_table"]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

TableFormat = Literal["csv", "xlsx", "parquet"]


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that would run as a formula with an apostrophe."""
    pattern = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_PREFIXES) + "]"
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


#: Excel counts time in days; a duration cell shows as hours:minutes:seconds.
_EXCEL_DURATION = "[h]:mm:ss"
_EXCEL_DATETIME = "yyyy-mm-dd hh:mm:ss"


def _as_json_list(values: pl.Series) -> pl.Series:
    """Lists as JSON arrays (``["refund,partial", "x"]``): unambiguous, whatever a tag
    name holds, and read back with any JSON parser.
    """
    text = [None if v is None else json.dumps(list(v), ensure_ascii=False) for v in values]
    return pl.Series(values.name, text, dtype=pl.String)


def _flatten_for_sheets(frame: pl.DataFrame, *, excel: bool) -> pl.DataFrame:
    """What a spreadsheet cell can hold: lists as JSON arrays, tz-aware timestamps as
    local time with the zone in the header (``openedAt (Asia/Seoul)``), durations as
    ``<name>_seconds`` in CSV and as Excel durations (days) in XLSX.
    """
    columns = []
    for name, dtype in frame.schema.items():
        col = frame[name]
        if isinstance(dtype, pl.List):
            columns.append(_as_json_list(col.cast(pl.List(pl.String))))
        elif isinstance(dtype, pl.Duration):
            seconds = col.dt.total_microseconds() / 1_000_000
            columns.append(seconds / 86_400 if excel else seconds.alias(f"{name}_seconds"))
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            columns.append(col.dt.replace_time_zone(None).alias(f"{name} ({dtype.time_zone})"))
        elif isinstance(dtype, pl.Struct | pl.Array | pl.Object):
            columns.append(col.cast(pl.String, strict=False))
        else:
            columns.append(col)
    return pl.DataFrame(columns)


def table_format(path: str | Path, format: str | None = None) -> TableFormat:
    """``format``, or the one ``path``'s suffix names (``csv``, ``xlsx`` or ``parquet``).

    >>> table_format("june/metrics.XLSX")
    'xlsx'
    """
    fmt = format or Path(path).suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx", "parquet"):
        msg = f"cannot write {str(path)!r}: unknown table format {fmt!r}"
        raise UnsupportedFormatError(msg, hint="use a .csv, .xlsx or .parquet file name.")
    return fmt  # type: ignore[return-value]


def write_table(
    frame: pl.DataFrame,
    path: str | Path,
    *,
    format: TableFormat | None = None,
    overwrite: bool = True,
) -> Path:
    """Write ``frame`` to ``path`` as CSV, XLSX or Parquet (chosen by suffix by default).

    CSV and XLSX are made for spreadsheet users: formula neutralisation, lists as JSON
    arrays, timestamps in the channel's local time with the zone in the column name.
    CSV is UTF-8 with a byte-order mark (so Excel shows Korean), durations as
    ``<name>_seconds``; XLSX has durations as Excel durations (``[h]:mm:ss``), dates
    as date cells, a frozen header row and a filter. Parquet keeps the typed frame.

    The file is written to a temporary file beside ``path`` and moved into place when
    complete (see :mod:`chattools.outfiles`): a failure never leaves half a file, and
    never touches an existing one. ``overwrite=False`` refuses an existing ``path``
    (``OutputExistsError``); missing folders are created.

    Examples
    --------
    >>> import polars as pl, tempfile, pathlib
    >>> from datetime import timedelta
    >>> df = pl.DataFrame({"tags": [["환불", "a,b"]], "wait": [timedelta(minutes=90)]})
    >>> path = write_table(df, pathlib.Path(tempfile.mkdtemp()) / "m.csv")
    >>> path.read_bytes().decode("utf-8-sig").splitlines()
    ['tags,wait_seconds', '"[""환불"", ""a,b""]",5400.0']
    """
    path = Path(path)
    fmt = table_format(path, format)
    with contextlib.suppress(OSError):  # check_output says what is wrong with the folder
        path.parent.mkdir(parents=True, exist_ok=True)
    check_output(path, overwrite=overwrite)
    with atomic_output(path) as tmp:
        try:
            _write(frame, tmp, fmt)
        except pl.exceptions.ComputeError as err:  # Polars wraps the OSError of a full disk
            msg = f"cannot write {str(path)!r}: {err}"
            raise OutputPathError(msg) from None
    return path


def _write(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        frame.write_parquet(path)
        return
    flat = neutralise_formulas(_flatten_for_sheets(frame, excel=fmt == "xlsx"))
    if fmt == "csv":
        flat.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S", include_bom=True)
        return
    durations = [n for n, d in frame.schema.items() if isinstance(d, pl.Duration)]
    flat.write_excel(
        path,
        worksheet="data",
        column_formats=dict.fromkeys(durations, _EXCEL_DURATION),  # type: ignore[arg-type]
        dtype_formats={pl.Datetime: _EXCEL_DATETIME},
        freeze_panes=(1, 0),
        autofilter=True,
        autofit=flat.height <= 20_000,
    )
