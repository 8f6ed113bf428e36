"""The versioned registry of counting metrics (SPEC section 5).

Each metric has an id, a title, the definition the app shows (in plain words, with the
parameter values of the run filled in), a unit (``people`` or ``share``), a version, and the
configuration parameters it uses. Changing a definition's meaning means bumping its version
and ``DEFINITIONS_VERSION``, so every number in the app can say which definition it follows.

Rules shared by all metrics (the app shows them once, on the "About this data" page):

- A person's status in a period (new, stock, returner, living on the streets ...) is decided
  from everything outreach saw of them anywhere in London. A borough's figure counts the people
  seen rough sleeping *in that borough* in the period, with that London-wide status; a person
  seen in two boroughs counts in both, and once in London. The one exception is
  ``p1_new_to_borough``, which is about the borough itself.
- Periods are calendar months, quarters and financial years (April to March); a period is
  reported once it is complete (its last day is on or before the extract date).
- The Data Framework measures (``p1``, ``b1``, ``nr1``) are monthly, as the framework defines them.

How to add a counting metric (three places, nothing else):

1. Its rule in ``metrics.rules``: a function from ``MetricsConfig`` to a true/false Polars
   expression over the facts of its population (listed there), with a one-line docstring.
2. Its entry in ``METRICS`` below: id, title, definition words (``{name}`` for each
   ``MetricsConfig`` field it reads, listed in ``parameters``), unit, ``rule=``, population,
   and the period types and geographies it is reported for. Counting (``metrics.counting``),
   the release manifest's definitions and the dashboard's words all follow from the entry.
3. A spec test in ``tests/spec/metrics/``: a small table of events in, the number out.

A new setting goes in ``metrics.config.MetricsConfig`` with its default and reason; a rule that
needs a fact no population has yet also needs that fact added where ``metrics.counting`` builds
the population. A release's bytes change with a new metric, so update
``tests/integration/release/release_fingerprint.json`` in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics import rules
from metrics.config import MetricsConfig
from metrics.rules import Rule

DEFINITIONS_VERSION = "1.0.0"

ALL_PERIODS = ("month", "quarter", "fy")
BOTH_GEOGRAPHIES = ("london", "borough")
UNITS = ("people", "share")
POPULATIONS = ("seen", "new", "moved")


@dataclass(frozen=True)
class Metric:
    """One metric of the registry.

    Attributes:
        id: stable identifier used in the release (``metric_id``).
        title: short name for charts.
        definition: the words the app shows; ``{name}`` fields are MetricsConfig parameters.
        unit: ``people`` (a count of distinct people) or ``share`` (0 to 1).
        rule: who counts (``metrics.rules``): for a ``people`` metric, the people of the
            population for whom the rule is true; for a ``share``, their share of the population.
        version: the definition's own version.
        parameters: the MetricsConfig fields the definition uses.
        population: whom the metric counts among: ``seen`` (people seen rough sleeping in the
            period), ``new`` (the period's ``flow_new`` people) or ``moved`` (people who moved
            into accommodation in the period).
        period_types: the period types it is reported for.
        geographies: ``london`` and/or ``borough``.
        follow_up_months: for a share judged over a follow-up after the period (sustainment),
            its length; the share is reported only once the follow-up is complete, and only
            when ``MetricsConfig.sustained_months`` lists it.
    """

    id: str
    title: str
    definition: str
    unit: str
    rule: Rule
    version: str = "1.0"
    parameters: tuple[str, ...] = ()
    population: str = "seen"
    period_types: tuple[str, ...] = ALL_PERIODS
    geographies: tuple[str, ...] = BOTH_GEOGRAPHIES
    follow_up_months: int | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"metric {self.id}: unit {self.unit!r} is not one of {UNITS}")
        if self.population not in POPULATIONS:
            raise ValueError(
                f"metric {self.id}: population {self.population!r} is not one of {POPULATIONS}"
            )

    def describe(self, config: MetricsConfig | None = None) -> str:
        """The definition in words, with the run's parameter values filled in."""
        values = (config or MetricsConfig()).model_dump()
        return self.definition.format(**values)


MOVE_KIND_WORDS = {
    "hostel": "a hostel",
    "supported_housing": "supported housing",
    "housing_first": "Housing First",
    "temporary_accommodation": "temporary accommodation",
    "settled": "a private or social tenancy",
}
"""The kinds of move into accommodation (``metrics.counting.MOVE_KINDS``), in words."""

SEEN_DAY_BANDS = (
    ("1_day", "1 day", 1, 1),
    ("2_5_days", "2 to 5 days", 2, 5),
    ("6_10_days", "6 to 10 days", 6, 10),
    ("over_10_days", "more than 10 days", 11, None),
)
"""How often people are seen (CHAIN's standard table): id part, words, fewest and most days."""

