"""Batch runs: checked jobs (:mod:`talentkit.runs.runfile`) -> papermill -> reports and an index page.

Each job runs in its own kernel (the project's, named explicitly) and writes
``outputs/<run>/<job>/``: the executed notebook, its report, its recorded results and
figures. ``run.json`` records what produced the run (parameters, versions, git commit,
times, executor); ``index.html`` links every job. Jobs run in local processes or on Dask
(:mod:`talentkit.runs.cluster`).
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ..core.errors import RunError, RunJSONError
from ..core.results import NOTEBOOK_DIR_ENV
from . import render  # before anything loads nbformat: it skips a slow optional import of nbformat's (see render)
from .kernels import THREAD_VARIABLES, ensure_kernel, interrupt_kernels, run_job, start_fork_server, thread_limits
from .runfile import check_jobs, check_jobs_at_once, check_name, expand_jobs, inside, load_run_file
from .runrecord import JobRecord, RunRecord


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


def is_run_folder(path: Path) -> bool:
    """A folder this runner wrote: a real folder (not a link) holding the runner's ``run.json``."""
    return not path.is_symlink() and path.is_dir() and RunRecord.peek(path) is not None


def live_writer(folder: Path) -> str | None:
    """Who is still writing the run in ``folder``, or ``None``: its run.json says ``running``
    with the process id and host of the runner writing it (a run killed outright leaves a
    dead process id and counts as over). A run of another host cannot be checked: it counts
    as live."""
    record = RunRecord.peek(folder)
    if record is None or record.status != "running" or record.pid is None:
        return None
    if record.host != socket.gethostname():
        return f"a run on host {record.host!r} (process {record.pid}), started {record.started}"
    try:
        os.kill(record.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return f"process {record.pid} on this machine, started {record.started}"


def replaced_name(target: Path) -> Path:
    """Where ``--force`` keeps the run it replaces until the new one has finished well."""
    return target.parent / f".{target.name}.replaced"


def choose_run_dir(out_root: Path, name: str, force: bool, new: bool) -> Path:
    """``out_root/name``; an existing one is refused unless ``force`` or ``new`` (suffix). Never
    a path outside ``out_root``.

    ``force`` replaces only a folder that holds the runner's ``run.json`` and that no live
    runner is writing (:func:`live_writer`); the old run is moved aside (:func:`replaced_name`)
    and removed only once the new one has ended well (:func:`execute_run`), so a new run that
    fails or is interrupted loses nothing."""
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
        writer = live_writer(target)
        if writer:
            raise RunError(f"{target} is still being written by {writer}; --force never replaces a live run. "
                           "Wait for it to end (or stop it), or pass --new to write beside it")
        aside = inside(replaced_name(target), out_root)
        if aside.exists() and is_run_folder(aside):  # an earlier --force whose new run did not end well
            if RunRecord.status_in(target) == "ok":
                shutil.rmtree(aside)  # the run there now is the better one to keep
            else:
                shutil.rmtree(inside(target, out_root))  # a failed run; the last good one stays aside
                return target
        inside(target, out_root).rename(aside)
        return target
    if new:
        for k in itertools.count(2):
            candidate = out_root / f"{name}-{k}"
            if not candidate.exists() and not candidate.is_symlink():
                return candidate
    raise RunError(f"{target} exists already; a run never overwrites one. Pass --new to write "
                   f"{name}-2 beside it, or --force to replace it")


# What may follow a run's name in an earlier run of it: a day (--as-of) and a number (--new).
EARLIER_SUFFIX = re.compile(r"(-\d{4}-\d{2}-\d{2})?(-\d+)?")


def start_order(out_root: Path, run_name: str, names: list[str]) -> list[int]:
    """The order to start a run's jobs in: longest first, by their times in the latest earlier
    run of the same name under ``out_root`` (``name``, ``name-N``, ``name-<day>`` or
    ``name-<day>-N``), so the long jobs do not start last and leave the other cores idle at
    the end (longest processing time first, the classic rule for jobs on parallel machines);
    jobs that run did not finish come first, in run-file order. With no earlier run: the run
    file's order."""
    earlier = []
    for folder in Path(out_root).iterdir() if Path(out_root).is_dir() else []:
        suffix = folder.name[len(run_name):] if folder.name.startswith(run_name) else None
        record = RunRecord.peek(folder) if suffix is not None and EARLIER_SUFFIX.fullmatch(suffix) \
            and not folder.is_symlink() else None
        if record is not None:
            earlier.append((record.started, record))
    if not earlier:
        return list(range(len(names)))
    last = max(earlier, key=lambda e: e[0])[1]
    took = {j.name: j.duration_s for j in last.jobs if j.status == "ok" and j.duration_s is not None}
    return sorted(range(len(names)), key=lambda i: (names[i] in took, -took.get(names[i], 0.0), i))


def _run_local(payloads: list[dict], workers: int, status, finish, order: list[int] | None = None) -> None:
    """Run the jobs on threads of this process, ``workers`` at once, started in ``order``
    (indices; default: as given); ``status(index, "running")`` as each starts and
    ``finish(index, result)`` as each ends. On Ctrl-C: start nothing new, stop the running
    cells, keep what they saved, then raise ``KeyboardInterrupt``."""
    # Threads suffice: each job's work runs in its own kernel process; this process
    # only drives kernels and renders, and shares its warm imports across jobs.
    with cf.ThreadPoolExecutor(max_workers=workers) as pool:
        def started(i, payload):  # the one change a worker thread makes: run.json can tell what was in flight
            status(i, "running")
            return run_job(payload)

        futures = {pool.submit(started, i, payloads[i]): i for i in (order or range(len(payloads)))}
        pending = set(futures)
        interrupted = False
        while pending:
            try:
                for fut in _completed(pending):
                    pending.discard(fut)
                    i = futures[fut]
                    try:
                        result = fut.result()
                    except Exception as exc:  # noqa: BLE001 -- a bug in the runner itself: the job fails, the run goes on
                        result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:500]}
                    finish(i, result)
                    if result.get("status") == "interrupted" and not interrupted:
                        raise KeyboardInterrupt
            except KeyboardInterrupt:
                interrupted = True
                pending = {f for f in pending if not f.cancel()}
                interrupt_kernels()
        if interrupted:
            raise KeyboardInterrupt


