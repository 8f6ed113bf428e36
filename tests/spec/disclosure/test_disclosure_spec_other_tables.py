"""Disclosure control of survival curves, Sankey links, paths, comparisons and quality figures."""

import polars as pl

from contract.release import OTHER_SMALL_NUMBERS, SURVIVAL_SCHEMA
from pipelines.config import DisclosureConfig
from pipelines.disclosure import (
    protect_comparisons,
    protect_paths,
    protect_pathways,
    protect_quality,
    protect_survival,
)

LONDON, WESTMINSTER = "E12000007", "E09000033"
CONFIG = DisclosureConfig()
OTHER = OTHER_SMALL_NUMBERS


def curve(steps, group="all", place=LONDON, curve_id="return_to_street"):
    """Steps as (t_days, at_risk, n_events, n_censored, estimate)."""
    return pl.DataFrame(
        [
            {"curve_id": curve_id, "geography_code": place, "group": group, "t_days": t,
             "estimate": est, "ci_lower": est - 0.05, "ci_upper": min(1.0, est + 0.05),
             "at_risk": n, "status": "ok", "n_events": d, "n_censored": c}
            for t, n, d, c, est in steps
        ]
    )  # fmt: skip


def test_survival_curves_are_published_on_30_day_intervals_from_rounded_counts():
    #  day | at risk | returned | censored   interval | published row (counts rounded to 5)
    #    0 |      60 |        0 |        0            | t=0:   60 at risk, 100%
    #   10 |      60 |        4 |        2      30    |
    #   25 |      54 |        6 |        0      30    | t=30:  60 at risk, 10 returned
    #   40 |      48 |        3 |        4      60    |   (only 5 returned by day 60:
    #   55 |      41 |        2 |        2      60    |    merged with the next interval)
    #   70 |      37 |        5 |        1      90    | t=90:  48 -> 50 at risk, 10 returned
    #  100 |      31 |       10 |        2     120    | t=120: 31 -> 30 at risk, 10 returned
    #  130 |      19 |        3 |        1     150    |   (5 returned: merging)
    #  140 |      15 |        2 |        4     150    |
    #  160 |       9 |        1 |        0            | fewer than 10 at risk: stop
    # Estimates from the published counts alone, people no longer followed during an interval
    # (at risk at its start - at its end - returned) counting as at risk for half of it:
    #   day 30:  60 - 50 - 10 = 0 left unfollowed:   1 - 10/60            = 83%
    #   day 90:  50 - 30 - 10 = 10 left unfollowed:  x (1 - 10/(50 - 5)) = 65%
    #   day 120: the last interval, nobody known to have left: x (1 - 10/30) = 43%
    # (the exact curve reads 83%, 64% and 43% there).
    steps = [(0, 60, 0, 0, 1.0), (10, 60, 4, 2, 0.933), (25, 54, 6, 0, 0.830),
             (40, 48, 3, 4, 0.778), (55, 41, 2, 2, 0.740), (70, 37, 5, 1, 0.640),
             (100, 31, 10, 2, 0.434), (130, 19, 3, 1, 0.366), (140, 15, 2, 4, 0.317),
             (160, 9, 1, 0, 0.282)]  # fmt: skip
    protected = protect_survival(curve(steps), CONFIG)
    assert protected.columns == list(SURVIVAL_SCHEMA)  # n_events and n_censored never leave
    assert protected.select(
        "t_days", "at_risk", "events", "competing_events", "estimate"
    ).rows() == [
        (0, 60, 0, None, 1.0),
        (30, 60, 10, None, 0.83),
        (90, 50, 10, None, 0.65),
        (120, 30, 10, None, 0.43),
    ]


def cif(steps, group="all", place=LONDON):
    """Competing-risks steps as (t_days, at_risk, returned, died, censored)."""
    return pl.DataFrame(
        [
            {"curve_id": "return_to_street_cif", "geography_code": place, "group": group,
             "t_days": t, "estimate": 0.0, "ci_lower": 0.0, "ci_upper": 0.0, "at_risk": n,
             "status": "ok", "n_events": d, "n_competing": k, "n_censored": c + k}
            for t, n, d, k, c in steps
        ]
    )  # fmt: skip


def test_a_competing_risks_curve_stops_where_its_deaths_cannot_be_hidden_within_180_days():
    #  day | at risk | returned | died | no longer followed   interval
    #    0 |     200 |        0 |    0 |  0
    #   20 |     200 |       30 |    6 | 10                   30
    #   50 |     154 |       20 |    4 | 10                   60  -> 10 deaths: t=60 closes
    #   80 |     120 |       25 |    3 | 10                   90
    #  200 |      82 |       20 |    2 | 10                  210
    #  250 |      50 |       10 |    5 | 10                  270  -> 10 deaths only by day 270:
    # the interval from day 60 would span 210 days, more than 180, so the curve stops at day 60,
    # even though more than ten people are still at risk. Hiding its deaths would take an
    # interval too long to draw the curve from: its returns bunch at the start and its
    # censorings spread out, so one step over it misreads the share who returned by years' end.
    steps = [(0, 200, 0, 0, 0), (20, 200, 30, 6, 10), (50, 154, 20, 4, 10),
             (80, 120, 25, 3, 10), (200, 82, 20, 2, 10), (250, 50, 10, 5, 10)]  # fmt: skip
    protected = protect_survival(cif(steps), CONFIG)
    assert protected.select("t_days", "at_risk", "events", "competing_events").rows() == [
        (0, 200, 0, 0),
        (60, 200, 50, 10),
    ]
    # With a longer allowance (here 240 days) the next interval closes at day 270.
    longer = protect_survival(cif(steps), DisclosureConfig(survival_max_interval_days=240))
    assert longer.select("t_days", "at_risk", "events", "competing_events").rows()[-1] == (
        270,
        120,
        55,
        10,
    )


