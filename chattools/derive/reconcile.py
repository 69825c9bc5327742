"""Compare Channel Talk's exported metrics with their recomputation, and say why they differ.

:func:`reconcile` recomputes each exported column with Channel Talk's own rules
(:func:`chattools.derive.channel.channel_metrics`) and compares, per chat, on one of
these **bases** (what the recomputation reads):

* ``"messages"`` — the replay of the Message sheet (first reply, waiting time, reply
  count, total and average, their ``operation*`` twins);
* ``"exported timestamps"`` — ``openedAt``/``closedAt`` (resolution) and, for
  ``operationWaitingTime``, the exported first reply and waiting time;
* ``"exported first reply"`` — ``waitingTime`` from the exported
  ``firstRepliedAtAfterOpen`` and the replay's start of the wait;
* ``"exported total and count"`` — ``avgReplyTime = floor(total / count)``.

The exported-column bases check the rules themselves (100 % on the real exports
measured); the message basis also depends on what the sheet holds.

A **2026-generation** export is compared on its own documented columns instead
(``timeToFirstAnswer = firstAnsweredAt − managedAt``, ``totalReplyTime`` from the
answers, … with their ``…InOperation`` twins; messages optional), with the reasons of
:mod:`chattools.derive.reconcile_2026`. An export merging **both formats** (a channel's
downloads from before and after the switch) is compared per format, each chat by the
rules of the file its row came from (:mod:`chattools.derive.generations`); ``summary``,
``mismatches`` and ``reasons`` then start with a ``generation`` column.

**Match.** Both blank, or both present and within Channel Talk's truncation: with
``tolerance`` t (1 s) a duration recomputed from whole-second timestamps matches an
exported ``x`` when ``r − t <= x <= r`` (durations are floored), a total of C samples
when ``r − C·t <= x <= r + (C−1)·t``, an average or a time within ``± t``; counts and
values computed from other exported columns must be equal.

**Reasons.** Every mismatch gets one (:mod:`chattools.derive.reconcile_reasons`): an
``operation*`` value whose plain twin matches is ``"outside operating hours"``; a
broken arithmetic rule is ``"unexplained"``; the rest take their chat's reason.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta
>>> import chattools as ct
>>> tz = "Asia/Seoul"
>>> t = lambda m: datetime(2024, 3, 4, 10, m)
>>> chats = pl.DataFrame({"id": ["c1"], "state": ["closed"], "openedAt": [t(0)],
...     "closedAt": [t(30)], "firstRepliedAtAfterOpen": [t(7)], "replyCount": [1],
...     "waitingTime": [timedelta(minutes=7)], "totalReplyTime": [timedelta(minutes=7)],
...     "avgReplyTime": [timedelta(minutes=7)], "resolutionTime": [timedelta(minutes=30)]}
...     ).with_columns(pl.col("openedAt", "closedAt", "firstRepliedAtAfterOpen"
...                          ).dt.replace_time_zone(tz))
>>> msgs = pl.DataFrame({"chatId": ["c1"] * 3, "personType": ["user", "manager", "manager"],
...     "createdAt": [t(0), t(5), t(7)], "_row": [1, 2, 3]}).with_columns(
...     pl.col("createdAt").dt.replace_time_zone(tz))
>>> rec = ct.reconcile(ct.Export({"chats": chats, "messages": msgs}))
>>> rec.mismatches.select("metric", "basis", "exported", "recomputed").rows()[:2]
[('firstRepliedAtAfterOpen', 'messages', '2024-03-04 10:07:00', '2024-03-04 10:05:00'),
 ('waitingTime', 'messages', '0h 7m 0s', '0h 5m 0s')]
>>> rec.mismatches["reason"].unique().to_list()
['probable internal note (exported reply is a later manager message)']
>>> rec.all_match, rec.all_explained
(False, True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from chattools.derive.channel import CALENDAR_COLUMNS, OPERATION_COLUMNS
from chattools.derive.channel_2026 import resolve_calendars
from chattools.derive.collect import collect
from chattools.derive.generations import split_by_generation
from chattools.derive.hours import OperatingHours
from chattools.derive.infer_hours import (
    HoursArg,
    InferredHours,
    infer_operating_hours,
    resolve_hours,
)
from chattools.derive.reconcile_2026 import REASONS_2026, compare_2026
from chattools.derive.reconcile_checks import (
    BASES,
    COMPARISONS,
    FIRST_REPLY,
    MESSAGES,
    TIMESTAMPS,
    TOTAL_COUNT,
    TWINS,
    Kind,
    as_number,
    as_text,
    ok_column,
    recomputed,
    wide_frame,
    window,
)
from chattools.derive.reconcile_reasons import (
    HOURS,
    REASONS,
    UNEXPLAINED,
    chat_reasons,
    sample_reasons,
)
from chattools.errors import (
    ChattoolsError,
    InvalidValueError,
    MissingColumnError,
    MissingSheetError,
)
from chattools.export import Export
from chattools.schema import Generation

__all__ = [
    "BASES",
    "CALENDAR_METRICS",
    "COMPARISONS",
    "OPERATION_METRICS",
    "Reconciliation",
    "reconcile",
]

#: Exported columns recomputed without operating hours.
CALENDAR_METRICS = CALENDAR_COLUMNS
#: The ``operation*`` columns recomputed with operating hours.
OPERATION_METRICS = OPERATION_COLUMNS
_OP_TOTALS = ("operationTotalReplyTime", "operationAvgReplyTime")
_HOURS_DETAIL = (
    "the plain value matches: only the in-hours test differs, the calendar used does not "
    "match the channel's operating hours"
)
_RULE_DETAIL = {
    TOTAL_COUNT: "the exported average is not floor(exported total / count)",
    TIMESTAMPS: "the exported resolution is not closedAt − openedAt",
}


@dataclass(frozen=True)
class Reconciliation:
    """Exported vs recomputed metrics, with a reason for every difference.

    ``summary``: one row per comparison — ``metric``, ``basis`` (what the
    recomputation reads), ``compared`` (chats), ``matching`` (both blank, or within
    Channel Talk's truncation), ``share``, ``exported_null``, ``recomputed_null``,
    ``unexplained``. ``mismatches``: ``chat_id``, ``metric``, ``basis``, ``exported``
    and ``recomputed`` (as Channel Talk writes them), ``difference`` (recomputed −
    exported: seconds, or a count), ``reason`` (one of
    :data:`~chattools.derive.reconcile_reasons.REASONS`) and ``detail`` (the evidence,
    in words). ``reasons``: per reason, the chats
    and the values it covers. ``hours``: the calendar used (given or inferred);
    ``inferred``: the :class:`~chattools.derive.infer_hours.InferredHours` with
    ``hours="infer"``. An export of both formats has a leading ``generation`` column in
    the three frames (the same metric name can mean different things in each).
    """

    summary: pl.DataFrame
    mismatches: pl.DataFrame
    reasons: pl.DataFrame
    tolerance: timedelta
    hours: OperatingHours | None = None
    inferred: InferredHours | None = None

    @property
    def all_match(self) -> bool:
        """Whether every compared value matched."""
        return self.mismatches.height == 0

    @property
    def all_explained(self) -> bool:
        """Whether every mismatch has a reason other than ``"unexplained"``."""
        return not (self.mismatches["reason"] == UNEXPLAINED).any()

    def share(self, metric: str, basis: str = MESSAGES, generation: str | None = None) -> float:
        """The share of chats matching on one comparison (e.g. ``"replyCount"``); for an
        export of both formats, name the ``generation`` when both compare ``metric``.
        """
        row = self.summary.filter((pl.col("metric") == metric) & (pl.col("basis") == basis))
        if generation is not None and "generation" in row.columns:
            row = row.filter(pl.col("generation") == generation)
        if row.height != 1:
            known = sorted(set(zip(self.summary["metric"], self.summary["basis"], strict=True)))
            msg = f"no comparison of metric={metric!r} on basis={basis!r}"
            raise InvalidValueError(msg, hint=f"compared here: {known!r}.")
        return float(row["share"][0])

    def __repr__(self) -> str:
        total = int(self.summary["compared"].sum()) if self.summary.height else 0
        return (
            f"<Reconciliation comparisons={self.summary.height} values={total} "
            f"mismatches={self.mismatches.height} "
            f"unexplained={int((self.mismatches['reason'] == UNEXPLAINED).sum())} "
            f"tolerance={self.tolerance}>"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Reconciliation</b> — tolerance {html.escape(str(self.tolerance))}, "
            f"{self.mismatches.height} mismatching values</p>"
        )
        parts = [head, self.summary._repr_html_()]
        if self.mismatches.height:
            parts += [
                "<p>Mismatches by reason</p>",
                self.reasons.filter(pl.col("values") > 0)._repr_html_(),
                "<p>First mismatches</p>",
                self.mismatches.head(20)._repr_html_(),
            ]
        return "<div class='chattools-reconciliation'>" + "".join(parts) + "</div>"


def _check_input(exp: Export, tolerance: object) -> None:
    if not isinstance(tolerance, timedelta) or tolerance < timedelta(0):
        msg = f"tolerance must be a non-negative timedelta, got {tolerance!r}"
        raise InvalidValueError(msg, hint="pass e.g. tolerance=timedelta(seconds=1).")
    if exp.generation == "case":
        msg = f"reconcile needs chat rows and messages; this export's generation is {exp.generation!r}"
        raise MissingSheetError(
            msg, hint="download the chat export with message data (not the by-case export)."
        )
    if exp.generation == "2026":  # the timestamp formulas need no messages
        return
    has_chats = exp.lazy("chats").select(pl.len()).collect().item() > 0
    if has_chats and exp.lazy("messages").select(pl.len()).collect().item() == 0:
        msg = "reconcile needs the messages, but this export has no message rows"
        raise MissingSheetError(
            msg, hint="download the export again with the 'message data' option checked."
        )


def reconcile(
    exp: Export,
    hours: HoursArg = None,
    *,
    tolerance: timedelta = timedelta(seconds=1),
    team_hours: Mapping[str, OperatingHours] | None = None,
) -> Reconciliation:
    """Compare Channel Talk's exported metrics with their recomputation, with reasons.

    Parameters
    ----------
    exp
        A legacy export with its messages, or a 2026 export (its messages add the
        answer columns: :mod:`chattools.derive.reconcile_2026`).
    hours
        The channel's operating hours (adds the ``operation*`` columns), or ``"infer"``
        to infer them from the export (:func:`chattools.infer_operating_hours`).
    tolerance
        Channel Talk's truncation step (see the module docstring); 0 asks for exact
        equality.
    team_hours
        2026 exports: ``teamId`` → the hours of a team that follows its own, for its
        chats' ``…InOperation`` columns (help article 535967).
    """
    parts = split_by_generation(exp)
    if len(parts) > 1:
        return _per_generation(parts, hours, tolerance, team_hours)
    _check_input(exp, tolerance)
    if exp.generation == "2026":
        calendars = resolve_calendars(exp, hours, team_hours)
        frame, checks_2026 = compare_2026(exp, calendars, tolerance.total_seconds())
        channel = calendars.channel if calendars is not None else None
        return _result(frame, checks_2026, tolerance, channel, None, REASONS_2026)
    if team_hours is not None:
        msg = "team_hours applies to 2026 exports only (a legacy chat row has no team)"
        raise InvalidValueError(msg, hint="leave team_hours out for a legacy export.")
    inferred = infer_operating_hours(exp) if isinstance(hours, str) and hours == "infer" else None
    given = inferred.hours if inferred is not None else resolve_hours(exp, hours)
    if given is not None and not isinstance(given, OperatingHours):
        msg = (
            f"reconcile needs an OperatingHours calendar for the operation* columns, got {given!r}"
        )
        raise InvalidValueError(
            msg, hint='pass hours=ct.OperatingHours.weekly(...) or hours="infer".'
        )
    cal = given
    metrics = list(CALENDAR_METRICS) + (list(OPERATION_METRICS) if cal is not None else [])
    exp_schema = exp.lazy("chats").collect_schema()
    missing = [m for m in ("id", *metrics) if m not in exp_schema]
    if missing:
        msg = f"reconcile needs the exported metric columns; the chats lack {missing}"
        raise MissingColumnError(
            msg, hint="reconcile an export as loaded by ct.open_export (it keeps every column)."
        )
    checks = [c for c in COMPARISONS if c[0] in metrics]
    tol = tolerance.total_seconds()
    # one row per chat, read by every comparison below: collected once (left lazy, the
    # replay and joins behind it ran again for the comparisons' concatenation)
    wide = collect(wide_frame(exp, cal, metrics), exp).lazy()
    values, oks = [], []
    for metric, basis, kind in checks:
        dtype = exp_schema[metric]
        x, r = pl.col(f"x|{metric}"), recomputed(metric, basis, cal)
        diff = as_number(r, dtype) - as_number(x, dtype)
        count = pl.col(
            "r|operationReplyCount" if metric.startswith("operation") else "r|replyCount"
        )
        ok = (x.is_null() & r.is_null()) | window(kind, diff, tol, count).fill_null(False)
        oks.append(ok.alias(ok_column(metric, basis)))
        values += [r.alias(f"v|{metric}|{basis}"), diff.alias(f"d|{metric}|{basis}")]
    wide = wide.with_columns(*values, *oks)
    wide = wide.with_columns(
        pl.col(ok_column("firstRepliedAtAfterOpen", MESSAGES)).alias("ok_first"),
        pl.col(ok_column("waitingTime", FIRST_REPLY)).alias("ok_wait_x"),
        pl.col("x|firstRepliedAtAfterOpen").alias("x_first"),
        pl.col("r|firstRepliedAtAfterOpen").alias("r_first"),
        pl.col("x|replyCount").alias("x_count"),
        pl.col("r|replyCount").alias("r_count"),
        pl.col("x|totalReplyTime").alias("x_total"),
        pl.col("r|totalReplyTime").alias("r_total"),
    )
    reason, detail = chat_reasons(tol)
    wide = wide.with_columns(reason.alias("__chat_reason"), detail.alias("__chat_detail"))
    if cal is not None:  # the in-block samples alone, for operation* totals
        wide = wide.with_columns(
            pl.col("x|operationReplyCount").alias("op_x_count"),
            pl.col("r|operationReplyCount").alias("op_r_count"),
            pl.col("x|operationTotalReplyTime").alias("op_x_total"),
            pl.col("r|operationTotalReplyTime").alias("op_r_total"),
        )
        op_reason, op_detail = sample_reasons("op_", tol)
        wide = wide.with_columns(op_reason.alias("__op_reason"), op_detail.alias("__op_detail"))
    long = []
    for metric, basis, _ in checks:
        dtype = exp_schema[metric]
        twins = TWINS.get((metric, basis))
        reason, detail = pl.col("__chat_reason"), pl.col("__chat_detail")
        if twins is not None:
            twin_ok = (
                pl.all_horizontal([pl.col(ok_column(*t)) for t in twins]) if twins else pl.lit(True)
            )
            blame_hours = twin_ok
            if metric in _OP_TOTALS:
                # the same samples in hours, other totals: a shift the plain total's
                # truncation window hid (a note or a missing message), not the hours
                shifted = twin_ok & pl.col(ok_column("operationReplyCount", MESSAGES))
                blame_hours = twin_ok & ~shifted
                reason = pl.when(shifted).then(pl.col("__op_reason")).otherwise(reason)
                detail = pl.when(shifted).then(pl.col("__op_detail")).otherwise(detail)
            reason = pl.when(blame_hours).then(pl.lit(HOURS)).otherwise(reason)
            detail = pl.when(blame_hours).then(pl.lit(_HOURS_DETAIL)).otherwise(detail)
        elif basis == TOTAL_COUNT or (metric == "resolutionTime"):
            reason, detail = pl.lit(UNEXPLAINED), pl.lit(_RULE_DETAIL[basis])
        long.append(
            wide.select(
                pl.col("id").alias("chat_id"),
                pl.lit(metric).alias("metric"),
                pl.lit(basis).alias("basis"),
                as_text(pl.col(f"x|{metric}"), dtype).alias("exported"),
                as_text(pl.col(f"v|{metric}|{basis}"), dtype).alias("recomputed"),
                pl.col(f"d|{metric}|{basis}").alias("difference"),
                pl.col(ok_column(metric, basis)).alias("match"),
                pl.col(f"x|{metric}").is_null().alias("x_null"),
                pl.col(f"v|{metric}|{basis}").is_null().alias("r_null"),
                reason.alias("reason"),
                detail.alias("detail"),
            )
        )
    frame = collect(pl.concat(long), exp)
    return _result(frame, checks, tolerance, cal, inferred)


def _per_generation(
    parts: Mapping[Generation, Export],
    hours: HoursArg,
    tolerance: timedelta,
    team_hours: Mapping[str, OperatingHours] | None,
) -> Reconciliation:
    """Each format's chats by its own rules, the results stacked with their generation.

    ``hours="infer"`` infers the channel's hours from the legacy chats (a 2026 export
    cannot show them yet) and uses them for the 2026 chats too: one channel, one
    schedule.
    """
    results: dict[str, Reconciliation] = {}
    for generation, part in parts.items():
        given = hours
        if generation == "2026" and isinstance(hours, str) and hours == "infer":
            given = results["legacy"].hours if "legacy" in results else None
        try:
            results[generation] = reconcile(
                part,
                given,
                tolerance=tolerance,
                team_hours=team_hours if generation == "2026" else None,
            )
        except ChattoolsError as exc:  # say which files' chats could not be compared
            msg = f"the chats of the {generation}-format files: {exc.message}"
            raise type(exc)(msg, hint=exc.hint) from exc

    def stacked(name: str) -> pl.DataFrame:
        return pl.concat(
            [
                getattr(r, name).select(pl.lit(g).alias("generation"), pl.all())
                for g, r in results.items()
            ]
        )

    legacy = results.get("legacy")
    return Reconciliation(
        summary=stacked("summary"),
        mismatches=stacked("mismatches"),
        reasons=stacked("reasons"),
        tolerance=tolerance,
        hours=legacy.hours if legacy is not None else next(iter(results.values())).hours,
        inferred=legacy.inferred if legacy is not None else None,
    )


def _result(
    frame: pl.DataFrame,
    checks: list[tuple[str, str, Kind]],
    tolerance: timedelta,
    hours: OperatingHours | None,
    inferred: InferredHours | None,
    reasons_order: tuple[str, ...] = REASONS,
) -> Reconciliation:
    mismatches = frame.filter(~pl.col("match")).select(
        "chat_id", "metric", "basis", "exported", "recomputed", "difference", "reason", "detail"
    )
    counts = frame.group_by("metric", "basis").agg(
        pl.len().cast(pl.Int64).alias("compared"),
        pl.col("match").sum().cast(pl.Int64).alias("matching"),
        pl.col("x_null").sum().cast(pl.Int64).alias("exported_null"),
        pl.col("r_null").sum().cast(pl.Int64).alias("recomputed_null"),
        (~pl.col("match") & (pl.col("reason") == UNEXPLAINED))
        .sum()
        .cast(pl.Int64)
        .alias("unexplained"),
    )
    order = pl.DataFrame(
        {"metric": [c[0] for c in checks], "basis": [c[1] for c in checks]},
        schema={"metric": pl.String, "basis": pl.String},
    )
    summary = (
        order.join(counts, on=["metric", "basis"], how="left", maintain_order="left")
        .with_columns(pl.exclude("metric", "basis").fill_null(0))
        .with_columns(
            pl.when(pl.col("compared") > 0).then(pl.col("matching") / pl.col("compared")).alias("share")
        )
        .select("metric", "basis", "compared", "matching", "share", "exported_null",
                "recomputed_null", "unexplained")
    )  # fmt: skip
    per_reason = mismatches.group_by("reason").agg(
        pl.col("chat_id").n_unique().cast(pl.Int64).alias("chats"),
        pl.len().cast(pl.Int64).alias("values"),
    )
    reasons = (
        pl.DataFrame({"reason": list(reasons_order)}, schema={"reason": pl.String})
        .join(per_reason, on="reason", how="left", maintain_order="left")
        .with_columns(pl.col("chats", "values").fill_null(0))
    )
    return Reconciliation(summary, mismatches, reasons, tolerance, hours, inferred)
