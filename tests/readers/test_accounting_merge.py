"""Three overlapping files: dropped rows go to ``duplicates`` (not ``problems``) and
``accounting()`` balances as read = loaded + rejected + merged. Expected values by hand.

    a.xlsx  chats c1 (closed Jan 2), c2        messages c1, c1, c2   users u1 (upd. Jan 1), u2
    b.xlsx  chats c1 (closed Jan 5), c3 (open)  messages c1, c3       users u1 (upd. Feb 1)
    c.xlsx  chats c1 (closed Jan 3), c3 (closed Jan 6)  messages c3, c3, c1   users u2

c1: b has the most recent version, so b keeps it and its messages; c3: c (closed later
than b's open version); u1: b (updated later); u2: no updatedAt, so the later file, c.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_combine import chat, make_export, msg, t

import chattools as ct
from chattools.export import DUPLICATE_SCHEMA, PROBLEM_SCHEMA
from chattools.readers.combine import combine, coverage

EXPECTED_DUPLICATES = [
    ("a.xlsx", "Message data", 1, "c1", "b.xlsx"),
    ("a.xlsx", "Message data", 2, "c1", "b.xlsx"),
    ("a.xlsx", "User data", 1, "u1", "b.xlsx"),
    ("a.xlsx", "User data", 2, "u2", "c.xlsx"),
    ("a.xlsx", "UserChat data", 1, "c1", "b.xlsx"),
    ("b.xlsx", "Message data", 2, "c3", "c.xlsx"),
    ("b.xlsx", "UserChat data", 2, "c3", "c.xlsx"),
    ("c.xlsx", "Message data", 3, "c1", "b.xlsx"),
    ("c.xlsx", "UserChat data", 1, "c1", "b.xlsx"),
]

#: (file, sheet) → (read, loaded, rejected, merged), counted from the table above.
EXPECTED_ACCOUNTING = {
    ("a.xlsx", "Message data"): (3, 1, 0, 2),
    ("a.xlsx", "User data"): (2, 0, 0, 2),
    ("a.xlsx", "UserChat data"): (2, 1, 0, 1),
    ("b.xlsx", "Message data"): (2, 1, 0, 1),
    ("b.xlsx", "User data"): (1, 1, 0, 0),
    ("b.xlsx", "UserChat data"): (2, 1, 0, 1),
    ("c.xlsx", "Message data"): (3, 2, 0, 1),
    ("c.xlsx", "User data"): (1, 1, 0, 0),
    ("c.xlsx", "UserChat data"): (2, 1, 0, 1),
}


def u(uid: str, updated: str | None = None) -> dict[str, object]:
    return {"id": uid, "updatedAt": t(updated) if updated else None}


def three_files() -> tuple[ct.Export, ct.Export, ct.Export]:
    """The three exports of the module docstring (also used by ``test_dataset``)."""
    a = make_export(
        "a.xlsx",
        chats=[
            chat("c1", "2024-01-01 09:00:00", "2024-01-02 10:00:00"),
            chat("c2", "2024-01-01 11:00:00", "2024-01-01 12:00:00"),
        ],
        messages=[
            msg("c1", "2024-01-01 09:00:00", "hi"),
            msg("c1", "2024-01-01 09:05:00", "ok", "manager"),
            msg("c2", "2024-01-01 11:00:00", "hello"),
        ],
        users=[u("u1", "2024-01-01 00:00:00"), u("u2")],
    )
    b = make_export(
        "b.xlsx",
        chats=[
            chat("c1", "2024-01-01 09:00:00", "2024-01-05 10:00:00"),
            chat("c3", "2024-01-04 09:00:00"),
        ],
        messages=[msg("c1", "2024-01-01 09:00:00", "hi"), msg("c3", "2024-01-04 09:00:00", "q")],
        users=[u("u1", "2024-02-01 00:00:00")],
    )
    c = make_export(
        "c.xlsx",
        chats=[
            chat("c1", "2024-01-01 09:00:00", "2024-01-03 10:00:00"),
            chat("c3", "2024-01-04 09:00:00", "2024-01-06 10:00:00"),
        ],
        messages=[
            msg("c3", "2024-01-04 09:00:00", "q"),
            msg("c3", "2024-01-04 09:30:00", "a", "manager"),
            msg("c1", "2024-01-01 09:00:00", "hi"),
        ],
        users=[u("u2")],
    )
    return a, b, c


@pytest.fixture
def three() -> tuple[ct.Export, ct.Export, ct.Export]:
    return three_files()


def rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return frame.sort("file", "sheet", "row").rows()


def test_three_overlapping_files_have_no_problems_only_duplicates(three):
    merged = combine(list(three))
    assert merged.problems.height == 0
    assert merged.duplicates.schema == DUPLICATE_SCHEMA
    assert rows(merged.duplicates) == EXPECTED_DUPLICATES
    assert merged.chats.sort("id").select("id", "_file").rows() == [
        ("c1", "b.xlsx"),
        ("c2", "a.xlsx"),
        ("c3", "c.xlsx"),
    ]
    assert "duplicates=9>" in repr(merged)


def test_accounting_counts_merged_rows_and_balances(three):
    acc = combine(list(three)).accounting()
    assert acc.columns == [
        "file",
        "sheet",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "rows_merged",
        "balanced",
    ]
    got = {
        (r["file"], r["sheet"]): (
            r["rows_read"],
            r["rows_loaded"],
            r["rows_rejected"],
            r["rows_merged"],
        )
        for r in acc.iter_rows(named=True)
    }
    assert got == EXPECTED_ACCOUNTING
    assert acc["balanced"].all()


def test_rejected_and_merged_rows_add_up(three):
    a, b, c = three
    # a third user row of a.xlsx could not be read: read 3 = loaded 0 + rejected 1 + merged 2
    bad = pl.DataFrame(
        [("a.xlsx", "User data", 3, None, "x", "bad row")], schema=PROBLEM_SCHEMA, orient="row"
    )
    rows_read = a.rows_read.with_columns(
        pl.when(pl.col("sheet") == "User data").then(3).otherwise("rows_read").alias("rows_read")
    )
    a = replace(a, problems=bad, rows_read=rows_read)
    acc = combine([a, b, c]).accounting().filter(file="a.xlsx", sheet="User data")
    assert acc.select("rows_read", "rows_loaded", "rows_rejected", "rows_merged").row(0) == (
        3,
        0,
        1,
        2,
    )
    assert acc["balanced"].item()
    # an unbalanced count shows: one merged row forgotten
    short = replace(combine([a, b, c]), duplicates=combine([a, b, c]).duplicates.slice(1))
    assert not short.accounting()["balanced"].all()


def test_merging_a_merge_updates_kept_file(three):
    a, b, c = three
    first = combine([a, c])  # without b, c's c1 wins and a's u2 goes to c
    assert ("a.xlsx", "UserChat data", 1, "c1", "c.xlsx") in rows(first.duplicates)
    again = combine([first, b])
    assert rows(again.duplicates) == EXPECTED_DUPLICATES
    for sheet in ("chats", "messages", "users"):
        assert_frame_equal(
            again.frame(sheet).sort("_file", "_row"),
            combine([a, b, c]).frame(sheet).sort("_file", "_row"),
        )
    assert again.accounting()["balanced"].all()


def test_coverage_counts_shared_chats_from_duplicates(three):
    merged = combine(list(three))
    cov = coverage(merged)
    # a shares c1; b shares c1 and c3; c shares c1 and c3
    assert cov.select("file", "chats", "chats_in_other_files").rows() == [
        ("a.xlsx", 2, 1),
        ("b.xlsx", 2, 2),
        ("c.xlsx", 2, 2),
    ]
    # the shared chats are known only through `duplicates`: without it nothing is shared
    alone = replace(merged, duplicates=pl.DataFrame(schema=DUPLICATE_SCHEMA))
    assert coverage(alone)["chats_in_other_files"].to_list() == [0, 0, 0]
