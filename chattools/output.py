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

from pathlib import Path
from typing import Literal

import polars as pl

from chattools.errors import UnsupportedFormatError

__all__ = ["FORMULA_PREFIXES", "neutralise_formulas", "write_table"]

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


def _flatten_for_sheets(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists → ``", "``-joined text, durations → seconds, tz-aware → local naive time."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            exprs.append(col.cast(pl.List(pl.String)).list.join(", ").alias(name))
        elif isinstance(dtype, pl.Duration):
            exprs.append((col.dt.total_microseconds() / 1_000_000).alias(f"{name}_seconds"))
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            exprs.append(col.dt.replace_time_zone(None).alias(name))
        elif isinstance(dtype, pl.Struct | pl.Array | pl.Object):
            exprs.append(col.cast(pl.String, strict=False).alias(name))
        else:
            exprs.append(col)
    return frame.select(exprs)


def write_table(
    frame: pl.DataFrame, path: str | Path, *, format: TableFormat | None = None
) -> Path:
    """Write ``frame`` to ``path`` as CSV, XLSX or Parquet (chosen by suffix by default).

    CSV and XLSX get formula neutralisation, lists joined with ``", "``, durations as
    ``<name>_seconds`` and timestamps in the channel's local time (the zone is in the
    column name's frame schema, not in the cell — as in Channel Talk's own files).
    Parquet keeps the typed frame as it is.
    """
    path = Path(path)
    fmt = format or path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx", "parquet"):
        msg = f"cannot write {str(path)!r}: unknown table format {fmt!r}"
        raise UnsupportedFormatError(msg, hint="use a .csv, .xlsx or .parquet file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.write_parquet(path)
        return path
    flat = neutralise_formulas(_flatten_for_sheets(frame))
    if fmt == "csv":
        flat.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S")
    else:
        flat.write_excel(path, worksheet="data", autofit=False)
    return path
