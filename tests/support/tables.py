"""A small but complete set of unsuppressed aggregates, as the secure zone hands them over to
disclosure control: one place to build a release small enough to read by eye."""

from datetime import date

import polars as pl

LONDON, WESTMINSTER = "E12000007", "E09000033"


def unsuppressed_tables() -> dict[str, pl.DataFrame]:
    """A small but complete set of unsuppressed aggregates, as the secure zone hands them over."""
    metrics = pl.DataFrame(
        {
            "metric_id": ["seen_rough_sleeping"] * 4 + ["new_single_night"],
            "period_type": ["month"] * 5,
            "period_start": [date(2024, 4, 1)] * 5,
            "geography_type": ["london", "borough", "london", "london", "london"],
            "geography_code": [LONDON, WESTMINSTER, LONDON, LONDON, LONDON],
            "breakdown": ["all", "all", "gender=male", "gender=female", "all"],
            "value": [812.0, 203.0, 690.0, 122.0, 0.7],
            "numerator": [None, None, None, None, 301],
            "denominator": [None, None, None, None, 430],
            "status": ["ok"] * 5,
            "person_key": ["never released"] * 5,
        }
    )
    survival = pl.DataFrame(
        {
            "curve_id": ["return_to_street"] * 3, "geography_code": [LONDON] * 3,
            "group": ["all"] * 3, "t_days": [0, 5, 12], "estimate": [1.0, 0.9, 0.8],
            "ci_lower": [1.0, 0.85, 0.74], "ci_upper": [1.0, 0.95, 0.86],
            "at_risk": [200, 200, 170], "status": ["ok"] * 3, "n_events": [0, 20, 20],
            "n_censored": [0, 10, 10],
        }
    )  # fmt: skip
    pathways = pl.DataFrame(
        {
            "cohort_period": ["2024-04"] * 2, "geography_code": [LONDON] * 2,
            "stage_from": ["before"] * 2, "state_from": ["none", "none"],
            "stage_to": ["first_response"] * 2, "state_to": ["nsno_hub", "hostel"],
            "count": [120, 31],
        }
    )  # fmt: skip
    paths = pl.DataFrame(
        {"cohort_period": ["2024-04"], "geography_code": [LONDON],
         "path": ["none>nsno_hub>settled>settled"], "count": [44], "rank": [1]}
    )  # fmt: skip
    comparisons = pl.DataFrame(
        {"comparison_id": ["hr_first_intervention"], "group_a": ["hostel"], "group_b": ["none"],
         "statistic": ["hazard_ratio"], "value": [0.8], "ci_lower": [0.6], "ci_upper": [1.1],
         "p_value": [0.2], "n_a": [41], "n_b": [123]}
    )  # fmt: skip
    quality = pl.DataFrame(
        {"source": ["chain"], "period": ["2024-04"], "indicator": ["records_read"],
         "value": [5120.0]}
    )  # fmt: skip
    return {"metrics": metrics, "survival": survival, "pathways": pathways, "paths": paths,
            "comparisons": comparisons, "quality": quality}  # fmt: skip