WAKE_EVERY_S = 0.5  # the main thread's longest wait while jobs run: how late a Ctrl-C may be seen


def _completed(pending: set):
    """The futures of ``pending`` as they complete, the main thread waking every
    :data:`WAKE_EVERY_S` meanwhile. Linux may hand a Ctrl-C to any thread of this process (a
    job's among them), and Python raises it in the main thread only when that thread next runs
    Python: blocked in ``as_completed``, it saw the Ctrl-C only when a job ended."""
    waiting = set(pending)
    while waiting:
        done, waiting = cf.wait(waiting, timeout=WAKE_EVERY_S, return_when=cf.FIRST_COMPLETED)
        yield from done


def _sigterm_as_interrupt(record: RunRecord):
    """Treat SIGTERM (a scheduler's stop, ``kill``) like Ctrl-C: running cells are interrupted,
    partial notebooks kept, ``run.json`` made final. Returns a function that restores the
    previous handler. Only the main thread can install signal handlers; elsewhere a no-op."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_term(signum, frame):
        record.signal = "SIGTERM"
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    return lambda: signal.signal(signal.SIGTERM, previous)


def kernel_threads(cluster: str | None, workers: int) -> dict[str, str | None]:
    """Each kernel's thread variables: this machine's cores shared among the jobs it runs at
    once (``workers`` here, or the worker processes of ``local:N``); on a cluster elsewhere,
    this process's own settings, as Dask's workers cannot be counted from here."""
    if cluster is None:
        return thread_limits(workers)
    from .cluster import parse_cluster

    kind, where = parse_cluster(cluster)
    return thread_limits(int(where)) if kind == "local" else {k: os.environ.get(k) for k in THREAD_VARIABLES}


def execute_run(run_file: str | Path, out_root: str | Path = "outputs", overrides: dict | None = None,
                jobs_at_once: int | None = None, timeout: int | None = None, force: bool = False,
                new: bool = False, progress: bool = True, style: str | None = None,
                cluster: str | None = None, as_of: str | None = None) -> tuple[int, Path]:
    """Check, then execute every job; write reports, ``run.json`` and ``index.html``.

    The steps, in order: check the run file, its jobs and the cluster (:func:`check_run`);
    choose the folder (:func:`choose_run_dir`); start the record (:func:`start_record`);
    dispatch the jobs to the executor (:func:`dispatch`); finish the record; render the index.

    Parameters
    ----------
    run_file : path
        A YAML run file (:mod:`talentkit.runs.runfile`).
    out_root : path
        Where run folders are written.
    overrides : dict, optional
        ``-p`` values, for the jobs whose notebooks declare them.
    jobs_at_once, timeout : int, optional
        Jobs in parallel (default the run file's); seconds a cell may run.
    force, new : bool
        Replace an earlier run of the name (kept aside until this one ends well), or write
        ``<run>-2`` beside it.
    progress : bool
        Progress bars.
    style : str, optional
        ``report`` or ``teaching``; default the run file's.
    cluster : str, optional
        Run the jobs on Dask (``local:N`` or a scheduler address; :mod:`talentkit.runs.cluster`)
        instead of the run file's executor.
    as_of : str, optional
        Run on the data as it stood that day (``YYYY-MM-DD``; every job whose notebook takes
        ``as_of``), into ``<out_root>/<run>-<day>``; :func:`backfill_days` gives the days of
        ``--as-of`` or the run file's ``as_of:``.

    Returns
    -------
    (int, Path)
        The exit status (0 when every job succeeded, 130 when interrupted, 1 otherwise) and
        the run folder.
    """
    if as_of is not None:
        as_of = check_day(as_of)
        overrides = {**(overrides or {}), "as_of": as_of}
    run, jobs, cluster, capped = check_run(Path(run_file), overrides, jobs_at_once, timeout, cluster, progress)
    name = run.run if as_of is None else f"{run.run}-{as_of}"
    order = start_order(Path(out_root), run.run, [j.name for j in jobs])  # before --force moves the last run
    run_dir = choose_run_dir(Path(out_root), name, force, new)
    run_dir.mkdir(parents=True)
    for j in jobs:
        inside(run_dir / j.name, run_dir)
    record = start_record(run, Path(run_file), jobs, style or run.style, overrides, cluster, capped)
    record.as_of = as_of
    record.save(run_dir)
    workers = min(jobs_at_once or run.jobs_at_once, len(jobs))
    record.threads = kernel_threads(cluster, workers)
    record.start_order = [jobs[i].name for i in order]
    try:
        dispatch(record, jobs, run_dir, workers, order, cluster, timeout, progress)
    finally:
        _finish_record(record, run_dir, Path(out_root), force)
        render_pages(run_dir, record)
    return (0 if record.status == "ok" else 130 if record.status == "interrupted" else 1), run_dir


def render_pages(run_dir: Path, record: RunRecord | None = None) -> Path:
    """The run's index, with what changed since the run before it of the same run file (its
    comparison page beside it, and in ``record``'s ``changes_since``, for ``--fail-on-change``),
    and the history of every run in the folder above (:mod:`talentkit.runs.series`)."""
    from . import series

    changes = series.index_changes(run_dir)
    if record is not None:
        record.changes_since = None if changes is None else {
            "run": changes["then"], "changed": [{k: r[k] for k in ("job", "measure", "group", "verdict", "p")}
                                                for r in changes["rows"]]}
        record.save(run_dir)
    index = render.render_index(run_dir, changes)
    series.render_history(run_dir.parent)
    return index


def check_day(day) -> str:
    """A day for ``--as-of`` or the run file's ``as_of:`` as ``YYYY-MM-DD``, or a
    :class:`~talentkit.core.errors.RunError` saying how to write it."""
    import datetime as dt

    from ..core.dates import day_problem

    text = day.isoformat() if isinstance(day, dt.date) else str(day).strip()
    problem = day_problem(text)
    if problem is not None:
        raise RunError(f"as_of {text!r}: {problem}; write each day as YYYY-MM-DD, e.g. --as-of 2025-01-31,2025-02-28")
    return text


def backfill_days(run_file: str | Path, given: str | None) -> list[str | None]:
    """The days to run ``run_file`` as of: ``given`` (``--as-of D1,D2,...``), else the run
    file's ``as_of:`` (a day or a list), else ``[None]`` (one run on the data as it is)."""
    days = [d for d in given.split(",") if d.strip()] if given else load_run_file(run_file).as_of
    if days is None or days == []:
        return [None]
    checked: list[str | None] = [check_day(d) for d in (days if isinstance(days, list) else [days])]
    repeated = sorted({str(d) for d in checked if checked.count(d) > 1})
    if repeated:
        raise RunError(f"as_of {', '.join(repeated)} given more than once; each day makes one run")
    return checked


def check_run(run_file: Path, overrides: dict | None, jobs_at_once, timeout, cluster: str | None,
              progress: bool) -> tuple:
    """The run file, its checked jobs, the cluster to use (``None``: threads here) and, for
    ``local:N``, the note when N was capped to what the machine holds. Nothing is written
    before this has passed."""
    check_jobs_at_once(jobs_at_once)
    if timeout is not None and (not isinstance(timeout, int) or timeout < 1):
        raise RunError(f"timeout must be a whole number of seconds, at least 1, not {timeout!r}")
    run = load_run_file(run_file)
    jobs = check_jobs(expand_jobs(run, run_file, overrides), run_file)
    if cluster is None and run.executor.kind == "dask":
        cluster = run.executor.address or "local:2"
    capped = None
    if cluster is not None:  # the address is checked before any folder is made
        from .cluster import check_scheduler, local_workers, parse_cluster

        kind, where = parse_cluster(cluster)
        if kind == "address":
            check_scheduler(str(where))
        else:
            workers_now, capped = local_workers(int(where), len(jobs))
            cluster = f"local:{workers_now}"
            if capped and progress:
                print(capped, file=sys.stderr)
    return run, jobs, cluster, capped


def start_record(run, run_file: Path, jobs: list, style: str, overrides: dict | None, cluster: str | None,
                 capped: str | None) -> RunRecord:
    """The record of a run about to start: who writes it (``pid``, ``host``: :func:`live_writer`),
    the versions, commit and device, the executor, and every job ``pending``."""
    return RunRecord(
        run=run.run, run_file=str(run_file), style=style, started=_now(), status="running", pid=os.getpid(),
        host=socket.gethostname(), versions=_versions(), git_commit=_git_commit(run_file.resolve().parent),
        device=_device(), overrides=overrides or {},
        small_groups_allowed=any(j.params.get("allow_small_groups") is True for j in jobs),
        executor=({"kind": "dask", "cluster": cluster, **({"capped": capped} if capped else {})} if cluster
                  else {"kind": "local"}),
        jobs=[JobRecord(name=j.name, group=j.group, matrix=j.matrix, notebook=_shown_path(j.notebook),
                        output_notebook=j.notebook.name, parameters=j.params, notebook_code=notebook_code(j.notebook))
              for j in jobs])


def notebook_code(notebook: Path) -> str | None:
    """A fingerprint of a notebook's code cells (the first 12 hex digits of their SHA-256):
    two runs whose fingerprints differ ran different notebook versions
    (:func:`talentkit.runs.compare.not_comparable`); markdown edits leave it as it was."""
    import hashlib

    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return None
    code = "\n\x00".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:12]


