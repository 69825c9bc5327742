"""Charts of an export: pure functions of frames that return Altair charts.

Each chart has a ``*_frame`` twin that does the aggregation in Polars (so the data a
chart shows can be inspected, tabulated or tested) and a ``*_chart`` function that
draws it. Charts hold only the small aggregated table, never raw rows, and use no
selections or generated names, so the same input always gives the same Vega-Lite spec
and, through :func:`to_svg` / :func:`to_png` (``vl-convert``, offline), the same image.
Dates are drawn on a UTC scale from local calendar dates, so the output does not depend
on the time zone of the machine.

Altair and vl-convert are optional (``pip install 'chattools[notebooks]'``): they are
imported when a chart is built.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from chattools import plots
>>> chats = pl.DataFrame({"createdAt": [datetime(2024, 3, 4, 9), datetime(2024, 3, 6, 23),
...                                     datetime(2024, 3, 12, 10)]}
...     ).with_columns(pl.col("createdAt").dt.replace_time_zone("Asia/Seoul"))
>>> [(str(period), n) for period, n in plots.volume_frame(chats, every="week").rows()]
[('2024-03-04', 2), ('2024-03-11', 1)]
>>> svg = plots.to_svg(plots.volume_chart(chats, every="week"))
>>> svg.startswith("<svg") and svg == plots.to_svg(plots.volume_chart(chats, every="week"))
True
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from chattools.derive.joins import UNASSIGNED_LABEL, with_assignee
from chattools.derive.summary import PERIODS, period_start
from chattools.errors import InvalidValueError, MissingColumnError, MissingDependencyError
from chattools.readers.parse import TIMESTAMP_RANGE
from chattools.render import rename_svg_ids, to_png, to_svg

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "DURATION_BANDS",
    "EARLIEST",
    "WEEKDAYS",
    "assignee_chart",
    "assignee_columns",
    "assignee_frame",
    "duration_band_expr",
    "hour_weekday_chart",
    "hour_weekday_frame",
    "rename_svg_ids",
    "tag_pairs_chart",
    "to_png",
    "to_svg",
    "trend_chart",
    "trend_frame",
    "volume_chart",
    "volume_frame",
    "waits_chart",
    "waits_frame",
]

Every = Literal["day", "week", "month"]
_EVERY = PERIODS  # day, week, month
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Upper bounds (seconds, exclusive) and labels of the duration bands of :func:`waits_frame`.
DURATION_BANDS: tuple[tuple[float, str], ...] = (
    (60, "< 1 min"),
    (5 * 60, "1–5 min"),
    (15 * 60, "5–15 min"),
    (60 * 60, "15–60 min"),
    (4 * 3600, "1–4 h"),
    (24 * 3600, "4–24 h"),
    (float("inf"), "≥ 1 day"),
)

#: The first day a chart bins by default: the first the readers accept (decision 43).
EARLIEST: date = TIMESTAMP_RANGE[0].date()

_WIDTH = 560
_HEIGHT = 220


def _altair() -> Any:
    try:
        import altair as alt
    except ImportError:  # pragma: no cover - exercised only without the extra
        msg = "charts need the optional package 'altair'"
        raise MissingDependencyError(msg) from None
    return alt


def _need(frame: pl.DataFrame | pl.LazyFrame, columns: tuple[str, ...], what: str) -> None:
    schema = frame.collect_schema()
    missing = [c for c in columns if c not in schema]
    if missing:
        msg = f"{what} needs column(s) {missing!r}; the frame has {list(schema)!r}"
        raise MissingColumnError(msg, hint="pass the frame the function's docstring names.")


def _minutes(expr: pl.Expr) -> pl.Expr:
    return (expr.dt.total_microseconds() / 60_000_000).round(2)


def _dates_as_text(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """``Date`` columns as ISO text for the chart's data: Vega-Lite reads them as UTC days."""
    return frame.with_columns(pl.col(c).dt.to_string("%Y-%m-%d") for c in columns)


