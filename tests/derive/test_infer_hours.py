"""Operating hours inferred from where the operation* values are blank.

Synthetic exports made with known schedules (the sample generator follows Channel
Talk's block rule, :mod:`chattools.sample.ct_metrics`), hand-built evidence, refusals;
the real exports are in ``test_real_fidelity.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from builders import make_export
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.derive.channel_hours import same_block
from chattools.derive.infer_hours import resolve_hours
from chattools.errors import InvalidValueError, MissingColumnError

S = timedelta(seconds=1)


def infer(hours: dict[str, Any], holidays: str | None, chats: int = 1200, seed: int = 3) -> Any:
    data = ct.sample.generate(chats, seed=seed, hours=hours, holidays=holidays)
    return data, ct.infer_operating_hours(data.export())


@pytest.mark.parametrize(
    ("hours", "holidays", "expected"),
    [
        ({"mon-fri": ["09:00-12:00", "13:00-18:00"]}, "KR",
         {"mon-fri": ("09:00-12:00", "13:00-18:00")}),
        # no lunch break, a half-hour start
        ({"mon-fri": "08:30-17:00"}, "KR", {"mon-fri": ("08:30-17:00",)}),
        # a Saturday with its own hours
        ({"mon-fri": ["09:00-12:00", "13:00-18:00"], "sat": "10:00-14:00"}, "KR",
         {"mon-fri": ("09:00-12:00", "13:00-18:00"), "sat": ("10:00-14:00",)}),
        # an overnight shift: each slot belongs to the evening it starts
        ({"mon-fri": "22:00-06:00"}, None, {"mon-fri": ("22:00-06:00",)}),
        # open around the clock, every day
        ({"mon-sun": "00:00-24:00"}, None, {"mon-sun": ("00:00-24:00",)}),
        # an unusual lunch and a weekend
        ({"mon-fri": ["09:00-11:30", "12:30-18:30"], "sat-sun": "10:00-16:00"}, None,
         {"mon-fri": ("09:00-11:30", "12:30-18:30"), "sat-sun": ("10:00-16:00",)}),
    ],
    ids=["lunch", "no-lunch", "saturday", "overnight", "always", "weekend"],
)  # fmt: skip
def test_known_schedules_are_recovered(
    hours: dict[str, Any], holidays: str | None, expected: dict[str, tuple[str, ...]]
) -> None:
    data, found = infer(hours, holidays)
    assert found.slots == expected
    assert found.hours.timezone == data.timezone
    # the inferred calendar reproduces every operation* value of the export
    rec = ct.reconcile(data.export(), found.hours)
    assert rec.all_match, rec.mismatches.head()


def test_public_holidays_closed_or_open_are_told_apart() -> None:
    _, closed = infer({"mon-fri": "09:00-18:00"}, "KR")
    assert closed.holidays_closed is True and closed.hours.holidays == "KR"
    assert (closed.holiday_evidence["blank_chats"] > 0).any()
    assert closed.holiday_evidence["present_chats"].sum() == 0
    _, open_ = infer({"mon-fri": "09:00-18:00"}, None)
    assert open_.holidays_closed is False and open_.hours.holidays is None
    assert open_.holiday_evidence["present_chats"].sum() > 0
    _, untested = (
        ct.sample.generate(400, seed=2),
        ct.infer_operating_hours(ct.sample.generate(400, seed=2).export(), holidays=None),
    )
    assert untested.country is None and untested.holidays_closed is None
    assert "not tested" in untested.describe()


def test_evidence_names_the_closest_observations_on_each_side() -> None:
    _, found = infer({"mon-fri": ["09:00-12:00", "13:00-18:00"]}, "KR")
    ev = found.evidence
    assert set(ev.columns) >= {"weekday", "slot", "boundary", "at", "open_side", "closed_side",
                               "slot_chats", "closed_chats", "bounded"}  # fmt: skip
    opens = ev.filter((pl.col("boundary") == "opens") & pl.col("bounded"))
    assert opens.height >= 5
    for row in opens.iter_rows(named=True):  # closed just before, open at or after
        at = int(row["at"][:2]) * 60 + int(row["at"][3:])
        closed, opened = row["closed_side"], row["open_side"]
        assert closed.hour * 60 + closed.minute < at <= opened.hour * 60 + opened.minute
        assert row["slot_chats"] >= 2 and row["closed_chats"] >= 1
    weekend = ev.filter(pl.col("weekday").is_in(["sat", "sun"]))
    assert weekend["boundary"].to_list() == ["closed all day"] * 2
    assert (weekend["closed_chats"] > 0).all()
    assert found.chats > 100 and "mon-fri" in repr(found) and "<table" in found._repr_html_()


def test_too_little_evidence_is_refused_clearly() -> None:
    exp = ct.sample.generate(15, seed=1).export()
    with pytest.raises(InvalidValueError, match="too little evidence") as info:
        ct.infer_operating_hours(exp)
    assert "OperatingHours.weekly" in (info.value.hint or "")
    with pytest.raises(InvalidValueError, match="min_chats"):
        ct.infer_operating_hours(exp, min_chats=0)
    stripped = exp.with_frames(
        chats=exp.chats.drop("operationResolutionTime", "operationWaitingTime")
    )
    with pytest.raises(MissingColumnError, match="operation"):
        ct.infer_operating_hours(stripped)


def test_hand_built_evidence() -> None:
    """Six Mondays of operationResolutionTime values, present or blank, worked by hand.

    Present: 09:10-11:00, 10:30-11:40, 13:10-16:40, 13:20-17:20 (open observations).
    Blank, each with one endpoint at an open observation, so the other is closed:
    08:50-09:10, 10:30-12:30, 12:40-13:10, 16:40-17:40. So the morning opens in
    (08:50, 09:10] → 09:00, closes in [11:40, 12:30) → 12:00 (the roundest minute); the
    afternoon opens in (12:40, 13:10] → 13:00 and closes in [17:20, 17:40) → 17:30.
    """
    minute = 60
    present = [(-50, 60), (30, 100), (190, 400), (200, 440)]  # minutes after 10:00
    blank = [(-70, -50), (30, 150), (160, 190), (400, 460)]
    rows = []
    for week in range(6):
        day = week * 7 * 86400
        for k, (a, b) in enumerate(present + blank):
            span = (b - a) * minute * S
            rows.append({"id": f"c{week}{k}", "state": "closed", "openedAt": day + a * minute,
                         "closedAt": day + b * minute, "resolutionTime": span,
                         "operationResolutionTime": span if k < len(present) else None})  # fmt: skip
    exp = make_export(rows, [(r["id"], "user", r["openedAt"]) for r in rows])
    found = ct.infer_operating_hours(exp, min_chats=10, holidays=None)
    assert found.slots == {"mon": ("09:00-12:00", "13:00-17:30")}
    ev = found.evidence.filter(pl.col("weekday") == "mon")
    assert ev["at"].to_list() == ["09:00", "12:00", "13:00", "17:30"]
    assert ev["bounded"].to_list() == [True, True, True, True]
    assert ev["closed_side"].dt.strftime("%H:%M").to_list() == ["08:50", "12:30", "12:40", "17:40"]
    assert ev["open_side"].dt.strftime("%H:%M").to_list() == ["09:10", "11:40", "13:10", "17:20"]


def test_hours_infer_is_accepted_everywhere() -> None:
    exp = ct.sample.generate(800, seed=5).export()
    found = ct.infer_operating_hours(exp)
    assert resolve_hours(exp, "infer") == found.hours
    m = ct.chat_metrics(exp, hours="infer")
    assert "first_response_time_business" in m.columns and "ct_operation_waiting_time" in m.columns
    assert "duration_business" in ct.waits(exp, hours="infer").columns
    assert_frame_equal(ct.channel_metrics(exp, "infer"), ct.channel_metrics(exp, found.hours))
    rec = ct.reconcile(exp, hours="infer")
    assert rec.inferred is not None and rec.hours == found.hours and rec.all_match
    report = ct.build_report(exp, hours="infer", charts=False)
    section = next(s for s in report.sections if s.title.startswith("Appendix: reconciliation"))
    assert "Inferred operating hours" in section.body and "mon-fri 09:00-12:00" in section.body


def test_block_rule_matches_the_sample_reference() -> None:
    """channel_hours (vectorised) and the sample's calendar (row by row) agree."""
    from chattools.sample.hours import SampleCalendar

    spec = {"mon-fri": ["09:00-12:00", "13:00-17:30"], "sat": "22:00-06:00"}
    cal = SampleCalendar(spec, timezone="Asia/Seoul", holidays="KR")
    hours = ct.OperatingHours.weekly(spec, timezone="Asia/Seoul", holidays="KR")
    start = 1_772_323_200  # 2026-03-01 09:00 KST, a Sunday (and a holiday)
    times = [start + 97 * k for k in range(0, 14 * 86400 // 97)]
    pairs = pl.DataFrame({"a": times[:-40], "b": times[40:]}).with_columns(
        (pl.col("a", "b") * 1_000_000)
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone("Asia/Seoul")
    )
    got = pairs.select(same_block(hours, "a", "b"))["a"].to_list()
    assert got == [cal.same_block(a, b) for a, b in zip(times[:-40], times[40:], strict=True)]
    assert any(got) and not all(got)
