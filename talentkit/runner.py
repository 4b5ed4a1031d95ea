"""Batch runs: a YAML run file -> checked jobs -> papermill -> reports and an index page.

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
names the closest match.
"""

from __future__ import annotations

import ast
import concurrent.futures as cf
import difflib
import itertools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import render  # first: it also skips a slow optional import of nbformat's (see render)
from .yamlfile import YAMLFileError, parse_yaml, read_yaml

KERNEL_NAME = "talentkit"


class RunError(Exception):
    """A run file or its jobs cannot run as written; the message says where and how to fix."""


# A run or job name becomes a folder under --out: a plain name, never ".", ".." or a path.
NAME_PATTERN = re.compile(r"\w[\w.\-]{0,99}")


def check_name(name: str) -> str:
    """``name`` when it is a plain folder name (letters, digits, ``_ . -``; not starting with
    a dot; at most 100 characters), else ``ValueError`` saying how to fix it."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or set(name) <= {"."}:
        raise ValueError("use a plain name of letters, digits, '_', '.' or '-' that starts with a letter or "
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


class RunFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run: str
    style: Literal["report", "teaching"] = "report"
    jobs_at_once: int = Field(1, ge=1, le=64)
    executor: Executor = Field(default_factory=Executor)
    defaults: dict = Field(default_factory=dict)
    jobs: list[Job] = Field(min_length=1)

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
        for e in err.errors():
            key = ".".join(str(p) for p in e["loc"])
            model = Job if "jobs" in [str(p) for p in e["loc"]][:1] else RunFile
            fix = _FIXES.get(e["type"], "correct the value").format(allowed=", ".join(model.model_fields))
            close = difflib.get_close_matches(str(e["loc"][-1]), list(model.model_fields), n=1, cutoff=0.6)
            if e["type"] == "extra_forbidden" and close:
                fix = f"did you mean '{close[0]}'? " + fix
            lines.append(f"{path}: key '{key}': {e['msg']}; {fix}")
        raise RunError("\n".join(lines)) from None


# --------------------------------------------------------------------------- jobs


class JobSpec(BaseModel):
    name: str
    notebook: Path
    params: dict
    resources: dict = Field(default_factory=dict)
    defaults: dict = Field(default_factory=dict)  # reach the job only where its notebook declares them


def resolve_notebook(notebook: str, run_file: Path) -> Path:
    """A notebook path as written: relative to the current folder, else to the run file's project."""
    for base in (Path.cwd(), run_file.parent, run_file.parent.parent):
        candidate = (base / notebook).resolve()
        if candidate.is_file():
            return candidate
    return Path(notebook)


def expand_jobs(run: RunFile, run_file: Path, overrides: dict | None = None) -> list[JobSpec]:
    """Jobs with their matrix expanded, defaults merged under job params, overrides on top."""
    specs = []
    for job in run.jobs:
        base = job.name or Path(job.notebook).stem
        keys = list(job.matrix)
        combos = list(itertools.product(*(job.matrix[k] for k in keys))) or [()]
        for combo in combos:
            values = dict(zip(keys, combo))
            name = "-".join([base] + [re.sub(r"[^\w.\-]+", "_", str(v))[:30] for v in combo])
            params = {**job.params, **values, **(overrides or {})}
            specs.append(JobSpec(name=name, notebook=resolve_notebook(job.notebook, run_file),
                                 params=params, defaults=dict(run.defaults), resources=dict(job.resources)))
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


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """The notebook's ``parameters`` cell: name -> {default, type, help} (papermill's inspection)."""
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
        out[name] = {"default": default, "type": type_name, "help": p.get("help", "")}
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


