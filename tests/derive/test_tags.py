"""Tag filtering, statistics, pairs and groups (tags with commas are single tags)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.errors import InvalidValueError, MissingColumnError

TAGS = ["refund", "refund,partial", "[pay]card", "pay/visa", "vip"]


def chats() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "tags": [
                ["refund,partial", "vip"],
                ["refund"],
                ["[pay]card", "pay/visa", "vip"],
                [],
                None,
            ],
        },
        schema={"id": pl.String, "tags": pl.List(pl.String)},
    )


def ids(frame: pl.DataFrame | pl.LazyFrame) -> list[str]:
    return frame.lazy().collect()["id"].to_list()


def test_comma_tags_are_whole_tags() -> None:
    assert ids(ct.filter_tags(chats(), any_of=["refund"])) == ["b"]
    assert ids(ct.filter_tags(chats(), any_of="refund,partial")) == ["a"]
    assert ids(ct.filter_tags(chats(), any_of=["partial"])) == []


def test_all_any_none() -> None:
    assert ids(ct.filter_tags(chats(), all_of=["vip", "refund,partial"])) == ["a"]
    assert ids(ct.filter_tags(chats(), any_of=["refund", "vip"])) == ["a", "b", "c"]
    # chats without tags (empty or null) pass none_of
    assert ids(ct.filter_tags(chats(), none_of=["vip"])) == ["b", "d", "e"]
    assert ids(ct.filter_tags(chats(), any_of=["vip"], none_of=["[pay]card"])) == ["a"]


def test_prefix_match_selects_groups() -> None:
    assert ids(ct.filter_tags(chats(), any_of="[pay]", match="prefix")) == ["c"]
    assert ids(ct.filter_tags(chats(), all_of=["pay/", "refund"], match="prefix")) == []
    assert ids(ct.filter_tags(chats(), any_of=["refund"], match="prefix")) == ["a", "b"]


def test_no_condition_returns_everything_and_lazy_works() -> None:
    assert_frame_equal(ct.filter_tags(chats()), chats())
    lazy = ct.filter_tags(chats().lazy(), any_of=["vip"])
    assert isinstance(lazy, pl.LazyFrame)
    assert ids(lazy) == ["a", "c"]


def test_bad_arguments() -> None:
    with pytest.raises(InvalidValueError, match="match='fuzzy'"):
        ct.filter_tags(chats(), any_of="vip", match="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(MissingColumnError, match="'labels'"):
        ct.filter_tags(chats(), any_of="vip", column="labels")
    with pytest.raises(InvalidValueError, match="expected List"):
        ct.filter_tags(pl.DataFrame({"tags": ["vip, refund"]}), any_of="vip")
    with pytest.raises(InvalidValueError, match="any_of"):
        ct.filter_tags(chats(), any_of=[1])  # type: ignore[list-item]


@given(
    st.lists(st.one_of(st.none(), st.lists(st.sampled_from(TAGS), max_size=4)), max_size=15),
    st.lists(st.sampled_from(TAGS), max_size=2),
    st.lists(st.sampled_from(TAGS), max_size=2),
    st.lists(st.sampled_from(TAGS), max_size=2),
)
def test_matches_set_logic(
    rows: list[list[str] | None], all_of: list[str], any_of: list[str], none_of: list[str]
) -> None:
    frame = pl.DataFrame(
        {"id": [str(i) for i in range(len(rows))], "tags": rows},
        schema={"id": pl.String, "tags": pl.List(pl.String)},
    )
    expected = []
    for i, tags in enumerate(rows):
        have = set(tags or [])
        if set(all_of) <= have and (not any_of or have & set(any_of)) and not have & set(none_of):
            expected.append(str(i))
    got = ct.filter_tags(frame, all_of=all_of, any_of=any_of, none_of=none_of)
    assert got["id"].to_list() == expected


def test_tag_stats_counts_chats_once() -> None:
    frame = pl.DataFrame({"tags": [["x", "x", "y,z"], ["x"], [], None]})
    assert ct.tag_stats(frame).rows() == [("x", 2, 0.5), ("y,z", 1, 0.25)]


def test_tag_stats_with_catalog() -> None:
    frame = pl.DataFrame({"tags": [["x", "old"]]})
    catalog = pl.DataFrame({"name": ["x", "never"]})
    assert ct.tag_stats(frame, catalog=catalog).rows() == [
        ("old", 1, 1.0, False),
        ("x", 1, 1.0, True),
        ("never", 0, 0.0, True),
    ]


def test_tag_stats_empty() -> None:
    empty = pl.DataFrame({"tags": []}, schema={"tags": pl.List(pl.String)})
    assert ct.tag_stats(empty).height == 0


def test_tag_pairs_by_hand() -> None:
    frame = pl.DataFrame({"tags": [["a", "b", "c"], ["a", "b"], ["a"], ["c", "b", "b"]]})
    # a:3 b:3 c:2; ab:2 bc:2 ac:1
    assert ct.tag_pairs(frame).rows() == [
        ("a", "b", 2, 3, 3, 2 / 4),
        ("b", "c", 2, 3, 2, 2 / 3),
        ("a", "c", 1, 3, 2, 1 / 4),
    ]
    assert ct.tag_pairs(frame, min_chats=2).height == 2


def test_tag_groups() -> None:
    frame = pl.DataFrame({"tags": [["[pay]card", "pay/visa", "A/S"], ["[pay]card"], ["vip"], []]})
    assert ct.tag_groups(frame).rows() == [
        ("pay", ["[pay]card", "pay/visa"], 2, 0.5),
        ("A", ["A/S"], 1, 0.25),
        (None, ["vip"], 1, 0.25),
    ]
    bracket = ct.tag_groups(frame, style="bracket")
    assert bracket.rows() == [
        ("pay", ["[pay]card"], 2, 0.5),
        (None, ["A/S", "pay/visa", "vip"], 2, 0.5),
    ]
