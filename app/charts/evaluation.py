"""Pilot evaluation: the pilot register as a table, and each pilot's designs as charts and words.

The register comes from the release manifest (``PilotEntry``); the estimates from the release's
``evaluation`` table (``EVALUATION_SCHEMA``). Nothing here computes from people: every number is
the release's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from app import theme
from app.charts.common import Chart, Words, empty_chart, style_figure
from contract.reference import borough_name
from contract.release import PilotEntry
from contract.vocabulary import BREAKDOWN_VALUE_WORDS, GROUP_VALUE_WORDS, capital

TARGET_WORDS = {
    "mental_health": "people with a mental health need",
    "alcohol": "people with an alcohol need",
    "drugs": "people with a drug need",
    "physical_health": "people with a physical health need",
    "learning_disability": "people with a learning disability",
}


def month_words(month: str | None) -> str:
    if not month:
        return "ongoing"
    return date.fromisoformat(f"{month}-01").strftime("%B %Y")


def pilot_title(pilot: PilotEntry) -> str:
    """'Housing First in Camden, from April 2023'."""
    what = GROUP_VALUE_WORDS.get(pilot.intervention, pilot.intervention.replace("_", " "))
    return f"{what} in {borough_name(pilot.borough)}, from {month_words(pilot.start)}"


def register_table(pilots: Sequence[PilotEntry]) -> pl.DataFrame:
    """The pilot register as the About and transparency pages show it, one row per pilot."""
    return pl.DataFrame(
        {
            "pilot": [p.id for p in pilots],
            "borough": [borough_name(p.borough) for p in pilots],
            "intervention": [GROUP_VALUE_WORDS.get(p.intervention, p.intervention) for p in pilots],
            "from": [month_words(p.start) for p in pilots],
            "to": [month_words(p.end) for p in pilots],
            "for": [TARGET_WORDS.get(p.target_group or "", "everyone") for p in pilots],
            "what it is": [p.description for p in pilots],
        },
        schema={
            c: pl.String
            for c in ("pilot", "borough", "intervention", "from", "to", "for", "what it is")
        },
    )


REGISTER_WORDS = (
    "Pilots registered for evaluation in this release. Each is evaluated on the Compare page "
    "(Pilot evaluation), with its design, estimate, interval, checks and caveat."
)
NO_PILOTS_WORDS = "No pilot is registered for evaluation in this release."


# -- the designs' words --------------------------------------------------------------------

OUTCOME_WORDS = {
    "returned_6m": "returned to the street within 6 months of moving in",
    "returned_12m": "returned to the street within 12 months of moving in",
    "living_on_streets": "of the people seen rough sleeping, living on the streets",
}
OUTCOMES = tuple(OUTCOME_WORDS)
COVARIATE_WORDS = {
    "need_mental_health": "mental health need",
    "need_alcohol": "alcohol need",
    "need_drugs": "drug need",
    "need_physical_health": "physical health need",
    "need_learning_disability": "learning disability",
    "street_3_to_12_months": "first seen 3 to 12 months before",
    "street_over_12_months": "first seen over 12 months before",
    "returned_before": "returned to the street before",
}
BEFORE_AFTER_ASSUMPTIONS = (
    "**Before and after, with London as the comparison.** The pilot borough's change from the "
    "quarters before the pilot to the quarters since, less the change in the rest of London over "
    "the same quarters. It assumes that without the pilot the borough would have moved as London "
    "did (parallel trends); the trend check warns when the two were already drifting apart "
    "before the start. The interval says how far chance alone moves a borough of this size: "
    "every other borough is treated in turn as if it had started a pilot on the same date. "
    "It is worked out from the quarterly figures this release publishes, so quarters whose "
    "figures are suppressed are left out. Anything else that changed in the borough at the "
    "same time (a new hostel, a change in outreach) is counted as the pilot's."
)
WEIGHTED_ASSUMPTIONS = (
    "**People in the pilot against similar people.** In the pilot borough since the start, "
    "people whose first move was the pilot's kind against people whose first move was another, "
    "the others weighted so that their age, gender, support needs, time already spent rough "
    "sleeping and earlier returns match the pilot's people (inverse probability weighting). "
    "It assumes nothing that differs between the two groups and affects returns is missing "
    "from that list — who was offered the pilot, and why, is not in the records. It compares "
    "the pilot's kind of housing with what people got otherwise, not the pilot with no pilot."
)
EVALUATION_CAVEAT = (
    "These are evaluations of records of what happened, not a trial: nobody was placed in the "
    "pilot at random. Each design rests on an assumption stated beside it; read an estimate "
    "with its interval and its checks, and where the page says a pilot is too small to tell, "
    "no conclusion either way can be drawn from these figures."
)


def _points(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:+.1f} points".replace("-", "−")


def _rows(evaluation: pl.DataFrame, pilot_id: str, design: str) -> pl.DataFrame:
    return evaluation.filter((pl.col("pilot_id") == pilot_id) & (pl.col("design") == design))


def _one(rows: pl.DataFrame, statistic: str, group: str = "all") -> dict | None:
    found = rows.filter((pl.col("statistic") == statistic) & (pl.col("group") == group))
    return found.row(0, named=True) if found.height else None


def assumptions(words: str) -> str:
    """A design's assumptions without its bold name, for under its own heading."""
    return "What this assumes and cannot show: " + words.split("** ", 1)[-1]


