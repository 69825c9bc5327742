"""The HTML report: sections, determinism, self-containment, escaping, masking, secrets."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import chattools as ct
from chattools import sample
from chattools.errors import InvalidValueError, MissingSheetError
from chattools.report import sections

pytest.importorskip("altair")
pytest.importorskip("vl_convert")

TZ = "Asia/Seoul"
MANAGER_PART = ("Summary", "Week by week", "Waiting", "Team", "Tags", "When chats arrive")
APPENDIX = (
    "Appendix: reconciliation with the exported numbers",
    "Appendix: data quality and accounting",
    "Appendix: definitions",
)
HEADINGS = MANAGER_PART + APPENDIX
HOSTILE = '<script>alert("x")</script>'
EMAIL, PHONE, NAME = "minji.kim@example.com", "010-2345-6789", "Kim Minji"


@pytest.fixture(scope="module")
def hours() -> ct.OperatingHours:
    return ct.OperatingHours.weekly(
        sample.SAMPLE_HOURS, timezone=TZ, holidays=sample.SAMPLE_HOLIDAYS
    )


@pytest.fixture(scope="module")
def sample_export() -> ct.Export:
    return ct.Export(sample.generate(chats=60, seed=3).frames)


@pytest.fixture(scope="module")
def sample_html(sample_export: ct.Export, hours: ct.OperatingHours) -> str:
    return ct.build_report(sample_export, hours=hours, title="Sample channel").html()


def hostile_export() -> ct.Export:
    """Two chats: c1 closed and answered, c2 open with a customer waiting (hostile text, PII)."""
    t = lambda h, m=0: datetime(2024, 3, 4, h, m)  # noqa: E731
    chats = pl.DataFrame(
        {
            "id": ["c1", "c2"],
            "name": ["Lee", NAME],
            "state": ["closed", "opened"],
            "assigneeId": ["7", "7"],
            "contactMediumType": [None, None],
            "tags": [["<b>vip</b>", "refund"], ["<b>vip</b>", "refund"]],
            "createdAt": [t(10), t(11)],
            "openedAt": [t(10), t(11)],
            "closedAt": [t(10, 30), None],
        }
    ).with_columns(pl.col("createdAt", "openedAt", "closedAt").dt.replace_time_zone(TZ))
    messages = pl.DataFrame(
        {
            "chatId": ["c1", "c1", "c2", "c2"],
            "personType": ["user", "manager", "user", "user"],
            "personId": ["u1", "7", "u2", "u2"],
            "createdAt": [t(10), t(10, 5), t(11), t(12)],
            "plainText": ["hi", "hello", HOSTILE, f"{HOSTILE} mail {EMAIL} or call {PHONE}"],
        }
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))
    managers = pl.DataFrame({"id": ["7"], "name": ["<i>Agent Park</i>"]})
    return ct.Export({"chats": chats, "messages": messages, "managers": managers})


def section_map(html: str) -> dict[str, str]:
    """Section title → its HTML, in page order."""
    found = re.findall(
        r'<section id="[^"]+"(?: class="appendix")?><h2>(.*?)</h2>(.*?)</section>', html, re.S
    )
    return dict(found)


def visible(body: str) -> str:
    """``body`` without what is folded behind ``<details>``."""
    return re.sub(r"<details>.*?</details>", "", body, flags=re.S)


def text_of(body: str) -> str:
    return re.sub(r"<[^>]+>", " ", body)


def chat_export(opened: list[datetime], *, created: list[datetime] | None = None) -> ct.Export:
    """One closed chat per ``opened`` time: a customer message then a reply 5 minutes later."""
    n = len(opened)
    ids = [f"c{i:03d}" for i in range(n)]
    chats = pl.DataFrame(
        {
            "id": ids,
            "name": [f"Customer {i}" for i in range(n)],
            "state": ["closed"] * n,
            "assigneeId": ["7"] * n,
            "contactMediumType": [None] * n,
            "tags": [["refund"]] * n,
            "createdAt": created or opened,
            "openedAt": opened,
            "closedAt": [t + timedelta(hours=1) for t in opened],
        },
        schema_overrides={"contactMediumType": pl.String},
    ).with_columns(pl.col("createdAt", "openedAt", "closedAt").dt.replace_time_zone(TZ))
    messages = pl.DataFrame(
        {
            "chatId": [c for c in ids for _ in range(2)],
            "personType": ["user", "manager"] * n,
            "personId": [p for i in range(n) for p in (f"u{i}", "7")],
            "createdAt": [t for o in opened for t in (o, o + timedelta(minutes=5))],
            "plainText": ["help", "done"] * n,
        }
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))
    managers = pl.DataFrame({"id": ["7"], "name": ["Park Jisoo"]})
    return ct.Export({"chats": chats, "messages": messages, "managers": managers})


# -- structure --------------------------------------------------------------------------
def test_sections_in_reading_order_summary_first_appendix_last(sample_html: str) -> None:
    assert list(section_map(sample_html)) == list(HEADINGS)
    assert sample_html.startswith("<!DOCTYPE html>")
    assert "<h1>Sample channel</h1>" in sample_html
    # nothing but the header and the navigation comes before the summary
    before = sample_html[: sample_html.index("<section")]
    assert "<table" not in before and "<svg" not in before


def test_header_states_period_hours_and_target_before_the_summary(
    sample_export: ct.Export, sample_html: str
) -> None:
    head = sample_html[: sample_html.index("<section")]
    opened = [
        (o or c).date()
        for o, c in zip(
            sample_export.chats["openedAt"].to_list(),
            sample_export.chats["createdAt"].to_list(),
            strict=True,
        )
    ]
    assert f"<b>Period:</b> {min(opened)} to {max(opened)} (" in head
    assert (
        "<b>Operating hours:</b> mon-fri 09:00-12:00, 13:00-18:00; sat-sun closed; "
        "public holidays (KR) closed" in head
    )
    assert "<b>Target:</b> first response within 1 h" in head
    calendar = ct.build_report(sample_export, charts=False).html()
    assert "<b>Operating hours:</b> none given: every figure is in calendar time" in calendar


def test_inferred_hours_are_stated_as_inferred() -> None:
    exp = sample.generate(400, seed=5).export()
    html = ct.build_report(exp, hours="infer", charts=False).html()
    head = html[: html.index("<section")]
    assert (
        "<b>Operating hours:</b> mon-fri 09:00-12:00, 13:00-18:00; public holidays (KR) "
        "closed (inferred from the export)" in head
    )


def test_period_is_when_chats_were_active_not_when_created() -> None:
    # chat 0 was created in 2020 and reopened in March 2024: the period is March 2024
    opened = [datetime(2024, 3, 6, 10), datetime(2024, 3, 13, 10), datetime(2024, 3, 20, 10)]
    created = [datetime(2020, 5, 1, 10), *opened[1:]]
    html = ct.build_report(chat_export(opened, created=created), charts=False).html()
    # 2024-03-06 (Wed) to 2024-03-20 (Wed): 15 days over 3 weeks, the first and last partial
    assert (
        "<b>Period:</b> 2024-03-06 to 2024-03-20 (15 days, 3 weeks; first and last week partial)"
        in html
    )
    assert "2020" not in text_of(section_map(html)["Week by week"])


def test_latest_weeks_are_visible_partial_weeks_marked() -> None:
    # one chat a week for 20 weeks, Wednesday 2024-01-03 … Wednesday 2024-05-15
    opened = [datetime(2024, 1, 3, 10) + timedelta(weeks=k) for k in range(20)]
    body = section_map(ct.build_report(chat_export(opened), charts=False).html())["Week by week"]
    shown = visible(body)
    assert "2024-05-13 (3 of 7 days)" in shown  # the last week: Mon 13 to Wed 15 May
    assert "2024-05-06" in shown
    assert "2024-01-01 (5 of 7 days)" not in shown  # the first week is folded away
    assert "2024-01-01 (5 of 7 days)" in body
    assert shown.index("2024-05-13") < shown.index("2024-05-06")  # latest first
    assert "<summary>12 earlier weeks</summary>" in body  # 20 weeks, 8 shown


def test_tables_in_the_manager_part_show_at_most_ten_rows(sample_html: str) -> None:
    parts = section_map(sample_html)
    for title in MANAGER_PART:
        for tbody in re.findall(r"<tbody>(.*?)</tbody>", visible(parts[title]), re.S):
            assert tbody.count("<tr>") <= sections.common.VISIBLE, title


def test_manager_part_has_words_not_codes(sample_html: str) -> None:
    parts = section_map(sample_html)
    manager_text = " ".join(text_of(parts[t]) for t in MANAGER_PART)
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", manager_text) == []
    for code in ("jaccard", "ended_by", "customer_on_team", "assigneeId", "median_min"):
        assert code not in manager_text
    # durations in readable units, never raw h/m/s clocks
    assert not re.search(r"\d+h \d\dm \d\ds", manager_text)
    assert re.search(r"\d+ (s|min|h|d)\b", manager_text)


def test_team_shows_manager_names_not_ids() -> None:
    exp = chat_export([datetime(2024, 3, 4, 10), datetime(2024, 3, 5, 10)])
    team = section_map(ct.build_report(exp, charts=False).html())["Team"]
    assert "<td>Park Jisoo</td>" in team
    assert "<td>7</td>" not in team


# -- summary ----------------------------------------------------------------------------
def kpi(html: str, name: str) -> list[str]:
    """The cells (this period, previous period, change) of summary row ``name``."""
    row = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html, re.S)
    assert row, name
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


def test_summary_compares_with_the_previous_period_of_equal_length() -> None:
    # 2024-03-01 … 03-10 is the period (10 days); the previous one is 02-20 … 02-29
    now = [datetime(2024, 3, d, 10) for d in (1, 2, 4, 8, 10)]
    before = [datetime(2024, 2, d, 10) for d in (20, 25)]
    outside = [datetime(2024, 2, 19, 10), datetime(2024, 3, 11, 10)]  # in neither
    exp = chat_export(now + before + outside)
    html = ct.build_report(
        exp, date_from=date(2024, 3, 1), date_to=date(2024, 3, 10), charts=False
    ).html()
    summary = section_map(html)["Summary"]
    assert kpi(summary, "Chats") == ["5", "2", "+3 (+150%)"]
    assert kpi(summary, "Customer messages") == ["5", "2", "+3 (+150%)"]
    # every chat: first reply after 5 minutes, closed after an hour
    assert kpi(summary, "Median first response") == ["5 min", "5 min", "+0 s (±0%)"]
    assert kpi(summary, "First response within 1 h") == ["100.0%", "100.0%", "+0.0 pts"]
    assert kpi(summary, "Median resolution (closed chats)") == ["1 h", "1 h", "+0 s (±0%)"]
    assert kpi(summary, "Waiting on the team now") == ["0", "–", "–"]
    assert "Previous period: 2024-02-20 to 2024-02-29." in summary
    assert "<th>Previous 10 days</th>" in summary


def test_summary_says_when_the_export_has_no_earlier_data(sample_html: str) -> None:
    summary = section_map(sample_html)["Summary"]
    assert "No chat of the export was active in the previous period" in summary
    assert kpi(summary, "Chats")[1:] == ["–", "–"]


def test_summary_counts_match_a_brute_force_count(
    sample_export: ct.Export, sample_html: str
) -> None:
    n_chats = sample_export.chats.height
    customer = sample_export.messages.filter(pl.col("personType") == "user").height
    summary = section_map(sample_html)["Summary"]
    assert kpi(summary, "Chats")[0] == f"{n_chats:,}"
    assert kpi(summary, "Customer messages")[0] == f"{customer:,}"


def test_targets_are_reported_and_validated(sample_export: ct.Export) -> None:
    target = timedelta(minutes=10)
    metrics = ct.chat_metrics(sample_export)
    values = [v for v in metrics["first_response_time"].to_list() if v is not None]
    share = 100 * sum(v <= target for v in values) / len(values)
    html = ct.build_report(
        sample_export, targets={"first_response_time": target}, charts=False
    ).html()
    assert kpi(html, "First response within 10 min")[0] == f"{share:.1f}%"
    assert "<b>Target:</b> first response within 10 min" in html
    with pytest.raises(InvalidValueError, match="targets"):
        ct.build_report(sample_export, targets={"first_response_time": 5}, charts=False)  # type: ignore[dict-item]
    with pytest.raises(InvalidValueError, match="'nope'"):
        ct.build_report(sample_export, targets={"nope": target}, charts=False)


def test_a_chat_dated_1899_is_a_problem_not_the_start_of_the_axis() -> None:
    """Issue 16 case 12: one chat at Excel's zero date made the charts fail (MaxRowsError)."""
    opened = [datetime(2024, 3, 4, 10), datetime(2024, 3, 12, 10), datetime(1899, 12, 30)]
    html = ct.build_report(chat_export(opened)).html()
    parts = section_map(html)
    assert "<b>Period:</b> 2024-03-04 to 2024-03-12 (9 days, 2 weeks; last week partial)" in html
    assert kpi(parts["Summary"], "Chats")[0] == "2"
    assert "1899" not in parts["Week by week"]
    quality = parts["Appendix: data quality and accounting"]
    assert "chat without a plausible date (opened or created): left out of the report" in quality
    assert "<td>1899-12-30</td>" in quality


