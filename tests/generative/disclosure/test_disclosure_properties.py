"""Property tests: random tables, protected, must always obey the release rules.

What is guaranteed, precisely (see docs/disclosure.md): for every relation where figures add up
(a breakdown family and its total, boroughs and London, flow_new + stock + returner and
seen_rough_sleeping, months and their quarter), when anything is hidden then at least two figures
are hidden, and total - sum(shown parts), computed from the TRUE unrounded figures, is either zero
(every hidden part is a zero, which the rules allow to be shown) or at least the threshold and
larger than the number of hidden parts. So even an intruder who could undo the
rounding learns only the combined size (>= 10) of two or more hidden figures; with rounding, each
shown figure adds up to 2 people of doubt on top.
"""

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.intruder import intruder_intervals, metrics_from_people

from contract.release import METRICS_SCHEMA
from pipelines.config import DisclosureConfig
from pipelines.disclosure import (
    protect_metrics,
    protect_pathways,
    protect_survival,
    release_problems,
)

LONDON = "E12000007"
BOROUGHS = ["E09000033", "E09000022", "E09000007", "E09000017"]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

people_rows = st.lists(
    st.tuples(
        st.sampled_from([date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1)]),
        st.sampled_from(BOROUGHS),
        st.sampled_from(["flow_new", "stock", "returner"]),
        st.sampled_from(["male", "male", "male", "female", "unknown"]),
    ),
    min_size=1,
    max_size=160,
)
configs = st.sampled_from(
    [DisclosureConfig(), DisclosureConfig(threshold=5, rounding_base=5),
     DisclosureConfig(threshold=7, rounding_base=5), DisclosureConfig(threshold=10, rounding_base=10)]
)  # fmt: skip


def as_metrics(rows) -> pl.DataFrame:
    people = pl.DataFrame(rows, schema=["month", "borough", "seen_type", "gender"], orient="row")
    return metrics_from_people(people, families=("gender",))


def relations(truth: pl.DataFrame, published: pl.DataFrame) -> pl.DataFrame:
    """Each additive relation, built here independently of the code under test: one row per
    relation with the true total, the true sum of shown parts, and the number of hidden parts."""
    keys = ["metric_id", "period_type", "period_start", "geography_code", "breakdown"]
    cells = truth.join(
        published.select(*keys, hidden=pl.col("status") == "suppressed"), on=keys
    ).with_columns(family=pl.col("breakdown").str.split("=").list.first())
    quarter = pl.col("period_start").dt.truncate("1q")
    specs = [
        # (what makes a total, what makes a part, keys shared by total and parts)
        (pl.col("breakdown") == "all", pl.col("breakdown") != "all",
         ["metric_id", "period_type", "period_start", "geography_code"]),
        (pl.col("geography_code") == LONDON, pl.col("geography_code") != LONDON,
         ["metric_id", "period_type", "period_start", "breakdown"]),
        (pl.col("metric_id") == "seen_rough_sleeping", pl.col("metric_id") != "seen_rough_sleeping",
         ["period_type", "period_start", "geography_code", "breakdown"]),
        (pl.col("period_type") == "quarter", pl.col("period_type") == "month",
         ["metric_id", "geography_code", "breakdown", "_q"]),
    ]  # fmt: skip
    cells = cells.with_columns(_q=quarter)
    found = []
    for is_total, is_part, by in specs:
        totals = cells.filter(is_total).select(*by, total=pl.col("value"), total_hidden="hidden")
        parts = (
            cells.filter(is_part)
            .group_by(by)
            .agg(
                shown_sum=pl.col("value").filter(~pl.col("hidden")).sum(),
                hidden_parts=pl.col("hidden").sum(),
            )
        )
        found.append(totals.join(parts, on=by).select("total", "total_hidden", "shown_sum",
                                                      "hidden_parts"))  # fmt: skip
    return pl.concat(found)


@SETTINGS
@given(rows=people_rows, config=configs)
def test_every_published_count_is_zero_suppressed_or_a_rounded_count_at_the_threshold(rows, config):
    truth = as_metrics(rows)
    published = protect_metrics(truth, config)
    assert published.columns == list(METRICS_SCHEMA)
    problems = [p for p in release_problems({"metrics": published}, config) if "metrics" in p]
    assert problems == []
    shown = published.filter(pl.col("status") != "suppressed")["value"]
    assert (
        (shown == 0) | ((shown % config.rounding_base == 0) & (shown >= config.threshold))
    ).all()
    assert published.height == truth.height  # nothing dropped silently: hidden rows say so


