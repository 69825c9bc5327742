"""Type a text sheet: one vectorised ``select`` per sheet, problems collected per cell.

Each known column is parsed by its kind's codec (:mod:`chattools.codecs`: the forms of
each kind, as text and in the ``encoding="api"`` shape); a local time that does not
exist (DST gap) is null + a problem, an ambiguous one (DST overlap) the earlier instant +
a problem, and a 2026 local-time column that mixes in ISO-8601 or epoch milliseconds
(:func:`chattools.readers.timestamps.has_other_forms`) is read in any of those forms.

A cell that cannot be parsed becomes null and gets a row in the problems frame
(``file, sheet, row, column, value, problem``); so does a time outside
:data:`TIMESTAMP_RANGE` or a duration longer than :data:`MAX_DURATION` ("out of
range"). Column aliases are renamed to their canonical names, unknown columns are kept
as text after the known ones, missing core columns are added as nulls (one sheet-level
problem each), and a missing required column raises
:class:`~chattools.errors.MissingColumnError`.

Examples
--------
>>> import polars as pl
>>> from chattools.readers.parse import type_sheet
>>> from chattools.readers.sheets import RawSheet
>>> raw = RawSheet("Bot data", pl.DataFrame({"id": ["7.0", "8"], "createdAt": ["2024-01-02 03:04:05", "soon"]}))
>>> frame, problems = type_sheet(raw, "bots", file="f.xlsx")
>>> frame.select("id", "createdAt").rows()  # doctest: +ELLIPSIS
[('7', datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=...)), ('8', None)]
>>> problems.filter(pl.col("row").is_not_null()).select("row", "column", "value").rows()
[(1, 'id', '7.0'), (2, 'createdAt', 'soon')]
>>> problems.filter(pl.col("row").is_null())["column"].to_list()  # core columns not in the file
['channelId', 'name', 'color']
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl

from chattools import schema
from chattools.codecs import MAX_DURATION, TIMESTAMP_RANGE, Codec, LocalTime, Parsed, codec
from chattools.errors import MissingColumnError
from chattools.export import EMPTY_ROWS_PROBLEM, PROBLEM_SCHEMA
from chattools.readers.sheets import Encoding, RawSheet
from chattools.readers.timestamps import has_other_forms

__all__ = ["MAX_DURATION", "TIMESTAMP_RANGE", "sheet_problems", "type_sheet"]

_PROBLEM_PREFIX = "\x00problem:"
_RAW_PREFIX = "\x00raw:"


@functools.lru_cache(maxsize=32)
def _dst_years(timezone: str) -> frozenset[int]:
    """Years (1900–2100) in which ``timezone`` changed its UTC offset (DST or reform)."""
    zone = ZoneInfo(timezone)
    return frozenset(
        year
        for year in range(1900, 2101)
        if len({datetime(year, m, 1, tzinfo=zone).utcoffset() for m in (1, 4, 7, 10)}) > 1
        or datetime(year, 1, 1, tzinfo=zone).utcoffset()
        != datetime(year + 1, 1, 1, tzinfo=zone).utcoffset()
    )


def _dst_problems(
    typed: pl.DataFrame, frame: pl.DataFrame, columns: dict[str, tuple[str, LocalTime]], tz: str
) -> pl.DataFrame:
    """Rows of local-time columns that fall in a DST gap or overlap, as problem rows.

    Only failed cells and, when the column's date range touches a year in which
    ``tz`` changed offset, that year's cells are examined: for most data this costs
    a min/max and a null count per column.
    """
    years = _dst_years(tz)
    if not years:
        return pl.DataFrame()
    out = []
    for name, (source, local) in columns.items():
        value = typed[name]
        failed = value.is_null() & frame[source].is_not_null()
        low, high = value.dt.year().min(), value.dt.year().max()
        if isinstance(low, int) and isinstance(high, int) and any(low <= y <= high for y in years):
            failed = failed | value.dt.year().is_in(list(years)).fill_null(False)
        if not failed.any():
            continue
        rows = pl.DataFrame({"row": typed["_row"], "text": frame[source]}).filter(failed)
        naive = local.naive_in_range(pl.col("text"))
        early = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        late = naive.dt.replace_time_zone(tz, ambiguous="latest", non_existent="null")
        out.append(
            rows.select(
                "row",
                pl.lit(name).alias("column"),
                pl.col("text").alias("value"),
                pl.when(naive.is_not_null() & early.is_null())
                .then(pl.lit(f"local time does not exist in {tz} (DST gap)"))
                .when(early != late)
                .then(pl.lit(f"ambiguous local time in {tz} (DST overlap); took the earlier"))
                .alias("problem"),
            ).filter(pl.col("problem").is_not_null())
        )
    return pl.concat(out) if out else pl.DataFrame()


def _parse(
    column: str,
    coder: Codec,
    dtype: pl.DataType,
    encoding: Encoding,
    tz: str,
    *,
    may_be_float: bool = True,
    may_be_blank: bool = True,
) -> Parsed:
    """The typed value of one column and how to find its failed cells (if it can fail).

    Parsing reads the raw text directly (an empty string fails every parser, so it
    becomes null); ``may_be_float=False`` (no ``.`` in the column) skips the
    ``"123.0"`` fix and ``may_be_blank=False`` (no ``""``) keeps text zero-copy. A JSON
    array is the value of a list kind and joined to text for any other.
    """
    raw = pl.col(column)
    if isinstance(dtype, pl.List):
        if isinstance(coder.dtype(tz), pl.List):
            return raw, None
        raw = raw.list.join(schema.LIST_SEPARATOR)
    parse = coder.parse_api if encoding == "api" else coder.parse_text
    return parse(raw, tz, may_be_float=may_be_float, may_be_blank=may_be_blank)


def canonical_names(columns: list[str], key: str) -> dict[str, str]:
    """File column → name in the typed frame (aliases resolved, first one wins)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        name = schema.canonical_column(key, column.strip())
        if name in schema.PROVENANCE_COLUMNS:
            name = f"{column} (file column)"
        elif name in taken:
            name = column
        out[column] = name
        taken.add(name)
    return out


