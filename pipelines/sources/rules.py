"""What each kind of column must hold, and the reason in words when a value does not.

Each column kind of the minimum dataset (``pipelines.sources.tables``) has one check: it gives the
cleaned value and the problem (a reason below, or null when the value is fine). A problem in a
required column quarantines the row; in an optional column it blanks the value. The reasons are
the words a data provider reads in the validation report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from contract.reference import borough_codes
from pipelines.sources.files import ROW
from pipelines.sources.tables import (
    EARLIEST_BIRTH_YEAR,
    FALSE_WORDS,
    ISO_ALPHA3,
    MAX_AGE,
    SUPPORT_NEED_CODES,
    TRUE_WORDS,
    Column,
)

MISSING = "missing required value"
UNKNOWN_CODE = "unknown code"
NOT_A_DATE = "not a date written YYYY-MM-DD"
AFTER_EXTRACT = "date after the extract date"
BEFORE_EARLIEST = "date before the earliest plausible date (validation.earliest_event_date)"
DUPLICATE_KEY = "duplicate key (the first occurrence is kept)"
UNKNOWN_PERSON = "chain_id not among the accepted chain_people rows"
BAD_NI = "not a National Insurance number (two letters, six digits, a letter A to D)"
DOB_FUTURE = "date of birth after the extract date"
DOB_TOO_EARLY = f"date of birth before {EARLIEST_BIRTH_YEAR}"
DOB_TOO_OLD = f"age over {MAX_AGE} at the extract date"
BAD_AGE = f"not an age in whole years from 0 to {MAX_AGE}"
BAD_SUPPORT_NEED = "unknown support-need code dropped (the other codes are kept)"
BAD_BOOLEAN = "not a yes/no value (true/false, 1/0, yes/no, y/n)"
BAD_NATIONALITY = "not an ISO 3166-1 alpha-3 code or 'unknown'"

_DATE_SHAPE = r"^\d{4}-\d{1,2}-\d{1,2}$"
_NI_SHAPE = r"^[A-Z]{2}[0-9]{6}[A-D]$"
_SHOWN_VALUE_CHARS = 40


def problem_column(name: str) -> str:
    return f"__problem__{name}"


def value_column(name: str) -> str:
    return f"__value__{name}"


@dataclass(frozen=True)
class DateBounds:
    """The plausible range of an event date: from the configured earliest day to the extract."""

    earliest: dt.date
    extract: dt.date | None


def shown(value: pl.Expr) -> pl.Expr:
    """A value as shown in a message: cut short, on one line."""
    text = value.str.replace_all(r"[\r\n\t]", " ")
    return (
        pl.when(text.str.len_chars() > _SHOWN_VALUE_CHARS)
        .then(text.str.slice(0, _SHOWN_VALUE_CHARS) + "...")
        .otherwise(text)
    )


def row_problems(frame: pl.DataFrame, col: Column, table: str, bounds: DateBounds) -> pl.DataFrame:
    """Every row whose required value in ``col`` breaks a rule, with the detail in words."""
    bad = frame.filter(pl.col(problem_column(col.name)).is_not_null())
    reason = pl.col(problem_column(col.name))
    value = shown(pl.col(col.name))
    if col.kind == "borough":
        expected = "an ONS London borough code, E09000001 to E09000033"
    else:
        expected = "one of " + ", ".join(col.codes)
    return bad.select(
        pl.lit(table).alias("table"),
        pl.col(ROW).alias("row"),
        pl.lit(col.name).alias("column"),
        reason.alias("reason"),
        pl.when(reason == MISSING)
        .then(pl.lit(f"{col.name} is empty"))
        .when(reason == UNKNOWN_CODE)
        .then(pl.format(f"'{{}}' is not {expected}", value))
        .when(reason == NOT_A_DATE)
        .then(pl.format("'{}' is not a date written YYYY-MM-DD", value))
        .when(reason == AFTER_EXTRACT)
        .then(pl.format(f"{{}} is after the extract date, {bounds.extract}", value))
        .when(reason == BEFORE_EARLIEST)
        .then(pl.format(f"{{}} is before {bounds.earliest}, the earliest plausible date", value))
        .otherwise(reason)
        .alias("detail"),
    )


# ---------------------------------------------------------------------------------------------
# One column: its cleaned value and the problem (a reason, or null when the value is fine)


def check_column(col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr, Column]:
    v = pl.col(col.name)
    value, problem = _KIND_CHECKS[col.kind](v, col, bounds)
    if col.required:
        problem = pl.when(v.is_null()).then(pl.lit(MISSING)).otherwise(problem)
    return value, problem.alias(problem_column(col.name)), col


def _none() -> pl.Expr:
    return pl.lit(None, pl.String)


def _text(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    return v, _none()


def _code(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    code = v.str.to_lowercase()
    problem = pl.when(v.is_not_null() & ~code.is_in(col.codes)).then(pl.lit(UNKNOWN_CODE))
    return code, problem.otherwise(_none())


def _borough(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    code = v.str.to_uppercase()
    problem = pl.when(v.is_not_null() & ~code.is_in(borough_codes())).then(pl.lit(UNKNOWN_CODE))
    return code, problem.otherwise(_none())


def _nationality(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    upper = v.str.to_uppercase()
    code = pl.when(upper == "UNKNOWN").then(pl.lit("unknown")).otherwise(upper)
    known = upper.is_in(sorted(ISO_ALPHA3)) | (upper == "UNKNOWN")
    problem = pl.when(v.is_not_null() & ~known).then(pl.lit(BAD_NATIONALITY))
    return code, problem.otherwise(_none())


def _support_needs(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    given = v.str.split("|").list.eval(
        pl.element().str.strip_chars().str.to_lowercase().filter(pl.element().str.len_bytes() > 0)
    )
    known = given.list.eval(pl.element().filter(pl.element().is_in(SUPPORT_NEED_CODES)))
    joined = known.list.unique(maintain_order=True).list.join("|")
    value = pl.when(joined.str.len_bytes() > 0).then(joined)
    dropped = known.list.len() < given.list.len()
    return value, pl.when(dropped).then(pl.lit(BAD_SUPPORT_NEED)).otherwise(_none())


def _parse_date(v: pl.Expr) -> pl.Expr:
    return pl.when(v.str.contains(_DATE_SHAPE)).then(v.str.to_date("%Y-%m-%d", strict=False))


def _date(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    day = _parse_date(v)
    problem = pl.when(v.is_not_null() & day.is_null()).then(pl.lit(NOT_A_DATE))
    problem = problem.when(day < pl.lit(bounds.earliest)).then(pl.lit(BEFORE_EARLIEST))
    if bounds.extract is not None:
        problem = problem.when(day > pl.lit(bounds.extract)).then(pl.lit(AFTER_EXTRACT))
    return day, problem.otherwise(_none())


def _dob(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    day = _parse_date(v)
    problem = pl.when(v.is_not_null() & day.is_null()).then(pl.lit(NOT_A_DATE))
    problem = problem.when(day < pl.lit(dt.date(EARLIEST_BIRTH_YEAR, 1, 1))).then(
        pl.lit(DOB_TOO_EARLY)
    )
    if bounds.extract is not None:
        extract = bounds.extract
        oldest = _years_before(extract, MAX_AGE)
        problem = problem.when(day > pl.lit(extract)).then(pl.lit(DOB_FUTURE))
        problem = problem.when(day < pl.lit(oldest)).then(pl.lit(DOB_TOO_OLD))
    return day, problem.otherwise(_none())


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _age(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    years = v.cast(pl.Float64, strict=False)
    fine = (
        years.is_not_null()
        & ~years.is_nan()
        & (years >= 0)
        & (years <= MAX_AGE)
        & (years == years.floor())
    )
    value = pl.when(fine).then(years.cast(pl.Int64).cast(pl.String))
    return value, pl.when(v.is_not_null() & ~fine).then(pl.lit(BAD_AGE)).otherwise(_none())


def _boolean(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    word = v.str.to_lowercase()
    value = pl.when(word.is_in(TRUE_WORDS)).then(True).when(word.is_in(FALSE_WORDS)).then(False)
    known = word.is_in(TRUE_WORDS + FALSE_WORDS)
    return value.cast(pl.Boolean), pl.when(v.is_not_null() & ~known).then(
        pl.lit(BAD_BOOLEAN)
    ).otherwise(_none())


def _ni_number(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    ni = v.str.replace_all(r"\s", "").str.to_uppercase()
    fine = ni.str.contains(_NI_SHAPE)
    return ni, pl.when(v.is_not_null() & ~fine).then(pl.lit(BAD_NI)).otherwise(_none())


_KIND_CHECKS = {
    "text": _text,
    "code": _code,
    "borough": _borough,
    "nationality": _nationality,
    "support_needs": _support_needs,
    "date": _date,
    "dob": _dob,
    "age": _age,
    "boolean": _boolean,
    "ni_number": _ni_number,
}
