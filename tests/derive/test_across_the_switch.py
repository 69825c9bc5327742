"""One channel across Channel Talk's format switch: a legacy download and a 2026 one
merge into one Export; each file keeps its generation (issue 15)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import sample


def test_a_legacy_and_a_2026_file_merge_into_one_export(tmp_path: Path) -> None:
    old, new = tmp_path / "2025-h2.xlsx", tmp_path / "2026-h1.xlsx"
    sample.write_sample(old, chats=30, seed=1)
    sample.write_sample(new, chats=30, seed=2, generation="2026")
    exp = ct.open_exports([str(old), str(new)], progress=False)
    assert exp.skipped.height == 0 and exp.problems.height == 0
    assert exp.generation == "2026"  # the newest present
    cov = ct.coverage(exp).sort("file")
    assert cov.select("file", "generation").rows() == [
        ("2025-h2.xlsx", "legacy"),
        ("2026-h1.xlsx", "2026"),
    ]
    chats = exp.chats
    by_file = dict(chats.group_by("_file").len().rows())
    assert by_file["2025-h2.xlsx"] + by_file["2026-h1.xlsx"] == chats.height
    # a column only the legacy export has is blank for the 2026 file's chats, and the
    # reverse; a column both have (createdAt) is filled for both
    legacy_only = chats.filter(pl.col("_file") == "2026-h1.xlsx")["waitingTime"]
    assert legacy_only.null_count() == legacy_only.len()
    new_only = chats.filter(pl.col("_file") == "2025-h2.xlsx")["timeToFirstAnswer"]
    assert new_only.null_count() == new_only.len()
    assert chats["createdAt"].null_count() == 0
    # replyCount, totalReplyTime and avgReplyTime mean the latest cycle in legacy files and
    # every cycle in 2026 ones: the legacy values stay apart, as legacy.<name>
    legacy_alone = ct.open_export(old).chats.sort("id")
    rows = chats.filter(pl.col("_file") == "2025-h2.xlsx").sort("id")
    for name in ("replyCount", "totalReplyTime", "avgReplyTime"):
        assert rows[f"legacy.{name}"].equals(legacy_alone[name])
        assert rows[name].null_count() == rows.height
        newer = chats.filter(pl.col("_file") == "2026-h1.xlsx")
        assert newer[f"legacy.{name}"].null_count() == newer.height
        assert newer[name].null_count() < newer.height


def test_a_real_legacy_file_and_a_2026_file_reconcile_and_report(tmp_path: Path) -> None:
    """The real H2 export next to a 2026 sample made the streaming engine of polars panic
    inside reconcile (and so in the report's appendix)."""
    real = Path(__file__).parents[1] / "real" / "channel-a-2022H2.xlsx"
    new = tmp_path / "2026.xlsx"
    sample.write_sample(new, chats=300, seed=1, generation="2026")
    exp = ct.open_exports([str(real), str(new)], progress=False)
    rec = ct.reconcile(exp)
    html = ct.build_report(exp).html()
    assert "Customer satisfaction" in html
    # each file's chats are compared by its own format's rules: the stacked result is
    # exactly what each file reconciled alone gives
    alone = {
        "legacy": ct.reconcile(ct.open_export(real)),
        "2026": ct.reconcile(ct.open_export(new)),
    }
    for name in ("summary", "mismatches", "reasons"):
        frame = getattr(rec, name)
        assert frame.columns[0] == "generation"
        for generation, own in alone.items():
            part = frame.filter(pl.col("generation") == generation).drop("generation")
            assert_frame_equal(part, getattr(own, name), check_row_order=name != "mismatches")
    # both formats compare a replyCount, with different rules: name the one you mean
    assert rec.share("replyCount", generation="legacy") == alone["legacy"].share("replyCount")
    assert rec.share("replyCount", generation="2026") == alone["2026"].share("replyCount") == 1.0
    with pytest.raises(ct.errors.InvalidValueError, match="no comparison"):
        rec.share("replyCount")


def test_inferred_hours_of_the_legacy_chats_serve_the_2026_chats(tmp_path: Path) -> None:
    """A 2026 export cannot show its hours; the same channel's legacy file can."""
    old, new = tmp_path / "2025.xlsx", tmp_path / "2026.xlsx"
    sample.write_sample(old, chats=400, seed=3)
    sample.write_sample(new, chats=100, seed=4, generation="2026")
    rec = ct.reconcile(ct.open_exports([str(old), str(new)], progress=False), "infer")
    assert rec.inferred is not None and rec.hours is not None
    assert rec.all_match  # the sample's hours, recovered and applied to both formats
    operation = rec.summary.filter(pl.col("metric").str.contains("(?i)operation"))
    assert set(operation["generation"]) == {"legacy", "2026"}
