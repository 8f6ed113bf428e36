"""Each chart in words (its title, what it shows and its key figures), from exactly the figures
it draws: what a screen reader says for the chart on the page and in the pack."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from app.charts.common import Chart
from app.charts.describe import text_alternative

LONDON = "E12000007"


def _chart(key: str, data: pl.DataFrame, title: str = "People seen rough sleeping — London"):
    return Chart(key, title, "", "", go.Figure(), data)


def test_a_series_names_its_latest_figure_and_its_highest():
    #  month      value
    #  Jan 2025   2,060   (highest)
    #  Feb 2025   1,980
    #  Mar 2025   1,955   (latest)
    data = pl.DataFrame(
        {
            "metric_id": ["seen_rough_sleeping"] * 3,
            "period_type": ["month"] * 3,
            "period_start": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
            "geography_code": [LONDON] * 3,
            "breakdown": ["all"] * 3,
            "value": [2060.0, 1980.0, 1955.0],
        }
    )
    text = text_alternative(_chart("trend", data), {"seen_rough_sleeping": "People seen"}.get)
    assert text == (
        "People seen rough sleeping — London. A chart over time. "
        "People seen, London: 1,955 in Mar 2025, highest 2,060 in Jan 2025."
    )


def test_a_share_is_written_as_a_percentage():
    data = pl.DataFrame(
        {"metric_id": ["new_single_night"], "period_type": ["fy"],
         "period_start": [date(2024, 4, 1)], "geography_code": [LONDON], "breakdown": ["all"],
         "value": [0.71]}
    )  # fmt: skip
    assert "71% in 2024-25" in text_alternative(_chart("brief", data))


def test_a_map_names_the_highest_and_lowest_borough_and_how_many_are_suppressed():
    #  borough       value   band
    #  Westminster   315     250 or more
    #  Camden        110     100–249
    #  Sutton        null    suppressed
    data = pl.DataFrame(
        {
            "geography_code": ["E09000033", "E09000007", "E09000029"],
            "geography": ["Westminster", "Camden", "Sutton"],
            "value": [315.0, 110.0, None],
            "band": ["250 or more", "100–249", "suppressed"],
        }
    )
    text = text_alternative(_chart("map-x", data, "People seen rough sleeping by borough"))
    assert "A map of London's 33 boroughs" in text
    assert (
        "2 boroughs have a published figure: the highest Westminster (315), the lowest "
        "Camden (110). 1 suppressed or not published."
    ) in text


def test_a_curve_gives_where_it_ends():
    data = pl.DataFrame(
        {"curve_id": ["return_to_street"] * 2, "geography_code": [LONDON] * 2,
         "group": ["all", "all"], "t_days": [0, 720], "estimate": [1.0, 0.46]}
    )  # fmt: skip
    text = text_alternative(_chart("survival", data, "Return to the street — London"))
    assert text.endswith("London: 46% at day 720.")


def test_a_chart_with_nothing_drawn_says_why():
    chart = Chart("k", "Pathways — Camden", "", "", None, pl.DataFrame(), "Too few people.")
    assert text_alternative(chart) == "Pathways — Camden. Too few people."


def test_a_latest_figure_that_is_also_the_highest_says_so_once():
    data = pl.DataFrame(
        {"metric_id": ["stock"] * 2, "period_type": ["month"] * 2,
         "period_start": [date(2025, 1, 1), date(2025, 3, 1)], "geography_code": [LONDON] * 2,
         "breakdown": ["all"] * 2, "value": [110.0, 110.0]}
    )  # fmt: skip
    assert text_alternative(_chart("s", data)).endswith("110 in Mar 2025, the highest shown.")


def test_a_table_with_a_column_per_measure_gives_each_in_the_latest_period():
    data = pl.DataFrame(
        {"period_start": [date(2023, 4, 1), date(2024, 4, 1)], "new_people": [900.0, 880.0],
         "moved_in": [300.0, None], "period_type": ["fy", "fy"]}
    )  # fmt: skip
    assert text_alternative(_chart("flows", data)).endswith("In 2024-25: new people 880.")


def test_bars_by_group_for_one_period_are_not_called_a_chart_over_time():
    #  group      2025-26
    #  18 to 25        75
    #  26 to 35       240
    data = pl.DataFrame(
        {
            "metric_id": ["seen_rough_sleeping"] * 2,
            "period_type": ["fy"] * 2,
            "period_start": [date(2025, 4, 1)] * 2,
            "geography_code": [LONDON] * 2,
            "breakdown": ["age_band=18_25", "age_band=26_35"],
            "value": [75.0, 240.0],
        }
    )
    text = text_alternative(_chart("equity", data, "Outcomes by age — London"))
    assert "Bars by group" in text and "over time" not in text
