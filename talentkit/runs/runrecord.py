"""A run's record, ``run.json``: what produced the run and how each job ended.

:class:`RunRecord` (with a :class:`JobRecord` per job) is written in one place,
:meth:`RunRecord.save` (a whole-file swap, :func:`talentkit.core.files.write_atomic`), and read
back in one place, :meth:`RunRecord.load`, with an error naming the file, the field and the
fix (:meth:`RunRecord.peek` for the folder scanners, which pass over what they cannot read).
The day a run describes is :meth:`RunRecord.run_day`, a job's :meth:`JobRecord.data_day`.
The executors change a job only through :meth:`RunRecord.set_status` and
:meth:`RunRecord.finish_job`, so what a job may say is the model's to check. Fields the kit
does not know (a newer kit's) are kept as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.errors import RunJSONError
from ..core.files import DATA_FILE, read_json, write_atomic

RUN_JSON = "run.json"
UNFINISHED = ("pending", "running", "submitted")  # a job that has not ended


class JobRecord(BaseModel):
    """One job: where its notebook came from, its parameters, and how it ended."""

    model_config = ConfigDict(extra="allow")
    name: str
    notebook: str
    output_notebook: str
    group: str = ""
    matrix: dict = {}
    parameters: dict = {}
    status: str = "pending"  # pending, submitted, running, ok, failed, interrupted, not run
    error: str | None = None
    render_error: str | None = None
    duration_s: float | None = None
    notebook_code: str | None = None  # fingerprint of the notebook's code cells (runner.notebook_code)

    def data_day(self, run_dir: Path) -> str:
        """The day this job's data describes (the job's folder is ``run_dir / name``): its
        ``as_of`` parameter, else the ``as_of`` its data said (``data.json``); ``""`` when
        neither says."""
        return self.day_from(read_json(run_dir / self.name / DATA_FILE))

    def day_from(self, data: dict) -> str:
        """:meth:`data_day` with the job's ``data.json`` read already (``data``)."""
        return str(self.parameters.get("as_of") or data.get("as_of") or "")


class RunRecord(BaseModel):
    """The run: its name and file, who writes it (``pid``, ``host`` while ``running``), the
    versions, commit and device that produced it, the executor and the jobs."""

    model_config = ConfigDict(extra="allow")
    run: str
    started: str
    jobs: list[JobRecord]
    run_file: str | None = None
    style: str = "report"
    ended: str | None = None
    status: str = "running"
    pid: int | None = None
    host: str | None = None
    versions: dict = {}
    git_commit: str | None = None
    device: dict = {}
    overrides: dict = {}
    small_groups_allowed: bool = False
    executor: dict = {}
    threads: dict = {}  # each kernel's thread variables (kernels.thread_limits)
    start_order: list[str] = []  # longest first, by the latest earlier run (runner.start_order)
    signal: str | None = None  # SIGTERM, when that ended the run
    error: str | None = None  # the executor's own error, when that ended the run
    replaced_run_kept: str | None = None  # where --force kept the run this one did not replace well
    as_of: str | None = None  # the day the run's data stood as (--as-of, the run file's as_of:)
    changes_since: dict | None = None  # what changed beyond noise since the run before (series.index_changes)

    def save(self, run_dir: str | Path) -> Path:
        """Write ``run_dir/run.json`` whole (never half a file)."""
        path = Path(run_dir) / RUN_JSON
        write_atomic(path, json.dumps(self.model_dump(mode="json"), indent=1, default=str))
        return path

    @classmethod
    def load(cls, run_dir: str | Path) -> RunRecord:
        """``run_dir/run.json``; a :class:`~talentkit.core.errors.RunJSONError` naming the file, the
        field and the fix when it is truncated, not JSON, or has a field missing or of the
        wrong type."""
        path = Path(run_dir) / RUN_JSON
        fix = "it is not as the runner wrote it: run the batch again (talentkit run <run file> --new)"
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise RunJSONError(f"{path}: not UTF-8 text; {fix}") from None
        except ValueError as err:
            raise RunJSONError(f"{path}: not complete JSON ({err}); {fix}") from None
        except IsADirectoryError:
            raise RunJSONError(f"{path}: a folder, not a file; {fix}") from None
        if isinstance(doc, dict):
            try:
                return cls.model_validate(doc)
            except ValidationError as err:
                first = err.errors()[0]
                raise RunJSONError(f"{path}: field '{'.'.join(str(p) for p in first['loc'])}': {first['msg']}; "
                                   f"{fix}") from None
        raise RunJSONError(f"{path}: holds a {type(doc).__name__}, not the runner's record; {fix}")

    @classmethod
    def peek(cls, run_dir: str | Path) -> RunRecord | None:
        """``run_dir/run.json`` as :meth:`load` reads it, or ``None`` where there is none or it
        cannot be read: for the folder scanners (is this a run folder, is its writer alive),
        which pass over what is not a run's record."""
        if not (Path(run_dir) / RUN_JSON).is_file():
            return None
        try:
            return cls.load(run_dir)
        except RunJSONError:
            return None

    @classmethod
    def status_in(cls, run_dir: str | Path) -> str:
        """The status the run's record says, or ``""`` where there is none to read."""
        record = cls.peek(run_dir)
        return "" if record is None else record.status

    def run_day(self, run_dir: str | Path) -> str:
        """The day the run's data describes: its ``as_of`` (``--as-of``, the run file's
        ``as_of:``), else the latest day its jobs' data describe (:meth:`JobRecord.data_day`);
        ``""`` when none says."""
        if self.as_of:
            return str(self.as_of)
        return max((job.data_day(Path(run_dir)) for job in self.jobs), default="")

    def set_status(self, index: int, status: str) -> None:
        """The executors' status callback: job ``index`` is now ``status`` (``running``,
        ``submitted``, ``pending``)."""
        self.jobs[index].status = status

    def finish_job(self, index: int, result: dict) -> None:
        """Job ``index`` ended with ``result`` (its status, error, times, host ...)."""
        self.jobs[index] = JobRecord.model_validate({**self.jobs[index].model_dump(), **result})

    def end_unfinished(self, interrupted: bool) -> None:
        """Every job that has not ended: ``interrupted`` if it was running when the run was
        interrupted, else ``not run``."""
        for job in self.jobs:
            if job.status in UNFINISHED:
                job.status = "interrupted" if interrupted and job.status == "running" else "not run"
