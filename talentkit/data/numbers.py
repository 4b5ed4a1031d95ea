"""Numbers as people write them: thousands separators and decimal commas, by one stated rule.

An export writes ``1,234`` days of tenure or ``12,345`` of pay; a European one writes
``2,5`` years or ``1.234,5``. Read naively, the first becomes 1.234 and the second a
category of hundreds of levels. The rule, per column:

* ``1,234`` and ``12,345,678`` (groups of three digits after each comma, optionally a
  ``.`` decimal part) are thousands separators: 1234 and 12345678;
* ``2,5``, ``1234,5`` or ``1.234,5`` are decimal commas (2.5, 1234.5, 1234.5), but only in
  a column the mapping declares (``decimal: {Column: ","}``), or where no value of the
  column reads otherwise: a column holding both ``2,5`` and ``1,234`` is ambiguous (is
  the second 1.234 or 1234?) and an error that names the line to add;
* spaces inside a number (``12 345``, also the non-breaking and thin spaces Excel and
  French locales write) are thousands separators.

The result is a float Series (NaN where a value is not a number), never a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
THOUSANDS_COMMA = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,234  12,345,678.5
DECIMAL_COMMA = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+"  # 2,5  1234,5  1.234,5
THOUSANDS_POINT = r"[+-]?\d{1,3}(?:\.\d{3})+"  # 1.234: thousands only under a decimal comma
DECIMALS = (",", ".")


@dataclass(frozen=True)
class NumberReading:
    """Numbers read from a text column: the values, the decimal mark used, and whether the
    column was ambiguous (with an example of each reading)."""

    values: pd.Series
    decimal: str
    ambiguous: tuple[str, str] | None = None  # (a decimal-comma value, a value that reads otherwise)
    ambiguous_row: Any = None  # the index label (file line) of that decimal-comma value


def read_numbers(values: pd.Series, decimal: str | None = None) -> NumberReading:
    """``values`` (text, or numbers already) as floats by the module's rule.

    ``decimal``: the column's decimal mark when the mapping states it (``","`` or
    ``"."``); ``None`` infers it: ``","`` only when some value is a decimal comma and none
    reads otherwise. Values that are not numbers under the chosen mark are NaN; blanks too.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return NumberReading(values.astype(float), ".")
    text = values.astype("string").str.strip().str.replace(SPACES, "", regex=True)
    comma_decimal = text.str.fullmatch(DECIMAL_COMMA).fillna(False).astype(bool)
    thousands = text.str.fullmatch(THOUSANDS_COMMA).fillna(False).astype(bool)
    point_thousands = text.str.fullmatch(THOUSANDS_POINT).fillna(False).astype(bool)
    ambiguous = row = None
    if decimal is None:
        # "1,234" reads as 1234 with thousands commas; "2,5" only as 2.5. Both in one column: say so.
        comma_only = comma_decimal & ~thousands
        other = thousands | point_thousands
        if comma_only.any() and other.any():
            ambiguous, row = (str(text[comma_only].iloc[0]), str(text[other].iloc[0])), text.index[comma_only][0]
        decimal = "," if comma_only.any() and not other.any() else "."
    if decimal == ",":
        converted = text.where(~(comma_decimal | point_thousands),
                               text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        converted = converted.where(~(thousands & ~comma_decimal), pd.NA)  # 1,234.5 is not a decimal-comma number
    else:
        converted = text.where(~thousands, text.str.replace(",", "", regex=False))
    number = pd.to_numeric(converted, errors="coerce").astype(float)
    return NumberReading(number, decimal, ambiguous, row)


def decimal_for(decimal, column: str) -> str | None:
    """The decimal mark a mapping's ``decimal:`` gives ``column``: one mark for every column
    (``decimal: ","``), a mark per column (``decimal: {Pay: ","}``), or ``None`` (inferred)."""
    if isinstance(decimal, dict):
        return decimal.get(column)
    return decimal or None


def ambiguity(column: str, reading: NumberReading) -> dict:
    """An ambiguous column's problem, as keyword arguments of
    :class:`~talentkit.core.errors.Problem`: what is wrong, the mapping line that settles it, and
    the first line holding a decimal comma."""
    assert reading.ambiguous is not None, "asked of an ambiguous reading only"
    comma, other = reading.ambiguous
    return {"what": f"the column mixes a decimal comma ('{comma}') with a thousands separator ('{other}'), so "
                    f"'{other}' could be read two ways",
            "fix": f"add to the mapping file decimal: {{{column}: \",\"}} if '{comma}' means "
                   f"{comma.replace(',', '.')}, or decimal: {{{column}: \".\"}} if commas separate thousands",
            "row": int(reading.ambiguous_row), "column": column, "value": comma}
