"""What a cell that is no longer text means: an export re-saved in Excel, LibreOffice or openpyxl.

:mod:`~chattools.readers.cells` lists the cells of a sheet that are not text cells;
the sheet has already been read as text and typed by :mod:`~chattools.readers.parse`.
Each such cell either survived — it loads exactly as the export's text would — or
becomes a row in ``problems`` (``file, sheet, row, column, value, problem``, with the
value as the file stores it), never a silent null:

=====================================  ==================================================
cell                                   loads as
=====================================  ==================================================
date cell, local-time column           the same time in the channel's time zone
date cell, ``utc_datetime`` column     the same UTC instant (the cell holds the UTC
                                       wall time the text showed, ``Z`` dropped)
whole number ≤ 15 digits in an id,     the same text (no ``.0``); the same integer
count or seconds column
boolean cell, boolean column           the same Boolean
id of 16+ digits, or a hex id read     null + problem: a spreadsheet number keeps 15
as scientific notation (``6123e45``)   digits, so the id is lost
error cell (``#N/A``)                  null + problem
formula without a saved result         null + problem (value ``=formula``)
date serial outside 1900–9999          null + problem
a number/date/boolean cell in a text   kept as shown + problem: the export's text may
column (names, messages, ``profile.*``)  have differed (``+82…`` → ``82…``, ``140.0`` → ``140``)
formula with a saved result            its result as above + problem naming the formula
=====================================  ==================================================

Anything else (a plain number in a date column, ``2.5`` in a count) keeps the
problem the parser already reported for the text. A problem found here replaces the
parser's generic one for the same cell.

Examples
--------
>>> import polars as pl
>>> from chattools.readers.parse import type_sheet
>>> from chattools.readers.sheets import RawSheet
>>> raw = RawSheet("Bot data", pl.DataFrame({"id": ["7", "12345678901234567168"],
...                                          "name": ["a", None]}))
>>> typed, problems = type_sheet(raw, "bots", file="f.xlsx")
>>> cells = pl.DataFrame({"row": [1, 2, 2], "column": [0, 0, 1],
...                       "type": ["number", "number", "error"],
...                       "value": ["7", "1.2345678901234567E+19", "#N/A"],
...                       "formula": [None, None, None]})
>>> typed, problems = check_resaved(raw, "bots", typed, problems, cells, file="f.xlsx")
>>> typed.select("id", "name").rows()
[('7', 'a'), (None, None)]
>>> problems.filter(pl.col("row").is_not_null()).select("row", "column", "value").rows()
[(2, 'id', '1.2345678901234567E+19'), (2, 'name', '#N/A')]
"""

from __future__ import annotations

import polars as pl

from chattools import schema
from chattools.codecs import CODECS, Kind, SpreadsheetRole
from chattools.export import PROBLEM_SCHEMA
from chattools.readers.parse import canonical_names, sheet_problems
from chattools.readers.sheets import RawSheet

__all__ = ["REASONS", "check_resaved"]

_TEXT = "text column: kept as shown, but the export's text may have differed"
#: The problem text of each outcome (formulas and error codes are appended to some).
REASONS = {
    "no result": "a formula without a saved result (the program that wrote the file does "
    "not calculate, e.g. openpyxl, which also makes a text starting with '=' a formula); "
    "re-save the file in Excel or LibreOffice, or re-download the export",
    "error": "an error cell",
    "bad date": "a date cell whose serial is not a date from 1900 to 9999",
    "sci id": "a hex id read as a number in scientific notation (like '6123e45'); the id "
    "is lost: re-download the export",
    "long id": "an id stored as a number with more than 15 digits (a spreadsheet keeps "
    "15); the id is lost: re-download the export",
    "odd id": "an id stored as a number that is not a whole number",
    "long number": "a number with more than 15 digits (a spreadsheet keeps 15); its last "
    "digits are lost",
    "number in text": f"a number cell in a {_TEXT} (a leading '+' or 0, trailing zeros)",
    "date in text": f"a date cell in a {_TEXT} (its date format)",
    "bool in text": f"a true/false cell in a {_TEXT} (its case)",
    "wrong type": "a cell of the wrong type for the column (a date or true/false cell)",
    "formula": "a formula cell; loaded its saved result",
}


def _kinds(*roles: SpreadsheetRole) -> tuple[Kind, ...]:
    """The column kinds whose codec's ``in_spreadsheet`` is one of ``roles``."""
    return tuple(kind for kind, coder in CODECS.items() if coder.in_spreadsheet in roles)


