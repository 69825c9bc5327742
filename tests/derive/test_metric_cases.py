"""Every implementation against one table of hand-worked cases: ``tests/cases/metric_cases.toml``.

Each case is a small chat written by hand with the values worked out by hand from
``docs/metrics.md``. One test per (case, implementation):

* ``channel_metrics`` — ``ct.channel_metrics`` against the case's Channel Talk columns;
* ``chat_metrics_ct`` — the ``ct_*`` columns of ``ct.chat_metrics``, the same values;
* ``chat_metrics`` — the analyst's columns of ``ct.chat_metrics``;
* ``sql_duckdb`` — ``chattools/sql/chat_metrics.sql`` on DuckDB, for the analyst columns the
  table's ``[sql]`` section says it computes (Float64 seconds);
* ``sample`` — the sample generator's row-by-row reference, ``cycle_metrics``.

Spark runs the same SQL text as DuckDB (``tests/sql/test_sql_spark.py`` checks that the two
agree); it is not run here, a JVM per case table being slow.

An implementation defined not to compute a value is named in the table (``[sql]``,
``not_computed``), and a known disagreement is a strict ``xfail`` there too: nothing is
left out silently. Structural tests refuse a case that omits a required column.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import chattools as ct
from chattools.derive.channel import CALENDAR_COLUMNS, OPERATION_COLUMNS
from chattools.derive.metrics import ct_name
from chattools.sample.ct_metrics import cycle_metrics
from chattools.sample.hours import SampleCalendar
from chattools.sql import run_duckdb

TABLE_PATH = Path(__file__).parents[1] / "cases" / "metric_cases.toml"
TABLE: dict[str, Any] = tomllib.loads(TABLE_PATH.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = TABLE["case"]
TZ = "Asia/Seoul"
ZONE = ZoneInfo(TZ)
BLANK = "blank"
CHAT_ID = "case"
CLOCK_ID = "export-clock"

IMPLEMENTATIONS = ("channel_metrics", "chat_metrics_ct", "chat_metrics", "sql_duckdb", "sample")
#: The analyst columns every case lists (with hours also their ``*_business`` twins).
ANALYST_CORE = (
    "first_response_time",
    "reply_count",
    "total_reply_time",
    "avg_reply_time",
    "resolution_time",
    "customer_waiting_time",
    "team_waiting_time",
    "unanswered_tail",
    "pending_age_at_export",
)
BUSINESS_CORE = tuple(f"{c}_business" for c in ANALYST_CORE if c != "reply_count")
ANALYST_OPTIONAL = (
    "snoozed_age_at_export",
    "snoozed_age_at_export_business",
    "is_bot_only",
    "is_outbound",
    "messages_customer",
    "messages_team",
    "messages_bot",
    "messages_note",
)
COUNTS = {"replyCount", "operationReplyCount", "reply_count"} | {
    c for c in ANALYST_OPTIONAL if c.startswith("messages_")
}
FLAGS = {"is_bot_only", "is_outbound"}
INSTANTS = {"firstRepliedAtAfterOpen"}
_US = 1_000_000


# -- reading the table ------------------------------------------------------------------------


def local(case: dict[str, Any], value: time | datetime) -> datetime:
    """A case's time (a local time on its ``day``, or a local date-time) as a tz-aware datetime."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=ZONE)
    day: date = case["day"]
    return datetime.combine(day, value, tzinfo=ZONE)


def has_hours(case: dict[str, Any]) -> bool:
    return "hours" in case


def channel_columns(case: dict[str, Any]) -> tuple[str, ...]:
    return CALENDAR_COLUMNS + (OPERATION_COLUMNS if has_hours(case) else ())


def required_analyst(case: dict[str, Any]) -> tuple[str, ...]:
    return ANALYST_CORE + (BUSINESS_CORE if has_hours(case) else ())


def calendars(case: dict[str, Any]) -> tuple[ct.OperatingHours | None, SampleCalendar]:
    """The case's calendar for the library and for the sample (no hours: always closed)."""
    if not has_hours(case):
        return None, SampleCalendar({}, timezone=TZ, holidays=None)
    spec = TABLE["hours"][case["hours"]]
    return (
        ct.OperatingHours.weekly(spec["weekly"], timezone=spec["timezone"], holidays=None),
        SampleCalendar(spec["weekly"], timezone=spec["timezone"], holidays=None),
    )


