"""One codec per column kind: its dtype, and how its values are read and written.

Every column of :data:`chattools.schema.SHEETS` has a *kind*; :func:`codec` gives the
kind's :class:`Codec`, the one place that knows the kind's Polars dtype, how the text
of an XLSX or sheet-keyed JSON cell is parsed (:meth:`Codec.parse_text`) and written
(:meth:`Codec.format_text`), and the same for the Open-API JSON shape
(:meth:`Codec.parse_api`, :meth:`Codec.format_api`). Readers, writers, the sample and
reconcile all go through it, so adding a kind means adding one codec here.

==================  ===========================  ================================  ================
kind                dtype                        text                              API shape
==================  ===========================  ================================  ================
``id``              ``String``                   as is; ``"123.0"`` → ``"123"``     string
``text``            ``String``                   as is (``"N/A"`` stays)           string
``datetime``        ``Datetime(us, tz)``         ``YYYY-MM-DD HH:MM:SS`` local     epoch ms
``utc_datetime``    ``Datetime(us, tz)``         ``…T…[.sss]Z`` (UTC)              epoch ms
``duration``        ``Duration(us)``             ``"12h 3m 5s"`` / whole seconds   milliseconds
``int``             ``Int64``                    digits (``"3.0"`` → 3)            integer
``number``          ``Float64``                  ``5`` / ``4.5``                   number
``bool``            ``Boolean``                  ``true`` / ``false``              boolean
``list``/``tags``   ``List(String)``             joined with ``", "``              array
==================  ===========================  ================================  ================

Parsing is vectorised: a parser returns the typed expression and a :data:`Check`
that builds, from (typed value, raw text), the problem text of each failed cell
(null where the cell is fine), or ``None`` when the kind cannot fail. A blank cell is
null, never a problem. Times outside :data:`TIMESTAMP_RANGE` and durations longer
than :data:`MAX_DURATION` are null and reported as out of range
(:meth:`Codec.out_of_range`).

Examples
--------
>>> import polars as pl
>>> from datetime import timedelta
>>> duration = codec("duration")
>>> duration.dtype("Asia/Seoul")
Duration(time_unit='us')
>>> cells = pl.DataFrame({"t": ["1h 0m 5s", "65", "soon", None]})
>>> value, check = duration.parse_text(pl.col("t"), "Asia/Seoul")
>>> out = cells.select(value.alias("v"), check(value, pl.col("t")).alias("p"))
>>> out["v"].to_list()
[datetime.timedelta(seconds=3605), datetime.timedelta(seconds=65), None, None]
>>> out["p"].to_list()[2]
"not a duration like '1h 2m 3s' or whole seconds"
>>> typed = pl.DataFrame({"d": [timedelta(hours=169, seconds=5)]})
>>> typed.select(duration.format_text(pl.col("d"), pl.Duration("us"), "UTC")).item()
'169h 0m 5s'
>>> typed.select(duration.format_api(pl.col("d"), pl.Duration("us"), "UTC")).item()
608405000
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import polars as pl

if TYPE_CHECKING:
    from chattools.schema import Generation

__all__ = [
    "CODECS",
    "DURATION_TEXT_PATTERN",
    "LIST_SEPARATOR",
    "LOCAL_DATETIME_FORMAT",
    "LOCAL_TIME",
    "MAX_DURATION",
    "TIMESTAMP_RANGE",
    "TIME_FORMS",
    "TIME_UNIT",
    "UTC_DATETIME_FORMATS",
    "Check",
    "Codec",
    "Kind",
    "LocalTime",
    "Parsed",
    "SpreadsheetRole",
    "codec",
    "codec_of_dtype",
]

#: What a re-saved spreadsheet may hold in a kind's cells (:attr:`Codec.in_spreadsheet`).
SpreadsheetRole = Literal["text", "id", "count", "number", "date", "bool"]
Kind = Literal[
    "id", "text", "datetime", "utc_datetime", "duration", "int", "number", "bool", "list", "tags"
]
TIME_UNIT: Literal["us"] = "us"
LOCAL_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
UTC_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.3fZ", "%Y-%m-%dT%H:%M:%SZ")
DURATION_TEXT_PATTERN = r"^(\d+)h (\d+)m (\d+)s$"
LIST_SEPARATOR = ", "

#: Times accepted, from the first (inclusive) to the second (exclusive), as the file writes
#: them: the local wall time of a local text, UTC for ISO ``…Z`` and epoch milliseconds.
#: Channel Talk started in 2017; an earlier time is an artifact (Excel's day 0 is
#: 1899-12-30, epoch 0 is 1970-01-01) and a later one a typo (``9999-12-31``). See
#: docs/decisions.md, "Reading values".
TIMESTAMP_RANGE = (datetime(2000, 1, 1), datetime(2100, 1, 1))
#: Longest duration accepted: the span of :data:`TIMESTAMP_RANGE` (no two accepted times
#: are further apart).
MAX_DURATION: timedelta = TIMESTAMP_RANGE[1] - TIMESTAMP_RANGE[0]

#: Builds a problem-text expression from (typed value, raw text); null where fine.
Check = Callable[[pl.Expr, pl.Expr], pl.Expr]
#: A parser's result: the typed expression and its check (``None``: cannot fail).
Parsed = tuple[pl.Expr, Check | None]

_US = pl.Datetime(TIME_UNIT)
_FLOAT_ZERO = r"^-?[0-9]+\.0+$"
#: ``DURATION_TEXT_PATTERN`` with ASCII digits: a much smaller, ~6x faster regex.
_DURATION_ANY = DURATION_TEXT_PATTERN.replace(r"\d", "[0-9]")
#: The same with few enough digits that ``h * 3600 + m * 60 + s`` cannot wrap in Int64
#: (< 1.1e14); more digits are beyond :data:`MAX_DURATION` in any field (876,600 h).
_DURATION_PATTERN = r"^([0-9]{1,10})h ([0-9]{1,12})m ([0-9]{1,13})s$"
_MAX_SECONDS = int(MAX_DURATION.total_seconds())
_MIN_MS, _END_MS = (int(t.replace(tzinfo=UTC).timestamp()) * 1000 for t in TIMESTAMP_RANGE)
_LAST_DAY = TIMESTAMP_RANGE[1] - timedelta(days=1)
_TIME_OUT_OF_RANGE = (
    f"out of range (accepted: {TIMESTAMP_RANGE[0]:%Y-%m-%d} to {_LAST_DAY:%Y-%m-%d}); set to null"
)
_DURATION_OUT_OF_RANGE = f"out of range (accepted: up to {MAX_DURATION.days} days); set to null"

#: The forms a local-time column of a 2026 export may write a time in (form name →
#: pattern of its text; ASCII digits: smaller and faster than ``\d``), see
#: :meth:`LocalTime.parse_any_form`.
TIME_FORMS: dict[str, str] = {
    "local": r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
    "ISO-8601": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
        r"(Z|[+-][0-9]{2}:?[0-9]{2})$"
    ),
    "epoch milliseconds": r"^[0-9]{12,14}$",
}
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"
_NOT_A_TIME = (
    "not a time: expected local 'YYYY-MM-DD HH:MM:SS', ISO-8601 with Z or an offset, "
    "or epoch milliseconds"
)

#: Text → whether it reads as a value of the kind but beyond the accepted range.
Beyond = Callable[[pl.Expr], pl.Expr]


def _form(text: pl.Expr) -> pl.Expr:
    """The form (of :data:`TIME_FORMS`) of each cell's text (null: none of them)."""
    out = pl.when(text.str.contains(TIME_FORMS["local"])).then(pl.lit("local"))
    for name in ("ISO-8601", "epoch milliseconds"):
        out = out.when(text.str.contains(TIME_FORMS[name])).then(pl.lit(name))  # type: ignore[assignment]
    return out.otherwise(pl.lit(None, pl.String))


