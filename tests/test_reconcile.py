"""Reconciliation: hand-built agreements and disagreements, and the sample exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import polars as pl
import pytest
from builders import make_export

import chattools as ct
from chattools.derive.hours import OperatingHours
from chattools.derive.reconcile import CALENDAR_METRICS, OPERATION_METRICS, ct_metrics
from chattools.errors import InvalidValueError, MissingSheetError
from chattools.schema import Generation

S = timedelta(seconds=1)
HOURS = OperatingHours.weekly(
    {"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone="Asia/Seoul", holidays="KR"
)

# U0 U30 B40 M100 | U200 M260 ; closed at 1000 → 2 samples: 100 s and 60 s.
GOOD = {
    "id": "a", "state": "closed", "openedAt": 0, "closedAt": 1000,
    "firstRepliedAtAfterOpen": 100, "waitingTime": 100 * S, "replyCount": 2,
    "totalReplyTime": 160 * S, "avgReplyTime": 80 * S, "resolutionTime": 1000 * S,
}  # fmt: skip
MSGS = [("a", "user", 0), ("a", "user", 30), ("a", "bot", 40), ("a", "manager", 100),
        ("a", "user", 200), ("a", "manager", 260)]  # fmt: skip


def test_exact_agreement() -> None:
    rec = ct.reconcile(make_export([GOOD], MSGS))
    assert rec.all_match
    assert rec.summary["metric"].to_list() == list(CALENDAR_METRICS)
    assert rec.summary["share"].to_list() == [1.0] * len(CALENDAR_METRICS)


def test_odd_average_floors_to_whole_seconds() -> None:
    msgs = [*MSGS[:-1], ("a", "manager", 261)]  # 100 s + 61 s → 161 // 2 = 80 s
    row = GOOD | {"totalReplyTime": 161 * S, "avgReplyTime": 80 * S}
    assert ct.reconcile(make_export([row], msgs)).all_match


def test_mismatches_listed_with_difference_and_tolerance() -> None:
    bad = GOOD | {"waitingTime": 98 * S, "replyCount": 3, "resolutionTime": 999 * S}
    rec = ct.reconcile(make_export([bad], MSGS))
    got = rec.mismatches.select("metric", "exported", "recomputed", "difference").rows()
    # resolutionTime is 1 s off: within the default tolerance
    assert got == [
        ("waitingTime", "0h 1m 38s", "0h 1m 40s", 2.0),
        ("replyCount", "3", "2", -1.0),
    ]
    loose = ct.reconcile(make_export([bad], MSGS), tolerance=timedelta(seconds=2))
    assert loose.mismatches["metric"].to_list() == ["replyCount"]
    strict = ct.reconcile(make_export([bad], MSGS), tolerance=timedelta(0))
    assert "resolutionTime" in strict.mismatches["metric"].to_list()


def test_nulls_both_match_one_mismatches() -> None:
    never_opened = {"id": "b", "state": "closed", "openedAt": None, "closedAt": 50}
    with_count = never_opened | {"id": "c", "replyCount": 0}
    rec = ct.reconcile(
        make_export([never_opened, with_count], [("b", "user", 0), ("c", "user", 0)])
    )
    assert rec.mismatches.select("chat_id", "metric", "exported", "recomputed").rows() == [
        ("c", "replyCount", "0", None)
    ]
    summary = rec.summary.filter(pl.col("metric") == "replyCount").row(0, named=True)
    assert (summary["compared"], summary["matching"], summary["share"]) == (2, 1, 0.5)


def test_operation_twins_and_outside_hours() -> None:
    # opened Monday 10:00 (open): twins = business time. Chat "n" opened 12:30 (lunch).
    inside = GOOD | {
        "operationWaitingTime": 100 * S, "operationReplyCount": 2,
        "operationTotalReplyTime": 160 * S, "operationAvgReplyTime": 80 * S,
        "operationResolutionTime": 1000 * S,
    }  # fmt: skip
    lunch = {"id": "n", "state": "opened", "openedAt": 9000, "replyCount": 1,
             "firstRepliedAtAfterOpen": 9060, "waitingTime": 60 * S,
             "totalReplyTime": 60 * S, "avgReplyTime": 60 * S}  # fmt: skip
    msgs = [*MSGS, ("n", "user", 9000), ("n", "manager", 9060)]
    rec = ct.reconcile(make_export([inside, lunch], msgs), HOURS)
    assert rec.summary["metric"].to_list() == [*CALENDAR_METRICS, *OPERATION_METRICS]
    assert rec.all_match, rec.mismatches
    recomputed = ct_metrics(make_export([inside, lunch], msgs), HOURS).collect()
    assert recomputed.filter(pl.col("id") == "n")["operationReplyCount"].item() is None


def test_business_time_excludes_lunch() -> None:
    # 11:50 → 13:10 is 80 min on the clock, 20 min of business time
    row = {"id": "l", "state": "opened", "openedAt": 6600}
    msgs = [("l", "user", 6600), ("l", "manager", 6600 + 80 * 60)]
    out = ct_metrics(make_export([row], msgs), HOURS).collect().row(0, named=True)
    assert out["waitingTime"] == 80 * 60 * S
    assert out["operationWaitingTime"] == 20 * 60 * S


def test_repr_html_and_errors() -> None:
    rec = ct.reconcile(make_export([GOOD | {"replyCount": 5}], MSGS))
    html = rec._repr_html_()
    assert "<table" in html and "replyCount" in html and "1 mismatching values" in html
    assert "mismatches=1" in repr(rec)
    with pytest.raises(InvalidValueError, match="tolerance must be"):
        ct.reconcile(make_export([GOOD], MSGS), tolerance=1)  # type: ignore[arg-type]
    with pytest.raises(MissingSheetError, match="no message rows"):
        ct.reconcile(make_export([GOOD], []))
    with pytest.raises(MissingSheetError, match="generation is 'case'"):
        ct.reconcile(ct.Export({}, generation="case"))


@pytest.mark.parametrize("generation", ["legacy", "2026"])
def test_sample_exports_agree_fully(generation: Generation) -> None:
    sample = pytest.importorskip("chattools.sample")
    data = sample.generate(200, seed=7, generation=generation)
    exp = ct.Export(data.frames, generation=generation, timezone=data.timezone)
    hours = OperatingHours.weekly(
        sample.SAMPLE_HOURS, timezone=data.timezone, holidays=sample.SAMPLE_HOLIDAYS
    )
    rec = ct.reconcile(exp, hours)
    assert rec.summary.height == len(CALENDAR_METRICS) + len(OPERATION_METRICS)
    assert rec.mismatches.height == 0, rec.mismatches.head(10)
    assert (rec.summary["compared"] == 200).all()
    lazy = ct.Export(
        {k: v.lazy() for k, v in data.frames.items()}, generation=generation, timezone=data.timezone
    )
    assert ct.reconcile(lazy, hours).summary.equals(rec.summary)


@pytest.mark.parametrize(
    ("generation", "container", "json_shape"),
    [("legacy", "xlsx", "sheets"), ("2026", "json", "api")],
)
def test_sample_files_read_back_agree_fully(
    generation: Generation, container: Literal["xlsx", "json"], json_shape: Literal["sheets", "api"]
) -> None:
    sample = pytest.importorskip("chattools.sample")
    password = sample.DEFAULT_PASSWORD if container == "xlsx" else None
    raw = sample.write_sample(
        None,
        chats=120,
        seed=11,
        generation=generation,
        container=container,
        json_shape=json_shape,
        password=password,
    )
    exp = ct.open_export(raw, password=password)
    hours = OperatingHours.weekly(
        sample.SAMPLE_HOURS, timezone=exp.timezone, holidays=sample.SAMPLE_HOLIDAYS
    )
    rec = ct.reconcile(exp, hours)
    assert rec.mismatches.height == 0, rec.mismatches.head(10)
    assert (rec.summary["compared"] == 120).all()


def test_missing_exported_columns_is_a_clear_error() -> None:
    from chattools import sample
    from chattools.errors import MissingColumnError

    exp = sample.generate(20, seed=3).export()
    stripped = exp.with_frames(chats=exp.chats.drop("waitingTime", "replyCount"))
    with pytest.raises(MissingColumnError, match=r"lack \['waitingTime', 'replyCount'\]"):
        ct.reconcile(stripped)
