"""Chart data (hand-computed), chart specs, and deterministic SVG/PNG rendering."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from chattools import plots
from chattools.errors import InvalidValueError, MissingColumnError

pytest.importorskip("altair")
pytest.importorskip("vl_convert")

TZ = "Asia/Seoul"


def chats() -> pl.DataFrame:
    # 2024-04-01 00:30 KST is still 2024-03-31 in UTC: local dates must be used.
    return pl.DataFrame(
        {
            "createdAt": [
                datetime(2024, 3, 4, 9, 0),  # Mon
                datetime(2024, 3, 6, 23, 0),  # Wed
                datetime(2024, 3, 17, 23, 30),  # Sun
                datetime(2024, 3, 31, 23, 30),  # Sun
                datetime(2024, 4, 1, 0, 30),  # Mon
                None,
            ]
        }
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))


def test_volume_frame_by_week_fills_empty_weeks() -> None:
    assert plots.volume_frame(chats(), every="week").rows() == [
        (date(2024, 3, 4), 2),
        (date(2024, 3, 11), 1),
        (date(2024, 3, 18), 0),
        (date(2024, 3, 25), 1),
        (date(2024, 4, 1), 1),
    ]


def test_volume_frame_by_month_and_day() -> None:
    assert plots.volume_frame(chats(), every="month").rows() == [
        (date(2024, 3, 1), 4),
        (date(2024, 4, 1), 1),
    ]
    by_day = dict(plots.volume_frame(chats(), every="day").rows())
    assert len(by_day) == 29  # 2024-03-04 … 2024-04-01
    assert sum(by_day.values()) == 5
    assert by_day[date(2024, 3, 5)] == 0
    assert by_day[date(2024, 3, 31)] == 1
    assert by_day[date(2024, 4, 1)] == 1


def test_volume_frame_errors_and_empty() -> None:
    with pytest.raises(InvalidValueError, match="every='year'"):
        plots.volume_frame(chats(), every="year")  # type: ignore[arg-type]
    with pytest.raises(MissingColumnError, match="createdAt"):
        plots.volume_frame(pl.DataFrame({"id": ["a"]}))
    assert plots.volume_frame(chats().clear()).height == 0


def test_hour_weekday_frame_has_every_cell() -> None:
    out = plots.hour_weekday_frame(chats())
    assert out.height == 7 * 24
    cells = {(w, h): n for w, h, n in out.rows() if n}
    assert cells == {(1, 9): 1, (3, 23): 1, (7, 23): 2, (1, 0): 1}  # 1 = Monday
    assert out.schema == pl.Schema({"weekday": pl.Int8, "hour": pl.Int8, "chats": pl.Int64})


def test_hour_weekday_chart_labels_the_days() -> None:
    spec = plots.hour_weekday_chart(chats()).to_dict()
    (rows,) = spec["datasets"].values()
    assert [r["weekday"] for r in rows[::24]] == list(plots.WEEKDAYS)


def waits() -> pl.DataFrame:
    s = lambda n: timedelta(seconds=n)  # noqa: E731
    return pl.DataFrame(
        {
            "waiting": ["customer_on_team"] * 4 + ["team_on_customer"] * 2,
            "duration": [s(30), s(60), s(299), s(3600), s(86400), None],
        }
    )


def test_waits_frame_bands_and_shares() -> None:
    out = plots.waits_frame(waits())
    assert out.select("kind", "band", "intervals", "share").rows() == [
        ("customer_on_team", "< 1 min", 1, 0.25),
        ("customer_on_team", "1–5 min", 2, 0.5),  # 60 s is not under a minute
        ("customer_on_team", "1–4 h", 1, 0.25),
        ("team_on_customer", "≥ 1 day", 1, 1.0),  # the null duration is not counted
    ]


def metrics() -> pl.DataFrame:
    s = lambda n: None if n is None else timedelta(seconds=n)  # noqa: E731
    return pl.DataFrame(
        {
            "assigneeId": ["7", "7", "7", None],
            "first_response_time": [s(60), s(180), None, s(600)],
            "first_response_time_business": [s(60), s(60), None, s(30)],
            "total_reply_time": [s(60), s(300), None, None],
            "total_reply_time_business": [s(60), s(120), None, None],
            "reply_count": [1, 2, 0, 0],
            "createdAt": [
                datetime(2024, 3, 4, 9),
                datetime(2024, 3, 5, 9),
                datetime(2024, 3, 12, 9),
                datetime(2024, 3, 13, 9),
            ],
        },
        schema_overrides={"assigneeId": pl.String},
    ).with_columns(pl.col("createdAt").dt.replace_time_zone(TZ))


def test_assignee_frame_medians_and_pooled_means() -> None:
    managers = pl.DataFrame({"id": ["7", "7"], "name": ["Lee", "Lee again"]})
    out = plots.assignee_frame(metrics(), managers=managers)
    assert out.rows() == [
        # 3 chats, 2 answered, median(60, 180) s = 2 min, (60 + 300) s / 3 replies = 2 min
        ("Lee", "7", 3, 2, 2.0, 2.0),
        ("(unassigned)", None, 1, 1, 10.0, None),
    ]
    business = plots.assignee_frame(metrics(), business=True)
    assert business.select(
        "assignee",
        "first_response_time_business_median_minutes",
        "reply_time_business_mean_minutes",
    ).rows() == [
        ("manager 7 (unknown)", 1.0, 1.0),  # no Manager sheet given: as chat_metrics says
        ("(unassigned)", 0.5, None),
    ]


def test_trend_frame_calendar_and_business() -> None:
    out = plots.trend_frame(metrics(), every="week")
    assert out.rows() == [
        (date(2024, 3, 4), "business", 1.0, 2),
        (date(2024, 3, 4), "calendar", 2.0, 2),
        (date(2024, 3, 11), "business", 0.5, 1),
        (date(2024, 3, 11), "calendar", 10.0, 1),
    ]


def test_every_chart_builds_and_renders_deterministically() -> None:
    pairs = pl.DataFrame({"tag_a": ["a", "a"], "tag_b": ["b", "c"], "chats": [3, 1]})
    builders = [
        lambda: plots.volume_chart(chats(), every="week"),
        lambda: plots.hour_weekday_chart(chats()),
        lambda: plots.waits_chart(waits()),
        lambda: plots.assignee_chart(metrics()),
        lambda: plots.trend_chart(metrics()),
        lambda: plots.tag_pairs_chart(pairs),
    ]
    for build in builders:
        first, second = plots.to_svg(build()), plots.to_svg(build())
        assert first.startswith("<svg")
        assert first == second
        assert "<script" not in first


def test_chart_spec_is_data_only_and_identical_across_builds() -> None:
    spec = plots.volume_chart(chats(), every="month").to_dict()
    assert spec == plots.volume_chart(chats(), every="month").to_dict()
    (rows,) = spec["datasets"].values()
    assert rows == [
        {"period": "2024-03-01", "chats": 4, "period_end": "2024-04-01"},
        {"period": "2024-04-01", "chats": 1, "period_end": "2024-05-01"},
    ]
    assert spec["encoding"]["x"]["scale"] == {"type": "utc"}


def test_tag_pairs_chart_is_symmetric_and_keeps_top_tags() -> None:
    pairs = pl.DataFrame({"tag_a": ["a", "a", "b"], "tag_b": ["b", "c", "c"], "chats": [5, 2, 1]})
    spec = plots.tag_pairs_chart(pairs, top=2).to_dict()
    (rows,) = spec["datasets"].values()
    # totals: a 7, b 6, c 3 → keep a and b; the pair is drawn both ways
    assert rows == [{"x": "a", "y": "b", "chats": 5}, {"x": "b", "y": "a", "chats": 5}]


def test_to_png() -> None:
    png = plots.to_png(plots.volume_chart(chats()), scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InvalidValueError, match="scale=0"):
        plots.to_png(plots.volume_chart(chats()), scale=0)


def test_periods_in_volume_frame_are_local_dates() -> None:
    out = plots.volume_frame(chats(), every="day")
    assert out.schema == pl.Schema({"period": pl.Date, "chats": pl.Int64})
    assert out["period"][0] == date(2024, 3, 4)


def test_assignee_frame_without_managers_uses_the_metrics_own_names() -> None:
    named = metrics().with_columns(
        pl.when(pl.col("assigneeId").is_not_null()).then(pl.lit("Lee")).alias("assignee_name")
    )
    assert plots.assignee_frame(named)["assignee"].to_list() == ["Lee", "(unassigned)"]
    managers = pl.DataFrame({"id": ["7"], "name": ["Kim"]})  # given, the sheet wins
    assert plots.assignee_frame(named, managers=managers)["assignee"].to_list() == [
        "Kim", "(unassigned)"
    ]  # fmt: skip


def test_assignee_frame_names_say_business_time() -> None:
    calendar = plots.assignee_frame(metrics()).columns
    business = plots.assignee_frame(metrics(), business=True).columns
    assert calendar[-2:] == ["first_response_time_median_minutes", "reply_time_mean_minutes"]
    assert [c.replace("_business", "") for c in business] == calendar


def test_hangul_renders_as_glyphs_not_boxes() -> None:
    """Without a Korean font every Hangul syllable is the same empty box."""
    import altair as alt

    from chattools.render import font_directories

    assert font_directories(), "the notebooks extra ships a Korean font"

    def png(word: str) -> bytes:
        chart = alt.Chart(alt.Data(values=[{"x": 1}])).mark_point().properties(title=word)
        return plots.to_png(chart, scale=1)

    assert png("환불") != png("배송")


def test_a_chat_at_excels_zero_date_does_not_stretch_the_axis() -> None:
    """Issue 16 case 12: one chat on 1899-12-30 made a 6,500-week grid (MaxRowsError)."""
    frame = pl.concat(
        [
            chats(),
            pl.DataFrame({"createdAt": [datetime(1899, 12, 30)]}).with_columns(
                pl.col("createdAt").dt.replace_time_zone(TZ)
            ),
        ]
    )
    assert plots.volume_frame(frame, every="week").rows() == plots.volume_frame(chats()).rows()
    plots.to_svg(plots.volume_chart(frame, every="week"))  # renders: no MaxRowsError
    assert plots.volume_frame(frame, every="month", start=None).height == 124 * 12 + 5
    march = plots.volume_frame(chats(), every="day", start=date(2024, 3, 10), end=date(2024, 3, 31))
    assert march["period"].to_list()[0] == date(2024, 3, 17) and march["chats"].sum() == 2
