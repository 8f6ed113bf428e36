"""Spec: which comparison level a pair of street records falls into.

Each test draws two records as a CHAIN worker might have written them and names the level the
model must put them in. The weights each level carries are learnt from the data; the levels are
the model's domain knowledge, so they are what these tests pin down.
"""

from __future__ import annotations

import datetime as dt
import random
import string

import polars as pl
import pytest

from pipelines.linkage import model
from pipelines.linkage.engine import engine_session, to_polars
from pipelines.linkage.prepare import identity_features
from pipelines.linkage.splink_api import Linker

COLUMNS = ("first_name", "last_name", "known_as", "dob", "approx_age", "ni_number")


def _people(*rows: dict) -> dict[str, pl.DataFrame]:
    frame = pl.DataFrame(
        [
            {
                "chain_id": f"C{i}",
                "gender": "male",
                "nationality": "SOM",
                **dict.fromkeys(COLUMNS),
                **row,
            }
            for i, row in enumerate(rows)
        ],
        schema_overrides={"dob": pl.Date, **{c: pl.String for c in COLUMNS if c != "dob"}},
    )
    contacts = pl.DataFrame(
        {
            "chain_id": frame["chain_id"],
            "contact_date": [dt.date(2024, 6, 1)] * frame.height,
            "borough": ["E09000033"] * frame.height,
        }
    )
    return {"chain_people": frame, "chain_contacts": contacts}


def _background(n: int = 400) -> list[dict]:
    """Other people on the caseload, so that name frequencies mean something."""
    rng = random.Random(3)
    return [
        {"first_name": "".join(rng.choices(string.ascii_lowercase, k=7)), "last_name": "Quill"}
        for _ in range(n)
    ]


def levels(
    left: dict, right: dict, others: tuple[dict, ...] = (), background: int = 400
) -> dict[str, str]:
    """The label of the level each comparison gives the pair (left, right)."""
    features = identity_features(_people(left, right, *others, *_background(background)))
    features = pl.concat(
        [
            features.filter(pl.col("source_record_id").is_in(["C0", "C1"])).sort(
                "source_record_id"
            ),
            features.filter(~pl.col("source_record_id").is_in(["C0", "C1"])),
        ]
    )
    with engine_session("duckdb") as database:
        records = database.register(features.to_arrow())
        linker = Linker(records, model.settings(explain=True), log_level=None)
        first = database.register(features.slice(0, 1).to_arrow())
        second = database.register(features.slice(1, 1).to_arrow())
        scored = to_polars(linker.inference.score_pairs(first, second)).row(0, named=True)
    out = {}
    for comparison in linker._settings_obj.comparisons:
        name = comparison.output_column_name
        labels = [
            lv.label_for_charts for lv in comparison.comparison_levels if not lv.is_null_level
        ]
        gamma = scored[f"gamma_{name}"]
        out[name] = "null" if gamma == -1 else labels[len(labels) - 1 - gamma]
    return out


def test_mo_ahmed_is_a_forename_variant_of_mohammed_ahmad():
    # first_name | last_name
    # Mo         | Ahmed
    # Mohammed   | Ahmad      -> Mo is a short form of Mohammed; Ahmed/Ahmad transliterate
    got = levels(
        {"first_name": "Mo", "last_name": "Ahmed"},
        {"first_name": "Mohammed", "last_name": "Ahmad"},
    )
    assert got["name"] == "forename variant, similar surname"


def test_a_full_name_only_a_few_records_carry_is_rare():
    # first_name | last_name
    # Filmon     | Tekle
    # Filmon     | Tekle      -> no other of 10,000 records carries the name: likely his alone
    filmon = {"first_name": "Filmon", "last_name": "Tekle"}
    assert levels(filmon, filmon, background=10_000)["name"] == "same rare full name"
    # two more records with the name (four in 10,004, one in 2,501): still rare
    assert levels(filmon, filmon, (filmon, filmon), 10_000)["name"] == "same rare full name"


def test_a_full_name_many_records_carry_is_not_rare():
    # John Smith on five of 10,005 records: namesakes are likely, so the plain level (weighed
    # by how common the name is) applies
    john = {"first_name": "John", "last_name": "Smith"}
    assert levels(john, john, (john, john, john), 10_000)["name"] == "same full name"
    # Filmon Tekle on two of 402 records (one in 201): as common as the commonest surnames in
    # London, too small an extract to call the name rare
    filmon = {"first_name": "Filmon", "last_name": "Tekle"}
    assert levels(filmon, filmon)["name"] == "same full name"


