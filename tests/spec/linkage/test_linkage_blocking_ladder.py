"""Spec: the more records share a blocking rule's block, the more the rule asks of two of them.

Each table below has twelve records, so a block of more than ln(12) ≈ 2.5 records, rounded up:
more than 3, is common (``prepare.common_block_records``). Where a block is common, the rule asks
for more, step by step, until the records meeting it are at most 3 (or the last step is reached),
and between two records it asks the less of the two records' steps, so that a rare spelling
keeps its reach. A name's key collapses its vowels (``names.name_key``: Hassan is "hasan",
Hassani "hasana"). Years of birth here come from dates of birth on 1 January or 1 July, so
that the gaps are whole or half years.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from support.blocking import lettered_pairs as _pairs

from pipelines.linkage.model import _date_of_birth_rules, _equality_rules, _forename_form_rules
from pipelines.linkage.prepare import ANY_AGE, identity_features

# Records of rare names on dates of their own, to bring each table to twelve records.
_OTHERS = [
    ("Yonas", "Berhane", dt.date(1961, 3, 4)),
    ("Peter", "Jones", dt.date(1962, 4, 5)),
    ("Dawit", "Gebre", dt.date(1963, 5, 6)),
    ("Olena", "Kovalenko", dt.date(1964, 6, 7)),
    ("Grace", "Okafor", dt.date(1965, 7, 8)),
    ("Ion", "Popa", dt.date(1966, 8, 9)),
    ("Kofi", "Mensah", dt.date(1967, 9, 10)),
    ("Anna", "Nowak", dt.date(1968, 10, 11)),
    ("Samuel", "Boateng", dt.date(1969, 11, 12)),
]


def _features(
    people: list[tuple[str, str, dt.date | None]], ni_numbers: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Identity features of ``people`` (named A, B, C, ... in order, the first with
    ``ni_numbers``) and enough others for 12."""
    rows = [*people, *_OTHERS][:12]
    assert len(rows) == 12
    numbers = [*ni_numbers, *[None] * (12 - len(ni_numbers))]
    frame = pl.DataFrame(
        [(chr(ord("A") + i), *row, numbers[i]) for i, row in enumerate(rows)],
        schema={
            "chain_id": pl.String,
            "first_name": pl.String,
            "last_name": pl.String,
            "dob": pl.Date,
            "ni_number": pl.String,
        },
        orient="row",
    )
    return identity_features({"chain_people": frame})


def _by_record(features: pl.DataFrame, column: str) -> dict[str, float]:
    return dict(
        zip(
            (u.removeprefix("chain:") for u in features["unique_id"]),
            features[column],
            strict=True,
        )
    )


def test_the_more_holders_of_a_full_name_are_born_close_the_closer_two_must_be() -> None:
    """Five Mohammed Alis and two Filmon Tesfays (the same full name rule, ``fn_key``,
    ``sn_key``):

    record | name          | born
    A      | Mohammed Ali  | 1970-01-01
    B      | Mohammed Ali  | 1970-07-01   half a year after A
    C      | Mohammed Ali  | 1972-01-01   two years after A
    D      | Mohammed Ali  | 1974-01-01   two years after C
    E      | Mohammed Ali  | 1990-01-01
    F      | Filmon Tesfay | 1960-01-01
    G      | Filmon Tesfay | 1985-01-01

    Five Mohammed Alis are common. A, B, C and D are within six years of each other: four, still
    common; within 2.5 years of A are A, B and C, of B the same, of D C and D: few enough, so A,
    B and D ask 2.5 years. Within 2.5 years of C are all four; within one year of C only C: C asks
    one year. E has no namesake within six years: six years. Between two records the wider limit
    applies: A-B (half a year), A-C (two), B-C (1.5), C-D (two, D's 2.5 years): 4 pairs, where
    "within six years" alone would add A-D and B-D. Two Filmon Tesfays are not common: they pair
    whatever their ages (F-G).
    """
    features = _features(
        [
            ("Mohammed", "Ali", dt.date(1970, 1, 1)),
            ("Mohammed", "Ali", dt.date(1970, 7, 1)),
            ("Mohammed", "Ali", dt.date(1972, 1, 1)),
            ("Mohammed", "Ali", dt.date(1974, 1, 1)),
            ("Mohammed", "Ali", dt.date(1990, 1, 1)),
            ("Filmon", "Tesfay", dt.date(1960, 1, 1)),
            ("Filmon", "Tesfay", dt.date(1985, 1, 1)),
        ]
    )
    born = _by_record(features, "full_name_born")
    assert [born[r] for r in "ABCDEFG"] == [2.5, 2.5, 1.0, 2.5, 6.0, ANY_AGE, ANY_AGE]
    full_name_rule = [r for r in _equality_rules() if "l.fn_key = r.fn_key" in str(r)]
    assert _pairs(features, full_name_rule) == {"AB", "AC", "BC", "CD", "FG"}


