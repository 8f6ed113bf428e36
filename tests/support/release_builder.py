"""A small but realistic protected release for the dashboard's tests.

Three financial years (April 2022 to March 2025) of monthly, quarterly and yearly metrics for
London and all 33 boroughs, a few breakdowns, survival curves, Sankey links, top paths,
intervention comparisons, quality indicators and two registered pilots' evaluation. The counts are drawn unprotected and go through
the real disclosure control (``pipelines.disclosure``), so every published figure is what the
pipeline would publish; the metrics' titles and definitions are the registry's.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from contract import release as release_reader
from contract.reference import borough_codes, borough_name
from metrics.config import Pilot
from metrics.evaluation import weighted_comparison, weighted_rows
from metrics.registry import definitions as registry_definitions
from metrics.survival import survival_curves
from pipelines.config import DisclosureConfig, PathwaysConfig
from pipelines.disclosure import (
    protect_metrics,
    protect_paths,
    protect_pathways,
    protect_quality,
    protect_services,
    protect_survival,
)
from pipelines.disclosure.evaluation import protect_evaluation, with_before_after
from pipelines.release.write import write_release
from tests.support.pilots import pilot_people

LONDON = "E12000007"
WESTMINSTER, LAMBETH, CAMDEN, HILLINGDON = "E09000033", "E09000022", "E09000007", "E09000017"
EXTRACT_DATE = date(2025, 4, 30)

# share of London's people seen in each borough (Westminster 18%, Lambeth ~6%, long tail)
_WEIGHTS = {
    WESTMINSTER: 0.18, LAMBETH: 0.057, "E09000008": 0.037, "E09000020": 0.019,
    CAMDEN: 0.05, "E09000028": 0.045, "E09000030": 0.04, "E09000025": 0.035,
    "E09000012": 0.03, "E09000019": 0.03, "E09000009": 0.035, HILLINGDON: 0.03,
    "E09000005": 0.03, "E09000014": 0.025, "E09000032": 0.022, "E09000013": 0.02,
    "E09000018": 0.02, "E09000001": 0.02, "E09000023": 0.018, "E09000011": 0.015,
    "E09000003": 0.015, "E09000010": 0.012,
}  # fmt: skip

CURVE_DEFINITIONS = [
    {"id": "return_to_street", "title": "Return to the street", "unit": "days",
     "definition": "Kaplan-Meier estimate of days from moving into accommodation to the next rough sleeping contact, after a 14-day grace; censored at the extract date"},
    {"id": "time_to_accommodation", "title": "Time from first seen to accommodation", "unit": "days",
     "definition": "Kaplan-Meier estimate of days from first seen rough sleeping to first accommodation"},
]  # fmt: skip
"""The builder's own curves (the pipeline describes its curves in the run, not the registry)."""