# -- files, determinism, safety ----------------------------------------------------------
def test_same_input_gives_byte_identical_files(
    sample_export: ct.Export, hours: ct.OperatingHours, sample_html: str, tmp_path: Path
) -> None:
    again = ct.build_report(sample_export, hours=hours, title="Sample channel")
    a = again.write_html(tmp_path / "a.html")
    assert a.read_bytes() == sample_html.encode("utf-8")


def test_self_contained_no_scripts_no_urls(sample_html: str) -> None:
    assert not re.search(r"https?://", sample_html)
    assert "<script" not in sample_html.lower()
    assert "<link" not in sample_html.lower()
    assert "@import" not in sample_html
    assert not re.search(r"\bsrc\s*=", sample_html)
    # inline SVG: weekly volume, weekly first response, waits, team, weekday × hour
    assert sample_html.count("<svg") == 5


def test_element_ids_are_unique(sample_html: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', sample_html)
    assert ids
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for ref in re.findall(r'href="#([^"]+)"', sample_html):
        assert ref in ids


def test_hostile_text_is_escaped() -> None:
    html = ct.build_report(hostile_export(), mask=False).html()
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the pending chat's text
    assert "<b>vip</b>" not in html and "&lt;b&gt;vip&lt;/b&gt;" in html  # a tag
    assert "<i>Agent Park</i>" not in html and "&lt;i&gt;Agent Park&lt;/i&gt;" in html
    title = ct.build_report(hostile_export(), title=HOSTILE, charts=False).html()
    assert "<script" not in title


def test_customer_data_is_masked_by_default() -> None:
    rep = ct.build_report(hostile_export())
    masked = rep.html()
    for secret in (EMAIL, PHONE, NAME):
        assert secret not in masked
        assert secret not in rep._repr_html_()
    assert "[email]" in masked and "[phone]" in masked
    assert "<b>Customer data:</b> masked" in masked
    assert "&lt;i&gt;Agent Park&lt;/i&gt;" in masked  # the team is named
    plain = ct.build_report(hostile_export(), mask=False, charts=False).html()
    assert EMAIL in plain and PHONE in plain and NAME in plain
    assert "<b>Customer data:</b> shown unmasked" in plain


def test_password_never_appears(tmp_path: Path) -> None:
    password = "Zq9SecretPw71"
    path = tmp_path / "export.xlsx"
    sample.write_sample(path, chats=20, seed=5, password=password)
    exp = ct.open_exports([path], password=password)
    rep = ct.build_report(exp, charts=False)
    html = rep.html()
    assert password not in html
    assert password not in rep._repr_html_()
    assert password not in repr(rep)
    assert "export.xlsx" in html  # the file is listed (coverage), not its password
    assert "1 file(s)" in html


def test_repr_html_is_a_fragment_with_scoped_css(sample_export: ct.Export) -> None:
    rep = ct.build_report(sample_export, charts=False)
    frag = rep._repr_html_()
    assert "<html" not in frag and "<style>" in frag
    (css,) = re.findall(r"<style>(.*?)</style>", frag, re.S)
    selectors = re.findall(r"^([^\s{}][^{]*)\{", css, re.M)
    assert selectors
    assert all(part.strip().startswith(".ctr") for sel in selectors for part in sel.split(","))
    assert repr(rep) == "<Report 'Channel Talk chat report' sections=9>"


def test_a_reconciliation_that_cannot_run_gives_a_visible_note(
    sample_export: ct.Export, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> None:
        msg = "reconcile needs the messages, but this export has no message rows"
        raise MissingSheetError(msg)

    monkeypatch.setattr(sections.appendix, "reconcile", refuse)
    html = ct.build_report(sample_export, charts=False).html()
    assert "<h2>Appendix: reconciliation with the exported numbers</h2>" in html
    assert "reconciliation: not available (reconcile needs the messages" in html


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="Export"):
        ct.build_report("file.xlsx")  # type: ignore[arg-type]
    rep = ct.build_report(ct.Export.empty(), charts=False)
    with pytest.raises(InvalidValueError, match="folder"):
        rep.write_html(tmp_path)


def test_problems_are_counted_by_kind_and_masked() -> None:
    problems = pl.DataFrame(
        {
            "file": ["f.xlsx"] * 3,
            "sheet": ["UserChat data"] * 3,
            "row": [2, 5, 9],
            "column": ["waitingTime", "waitingTime", "createdAt"],
            "value": ["12h 3m", f"ask {EMAIL}", "yesterday"],
            "problem": ["bad duration", "bad duration", "bad datetime"],
        }
    )
    exp = replace(hostile_export(), problems=problems)
    html = ct.build_report(exp, mask=False, charts=False).html()
    quality = section_map(html)["Appendix: data quality and accounting"]
    assert '<td>UserChat data</td><td>bad duration</td><td class="num">2</td>' in quality
    assert '<td>bad datetime</td><td class="num">1</td><td>yesterday</td>' in quality
    assert EMAIL not in ct.build_report(exp, charts=False).html()


def test_durations_read_in_two_units() -> None:
    from chattools.report.html import duration

    cases = {0: "0 s", 59: "59 s", 61: "1 min 01 s", 600: "10 min", 3600: "1 h",
             3660: "1 h 01 min", 86400: "1 d", 93 * 3600: "3 d 21 h", 11042 * 3600 + 1448: "460 d 2 h"}  # fmt: skip
    assert {s: duration(timedelta(seconds=s)) for s in cases} == cases


def test_report_is_written_under_a_virtual_memory_limit_with_its_charts(tmp_path: Path) -> None:
    """vl-convert's V8 died with SIGTRAP under `ulimit -v` of 8-64 GB; the report's charts
    are drawn without a JS engine, so a 4 GB address space is enough."""
    import resource
    import subprocess
    import sys

    path = tmp_path / "s.xlsx"
    sample.write_sample(path, chats=30)
    limit = 4 * 1024**3

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    out = tmp_path / "r.html"
    cmd = [sys.executable, "-m", "chattools", "report", str(path), "-o", str(out)]
    run = subprocess.run(
        cmd, preexec_fn=cap, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert out.read_text().count("<svg") == 5


def test_changes_read_as_signed_differences() -> None:
    change = sections.overview._change
    assert change(timedelta(minutes=5), timedelta(minutes=4)) == "+1 min (+25%)"
    assert change(timedelta(seconds=3572), timedelta(hours=1)) == "-28 s (-1%)"
    assert change(5, 2) == "+3 (+150%)" and change(2, 0) == "+2"
    assert change(0.8, 0.75) == "+5.0 pts"
    assert change(3, None) == "–"


REAL = Path(__file__).parents[1] / "real"


@pytest.mark.parametrize(
    ("name", "period", "latest", "chats"),
    [
        # openedAt runs 2022-01-01 (Sat) … 2022-06-30 (Thu); createdAt from 2020-12-16
        ("channel-a-2022H1.xlsx", "2022-01-01 to 2022-06-30 (181 days, 27 weeks; first and last week partial)", "2022-06-27 (4 of 7 days)", 2456),
        # openedAt runs 2022-07-01 (Fri) … 2022-12-30 (Fri); createdAt from 2021-07-22
        ("channel-a-2022H2.xlsx", "2022-07-01 to 2022-12-30 (183 days, 27 weeks; first and last week partial)", "2022-12-26 (5 of 7 days)", 963),
    ],
)  # fmt: skip
def test_real_exports_open_with_the_summary_and_their_own_period(
    name: str, period: str, latest: str, chats: int
) -> None:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    html = ct.build_report(ct.open_export(path), hours="infer").html()
    parts = section_map(html)
    assert list(parts) == list(HEADINGS)
    head = html[: html.index("<section")]
    assert f"<b>Period:</b> {period}" in head
    assert "(inferred from the export)" in head
    assert kpi(parts["Summary"], "Chats")[0] == f"{chats:,}"
    weeks = visible(parts["Week by week"])
    assert f"<td>{latest}</td>" in weeks
    assert "2020" not in weeks and "2021-07" not in weeks
    assert "<td>Manager 642146</td>" in parts["Team"]  # a name from the Manager sheet
    manager_text = " ".join(text_of(parts[t]) for t in MANAGER_PART)
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", manager_text) == []
    assert html.count("<svg") == 5


def test_assignees_missing_from_the_manager_sheet_are_named_as_in_chat_metrics() -> None:
    """Real H1: 16 assignees, 15 of them not in its 2-row Manager sheet (counted with sets)."""
    path = REAL / "channel-a-2022H1.xlsx"
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    exp = ct.open_export(path)
    named = set(exp.managers.filter(pl.col("name").is_not_null())["id"].to_list())
    unnamed = set(exp.chats["assigneeId"].drop_nulls().to_list()) - named
    assert len(unnamed) == 15
    team = section_map(ct.build_report(exp, hours="infer").html())["Team"]
    assert f'<p class="note">{len(unnamed)} assignee(s) are not in the export\'s' in team
    shown = set(re.findall(r"<td>manager (\d+) \(unknown\)</td>", team))
    assert shown and shown <= unnamed  # the table's visible rows; the rest behind the fold
    names = ct.chat_metrics(exp)["assignee_name"].drop_nulls().unique().to_list()
    assert {f"manager {i} (unknown)" for i in shown} <= set(names)
