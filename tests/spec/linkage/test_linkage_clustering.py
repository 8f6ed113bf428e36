"""Spec: links become people strongest first, never across contradicting identifiers.

record | NI number  | date of birth | gender
A      | AB123456C  | 1980-03-07    | male
B      |            |               | male        (a namesake with nothing else recorded)
C      | XY987654A  | 1975-11-30    | male

links: A-B 0.95, B-C 0.90  ->  people {A, B} and {C}: C contradicts A, so B cannot bridge.

A contradiction is outvoted only by the model's own scores for the records that disagree: their
mean probability must be above even (a pair never scored counts as 0).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.linkage.clustering import cluster_links


def _records(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "unique_id": pl.String,
            "ni": pl.String,
            "dob": pl.Date,
            "birth_year": pl.Float64,
            "gender": pl.String,
        },
        orient="row",
    )


def _links(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "unique_id_l": pl.String,
            "unique_id_r": pl.String,
            "match_probability": pl.Float64,
        },
        orient="row",
    )


def _people(records: pl.DataFrame, links: pl.DataFrame, threshold: float = 0.8) -> set:
    clusters = cluster_links(records, links, threshold)
    grouped = clusters.group_by("cluster").agg(pl.col("unique_id").sort())
    return {tuple(ids) for ids in grouped["unique_id"].to_list()}


def test_a_namesake_cannot_bridge_two_people_with_different_ni_numbers():
    records = _records(
        ("A", "AB123456C", dt.date(1980, 3, 7), 1980.2, "male"),
        ("B", None, None, None, "male"),
        ("C", "XY987654A", dt.date(1975, 11, 30), 1975.9, "male"),
    )
    links = _links(("A", "B", 0.95), ("B", "C", 0.90))
    assert _people(records, links) == {("A", "B"), ("C",)}


def test_transposed_dates_and_a_one_character_ni_slip_do_not_contradict():
    records = _records(
        ("A", "AB123456C", dt.date(1980, 3, 7), 1980.2, "male"),
        ("B", None, None, 1981.0, None),
        ("C", "AB123465C", dt.date(1980, 7, 3), 1980.5, "male"),
    )
    links = _links(("A", "B", 0.95), ("B", "C", 0.90))
    assert _people(records, links) == {("A", "B", "C")}


def test_age_guesses_far_apart_contradict():
    # B guessed 40 in 2024 (born ~1984), C born 1960: a bridge through A (no age) is refused
    records = _records(
        ("A", None, None, None, "male"),
        ("B", None, None, 1983.9, "male"),
        ("C", None, dt.date(1960, 1, 1), 1960.0, "male"),
    )
    links = _links(("A", "B", 0.95), ("A", "C", 0.90))
    assert _people(records, links) == {("A", "B"), ("C",)}


def test_links_below_the_threshold_are_ignored_and_cluster_ids_are_stable():
    records = _records(
        ("A", None, None, None, None), ("B", None, None, None, None), ("C", None, None, None, None)
    )
    links = _links(("B", "C", 0.95), ("A", "B", 0.5))
    clusters = cluster_links(records, links, 0.8)
    assert dict(clusters.iter_rows()) == {"A": "A", "B": "B", "C": "B"}


def test_a_contradiction_between_records_the_model_linked_directly_does_not_split_them():
    # A and C carry different NI numbers (one mistyped beyond two characters), but the model
    # scored A-C itself and linked them (same name, same date of birth): B may join them.
    records = _records(
        ("A", "AB123456C", dt.date(1980, 3, 7), 1980.2, "male"),
        ("B", None, dt.date(1980, 3, 7), 1980.2, "male"),
        ("C", "XY987654A", dt.date(1980, 3, 7), 1980.2, "male"),
    )
    links = _links(("A", "B", 0.95), ("A", "C", 0.90), ("B", "C", 0.90))
    assert _people(records, links) == {("A", "B", "C")}


def test_a_direct_link_does_not_excuse_an_unlinked_contradiction():
    # C links directly to B (no NI) and to A, but not to D, whose NI number contradicts C's.
    records = _records(
        ("A", None, None, None, "male"),
        ("B", None, None, None, "male"),
        ("D", "AB123456C", None, None, "male"),
        ("C", "XY987654A", None, None, "male"),
    )
    links = _links(("A", "B", 0.97), ("B", "D", 0.96), ("A", "C", 0.90), ("B", "C", 0.90))
    assert _people(records, links) == {("A", "B", "D"), ("C",)}


def _two_share_an_ni_number_and_one_does_not() -> pl.DataFrame:
    return _records(
        ("A", "AB123456C", dt.date(1980, 3, 7), 1980.2, "male"),
        ("B", "AB123456C", dt.date(1980, 3, 7), 1980.2, "male"),
        ("C", "XY987654A", dt.date(1980, 3, 7), 1980.2, "male"),
    )


def test_a_mistyped_ni_number_on_one_record_of_three_is_outvoted():
    # record | NI number | date of birth        links: A-B 0.99, A-C 0.97, B-C 0.68 (scored,
    # A      | AB123456C | 1980-03-07                  below the threshold)
    # B      | AB123456C | 1980-03-07            C's NI contradicts A's and B's; the model's
    # C      | XY987654A | 1980-03-07            scores for C-A and C-B average 0.825 -> one person
    links = _links(("A", "B", 0.99), ("A", "C", 0.97), ("B", "C", 0.68))
    assert _people(_two_share_an_ni_number_and_one_does_not(), links) == {("A", "B", "C")}


def test_a_contradiction_the_model_finds_unlikely_on_average_stands():
    # As above, but B-C was scored at 0.05: C-A 0.90 and C-B 0.05 average 0.475 -> two people
    links = _links(("A", "B", 0.99), ("A", "C", 0.90), ("B", "C", 0.05))
    assert _people(_two_share_an_ni_number_and_one_does_not(), links) == {("A", "B"), ("C",)}


def _people_after_increment(
    records: pl.DataFrame, links: pl.DataFrame, existing: list[tuple[str, str]]
) -> set:
    people = pl.DataFrame(
        existing, schema={"unique_id": pl.String, "person": pl.String}, orient="row"
    )
    clusters = cluster_links(records, links, 0.8, people=people)
    grouped = clusters.group_by("cluster").agg(pl.col("unique_id").sort())
    return {tuple(ids) for ids in grouped["unique_id"].to_list()}


def test_a_new_namesake_in_a_monthly_increment_cannot_bridge_two_people_either():
    """Last month: people {A} and {C}. This month B is new, linked to both (0.95 and 0.90).

    record | NI number  | date of birth | new this month
    A      | AB123456C  | 1980-03-07    | no
    B      |            |               | yes
    C      | XY987654A  | 1975-11-30    | no

    The increment gives what the full link gives: {A, B} and {C}.
    """
    records = _records(
        ("A", "AB123456C", dt.date(1980, 3, 7), 1980.2, "male"),
        ("B", None, None, None, "male"),
        ("C", "XY987654A", dt.date(1975, 11, 30), 1975.9, "male"),
    )
    links = _links(("A", "B", 0.95), ("B", "C", 0.90))
    increment = _people_after_increment(records, links, [("A", "A"), ("C", "C")])
    assert increment == _people(records, links) == {("A", "B"), ("C",)}


def test_a_person_found_last_month_is_not_split_and_its_contradictions_still_count():
    """Last month A and B were found to be one person (B has no NI number). This month C is
    new, linked to B at 0.9 but carrying an NI number that contradicts A's: C stays apart.

    record | NI number  | new this month
    A      | AB123456C  | no  (person P)
    B      |            | no  (person P)
    C      | XY987654A  | yes
    """
    records = _records(
        ("A", "AB123456C", None, None, None),
        ("B", None, None, None, None),
        ("C", "XY987654A", None, None, None),
    )
    links = _links(("B", "C", 0.90))
    increment = _people_after_increment(records, links, [("A", "P"), ("B", "P")])
    assert increment == {("A", "B"), ("C",)}