def before_after_summary(evaluation: pl.DataFrame, pilot: PilotEntry, outcome: str) -> list[str]:
    """Design 1's result in plain sentences: estimate and interval, or why there is none; the
    trend check."""
    rows = _rows(evaluation, pilot.id, "before_after").filter(pl.col("outcome") == outcome)
    did = _one(rows, "difference_in_differences")
    mde = _one(rows, "minimum_detectable_effect")
    trend = _one(rows, "pre_trend")
    placebos = _one(rows, "placebo_boroughs")
    place = borough_name(pilot.borough)
    if did is None or did["status"] == "not_estimable":
        return [
            f"Not enough published figures to compare: {place}'s quarterly figures for this "
            "outcome are suppressed (too few people) before or after the start, so the change "
            "cannot be worked out from what this release publishes."
        ]
    change = (
        f"Change in {place} beyond the rest of London's: {_points(did['value'])} "
        f"({did['n']:,} people in the quarters used)."
    )
    if did["status"] == "too_small":
        if mde is not None and mde["value"] is not None:
            return [
                change,
                f"**Too small to tell.** With this many people, the design could only detect a "
                f"change of {100 * mde['value']:.1f} points or more (at 80% power); smaller "
                "changes are lost in chance variation, so no interval is drawn.",
            ]
        count = int(placebos["value"]) if placebos and placebos["value"] is not None else 0
        return [
            change,
            f"**Too few boroughs to compare with:** {count} other boroughs have published "
            "figures both before and after the start, too few to say how far chance moves a "
            "borough; no interval is drawn.",
        ]
    p = did["p_value"]
    sentences = [
        change,
        f"95% interval {_points(did['ci_lower'])} to {_points(did['ci_upper'])}"
        + (f"; p = {p:.3f}" if p is not None and p >= 0.001 else "; p < 0.001")
        + ". "
        + (
            "The interval does not include zero: a change this large is unlikely to be chance."
            if did["ci_lower"] > 0 or did["ci_upper"] < 0
            else "The interval includes zero: no change beyond London's can be told from chance."
        ),
    ]
    if trend is not None and trend["status"] == "warning":
        sentences.append(
            f"**Check failed: trends before the start.** {place} was already moving "
            f"{_points(trend['value'])} a quarter against London before the pilot began, more "
            "than nearly all other boroughs: the comparison may credit the pilot with a change "
            "that was already happening."
        )
    elif trend is not None and trend["value"] is not None:
        sentences.append(
            f"Check passed: before the start, {place} and London moved alike "
            f"({_points(trend['value'])} a quarter)."
        )
    return sentences


