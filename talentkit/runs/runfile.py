"""Run files: what a batch run is, read and checked before any kernel starts.

A run file (``params/*.yaml``)::

    run: default                 # the run's name: outputs/<run>/
    style: report                # report hides code; teaching keeps it
    jobs_at_once: 2              # jobs executed in parallel
    defaults: {data: synthetic}  # parameters every job gets (where the notebook has them)
    jobs:
      - notebook: notebooks/01_metrics.ipynb
        params: {min_group: 5}
      - notebook: notebooks/03_case_study.ipynb
        matrix: {region: [US, CN]}   # one job per value: 03_case_study-US, 03_case_study-CN

Every parameter name and type is checked against the notebook's ``parameters`` cell
(papermill's inspection) before any kernel starts; an unknown name is an error that
names the closest match. Executing the checked jobs is :mod:`talentkit.runs.runner`'s concern.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..core.dates import day_problem
from ..core.errors import ParameterError, RunError
from ..core.yamlfile import YAMLFileError, key_errors, parse_yaml, read_yaml

# A run or job name becomes a folder under --out: a plain name, never ".", ".." or a path.
NAME_PATTERN = re.compile(r"\w[\w.\-]{0,99}")


def check_name(name: str) -> str:
    """``name`` when it is a plain folder name (letters, digits, ``_ . -``; not starting with
    a dot; at most 100 characters), else ``ValueError`` saying how to fix it."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or set(name) <= {"."}:
        raise ParameterError("use a plain name of letters, digits, '_', '.' or '-' that starts with a letter or "
                         "digit (it becomes a folder name: no '/', no '..', at most 100 characters)")
    return name


# --------------------------------------------------------------------------- run files


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notebook: str
    name: str | None = None
    params: dict = Field(default_factory=dict)
    matrix: dict[str, list] = Field(default_factory=dict)
    resources: dict[str, float] = Field(default_factory=dict)  # Dask worker resources, e.g. {GPU: 1}

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v):
        return v if v is None else check_name(v)


class Executor(BaseModel):
    """Where the jobs run: ``local`` (threads, a kernel each) or ``dask`` (a cluster at
    ``address``, or ``local:N`` for a LocalCluster of N worker processes)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["local", "dask"] = "local"
    address: str | None = None


MAX_JOBS_AT_ONCE = 64  # kernels one runner drives at once; more is a typo, not a plan
JobsAtOnce = Annotated[int, Field(ge=1, le=MAX_JOBS_AT_ONCE)]


def check_jobs_at_once(value) -> int | None:
    """``--jobs`` (or ``jobs_at_once=``) checked by the run file's own rule: a whole number
    from 1 to :data:`MAX_JOBS_AT_ONCE`; ``None`` means the run file's value."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_JOBS_AT_ONCE:
        raise RunError(f"jobs at once: {value!r} is not allowed; give 1 or more, at most {MAX_JOBS_AT_ONCE}")
    return value


class RunFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run: str
    style: Literal["report", "teaching"] = "report"
    jobs_at_once: JobsAtOnce = 1
    executor: Executor = Field(default_factory=Executor)
    defaults: dict = Field(default_factory=dict)
    jobs: list[Job] = Field(min_length=1)
    as_of: str | list[str] | None = None  # run on the data as it stood on a day, or one run per day (a backfill)

    @field_validator("as_of", mode="before")
    @classmethod
    def _days_as_text(cls, v):  # YAML reads 2025-01-31 as a date
        import datetime as dt

        text = lambda d: d.isoformat() if isinstance(d, dt.date) else d  # noqa: E731
        return [text(d) for d in v] if isinstance(v, list) else text(v)

    @field_validator("run")
    @classmethod
    def _safe_run(cls, v):
        return check_name(v)


_FIXES = {
    "missing": "add it",
    "extra_forbidden": "remove it or fix its spelling; allowed keys are {allowed}",
    "literal_error": "use one of the allowed values",
}


