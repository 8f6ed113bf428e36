"""How close a synthetic London comes to the published figures (CALIBRATION.md).

Everything is computed on *true* people (the truth file), so linkage plays no part: a check of
the generator, not of the pipeline. Definitions follow SPEC section 5 at financial-year period:
new = first ever seen in this year; stock = also seen in the previous year; returner = seen
before that but not in the previous year. "Seen" means a ``bedded_down`` contact.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from contract.periods import period_index
from contract.reference import nationality_group

WESTMINSTER = "E09000033"

# (measure, target at scale 1, kind, basis). Counts scale with --scale; shares do not.
TARGETS_2023: tuple[tuple[str, float, str, str], ...] = (
    ("seen_rough_sleeping", 11_993, "count", "published"),
    ("flow_new", 7_974, "count", "published"),
    ("stock", 0.20 * 11_993, "count", "published (20% of total)"),
    ("returner", 0.14 * 11_993, "count", "published (14% of total)"),
    ("new_single_night_share", 0.70, "share", "published"),
    ("nationality_uk_share", 0.45, "share", "published"),
    ("nationality_eu_share", 0.25, "share", "published"),
    ("nationality_rest_share", 0.30, "share", "published"),
    ("male_share", 0.84, "share", "published"),
    ("age_26_55_share", 0.79, "share", "published"),
    ("age_25_or_under_share", 0.09, "share", "published"),
    ("westminster_share", 2_102 / 11_993, "share", "published"),
    ("mental_health_share", 0.48, "share", "published"),
    ("moved_into_accommodation", 4_379, "count", "published"),
    ("prior_hclic_share_of_new", 0.25, "share", "assumption"),
    ("hostel_within_year_share", 1 / 3, "share", "assumption"),
    ("nsno_not_returned_share", 0.87, "share", "published (2022/23)"),
    ("returned_within_year_after_accommodation", 0.25, "share", "assumption (20-30%)"),
    ("p2_left_institution_share", 0.10, "share", "published (England, March 2025)"),
    ("asylum_support_share_of_new", 0.17, "share", "published"),
    ("q2_seen_rough_sleeping", 4_068, "count", "published"),
    ("q2_flow_new", 2_086, "count", "published"),
    ("q2_living_on_streets", 481, "count", "published"),
    ("q2_intermittent", 1_561, "count", "published"),
)


def _read(sources: Path, name: str, columns: list[str]) -> pl.DataFrame:
    return pl.read_csv(
        sources / f"{name}.csv",
        columns=columns,
        schema_overrides={c: pl.String for c in columns},
    )


def calibration_figures(sources: Path, truth_path: Path, fy: int = 2023) -> dict[str, float]:
    """Calibration measures for financial year ``fy`` (April ``fy`` to March ``fy + 1``).

    Args:
        sources: a sources directory written by ``generate``.
        truth_path: its truth CSV (``source``, ``source_record_id``, ``true_person``).
        fy: the financial year's starting calendar year (2023 for 2023/24).
    """
    sources = Path(sources)
    truth = pl.read_csv(truth_path, schema_overrides={"source_record_id": pl.String})
    chain_truth = truth.filter(pl.col("source") == "chain").select(
        pl.col("source_record_id").alias("chain_id"), "true_person"
    )
    contacts = (
        _read(sources, "chain_contacts", ["chain_id", "contact_date", "borough", "contact_type"])
        .with_columns(pl.col("contact_date").str.to_date())
        .join(chain_truth, on="chain_id")
    )
    seen = contacts.filter(pl.col("contact_type") == "bedded_down").with_columns(
        fy=period_index("fy", pl.col("contact_date"))
    )
    fy_start, fy_end = date(fy, 4, 1), date(fy + 1, 3, 31)
    first_ever = seen.group_by("true_person").agg(pl.col("contact_date").min().alias("first_ever"))
    years = seen.group_by("true_person").agg(pl.col("fy").unique().alias("years"))
    in_year = seen.filter(pl.col("fy") == fy)
    people = (
        in_year.group_by("true_person")
        .agg(
            pl.col("contact_date").n_unique().alias("days"),
            pl.col("contact_date").min().alias("first_in_year"),
            (pl.col("borough") == WESTMINSTER).any().alias("westminster"),
        )
        .join(first_ever, on="true_person")
        .join(years, on="true_person")
        .with_columns(
            new=pl.col("first_ever") >= fy_start,
            stock=pl.col("years").list.contains(fy - 1),
        )
        .with_columns(returner=~pl.col("new") & ~pl.col("stock"))
    )
    total = people.height
    new = people.filter("new")
    f: dict[str, float] = {
        "seen_rough_sleeping": total,
        "flow_new": new.height,
        "stock": int(people["stock"].sum()),
        "returner": int(people["returner"].sum()),
        "new_single_night_share": _share(new["days"] == 1),
        "westminster_share": _share(people["westminster"]),
    }
    f.update(_profile(sources, chain_truth, contacts, people))
    f.update(_services(sources, truth, seen, people, new, fy_start, fy_end))
    f.update(_quarter(seen, first_ever, date(fy, 7, 1), date(fy, 9, 30)))
    f.update(_institutions(sources, truth, chain_truth, seen, first_ever, fy_start, fy_end))
    return f


def _share(mask: pl.Series) -> float:
    return float(mask.mean()) if len(mask) else float("nan")


def _profile(sources, chain_truth, contacts, people) -> dict[str, float]:
    """Nationality, gender, age and mental-health shares of the people seen in the year."""
    records = (
        _read(
            sources,
            "chain_people",
            ["chain_id", "dob", "approx_age", "gender", "nationality", "support_needs"],
        )
        .join(chain_truth, on="chain_id")
        .join(
            contacts.group_by("chain_id").agg(pl.col("contact_date").min().alias("record_first")),
            on="chain_id",
            how="left",
        )
        .join(people.select("true_person", "first_in_year"), on="true_person")
    )

    def mode(col: str) -> pl.Expr:
        return pl.col(col).filter(pl.col(col) != "unknown").drop_nulls().mode().first()

    per = records.group_by("true_person").agg(
        mode("nationality").alias("nationality"),
        mode("gender").alias("gender"),
        pl.col("support_needs").str.contains("mental_health").any().alias("mental_health"),
        pl.col("dob").str.to_date(strict=False).drop_nulls().first().alias("dob"),
        (
            pl.col("approx_age").cast(pl.Float64)
            + (pl.col("first_in_year") - pl.col("record_first")).dt.total_days() / 365.25
        )
        .drop_nulls()
        .first()
        .alias("approx_age"),
        pl.col("first_in_year").first(),
    )
    per = per.with_columns(
        group=pl.col("nationality").map_elements(nationality_group, return_dtype=pl.String),
        age=pl.coalesce(
            (pl.col("first_in_year") - pl.col("dob")).dt.total_days() / 365.25,
            pl.col("approx_age"),
        ),
    )
    known = per.filter(pl.col("group") != "unknown")
    gender = per.filter(pl.col("gender").is_not_null())
    aged = per.filter(pl.col("age").is_not_null())
    return {
        "nationality_uk_share": _share(known["group"] == "uk"),
        "nationality_eu_share": _share(known["group"] == "eu_eea"),
        "nationality_rest_share": _share(known["group"] == "rest_of_world"),
        "male_share": _share(gender["gender"] == "male"),
        "age_26_55_share": _share((aged["age"] >= 26) & (aged["age"] < 56)),
        "age_25_or_under_share": _share(aged["age"] < 26),
        "mental_health_share": _share(per["mental_health"].fill_null(False)),
    }


def _services(sources, truth, seen, people, new, fy_start, fy_end) -> dict[str, float]:
    """H-CLIC before the street, hostels after it, moves into accommodation, NSNO, returns."""
    hclic_truth = truth.filter(pl.col("source") == "hclic").select(
        pl.col("source_record_id").alias("rid"), "true_person"
    )
    hclic = (
        _read(sources, "hclic_cases", ["la_code", "case_ref", "approach_date", "ta_start"])
        .with_columns(
            rid=pl.concat_str("la_code", "case_ref", separator="/"),
            approach_date=pl.col("approach_date").str.to_date(),
            ta_start=pl.col("ta_start").str.to_date(),
        )
        .join(hclic_truth, on="rid")
    )
    prior = (
        new.select("true_person", "first_in_year")
        .join(hclic.select("true_person", "approach_date"), on="true_person", how="left")
        .with_columns(
            hit=(pl.col("approach_date") < pl.col("first_in_year"))
            & (pl.col("approach_date") >= pl.col("first_in_year") - pl.duration(days=365))
        )
        .group_by("true_person")
        .agg(pl.col("hit").fill_null(False).any())
    )
    inform_truth = truth.filter(pl.col("source") == "inform").select(
        pl.col("source_record_id").alias("rid"), "true_person"
    )
    stays = (
        _read(sources, "inform_stays", ["provider", "resident_id", "move_in"])
        .with_columns(
            rid=pl.concat_str("provider", "resident_id", separator="/"),
            move_in=pl.col("move_in").str.to_date(),
        )
        .join(inform_truth, on="rid")
    )
    hostel = (
        people.select("true_person", "first_in_year")
        .join(stays.select("true_person", "move_in"), on="true_person", how="left")
        .with_columns(
            hit=(pl.col("move_in") >= pl.col("first_in_year"))
            & (pl.col("move_in") <= pl.col("first_in_year") + pl.duration(days=365))
        )
        .group_by("true_person")
        .agg(pl.col("hit").fill_null(False).any())
    )
    chain_truth = truth.filter(pl.col("source") == "chain").select(
        pl.col("source_record_id").alias("chain_id"), "true_person"
    )
    accommodation_types = [
        "hostel", "supported_housing", "temporary_accommodation", "housing_first",
        "settled_prs", "settled_social",
    ]  # fmt: skip
    outcomes = (
        _read(sources, "chain_outcomes", ["chain_id", "outcome_date", "outcome_type"])
        .filter(pl.col("outcome_type").is_in(accommodation_types))
        .with_columns(pl.col("outcome_date").str.to_date())
        .join(chain_truth, on="chain_id")
        .select("true_person", pl.col("outcome_date").alias("moved"))
    )
    moves = pl.concat(
        [
            outcomes,
            stays.select("true_person", pl.col("move_in").alias("moved")),
            hclic.filter(pl.col("ta_start").is_not_null()).select(
                "true_person", pl.col("ta_start").alias("moved")
            ),
        ]
    )
    sightings = seen.select("true_person", pl.col("contact_date").alias("seen")).unique()
    in_year = moves.filter(pl.col("moved").is_between(fy_start, fy_end))
    moved = (
        in_year.join(sightings, on="true_person")
        .filter(
            (pl.col("seen") <= pl.col("moved"))
            & (pl.col("seen") >= pl.col("moved") - pl.duration(days=365))
        )
        .select("true_person")
        .unique()
    )
    # Returns within a year of the first move in the previous year (after a 14-day grace).
    prev_start, prev_end = date(fy_start.year - 1, 4, 1), date(fy_start.year, 3, 31)
    first_move = (
        moves.filter(pl.col("moved").is_between(prev_start, prev_end))
        .join(sightings, on="true_person")
        .filter(
            (pl.col("seen") <= pl.col("moved"))
            & (pl.col("seen") >= pl.col("moved") - pl.duration(days=365))
        )
        .group_by("true_person")
        .agg(pl.col("moved").min())
    )
    returned = (
        first_move.join(sightings, on="true_person", how="left")
        .with_columns(
            hit=(pl.col("seen") > pl.col("moved") + pl.duration(days=14))
            & (pl.col("seen") <= pl.col("moved") + pl.duration(days=365))
        )
        .group_by("true_person")
        .agg(pl.col("hit").fill_null(False).any())
    )
    contacts = seen  # bedded-down only; NSNO arrivals come from all contacts
    nsno = (
        _read(sources, "chain_contacts", ["chain_id", "contact_date", "contact_type"])
        .filter(pl.col("contact_type") == "nsno_hub")
        .with_columns(pl.col("contact_date").str.to_date())
        .join(chain_truth, on="chain_id")
        .filter(pl.col("contact_date").is_between(fy_start, fy_end))
        .group_by("true_person")
        .agg(pl.col("contact_date").min().alias("hub"))
    )
    nsno_back = (
        nsno.join(contacts.select("true_person", "contact_date"), on="true_person", how="left")
        .with_columns(
            back=(pl.col("contact_date") > pl.col("hub") + pl.duration(days=1))
            & (pl.col("contact_date") <= pl.col("hub") + pl.duration(days=365))
        )
        .group_by("true_person")
        .agg(pl.col("back").fill_null(False).any())
    )
    return {
        "moved_into_accommodation": moved.height,
        "prior_hclic_share_of_new": _share(prior["hit"]),
        "hostel_within_year_share": _share(hostel["hit"]),
        "nsno_not_returned_share": 1 - _share(nsno_back["back"]),
        "returned_within_year_after_accommodation": _share(returned["hit"]),
    }


def _institutions(
    sources, truth, chain_truth, seen, first_ever, fy_start, fy_end, window_days: int = 85
) -> dict[str, float]:
    """P2 (new and left an institution in the 85 days before) as a share of each month's
    people, averaged over the year's months; and the share of the year's new people with an
    ``asylum_support_ended`` H-CLIC case in the same window."""

    def with_truth(frame: pl.DataFrame, source: str) -> pl.DataFrame:
        ids = truth.filter(pl.col("source") == source).select(
            pl.col("source_record_id").alias("rid"), "true_person"
        )
        return frame.join(ids, on="rid")

    hclic = with_truth(
        _read(
            sources, "hclic_cases", ["la_code", "case_ref", "approach_date", "reason_loss_of_home"]
        )
        .filter(pl.col("reason_loss_of_home").is_in(["left_institution", "asylum_support_ended"]))
        .select(
            rid=pl.concat_str("la_code", "case_ref", separator="/"),
            date=pl.col("approach_date").str.to_date(),
            asylum=pl.col("reason_loss_of_home") == "asylum_support_ended",
        ),
        "hclic",
    )
    outcomes = (
        _read(sources, "chain_outcomes", ["chain_id", "outcome_date", "outcome_type"])
        .filter(pl.col("outcome_type").is_in(["custody", "hospital"]))
        .join(chain_truth, on="chain_id")
        .select("true_person", date=pl.col("outcome_date").str.to_date(), asylum=pl.lit(False))
    )
    left_for = ["custody", "hospital"]
    stays = with_truth(
        _read(sources, "inform_stays", ["provider", "resident_id", "move_out", "move_out_reason",
                                        "destination"])
        .filter(
            pl.col("destination").is_in(left_for)
            | (
                pl.col("destination").is_null() | (pl.col("destination") == "unknown")
            ) & pl.col("move_out_reason").is_in(left_for)
        )
        .select(
            rid=pl.concat_str("provider", "resident_id", separator="/"),
            date=pl.col("move_out").str.to_date(),
            asylum=pl.lit(False),
        ),
        "inform",
    )  # fmt: skip
    events = pl.concat(
        [f.select("true_person", "date", "asylum") for f in (hclic, outcomes, stays)]
    )
    flags = (
        events.join(first_ever, on="true_person")
        .filter(
            (pl.col("date") <= pl.col("first_ever"))
            & (pl.col("date") >= pl.col("first_ever") - pl.duration(days=window_days))
        )
        .group_by("true_person")
        .agg(pl.lit(True).alias("left_institution"), pl.col("asylum").any())
    )
    months = (
        seen.filter(pl.col("contact_date").is_between(fy_start, fy_end))
        .select("true_person", month=pl.col("contact_date").dt.truncate("1mo"))
        .unique()
        .join(first_ever, on="true_person")
        .join(flags, on="true_person", how="left")
        .with_columns(
            new=pl.col("first_ever").dt.truncate("1mo") == pl.col("month"),
            left_institution=pl.col("left_institution").fill_null(False),
            asylum=pl.col("asylum").fill_null(False),
        )
    )
    new = months.filter("new")
    return {
        "p2_left_institution_share": _share(months["new"] & months["left_institution"]),
        "asylum_support_share_of_new": _share(new["asylum"]),
    }


def _quarter(seen, first_ever, q_start: date, q_end: date) -> dict[str, float]:
    """Quarterly total, new, living on the streets (3+ days spanning 21+ days), intermittent."""
    q = (
        seen.filter(pl.col("contact_date").is_between(q_start, q_end))
        .group_by("true_person")
        .agg(
            pl.col("contact_date").n_unique().alias("days"),
            (pl.col("contact_date").max() - pl.col("contact_date").min())
            .dt.total_days()
            .alias("span"),
        )
        .join(first_ever, on="true_person")
        .with_columns(
            new=pl.col("first_ever") >= q_start,
            living=(pl.col("days") >= 3) & (pl.col("span") >= 21),
        )
    )
    return {
        "q2_seen_rough_sleeping": q.height,
        "q2_flow_new": int(q["new"].sum()),
        "q2_living_on_streets": int(q["living"].sum()),
        "q2_intermittent": int((~q["new"] & ~q["living"]).sum()),
    }


def calibration_table(
    sources: Path, truth_path: Path, scale: float = 1.0, fy: int = 2023
) -> pl.DataFrame:
    """Target against achieved for each calibration measure of 2023/24 (CALIBRATION.md).

    Counts are compared with the published figure times ``scale``; shares as they are.
    Returns columns ``measure``, ``basis``, ``target``, ``achieved``, ``relative_error``.
    """
    figures = calibration_figures(sources, truth_path, fy)
    rows = []
    for measure, target, kind, basis in TARGETS_2023:
        goal = target * scale if kind == "count" else target
        got = float(figures[measure])
        rows.append(
            {
                "measure": measure,
                "basis": basis,
                "target": round(goal, 3),
                "achieved": round(got, 3),
                "relative_error": round((got - goal) / goal, 3),
            }
        )
    return pl.DataFrame(rows)
