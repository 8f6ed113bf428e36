"""Reporting periods: calendar month, quarter and financial year (April to March).

Inside ``metrics`` a period is an integer *index*, so that "the previous period of equal length"
is simply ``index - 1`` and "the previous 12 months" is a range of integers:

| period type | index of a date | period start of an index |
|---|---|---|
| ``month`` | ``year * 12 + month - 1`` | the 1st of that month |
| ``quarter`` | ``year * 4 + (month - 1) // 3`` | 1 January, April, July or October |
| ``fy`` | the year in which the financial year starts (April 2023 to March 2024 is 2023) | 1 April |

Calendar quarters coincide with financial-year quarters (2023/24 Q2 is July to September 2023).

>>> from datetime import date
>>> period_start("fy", 2023), period_end("quarter", 2023 * 4 + 1)
(datetime.date(2023, 4, 1), datetime.date(2023, 6, 30))
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

PERIOD_TYPES = ("month", "quarter", "fy")
MONTHS_IN = {"month": 1, "quarter": 3, "fy": 12}


def period_index(period_type: str, day: pl.Expr) -> pl.Expr:
    """The integer index of the period of ``period_type`` that contains each date."""
    year = day.dt.year().cast(pl.Int32)
    month = day.dt.month().cast(pl.Int32)
    if period_type == "month":
        return year * 12 + month - 1
    if period_type == "quarter":
        return year * 4 + (month - 1) // 3
    if period_type == "fy":
        return year - (month < 4).cast(pl.Int32)
    raise ValueError(f"unknown period type {period_type!r}")


def month_index(day: date) -> int:
    """The month index of a Python date (see the table above)."""
    return day.year * 12 + day.month - 1


def period_start(period_type: str, index: int) -> date:
    """The first day of the period with this index."""
    if period_type == "month":
        return date(index // 12, index % 12 + 1, 1)
    if period_type == "quarter":
        return date(index // 4, (index % 4) * 3 + 1, 1)
    if period_type == "fy":
        return date(index, 4, 1)
    raise ValueError(f"unknown period type {period_type!r}")


def period_end(period_type: str, index: int) -> date:
    """The last day of the period with this index."""
    return period_start(period_type, index + 1) - timedelta(days=1)


def period_start_expr(period_type: str, index: pl.Expr) -> pl.Expr:
    """The first day of each period index, as a Polars date expression."""
    if period_type == "month":
        return pl.date(index // 12, index % 12 + 1, 1)
    if period_type == "quarter":
        return pl.date(index // 4, (index % 4) * 3 + 1, 1)
    if period_type == "fy":
        return pl.date(index, 4, 1)
    raise ValueError(f"unknown period type {period_type!r}")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), clipped to the month's last day."""
    index = month_index(day) + months
    start = date(index // 12, index % 12 + 1, 1)
    last = period_end("month", index).day
    return start.replace(day=min(day.day, last))


def complete_periods(period_type: str, first_day: date, extract_date: date) -> list[int]:
    """Indexes of the periods from the one containing ``first_day`` to the last complete one.

    A period is complete when its last day is on or before the extract date; later periods
    are left out, since a part-period count would look like a fall.

    >>> complete_periods("quarter", date(2024, 11, 5), date(2025, 5, 31))
    [8099, 8100]
    """
    first = _index_of(period_type, first_day)
    last = _index_of(period_type, extract_date)
    if period_end(period_type, last) > extract_date:
        last -= 1
    return list(range(first, last + 1))


def _index_of(period_type: str, day: date) -> int:
    if period_type == "month":
        return month_index(day)
    if period_type == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return day.year - (1 if day.month < 4 else 0)


def index_of(period_type: str, day: date) -> int:
    """The index of the period of ``period_type`` that contains a Python date.

    >>> index_of("fy", date(2025, 3, 1)), index_of("quarter", date(2025, 3, 1)) % 4
    (2024, 0)
    """
    return _index_of(period_type, day)
