r"""Survey exports read into one model of responses, through a survey mapping file.

Three forms, as people export them:

- ``long``: one row per answer (respondent, item, answer, and an answer's text);
- ``wide``: one row per respondent, a column per item and per free-text question;
- ``by_unit``: one row per unit, its respondent count and each item's favourable share, as
  public-sector surveys publish their results.

Every form ends as :class:`Responses`: ``answers`` (respondent, wave, item, value; a
value is missing where the answer was N/A or skipped, and ``not_applicable`` says which),
``respondents`` (one row a respondent and wave, with the attributes the analyses group by),
``comments`` (respondent, wave, item, text) and, for results by unit, ``by_unit``. What was
read and how is said in ``notes``: duplicated rows dropped, incomplete responses, N/A
answers, item spellings unified.

A *linked* survey's respondent key is the people table's id: its attributes (unit, level,
region...) are the people table's as they stood on the survey day, and its response rates
use that day's headcount. An *anonymous* survey carries its own attributes, and gives a
response rate only when a headcount file is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..core.dates import parse_day
from ..core.errors import DataError, ParameterError, Problem
from ..core.yamlfile import key_errors
from .mapping import read_mapping_file
from .schema import close_match, coerce_dates, read_export, read_table_file, spelling_key

if TYPE_CHECKING:
    from .datasets import Dataset

FORMS = ("long", "wide", "by_unit")


class SurveyMapping(BaseModel):
    """A survey mapping file's keys (every key but ``form``, ``file`` and ``scale`` optional)."""

    model_config = ConfigDict(extra="forbid")

    form: Literal["long", "wide", "by_unit"]
    file: str  # the export, relative to the mapping file
    respondent: str | None = None  # the respondent key's column (long and wide)
    wave: str | None = None  # the column naming the wave (survey round); none: one wave
    date: str | None = None  # the column of the day answered; a wave's day is its last
    wave_dates: dict[str, str] | None = None  # wave -> its day, when the export has no dates
    item: str = "item"  # long: the item's column
    answer: str = "answer"  # long: the answer's column
    answer_text: str | None = None  # long: the column of a free-text answer
    items: list[str] | None = None  # wide: the item columns; long: the items scored (none: every one)
    comments: list[str] = []  # wide: free-text columns; long: items whose answers are text
    scale: dict[float, str] | None = None  # answer value -> its words, lowest first
    favourable: list[float] = []  # the favourable answers (top box: the top two of five)
    unfavourable: list[float] | None = None  # none: as many answers from the bottom
    not_applicable: list = []  # answers that are N/A: counted, never scored
    enps_item: str | None = None  # an item answered 0-10: the net promoter score
    index_items: list[str] | None = None  # the engagement index's items (its mean)
    outcome_item: str | None = None  # the item the drivers explain (none: the index)
    attributes: list[str] = []  # anonymous: the columns the survey carries (unit, level...)
    linked_to: str | None = None  # linked: the people table's id the respondent key matches
    headcount: str | None = None  # anonymous: a file of headcount by attribute (a column named as it) and wave
    unit: str | None = None  # by_unit: the unit's column (none: the file is one unit)
    respondents: str | None = None  # by_unit: the respondents' count column
    favourable_share: dict[str, str] | str | None = None  # by_unit: item -> its share's column, or one column
    unfavourable_share: dict[str, str] | str | None = None  # by_unit: likewise, where published

    @field_validator("scale", mode="before")
    @classmethod
    def _scale(cls, value):
        if value is not None and not isinstance(value, dict):
            raise ParameterError("scale: write it as 'value: words' lines, e.g. 1: Strongly disagree")
        return value


@dataclass
class Responses:
    """A survey read into the one model (see the module's text)."""

    source: str
    form: str
    answers: pd.DataFrame
    respondents: pd.DataFrame
    comments: pd.DataFrame
    scale: dict[float, str]
    favourable: set
    unfavourable: set
    items: list[str]
    waves: pd.DataFrame  # wave, day, respondents
    attributes: list[str]
    linked: bool
    enps_item: str | None = None
    index_items: list[str] = field(default_factory=list)
    outcome_item: str | None = None
    by_unit: pd.DataFrame | None = None
    headcount: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def matrix(self, wave, items: list[str] | None = None) -> pd.DataFrame:
        """Respondents by items of one wave (values; N/A and skipped missing)."""
        a = self.answers[self.answers["wave"] == wave]
        m = a.pivot_table(index="respondent", columns="item", values="value", aggfunc="first", dropna=False)
        return m.reindex(columns=items or [i for i in self.items if i in m.columns])