_TEXT_KINDS = _kinds("text")
_ID_KINDS = _kinds("id")
_NUMBER_KINDS = _kinds("count")
#: The cell type a faithful value of a date or boolean kind has (every other: "number").
_DATE_KINDS = {kind: CODECS[kind].in_spreadsheet for kind in _kinds("date", "bool")}
_SERIAL_MIN, _SERIAL_END = 1, 2_958_466  # 1900-01-01 and 10000-01-01 in Excel's calendar
_DATE_SHOWN = "%Y-%m-%d %H:%M:%S%.f"
_US = pl.Datetime(schema.TIME_UNIT)


def _columns(raw: RawSheet, key: str) -> pl.DataFrame:
    """Position → (file column, typed column, kind) of each column of the sheet frame."""
    spec = schema.SHEETS[key]
    names = canonical_names(raw.frame.columns, key)
    first: dict[str, str] = {}
    for column, name in names.items():
        first.setdefault(name, column)
    rows = []
    for position, column in enumerate(raw.frame.columns):
        name = names[column]
        known = spec.known(name) and spec.column(name).name == name and first[name] == column
        rows.append((position, column, name, spec.column(name).kind if known else "text"))
    return pl.DataFrame(
        rows, schema={"column": pl.Int64, "source": pl.String, "name": pl.String,
                      "kind": pl.String}, orient="row",
    )  # fmt: skip


def _shown(raw: RawSheet, cells: pl.DataFrame) -> pl.Series:
    """The text the reader showed for each cell (as the sheet frame holds it)."""
    frame = raw.frame
    parts = []
    for (position,), group in cells.with_row_index("at").group_by("column", maintain_order=True):
        series = frame.to_series(int(position)).cast(pl.String)  # type: ignore[call-overload]
        parts.append(group.select("at", series.gather(group["row"] - 1).alias("shown")))
    return pl.concat(parts).sort("at")["shown"]


def _outcome() -> tuple[pl.Expr, pl.Expr]:
    """(action, reason key) of each cell; actions: ``null``, ``note``, ``utc``, ``ok``, ``defer``.

    ``defer``: the parser's own problem (if any) stands. The first rule that holds wins.
    """
    kind, type_, shown = pl.col("kind"), pl.col("type"), pl.col("shown")
    value, formula = pl.col("value"), pl.col("formula")
    serial = value.cast(pl.Float64, strict=False)
    number = type_ == "number"
    whole = shown.str.contains(r"^[0-9]+$")
    digits = shown.str.len_chars()
    signed_whole = shown.str.contains(r"^-?[0-9]+$")
    ids, numbers = kind.is_in(_ID_KINDS) & number, kind.is_in(_NUMBER_KINDS) & number
    expected = kind.replace_strict(_DATE_KINDS, default="number", return_dtype=pl.String)
    in_range = serial.is_between(_SERIAL_MIN, _SERIAL_END, closed="left")
    rules: list[tuple[pl.Expr, str, str]] = [
        (formula.is_not_null() & (value.is_null() | ((value == "") & (type_ != "text"))),
         "null", "no result"),
        (type_ == "error", "null", "error"),
        ((type_ == "date") & (shown.is_null() | (serial.is_not_null() & ~in_range)),
         "null", "bad date"),
        (type_ == "text", "ok", "formula"),  # a formula's text result, or a t="str" string
        (kind.is_in(_TEXT_KINDS), "note", "in text"),
        (ids & whole & (digits <= 15), "ok", "formula"),
        (ids & whole & (digits > 20), "null", "sci id"),
        (ids & whole, "null", "long id"),
        (ids, "null", "odd id"),
        (numbers & signed_whole & (digits > 15), "null", "long number"),
        (numbers, "defer", "formula"),  # a whole number is parsed; 2.5 is reported
        ((expected == type_) & (kind == "utc_datetime"), "utc", "formula"),
        (expected == type_, "ok", "formula"),
        (number, "defer", "formula"),  # a plain number in a date or boolean column
    ]  # fmt: skip
    action = pl.when(rules[0][0]).then(pl.lit(rules[0][1]))
    reason = pl.when(rules[0][0]).then(pl.lit(rules[0][2]))
    for condition, act, key in rules[1:]:
        action = action.when(condition).then(pl.lit(act))  # type: ignore[assignment]
        reason = reason.when(condition).then(pl.lit(key))  # type: ignore[assignment]
    return action.otherwise(pl.lit("null")), reason.otherwise(pl.lit("wrong type"))


