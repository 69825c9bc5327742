"""The sample generator: determinism, schema, realism features and Channel Talk's metric rules."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from chattools import sample, schema
from chattools.errors import InvalidValueError
from chattools.sample.cases import case_columns, case_windows
from chattools.sample.conversations import Chat, Cycle, build_chats
from chattools.sample.ct_metrics import cycle_metrics
from chattools.sample.world import World, build_world

TZ = "Asia/Seoul"
SEOUL = ZoneInfo(TZ)
KR = holidays.country_holidays("KR")
METRICS = ("waitingTime", "avgReplyTime", "totalReplyTime", "replyCount", "resolutionTime")
OP_METRICS = tuple(f"operation{m[0].upper()}{m[1:]}" for m in METRICS)


@pytest.fixture(scope="module")
def legacy() -> dict[str, pl.DataFrame]:
    return sample.generate(200, seed=7).frames


@pytest.fixture(scope="module")
def new() -> dict[str, pl.DataFrame]:
    return sample.generate(200, seed=7, generation="2026").frames


@pytest.fixture(scope="module")
def cases() -> pl.DataFrame:
    return sample.generate(200, seed=7, generation="case").frames["cases"]


def epoch(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, s, tzinfo=SEOUL).timestamp())


def in_hours(local: datetime) -> bool:
    """Independent wall-clock check of the sample's hours."""
    if local.weekday() >= 5 or local.date() in KR:
        return False
    return time(9) <= local.time() < time(12) or time(13) <= local.time() < time(18)


# -- determinism and shape ------------------------------------------------------------
@pytest.mark.parametrize("generation", ["legacy", "2026", "case"])
def test_same_seed_same_frames_other_seed_other_frames(generation: str) -> None:
    a = sample.generate(40, seed=3, generation=generation)  # type: ignore[arg-type]
    b = sample.generate(40, seed=3, generation=generation)  # type: ignore[arg-type]
    c = sample.generate(40, seed=4, generation=generation)  # type: ignore[arg-type]
    assert a.frames.keys() == b.frames.keys()
    assert all(a.frames[k].equals(b.frames[k]) for k in a.frames)
    main = "cases" if generation == "case" else "chats"
    assert not a.frames[main].equals(c.frames[main])


@pytest.mark.parametrize(
    ("generation", "sheets"),
    [
        ("legacy", {"chats", "users", "supportbots", "marketing", "managers", "bots", "tags",
                    "messages", "meets"}),
        ("2026", {"chats", "messages", "users", "managers", "teams", "tags", "meets"}),
        ("case", {"cases"}),
    ],
)  # fmt: skip
@pytest.mark.parametrize("tz", ["Asia/Seoul", "Europe/Berlin"])
def test_frames_follow_the_schema_without_provenance(generation: str, sheets: set, tz: str) -> None:
    frames = sample.generate(30, seed=1, generation=generation, timezone=tz).frames  # type: ignore[arg-type]
    assert set(frames) == sheets
    for key, frame in frames.items():
        spec = schema.SHEETS[key]
        core = schema.typed_schema(key, tz, provenance=False)
        assert list(frame.schema.items())[: len(core)] == list(core.items()), key
        for name, dtype in list(frame.schema.items())[len(core) :]:
            if spec.known(name):
                assert dtype == schema.dtype_of(spec.column(name).kind, tz), (key, name)
            else:
                assert dtype == pl.String and name.split(".")[0] in {"profile", "web", "mobile"}
        assert not set(schema.PROVENANCE_COLUMNS) & set(frame.columns)


def test_2026_chats_have_the_2026_columns(new: dict[str, pl.DataFrame]) -> None:
    assert {"managedAt", "mediumType", "alfTriggered", "teamId"} <= set(new["chats"].columns)
    assert new["chats"]["teamId"].is_in(new["teams"]["id"].implode()).all()


def test_no_text_cell_is_an_empty_string(legacy: dict[str, pl.DataFrame]) -> None:
    for frame in legacy.values():
        for name, dtype in frame.schema.items():
            if dtype == pl.String:
                assert not (frame[name] == "").any(), name


def test_bad_options_raise_specific_errors() -> None:
    with pytest.raises(InvalidValueError, match="generation='v3'"):
        sample.generate(5, generation="v3")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="chats=0"):
        sample.generate(0)
    with pytest.raises(InvalidValueError, match="timezone='Mars/Base'"):
        sample.generate(5, timezone="Mars/Base")


