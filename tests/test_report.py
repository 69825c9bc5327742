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
from chattools.errors import InvalidValueError
from chattools.report import sections

pytest.importorskip("altair")
pytest.importorskip("vl_convert")

TZ = "Asia/Seoul"
HEADINGS = (
    "Headline numbers",
    "Trends",
    "Waiting and hold times",
    "Team",
    "Tags",
    "Reconciliation with the exported numbers",
    "Data quality",
)
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


def test_every_section_heading_is_present(sample_html: str) -> None:
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in sample_html
    assert sample_html.startswith("<!DOCTYPE html>")
    assert "<h1>Sample channel</h1>" in sample_html


def test_same_input_gives_byte_identical_files(
    sample_export: ct.Export, hours: ct.OperatingHours, sample_html: str, tmp_path: Path
) -> None:
    # a second, independent build (the first is the sample_html fixture)
    again = ct.build_report(sample_export, hours=hours, title="Sample channel")
    a = again.write_html(tmp_path / "a.html")
    assert a.read_bytes() == sample_html.encode("utf-8")


def test_self_contained_no_scripts_no_urls(sample_html: str) -> None:
    assert not re.search(r"https?://", sample_html)
    assert "<script" not in sample_html.lower()
    assert "<link" not in sample_html.lower()
    assert "@import" not in sample_html
    assert not re.search(r"\bsrc\s*=", sample_html)
    # charts are inline SVG: volume, trend, hour x weekday, 2 waits, assignee, tag pairs
    assert sample_html.count("<svg") == 7


def test_element_ids_are_unique_and_content_derived(sample_html: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', sample_html)
    assert ids
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', sample_html):
        assert (ref[0] or ref[1]) in ids


def test_header_is_dated_by_the_data(sample_export: ct.Export, sample_html: str) -> None:
    days = [t.date() for t in sample_export.chats["createdAt"].to_list() if t is not None]
    assert f"Chats created {min(days)} to {max(days)} (Asia/Seoul)" in sample_html
    last = max(t for t in sample_export.messages["createdAt"].to_list() if t is not None)
    assert f"Data as of the last message: {last:%Y-%m-%d %H:%M:%S}" in sample_html


def test_headline_counts_match_a_brute_force_count(
    sample_export: ct.Export, sample_html: str
) -> None:
    n_chats, n_messages = sample_export.chats.height, sample_export.messages.height
    assert f'<div class="v">{n_chats:,}</div><div class="k">chats</div>' in sample_html
    assert f'<div class="v">{n_messages:,}</div><div class="k">messages</div>' in sample_html


def test_date_range_restricts_the_report(sample_export: ct.Export) -> None:
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    expected = sum(
        1 for t in sample_export.chats["createdAt"].to_list() if t and start <= t.date() <= end
    )
    html = ct.build_report(sample_export, date_from=start, date_to=end, charts=False).html()
    assert f'<div class="v">{expected:,}</div><div class="k">chats</div>' in html
    assert "Selection: from 2026-03-01; to 2026-03-31" in html


def test_hostile_text_is_escaped() -> None:
    html = ct.build_report(hostile_export(), charts=False).html()
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the pending chat's text
    assert "<b>vip</b>" not in html and "&lt;b&gt;vip&lt;/b&gt;" in html  # a tag
    assert "<i>Agent Park</i>" not in html and "&lt;i&gt;Agent Park&lt;/i&gt;" in html
    title = ct.build_report(hostile_export(), title=HOSTILE, charts=False).html()
    assert "<script" not in title


def test_mask_removes_personal_data_everywhere() -> None:
    plain = ct.build_report(hostile_export(), charts=False).html()
    assert EMAIL in plain and PHONE in plain and NAME in plain and "Agent Park" in plain
    masked_rep = ct.build_report(hostile_export(), mask=True)
    masked = masked_rep.html()
    for secret in (EMAIL, PHONE, NAME, "Agent Park"):
        assert secret not in masked
        assert secret not in masked_rep._repr_html_()
    assert "[email]" in masked and "[phone]" in masked
    assert "Personal data masked" in masked


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
    assert "Files: 1" in html


def test_repr_html_is_a_fragment_with_scoped_css(sample_export: ct.Export) -> None:
    rep = ct.build_report(sample_export, charts=False)
    frag = rep._repr_html_()
    assert "<html" not in frag and "<style>" in frag
    (css,) = re.findall(r"<style>(.*?)</style>", frag, re.S)
    selectors = re.findall(r"^([^\s{}][^{]*)\{", css, re.M)
    assert selectors
    assert all(part.strip().startswith(".ctr") for sel in selectors for part in sel.split(","))
    assert repr(rep) == "<Report 'Channel Talk chat report' sections=7>"


def test_missing_api_gives_a_visible_note(
    sample_export: ct.Export, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sections.api
    monkeypatch.setattr(sections, "api", lambda name: None if name == "reconcile" else real(name))
    html = ct.build_report(sample_export, charts=False).html()
    assert "<h2>Reconciliation with the exported numbers</h2>" in html
    assert "reconciliation: not available (chattools.reconcile is missing)" in html


def test_targets_are_reported_and_validated(sample_export: ct.Export) -> None:
    target = timedelta(minutes=10)
    metrics = ct.chat_metrics(sample_export)
    values = [v for v in metrics["first_response_time"].to_list() if v is not None]
    share = 100 * sum(v <= target for v in values) / len(values)
    html = ct.build_report(
        sample_export, targets={"first_response_time": target}, charts=False
    ).html()
    assert (
        f'<div class="v">{share:.1f}%</div><div class="k">first response time ≤ 10m 00s</div>'
        in html
    )
    with pytest.raises(InvalidValueError, match="targets"):
        ct.build_report(sample_export, targets={"first_response_time": 5}, charts=False)  # type: ignore[dict-item]
    with pytest.raises(InvalidValueError, match="'nope'"):
        ct.build_report(sample_export, targets={"nope": target}, charts=False)


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
    html = ct.build_report(exp, charts=False).html()
    cells = '<td>UserChat data</td><td>bad duration</td><td class="num">2</td>'
    assert cells in html
    assert '<td>bad datetime</td><td class="num">1</td><td>yesterday</td>' in html
    masked = ct.build_report(exp, mask=True, charts=False).html()
    assert EMAIL not in masked


def test_report_under_a_virtual_memory_limit_is_written_without_charts(tmp_path: Path) -> None:
    """vl-convert's V8 dies with SIGTRAP under `ulimit -v` of 8-64 GB; the report says so
    and is still written."""
    import resource
    import subprocess
    import sys

    path = tmp_path / "s.xlsx"
    sample.write_sample(path, chats=30)
    limit = 16 * 1024**3

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    out = tmp_path / "r.html"
    cmd = [sys.executable, "-m", "chattools", "report", str(path), "-o", str(out)]
    run = subprocess.run(
        cmd, preexec_fn=cap, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    html = out.read_text()
    assert "needs about 66 GiB of virtual address space" in html
    assert "limited to 16.0 GiB (ulimit -v)" in html
    assert "<svg" not in html
