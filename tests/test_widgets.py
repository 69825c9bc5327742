"""FilterPanel driven by setting widget values, as a notebook user would (no browser)."""

from __future__ import annotations

import sys
from datetime import date, datetime

import polars as pl
import pytest

import chattools as ct
from chattools.errors import MissingDependencyError
from chattools.filters import FilterState

pytest.importorskip("ipywidgets")

TZ = "Asia/Seoul"


def export() -> ct.Export:
    chats = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "createdAt": [
                datetime(2024, 3, 1, 10),
                datetime(2024, 3, 2, 0, 30),
                datetime(2024, 3, 3, 12),
                datetime(2024, 3, 4, 9),
            ],
            "state": ["closed", "opened", "closed", "snoozed"],
            "assigneeId": ["7", None, "8", "7"],
            "contactMediumType": [None, "appKakao", "email", None],
            "tags": [["refund"], ["refund", "vip"], [], ["vip", "bug"]],
        },
        schema_overrides={"tags": pl.List(pl.String)},
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))
    # messages: a 2, b 1, c 3, d 0
    messages = pl.DataFrame(
        {
            "chatId": ["a", "a", "b", "c", "c", "c"],
            "personType": ["user"] * 6,
            "createdAt": [datetime(2024, 3, 5)] * 6,
            "plainText": ["x"] * 6,
        }
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))
    managers = pl.DataFrame({"id": ["7"], "name": ["Lee"]})
    tags = pl.DataFrame({"id": ["1"], "name": ["never-used"]})
    return ct.Export({"chats": chats, "messages": messages, "managers": managers, "tags": tags})


@pytest.fixture
def panel() -> ct.FilterPanel:
    return ct.FilterPanel(export())


def test_initial_panel_keeps_everything(panel: ct.FilterPanel) -> None:
    assert panel.state == FilterState()
    assert panel.filtered.chats.height == 4
    assert panel.counts_text == "4 of 4 chats, 6 of 6 messages"


def test_options_come_from_the_export(panel: ct.FilterPanel) -> None:
    w = panel.widgets
    assert list(w["tags_any"].options) == ["bug", "never-used", "refund", "vip"]
    assert list(w["states"].options) == ["closed", "opened", "snoozed"]
    assert list(w["media"].options) == ["appKakao", "email", "web"]
    assert [v for _, v in w["assignees"].options] == ["unassigned", "7", "8"]
    assert [label for label, _ in w["assignees"].options] == ["(unassigned)", "Lee (7)", "8"]


def test_setting_values_updates_state_filtered_and_counts(panel: ct.FilterPanel) -> None:
    panel.widgets["states"].value = ("closed",)
    assert panel.state == FilterState(states=("closed",))
    assert panel.filtered.chats["id"].to_list() == ["a", "c"]
    assert panel.counts_text == "2 of 4 chats, 5 of 6 messages"
    assert "2 of 4 chats" in panel._counts.value

    panel.widgets["tags_none"].value = ("refund",)
    assert panel.filtered.chats["id"].to_list() == ["c"]
    panel.widgets["states"].value = ()
    panel.widgets["assignees"].value = ("7",)
    assert panel.filtered.chats["id"].to_list() == ["d"]
    assert panel.filtered.messages.height == 0
    panel.widgets["assignees"].value = ("unassigned",)
    panel.widgets["tags_none"].value = ()
    assert panel.filtered.chats["id"].to_list() == ["b"]


def test_dates_are_local_days(panel: ct.FilterPanel) -> None:
    panel.widgets["date_from"].value = date(2024, 3, 2)  # b is 00:30 KST on the 2nd
    panel.widgets["date_to"].value = date(2024, 3, 3)
    assert panel.filtered.chats["id"].to_list() == ["b", "c"]
    assert panel.counts_text == "2 of 4 chats, 4 of 6 messages"


def test_media_and_tags_widgets(panel: ct.FilterPanel) -> None:
    panel.widgets["media"].value = ("web",)
    assert panel.filtered.chats["id"].to_list() == ["a", "d"]
    panel.widgets["tags_all"].value = ("vip", "bug")
    assert panel.filtered.chats["id"].to_list() == ["d"]
    panel.widgets["media"].value = ()
    panel.widgets["tags_all"].value = ()
    panel.widgets["tags_any"].value = ("vip",)
    assert panel.filtered.chats["id"].to_list() == ["b", "d"]


def test_inverted_dates_show_an_error_and_keep_the_last_state(panel: ct.FilterPanel) -> None:
    panel.widgets["date_from"].value = date(2024, 3, 3)
    before = panel.state
    panel.widgets["date_to"].value = date(2024, 3, 1)
    assert panel.state == before
    assert "after date_to" in panel._error.value
    panel.widgets["date_to"].value = date(2024, 3, 4)
    assert panel._error.value == ""
    assert panel.filtered.chats["id"].to_list() == ["c", "d"]


def test_initial_state_and_set_state() -> None:
    p = ct.FilterPanel(export(), state=FilterState(states=("opened",)))
    assert p.widgets["states"].value == ("opened",)
    assert p.filtered.chats["id"].to_list() == ["b"]
    p.set_state(FilterState(media=("email",), tags_any=("not-an-option",)))
    assert p.state == FilterState(media=("email",))
    assert p.filtered.chats["id"].to_list() == ["c"]


def test_display_and_repr(panel: ct.FilterPanel) -> None:
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert repr(panel) == "<FilterPanel all chats: 4 of 4 chats, 6 of 6 messages>"


def test_missing_ipywidgets_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(MissingDependencyError, match="ipywidgets") as info:
        ct.FilterPanel(export())
    assert "pip install" in str(info.value)