def dispatch(record: RunRecord, jobs: list, run_dir: Path, workers: int, order: list[int], cluster: str | None,
             timeout: int | None, progress: bool) -> None:
    """Run every job on the executor, saving the record as each ends; the record's status
    says how the run ended (``ok``, ``failed``, ``interrupted``). Ctrl-C and SIGTERM end it
    as interrupted; an error of the executor itself ends it as failed, and is raised."""
    from tqdm.auto import tqdm

    restore_sigterm = _sigterm_as_interrupt(record)
    overall = tqdm(total=len(jobs), desc=f"run {record.run}", unit="job", position=0, disable=not progress)

    def finish(index: int, result: dict):  # called from the main thread only
        record.finish_job(index, result)
        overall.update(1)
        record.save(run_dir)

    try:
        _dispatch_to(record, _payloads(record, jobs, run_dir, timeout, progress), jobs, run_dir, workers, order,
                     cluster, finish)
        record.status = "ok" if all(j.status == "ok" for j in record.jobs) else "failed"
    except KeyboardInterrupt:
        record.end_unfinished(interrupted=True)
        record.status = "interrupted"
    except Exception as exc:  # e.g. no cluster at the address: run.json still ends final
        record.end_unfinished(interrupted=False)
        record.status, record.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        raise
    finally:
        restore_sigterm()
        overall.close()