def test_a_curve_for_fewer_than_ten_people_is_one_suppressed_row():
    protected = protect_survival(curve([(0, 8, 0, 0, 1.0), (5, 8, 1, 0, 0.875)]), CONFIG)
    assert protected.select("t_days", "at_risk", "estimate", "status").rows() == [
        (0, None, None, "suppressed")
    ]


def test_a_small_groups_curve_cannot_be_found_by_subtracting_the_others():
    #  group                      | people | shown
    #  all                        |    100 | curve
    #  first_intervention=hostel  |     92 | suppressed too: else 100 - 92 = 8 people
    #  first_intervention=none    |      8 | suppressed
    steps = lambda n: [(0, n, 0, 0, 1.0), (10, n, 10, 0, 0.9)]  # noqa: E731
    table = pl.concat(
        [curve(steps(100)), curve(steps(92), "first_intervention=hostel"),
         curve(steps(8), "first_intervention=none")]
    )  # fmt: skip
    protected = protect_survival(table, CONFIG)
    status = dict(protected.group_by("group").agg(pl.col("status").first()).rows())
    assert status == {"all": "ok", "first_intervention=hostel": "suppressed",
                      "first_intervention=none": "suppressed"}  # fmt: skip


def test_a_nationality_curve_is_never_shown_for_a_borough():
    steps = [(0, 50, 0, 0, 1.0), (10, 50, 10, 2, 0.8)]
    table = pl.concat([curve(steps, "nationality_group=uk"),
                       curve(steps, "nationality_group=uk", WESTMINSTER)])  # fmt: skip
    protected = protect_survival(table, CONFIG)
    assert protected["geography_code"].unique().to_list() == [LONDON]


def links(rows, cohort="2024-04", place=LONDON):
    return pl.DataFrame(
        [
            {"cohort_period": cohort, "geography_code": place, "stage_from": "before",
             "state_from": a, "stage_to": "first_response", "state_to": b, "count": n,
             "person_key": "never released"}
            for a, b, n in rows
        ]
    )  # fmt: skip


def test_small_sankey_links_are_folded_into_other_small_numbers():
    #  before -> first response          | people | shown
    #  none -> nsno_hub                  |     40 | none -> nsno_hub 40
    #  none -> hostel                    |     12 | none -> hostel 10
    #  none -> housing_first             |      4 | }
    #  none -> reconnection              |      3 | } other -> other 15
    #  end_ast -> hostel                 |      2 | }  (4 + 3 + 2 + 6)
    #  left_institution -> none          |      6 | }
    #  end_ast -> nsno_hub               |     15 | end_ast -> nsno_hub 15
    rows = [("none", "nsno_hub", 40), ("none", "hostel", 12), ("none", "housing_first", 4),
            ("none", "reconnection", 3), ("end_ast", "hostel", 2),
            ("left_institution", "none", 6), ("end_ast", "nsno_hub", 15)]  # fmt: skip
    protected = protect_pathways(links(rows), CONFIG)
    assert sorted(protected.select("state_from", "state_to", "count").rows()) == sorted(
        [("none", "nsno_hub", 40), ("none", "hostel", 10), ("end_ast", "nsno_hub", 15),
         (OTHER, OTHER, 15)]
    )  # fmt: skip
    assert "person_key" not in protected.columns


def test_small_links_from_one_state_stay_with_it_when_they_reach_ten_together():
    rows = [("none", "nsno_hub", 40), ("none", "hostel", 6), ("none", "housing_first", 5)]
    protected = protect_pathways(links(rows), CONFIG)
    assert sorted(protected.select("state_from", "state_to", "count").rows()) == [
        ("none", "nsno_hub", 40),
        ("none", OTHER, 10),
    ]


def test_a_small_other_flow_takes_in_the_smallest_link_rather_than_show_a_small_number():
    #  50 + 30 + 3: "other" alone would be 3, so it takes in the 30 and shows 33 -> 35
    rows = [("none", "nsno_hub", 50), ("none", "hostel", 30), ("end_ast", "hostel", 3)]
    protected = protect_pathways(links(rows), CONFIG)
    assert sorted(protected.select("state_from", "state_to", "count").rows()) == sorted(
        [("none", "nsno_hub", 50), (OTHER, OTHER, 35)]
    )


