"""Days given as parameters (``as_of``, ``start``, ``end``), read with an error that says why not.

``pd.Timestamp("2024-02-30")`` raises a bare ``ValueError`` from deep inside pandas; a
parameter deserves its name, the value and the reason (February 2024 has 29 days).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

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
    :class:`~talentkit.core.errors.ParameterError` naming the parameter ``name`` when it is not one."""
    why = day_problem(value)
    if why:
        raise ParameterError(f"{name}: {str(value)!r} {why}; write the day as YYYY-MM-DD, e.g. 2024-06-30")
    return pd.Timestamp(value).normalize()


# --------------------------------------------------------------------------- dates as exports write them

# The day-month-year orders an export writes, each a pattern of (year, month, day) groups. A
# column is read with one of them: the one the mapping names, or the only one all its values fit.
_SEP = r"[./\-\s]"
_MONTH_NAMES = {name.lower(): i for i in range(1, 13)
                for name in (calendar.month_abbr[i], calendar.month_name[i], calendar.month_abbr[i][:3])}
_MONTH_NAMES["sept"] = 9
_PATTERNS = {  # order -> (pattern, group names in order)
    "iso": (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", ("y", "m", "d")),
    "ymd": (rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})|(\d{{4}})(\d{{2}})(\d{{2}})", ("y", "m", "d")),
    "dmy": (rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}})", ("d", "m", "y")),
    "mdy": (rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}})", ("m", "d", "y")),
    "d-mon-y": (r"(\d{1,2})[-\s./]?([A-Za-z]{3,9})\.?[-\s./,]*(\d{4}|\d{2})", ("d", "b", "y")),
    "mon-d-y": (r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4}|\d{2})", ("b", "d", "y")),
}
DATE_ORDERS = tuple(_PATTERNS) + ("excel",)
DATE_ORDER_NAMES = {"iso": "YYYY-MM-DD (ISO, a time part ignored)", "ymd": "year-month-day",
                    "dmy": "day-month-year", "mdy": "month-day-year", "d-mon-y": "day-month name-year (11-Sep-00)",
                    "mon-d-y": "month name day, year (Sep 11, 2000)", "excel": "spreadsheet serial numbers (38621)",
                    "format": "the format given"}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (its 1900 leap-year bug included)
# serials 1908-03-18 .. 2199-12-31: smaller or larger numbers are not dates. A number of four digits
# (2015) is a year written alone, never a serial of 1905-1908: a column of them is refused (read_dates)
EXCEL_DAYS = (3_000, 109_574)
BARE_YEAR = re.compile(r"(1[89]|2[01])\d\d")
TWO_DIGIT_RULES = ("past",)


@dataclass(frozen=True)
class DateRules:
    """How a mapping says dates are written (its ``dates:`` key): a ``format`` for every date
    column or per column (an order of :data:`DATE_ORDERS` or a ``strftime`` pattern such as
    ``%d-%b-%y``), the rule for two-digit years (``past``: a hire or exit is never in the
    future, so ``49`` is 1949), and the values meaning "no end" (``9999-12-31``)."""

    format: str | dict | None = None
    two_digit_years: str | None = None
    open_end: tuple[str, ...] = ()
    reference: pd.Timestamp | None = None  # "the future" starts after it: the day the data is read, never as_of

    def format_for(self, *names: str) -> str | None:
        """The format the mapping gives the column known by any of ``names``."""
        if isinstance(self.format, dict):
            return next((self.format[n] for n in names if n in self.format), None)
        return self.format


@dataclass(frozen=True)
class DateReading:
    """A date column as read: the days (NaT for blanks, open ends and values not read), the
    order used and why (``given`` or ``detected``), the rows not read, the open ends, how many
    two-digit years were placed a century back, and a refusal (``problem``: what, fix) when
    the column cannot be read without a line in the mapping."""

    values: pd.Series
    order: str | None
    how: str = "given"
    unread: pd.Series | None = None
    open_ends: int = 0
    century_back: int = 0
    problem: tuple[str, str] | None = None


def _from_parts(text: pd.Series, order: str) -> tuple[pd.Series, pd.Series]:
    """Days read from ``text`` by an order's pattern, and which years were written with two digits."""
    if order == "excel":
        number = pd.to_numeric(text.where(text.str.fullmatch(r"\d{3,6}(?:\.0+)?").fillna(False).astype(bool)),
                               errors="coerce")
        number = number.where((number >= EXCEL_DAYS[0]) & (number <= EXCEL_DAYS[1]))
        days = EXCEL_EPOCH + pd.to_timedelta(number, unit="D")
        return days, pd.Series(False, index=text.index)
    pattern, names = _PATTERNS[order]
    parts = text.str.extract(f"^(?:{pattern})$")
    if parts.shape[1] == 6:  # ymd: with separators or compact; the two alternatives' groups
        parts = parts.iloc[:, :3].fillna(parts.iloc[:, 3:].set_axis(parts.columns[:3], axis=1))
    parts.columns = list(names)
    month = parts["b"].str.lower().map(_MONTH_NAMES) if "b" in parts else pd.to_numeric(parts["m"], errors="coerce")
    year = pd.to_numeric(parts["y"], errors="coerce")
    two_digit = parts["y"].str.len().eq(2).fillna(False).astype(bool)
    year = year.where(~two_digit, year + 2000)
    frame = pd.DataFrame({"year": year, "month": month, "day": pd.to_numeric(parts["d"], errors="coerce")})
    ok = frame.notna().all(axis=1) & frame["month"].between(1, 12) & frame["day"].between(1, 31) \
        & frame["year"].between(1678, 2261)
    days = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if ok.any():
        days[ok] = pd.to_datetime(frame[ok].astype(int), errors="coerce")
    return days, two_digit & days.notna()