def check_jobs(specs: list[JobSpec], run_file: Path) -> list[JobSpec]:
    """Check every job before any kernel starts; return the jobs with their final parameters.

    Defaults reach a job only where its notebook declares them; a job's own parameter
    (or a ``-p`` override) that the notebook lacks is an error.
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
            except Exception as exc:  # nbformat/papermill read errors
                errors.append(f"{spec.notebook}: cannot read the notebook ({exc})")
                continue
        declared = cache[spec.notebook]
        params = {k: v for k, v in spec.defaults.items() if k in declared}
        params.update(spec.params)
        for key, value in params.items():
            if key not in declared:
                close = difflib.get_close_matches(key, list(declared), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                errors.append(f"{run_file}: job '{spec.name}': unknown parameter '{key}'; {hint}"
                              f"{spec.notebook.name} takes: {', '.join(declared) or '(none)'}")
            elif not _type_ok(value, declared[key]["type"]):
                errors.append(f"{run_file}: job '{spec.name}': parameter '{key}' = {value!r} is a "
                              f"{type(value).__name__}, the notebook expects {declared[key]['type']} "
                              f"(default {declared[key]['default']})")
        checked.append(JobSpec(name=spec.name, notebook=spec.notebook, params=params, resources=spec.resources))
    # a default that no job's notebook declares is a typo, not an option: name the closest
    declared_anywhere = {name for params in cache.values() for name in params}
    for key in (specs[0].defaults if specs and cache else {}):
        if key not in declared_anywhere:
            close = difflib.get_close_matches(key, sorted(declared_anywhere), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            errors.append(f"{run_file}: key 'defaults.{key}': no notebook of this run takes it; {hint}"
                          f"remove it or fix its spelling")
    if errors:
        raise RunError("\n".join(errors))
    return checked


# --------------------------------------------------------------------------- execution


def ensure_kernel() -> str:
    """Register this interpreter as the ``talentkit`` kernel when missing or pointing elsewhere."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if spec.argv and Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (talentkit)", prefix=sys.prefix)
    return KERNEL_NAME


_LIVE_KERNELS: set[int] = set()  # pids of the kernels this run started and has not seen stop


def job_kernel_manager(job_dir: str, env: dict | None = None):
    """A kernel manager class whose kernels know their job folder (``TALENTKIT_JOB_DIR``),
    so ``talentkit.record`` writes there; per job, so jobs can share this process. Its
    kernels are registered so Ctrl-C can interrupt them. ``env``: variables to set (or,
    with ``None``, to remove) in the kernel's environment."""
    from jupyter_client.manager import AsyncKernelManager

    from .record import ENV_JOB_DIR

    class JobKernelManager(AsyncKernelManager):
        pid = None  # this job's kernel, once started

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["env"] = {**(kw.get("env") or os.environ), ENV_JOB_DIR: job_dir}
            for key, value in (env or {}).items():
                if value is None:
                    kw["env"].pop(key, None)
                else:
                    kw["env"][key] = value
            out = await super()._async_launch_kernel(kernel_cmd, **kw)
            type(self).pid = getattr(self.provisioner, "pid", None)
            if type(self).pid:
                _LIVE_KERNELS.add(type(self).pid)
            return out

    return JobKernelManager


def interrupt_kernels() -> None:
    """Send SIGINT to every kernel of this run still alive: their cells stop, papermill saves
    the notebooks and shuts the kernels down."""
    import signal

    for pid in list(_LIVE_KERNELS):
        try:
            os.kill(pid, signal.SIGINT)
        except (ProcessLookupError, PermissionError):
            _LIVE_KERNELS.discard(pid)


def run_job(job: dict) -> dict:
    """Execute one job (papermill, one kernel of its own) and render its report."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out_dir = Path(job["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    output_nb = out_dir / job["output_notebook"]
    result = {"status": "ok", "error": None}
    started = time.time()
    manager = job_kernel_manager(str(out_dir.resolve()), job.get("env"))
    try:
        papermill.execute_notebook(
            job["notebook"], str(output_nb), parameters=job["params"], kernel_name=job["kernel"],
            progress_bar={"desc": job["name"][:28].ljust(28), "position": job["position"], "leave": False}
            if job["progress"] else False,
            cwd=job["cwd"], execution_timeout=job["timeout"], log_output=False,
            kernel_manager_class=manager,
        )
    except PapermillExecutionError as exc:
        status = "interrupted" if exc.ename == "KeyboardInterrupt" else "failed"
        result.update(status=status, error=f"{exc.ename}: {exc.evalue}".strip()[:500])
    except KeyboardInterrupt:
        result.update(status="interrupted", error="interrupted (Ctrl-C)")
    except Exception as exc:  # kernel death, timeouts, missing kernel: the job fails, the run goes on
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
        if _kernel_trouble(exc):
            result["kernel_trouble"] = True
    finally:
        _LIVE_KERNELS.discard(manager.pid)  # papermill has shut it down
    result["duration_s"] = round(time.time() - started, 2)
    if output_nb.exists():
        try:
            render.render_notebook(output_nb, out_dir / "report.html", job["style"])
        except Exception as exc:
            result["render_error"] = f"{type(exc).__name__}: {exc}"[:500]
    return result


def _kernel_trouble(exc: Exception) -> bool:
    """A kernel that died or never started (not the notebook's own error): worth a retry."""
    from nbclient.exceptions import DeadKernelError

    text = str(exc).lower()
    return isinstance(exc, DeadKernelError) or "kernel died" in text or "kernel didn't respond" in text


def _versions() -> dict:
    names = ["talentkit", "papermill", "nbconvert", "pandas", "numpy", "pandera", "lifelines", "networkx",
             "scikit-learn", "scipy", "torch", "transformers", "accelerate"]
    out = {"python": platform.python_version()}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            pass
    return out


def _git_commit(where: Path) -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=where, capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _device() -> dict:
    gpus = []
    if shutil.which("nvidia-smi"):
        try:
            q = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                               capture_output=True, text=True, timeout=10)
            gpus = [line.strip() for line in q.stdout.splitlines() if line.strip()]
        except (OSError, subprocess.SubprocessError):
            pass
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "gpus": gpus}