def test_known_as_is_compared_with_the_forename():
    # first_name | known_as | last_name
    # Robert     |          | Smith
    # Frank      | Bob      | Smith      -> Bob is the name he goes by, a form of Robert
    got = levels(
        {"first_name": "Robert", "last_name": "Smith"},
        {"first_name": "Frank", "known_as": "Bob", "last_name": "Smith"},
    )
    assert got["name"] == "forename variant, same surname"


def test_a_descriptive_street_name_is_not_a_forename():
    # first_name | known_as | last_name
    # Carl       | Tiny     | Anderson
    # Jamie      | Tiny     | Anderson   -> many people are called Tiny: only the surname agrees
    got = levels(
        {"first_name": "Carl", "known_as": "Tiny", "last_name": "Anderson"},
        {"first_name": "Jamie", "known_as": "Tiny", "last_name": "Anderson"},
    )
    assert got["name"] == "same or similar surname only"


def test_a_known_as_given_name_beside_a_descriptive_one_still_counts():
    # Robert Smith vs Frank "Big Bob" Smith: Bob is a form of Robert, Big describes him
    got = levels(
        {"first_name": "Robert", "last_name": "Smith"},
        {"first_name": "Frank", "known_as": "Big Bob", "last_name": "Smith"},
    )
    assert got["name"] == "forename variant, same surname"


def test_transliterations_share_a_spelling_key():
    # Tesfaye Berhane vs Tesfay Berhane: one sound, two spellings
    got = levels(
        {"first_name": "Tesfaye", "last_name": "Gebremedhin"},
        {"first_name": "Tesfay", "last_name": "Gebremedin"},
    )
    assert got["name"] in {"forename variant, similar surname", "similar forename and surname"}


def test_swapped_forename_and_surname():
    # Hassan Abdi vs Abdi Hassan
    got = levels(
        {"first_name": "Hassan", "last_name": "Abdi"},
        {"first_name": "ABDI", "last_name": "hassan"},
    )
    assert got["name"] == "forename and surname swapped"


def test_swapped_names_are_still_swapped_when_one_is_misspelt():
    # Sydorenko David vs David Sydoernko
    got = levels(
        {"first_name": "Sydorenko", "last_name": "David"},
        {"first_name": "David", "last_name": "Sydoernko"},
    )
    assert got["name"] == "forename and surname swapped"


def test_a_fathers_name_moves_from_surname_to_forename():
    # Yonas Berhane vs Berhane Tesfay: the surname is a father's given name, and on another
    # form the father's name is written first with the grandfather's after it
    got = levels(
        {"first_name": "Yonas", "last_name": "Berhane"},
        {"first_name": "Berhane", "last_name": "Tesfay"},
    )
    assert got["name"] == "a name in the other place"


def test_missing_surname_with_a_rare_forename():
    # Filmon (no surname) vs Filmon Tekle
    got = levels({"first_name": "Filmon"}, {"first_name": "Filmon", "last_name": "Tekle"})
    assert got["name"] == "rare forename variant, surname missing"


def test_placeholders_are_no_name():
    got = levels(
        {"first_name": "N/K", "last_name": "Unknown"}, {"first_name": "Ali", "last_name": "Said"}
    )
    assert got["name"] == "null"


@pytest.mark.parametrize(
    ("approx_age", "dob", "expected"),
    [
        # Age 40 guessed on 2024-06-01 -> born about 1983-84
        ("40", dt.date(1984, 3, 1), "age guess within a year"),
        ("40", dt.date(1981, 9, 1), "age guess within 2.5 years"),
        ("40", dt.date(1979, 1, 1), "age guess within 6 years"),
        ("40", dt.date(1960, 1, 1), "birth years differ"),
    ],
)
def test_an_age_guess_is_compared_with_a_date_of_birth(approx_age, dob, expected):
    got = levels(
        {"first_name": "Ali", "approx_age": approx_age},
        {"first_name": "Ali", "dob": dob},
    )
    assert got["birth"] == expected


def test_no_date_of_birth_and_no_age_is_no_evidence():
    got = levels({"first_name": "Ali"}, {"first_name": "Ali", "dob": dt.date(1984, 3, 1)})
    assert got["birth"] == "null"


