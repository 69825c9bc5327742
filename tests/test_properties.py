"""Property-based tests: text formats round-trip, derived metrics keep their invariants.

Round trips go through the library's own text writer
(:func:`chattools.writers.text.text_frame`) and sheet parser
(:func:`chattools.readers.parse.type_sheet`), the path every XLSX cell takes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chattools as ct
from chattools import schema
from chattools.readers.parse import type_sheet
from chattools.readers.sheets import RawSheet
from chattools.readers.tags import check_tags
from chattools.writers import write_export
from chattools.writers.text import text_frame

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _round_trip(
    sheet: str, typed: pl.DataFrame, *, generation: schema.Generation = "legacy", tz: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    text = text_frame(typed, sheet, generation=generation, timezone=tz)
    name = schema.SHEETS[sheet].all_sheet_names[0]
    return type_sheet(RawSheet(name, text), sheet, file="p.xlsx", timezone=tz)


def _chats(n: int, **columns: pl.Series) -> pl.DataFrame:
    base = pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(n)],
            "state": ["closed"] * n,
            "createdAt": [datetime(2024, 1, 1, tzinfo=ZoneInfo("Asia/Seoul"))] * n,
        }
    )
    return base.with_columns(**columns)


# -- durations ----------------------------------------------------------------------------
seconds = st.builds(
    lambda h, m, s: h * 3600 + m * 60 + s,
    st.integers(0, 876_599),  # hours: up to MAX_DURATION (36,525 days = 876,600 h)
    st.integers(0, 59),
    st.integers(0, 59),
)


@FAST
@given(st.lists(seconds, min_size=1, max_size=20))
def test_duration_text_round_trip(values: list[int]) -> None:
    durations = pl.Series("operationResolutionTime", [timedelta(seconds=v) for v in values])
    typed = _chats(len(values), operationResolutionTime=durations.cast(pl.Duration("us")))
    text = text_frame(typed, "chats")["operationResolutionTime"].to_list()
    assert text == [f"{v // 3600}h {v % 3600 // 60}m {v % 60}s" for v in values]
    back, problems = _round_trip("chats", typed, tz="Asia/Seoul")
    assert back["operationResolutionTime"].to_list() == durations.to_list()
    assert problems.filter(pl.col("row").is_not_null()).height == 0


@FAST
@given(st.lists(seconds, min_size=1, max_size=20))
def test_duration_as_whole_seconds_round_trip(values: list[int]) -> None:
    durations = pl.Series([timedelta(seconds=v) for v in values]).cast(pl.Duration("us"))
    typed = _chats(len(values), operationResolutionTime=durations)
    back, _ = _round_trip("chats", typed, generation="2026", tz="Asia/Seoul")
    assert back["operationResolutionTime"].to_list() == durations.to_list()


# -- timestamps ---------------------------------------------------------------------------
naive = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))


@FAST
@given(st.lists(naive, min_size=1, max_size=20), st.sampled_from(["Asia/Seoul", "UTC"]))
def test_local_timestamp_round_trip(values: list[datetime], tz: str) -> None:
    local = [v.replace(microsecond=0, tzinfo=ZoneInfo(tz)) for v in values]
    typed = _chats(len(values), closedAt=pl.Series(local, dtype=pl.Datetime("us", tz)))
    text = text_frame(typed, "chats", timezone=tz)["closedAt"].to_list()
    assert text == [v.strftime("%Y-%m-%d %H:%M:%S") for v in local]
    back, problems = _round_trip("chats", typed, tz=tz)
    assert back["closedAt"].to_list() == local
    assert problems.filter(pl.col("row").is_not_null()).height == 0


@FAST
@given(st.lists(naive, min_size=1, max_size=20), st.booleans())
def test_utc_timestamp_round_trip_with_and_without_ms(values: list[datetime], ms: bool) -> None:
    tz = "Asia/Seoul"
    instants = [
        v.replace(microsecond=v.microsecond // 1000 * 1000 if ms else 0, tzinfo=UTC) for v in values
    ]
    users = pl.DataFrame(
        {"id": [f"u{i}" for i in range(len(values))],
         "lastSeenAt": pl.Series(instants, dtype=pl.Datetime("us", "UTC")).dt.convert_time_zone(tz)}
    )  # fmt: skip
    text = text_frame(users, "users", timezone=tz)["lastSeenAt"].to_list()
    for written, instant in zip(text, instants, strict=True):
        assert written.endswith("Z") and written.startswith(instant.strftime("%Y-%m-%dT%H:%M:%S"))
    back, problems = _round_trip("users", users, tz=tz)
    assert [v.astimezone(UTC) for v in back["lastSeenAt"].to_list()] == instants
    assert problems.filter(pl.col("row").is_not_null()).height == 0


# -- tags ---------------------------------------------------------------------------------
tag_name = (
    st.text(st.sampled_from("ab가/,[] 1😀"), min_size=1, max_size=8)
    .map(str.strip)
    .filter(lambda t: t != "" and ", " not in t and not t.startswith(",") and not t.endswith(","))
)


@FAST
@given(st.lists(st.lists(tag_name, max_size=4), min_size=1, max_size=6))
def test_tag_lists_split_and_join_back(rows: list[list[str]]) -> None:
    names = frozenset(t for row in rows for t in row)
    lists = pl.Series("tags", rows, dtype=pl.List(pl.String))
    typed = _chats(len(rows), tags=lists)
    text = text_frame(typed, "chats")["tags"].to_list()
    assert text == [", ".join(row) for row in rows]
    back, _ = _round_trip("chats", typed, tz="Asia/Seoul")
    fixed, problems = check_tags(back, names, file="p.xlsx", sheet="UserChat data")
    expected = [row or None for row in rows]  # an empty cell reads as no tags
    assert [r or None for r in fixed["tags"].to_list()] == expected
    assert problems.height == 0


# -- derived invariants on random small conversations -----------------------------------------
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=ZoneInfo("Asia/Seoul"))  # a Monday
message = st.tuples(st.integers(0, 4 * 3600), st.sampled_from(["user", "manager", "bot"]))
chat = st.tuples(st.lists(message, min_size=1, max_size=8), st.sampled_from(["closed", "opened"]))


def _conversations(chats: list[tuple[list[tuple[int, str]], str]]) -> tuple[ct.Export, datetime]:
    chat_rows, message_rows, last = [], [], T0
    for i, (messages, state) in enumerate(chats):
        times = sorted(T0 + timedelta(hours=6 * i, seconds=s) for s, _ in messages)
        for when, (_, person) in zip(times, messages, strict=True):
            message_rows.append((f"c{i}", person, f"p-{person}", when, "hi"))
        closed = times[-1] + timedelta(minutes=1) if state == "closed" else None
        chat_rows.append((f"c{i}", state, T0 + timedelta(hours=6 * i), times[0], closed))
        last = max(last, times[-1], closed or times[-1])
    tz = pl.Datetime("us", "Asia/Seoul")
    frames = {
        "chats": pl.DataFrame(
            chat_rows, orient="row",
            schema={"id": pl.String, "state": pl.String, "createdAt": tz, "openedAt": tz,
                    "closedAt": tz},
        ),
        "messages": pl.DataFrame(
            message_rows, orient="row",
            schema={"chatId": pl.String, "personType": pl.String, "personId": pl.String,
                    "createdAt": tz, "plainText": pl.String},
        ),
    }  # fmt: skip
    as_of = last + timedelta(minutes=5)
    return ct.open_export(write_export(frames, container="json")), as_of


@SLOW
@given(st.lists(chat, min_size=1, max_size=4))
def test_waits_never_overlap_and_fit_in_the_chat(
    chats: list[tuple[list[tuple[int, str]], str]],
) -> None:
    exp, as_of = _conversations(chats)
    waits = ct.waits(exp, as_of=as_of)
    created = dict(exp.chats.select("id", "createdAt").iter_rows())
    for (chat_id,), group in waits.sort("start").group_by("chat_id", maintain_order=True):
        starts, ends = group["start"].to_list(), group["end"].to_list()
        assert all(s <= e for s, e in zip(starts, ends, strict=True))
        assert all(e <= s for e, s in zip(ends, starts[1:], strict=False)), "overlap"
        span = as_of - created[chat_id]
        assert starts[0] >= created[chat_id] and ends[-1] <= as_of
        assert sum((e - s for s, e in zip(starts, ends, strict=True)), timedelta()) <= span


@SLOW
@given(st.lists(chat, min_size=1, max_size=4))
def test_metrics_are_non_negative_and_business_within_calendar(
    chats: list[tuple[list[tuple[int, str]], str]],
) -> None:
    exp, as_of = _conversations(chats)
    hours = ct.OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone="Asia/Seoul")
    metrics = ct.chat_metrics(exp, hours, as_of=as_of)
    assert metrics.height == len(chats)
    assert (metrics["reply_count"].drop_nulls() >= 0).all()
    durations = [c for c, d in metrics.schema.items() if isinstance(d, pl.Duration)]
    for column in durations:
        assert (metrics[column].drop_nulls() >= timedelta()).all(), column
        if column.endswith("_business"):
            calendar = column.removesuffix("_business")
            pair = metrics.select(calendar, column).drop_nulls()
            assert (pair[column] <= pair[calendar]).all(), column
    assert (metrics["total_reply_time"].drop_nulls() >= timedelta()).all()