def _classify(raw: RawSheet, key: str, cells: pl.DataFrame) -> pl.DataFrame:
    """The cells of the frame with their column, shown text, action and problem text."""
    cells = cells.filter(pl.col("row") <= raw.frame.height, pl.col("column") < raw.frame.width)
    if not cells.height:
        return cells
    action, reason = _outcome()
    formula = pl.col("formula")
    cells = (
        cells.with_columns(shown=_shown(raw, cells))
        .join(_columns(raw, key), on="column", how="left")
        .with_columns(action=action, reason=reason)
    )
    note_type = pl.col("type").replace_strict(
        {"number": "number in text", "date": "date in text", "bool": "bool in text"},
        default="wrong type",
    )
    formula_ok = (pl.col("reason") == "formula") & formula.is_not_null()
    key_ = (
        pl.when(pl.col("reason") == "in text")
        .then(note_type)
        .when(formula_ok)
        .then(pl.lit("formula"))
        .when(pl.col("reason") == "formula")
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("reason"))
    )
    text = key_.replace_strict(REASONS, default=None, return_dtype=pl.String)
    with_formula = pl.when(formula.is_not_null()).then(
        pl.concat_str(pl.lit(" (formula ="), formula, pl.lit(")"))
    )
    return cells.with_columns(
        action=pl.when(formula_ok & (pl.col("action") == "ok"))
        .then(pl.lit("note"))
        .otherwise(pl.col("action")),
        problem=pl.when(key_.is_not_null()).then(pl.concat_str(text, with_formula.fill_null(""))),
        raw=pl.when(pl.col("reason") == "no result")
        .then(pl.concat_str(pl.lit("="), formula))
        .when(pl.col("type") == "bool")
        .then(pl.col("shown"))
        .otherwise(pl.col("value")),
    )


def _utc(shown: pl.Expr, timezone: str) -> pl.Expr:
    """A date cell's text in a UTC column: the UTC wall time (``Z`` dropped) → channel tz."""
    naive = shown.str.strptime(_US, _DATE_SHOWN, strict=False)
    return naive.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone)


def check_resaved(
    raw: RawSheet,
    key: str,
    typed: pl.DataFrame,
    problems: pl.DataFrame,
    cells: pl.DataFrame | None,
    *,
    file: str,
    timezone: str = schema.DEFAULT_TIMEZONE,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``typed`` and ``problems`` of sheet ``raw`` corrected for its non-text ``cells``.

    ``cells`` is what :func:`chattools.readers.cells.non_text_cells` found in the
    sheet (``None``: there are some, but they could not be placed — a sheet-level
    problem says so).
    """
    if cells is None:
        note = "cells that are not text could not be placed; values may differ from the export"
        return typed, pl.concat([problems, sheet_problems(file, raw.name, None, note)])
    found = _classify(raw, key, cells)
    if not found.height:
        return typed, problems
    fixes = []
    for (name,), group in found.filter(pl.col("action").is_in(["null", "utc"])).group_by(
        "name", maintain_order=True
    ):
        rows = group.filter(pl.col("action") == "null")["row"].implode()
        value = pl.when(pl.col("_row").is_in(rows)).then(None).otherwise(pl.col(str(name)))
        utc = group.filter(pl.col("action") == "utc")
        if utc.height:
            fixed = dict(zip(utc["row"], utc["shown"], strict=True))
            text = pl.col("_row").replace_strict(fixed, default=None, return_dtype=pl.String)
            value = pl.coalesce(_utc(text, timezone), value)
        fixes.append(value.cast(typed.schema[str(name)]).alias(str(name)))
    typed = typed.with_columns(fixes)
    utc_loaded = found.filter(pl.col("action") == "utc").filter(
        _utc(pl.col("shown"), timezone).is_not_null()
    )
    reported = found.filter(pl.col("problem").is_not_null()).select(
        pl.lit(file).alias("file"),
        pl.lit(raw.name).alias("sheet"),
        "row",
        pl.col("name").alias("column"),
        pl.col("raw").alias("value"),
        "problem",
    )
    replaced = pl.concat(
        [reported.select("row", "column"), utc_loaded.select("row", column="name")]
    )
    kept = problems.join(replaced, on=["row", "column"], how="anti", nulls_equal=False)
    out = pl.concat([kept, reported.cast(PROBLEM_SCHEMA)])
    return typed, out.sort("row", nulls_last=False, maintain_order=True)