def load_run_file(path: str | Path) -> RunFile:
    """Read and validate a run file; errors name the file, the key and the fix."""
    path = Path(path)
    try:
        doc = read_yaml(path, "run file")
    except YAMLFileError as err:
        raise RunError(f"{err}; a run file is YAML such as params/default.yaml") from None
    if not isinstance(doc, dict):
        raise RunError(f"{path}: a run file is a mapping with keys run, jobs (and defaults, style, jobs_at_once)")
    try:
        return RunFile.model_validate(doc)
    except ValidationError as err:
        lines = []
        model_at = lambda loc: Job if "jobs" in [str(p) for p in loc][:1] else RunFile  # noqa: E731
        for key, e, close in key_errors(err, lambda loc: model_at(loc).model_fields):
            fix = _FIXES.get(e["type"], "correct the value").format(allowed=", ".join(model_at(e["loc"]).model_fields))
            if close:
                fix = f"did you mean '{close}'? " + fix
            lines.append(f"{path}: key '{key}': {e['msg']}; {fix}")
        raise RunError("\n".join(lines)) from None


# --------------------------------------------------------------------------- jobs


class PlannedJob(BaseModel):
    name: str
    notebook: Path
    params: dict
    resources: dict = Field(default_factory=dict)
    defaults: dict = Field(default_factory=dict)  # reach the job only where its notebook declares them
    overrides: dict = Field(default_factory=dict)  # -p values: like defaults, reach jobs that declare them, on top
    group: str = ""  # the run file's job this one came from (its name, or its notebook's stem)
    matrix: dict = Field(default_factory=dict)  # this job's values of that job's matrix


def resolve_notebook(notebook: str, run_file: Path) -> Path:
    """A notebook path as written: relative to the current folder, else to the run file's project."""
    for base in (Path.cwd(), run_file.parent, run_file.parent.parent):
        candidate = (base / notebook).resolve()
        if candidate.is_file():
            return candidate
    return Path(notebook)


def expand_jobs(run: RunFile, run_file: Path, overrides: dict | None = None) -> list[PlannedJob]:
    """Jobs with their matrix expanded, defaults merged under job params, overrides on top."""
    specs = []
    for job in run.jobs:
        base = job.name or Path(job.notebook).stem
        keys = list(job.matrix)
        combos = list(itertools.product(*(job.matrix[k] for k in keys))) or [()]
        for combo in combos:
            values = dict(zip(keys, combo))
            name = "-".join([base] + [re.sub(r"[^\w.\-]+", "_", str(v))[:30] for v in combo])
            params = {**job.params, **values}
            specs.append(PlannedJob(name=name, notebook=resolve_notebook(job.notebook, run_file),
                                 params=params, defaults=dict(run.defaults), resources=dict(job.resources),
                                 overrides=dict(overrides or {}), group=base, matrix=values))
    names = [s.name for s in specs]
    for name in names:
        try:
            check_name(name)
        except ValueError as err:
            raise RunError(f"{run_file}: job name '{name}': {err}") from None
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RunError(f"{run_file}: job names repeat ({', '.join(dupes)}); give each job its own 'name'")
    return specs


# --------------------------------------------------------------------------- allowed values

# A parameter's comment (its help text) may end with its allowed values in brackets:
#   folds = 5  # cross-validation folds [at least 2]
#   evaluation = "auto"  # how models are judged [auto | cv | split]
#   as_of = ""  # the date the data describes [date | empty]
# Items are separated by " | ": a word is a value allowed as written, ``empty`` the empty
# string, ``date`` a day written YYYY-MM-DD, ``at least 1``, ``more than 0``, ``at most 1``,
# ``less than 1`` or ``0 to 1`` a range (words, since papermill cannot read a help text with
# "="). A value is allowed when it matches one item. Papermill keeps the whole comment as
# the help text; the kit reads the brackets, checks every job before any kernel starts, and
# shows them in ``talentkit params``.
ALLOWED_CLAUSE = re.compile(r"\s*\[([^\[\]]+)\]\s*$")
RANGE_ITEM = re.compile(r"(at least|more than|at most|less than)\s+(-?[\d.]+)|(-?[\d.]+)\s+to\s+(-?[\d.]+)")


def split_help(help_text: str) -> tuple[str, list[str]]:
    """A parameter's help text without its allowed-values clause, and the clause's items."""
    m = ALLOWED_CLAUSE.search(help_text or "")
    if not m:
        return help_text or "", []
    return help_text[: m.start()].rstrip(), [item.strip() for item in m.group(1).split("|") if item.strip()]


