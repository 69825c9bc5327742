"""FilterState / apply_filters / filter_export against hand-computed selections."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.errors import InvalidValueError, MissingColumnError
from chattools.filters import UNASSIGNED, WEB_MEDIUM, FilterState, apply_filters, filter_export

TZ = "Asia/Seoul"


def chats_frame() -> pl.DataFrame:
    """Six chats; b is 2024-03-02 00:10 KST = 2024-03-01 15:10 UTC (a time-zone trap)."""
    return pl.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e", "f"],
            "createdAt": [
                datetime(2024, 3, 1, 23, 30),
                datetime(2024, 3, 2, 0, 10),
                datetime(2024, 3, 3, 12, 0),
                datetime(2024, 3, 4, 9, 0),
                datetime(2024, 3, 5, 18, 0),
                datetime(2024, 3, 5, 23, 59, 59),
            ],
            "state": ["closed", "opened", "closed", "snoozed", "closed", "opened"],
            "assigneeId": ["7", None, "8", "7", "8", None],
            "contactMediumType": [None, "appKakao", "email", None, "", "appKakao"],
            "tags": [["refund"], ["refund", "vip"], [], ["vip", "bug"], None, ["bug"]],
        },
        schema_overrides={"tags": pl.List(pl.String)},
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))


def export() -> ct.Export:
    chats = chats_frame().with_columns(
        pl.col("createdAt").alias("openedAt"), pl.col("createdAt").alias("closedAt")
    )
    # messages per chat: a 2, b 1, c 0, d 3, e 1, f 2 (9 in all), plus one of an unknown chat
    ids = ["a", "a", "b", "d", "d", "d", "e", "f", "f", "zz"]
    messages = pl.DataFrame(
        {
            "chatId": ids,
            "personType": ["user"] * len(ids),
            "personId": ["u"] * len(ids),
            "createdAt": [datetime(2024, 3, 6)] * len(ids),
            "plainText": [f"m{i}" for i in range(len(ids))],
            "_row": list(range(1, len(ids) + 1)),
        }
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))
    cases = pl.DataFrame({"userChatCaseId": ["k1", "k2", "k3"], "userChatId": ["a", "b", "b"]})
    users = pl.DataFrame({"id": ["u"], "name": ["Kim"]})
    return ct.Export({"chats": chats, "messages": messages, "cases": cases, "users": users})


def ids(state: FilterState) -> list[str]:
    return apply_filters(chats_frame(), state)["id"].to_list()


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (FilterState(), ["a", "b", "c", "d", "e", "f"]),
        # dates are local (KST) calendar days of createdAt, both ends inclusive
        (FilterState(date_from=date(2024, 3, 2)), ["b", "c", "d", "e", "f"]),
        (FilterState(date_to=date(2024, 3, 1)), ["a"]),
        (FilterState(date_from=date(2024, 3, 2), date_to=date(2024, 3, 4)), ["b", "c", "d"]),
        (FilterState(date_from=date(2024, 3, 5), date_to=date(2024, 3, 5)), ["e", "f"]),
        # tags: all / any / none; a chat without tags (empty or null) has none
        (FilterState(tags_all=("refund", "vip")), ["b"]),
        (FilterState(tags_any=("vip", "bug")), ["b", "d", "f"]),
        (FilterState(tags_none=("refund",)), ["c", "d", "e", "f"]),
        (FilterState(tags_any=("refund",), tags_none=("vip",)), ["a"]),
        (FilterState(tags_all=("nope",)), []),
        # assignees, with the "unassigned" value
        (FilterState(assignees=("7",)), ["a", "d"]),
        (FilterState(assignees=(UNASSIGNED,)), ["b", "f"]),
        (FilterState(assignees=("8", UNASSIGNED)), ["b", "c", "e", "f"]),
        (FilterState(states=("opened", "snoozed")), ["b", "d", "f"]),
        # media: blank (null or "") is the web messenger
        (FilterState(media=(WEB_MEDIUM,)), ["a", "d", "e"]),
        (FilterState(media=("appKakao", "email")), ["b", "c", "f"]),
        # options combine with AND
        (
            FilterState(tags_any=("vip", "bug"), states=("opened",), media=("appKakao",)),
            ["b", "f"],
        ),
        (
            FilterState(date_to=date(2024, 3, 4), tags_any=("vip", "bug"), states=("opened",)),
            ["b"],
        ),
    ],
)
def test_apply_filters_selects_hand_computed_chats(state: FilterState, expected: list[str]) -> None:
    assert ids(state) == expected


def test_lazy_input_gives_the_same_rows_and_stays_lazy() -> None:
    state = FilterState(tags_any=("vip", "bug"), assignees=("7", UNASSIGNED))
    out = apply_filters(chats_frame().lazy(), state)
    assert isinstance(out, pl.LazyFrame)
    assert out.collect()["id"].to_list() == ["b", "d", "f"]


def test_columns_and_dtypes_are_kept() -> None:
    out = apply_filters(chats_frame(), FilterState(states=("closed",)))
    assert out.schema == chats_frame().schema


def test_works_on_chat_metrics_output() -> None:
    metrics = ct.chat_metrics(export())
    out = apply_filters(metrics, FilterState(tags_any=("vip",), states=("opened", "snoozed")))
    assert sorted(out["id"].to_list()) == ["b", "d"]


def test_filter_export_restricts_messages_and_cases_to_kept_chats() -> None:
    exp = export()
    out = filter_export(exp, FilterState(assignees=("7", UNASSIGNED)))  # a, b, d, f
    assert out.chats["id"].to_list() == ["a", "b", "d", "f"]
    # a 2 + b 1 + d 3 + f 2 = 8 messages, in their original order
    assert out.messages["plainText"].to_list() == ["m0", "m1", "m2", "m3", "m4", "m5", "m7", "m8"]
    assert out.cases["userChatCaseId"].to_list() == ["k1", "k2", "k3"]
    assert_frame_equal(out.users, exp.users)
    only_c = filter_export(exp, FilterState(media=("email",)))
    assert only_c.chats["id"].to_list() == ["c"]
    assert only_c.messages.height == 0
    assert only_c.cases.height == 0


def test_filter_export_keeps_lazy_exports_lazy() -> None:
    exp = export()
    lazy = ct.Export({k: v.lazy() for k, v in exp.frames.items()})
    out = filter_export(lazy, FilterState(states=("closed",)))
    assert isinstance(out.frames["messages"], pl.LazyFrame)
    assert out.messages.height == 3  # a 2 + c 0 + e 1


def test_empty_state_returns_the_same_export() -> None:
    exp = export()
    assert filter_export(exp, FilterState()) is exp


def test_state_normalises_strings_and_duplicates() -> None:
    s = FilterState(tags_any="vip", states=["closed", "closed", "opened"])  # type: ignore[arg-type]
    assert s.tags_any == ("vip",)
    assert s.states == ("closed", "opened")
    assert hash(s) == hash(FilterState(tags_any=("vip",), states=("closed", "opened")))
    assert s.replace(states=()).states == ()
    with pytest.raises(AttributeError):
        s.states = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"date_from": date(2024, 3, 5), "date_to": date(2024, 3, 1)}, "after date_to"),
        ({"date_from": "2024-03-01"}, "'date_from'"),
        ({"date_to": datetime(2024, 3, 1)}, "'date_to'"),
        ({"tags_all": [1]}, "'tags_all'"),
        ({"states": 5}, "'states'"),
    ],
)
def test_invalid_options_raise_with_the_option_named(kwargs: dict, needle: str) -> None:
    with pytest.raises(InvalidValueError, match=needle) as info:
        FilterState(**kwargs)
    assert "Hint:" in str(info.value)


def test_missing_column_is_a_clear_error() -> None:
    with pytest.raises(MissingColumnError, match="'assigneeId'"):
        apply_filters(pl.DataFrame({"id": ["a"]}), FilterState(assignees=("7",)))
    with pytest.raises(InvalidValueError, match="FilterState"):
        apply_filters(chats_frame(), {"states": ["closed"]})  # type: ignore[arg-type]


def test_describe() -> None:
    s = FilterState(date_to=date(2024, 3, 4), tags_all=("a", "b"), media=("web",))
    assert s.describe() == "to 2024-03-04; all tags: a, b; medium: web"