# -- volume -----------------------------------------------------------------------------
def volume_frame(
    chats: pl.DataFrame,
    *,
    every: Every = "week",
    column: str = "createdAt",
    start: date | None = EARLIEST,
    end: date | None = None,
) -> pl.DataFrame:
    """Chats per day, week (starting Monday) or month, in the channel time zone.

    Returns ``period`` (``Date``: the period's first day) and ``chats``; periods
    without chats between the first and the last are included with 0. Chats dated
    before ``start`` or after ``end`` are left out: by default those before
    :data:`EARLIEST` (2000-01-01; e.g. Excel's zero date 1899-12-30),
    which would stretch the axis over a century (the report lists them as problems).
    """
    if every not in _EVERY:
        msg = f"every={every!r} is not a known period"
        raise InvalidValueError(msg, hint=f"use one of {list(_EVERY)!r}.")
    _need(chats, (column,), "volume_frame")
    day = pl.col(column).dt.date()
    keep = pl.lit(True)
    if start is not None:
        keep = keep & (day >= start)
    if end is not None:
        keep = keep & (day <= end)
    starts = chats.filter(keep | day.is_null()).select(
        period_start(pl.col(column), _EVERY[every]).alias("period")
    )
    counts = starts.drop_nulls().group_by("period").agg(pl.len().cast(pl.Int64).alias("chats"))
    if counts.height == 0:
        return pl.DataFrame(schema={"period": pl.Date, "chats": pl.Int64})
    grid = counts.select(
        pl.date_range(pl.col("period").min(), pl.col("period").max(), _EVERY[every]).alias("period")
    )
    return (
        grid.join(counts, on="period", how="left")
        .with_columns(pl.col("chats").fill_null(0))
        .sort("period")
    )


def volume_chart(
    chats: pl.DataFrame,
    *,
    every: Every = "week",
    column: str = "createdAt",
    title: str | None = None,
    start: date | None = EARLIEST,
    end: date | None = None,
) -> alt.Chart:
    """Bar chart of chats per period (see :func:`volume_frame`); each bar spans its period."""
    alt = _altair()
    data = volume_frame(chats, every=every, column=column, start=start, end=end).with_columns(
        pl.col("period").dt.offset_by(_EVERY[every]).alias("period_end")
    )
    data = _dates_as_text(data, "period", "period_end")
    fmt = "%Y-%m" if every == "month" else "%Y-%m-%d"
    ticks = {"interval": "month", "step": 1} if every == "month" else None
    axis = alt.Axis(format=fmt, tickCount=ticks) if ticks else alt.Axis(format=fmt)
    return (
        alt.Chart(data, title=title or f"Chats per {every}")
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("period:T", title=None, scale=alt.Scale(type="utc"), axis=axis),
            x2="period_end:T",
            y=alt.Y("chats:Q", title="chats"),
            y2=alt.datum(0),
            tooltip=["period:N", "chats:Q"],
        )
        .properties(width=_WIDTH, height=_HEIGHT)
    )


def trend_frame(
    metrics: pl.DataFrame,
    *,
    metric: str = "first_response_time",
    every: Every = "week",
    column: str = "createdAt",
) -> pl.DataFrame:
    """Median of a duration metric per period (minutes), calendar and business side by side.

    ``metrics`` is :func:`chattools.chat_metrics` output. Returns ``period``, ``variant``
    (``"calendar"``, and ``"business"`` when ``{metric}_business`` exists),
    ``median_minutes`` and ``n`` (chats with a value); ``period`` is a ``Date``, the
    periods those of :func:`volume_frame`.
    """
    _need(metrics, (metric, column), "trend_frame")
    if every not in _EVERY:
        msg = f"every={every!r} is not a known period"
        raise InvalidValueError(msg, hint=f"use one of {list(_EVERY)!r}.")
    variants = {"calendar": metric}
    if f"{metric}_business" in metrics.columns:
        variants["business"] = f"{metric}_business"
    period = period_start(pl.col(column), _EVERY[every])
    parts = [
        metrics.group_by(period.alias("period"))
        .agg(
            _minutes(pl.col(col).median()).alias("median_minutes"),
            pl.col(col).is_not_null().sum().cast(pl.Int64).alias("n"),
        )
        .with_columns(pl.lit(name).alias("variant"))
        for name, col in variants.items()
    ]
    return (
        pl.concat(parts)
        .drop_nulls("period")
        .select("period", "variant", "median_minutes", "n")
        .sort("period", "variant")
    )


