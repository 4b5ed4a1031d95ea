r"""Public research records read into one model, through a research mapping file (notebook 08).

One row per authorship or roster entry, in three forms as people export them:

- ``authors``: a conference author list, one row per author per paper (name, paper, year,
  affiliation as written);
- ``authorships``: an OpenAlex-style works export flattened to authorships (author id, work id,
  year, institution id and name, country, topic);
- ``roster``: faculty or staff rosters taken in several years (name or id, year, affiliation).

Every form ends as :class:`ResearchRecords`: ``records`` (``person``, a number standing for
an id or a name, never the name itself; ``work``, ``year``, ``institution``, ``sector``,
``country``, ``venue``, ``topic``) and ``aliases``, the table of every affiliation string
and the institution it was resolved to, by which rule (:mod:`talentkit.data.institutions`),
for the user to review and pass back (``aliases:``). Countries come only from the export's
column, a ``countries:`` table or the alias table: an institution none of them places is
``unknown``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.errors import DataError, Problem
from ..core.privacy import not_personal
from ..core.yamlfile import key_errors
from . import institutions
from .mapping import read_mapping_file
from .schema import close_match, coerce_dates, read_export, spelling_key

FORMS = ("authors", "authorships", "roster")
UNKNOWN = institutions.UNKNOWN


class ResearchMapping(BaseModel):
    """A research mapping file's keys (``form``, ``file``, ``affiliation`` and a name or an id required)."""

    model_config = ConfigDict(extra="forbid")

    form: Literal["authors", "authorships", "roster"]
    file: str  # the export, relative to the mapping file
    affiliation: str  # the column of the affiliation as written
    name: str | None = None  # the person's name column: tells people apart where there is no id, never shown
    person_id: str | None = None  # an id column (OpenAlex author id, ORCID): people told apart by it
    work: str | None = None  # the paper's or work's id or title (co-authorship needs it; a roster has none)
    year: str | None = None  # the column of the year
    date: str | None = None  # or a column of days (the year is read from it)
    split: bool = True  # split strings that name several institutions
    institution_id: str | None = None  # an institution id column (OpenAlex): strings with one id are one
    country: str | None = None  # a country column of the export
    venue: str | None = None  # the venue's column (conference, journal)
    topic: str | None = None  # the topic's column
    roll_up: Literal["none", "parent"] = "none"  # parent: count each lab under its parent
    aliases: str | None = None  # an alias table (CSV: string, institution[, sector, country]) that wins
    countries: str | None = None  # a country table (CSV: institution, country)
    parents: str | None = None  # a parent table (CSV: institution, parent)


@dataclass
class ResearchRecords:
    """Research records read into the one model (see the module's text)."""

    source: str
    form: str
    records: pd.DataFrame
    aliases: pd.DataFrame
    by_id: bool  # people told apart by an id (else by name: concurrent affiliations stay ambiguous)
    split_strings: int = 0  # affiliation strings that named several institutions
    split_rows: int = 0  # rows whose string was split
    notes: list[str] = field(default_factory=list)

    @property
    def has_works(self) -> bool:
        return self.records["work"].notna().any()

    def alias_table(self) -> pd.DataFrame:
        """The alias table to review and pass back (``aliases:``): every string, its
        institution and the rule that resolved it (no counts: a string one person writes is
        not counted in a file); marked as about no person."""
        columns = [c for c in ("string", "institution", "rule", "sector", "country") if c in self.aliases]
        return not_personal(self.aliases[columns].copy(), "affiliation strings of public research records and the "
                            "institutions they were resolved to")

    def merges(self) -> pd.DataFrame:
        """Strings merged into another's institution, by rule (the alias table counted)."""
        merged = self.aliases[self.aliases["rule"] != institutions.AS_WRITTEN]
        out = merged.groupby("rule").agg(strings=("string", "size"), rows=("rows", "sum")).reset_index()
        out = out.sort_values("strings", ascending=False, kind="stable").reset_index(drop=True)
        return not_personal(out, "affiliation strings of public records merged, counted by rule")


def _mapping(path: Path) -> ResearchMapping:
    if "".join(path.suffixes).lower().endswith((".csv", ".csv.gz", ".tsv", ".parquet", ".xlsx", ".txt")):
        raise DataError([Problem(str(path), "this is a research export, not its mapping file", "write a research "
                                 f"mapping (YAML) that names it under file: {path.name}, its form, its name or "
                                 "person_id column and its affiliation column (README: Global talent market), and "
                                 "give that as research")], str(path))
    if not path.is_file():
        raise DataError([Problem(str(path), "no such research mapping file", "give the path of the research "
                                 "records' mapping file (YAML), or research: synthetic for the built-in market")])
    try:
        return ResearchMapping.model_validate(read_mapping_file(path))
    except ValidationError as err:
        problems = []
        for key, e, close in key_errors(err, lambda loc: ResearchMapping.model_fields):
            if e["type"] == "extra_forbidden":
                problems.append(Problem(str(path), f"'{key}' is not a key of a research mapping",
                                        (f"did you mean '{close}'? " if close else "") +
                                        f"the keys are {', '.join(ResearchMapping.model_fields)}"))
            else:
                problems.append(Problem(str(path), f"{key}: {e['msg'].removeprefix('Value error, ')}",
                                        f"write one of {', '.join(FORMS)}" if key == "form" else "correct the value"))
        raise DataError(problems, str(path)) from None