def _payloads(record: RunRecord, jobs: list, run_dir: Path, timeout: int | None, progress: bool) -> list[dict]:
    """What each job's kernel is given: its notebook, parameters, folder and environment."""
    kernel = ensure_kernel()
    return [{"name": j.name, "notebook": str(j.notebook), "params": j.params, "out_dir": str(run_dir / j.name),
             "output_notebook": j.notebook.name, "kernel": kernel, "cwd": str(Path.cwd()),
             "timeout": timeout, "style": record.style, "position": i + 1, "progress": progress, "fork": True,
             "env": {**record.threads, NOTEBOOK_DIR_ENV: str(j.notebook.parent)}}  # its project's files
            for i, j in enumerate(jobs)]


def _dispatch_to(record: RunRecord, payloads: list[dict], jobs: list, run_dir: Path, workers: int,
                 order: list[int], cluster: str | None, finish) -> None:
    if cluster is not None:
        from .cluster import run_on_dask

        run_on_dask(cluster, payloads, [j.resources for j in jobs], record.run, record.set_status, finish, run_dir)
    else:
        start_fork_server(record.threads)  # before the first job: its kernel starts as fast as the others
        _run_local(payloads, workers, record.set_status, finish, order)


def _finish_record(record: RunRecord, run_dir: Path, out_root: Path, force: bool) -> None:
    """The end time, the run --force replaced removed if this one ended well (else kept, and
    said where), and the record saved a last time."""
    record.ended = _now()
    replaced = replaced_name(run_dir)
    if force and replaced.exists():
        if record.status == "ok":
            shutil.rmtree(inside(replaced, out_root))
        else:
            record.replaced_run_kept = str(replaced)
    record.save(run_dir)