def _fits(value, item: str) -> bool:
    if item == "empty":
        return value == ""
    if item == "date":
        return isinstance(value, str) and value != "" and day_problem(value) is None
    m = RANGE_ITEM.fullmatch(item)
    if m is None:
        return isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value) == item
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if m.group(1):
        bound = float(m.group(2))
        return {"at least": value >= bound, "more than": value > bound, "at most": value <= bound,
                "less than": value < bound}[m.group(1)]
    return float(m.group(3)) <= value <= float(m.group(4))


def closest_allowed(value, items: list[str]) -> str:
    """The allowed value nearest ``value``: the closest spelling of a word, the nearest end of
    a range, or the form a date takes."""
    words = [i for i in items if not RANGE_ITEM.fullmatch(i) and i not in ("date", "empty")]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for item in items:
            m = RANGE_ITEM.fullmatch(item)
            if m and m.group(1):  # the bound itself, or just past it
                bound, step = float(m.group(2)), 1 if isinstance(value, int) else 0.01
                nearest = {"more than": bound + step, "less than": bound - step}.get(m.group(1), bound)
                return f"{nearest:g}"
            if m:
                low, high = float(m.group(3)), float(m.group(4))
                return f"{min(max(value, low), high):g}"
    if words:
        hit = difflib.get_close_matches(str(value), words, n=1, cutoff=0)
        return hit[0] if hit else words[0]
    return "a day such as 2024-06-30" if "date" in items else items[0]


def value_problem(value, items: list[str]) -> str | None:
    """Why ``value`` is not among ``items`` (see :data:`ALLOWED_CLAUSE`), or ``None``."""
    if not items or any(_fits(value, item) for item in items):
        return None
    why = ""
    if "date" in items and isinstance(value, str) and value:
        why = f" ({value!r} {day_problem(value)})"
    return f"{value!r} is not allowed{why}: allowed {' | '.join(items)}; closest: {closest_allowed(value, items)}"


def coerce_value(value, type_name: str):
    """``value`` as the notebook's type where people type it otherwise: a number or a YAML date
    for a text parameter (``-p positive_label=0``, ``-p as_of=2024-06-30``) becomes its text; a
    whole float for a whole-number parameter its int."""
    import datetime as dt

    base = (type_name or "").split("[")[0].lower()
    if base == "str":
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    if base == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """The notebook's ``parameters`` cell: name -> {default, type, help, allowed} (papermill's
    inspection; ``allowed``: the items of the help's bracketed clause, see :func:`split_help`)."""
    import papermill

    params = papermill.inspect_notebook(str(notebook))
    out = {}
    for name, p in params.items():
        default = p.get("default")
        type_name = p.get("inferred_type_name") or "None"
        if type_name == "None" and default is not None:
            try:
                value = ast.literal_eval(default)
                type_name = "None" if value is None else type(value).__name__
            except (ValueError, SyntaxError):
                type_name = "None"
        help_text, allowed = split_help(p.get("help", ""))
        out[name] = {"default": default, "type": type_name, "help": help_text, "allowed": allowed}
    return out


def _type_ok(value, type_name: str) -> bool:
    if type_name in ("None", "", "Any") or value is None:
        return True
    checks = {
        "bool": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "str": lambda v: isinstance(v, str),
        "list": lambda v: isinstance(v, list),
        "dict": lambda v: isinstance(v, dict),
    }
    base = type_name.split("[")[0].lower()
    return checks.get(base, lambda v: True)(value)


