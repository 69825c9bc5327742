"""Fidelity on the two real, de-identified exports of ``tests/real`` (see its README).

The agreement of every comparison is asserted as a floor — the number of matching chats
measured when the rules were written (``docs/decisions.md``, "Reproducing Channel
Talk's columns") — so a change that lowers fidelity fails here. Raise a floor when a
rule explains more; never lower one without a measurement that says why.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import chattools as ct
from chattools.derive.reconcile_reasons import HOURS as R_HOURS
from chattools.derive.reconcile_reasons import UNEXPLAINED

REAL = Path(__file__).parents[1] / "real"
SCHEDULE = {"mon-fri": ("09:00-12:00", "13:00-17:30")}
M, X, FR, TC = "messages", "exported timestamps", "exported first reply", "exported total and count"

#: (metric, basis) → matching chats measured, per file (2,456 and 963 chats).
FLOORS = {
    "channel-a-2022H1.xlsx": {
        ("firstRepliedAtAfterOpen", M): 2378, ("waitingTime", M): 2378, ("waitingTime", FR): 2453,
        ("replyCount", M): 2370, ("totalReplyTime", M): 2164, ("avgReplyTime", M): 2163,
        ("avgReplyTime", TC): 2456, ("resolutionTime", X): 2456,
        ("operationWaitingTime", M): 2394, ("operationWaitingTime", X): 2456,
        ("operationReplyCount", M): 2372, ("operationTotalReplyTime", M): 2180,
        ("operationAvgReplyTime", M): 2179, ("operationAvgReplyTime", TC): 2456,
        ("operationResolutionTime", X): 2456,
    },
    "channel-a-2022H2.xlsx": {
        ("firstRepliedAtAfterOpen", M): 922, ("waitingTime", M): 922, ("waitingTime", FR): 962,
        ("replyCount", M): 924, ("totalReplyTime", M): 754, ("avgReplyTime", M): 758,
        ("avgReplyTime", TC): 963, ("resolutionTime", X): 963,
        ("operationWaitingTime", M): 928, ("operationWaitingTime", X): 963,
        ("operationReplyCount", M): 920, ("operationTotalReplyTime", M): 759,
        ("operationAvgReplyTime", M): 763, ("operationAvgReplyTime", TC): 963,
        ("operationResolutionTime", X): 963,
    },
}  # fmt: skip
FILES = sorted(FLOORS)


@pytest.fixture(scope="module", params=FILES)
def real(request: pytest.FixtureRequest) -> tuple[str, ct.Export]:
    path = REAL / request.param
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    return request.param, ct.open_export(path)


@pytest.fixture(scope="module")
def reconciled(real: tuple[str, ct.Export]) -> tuple[str, ct.Reconciliation]:
    name, exp = real
    return name, ct.reconcile(exp, hours="infer")


def test_the_schedule_is_recovered(real: tuple[str, ct.Export]) -> None:
    name, exp = real
    found = ct.infer_operating_hours(exp)
    assert found.slots == SCHEDULE
    assert found.hours.week[5] == found.hours.week[6] == ()
    assert found.holidays_closed is not True and found.hours.holidays is None
    if name.endswith("H1.xlsx"):  # two chats answered on 2022-03-01 kept their values
        assert found.holidays_closed is False
        assert found.holiday_evidence["present_chats"].sum() == 2
    else:  # nobody answered on a holiday in H2: nothing tells, not closed is assumed
        assert found.holidays_closed is None
    ev = found.evidence.filter(pl.col("boundary") != "closed all day")
    assert ev["at"].unique().sort().to_list() == ["09:00", "12:00", "13:00", "17:30"]
    assert ev.filter(pl.col("at") == "12:00")["bounded"].all()  # closed just after noon


def test_agreement_floors(reconciled: tuple[str, ct.Reconciliation]) -> None:
    name, rec = reconciled
    got = {(m, b): n for m, b, n in rec.summary.select("metric", "basis", "matching").rows()}
    assert got.keys() == FLOORS[name].keys()
    low = {k: (got[k], floor) for k, floor in FLOORS[name].items() if got[k] < floor}
    assert not low, f"fidelity dropped (matching, floor): {low}"


def test_targets_of_issue_14(reconciled: tuple[str, ct.Reconciliation]) -> None:
    name, rec = reconciled
    for metric in ("resolutionTime", "operationResolutionTime"):
        assert rec.share(metric, X) == 1.0
    assert rec.share("operationWaitingTime", X) == 1.0
    assert rec.share("avgReplyTime", TC) == 1.0
    assert rec.share("waitingTime", FR) >= 0.998
    assert rec.share("totalReplyTime") >= (0.87 if name.endswith("H1.xlsx") else 0.77)
    # issue 14 asks 96 % here; H2 reaches 95.7 % / 95.95 % (see docs/decisions.md)
    assert rec.share("firstRepliedAtAfterOpen") >= 0.957
    assert rec.share("replyCount") >= 0.959


def test_every_mismatch_has_a_reason(reconciled: tuple[str, ct.Reconciliation]) -> None:
    _, rec = reconciled
    assert rec.mismatches["reason"].null_count() == 0
    assert rec.all_explained, rec.mismatches.filter(pl.col("reason") == UNEXPLAINED).head()
    counted = rec.reasons["values"].sum()
    assert counted == rec.mismatches.height
    # replyCount is never recomputed as 0 where Channel Talk leaves it blank
    assert not (rec.mismatches.filter(pl.col("metric") == "replyCount")["recomputed"] == "0").any()


def test_a_wrong_schedule_shows_as_outside_operating_hours(real: tuple[str, ct.Export]) -> None:
    _, exp = real
    wrong = ct.OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone=exp.timezone)
    rec = ct.reconcile(exp, wrong)
    from_timestamps = rec.mismatches.filter(pl.col("basis") == X)
    assert from_timestamps.height > 0
    assert set(from_timestamps["reason"]) == {R_HOURS}
