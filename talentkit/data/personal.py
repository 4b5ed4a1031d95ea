"""Personal columns: which of an export's own columns hold values that point at one person
(names, e-mail addresses, phone numbers, dates of birth, postcodes, addresses, ids of any
name), and how a report may describe them without printing a value.

The rule, per column the data contract does not name (its kind ``personal`` in
``Dataset.attributes``):

* **by name**: the header's words say so (``Full Name``, ``E-mail``, ``Mobile``, ``Birth
  Date``, ``DOB``, ``Postcode``, ``ZIP``, ``Address``, ``SSN``, ``Passport``...);
* **by value**: most values look like e-mail addresses or phone numbers;
* **by shape**: a text column whose values are mostly unique (at least half of at least
  :data:`UNIQUE_FROM` values are held by one row each), or a whole-number column named as an
  identifier (``Badge``, ``Payroll Number``, ``... ID``) that is unique on every row.

A mapping's ``attributes: {Column: personal}`` marks one by hand; ``attributes: {Column:
category}`` (or ``number``) says a column is not personal. A personal column is never
analysed, grouped by or listed: the data profile shows its shape (how many values, the share
unique, the typical length and the character pattern shared by at least ``min_group``
values) and, for dates of birth, bands of ten years, each held by at least ``min_group``
people.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

UNIQUE_FROM = 20  # values a text column needs before "mostly unique" is judged
UNIQUE_SHARE = 0.5  # share of distinct values above which a text column is an identifier or a name
NAME_WORDS = {
    "name", "names", "firstname", "lastname", "surname", "forename", "fullname", "givenname", "familyname",
    "email", "e-mail", "mail", "phone", "mobile", "telephone", "tel", "cell", "birth", "birthday", "birthdate",
    "dob", "born", "postcode", "postal", "zip", "zipcode", "address", "street", "ssn", "nino", "passport",
    "iban", "nric", "aadhaar", "linkedin",
}
# A name of a unit, a job or a place is not a person's: "Team Name", "Job Title Name".
NOT_PERSON_WORDS = {
    "team", "department", "dept", "unit", "division", "office", "company", "org", "organisation", "organization",
    "job", "title", "position", "role", "site", "location", "branch", "project", "course", "programme", "program",
    "skill", "school", "university", "institution", "cost", "centre", "center", "business", "group", "grade",
    "level", "band", "country", "city", "region", "function", "family", "product", "channel", "source", "item",
}
ID_WORDS = {"id", "ids", "number", "no", "nr", "num", "badge", "payroll", "code", "key", "uuid", "guid"}
BIRTH_WORDS = {"birth", "birthday", "birthdate", "dob", "born"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+\d[\d\s().-]{6,}|\(\d{1,5}\)[\d\s.-]{5,}")  # +44 7700 900123, (020) 7946 0018
NUMBER_LIKE = re.compile(r"[+-]?[\d\s.,'\u00a0\u202f\u2009]*\d[\d\s.,'\u00a0\u202f\u2009]*")  # 1,234  12 345,5


def name_words(name: str) -> list[str]:
    """A column name's words, in order: ``YearsSinceExit`` -> years, since, exit;
    ``exit_type`` -> exit, type. The kit's one reading of a header (personal columns, codes,
    the drivers' leakage guard)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _words(name: str) -> set[str]:
    """A name's words and the whole name as one word; a hyphen joins (``E-mail``: email)."""
    words = name_words(str(name).replace("-", ""))
    return set(words) | {"".join(words)}


def reason(name: str, values: pd.Series) -> str | None:
    """Why column ``name`` with ``values`` (as read, before typing) is personal, or ``None``."""
    words = _words(name)
    if words & NAME_WORDS and not (words & NOT_PERSON_WORDS and not words & (BIRTH_WORDS | {"email", "phone"})):
        return f"its name says it holds {'a date of birth' if words & BIRTH_WORDS else 'personal details'}"
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    if text.str.fullmatch(EMAIL).mean() > 0.5:
        return "its values are e-mail addresses"
    if not pd.api.types.is_numeric_dtype(values) and text.str.fullmatch(PHONE).mean() > 0.5 \
            and text.str.count(r"\d").median() >= 7:
        return "its values are phone numbers"
    unique_share = text.nunique() / len(text)
    if len(text) >= UNIQUE_FROM and unique_share >= UNIQUE_SHARE:
        numeric = text.str.fullmatch(NUMBER_LIKE).all()  # amounts (pay is unique too) are not ids
        if not numeric:
            return f"{unique_share:.0%} of its values are different (names, ids and addresses are)"
        if words & ID_WORDS and unique_share == 1:
            return "its name says it is an identifier, and every row has its own"
    return None


def pattern(value: str) -> str:
    """A value's shape: letters as ``A``/``a``, digits as ``9``, runs collapsed (``Ann Lee`` ->
    ``Aa Aa``, ``07000`` -> ``9``), other characters kept."""
    shape = re.sub(r"[A-Z]", "A", re.sub(r"[a-z]", "a", re.sub(r"\d", "9", str(value))))
    shape = re.sub(r"[^\x00-\x7f]", "a", shape)  # letters outside ASCII (Zoë, 王) as small letters
    return re.sub(r"(.)\1+", r"\1", shape)


def shape(name: str, values: pd.Series, min_group: int) -> dict:
    """A personal column described without a value: how many values, the share unique, the
    median length, and the most common pattern when at least ``min_group`` values share it.
    A column of fewer than ``min_group`` values shows its count only (its median length would
    describe those few people)."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    patterns = text.map(pattern).value_counts()
    common = patterns.index[0] if len(patterns) and patterns.iloc[0] >= min_group else ""
    enough = len(text) >= min_group
    return {"column": str(name), "values": int(len(text)),
            "unique": float(text.nunique() / len(text)) if enough else np.nan,
            "median length": float(text.str.len().median()) if enough else np.nan,
            "pattern": common}


def is_birth(name: str) -> bool:
    """Whether a column's name says it holds dates (or years) of birth."""
    return bool(_words(name) & BIRTH_WORDS)


def birth_years(values: pd.Series) -> pd.Series:
    """Years of birth from a column of dates or years (any order of day, month and year the
    kit reads; unreadable values are missing)."""
    text = values.dropna().astype(str).str.strip()
    years = pd.to_numeric(text.str.extract(r"((?:19|20)\d\d)", expand=False), errors="coerce")
    return years.dropna().astype(int)


def decade_bands(years: pd.Series) -> pd.Series:
    """Years as ten-year bands (``1970–1979``), counted."""
    start = (years // 10) * 10
    counts = start.value_counts().sort_index()
    counts.index = [f"{y}\u2013{y + 9}" for y in counts.index]
    return counts