def _read_with(text: pd.Series, order: str) -> tuple[pd.Series, pd.Series]:
    if order in DATE_ORDERS:
        return _from_parts(text, order)
    days = pd.to_datetime(text, format=order, errors="coerce")  # a strftime pattern
    return days, pd.Series("%y" in order, index=text.index) & days.notna()


def read_dates(values: pd.Series, rules: DateRules | None = None, *names: str) -> DateReading:
    """``values`` (text as written, blanks already ``NA``) read as days by ``rules``.

    With no format given, the order is detected from all the column's values: the one order of
    :data:`DATE_ORDERS` that reads every value; a column that two orders read (every day 12 or
    less: 03/04/2021) is refused, naming both readings and the line that settles it. Two-digit
    years need ``two_digit_years: past``: read as the latest year that puts the date on or
    before the day the data is read (``16-Mar-49`` is 1949, ``11-Sep-00`` 2000), whatever
    ``as_of`` a run asks for: as_of cuts the data, it never re-reads it. A column of bare years
    (``2015``) is refused: a year alone does not say the day. ``names``: the column's names,
    to find a per-column format.
    """
    rules = rules or DateRules()
    text = values.astype("string").str.strip()
    open_end = text.isin(list(rules.open_end)).fillna(False).astype(bool)
    present = text.notna() & ~open_end
    unique = pd.Series(text[present].unique(), dtype="string")
    given = rules.format_for(*names)
    how = "given" if given else "detected"
    plain_iso = not given and bool(unique.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all())
    if plain_iso:  # the contract's own way, by far the most common: one fast parse, nothing to detect
        lookup = dict(zip(unique.to_numpy(), pd.to_datetime(unique, format="%Y-%m-%d", errors="coerce").to_numpy()))
        days = pd.Series(text.where(present).map(lookup), index=values.index).astype("datetime64[ns]")
        return DateReading(days.dt.normalize(), "iso", how, present & days.isna(), int(open_end.sum()))
    if len(unique) and not given and unique.str.fullmatch(BARE_YEAR).fillna(False).astype(bool).mean() > 0.5:
        first = unique[unique.str.fullmatch(BARE_YEAR).fillna(False).astype(bool)].iloc[0]
        return DateReading(pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None, how, problem=(
            f"the column holds years, not days ('{first}'), which could be read as spreadsheet serials of 1905",
            "write each date as a day (YYYY-MM-DD); where only the year is known, choose a day and say so "
            "(e.g. 2015-07-01, mid-year)"))
    readings = {}  # each order's reading of the values, made once
    if given:
        order = given
    else:
        readings = {o: _read_with(unique, o) for o in DATE_ORDERS} if len(unique) else {}
        fits = {o: r[0].notna() for o, r in readings.items()} if len(unique) else {"iso": unique.notna()}
        complete = [o for o, ok in fits.items() if ok.all()]
        if len(complete) > 1 and set(complete) != {"iso", "ymd"}:
            a, b = complete[:2]
            example = unique[fits[a]].iloc[0]
            return DateReading(pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), None, how, problem=(
                f"every value can be read two ways ('{example}': {DATE_ORDER_NAMES[a]} or {DATE_ORDER_NAMES[b]})",
                f"add to the mapping file dates: {{format: {a}}} or dates: {{format: {b}}} "
                "(per column: dates: {format: {" + (names[0] if names else "column") + f": {a}}}}})"))
        order = complete[0] if complete else max(fits, key=lambda o: int(fits[o].sum()))
    mapped, two_digit = readings.get(order) or (_read_with(unique, order) if len(unique) else
                                                (unique.astype("datetime64[ns]"), unique.notna()))
    century_back = 0
    if two_digit.any():
        if rules.two_digit_years not in TWO_DIGIT_RULES:
            first = unique[two_digit].iloc[0]
            return DateReading(pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), order, how, problem=(
                f"the column writes two-digit years ('{first}'): the century is not said",
                "add to the mapping file dates: {two_digit_years: past} (a hire or exit date is never in "
                "the future, so 49 is read as 1949 and 00 as 2000)"))
        reference = rules.reference if rules.reference is not None else pd.Timestamp.today().normalize()
        future = two_digit & (mapped > reference)
        mapped = mapped.where(~future, mapped - pd.DateOffset(years=100))
        century_back = int(text[present].isin(set(unique[future])).sum())
    lookup = dict(zip(unique.to_numpy(), mapped.to_numpy()))
    days = pd.Series(text.where(present).map(lookup), index=values.index).astype("datetime64[ns]")
    unread = present & days.isna()
    return DateReading(days.dt.normalize(), order, how, unread, int(open_end.sum()), century_back)
