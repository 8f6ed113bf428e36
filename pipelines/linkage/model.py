"""The Splink model for street records: comparisons, blocking, unsupervised training.

Comparisons (each level is evidence the model weighs; the first level a pair meets applies):

- ``name`` compares forename and surname together, because on the street they fail together:
  a swapped pair, a surname left blank, a nickname or a known-as name in place of the forename,
  transliteration on both parts, a father's name moving from surname to forename. Levels run
  from the same full name to neither part agreeing.
- ``birth`` compares dates of birth, their day/month transpositions and one-digit slips, and,
  where a record has only an outreach worker's age guess, the birth years it implies.
- ``ni_number``: the same National Insurance number is strong evidence; one character off
  (mistyped) is learnt separately.
- ``gender`` and ``nationality``: weak evidence, ignored when unknown.

A full name only a handful of records carry has its own level (most full names in a city of
thousands of surnames are one person's); other common names count for less than rare ones
(term-frequency adjustment on the full name and the date of birth: 1 January is a common
placeholder birthday on asylum documents), and a forename with no surname beside it counts for
more when it is rare.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pipelines.linkage.prepare import BORN_WITHIN_YEARS, NI_THIRDS
from pipelines.linkage.splink_api import (
    ComparisonLevelCreator,
    CTEPipeline,
    CustomComparison,
    Linker,
    SettingsCreator,
    SplinkDialect,
    SplinkException,
    block_on,
    cll,
)

NAME_LEVELS = (
    "same rare full name",
    "same full name",
    "forename variant, same surname",
    "forename variant, similar surname",
    "similar forename and surname",
    "forename and surname swapped",
    "rare forename variant, surname missing",
    "forename variant, surname missing",
    "similar forename, surname missing",
    "same or similar surname only",
    "forename variant only",
    "a name in the other place",
    "names differ",
)
BIRTH_LEVELS = (
    "same date of birth",
    "day and month transposed",
    "date of birth one slip apart",
    "dates of birth within two years",
    "age guess within a year",
    "age guess within 2.5 years",
    "age guess within 6 years",
    "birth years differ",
)


# Where training starts, and what a level keeps when its data hold no training pairs for it:
# the chance that two records of one person meet the level (plausible values, not measured).
STARTING_M = {
    "same rare full name": 0.3,
    "same full name": 0.25,
    "forename variant, same surname": 0.08,
    "forename variant, similar surname": 0.08,
    "similar forename and surname": 0.06,
    "forename and surname swapped": 0.02,
    "rare forename variant, surname missing": 0.03,
    "forename variant, surname missing": 0.03,
    "similar forename, surname missing": 0.01,
    "same or similar surname only": 0.04,
    "forename variant only": 0.04,
    "a name in the other place": 0.02,
    "names differ": 0.04,
    "same date of birth": 0.6,
    "day and month transposed": 0.02,
    "date of birth one slip apart": 0.03,
    "dates of birth within two years": 0.02,
    "age guess within a year": 0.08,
    "age guess within 2.5 years": 0.08,
    "age guess within 6 years": 0.06,
    "birth years differ": 0.01,
    "same NI number": 0.9,
    "NI numbers one character apart": 0.03,
    "NI numbers differ": 0.07,
    "a borough in common": 0.6,
    "no borough in common": 0.4,
    "active within 14 days": 0.4,
    "active within 90 days": 0.2,
    "active within a year": 0.15,
    "active within three years": 0.1,
    "active further apart": 0.15,
}


def _label(level: cll.ComparisonLevelCreator, label: str, **options: Any):
    options.setdefault("m_probability", STARTING_M.get(label))
    if options["m_probability"] is None:
        del options["m_probability"]
    return level.configure(label_for_charts=label, **options)


class _NamesAcross(ComparisonLevelCreator):
    """Each record's forename against the other's surname, exactly, by sound or misspelt.

    Names are often written in the other order (a surname given first, a form filled in by
    someone else), and a swapped name is as likely as any other to be misspelt on the way:
    Sydorenko David and David Sydoernko (``both``). Where a surname is a father's given name
    (Eritrean, Ethiopian, Somali and many Arabic names), one person can be Yonas Berhane on
    one form and Berhane Tesfay on another: one name in the other place (not ``both``).
    """

    def __init__(self, both: bool, similarity: float = 0.88) -> None:
        self.both = both
        self.similarity = similarity

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        similar = sql_dialect.jaro_winkler_function_name
        first = f"{similar}(fn_l, sn_r) >= {self.similarity}"
        second = f"{similar}(sn_l, fn_r) >= {self.similarity}"
        if not self.both:
            return f"{first} OR {second}"
        return (
            "(fn_l = sn_r AND sn_l = fn_r) OR (fn_key_l = sn_key_r AND sn_key_l = fn_key_r) "
            f"OR ({first} AND {second})"
        )

    def create_label_for_charts(self) -> str:
        # replaced by the level's own label in _label
        return "forename against surname"


class _Shared(ComparisonLevelCreator):
    """The two records' arrays hold a value in common (a forename form, a borough).

    The same pairs as Splink's ``ArrayIntersectLevel`` at its default of one value, tested
    without building the intersection: a pair's name levels ask this up to ten times, and
    building each intersection cost two thirds of scoring a pair's name.
    """

    def __init__(self, column: str) -> None:
        self.column = column

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        test = "list_has_any" if sql_dialect.sql_dialect_str == "duckdb" else "arrays_overlap"
        return f"{test}({self.column}_l, {self.column}_r)"

    def create_label_for_charts(self) -> str:
        return f"{self.column} share a value"


def _name_comparison() -> CustomComparison:
    forename_exact = cll.ExactMatchLevel("fn")
    # a given name's forms include the name itself (``names.name_forms``)
    forename_variant = _Shared("given_forms")
    forename_similar = cll.Or(_Shared("given_keys"), cll.JaroWinklerLevel("fn", 0.88))
    surname_exact = cll.ExactMatchLevel("sn")
    surname_similar = cll.Or(
        cll.ExactMatchLevel("sn_key"),
        cll.JaroWinklerLevel("sn", 0.88),
        _Shared("sn_tokens"),
    )
    surname_missing = cll.CustomLevel("sn_l IS NULL OR sn_r IS NULL")
    # A forename alone says more when it is rare: Filmon, not Mohammed.
    rare_forename = cll.CustomLevel("NOT fn_common_l AND NOT fn_common_r")
    # A full name that only a handful of records carry is one person's, near enough: with
    # London's thousands of surnames, most full names are. Its own level, because a term
    # frequency counted over records counts a person's own duplicates as namesakes, and so
    # makes the rarest names look no rarer than the average one.
    rare_full_name = cll.CustomLevel("full_name_rare_l AND full_name_rare_r")
    # Other full names are rarely shared by chance, unless they are common ones. The level's
    # own u-probability is the baseline for the adjustment, as the level is an exact match.
    full_name_frequency = {
        "tf_adjustment_column": "full_name",
        "disable_tf_exact_match_detection": True,
    }
    levels = [
        cll.CustomLevel(
            "(fn_l IS NULL AND sn_l IS NULL) OR (fn_r IS NULL AND sn_r IS NULL)"
        ).configure(is_null_level=True, label_for_charts="no name"),
        _label(cll.And(forename_exact, surname_exact, rare_full_name), NAME_LEVELS[0]),
        _label(cll.And(forename_exact, surname_exact), NAME_LEVELS[1], **full_name_frequency),
        _label(cll.And(surname_exact, forename_variant), NAME_LEVELS[2], **full_name_frequency),
        _label(cll.And(forename_variant, surname_similar), NAME_LEVELS[3]),
        _label(cll.And(forename_similar, cll.Or(surname_exact, surname_similar)), NAME_LEVELS[4]),
        _label(_NamesAcross(both=True), NAME_LEVELS[5]),
        # the cheap test first: the database skips the forename tests where it fails
        _label(cll.And(surname_missing, rare_forename, forename_variant), NAME_LEVELS[6]),
        _label(cll.And(surname_missing, forename_variant), NAME_LEVELS[7]),
        _label(cll.And(surname_missing, forename_similar), NAME_LEVELS[8]),
        _label(cll.Or(surname_exact, surname_similar), NAME_LEVELS[9]),
        _label(forename_variant, NAME_LEVELS[10]),
        _label(_NamesAcross(both=False), NAME_LEVELS[11]),
        _label(cll.ElseLevel(), NAME_LEVELS[12]),
    ]
    return CustomComparison(levels, output_column_name="name")


def _birth_comparison() -> CustomComparison:
    both_dates = cll.CustomLevel("dob_l IS NOT NULL AND dob_r IS NOT NULL")
    a_guess = cll.CustomLevel("dob_l IS NULL OR dob_r IS NULL")
    # One slip in a date written YYYY-MM-DD changes its year or its day and month, never both:
    # the cheap test first, so the edit distance is computed only where it can be one.
    one_part_same = cll.CustomLevel(
        "substr(dob_text_l, 1, 4) = substr(dob_text_r, 1, 4) "
        "OR substr(dob_text_l, 6, 5) = substr(dob_text_r, 6, 5)"
    )
    levels = [
        cll.NullLevel("birth_year"),
        _label(cll.ExactMatchLevel("dob"), BIRTH_LEVELS[0], tf_adjustment_column="dob"),
        _label(cll.CustomLevel("dob_l = dob_swapped_r"), BIRTH_LEVELS[1]),
        _label(cll.And(one_part_same, cll.DamerauLevenshteinLevel("dob_text", 1)), BIRTH_LEVELS[2]),
        _label(
            cll.And(both_dates, cll.AbsoluteDifferenceLevel("birth_year", 2.0)), BIRTH_LEVELS[3]
        ),
        _label(cll.And(a_guess, cll.AbsoluteDifferenceLevel("birth_year", 1.0)), BIRTH_LEVELS[4]),
        _label(cll.And(a_guess, cll.AbsoluteDifferenceLevel("birth_year", 2.5)), BIRTH_LEVELS[5]),
        _label(cll.And(a_guess, cll.AbsoluteDifferenceLevel("birth_year", 6.0)), BIRTH_LEVELS[6]),
        _label(cll.ElseLevel(), BIRTH_LEVELS[7]),
    ]
    return CustomComparison(levels, output_column_name="birth")


def _ni_comparison() -> CustomComparison:
    # One slip (a character changed, dropped, added, or two swapped) spoils at most two
    # neighbouring characters, so between numbers of five or more characters (shorter ones are
    # dropped in ``prepare``) it leaves the first two or the last two as they were: the cheap
    # test first, so the edit distance is computed only where it can be one.
    same_start_or_end = cll.CustomLevel(
        "substr(ni_l, 1, 2) = substr(ni_r, 1, 2) OR right(ni_l, 2) = right(ni_r, 2)"
    )
    levels = [
        cll.NullLevel("ni"),
        _label(cll.ExactMatchLevel("ni"), "same NI number"),
        _label(
            cll.And(same_start_or_end, cll.DamerauLevenshteinLevel("ni", 1)),
            "NI numbers one character apart",
        ),
        _label(cll.ElseLevel(), "NI numbers differ"),
    ]
    return CustomComparison(levels, output_column_name="ni")


def _fixed_agreement(column: str, disagreement: float) -> CustomComparison:
    """Agree or disagree, with the chance that one person's records disagree set, not learnt.

    Training pairs rarely disagree on these fields, so learnt values would make any
    disagreement a veto; recording slips on the street are not that rare.
    """
    fixed = {"fix_m_probability": True}
    levels = [
        cll.NullLevel(column),
        _label(
            cll.ExactMatchLevel(column), f"same {column}", m_probability=1 - disagreement, **fixed
        ),
        _label(cll.ElseLevel(), f"{column} differs", m_probability=disagreement, **fixed),
    ]
    return CustomComparison(levels, output_column_name=column)


# Chance that two records of one person disagree: gender is misheard or misrecorded now and
# then; nationality more often (Eritrean recorded as Ethiopian, a second citizenship).
GENDER_DISAGREEMENT = 0.02
NATIONALITY_DISAGREEMENT = 0.08


PLACE_LEVELS = ("a borough in common", "no borough in common")
TIME_LEVELS = (
    "active within 14 days",
    "active within 90 days",
    "active within a year",
    "active within three years",
    "active further apart",
)


def _place_comparison() -> CustomComparison:
    levels = [
        cll.NullLevel("boroughs"),
        _label(_Shared("boroughs"), PLACE_LEVELS[0]),
        _label(cll.ElseLevel(), PLACE_LEVELS[1]),
    ]
    return CustomComparison(levels, output_column_name="place")


def _time_comparison() -> CustomComparison:
    gap = "GREATEST(active_from_day_l - active_to_day_r, active_from_day_r - active_to_day_l, 0)"
    levels = [
        cll.CustomLevel("active_from_day_l IS NULL OR active_from_day_r IS NULL").configure(
            is_null_level=True, label_for_charts="no dates"
        ),
        _label(cll.CustomLevel(f"{gap} <= 14"), TIME_LEVELS[0]),
        _label(cll.CustomLevel(f"{gap} <= 90"), TIME_LEVELS[1]),
        _label(cll.CustomLevel(f"{gap} <= 365"), TIME_LEVELS[2]),
        _label(cll.CustomLevel(f"{gap} <= 1095"), TIME_LEVELS[3]),
        _label(cll.ElseLevel(), TIME_LEVELS[4]),
    ]
    return CustomComparison(levels, output_column_name="time")


def _born_close(born: str, at_most: float | None = None) -> str:
    """The two records' years of birth are within the wider of their ``born`` limits
    (``prepare.born_within``) and, with ``at_most``, within that many years, or one is
    missing."""
    limit = f"greatest(l.{born}, r.{born})"
    if at_most is not None:
        limit = f"least({limit}, {at_most})"
    return (
        "(l.birth_year IS NULL OR r.birth_year IS NULL "
        f"OR abs(l.birth_year - r.birth_year) <= {limit})"
    )


# Two full dates of birth that differ in both their year and their day and month are two
# people's: a date mistyped or misremembered is wrong in one part (a digit of the day, the month
# or the year; day and month written the other way round), so a rule on a name pairs two records
# with full dates only where the years agree or the days and months do. 1 January is the
# placeholder birthday on many asylum and travel documents, where only the year was known, so a
# date on it agrees in part with any date. Without this, a rule on a name pairs every namesake
# born in a band of years whatever their full dates say: namesakes multiply with the records,
# and these pairs, none of them one person's in the synthetic records, were a third of all pairs
# at London's size and half at England's (``docs/bench.md``). An NI number the same
# (``block_on("ni")``), a date of birth the same (``_date_of_birth_rules``) or a full name the
# same (rare, or born close) still pair whatever the dates say, and an NI number one character
# off does where the names share an initial (``_equality_rules``).
_DATES_AGREE_IN_PART = (
    "(l.dob IS NULL OR r.dob IS NULL OR year(l.dob) = year(r.dob) "
    "OR (month(l.dob) = month(r.dob) AND day(l.dob) = day(r.dob)) "
    "OR (month(l.dob) = 1 AND day(l.dob) = 1) OR (month(r.dob) = 1 AND day(r.dob) = 1))"
)
# The two records' names share an initial: the forenames', the surnames', or one's forename and
# the other's surname (names written in the other order).
_AN_INITIAL_IN_COMMON = " OR ".join(
    f"substr(l.{left}, 1, 1) = substr(r.{right}, 1, 1)"
    for left, right in (
        ("fn_key", "fn_key"),
        ("sn_key", "sn_key"),
        ("fn_key", "sn_key"),
        ("sn_key", "fn_key"),
    )
)


def _head_alike(key: str, head: str, born: str | None = None) -> str:
    """The two keys share as many leading letters as the commoner block asks (the fewer of the
    two records' ``head``: ``prepare._head_letters``), and, with ``born``, the two are born as
    close as it asks.

    Between two records of a name many records carry in one birth band (a block of more than
    ``prepare.common_block_records``: 13 at London's size), a caseworker would not look at
    every namesake whose other name starts with the same letter: at England's size that is
    hundreds of Mohammeds born in the same decade. So the other name must start alike for two,
    three or four letters of its spelling key (vowels collapse there, so these are mostly its
    consonants: Okafor and Okafur share "akaf"), and letters heard alike count as one (d and t,
    b and p, g and k, f and v). A misspelling that keeps the first sounds still pairs; where the
    block is small, one letter is enough, as before. Where even four letters leave the block
    common (two Mohammed Alis), the whole key must agree, and where the same full name is still
    common in the birth band, the more of them there are the closer in age two must be (within
    six years, then 2.5, then one: ``prepare.born_within``), as a caseworker asks more of two
    Mohammed Alis the more of them there are.
    """
    letters = f"least(l.{head}, r.{head})"
    sounds = ", 'dbgf', 'tpkv')"  # heard, not read: Wadson for Watson, Gupta for Kupta
    alike = (
        f"translate(substr(l.{key}, 1, {letters}){sounds} "
        f"= translate(substr(r.{key}, 1, {letters}){sounds}"
    )
    return f"{alike} AND {_born_close(born)}" if born else alike


def _forename_missing_or_close(head: str, born: str | None = None) -> tuple[str, str, str]:
    """The forename is missing, or starts alike (name-frequency-aware blocking), in three parts
    for three rules: missing on the left, missing on the right, or present on both sides with
    the same initial.

    A block on a common surname (held by more than ``prepare.COMMON_NAME_RECORDS`` records) and
    a birth band holds hundreds of namesakes, so between two records with a common surname the
    rule adds another condition: the forename's first two letters rather than its first (or
    more where the block is larger still: ``_head_alike``), and where it is missing, a borough
    in common (a Smith with no forename is paired with the Smiths of his age seen where he was,
    not with every Smith in London).

    Each part is a join the database can do on keys (a condition on one side is applied before
    the join; an initial on each side is a key), where the whole condition, "either forename
    missing or both starting alike", was tested on every pair sharing a surname (and a birth
    band): the three rules so written took 5.2 of the 11.7 CPU seconds that forming London's
    pairs took, rule by rule.
    """
    common = "(l.sn_many AND r.sn_many)"
    # "boroughs in common" as array_intersect, which Splink's SQL translation carries to Spark
    missing = f"(NOT {common} OR array_length(array_intersect(l.boroughs, r.boroughs)) > 0)"
    return (
        f"l.fn IS NULL AND {missing}",
        f"r.fn IS NULL AND {missing}",
        "substr(l.fn_key, 1, 1) = substr(r.fn_key, 1, 1) "
        f"AND (NOT {common} OR substr(l.fn_key, 1, 2) = substr(r.fn_key, 1, 2)) "
        f"AND {_head_alike('fn_key', head, born)}",
    )


def prediction_blocking_rules() -> list:
    """Which pairs are scored at all. Each rule is an equality join, so the work stays linear.

    The rules on a forename form are "exploding" (a record joins once per form of its forename).
    The pipeline forms the pairs itself (``prediction_pairs``): each rule is joined once and the
    pairs of all rules are made distinct at the end, so the order of the rules changes nothing.
    (Splink, asked to form them, checks each rule's pairs against every rule before it.)

    Every rule on a name or a date of birth is name-frequency-aware: where its block is common
    (more records than ``prepare.common_block_records``, which grows as the log of the records),
    it asks for more, step by step while the block stays common, as a caseworker would of two
    records sharing a common name: more letters of the other name, then all of it, then years of
    birth ever closer (``_head_alike``), years of birth ever closer for a common full name or
    one written in the other order (``_COMMON_FULL_NAME_BORN_CLOSE``), an initial and then more
    of both names for a common date of birth (``_date_of_birth_rules``), years of birth close
    for a common NI third; and two full dates of birth must agree in their year or their day
    and month (``_DATES_AGREE_IN_PART``; for an NI third, or the names share an initial). So
    each rule's pairs are bounded by the records times a log of their number rather than
    growing with its square (``pathways bench --pairs-per-rule``;
    ``docs/bench.md``).
    """
    return [*_forename_form_rules(), *_equality_rules()]


# The surname-missing-or-close condition of the forename-form rules, taken apart so that each
# part is a join the database can do on keys rather than a filter over every pair of records
# sharing a forename form (as ``_forename_missing_or_close`` takes the forename's apart):
# both surnames present and starting alike (two letters alike between two common forenames)...
def _surname_close(head: str, born: str | None = None) -> str:
    return (
        "substr(l.sn_key, 1, 1) = substr(r.sn_key, 1, 1) "
        "AND (NOT (l.fn_many AND r.fn_many) OR substr(l.sn_key, 1, 2) = substr(r.sn_key, 1, 2)) "
        f"AND {_head_alike('sn_key', head, born)}"
    )


_SURNAME_CLOSE = _surname_close("sn_head", "band_born")


def _forename_form_rule(condition: str, borough: bool = False) -> dict:
    """A rule joining on a shared forename form (and, with ``borough``, a shared borough), with
    ``condition`` besides."""
    arrays = ["given_forms", "boroughs"] if borough else ["given_forms"]
    return {
        "blocking_rule": " AND ".join(f"l.{a} = r.{a}" for a in arrays)
        + f" AND {condition} AND {_DATES_AGREE_IN_PART}",
        "arrays_to_explode": arrays,
        "sql_dialect": "duckdb",
    }


def _surname_missing_rules(condition: str) -> list[dict]:
    """... or one surname missing (``condition`` says on which side), which between two common
    forenames needs a borough in common: two rules, the second joining on the borough too, so
    that the database never tests every pair of a common forename's records for a borough in
    common (1.8 million pairs of one rule at London's size, 4.4 of the link's seconds)."""
    return [
        _forename_form_rule(f"{condition} AND NOT (l.fn_many AND r.fn_many)"),
        _forename_form_rule(f"{condition} AND l.fn_many AND r.fn_many", borough=True),
    ]


def _forename_form_rules() -> list:
    """The rules joining on a shared forename form (nickname, transliteration, diminutive).

    Each missing value is written on one named side (``l.sn IS NULL``, then ``r.sn IS NULL``):
    a condition on one record is applied before the join, where "either is missing" would be
    tested on every pair sharing a forename form (79 million at London's size).
    """
    no_birth = ("l.birth_year IS NULL", "r.birth_year IS NULL")
    no_surname = ("l.sn IS NULL", "r.sn IS NULL")
    return [
        # surname missing or misspelt: a shared forename form and a year of birth within about
        # five years (the filter keeps common forenames from pairing every namesake in London)
        *(
            rule
            for band in ("birth_band", "birth_band_offset")
            for rule in (
                _forename_form_rule(f"l.{band} = r.{band} AND {_SURNAME_CLOSE}"),
                *(
                    rule
                    for missing in no_surname
                    for rule in _surname_missing_rules(f"l.{band} = r.{band} AND {missing}")
                ),
            )
        ),
        # nickname and surname, nothing known of the year of birth or the years of birth within
        # six years (closer for a common full name: ``prepare.born_within``). Only the same full
        # name, when rare, pairs whatever the ages say (``_equality_rules``): Mo Ali born in
        # 1960 and Mohammed Ali born in 1990 are two men.
        {
            "blocking_rule": "l.given_forms = r.given_forms AND l.sn_key = r.sn_key "
            f"AND {_born_close('full_name_born', at_most=BORN_WITHIN_YEARS[0])} "
            f"AND {_DATES_AGREE_IN_PART}",
            "arrays_to_explode": ["given_forms"],
            "sql_dialect": "duckdb",
        },
        # a hostel record with no date of birth or age: a shared forename form and a surname
        # missing or misspelt (the first rule for a year of birth cannot apply)
        *(
            _forename_form_rule(f"{birth} AND {_surname_close('sn_head_any')}")
            for birth in no_birth
        ),
        *(
            rule
            for birth in no_birth
            for missing in no_surname
            for rule in _surname_missing_rules(f"{birth} AND {missing}")
        ),
    ]


# Two records of a full name many records carry (``prepare.common_block_records``: a Mohammed
# Ali, a John Smith) are paired on the name alone only where a year of birth is missing on one
# side or the two are within six years (the widest age-guess level of the birth comparison),
# and where the name's holders within six years are still many, within 2.5 years, then one
# (``prepare.born_within``): a caseworker would not take two John Smiths born twenty years apart
# for one man, and asks closer ages the more John Smiths there are; at England's size a common
# full name has hundreds of holders. A rare full name still pairs whatever the ages say.
_COMMON_FULL_NAME_BORN_CLOSE = _born_close("full_name_born")


def _names_alike(letters: str) -> str:
    """Both names start alike for ``letters`` letters of their keys (a name missing on one side
    counts as alike), or do so written in the other order."""

    def same(left: str, right: str) -> str:
        return f"substr(l.{left}, 1, {letters}) = substr(r.{right}, 1, {letters})"

    def same_or_missing(column: str) -> str:
        return f"(l.{column} IS NULL OR r.{column} IS NULL OR {same(column, column)})"

    in_order = f"{same_or_missing('fn_key')} AND {same_or_missing('sn_key')}"
    across = f"{same('fn_key', 'sn_key')} AND {same('sn_key', 'fn_key')}"
    return f"(({in_order}) OR ({across}))"


def _date_of_birth_rules() -> list:
    """The same date of birth (or its day-and-month transposition).

    A date many records carry (more than ``prepare.common_block_records``: 1 January, the
    placeholder birthday on many asylum documents, or any date at England's size) is not enough
    on its own: two strangers share a birthday more often than a caseworker would credit. There
    the two records must also share an initial: of the forename, of the surname, or of one's
    forename and the other's surname (a name misspelt keeps its first letter far more often
    than not; a name missing on one side leaves the other part to agree on; names written in
    the other order, Jawed Rasulfer and Rasulfer Jawat, are most of the same-person pairs on a
    common date whose initials differ otherwise). Where the date's records sharing an initial
    are still many, both names must start alike (in either order), for one letter, then two or
    three, then whole (``prepare._dob_letters``): the more strangers share a birthday and an
    initial, the more of the name a caseworker asks to see agree.
    """
    rare = "l.dob_key = r.dob_key AND NOT l.dob_many AND NOT r.dob_many"
    common = "l.dob_key = r.dob_key AND l.dob_many AND r.dob_many"
    letters = "least(l.dob_letters, r.dob_letters)"
    both_names = f"({letters} = 0 OR {_names_alike(letters)})"
    return [
        {"blocking_rule": rare, "sql_dialect": "duckdb"},
        *(
            {
                "blocking_rule": f"{common} AND substr(l.{left}, 1, 1) = substr(r.{right}, 1, 1) "
                f"AND {both_names}",
                "sql_dialect": "duckdb",
            }
            for left, right in (
                ("sn_key", "sn_key"),
                ("fn_key", "fn_key"),
                ("fn_key", "sn_key"),
                ("sn_key", "fn_key"),
            )
        ),
    ]


def _equality_rules() -> list:
    """The rules joining on plain columns."""
    return [
        # a record with no date of birth or age (common on hostel records) and a forename
        # misspelt: the same surname and a forename missing or with the same initial. The
        # missing year is written on one named side, then the other, as in
        # ``_forename_form_rules``: "either is missing" would be tested on every pair sharing a
        # surname, of every age (2.3 of those 11.7 CPU seconds).
        *(
            {
                "blocking_rule": f"l.sn_key = r.sn_key AND {side}.birth_year IS NULL AND {part}",
                "sql_dialect": "duckdb",
            }
            for side in ("l", "r")
            for part in _forename_missing_or_close("fn_head_any")
        ),
        # forename misspelt: the same surname and a year of birth within about five years
        *(
            {
                "blocking_rule": f"l.sn_key = r.sn_key AND l.{band} = r.{band} AND {part} "
                f"AND {_DATES_AGREE_IN_PART}",
                "sql_dialect": "duckdb",
            }
            for band in ("birth_band", "birth_band_offset")
            for part in _forename_missing_or_close("fn_head", "band_born")
        ),
        # year plus day and month in order: catches transposed dates of birth too
        *_date_of_birth_rules(),
        {
            "blocking_rule": "l.fn_key = r.fn_key AND l.sn_key = r.sn_key "
            f"AND {_COMMON_FULL_NAME_BORN_CLOSE}",
            "sql_dialect": "duckdb",
        },
        # names written in the other order: a common full name's holders must be born close
        # (as for the same full name: ``prepare.born_within``)
        {
            "blocking_rule": "l.fn_key = r.sn_key AND l.sn_key = r.fn_key "
            f"AND {_born_close('swapped_born')} AND {_DATES_AGREE_IN_PART}",
            "sql_dialect": "duckdb",
        },
        block_on("ni"),
        # An NI number with one character mistyped keeps two of its thirds. Where many records
        # share a third (four digits and a letter are shared by chance among a country's
        # numbers), the two must also be born close, the closer the more of them there are
        # (``prepare.born_within``): a caseworker takes a number one character off for the same
        # person's when the ages agree. Two full dates wholly different (``_DATES_AGREE_IN_PART``)
        # are a second slip, believed where the names share an initial (FEBRL's records, made
        # apart from Pathways, have such pairs: Joshua Dowdney and Joshua Ryan, numbers 2519977
        # and 2519978, born 1909 and 1924); without it, two strangers' numbers sharing two thirds
        # by chance would pair, and those chances grow with the square of the records.
        *(
            {
                "blocking_rule": f"l.{third} = r.{third} AND {_born_close(f'{third}_born')} "
                f"AND ({_DATES_AGREE_IN_PART} OR {_AN_INITIAL_IN_COMMON})",
                "sql_dialect": "duckdb",
            }
            for third in NI_THIRDS
        ),
    ]


def settings(
    use_context: bool = True, explain: bool = False, records: int = 10_000
) -> SettingsCreator:
    """The untrained model: unique ids, comparisons and prediction blocking rules.

    Args:
        use_context: also weigh where and when the records place their person (a borough in
            common, dates of activity close together). It separates namesakes, at the cost of
            favouring links between records close in place and time.
        explain: keep each pair's comparison levels and weights in predictions (for tests and
            for examining the model inside the secure zone).
        records: how many records will be linked, for the starting prior (about one duplicate
            pair for every five records), used when the data cannot estimate it.
    """
    comparisons = [
        _name_comparison(),
        _birth_comparison(),
        _ni_comparison(),
        _fixed_agreement("gender", GENDER_DISAGREEMENT),
        _fixed_agreement("nationality", NATIONALITY_DISAGREEMENT),
    ]
    if use_context:
        comparisons += [_place_comparison(), _time_comparison()]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        probability_two_random_records_match=min(0.5, 0.4 / max(records - 1, 1)),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        retain_matching_columns=explain,
        retain_intermediate_calculation_columns=explain,
        em_convergence=0.001,
        max_iterations=40,
    )


def _sure_rules() -> list:
    return [block_on("ni"), block_on("fn", "sn", "dob")]


def _em_rules() -> list:
    # the date-of-birth session reads a sample of the records (``prepare.training_sample``)
    on_birth = "l.dob = r.dob AND l.training_sample AND r.training_sample"
    return [
        block_on("ni"),
        {"blocking_rule": on_birth, "sql_dialect": "duckdb"},
        block_on("fn", "sn", "dob"),
    ]


def training_blocking_rules() -> list:
    """The rules training blocks on: the near-certain rules for the prior, then the three EM
    sessions (``train``), in that order."""
    return [*_sure_rules(), *_em_rules()]


def train(
    linker, max_pairs_for_u: float, seed: int, recall_of_sure_rules: float, estimate_u: bool = True
) -> None:
    """Estimate the model without labels.

    u: random sampling (pairs of random records are almost all different people).
    Prior: pairs that share an NI number, or a full name and date of birth, are almost all the
    same person; those rules find ``recall_of_sure_rules`` of true pairs (an assumption).
    m: expectation maximisation in three sessions, each blocking on one kind of evidence so
    the others' parameters are learnt: same NI number (nearly all true pairs; learns names and
    dates of birth), same date of birth (learns names and NI numbers; among at most
    ``prepare.TRAINING_RECORDS`` records, ``prepare.training_sample``), same full name and date
    of birth (true pairs of every pair of sources; learns place and time). EM leaves term
    frequencies aside: m is how one person's records differ, whatever the name, and the
    frequency adjustment is applied in prediction.
    A session or estimate the data cannot support (a small extract) is skipped, and the
    levels keep their starting values.
    """
    sure_rules = _sure_rules()
    with contextlib.suppress(SplinkException, ValueError, ZeroDivisionError):
        linker.training.estimate_probability_two_random_records_match(
            sure_rules, recall=recall_of_sure_rules
        )
    if estimate_u:
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_for_u, seed=seed)
    for rule in _em_rules():
        with contextlib.suppress(SplinkException, ValueError, ZeroDivisionError):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )


def without_duplicates_in_u(model: dict[str, Any]) -> dict[str, Any]:
    """Correct u-probabilities for the true pairs among the random pairs they were counted on.

    Random sampling counts every pair as two people. Street records hold many duplicates, so
    for strong levels (same full name, same date of birth) true pairs are a visible share of
    the count: u_sampled = λ·m + (1 − λ)·u. Solving for u restores the evidence those levels
    carry. A floor keeps any level from claiming near-impossible agreement by chance.
    """
    # Tiny extracts can drive training to certainties; keep every probability strictly inside
    # (0, 1) so that weights stay finite.
    prior = min(max(model["probability_two_random_records_match"], 1e-9), 0.5)
    model["probability_two_random_records_match"] = prior
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for name in ("m_probability", "u_probability"):
                if level.get(name) is not None:
                    level[name] = min(max(level[name], 1e-9), 1.0)
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or m is None or u is None:
                continue
            corrected = max((u - prior * m) / (1 - prior), u * _U_FLOOR)
            level["u_probability"] = min(corrected, 1.0)
    return model


# A corrected u-probability keeps at least this share of the sampled value.
_U_FLOOR = 0.2


def pairs_for_u(records: int, most: float) -> int:
    """Random pairs to sample for u-probabilities: ten per record, at least a million (the
    rarest agreements, about one pair in 100,000, are then seen about ten times), at most
    ``most`` (``linkage.max_pairs_for_u``)."""
    return int(min(most, max(_U_PAIRS_AT_LEAST, _U_PAIRS_PER_RECORD * records)))


_U_PAIRS_AT_LEAST = 1_000_000
_U_PAIRS_PER_RECORD = 10


def sampled_u(model: dict[str, Any]) -> dict[str, list[float | None]]:
    """Each comparison's u-probabilities, level by level, as random sampling estimated them."""
    return {
        comparison["output_column_name"]: [
            level.get("u_probability") for level in comparison["comparison_levels"]
        ]
        for comparison in model["comparisons"]
    }


