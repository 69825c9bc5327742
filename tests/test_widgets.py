"""FilterPanel driven by setting widget values, as a notebook user would (no browser)."""

from __future__ import annotations

import html
import re
import sys
from datetime import date, datetime, timedelta

import polars as pl
import pytest

import chattools as ct
from chattools import schema
from chattools.errors import MissingDependencyError
from chattools.filters import FilterState

pytest.importorskip("ipywidgets")

TZ = "Asia/Seoul"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute)


def export() -> ct.Export:
    """Four chats, KST, with first responses and resolutions worked out by hand.

    ==== ========== ======== ============== ================ ==========================
    chat opened     state    first response resolution       messages
    ==== ========== ======== ============== ================ ==========================
    a    Fri 1 10:00 closed  10 min         30 min (10:30)   user, manager
    b    Sat 2 00:30 opened  20 min         –                user, manager
    c    Sun 3 12:00 closed  60 min         120 min (14:00)  user, manager, user (tail)
    d    Mon 4 09:00 snoozed –              –                user
    ==== ========== ======== ============== ================ ==========================
    """
    opened = [_at(1, 10), _at(2, 0, 30), _at(3, 12), _at(4, 9)]
    chats = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "createdAt": opened,
            "openedAt": opened,
            "closedAt": [_at(1, 10, 30), None, _at(3, 14), None],
            "state": ["closed", "opened", "closed", "snoozed"],
            "assigneeId": ["7", None, "8", "7"],
            "contactMediumType": [None, "appKakao", "email", None],
            "tags": [["refund"], ["refund", "vip"], [], ["vip", "bug"]],
        },
        schema_overrides={"tags": pl.List(pl.String)},
    ).with_columns(pl.col("createdAt", "openedAt", "closedAt").dt.replace_time_zone(TZ))
    messages = pl.DataFrame(
        {
            "chatId": ["a", "a", "b", "b", "c", "c", "c", "d"],
            "personType": ["user", "manager", "user", "manager", "user", "manager", "user", "user"],
            "personId": ["u1", "7", "u2", "9", "u3", "8", "u3", "u4"],
            "createdAt": [
                _at(1, 10),
                _at(1, 10, 10),
                _at(2, 0, 30),
                _at(2, 0, 50),
                _at(3, 12),
                _at(3, 13),
                _at(3, 13, 5),
                _at(4, 9),
            ],
            "plainText": ["x"] * 8,
            "_row": list(range(2, 10)),
        }
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))
    managers = pl.DataFrame({"id": ["7"], "name": ["Lee"]})
    tags = pl.DataFrame({"id": ["1"], "name": ["never-used"]})
    full = {
        "chats": pl.concat([schema.empty_frame("chats", TZ), chats], how="diagonal_relaxed"),
        "messages": pl.concat(
            [schema.empty_frame("messages", TZ), messages], how="diagonal_relaxed"
        ),
    }
    return ct.Export({**full, "managers": managers, "tags": tags}, timezone=TZ)


def summary_cells(panel: ct.FilterPanel) -> dict[str, str]:
    """The summary table the panel shows, as {label: text}."""
    rows = re.findall(r"<tr><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>", panel._summary_html.value)
    return {html.unescape(k): html.unescape(v) for k, v in rows}


@pytest.fixture
def panel() -> ct.FilterPanel:
    return ct.FilterPanel(export(), chart=False)


def test_initial_panel_keeps_everything(panel: ct.FilterPanel) -> None:
    assert panel.state == FilterState()
    assert panel.filtered.chats.height == 4
    assert panel.counts_text == "4 of 4 chats, 8 of 8 messages"


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
    assert panel.counts_text == "2 of 4 chats, 5 of 8 messages"
    assert "2 of 4 chats" in panel._counts.value

    panel.widgets["tags_none"].value = ("refund",)
    assert panel.filtered.chats["id"].to_list() == ["c"]
    panel.widgets["states"].value = ()
    panel.widgets["assignees"].value = ("7",)
    assert panel.filtered.chats["id"].to_list() == ["d"]
    assert panel.filtered.messages.height == 1
    panel.widgets["assignees"].value = ("unassigned",)
    panel.widgets["tags_none"].value = ()
    assert panel.filtered.chats["id"].to_list() == ["b"]


def test_dates_are_local_days(panel: ct.FilterPanel) -> None:
    panel.widgets["date_from"].value = date(2024, 3, 2)  # b is 00:30 KST on the 2nd
    panel.widgets["date_to"].value = date(2024, 3, 3)
    assert panel.filtered.chats["id"].to_list() == ["b", "c"]
    assert panel.counts_text == "2 of 4 chats, 5 of 8 messages"


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
    p = ct.FilterPanel(export(), state=FilterState(states=("opened",)), chart=False)
    assert p.widgets["states"].value == ("opened",)
    assert p.filtered.chats["id"].to_list() == ["b"]
    p.set_state(FilterState(media=("email",), tags_any=("not-an-option",)))
    assert p.state == FilterState(media=("email",))
    assert p.filtered.chats["id"].to_list() == ["c"]