def check_jobs(specs: list[PlannedJob], run_file: Path) -> list[PlannedJob]:
    """Check every job before any kernel starts; return the jobs with their final parameters.

    Defaults and ``-p`` overrides reach a job only where its notebook declares them (one
    that no notebook of the run declares is an error); a job's own parameter that its
    notebook lacks is an error. Values are coerced as people type them
    (:func:`coerce_value`) and checked against the allowed values of the parameters cell
    (:func:`split_help`) and the privacy rule on ``min_group``.
    """
    errors, checked, cache = [], [], {}
    for spec in specs:
        if not spec.notebook.is_file():
            errors.append(f"{run_file}: job '{spec.name}': notebook {spec.notebook} not found; "
                          "give its path relative to the project folder")
            continue
        if spec.notebook not in cache:
            try:
                cache[spec.notebook] = notebook_parameters(spec.notebook)
            except Exception as exc:  # noqa: BLE001 -- nbformat/papermill read errors
                errors.append(f"{spec.notebook}: cannot read the notebook ({exc})")
                continue
        declared = cache[spec.notebook]
        params = {k: v for k, v in spec.defaults.items() if k in declared}
        params.update(spec.params)
        params.update({k: v for k, v in spec.overrides.items() if k in declared})
        for key, value in list(params.items()):
            if key not in declared:
                close = difflib.get_close_matches(key, list(declared), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                errors.append(f"{run_file}: job '{spec.name}': unknown parameter '{key}'; {hint}"
                              f"{spec.notebook.name} takes: {', '.join(declared) or '(none)'}")
                continue
            value = params[key] = coerce_value(value, declared[key]["type"])
            if not _type_ok(value, declared[key]["type"]):
                quote = " (quote it to pass text)" if declared[key]["type"] == "str" else ""
                errors.append(f"{run_file}: job '{spec.name}': parameter '{key}' = {value!r} is a "
                              f"{type(value).__name__}, the notebook expects {declared[key]['type']}{quote} "
                              f"(default {declared[key]['default']})")
            elif (why := value_problem(value, declared[key]["allowed"])) is not None:
                errors.append(f"{run_file}: job '{spec.name}': parameter '{key}' = {why}")
        errors += _min_group_problems(spec, params, declared, run_file)
        checked.append(spec.model_copy(update={"params": params, "defaults": {}, "overrides": {}}))  # now in params
    # a default that no job's notebook declares is a typo, not an option: name the closest
    declared_anywhere = {name for params in cache.values() for name in params}
    for where, given, fix in (("defaults", specs[0].defaults if specs and cache else {}, "remove it or fix its spelling"),
                              ("-p", specs[0].overrides if specs and cache else {},
                               "`talentkit params <notebook>` lists a notebook's parameters")):
        for key in given:
            if key not in declared_anywhere:
                close = difflib.get_close_matches(key, sorted(declared_anywhere), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                head = f"{run_file}: key 'defaults.{key}'" if where == "defaults" else f"-p {key}: unknown parameter '{key}'"
                errors.append(f"{head}: no notebook of this run takes it; {hint}{fix}")
    if errors:
        raise RunError("\n".join(errors))
    return checked


def _min_group_problems(spec: PlannedJob, params: dict, declared: dict, run_file: Path) -> list[str]:
    """The privacy rule every notebook applies first (``privacy.check_min_group``), applied
    before the kernel starts: min_group of 3 or more, 1-2 only with allow_small_groups."""
    from ..core.privacy import check_min_group

    if "min_group" not in declared:
        return []
    def given(name):
        if name in params:
            return params[name]
        try:
            return ast.literal_eval(declared[name]["default"]) if name in declared else False
        except (ValueError, SyntaxError):
            return None
    try:
        check_min_group(given("min_group"), bool(given("allow_small_groups")))
    except ValueError as err:
        return [f"{run_file}: job '{spec.name}': parameter 'min_group' = {given('min_group')!r}: {err}"]
    return []


# --------------------------------------------------------------------------- execution


def parse_overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise RunError(f"-p {pair}: write overrides as key=value, e.g. -p min_group=10")
        key, value = pair.split("=", 1)
        try:
            out[key.strip()] = parse_yaml(value, f"-p {key.strip()}") if value.strip() else ""
        except YAMLFileError as err:
            if "not valid YAML" not in str(err):
                raise RunError(str(err)) from None
            out[key.strip()] = value  # not YAML (or no real day, 2024-02-30): the text as written
    return out


def inside(path: Path, root: Path) -> Path:
    """``path`` resolved, when it lies inside ``root`` (resolved); else ``RunError``. Every
    folder the runner writes or removes passes here."""
    resolved, base = path.resolve(), root.resolve()
    if resolved == base or not resolved.is_relative_to(base):
        raise RunError(f"{path} resolves to {resolved}, outside {base}; the runner writes only inside its "
                       "output folder (check the run and job names, and symbolic links)")
    return resolved