def test_day_and_month_transposed():
    # 1985-03-07 vs 1985-07-03
    got = levels(
        {"first_name": "Ali", "dob": dt.date(1985, 3, 7)},
        {"first_name": "Ali", "dob": dt.date(1985, 7, 3)},
    )
    assert got["birth"] == "day and month transposed"


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        # date of birth 1985-03-07 against ...
        (dt.date(1986, 3, 7), "date of birth one slip apart"),  # a year digit
        (dt.date(1958, 3, 7), "date of birth one slip apart"),  # two year digits swapped
        (dt.date(1985, 3, 17), "date of birth one slip apart"),  # a day digit
        (dt.date(1985, 5, 7), "date of birth one slip apart"),  # a month digit
        (dt.date(1986, 4, 7), "dates of birth within two years"),  # year and month both
    ],
)
def test_one_slip_in_a_date_of_birth(other, expected):
    got = levels(
        {"first_name": "Ali", "dob": dt.date(1985, 3, 7)},
        {"first_name": "Ali", "dob": other},
    )
    assert got["birth"] == expected


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        # NI number AB123456C against ...
        ("BA123456C", "NI numbers one character apart"),  # the letters swapped
        ("B123456C", "NI numbers one character apart"),  # the first letter dropped
        ("AB1234567C", "NI numbers one character apart"),  # a digit added
        ("AB124356C", "NI numbers one character apart"),  # two middle digits swapped
        ("AB123456D", "NI numbers one character apart"),  # the last letter misheard
        ("AB654321C", "NI numbers differ"),
    ],
)
def test_one_slip_in_an_ni_number(other, expected):
    got = levels(
        {"first_name": "Ali", "ni_number": "AB123456C"},
        {"first_name": "Ali", "ni_number": other},
    )
    assert got["ni"] == expected


def test_ni_number_match_outweighs_a_name_typo():
    # Same NI number (spaced differently), forename misspelt, surname missing on one side
    left = {"first_name": "Abdirahman", "last_name": "Warsame", "ni_number": "AB 12 34 56 C"}
    right = {"first_name": "Abdiraxman", "ni_number": "ab123456c"}
    got = levels(left, right)
    assert got["ni"] == "same NI number"
    assert got["name"] == "similar forename, surname missing"
    # and the level's starting weight is decisive on its own
    assert model.STARTING_M["same NI number"] > 0.5


def test_temporary_ni_numbers_are_not_identifiers():
    got = levels(
        {"first_name": "Ali", "ni_number": "TN010185M"},
        {"first_name": "Omar", "ni_number": "TN010185M"},
    )
    assert got["ni"] == "null"


def _scored_pairs(*rows: dict) -> set[tuple[str, str]]:
    """Which pairs of the given records the prediction blocking rules put before the model."""
    features = identity_features(_people(*rows))
    with engine_session("duckdb") as database:
        records = database.register(features.to_arrow())
        linker = Linker(records, model.settings(), log_level=None)
        pairs = to_polars(linker.inference.deterministic_link())
    return {
        tuple(sorted((left.split(":")[1], right.split(":")[1])))
        for left, right in pairs.select("unique_id_l", "unique_id_r").iter_rows()
    }


@pytest.mark.parametrize(
    "mistyped",
    [
        "AB123465C",  # last two characters transposed
        "AB129456C",  # a middle digit misread
        "XB123456C",  # the first letter misheard
    ],
)
def test_a_mistyped_ni_number_is_scored_when_nothing_else_agrees(mistyped):
    # Jacob Tilley, born 1990, NI AB123456C vs Blake Moody, no date of birth, NI one character
    # off: no name or date rule pairs them, but the NI number's thirds do
    pairs = _scored_pairs(
        {"first_name": "Jacob", "last_name": "Tilley", "ni_number": "AB123456C"},
        {"first_name": "Blake", "last_name": "Moody", "ni_number": mistyped},
        {"first_name": "Omar", "last_name": "Farah", "ni_number": "ZX987654D"},
    )
    assert pairs == {("C0", "C1")}


def test_a_misspelt_forename_without_birth_information_is_scored_on_its_surname():
    # first_name | last_name | dob
    # Marek      | Zielinski | 1989-03-18
    # Maerk      | Zielinski | (none, a hostel record)  -> the same surname, the same initial
    # Tomasz     | Zielinski | (none)                   -> another initial: not paired
    pairs = _scored_pairs(
        {"first_name": "Marek", "last_name": "Zielinski", "dob": dt.date(1989, 3, 18)},
        {"first_name": "Maerk", "last_name": "Zielinski"},
        {"first_name": "Tomasz", "last_name": "Zielinski", "dob": dt.date(1970, 1, 2)},
    )
    assert ("C0", "C1") in pairs
    assert ("C0", "C2") not in pairs and ("C1", "C2") not in pairs
