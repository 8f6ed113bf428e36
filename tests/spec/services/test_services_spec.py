"""The service directory: per borough and financial year, the people each outreach team saw
bedded down there and the people who stayed with each hostel provider there, as protected counts.

Only names in the configured service register are published; every other team or provider is
counted under "other outreach teams" or "other hostel providers". A person seen by two teams is
counted by both, so the rows of a borough do not add up to its total.
"""

from datetime import date

import polars as pl

from contract.release import SERVICES_SCHEMA
from pipelines.config import DisclosureConfig, Service
from pipelines.disclosure import SUPPRESSED, protect_services
from pipelines.events import service_counts

CAMDEN, WESTMINSTER = "E09000007", "E09000033"
FY24 = date(2024, 4, 1)
REGISTER = (
    Service(kind="outreach", name="Camden outreach team", boroughs=(CAMDEN,)),
    Service(kind="outreach", name="No Second Night Out"),
    Service(kind="hostel", name="SHP"),
)


def contacts(rows):
    """Rows as (chain_id, contact_date, borough, contact_type, team)."""
    cols = ["chain_id", "contact_date", "borough", "contact_type", "team"]
    return pl.DataFrame(rows, schema=cols, orient="row")


def stays(rows):
    """Rows as (provider, resident_id, hostel_borough, move_in, move_out)."""
    cols = ["provider", "resident_id", "hostel_borough", "move_in", "move_out"]
    return pl.DataFrame(rows, schema=cols, orient="row")


def links(chain_ids=(), residents=()):
    """Each record its own person, except where (record, person) pairs are given."""
    rows = [("chain", c, p) for c, p in chain_ids] + [("inform", r, p) for r, p in residents]
    return pl.DataFrame(rows, schema=["source", "source_record_id", "person_key"], orient="row")


def directory(tables, link, first=FY24, extract=date(2025, 3, 31)):
    out = service_counts(tables, link, REGISTER, first, extract)
    return out.select("period_start", "geography_code", "kind", "service", "people").rows()


def test_each_team_counts_the_distinct_people_it_saw_bedded_down_in_the_borough():
    table = contacts([
        ("1", date(2024, 5, 1), CAMDEN, "bedded_down", "Camden outreach team"),
        ("1", date(2024, 6, 1), CAMDEN, "bedded_down", "Camden outreach team"),  # same person
        ("1", date(2024, 6, 2), CAMDEN, "bedded_down", "No Second Night Out"),  # and a 2nd team
        ("2", date(2024, 7, 1), CAMDEN, "street_contact", "Camden outreach team"),  # not bedded
        ("3", date(2024, 8, 1), CAMDEN, "bedded_down", "Joe's van, Kentish Town Rd"),  # not named
        ("4", date(2024, 9, 1), WESTMINSTER, "bedded_down", "Camden outreach team"),  # elsewhere
        ("5", date(2025, 4, 1), CAMDEN, "bedded_down", "Camden outreach team"),  # after extract
    ])  # fmt: skip
    link = links([(c, f"p{c}") for c in "12345"])
    assert directory({"chain_contacts": table}, link) == [
        (FY24, CAMDEN, "outreach", "Camden outreach team", 1),
        (FY24, CAMDEN, "outreach", "No Second Night Out", 1),
        (FY24, CAMDEN, "outreach", "other outreach teams", 1),
        # registered for Camden only: in Westminster the name is not published
        (FY24, WESTMINSTER, "outreach", "other outreach teams", 1),
    ]


def test_two_records_of_one_person_are_one_person():
    table = contacts([
        ("1", date(2024, 5, 1), CAMDEN, "bedded_down", "Camden outreach team"),
        ("2", date(2024, 5, 9), CAMDEN, "bedded_down", "Camden outreach team"),
    ])  # fmt: skip
    link = links([("1", "p"), ("2", "p")])
    assert directory({"chain_contacts": table}, link) == [
        (FY24, CAMDEN, "outreach", "Camden outreach team", 1)
    ]


def test_a_hostel_stay_counts_in_every_financial_year_it_overlaps():
    table = stays([
        ("SHP", "a", CAMDEN, date(2024, 1, 10), date(2024, 6, 1)),  # 2023-24 and 2024-25
        ("SHP", "b", CAMDEN, date(2024, 9, 1), None),  # still there: to the extract
        ("Small Hostel Ltd", "c", CAMDEN, date(2024, 9, 1), None),  # not registered
    ])  # fmt: skip
    link = links(residents=[("SHP/a", "a"), ("SHP/b", "b"), ("Small Hostel Ltd/c", "c")])
    got = directory({"inform_stays": table}, link, first=date(2023, 4, 1), extract=date(2025, 5, 1))
    assert got == [
        (date(2023, 4, 1), CAMDEN, "hostel", "SHP", 1),
        (FY24, CAMDEN, "hostel", "SHP", 2),
        (FY24, CAMDEN, "hostel", "other hostel providers", 1),
    ]  # 2025-26 has begun by the extract but is not over: not reported, as in the metrics


def test_a_year_not_over_by_the_extract_is_left_out():
    table = contacts([
        ("1", date(2025, 3, 20), CAMDEN, "bedded_down", "Camden outreach team"),
        ("2", date(2025, 4, 20), CAMDEN, "bedded_down", "Camden outreach team"),
    ])  # fmt: skip
    link = links([("1", "p"), ("2", "q")])
    got = directory({"chain_contacts": table}, link, extract=date(2025, 10, 31))
    assert got == [(FY24, CAMDEN, "outreach", "Camden outreach team", 1)]


def test_a_year_that_starts_before_the_first_month_reported_is_left_out():
    table = contacts([("1", date(2024, 5, 1), CAMDEN, "bedded_down", "Camden outreach team")])
    got = directory({"chain_contacts": table}, links([("1", "p")]), first=date(2024, 5, 1))
    assert got == []


def test_protected_a_team_of_1_to_9_people_is_suppressed_and_the_rest_rounded_to_5():
    unprotected = pl.DataFrame(
        [
            ("fy", FY24, CAMDEN, "outreach", "Camden outreach team", 43, "ok"),
            ("fy", FY24, CAMDEN, "outreach", "No Second Night Out", 9, "ok"),
            ("fy", FY24, CAMDEN, "outreach", "other outreach teams", 10, "ok"),
            ("fy", FY24, CAMDEN, "hostel", "SHP", 0, "ok"),
            ("fy", FY24, CAMDEN, "hostel", "other hostel providers", 1, "ok"),
        ],
        schema=SERVICES_SCHEMA,
        orient="row",
    )
    got = protect_services(unprotected, DisclosureConfig())
    assert got.select("service", "people", "status").rows() == [
        ("SHP", 0, "ok"),
        ("other hostel providers", None, SUPPRESSED),
        ("Camden outreach team", 45, "ok"),
        ("No Second Night Out", None, SUPPRESSED),
        ("other outreach teams", 10, "ok"),
    ]
