"""The service directory's disclosure control: a team or provider of 1 to 9 people is hidden, a
name not in the service register never reaches the release, a borough's teams are hidden with its
hidden total, and the intruder pins no hidden figure from the directory with the metrics."""

from datetime import date

import polars as pl
import pytest
from support.intruder import recovered, release_intervals

from contract.release import OTHER_SERVICES, SERVICES_SCHEMA, open_release
from pipelines.commands.demo import demo_service_directory
from pipelines.config import DisclosureConfig, Service
from pipelines.disclosure import SUPPRESSED, protect, release_problems
from pipelines.events import service_counts

CAMDEN = "E09000007"
CONFIG = DisclosureConfig()


def _bedded_down(teams: dict[str, int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows, people = [], []
    for team, n in teams.items():
        for i in range(n):
            rows.append((f"{team}-{i}", date(2024, 5, 1), CAMDEN, "bedded_down", team))
            people.append(("chain", f"{team}-{i}", f"{team}-{i}"))
    contacts = pl.DataFrame(
        rows, schema=["chain_id", "contact_date", "borough", "contact_type", "team"], orient="row"
    )
    return contacts, pl.DataFrame(
        people, schema=["source", "source_record_id", "person_key"], orient="row"
    )


def test_a_small_team_is_hidden_and_unregistered_names_never_reach_the_release():
    contacts, links = _bedded_down(
        {"Camden outreach team": 23, "Small team": 6, "Joe Bloggs 07700 900123": 15, "Van": 4}
    )
    register = (
        Service(kind="outreach", name="Camden outreach team"),
        Service(kind="outreach", name="Small team"),
    )
    counts = service_counts(
        {"chain_contacts": contacts}, links, register, date(2024, 4, 1), date(2025, 3, 31)
    )
    tables = protect({"services": counts}, CONFIG)
    assert release_problems(tables, CONFIG) == []
    got = tables["services"].select("service", "people", "status").rows()
    assert got == [
        ("Camden outreach team", 25, "ok"),
        ("Small team", None, SUPPRESSED),
        ("other outreach teams", 20, "ok"),  # 15 + 4 people, rounded
    ]
    text = str(tables["services"].rows())
    assert "Joe" not in text and "07700" not in text and "Van" not in text


def test_the_final_check_refuses_a_free_text_other_name_and_a_small_count():
    frame = pl.DataFrame(
        [
            ("fy", date(2024, 4, 1), CAMDEN, "outreach", "other: the van at Camden Lock", 10, "ok"),
            ("fy", date(2024, 4, 1), CAMDEN, "hostel", "SHP", 7, "ok"),
        ],
        schema=SERVICES_SCHEMA,
        orient="row",
    )
    tables = {**protect({}, CONFIG), "services": frame}
    problems = release_problems(tables, CONFIG)
    assert any("not from the service register" in p for p in problems)
    assert any("services rows hold a people" in p for p in problems)


def test_a_boroughs_teams_are_hidden_where_its_years_total_is_hidden():
    fy = date(2024, 4, 1)
    metrics = pl.DataFrame(
        [
            ("seen_rough_sleeping", "fy", fy, "borough", CAMDEN, "all", 4.0, None, None, "ok"),
            (
                "seen_rough_sleeping",
                "fy",
                fy,
                "borough",
                "E09000033",
                "all",
                40.0,
                None,
                None,
                "ok",
            ),
        ],  # fmt: skip
        schema={
            "metric_id": pl.String,
            "period_type": pl.String,
            "period_start": pl.Date,
            "geography_type": pl.String,
            "geography_code": pl.String,
            "breakdown": pl.String,
            "value": pl.Float64,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "status": pl.String,
        },  # fmt: skip
        orient="row",
    )
    services = pl.DataFrame(
        [
            ("fy", fy, CAMDEN, "outreach", "other outreach teams", 12, "ok"),
            ("fy", fy, CAMDEN, "hostel", "SHP", 30, "ok"),
            ("fy", fy, "E09000033", "outreach", "other outreach teams", 40, "ok"),
        ],
        schema=SERVICES_SCHEMA,
        orient="row",
    )
    got = protect({"metrics": metrics, "services": services}, CONFIG)["services"]
    assert got.select("geography_code", "kind", "people", "status").rows() == [
        (CAMDEN, "hostel", 30, "ok"),
        (CAMDEN, "outreach", None, SUPPRESSED),
        ("E09000033", "outreach", 40, "ok"),
    ]


@pytest.fixture(scope="module")
def release(release_dir):
    return open_release(release_dir)


def test_the_pipelines_directory_names_only_registered_services(release):
    services = release.services
    assert services.height > 0 and set(services["period_type"]) == {"fy"}
    named = {s["name"] for s in demo_service_directory()} | set(OTHER_SERVICES.values())
    assert set(services["service"]) <= named
    assert {"hostel", "outreach"} == set(services["kind"])
    assert services.filter(pl.col("status") == SUPPRESSED)["people"].null_count() == (
        services.filter(pl.col("status") == SUPPRESSED).height
    )


def test_the_directory_attacked_with_the_yearly_metrics_gives_no_hidden_figure_away(release):
    # Every team's people are some of the borough's people seen that year, and all the teams
    # together all of them: the intruder knows it (the whole metrics table is too slow for the
    # solver, so the yearly rows without breakdowns, which hold those totals).
    metrics = release.metrics.filter(
        (pl.col("period_type") == "fy") & (pl.col("breakdown") == "all")
    )
    intervals = release_intervals({"metrics": metrics, "services": release.services}, CONFIG)
    assert "services" in set(intervals["table"])
    assert intervals["low"].null_count() == 0  # the intruder's relations hold of the release
    assert recovered(intervals).height == 0, recovered(intervals)
