"""The documentation in ``docs/`` cannot silently go stale.

* every column that ``chat_metrics``, ``channel_metrics``, ``summarize``, ``waits``, the
  reply samples, the runs and ``reconcile`` return is in the column dictionary of
  ``docs/metrics.md``, and so is every column of the functions for the 2026 export
  (``channel_2026_metrics``, ``reconcile`` on a 2026 export and the metrics it compares,
  the CSAT, ALF, reopen, queue, hold and team summaries under every ``by``, ``coverage``);
* every column the schema knows for a legacy sheet is named in that sheet's section of
  ``docs/export-format.md``;
* ``docs/README.md`` lists every page of ``docs/``, relative links between pages resolve,
  and the package cites ``docs/`` rather than specifications outside the repository.

The legacy frames are computed on a tiny hand-written export, the 2026 ones on a small
2026 sample: column names do not depend on the data, only on the arguments (``hours``,
``targets``, ``by``), which are all exercised.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from builders import TZ, make_export

import chattools as ct
from chattools import sample, schema
from chattools.derive.chat_groups import By
from chattools.derive.reconcile_2026 import REASONS_2026
from chattools.derive.replies import reply_samples
from chattools.derive.runs import runs
from chattools.derive.summary import SUMMARY_METRICS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOURS = ct.OperatingHours.weekly({"mon-fri": ["09:00-12:00", "13:00-18:00"]}, timezone=TZ)


def dictionary_entries(page: Path) -> list[str]:
    """The backticked names in the first cell of every table row of ``page``."""
    names = []
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([^`]+)`", line.split("|")[1])
    return names


def documented(column: str, entries: list[str]) -> bool:
    """Whether ``column`` is an entry, or matches one with a ``<placeholder>``."""
    for entry in entries:
        parts = re.split(r"<[a-z_]+>", entry)
        if re.fullmatch("[a-z0-9_]+".join(map(re.escape, parts)), column):
            return True
    return False


def section(page: Path, heading: str) -> str:
    """The text of ``page`` from the ``###`` heading starting with ``heading`` to the next."""
    text = page.read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(heading)}.*?(?=^##)", text, flags=re.M | re.S)
    assert match is not None, f"{page.name} has no section '### {heading}'"
    return match.group(0)


@pytest.fixture(scope="module")
def export() -> ct.Export:
    """Four chats covering every state: answered, waiting, snoozed, bot only."""
    chats = [
        {"id": "c1", "state": "closed", "openedAt": 0, "closedAt": 3600, "tags": ["vip"]},
        {"id": "c2", "state": "opened", "openedAt": 100, "assigneeId": "7"},
        {"id": "c3", "state": "snoozed", "openedAt": 200, "tags": ["a", "b"]},
        {"id": "c4", "state": "closed", "createdAt": 300},
    ]
    messages = [
        ("c1", "user", 0),
        ("c1", "manager", 300),
        ("c1", "user", 600),
        ("c1", "manager", 900),
        ("c2", "user", 100),
        ("c3", "user", 200),
        ("c3", "manager", 260),
        ("c4", "bot", 300),
    ]
    return make_export(chats, messages)


def computed_columns(export: ct.Export) -> dict[str, list[str]]:
    """Every column name the documented functions return, keyed by where it comes from."""
    metrics = ct.chat_metrics(export, hours=HOURS)
    targets = {m: timedelta(minutes=5) for m in SUMMARY_METRICS if m in metrics.columns}
    rec = ct.reconcile(export, hours=HOURS)
    out = {
        "chat_metrics()": ct.chat_metrics(export).columns,
        "chat_metrics(hours=)": metrics.columns,
        "channel_metrics(hours=)": ct.channel_metrics(export, hours=HOURS).columns,
        "waits(hours=)": ct.waits(export, hours=HOURS).columns,
        "reply_samples(hours=)": reply_samples(export, hours=HOURS).columns,
        "runs()": runs(export).columns,
        "reconcile.summary": rec.summary.columns,
        "reconcile.mismatches": rec.mismatches.columns,
        "reconcile.reasons": rec.reasons.columns,
    }
    for by in ("day", "week", "month", "hour_weekday", "tag"):
        out[f"summarize(by={by!r})"] = ct.summarize(metrics, by=by, targets=targets).columns
    out["summarize(business=True)"] = ct.summarize(metrics, by=[], business=True).columns
    return out


def undocumented(computed: dict[str, list[str]]) -> dict[str, list[str]]:
    """The columns of ``computed`` the dictionary of ``docs/metrics.md`` lacks, by origin."""
    entries = dictionary_entries(DOCS / "metrics.md")
    missing = {
        where: [c for c in cols if not documented(c, entries)] for where, cols in computed.items()
    }
    return {where: cols for where, cols in missing.items() if cols}


def test_every_computed_column_is_in_the_metrics_dictionary(export: ct.Export) -> None:
    assert undocumented(computed_columns(export)) == {}


def test_the_chat_key_follows_the_naming_rule(export: ct.Export) -> None:
    """docs/naming.md rule 1: ``id`` where a row is a chat, ``chat_id`` where it belongs to one."""
    from chattools.derive.channel_replay import channel_samples

    per_chat = {
        "chat_metrics": ct.chat_metrics(export),
        "channel_metrics": ct.channel_metrics(export, hours=HOURS),
        "chat_table": ct.chat_table(export),
        "chats_without_messages": ct.chats_without_messages(export),
    }
    of_a_chat = {
        "waits": ct.waits(export),
        "runs": runs(export),
        "reply_samples": reply_samples(export),
        "channel_samples": channel_samples(export),
        "reconcile.mismatches": ct.reconcile(export, hours=HOURS).mismatches,
    }
    for name, frame in per_chat.items():
        assert "id" in frame.columns and "chat_id" not in frame.columns, name
        assert frame["id"].is_unique().all(), name
    for name, frame in of_a_chat.items():
        assert "chat_id" in frame.columns and "id" not in frame.columns, name
    for name, frame in {"timeline": ct.timeline(export)}.items():  # the messages sheet, extended
        assert "chatId" in frame.columns and "chat_id" not in frame.columns, name


@pytest.fixture(scope="module")
def export_2026() -> ct.Export:
    """A 2026 sample with messages, teams, CSAT comments, ALF and queued chats."""
    exp = ct.open_export(sample.write_sample(None, chats=40, seed=1, generation="2026"))
    assert exp.generation == "2026"
    return exp


#: Every ``by`` of the 2026 summaries (``chattools/derive/chat_groups.py``), and a list of two.
GROUPINGS_2026: list[By] = [None, "assignee", "team", "tag", "period", ["team", "period"]]


def computed_2026_columns(exp: ct.Export) -> dict[str, list[str]]:
    """Every column the functions for the 2026 export return, keyed by where it comes from;
    ``reconcile(2026).metric`` holds the names of the metrics a 2026 reconciliation compares."""
    hours = ct.OperatingHours.weekly({"mon-fri": ["09:00-18:00"]}, timezone=exp.timezone)
    rec = ct.reconcile(exp, hours=hours)
    out = {
        "channel_2026_metrics()": ct.channel_2026_metrics(exp).columns,
        "channel_2026_metrics(hours=)": ct.channel_2026_metrics(exp, hours=hours).columns,
        "reconcile(2026).summary": rec.summary.columns,
        "reconcile(2026).mismatches": rec.mismatches.columns,
        "reconcile(2026).reasons": rec.reasons.columns,
        "reconcile(2026).metric": rec.summary["metric"].unique(maintain_order=True).to_list(),
        "csat_comments()": ct.csat_comments(exp).columns,
        "hold_times()": ct.hold_times(exp).columns,
        "hold_times(hours=)": ct.hold_times(exp, hours=hours).columns,
        "team_summary()": ct.team_summary(exp).columns,
        "coverage()": ct.coverage(exp).columns,
        "chat_metrics(2026, hours=)": ct.chat_metrics(exp, hours=hours).columns,
    }
    summaries = (
        ct.csat_summary,
        ct.csat_distribution,
        ct.alf_summary,
        ct.reopen_rates,
        ct.queue_times,
    )
    for summary in summaries:
        for by in GROUPINGS_2026:
            out[f"{summary.__name__}(by={by!r})"] = summary(exp, by).columns
    return out


def test_every_2026_column_is_in_the_metrics_dictionary(export_2026: ct.Export) -> None:
    computed = computed_2026_columns(export_2026)
    # Every comparison of decision 54 is made: 15 formulas (13 with a twin) and 2 handling
    # times (2 twins) on the timestamps, 5 answer columns (3 twins) on the messages; the
    # average and its twin from total and count are already among the answer columns.
    assert len(computed["reconcile(2026).metric"]) == 15 + 13 + 2 + 2 + 5 + 3
    assert undocumented(computed) == {}


def test_every_2026_reconciliation_reason_is_named_in_the_2026_part() -> None:
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    part = text[text.index("### 2026 export") : text.index("### The SQL port")]
    words = " ".join(part.replace("**", "").split())
    assert [r for r in REASONS_2026 if r not in words] == []


def test_the_metrics_dictionary_check_can_fail() -> None:
    entries = ["first_response_time", "<metric>_within_target"]
    assert documented("reply_time_within_target", entries)
    assert not documented("first_response_time_p95", entries)
    assert not documented("first_response_time_business", entries)


def legacy_columns(sheet: schema.Sheet) -> list[str]:
    """The columns the typed frame of a legacy ``sheet`` always has (``core``), minus those
    only another generation carries."""
    return [
        c.name
        for c in sheet.columns
        if c.core and "legacy" in (getattr(c, "generations", ()) or ("legacy",))
    ]


LEGACY_SHEETS = [s for s in schema.SHEETS.values() if "legacy" in s.sheet_names]


@pytest.mark.parametrize("sheet", LEGACY_SHEETS, ids=[s.key for s in LEGACY_SHEETS])
def test_every_legacy_schema_column_is_in_the_export_format(sheet: schema.Sheet) -> None:
    (name,) = sheet.sheet_names["legacy"]
    text = section(DOCS / "export-format.md", f"`{name}`")
    assert [c for c in legacy_columns(sheet) if f"`{c}`" not in text] == []


def test_the_legacy_chat_sheet_has_its_28_measured_columns() -> None:
    # tests/real/*.xlsx: UserChat data has 28 columns in both files (docs/export-format.md)
    assert len(legacy_columns(schema.SHEETS["chats"])) == 28


def test_the_docs_index_lists_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    pages = sorted(p.name for p in DOCS.glob("*.md") if p.name != "README.md")
    assert [p for p in pages if f"({p})" not in index] == []


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    links = re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
    assert [link for link in links if not (page.parent / link).exists()] == []


def test_the_package_cites_docs_not_specifications_outside_the_repository() -> None:
    citing = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "chattools").rglob("*"))
        if path.suffix in (".py", ".sql")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bshared/\w", line)
    ]
    assert citing == []