def _table(path: Path, what: str, columns: tuple[str, ...]) -> pd.DataFrame:
    df = read_export(path)
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        raise DataError([Problem(str(path), f"the {what} has no column {', '.join(map(repr, lacking))}",
                                 f"write it with the columns {', '.join(columns)}; its columns: "
                                 f"{', '.join(map(str, df.columns[:20]))}")], str(path))
    return df


def _require(df: pd.DataFrame, m: ResearchMapping, file: str) -> None:
    if not (m.name or m.person_id):
        raise DataError([Problem(file, "the mapping names no person column", "give name: (the authors' name "
                                 "column) or person_id: (an id column)")], file)
    if not (m.year or m.date):
        raise DataError([Problem(file, "the mapping names no year column", "give year: (or date:)")], file)
    problems = []
    for key in ("affiliation", "name", "person_id", "work", "year", "date", "institution_id", "country", "venue",
                "topic"):
        col = getattr(m, key)
        if col and col not in df.columns:
            close = close_match(col, [str(c) for c in df.columns])
            problems.append(Problem(file, f"no column '{col}' (the mapping's {key})", (f"did you mean '{close}'? " if
                                    close else "") + f"its columns: {', '.join(map(str, df.columns[:30]))}"))
    if problems:
        raise DataError(problems, file)


def _years(df: pd.DataFrame, m: ResearchMapping, file: str, notes: list[str]) -> pd.Series:
    if m.year:
        text = df[m.year].astype("string").str.strip()
        years = pd.to_numeric(text.str.replace(r"\.0$", "", regex=True), errors="coerce")
        bad = text.notna() & (years.isna() | (years % 1 != 0) | (years < 1900) | (years > 2100))
        if bad.any():
            row = bad[bad].index[0]
            raise DataError([Problem(file, f"{int(bad.sum()):,} year(s) not a year between 1900 and 2100",
                                     "write the year as four digits, or map a date column as date:", int(row), m.year,
                                     df.at[row, m.year])], file)
        return years.astype("Int64")
    days, problems = coerce_dates(df[str(m.date)], file, str(m.date), notes=notes)
    if problems:
        raise DataError(problems, file)
    return days.dt.year.astype("Int64")


def _person_keys(df: pd.DataFrame, m: ResearchMapping) -> pd.Series:
    """A number per person: by id where the export has one, else by the name as read under the
    kit's one spelling rule (case, spaces, Unicode forms aside: :func:`schema.spelling_key`).
    The names themselves go no further."""
    if m.person_id:
        key = df[m.person_id].astype("string").str.strip().replace("", pd.NA)
    else:
        key = spelling_key(df[str(m.name)]).replace("", pd.NA)
    codes, _ = pd.factorize(key)
    return pd.Series(np.where(codes >= 0, codes, -1), index=df.index)


def _split(strings: pd.Series, enabled: bool) -> tuple[pd.DataFrame, int]:
    """One row per (input row, institution part); the number of distinct strings split."""
    distinct = pd.Series(strings.dropna().unique())
    known = set(distinct[~distinct.str.contains(r"/|;|\s&\s|\sand\s", regex=True)].map(institutions.normal_key))
    parts = {s: (institutions.split_affiliations(s, known) if enabled else [s]) for s in distinct}
    several = sum(len(p) > 1 for p in parts.values())
    out = pd.DataFrame({"row": strings.index, "string": strings.to_numpy()}).dropna()
    out["part"] = out["string"].map(parts)
    return out.explode("part").reset_index(drop=True), several