def test_constants() -> None:
    assert sample.EXPORT_TIME.weekday() == 1 and sample.EXPORT_TIME.hour == 15
    assert sample.DEFAULT_PASSWORD.isalnum()
    assert sample.SAMPLE_HOURS == {"mon-fri": ["09:00-12:00", "13:00-18:00"]}


# -- the channel ------------------------------------------------------------------------
def test_managers_sheet_lists_only_a_few_of_the_managers(legacy: dict[str, pl.DataFrame]) -> None:
    chats, msgs = legacy["chats"], legacy["messages"]
    used = set(msgs.filter(pl.col("personType") == "manager")["personId"])
    used |= set(chats["assigneeId"].drop_nulls()) | set(chats["managerIds"].explode().drop_nulls())
    listed = set(legacy["managers"]["id"])
    assert 8 <= len(used) <= 12
    assert len(listed) == 3 and listed <= used


def test_bots_support_bot_paths_and_campaigns(legacy: dict[str, pl.DataFrame]) -> None:
    assert 2 <= legacy["bots"].height <= 3
    bots = legacy["supportbots"]
    assert bots["id"].n_unique() == 1 and bots.height >= 3
    assert (bots["sectionPath"].list.len() >= 2).all()
    chats = legacy["chats"]
    assert chats["supportBotId"].drop_nulls().is_in(bots["id"].implode()).all()
    assert chats["supportBotId"].is_not_null().sum() > 10
    campaigns = legacy["marketing"]
    assert 3 <= campaigns.height <= 5
    marketing = chats.filter(pl.col("marketingId").is_not_null())
    assert marketing.height > 3 and marketing["marketingId"].is_in(campaigns["id"].implode()).all()
    assert marketing["marketingType"].is_not_null().all()


def test_tags_have_commas_slashes_groups_and_korean(legacy: dict[str, pl.DataFrame]) -> None:
    names = legacy["tags"]["name"].to_list()
    assert 55 <= len(names) <= 65
    assert any("," in n for n in names) and not any(", " in n for n in names)
    assert any("/" in n for n in names) and any(n.startswith("[") for n in names)
    assert any("가" <= ch <= "힣" for n in names for ch in n)
    chats = legacy["chats"]
    per_chat = chats["tags"].list.len().fill_null(0)
    assert per_chat.max() == 4 and (per_chat == 0).any()
    assert chats["tags"].explode().drop_nulls().is_in(legacy["tags"]["name"].implode()).all()
    assert chats["tags"].explode().drop_nulls().str.contains(",", literal=True).any()


def test_users_have_dynamic_columns_and_some_are_missing(legacy: dict[str, pl.DataFrame]) -> None:
    users = legacy["users"]
    for prefix in ("profile.", "web.", "mobile."):
        assert any(c.startswith(prefix) for c in users.columns)
    missing = set(legacy["chats"]["userId"]) - set(users["id"])
    assert missing
    small = sample.generate(10, seed=7).frames["users"]
    assert set(small.columns) != set(users.columns)  # the set depends on the size


# -- chats and messages ---------------------------------------------------------------
def test_chats_span_the_half_year_and_peak_on_weekday_afternoons(
    legacy: dict[str, pl.DataFrame],
) -> None:
    created = legacy["chats"]["createdAt"]
    assert created.min() >= datetime(2026, 1, 1, tzinfo=SEOUL)  # type: ignore[operator]
    assert created.max() <= sample.EXPORT_TIME  # type: ignore[operator]
    hours = created.dt.hour()
    weekday = created.dt.weekday() <= 5
    afternoon = (weekday & (hours >= 13) & (hours < 18)).sum()
    night = (weekday & (hours < 5)).sum()
    assert afternoon > 4 * max(night, 1)
    assert weekday.sum() > 3 * (~weekday).sum()
    assert (legacy["messages"]["createdAt"] <= sample.EXPORT_TIME).all()


