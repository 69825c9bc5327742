"""One codec per column kind: typed → text → typed and typed → API → typed, by hand.

Each case writes a few typed values with a kind's codec, checks the text (or the API
value) against what a Channel Talk export holds, and reads it back with the same codec.
The API values go through real JSON; the reader hands the parser a JSON scalar as its
text, and keeps an array as the ``List(String)`` value (read here by the real reader).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from chattools import schema
from chattools.codecs import codec, codec_of_dtype
from chattools.readers.parse import type_sheet
from chattools.readers.sheets import RawSheet
from chattools.schema import Generation, Kind

SEOUL = "Asia/Seoul"
NEW_YORK = "America/New_York"


def _typed(values: list[Any], dtype: pl.DataType) -> pl.DataFrame:
    return pl.DataFrame({"v": values}, schema={"v": dtype})


def _read(kind: Kind, raw: pl.Series, tz: str, *, api: bool) -> tuple[list[Any], list[Any]]:
    """Typed values and problems the codec reads from ``raw``."""
    c = codec(kind)
    parse = c.parse_api if api else c.parse_text
    value, check = parse(pl.col("raw"), tz)
    problem = check(value, pl.col("raw")) if check is not None else pl.lit(None, pl.String)
    out = raw.alias("raw").to_frame().select(value.alias("v"), problem.alias("p"))
    return out["v"].to_list(), out["p"].to_list()


def _text(
    kind: Kind,
    values: list[Any],
    tz: str = SEOUL,
    *,
    generation: Generation = "legacy",
) -> tuple[list[Any], list[Any]]:
    """The text of typed ``values`` of ``kind``, and what reading it back gives."""
    dtype = codec(kind).dtype(tz)
    expr = codec(kind).format_text(pl.col("v"), dtype, tz, generation=generation)
    text = _typed(values, dtype).select(expr.alias("t"))["t"]
    back, problems = _read(kind, text, tz, api=False)
    assert problems == [None] * len(values)
    return text.to_list(), back


def _api(kind: Kind, values: list[Any], tz: str = SEOUL) -> tuple[list[Any], list[Any]]:
    """The API values of typed ``values`` of ``kind`` (after JSON), and what reading gives."""
    dtype = codec(kind).dtype(tz)
    expr = codec(kind).format_api(pl.col("v"), dtype, tz)
    wire = json.loads(json.dumps(_typed(values, dtype).select(expr.alias("a"))["a"].to_list()))
    raw = pl.Series([v if v is None or isinstance(v, str) else json.dumps(v) for v in wire])
    back, problems = _read(kind, raw, tz, api=True)
    assert problems == [None] * len(values)
    return wire, back


def _api_arrays(sheet: str, column: str, values: list[Any]) -> tuple[list[Any], list[Any]]:
    """The JSON arrays of list ``values`` and what the reader types them as (a real sheet)."""
    kind = schema.SHEETS[sheet].column(column).kind
    dtype = codec(kind).dtype(SEOUL)
    expr = codec(kind).format_api(pl.col("v"), dtype, SEOUL)
    wire = json.loads(json.dumps(_typed(values, dtype).select(expr.alias("a"))["a"].to_list()))
    n = len(values)
    filler = {"id": [str(i) for i in range(n)], "state": ["closed"] * n}
    filler["createdAt"] = ["1769907600000"] * n
    cells: dict[str, Any] = {c.name: filler[c.name] for c in schema.SHEETS[sheet].required_columns}
    cells[column] = pl.Series(wire, dtype=pl.List(pl.String))
    raw = RawSheet(sheet, pl.DataFrame(cells), encoding="api")
    typed, _ = type_sheet(raw, sheet, file="x.json")
    return wire, typed[column].to_list()


def test_every_kind_has_its_dtype() -> None:
    expected = {
        "id": pl.String,
        "text": pl.String,
        "datetime": pl.Datetime("us", SEOUL),
        "utc_datetime": pl.Datetime("us", SEOUL),
        "duration": pl.Duration("us"),
        "int": pl.Int64,
        "number": pl.Float64,
        "bool": pl.Boolean,
        "list": pl.List(pl.String),
        "tags": pl.List(pl.String),
    }
    assert {k: schema.dtype_of(k, SEOUL) for k in expected} == expected  # type: ignore[arg-type]
    assert schema.dtype_of("datetime", NEW_YORK) == pl.Datetime("us", NEW_YORK)


def test_id_and_text_stay_as_they_are() -> None:
    ids = ["123", "5f8e2a1c9b7d3e4f6a01", None]
    assert _text("id", ids) == (ids, ids)
    assert _api("id", ids) == (ids, ids)
    texts = ["N/A", "Billing, refunds", "  spaced  ", None]
    assert _text("text", texts) == (texts, texts)
    assert _api("text", texts) == (texts, texts)


def test_an_id_resaved_as_a_number_loses_its_trailing_zero() -> None:
    assert _read("id", pl.Series(["123.0", "12.5"]), SEOUL, api=False) == (
        ["123", "12.5"],
        ["id written as a number; trailing '.0' removed", None],
    )


def test_a_blank_cell_is_null_not_a_problem() -> None:
    for kind in ("text", "id", "datetime", "duration", "int", "bool", "tags"):
        assert _read(kind, pl.Series([""]), SEOUL, api=False) == ([None], [None]), kind


def test_local_times() -> None:
    seoul = ZoneInfo(SEOUL)
    values = [
        datetime(2026, 2, 1, 10, 0, tzinfo=seoul),
        datetime(2024, 2, 29, 23, 59, 59, tzinfo=seoul),
        None,
    ]
    assert _text("datetime", values) == (
        ["2026-02-01 10:00:00", "2024-02-29 23:59:59", None],
        values,
    )
    assert _api("datetime", values) == ([1769907600000, 1709218799000, None], values)


def test_a_local_time_in_the_dst_overlap_reads_as_the_earlier_instant() -> None:
    edt, est = (datetime(2024, 11, 3, h, 30, tzinfo=UTC) for h in (5, 6))  # both 01:30 local
    text, back = _text("datetime", [edt, est], NEW_YORK)
    assert text == ["2024-11-03 01:30:00", "2024-11-03 01:30:00"]
    # (in UTC: Python never finds an ambiguous local time equal to one of another zone)
    assert [t.astimezone(UTC) for t in back] == [edt, edt]  # the text cannot tell: the earlier
    wire, back = _api("datetime", [edt, est], NEW_YORK)
    assert wire == [1730611800000, 1730615400000]
    assert [t.astimezone(UTC) for t in back] == [edt, est]  # epoch ms can


def test_a_local_time_in_the_dst_gap_does_not_exist() -> None:
    value, problem = _read("datetime", pl.Series(["2024-03-10 02:30:00"]), NEW_YORK, api=False)
    assert value == [None] and problem == [
        "not a local date-time like 'YYYY-MM-DD HH:MM:SS' (%Y-%m-%d %H:%M:%S)"
    ]


def test_utc_times_mix_both_forms_like_the_real_files() -> None:
    values = [
        datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC),
        datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC),  # odd row, whole second: no .000
        datetime(2024, 1, 2, 3, 4, 7, tzinfo=UTC),
        None,
    ]
    text, back = _text("utc_datetime", values)
    assert text == [
        "2024-01-02T03:04:05.123Z",
        "2024-01-02T03:04:06Z",
        "2024-01-02T03:04:07.000Z",
        None,
    ]
    assert back == values
    wire, back = _api("utc_datetime", values)
    assert wire == [1704164645123, 1704164646000, 1704164647000, None] and back == values


def test_times_outside_the_accepted_range_are_null_and_reported_so() -> None:
    raw = pl.Series(["1999-12-31 23:59:59", "2000-01-01 00:00:00", "soon"])
    assert _read("datetime", raw, "UTC", api=False)[0] == [
        None,
        datetime(2000, 1, 1, tzinfo=UTC),
        None,
    ]
    range_check = codec("datetime").out_of_range(api=False)
    assert range_check is not None
    beyond, message = range_check
    assert message == "out of range (accepted: 2000-01-01 to 2099-12-31); set to null"
    flags = raw.to_frame("t").select(beyond(pl.col("t")))["t"].to_list()
    assert flags == [True, False, False]  # "soon" is unreadable, not out of range
    api_check = codec("utc_datetime").out_of_range(api=True)
    assert api_check is not None
    epoch = pl.Series(["946684799999", "946684800000"]).to_frame("t")  # 1999-12-31 23:59:59.999Z
    assert epoch.select(api_check[0](pl.col("t")))["t"].to_list() == [True, False]


def test_durations_legacy_text_2026_seconds_and_api_milliseconds() -> None:
    values = [timedelta(0), timedelta(hours=169, seconds=5), None]
    assert _text("duration", values) == (["0h 0m 0s", "169h 0m 5s", None], values)
    assert _text("duration", values, generation="2026") == (["0", "608405", None], values)
    assert _api("duration", values) == ([0, 608405000, None], values)


def test_a_duration_drops_its_fraction_of_a_second_in_text() -> None:
    text, back = _text("duration", [timedelta(seconds=61.9)])
    assert text == ["0h 1m 1s"] and back == [timedelta(seconds=61)]


def test_ints_numbers_and_bools() -> None:
    assert _text("int", [0, -3, None]) == (["0", "-3", None], [0, -3, None])
    assert _api("int", [0, -3, None]) == ([0, -3, None], [0, -3, None])
    assert _text("number", [5.0, 4.5, None]) == (["5", "4.5", None], [5.0, 4.5, None])
    assert _api("number", [5.0, 4.5, None]) == ([5.0, 4.5, None], [5.0, 4.5, None])
    bools = [True, False, None]
    assert _text("bool", bools) == (["true", "false", None], bools)
    assert _api("bool", bools) == (bools, bools)
    assert _read("bool", pl.Series(["TRUE", "yes"]), SEOUL, api=False) == (
        [True, None],
        [None, "not true/false"],
    )
    assert _read("int", pl.Series(["3.0"]), SEOUL, api=False) == (
        [3],
        ["integer written as a number; trailing '.0' removed"],
    )


def test_lists_join_with_comma_space_in_text_and_stay_arrays_in_the_api() -> None:
    values = [["a", "b"], ["solo"], None]
    assert _text("list", values) == (["a, b", "solo", None], values)
    assert _api_arrays("teams", "managerIds", values) == (values, values)
    # an API value that is not an array (the column was not recognised as a list) is split
    assert _read("list", pl.Series(["a, b"]), SEOUL, api=True) == ([["a", "b"]], [None])


def test_a_tag_holding_comma_space_splits_in_text_but_not_in_the_api() -> None:
    values = [["Billing, refunds", "VIP"], []]
    text, back = _text("tags", values)
    assert text == ["Billing, refunds, VIP", ""]
    assert back == [["Billing", "refunds", "VIP"], None]  # the text form cannot keep it
    assert _api_arrays("chats", "tags", values) == (values, values)


def test_columns_of_no_known_kind_are_written_by_their_dtype() -> None:
    frame = pl.DataFrame(
        {
            "at": [datetime(2024, 1, 2, 3, 4, 5, tzinfo=ZoneInfo(SEOUL))],
            "took": [timedelta(minutes=2)],
            "flag": [False],
            "n": [7],
        }
    )
    text = frame.select(
        codec_of_dtype(d).format_text(pl.col(c), d, None).alias(c) for c, d in frame.schema.items()
    )
    assert text.row(0) == ("2024-01-02 03:04:05", "0h 2m 0s", "false", "7")


@pytest.mark.parametrize(
    ("kind", "role"),
    [("text", "text"), ("tags", "text"), ("id", "id"), ("list", "id"), ("int", "count"),
     ("duration", "count"), ("number", "number"), ("datetime", "date"),
     ("utc_datetime", "date"), ("bool", "bool")],
)  # fmt: skip
def test_each_kind_says_what_a_resaved_spreadsheet_may_hold(kind: str, role: str) -> None:
    """readers/resaved.py judges a re-saved cell by this role (a tag list is text: a tag
    "007" Excel made the number 7 changed it; an id list is ids: 15 digits survive)."""
    assert codec(kind).in_spreadsheet == role  # type: ignore[arg-type]