def sheet_problems(
    file: str, sheet: str, column: str | None, problem: str, *, rows: int | None = None
) -> pl.DataFrame:
    """A one-row problems frame for a sheet-level (``row`` null) problem."""
    return pl.DataFrame(
        [{"file": file, "sheet": sheet, "row": rows, "column": column, "value": None,
          "problem": problem}],
        schema=PROBLEM_SCHEMA,
    )  # fmt: skip


def _may_be_float(frame: pl.DataFrame, column: str, coder: Codec) -> bool:
    if not coder.fixes_float_zero or frame.get_column(column).dtype != pl.String:
        return True
    return bool(frame[column].str.contains(".", literal=True).any())


def _may_be_blank(frame: pl.DataFrame, column: str) -> bool:
    """Whether a column holds ``""`` (XLSX empty cells already read as null; JSON may)."""
    # get_column, not frame.schema[...]: building the schema is O(width), and this runs
    # once per column (a hostile 16,384-column sheet made that quadratic: minutes)
    series = frame.get_column(column)
    return series.dtype != pl.String or bool((series == "").any())


def _cell_problems(
    typed: pl.DataFrame,
    frame: pl.DataFrame,
    checks: dict[str, str],
    ranges: dict[str, tuple[Callable[[pl.Expr], pl.Expr], str]],
    *,
    file: str,
    sheet: str,
) -> list[pl.DataFrame]:
    """One problems frame per checked column with at least one failed cell.

    ``ranges``: typed column → (text → out of range?, its message), for bounded kinds.
    """
    out = []
    for name, source in checks.items():
        flag = typed[_PROBLEM_PREFIX + name]
        if flag.null_count() == typed.height:
            continue
        value = frame[source]
        if isinstance(value.dtype, pl.List):
            value = value.list.join(schema.LIST_SEPARATOR)
        failed = pl.DataFrame(
            {"row": typed["_row"], "value": value.cast(pl.String), "problem": flag}
        ).filter(pl.col("problem").is_not_null())
        if name in ranges:
            beyond, message = ranges[name]
            failed = failed.with_columns(
                problem=pl.when(beyond(pl.col("value")).fill_null(False))
                .then(pl.lit(message))
                .otherwise("problem")
            )
        out.append(
            failed.select(
                pl.lit(file).alias("file"),
                pl.lit(sheet).alias("sheet"),
                "row",
                pl.lit(name).alias("column"),
                "value",
                "problem",
            )
        )
    return out