def weighted_summary(evaluation: pl.DataFrame, pilot: PilotEntry) -> list[str]:
    """Design 2's result in plain sentences: sizes, effective sizes, estimate or why none."""
    rows = _rows(evaluation, pilot.id, "weighted")
    what = GROUP_VALUE_WORDS.get(pilot.intervention, pilot.intervention)
    sizes = {g: _one(rows, "group_size", g) for g in ("pilot", "comparison")}
    if any(s is None for s in sizes.values()):
        return ["Not evaluated: no one moved into accommodation in the pilot borough since the "
                "start."]  # fmt: skip

    def size(group: str) -> str:
        n = sizes[group]["n"]  # type: ignore[index]
        return "fewer than 10" if n is None else f"{n:,}"

    kind = what if what == "Housing First" else what.lower()
    sentences = [
        f"Since the start, {size('pilot')} people moved first into {kind} and "
        f"{size('comparison')} into another kind of accommodation."
    ]
    ess = {g: _one(rows, "effective_sample_size", g) for g in ("pilot", "comparison")}
    if ess["comparison"] is not None and ess["comparison"]["value"] is not None:
        sentences.append(
            f"After weighting, the comparison group counts as much as about "
            f"{ess['comparison']['value']:,.0f} people (its effective size)."
        )
    hr, mde = _one(rows, "hazard_ratio"), _one(rows, "minimum_detectable_effect")
    if hr is not None and hr["value"] is not None:
        sentences.append(
            f"Hazard of returning to the street, pilot against similar people: "
            f"{hr['value']:.2f} (95% interval {hr['ci_lower']:.2f} to {hr['ci_upper']:.2f}). "
            + (
                "Below 1 and its interval too: fewer returns than similar people had."
                if hr["ci_upper"] < 1
                else "Above 1 and its interval too: more returns than similar people had."
                if hr["ci_lower"] > 1
                else "The interval includes 1: no difference can be told from chance."
            )
        )
    elif mde is not None and mde["value"] is not None:
        sentences.append(
            f"**Too small to tell.** With this many people and returns, only a hazard ratio of "
            f"{mde['value']:.2f} or lower (at 80% power) could be detected, a larger effect than "
            "the 30% fewer returns worth detecting; no estimate or interval is drawn."
        )
    else:
        sentences.append(
            "**Too small to tell.** Too few people in one of the groups to weigh them against "
            "each other; no estimate is drawn."
        )
    return sentences


def before_after_chart(words: Words, evaluation: pl.DataFrame, pilot: PilotEntry,
                       outcome: str) -> Chart:  # fmt: skip
    """The outcome by quarter in the pilot borough and the rest of London, the start marked."""
    place = borough_name(pilot.borough)
    rows = _rows(evaluation, pilot.id, "before_after").filter(
        (pl.col("outcome") == outcome) & (pl.col("statistic") == "share")
    )
    key = f"pilot-{pilot.id}-{outcome}"
    title = f"{capital(OUTCOME_WORDS[outcome])}: {place} and the rest of London, by quarter"
    subtitle = (
        "Share of people, each quarter, from the published borough figures (quarters with "
        "suppressed figures are left out). The dashed line is the pilot's start."
    )
    footnote = words.footnote("Evaluation of records, not a trial: see the caveat.")
    if rows.is_empty():
        return empty_chart(key, title, subtitle, footnote,
                           f"No quarter's figures for {place} are published for this outcome.")  # fmt: skip
    data = rows.select(
        quarter="period_start",
        side=pl.col("group").replace({"pilot": place, "rest_of_london": "Rest of London"}),
        share="value",
        people="n",
    ).sort("side", "quarter")
    fig = go.Figure()
    for side, colour, dash in ((place, theme.BOROUGH_COLOUR, "solid"),
                               ("Rest of London", theme.LONDON_COLOUR, "dot")):  # fmt: skip
        part = data.filter(pl.col("side") == side)
        fig.add_trace(
            go.Scatter(
                x=part["quarter"].to_list(), y=(part["share"] * 100).to_list(), name=side,
                mode="lines+markers", line={"color": colour, "dash": dash},
                hovertemplate=f"{side}: %{{y:.0f}}% (%{{x|%b %Y}} quarter)<extra></extra>",
            )
        )  # fmt: skip
    start = date.fromisoformat(f"{pilot.start}-01")
    fig.add_vline(x=start, line={"color": theme.MUTED, "dash": "dash"})
    fig.add_annotation(x=start, y=0.02, yref="paper", text=" pilot starts", showarrow=False,
                       xanchor="left", yanchor="bottom", font={"color": theme.MUTED})  # fmt: skip
    style_figure(fig, height=340, y_title="% of people")
    fig.update_yaxes(rangemode="tozero")
    chart = Chart(key, title, subtitle, footnote, fig, data)
    ends = []
    for side in (place, "Rest of London"):
        part = data.filter(pl.col("side") == side)
        if part.height:
            first, last = part.row(0, named=True), part.row(-1, named=True)
            ends.append(
                f"{side} {first['share']:.0%} in the quarter from {first['quarter']:%B %Y}, "
                f"{last['share']:.0%} in the quarter from {last['quarter']:%B %Y}"
            )
    chart.alt_text = (
        f"{title}. Lines of the share each quarter for {place} and the rest of London, the "
        f"pilot's start ({start:%B %Y}) marked. " + "; ".join(ends) + "."
    )
    return chart


