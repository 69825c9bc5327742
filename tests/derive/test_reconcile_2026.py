"""``ct.reconcile`` on a 2026 export: the documented columns, what is compared, the reasons.

Hand-built chats (times in seconds after Monday 2026-03-02 10:00 KST, inside the
09:00-18:00 hours, so every ``…InOperation`` twin equals its plain value unless said).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from builders_2026 import TZ, export_2026

import chattools as ct
from chattools.derive.reconcile_2026 import ALF, NOT_ANSWER, REASONS_2026, comparisons_2026
from chattools.derive.reconcile_reasons import HOURS as R_HOURS
from chattools.derive.reconcile_reasons import MISSING, UNEXPLAINED
from chattools.errors import InvalidValueError, MissingColumnError, MissingSheetError

HOURS = ct.OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone=TZ)
TIMES = {  # chat "a": ALF 0-120, queue 120-300, active 300, answered 420, closed 3600
    "managedAt": 0, "firstAskedAt": 0, "firstAlfStartedAt": 0, "firstAlfEndedAt": 120,
    "firstQueueInAt": 120, "firstQueueOutAt": 300, "firstOpenedAt": 120, "openedAt": 120,
    "firstAssignedAt": 300, "firstActiveAt": 300, "firstAnsweredAt": 420,
    "repliedAt": 1600, "firstClosedAt": 3600, "closedAt": 3600,
}  # fmt: skip
MEASURED = {  # by hand from TIMES: end − start (− 600 s on hold for the handling times)
    "timeToFirstAssignment": 300, "timeToFirstAnswer": 420,
    "timeFromFirstAskToFirstAnswer": 420, "timeFromFirstAssignmentToFirstAnswer": 120,
    "timeFromFirstActiveToFirstAnswer": 120, "timeFromFirstOpenToFirstAnswer": 300,
    "timeToFirstClose": 3600, "timeToClose": 3600, "timeFromFirstAskToFirstClose": 3600,
    "timeFromFirstAssignmentToFirstClose": 3300, "timeFromFirstActiveToFirstClose": 3300,
    "timeFromFirstOpenToFirstClose": 3480, "firstQueueTime": 180,
    "firstMemberHandlingTime": 2700, "memberHandlingTime": 2700,
    "totalReplyTime": 900, "avgReplyTime": 450,  # answers 120→420 and 1000→1600
}  # fmt: skip
GOOD: dict[str, Any] = {
    "id": "a", "state": "closed", **TIMES, **MEASURED,
    **{f"{k}InOperation": v for k, v in MEASURED.items()},
    "alfHandlingTime": 120, "reopenCount": 0, "alfTriggered": True,
    "totalSnoozedTime": 600, "operationTotalSnoozedTime": 600,
    "replyCount": 2, "replyCountInOperation": 2,
}  # fmt: skip
MSGS = [
    ("a", "user", 0), ("a", "bot", 30, False, "ALF-1"), ("a", "user", 120),
    ("a", "manager", 400, True), ("a", "manager", 420), ("a", "manager", 430),
    ("a", "user", 1000), ("a", "manager", 1300, True), ("a", "manager", 1600),
]  # fmt: skip


def _rec(chats: list[dict[str, Any]], msgs: list[tuple[Any, ...]] = MSGS, **kw: Any) -> Any:
    return ct.reconcile(export_2026(chats, msgs), hours=HOURS, **kw)


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_a_consistent_chat_matches_on_every_comparison() -> None:
    rec = _rec([GOOD])
    assert rec.all_match, rec.mismatches
    assert rec.summary.height == len(comparisons_2026(hours=True, messages=True)) == 42
    assert (rec.summary["compared"] == 1).all()
    assert rec.reasons["reason"].to_list() == list(REASONS_2026)


def test_without_hours_the_twins_are_not_compared() -> None:
    rec = ct.reconcile(export_2026([GOOD], MSGS))
    assert rec.all_match
    assert not rec.summary["metric"].str.contains("InOperation").any()


def test_a_broken_formula_is_unexplained() -> None:
    # exported 400 s to the first answer, but firstAnsweredAt − managedAt is 420 s
    rec = _rec([_with(timeToFirstAnswer=400)])
    row = rec.mismatches.row(0, named=True)
    assert rec.mismatches.height == 1
    assert (row["metric"], row["basis"], row["difference"]) == (
        "timeToFirstAnswer",
        "exported timestamps",
        20.0,
    )
    assert (row["exported"], row["recomputed"], row["reason"]) == (
        "0h 6m 40s",
        "0h 7m 0s",
        UNEXPLAINED,
    )
    assert not rec.all_explained


def test_a_twin_that_differs_alone_is_blamed_on_the_hours() -> None:
    # Channel Talk counted 1 h less in hours (its team had other hours): the plain matches
    rec = _rec([_with(timeToCloseInOperation=0)])
    assert rec.mismatches.select("metric", "reason").rows() == [("timeToCloseInOperation", R_HOURS)]
    assert rec.all_explained


def test_truncation_is_tolerated_one_second_down() -> None:
    assert _rec([_with(timeToFirstAnswer=419)]).all_match  # 420 s truncated from 419.6
    assert not _rec([_with(timeToFirstAnswer=421)]).all_match
    # averages (rounding undocumented): ± 1 s
    assert _rec([_with(avgReplyTime=451, avgReplyTimeInOperation=451)]).all_match


def test_an_average_not_total_over_count_is_unexplained() -> None:
    # 900 / 2 = 450, exported 300 (the messages give 450 too)
    rec = _rec([_with(avgReplyTime=300)])
    got = set(rec.mismatches.select("basis", "reason").rows())
    assert got == {("exported total and count", UNEXPLAINED), ("messages", ALF)}


def test_an_answer_the_sheet_lacks_is_a_missing_message() -> None:
    # Channel Talk answered first at 400 (the sheet has only a note there) → not an answer;
    # at 410 (nothing there) → a message missing from the sheet; the chat without ALF
    rec = _rec([_with(alfTriggered=False, firstAnsweredAt=400)])
    assert rec.mismatches.filter(pl.col("metric") == "firstAnsweredAt")["reason"].to_list() == [
        NOT_ANSWER
    ]
    rec = _rec([_with(alfTriggered=False, firstAnsweredAt=410)])
    first = rec.mismatches.filter(pl.col("metric") == "firstAnsweredAt")
    assert first["reason"].to_list() == [MISSING]
    assert "no team member's message" in first["detail"][0]


def test_more_exported_answers_point_to_a_missing_message() -> None:
    # exported 3 answers totalling 900 s, averaging 300 s (the sheet shows 2, 450 s)
    chat = _with(alfTriggered=False, replyCount=3, replyCountInOperation=3, avgReplyTime=300,
                 avgReplyTimeInOperation=300)  # fmt: skip
    rec = _rec([chat])
    assert set(rec.mismatches["reason"]) == {MISSING}
    assert set(rec.mismatches.select("metric", "basis").rows()) == {
        (m, "messages")
        for m in ("replyCount", "replyCountInOperation", "avgReplyTime", "avgReplyTimeInOperation")
    }


def test_reopened_chats_leave_out_what_is_not_exported() -> None:
    # reopened twice: the handling times (hold up to the first close) and the answers
    # (the middle cycles) cannot be recomputed: not compared, not counted as mismatches
    twice = _with(id="b", reopenCount=2, firstMemberHandlingTime=1, memberHandlingTime=1,
                  replyCount=9, avgReplyTime=100, avgReplyTimeInOperation=100)  # fmt: skip
    msgs = MSGS + [(b[0].replace("a", "b"), *b[1:]) for b in MSGS]
    rec = _rec([GOOD, twice], msgs)
    assert rec.all_match, rec.mismatches
    compared = dict(rec.summary.select(pl.format("{}|{}", "metric", "basis"), "compared").rows())
    assert compared["firstMemberHandlingTime|exported timestamps"] == 1
    assert compared["replyCount|messages"] == 1
    assert compared["timeToFirstAnswer|exported timestamps"] == 2


def test_without_messages_the_timestamps_are_still_reconciled() -> None:
    rec = ct.reconcile(export_2026([_with(timeToFirstAssignment=1)]), hours=HOURS)
    assert "messages" not in set(rec.summary["basis"])
    assert rec.mismatches.select("metric", "reason").rows() == [
        ("timeToFirstAssignment", UNEXPLAINED)
    ]


def test_rows_of_legacy_files_are_compared_by_the_legacy_rules() -> None:
    """A chat row from a legacy file is not judged by the 2026 formulas (its wrong
    timeToFirstAnswer is not a 2026 mismatch); the legacy rules need its messages."""
    exp = export_2026([GOOD, _with(id="old", timeToFirstAnswer=5)], MSGS)
    chats = exp.chats.with_columns(
        pl.when(pl.col("id") == "old")
        .then(pl.lit("legacy.xlsx"))
        .otherwise(pl.col("_file"))
        .alias("_file")
    )
    sources = (
        pl.DataFrame({"file": ["legacy.xlsx", "t26.xlsx"], "generation": ["legacy", "2026"]})
        .join(exp.sources.drop("generation"), on="file", how="left")
        .select(exp.sources.columns)
    )
    merged = ct.Export({**exp.frames, "chats": chats}, generation="2026", timezone=TZ,
                       sources=sources.cast(exp.sources.schema))  # fmt: skip
    with pytest.raises(
        MissingSheetError, match=r"the chats of the legacy-format files: .*messages"
    ):
        ct.reconcile(merged, hours=HOURS)
    only_new = merged.with_frames(chats=merged.chats.filter(pl.col("id") != "old"))
    rec = ct.reconcile(only_new, hours=HOURS)
    assert rec.all_match and (rec.summary["compared"] == 1).all()
    assert "generation" not in rec.summary.columns  # one format: the plain result


def test_bad_arguments() -> None:
    exp = export_2026([GOOD], MSGS)
    with pytest.raises(InvalidValueError, match="inferred"):
        ct.reconcile(exp, hours="infer")
    with pytest.raises(MissingColumnError, match="timeToFirstAnswer"):
        ct.reconcile(exp.with_frames(chats=exp.chats.drop("timeToFirstAnswer")))


def test_the_2026_sample_agrees_on_every_reproducible_value() -> None:
    data = ct.sample.generate(200, seed=7, generation="2026")
    exp = ct.Export(data.frames, generation="2026", timezone=data.timezone)
    hours = ct.OperatingHours.weekly(data.hours, timezone=data.timezone, holidays=data.holidays)
    rec = ct.reconcile(exp, hours)
    assert rec.all_match, rec.mismatches.head(10)
    chats = exp.chats
    single = int((chats["reopenCount"] == 0).sum())
    known = int((chats["reopenCount"] <= 1).sum())
    for metric, basis, compared in rec.summary.select("metric", "basis", "compared").rows():
        if "HandlingTime" in metric and metric.startswith(("first", "member")):
            assert compared == single, metric
        elif basis == "messages":
            assert compared == known, metric
        else:
            assert compared == 200, metric
    assert single < known < 200  # the sample has chats reopened once and more
    assert rec.share("timeToFirstAnswer", "exported timestamps") == 1.0
    assert timedelta(0) <= exp.chats["totalReplyTime"].drop_nulls().min()  # type: ignore[operator]


def test_the_2026_sample_file_read_back_reconciles_and_summarises() -> None:
    """An encrypted 2026 XLSX from the sample, opened like a user's download."""
    password = ct.sample.DEFAULT_PASSWORD
    raw = ct.sample.write_sample(None, chats=120, seed=1, generation="2026", password=password)
    exp = ct.open_export(raw, password=password)
    assert exp.generation == "2026" and exp.problems.height == 0
    hours = ct.OperatingHours.weekly(
        ct.sample.SAMPLE_HOURS, timezone=exp.timezone, holidays=ct.sample.SAMPLE_HOLIDAYS
    )
    rec = ct.reconcile(exp, hours)
    assert rec.all_match, rec.mismatches.head(10)
    assert rec.summary.height == 42 and rec.summary["compared"].min() > 0
    teams = ct.team_summary(exp)
    # every team of the Team sheet has its row; the chats add up
    assert set(exp.teams["id"]) <= set(teams["teamId"].drop_nulls())
    assert teams["chats"].sum() == exp.chats.height
    assert ct.csat_summary(exp)["answers"][0] == exp.chats["profile.csat"].is_between(1, 5).sum()


