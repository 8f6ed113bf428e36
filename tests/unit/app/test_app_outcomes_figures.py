"""The Outcomes page's own figures, from small published tables: new people against moves in
with the net change, and the share back on the street at 3, 6 and 12 months."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from app.charts import common, outcomes
from contract.release import METRICS_SCHEMA, SURVIVAL_SCHEMA

LONDON = "E12000007"


@pytest.fixture(scope="module")
def words(release):
    return common.Words(release.manifest)


def _months(rows):
    """rows: (metric, month, value, status) for London."""
    return pl.DataFrame(
        [
            dict(metric_id=m, period_type="month", period_start=date(2025, month, 1),
                 geography_type="london", geography_code=LONDON, breakdown="all", value=v,
                 numerator=None if v is None else int(v), denominator=None, status=s)
            for m, month, v, s in rows
        ],
        schema=METRICS_SCHEMA,
    )  # fmt: skip


def test_net_change_is_new_less_moved_in_and_only_where_both_are_published(words):
    #  month | new people | moved in   | net change
    #  Jan   |        120 |         95 |        +25
    #  Feb   |        110 | suppressed |          —
    #  Mar   |         80 |         90 |        -10
    metrics = _months([
        ("flow_new", 1, 120.0, "ok"), ("moved_into_accommodation", 1, 95.0, "ok"),
        ("flow_new", 2, 110.0, "ok"), ("moved_into_accommodation", 2, None, "suppressed"),
        ("flow_new", 3, 80.0, "ok"), ("moved_into_accommodation", 3, 90.0, "ok"),
    ])  # fmt: skip
    chart = outcomes.inflow_outflow_chart(words, metrics, LONDON)
    assert chart.data["net_change"].to_list() == [25.0, None, -10.0]
    net = chart.figure.data[2]
    assert list(net.y) == [25.0, None, -10.0]
    assert chart.notes == ["Net change not shown for 1 month(s): one of its counts is suppressed."]


def test_back_on_the_street_is_100_less_the_published_share_still_off_it(words):
    #  day | still off the street (95% interval) | at risk
    #    0 | 100%                                 |     200
    #   90 | 93% (90 to 96)                       |     180
    #  180 | 85% (81 to 89)                       |     150
    #  300 | 80% (75 to 85)                       |      60   <- the curve stops here
    curve = pl.DataFrame(
        {
            "curve_id": "return_to_street", "geography_code": LONDON, "group": "all",
            "t_days": [0, 90, 180, 300], "at_risk": [200, 180, 150, 60],
            "events": [0, 15, 15, 10], "competing_events": [0, 0, 0, 0],
            "estimate": [1.0, 0.93, 0.85, 0.80], "ci_lower": [1.0, 0.90, 0.81, 0.75],
            "ci_upper": [1.0, 0.96, 0.89, 0.85], "status": "ok",
        },
        schema=SURVIVAL_SCHEMA,
    )  # fmt: skip
    chart = outcomes.returned_at_months_chart(words, curve, LONDON)
    rows = chart.data.select("months", "returned_pct", "ci_lower_pct", "ci_upper_pct").rows()
    # at 12 months (365 days) the curve had stopped: nothing is read there
    assert rows == [(3, 7.0, 4.0, 10.0), (6, 15.0, 11.0, 19.0), (12, None, None, None)]
    # and in words, for readers who do not see the bars
    assert chart.alt_text.endswith(
        "London: 7% at 3 months, 15% at 6 months, curve ended at 12 months."
    )