def type_sheet(
    raw: RawSheet,
    key: str,
    *,
    file: str,
    timezone: str = schema.DEFAULT_TIMEZONE,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The typed frame of ``raw`` (as sheet ``key``) and its problems frame."""
    spec = schema.SHEETS[key]
    frame = raw.frame
    dtypes = frame.schema  # once: frame.schema is rebuilt on every access
    if frame.width == 0:  # an empty JSON list has no columns to check
        return schema.empty_frame(key, timezone), _concat_problems([])
    names = canonical_names(frame.columns, key)
    present = {name: column for column, name in names.items()}
    missing_required = [c.name for c in spec.required_columns if c.name not in present]
    if missing_required:
        msg = (
            f"sheet {raw.name!r} of {file!r} lacks required column(s) {missing_required!r}; "
            f"found {frame.columns!r}"
        )
        raise MissingColumnError(msg)

    problems = []
    required = [present[c.name] for c in spec.required_columns]
    frame, row_numbers, not_records = _drop_not_records(
        frame, dtypes, required, file=file, sheet=raw.name
    )
    problems.extend(not_records)
    values: list[pl.Expr] = []
    flags: list[pl.Expr] = []
    checks: dict[str, str] = {}  # typed column → file column, for cells that can fail
    ranges = {}  # typed column → how to tell an out-of-range cell, and its message
    local_times: dict[str, tuple[str, LocalTime]] = {}
    generation = schema.sheet_generation(key, frame.columns)  # columns differ by generation
    in_frame = {c.name for c in schema.frame_columns(key, generation)}
    expected = schema.reported_missing(key, generation)
    for col in spec.columns:
        coder = codec(col.kind)
        if col.name not in present:
            if col.name in in_frame:
                values.append(pl.lit(None, coder.dtype(timezone)).alias(col.name))
                if col.name in expected:
                    problems.append(
                        sheet_problems(
                            file, raw.name, col.name, "missing column; filled with nulls"
                        )
                    )
            continue
        source = present[col.name]
        value, check = _parse(
            source, coder, dtypes[source], raw.encoding, timezone,
            may_be_float=_may_be_float(frame, source, coder),
            may_be_blank=_may_be_blank(frame, source),
        )  # fmt: skip
        local = coder if raw.encoding == "text" and isinstance(coder, LocalTime) else None
        if local and generation == "2026" and has_other_forms(frame.get_column(source)):
            value, check = local.parse_any_form(pl.col(source), timezone)  # ISO, epoch ms
        values.append(value.cast(coder.dtype(timezone)).alias(col.name))
        if check is not None:
            checks[col.name] = source
            beyond = coder.out_of_range(api=raw.encoding == "api")
            if beyond is not None:
                ranges[col.name] = beyond
            text = pl.col(source)
            if isinstance(dtypes[source], pl.List):
                text = text.list.join(schema.LIST_SEPARATOR)
            values.append(text.alias(_RAW_PREFIX + col.name))
            flags.append(
                check(pl.col(col.name), pl.col(_RAW_PREFIX + col.name)).alias(
                    _PROBLEM_PREFIX + col.name
                )
            )
        if local:
            local_times[col.name] = (source, local)
    known_sources = {present[c.name] for c in spec.columns if c.name in present}
    for column, name in names.items():
        if column not in known_sources:  # unknown (or duplicate) columns: kept as text
            value, _ = _parse(
                column, codec("text"), dtypes[column], raw.encoding, timezone,
                may_be_blank=_may_be_blank(frame, column),
            )  # fmt: skip
            values.append(value.alias(name))
    provenance = [
        pl.lit(file, pl.String).alias("_file"),
        pl.lit(raw.name, pl.String).alias("_sheet"),
        (
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
            if row_numbers is None
            else pl.lit(row_numbers, pl.Int64)
        ).alias("_row"),
    ]
    # two steps: parse every column once, then flag the failed cells from the results
    typed = frame.lazy().select(*values, *provenance).with_columns(*flags).collect()

    cells = _cell_problems(typed, frame, checks, ranges, file=file, sheet=raw.name)
    dst = _dst_problems(typed, frame, local_times, timezone)
    if dst.height:  # a DST gap replaces the generic "not a local date-time" note
        dst = dst.select(pl.lit(file).alias("file"), pl.lit(raw.name).alias("sheet"), pl.all())
        cells = [c.join(dst, on=["row", "column"], how="anti") for c in cells] + [dst]
    problems.extend(cells)
    typed = typed.drop([p + c for c in checks for p in (_PROBLEM_PREFIX, _RAW_PREFIX)])
    # a dimension smaller than the data is just stale (streaming writers leave "A1")
    if raw.declared_rows is not None and raw.declared_rows > raw.frame.height:
        problems.append(
            sheet_problems(
                file,
                raw.name,
                None,
                f"the sheet declares {raw.declared_rows} rows but {raw.frame.height} were read "
                "(trailing empty rows are not data)",
            )
        )
    return typed, _concat_problems(problems)


def _drop_not_records(
    frame: pl.DataFrame,
    dtypes: pl.Schema,
    required: list[str],
    *,
    file: str,
    sheet: str,
) -> tuple[pl.DataFrame, pl.Series | None, list[pl.DataFrame]]:
    """``frame`` without the rows that are not records, the numbers of the rows kept
    (``None``: all of them) and the problems saying what was dropped.

    A row with every cell empty is not data: each run of them is one problem row
    (``"empty rows 21-1048574: not loaded"``). A row with values but none in a required
    column (a stray cell far below the data) is not a record either: each of its cells
    is one problem row, naming its column and value.
    """
    blank = {c: _blank(c, t) for c, t in dtypes.items()}
    all_blank = pl.all_horizontal(list(blank.values())).fill_null(False)
    keys = [blank[c] for c in required]
    masks = frame.select(
        empty=all_blank,
        keyless=pl.all_horizontal(keys).fill_null(False) if keys else all_blank,
    )
    if not masks["keyless"].any():  # every empty row is keyless too
        return frame, None, []
    numbers = pl.int_range(1, frame.height + 1, dtype=pl.Int64, eager=True)
    empty = masks["empty"]
    stray = masks["keyless"] & ~empty
    problems = [_empty_runs(numbers.filter(empty), file=file, sheet=sheet)]
    if stray.any():
        problems.append(
            _stray_cells(frame.filter(stray), numbers.filter(stray), blank, required,
                         file=file, sheet=sheet)
        )  # fmt: skip
    kept = ~masks["keyless"]
    return frame.filter(kept), numbers.filter(kept), problems


def _blank(column: str, dtype: pl.DataType) -> pl.Expr:
    """Whether a cell holds nothing: null, ``""`` or an empty list."""
    if dtype == pl.String:
        return pl.col(column).is_null() | (pl.col(column) == "")
    if isinstance(dtype, pl.List):
        return pl.col(column).is_null() | (pl.col(column).list.len() == 0)
    return pl.col(column).is_null()


def _empty_runs(rows: pl.Series, *, file: str, sheet: str) -> pl.DataFrame:
    """One problem row per run of consecutive ``rows`` (ascending numbers of empty rows)."""
    runs = (
        rows.to_frame("row")
        .group_by((pl.col("row").diff().fill_null(1) != 1).cum_sum().alias("run"))
        .agg(first=pl.col("row").min(), last=pl.col("row").max())
        .sort("first")
    )
    problem = (
        pl.when(pl.col("first") == pl.col("last"))
        .then(pl.lit("empty row: not loaded"))
        .otherwise(pl.format(EMPTY_ROWS_PROBLEM, "first", "last"))
    )
    return runs.select(
        pl.lit(file).alias("file"),
        pl.lit(sheet).alias("sheet"),
        pl.col("first").alias("row"),
        pl.lit(None, pl.String).alias("column"),
        pl.lit(None, pl.String).alias("value"),
        problem.alias("problem"),
    )


def _stray_cells(
    rows: pl.DataFrame,
    numbers: pl.Series,
    blank: dict[str, pl.Expr],
    required: list[str],
    *,
    file: str,
    sheet: str,
) -> pl.DataFrame:
    """One problem row per filled (not ``blank``) cell of ``rows``, rows with no value in
    ``required``.
    """
    names = ", ".join(required[:-1]) + (" or " if len(required) > 1 else "") + required[-1]
    dtypes = rows.schema
    text = [
        pl.when(~empty)
        .then(
            pl.col(c).list.join(schema.LIST_SEPARATOR)
            if isinstance(dtypes[c], pl.List)
            else pl.col(c)
        )
        .cast(pl.String)
        .alias(c)
        for c, empty in blank.items()
    ]
    cells = (
        rows.select(*text)
        .with_columns(numbers.alias("\x00row"))
        .unpivot(index="\x00row", variable_name="\x00column", value_name="\x00value")
        .filter(pl.col("\x00value").is_not_null())
        .sort("\x00row", maintain_order=True)
    )
    return cells.select(
        pl.lit(file).alias("file"),
        pl.lit(sheet).alias("sheet"),
        pl.col("\x00row").alias("row"),
        pl.lit(None, pl.String).alias("column"),
        pl.col("\x00value").alias("value"),
        pl.format(f"no {names}: not a record, not loaded (the value of {{}})", "\x00column").alias(
            "problem"
        ),
    )


def _concat_problems(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    return pl.concat(frames).cast(PROBLEM_SCHEMA).sort("row", nulls_last=False, maintain_order=True)