def _mapping(path: Path) -> SurveyMapping:
    if "".join(path.suffixes).lower().endswith((".csv", ".csv.gz", ".tsv", ".parquet", ".xlsx", ".txt")):
        raise DataError([Problem(str(path), "this is a survey export, not its mapping file", "write a survey mapping "
                                 f"(YAML) that names it under file: {path.name}, its form and its scale (README: "
                                 "Surveys), and give that as survey")], str(path))
    if not path.is_file():
        raise DataError([Problem(str(path), "no such survey mapping file", "give the path of the survey's mapping "
                                 "file (YAML), or survey: synthetic for the built-in company's survey")], str(path))
    doc = read_mapping_file(path)
    try:
        return SurveyMapping.model_validate(doc)
    except ValidationError as err:
        problems = []
        for key, e, close in key_errors(err, lambda loc: SurveyMapping.model_fields):
            if e["type"] == "extra_forbidden":
                hint = f"did you mean '{close}'? " if close else ""
                problems.append(Problem(str(path), f"'{key}' is not a key of a survey mapping",
                                        hint + f"the keys are {', '.join(SurveyMapping.model_fields)}"))
            else:
                problems.append(Problem(str(path), f"{key}: {e['msg'].removeprefix('Value error, ')}",
                                        f"write one of {', '.join(FORMS)}" if key == "form" else "correct the value"))
        raise DataError(problems, str(path)) from None


def _require(df: pd.DataFrame, columns: list[str | None], file: str, key_of: dict[str, str]) -> None:
    problems = []
    for col in (c for c in columns if c):
        if col not in df.columns:
            close = close_match(col, [str(c) for c in df.columns])
            problems.append(Problem(file, f"no column '{col}' (the mapping's {key_of.get(col, 'items')})",
                                    (f"did you mean '{close}'? " if close else "") + "name the export's column in the "
                                    f"mapping; its columns: {', '.join(map(str, df.columns[:30]))}"))
    if problems:
        raise DataError(problems, file)