def test_names_written_in_the_other_order_pair_closer_ages_where_many_carry_them() -> None:
    """Four Ali Hassans and four Hassan Alis (the rule for names in the other order: one's
    forename is the other's surname and the other way round):

    record | name         | born
    A      | Ali Hassan   | 1970-01-01
    B      | Ali Hassan   | 1971-01-01
    C      | Ali Hassan   | 1990-01-01
    D      | Ali Hassan   | 2000-01-01
    E      | Hassan Ali   | 1970-07-01
    F      | Hassan Ali   | 1980-07-01
    G      | Hassan Ali   | 1990-07-01
    H      | Hassan Ali   | 2004-01-01

    Each record has four holders of its name in the other order: common, so two must be born
    within six years. A-E (half a year), B-E (half a year), C-G (half a year), D-H (four
    years): 4 pairs of the 16 the names alone would make.
    """
    features = _features(
        [
            ("Ali", "Hassan", dt.date(1970, 1, 1)),
            ("Ali", "Hassan", dt.date(1971, 1, 1)),
            ("Ali", "Hassan", dt.date(1990, 1, 1)),
            ("Ali", "Hassan", dt.date(2000, 1, 1)),
            ("Hassan", "Ali", dt.date(1970, 7, 1)),
            ("Hassan", "Ali", dt.date(1980, 7, 1)),
            ("Hassan", "Ali", dt.date(1990, 7, 1)),
            ("Hassan", "Ali", dt.date(2004, 1, 1)),
        ]
    )
    assert set(_by_record(features, "swapped_born").values()) == {6.0, ANY_AGE}
    swapped_rule = [r for r in _equality_rules() if "l.fn_key = r.sn_key" in str(r)]
    assert _pairs(features, swapped_rule) == {"AE", "BE", "CG", "DH"}


def test_after_four_letters_of_a_common_surname_the_whole_key_must_agree() -> None:
    """Four Mohammeds born in the 1980s whose surnames start "hasa" (the rule on a forename form
    and a ten-year birth band, with a surname close):

    record | name              | born        | surname key
    A      | Mohammed Hassan   | 1981-01-01  | hasan
    B      | Mohammed Hassan   | 1982-01-01  | hasan
    C      | Mohammed Hasanov  | 1983-01-01  | hasanav
    D      | Mohammed Hassani  | 1984-01-01  | hasana

    Four records share the forename, the band and one, two, three and four letters of the
    surname's key: common at every step, so the whole key must agree. Hassan, Hasanov and
    Hassani are different families' names: A-B only, where four letters would pair all six.
    """
    features = _features(
        [
            ("Mohammed", "Hassan", dt.date(1981, 1, 1)),
            ("Mohammed", "Hassan", dt.date(1982, 1, 1)),
            ("Mohammed", "Hasanov", dt.date(1983, 1, 1)),
            ("Mohammed", "Hassani", dt.date(1984, 1, 1)),
        ]
    )
    birth_band_rule = _forename_form_rules()[0]
    assert "l.birth_band = r.birth_band AND substr(l.sn_key" in str(birth_band_rule)
    assert _pairs(features, [birth_band_rule]) == {"AB"}


def test_a_date_common_with_an_initial_asks_both_initials() -> None:
    """Five records born on 1 January 1980:

    record | forename | surname | initials
    A      | Ali      | Hassan  | A H
    B      | Amir     | Haddad  | A H
    C      | Adam     | Hussein | A H
    D      | Ahmed    | Brown   | A B
    E      | Tom      | Harris  | T H

    The date is common (five records), and so is each record's forename or surname initial on
    it (four records start A, four surnames start H), so both initials must agree (in either
    order): A-B, A-C, B-C. One initial in common would also pair D with A, B and C, and E with
    A, B and C: 9 pairs.
    """
    features = _features(
        [
            ("Ali", "Hassan", dt.date(1980, 1, 1)),
            ("Amir", "Haddad", dt.date(1980, 1, 1)),
            ("Adam", "Hussein", dt.date(1980, 1, 1)),
            ("Ahmed", "Brown", dt.date(1980, 1, 1)),
            ("Tom", "Harris", dt.date(1980, 1, 1)),
        ]
    )
    assert _by_record(features, "dob_letters") == {r: 1 for r in "ABCDE"} | {
        r: 0 for r in "FGHIJKL"
    }
    assert _pairs(features, _date_of_birth_rules()) == {"AB", "AC", "BC"}