def _shown_path(path: Path) -> str:
    """``path`` relative to the current folder where it lies below it."""
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def inside(path: Path, root: Path) -> Path:
    """``path`` resolved, when it lies inside ``root`` (resolved); else ``RunError``. Every
    folder the runner writes or removes passes here."""
    resolved, base = path.resolve(), root.resolve()
    if resolved == base or not resolved.is_relative_to(base):
        raise RunError(f"{path} resolves to {resolved}, outside {base}; the runner writes only inside its "
                       "output folder (check the run and job names, and symbolic links)")
    return resolved


def is_run_folder(path: Path) -> bool:
    """A folder this runner wrote: a real folder (not a link) holding the runner's ``run.json``."""
    info = path / "run.json"
    if path.is_symlink() or not path.is_dir() or not info.is_file():
        return False
    try:
        doc = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and {"run", "jobs", "started"} <= set(doc)


def choose_run_dir(out_root: Path, name: str, force: bool, new: bool) -> Path:
    """``out_root/name``; an existing one is refused unless ``force`` (replace, and only a folder
    that holds the runner's ``run.json``) or ``new`` (suffix). Never a path outside ``out_root``."""
    out_root = Path(out_root)
    try:
        check_name(name)
    except ValueError as err:
        raise RunError(f"run name '{name}': {err}") from None
    target = out_root / name
    inside(target, out_root)
    if not target.exists() and not target.is_symlink():
        return target
    if force:
        if not is_run_folder(target):
            raise RunError(f"{target} exists and is not a talentkit run folder (no run.json written by the runner); "
                           "--force replaces only earlier runs. Choose another run name or --out, or remove it yourself")
        shutil.rmtree(inside(target, out_root))
        return target
    if new:
        for k in itertools.count(2):
            candidate = out_root / f"{name}-{k}"
            if not candidate.exists() and not candidate.is_symlink():
                return candidate
    raise RunError(f"{target} exists already; a run never overwrites one. Pass --new to write "
                   f"{name}-2 beside it, or --force to replace it")


def _run_local(payloads: list[dict], workers: int, info: dict, finish) -> None:
    """Run the jobs on threads of this process, ``workers`` at once; ``finish(index, result)``
    as each ends. On Ctrl-C: start nothing new, stop the running cells, keep what they saved,
    then raise ``KeyboardInterrupt``."""
    # Threads suffice: each job's work runs in its own kernel process; this process
    # only drives kernels and renders, and shares its warm imports across jobs.
    with cf.ThreadPoolExecutor(max_workers=workers) as pool:
        def started(i, payload):  # the one key a worker thread writes: run.json can tell what was in flight
            info["jobs"][i]["status"] = "running"
            return run_job(payload)

        futures = {pool.submit(started, i, p): i for i, p in enumerate(payloads)}
        pending = set(futures)
        interrupted = False
        while pending:
            try:
                for fut in cf.as_completed(pending):
                    pending.discard(fut)
                    i = futures[fut]
                    try:
                        finish(i, fut.result())
                    except Exception as exc:  # a bug in the runner itself: the job fails, the run goes on
                        finish(i, {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:500]})
                    if info["jobs"][i]["status"] == "interrupted" and not interrupted:
                        raise KeyboardInterrupt
            except KeyboardInterrupt:
                interrupted = True
                pending = {f for f in pending if not f.cancel()}
                interrupt_kernels()
        if interrupted:
            raise KeyboardInterrupt