def trend_chart(
    metrics: pl.DataFrame,
    *,
    metric: str = "first_response_time",
    every: Every = "week",
    column: str = "createdAt",
    title: str | None = None,
) -> alt.Chart:
    """Line chart of the median of ``metric`` per period (see :func:`trend_frame`)."""
    alt = _altair()
    data = _dates_as_text(trend_frame(metrics, metric=metric, every=every, column=column), "period")
    label = metric.replace("_", " ")
    return (
        alt.Chart(data, title=title or f"Median {label} per {every} (min)")
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "period:T",
                title=None,
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%Y-%m-%d"),
            ),
            y=alt.Y("median_minutes:Q", title="minutes"),
            color=alt.Color("variant:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["period:N", "variant:N", "median_minutes:Q", "n:Q"],
        )
        .properties(width=_WIDTH, height=_HEIGHT)
    )


# -- hour x weekday ---------------------------------------------------------------------
def hour_weekday_frame(chats: pl.DataFrame, *, column: str = "createdAt") -> pl.DataFrame:
    """Chats per weekday and hour of day (channel time zone): all 7 × 24 cells.

    Returns ``weekday`` (``Int8``, 1 = Monday … 7 = Sunday, as ``summarize``'s),
    ``hour`` (0–23) and ``chats``; :func:`hour_weekday_chart` labels the days
    (:data:`WEEKDAYS`).
    """
    _need(chats, (column,), "hour_weekday_frame")
    counts = (
        chats.select(
            pl.col(column).dt.weekday().cast(pl.Int8).alias("wd"),
            pl.col(column).dt.hour().cast(pl.Int8).alias("hour"),
        )
        .drop_nulls()
        .group_by("wd", "hour")
        .agg(pl.len().cast(pl.Int64).alias("chats"))
    )
    grid = pl.DataFrame({"wd": list(range(1, 8))}, schema={"wd": pl.Int8}).join(
        pl.DataFrame({"hour": list(range(24))}, schema={"hour": pl.Int8}), how="cross"
    )
    return (
        grid.join(counts, on=["wd", "hour"], how="left")
        .with_columns(pl.col("chats").fill_null(0))
        .sort("wd", "hour")
        .select(pl.col("wd").alias("weekday"), "hour", "chats")
    )


def hour_weekday_chart(
    chats: pl.DataFrame, *, column: str = "createdAt", title: str | None = None
) -> alt.Chart:
    """Heat map of chats per hour of day × weekday (see :func:`hour_weekday_frame`)."""
    alt = _altair()
    data = hour_weekday_frame(chats, column=column).with_columns(
        pl.col("weekday").replace_strict(list(range(1, 8)), WEEKDAYS, return_dtype=pl.String)
    )
    return (
        alt.Chart(data, title=title or "Chats by hour and weekday")
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="hour"),
            y=alt.Y("weekday:O", sort=list(WEEKDAYS), title=None),
            color=alt.Color("chats:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["weekday:N", "hour:O", "chats:Q"],
        )
        .properties(width=_WIDTH, height=7 * 22)
    )


# -- waiting times ----------------------------------------------------------------------
def duration_band_expr(expr: pl.Expr) -> pl.Expr:
    """The :data:`DURATION_BANDS` label of a ``Duration`` expression (null stays null)."""
    seconds = expr.dt.total_microseconds() / 1_000_000
    bounds = [bound for bound, _ in DURATION_BANDS[:-1]]
    index = pl.sum_horizontal((seconds >= b).cast(pl.Int64) for b in bounds)
    labels = [label for _, label in DURATION_BANDS]
    return (
        pl.when(expr.is_not_null())
        .then(index.replace_strict(list(range(len(labels))), labels, return_dtype=pl.String))
        .otherwise(pl.lit(None, pl.String))
    )


