"""Spec: two full dates of birth must agree in part for a rule on a name to pair them.

A date mistyped or misremembered is wrong in one part: the day, the month or the year (or day
and month written the other way round). So where both records carry a full date, the rules on
names pair them only if the years agree or the days and months do; 1 January, the placeholder
birthday on many documents where only the year was known, agrees in part with any date. The
same NI number still pairs whatever the dates say, and a number one character off does where the
names share an initial.

record | forename | surname     | date of birth | NI number
A      | Dawit    | Gebremariam | 1980-05-14    |
B      |          | Gebremariam | 1980-08-14    |            (the month differs)
C      |          | Gebremariam | 1981-05-14    |            (the year differs)
D      |          | Gebremariam | 1983-02-27    |            (year, day and month all differ)
E      |          | Gebremariam | 1982-01-01    |            (the placeholder birthday)
F      |          | Gebremariam |               |            (no date)
G      | Yonas    | Berhane     | 1961-03-04    | AB123456C
H      | Jonas    | Berhane     | 1975-09-20    | AB123456C  (the same number)
I      | Joshua   | Dowdney     | 1979-12-20    | JR251997A
J      | Joshua   | Ryan        | 1994-05-10    | JR251998A  (one character off; a J in common)
K      | Peter    | Okafor      | 1985-03-03    | JR251996A  (one character off; no initial)

A surname the same, the forename missing on one side and years of birth in one band would pair
every two of A to F (15 pairs). The dates leave 11: A with B, C, E and F; B with E and F; C with
E and F; D with E and F; E with F. B and C differ in two parts (year and month), as do D and
each of A, B and C. G and H pair on their NI number; I and J on two thirds of theirs and
their forenames' initial; K with neither I nor J.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from support.blocking import lettered_pairs

from pipelines.linkage.model import prediction_blocking_rules
from pipelines.linkage.prepare import identity_features

RECORDS = [
    ("A", "Dawit", "Gebremariam", dt.date(1980, 5, 14), None),
    ("B", None, "Gebremariam", dt.date(1980, 8, 14), None),
    ("C", None, "Gebremariam", dt.date(1981, 5, 14), None),
    ("D", None, "Gebremariam", dt.date(1983, 2, 27), None),
    ("E", None, "Gebremariam", dt.date(1982, 1, 1), None),
    ("F", None, "Gebremariam", None, None),
    ("G", "Yonas", "Berhane", dt.date(1961, 3, 4), "AB123456C"),
    ("H", "Jonas", "Berhane", dt.date(1975, 9, 20), "AB123456C"),
    ("I", "Joshua", "Dowdney", dt.date(1979, 12, 20), "JR251997A"),
    ("J", "Joshua", "Ryan", dt.date(1994, 5, 10), "JR251998A"),
    ("K", "Peter", "Okafor", dt.date(1985, 3, 3), "JR251996A"),
]


def _pairs() -> set[str]:
    frame = pl.DataFrame(
        RECORDS,
        schema={
            "chain_id": pl.String,
            "first_name": pl.String,
            "last_name": pl.String,
            "dob": pl.Date,
            "ni_number": pl.String,
        },
        orient="row",
    )
    return lettered_pairs(identity_features({"chain_people": frame}), prediction_blocking_rules())


def test_full_dates_pair_only_where_they_agree_in_year_or_day_and_month() -> None:
    pairs = _pairs()
    assert {p for p in pairs if not set(p) & set("GHIJK")} == {
        "AB", "AC", "AE", "AF", "BE", "BF", "CE", "CF", "DE", "DF", "EF",
    }  # fmt: skip


def test_the_same_ni_number_pairs_whatever_the_dates_say() -> None:
    assert "GH" in _pairs()


def test_an_ni_number_one_character_off_with_dates_wholly_different_needs_an_initial() -> None:
    assert {p for p in _pairs() if set(p) <= set("IJK")} == {"IJ"}
