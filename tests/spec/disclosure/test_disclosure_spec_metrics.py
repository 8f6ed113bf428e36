"""Disclosure control of the metrics table, rule by rule, on tables small enough to check by eye.

Each test draws the unsuppressed figures and the figures a release shows ("-" = suppressed).
"""

from datetime import date

import polars as pl
import pytest

from contract.errors import PathwaysError
from pipelines.config import DisclosureConfig
from pipelines.disclosure import protect_metrics

LONDON, WESTMINSTER, LAMBETH, CAMDEN = "E12000007", "E09000033", "E09000022", "E09000007"
APRIL = date(2024, 4, 1)
CONFIG = DisclosureConfig()


def metrics(rows, **extra_columns):
    """Rows of (metric_id, period_type, period_start, geography_code, breakdown, value[, num, den])."""
    records = []
    for metric_id, period_type, start, place, breakdown, value, *share in rows:
        numerator, denominator = share or (None, None)
        records.append(
            {
                "metric_id": metric_id,
                "period_type": period_type,
                "period_start": start,
                "geography_type": "london" if place == LONDON else "borough",
                "geography_code": place,
                "breakdown": breakdown,
                "value": None if value is None else float(value),
                "numerator": numerator,
                "denominator": denominator,
                "status": "ok",
                **extra_columns,
            }
        )
    return pl.DataFrame(records)


def shown(protected, **where):
    """The shown value (None when suppressed) of the one row matching ``where``."""
    row = protected.filter(**where)
    assert row.height == 1, row
    value, status = row.item(0, "value"), row.item(0, "status")
    assert (value is None) == (status == "suppressed"), row
    return value


def test_small_counts_are_suppressed_and_others_rounded_to_five():
    #  month  | people | shown
    #  Apr    |      0 | 0       zeros may be shown
    #  May    |      7 | -       below 10
    #  Jun    |     12 | 10
    #  Jul    |     13 | 15
    #  Aug    |     10 | 10
    #  Sep    |    102 | 100
    people = {4: 0, 5: 7, 6: 12, 7: 13, 8: 10, 9: 102}
    table = metrics(
        ("seen_rough_sleeping", "month", date(2024, m, 1), LONDON, "all", n)
        for m, n in people.items()
    )
    protected = protect_metrics(table, CONFIG)
    got = {m: shown(protected, period_start=date(2024, m, 1)) for m in people}
    assert got == {4: 0, 5: None, 6: 10, 7: 15, 8: 10, 9: 100}
    assert protected.filter(pl.col("value").is_not_null())["numerator"].to_list() == [
        0, 10, 15, 10, 100
    ]  # fmt: skip


def test_a_suppressed_category_cannot_be_read_off_its_total():
    #  breakdown      | people | shown
    #  all            |    120 | 120
    #  gender=male    |    100 | 100
    #  gender=female  |     17 | -      hidden too, else unknown = 120 - 100 - 17 = 3
    #  gender=unknown |      3 | -
    table = metrics(
        ("seen_rough_sleeping", "month", APRIL, LONDON, b, n)
        for b, n in [
            ("all", 120),
            ("gender=male", 100),
            ("gender=female", 17),
            ("gender=unknown", 3),
        ]
    )
    protected = protect_metrics(table, CONFIG)
    assert [shown(protected, breakdown=b) for b in ("all", "gender=male")] == [120, 100]
    assert shown(protected, breakdown="gender=female") is None
    assert shown(protected, breakdown="gender=unknown") is None


def test_two_hidden_categories_holding_fewer_than_ten_between_them_take_a_third():
    #  breakdown       | people | shown
    #  all             |     60 | 60
    #  age_band=26_35  |     30 | 30
    #  age_band=36_45  |     21 | -     hidden: the two small ones hold only 9 together
    #  age_band=46_55  |      5 | -
    #  age_band=56_plus|      4 | -
    table = metrics(
        ("seen_rough_sleeping", "month", APRIL, LONDON, b, n)
        for b, n in [("all", 60), ("age_band=26_35", 30), ("age_band=36_45", 21),
                     ("age_band=46_55", 5), ("age_band=56_plus", 4)]
    )  # fmt: skip
    protected = protect_metrics(table, CONFIG)
    assert shown(protected, breakdown="age_band=26_35") == 30
    assert shown(protected, breakdown="age_band=36_45") is None