def test_an_ni_third_many_records_share_pairs_only_records_born_close() -> None:
    """Four NI numbers alike but for their first three characters (one third mistyped would
    leave the other two; the rule on the last two thirds, ``ni_tail``, pairs them):

    record | NI number  | born
    A      | AB123456C  | 1970-01-01
    B      | CD123456C  | 1971-01-01
    C      | EF123456C  | 1990-01-01
    D      | GH123456C  | 2000-01-01

    Four records share "23456C": common, so two must also be born within six years, as a
    caseworker would ask before taking a number one character off for the same person's: A-B
    only, where the third alone pairs all six.
    """
    people = [("Ali", "Hassan"), ("Tom", "Brown"), ("Yonas", "Tesfay"), ("Olga", "Petrenko")]
    born = [dt.date(1970, 1, 1), dt.date(1971, 1, 1), dt.date(1990, 1, 1), dt.date(2000, 1, 1)]
    features = _features(
        [(forename, surname, dob) for (forename, surname), dob in zip(people, born, strict=True)],
        ni_numbers=("AB123456C", "CD123456C", "EF123456C", "GH123456C"),
    )
    tail_rule = [r for r in _equality_rules() if "l.ni_tail = r.ni_tail" in str(r)]
    assert _pairs(features, tail_rule) == {"AB"}


def test_a_forename_forms_block_counts_every_form_it_shares() -> None:
    """Four records born in the 1980s whose forenames share the form Muhammad
    (``names.name_forms``), and whose surnames all start "ha" (the rule on a forename form and a
    ten-year birth band, with a surname close):

    record | name              | forename key | surname key
    A      | Mo Hassan         | mo           | hasan
    B      | Mohammed Hussein  | mahamad      | hasan
    C      | Mohamed Hamid     | mahamad      | hamad
    D      | Muhammad Haddad   | mahamad      | hadad

    The rule joins the four on the form Muhammad, so each record's block holds all four, however
    its own forename is spelt: common for one letter of the surname and for two, so three must
    agree. A-B (Hassan, Hussein: "has") only; the forename keys alone (A's block just A, the
    others' three) would ask one letter and pair all six.
    """
    features = _features(
        [
            ("Mo", "Hassan", dt.date(1981, 1, 1)),
            ("Mohammed", "Hussein", dt.date(1982, 1, 1)),
            ("Mohamed", "Hamid", dt.date(1983, 1, 1)),
            ("Muhammad", "Haddad", dt.date(1984, 1, 1)),
        ]
    )
    assert _by_record(features, "sn_head") == {r: 3 for r in "ABCD"} | {r: 1 for r in "EFGHIJKL"}
    assert _pairs(features, [_forename_form_rules()[0]]) == {"AB"}


def test_a_forename_variant_with_the_same_surname_pairs_only_ages_close() -> None:
    """Three records of the surname Ali (the rule on a forename form and the same surname key,
    and the rule on the same forename and surname keys):

    record | name          | born
    A      | Mo Ali        | 1960-01-01
    B      | Mohammed Ali  | 1963-01-01
    C      | Mohammed Ali  | 1990-01-01

    A forename variant and the same surname pair within six years: A-B (three years), not A-C
    (thirty): Mo Ali born in 1960 and Mohammed Ali born in 1990 are two men. The same full name,
    when few carry it, pairs whatever the ages say: B-C, by the full-name rule.
    """
    features = _features(
        [
            ("Mo", "Ali", dt.date(1960, 1, 1)),
            ("Mohammed", "Ali", dt.date(1963, 1, 1)),
            ("Mohammed", "Ali", dt.date(1990, 1, 1)),
        ]
    )
    (variant_rule,) = [r for r in _forename_form_rules() if "l.sn_key = r.sn_key" in str(r)]
    full_name_rule = [r for r in _equality_rules() if "l.fn_key = r.fn_key" in str(r)]
    assert _pairs(features, [variant_rule]) == {"AB"}
    assert _pairs(features, full_name_rule) == {"BC"}