def balance_chart(words: Words, evaluation: pl.DataFrame, pilot: PilotEntry) -> Chart:
    """Standardised differences of each case-mix item, before and after weighting."""
    rows = _rows(evaluation, pilot.id, "weighted").filter(
        pl.col("statistic").is_in(["balance_before", "balance_after"])
    )
    key = f"pilot-{pilot.id}-balance"
    title = f"How alike the groups are, before and after weighting — {borough_name(pilot.borough)}"
    subtitle = (
        "Standardised difference of each item between the pilot's people and the others: 0 is "
        "alike; beyond ±0.1 is usually read as a real imbalance."
    )
    footnote = words.footnote("Balance is published to two decimals.")
    if rows.is_empty():
        return empty_chart(key, title, subtitle, footnote,
                           "Not shown: the groups are too small to weigh.")  # fmt: skip
    data = rows.select(
        item=pl.col("group").map_elements(covariate_words, return_dtype=pl.String),
        when=pl.col("statistic").replace({"balance_before": "before weighting",
                                          "balance_after": "after weighting"}),
        difference="value",
    ).sort("item", "when")  # fmt: skip
    fig = go.Figure()
    for when, colour, symbol in (("before weighting", theme.MUTED, "circle-open"),
                                 ("after weighting", theme.BOROUGH_COLOUR, "circle")):  # fmt: skip
        part = data.filter(pl.col("when") == when)
        fig.add_trace(
            go.Scatter(
                x=part["difference"].to_list(), y=part["item"].to_list(), name=when,
                mode="markers", marker={"color": colour, "symbol": symbol, "size": 11},
                hovertemplate="%{y}: %{x:.2f}<extra>" + when + "</extra>",
            )
        )  # fmt: skip
    for x in (-0.1, 0.1):
        fig.add_vline(x=x, line={"color": theme.GRID, "dash": "dash"})
    fig.add_vline(x=0, line={"color": theme.MUTED})
    style_figure(fig, height=max(260, 26 * data["item"].n_unique() + 110))
    fig.update_xaxes(title_text="standardised difference")
    fig.update_yaxes(autorange="reversed", automargin=True)
    chart = Chart(key, title, subtitle, footnote, fig, data)
    worst = []
    for when in ("before weighting", "after weighting"):
        part = data.filter(pl.col("when") == when).sort(pl.col("difference").abs(), descending=True)
        if part.height:
            item, _, difference = part.row(0)
            worst.append(f"{when}, the largest is {item} ({difference:+.2f})")
    chart.alt_text = (
        f"{title}. Dots of the standardised difference of each item between the pilot's people "
        "and the others, before and after weighting; " + "; ".join(worst) + "."
    )
    return chart


def covariate_words(name: str) -> str:
    """'need_drugs' → 'drug need'; 'age_band=18_25' → 'age 18–25'; 'gender=female' → 'female'."""
    if name in COVARIATE_WORDS:
        return COVARIATE_WORDS[name]
    dimension, _, value = name.partition("=")
    shown = BREAKDOWN_VALUE_WORDS.get(value, value.replace("_", " "))
    return f"age {shown}" if dimension == "age_band" else shown.lower()


def adjusted_returns_table(evaluation: pl.DataFrame, pilot: PilotEntry) -> pl.DataFrame:
    """The weighted (case-mix adjusted) share returned by 6 and 12 months, for each group; none
    where the design is too small to tell (a share without its comparison reads as a finding)."""
    rows = _rows(evaluation, pilot.id, "weighted").filter(
        pl.col("statistic").is_in(["returned_by_182d", "returned_by_365d"])
        & pl.col("status").is_in(["ok", "warning"])
    )
    return rows.sort(pl.col("group") != "pilot", "statistic").select(
        group=pl.col("group").replace({"pilot": "in the pilot", "comparison": "similar people"}),
        by=pl.col("statistic").replace({"returned_by_182d": "6 months",
                                        "returned_by_365d": "12 months"}),
        returned=pl.format("{}%", (pl.col("value") * 100).round(0).cast(pl.Int64)),
    )  # fmt: skip