def test_states_reopens_and_bot_only_chats(legacy: dict[str, pl.DataFrame]) -> None:
    chats = legacy["chats"]
    assert {"closed", "opened", "snoozed"} <= set(chats["state"])
    open_ = chats.filter(pl.col("state") != "closed")
    assert open_["closedAt"].is_null().all() and open_["resolutionTime"].is_null().all()
    assert (chats["firstOpenedAt"] < chats["openedAt"]).sum() >= 3  # reopened
    bot_only = chats.filter(pl.col("openedAt").is_null())
    assert bot_only.height >= 2
    assert (
        bot_only.select(*METRICS, *OP_METRICS, "firstRepliedAtAfterOpen").null_count().row(0)
        == (bot_only.height,) * 11
    )
    senders = legacy["messages"].filter(pl.col("chatId").is_in(bot_only["id"].implode()))
    assert set(senders["personType"]) <= {"bot", "user"} and "bot" in set(senders["personType"])
    last_side = (
        legacy["messages"]
        .filter(pl.col("personType") != "bot")
        .group_by("chatId", maintain_order=True)
        .agg(pl.col("personType").last())
        .join(chats.select("id", "state"), left_on="chatId", right_on="id")
        .filter(pl.col("state") == "closed")
    )
    assert (last_side["personType"] == "manager").sum() > 50  # customers who went quiet
    assert (last_side["personType"] == "user").sum() > 10  # unanswered tails
    assert chats["assigneeId"].is_not_null().sum() > 150
    assert chats["profile.csat"].drop_nulls().is_in([1.0, 2.0, 3.0, 4.0, 5.0]).all()
    assert chats["profile.csat"].is_not_null().sum() > 20