def waits_frame(
    waits: pl.DataFrame, *, kind: str = "waiting", duration: str = "duration"
) -> pl.DataFrame:
    """Waiting intervals per kind and duration band (:data:`DURATION_BANDS`).

    Parameters
    ----------
    waits
        One row per waiting interval, e.g. :func:`chattools.waits` output.
    kind
        The column naming the bucket (customer waiting on team, team waiting on customer…).
    duration
        The ``Duration`` column to band (calendar or business variant).

    Returns ``kind``, ``band``, ``band_order``, ``intervals`` and ``share`` (of the kind).
    """
    _need(waits, (kind, duration), "waits_frame")
    labels = [label for _, label in DURATION_BANDS]
    return (
        waits.select(
            pl.col(kind).cast(pl.String).alias("kind"),
            duration_band_expr(pl.col(duration)).alias("band"),
        )
        .drop_nulls()
        .group_by("kind", "band")
        .agg(pl.len().cast(pl.Int64).alias("intervals"))
        .with_columns(
            pl.col("band")
            .replace_strict(labels, list(range(len(labels))), return_dtype=pl.Int64)
            .alias("band_order"),
            (pl.col("intervals") / pl.col("intervals").sum().over("kind")).round(4).alias("share"),
        )
        .sort("kind", "band_order")
        .select("kind", "band", "band_order", "intervals", "share")
    )