@SETTINGS
@given(rows=people_rows, config=configs)
def test_no_relation_pins_a_hidden_figure_even_without_rounding(rows, config):
    truth = as_metrics(rows)
    published = protect_metrics(truth, config)
    open_relations = relations(truth, published).filter(
        ~pl.col("total_hidden") & (pl.col("hidden_parts") > 0)
    )
    residual = open_relations["total"] - open_relations["shown_sum"]
    assert (open_relations["hidden_parts"] >= 2).all()
    # Either the hidden parts are all zero (which the rules would let us show anyway), or they
    # hold at least the threshold together, and more people than there are hidden parts.
    safe = (residual == 0) | (
        (residual >= config.threshold) & (residual > open_relations["hidden_parts"])
    )
    assert safe.all()


@SETTINGS
@given(rows=people_rows, config=configs)
def test_a_hidden_total_hides_its_whole_breakdown(rows, config):
    truth = as_metrics(rows)
    published = protect_metrics(truth, config)
    closed = relations(truth, published).filter(pl.col("total_hidden"))
    assert (closed["shown_sum"] == 0).all()


@SETTINGS
@given(rows=people_rows, config=configs)
def test_protection_is_deterministic_and_ignores_row_order(rows, config):
    truth = as_metrics(rows)
    assert protect_metrics(truth, config).equals(protect_metrics(truth.reverse(), config))


links = st.lists(
    st.tuples(
        st.sampled_from(["none", "end_ast", "left_institution", "domestic_abuse"]),
        st.sampled_from(["none", "nsno_hub", "hostel", "housing_first", "reconnection"]),
        st.integers(min_value=1, max_value=60),
    ),
    min_size=1,
    max_size=14,
    unique_by=lambda link: link[:2],
)


@SETTINGS
@given(rows=links, config=configs)
def test_sankey_links_keep_everyone_and_show_no_small_number(rows, config):
    frame = pl.DataFrame(
        [{"cohort_period": "2024-04", "geography_code": LONDON, "stage_from": "before",
          "state_from": a, "stage_to": "first_response", "state_to": b, "count": n}
         for a, b, n in rows]
    )  # fmt: skip
    published = protect_pathways(frame, config)
    cohort = sum(n for _, _, n in rows)
    counts = published["count"]
    if cohort < config.threshold:
        assert published["status"].to_list() == ["suppressed"]
        return
    assert (published["status"] == "ok").all()
    assert ((counts % config.rounding_base == 0) & (counts >= config.threshold)).all()
    # Folding never drops anyone: the shown links add up to the cohort within their rounding
    # (each link moves by at most half the base, or is lifted to the smallest shown count).
    smallest = -(-config.threshold // config.rounding_base) * config.rounding_base
    per_link = max(config.rounding_base // 2, smallest - config.threshold)
    assert abs(counts.sum() - cohort) <= per_link * published.height


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=people_rows)
def test_the_interval_attack_pins_no_hidden_person(rows):
    # Every relation at once, every shown figure within its rounding, whole numbers >= 0.
    truth = as_metrics([r for r in rows if r[1] in BOROUGHS[:2]] or rows[:1])
    published = protect_metrics(truth, DisclosureConfig())
    intervals = intruder_intervals(published, DisclosureConfig(), quick=True)
    pinned = intervals.filter((pl.col("low") == pl.col("high")) & (pl.col("low") > 0))
    assert pinned.is_empty(), pinned


cohorts = st.lists(
    st.tuples(st.integers(min_value=1, max_value=400), st.booleans()), min_size=1, max_size=120
)


@SETTINGS
@given(people=cohorts, config=configs)
def test_survival_steps_never_tell_a_small_number(people, config):
    frame = pl.DataFrame(people, schema=["t", "event"], orient="row")
    steps = (
        frame.group_by("t")
        .agg(n_events=pl.col("event").sum(), n_censored=(~pl.col("event")).sum())
        .sort("t")
    )
    at_risk, estimate = len(people), 1.0
    rows = [(0, at_risk, 0, 0, 1.0)]
    for t, d, c in steps.iter_rows():
        estimate *= 1 - d / at_risk
        rows.append((t, at_risk, d, c, estimate))
        at_risk -= d + c
    events = pl.DataFrame(
        [{"curve_id": "return_to_street", "geography_code": LONDON, "group": "all", "t_days": t,
          "estimate": s, "ci_lower": s, "ci_upper": s, "at_risk": n, "status": "ok",
          "n_events": d, "n_censored": c} for t, n, d, c, s in rows]
    )  # fmt: skip
    published = protect_survival(events, config)
    assert [p for p in release_problems({"survival": published}, config) if "survival" in p] == []
    if len(people) < config.survival_min_at_risk:
        assert published["status"].to_list() == ["suppressed"]
        return
    shown = published["t_days"].to_list()
    for start, end in zip(shown, shown[1:], strict=False):
        window = events.filter(
            (pl.col("t_days") <= end) & ((pl.col("t_days") > start) | (start == 0))
        )
        returns = window["n_events"].sum()
        assert window["n_events"].sum() + window["n_censored"].sum() >= config.survival_min_leavers
        assert returns == 0 or returns >= config.threshold
        assert window["at_risk"].min() >= config.survival_min_at_risk