def _months() -> list[date]:
    return [date(2022 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(36)]


def _metrics(rng: np.random.Generator) -> pl.DataFrame:
    rows: list[dict] = []
    weights = {c: _WEIGHTS.get(c, 0.004 + 0.006 * rng.random()) for c in borough_codes()}

    def add(metric, ptype, start, geo, breakdown, count=None, share=None, denominator=None):
        # the unprotected count (or numerator over denominator), as the metrics hand it over
        if share is None:
            num, den = max(int(round(count)), 0), None
        else:
            den = max(int(round(denominator)), 0)
            num = min(max(int(round(share * denominator)), 0), den)
        rows.append(
            dict(metric_id=metric, period_type=ptype, period_start=start,
                 geography_type="london" if geo == LONDON else "borough", geography_code=geo,
                 breakdown=breakdown, value=float(num) if den is None else (num / den if den else None),
                 numerator=num, denominator=den, status="ok")
        )  # fmt: skip

    periods = [("month", m, 1.0) for m in _months()]
    periods += [("quarter", m, 2.4) for m in _months()[::3]]
    periods += [("fy", m, 6.6) for m in _months()[::12]]
    for ptype, start, scale in periods:
        t = (start.year - 2022) * 12 + start.month
        season = 1 + 0.08 * math.cos((start.month - 1) / 12 * 2 * math.pi)
        seen_london = 1500 * (1 + 0.006 * t) * season * scale * (1 + 0.03 * rng.standard_normal())
        new_share = 0.45 if ptype == "month" else 0.6
        for geo in (LONDON, *borough_codes()):
            w = 1.0 if geo == LONDON else weights[geo]
            seen = seen_london * w * (1 + (0 if geo == LONDON else 0.1 * rng.standard_normal()))
            new = seen * new_share
            stock = seen * (1 - new_share) * 0.62
            add("seen_rough_sleeping", ptype, start, geo, "all", seen)
            add("flow_new", ptype, start, geo, "all", new)
            add("stock", ptype, start, geo, "all", stock)
            add("returner", ptype, start, geo, "all", seen - new - stock)
            add("living_on_streets", ptype, start, geo, "all", seen * 0.16)
            add("nr1_returning", ptype, start, geo, "all", seen * 0.11)
            add("moved_into_accommodation", ptype, start, geo, "all", seen * 0.3)
            add("new_single_night", ptype, start, geo, "all",
                share=0.7 + 0.03 * rng.standard_normal(), denominator=new)  # fmt: skip
            add("prior_hclic_approach", ptype, start, geo, "all",
                share=0.24 + 0.02 * rng.standard_normal(), denominator=new)  # fmt: skip
            add("sustained_6m", ptype, start, geo, "all",
                share=0.78 + 0.05 * rng.standard_normal(), denominator=seen * 0.3)  # fmt: skip
            if ptype == "month":
                continue
            for band, s in (("18_25", 0.09), ("26_35", 0.3), ("36_45", 0.3), ("46_55", 0.19),
                            ("56_plus", 0.1), ("unknown", 0.02)):  # fmt: skip
                add("seen_rough_sleeping", ptype, start, geo, f"age_band={band}", seen * s)
            for g, s in (("male", 0.84), ("female", 0.15), ("unknown", 0.01)):
                add("seen_rough_sleeping", ptype, start, geo, f"gender={g}", seen * s)
            if geo == LONDON:
                for n, s in (
                    ("uk", 0.45),
                    ("eu_eea", 0.25),
                    ("rest_of_world", 0.28),
                    ("unknown", 0.02),
                ):
                    add(
                        "seen_rough_sleeping", ptype, start, geo, f"nationality_group={n}", seen * s
                    )
    raw = pl.DataFrame(rows, schema=release_reader.METRICS_SCHEMA)
    return protect_metrics(raw, DisclosureConfig())


def _survival(rng: np.random.Generator) -> pl.DataFrame:
    """Simulated people per place and group, made into curves by the real estimators and the
    real disclosure control (interval counts, estimates recomputed from them)."""
    groups = {
        "all": 0.0011, "first_intervention=hostel": 0.0014,
        "first_intervention=housing_first": 0.0005,
        "first_intervention=supported_housing": 0.0009,
        "first_intervention=temporary_accommodation": 0.0012,
    }  # fmt: skip
    sizes = {LONDON: 3000, WESTMINSTER: 700, LAMBETH: 260, CAMDEN: 220, HILLINGDON: 140}
    people = []
    for geo, n0 in sizes.items():
        for group, rate in groups.items():
            n = int(n0 if group == "all" else n0 * (0.4 if "hostel" in group else 0.12))
            for curve, hazard in (("return_to_street", rate), ("time_to_accommodation", 0.006)):
                if curve == "time_to_accommodation" and group != "all":
                    continue
                event = rng.exponential(1 / hazard, n)
                death = rng.exponential(1 / 0.00006, n)
                censor = np.minimum(rng.exponential(1 / 0.0015, n), 730)
                t = np.minimum(np.minimum(event, death), censor).astype(int) + 1
                outcome = np.where(event <= np.minimum(death, censor), 1,
                                   np.where(death <= censor, 2, 0))  # fmt: skip
                people.append(pl.DataFrame({"curve_id": curve, "geography_code": geo,
                                            "group": group, "t": t, "outcome": outcome}))  # fmt: skip
    durations = pl.concat(people).with_columns(pl.col("outcome").cast(pl.Int8))
    keys = ["curve_id", "geography_code", "group"]
    curves = pl.concat(
        [
            survival_curves(durations, keys, curve_id=None),
            survival_curves(
                durations.filter(pl.col("curve_id") == "return_to_street").with_columns(
                    curve_id=pl.lit("return_to_street_cif")
                ),
                keys,
                curve_id=None,
                cumulative_incidence_id="return_to_street_cif",
            ).filter(pl.col("n_competing").is_not_null()),
        ]
    )
    return protect_survival(curves, DisclosureConfig())


_STATES = {
    "before": {"housing_approach": 0.25, "left_institution": 0.12, "none_known": 0.63},
    "first_response": {"nsno_hub": 0.3, "hostel": 0.2, "temporary_accommodation": 0.08,
                       "supported_housing": 0.06, "housing_first": 0.02, "reconnection": 0.06,
                       "none": 0.28},
    "month_6": {"settled": 0.12, "supported_or_hostel": 0.28, "temporary_accommodation": 0.1,
                "rough_sleeping": 0.14, "institution": 0.04, "reconnected": 0.06,
                "not_known": 0.26},
    "month_12": {"settled": 0.2, "supported_or_hostel": 0.22, "temporary_accommodation": 0.09,
                 "rough_sleeping": 0.1, "institution": 0.04, "reconnected": 0.07, "died": 0.004,
                 "not_known": 0.276},
}  # fmt: skip


def _pathways(rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    links, paths = [], []
    stages = list(_STATES)
    cohorts = {"2022-23": 1.0, "2023-24": 1.15}
    sizes = {LONDON: 6400, WESTMINSTER: 1100, LAMBETH: 380, CAMDEN: 300, HILLINGDON: 190}
    for cohort, grow in cohorts.items():
        for geo, n in sizes.items():
            n = n * grow
            for a, b in zip(stages, stages[1:], strict=False):
                for sa, pa in _STATES[a].items():
                    for sb, pb in _STATES[b].items():
                        c = int(round(n * pa * pb * (0.6 + 0.8 * rng.random())))
                        links.append(dict(cohort_period=cohort, geography_code=geo, stage_from=a,
                                          state_from=sa, stage_to=b, state_to=sb, count=c,
                                          status="ok"))  # fmt: skip
            common = [
                "none_known>nsno_hub>supported_or_hostel>settled",
                "none_known>none>rough_sleeping>rough_sleeping",
                "none_known>nsno_hub>reconnected>reconnected",
                "housing_approach>temporary_accommodation>temporary_accommodation>settled",
                "none_known>hostel>supported_or_hostel>supported_or_hostel",
                "left_institution>none>institution>not_known",
                "none_known>none>not_known>not_known",
                "none_known>hostel>settled>settled",
            ]
            for rank, p in enumerate(common, start=1):
                paths.append(dict(cohort_period=cohort, geography_code=geo, rank=rank, path=p,
                                  count=int(round(n * 0.12 / rank))))  # fmt: skip
    config = DisclosureConfig()
    return (
        protect_pathways(pl.DataFrame(links, schema=release_reader.PATHWAYS_SCHEMA), config),
        protect_paths(pl.DataFrame(paths, schema=release_reader.PATHS_SCHEMA), config),
    )


def _comparisons() -> pl.DataFrame:
    ref = "first_intervention=hostel"
    rows = [
        ("first_intervention", "first_intervention=housing_first", ref, "hazard_ratio", 0.42, 0.28, 0.63, 0.0001, 360, 1200),
        ("first_intervention", "first_intervention=supported_housing", ref, "hazard_ratio", 0.71, 0.55, 0.92, 0.01, 360, 1200),
        ("first_intervention", "first_intervention=temporary_accommodation", ref, "hazard_ratio", 0.88, 0.72, 1.07, 0.2, 420, 1200),
        ("first_intervention", "all_groups", "", "log_rank_chi2", 38.2, None, None, 0.00001, 3000, 3000),
        ("pilot_vs_other", "pilot", "other_boroughs", "hazard_ratio", 0.93, 0.8, 1.08, 0.34, 1320, 1680),
        # the pipeline's labels: 'borough=<ONS code>' (what the scope filter must recognise)
        ("borough", f"borough={LAMBETH}", "rest_of_london", "hazard_ratio", 1.05, 0.85, 1.3, 0.6, 260, 2740),
        ("borough", f"borough={CAMDEN}", "rest_of_london", "hazard_ratio", 0.9, 0.7, 1.15, 0.4, 220, 2780),
    ]  # fmt: skip
    return pl.DataFrame(
        [dict(zip(release_reader.COMPARISONS_SCHEMA, r, strict=True)) for r in rows],
        schema=release_reader.COMPARISONS_SCHEMA,
        orient="row",
    )


def _quality() -> pl.DataFrame:
    rows = []
    for source, records, rate in (
        ("chain", 48215, 0.97),
        ("hclic", 21330, 0.41),
        ("inform", 9870, 0.83),
    ):
        for indicator, value in (
            ("person_records", records),
            ("records_linked_to_another_source", round(records * rate)),
            ("linked_to_another_source_share", rate),
            ("rows_read", records + 40),
            ("rows_accepted", records),
            ("rows_quarantined", 40),
            ("quarantined_share", 40 / (records + 40)),
        ):
            rows.append(dict(source=source, period="2022-04/2025-03", indicator=indicator,
                             value=float(value), status="ok"))  # fmt: skip
    return protect_quality(pl.DataFrame(rows, schema=release_reader.QUALITY_SCHEMA),
                           DisclosureConfig())  # fmt: skip


def manifest(synthetic: bool = True) -> dict:
    return {
        "release_id": "2025-04-test",
        "created_at": "2025-05-02T06:00:00Z",
        "data_period": {"start": "2022-04-01", "end": "2025-03-31"},
        "source_extract_dates": {
            "chain": "2025-04-30",
            "hclic": "2025-04-28",
            "inform": "2025-04-30",
        },
        "lawful_bases": {
            "chain": {
                "provider": "GLA CHAIN",
                "lawful_basis": "public_task",
                "special_category_condition": "substantial_public_interest",
            },
            "hclic": {
                "provider": "Borough H-CLIC returns",
                "lawful_basis": "public_task",
                "special_category_condition": "substantial_public_interest",
            },
            "inform": {
                "provider": "Hostel providers (In-Form)",
                "lawful_basis": "public_task",
                "special_category_condition": "health_or_social_care",
            },
        },
        "definitions_version": "2026.1",
        "code_version": "0.1.0",
        "synthetic": synthetic,
        "definitions": [
            {**d, "version": "2026.1"} for d in [*registry_definitions(), *CURVE_DEFINITIONS]
        ],
    }


PILOTS = (
    Pilot(id="camden-housing-first", borough=CAMDEN, intervention="housing_first",
          start="2023-04", description="Housing First for people with a long history of rough "
          "sleeping."),
    Pilot(id="lambeth-supported-housing", borough=LAMBETH, intervention="supported_housing",
          start="2023-04", description="Supported housing with a tenancy sustainment worker."),
)  # fmt: skip


def _evaluation(seed: int, tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The pilots' evaluation through the real route: design 2 from simulated people (Camden's
    600 with a hazard ratio of 0.6, Lambeth's 60: too few to tell) protected by disclosure
    control, design 1 from the builder's own published metrics."""
    rng = np.random.default_rng(seed + 1)  # the other tables' draws are left as they were
    config = PathwaysConfig(evaluation={"pilots": PILOTS})
    rows = []
    case_mix = ("need_mental_health", "street_over_12_months")
    for pilot, n, ratio in ((PILOTS[0], 600, 0.6), (PILOTS[1], 60, 1.0)):
        people = pilot_people(rng, ratio, n, case_mix)
        result = weighted_comparison(people, list(case_mix), config.evaluation)
        rows += weighted_rows(pilot, result)
    weighted = pl.DataFrame(rows, schema=release_reader.EVALUATION_SCHEMA, strict=False)
    protected = {**tables, "evaluation": protect_evaluation(weighted, DisclosureConfig())}
    return with_before_after(protected, config)


def _services(rng: np.random.Generator) -> pl.DataFrame:
    """Each borough's own outreach team, the other teams and two hostel providers, by
    financial year, some of them small (hidden), through the real protection."""
    rows = [
        ("fy", date(year, 4, 1), code, kind, name, int(rng.integers(0, 60)), "ok")
        for year in (2023, 2024)
        for code in borough_codes()
        for kind, name in (
            ("outreach", f"{borough_name(code)} outreach team"),
            ("outreach", "other outreach teams"),
            ("hostel", "St Mungo's"),
            ("hostel", "other hostel providers"),
        )
    ]
    frame = pl.DataFrame(rows, schema=release_reader.SERVICES_SCHEMA, orient="row")
    return protect_services(frame, DisclosureConfig())


def build_release(out: Path, *, synthetic: bool = True, seed: int = 7) -> Path:
    """Write the test release to ``out`` (created) and return it."""
    rng = np.random.default_rng(seed)
    pathways, paths = _pathways(rng)
    tables = {
        "metrics": _metrics(rng),
        "survival": _survival(rng),
        "pathways": pathways,
        "paths": paths,
        "comparisons": _comparisons(),
        "quality": _quality(),
        "services": _services(rng),
    }
    facts = {**manifest(synthetic), "pilots": [p.model_dump() for p in PILOTS]}
    write_release(out, _evaluation(seed, tables), facts)
    return out
