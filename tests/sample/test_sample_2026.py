"""The 2026 sample (chattools.sample.analytics): hand-worked rows, then the whole file.

The hand-written chat's expected values are worked out below from the help's formulas
(article 535969) and the sample's hours (Mon–Fri 09:00–12:00, 13:00–18:00 KST).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools import sample, schema
from chattools.sample.analytics import analytics_columns, with_alf
from chattools.sample.conversations import Chat, Cycle
from chattools.sample.world import build_world
from chattools.writers import write_export

SEOUL = ZoneInfo("Asia/Seoul")
T0 = int(datetime(2026, 6, 1, 10, 0, tzinfo=SEOUL).timestamp())  # Monday 10:00, in hours


class _Never(random.Random):
    """Every ``random() < p`` draw fails: no queue, no reassignment, no ALF."""

    def random(self) -> float:
        return 0.999


class _Always(random.Random):
    """Every ``random() < p`` draw succeeds (ALF on every eligible chat)."""

    def random(self) -> float:
        return 0.0


def _hand_chat() -> tuple[Chat, list[Cycle]]:
    chat = Chat("c" * 20, "u", T0, "plain", None, None, "101", "t", state="closed", csat="4")
    chat.messages = [
        (T0, "user", "u", "a", False),  # opens cycle 1
        (T0 + 100, "manager", "101", "b", False),  # reply 1: 100 s
        (T0 + 150, "manager", "101", "note", True),  # internal note: not a reply
        (T0 + 200, "user", "u", "c", False),
        (T0 + 300, "manager", "101", "d", False),  # reply 2: 100 s; snoozed T0+400..T0+1000
        (T0 + 1000, "user", "u", "e", False),
        (T0 + 1100, "manager", "101", "f", False),  # reply 3: 100 s; closed at T0+1200
        (T0 + 10800, "user", "u", "g", False),  # 13:00: reopened (cycle 2)
        (T0 + 10860, "manager", "101", "h", False),  # reply 4: 60 s; closed at T0+11000
    ]
    chat.cycles = [Cycle(T0, T0 + 1200, [(T0 + 400, T0 + 1000)]), Cycle(T0 + 10800, T0 + 11000)]
    return chat, chat.cycles


def test_a_hand_written_chat_gets_the_documented_values() -> None:
    chat, _ = _hand_chat()
    world = build_world(random.Random(1), users=3, export_at=T0 + 86400)
    chat.user_id, chat.team_id = world.user_ids[0], world.team_ids[0]
    rows = analytics_columns(_Never(), [chat], world, sample.calendar(), export_at=T0 + 86400)
    row = {k: v[0] for k, v in rows.items()}
    assert (row["managedAt"], row["firstOpenedAt"], row["openedAt"]) == (T0, T0, T0 + 10800)
    assert (row["firstAssignedAt"], row["firstActiveAt"], row["firstQueueInAt"]) == (T0, T0, None)
    assert (row["firstAskedAt"], row["firstAnsweredAt"], row["repliedAt"]) == (
        T0,
        T0 + 100,
        T0 + 10860,
    )
    assert (row["replyCount"], row["totalReplyTime"], row["avgReplyTime"]) == (4, 360, 90)
    assert (row["replyCountInOperation"], row["totalReplyTimeInOperation"]) == (4, 360)
    assert (row["firstClosedAt"], row["closedAt"]) == (T0 + 1200, T0 + 11000)
    assert (row["reopened"], row["reopenCount"], row["everOpened"]) == (True, 1, True)
    assert (row["totalSnoozedTime"], row["snoozedAt"]) == (600, T0 + 400)
    assert (row["timeToFirstAnswer"], row["timeToFirstClose"], row["timeToClose"]) == (
        100,
        1200,
        11000,
    )
    # 10:00 → 13:03:20 in hours: 10:00–12:00 (7200 s) and 13:00–13:03:20 (200 s)
    assert row["timeToCloseInOperation"] == 7400
    # firstClosedAt − firstActiveAt − hold of the first cycle = 1200 − 600
    assert (row["firstMemberHandlingTime"], row["firstMemberHandlingTimeInOperation"]) == (600, 600)
    # Σ(eachClosedAt − eachActiveAt) − totalSnoozedTime = 1200 + 200 − 600
    assert row["memberHandlingTime"] == 800
    assert (row["alfTriggered"], row["alfHandlingTime"], row["ALF CX Score"]) == (False, None, None)
    assert row["profile.csat"] == 5.0  # June: 2-point scale, a 4 is stored as 5
    assert (row["state"], row["direction"], row["mediumType"]) == ("closed", "INBOUND", "native")


def test_alf_takes_the_first_question_before_the_team() -> None:
    chat, _ = _hand_chat()
    (alf_chat,) = with_alf(_Always(), [chat])
    assert chat.messages[0][0] == T0  # the original is left alone
    question, answer = alf_chat.messages[0], alf_chat.messages[1]
    assert question[1] == "user" and answer[1:3] == ("bot", "FRONTALF-2")
    assert T0 - 900 <= question[0] <= T0 - 120
    world = build_world(random.Random(1), users=3, export_at=T0 + 86400)
    alf_chat.user_id, alf_chat.team_id = world.user_ids[0], world.team_ids[0]
    rows = analytics_columns(_Never(), [alf_chat], world, sample.calendar(), export_at=T0 + 86400)
    row = {k: v[0] for k, v in rows.items()}
    assert row["alfTriggered"] is True
    # managedAt: the customer's first question to ALF; ALF hands over when the chat opens
    assert (row["managedAt"], row["firstAlfStartedAt"], row["firstAlfEndedAt"]) == (
        question[0], question[0], T0,
    )  # fmt: skip
    assert row["alfHandlingTime"] == T0 - question[0]
    assert row["timeToFirstAnswer"] == T0 + 100 - question[0]  # firstAnsweredAt − managedAt
    assert row["timeFromFirstOpenToFirstAnswer"] == 100
    assert row["replyCount"] == 4  # ALF's answer is not a reply


@pytest.fixture(scope="module")
def written() -> tuple[sample.SampleData, ct.Export]:
    data = sample.generate(1500, seed=11, generation="2026")
    payload = sample.write_sample(
        None, chats=1500, seed=11, generation="2026", password=sample.DEFAULT_PASSWORD
    )
    return data, ct.open_export(payload, password=sample.DEFAULT_PASSWORD)


def _assert_typed_as_generated(data: sample.SampleData, exp: ct.Export) -> None:
    """The file reads back to the generated frames, every known column of its kind's dtype,
    every documented chat column filled somewhere, and no problem."""
    assert exp.generation == "2026" and exp.problems.is_empty()
    for key, frame in data.frames.items():
        got = exp.frame(key).drop(list(schema.PROVENANCE_COLUMNS))
        assert_frame_equal(got, frame)
        spec = schema.SHEETS[key]
        for name, dtype in got.schema.items():
            if spec.known(name):
                assert dtype == schema.dtype_of(spec.column(name).kind), (key, name)
    documented = {c.name for c in schema.frame_columns("chats", "2026") if c.carried_by("2026")}
    filled = {c for c in documented if exp.chats[c].null_count() < exp.chats.height}
    assert documented - filled <= {"description"}  # typed by the team: the sample leaves it empty


def test_the_written_2026_sample_opens_typed_with_no_problem(
    written: tuple[sample.SampleData, ct.Export],
) -> None:
    _assert_typed_as_generated(*written)


@pytest.mark.parametrize(
    ("chats", "messages"),
    [
        pytest.param(sample.MAX_CHATS_WITH_MESSAGES, True, id="10000-with-messages"),
        pytest.param(100_000, False, id="100000-without-messages"),
    ],
)
def test_full_size_2026_files_open_typed_and_reconcile(chats: int, messages: bool) -> None:
    """The largest files Channel Talk writes (docs/export-2026.md), encrypted: every column
    typed, no problem, and every reproducible metric matching (issue 15's "done when")."""
    data = sample.generate(chats, seed=5, generation="2026", messages=messages)
    payload = write_export(data.frames, generation="2026", password=sample.DEFAULT_PASSWORD)
    exp = ct.open_export(payload, password=sample.DEFAULT_PASSWORD)
    assert exp.chats.height == chats and (exp.messages.height > 20 * chats) is messages
    _assert_typed_as_generated(data, exp)
    hours = ct.OperatingHours.weekly(sample.SAMPLE_HOURS, timezone=exp.timezone, holidays="KR")
    rec = ct.reconcile(exp, hours)
    assert rec.all_match and rec.mismatches.is_empty()
    bases = set(rec.summary["basis"])
    assert ("messages" in bases) is messages and "exported timestamps" in bases
    assert (rec.summary["compared"] > 0).all()


def test_the_2026_sample_follows_the_documented_formulas(
    written: tuple[sample.SampleData, ct.Export],
) -> None:
    chats = written[1].chats

    def same(a: pl.Expr, b: pl.Expr) -> bool:
        return bool(chats.select(((a == b) | (a.is_null() & b.is_null())).all()).item())

    assert same(pl.col("timeToFirstAnswer"), pl.col("firstAnsweredAt") - pl.col("managedAt"))
    assert same(pl.col("timeToClose"), pl.col("closedAt") - pl.col("managedAt"))
    assert same(pl.col("firstQueueTime"), pl.col("firstQueueOutAt") - pl.col("firstQueueInAt"))
    assert same(pl.col("alfHandlingTime"), pl.col("firstAlfEndedAt") - pl.col("firstAlfStartedAt"))
    seconds = pl.col("totalReplyTime").dt.total_seconds() // pl.col("replyCount")
    assert same(pl.col("avgReplyTime").dt.total_seconds(), seconds)
    queued = pl.col("firstQueueInAt").is_not_null()
    active = pl.when(queued).then(pl.col("firstAssignedAt")).otherwise(pl.col("firstOpenedAt"))
    assert same(pl.col("firstActiveAt"), active)
    assert same(pl.col("reopened"), pl.col("reopenCount") > 0)
    assert (chats["timeToFirstAnswerInOperation"] <= chats["timeToFirstAnswer"]).all()


def test_the_2026_sample_holds_alf_csat_scales_queues_and_teams(
    written: tuple[sample.SampleData, ct.Export],
) -> None:
    exp = written[1]
    chats, messages = exp.chats, exp.messages
    assert set(chats["state"]) <= {"initial", "queued", "missed", "opened", "snoozed", "closed"}
    assert {"initial", "queued", "opened", "snoozed", "closed"} <= set(chats["state"])
    alf = chats.filter("alfTriggered")
    assert 0.03 < alf.height / chats.height < 0.3
    assert alf.filter(pl.col("everOpened").not_()).height > 0  # ALF closed it without the team
    assert {"FRONTALF-2", "ALF-1"} <= set(messages["personId"].drop_nulls())
    assert messages.filter(pl.col("personId") == "ALF-1")["isPrivate"].all()
    month = chats["managedAt"].dt.month()
    scores = {
        months: set(chats.filter(month.is_in(months))["profile.csat"].drop_nulls())
        for months in ((1, 2), (3, 4), (5, 6))
    }
    assert scores[(1, 2)] == {1.0, 2.0, 3.0, 4.0, 5.0}  # 5-point
    assert scores[(3, 4)] == {1.0, 3.0, 5.0} and scores[(5, 6)] == {1.0, 5.0}  # 3-, 2-point
    assert chats["totalSnoozedTime"].drop_nulls().len() > 10
    assert (chats["reopenCount"] > 0).sum() > 50
    teams = exp.teams.explode("managerIds").select(
        pl.col("id").alias("teamId"), pl.col("managerIds").alias("assigneeId")
    )
    assigned = chats.filter(pl.col("assigneeId").is_not_null(), pl.col("teamId").is_not_null())
    assert assigned.join(teams, on=["teamId", "assigneeId"], how="anti").is_empty()


def test_without_messages() -> None:
    data = sample.generate(30, seed=2, generation="2026", messages=False)
    assert "messages" not in data.frames
    exp = ct.open_export(sample.write_sample(None, chats=30, seed=2, generation="2026",
                                             messages=False))  # fmt: skip
    assert exp.generation == "2026" and exp.messages.height == 0 and exp.problems.is_empty()


def test_the_legacy_sample_is_unchanged_by_the_2026_one() -> None:
    legacy = sample.generate(40, seed=3).frames
    new = sample.generate(40, seed=3, generation="2026").frames
    assert legacy["chats"]["id"].equals(new["chats"]["id"])  # the same chats
    assert "isPrivate" not in legacy["messages"].columns
    assert timedelta(0) <= new["chats"]["timeToFirstAnswer"].drop_nulls().min()  # type: ignore[operator]