def test_a_cohort_smaller_than_ten_shows_one_suppressed_link():
    protected = protect_pathways(links([("none", "nsno_hub", 5), ("none", "hostel", 3)]), CONFIG)
    assert protected.select("count", "status").rows() == [(None, "suppressed")]


def test_rare_paths_are_dropped_and_the_rest_rounded_and_reranked():
    paths = pl.DataFrame(
        {"cohort_period": ["2024-04"] * 3, "geography_code": [LONDON] * 3,
         "path": ["none>nsno_hub>settled>settled", "none>hostel>hostel>settled",
                  "end_ast>none>custody>street"],
         "count": [25, 12, 9], "rank": [1, 2, 3]}
    )  # fmt: skip
    protected = protect_paths(paths, CONFIG)
    assert protected.select("path", "count", "rank").rows() == [
        ("none>hostel>hostel>settled", 10, 2),
        ("none>nsno_hub>settled>settled", 25, 1),
    ]


def test_comparisons_need_both_groups_at_the_threshold():
    comparisons = pl.DataFrame(
        {"comparison_id": ["hr_first_intervention", "hr_first_intervention", "hr_nationality_borough"],
         "group_a": ["hostel", "housing_first", "nationality_group=eu_eea|E09000033"],
         "group_b": ["none", "none", "nationality_group=uk|E09000033"],
         "statistic": ["hazard_ratio"] * 3, "value": [0.8, 0.5, 1.2], "ci_lower": [0.6, 0.2, 0.9],
         "ci_upper": [1.1, 1.3, 1.5], "p_value": [0.2, 0.1, 0.3], "n_a": [41, 8, 60],
         "n_b": [123, 123, 70]}
    )  # fmt: skip
    protected = protect_comparisons(comparisons, CONFIG)
    assert protected.select("group_a", "n_a", "n_b").rows() == [("hostel", 40, 125)]


def test_comparisons_are_published_to_two_decimals_and_p_values_to_three():
    #  statistic     | fitted                          | published
    #  hazard_ratio  | 0.8123 (0.6049 to 1.0871), p 0.04567 | 0.81 (0.6 to 1.09), p 0.046
    #  logrank_chi2  | 3.98765, p 0.0004999            | 3.99, p 0.0
    comparisons = pl.DataFrame(
        {"comparison_id": ["borough"] * 2, "group_a": ["borough=E09000007"] * 2,
         "group_b": ["borough=rest_of_london"] * 2, "statistic": ["hazard_ratio", "logrank_chi2"],
         "value": [0.8123, 3.98765], "ci_lower": [0.6049, None], "ci_upper": [1.0871, None],
         "p_value": [0.04567, 0.0004999], "n_a": [52, 52], "n_b": [1210, 1210]}
    )  # fmt: skip
    protected = protect_comparisons(comparisons, CONFIG)
    assert protected.select("statistic", "value", "ci_lower", "ci_upper", "p_value").rows() == [
        ("hazard_ratio", 0.81, 0.6, 1.09, 0.046),
        ("logrank_chi2", 3.99, None, None, 0.0),
    ]


def test_quality_counts_obey_the_small_numbers_rule_and_shares_come_from_shown_counts():
    #  indicator          | true  | shown
    #  rows_read          |  1234 | 1235
    #  rows_accepted      |  1231 | suppressed, else 1235 - 1230 tells the 3
    #  rows_quarantined   |     3 | suppressed
    #  quarantined_share  | 0.002 | suppressed: its numerator is
    #  match_rate         | 0.987 | suppressed: no published counts it is a share of
    quality = pl.DataFrame(
        {"source": ["chain"] * 5, "period": ["2024-04"] * 5,
         "indicator": ["rows_read", "rows_accepted", "rows_quarantined", "quarantined_share",
                       "match_rate"],
         "value": [1234.0, 1231.0, 3.0, 3 / 1234, 0.987]}
    )  # fmt: skip
    protected = protect_quality(quality, CONFIG).sort("indicator")
    assert protected.select("indicator", "value", "status").rows() == [
        ("match_rate", None, "suppressed"),
        ("quarantined_share", None, "suppressed"),
        ("rows_accepted", None, "suppressed"),
        ("rows_quarantined", None, "suppressed"),
        ("rows_read", 1235.0, "ok"),
    ]


def test_a_quality_share_is_its_shown_numerator_over_its_shown_denominator():
    #  rows_read 203 -> 205, rows_accepted 176 -> 175, rows_quarantined 27 -> 25:
    #  quarantined_share 25 / 205 = 12% (the unrounded 27 / 203 would be 13%)
    quality = pl.DataFrame(
        {"source": ["chain"] * 4, "period": ["2024-04"] * 4,
         "indicator": ["rows_read", "rows_accepted", "rows_quarantined", "quarantined_share"],
         "value": [203.0, 176.0, 27.0, 27 / 203]}
    )  # fmt: skip
    protected = protect_quality(quality, CONFIG)
    shown = dict(protected.select("indicator", "value").rows())
    assert shown == {"rows_read": 205.0, "rows_accepted": 175.0, "rows_quarantined": 25.0,
                     "quarantined_share": 0.12}  # fmt: skip