def waits_chart(
    waits: pl.DataFrame,
    *,
    kind: str = "waiting",
    duration: str = "duration",
    title: str | None = None,
) -> alt.Chart:
    """Distribution of waiting times per kind, as shares of duration bands."""
    alt = _altair()
    data = waits_frame(waits, kind=kind, duration=duration)
    labels = [label for _, label in DURATION_BANDS]
    return (
        alt.Chart(data, title=title or "Waiting time distribution")
        .mark_bar()
        .encode(
            x=alt.X("band:N", sort=labels, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("kind:N"),
            y=alt.Y("share:Q", title="share of intervals", axis=alt.Axis(format="%")),
            color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["kind:N", "band:N", "intervals:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=_WIDTH, height=_HEIGHT)
    )


# -- per assignee -----------------------------------------------------------------------
def assignee_frame(
    metrics: pl.DataFrame,
    *,
    business: bool = False,
    managers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per assignee: chats, median first response and pooled mean reply time (minutes).

    ``metrics`` is :func:`chattools.chat_metrics` output (``assigneeId``,
    ``first_response_time``, ``total_reply_time``, ``reply_count``; the ``_business``
    durations with ``business=True``). Returns ``assignee``, ``assigneeId``, ``chats``,
    ``answered``, ``first_response_time_median_minutes`` and
    ``reply_time_mean_minutes`` (``first_response_time_business_median_minutes`` and
    ``reply_time_business_mean_minutes`` with ``business=True``). ``managers`` (``id``,
    ``name``) labels assignees by name, as :func:`chattools.chat_metrics` does; without
    it, the metrics' own ``assignee_name`` does. An id without a name is ``"manager 7
    (unknown)"``, no assignee ``"(unassigned)"``. Sorted by chats, then label.
    """
    sfx = "_business" if business else ""
    frt, total, count = f"first_response_time{sfx}", f"total_reply_time{sfx}", "reply_count"
    _need(metrics, ("assigneeId", frt, total, count), "assignee_frame")
    median, mean = assignee_columns(business=business)
    own_names = "assignee_name" in metrics.columns and (managers is None or not managers.height)
    out = metrics.group_by("assigneeId").agg(
        pl.len().cast(pl.Int64).alias("chats"),
        pl.col(frt).is_not_null().sum().cast(pl.Int64).alias("answered"),
        _minutes(pl.col(frt).median()).alias(median),
        _minutes(pl.col(total).sum() / pl.col(count).sum().cast(pl.Int64).replace(0, None)).alias(
            mean
        ),
        *([pl.col("assignee_name").first()] if own_names else []),
    )
    if not own_names:  # the Manager sheet's names and chat_metrics' placeholder
        sheet = managers if managers is not None else pl.DataFrame(schema={"id": pl.String})
        out = with_assignee(out.lazy(), sheet.lazy()).collect()
    label = pl.col("assignee_name").fill_null(UNASSIGNED_LABEL)
    return (
        out.with_columns(label.alias("assignee"))
        .select(
            "assignee",
            "assigneeId",
            "chats",
            "answered",
            median,
            mean,
        )
        .sort(["chats", "assignee"], descending=[True, False])
    )


def assignee_columns(*, business: bool = False) -> tuple[str, str]:
    """The names of :func:`assignee_frame`'s median first response and mean reply time.

    Examples
    --------
    >>> assignee_columns(business=True)
    ('first_response_time_business_median_minutes', 'reply_time_business_mean_minutes')
    """
    sfx = "_business" if business else ""
    return f"first_response_time{sfx}_median_minutes", f"reply_time{sfx}_mean_minutes"


def assignee_chart(
    metrics: pl.DataFrame,
    *,
    business: bool = False,
    managers: pl.DataFrame | None = None,
    top: int = 15,
    title: str | None = None,
) -> alt.Chart:
    """Median first response per assignee (bars), labelled with the number of chats."""
    alt = _altair()
    data = assignee_frame(metrics, business=business, managers=managers).head(top)
    median, mean = assignee_columns(business=business)
    order = data["assignee"].to_list()
    base = alt.Chart(data, title=title or "Median first response per assignee (min)")
    bars = base.mark_bar().encode(
        y=alt.Y("assignee:N", sort=order, title=None),
        x=alt.X(f"{median}:Q", title="median first response (min)"),
        tooltip=["assignee:N", "chats:Q", f"{median}:Q", f"{mean}:Q"],
    )
    text = base.mark_text(align="left", dx=3).encode(
        y=alt.Y("assignee:N", sort=order),
        x=f"{median}:Q",
        text=alt.Text("chats:Q", format="d"),
    )
    return (bars + text).properties(width=_WIDTH - 120, height=max(60, 18 * len(order)))


# -- tag co-occurrence -----------------------------------------------------------------
def tag_pairs_chart(
    pairs: pl.DataFrame,
    *,
    a: str = "tag_a",
    b: str = "tag_b",
    value: str = "chats",
    top: int = 12,
    title: str | None = None,
) -> alt.Chart:
    """Heat map of how often two tags are on the same chat.

    ``pairs`` has one row per unordered tag pair (columns ``a``, ``b``, ``value``), e.g.
    :func:`chattools.tag_pairs` output. The ``top`` tags by pair count are shown; each
    pair is drawn in both cells so the map is symmetric.
    """
    alt = _altair()
    _need(pairs, (a, b, value), "tag_pairs_chart")
    both = pl.concat(
        [
            pairs.select(pl.col(a).alias("x"), pl.col(b).alias("y"), pl.col(value).alias("v")),
            pairs.select(pl.col(b).alias("x"), pl.col(a).alias("y"), pl.col(value).alias("v")),
        ]
    ).filter(pl.col("x") != pl.col("y"))
    totals = both.group_by("x").agg(pl.col("v").sum()).sort(["v", "x"], descending=[True, False])
    keep = totals["x"].head(top).to_list()
    data = (
        both.filter(pl.col("x").is_in(keep) & pl.col("y").is_in(keep))
        .group_by("x", "y")
        .agg(pl.col("v").sum().alias("chats"))
        .sort("x", "y")
    )
    return (
        alt.Chart(data, title=title or "Tags used together (chats)")
        .mark_rect()
        .encode(
            x=alt.X("x:N", sort=keep, title=None),
            y=alt.Y("y:N", sort=keep, title=None),
            color=alt.Color("chats:Q", scale=alt.Scale(scheme="oranges")),
            tooltip=["x:N", "y:N", "chats:Q"],
        )
        .properties(width=18 * max(len(keep), 4), height=18 * max(len(keep), 4))
    )
