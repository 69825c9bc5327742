"""The wide chat table: one row per chat, lookups without fan-out, unknown ids kept."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from chattools import Export, schema
from chattools.derive.joins import chat_table


def typed(sheet: str, **columns: object) -> pl.DataFrame:
    """A typed frame of ``sheet`` from a few columns (others null, provenance filled)."""
    n = len(next(iter(columns.values())))  # type: ignore[arg-type]
    columns.setdefault("_file", ["f.xlsx"] * n)
    columns.setdefault("_row", list(range(1, n + 1)))
    return pl.concat([schema.empty_frame(sheet), pl.DataFrame(columns)], how="diagonal_relaxed")


def _export() -> Export:
    chats = typed(
        "chats",
        id=["c1", "c2", "c3", "c4"],
        userId=["u1", "u9", None, "u1"],
        name=["Kim", "Lee", None, "Kim"],
        assigneeId=["7", "8", None, "7"],
        managerIds=[["7", "8"], [], None, ["8", "7", "7"]],
        supportBotId=["5", "6", None, "5"],
        marketingId=["100", None, "101", "100"],
        tags=[["[pay]refund,partial", "ops/urgent", "vip"], [], None, ["vip"]],
    )
    # duplicated ids in every lookup: a naive join would multiply chats
    users = typed(
        "users",
        id=["u1", "u1", "u2"],
        name=["Kim Minji", "Kim (2nd file)", "Park"],
        extra=[None, None, None],
    ).with_columns(pl.Series("profile.plan", ["gold", "silver", None]))
    managers = typed(
        "managers", id=["7", "7", "9"], name=["Ann", "Ann again", "Bob"], email=["a@x.io", "", None]
    )
    supportbots = typed(
        "supportbots",
        id=["5", "5", "5"],
        revisionId=["1", "2", "2"],
        sectionPath=[["Start", "Refund"], ["Start", "Refund"], ["Start", "Delivery"]],
    )
    marketing = typed(
        "marketing", id=["100", "100"], name=["Spring sale", "dup"], type=["campaign", "x"]
    )
    return Export(
        {
            "chats": chats,
            "users": users.drop("extra"),
            "managers": managers,
            "supportbots": supportbots,
            "marketing": marketing,
        }
    )


def test_one_row_per_chat_in_chat_order() -> None:
    exp = _export()
    out = chat_table(exp)
    assert out.height == exp.chats.height == 4
    assert out["id"].to_list() == ["c1", "c2", "c3", "c4"]


def test_user_columns_and_missing_users() -> None:
    out = chat_table(_export())
    assert out["user_name"].to_list() == ["Kim Minji", None, None, "Kim Minji"]  # first row wins
    assert out["user_profile.plan"].to_list() == ["gold", None, None, "gold"]
    # u9 is not in the User sheet; c3 has no user at all
    assert out["user_known"].to_list() == [True, False, None, True]
    assert "user_id" not in out.columns


def test_assignee_known_unknown_and_none() -> None:
    out = chat_table(_export())
    assert out["assignee_name"].to_list() == ["Ann", "manager 8 (unknown)", None, "Ann"]
    assert out["assignee_email"].to_list() == ["a@x.io", None, None, "a@x.io"]
    assert out["assignee_known"].to_list() == [True, False, None, True]


def test_followers_keep_order_and_unknown_ids() -> None:
    out = chat_table(_export())
    assert out["follower_ids"].to_list() == [["7", "8"], [], None, ["8", "7", "7"]]
    assert out["followers"].to_list() == [
        ["Ann", "manager 8 (unknown)"],
        [],
        None,
        ["manager 8 (unknown)", "Ann", "Ann"],
    ]


def test_supportbot_paths_and_campaigns() -> None:
    out = chat_table(_export())
    assert out["supportbot_paths"].to_list() == [
        ["Start > Refund", "Start > Delivery"],
        None,
        None,
        ["Start > Refund", "Start > Delivery"],
    ]
    assert out["supportbot_known"].to_list() == [True, False, None, True]
    assert out["campaign_name"].to_list() == ["Spring sale", None, None, "Spring sale"]
    assert out["campaign_type"].to_list() == ["campaign", None, None, "campaign"]
    assert out["campaign_known"].to_list() == [True, None, False, True]


def test_tag_names_and_groups_with_commas() -> None:
    out = chat_table(_export())
    assert out["tag_names"].to_list() == [
        ["[pay]refund,partial", "ops/urgent", "vip"],
        [],
        None,
        ["vip"],
    ]
    assert out["tag_groups"].to_list() == [["pay", "ops"], [], None, []]


def test_keeps_chat_columns_and_provenance_last() -> None:
    exp = _export()
    out = chat_table(exp)
    for column in exp.chats.columns:
        assert column in out.columns
    assert out.columns[-3:] == ["_file", "_sheet", "_row"]
    assert_frame_equal(out.select(exp.chats.columns), exp.chats)


def test_lazy_and_export_method_agree_and_input_untouched() -> None:
    exp = _export()
    before = exp.chats.clone()
    lazy = chat_table(exp, lazy=True)
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), chat_table(exp))
    lazy_exp = Export({k: v.lazy() for k, v in exp.frames.items()})
    assert_frame_equal(chat_table(lazy_exp), chat_table(exp))
    assert_frame_equal(exp.chats, before)


def test_empty_export() -> None:
    out = chat_table(Export.empty())
    assert out.height == 0
    assert {"user_known", "assignee_name", "followers", "tag_groups"} <= set(out.columns)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2", "u3", None]),
            st.sampled_from(["1", "2", "3", None]),
            st.lists(st.sampled_from(["1", "2", "3"]), max_size=4),
        ),
        max_size=12,
    ),
    st.lists(st.sampled_from(["u1", "u2"]), max_size=5),
    st.lists(st.sampled_from(["1", "2"]), max_size=5),
)
def test_no_fan_out_whatever_the_duplicates(
    rows: list[tuple[str | None, str | None, list[str]]],
    user_ids: list[str],
    manager_ids: list[str],
) -> None:
    chats = typed(
        "chats",
        id=[f"c{i}" for i in range(len(rows))],
        userId=[r[0] for r in rows],
        assigneeId=[r[1] for r in rows],
        managerIds=[r[2] for r in rows],
    )
    if not rows:
        chats = schema.empty_frame("chats")
    users = typed("users", id=user_ids) if user_ids else schema.empty_frame("users")
    managers = (
        typed("managers", id=manager_ids, name=[f"m{m}" for m in manager_ids])
        if manager_ids
        else schema.empty_frame("managers")
    )
    out = chat_table(Export({"chats": chats, "users": users, "managers": managers}))
    assert out["id"].to_list() == chats["id"].to_list()
    # brute-force reference for the follower names
    known = set(manager_ids)
    expected = [[f"m{m}" if m in known else f"manager {m} (unknown)" for m in r[2]] for r in rows]
    assert out["followers"].to_list() == expected