def _with_u(model: dict[str, Any], u: dict[str, list[float | None]]) -> dict[str, Any]:
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        for level, value in zip(levels, u[comparison["output_column_name"]], strict=True):
            if value is not None:
                level["u_probability"] = value
    return model


def fit(
    records,
    use_context: bool,
    max_pairs_for_u: float,
    seed: int,
    recall: float,
    record_count: int = 10_000,
    explain: bool = False,
    u: dict[str, list[float | None]] | None = None,
) -> tuple[Linker, dict[str, list[float | None]]]:
    """Train the model on registered records and return a linker ready to predict.

    Args:
        records: the identity features registered with the engine.
        use_context: weigh place and time as well as identity.
        max_pairs_for_u: at most this many random pairs are sampled for u-probabilities
            (``pairs_for_u``).
        seed: sampling seed, fixed so the same records train the same model.
        recall: share of true pairs the near-certain rules find (for the prior).
        record_count: how many records are linked (for the starting prior and the u sample).
        explain: keep comparison levels and weights in predictions.
        u: u-probabilities sampled by an earlier run of the same model (``sampled_u``); when
            given, none are sampled.

    Returns:
        The linker, and the sampled u-probabilities (for the next run of the same model).
    """
    model = settings(use_context=use_context, explain=explain, records=record_count)
    linker = Linker(records, model, log_level=None)
    if u is not None:
        linker = Linker(records, _with_u(linker.misc.save_model_to_json(), u), log_level=None)
    train(
        linker,
        max_pairs_for_u=pairs_for_u(record_count, max_pairs_for_u),
        seed=seed,
        recall_of_sure_rules=recall,
        estimate_u=u is None,
    )
    trained = linker.misc.save_model_to_json()
    sampled = sampled_u(trained)  # before the correction, which changes the model in place
    return Linker(records, without_duplicates_in_u(trained), log_level=None), sampled