def test_a_small_group_is_not_shown_to_sit_wholly_in_one_category():
    #  breakdown      | people | shown
    #  all            |      6 | -
    #  gender=male    |      6 | -
    #  gender=female  |      0 | -     a shown zero would say "all of them are men"
    table = metrics(
        ("seen_rough_sleeping", "month", APRIL, LONDON, b, n)
        for b, n in [("all", 6), ("gender=male", 6), ("gender=female", 0)]
    )
    protected = protect_metrics(table, CONFIG)
    assert protected["status"].to_list() == ["suppressed"] * 3


def test_london_minus_the_shown_boroughs_does_not_give_a_hidden_borough():
    #  place       | people | shown
    #  London      |    120 | 120
    #  Westminster |     60 | 60
    #  Lambeth     |     52 | -     hidden too, else Camden = 120 - 60 - 52
    #  Camden      |      8 | -
    table = metrics(
        ("seen_rough_sleeping", "month", APRIL, place, "all", n)
        for place, n in [(LONDON, 120), (WESTMINSTER, 60), (LAMBETH, 52), (CAMDEN, 8)]
    )
    protected = protect_metrics(table, CONFIG)
    assert shown(protected, geography_code=WESTMINSTER) == 60
    assert shown(protected, geography_code=LAMBETH) is None
    assert shown(protected, geography_code=CAMDEN) is None
    assert protected.filter(geography_code=LONDON)["geography_type"].to_list() == ["london"]


@pytest.mark.parametrize(
    ("new", "stock", "returner", "new_shown"),
    [
        (38, 8, 4, 40),  # stock and returner hidden together hold 12: enough
        (41, 6, 3, None),  # together only 9: flow_new is hidden as well
    ],
)
def test_flow_stock_and_returner_never_give_each_other_away(new, stock, returner, new_shown):
    #  seen_rough_sleeping = flow_new + stock + returner, all shown for the same month and place
    seen = new + stock + returner
    table = metrics(
        (m, "month", APRIL, LONDON, "all", n)
        for m, n in [("seen_rough_sleeping", seen), ("flow_new", new), ("stock", stock),
                     ("returner", returner)]
    )  # fmt: skip
    protected = protect_metrics(table, CONFIG)
    assert shown(protected, metric_id="seen_rough_sleeping") == 50
    assert shown(protected, metric_id="flow_new") == new_shown
    assert shown(protected, metric_id="stock") is None
    assert shown(protected, metric_id="returner") is None


def test_a_quarter_minus_its_shown_months_does_not_give_a_hidden_month():
    #  period          | new people | shown
    #  Q1 2024/25      |         40 | 40
    #  April           |         15 | -      hidden too, else June = 40 - 15 - 22
    #  May             |         22 | 20
    #  June            |          3 | -
    table = metrics(
        [("flow_new", "quarter", APRIL, LONDON, "all", 40)]
        + [("flow_new", "month", date(2024, m, 1), LONDON, "all", n)
           for m, n in [(4, 15), (5, 22), (6, 3)]]
    )  # fmt: skip
    protected = protect_metrics(table, CONFIG)
    assert shown(protected, period_type="quarter") == 40
    months = protected.filter(period_type="month").sort("period_start")
    assert months["value"].to_list() == [None, 20.0, None]


def test_nationality_is_never_shown_for_a_borough():
    table = metrics(
        ("seen_rough_sleeping", "fy", APRIL, place, b, n)
        for place, b, n in [(LONDON, "all", 400), (LONDON, "nationality_group=uk", 180),
                            (LONDON, "nationality_group=eu_eea", 100),
                            (LONDON, "nationality_group=rest_of_world", 120),
                            (WESTMINSTER, "all", 300), (WESTMINSTER, "nationality_group=uk", 150)]
    )  # fmt: skip
    protected = protect_metrics(table, CONFIG)
    nationality = protected.filter(pl.col("breakdown").str.starts_with("nationality_group"))
    assert nationality["geography_code"].unique().to_list() == [LONDON]
    assert nationality.height == 3


