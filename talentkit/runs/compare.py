r"""Two runs side by side: each number then and now, the difference, and whether it is noise.

:func:`compare_runs` pairs the jobs of two run folders (or two job folders) and compares
every recorded number, job by job:

* a measure of :data:`talentkit.core.measures.MEASURES` is tested from the counts recorded with it:
  a rate (turnover: separations per person-year) by the exact conditional test of two Poisson
  rates, a proportion (retention) by the pooled two-proportion z-test, a headcount as two
  Poisson counts (:mod:`talentkit.core.stats`);
* another number with a recorded 95 % interval by the difference of two independent
  estimates (Altman & Bland 2003);
* a number with neither is shown, never called a change.

A difference whose two-sided p-value is under ``alpha`` (default 0.05, each number on its
own: among 20 numbers that did not change, one is flagged by chance on average) is a
*change*, with its direction; the rest are within noise.

Numbers are not compared, and the page says which and why, when the two jobs are not
comparable: a job that did not end well, a different notebook or notebook code, another
data form, a parameter other than the period's (``as_of``, ``start``, ``end``, ``data``)
that changed (``min_group`` only raises the gate; ``group_by`` and ``max_levels`` leave out
the grouped tables), or a measure whose recorded definition differs.

Privacy: a group's number is shown only where the group was shown in that run and holds at
least the larger of the two runs' ``min_group``; a difference only where both are shown. A
unit of 6 people then and 4 now shows its earlier value, nothing for now, and no difference.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import RunError, RunJSONError
from ..core.files import DATA_FILE, RESULTS_FILE, read_json
from ..core.labels import TIMING_AND_WORDS, interval_columns, result_label
from ..core.measures import COUNT, MEASURES, PROPORTION, RATE
from ..core.privacy import MIN_GROUP
from ..core.stats import estimate_difference_p, proportion_difference_p, rate_difference_p
from .runrecord import RUN_JSON, JobRecord, RunRecord

ALPHA = 0.05
PERIOD_PARAMETERS = {"as_of", "start", "end", "data"}  # what moves from one run of a series to the next
PRESENTATION = {"interactive", "solutions", "show_ids", "allow_small_groups"}  # change no number
GROUPING = {"group_by", "max_levels"}  # change which groups the tables hold, not the overall numbers
TESTS = {
    RATE: "exact test of two Poisson rates (conditional binomial, Przyborowski & Wilenski 1940)",
    PROPORTION: "two-proportion z-test (pooled)",
    COUNT: "exact test of two Poisson counts (conditional binomial, equal weights)",
    "interval": "difference of two estimates from their 95 % intervals (Altman & Bland 2003)",
}
UP, DOWN, SAME, UNTESTED, HIDDEN = "up", "down", "within noise", "not tested", "suppressed"


@dataclass
class Side:
    """One job as compared: where it is, what it was run on, and what it recorded."""

    run: str
    folder: Path
    job: JobRecord
    results: dict
    data: dict
    versions: dict

    @property
    def as_of(self) -> str:
        return self.job.day_from(self.data)

    @property
    def min_group(self) -> int:
        value = self.job.parameters.get("min_group", MIN_GROUP)
        return value if isinstance(value, int) and not isinstance(value, bool) else MIN_GROUP


@dataclass
class Row:
    """One number of one job (``group``: ``region = US`` for a grouped table's cell)."""

    job: str
    measure: str
    label: str
    scale: str
    group: str = ""
    then: Any = None  # a number, or words (the period), as recorded
    now: Any = None
    then_interval: tuple | None = None
    now_interval: tuple | None = None
    difference: float | None = None
    test: str = ""
    p: float | None = None
    verdict: str = UNTESTED

    @property
    def changed(self) -> bool:
        return self.verdict in (UP, DOWN)


@dataclass
class RunComparison:
    """What :func:`compare_runs` found: rows, changes first; what it left out, and why."""

    then: str
    now: str
    then_as_of: str
    now_as_of: str
    alpha: float
    rows: list[Row] = field(default_factory=list)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)  # (job, numbers, why)
    notes: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[Row]:
        return [r for r in self.rows if r.changed]

    @property
    def tested(self) -> list[Row]:
        """The numbers actually put to a test (changed or within noise): not those left out,
        suppressed or untested."""
        return [r for r in self.rows if r.verdict in (UP, DOWN, SAME)]

    def changed_measures(self) -> set[str]:
        return {r.measure for r in self.changes}


