"""From scored record pairs to people, without letting a chain of links merge two lives.

Plain connected components joins A and C whenever A–B and B–C are links, even when A and C
carry different NI numbers or dates of birth years apart: one namesake in the middle merges two
people. Here links are taken strongest first and two groups of records are joined only when
no record of one contradicts a record of the other on a hard identifier:

- both have NI numbers and none of them is the same (or two characters away), or
- both have dates of birth and none of them agrees (same, day and month transposed, two of
  year, month and day the same, or within two years), or
- an age guess puts the year of birth more than eight years from all of the other's, or
- both have a known gender and none is shared.

Each link's probability already weighs every disagreement between its own two records, so a
link between two lone records always stands, and so does a near-certain link (0.99 or more).
For the same reason a contradiction is weighed with the model's own scores for the records that
disagree: when, on average, the model finds them likelier one person than two (a mistyped NI
number on one record of three, scored against the other two), the disagreement is outvoted.
A pair the model never scored counts as no link, so a chain of weaker links still cannot merge
two people whom no direct comparison joins.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

# Dates of birth this far apart can still be one person's (a year mistyped or misremembered).
_DOB_TOLERANCE_DAYS = 2 * 366
# Links at least this probable join groups whatever their other records say.
_CERTAIN = 0.99
# Contradicting records whose mean probability of being one person is above this are joined.
_OUTVOTED = 0.5
# Years of birth (from an age guess or a date) further apart than this are two people.
_YEAR_TOLERANCE = 8.0


def _one_apart(a: str, b: str) -> bool:
    """True when two strings differ by at most one substitution, insertion, deletion or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        )
    shorter, longer = sorted((a, b), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _dates_agree(a: dt.date, b: dt.date) -> bool:
    """Could these be one person's date of birth, written down with the usual slips?"""
    if abs((a - b).days) <= _DOB_TOLERANCE_DAYS:
        return True
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return True
    # Two of year, month and day agree: the third was mistyped.
    return (a.year == b.year) + (a.month == b.month) + (a.day == b.day) >= 2


def _ni_agree(a: str, b: str) -> bool:
    """At most two characters differ (mistyped or misread digits), or one is dropped or added."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 2
    return _one_apart(a, b)


def _years_apart(guesses: frozenset, years: frozenset) -> bool:
    if not (guesses and years):
        return False
    return min(abs(x - y) for x in guesses for y in years) > _YEAR_TOLERANCE


# A record's or a group's identifiers, each a set (empty when not recorded): NI numbers, dates
# of birth, years of birth, years of birth guessed from an age, genders.
Facts = tuple[frozenset, frozenset, frozenset, frozenset, frozenset]
_NONE: frozenset = frozenset()


def _one(value: object) -> frozenset:
    return _NONE if value is None else frozenset((value,))


def _compatible(a: Facts, b: Facts) -> bool:
    """No record of one group contradicts a record of the other."""
    a_ni, a_dob, a_year, a_guess, a_gender = a
    b_ni, b_dob, b_year, b_guess, b_gender = b
    if a_ni and b_ni and not any(_ni_agree(x, y) for x in a_ni for y in b_ni):
        return False
    if a_dob and b_dob and not any(_dates_agree(x, y) for x in a_dob for y in b_dob):
        return False
    # Age guesses are compared by year only, and only a gross difference contradicts.
    if _years_apart(a_guess, b_year) or _years_apart(b_guess, a_year):
        return False
    return not (a_gender and b_gender and not a_gender & b_gender)


def _contradictions_outvoted(
    left: list[str],
    right: list[str],
    single: dict[str, Facts],
    scores: dict[tuple[str, str], float],
) -> bool:
    """True when the model finds the records of two groups that contradict one person.

    Every pair of records, one from each group, that contradicts is looked up among the
    scored pairs (a pair never scored counts as no link). When their mean probability is
    above even, the model has weighed those disagreements directly and, taken together, found
    one person likelier than two: a mistyped NI number on one record of three is outvoted,
    not a veto. The link that would join the groups must still clear the match threshold.
    """
    total = 0.0
    count = 0
    for x in left:
        for y in right:
            if not _compatible(single[x], single[y]):
                total += scores.get((min(x, y), max(x, y)), 0.0)
                count += 1
    return count > 0 and total / count > _OUTVOTED


def cluster_links(
    features: pl.DataFrame,
    links: pl.DataFrame,
    threshold: float,
    people: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Group records into people.

    Args:
        features: one row per record with ``unique_id``, ``ni``, ``dob``, ``birth_year`` and
            ``gender``.
        links: scored pairs ``unique_id_l``, ``unique_id_r``, ``match_probability``; pairs
            below the threshold are not links but count when contradictions are weighed.
        threshold: pairs at or above this probability are candidate links.
        people: people already found (a monthly increment): ``unique_id`` and ``person``, a
            label shared by one person's records. They start as groups, are never split, and
            are joined to new records and to each other by the same rules as lone records.

    Returns:
        ``unique_id`` and ``cluster`` (the smallest ``unique_id`` of its group) for every record.
    """
    ids = features["unique_id"].to_list()
    parent = {uid: uid for uid in ids}
    members: dict[str, list[str]] = {uid: [uid] for uid in ids}
    # Strongest links first; ties broken by the record ids so that the result is deterministic.
    ordered = links.filter(pl.col("match_probability") >= threshold).sort(
        ["match_probability", "unique_id_l", "unique_id_r"], descending=[True, False, False]
    )
    candidates = ordered.select("unique_id_l", "unique_id_r", "match_probability").rows()
    # each record's own values, to find which records of two groups contradict each other: only
    # the records a link or an earlier person could join are ever compared
    involved = pl.concat(
        [ordered["unique_id_l"], ordered["unique_id_r"]]
        + ([people["unique_id"]] if people is not None else [])
    )
    guess = pl.when(pl.col("dob").is_null()).then(pl.col("birth_year")).alias("guess")
    rows = (
        features.filter(pl.col("unique_id").is_in(involved.implode()))
        .with_columns(guess)
        .select("unique_id", "ni", "dob", "birth_year", "guess", "gender")
        .iter_rows()
    )
    single: dict[str, Facts] = {
        uid: (_one(ni), _one(dob), _one(year), _one(guessed), _one(gender))
        for uid, ni, dob, year, guessed, gender in rows
    }
    known: dict[str, Facts] = dict(single)

    def join(a: str, b: str) -> None:
        if len(members[a]) < len(members[b]):
            a, b = b, a
        parent[b] = a
        members[a].extend(members.pop(b))
        ni, dob, year, guessed, gender = known.pop(b)
        a_ni, a_dob, a_year, a_guessed, a_gender = known[a]
        known[a] = (a_ni | ni, a_dob | dob, a_year | year, a_guessed | guessed, a_gender | gender)

    def root(uid: str) -> str:
        while parent[uid] != uid:
            parent[uid] = parent[parent[uid]]
            uid = parent[uid]
        return uid

    if people is not None:
        firsts: dict[str, str] = {}
        known_people = people.filter(pl.col("unique_id").is_in(ids)).select("person", "unique_id")
        for person, uid in known_people.iter_rows():
            first = firsts.setdefault(person, uid)
            if first != uid:
                join(root(first), uid)

    scores = {
        (min(left, right), max(left, right)): probability
        for left, right, probability in links.select(
            "unique_id_l", "unique_id_r", "match_probability"
        ).iter_rows()
    }
    for left, right, probability in candidates:
        a, b = root(left), root(right)
        if a == b:
            continue
        # A direct link between two lone records already weighed their disagreements, and a
        # near-certain link outweighs what a third record says.
        trusted = probability >= _CERTAIN or (len(members[a]) == 1 and len(members[b]) == 1)
        if (
            not trusted
            and not _compatible(known[a], known[b])
            and not _contradictions_outvoted(members[a], members[b], single, scores)
        ):
            continue
        join(a, b)
    clusters = {uid: min(members[root(uid)]) for uid in ids}
    return pl.DataFrame(
        {"unique_id": list(clusters), "cluster": list(clusters.values())},
        schema={"unique_id": pl.String, "cluster": pl.String},
    )
