"""Stack the person-level source tables into one frame of comparable identity features.

The three sources are stacked and deduplicated as one (Splink ``dedupe_only``), rather than
linked as three datasets: a person may have several CHAIN records, several H-CLIC cases and
several hostel stays, so duplicates within a source and links across sources are the same
question, and one model answers both with one set of parameters.

Every feature here is derived from identity fields (and, for context, the boroughs and dates a
record covers) and lives only inside the link stage.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl

from pipelines.linkage.names import DESCRIPTIVE_NICKNAMES, fold_name, name_forms, name_key

# source -> (table, expression building source_record_id, date the record was made)
SOURCES: dict[str, tuple[str, pl.Expr, str | None]] = {
    "chain": ("chain_people", pl.col("chain_id"), None),
    "hclic": ("hclic_cases", pl.concat_str("la_code", pl.lit("/"), "case_ref"), "approach_date"),
    "inform": ("inform_stays", pl.concat_str("provider", pl.lit("/"), "resident_id"), "move_in"),
}
_IDENTITY = ("first_name", "last_name", "known_as", "dob", "approx_age", "gender", "nationality")
_TYPES = {"dob": pl.Date, "approx_age": pl.String}

# A forename carried by at least this share of records is common (Mohammed, John).
_COMMON_FORENAME_SHARE = 0.01
# A forename or surname key carried by more records than this makes blocks too large to pair on
# it and a birth band alone (``model.prediction_blocking_rules``): a fixed number, so that the
# pairs of those rules grow with the records, not with their square.
COMMON_NAME_RECORDS = 100
# A blocking rule's block (the records sharing its keys) holding more than this many records per
# natural log of the records linked is common, and the rule asks more of its pairs
# (``common_block_records``, ``model.prediction_blocking_rules``): 13 records at London's size
# (about 205,000 person records over a decade), 14 at England's (a million).
COMMON_BLOCK_PER_LOG_RECORDS = 1
# Where a block is common even when the other name must agree whole, a rule asks that the two
# records' years of birth be closer, step by step (``born_within``): within six years, 2.5, then
# one (the birth comparison's age-guess levels, ``model.BIRTH_LEVELS``). ``ANY_AGE`` is no limit.
BORN_WITHIN_YEARS = (6.0, 2.5, 1.0)
ANY_AGE = 999.0
# ``_head_letters``: the other name's key must agree whole (``substr`` of this many letters).
WHOLE_KEY = 99
# An NI number's thirds (``identity_features``): the rules on them pair one mistyped character.
NI_THIRDS = ("ni_head", "ni_tail", "ni_ends")
# Training's expectation maximisation on a shared date of birth reads the pairs of at most this
# many records (``training_sample``).
TRAINING_RECORDS = 250_000
# A full name carried by at most this many records is rare: about as many records as one person
# leaves across the three sources, so the name is likely theirs alone. That holds only where
# those records are a small share of the extract (at most one in RARE_FULL_NAME_SHARE): in a
# small extract, a name four records carry may be a common one.
RARE_FULL_NAME_RECORDS = 4
RARE_FULL_NAME_SHARE = 2_500
# Outreach workers' age guesses: anything outside this range is a recording slip, not an age.
_PLAUSIBLE_AGE = (12, 95)


def _per_value(column: str, function: Callable, dtype: pl.DataType) -> pl.Expr:
    """Apply a Python function once per distinct value (names repeat, so this stays cheap)."""
    return pl.col(column).map_elements(function, return_dtype=dtype, skip_nulls=True)


def _stack(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    parts = []
    for source, (table, record_id, made_on) in SOURCES.items():
        frame = tables.get(table)
        if frame is None:
            continue
        missing = [c for c in (*_IDENTITY, "ni_number", made_on) if c and c not in frame.columns]
        frame = frame.with_columns(
            pl.lit(None, dtype=_TYPES.get(c, pl.Date if c == made_on else pl.String)).alias(c)
            for c in missing
        )
        if source == "chain":
            frame = frame.join(_first_contacts(tables), on="chain_id", how="left")
        parts.append(
            frame.select(
                pl.lit(source).alias("source"),
                record_id.cast(pl.String).alias("source_record_id"),
                *(pl.col(c).cast(_TYPES.get(c, pl.String)) for c in _IDENTITY),
                pl.col("ni_number").cast(pl.String),
                pl.col(made_on or "first_contact").cast(pl.Date).alias("reference_date"),
                *_context(source, frame),
            )
        )
    return pl.concat(parts, how="vertical")


def record_ids(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``source`` and ``source_record_id`` of every person record, as ``identity_features``
    names them, without building the features."""
    return pl.concat(
        [
            pl.DataFrame(schema={"source": pl.String, "source_record_id": pl.String}),
            *(
                tables[table].select(
                    pl.lit(source).alias("source"),
                    record_id.cast(pl.String).alias("source_record_id"),
                )
                for source, (table, record_id, _) in SOURCES.items()
                if tables.get(table) is not None
            ),
        ]
    )