def sides(folder: str | Path) -> list[Side]:
    """The jobs of a run folder, or the one job of a job folder, as :class:`Side`\\ s; a
    :class:`~talentkit.core.errors.RunError` naming the folder and the fix when it is neither."""
    folder = Path(folder)
    if (folder / RUN_JSON).is_file():
        run_dir, only = folder, None
    elif (folder.parent / RUN_JSON).is_file():
        run_dir, only = folder.parent, folder.name
    else:
        raise RunError(f"{folder}: not a run folder (no run.json here or above); give two folders written by "
                       "'talentkit run', such as outputs/default-2025-09-30 outputs/default-2025-12-31")
    try:
        record = RunRecord.load(run_dir)
    except RunJSONError as err:
        raise RunError(str(err)) from None
    jobs = [j for j in record.jobs if only is None or j.name == only]
    if not jobs:
        raise RunError(f"{folder}: no job of that name in {run_dir / RUN_JSON}")
    return [Side(run_dir.name, run_dir / j.name, j, read_json(run_dir / j.name / RESULTS_FILE),
                 read_json(run_dir / j.name / DATA_FILE), record.versions) for j in jobs]


def series_key(job: JobRecord) -> tuple:
    """What makes two jobs the same job of a series: its run-file job and its matrix values
    other than ``as_of``."""
    matrix = {k: v for k, v in job.matrix.items() if k != "as_of"}
    return (job.group or job.name, json.dumps(matrix, sort_keys=True, default=str))


def compare_runs(then: str | Path, now: str | Path, alpha: float = ALPHA) -> RunComparison:
    """Every job of ``then`` beside the same job of ``now`` (by its run-file job and matrix
    values other than ``as_of``), compared number by number."""
    if not 0 < alpha < 1:
        raise RunError(f"alpha must lie between 0 and 1, not {alpha!r}")
    a, b = sides(then), sides(now)
    out = RunComparison(a[0].run, b[0].run, a[0].as_of, b[0].as_of, alpha)
    by_key = {series_key(s.job): s for s in b}
    paired = set()
    for side in a:
        other = by_key.get(series_key(side.job))
        if other is None:
            out.left_out.append((side.job.name, "every number", f"no such job in {b[0].run}"))
            continue
        paired.add(series_key(other.job))
        out.jobs.append(other.job.name)
        compare_jobs(side, other, out)
    for side in b:
        if series_key(side.job) not in paired:
            out.left_out.append((side.job.name, "every number", f"no such job in {a[0].run}"))
    if a[0].versions.get("talentkit") != b[0].versions.get("talentkit"):
        out.notes.append(f"The runs were made with talentkit {a[0].versions.get('talentkit')} and "
                         f"{b[0].versions.get('talentkit')}: measures are compared only where their recorded "
                         "definitions agree.")
    out.rows.sort(key=lambda r: not r.changed)  # changes first, each job's order kept
    return out


def _damaged(side: Side) -> bool:
    """Whether the job's results.json is there but cannot be read as a JSON object."""
    path = side.folder / "results.json"
    return path.is_file() and path.stat().st_size > 0 and not side.results


def not_comparable(a: Side, b: Side) -> str | None:
    """Why two jobs' numbers cannot be compared at all, or ``None``."""
    for side in (a, b):
        if side.job.status != "ok":
            return f"the job did not end well in {side.run} ({side.job.status})"
        if _damaged(side):
            return (f"its results.json in {side.run} is damaged (not a JSON object): run the job again, or restore "
                    "the file")
    if Path(a.job.notebook).name != Path(b.job.notebook).name:
        return f"different notebooks ({Path(a.job.notebook).name}, {Path(b.job.notebook).name})"
    code_a, code_b = a.job.notebook_code, b.job.notebook_code
    if code_a and code_b and code_a != code_b:
        return (f"the notebook's code differs between the runs ({code_a} then, {code_b} now: another notebook "
                f"version); run the earlier one again with this kit (talentkit run <run file> --as-of {a.as_of or 'D'})")
    if (a.data.get("form") or "events") != (b.data.get("form") or "events"):
        return f"different data forms ({a.data.get('form')} then, {b.data.get('form')} now)"
    return None