def _sigterm_as_interrupt(info: dict):
    """Treat SIGTERM (a scheduler's stop, ``kill``) like Ctrl-C: running cells are interrupted,
    partial notebooks kept, ``run.json`` made final. Returns a function that restores the
    previous handler. Only the main thread can install signal handlers; elsewhere a no-op."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_term(signum, frame):
        info["signal"] = "SIGTERM"
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    return lambda: signal.signal(signal.SIGTERM, previous)


def execute_run(run_file: str | Path, out_root: str | Path = "outputs", overrides: dict | None = None,
                jobs_at_once: int | None = None, timeout: int | None = None, force: bool = False,
                new: bool = False, progress: bool = True, style: str | None = None,
                cluster: str | None = None) -> tuple[int, Path]:
    """Check, then execute every job; write reports, ``run.json`` and ``index.html``.

    ``cluster``: run the jobs on Dask (``local:N`` or a scheduler address; see
    :mod:`talentkit.cluster`) instead of the run file's executor. Returns
    ``(exit_status, run_dir)``: 0 when every job succeeded, 130 when interrupted, 1 otherwise.
    """
    from tqdm.auto import tqdm

    run_file = Path(run_file)
    if jobs_at_once is not None and (not isinstance(jobs_at_once, int) or jobs_at_once < 1):
        raise RunError(f"jobs at once must be a whole number of at least 1, not {jobs_at_once!r}")
    if timeout is not None and (not isinstance(timeout, int) or timeout < 1):
        raise RunError(f"timeout must be a whole number of seconds, at least 1, not {timeout!r}")
    run = load_run_file(run_file)
    jobs = check_jobs(expand_jobs(run, run_file, overrides), run_file)
    if cluster is None and run.executor.kind == "dask":
        cluster = run.executor.address or "local:2"
    if cluster is not None:
        from .cluster import parse_cluster

        try:
            parse_cluster(cluster)
        except ValueError as err:
            raise RunError(str(err)) from None
    run_dir = choose_run_dir(Path(out_root), run.run, force, new)
    run_dir.mkdir(parents=True)
    for j in jobs:
        inside(run_dir / j.name, run_dir)
    kernel = ensure_kernel()
    style = style or run.style
    info = {
        "run": run.run, "run_file": str(run_file), "style": style, "started": _now(), "ended": None,
        "status": "running", "versions": _versions(), "git_commit": _git_commit(run_file.resolve().parent),
        "device": _device(), "overrides": overrides or {},
        "small_groups_allowed": any(j.params.get("allow_small_groups") is True for j in jobs),
        "executor": {"kind": "dask", "cluster": cluster} if cluster else {"kind": "local"},
        "jobs": [{"name": j.name, "notebook": _shown_path(j.notebook),
                  "output_notebook": j.notebook.name, "parameters": j.params, "status": "pending",
                  "error": None, "duration_s": None} for j in jobs],
    }

    def save():
        (run_dir / "run.json").write_text(json.dumps(info, indent=1, default=str), encoding="utf-8")

    save()
    payloads = [{"name": j.name, "notebook": str(j.notebook), "params": j.params, "out_dir": str(run_dir / j.name),
                 "output_notebook": j.notebook.name, "kernel": kernel, "cwd": str(Path.cwd()),
                 "timeout": timeout, "style": style, "position": i + 1, "progress": progress}
                for i, j in enumerate(jobs)]
    workers = min(jobs_at_once or run.jobs_at_once, len(jobs))
    overall = tqdm(total=len(jobs), desc=f"run {run.run}", unit="job", position=0, disable=not progress)

    def finish(index: int, result: dict):  # called from the main thread only
        info["jobs"][index].update(result)
        overall.update(1)
        save()

    restore_sigterm = _sigterm_as_interrupt(info)
    try:
        if cluster is not None:
            from .cluster import run_on_dask

            run_on_dask(cluster, payloads, [j.resources for j in jobs], info, finish, run_dir)
        else:
            _run_local(payloads, workers, info, finish)
        info["status"] = "ok" if all(j["status"] == "ok" for j in info["jobs"]) else "failed"
    except KeyboardInterrupt:
        for j in info["jobs"]:
            if j["status"] in ("pending", "running", "submitted"):
                j["status"] = "interrupted" if j["status"] == "running" else "not run"
        info["status"] = "interrupted"
    except Exception as exc:  # e.g. no cluster at the address: run.json still ends final
        for j in info["jobs"]:
            if j["status"] in ("pending", "running", "submitted"):
                j["status"] = "not run"
        info.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    finally:
        restore_sigterm()
        overall.close()
        info["ended"] = _now()
        save()
        render.render_index(run_dir)
    return (0 if info["status"] == "ok" else 130 if info["status"] == "interrupted" else 1), run_dir


def rerender(run_dir: str | Path, style: str | None = None) -> Path:
    """Re-render every executed job of a run, and its index."""
    run_dir = Path(run_dir)
    info_path = run_dir / "run.json"
    if not info_path.exists():
        raise RunError(f"{run_dir}: no run.json here; give a folder written by 'talentkit run'")
    if not is_run_folder(run_dir):
        raise RunError(f"{run_dir}: its run.json is not one the runner wrote; give a folder written by 'talentkit run'")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    for job in info["jobs"]:
        try:
            check_name(job["name"])
        except ValueError as err:
            raise RunError(f"{info_path}: job name {job['name']!r}: {err}") from None
        nb = inside(run_dir / job["name"] / job["output_notebook"], run_dir)
        if nb.exists():
            render.render_notebook(nb, nb.parent / "report.html", style or info.get("style", "report"))
    return render.render_index(run_dir)


# --------------------------------------------------------------------------- command line


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
            out[key.strip()] = value  # not YAML: the text as written
    return out


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1, or a message saying so."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number; give 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give 1 or more")
    return value


def cmd_run(args) -> int:
    try:
        overrides = parse_overrides(args.p)
        if args.check:
            for rf in args.run_files:
                run = load_run_file(rf)
                jobs = check_jobs(expand_jobs(run, Path(rf), overrides), Path(rf))
                print(f"{rf}: {len(jobs)} job(s) check out: {', '.join(j.name for j in jobs)}")
            return 0
        status = 0
        for rf in args.run_files:
            code, run_dir = execute_run(rf, out_root=args.out, overrides=overrides, jobs_at_once=args.jobs,
                                        timeout=args.timeout, force=args.force, new=args.new,
                                        progress=not args.quiet, style=args.style, cluster=args.cluster)
            info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
            for j in info["jobs"]:
                extra = f"  {j['error']}" if j.get("error") else ""
                print(f"  {j['status']:<11} {j['name']}{extra}")
            print(f"index: {(run_dir / 'index.html').resolve()}")
            status = max(status, code)
        return status
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # --out is a file, a disk is full, a folder is not writable
        print(f"error: {getattr(err, 'filename', '') or ''}: {err.strerror or err}; check --out and its permissions",
              file=sys.stderr)
        return 2


def cmd_params(args) -> int:
    path = Path(args.notebook)
    if not path.is_file():
        print(f"error: {path}: notebook not found", file=sys.stderr)
        return 2
    try:
        params = notebook_parameters(path)
    except Exception as exc:  # nbformat and papermill raise many kinds for a file that is not a notebook
        print(f"error: {path}: cannot read the notebook ({type(exc).__name__}); give a .ipynb file", file=sys.stderr)
        return 2
    if not params:
        print(f"{path}: no cell tagged 'parameters'")
        return 0
    width = max(len(n) for n in params)
    for name, p in params.items():
        print(f"{name:<{width}}  {p['type']:<6} = {p['default']:<24}  {p['help']}")
    return 0


def cmd_render(args) -> int:
    try:
        index = rerender(args.run_dir, args.style)
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"index: {index.resolve()}")
    return 0


def add_commands(sub) -> None:
    run = sub.add_parser("run", help="run the notebooks of one or more run files")
    run.add_argument("run_files", nargs="+", help="YAML run files, e.g. params/default.yaml")
    run.add_argument("--check", action="store_true", help="only check parameters against the notebooks")
    run.add_argument("-p", action="append", metavar="KEY=VALUE", help="override a parameter in every job")
    run.add_argument("--jobs", type=positive_int, help="jobs at once (overrides the run file's jobs_at_once)")
    run.add_argument("--timeout", type=positive_int, help="seconds a cell may run before the job fails")
    run.add_argument("--out", default="outputs", help="where runs are written (default: outputs)")
    run.add_argument("--style", choices=["report", "teaching"], help="override the run file's style")
    run.add_argument("--force", action="store_true", help="replace an existing run folder")
    run.add_argument("--new", action="store_true", help="write <run>-2 (-3, ...) when the run folder exists")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--cluster", metavar="ADDRESS", help="run the jobs on Dask: local:N (a LocalCluster of N worker "
                     "processes) or a scheduler address such as tcp://host:8786")
    run.set_defaults(func=cmd_run)
    params = sub.add_parser("params", help="list a notebook's parameters with defaults and help")
    params.add_argument("notebook")
    params.set_defaults(func=cmd_params)
    render = sub.add_parser("render", help="re-render the reports and index of an executed run")
    render.add_argument("run_dir")
    render.add_argument("--style", choices=["report", "teaching"])
    render.set_defaults(func=cmd_render)