METRICS: tuple[Metric, ...] = (
    Metric(
        "seen_rough_sleeping",
        "People seen rough sleeping",
        "People seen bedded down by an outreach worker at least once in the period.",
        "people",
        rule=rules.everyone,
    ),
    Metric(
        "flow_new",
        "New people (flow)",
        "People seen rough sleeping in the period who had never been seen rough sleeping anywhere "
        "in London before it.",
        "people",
        rule=rules.flow_new,
    ),
    Metric(
        "stock",
        "People also seen in the previous period (stock)",
        "People seen rough sleeping in the period who were also seen rough sleeping (anywhere in "
        "London) in the previous period of the same length (the previous month, quarter or "
        "financial year).",
        "people",
        rule=rules.stock,
    ),
    Metric(
        "returner",
        "People returning to the streets (returners)",
        "People seen rough sleeping in the period who were first seen before the previous period "
        "and were not seen anywhere in London in the previous period. New, stock and returners "
        "add up to everyone seen in the period.",
        "people",
        rule=rules.returner,
    ),
    Metric(
        "living_on_streets",
        "People living on the streets",
        "People seen rough sleeping on at least {living_on_streets_min_days} separate days in the "
        "period, the last of them at least {living_on_streets_min_span_days} days after the first "
        "(a pattern over three weeks or more).",
        "people",
        rule=rules.living_on_streets,
        parameters=("living_on_streets_min_days", "living_on_streets_min_span_days"),
    ),
    Metric(
        "intermittent",
        "People seen intermittently",
        "People seen rough sleeping in the period who had been seen before it and are not living "
        "on the streets.",
        "people",
        rule=rules.intermittent,
        parameters=("living_on_streets_min_days", "living_on_streets_min_span_days"),
    ),
    Metric(
        "new_single_night",
        "New people seen only once (No Second Night Out)",
        "Of the new people of the period, the share seen rough sleeping on exactly one day in it.",
        "share",
        rule=rules.single_night,
        population="new",
    ),
    Metric(
        "p1_new_to_borough",
        "New to the borough (P1)",
        "People seen rough sleeping in the borough this month who had not been seen rough sleeping "
        "in that borough in the previous {p1_lookback_months} months. Reported per borough only.",
        "people",
        rule=rules.new_to_borough,
        parameters=("p1_lookback_months",),
        period_types=("month",),
        geographies=("borough",),
    ),
    Metric(
        "p2_left_institution",
        "New people who had left an institution (P2)",
        "New people of the period who, in the {p2_window_days} days up to the day they were first "
        "seen rough sleeping, had a custody or hospital event, or approached their council because "
        "they had left an institution or their asylum support ended.",
        "people",
        rule=rules.left_institution,
        parameters=("p2_window_days",),
        population="new",
    ),
    Metric(
        "b1_long_term",
        "Long-term rough sleeping (B1)",
        "People seen rough sleeping this month who were also seen rough sleeping (anywhere in "
        "London) in at least {b1_min_months} of the previous {b1_lookback_months} months.",
        "people",
        rule=rules.long_term,
        parameters=("b1_lookback_months", "b1_min_months"),
        period_types=("month",),
    ),
    Metric(
        "nr1_returning",
        "Returning to rough sleeping (NR1)",
        "People seen rough sleeping this month who were not seen anywhere in London in the previous "
        "{nr1_gap_months} months but had been seen rough sleeping before that.",
        "people",
        rule=rules.returning_after_gap,
        parameters=("nr1_gap_months",),
        period_types=("month",),
    ),
    Metric(
        "moved_into_accommodation",
        "Moved into accommodation",
        "People who moved into accommodation (hostel, supported housing, Housing First, temporary "
        "accommodation, private or social tenancy) in the period and had been seen rough sleeping "
        "in the {moved_in_lookback_months} months up to the move. The borough is where they moved, "
        "or where they were last seen rough sleeping when the record names no borough.",
        "people",
        rule=rules.everyone,
        parameters=("moved_in_lookback_months",),
        population="moved",
    ),
    *(
        Metric(
            f"sustained_{months}m",
            f"Accommodation sustained {months} months",
            "Of the people who moved into accommodation in the period, the share not seen rough "
            f"sleeping again within {months} months of their (first) move in the period, ignoring "
            "the first {sustained_grace_days} days. Reported only once every person's follow-up "
            "is complete.",
            "share",
            rule=rules.sustained(months),
            parameters=("moved_in_lookback_months", "sustained_grace_days"),
            population="moved",
            follow_up_months=months,
        )
        for months in (3, 6, 12)
    ),
    *(
        Metric(
            f"moved_to_{kind}",
            f"Moved into {words}",
            "People who moved into accommodation in the period (as counted for moved into "
            f"accommodation) whose first move of the period, anywhere in London, was into {words}.",
            "people",
            rule=rules.moved_to(kind),
            parameters=("moved_in_lookback_months",),
            population="moved",
        )
        for kind, words in MOVE_KIND_WORDS.items()
    ),
    *(
        Metric(
            f"seen_{band}",
            f"Seen on {words} in the year",
            f"People seen rough sleeping on {words} of the financial year (separate days seen "
            "bedded down).",
            "people",
            rule=rules.seen_on_days(low, high),
            period_types=("fy",),
        )
        for band, words, low, high in SEEN_DAY_BANDS
    ),
    Metric(
        "prior_hclic_approach",
        "New people who had approached their council (missed prevention)",
        "Of the new people of the period, the share who had approached a London council's housing "
        "options service (H-CLIC) in the {prior_hclic_months} months up to the day they were first "
        "seen rough sleeping.",
        "share",
        rule=rules.approached_council,
        parameters=("prior_hclic_months",),
        population="new",
    ),
)

METRICS_BY_ID = {metric.id: metric for metric in METRICS}


def definitions(config: MetricsConfig | None = None) -> list[dict[str, str]]:
    """The registry for the release manifest and the "About this data" page.

    Returns:
        One dict per metric with ``id``, ``title``, ``definition`` (parameter values filled in),
        ``unit`` and ``version``.

    >>> definitions()[0]["id"], definitions()[0]["unit"]
    ('seen_rough_sleeping', 'people')
    """
    return [
        {
            "id": metric.id,
            "title": metric.title,
            "definition": metric.describe(config),
            "unit": metric.unit,
            "version": metric.version,
        }
        for metric in METRICS
    ]