def _long_answers(df: pd.DataFrame, m: SurveyMapping, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    _require(df, [m.respondent, m.item, m.answer, m.answer_text], file,
             {str(m.respondent): "respondent", m.item: "item", m.answer: "answer", str(m.answer_text): "answer_text"})
    base = pd.DataFrame({"respondent": df[m.respondent], "item": df[m.item].astype("string").str.strip(),
                         "raw": df[m.answer], "row": df.index}, index=df.index)
    comment_rows = base["item"].isin(m.comments)
    text = df[m.answer_text or m.answer].astype("string").str.strip().replace("", pd.NA)
    written = (comment_rows | bool(m.answer_text)) & text.notna()
    comments = base[written].assign(text=text[written])  # text[written]: an empty frame would take all text's rows
    return base[~comment_rows], comments[["respondent", "item", "text", "row"]]


def _wide_answers(df: pd.DataFrame, m: SurveyMapping, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    items = m.items or []
    if not items:
        raise DataError([Problem(file, "a wide survey needs its item columns", "list them under items: in the mapping")])
    _require(df, [m.respondent, *items, *m.comments], file, {str(m.respondent): "respondent"})
    keep = [m.respondent] + [c for c in (m.wave, m.date, *m.attributes) if c]
    rows = df.assign(row=df.index)
    long = rows.melt(id_vars=[*keep, "row"], value_vars=items, var_name="item", value_name="raw")
    texts = rows.melt(id_vars=[*keep, "row"], value_vars=list(m.comments), var_name="item", value_name="text")
    long = long.rename(columns={m.respondent: "respondent"}).set_index("row", drop=False)
    texts = texts.rename(columns={m.respondent: "respondent"}).set_index("row", drop=False)
    texts["text"] = texts["text"].astype("string").str.strip().replace("", pd.NA)
    return long, texts[texts["text"].notna()]


def _values(raw: pd.Series, items: pd.Series, m: SurveyMapping, file: str, column: str) -> tuple[pd.Series, pd.Series]:
    """Answers as numbers, N/A set apart (missing, flagged); a value neither on the scale nor
    N/A is an error naming its row."""
    text = raw.astype("string").str.strip().replace("", pd.NA)
    na_words = {str(v).strip().casefold() for v in m.not_applicable}
    na_numbers = pd.to_numeric(pd.Series([str(v) for v in m.not_applicable], dtype="string"), errors="coerce").dropna()
    as_number = pd.to_numeric(text, errors="coerce")
    na = (text.str.casefold().isin(na_words).fillna(False) | as_number.isin(set(na_numbers))).astype(bool)
    number = as_number.where(~na)
    allowed = {float(v) for v in (m.scale or {})}
    enps = (items == m.enps_item).to_numpy() if m.enps_item else np.zeros(len(raw), bool)
    on_scale = np.where(enps, number.isin([float(v) for v in range(11)]), number.isin(allowed))
    bad = (text.notna() & ~na).to_numpy() & ~on_scale
    if bad.any():
        pos = int(np.argmax(bad))
        raise DataError([Problem(file, f"{int(bad.sum()):,} answer(s) neither on the scale nor N/A", "add the value to "
                                 "scale: or not_applicable: in the mapping, or correct the export",
                                 int(raw.index[pos]), str(items.iloc[pos]) if m.form == "wide" else column,
                                 raw.iloc[pos])], file)
    return number.astype(float), na


def _unify_items(answers: pd.DataFrame, notes: list[str]) -> None:
    """One spelling per item (case, spaces, Unicode forms), the most common kept, said."""
    counts = answers["item"].value_counts().rename_axis("item").rename("n").reset_index()  # each spelling once
    counts["key"] = spelling_key(counts["item"]).to_numpy()
    counts = counts.sort_values(["key", "n", "item"], ascending=[True, False, True], kind="stable")
    kept = counts.drop_duplicates("key").set_index("key")["item"]
    several = counts[counts.duplicated("key", keep=False)]
    for k, group in several.groupby("key", sort=True):
        notes.append(f"one item written {len(group)} ways ({', '.join(repr(s) for s in group['item'])}): read as "
                     f"{kept[k]!r}, the most common; write it one way in the export to silence this")
    if not several.empty:
        to = {row.item: kept[row.key] for row in counts.itertuples() if row.item != kept[row.key]}
        answers["item"] = answers["item"].map(lambda v: to.get(v, v)).astype("string")


def read_survey(mapping: str | Path, people: Dataset | None = None) -> Responses:
    """A survey export read through its mapping file; ``people``: the dataset a linked
    survey's respondent key points into (its attributes on the survey day)."""
    if str(mapping).startswith("synthetic"):
        return _built_in(people)
    path = Path(mapping)
    m = _mapping(path)
    file = path.parent / m.file
    df = read_export(file)
    if m.form == "by_unit":
        return _by_unit(df, m, str(file))
    if not m.scale:
        raise DataError([Problem(str(path), "no scale:", "write scale: {1: Strongly disagree, ..., 5: Strongly agree}")])
    _require(df, [m.wave, m.date, *m.attributes], str(file), {str(m.wave): "wave", str(m.date): "date"})
    notes: list[str] = []
    if m.date:  # the kit's one reading of dates: the order all values fit, two-digit years placed, said
        df[m.date], problems = coerce_dates(df[m.date], str(file), m.date, notes=notes)
        if problems:
            raise DataError(problems, str(file))
    answers, comments = (_long_answers if m.form == "long" else _wide_answers)(df, m, str(file))
    for col in (m.wave, m.date, *m.attributes):
        if col and col not in answers:
            answers[col] = df.loc[answers.index, col].to_numpy()
    return _assemble(answers, comments, df, m, str(file), people, notes)


def _built_in(people: Dataset | None) -> Responses:
    """The built-in company's survey (:mod:`talentkit.data.synthsurvey`), written as its long
    export and read back through its mapping like any other."""
    import tempfile

    from .synthsurvey import write_survey
    from .timeline import unit_at

    if people is None or not str(people.source).startswith("synthetic"):
        raise DataError([Problem("survey: synthetic", "the built-in survey belongs to the built-in company",
                                 "use data: synthetic, or give your survey's mapping file")])
    with tempfile.TemporaryDirectory() as folder:
        path = write_survey(people.people, people.as_of, folder,
                            teams_on=lambda day: unit_at(people, "team", day).reset_index(drop=True))
        survey = read_survey(path, people=people)
    survey.source = "the built-in company's engagement survey"
    return survey


def _waves(answers: pd.DataFrame, m: SurveyMapping, file: str) -> pd.DataFrame:
    """Each answer's wave and the wave's day: the mapping's ``wave_dates``, else the last day
    answered in it, else none."""
    answers["wave"] = answers[m.wave].astype("string").str.strip() if m.wave else "1"
    if m.date:
        answers["day"] = pd.to_datetime(answers[m.date])  # read by coerce_dates already
    days = answers.groupby("wave")["day"].max() if m.date else pd.Series(dtype="datetime64[ns]")
    for wave, day in (m.wave_dates or {}).items():
        days[str(wave)] = parse_day(day, "wave_dates")
    waves = answers.groupby("wave")["respondent"].nunique().rename("respondents").reset_index()
    waves["day"] = waves["wave"].map(days)
    return waves.sort_values(["day", "wave"], kind="stable", na_position="last").reset_index(drop=True)


def _dropped_duplicates(answers: pd.DataFrame, file: str, notes: list[str]) -> pd.DataFrame:
    keys = ["respondent", "wave", "item"]
    same = answers.duplicated([*keys, "raw"])
    if same.any():
        notes.append(f"{int(same.sum()):,} duplicated answer row(s) dropped (the same respondent, wave, item and answer)")
    answers = answers[~same]
    clash = answers.duplicated(keys, keep=False)
    if clash.any():
        row = int(answers.index[clash][0])
        raise DataError([Problem(file, f"{int(clash.sum()):,} rows give one respondent two answers to one item in a wave",
                                 "keep one answer per respondent, item and wave", row, "respondent")], file)
    return answers


def _assemble(answers: pd.DataFrame, comments: pd.DataFrame, df: pd.DataFrame, m: SurveyMapping, file: str,
              people: Dataset | None, notes: list[str]) -> Responses:
    answers = answers[answers["respondent"].notna()].copy()
    _unify_items(answers, notes)
    waves = _waves(answers, m, file)
    answers = _dropped_duplicates(answers, file, notes)
    answers["value"], answers["not_applicable"] = _values(answers["raw"], answers["item"], m, file,
                                                          m.answer if m.form == "long" else "item")
    present = set(answers["item"].dropna().unique())
    items = [i for i in (m.items or sorted(present)) if i in present]
    if m.form == "long" and m.items:
        answers = answers[answers["item"].isin(m.items)]
    n_na = int(answers["not_applicable"].sum())
    if n_na:
        notes.append(f"{n_na:,} N/A answer(s) counted and left out of every score")
    respondents = answers.drop_duplicates(["respondent", "wave"])[["respondent", "wave", *m.attributes]]
    respondents = respondents.merge(waves[["wave", "day"]], on="wave", how="left").reset_index(drop=True)
    per = answers.assign(given=answers["value"].notna() | answers["not_applicable"]).groupby(
        ["respondent", "wave"])["given"].sum()
    incomplete = int((per < len(items)).sum())
    if incomplete:
        notes.append(f"{incomplete:,} incomplete response(s): kept, each item scored on those who answered it")
    attributes = list(m.attributes)
    if m.linked_to:
        respondents, attributes = _linked(respondents, m, people, file, notes)
    comments = comments.assign(wave=df.loc[comments.index, m.wave].astype("string").str.strip().to_numpy()
                               if m.wave else "1")  # indexed by the file's row, as the answers
    scale = {float(k): str(v) for k, v in (m.scale or {}).items()}
    fav = {float(v) for v in m.favourable}
    low = sorted(scale)[:len(fav)]
    return Responses(
        source=file, form=m.form, answers=answers[["respondent", "wave", "item", "value", "not_applicable"]]
        .reset_index(drop=True), respondents=respondents, comments=comments.reset_index(drop=True)
        .reindex(columns=["respondent", "wave", "item", "text"]), scale=scale, favourable=fav,
        unfavourable={float(v) for v in m.unfavourable} if m.unfavourable is not None else set(low),
        items=items, waves=waves, attributes=attributes, linked=bool(m.linked_to), enps_item=m.enps_item,
        index_items=list(m.index_items or []), outcome_item=m.outcome_item, notes=notes,
        headcount=_headcount(m, Path(file).parent))


def _linked(respondents: pd.DataFrame, m: SurveyMapping, people: Dataset | None, file: str,
            notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """A linked survey's attributes: each respondent's unit, level... as the people table had
    them on the wave's day."""
    from .timeline import employed_on, unit_at

    if people is None:
        raise DataError([Problem(file, f"the survey is linked to the people table's {m.linked_to}, and no dataset "
                                 "was given", "pass the dataset (read_survey(mapping, people=tk.load(...)))")], file)
    p = people.people
    columns = [c for c in people.group_keys() if c in p.columns]
    out = []
    for day, part in respondents.groupby("day", dropna=False, sort=False):
        if pd.isna(day):
            raise DataError([Problem(file, "a linked survey needs each wave's day, to read who was where that day",
                                     "name the date: column, or give wave_dates: in the mapping")], file)
        employed = employed_on(p, day).to_numpy()
        on_day = pd.DataFrame({c: unit_at(people, c, day).to_numpy()[employed] for c in columns},
                              index=p[m.linked_to].astype(str).to_numpy()[employed])
        on_day = on_day[~on_day.index.duplicated(keep="last")]
        out.append(part.assign(_key=part["respondent"].astype(str)).join(on_day, on="_key").drop(columns="_key"))
    linked = pd.concat(out, ignore_index=True)
    unknown = linked[columns[0]].isna().sum() if columns else 0
    if unknown:
        notes.append(f"{int(unknown):,} respondent(s) not in the people table on the survey day: kept, no attributes")
    return linked, columns


def _headcount(m: SurveyMapping, folder: Path) -> pd.DataFrame | None:
    if not m.headcount:
        return None
    df, problems = read_table_file(folder / m.headcount, None)
    if df is None or problems:
        raise DataError(problems or [Problem(m.headcount, "cannot be read", "check the file")], m.headcount)
    _require(df, ["headcount"], m.headcount, {"headcount": "headcount"})
    df["headcount"] = pd.to_numeric(df["headcount"], errors="coerce")
    return df


def _share(values: pd.Series) -> pd.Series:
    """Published shares as fractions: ``64%``, ``64`` or ``0.64`` (percentages when any passes 1)."""
    share = pd.to_numeric(values.astype("string").str.replace("%", "").str.strip(), errors="coerce")
    return share / 100 if (share > 1).any() else share


def _by_unit(df: pd.DataFrame, m: SurveyMapping, file: str) -> Responses:
    """Published results, in either layout: one row per unit with a share column per item
    (``favourable_share: {item: column}``), or one row per item (``item:`` its column,
    ``favourable_share:`` one column, and ``unit:`` a column or none for one unit). Shares are
    fractions, or percentages when any passes 1; ``unfavourable_share`` likewise."""
    shares, unfav = m.favourable_share, m.unfavourable_share
    if not (m.respondents and shares) or (isinstance(shares, dict) and not m.unit):
        raise DataError([Problem(file, "results by unit need respondents:, favourable_share: and, for a share column "
                                 "per item, unit:", "name the respondents' count, the share column(s) and the unit's "
                                 "column")], file)
    columns = [m.unit, m.respondents, m.wave, *([shares, m.item] if isinstance(shares, str) else shares.values())]
    columns += [unfav] if isinstance(unfav, str) else list((unfav or {}).values())
    _require(df, columns, file, {str(m.unit): "unit", m.respondents: "respondents", m.item: "item"})
    unit = df[m.unit].astype("string").str.strip() if m.unit else Path(file).stem
    wave = df[m.wave].astype("string").str.strip() if m.wave else "1"
    n = pd.to_numeric(df[m.respondents], errors="coerce")
    if isinstance(shares, str):  # one row per item
        by_unit = pd.DataFrame({"unit": unit, "item": df[m.item].astype("string").str.strip(), "wave": wave,
                                "respondents": n, "share": _share(df[shares]),
                                "unfavourable": _share(df[unfav]) if isinstance(unfav, str) else np.nan})
    else:
        by_unit = pd.concat([pd.DataFrame({"unit": unit, "item": item, "wave": wave, "respondents": n,
                                           "share": _share(df[column]),
                                           "unfavourable": _share(df[unfav[item]]) if isinstance(unfav, dict)
                                           and item in unfav else np.nan}) for item, column in shares.items()],
                            ignore_index=True)
    items = list(dict.fromkeys(by_unit["item"]))
    empty = pd.DataFrame(columns=["respondent", "wave", "item", "value", "not_applicable"])
    waves = by_unit.groupby("wave")["respondents"].max().rename("respondents").reset_index()
    waves["day"] = waves["wave"].map({str(k): parse_day(v, "wave_dates") for k, v in (m.wave_dates or {}).items()})
    note = (f"results by unit: {by_unit['unit'].nunique():,} unit(s), {len(items)} items, shares as published "
            "(respondents' answers are not in them; an interval takes a share as one of the respondents counted, "
            "though a publisher may have weighted it)")
    return Responses(source=file, form="by_unit", answers=empty, respondents=pd.DataFrame(columns=["respondent", "wave"]),
                     comments=pd.DataFrame(columns=["respondent", "wave", "item", "text"]), scale={}, favourable=set(),
                     unfavourable=set(), items=items, waves=waves, attributes=["unit"], linked=False,
                     by_unit=by_unit, notes=[note])
