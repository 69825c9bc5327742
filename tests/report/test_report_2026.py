"""The report's "Customer satisfaction and automation" section on a 2026 export.

Five hand-written chats (times in seconds after ``BASE``), every figure worked out by
hand below; a legacy export has no such section.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import pytest
from builders_2026 import export_2026

import chattools as ct
from chattools import sample

TITLE = "Customer satisfaction and automation"


def _chat(cid: str, team: str | None, closed: bool, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": cid, "teamId": team, "state": "closed" if closed else "opened",
        "createdAt": 0, "managedAt": 0, "openedAt": 0, "firstAskedAt": 0,
        "firstClosedAt": 2000 if closed else None, "closedAt": 2000 if closed else None,
        "alfTriggered": False, "replyCount": 0, "reopenCount": 0, "reassignmentCount": 0,
    }  # fmt: skip
    return row | values


CHATS = [
    # a: Billing, answered by the team, CSAT 5, reopened once, snoozed 10 min
    _chat("a", "t1", True, replyCount=1, firstAnsweredAt=60, timeToFirstAnswer=60,
          reopenCount=1, totalSnoozedTime=600, **{"profile.csat": 5.0}),
    # b: Billing, ALF took part and the team answered, CSAT 4, reassigned
    _chat("b", "t1", True, replyCount=1, firstAnsweredAt=30, timeToFirstAnswer=30,
          alfTriggered=True, reassignmentCount=1, totalSnoozedTime=0,
          alfHandlingTime=20, **{"profile.csat": 4.0, "ALF CX Score": 4.0}),
    # c: Refunds, closed by ALF alone, CSAT 2, snoozed 20 min
    _chat("c", "t2", True, alfTriggered=True, alfHandlingTime=40, totalSnoozedTime=1200,
          **{"profile.csat": 2.0, "ALF CX Score": 3.0}),
    # d: no team, still open, no answer from anyone
    _chat("d", None, False),
    # e: Refunds, answered by the team, CSAT 1, snoozed 50 min
    _chat("e", "t2", True, replyCount=2, firstAnsweredAt=100, timeToFirstAnswer=100,
          totalSnoozedTime=3000, **{"profile.csat": 1.0}),
]  # fmt: skip
MESSAGES = [  # the team waits for the customer: a 60→360, b 30→90, e 100→1000
    ("a", "user", 0), ("a", "manager", 60), ("a", "user", 360),
    ("b", "user", 0), ("b", "bot", 10, False, "ALF-1"), ("b", "manager", 30), ("b", "user", 90),
    ("c", "user", 0), ("c", "bot", 10, False, "ALF-1"),
    ("d", "user", 0),
    ("e", "user", 0), ("e", "manager", 100), ("e", "user", 1000),
]  # fmt: skip
TEAMS = [
    {"id": "t1", "channelId": "ch", "name": "Billing & Co", "managerIds": ["m1", "m2"]},
    {"id": "t2", "channelId": "ch", "name": "Refunds", "managerIds": ["m3"]},
    {"id": "t3", "channelId": "ch", "name": "Nobody's chats", "managerIds": []},
]


@pytest.fixture(scope="module")
def report() -> ct.Report:
    exp = export_2026(CHATS, MESSAGES, teams=TEAMS)
    return ct.build_report(exp, title="2026 channel")


def _section(rep: ct.Report) -> str:
    (found,) = [s.body for s in rep.sections if s.title == TITLE]
    return found


def _rows(html: str) -> list[list[str]]:
    """The cells of every table row of ``html``, tags stripped."""
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", html)
    ]


def test_the_section_sits_in_the_manager_part_after_team(report: ct.Report) -> None:
    titles = [s.title for s in report.sections]
    assert titles.index(TITLE) == titles.index("Team") + 1
    assert titles.index(TITLE) + 1 == titles.index("Tags")
    assert f"<h2>{TITLE}</h2>" in report.html()


def test_the_headline_figures_are_those_worked_out_by_hand(report: ct.Report) -> None:
    figures = dict(_rows(_section(report).split("<svg")[0])[:9])
    assert figures == {
        # answers 5, 4, 2, 1: two score 4 or 5; mean 12 / 4; a 2 and a 4 → 5-point scale
        "Satisfied customers (CSAT: answers scoring 4 or 5)": "50.0% (2 of 4)",
        "Chats with a CSAT answer": "80.0% (4 of 5)",
        "Mean score": "3.00 of 5 (5-point scale)",
        # handled by the team or ALF: a, b, c, e; ALF in b and c; c closed with no answer
        "ALF took part (of the chats the team or ALF handled)": "50.0% (2 of 4)",
        "Closed by ALF alone, no team member answering (of ALF&#x27;s chats)": "50.0% (1 of 2)",
        "Median ALF handling time": "30 s",  # of 20 s and 40 s
        "Mean ALF CX score": "3.50 of 5",
        # closed at least once: a, b, c, e; a reopened, b reassigned
        "Reopened after closing (of the chats closed)": "25.0% (1 of 4)",
        "Reassigned to someone else (of the chats closed)": "25.0% (1 of 4)",
    }


def test_the_score_distribution_is_a_bar_chart_of_the_answers(report: ct.Report) -> None:
    chart = _section(report).split("<svg")[1].split("</svg>")[0]
    assert "CSAT answers by score" in chart
    labels = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', chart)
    # one bar per score: its count on top, then the score below
    assert labels == ["1", "1", "0", "1", "1", "1 (lowest)", "2", "3", "4", "5 (highest)"]
    assert chart.count("<rect") == 5
    assert "median" not in chart


def test_snoozed_time_is_shown_next_to_the_inferred_hold(report: ct.Report) -> None:
    body = _section(report)
    hold = body.split("<h3>Time on hold</h3>")[1].split("</table>")[0]
    assert _rows(hold) == [
        ["Measured as", "Chats on hold", "Median per chat", "9 in 10 within"],
        # snoozed 600, 1200, 3000 s: median 20 min; 9th decile (linear, summary.p90) at
        # position 0.9 × 2 = 1.8: 1200 + 0.8 × (3000 − 1200) = 2640 s = 44 min
        ["Snoozed (Channel Talk)", "3", "20 min", "44 min"],
        # waits for the customer 60, 300, 900 s: 300 + 0.8 × 600 = 780 s = 13 min
        ["Team waiting for the customer (from the messages)", "3", "5 min", "13 min"],
    ]


def test_the_team_table_names_the_teams_of_the_team_sheet(report: ct.Report) -> None:
    teams = _section(report).split("<h3>By team</h3>")[1].split("</table>")[0]
    assert _rows(teams) == [
        ["Team", "Members", "Chats", "Answered by the team", "Median time to first answer",
         "CSAT answers", "CSAT", "ALF took part", "Reopened", "Reassigned", "Snoozed in total"],
        # a and b: answers 5 and 4; ALF in b of the two handled; a reopened, b reassigned
        ["Billing &amp; Co", "2", "2", "2", "45 s", "2", "100.0%", "50.0%", "50.0%", "50.0%",
         "10 min"],
        # c and e: answers 2 and 1; ALF in c; snoozed 1200 + 3000 s
        ["Refunds", "1", "2", "1", "1 min 40 s", "2", "0.0%", "50.0%", "0.0%", "0.0%",
         "1 h 10 min"],
        # d: nobody handled it, never closed; the empty team t3 is left out
        ["(no team)", "–", "1", "0", "–", "0", "–", "–", "–", "–", "0 s"],
    ]  # fmt: skip


def test_no_snake_case_label_is_shown(report: ct.Report) -> None:
    text = re.sub(r"<[^>]+>", " ", _section(report).replace("<i>totalSnoozedTime</i>", ""))
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text)


def test_without_charts_the_section_keeps_its_tables() -> None:
    rep = ct.build_report(export_2026(CHATS, MESSAGES, teams=TEAMS), charts=False)
    body = _section(rep)
    assert "<svg" not in body
    assert "<h3>By team</h3>" in body


def test_a_period_without_csat_answers_says_so() -> None:
    chats = [{k: v for k, v in c.items() if k != "profile.csat"} for c in CHATS]
    body = _section(ct.build_report(export_2026(chats, MESSAGES, teams=TEAMS)))
    assert "No customer answered the CSAT question in the period." in body
    assert dict(_rows(body)[:1]) == {"Satisfied customers (CSAT: answers scoring 4 or 5)": "–"}


def test_a_legacy_report_has_no_such_section() -> None:
    rep = ct.build_report(ct.Export(sample.generate(chats=20, seed=3).frames), charts=False)
    assert rep.sections[0].title == "Summary"
    assert TITLE not in [s.title for s in rep.sections]
    assert TITLE not in rep.html()


def test_with_hours_the_business_hold_is_shown_too() -> None:
    hours = ct.OperatingHours.weekly({"mon-fri": "09:00-18:00"}, timezone="Asia/Seoul")
    body = _section(ct.build_report(export_2026(CHATS, MESSAGES, teams=TEAMS), hours=hours))
    hold = body.split("<h3>Time on hold</h3>")[1].split("</table>")[0]
    assert _rows(hold)[3:] == [
        # no chat has an operationTotalSnoozedTime
        ["Snoozed in operating hours (Channel Talk)", "0", "–", "–"],
        # Monday 10:00 onwards: every wait lies within the hours (60, 300, 900 s: 13 min)
        ["… from the messages, business hours", "3", "5 min", "13 min"],
    ]


def test_chats_of_legacy_files_opened_alongside_are_left_out() -> None:
    # "old" comes from a legacy file: answered by the team, it would count as handled
    exp = export_2026([*CHATS, _chat("old", None, True, replyCount=3)], MESSAGES, teams=TEAMS)
    files = pl.when(pl.col("id") == "old").then(pl.lit("legacy.xlsx")).otherwise(pl.col("_file"))
    sources = (
        pl.DataFrame({"file": ["legacy.xlsx", "t26.xlsx"], "generation": ["legacy", "2026"]})
        .join(exp.sources.drop("generation"), on="file", how="left")
        .select(exp.sources.columns)
        .cast(exp.sources.schema)
    )
    merged = ct.Export({**exp.frames, "chats": exp.chats.with_columns(files.alias("_file"))},
                       generation="2026", timezone=exp.timezone, sources=sources)  # fmt: skip
    body = _section(ct.build_report(merged))
    figures = dict(_rows(body.split("<svg")[0])[:9])
    assert figures["Chats with a CSAT answer"] == "80.0% (4 of 5)"
    assert figures["ALF took part (of the chats the team or ALF handled)"] == "50.0% (2 of 4)"
    assert "1 chat(s) of the period come from legacy export files" in body