def rerender(run_dir: str | Path, style: str | None = None) -> Path:
    """Re-render every executed job of a run, and its index; for the folder the runs are in
    (``outputs``), the history of runs and each run's index and comparison page."""
    run_dir = Path(run_dir)
    if run_dir.name == "run.json" and run_dir.is_file():
        run_dir = run_dir.parent  # the run's record named instead of its folder
    info_path = run_dir / "run.json"
    if not info_path.exists() and not run_dir.is_symlink():
        from . import series

        runs = series.runs_under(run_dir)
        if runs:
            for folder, _ in runs:
                render.render_index(folder, series.index_changes(folder))
            return series.render_history(run_dir)
    if not info_path.exists():
        raise RunError(f"{run_dir}: no run.json here, nor run folders below it; give a folder written by "
                       "'talentkit run' (outputs/<run>), or the folder the runs are in (outputs)")
    if run_dir.is_symlink():
        raise RunError(f"{run_dir}: a symbolic link; give the run folder itself")
    try:
        record = RunRecord.load(run_dir)
    except RunJSONError as err:
        raise RunError(str(err)) from None
    trouble = []
    for job in record.jobs:
        try:
            check_name(job.name)
        except ValueError as err:
            raise RunError(f"{info_path}: job name {job.name!r}: {err}") from None
        nb = inside(run_dir / job.name / job.output_notebook, run_dir)
        if nb.is_dir():
            trouble.append(f"{nb}: a folder, not the job's executed notebook; run the job again")
        elif nb.exists():
            try:
                render.render_notebook(nb, nb.parent / "report.html", style or record.style)
            except OSError:
                raise  # a full disk, a folder that is not writable: the CLI says which
            except Exception as exc:  # noqa: BLE001 -- nbformat: truncated JSON, not a notebook, fields missing
                trouble.append(f"{nb}: cannot be read as an executed notebook ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0][:120] if str(exc) else ''}); its report is left as it "
                               "was: run the job again")
    index = render_pages(run_dir)
    if trouble:
        raise RunError("\n".join(trouble) + f"\nthe other reports and {index} are rendered")
    return index
