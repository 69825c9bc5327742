"""Inputs and expected values for the SQL tests (shared by test_sql.py and test_sql_spark.py).

* ``HAND_CHATS`` / ``HAND_MESSAGES`` / ``HAND_EXPECTED``: small chats whose metrics were
  worked out by hand (the comments show the arithmetic).
* ``random_frames``: a seeded random sample with the traps that matter (same-second
  ties across files and rows, earlier cycles, reopened chats, notes, bots, messages
  after close, millisecond timestamps, chats never opened).
* ``reference``: a deliberately simple per-chat Python loop over those rules.
* ``write_dataset``: the Parquet layout of ``convert_to_dataset`` (one hive-partitioned
  folder per sheet), written from typed frames.

The tests in this file check the reference itself against the hand-computed values.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

import chattools as ct

TZ = "Asia/Seoul"
T0 = datetime(2024, 3, 4, 10, 0, 0)
RESULT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "first_response_seconds": pl.Float64(),
    "reply_count": pl.Int64(),
    "total_reply_seconds": pl.Float64(),
    "resolution_seconds": pl.Float64(),
    "customer_waiting_seconds": pl.Float64(),
    "team_waiting_seconds": pl.Float64(),
}
CHAT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "state": pl.String(),
    "openedAt": pl.Datetime("us", TZ),
    "closedAt": pl.Datetime("us", TZ),
    "_file": pl.String(),
    "_sheet": pl.String(),
    "_row": pl.Int64(),
}
MESSAGE_SCHEMA: dict[str, pl.DataType] = {
    "chatId": pl.String(),
    "personType": pl.String(),
    "personId": pl.String(),
    "createdAt": pl.Datetime("us", TZ),
    "plainText": pl.String(),
    "isPrivate": pl.Boolean(),
    "_file": pl.String(),
    "_sheet": pl.String(),
    "_row": pl.Int64(),
}


def _t(seconds: float | None) -> datetime | None:
    return None if seconds is None else T0 + timedelta(seconds=seconds)


# id, state, openedAt, closedAt (seconds after T0)
_CHATS: list[tuple[str, str, float | None, float | None]] = [
    ("a_basic", "closed", 0, 1000),
    ("b_ties", "opened", 0, None),
    ("c_at_close", "closed", 0, 300),
    ("d_never_opened", "opened", None, None),
    ("e_no_messages", "closed", 0, 50),
    ("f_reopened", "opened", 1000, 900),
    ("g_outbound", "closed", 0, 500),
    ("h_unanswered", "closed", 0, 300),
    ("i_snoozed", "snoozed", 0, None),
    ("j_millis", "closed", 0, 10.5),
    ("k_closed_without_time", "closed", 0, None),
]
# chatId, personType, seconds after T0, isPrivate, _file (default a.xlsx)
_MESSAGES: list[tuple[str, str, float, bool | None, str]] = [
    ("a_basic", "user", -500, None, "a.xlsx"),  # earlier cycle: ignored
    ("a_basic", "manager", -400, None, "a.xlsx"),  # earlier cycle: ignored
    ("a_basic", "bot", -100, None, "a.xlsx"),
    ("a_basic", "user", 0, None, "a.xlsx"),  # customer run 1 starts
    ("a_basic", "user", 10, None, "a.xlsx"),
    ("a_basic", "bot", 20, None, "a.xlsx"),  # bots never answer
    ("a_basic", "manager", 60, None, "a.xlsx"),  # sample 60 - 0 = 60
    ("a_basic", "manager", 70, False, "a.xlsx"),
    ("a_basic", "user", 200, None, "a.xlsx"),  # team waited 200 - 60 = 140
    ("a_basic", "manager", 215, True, "a.xlsx"),  # internal note: ignored
    ("a_basic", "manager", 230, None, "a.xlsx"),  # sample 30; team waits to close: 770
    # same second: file a.xlsx sorts before b.xlsx, so the team speaks first
    ("b_ties", "user", 5, None, "b.xlsx"),
    ("b_ties", "manager", 5, None, "a.xlsx"),
    ("b_ties", "manager", 40, None, "a.xlsx"),  # sample 40 - 5 = 35
    ("b_ties", "manager", 100, None, "a.xlsx"),  # same second, lower _row: first
    ("b_ties", "user", 100, None, "a.xlsx"),  # team waited 100 - 40 = 60; open tail
    ("c_at_close", "user", 10, None, "a.xlsx"),
    ("c_at_close", "manager", 300, None, "a.xlsx"),  # at closedAt: counts (290)
    ("c_at_close", "manager", 301, None, "a.xlsx"),  # after close: ignored
    ("c_at_close", "user", 350, None, "a.xlsx"),  # after close: ignored
    ("d_never_opened", "user", 0, None, "a.xlsx"),
    ("d_never_opened", "manager", 10, None, "a.xlsx"),
    ("f_reopened", "user", 100, None, "a.xlsx"),  # earlier cycle
    ("f_reopened", "manager", 200, None, "a.xlsx"),  # earlier cycle
    ("f_reopened", "user", 1100, None, "a.xlsx"),
    ("f_reopened", "manager", 1150, None, "a.xlsx"),  # sample 50
    ("f_reopened", "user", 1200, None, "a.xlsx"),  # team waited 50; open tail
    ("g_outbound", "manager", 0, None, "a.xlsx"),  # team run first: not a sample
    ("g_outbound", "user", 100, None, "a.xlsx"),  # team waited 100
    ("g_outbound", "manager", 130, None, "a.xlsx"),  # sample 30; then 370 to close
    ("h_unanswered", "user", 10, None, "a.xlsx"),
    ("h_unanswered", "user", 20, None, "a.xlsx"),
    ("h_unanswered", "bot", 30, None, "a.xlsx"),  # unanswered tail: 300 - 10
    ("i_snoozed", "user", 0, None, "a.xlsx"),
    ("i_snoozed", "manager", 30, None, "a.xlsx"),  # team run: open tail
    ("j_millis", "user", 0.25, None, "a.xlsx"),
    ("j_millis", "manager", 1.75, None, "a.xlsx"),  # 1.5; team waits 10.5 - 1.75
    ("k_closed_without_time", "user", 10, None, "a.xlsx"),
    ("k_closed_without_time", "manager", 20, None, "a.xlsx"),  # sample 10
    ("k_closed_without_time", "user", 40, None, "a.xlsx"),  # team waited 20; tail: no end
]
#: The export time: the latest message of the export (f_reopened's at T0 + 1200). Runs
#: still waiting in chats that are not closed end there.
AS_OF = 1200
#: id: first_response, reply_count, total_reply, resolution, customer_waiting, team_waiting
_Expected = tuple[float | None, int, float | None, float | None, float | None, float | None]
_EXPECTED: dict[str, _Expected] = {
    "a_basic": (60, 2, 60 + 30, 1000, 60 + 30, 140 + 770),
    # the cycle starts with a team run (outbound): first response from the first customer
    # message (40 - 5); the open customer tail waits until the export time
    "b_ties": (35, 1, 35, None, 35 + (AS_OF - 100), 0 + 60),
    "c_at_close": (300, 1, 290, 300, 290, 0),
    "d_never_opened": (None, 0, None, None, None, None),
    "e_no_messages": (None, 0, None, 50, None, None),  # no run: nothing measured
    "f_reopened": (150, 1, 50, None, 50 + (AS_OF - 1200), 50),
    "g_outbound": (130 - 100, 1, 30, 500, 30, 100 + 370),
    "h_unanswered": (None, 0, None, 300, 290, 0),
    "i_snoozed": (30, 1, 30, None, 30, AS_OF - 30),
    "j_millis": (1.75, 1, 1.5, 10.5, 1.5, 8.75),
    "k_closed_without_time": (20, 1, 10, None, 10, 20),
}


def _hand_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    chats = pl.DataFrame(
        [
            (cid, state, _t(o), _t(c), "a.xlsx", "UserChat data", i + 1)
            for i, (cid, state, o, c) in enumerate(_CHATS)
        ],
        schema=CHAT_SCHEMA,
        orient="row",
    )
    rows = []
    for i, (cid, person, s, private, file) in enumerate(_MESSAGES):
        rows.append((cid, person, "p", _t(s), "text", private, file, "Message data", i + 1))
    # shuffled: the engines must order by createdAt, _file, _row, not by storage order
    messages = pl.DataFrame(rows, schema=MESSAGE_SCHEMA, orient="row").sample(
        fraction=1.0, shuffle=True, seed=3
    )
    return chats, messages


HAND_CHATS, HAND_MESSAGES = _hand_frames()
HAND_EXPECTED = pl.DataFrame(
    [(cid, *values) for cid, values in _EXPECTED.items()], schema=RESULT_SCHEMA, orient="row"
).sort("id")


def random_frames(n_chats: int = 200, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A random sample of typed ``chats`` and ``messages`` frames with the known traps."""
    rng = random.Random(seed)
    files = ["2024-h1.xlsx", "2024-h2.xlsx"]
    chats: list[tuple[object, ...]] = []
    messages: list[tuple[str, str, str, datetime, str, bool | None, str]] = []
    for i in range(n_chats):
        cid = f"{i:020x}"
        state = rng.choice(["opened", "closed", "closed", "closed", "snoozed"])
        start = T0 + timedelta(days=rng.randint(0, 120), seconds=rng.randint(0, 86_400))
        opened: datetime | None = start
        closed: datetime | None = None
        if rng.random() < 0.05:
            opened = None
        if state == "closed":
            closed = start + timedelta(seconds=rng.choice([0, 10, 3600, 5000, 6000]))
            if rng.random() < 0.05:
                closed = None
        elif state == "opened" and rng.random() < 0.3:
            closed = start - timedelta(seconds=rng.randint(1, 900))  # an earlier close
        chats.append((cid, state, opened, closed, files[i % 2], "UserChat data", i // 2 + 1))
        offsets: list[timedelta] = []
        for _ in range(rng.randint(0, 16)):
            offset = timedelta(seconds=10 * rng.randint(-30, 500))
            if offsets and rng.random() < 0.3:
                offset = rng.choice(offsets)  # a same-second tie
            offsets.append(offset)
            if rng.random() < 0.1:
                offset += timedelta(milliseconds=rng.randint(1, 999))
            person = rng.choices(["user", "manager", "bot"], weights=[45, 40, 15])[0]
            private = rng.choice([None, False, False, True]) if person == "manager" else None
            messages.append((cid, person, "p", start + offset, "x", private, rng.choice(files)))
    # file rows: a random permutation per file, so same-second ties break arbitrarily
    counters = {f: rng.sample(range(1, len(messages) + 1), len(messages)) for f in files}
    rows = [(*m, "Message data", counters[m[6]].pop()) for m in messages]
    return (
        pl.DataFrame(chats, schema=CHAT_SCHEMA, orient="row"),
        pl.DataFrame(rows, schema=MESSAGE_SCHEMA, orient="row"),
    )


def reference(chats: pl.DataFrame, messages: pl.DataFrame) -> pl.DataFrame:
    """The metrics by brute force: one Python loop per chat, integer microseconds."""
    us = pl.col("^(openedAt|closedAt|createdAt)$").dt.epoch("us")
    private = "isPrivate" in messages.columns
    msgs = messages.with_columns(us).to_dicts()
    as_of = max(m["createdAt"] for m in msgs if m["createdAt"] is not None)
    out: list[tuple[object, ...]] = []
    for chat in chats.with_columns(us).iter_rows(named=True):
        opened = chat["openedAt"]
        is_closed = chat["state"] == "closed"
        closed = chat["closedAt"] if is_closed else None
        if opened is None:
            out.append((chat["id"], None, 0, None, None, None, None))
            continue
        kept = sorted(
            (
                m["createdAt"],
                m["_file"],
                m["_row"],
                "customer" if m["personType"] == "user" else "team",
            )
            for m in msgs
            if m["chatId"] == chat["id"]
            and (
                m["personType"] == "user"
                or (m["personType"] == "manager" and not (private and m["isPrivate"]))
            )
            and m["createdAt"] >= opened
            and (closed is None or m["createdAt"] <= closed)
        )
        runs: list[tuple[str, int]] = []  # (side, first message time)
        for at, _, _, side in kept:
            if not runs or runs[-1][0] != side:
                runs.append((side, at))
        samples = [
            (runs[k][1] - runs[k - 1][1], runs[k][1])
            for k in range(1, len(runs))
            if runs[k][0] == "team"
        ]
        waits = {"customer": 0, "team": 0}
        for k, (side, at) in enumerate(runs):
            # the last run: to closedAt (None when a closed chat lacks it) or export time
            last_end = closed if is_closed else as_of
            end: int | None = runs[k + 1][1] if k + 1 < len(runs) else last_end
            if end is not None:
                waits[side] += end - at
        total = sum(s for s, _ in samples) if samples else None
        outbound = bool(runs) and runs[0][0] == "team"
        if samples:
            start = samples[0][1] - samples[0][0] if outbound else opened
            first_response = (samples[0][1] - start) / 1e6
        out.append(
            (
                chat["id"],
                first_response if samples else None,
                len(samples),
                None if total is None else total / 1e6,
                None if closed is None else (closed - opened) / 1e6,
                waits["customer"] / 1e6 if runs else None,
                waits["team"] / 1e6 if runs else None,
            )
        )
    return pl.DataFrame(out, schema=RESULT_SCHEMA, orient="row").sort("id")


#: SQL column → chattools.chat_metrics column.
POLARS_NAMES = {
    "first_response_seconds": "first_response_time",
    "reply_count": "reply_count",
    "total_reply_seconds": "total_reply_time",
    "resolution_seconds": "resolution_time",
    "customer_waiting_seconds": "customer_waiting_time",
    "team_waiting_seconds": "team_waiting_time",
}


def as_polars_metrics(sql_result: pl.DataFrame) -> pl.DataFrame:
    """The SQL result in ``chat_metrics``' names and dtypes (seconds → ``Duration``)."""
    return sql_result.select(
        "id",
        *[
            pl.col(sql).alias(name)
            if name == "reply_count"
            else (pl.col(sql) * 1_000_000)
            .round()
            .cast(pl.Int64)
            .cast(pl.Duration("us"))
            .alias(name)
            for sql, name in POLARS_NAMES.items()
        ],
    ).sort("id")


def polars_metrics(exp: ct.Export) -> pl.DataFrame:
    """``ct.chat_metrics`` restricted to the columns the SQL computes."""
    return ct.chat_metrics(exp).select("id", *POLARS_NAMES.values()).sort("id")


def sample_dataset(out_dir: Path) -> Path:
    """``chattools.sample`` (200 chats, seed 7, 2026 generation: notes included), written
    as an export file and converted with ``ct.convert_to_dataset``."""
    source = out_dir / "sample-2026.json"
    ct.sample.write_sample(source, chats=200, seed=7, generation="2026", container="json")
    return ct.convert_to_dataset([source], out_dir / "dataset", progress=False)


def _write_partitioned(frame: pl.DataFrame, folder: Path, by: str, parts: int) -> None:
    """Hive layout ``folder/month=YYYY-MM/part-N.parquet`` (null → default partition)."""
    month = pl.col(by).dt.strftime("%Y-%m").fill_null("__HIVE_DEFAULT_PARTITION__")
    for (value,), group in frame.with_columns(month.alias("__month")).group_by(
        "__month", maintain_order=True
    ):
        target = folder / f"month={value}"
        target.mkdir(parents=True, exist_ok=True)
        body = group.drop("__month")
        size = -(-body.height // parts)
        for n in range(parts):
            piece = body.slice(n * size, size)
            if piece.height:
                piece.write_parquet(target / f"part-{n}.parquet")


def write_dataset(chats: pl.DataFrame, messages: pl.DataFrame, out_dir: Path) -> Path:
    """Write ``chats`` and ``messages`` as a hive-partitioned Parquet dataset."""
    _write_partitioned(chats, out_dir / "chats", "openedAt", parts=1)
    _write_partitioned(messages, out_dir / "messages", "createdAt", parts=2)
    return out_dir


# -- the reference itself --------------------------------------------------------------
def test_reference_reproduces_hand_computed_values() -> None:
    assert_frame_equal(reference(HAND_CHATS, HAND_MESSAGES), HAND_EXPECTED)


def test_random_sample_has_the_traps() -> None:
    chats, messages = random_frames()
    ties = messages.group_by("chatId", "createdAt").len().filter(pl.col("len") > 1)
    assert ties.height > 50
    assert chats.filter(pl.col("openedAt").is_null()).height > 0
    assert chats.filter(pl.col("closedAt") < pl.col("openedAt")).height > 0
    closed_without_time = (pl.col("state") == "closed") & pl.col("closedAt").is_null()
    assert chats.filter(closed_without_time & pl.col("openedAt").is_not_null()).height > 0
    assert messages.filter(pl.col("isPrivate")).height > 0
    assert messages.filter(pl.col("createdAt").dt.microsecond() > 0).height > 0
    ref = reference(chats, messages)
    assert ref.filter(pl.col("reply_count") > 2).height > 10, ref["reply_count"].value_counts()
    assert ref.filter(pl.col("customer_waiting_seconds") > 0).height > 50