@functools.lru_cache(maxsize=32)
def notebook_defaults(notebook: str) -> dict:
    """The defaults of a notebook's parameters cell (``{}`` when the notebook cannot be read):
    a parameter given at its default value is the same parameter as one left out."""
    import ast

    try:
        import papermill

        found = papermill.inspect_notebook(notebook)
    except Exception:  # noqa: BLE001 - a notebook moved or damaged since: nothing to fill in
        return {}
    out = {}
    for name, spec in found.items():
        try:
            out[name] = ast.literal_eval(spec.get("default") or "None")
        except (ValueError, SyntaxError):
            continue
    return out


def changed_parameters(a: Side, b: Side) -> dict[str, tuple]:
    """The parameters (beyond the period's and the presentation's) that differ: name -> (then,
    now). A parameter given at its notebook's default (``period_months: 12``) is no change."""
    pa, pb = a.job.parameters, b.job.parameters
    defaults = {**notebook_defaults(a.job.notebook), **notebook_defaults(b.job.notebook)}
    missing = object()

    def value(params, k):
        return params.get(k, defaults.get(k, missing))

    return {k: (pa.get(k, "(default)"), pb.get(k, "(default)")) for k in sorted(set(pa) | set(pb))
            if k not in PERIOD_PARAMETERS | PRESENTATION and value(pa, k) != value(pb, k)}


def compare_jobs(a: Side, b: Side, out: RunComparison) -> None:
    """The numbers of one pair of jobs into ``out``: rows, or why they are left out."""
    name = b.job.name
    why = not_comparable(a, b)
    if why:
        out.left_out.append((name, "every number", why))
        return
    changed = changed_parameters(a, b)
    said = ", ".join(f"{k}: {v[0]!r} then, {v[1]!r} now" for k, v in changed.items())
    tables_ok = True
    if set(changed) - {"min_group"} - GROUPING:
        out.left_out.append((name, "every number", f"parameters changed ({said})"))
        return
    if set(changed) & GROUPING:
        tables_ok = False
        out.left_out.append((name, "the grouped tables", f"parameters changed ({said}): other groups"))
    if "min_group" in changed:
        out.notes.append(f"{name}: min_group changed ({said}); groups are shown only where they hold at least "
                         f"{max(a.min_group, b.min_group)} people in both runs.")
    _period_note(a, b, name, out)
    out.rows += _scalar_rows(a, b, name, out)
    if tables_ok:
        out.rows += _table_rows(a, b, name, out)


def _period_note(a: Side, b: Side, name: str, out: RunComparison) -> None:
    """A note when the two periods overlap: the tests take them as independent samples."""
    try:
        (s1, e1), (s2, e2) = (str(s.results.get("period", "")).split(" to ") for s in (a, b))
    except ValueError:
        return
    if s1 <= e2 and s2 <= e1 and (s1, e1) != (s2, e2):
        out.notes.append(f"{name}: the periods overlap ({s1} to {e1}, {s2} to {e2}); the tests take them as "
                         "independent, so a real change is flagged less often. Give period_months the spacing of "
                         "the runs (3 for quarterly runs) to compare periods that do not overlap.")


def _numbers(results: dict) -> dict:
    out = {}
    for name, value in results.items():
        if isinstance(value, dict) and "value" in value and "caption" in value:
            value = value["value"]
        if isinstance(value, (int, float, str)) and not isinstance(value, bool) and not name.endswith(TIMING_AND_WORDS):
            out[name] = value
    return out


def _definition_problem(a: Side, b: Side, measure: str) -> str | None:
    da, db = (s.results.get("definitions", {}).get(measure) for s in (a, b))
    if da == db:
        return None
    if da is None or db is None:
        return f"its definition is recorded in one run only ({a.run if da else b.run})"
    return f"its definition changed ('{da}' then, '{db}' now)"


def _scalar_rows(a: Side, b: Side, job: str, out: RunComparison) -> list[Row]:
    va, vb = _numbers(a.results), _numbers(b.results)
    bounds = {x for pair in interval_columns(list(va) + list(vb)).values() for x in pair}
    # each number with the counts recorded beside the job's numbers (measure_parts)
    parts_a, parts_b = (dict(s.results.get("measure_parts") or {}, **v) for s, v in ((a, va), (b, vb)))
    rows = []
    for measure in [n for n in va if n not in bounds] + [n for n in vb if n not in va and n not in bounds]:
        if measure not in va or measure not in vb:
            out.left_out.append((job, result_label(measure)[0], f"recorded in one run only "
                                 f"({a.run if measure in va else b.run})"))
            continue
        problem = _definition_problem(a, b, measure)
        if problem:
            out.left_out.append((job, result_label(measure)[0], problem))
            continue
        rows.append(compared(job, measure, "", parts_a, parts_b, out.alpha))
    return rows