def _drawn(chats: int = 200, seed: int = 7) -> list[Chat]:
    """The chats behind ``sample.generate(chats, seed=seed)`` (same draws, in order)."""
    rng = random.Random(seed)
    export_at = int(sample.EXPORT_TIME.timestamp())
    world = build_world(rng, users=max(3, chats * 3 // 4), export_at=export_at)
    return build_chats(rng, world, sample.calendar(), chats=chats, export_at=export_at)


def _reference_case_count(chat: Chat) -> int:
    """Brute force: 1, +1 per reopen more than an hour after a close, +1 per snooze."""
    n, last_close = 1, None
    for c in chat.cycles:
        if last_close is not None and c.opened_at - last_close > 3600:
            n += 1
        n += len(c.snoozes)
        last_close = c.closed_at
    return n


def test_cases_follow_the_reopen_and_snooze_rule(
    cases: pl.DataFrame, legacy: dict[str, pl.DataFrame]
) -> None:
    per_chat = cases.group_by("userChatId").agg(pl.len(), pl.col("userChatCase").max())
    assert (per_chat["len"] == per_chat["userChatCase"]).all()
    assert per_chat["len"].max() >= 3  # type: ignore[operator]
    drawn = _drawn()
    assert [c.id for c in drawn] == legacy["chats"]["id"].to_list()
    expected = {c.id: _reference_case_count(c) for c in drawn}
    assert dict(per_chat.select("userChatId", "len").iter_rows()) == expected
    reopened = [c for c in drawn if len(c.cycles) > 1]
    quick = [
        c for c in reopened
        if any(b.opened_at - a.closed_at <= 3600 for a, b in itertools.pairwise(c.cycles))  # type: ignore[operator]
    ]  # fmt: skip
    assert quick and any(expected[c.id] == 1 for c in quick)  # a reopen absorbed
    assert any(c.cycles and c.cycles[-1].snoozes and expected[c.id] > 1 for c in drawn)


def test_latest_case_has_the_chat_row_metrics(
    cases: pl.DataFrame, legacy: dict[str, pl.DataFrame]
) -> None:
    latest = cases.sort("userChatCase").group_by("userChatId").last()
    joined = legacy["chats"].join(latest, left_on="id", right_on="userChatId", suffix="_case")
    assert joined.height == legacy["chats"].height
    # the latest case is the latest cycle unless a snooze split it or it absorbed a reopen
    same = joined.filter(pl.col("openedAt").eq_missing(pl.col("firstOpenedAt_case")))
    assert same.height > 130
    for m in METRICS:
        assert same[m].equals(same[f"{m}_case"], null_equal=True), m
    first = cases.filter(pl.col("userChatCase") == 1).join(
        legacy["chats"], left_on="userChatId", right_on="id"
    )
    assert first["firstOpenedAt"].equals(first["firstOpenedAt_right"], null_equal=True)
    closed = cases.filter(pl.col("closedAt").is_not_null())
    assert (closed["userChatCaseState"] == "completed").all()
    assert (cases["totalSnoozedTime"].is_not_null() == (cases["snoozedCount"] > 0)).all()
    assert cases["snoozedCount"].max() >= 1  # type: ignore[operator]


def _hand_world() -> World:
    return build_world(random.Random(1), users=3, export_at=epoch(2026, 6, 30, 15))


def test_case_rows_for_a_snooze_and_a_reopen_within_the_hour() -> None:
    o = epoch(2026, 6, 1, 10)  # a Monday
    chat = Chat("c" * 20, "u", o, "plain", None, None, None, "t", state="opened")
    chat.messages = [
        (o, "user", "u", "a", False),
        (o + 100, "manager", "m", "b", False),
        (o + 200, "user", "u", "c", False),
        (o + 300, "manager", "m", "d", False),  # snoozed at o+400 until the customer writes
        (o + 5000, "user", "u", "e", False),
        (o + 5100, "manager", "m", "f", False),  # closed at o+6000
        (o + 8000, "user", "u", "g", False),  # reopened 2000 s after the close: same case
        (o + 8060, "manager", "m", "h", False),  # closed at o+9000
        (o + 20000, "user", "u", "i", False),  # reopened 11000 s later: a new case
        (o + 20100, "manager", "m", "j", False),
    ]
    chat.cycles = [
        Cycle(o, o + 6000, [(o + 400, o + 5000)]),
        Cycle(o + 8000, o + 9000),
        Cycle(o + 20000, None),
    ]
    world = _hand_world()
    chat.user_id, chat.team_id = world.user_ids[0], world.team_ids[0]
    rows = pl.DataFrame(
        case_columns(random.Random(0), [chat], world, sample.calendar(), export_at=o + 30000)
    ).select(
        "userChatCase", "userChatCaseState", "userChatCaseCreatedAt", "closedAt", "replyCount",
        "totalReplyTime", "waitingTime", "resolutionTime", "snoozedCount", "totalSnoozedTime",
        "leadTime", "direction",
    )  # fmt: skip
    assert rows.rows() == [
        (1, "completed", o, None, 2, 200, 100, None, 0, None, 400, "INBOUND"),
        (2, "completed", o + 400, o + 9000, 2, 4760, 4700, 8600, 1, 4600, 8600, "INBOUND"),
        (3, "inProgress", o + 20000, None, 1, 100, 100, None, 0, None, None, "INBOUND"),
    ]


@pytest.mark.parametrize(("gap", "cases_"), [(3600, 1), (3601, 2)])
def test_one_hour_absorption_boundary(gap: int, cases_: int) -> None:
    chat = Chat("c", "u", 0, "plain", None, None, None, "t")
    chat.cycles = [Cycle(0, 100), Cycle(100 + gap, 5000 + gap)]
    windows = case_windows(chat)
    assert len(windows) == cases_
    assert windows[-1].end == 5000 + gap and windows[0].start == 0


def test_a_running_snooze_starts_an_in_progress_case() -> None:
    chat = Chat("c", "u", 0, "plain", None, None, None, "t", state="snoozed")
    chat.cycles = [Cycle(0, None, [(50, 70), (500, None)])]
    got = [(w.start, w.end, w.closed, w.snoozes) for w in case_windows(chat)]
    assert got == [
        (0, 50, False, []),
        (50, 500, False, [(50, 70)]),
        (500, None, False, [(500, None)]),
    ]


def test_message_texts_cover_the_tricky_cases(legacy: dict[str, pl.DataFrame]) -> None:
    msgs = legacy["messages"]
    text = msgs["plainText"]
    assert (text == "N/A").any()
    assert text.str.starts_with("=").any() and text.str.starts_with("@").any()
    multi = msgs.filter(text.str.contains("\n"))
    assert multi["plainText"].str.contains(r"[가-힣]").any()
    assert multi["plainText"].str.contains(r"^[A-Za-z ,.!?';0-9-]+\n[A-Za-z]").any()
    assert text.str.len_chars().max() > 1000  # type: ignore[operator]
    files = msgs.filter(text.is_null())
    assert {"user", "manager"} <= set(files["personType"])


def test_messages_are_blocks_in_time_order_with_ties_and_duplicates(
    legacy: dict[str, pl.DataFrame],
) -> None:
    msgs = legacy["messages"].with_row_index("row")
    blocks = msgs.group_by("chatId").agg(
        pl.col("row").min().alias("a"), pl.col("row").max().alias("b"), pl.len()
    )
    assert ((blocks["b"] - blocks["a"] + 1) == blocks["len"]).all()  # contiguous blocks
    assert not msgs["createdAt"].is_sorted()  # blocks not globally sorted
    in_order = msgs.select(
        (pl.col("createdAt").diff().over("chatId") >= pl.duration()).fill_null(True).all()
    )
    assert in_order.item()
    ties = msgs.group_by("chatId", "createdAt").agg(
        pl.col("personType").n_unique().alias("sides"), pl.len()
    )
    assert (ties["len"] >= 3).any()
    assert (ties["sides"] >= 2).any()  # a customer and the team in one second: order matters
    assert msgs.drop("row").is_duplicated().any()
    assert msgs.select("chatId").n_unique() == legacy["chats"].height


def test_2026_internal_notes(new: dict[str, pl.DataFrame], legacy: dict[str, pl.DataFrame]) -> None:
    notes = new["messages"].filter(pl.col("isPrivate"))
    assert notes.height > 10 and set(notes["personType"]) == {"manager", "bot"}
    assert set(notes.filter(pl.col("personType") == "bot")["personId"]) == {"ALF-1"}
    mentions = notes.filter(pl.col("plainText").str.starts_with("@"))
    assert mentions.height >= 1  # legacy sheets keep these (a text starting with @)
    # the 2026 sheet holds every legacy message (ALF's part is added, the notes shown)
    key = ["chatId", "personType", "createdAt", "plainText"]
    legacy_messages = legacy["messages"].select(key).with_columns(pl.col("plainText").fill_null(""))
    new_messages = new["messages"].select(key).with_columns(pl.col("plainText").fill_null(""))
    assert legacy_messages.join(new_messages, on=key, how="anti").is_empty()
    assert new["messages"].height - legacy["messages"].height > notes.height - mentions.height


# -- operating hours --------------------------------------------------------------------
def in_block(a: datetime, b: datetime) -> bool:
    """Independent check of Channel Talk's block rule: one day, both ends in hours (end
    minute included)."""

    def inside(t: datetime) -> bool:
        if t.weekday() >= 5 or t.date() in KR:
            return False
        return time(9) <= t.time() < time(12, 1) or time(13) <= t.time() < time(18, 1)

    return a.date() == b.date() and inside(a) and inside(b)


def test_operation_columns_keep_or_blank_the_plain_value(
    legacy: dict[str, pl.DataFrame],
) -> None:
    chats = legacy["chats"].filter(pl.col("openedAt").is_not_null())
    closed = chats.filter(pl.col("resolutionTime").is_not_null())
    kept = [in_block(a, b) for a, b in zip(closed["openedAt"], closed["closedAt"], strict=True)]
    assert closed["operationResolutionTime"].is_not_null().to_list() == kept
    assert (
        closed.filter(pl.col("operationResolutionTime").is_not_null())
        .select((pl.col("operationResolutionTime") == pl.col("resolutionTime")).all())
        .item()
    )
    replied = chats.filter(pl.col("replyCount").is_not_null())
    starts = replied["firstRepliedAtAfterOpen"] - replied["waitingTime"]
    kept = [in_block(a, b) for a, b in zip(starts, replied["firstRepliedAtAfterOpen"], strict=True)]
    assert replied["operationWaitingTime"].is_not_null().to_list() == kept
    assert any(kept) and not all(kept)
    with_op = replied.filter(pl.col("operationReplyCount").is_not_null())
    assert (with_op["operationReplyCount"] <= with_op["replyCount"]).all()
    assert (with_op["operationTotalReplyTime"] <= with_op["totalReplyTime"]).all()
    opened = chats["openedAt"].to_list()
    on_holiday = [
        t for t in opened if t.weekday() < 5 and t.date() in KR and time(9) <= t.time() < time(18)
    ]
    at_lunch = [t for t in opened if t.weekday() < 5 and time(12) <= t.time() < time(13)]
    assert on_holiday and at_lunch  # both present, and both outside hours
    # chats answered on another day keep no operationWaitingTime, however long the wait
    overnight = replied.filter(
        pl.col("firstRepliedAtAfterOpen").dt.date() != starts.dt.date()
    )  # fmt: skip
    assert overnight.height > 10 and overnight["operationWaitingTime"].is_null().all()


def test_calendar_business_seconds_match_a_minute_count() -> None:
    cal = sample.calendar()
    for start, minutes in [
        (epoch(2026, 3, 11, 8, 17), 600),  # morning into lunch
        (epoch(2026, 3, 11, 11, 59), 62),  # across lunch
        (epoch(2026, 2, 13, 17, 0), 5 * 1440),  # Friday into the Seollal holidays
        (epoch(2026, 5, 4, 10, 0), 3 * 1440),  # across Children's Day
        (epoch(2026, 6, 27, 23, 30), 2 * 1440),  # weekend into Monday
    ]:
        brute = sum(
            60 for k in range(minutes) if in_hours(datetime.fromtimestamp(start + 60 * k, SEOUL))
        )
        assert cal.business_seconds(start, start + 60 * minutes) == brute


# -- Channel Talk's metric rules on hand-built conversations ------------------------------
def test_metrics_in_hours_with_ties_bots_and_a_second_customer_run() -> None:
    o = epoch(2026, 6, 29, 10, 0, 0)  # Monday 10:00
    msgs = [
        (o - 300, "user", False),  # before the cycle: ignored
        (o, "user", False),
        (o + 20, "bot", False),  # bots never answer
        (o + 30, "user", False),
        (o + 30, "manager", True),  # internal note: ignored
        (o + 100, "manager", False),  # sample 1: 100 s from the first user message
        (o + 100, "manager", False),
        (o + 400, "user", False),
        (o + 400, "manager", False),  # same-second reply: sample 2 = 0 s
        (o + 1000, "user", False),  # unanswered tail
    ]
    m = cycle_metrics(msgs, opened_at=o, closed_at=o + 3600, calendar=sample.calendar())
    assert m["replyCount"] == 2 and m["totalReplyTime"] == 100 and m["avgReplyTime"] == 50
    assert m["firstRepliedAtAfterOpen"] == o + 100 and m["waitingTime"] == 100
    assert m["resolutionTime"] == 3600 and m["operationResolutionTime"] == 3600
    assert m["operationReplyCount"] == 2 and m["operationAvgReplyTime"] == 50


def test_metrics_across_the_lunch_break() -> None:
    o = epoch(2026, 6, 29, 11, 50, 0)  # Monday 11:50, open
    msgs = [
        (o, "user", False),
        (epoch(2026, 6, 29, 13, 5, 0), "manager", False),  # 75 min, spanning lunch: kept
        (epoch(2026, 6, 29, 13, 10, 0), "user", False),
        (epoch(2026, 6, 29, 13, 10, 7), "user", False),
        (epoch(2026, 6, 29, 13, 12, 0), "manager", False),  # 120 s
        (epoch(2026, 6, 29, 13, 13, 0), "user", False),
        (epoch(2026, 6, 29, 13, 13, 5), "manager", False),  # 5 s
    ]
    m = cycle_metrics(msgs, opened_at=o, closed_at=None, calendar=sample.calendar())
    assert (m["replyCount"], m["totalReplyTime"], m["avgReplyTime"]) == (3, 4500 + 125, 1541)
    assert m["waitingTime"] == 4500 and m["operationWaitingTime"] == 4500  # not business time
    assert m["operationTotalReplyTime"] == 4625 and m["operationAvgReplyTime"] == 1541
    assert m["resolutionTime"] is None and m["operationResolutionTime"] is None
    # opened at 12:05 with nothing then: the customer waits from 12:05, in lunch
    lunch = cycle_metrics(
        msgs[1:], opened_at=msgs[1][0] - 3600, closed_at=None, calendar=sample.calendar()
    )
    assert lunch["waitingTime"] == 3600 and lunch["operationWaitingTime"] is None
    assert (lunch["operationReplyCount"], lunch["operationTotalReplyTime"]) == (2, 125)


def test_metrics_opened_on_a_holiday_and_bot_only() -> None:
    o = epoch(2026, 5, 5, 14, 0, 0)  # Children's Day (Tuesday)
    msgs = [(o, "user", False), (epoch(2026, 5, 6, 9, 30, 0), "manager", False)]
    m = cycle_metrics(
        msgs, opened_at=o, closed_at=epoch(2026, 5, 6, 10, 0, 0), calendar=sample.calendar()
    )
    assert m["waitingTime"] == 19.5 * 3600 and m["replyCount"] == 1
    assert m["resolutionTime"] == 20 * 3600
    assert all(m[k] is None for k in OP_METRICS)  # a holiday start, and another day's end
    # the same on a working day: answered the next day, so blank too (not business time)
    o2 = epoch(2026, 5, 6, 17, 50, 0)
    m2 = cycle_metrics(
        [(o2, "user", False), (o2 + 86400, "manager", False)],
        opened_at=o2,
        closed_at=None,
        calendar=sample.calendar(),
    )
    assert m2["waitingTime"] == 86400 and m2["operationWaitingTime"] is None
    assert m2["operationReplyCount"] is None
    bot_only = cycle_metrics(
        [(o, "user", False), (o + 1, "bot", False)],
        opened_at=None,
        closed_at=o + 60,
        calendar=sample.calendar(),
    )
    assert all(v is None for v in bot_only.values())


def test_exported_metrics_follow_the_blank_and_floor_rules(
    legacy: dict[str, pl.DataFrame],
) -> None:
    import chattools as ct
    from chattools.derive.channel import CALENDAR_COLUMNS, OPERATION_COLUMNS

    chats = legacy["chats"]
    replies = ("firstRepliedAtAfterOpen", "waitingTime", "avgReplyTime", "totalReplyTime")
    blank = chats.select([pl.col(c).is_null() for c in (*replies, "replyCount")])
    assert all(blank[c].equals(blank["replyCount"], check_names=False) for c in replies)
    assert (chats["replyCount"].drop_nulls() > 0).all()  # blank, never 0
    answered = chats.filter(pl.col("replyCount").is_not_null())
    avg = answered["totalReplyTime"].dt.total_seconds() // answered["replyCount"]
    assert (answered["avgReplyTime"].dt.total_seconds() == avg).all()
    assert answered.height > 150
    # the library's vectorised reading gives the same columns as this reference
    hours = ct.OperatingHours.weekly(sample.SAMPLE_HOURS, timezone=TZ, holidays="KR")
    exp = ct.Export(legacy, timezone=TZ)
    got = ct.channel_metrics(exp, hours)
    cols = [*CALENDAR_COLUMNS, *OPERATION_COLUMNS]
    assert_frame_equal(got.select("id", *cols), chats.select("id", *cols))


# -- writing ------------------------------------------------------------------------------
def test_write_sample_writes_an_encrypted_xlsx(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    import msoffcrypto
    import openpyxl

    path = tmp_path / "sample.xlsx"
    payload = sample.write_sample(path, chats=15, seed=2, password=sample.DEFAULT_PASSWORD)
    assert path.read_bytes() == payload and payload[:4] == b"\xd0\xcf\x11\xe0"
    office = msoffcrypto.OfficeFile(io.BytesIO(payload))
    office.load_key(password=sample.DEFAULT_PASSWORD)
    plain = io.BytesIO()
    office.decrypt(plain)
    book = openpyxl.load_workbook(plain, read_only=True)
    assert {"UserChat data", "Message data", "Manager data", "UserChatTag data"} <= set(
        book.sheetnames
    )
    header = next(book["UserChat data"].iter_rows(max_row=1, values_only=True))
    assert list(header)[:28] == [c.name for c in schema.SHEETS["chats"].core_columns]
    assert book["UserChat data"].max_row == 16


def test_write_sample_zip_with_api_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io
    import json

    import pyzipper

    payload = sample.write_sample(
        None, chats=10, generation="2026", container="zip", json_shape="api", password="Abc123"
    )
    with pyzipper.AESZipFile(io.BytesIO(payload)) as zf:
        zf.setpassword(b"Abc123")
        doc = json.loads(zf.read(zf.namelist()[0]))
    assert len(doc["userChats"]) == 10 and "teams" in doc
    assert {"isPrivate"} <= set(doc["messages"][0])


def test_round_trip_through_the_reader() -> None:
    import chattools as ct

    for generation in ("legacy", "2026", "case"):
        payload = sample.write_sample(None, chats=25, generation=generation, password="Pw1")  # type: ignore[arg-type]
        exp = ct.open_export(payload, password="Pw1")
        assert exp.generation == generation
        for key, frame in sample.generate(25, generation=generation).frames.items():  # type: ignore[arg-type]
            assert_frame_equal(exp.frame(key).drop(*schema.PROVENANCE_COLUMNS), frame)


def test_export_view_adds_provenance_and_reconciles(legacy: dict[str, pl.DataFrame]) -> None:
    import chattools as ct

    exp = sample.generate(200, seed=7).export()
    assert exp.generation == "legacy"
    assert_frame_equal(exp.chats.drop(*schema.PROVENANCE_COLUMNS), legacy["chats"])
    assert exp.messages["_row"].to_list() == list(range(1, exp.messages.height + 1))
    hours = ct.OperatingHours.weekly(
        sample.SAMPLE_HOURS, timezone=TZ, holidays=sample.SAMPLE_HOLIDAYS
    )
    assert (
        ct.reconcile(exp, hours).all_match is True
    )  # the library's vectorised recomputation agrees


# -- pending chats and outbound chats ---------------------------------------------------
def _human(legacy: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Customer and team messages (file order within a chat is time order)."""
    return legacy["messages"].filter(pl.col("personType").is_in(["user", "manager"]))


def test_chats_pending_at_the_export(legacy: dict[str, pl.DataFrame]) -> None:
    import chattools as ct

    m = ct.chat_metrics(sample.generate(200, seed=7).export(), as_of=sample.EXPORT_TIME)
    pending = m.filter(pl.col("pending_age_at_export").is_not_null())
    assert 4 <= pending.height <= 10  # ~3 % of 200
    assert (pending["state"] == "opened").all()
    export_day = sample.EXPORT_TIME.date()
    assert (pending["openedAt"].dt.date() >= export_day - timedelta(days=3)).all()
    # independently: the last human message of every such chat is the customer's
    last = (
        _human(legacy)
        .group_by("chatId", maintain_order=True)
        .agg(pl.col("personType").last().alias("last"), pl.col("createdAt").max().alias("at"))
    )
    got = pending.join(last, left_on="id", right_on="chatId")
    assert (got["last"] == "user").all() and (got["at"] <= sample.EXPORT_TIME).all()
    opened_today_in_hours = [t for t in got["openedAt"] if t.date() == export_day and in_hours(t)]
    assert opened_today_in_hours
    # one customer has been waiting since the previous evening (nothing but their messages)
    evening = (
        _human(legacy)
        .group_by("chatId")
        .agg(pl.col("createdAt").min().alias("first"), (pl.col("personType") == "manager").sum())
    )
    since_evening = got.join(evening, left_on="id", right_on="chatId").filter(
        (pl.col("first").dt.date() == export_day - timedelta(days=1))
        & (pl.col("first").dt.hour() >= 18)
        & (pl.col("personType") == 0)
    )
    assert since_evening.height >= 1
    age = sample.EXPORT_TIME - since_evening["first"][0]
    assert since_evening["pending_age_at_export"][0] == age  # waiting since its first message


def test_outbound_chats_open_with_a_team_message(legacy: dict[str, pl.DataFrame]) -> None:
    import chattools as ct

    m = ct.chat_metrics(sample.generate(200, seed=7).export())
    outbound = m.filter(pl.col("is_outbound"))
    assert 3 <= outbound.height <= 12
    first = (
        _human(legacy)
        .group_by("chatId", maintain_order=True)
        .agg(pl.col("personType").first().alias("who"), pl.col("createdAt").first().alias("at"))
    )
    got = outbound.join(first, left_on="id", right_on="chatId").join(
        legacy["chats"].select("id", "firstOpenedAt"), on="id"
    )
    assert (got["who"] == "manager").all()
    # the first cycle opens with the opener, or (a form the team answered) a little before
    assert (got["firstOpenedAt"] <= got["at"]).all()
    assert (got["firstOpenedAt"] == got["at"]).sum() >= 3
    flagged = set(first.filter(pl.col("who") == "manager")["chatId"])
    assert flagged == set(outbound["id"])
    silent = outbound.filter(pl.col("messages_customer") == 0)
    assert silent.height >= 1 and (silent["reply_count"] == 0).all()
    assert outbound.filter(pl.col("messages_customer") > 0).height >= 1
    chats = legacy["chats"].filter(pl.col("id").is_in(silent["id"].implode()))
    assert chats["waitingTime"].is_null().all() and chats["replyCount"].is_null().all()
    cases = sample.generate(200, seed=7, generation="case").frames["cases"]
    out_cases = cases.filter(pl.col("direction") == "OUTBOUND")
    assert set(out_cases.filter(pl.col("userChatCase") == 1)["userChatId"]) <= flagged
    assert out_cases.filter(pl.col("userChatCase") > 1).height >= 1  # reopened by the team


def test_metrics_of_an_outbound_cycle() -> None:
    o = epoch(2026, 6, 29, 10, 0, 0)  # Monday 10:00: the team writes first
    msgs = [
        (o, "manager", False),  # the opener is not a reply
        (o + 10, "manager", False),
        (o + 600, "user", False),
        (o + 660, "user", False),
        (o + 900, "manager", False),  # reply: 300 s from the first customer message
    ]
    m = cycle_metrics(msgs, opened_at=o, closed_at=None, calendar=sample.calendar())
    assert m["replyCount"] == 1 and m["totalReplyTime"] == 300
    # Channel Talk's waitingTime is the first sample: from the customer's first message
    assert m["firstRepliedAtAfterOpen"] == o + 900 and m["waitingTime"] == 300
    silent = cycle_metrics(msgs[:2], opened_at=o, closed_at=o + 86_400, calendar=sample.calendar())
    assert silent["replyCount"] is None and silent["waitingTime"] is None  # blank, not 0
    assert silent["resolutionTime"] == 86_400
