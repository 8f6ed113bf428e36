"""Words the dashboard shows for codes in release tables, and choices it makes for sparse data."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from app.charts import common, pathways, trends
from contract.periods import add_months
from contract.reference import LONDON_CODE
from contract.release import METRICS_SCHEMA, OTHER_SMALL_NUMBERS


@pytest.mark.parametrize(
    ("group", "shown"),
    [
        ("all", "Everyone"),
        ("first_intervention=housing_first", "Housing First"),
        ("first_intervention=temporary_accommodation", "Temporary accommodation"),
        ("first_intervention=nsno_hub", "No Second Night Out hub"),
        ("first_intervention=none", "No intervention recorded"),
        ("support_need=none", "No support needs recorded"),
        ("support_need=unknown", "Support need: Not known"),
        ("ethnic_group=unknown", "Ethnic group: Not known"),
        ("age_band=18_25", "Age: 18–25"),
        ("borough=E09000007", "Camden"),
        ("borough=rest_of_london", "Rest of London"),
        ("borough=pilots", "Pilot boroughs"),
        ("borough=other_boroughs", "Other boroughs"),
    ],
)
def test_groups_in_plain_words(group, shown):
    assert common.group_words(group) == shown


def test_breakdown_values_leave_the_dimension_to_the_axis():
    assert trends.breakdown_words("age_band=56_plus") == "56 and over"
    assert trends.breakdown_words("first_intervention=settled") == "Settled housing"


def _month_rows(values: list[float | None], period_type: str = "month") -> list[dict]:
    starts = [date(2024, 4 + i, 1) if i < 9 else date(2025, i - 8, 1) for i in range(len(values))]
    return [
        dict(metric_id="flow_new", period_type=period_type, period_start=d,
             geography_type="london", geography_code=LONDON_CODE, breakdown="all", value=v,
             numerator=None, denominator=None, status="ok" if v is not None else "suppressed")
        for d, v in zip(starts, values, strict=True)
    ]  # fmt: skip


def test_trends_fall_back_to_quarters_when_months_are_mostly_suppressed():
    #   months (last 8):   15  –  –  –  20  –  –  –      → 2 of 8 published
    #   quarters:          45 40 50                      → all published
    months = _month_rows([15, None, None, None, 20, None, None, None])
    quarters = _month_rows([45, 40, 50], "quarter")
    metrics = pl.DataFrame(months + quarters, schema=METRICS_SCHEMA)
    assert trends.readable_period_type(metrics, ["flow_new"]) == "quarter"
    full = pl.DataFrame(_month_rows([15, 20, 25, 30, 20, 15, 10, None]), schema=METRICS_SCHEMA)
    assert trends.readable_period_type(full, ["flow_new"]) == "month"  # 7 of 8 published


def test_a_trend_drawn_by_quarter_says_why_and_one_by_month_says_nothing(release):
    words = common.Words(release.manifest)  # protected with a threshold of 10
    months = _month_rows([15, None, None, None, 20, None, None, None])
    quarters = _month_rows([45, 40, 50], "quarter")
    mostly_suppressed = pl.DataFrame(months + quarters, schema=METRICS_SCHEMA)
    full = pl.DataFrame(_month_rows([15, 20, 25, 30, 20, 15, 10, None]), schema=METRICS_SCHEMA)
    drawn = []

    def draw(period_type: str):
        drawn.append(period_type)
        return common.empty_chart("flow", "New people", "", "", "no figures")

    by_quarter = trends.by_readable_period(
        words, mostly_suppressed, ["flow_new"], LONDON_CODE, draw
    )
    by_month = trends.by_readable_period(words, full, ["flow_new"], LONDON_CODE, draw)
    assert drawn == ["quarter", "month"]
    assert by_quarter.notes == [
        "Shown by quarter: most recent monthly figures here are suppressed to protect small "
        "numbers."
    ]
    assert by_month.notes == []


def test_a_sankey_of_nothing_but_small_numbers_is_a_message_not_a_grey_band(release):
    links = pl.DataFrame(
        {
            "cohort_period": ["2023-24"] * 3,
            "geography_code": ["E09000007"] * 3,
            "stage_from": ["before", "first_response", "month_6"],
            "state_from": [OTHER_SMALL_NUMBERS] * 3,
            "stage_to": ["first_response", "month_6", "month_12"],
            "state_to": [OTHER_SMALL_NUMBERS] * 3,
            "count": [25, 25, 25],
            "status": ["ok"] * 3,
        }
    )
    chart = pathways.sankey_chart(common.Words(release.manifest), links, "E09000007", "2023-24")
    assert chart.figure is None
    assert "Too few people" in (chart.empty_message or "")
    assert chart.data.height == 3  # the download still says what was published


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 3, 1), 1, date(2025, 4, 1)),
        (date(2025, 1, 1), -1, date(2024, 12, 1)),  # back over the year
        (date(2024, 11, 1), 3, date(2025, 2, 1)),  # on over the year
        (date(2025, 3, 1), -12, date(2024, 3, 1)),
    ],
)
def test_months_are_counted_across_years(start, months, expected):
    assert add_months(start, months) == expected