def _first_contacts(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Each CHAIN record's contacts: first and last date (the first is the day its approximate
    age was given) and the boroughs it was seen in."""
    contacts = tables.get("chain_contacts")
    schema = {
        "chain_id": pl.String,
        "first_contact": pl.Date,
        "last_contact": pl.Date,
        "contact_boroughs": pl.List(pl.String),
    }
    if contacts is None or contacts.is_empty():
        return pl.DataFrame(schema=schema)
    if "borough" not in contacts.columns:
        contacts = contacts.with_columns(pl.lit(None, pl.String).alias("borough"))
    return contacts.group_by("chain_id").agg(
        pl.col("contact_date").min().alias("first_contact"),
        pl.col("contact_date").max().alias("last_contact"),
        pl.col("borough").drop_nulls().unique().sort().alias("contact_boroughs"),
    )


def _context(source: str, frame: pl.DataFrame) -> list[pl.Expr]:
    """Where and when a record places its person: boroughs, and the span of dates it covers."""

    def col(name: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(name) if name in frame.columns else pl.lit(None, dtype)

    if source == "chain":
        boroughs = col("contact_boroughs", pl.List(pl.String))
        start, end = col("first_contact", pl.Date), col("last_contact", pl.Date)
    elif source == "hclic":
        boroughs = pl.concat_list(col("la_code", pl.String))
        start = col("approach_date", pl.Date)
        end = pl.max_horizontal(start, col("prevention_end", pl.Date), col("relief_end", pl.Date))
    else:
        boroughs = pl.concat_list(col("hostel_borough", pl.String))
        start = col("move_in", pl.Date)
        end = pl.max_horizontal(start, col("move_out", pl.Date))
    return [
        boroughs.list.drop_nulls().alias("boroughs"),
        start.cast(pl.Date).alias("active_from"),
        end.cast(pl.Date).alias("active_to"),
    ]


def _clean_ni(ni: pl.Expr) -> pl.Expr:
    ni = ni.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    # Temporary reference numbers (TN + date of birth) and example numbers are shared by many
    # people, so they are not identifiers.
    shared = ni.str.starts_with("TN") | ni.str.contains("000000") | ni.str.starts_with("QQ1234")
    return pl.when((ni.str.len_chars() >= 5) & ~shared).then(ni)


def _birth_year(dob: pl.Expr, approx_age: pl.Expr, reference: pl.Expr) -> pl.Expr:
    """Year of birth as a decimal: exact from a date of birth, else from an age guess."""
    from_dob = dob.dt.year() + (dob.dt.ordinal_day() - 0.5) / 366.0
    age = approx_age.str.strip_chars().cast(pl.Int32, strict=False)
    age = pl.when(age.is_between(*_PLAUSIBLE_AGE)).then(age)
    # Age A on day D means birth between D-(A+1) years and D-A years: take the middle.
    from_age = reference.dt.year() + (reference.dt.ordinal_day() - 0.5) / 366.0 - age - 0.5
    return pl.coalesce(from_dob, from_age)


def common_block_records(records: int) -> int:
    """The most records a block may hold before a rule on it asks for more (name-frequency-aware
    blocking): ``COMMON_BLOCK_PER_LOG_RECORDS`` × ln(records).

    A rule whose blocks hold at most b records finds at most b/2 pairs per record; with b
    growing as log n, its pairs grow as n log n. A fixed share of the records would let blocks
    grow with n and the pairs with n² (namesakes multiply with the population: a country has
    five times London's Mohammed Alis, who make 25 times the pairs). The rules refine a common
    block step by step (more letters of the other name, then the whole name, then years of birth
    ever closer: ``_head_letters``, ``born_within``, ``_dob_letters``) until it is within the
    bound or the last step is reached; ``pathways bench --pairs-per-rule`` counts what each
    rule finds.
    """
    return math.ceil(COMMON_BLOCK_PER_LOG_RECORDS * math.log(max(records, 2)))


def _heard(key: pl.Expr) -> pl.Expr:
    """A key's letters as ``model._head_alike`` compares them: letters heard alike (d and t, b
    and p, g and k, f and v) as one."""
    return key.str.replace_many(["d", "b", "g", "f"], ["t", "p", "k", "v"])


def _heard_column(name_key: str) -> str:
    """The column ``_common_blocks`` holds a name key's letters in as heard (``_heard``), made
    once for the key's every step: heard letters map one to one, so a slice of the whole key
    heard is the slice heard."""
    return f"{name_key}_heard"


def _heard_head(name_key: str, letters: int) -> pl.Expr:
    return pl.col(_heard_column(name_key)).str.slice(0, letters)


def _head_letters(name_key: str, within: list[str], most: int) -> pl.Expr:
    """How many leading letters of ``name_key`` a rule joining on ``within`` asks two records to
    share: one, or more while the records sharing ``within`` and that many letters number more
    than ``most``: two, three, four, then the whole key (``WHOLE_KEY``; ``born_within`` may ask
    more of a block still common then). ``model._head_alike`` asks for the fewer of two records'
    counts, so a rare spelling of a common forename (Mo for Mohammed) keeps the reach it had."""
    letters = pl.lit(WHOLE_KEY, pl.Int8)
    for k in (4, 3, 2, 1):
        block = pl.len().over([*within, _heard_head(name_key, k)])
        letters = pl.when(block <= most).then(pl.lit(k, pl.Int8)).otherwise(letters)
    return letters


def _form_head_letters(frame: pl.DataFrame, within: list[str], most: int) -> pl.Series:
    """``_head_letters`` of the surname for the rules joining on a forename form: a record's
    block is the records sharing ``within`` and any of its forename's forms (Mohammed's are
    Mohamed, Muhammad, Mo and more), counted once per form shared, as the rule joins them."""
    forms = frame.select(
        pl.int_range(pl.len()).alias("row"), *within, _heard_column("sn_key"), "given_forms"
    ).explode("given_forms")
    forms = forms.filter(pl.col("given_forms").is_not_null())
    steps = [(k, _heard_head("sn_key", k)) for k in (1, 2, 3, 4)]
    steps.append((WHOLE_KEY, pl.col(_heard_column("sn_key"))))
    partners = (
        forms.with_columns(
            (pl.len().over(["given_forms", *within, head]) - 1).alias(str(k)) for k, head in steps
        )
        .group_by("row")
        .agg(pl.col(str(k)).sum() for k, _ in steps)
    )
    letters = pl.lit(WHOLE_KEY, pl.Int8)
    for k, _ in reversed(steps[:-1]):
        letters = pl.when(pl.col(str(k)) < most).then(pl.lit(k, pl.Int8)).otherwise(letters)
    found = partners.select("row", letters.alias("letters"))
    return (
        frame.select(pl.int_range(pl.len()).alias("row"))
        .join(found, on="row", how="left")
        .sort("row")["letters"]
        .fill_null(1)
    )


def _group_ids(frame: pl.DataFrame, keys: list[str], partner: list[str]) -> np.ndarray:
    """Numbers for the records' ``keys`` values and then their ``partner`` values, equal where
    the values are (NaN where one is missing)."""

    def values(columns: list[str]) -> pl.Expr:
        known = pl.all_horizontal(pl.col(c).is_not_null() for c in columns)
        return pl.when(known).then(pl.struct(columns).hash())

    both = frame.select(values(keys).alias("v")).vstack(frame.select(values(partner).alias("v")))
    return both.to_series().rank("dense").cast(pl.Float64).fill_null(np.nan).to_numpy()


def born_within(
    frame: pl.DataFrame, keys: list[str], most: int, partner: list[str] | None = None
) -> pl.Series:
    """How close in age a rule pairing records on ``keys`` (a record's ``partner`` values with
    the others' ``keys`` values, for a rule across columns) asks two records to be born: any
    age (``ANY_AGE``) where a record's block holds at most ``most`` records, else the first of
    ``BORN_WITHIN_YEARS`` at which the records within that many years (or with no year of
    birth) number at most ``most``, or the last. ``model`` asks for the wider of two records'
    limits, as it asks for the fewer letters of ``_head_letters``."""
    ids = _group_ids(frame, keys, partner or keys)
    own, other = ids[: frame.height], ids[frame.height :]
    year = frame["birth_year"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    undated = np.isnan(year)
    in_group = ~np.isnan(own)
    groups = int(np.nanmax(ids)) + 1 if in_group.any() else 1
    group = np.nan_to_num(other, nan=0.0).astype(np.int64)

    def in_block(records: np.ndarray) -> np.ndarray:
        """How many of ``records`` are in each record's block."""
        counts = np.bincount(own[in_group & records].astype(np.int64), minlength=groups)
        return np.where(np.isnan(other), 0, counts[group])

    no_year = in_block(undated)
    # Each group's years of birth (about 1900 to 2030) placed far apart from the next group's,
    # so that no window around one reaches another.
    spacing = 8_192.0
    position = np.clip(np.nan_to_num(year), 1_000.0, 3_000.0) - 1_000.0
    placed = np.sort((own * spacing + position)[in_group & ~undated])
    at = group * spacing + position
    limit = np.full(frame.height, ANY_AGE)
    common = np.flatnonzero(in_block(~undated) + no_year > most)
    for years in BORN_WITHIN_YEARS:
        limit[common] = years
        # a record with no year of birth pairs with its whole block, however close the others
        common = common[~undated[common]]
        found = np.searchsorted(placed, at[common] + years, "right")
        found = found - np.searchsorted(placed, at[common] - years, "left")
        common = common[found + no_year[common] > most]
    return pl.Series(limit)


def training_sample(records: int) -> pl.Expr:
    """Whether a record (in ``unique_id`` order) is among those training learns from by date of
    birth: every record up to ``TRAINING_RECORDS``, then every k-th, about that many.

    Training learns how one person's records differ (a surname dropped, a date mistyped); a
    sample of a quarter of a million records shows every kind of difference often enough, and
    the pairs sharing a date of birth, which grow with the square of the records (25 million at
    England's size), then stay near London's million.
    """
    every = max(1, math.ceil(records / TRAINING_RECORDS))
    return (pl.int_range(pl.len()) % every) == 0


def _sharing_an_initial(frame: pl.DataFrame) -> pl.Series:
    """For each record, the records on its date of birth that the four rules on a common date
    pair it with (``model._date_of_birth_rules``): sharing its forename's initial, its surname's,
    or one's forename initial the other's surname initial either way (a record met two ways is
    counted twice)."""
    heads = frame.select(
        pl.int_range(pl.len()).alias("row"),
        "dob_key",
        pl.col("fn_key").str.slice(0, 1).alias("fn"),
        pl.col("sn_key").str.slice(0, 1).alias("sn"),
    )
    forenames = heads.group_by("dob_key", "fn").agg(pl.len().alias("forenames")).drop_nulls()
    surnames = heads.group_by("dob_key", "sn").agg(pl.len().alias("surnames")).drop_nulls()
    return (
        heads.join(forenames, on=["dob_key", "fn"], how="left")
        .join(surnames, on=["dob_key", "sn"], how="left")
        .join(surnames.rename({"sn": "fn", "surnames": "across"}), on=["dob_key", "fn"], how="left")
        .join(forenames.rename({"fn": "sn", "forenames": "back"}), on=["dob_key", "sn"], how="left")
        .sort("row")
        .select(pl.sum_horizontal("forenames", "surnames", "across", "back"))
        .to_series()
    )


def _dob_letters(sharing_an_initial: pl.Series, most: int) -> pl.Expr:
    """How many leading letters of both names (``model._date_of_birth_rules``) two records on a
    common date of birth must share: none beyond the one initial in common while the records
    sharing the date and an initial (``_sharing_an_initial``) number at most ``most``, else one,
    two or three letters of each name, or the whole of both keys, the first at which the records
    sharing the date and those letters number at most ``most``."""

    def head(column: str, k: int) -> pl.Expr:
        return pl.col(column).str.slice(0, k)

    letters = pl.lit(WHOLE_KEY, pl.Int8)
    for k in (3, 2, 1):
        block = pl.len().over("dob_key", head("fn_key", k), head("sn_key", k))
        letters = pl.when(block <= most).then(pl.lit(k, pl.Int8)).otherwise(letters)
    return pl.when(pl.lit(sharing_an_initial) <= most).then(pl.lit(0, pl.Int8)).otherwise(letters)


def _common_blocks(frame: pl.DataFrame) -> pl.DataFrame:
    """Where the blocking rules' blocks are common (``common_block_records``), what they add:
    how many letters of the other name must agree (``sn_head`` for the rules on a forename form
    and a birth band, ``fn_head`` for those on a surname and a birth band, ``*_any`` for the
    rules for a record with no year of birth) and, where it must agree whole, how close the
    years of birth must be (``*_born``); whether a date of birth is common (``dob_many``) and how
    many letters of both names it then asks (``dob_letters``); whether a full name is common
    (``full_name_many``) and how close in age its holders (``full_name_born``) or those of the
    name written in the other order (``swapped_born``) must be born."""
    most = common_block_records(frame.height)
    fn_sn = ["fn_key", "sn_key"]
    heard = [_heard_column(key) for key in fn_sn]
    frame = frame.with_columns(_heard(pl.col(key)).alias(_heard_column(key)) for key in fn_sn)
    return frame.with_columns(
        _form_head_letters(frame, ["birth_band"], most).alias("sn_head"),
        _head_letters("fn_key", ["sn_key", "birth_band"], most).alias("fn_head"),
        # A record with no year of birth pairs with namesakes of every age, so its block is the
        # name's records of every age; only pairs with one of the few such records (about one
        # record in 30) are made, so the block may be three times as large for the same pairs.
        _form_head_letters(frame, [], 3 * most).alias("sn_head_any"),
        _head_letters("fn_key", ["sn_key"], 3 * most).alias("fn_head_any"),
        (pl.len().over("dob_key") > most).and_(pl.col("dob_key").is_not_null()).alias("dob_many"),
        _dob_letters(_sharing_an_initial(frame), most).alias("dob_letters"),
        (pl.len().over(fn_sn) > most)
        .and_(pl.col("fn_key").is_not_null() & pl.col("sn_key").is_not_null())
        .alias("full_name_many"),
        # both names whole and the birth band: the last letter step of ``sn_head`` and ``fn_head``
        born_within(frame, ["fn_key", "birth_band", "sn_key"], most).alias("band_born"),
        born_within(frame, fn_sn, most).alias("full_name_born"),
        born_within(frame, fn_sn, most, partner=["sn_key", "fn_key"]).alias("swapped_born"),
        *(born_within(frame, [third], most).alias(f"{third}_born") for third in NI_THIRDS),
    ).drop(heard)


def _given_forms(given_names: pl.Series, tokens: pl.DataFrame) -> pl.Series:
    """Each record's forename forms: the forms (``tokens``' ``forms``) of all its given names,
    each once, in order. Joined as a table, since a mapping to lists applied inside each
    record's list is slow."""
    rows = given_names.to_frame("token").with_row_index("row")
    forms = (
        rows.explode("token")
        .join(tokens.select("token", "forms"), on="token", how="left")
        .explode("forms")
        .group_by("row")
        .agg(pl.col("forms").drop_nulls().unique().sort())
    )
    # a record with no given name has no forms (an empty list may leave no row when exploded)
    forms = rows.select("row").join(forms, on="row", how="left").sort("row")
    return forms["forms"].fill_null([]).alias("given_forms")


def identity_features(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per person record with the cleaned, keyed fields the linkage model compares.

    Args:
        tables: validated source tables keyed by table name (``chain_people`` at least).

    Returns:
        A frame keyed by ``unique_id`` (``source:source_record_id``), sorted by it.
    """
    stacked = _stack(tables)
    # Names are folded once per distinct spelling, then joined back.
    spellings = (
        pl.concat([stacked[c] for c in ("first_name", "last_name", "known_as")])
        .drop_nulls()
        .unique()
        .to_frame("spelling")
        .with_columns(_per_value("spelling", fold_name, pl.String).alias("folded"))
    )
    folded = dict(zip(spellings["spelling"], spellings["folded"], strict=True))
    frame = stacked.with_columns(
        pl.col(c).replace_strict(folded, default=None, return_dtype=pl.String).alias(f"{c}_f")
        for c in ("first_name", "last_name", "known_as")
    )
    # A descriptive street name (Scouse, Tiny) is shared by many people: not a forename.
    descriptive = sorted(DESCRIPTIVE_NICKNAMES)
    known_as = (
        pl.col("known_as_f")
        .str.split(" ")
        .list.eval(pl.element().filter(~pl.element().is_in(descriptive)))
    )
    frame = frame.with_columns(
        pl.when(known_as.list.len() > 0).then(known_as.list.join(" ")).alias("known_as_f")
    )
    given_tokens = pl.concat_list(
        pl.col("first_name_f").str.split(" ").fill_null([]),
        pl.col("known_as_f").str.split(" ").fill_null([]),
    ).list.unique(maintain_order=True)
    frame = frame.with_columns(
        pl.coalesce(
            pl.col("first_name_f").str.split(" ").list.first(),
            pl.col("known_as_f").str.split(" ").list.first(),
        ).alias("fn"),
        pl.col("last_name_f").str.replace_all(" ", "").alias("sn"),
        pl.col("last_name_f").str.split(" ").alias("sn_tokens"),
        given_tokens.alias("given_names"),
    )
    tokens = (
        pl.concat(
            [frame["given_names"].explode(), frame["fn"], frame["sn"], frame["sn_tokens"].explode()]
        )
        .drop_nulls()
        .unique()
        .to_frame("token")
        .with_columns(
            _per_value("token", name_key, pl.String).alias("key"),
            _per_value("token", name_forms, pl.List(pl.String)).alias("forms"),
        )
    )
    keys = dict(zip(tokens["token"], tokens["key"], strict=True))
    frame = frame.with_columns(_given_forms(frame["given_names"], tokens))

    def key_of(expr: pl.Expr) -> pl.Expr:
        return expr.replace_strict(keys, default=None, return_dtype=pl.String)

    dob = pl.col("dob")
    swappable = (dob.dt.day() <= 12) & (dob.dt.day() != dob.dt.month())
    frame = frame.with_columns(
        pl.concat_str(pl.col("source"), pl.lit(":"), pl.col("source_record_id")).alias("unique_id"),
        key_of(pl.col("fn")).alias("fn_key"),
        key_of(pl.col("sn")).alias("sn_key"),
        pl.col("given_names").list.eval(key_of(pl.element())).list.unique().alias("given_keys"),
        pl.concat_str(pl.col("fn"), pl.lit(" "), pl.col("sn")).alias("full_name"),
        dob.dt.strftime("%Y-%m-%d").alias("dob_text"),
        # Polars may build the date for every row before choosing: keep every row's month valid.
        pl.when(swappable)
        .then(
            pl.date(
                dob.dt.year(), pl.when(swappable).then(dob.dt.day()).otherwise(1), dob.dt.month()
            )
        )
        .alias("dob_swapped"),
        # Year with day and month in order: the same for a date and its transposition.
        pl.concat_str(
            dob.dt.year().cast(pl.String),
            pl.min_horizontal(dob.dt.day(), dob.dt.month()).cast(pl.String).str.zfill(2),
            pl.max_horizontal(dob.dt.day(), dob.dt.month()).cast(pl.String).str.zfill(2),
            separator="-",
        ).alias("dob_key"),
        _birth_year(dob, pl.col("approx_age"), pl.col("reference_date")).alias("birth_year"),
        _clean_ni(pl.col("ni_number")).alias("ni"),
        pl.col("gender").str.to_lowercase().replace("unknown", None).alias("gender_known"),
        pl.col("nationality")
        .str.to_uppercase()
        .replace({"UNKNOWN": None, "": None})
        .alias("nationality_known"),
    )
    # An NI number in thirds: one mistyped character (or two swapped within a third) spoils
    # one third, so two records of one number still share the other two. Numbers too short
    # for thirds of two characters or more would pair too many records, and are left out.
    ni = pl.when(pl.col("ni").str.len_chars() >= 6).then(pl.col("ni"))
    third = ni.str.len_chars() // 3
    frame = frame.with_columns(
        ni.str.slice(0, 2 * third).alias("ni_head"),
        ni.str.slice(third).alias("ni_tail"),
        pl.concat_str(ni.str.slice(0, third), ni.str.slice(2 * third)).alias("ni_ends"),
    )
    empty_to_null = {
        c: pl.when(pl.col(c).list.len() > 0).then(pl.col(c))
        for c in ("given_names", "given_keys", "given_forms", "sn_tokens", "boroughs")
    }
    frame = frame.with_columns(**empty_to_null).with_columns(
        # Two overlapping ten-year bands, so that any two years of birth within five years of
        # each other (an age guess and a date of birth) share one.
        (pl.col("birth_year") / 10).floor().cast(pl.Int32).alias("birth_band"),
        ((pl.col("birth_year") + 5) / 10).floor().cast(pl.Int32).alias("birth_band_offset"),
    )
    # Share of records with the forename's key: common forenames say little on their own.
    frame = frame.with_columns(
        ((pl.len().over("fn_key") / pl.len()) >= _COMMON_FORENAME_SHARE)
        .fill_null(False)
        .alias("fn_common"),
        (pl.len().over("fn_key") > COMMON_NAME_RECORDS).fill_null(False).alias("fn_many"),
        (pl.len().over("sn_key") > COMMON_NAME_RECORDS).fill_null(False).alias("sn_many"),
        (pl.len().over("full_name") <= RARE_FULL_NAME_RECORDS)
        .and_(pl.len().over("full_name") * RARE_FULL_NAME_SHARE <= pl.len())
        .and_(pl.col("full_name").is_not_null())
        .alias("full_name_rare"),
    )
    frame = _common_blocks(frame.sort("unique_id"))
    frame = frame.with_columns(training_sample(frame.height).alias("training_sample"))
    return frame.select(
        "unique_id",
        "source",
        "source_record_id",
        "fn",
        "sn",
        "sn_tokens",
        "given_names",
        "given_forms",
        "given_keys",
        "fn_key",
        "fn_common",
        "sn_key",
        "fn_many",
        "sn_many",
        "sn_head",
        "fn_head",
        "sn_head_any",
        "fn_head_any",
        "band_born",
        "dob_many",
        "dob_letters",
        "full_name_many",
        "full_name_born",
        "swapped_born",
        *(f"{third}_born" for third in NI_THIRDS),
        "training_sample",
        "full_name",
        "full_name_rare",
        "dob",
        "dob_text",
        "dob_swapped",
        "dob_key",
        "birth_year",
        "birth_band",
        "birth_band_offset",
        "ni",
        "ni_head",
        "ni_tail",
        "ni_ends",
        pl.col("gender_known").alias("gender"),
        pl.col("nationality_known").alias("nationality"),
        "boroughs",
        # Days since 1970, so that engines compare plain numbers.
        pl.col("active_from").cast(pl.Int32).alias("active_from_day"),
        pl.col("active_to").cast(pl.Int32).alias("active_to_day"),
    ).sort("unique_id")
