"""Days given as parameters (``as_of``, ``start``, ``end``), read with an error that says why not.

``pd.Timestamp("2024-02-30")`` raises a bare ``ValueError`` from deep inside pandas; a
parameter deserves its name, the value and the reason (February 2024 has 29 days).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pandas as pd

from .errors import ParameterError

DAYS_PER_MONTH = 30.4375  # 365.25 / 12: a month of tenure, everywhere days become months
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def day_problem(value) -> str | None:
    """Why ``value`` is not a day written YYYY-MM-DD (or a date), or ``None`` when it is one."""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return None
    m = ISO_DAY.fullmatch(str(value).strip())
    if not m:
        return "is not a date written YYYY-MM-DD"
    year, month, day = map(int, m.groups())
    if not 1 <= month <= 12:
        return f"has month {month}, which is not 1 to 12"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return f"has day {day}, but {calendar.month_name[month]} {year} has {last} days"
    if not 1678 <= year <= 2261:  # pandas' nanosecond timestamps
        return f"has year {year}, outside the years 1678 to 2261"
    return None


def parse_day(value, name: str) -> pd.Timestamp:
    """``value`` (``YYYY-MM-DD`` text, a date or a timestamp) as a day; a
    :class:`~talentkit.errors.ParameterError` naming the parameter ``name`` when it is not one."""
    why = day_problem(value)
    if why:
        raise ParameterError(f"{name}: {str(value)!r} {why}; write the day as YYYY-MM-DD, e.g. 2024-06-30")
    return pd.Timestamp(value).normalize()