def _failed(message: str) -> Check:
    """The cell had text but parsed to null."""
    return lambda value, raw: pl.when((raw != "") & value.is_null()).then(pl.lit(message))


def _float_zero(text: pl.Expr) -> pl.Expr:
    """Whether ``text`` is a whole number written as a float (``"123.0"``)."""
    return text.str.contains(_FLOAT_ZERO)


def _in_range(naive: pl.Expr) -> pl.Expr:
    """``naive`` where it is within :data:`TIMESTAMP_RANGE`, else null."""
    low, end = (pl.lit(t, _US) for t in TIMESTAMP_RANGE)
    return pl.when(naive.is_between(low, end, closed="left")).then(naive)


def _blank_is_null(raw: pl.Expr, may_be_blank: bool) -> pl.Expr:
    return pl.when(raw != "").then(raw) if may_be_blank else raw


class Codec:
    """How the values of one column kind are typed, read and written.

    The base codec is the ``text`` kind: ``String``, read as is (blank → null), written
    with a cast to text. Parsers take the raw cell text (``raw``, an expression) and
    return :data:`Parsed`; ``may_be_float=False`` promises no ``.`` in the column (skips
    the ``"123.0"`` fix) and ``may_be_blank=False`` no ``""`` (keeps text zero-copy).
    Formatters take the typed expression and its dtype.
    """

    #: Whether the reader looks for ``"123.0"`` (a re-saved number) in this kind's columns.
    fixes_float_zero = False
    #: Whether a value is a list (text joined by :data:`LIST_SEPARATOR`, a JSON array in
    #: the API shape).
    is_list = False
    #: What a workbook re-saved by a spreadsheet may hold in this kind's cells, as
    #: :mod:`chattools.readers.resaved` judges them: ``"text"`` (any number, date or
    #: formula cell changed the text), ``"id"`` (digits the program made a number: kept
    #: up to 15 digits), ``"count"`` (a number cell, parsed as the text would be), or the
    #: cell type a faithful value has (``"number"``, ``"date"``, ``"bool"``).
    in_spreadsheet: SpreadsheetRole = "text"

    def __init__(self, kind: Kind, dtype: pl.DataType) -> None:
        self.kind: Kind = kind
        self._dtype = dtype

    def __repr__(self) -> str:
        return f"codec({self.kind!r})"

    def dtype(self, timezone: str) -> pl.DataType:
        """The Polars dtype of a typed column of this kind in ``timezone``."""
        return self._dtype

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        """The typed value of XLSX / sheet-keyed JSON text, and its check."""
        return _blank_is_null(raw, may_be_blank), None

    def parse_api(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        """The typed value of an Open-API JSON value (as text), and its check."""
        return self.parse_text(raw, timezone, may_be_float=may_be_float, may_be_blank=may_be_blank)

    def out_of_range(self, *, api: bool) -> tuple[Beyond, str] | None:
        """(text → out of range?, the problem) for a bounded kind, else ``None``.

        Applied to failed cells only, to tell "out of range" from "not readable"
        without parsing every cell twice.
        """
        return None

    def format_text(
        self,
        expr: pl.Expr,
        dtype: pl.DataType,
        timezone: str | None,
        *,
        generation: Generation = "legacy",
    ) -> pl.Expr:
        """The text a ``generation`` export holds for typed ``expr`` (null stays null).

        ``timezone`` is the channel's (``None``: a time's own zone).
        """
        return expr.cast(pl.String)

    def format_api(self, expr: pl.Expr, dtype: pl.DataType, timezone: str) -> pl.Expr:
        """The JSON-ready value of the Open-API shape for typed ``expr``."""
        return expr


class _Id(Codec):
    fixes_float_zero = True
    in_spreadsheet: SpreadsheetRole = "id"

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        text = _blank_is_null(raw, may_be_blank)
        if not may_be_float:
            return text, None
        value = pl.when(_float_zero(raw)).then(raw.str.replace(r"\.0+$", "")).otherwise(text)
        message = "id written as a number; trailing '.0' removed"
        return value, lambda value, raw: pl.when(_float_zero(raw)).then(pl.lit(message))


class _List(Codec):
    is_list = True
    in_spreadsheet: SpreadsheetRole = "id"  # lists of ids (managerIds); tags: _Tags

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        return _blank_is_null(raw, may_be_blank).str.split(LIST_SEPARATOR), None

    def format_text(
        self,
        expr: pl.Expr,
        dtype: pl.DataType,
        timezone: str | None,
        *,
        generation: Generation = "legacy",
    ) -> pl.Expr:
        if isinstance(dtype, pl.List):
            return expr.list.eval(pl.element().cast(pl.String)).list.join(LIST_SEPARATOR)
        return expr.cast(pl.String)

    def format_api(self, expr: pl.Expr, dtype: pl.DataType, timezone: str) -> pl.Expr:
        return expr if isinstance(dtype, pl.List) else expr.str.split(LIST_SEPARATOR)


class _Tags(_List):
    in_spreadsheet: SpreadsheetRole = "text"


class _Bool(Codec):
    in_spreadsheet: SpreadsheetRole = "bool"

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        lower = raw.str.to_lowercase()
        value = pl.when(lower == "true").then(True).when(lower == "false").then(False)
        return value, _failed("not true/false")

    def format_text(
        self,
        expr: pl.Expr,
        dtype: pl.DataType,
        timezone: str | None,
        *,
        generation: Generation = "legacy",
    ) -> pl.Expr:
        return pl.when(expr).then(pl.lit("true")).when(~expr).then(pl.lit("false"))


class _Int(Codec):
    fixes_float_zero = True
    in_spreadsheet: SpreadsheetRole = "count"

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        if not may_be_float:
            return raw.cast(pl.Int64, strict=False), _failed("not an integer")
        fixed = _float_zero(raw)
        value = pl.when(fixed).then(raw.str.replace(r"\.0+$", "")).otherwise(raw)

        def check(value: pl.Expr, raw: pl.Expr) -> pl.Expr:
            return (
                pl.when((raw != "") & value.is_null())
                .then(pl.lit("not an integer"))
                .when(_float_zero(raw))
                .then(pl.lit("integer written as a number; trailing '.0' removed"))
            )

        return value.cast(pl.Int64, strict=False), check

    def format_api(self, expr: pl.Expr, dtype: pl.DataType, timezone: str) -> pl.Expr:
        return expr.cast(pl.Int64)


class _Number(Codec):
    in_spreadsheet: SpreadsheetRole = "number"

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        number = raw.cast(pl.Float64, strict=False)
        return pl.when(number.is_finite()).then(number), _failed("not a number")

    def format_text(
        self,
        expr: pl.Expr,
        dtype: pl.DataType,
        timezone: str | None,
        *,
        generation: Generation = "legacy",
    ) -> pl.Expr:
        whole = expr.round() == expr  # a whole number as digits ("5", not "5.0")
        return (
            pl.when(whole)
            .then(expr.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(expr.cast(pl.String))
        )


class _Time(Codec):
    """A moment, typed in the channel's zone; epoch milliseconds in the API shape."""

    in_spreadsheet: SpreadsheetRole = "date"

    def dtype(self, timezone: str) -> pl.DataType:
        return pl.Datetime(TIME_UNIT, timezone)

    def naive(self, text: pl.Expr) -> pl.Expr:
        """The naive time ``text`` spells (null: another form), not range-checked."""
        raise NotImplementedError

    def parse_api(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        ms = raw.cast(pl.Int64, strict=False)
        ms = pl.when(ms.is_between(_MIN_MS, _END_MS, closed="left")).then(ms)
        value = (
            pl.from_epoch(ms, time_unit="ms")
            .cast(_US)
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone(timezone)
        )
        return value, _failed("not epoch milliseconds")

    def out_of_range(self, *, api: bool) -> tuple[Beyond, str] | None:
        if api:
            return (
                lambda text: (
                    ~text.cast(pl.Float64, strict=False).is_between(_MIN_MS, _END_MS, closed="left")
                ),
                _TIME_OUT_OF_RANGE,
            )
        return (
            lambda text: self.naive(text).is_not_null() & _in_range(self.naive(text)).is_null(),
            _TIME_OUT_OF_RANGE,
        )

    def format_api(self, expr: pl.Expr, dtype: pl.DataType, timezone: str) -> pl.Expr:
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            expr = expr.dt.replace_time_zone(timezone, non_existent="null", ambiguous="earliest")
        return expr.dt.epoch("ms")


class LocalTime(_Time):
    """``YYYY-MM-DD HH:MM:SS`` wall time in the channel's zone.

    A wall time that does not exist (DST gap) is null; an ambiguous one (DST overlap)
    the earlier instant. The reader reports both (they need the whole column). A 2026
    column that mixes in other forms is read by :meth:`parse_any_form`.
    """

    def naive(self, text: pl.Expr) -> pl.Expr:
        """The naive wall time ``text`` spells (null: another form)."""
        return text.str.strptime(_US, LOCAL_DATETIME_FORMAT, strict=False)

    def naive_in_range(self, text: pl.Expr) -> pl.Expr:
        """The naive wall time ``text`` spells, null outside :data:`TIMESTAMP_RANGE`."""
        return _in_range(self.naive(text))

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        """The time in ``timezone`` (a DST gap: null; an overlap: the earlier)."""
        naive = self.naive_in_range(raw)
        value = naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
        message = f"not a local date-time like 'YYYY-MM-DD HH:MM:SS' ({LOCAL_DATETIME_FORMAT})"
        return value, _failed(message)

    def parse_any_form(
        self,
        raw: pl.Expr,
        timezone: str,
        *,
        bounds: tuple[datetime, datetime] = TIMESTAMP_RANGE,
    ) -> tuple[pl.Expr, Check]:
        """The times of text in any of :data:`TIME_FORMS`, in ``timezone``, and their check.

        ``bounds`` (naive, inclusive–exclusive; local wall time for local text, UTC for the
        others) limit what is read; a time outside them is null with a problem. A cell in
        none of the forms is null with a problem; a cell in another form than the
        column's most common one keeps its value and gets a problem naming both forms.
        """
        low, end = (pl.lit(t, _US) for t in bounds)

        def bounded(naive: pl.Expr) -> pl.Expr:
            return pl.when(naive.is_between(low, end, closed="left")).then(naive)

        local = bounded(self.naive(raw))
        local = local.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
        iso = raw.str.replace(r"Z$", "+00:00").str.strptime(
            pl.Datetime(TIME_UNIT, "UTC"), _ISO_FORMAT, strict=False
        )
        iso = bounded(iso.dt.replace_time_zone(None)).dt.replace_time_zone("UTC")
        digits = pl.when(raw.str.contains(TIME_FORMS["epoch milliseconds"])).then(raw)
        ms = digits.cast(pl.Int64, strict=False)
        epoch = bounded(pl.from_epoch(ms, time_unit="ms").cast(_US)).dt.replace_time_zone("UTC")
        value = pl.coalesce(
            local, iso.dt.convert_time_zone(timezone), epoch.dt.convert_time_zone(timezone)
        )

        def check(value: pl.Expr, raw: pl.Expr) -> pl.Expr:
            form = _form(raw)
            usual = form.drop_nulls().mode().sort().first()
            mixed = pl.format(
                "{} in a column mostly in {} form (the column mixes forms)", form, usual
            )
            return (
                pl.when((raw != "") & value.is_null())
                .then(pl.lit(_NOT_A_TIME))
                .when(form != usual)
                .then(mixed)
            )

        return value, check

    def format_text(
        self,
        expr: pl.Expr,
        dtype: pl.DataType,
        timezone: str | None,
        *,
        generation: Generation = "legacy",
    ) -> pl.Expr:
        """The wall time in ``timezone`` (``None``: the value's own zone; naive: as is)."""
        if timezone is not None and isinstance(dtype, pl.Datetime) and dtype.time_zone:
            expr = expr.dt.convert_time_zone(timezone).dt.replace_time_zone(None)
        return expr.dt.strftime(LOCAL_DATETIME_FORMAT)


class _UtcTime(_Time):
    """``YYYY-MM-DDTHH:MM:SS[.sss]Z`` in UTC; real files mix both forms in one column."""

    def naive(self, text: pl.Expr) -> pl.Expr:
        formats = UTC_DATETIME_FORMATS
        return pl.coalesce(*(text.str.strptime(_US, fmt, strict=False) for fmt in formats))

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        naive = _in_range(self.naive(raw))
        value = naive.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone)
        return value, _failed("not a UTC time like 'YYYY-MM-DDTHH:MM:SS[.sss]Z'")

    def format_text(
        self,
        expr: pl.Expr,
        dtype: pl.DataType,
        timezone: str | None,
        *,
        generation: Generation = "legacy",
    ) -> pl.Expr:
        """``.000`` dropped on every other row of whole seconds (naive input: ``timezone``)."""
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            zone = timezone or "UTC"
            expr = expr.dt.replace_time_zone(zone, non_existent="null", ambiguous="earliest")
        utc = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        with_ms = utc.dt.strftime(UTC_DATETIME_FORMATS[0])
        without = utc.dt.strftime(UTC_DATETIME_FORMATS[1])
        whole_second = utc.dt.millisecond() == 0
        odd_row = pl.int_range(pl.len()) % 2 == 1
        return pl.when(whole_second & odd_row).then(without).otherwise(with_ms)


def _duration_fields(text: pl.Expr, pattern: str = _DURATION_PATTERN) -> list[pl.Expr]:
    """Hours, minutes and seconds of ``"12h 3m 5s"`` as text (null: another form)."""
    parts = text.str.extract_groups(pattern)
    return [parts.struct.field(str(i)) for i in (1, 2, 3)]


def _duration_total(text: pl.Expr, fields: list[pl.Expr]) -> pl.Expr:
    """The seconds a duration text spells, as a float: any number of digits, no wrap-around."""
    hours, minutes, seconds = (f.cast(pl.Float64, strict=False) for f in fields)
    return pl.coalesce(hours * 3600 + minutes * 60 + seconds, text.cast(pl.Float64, strict=False))


class _Duration(Codec):
    """``"12h 3m 5s"`` (legacy) or whole seconds (2026, case); milliseconds in the API."""

    in_spreadsheet: SpreadsheetRole = "count"  # whole seconds, in 2026 exports

    def parse_text(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        """Up to :data:`MAX_DURATION`.

        Each field's digits are bounded by the pattern, so the arithmetic cannot wrap: in
        Int64, ``307445734561825861m`` times 60 wrapped around to 44 s.
        """
        hours, minutes, secs = (f.cast(pl.Int64, strict=False) for f in _duration_fields(raw))
        seconds = pl.coalesce(hours * 3600 + minutes * 60 + secs, raw.cast(pl.Int64, strict=False))
        seconds = pl.when(seconds.is_between(-_MAX_SECONDS, _MAX_SECONDS)).then(seconds)
        value = (seconds * 1_000_000).cast(pl.Duration(TIME_UNIT))
        return value, _failed("not a duration like '1h 2m 3s' or whole seconds")

    def parse_api(
        self, raw: pl.Expr, timezone: str, *, may_be_float: bool = True, may_be_blank: bool = True
    ) -> Parsed:
        ms = raw.cast(pl.Int64, strict=False)
        ms = pl.when(ms.is_between(-_MAX_SECONDS * 1000, _MAX_SECONDS * 1000)).then(ms)
        return (ms * 1000).cast(pl.Duration(TIME_UNIT)), _failed("not milliseconds")

    def out_of_range(self, *, api: bool) -> tuple[Beyond, str] | None:
        if api:
            return (
                lambda text: text.cast(pl.Float64, strict=False).abs() > _MAX_SECONDS * 1000,
                _DURATION_OUT_OF_RANGE,
            )
        return (
            lambda text: (
                _duration_total(text, _duration_fields(text, _DURATION_ANY)).abs() > _MAX_SECONDS
            ),
            _DURATION_OUT_OF_RANGE,
        )

    def format_text(
        self,
        expr: pl.Expr,
        dtype: pl.DataType,
        timezone: str | None,
        *,
        generation: Generation = "legacy",
    ) -> pl.Expr:
        """``"{h}h {m}m {s}s"`` in legacy files, whole seconds in the others."""
        seconds = expr.dt.total_seconds()
        if generation != "legacy":
            return seconds.cast(pl.String)
        return pl.format("{}h {}m {}s", seconds // 3600, (seconds % 3600) // 60, seconds % 60)

    def format_api(self, expr: pl.Expr, dtype: pl.DataType, timezone: str) -> pl.Expr:
        return expr.dt.total_milliseconds()


#: The codec of ``datetime`` columns (local wall time).
LOCAL_TIME = LocalTime("datetime", _US)
_STRING = pl.String()
_LIST = pl.List(pl.String())
#: Kind → its codec.
CODECS: dict[Kind, Codec] = {
    "id": _Id("id", _STRING),
    "text": Codec("text", _STRING),
    "datetime": LOCAL_TIME,
    "utc_datetime": _UtcTime("utc_datetime", _US),
    "duration": _Duration("duration", pl.Duration(TIME_UNIT)),
    "int": _Int("int", pl.Int64()),
    "number": _Number("number", pl.Float64()),
    "bool": _Bool("bool", pl.Boolean()),
    "list": _List("list", _LIST),
    "tags": _Tags("tags", _LIST),
}


def codec(kind: Kind) -> Codec:
    """The codec of column ``kind``.

    >>> codec("tags").dtype("UTC"), codec("datetime").dtype("Asia/Seoul")
    (List(String), Datetime(time_unit='us', time_zone='Asia/Seoul'))
    """
    return CODECS[kind]


def codec_of_dtype(dtype: pl.DataType) -> Codec:
    """The codec a column of no known kind is written with, from its dtype.

    >>> codec_of_dtype(pl.Duration("ms")), codec_of_dtype(pl.Int64)
    (codec('duration'), codec('text'))
    """
    if isinstance(dtype, pl.Datetime):
        return CODECS["datetime"]
    if isinstance(dtype, pl.Duration):
        return CODECS["duration"]
    if isinstance(dtype, pl.Boolean):
        return CODECS["bool"]
    if isinstance(dtype, pl.List):
        return CODECS["list"]
    return CODECS["text"]
