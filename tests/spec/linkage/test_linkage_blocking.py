"""Spec: a date of birth many records carry is not enough on its own to pair two records.

Eight records; a block of more than ln(8) ≈ 2.1 records, rounded up: more than 3, is common
(``prepare.common_block_records``):

record | forename | surname  | date of birth
A      | Ali      | Hassan   | 1980-01-01   (six records on 1 January 1980: a common date,
B      | Amir     | Haddad   | 1980-01-01    the placeholder birthday of many asylum documents)
C      | Tesfay   | Berhane  | 1980-01-01
D      | Tom      | Brown    | 1980-01-01
E      | Jawed    | Rasulfer | 1980-01-01   (names written in the other order, one misspelt)
F      | Rasulfer | Jawat    | 1980-01-01
G      | John     | Smith    | 1975-06-15   (two records on a rare date)
H      | Peter    | Jones    | 1975-06-15

On the common date two records pair only if they share an initial: A-B and C-D (forename and
surname initials alike), E-F (one's forename initial is the other's surname initial): 3 pairs
of the 15 the date alone would make. On the rare date the date alone is enough: G-H. 4 pairs
in all.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.linkage.blocking_counts import count_rule_pairs
from pipelines.linkage.model import _date_of_birth_rules
from pipelines.linkage.prepare import common_block_records, identity_features

PEOPLE = [
    ("A", "Ali", "Hassan", dt.date(1980, 1, 1)),
    ("B", "Amir", "Haddad", dt.date(1980, 1, 1)),
    ("C", "Tesfay", "Berhane", dt.date(1980, 1, 1)),
    ("D", "Tom", "Brown", dt.date(1980, 1, 1)),
    ("E", "Jawed", "Rasulfer", dt.date(1980, 1, 1)),
    ("F", "Rasulfer", "Jawat", dt.date(1980, 1, 1)),
    ("G", "John", "Smith", dt.date(1975, 6, 15)),
    ("H", "Peter", "Jones", dt.date(1975, 6, 15)),
]


def _features() -> pl.DataFrame:
    people = pl.DataFrame(
        PEOPLE,
        schema={
            "chain_id": pl.String,
            "first_name": pl.String,
            "last_name": pl.String,
            "dob": pl.Date,
        },
        orient="row",
    )
    return identity_features({"chain_people": people})


def test_a_block_of_more_than_ln_n_records_is_common() -> None:
    assert common_block_records(8) == 3
    assert common_block_records(205_000) == 13
    assert common_block_records(1_000_000) == 14


def test_a_common_date_of_birth_pairs_only_records_sharing_an_initial() -> None:
    features = _features()
    assert features.filter(pl.col("dob_many"))["unique_id"].to_list() == [
        f"chain:{r}" for r in "ABCDEF"
    ]
    counted, together = count_rule_pairs(features, {"prediction": _date_of_birth_rules()})
    rare, surnames, forenames, forename_surname, surname_forename = (c.pairs for c in counted)
    assert rare == 1  # G-H
    assert surnames == 2  # A-B (Hassan, Haddad), C-D (Berhane, Brown)
    assert forenames == 2  # A-B (Ali, Amir), C-D (Tesfay, Tom)
    assert forename_surname == 1  # E-F (Jawed, Jawat)
    assert surname_forename == 1  # E-F (Rasulfer, Rasulfer)
    assert together == 4