def test_display_and_repr(panel: ct.FilterPanel) -> None:
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert repr(panel) == "<FilterPanel all chats: 4 of 4 chats, 8 of 8 messages>"


def test_missing_ipywidgets_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(MissingDependencyError, match="ipywidgets") as info:
        ct.FilterPanel(export())
    assert "pip install" in str(info.value)


# -- the live summary and chart ---------------------------------------------------------


def test_the_summary_follows_the_filters(panel: ct.FilterPanel) -> None:
    cells = summary_cells(panel)
    # all four: first responses 10, 20, 60 min (d none); resolutions 30, 120 min (a, c)
    assert cells["chats"] == "4"
    assert cells["first response, median"] == "20.0 min"
    assert cells["resolution, median"] == "75.0 min"
    assert cells["last customer message unanswered"] == "2"  # c (13:05, then closed) and d
    assert cells["open, with the customer waiting"] == "1"  # d
    assert panel.summary["chats"].item() == 4

    panel.widgets["states"].value = ("closed",)  # a and c
    cells = summary_cells(panel)
    assert cells["first response, 90th percentile"] == "55.0 min"  # 10 + 0.9 × 50
    assert cells["chats"] == "2"
    assert cells["first response, median"] == "35.0 min"  # (10 + 60) / 2
    assert cells["resolution, median"] == "75.0 min"  # (30 + 120) / 2
    assert panel.metrics["id"].sort().to_list() == ["a", "c"]

    panel.widgets["states"].value = ()
    panel.widgets["assignees"].value = ("7",)  # a and d
    cells = summary_cells(panel)
    assert cells["chats"] == "2"
    assert cells["first response, median"] == "10.0 min"
    assert cells["resolution, median"] == "30.0 min"
    assert cells["last customer message unanswered"] == "1"  # d

    panel.widgets["assignees"].value = ("8",)  # c: from two hours on, in hours
    assert summary_cells(panel)["resolution, median"] == "2.0 h"

    panel.widgets["assignees"].value = ()
    panel.widgets["tags_all"].value = ("bug", "refund")  # no chat has both
    cells = summary_cells(panel)
    assert cells["chats"] == "0"
    assert cells["first response, median"] == "–"


def test_targets_add_the_share_within_them() -> None:
    targets = {"first_response_time": timedelta(minutes=30)}
    p = ct.FilterPanel(export(), targets=targets, chart=False)
    assert summary_cells(p)["first response within 30 min"] == "66.7%"  # 10, 20 of 10, 20, 60
    p.widgets["date_from"].value = date(2024, 3, 3)  # c, d: 60 min of 60
    assert summary_cells(p)["first response within 30 min"] == "0.0%"


def test_operating_hours_put_the_summary_in_business_time() -> None:
    hours = ct.OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone=TZ)
    p = ct.FilterPanel(export(), hours=hours, chart=False)
    assert "business time" in p._summary_html.value
    p.widgets["media"].value = ("web",)  # a (Fri 10:00 → 10:10) and d (no answer)
    assert summary_cells(p)["first response, median"] == "10.0 min"
    p.widgets["media"].value = ("appKakao",)  # b: Sat 00:30 → 00:50, all outside hours
    assert summary_cells(p)["first response, median"] == "0.0 min"


def test_the_chart_is_redrawn_from_the_kept_chats() -> None:
    p = ct.FilterPanel(export())
    # weeks start on Monday: a, b, c in the week of Mon 26 Feb, d in the week of 4 March
    assert p.chart_frames["volume"].rows() == [(date(2024, 2, 26), 3), (date(2024, 3, 4), 1)]
    assert p.chart_frames["first_response"].filter(variant="calendar").rows() == [
        (date(2024, 2, 26), "calendar", 20.0, 3),
        (date(2024, 3, 4), "calendar", None, 0),
    ]
    before = bytes(p._chart.value)
    assert before.startswith(b"\x89PNG")
    p.widgets["states"].value = ("closed",)
    assert p.chart_frames["volume"].rows() == [(date(2024, 2, 26), 2)]
    assert p.chart_frames["first_response"]["median_minutes"].to_list() == [35.0]
    after = bytes(p._chart.value)
    assert after.startswith(b"\x89PNG") and after != before
    assert p._chart_error.value == ""


def test_a_chart_that_cannot_be_drawn_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> bytes:
        raise MissingDependencyError("chart rendering needs vl-convert", hint="install it.")

    monkeypatch.setattr(ct.plots, "to_png", refuse)
    p = ct.FilterPanel(export())
    assert "no chart: chart rendering needs vl-convert (install it.)" in p._chart_error.value
    assert summary_cells(p)["chats"] == "4"  # the rest still works