def test_nothing_but_the_release_columns_survives():
    table = metrics(
        [("seen_rough_sleeping", "month", APRIL, LONDON, "all", 40)],
        person_key="3f9a...",
        dob=date(1980, 1, 1),
    )
    protected = protect_metrics(table, CONFIG)
    assert protected.columns == [
        "metric_id", "period_type", "period_start", "geography_type", "geography_code",
        "breakdown", "value", "numerator", "denominator", "status",
    ]  # fmt: skip


def test_shares_come_from_the_shown_rounded_counts_and_need_enough_people():
    #  month | with outcome | cohort | shown share | shown counts
    #  Apr   |           37 |     52 | 0.70        | 35 / 50   (the unrounded 37/52 says 0.71)
    #  May   |            6 |      9 | -           | cohort below 10
    #  Jun   |            4 |     40 | -           | 4 people with the outcome
    #  Jul   |           36 |     40 | -           | 4 people without it
    #  Aug   |            0 |     25 | 0.00        | 0 / 25
    rows = [(4, 37, 52), (5, 6, 9), (6, 4, 40), (7, 36, 40), (8, 0, 25)]
    table = metrics(
        ("new_single_night", "month", date(2024, m, 1), LONDON, "all", num / den, num, den)
        for m, num, den in rows
    )
    protected = protect_metrics(table, CONFIG).sort("period_start")
    assert protected["value"].to_list() == [0.70, None, None, None, 0.0]
    assert protected["numerator"].to_list() == [35, None, None, None, 0]
    assert protected["denominator"].to_list() == [50, None, None, None, 25]


def test_a_place_finer_than_a_borough_is_refused():
    table = metrics([("seen_rough_sleeping", "month", APRIL, "E01000001", "all", 40)])
    with pytest.raises(PathwaysError, match="finer than a borough"):
        protect_metrics(table, CONFIG)


def test_a_breakdown_outside_the_published_families_is_refused():
    table = metrics([("seen_rough_sleeping", "month", APRIL, LONDON, "nationality=POL", 40)])
    with pytest.raises(PathwaysError, match="families"):
        protect_metrics(table, CONFIG)


def test_a_share_never_shows_the_size_of_a_hidden_count():
    #  month | metric               | count or share | shown
    #  Apr   | seen_rough_sleeping  | 50             | 50
    #  Apr   | flow_new             | 41             | -   hidden: stock + returner hold only 9
    #  Apr   | stock                | 6              | -
    #  Apr   | returner             | 3              | -
    #  Apr   | new_single_night     | 20 of 41       | -   its 41 new people would undo that
    #  May   | flow_new             | 40             | 40  hiding a share only for its
    #  May   | new_single_night     | 36 of 40       | -   numerator hides no count
    may = date(2024, 5, 1)
    table = metrics(
        [("seen_rough_sleeping", "month", APRIL, LONDON, "all", 50),
         ("flow_new", "month", APRIL, LONDON, "all", 41),
         ("stock", "month", APRIL, LONDON, "all", 6),
         ("returner", "month", APRIL, LONDON, "all", 3),
         ("new_single_night", "month", APRIL, LONDON, "all", 20 / 41, 20, 41),
         ("flow_new", "month", may, LONDON, "all", 40),
         ("new_single_night", "month", may, LONDON, "all", 0.9, 36, 40)]
    )  # fmt: skip
    protected = protect_metrics(table, CONFIG)
    april = protected.filter(period_start=APRIL)
    assert shown(april, metric_id="seen_rough_sleeping") == 50
    assert shown(april, metric_id="flow_new") is None
    assert shown(april, metric_id="new_single_night") is None
    assert shown(protected, metric_id="flow_new", period_start=may) == 40
    assert shown(protected, metric_id="new_single_night", period_start=may) is None
