"""Spec: a record with no forename, or no year of birth, pairs with its namesake whichever of
the two records comes first.

The rules on a surname name the side a value is missing on ("the left-hand record has no
forename", then "the right-hand record has no forename"), so that the database applies the
condition before the join. The pairs are formed with the smaller record id on the left, so each
of those rules finds the pairs where the record missing the value sorts first, and its mirror
the rest; losing either loses real pairs.

record | forename | surname | date of birth | what is missing, and on which side of the pair
A      | John     | Okafor  | 1980-05-14    |
B      |          | Okafor  | 1980-07-14    | forename, right (A-B)
C      |          | Mensah  | 1975-03-02    | forename, left (C-D)
D      | Kofi     | Mensah  | 1975-03-09    |
E      | Ama      | Owusu   |               | year of birth left, forename right (E-F)
F      |          | Owusu   | 1990-01-05    |
G      |          | Darko   |               | forename and year of birth, both left (G-H)
H      | Yaw      | Darko   | 1970-02-02    |
I      | Kojo     | Boateng | 1966-06-06    |
J      |          | Boateng |               | forename and year of birth, both right (I-J)
K      |          | Asante  | 1988-08-08    | forename left, year of birth right (K-L)
L      | Efua     | Asante  |               |

Each surname pairs its two records, and no record pairs across surnames: AB, CD, EF, GH, IJ, KL.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from support.blocking import lettered_pairs

from pipelines.linkage.model import prediction_blocking_rules
from pipelines.linkage.prepare import identity_features

RECORDS = [
    ("A", "John", "Okafor", dt.date(1980, 5, 14)),
    ("B", None, "Okafor", dt.date(1980, 7, 14)),
    ("C", None, "Mensah", dt.date(1975, 3, 2)),
    ("D", "Kofi", "Mensah", dt.date(1975, 3, 9)),
    ("E", "Ama", "Owusu", None),
    ("F", None, "Owusu", dt.date(1990, 1, 5)),
    ("G", None, "Darko", None),
    ("H", "Yaw", "Darko", dt.date(1970, 2, 2)),
    ("I", "Kojo", "Boateng", dt.date(1966, 6, 6)),
    ("J", None, "Boateng", None),
    ("K", None, "Asante", dt.date(1988, 8, 8)),
    ("L", "Efua", "Asante", None),
]


def test_a_missing_forename_or_year_pairs_whichever_record_sorts_first() -> None:
    frame = pl.DataFrame(
        RECORDS,
        schema={
            "chain_id": pl.String,
            "first_name": pl.String,
            "last_name": pl.String,
            "dob": pl.Date,
        },
        orient="row",
    )
    pairs = lettered_pairs(identity_features({"chain_people": frame}), prediction_blocking_rules())
    assert pairs == {"AB", "CD", "EF", "GH", "IJ", "KL"}