def prediction_pairs(
    model: dict[str, Any], records: str, columns: list[str], dialect, new_only: bool = False
):
    """The query (a Splink pipeline) that makes every pair the model's prediction rules find,
    each pair once with the smaller record id on the left, as Splink makes them for a model that
    deduplicates; with ``new_only``, only the pairs with a record marked ``is_new`` in them.

    The pairs of all rules are made distinct once, at the end, instead of each rule excluding the
    pairs of every rule before it as Splink does: with twenty rules that exclusion is a long
    condition on every pair of every rule (7 of the 15 seconds of London's prediction), which
    Splink also parses again for every rule after it. A pair any rule finds is a pair Splink
    scores, once, so the distinct pairs are the same. A rule on an array column (a person's
    forename forms) joins its values one by one, as Splink's exploding rules do.

    With ``new_only`` each rule is joined once, with a new record on its left-hand side: a
    condition on one side only is one the database applies before the join, so a month's few
    thousand new records are joined to the others instead of every pair of the rule being
    formed and then filtered. The other side's pairs, whose smaller record is the old one, need
    no join of their own, because the rules are closed under swapping the two records: a rule
    that asks something of one side (``l.sn IS NULL``) comes with its mirror (``r.sn IS NULL``),
    so a pair some rule finds one way round is found by some rule the other way round
    (``tests/integration/linkage/test_linkage_rules_closed_under_swap.py`` checks it).

    Args:
        model: the model's settings as saved (``linkage_model.json``).
        records: the name of the records' table in the database.
        columns: the records' columns.
        dialect: the database's SQL dialect (``database.sql_dialect``).
        new_only: keep only pairs with a new record (a monthly increment).
    """
    uid = model.get("unique_id_column_name", "unique_id")
    pipeline = CTEPipeline()
    exploded: dict[tuple[str, ...], str] = {}
    joins = []
    for rule in model["blocking_rules_to_generate_predictions"]:
        if isinstance(rule, str):
            rule = {"blocking_rule": rule}
        arrays = tuple(rule.get("arrays_to_explode") or ())
        table = records
        if arrays:
            if arrays not in exploded:
                exploded[arrays] = f"__pathways_records_by_{len(exploded)}"
                others = [column for column in columns if column not in arrays]
                pipeline.enqueue_sql(
                    dialect.explode_arrays_sql(records, list(arrays), others), exploded[arrays]
                )
            table = exploded[arrays]
        if new_only:
            joins.append(
                f"select least(l.{uid}, r.{uid}) as join_key_l, "
                f"greatest(l.{uid}, r.{uid}) as join_key_r "
                f"from {table} as l inner join {table} as r "
                f"on ({rule['blocking_rule']}) and l.is_new "
                f"where l.{uid} <> r.{uid}"
            )
        else:
            joins.append(
                f"select l.{uid} as join_key_l, r.{uid} as join_key_r "
                f"from {table} as l inner join {table} as r "
                f"on ({rule['blocking_rule']}) "
                f"where l.{uid} < r.{uid}"
            )
    pipeline.enqueue_sql(
        "select '0' as match_key, join_key_l, join_key_r from (" + "\nunion\n".join(joins) + ")",
        "__pathways_prediction_pairs",
    )
    return pipeline
