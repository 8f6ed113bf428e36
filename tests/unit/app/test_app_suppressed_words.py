"""A suppressed figure reads 'suppressed' wherever it is shown, never 'fewer than 10'.

Secondary suppression hides figures that are not small: in a London month with 85 people seen
and 35 returners, new people and stock are both hidden (each could give the other away), so
together they hold 50 people. Writing either as 'fewer than 10' would be false (SPEC 2.5).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from app.charts import common, trends
from app.pack.sections import _headline_rows
from contract.release import METRICS_SCHEMA
from contract.vocabulary import suppressed_meaning

LONDON = "E12000007"
MARCH = date(2025, 3, 1)

#  metric               | Mar 2025 | status
#  seen_rough_sleeping  |       85 | ok
#  flow_new             |        — | suppressed (secondary: new + stock = 50)
#  stock                |        — | suppressed
#  returner             |       35 | ok
MONTH = [
    ("seen_rough_sleeping", 85.0, "ok"),
    ("flow_new", None, "suppressed"),
    ("stock", None, "suppressed"),
    ("returner", 35.0, "ok"),
]


@pytest.fixture(scope="module")
def words(release):
    return common.Words(release.manifest)


def _frame(rows, breakdown="all"):
    return pl.DataFrame(
        [
            dict(metric_id=m, period_type="fy" if breakdown != "all" else "month",
                 period_start=MARCH, geography_type="london", geography_code=LONDON,
                 breakdown=b, value=v, numerator=None if v is None else int(v),
                 denominator=None, status=s)
            for m, v, s, b in ((*r, breakdown) if len(r) == 3 else r for r in rows)
        ],
        schema=METRICS_SCHEMA,
    )  # fmt: skip


def test_a_suppressed_figure_is_written_suppressed(words):
    assert words.figure(None, "suppressed") == "suppressed"
    assert words.figure(85.0, "ok") == "85"
    assert "fewer than" not in words.suppressed_label


def test_the_packs_headline_table_says_suppressed_and_explains_it(words):
    rows, suppressed = _headline_rows(words, _frame(MONTH), LONDON, None)
    figures = {row[0]: row[2] for row in rows[1:] if row[1] == "Mar 2025"}
    assert figures == {
        words.title("seen_rough_sleeping"): "85",
        words.title("flow_new"): "suppressed",
        words.title("stock"): "suppressed",
        words.title("returner"): "35",
    }
    assert suppressed  # so the table's note says why
    assert not any("fewer than" in cell for row in rows for cell in row)
    note = suppressed_meaning(words.sdc)
    assert "fewer than 10" in note and "work out a small number" in note


def test_a_breakdown_bar_of_a_hidden_group_is_labelled_suppressed(words):
    rows = [
        ("seen_rough_sleeping", 60.0, "ok", "gender=male"),
        ("seen_rough_sleeping", None, "suppressed", "gender=female"),
        ("seen_rough_sleeping", None, "suppressed", "gender=unknown"),
    ]
    chart = trends.breakdown_chart(words, _frame(rows, "gender"), "seen_rough_sleeping", "gender")
    labels = list(chart.figure.data[0].y)
    assert "Female (suppressed)" in labels
    assert not any("fewer than" in label for label in labels)


def test_equity_panels_order_needs_from_none_to_all_three_and_say_suppressed(words):
    from app.charts import equity

    #  support_combination          | seen
    #  none                         |   40
    #  alcohol                      |   15
    #  mental_health                |   20
    #  alcohol_mental_health        |    — (suppressed)
    #  alcohol_drugs_mental_health  |    — (suppressed)
    rows = [
        ("seen_rough_sleeping", 15.0, "ok", "support_combination=alcohol"),
        (
            "seen_rough_sleeping",
            None,
            "suppressed",
            "support_combination=alcohol_drugs_mental_health",
        ),
        ("seen_rough_sleeping", None, "suppressed", "support_combination=alcohol_mental_health"),
        ("seen_rough_sleeping", 20.0, "ok", "support_combination=mental_health"),
        ("seen_rough_sleeping", 40.0, "ok", "support_combination=none"),
    ]
    chart = equity.equity_chart(words, _frame(rows, "support_combination"), "support_combination")
    bars, hidden = chart.figure.data[:2]
    assert list(bars.y) == ["None of the three", "Alcohol only", "Mental health only",
                            "Alcohol and mental health", "All three"]  # fmt: skip
    assert list(bars.text) == ["40", "15", "20", "", ""]
    # a hidden group has no bar: its label says so beside the axis
    assert list(hidden.y) == ["Alcohol and mental health", "All three"]
    assert list(hidden.text) == ["suppressed", "suppressed"]
    with pytest.raises(ValueError, match="London as a whole"):
        equity.equity_chart(words, _frame(rows, "support_combination"), "nationality_group",
                            "E09000007")  # fmt: skip
