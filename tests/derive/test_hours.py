"""OperatingHours: hand-computed business durations, deadlines, is_open, errors, repr."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import chattools as ct
from chattools.errors import InvalidOperatingHoursError, InvalidValueError

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
SHOP = {"mon-fri": ["09:00-12:00", "13:00-18:00"], "sat": "22:00-06:00"}
H = timedelta(hours=1)


def kst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


def business(hours: ct.OperatingHours, start: datetime, end: datetime) -> timedelta:
    frame = pl.DataFrame({"a": [start], "b": [end]})
    return frame.select(hours.business_duration("a", "b"))["a"].item()


@pytest.fixture(scope="module")
def shop() -> ct.OperatingHours:
    return ct.OperatingHours.weekly(SHOP, timezone="Asia/Seoul", holidays="KR")


# 2026-03-02 Mon (KR substitute holiday), 03-03 Tue, 03-06 Fri, 03-07 Sat, 03-08 Sun.
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (kst(2026, 3, 3, 11), kst(2026, 3, 3, 14), 2 * H),  # lunch break 12-13 skipped
        (kst(2026, 3, 3, 12, 10), kst(2026, 3, 3, 12, 50), 0 * H),  # inside the lunch break
        (kst(2026, 3, 3, 18, 30), kst(2026, 3, 4, 8, 59), 0 * H),  # overnight, closed
        (kst(2026, 3, 6, 17), kst(2026, 3, 9, 10), 10 * H),  # Fri 1 + Sat night 8 + Mon 1
        (kst(2026, 3, 8, 0), kst(2026, 3, 8, 7), 6 * H),  # after-midnight tail of Sat slot
        (kst(2026, 3, 7, 23), kst(2026, 3, 8, 1), 2 * H),  # across midnight inside the slot
        (kst(2026, 3, 2, 8), kst(2026, 3, 3, 10), 1 * H),  # Mon 03-02 substitute holiday
        (kst(2026, 5, 4, 17), kst(2026, 5, 6, 10), 2 * H),  # Tue 05-05 Children's Day
        (kst(2030, 1, 1, 0), kst(2030, 1, 2, 0), 0 * H),  # New Year 2030: years expand lazily
        (kst(2026, 3, 3, 14), kst(2026, 3, 3, 10), 0 * H),  # end before start
        (kst(2026, 3, 3, 9, 0), kst(2026, 3, 3, 9, 0), 0 * H),
        (
            datetime(2026, 3, 3, 9, 0, 0, 1, tzinfo=SEOUL),
            datetime(2026, 3, 3, 9, 0, 0, 4, tzinfo=SEOUL),
            timedelta(microseconds=3),
        ),
        (
            datetime(2026, 3, 3, 11, 59, 59, 999_999, tzinfo=SEOUL),
            kst(2026, 3, 3, 13, 0, 0),
            timedelta(microseconds=1),
        ),
    ],
)
def test_hand_computed(
    shop: ct.OperatingHours, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert business(shop, start, end) == expected


def test_without_holidays_the_substitute_day_counts() -> None:
    plain = ct.OperatingHours.weekly(SHOP, timezone="Asia/Seoul")
    assert business(plain, kst(2026, 3, 2, 8), kst(2026, 3, 3, 10)) == 9 * H


def test_holiday_closes_slots_starting_on_it_only() -> None:
    sat_closed = ct.OperatingHours.weekly(SHOP, timezone="Asia/Seoul", closed_dates=["2026-03-07"])
    sun_closed = ct.OperatingHours.weekly(
        SHOP, timezone="Asia/Seoul", closed_dates=[date(2026, 3, 8)]
    )
    window = (kst(2026, 3, 7, 20), kst(2026, 3, 8, 8))
    assert business(sat_closed, *window) == 0 * H
    assert business(sun_closed, *window) == 8 * H


def test_overrides_replace_the_day_and_beat_holidays() -> None:
    hours = ct.OperatingHours.weekly(
        SHOP,
        timezone="Asia/Seoul",
        holidays="KR",
        overrides={
            "2026-03-03": ["10:00-11:00"],
            date(2026, 3, 2): "10:00-14:00",
            "2026-03-04": [],
        },
    )
    assert business(hours, kst(2026, 3, 3), kst(2026, 3, 4)) == 1 * H
    assert business(hours, kst(2026, 3, 2), kst(2026, 3, 3)) == 4 * H
    assert business(hours, kst(2026, 3, 4), kst(2026, 3, 5)) == 0 * H


def test_end_at_2400_joins_the_next_day() -> None:
    hours = ct.OperatingHours.weekly({"mon": "20:00-24:00", "tue": "00:00-02:00"}, timezone="UTC")
    utc = ZoneInfo("UTC")
    start, end = datetime(2026, 3, 2, 23, tzinfo=utc), datetime(2026, 3, 3, 1, tzinfo=utc)
    assert business(hours, start, end) == 2 * H
    assert hours.expand(date(2026, 3, 2), date(2026, 3, 3))["length"].to_list() == [6 * H]


def test_full_day_does_not_lose_a_minute() -> None:
    hours = ct.OperatingHours.weekly({"sun": "00:00-24:00"}, timezone="Asia/Seoul")
    assert business(hours, kst(2026, 3, 7, 12), kst(2026, 3, 9, 12)) == timedelta(seconds=86_400)


@pytest.mark.parametrize(("day", "expected"), [(29, 2 * H), (25, 4 * H), (28, 3 * H)])
def test_dst_counts_real_elapsed_time(day: int, expected: timedelta) -> None:
    hours = ct.OperatingHours.weekly({"mon-sun": "01:00-04:00"}, timezone="Europe/Berlin")
    month = 3 if day in (28, 29) else 10
    start, end = (
        datetime(2026, month, day, tzinfo=BERLIN),
        datetime(2026, month, day, 6, tzinfo=BERLIN),
    )
    assert business(hours, start, end) == expected
    # the same instants written in another zone give the same answer
    utc = ZoneInfo("UTC")
    assert business(hours, start.astimezone(utc), end.astimezone(utc)) == expected


def test_dst_slot_starting_in_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    # 2026-03-29 Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 never happens.
    hours = ct.OperatingHours.weekly({"sun": "02:30-05:00"}, timezone="Europe/Berlin")
    row = hours.expand(date(2026, 3, 29), date(2026, 3, 30)).row(0)
    utc = ZoneInfo("UTC")
    assert row[0] == datetime(2026, 3, 29, 1, tzinfo=utc)
    assert row[2] == 2 * H


def test_naive_timestamps_are_local_wall_clock(shop: ct.OperatingHours) -> None:
    frame = pl.DataFrame({"a": [datetime(2026, 3, 6, 17)], "b": [datetime(2026, 3, 9, 10)]})
    assert frame.select(shop.business_duration("a", "b")).item() == 10 * H


def test_nulls_literals_and_lazy_streaming(shop: ct.OperatingHours) -> None:
    frame = pl.LazyFrame(
        {
            "g": ["x", "x", "y"],
            "a": [kst(2026, 3, 3, 11), None, kst(2026, 3, 6, 17)],
            "b": [kst(2026, 3, 3, 14), kst(2026, 3, 3, 14), None],
        }
    )
    out = frame.select(
        shop.business_duration("a", "b").alias("d"),
        shop.business_duration(pl.col("a"), kst(2026, 3, 3, 14)).alias("lit"),
    ).collect(engine="streaming")
    assert out["d"].to_list() == [2 * H, None, None]
    assert out["lit"].to_list() == [2 * H, None, 0 * H]
    grouped = frame.group_by("g").agg(shop.business_duration("a", "b").sum()).sort("g").collect()
    assert grouped["a"].to_list() == [2 * H, 0 * H]


def test_deadline(shop: ct.OperatingHours) -> None:
    frame = pl.DataFrame(
        {
            "a": [kst(2026, 3, 6, 17), kst(2026, 3, 3, 12, 30), kst(2026, 3, 3, 12), None],
            "need": [8 * H, 0 * H, 8 * H, H],
        }
    )
    out = frame.select(shop.deadline("a", "need"))["a"]
    assert out.dtype == pl.Datetime("us", "Asia/Seoul")
    # Fri 17-18 (1h) + Sat 22:00 -> Sun 05:00 (7h); zero keeps the start; 13-18 + 09-12
    assert out.to_list() == [kst(2026, 3, 8, 5), kst(2026, 3, 3, 12, 30), kst(2026, 3, 4, 12), None]


def test_deadline_far_beyond_the_data_and_never_open() -> None:
    always = ct.OperatingHours.weekly({"mon-sun": "00:00-24:00"}, timezone="UTC")
    start = datetime(2026, 12, 31, 17, tzinfo=ZoneInfo("UTC"))
    out = pl.select(always.deadline(pl.lit(start), timedelta(hours=20_000))).item()
    assert out == start + timedelta(hours=20_000)
    never = ct.OperatingHours.weekly({}, timezone="UTC")
    assert pl.select(never.deadline(pl.lit(start), H)).item() is None
    assert pl.select(never.business_duration(pl.lit(start), pl.lit(out))).item() == 0 * H


def test_is_open(shop: ct.OperatingHours) -> None:
    times = [
        kst(2026, 3, 3, 9),
        kst(2026, 3, 3, 12),  # half-open: closes at 12:00
        datetime(2026, 3, 3, 11, 59, 59, 999_999, tzinfo=SEOUL),
        kst(2026, 3, 8, 5, 59),  # Sunday tail of the Saturday night slot
        kst(2026, 3, 2, 10),  # holiday
        None,
    ]
    out = pl.DataFrame({"t": times}).select(shop.is_open("t"))["t"].to_list()
    assert out == [True, False, True, True, False, None]


def test_scalar_helper(shop: ct.OperatingHours) -> None:
    assert shop.business_seconds_between(kst(2026, 3, 6, 17), kst(2026, 3, 9, 10)) == 36_000.0


def test_cache_widens_to_earlier_years(shop: ct.OperatingHours) -> None:
    assert business(shop, kst(2026, 3, 3, 11), kst(2026, 3, 3, 14)) == 2 * H
    # 2019-03-01 (Fri) is Independence Movement Day; Thursday 17:00-18:00 only
    assert business(shop, kst(2019, 2, 28, 17), kst(2019, 3, 2, 0)) == 1 * H


def test_repr_and_describe(shop: ct.OperatingHours) -> None:
    assert repr(shop).splitlines() == [
        "OperatingHours(timezone='Asia/Seoul', holidays='KR')",
        *[f"  {d}  09:00-12:00, 13:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")],
        "  sat  22:00-06:00 (next day)",
        "  sun  closed",
    ]
    table = shop.describe()
    assert table.columns == ["weekday", "opens", "closes", "next_day", "length"]
    assert table.height == 12
    assert table.row(10) == ("sat", "22:00", "06:00", True, 8 * H)
    assert table.row(11) == ("sun", None, None, None, 0 * H)
    assert table["length"].sum() == 48 * H


def test_spec_parsing_wraps_merges_and_ignores_case() -> None:
    hours = ct.OperatingHours.weekly(
        {"Fri-Mon": "10:00-11:00", "mon": ["10:30-12:00", "12:00-13:00"]}, timezone="UTC"
    )
    minutes = [[(s, e) for s, e in day] for day in hours.week]
    assert minutes == [[(600, 780)], [], [], [], [(600, 660)], [(600, 660)], [(600, 660)]]
    assert hours == ct.OperatingHours.weekly(
        {"mon": "10:00-13:00", "fri,sat,sunday": "10:00-11:00"}, timezone="UTC"
    )


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"slots": {"mon-fry": "09:00-18:00"}}, "'fry'"),
        ({"slots": {"mon": "9-18"}}, "'9-18'"),
        ({"slots": {"mon": "25:00-26:00"}}, "'25:00-26:00'"),
        ({"slots": {"mon": "09:00-24:30"}}, "'09:00-24:30'"),
        ({"slots": {"mon": "09:00-09:00"}}, "'09:00-09:00'"),
        ({"slots": {"mon": 9}}, "9"),
        ({"slots": {"mon": "09:00-18:00"}, "timezone": "Mars/Olympus"}, "'Mars/Olympus'"),
        ({"slots": {"mon": "09:00-18:00"}, "holidays": "XX"}, "'XX'"),
        ({"slots": {"mon": "09:00-18:00"}, "closed_dates": ["2026-13-01"]}, "'2026-13-01'"),
        ({"slots": {"mon": "09:00-18:00"}, "overrides": {"2026-03-03": "10h"}}, "'10h'"),
    ],
)
def test_bad_specs_name_the_value(kwargs: dict[str, object], fragment: str) -> None:
    slots = kwargs.pop("slots")
    with pytest.raises(InvalidOperatingHoursError) as info:
        ct.OperatingHours.weekly(slots, **kwargs)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert "Hint:" in str(info.value)


def test_bad_inputs_raise_chattools_errors(shop: ct.OperatingHours) -> None:
    frame = pl.DataFrame({"a": ["2026-03-03"], "t": [kst(2026, 3, 3, 9)], "need": [-H]})
    with pytest.raises(InvalidValueError, match="start must be a Datetime"):
        frame.select(shop.business_duration("a", "t"))
    with pytest.raises(InvalidValueError, match="negative"):
        frame.select(shop.deadline("t", "need"))
    with pytest.raises(InvalidValueError, match="do not exist"):
        berlin = ct.OperatingHours.weekly({"sun": "01:00-04:00"}, timezone="Europe/Berlin")
        pl.select(berlin.is_open(pl.lit(datetime(2026, 3, 29, 2, 30))))
    with pytest.raises(InvalidValueError, match="end must be a date"):
        shop.expand(date(2026, 3, 1), "2026-03-02")  # type: ignore[arg-type]