def compared(job: str, measure: str, group: str, then: dict, now: dict, alpha: float) -> Row:
    """One number of ``then`` and ``now`` (a job's numbers, or one row of a grouped table, with
    the counts and bounds beside the number), its difference and the test of it."""
    label, scale = result_label(measure)
    row = Row(job, measure, label, scale, group, then.get(measure), now.get(measure))
    for side, attr in ((then, "then_interval"), (now, "now_interval")):
        lo, hi = side.get(f"{measure}_lo"), side.get(f"{measure}_hi")
        if _number(lo) and _number(hi):
            setattr(row, attr, (lo, hi))
    if not (_number(row.then) and _number(row.now)):
        if isinstance(row.then, str) or isinstance(row.now, str):
            row.verdict = ""  # words (the period): context, not a number to test
        return row
    row.difference = row.now - row.then
    row.test, row.p = difference_test(measure, then, now, row)
    if row.p is not None and not math.isnan(row.p):
        row.verdict = (UP if row.difference > 0 else DOWN) if row.p < alpha else SAME
    return row


def difference_test(measure: str, then: dict, now: dict, row: Row) -> tuple[str, float | None]:
    """The name of the test a number's difference gets, and its p-value (``None``: no test)."""
    spec = MEASURES.get(measure)
    if spec is not None and all(_number(side.get(p)) for side in (then, now) for p in spec.parts):
        pa, pb = [then[p] for p in spec.parts], [now[p] for p in spec.parts]
        if spec.kind == RATE:
            return TESTS[RATE], rate_difference_p(pa[0], pa[1], pb[0], pb[1])
        if spec.kind == PROPORTION:
            return TESTS[PROPORTION], proportion_difference_p(pa[0], pa[1], pb[0], pb[1])
        return TESTS[COUNT], rate_difference_p(pa[0], 1.0, pb[0], 1.0)
    if row.then_interval and row.now_interval:
        (then_lo, then_hi), (now_lo, now_hi) = row.then_interval, row.now_interval
        return TESTS["interval"], estimate_difference_p(row.then, then_lo, then_hi, row.now, now_lo, now_hi)
    return "", None


def _number(value) -> bool:
    """A finite number (NaN and Infinity, which Python's JSON reads, are no value to compare)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _table_rows(a: Side, b: Side, job: str, out: RunComparison) -> list[Row]:
    """The grouped tables both runs recorded (a first column of groups, ``n`` and
    ``suppressed``), cell by cell through the gate: a group's value where it was shown in
    that run and holds at least the larger ``min_group``; its difference only where both are."""
    gate = max(a.min_group, b.min_group)
    rows = []
    for name, table in a.results.items():
        other = b.results.get(name)
        if other is None or not (_grouped(table) and _grouped(other)):
            continue
        ta, tb = _by_group(table), _by_group(other)
        key = table["columns"][0]
        measures = [c for c in table["columns"][1:] if c in MEASURES and c in other["columns"]
                    and c not in {p for m in MEASURES.values() for p in m.parts if p != c}]
        for measure in measures:
            problem = _definition_problem(a, b, measure)
            if problem:
                out.left_out.append((job, f"{result_label(measure)[0]} by {key}", problem))
                continue
            for group in list(ta) + [g for g in tb if g not in ta]:
                then, now = (_gated(t.get(group), gate) for t in (ta, tb))
                row = compared(job, measure, f"{key} = {group}", then or {}, now or {}, out.alpha)
                if then is None or now is None:  # one side hidden: no difference, no test
                    row.difference, row.test, row.p, row.verdict = None, "", None, HIDDEN
                rows.append(row)
    return rows


def _grouped(table) -> bool:
    return (isinstance(table, dict) and isinstance(table.get("columns"), list) and isinstance(table.get("rows"), list)
            and "n" in table["columns"] and "suppressed" in table["columns"] and len(table["columns"]) > 2)


def _by_group(table: dict) -> dict:
    cols = table["columns"]
    return {str(r[0]): dict(zip(cols, r)) for r in table["rows"] if isinstance(r, list) and len(r) == len(cols)}


def _gated(row: dict | None, gate: int) -> dict | None:
    """A group's row where the gate lets it be shown, else ``None``."""
    if row is None or row.get("suppressed") is not False or not _number(row.get("n")) or row["n"] < gate:
        return None
    return row
