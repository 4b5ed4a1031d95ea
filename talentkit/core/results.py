"""What a notebook reports back to the runner: named results and figures.

Inside a batch job the runner sets ``TALENTKIT_JOB_DIR``; ``record`` then writes
``results.json`` there (numbers, small tables, captions) and ``record_figure`` writes
``figures/<name>.png``. Run by hand, both keep the values in memory and return them, so
a notebook behaves the same in JupyterLab.

A recorded table goes where the index page and later readers see it, so ``record``
refuses a table (DataFrame or Series) that did not pass the small-group gate or was not
marked as not about people (:func:`talentkit.core.privacy.require_marked`).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

from .errors import ParameterError
from .files import DATA_FILE, RESULTS_FILE, write_atomic
from .measures import definitions, parts_of
from .theme import figure_png

ENV_JOB_DIR = "TALENTKIT_JOB_DIR"
NOTEBOOK_DIR_ENV = "TALENTKIT_NOTEBOOK_DIR"  # the folder of the notebook a batch job runs (its project's files)
DEFINITIONS, PARTS = "definitions", "measure_parts"  # what a comparison of runs reads beside the values
MAX_TABLE_ROWS = 200  # a recorded table is for the index and for checks, not a data dump

_results: dict[str, Any] = {}


def job_dir() -> Path | None:
    """The job's output folder when run by the batch runner, else ``None``."""
    value = os.environ.get(ENV_JOB_DIR)
    return Path(value) if value else None


class _Absent:  # stands for pandas/numpy types when those are not imported (nothing can be one)
    DataFrame = Series = Timestamp = integer = floating = bool_ = type("absent", (), {})
    NA = NaT = object()


def to_jsonable(value) -> Any:
    """Numbers, strings, lists, dicts and DataFrames as plain JSON values (NaN -> null)."""
    # pandas and numpy only if the notebook already uses them: `import talentkit` stays light
    pd: Any = sys.modules.get("pandas", _Absent)
    np: Any = sys.modules.get("numpy", _Absent)
    if isinstance(value, pd.DataFrame):
        if len(value) > MAX_TABLE_ROWS:
            raise ParameterError(f"a recorded table holds at most {MAX_TABLE_ROWS} rows, this one {len(value)}; "
                             "record a summary instead")
        frame = value.reset_index() if not isinstance(value.index, pd.RangeIndex) else value
        return {"columns": [str(c) for c in frame.columns],
                "rows": [[to_jsonable(v) for v in row] for row in frame.itertuples(index=False)]}
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (pd.Timestamp,)):
        return value.strftime("%Y-%m-%d")
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    return str(value)


def record(name: str, value, caption: str | None = None, columns: list[str] | None = None):
    """Keep ``value`` as the result ``name`` (for results.json and the run's index page).

    A result object with a ``table`` (``ScenarioComparison``, ``StaffingPlans``) is recorded as its
    table; ``columns`` keeps only those columns of a table. ``None`` (a section the data did
    not support) is recorded as null. Returns ``value`` unchanged so it can be used inline.
    """
    shown = value
    if hasattr(shown, "table") and not isinstance(shown, type):
        shown = shown.table
    if columns is not None and shown is not None:
        shown = shown[list(columns)]
    if not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
        raise ParameterError(f"result name {name!r}: use letters, digits, '_', '.' or '-'")
    pd: Any = sys.modules.get("pandas", _Absent)
    if isinstance(shown, (pd.DataFrame, pd.Series)):
        from .privacy import require_marked

        require_marked(shown, f"record({name!r})")
    entry = to_jsonable(shown)
    updates = {name: entry if caption is None else {"value": entry, "caption": caption}}
    # a known measure carries its definition, so a later run can tell whether it still means the same
    said = definitions(list(shown.columns) if isinstance(shown, pd.DataFrame) else [name])
    if said:
        updates[DEFINITIONS] = {**(_results.get(DEFINITIONS) or {}), **said}
    _save(updates)
    return value


def _save(updates: dict) -> None:
    """``updates`` kept, and written into the job's results.json (in a batch job)."""
    _results.update(updates)
    out = job_dir()
    if out is not None:
        path = out / RESULTS_FILE
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        current.update(updates)
        write_atomic(path, json.dumps(current, indent=1, allow_nan=False))


def record_measures(values, names: list[str]) -> None:
    """Record each of ``names`` from ``values`` (a Series or dict: one row of a table such as
    :func:`talentkit.metrics.workforce`'s overall row) with its 95 % interval (``<name>_lo``,
    ``<name>_hi``) where ``values`` has one, and, as ``measure_parts``, the counts a comparison
    of runs tests it by (:data:`talentkit.core.measures.MEASURES`); definitions come with them."""
    for name in names:
        for key in (name, f"{name}_lo", f"{name}_hi"):
            if key in values:
                record(key, values[key])
    parts = {part: to_jsonable(values[part]) for part in parts_of(names) if part in values}
    _save({PARTS: {**(_results.get(PARTS) or {}), **parts}})


def record_each(values, prefix: str = "", column: str | None = None) -> None:
    """Record each item of ``values`` (a dict or Series of numbers, or a table's ``column``) as
    ``<prefix><key>``; nothing for ``None`` (a section the data did not support)."""
    if values is None:
        return
    if column is not None:
        values = values[column]
    for key, value in values.items():
        record(f"{prefix}{key}", value)


def record_data(name: str, rows: dict[str, int], form: str | None = None, as_of: str | None = None) -> None:
    """Note which data the job read (``name``, rows per table, ``form``, the day it describes)
    in ``data.json`` for the report's header block and the history of runs; nothing outside a
    batch job. Only counts: never ids or values.
    A path is reduced to its last part, so a report does not show where a user keeps files."""
    out = job_dir()
    if out is None:
        return
    shown = str(name)
    if ("/" in shown or "\\" in shown) and not shown.startswith("synthetic"):
        shown = Path(shown.rstrip("/\\")).name
    doc = {"name": shown, "rows": {str(k): int(v) for k, v in rows.items()}, "form": form, "as_of": as_of}
    write_atomic(out / DATA_FILE, json.dumps(doc, indent=1))


def record_figure(name: str, fig):
    """Save ``fig`` as ``figures/<name>.png`` in the job folder (when in a job); return it.
    ``None`` (a figure an analysis had nothing to draw for) is passed through. The PNG is the
    one the report then shows (:func:`talentkit.core.theme.figure_png`), drawn once."""
    out = job_dir()
    if out is not None and fig is not None:
        folder = out / "figures"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.png").write_bytes(figure_png(fig))
    return fig


def record_csv(name: str, table):
    """Save ``table`` whole as ``<name>.csv`` in the job folder (when in a job), for a reader to
    review and pass back (08's alias table); return it. The table must have passed the gate or
    be marked as not about people."""
    from .privacy import require_marked

    require_marked(table, f"record_csv({name!r})")
    out = job_dir()
    if out is not None:
        write_atomic(out / f"{name}.csv", table.to_csv(index=False))
    return table


def results() -> dict:
    """What has been recorded in this kernel so far."""
    return dict(_results)