def test_the_2026_sample_with_gaps_explains_every_mismatch() -> None:
    """Messages missing from the sheet and unflagged notes, as real files have."""
    data = ct.sample.generate(600, seed=8, gaps=True, generation="2026")
    hours = ct.OperatingHours.weekly(data.hours, timezone=data.timezone, holidays=data.holidays)
    rec = ct.reconcile(data.export(), hours)
    assert not rec.all_match and rec.all_explained
    assert MISSING in set(rec.mismatches["reason"])
    # the exported columns keep their formulas: only the message replay can disagree
    assert set(rec.mismatches["basis"]) == {"messages"}
    assert rec.share("replyCount", "messages") > 0.95


def test_team_hours_explain_a_twin_the_channel_hours_do_not() -> None:
    # the team works 10:00-10:30: 1800 s of the hour to the close are in its hours
    half = ct.OperatingHours.weekly({"mon-fri": "10:00-10:30"}, timezone=TZ)
    chat = _with(teamId="t1", timeToCloseInOperation=1800)
    assert _rec([chat]).mismatches.select("metric", "reason").rows() == [
        ("timeToCloseInOperation", R_HOURS)
    ]
    rec = ct.reconcile(export_2026([chat], MSGS), hours=HOURS, team_hours={"t1": half})
    assert rec.mismatches.filter(pl.col("metric") == "timeToCloseInOperation").height == 0
    legacy = ct.Export.empty()
    with pytest.raises(InvalidValueError, match="2026 exports only"):
        ct.reconcile(legacy, team_hours={"t1": half})
