"""A programmes table: who received what and when (notebook 09).

One row per unit and programme: the people column its units are (``unit_column``: region,
team...), the unit, the programme, its start and, when it was withdrawn, its end. A file is
read through a programmes mapping (YAML):

```yaml
file: programmes.csv      # relative to this mapping file
unit_column: region       # the people column the units are
unit: Region              # the file's columns
programme: Programme
start: Start date
end: End date             # optional
```

``programmes: synthetic`` is the built-in company's two planted programmes
(:mod:`talentkit.data.synthprogrammes`): a retention bonus paid region by region with a real
effect, and a training scheme with none. The bonus's effect is planted in the people
table itself (cancelled exits), so the built-in company read for 09 is the company with its
programmes, said at the top of the report.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.errors import DataError, Problem
from ..core.yamlfile import key_errors
from .mapping import read_mapping_file
from .schema import close_match, coerce_dates, read_export

COLUMNS = ("unit_column", "unit", "programme", "start", "end")


class ProgrammesMapping(BaseModel):
    """A programmes mapping file's keys."""

    model_config = ConfigDict(extra="forbid")

    file: str  # the table, relative to the mapping file
    unit_column: str  # the people column its units are (region, team...)
    unit: str  # the column naming the unit
    programme: str  # the column naming the programme
    start: str  # the column of the start day
    end: str | None = None  # the column of the end day, where a programme was withdrawn


def is_built_in(source: str | Path) -> bool:
    """Whether ``source`` names the built-in company's planted programmes."""
    return str(source).startswith("synthetic")


def read_programmes(source: str | Path, ds):
    """``(ds, table)``: the dataset the programmes ran on and the programmes table
    (:data:`COLUMNS`); ``synthetic``: the built-in company with its planted programmes."""
    if is_built_in(source):
        from .synthprogrammes import plant_programmes

        if not str(ds.source).startswith("synthetic"):
            raise DataError([Problem("programmes: synthetic", "the built-in programmes belong to the built-in company",
                                     "use data: synthetic, or give your programmes' mapping file")])
        people, table = plant_programmes(ds.people)
        return replace(ds, people=people), table
    path = Path(source)
    m = _mapping(path)
    file = path.parent / m.file
    df = read_export(file)
    _require(df, m, str(file))
    table = pd.DataFrame({"unit_column": m.unit_column, "unit": df[m.unit].astype("string").str.strip(),
                          "programme": df[m.programme].astype("string").str.strip()}, index=df.index)
    for key in ("start", "end"):
        column = getattr(m, key)
        if column is None:
            table[key] = pd.NaT
            continue
        table[key], problems = coerce_dates(df[column], str(file), column)
        if problems:
            raise DataError(problems, str(file))
    if m.unit_column not in ds.people:
        raise DataError([Problem(str(path), f"unit_column: the people table has no column '{m.unit_column}'",
                                 f"name one of {', '.join(ds.group_keys())}")], str(path))
    missing = table["start"].isna()
    if missing.any():
        row = int(table.index[missing][0])
        raise DataError([Problem(str(file), "a programme without a start day", "give each row its start", row,
                                 m.start)], str(file))
    return ds, table.reset_index(drop=True)


def _mapping(path: Path) -> ProgrammesMapping:
    if not path.is_file():
        raise DataError([Problem(str(path), "no such programmes mapping file", "give the path of the programmes' "
                                 "mapping file (YAML: file, unit_column, unit, programme, start), or synthetic")])
    if "".join(path.suffixes).lower().endswith((".csv", ".tsv", ".parquet", ".xlsx")):
        raise DataError([Problem(str(path), "this is a programmes table, not its mapping file", "write a mapping "
                                 f"(YAML) that names it under file: {path.name} (README: Did it work?)")])
    try:
        return ProgrammesMapping.model_validate(read_mapping_file(path))
    except ValidationError as err:
        problems = [Problem(str(path), f"{key}: {e['msg']}", (f"did you mean '{close}'? " if close else "")
                            + f"the keys are {', '.join(ProgrammesMapping.model_fields)}")
                    for key, e, close in key_errors(err, lambda loc: ProgrammesMapping.model_fields)]
        raise DataError(problems, str(path)) from None


def _require(df: pd.DataFrame, m: ProgrammesMapping, file: str) -> None:
    problems = []
    for key in ("unit", "programme", "start", "end"):
        column = getattr(m, key)
        if column and column not in df.columns:
            close = close_match(column, [str(c) for c in df.columns])
            problems.append(Problem(file, f"no column '{column}' (the mapping's {key})",
                                    (f"did you mean '{close}'? " if close else "")
                                    + f"its columns: {', '.join(map(str, df.columns[:20]))}"))
    if problems:
        raise DataError(problems, file)