def build_export(case: dict[str, Any]) -> ct.Export:
    """The case's chat as a one-chat legacy export (plus the export clock, if any)."""
    chat = case["chat"]
    times = [local(case, m["at"]) for m in case["messages"]]

    def when(key: str) -> datetime | None:
        return local(case, chat[key]) if key in chat else None

    created = when("createdAt") or when("openedAt") or min(times)
    chats = [
        {
            "id": CHAT_ID,
            "state": chat["state"],
            "openedAt": when("openedAt"),
            "closedAt": when("closedAt"),
            "createdAt": created,
        }
    ]
    rows = [
        {
            "chatId": CHAT_ID,
            "personType": m["personType"],
            "createdAt": t,
            "plainText": m.get("text"),
            "isPrivate": m.get("isPrivate"),
        }
        for m, t in zip(case["messages"], times, strict=True)
    ]
    if "export_at" in case:  # the export time is the latest message of the export
        chats.append(
            {
                "id": CLOCK_ID,
                "state": "closed",
                "openedAt": None,
                "closedAt": None,
                "createdAt": None,
            }
        )
        rows.append(
            {
                "chatId": CLOCK_ID,
                "personType": "bot",
                "createdAt": local(case, case["export_at"]),
                "plainText": "export time",
                "isPrivate": None,
            }
        )
    stamp = pl.Datetime("us", TZ)
    chat_frame = pl.DataFrame(
        chats,
        schema={
            "id": pl.String(),
            "state": pl.String(),
            "openedAt": stamp,
            "closedAt": stamp,
            "createdAt": stamp,
        },
    ).with_columns(pl.lit("cases.xlsx").alias("_file"), pl.int_range(1, pl.len() + 1).alias("_row"))
    messages = pl.DataFrame(
        rows,
        schema={
            "chatId": pl.String(),
            "personType": pl.String(),
            "createdAt": stamp,
            "plainText": pl.String(),
            "isPrivate": pl.Boolean(),
        },
    ).with_columns(
        pl.lit("cases.xlsx").alias("_file"),
        pl.lit("Message data").alias("_sheet"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
    )
    if not any("isPrivate" in m for m in case["messages"]):
        messages = messages.drop("isPrivate")  # a legacy file has no such column
    return ct.Export({"chats": chat_frame, "messages": messages}, timezone=TZ)


# -- comparing ----------------------------------------------------------------------------------


def expected_value(case: dict[str, Any], column: str, value: Any) -> Any:
    """A table value in comparable form: None, microseconds, an aware datetime, int or bool."""
    if value == BLANK:
        return None
    if column in INSTANTS:
        return local(case, value)
    if column in COUNTS or column in FLAGS:
        return value
    return round(value * _US)


def got_value(column: str, value: Any) -> Any:
    """An implementation's value in the same form (Duration, float or int seconds)."""
    if value is None or column in COUNTS or column in FLAGS:
        return value
    if column in INSTANTS:
        return datetime.fromtimestamp(value, ZONE) if isinstance(value, int) else value
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    return round(value * _US)  # SQL float seconds, sample int seconds


def same(column: str, want: Any, got: Any) -> bool:
    if want is None or got is None:
        return want is got
    if column in COUNTS or column in FLAGS:
        return type(want) is type(got) and want == got
    if column in INSTANTS:
        return bool(want == got)
    return abs(want - got) <= 1  # durations: to the microsecond (500 s / 3 is not exact)


@dataclass
class Outcome:
    case: dict[str, Any]
    implementation: str
    wrong: dict[str, str]  # column -> "expected …, got …"

    def finish(self) -> None:
        """Fail on a wrong value, unless the table marks exactly that column a known bug.

        A mark is a strict xfail: the marked column must still be wrong (else the bug is
        fixed and the mark must go), and every other column must be right.
        """
        known: dict[str, str] = self.case.get("xfail", {}).get(self.implementation, {})
        where = f"{self.case['name']} / {self.implementation}"
        unexpected = {c: m for c, m in self.wrong.items() if c not in known}
        assert not unexpected, f"{where}:\n" + "\n".join(unexpected.values())
        fixed = sorted(set(known) - set(self.wrong))
        assert not fixed, f"{where}: {fixed} now right: remove the xfail from {TABLE_PATH.name}"
        if known:
            pytest.xfail("; ".join(f"{c}: {r} ({self.wrong[c].strip()})" for c, r in known.items()))


def compare(
    case: dict[str, Any],
    implementation: str,
    expected: dict[str, Any],
    row: dict[str, Any],
    names: dict[str, str] | None = None,
) -> Outcome:
    """Every expected column against ``row`` (its column named ``names[column]``)."""
    wrong = {}
    for column, value in expected.items():
        name = (names or {}).get(column, column)
        assert name in row, f"{implementation} has no column {name!r}"
        want, got = expected_value(case, column, value), got_value(column, row[name])
        if not same(column, want, got):
            wrong[column] = f"  {column}: expected {value!r}, got {row[name]!r}"
    return Outcome(case, implementation, wrong)


def one_row(frame: pl.DataFrame) -> dict[str, Any]:
    rows = frame.filter(pl.col("id") == CHAT_ID).rows(named=True)
    assert len(rows) == 1, f"expected one row for the case's chat, got {len(rows)}"
    return rows[0]


# -- the implementations -------------------------------------------------------------------------


def run_channel_metrics(case: dict[str, Any]) -> Outcome:
    hours, _ = calendars(case)
    frame = ct.channel_metrics(build_export(case), hours=hours)
    if hours is None:
        assert not set(OPERATION_COLUMNS) & set(frame.columns)  # absent without a calendar
    return compare(case, "channel_metrics", case["channel"], one_row(frame))


def run_chat_metrics_ct(case: dict[str, Any]) -> Outcome:
    hours, _ = calendars(case)
    row = one_row(ct.chat_metrics(build_export(case), hours))
    names = {c: ct_name(c) for c in case["channel"]}
    return compare(case, "chat_metrics_ct", case["channel"], row, names)


def run_chat_metrics(case: dict[str, Any]) -> Outcome:
    hours, _ = calendars(case)
    row = one_row(ct.chat_metrics(build_export(case), hours))
    return compare(case, "chat_metrics", case["analyst"], row)


def run_sql_duckdb(case: dict[str, Any]) -> Outcome:
    computes: dict[str, str] = TABLE["sql"]["computes"]
    not_computed: dict[str, str] = TABLE["sql"]["not_computed"]
    for column in case["analyst"]:
        assert column in computes or column in not_computed, (
            f"[sql] in {TABLE_PATH.name} does not say whether the SQL computes {column!r}"
        )
    expected = {c: v for c, v in case["analyst"].items() if c in computes}
    row = one_row(run_duckdb(build_export(case), threads=1))
    return compare(case, "sql_duckdb", expected, row, computes)


def run_sample(case: dict[str, Any]) -> Outcome:
    _, calendar = calendars(case)
    events = []
    for i, m in enumerate(case["messages"]):
        t = local(case, m["at"])
        assert t.microsecond == 0, (
            f"{case['name']}: the sample works on whole seconds; mark it not_computed"
        )
        note = bool(m.get("isPrivate")) or str(m.get("text", "")).startswith("@")
        events.append((int(t.timestamp()), i, m["personType"], note))
    events.sort()  # conversation order: time, then file order
    chat = case["chat"]

    def epoch(key: str) -> int | None:
        return int(local(case, chat[key]).timestamp()) if key in chat else None

    closed = chat["state"] == "closed"  # the sample is given the close of a closed cycle only
    out = cycle_metrics(
        [(t, p, note) for t, _, p, note in events],
        opened_at=epoch("openedAt"),
        closed_at=epoch("closedAt") if closed else None,
        calendar=calendar,
    )
    return compare(case, "sample", case["channel"], out)


RUNNERS = {
    "channel_metrics": run_channel_metrics,
    "chat_metrics_ct": run_chat_metrics_ct,
    "chat_metrics": run_chat_metrics,
    "sql_duckdb": run_sql_duckdb,
    "sample": run_sample,
}


def params() -> list[Any]:
    out = []
    for case in CASES:
        for implementation in IMPLEMENTATIONS:
            marks = []
            reason = case.get("not_computed", {}).get(implementation)
            if reason is not None:
                marks.append(pytest.mark.skip(reason=f"not computed by definition: {reason}"))
            out.append(
                pytest.param(
                    case, implementation, id=f"{case['name']}-{implementation}", marks=marks
                )
            )
    return out


@pytest.mark.parametrize(("case", "implementation"), params())
def test_case(case: dict[str, Any], implementation: str) -> None:
    RUNNERS[implementation](case).finish()


# -- the table itself ---------------------------------------------------------------------------


def test_table_has_the_cases_the_issue_asks_for() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CASES) >= 15
    assert sum(has_hours(c) for c in CASES) >= 4


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_is_complete(case: dict[str, Any]) -> None:
    assert case["why"].strip(), "say which rule the case pins"
    assert set(case) <= {
        "name",
        "why",
        "day",
        "chat",
        "messages",
        "export_at",
        "hours",
        "channel",
        "analyst",
        "not_computed",
        "xfail",
    }
    if has_hours(case):
        assert case["hours"] in TABLE["hours"]
    assert set(case["channel"]) == set(channel_columns(case)), "list every Channel Talk column"
    analyst = set(case["analyst"])
    missing = set(required_analyst(case)) - analyst
    assert not missing, f"list every core analyst column, missing {sorted(missing)}"
    allowed = set(required_analyst(case)) | set(ANALYST_OPTIONAL)
    assert analyst <= allowed, f"unknown analyst columns {sorted(analyst - allowed)}"
    not_computed = case.get("not_computed", {})
    assert set(not_computed) <= set(IMPLEMENTATIONS)
    assert all(r.strip() for r in not_computed.values()), "say why it is not computed"
    columns = set(case["channel"]) | set(case["analyst"])
    for implementation, known in case.get("xfail", {}).items():
        assert implementation in IMPLEMENTATIONS and implementation not in not_computed
        assert known and set(known) <= columns, "an xfail names the columns that are wrong"
        assert all(r.strip() for r in known.values()), "name the bug"


def test_sql_section_names_real_columns() -> None:
    computes, not_computed = TABLE["sql"]["computes"], TABLE["sql"]["not_computed"]
    assert set(computes.values()) == set(run_duckdb(ct.Export.empty()).columns) - {"id"}
    assert not set(computes) & set(not_computed)
    assert set(computes) | set(not_computed) == set(ANALYST_CORE + BUSINESS_CORE + ANALYST_OPTIONAL)