def read_research(mapping: str | Path, people=None) -> ResearchRecords:
    """Research records read through their mapping file (see the module); ``mapping``
    ``synthetic`` reads the built-in market (:mod:`talentkit.data.synthmarket`), whose size
    follows the built-in company's (``people``)."""
    if str(mapping).startswith("synthetic"):
        return _built_in(people)
    m = _mapping(Path(mapping))
    path, file = Path(mapping), Path(mapping).parent / m.file
    df = _table(file, "research export", ())
    _require(df, m, str(file))
    notes: list[str] = []
    base = pd.DataFrame({"person": _person_keys(df, m), "year": _years(df, m, str(file), notes)}, index=df.index)
    for key in ("work", "venue", "topic", "country", "institution_id"):
        col = getattr(m, key)
        base[key] = df[col].astype("string").str.strip().replace("", pd.NA) if col else pd.NA
    strings = df[m.affiliation].astype("string").str.strip().replace("", pd.NA)
    unplaced = int((base["person"] < 0).sum() + strings.isna().sum())
    keep = (base["person"] >= 0) & strings.notna() & base["year"].notna()
    if (~keep).any():
        notes.append(f"{int((~keep).sum()):,} row(s) without a person, a year or an affiliation left out "
                     f"({unplaced:,} missing a person or an affiliation)")
    parts, several = _split(strings[keep], m.split and not m.institution_id)
    ids = base.loc[parts["row"], "institution_id"].reset_index(drop=True)
    aliases = institutions.resolve(parts["part"], ids if m.institution_id else None,
                                   _optional(path, m.aliases, "alias table", ("string", "institution")),
                                   _parents(path, m, notes))
    institution_of = aliases.set_index("string")["institution"]
    records = base.loc[parts["row"]].reset_index(drop=True).assign(
        row=parts["row"].to_numpy(), institution=parts["part"].str.strip().map(institution_of).to_numpy())
    records = records.drop_duplicates(["person", "work", "year", "institution", "row"])
    records["sector"] = _sector(records["institution"], aliases)
    records["country"] = _country(records, aliases, _optional(path, m.countries, "country table",
                                                              ("institution", "country")))
    split_rows = int(parts.groupby("row").size().gt(1).sum())
    return ResearchRecords(str(file), m.form, records.drop(columns=["institution_id"]).reset_index(drop=True),
                           aliases, by_id=bool(m.person_id), split_strings=several, split_rows=split_rows,
                           notes=notes)


def _optional(path: Path, name: str | None, what: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
    return _table(path.parent / name, what, columns) if name else None


def _parents(path: Path, m: ResearchMapping, notes: list[str]) -> dict[str, str] | None:
    table = _optional(path, m.parents, "parent table", ("institution", "parent"))
    if table is None:
        return None
    if m.roll_up != "parent":
        notes.append(f"a parent table of {len(table):,} institutions was given and not applied: each lab counts on "
                     "its own (roll_up: parent counts it under its parent)")
        return None
    return dict(zip(table["institution"].astype(str).str.strip(), table["parent"].astype(str).str.strip()))


def _sector(names: pd.Series, aliases: pd.DataFrame) -> pd.Series:
    """Each institution's sector: the alias table's, else the keyword rule's."""
    distinct = pd.Series(names.dropna().unique())
    rule = dict(zip(distinct, distinct.map(institutions.sector_of)))
    if "sector" in aliases:
        given = aliases.dropna(subset=["sector"]).drop_duplicates("institution", keep="last")
        rule |= dict(zip(given["institution"], given["sector"].astype(str)))
    return names.map(rule).fillna(UNKNOWN)


def _country(records: pd.DataFrame, aliases: pd.DataFrame, table: pd.DataFrame | None) -> pd.Series:
    """Each institution's one country: the alias table's, else the country table's (by the
    institution's name or any string resolved to it, read by the normalised rule), else the one
    its records give most; ``unknown`` when none."""
    out: dict = {}
    given = records.dropna(subset=["country"])
    if len(given):
        out |= given.groupby("institution")["country"].agg(lambda c: c.value_counts().index[0]).to_dict()
    if table is not None:
        by_key = dict(zip(table["institution"].astype(str).map(institutions.normal_key),
                          table["country"].astype("string").str.strip()))
        strings = aliases.assign(key=aliases["string"].map(institutions.normal_key),
                                 own=aliases["institution"].map(institutions.normal_key))
        found = strings["own"].map(by_key).fillna(strings["key"].map(by_key))
        out |= found.groupby(strings["institution"]).first().dropna().to_dict()
    if "country" in aliases:
        out |= aliases.dropna(subset=["country"]).groupby("institution")["country"].last().to_dict()
    return records["institution"].map(out).fillna(UNKNOWN)


def _built_in(people) -> ResearchRecords:
    """The built-in market, written as its export and read back through its mapping like any other."""
    from .synthmarket import write_market

    if people is not None and not str(people.source).startswith("synthetic"):
        raise DataError([Problem("research: synthetic", "the built-in market belongs to the built-in company",
                                 "use data: synthetic, or give your research records' mapping file")])
    size = "small" if people is not None and "small" in str(people.source) else "default"
    with tempfile.TemporaryDirectory() as folder:
        records = read_research(write_market(folder, size))
    records.source = "the built-in market (conference author lists of a fictional field)"
    return records
