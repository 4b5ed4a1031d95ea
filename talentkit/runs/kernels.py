"""One job: a kernel of its own (the project's, named explicitly), papermill, its report.

Used by :mod:`talentkit.runs.runner` for local runs and by :mod:`talentkit.runs.cluster` on Dask
workers. Every kernel a job starts is registered, so Ctrl-C can interrupt them all.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from . import forkserver, render

KERNEL_NAME = "talentkit"
# The math libraries' thread pools (OpenMP, and so PyTorch's; MKL; OpenBLAS).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def thread_limits(jobs_at_once: int, cpus: int | None = None) -> dict[str, str | None]:
    """The thread variables for each job's kernel: the machine's cores shared out among the
    jobs that run at once, at least one each. Left alone, every kernel starts a thread per
    core in each library, and two jobs on two cores wait on each other's threads: the default
    batch took 74 s that way on 2 cores, and 54 s capped at one thread a job. A variable the
    user has set is passed on as it is."""
    share = max(1, (cpus or os.cpu_count() or 1) // max(1, jobs_at_once))
    return {k: os.environ.get(k, str(share)) for k in THREAD_VARIABLES}


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
_FORK_SERVERS: dict[tuple, str | None] = {}  # thread variables -> the fork server's socket (None: none could start)
_FORK_LOCK = threading.Lock()


def forking_supported() -> bool:
    """Kernels forked from a server (:mod:`talentkit.runs.forkserver`): on Linux, unless
    ``TALENTKIT_FORK_KERNELS=0``."""
    return sys.platform == "linux" and os.environ.get(forkserver.ENV_SWITCH, "1") != "0"


def kernel_arguments(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """The interpreter's ``-X`` options and the ipykernel arguments of a kernel command that is
    this interpreter's ``-m ipykernel_launcher`` (ipykernel's own kernel spec passes
    ``-Xfrozen_modules=off``); None for any other command (it is started the usual way)."""
    options = [a for a in cmd[1:] if a.startswith("-X")]
    rest = cmd[1 + len(options):]
    if not cmd or rest[:2] != ["-m", "ipykernel_launcher"] or Path(cmd[0]).resolve() != Path(sys.executable).resolve():
        return None
    return options, rest[2:]


def fork_server(env: dict, options: list[str]) -> str | None:
    """The socket of the fork server for these thread variables and interpreter options,
    started (and waited for: its imports take a few seconds, once) where none runs yet; None
    where it cannot start."""
    import atexit
    import shutil
    import subprocess
    import tempfile

    key = (*(env.get(k) for k in THREAD_VARIABLES), *options)
    with _FORK_LOCK:
        if key not in _FORK_SERVERS:
            folder = tempfile.mkdtemp(prefix="talentkit-kernels-")
            path = os.path.join(folder, "server.sock")
            server = subprocess.Popen([sys.executable, *options, "-m", "talentkit.runs.forkserver", path], env=env,
                                      stdin=subprocess.DEVNULL, start_new_session=True)  # no terminal's Ctrl-C
            deadline = time.monotonic() + 120
            while not os.path.exists(path) and server.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            _FORK_SERVERS[key] = path if os.path.exists(path) else None
            atexit.register(server.terminate)
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return _FORK_SERVERS[key]


def with_changes(env: dict, changes: dict[str, str | None]) -> dict:
    """``env`` with ``changes`` made: a value set, or with ``None`` the variable removed."""
    kept = {k: v for k, v in env.items() if k not in changes}
    return {**kept, **{k: v for k, v in changes.items() if v is not None}}


def start_fork_server(changes: dict[str, str | None]) -> str | None:
    """The fork server the run's kernels will use, started before any job: its imports (a few
    seconds, once) then happen before the jobs do, and a Ctrl-C meanwhile stops the run before
    any job starts, not a kernel that is still being made. ``changes``: the variables the jobs
    set (``None``: remove). None where kernels are not forked."""
    from jupyter_client.kernelspec import KernelSpecManager

    if not forking_supported():
        return None
    spec = KernelSpecManager().get_kernel_spec(ensure_kernel())
    command = kernel_arguments(list(spec.argv))
    if command is None:
        return None
    return fork_server(with_changes({**os.environ, **(spec.env or {})}, changes), command[0])


def fork_provisioner():
    """jupyter_client's local provisioner, whose kernels are forks of the fork server where
    :func:`kernel_arguments` reads the command (else started the usual way)."""
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            command, env = kernel_arguments(cmd), dict(kwargs.get("env") or os.environ)
            path = fork_server(env, command[0]) if command is not None else None
            if command is None or path is None:
                return await super().launch_kernel(cmd, **kwargs)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            try:
                pid = forkserver.ask(path, {"start": command[1], "env": env, "cwd": cwd})["pid"]
            except OSError:  # the server is gone: this kernel starts anew, the next one from a new server
                with _FORK_LOCK:
                    _FORK_SERVERS.pop(next((k for k, v in _FORK_SERVERS.items() if v == path), None), None)
                return await super().launch_kernel(cmd, **kwargs)
            self.process = forkserver.ForkedKernel(path, pid)
            self.pid = self.pgid = pid
            self.cwd = cwd
            return self.connection_info

    return ForkProvisioner


def job_kernel_manager(job_dir: str, env: dict | None = None, fork: bool = False):
    """A kernel manager class whose kernels know their job folder (``TALENTKIT_JOB_DIR``),
    so ``talentkit.record`` writes there; per job, so jobs can share this process. Its
    kernels are registered so Ctrl-C can interrupt them. ``env``: variables to set (or,
    with ``None``, to remove) in the kernel's environment. ``fork``: the kernel is forked
    from the fork server where :func:`forking_supported`."""
    from jupyter_client.manager import AsyncKernelManager

    from ..core.results import ENV_JOB_DIR

    provisioner = fork_provisioner() if fork and forking_supported() else None

    class JobKernelManager(AsyncKernelManager):
        pid = None  # this job's kernel, once started

        async def _async_pre_start_kernel(self, **kw):
            if provisioner is not None and self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
                self.provisioner = provisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["env"] = with_changes({**(kw.get("env") or os.environ), ENV_JOB_DIR: job_dir}, env or {})
            out = await super()._async_launch_kernel(kernel_cmd, **kw)
            type(self).pid = getattr(self.provisioner, "pid", None)
            if type(self).pid:
                _LIVE_KERNELS.add(type(self).pid)
            return out

        async def _async_interrupt_kernel(self):
            # jupyter_client interrupts a kernel before asking it to shut down; a kernel whose
            # notebook has finished has nothing to interrupt, and a SIGINT caught between two
            # messages printed "ERROR | KeyboardInterrupt caught in kernel." into the log of a
            # successful run. A timeout's interrupt (nbclient) and Ctrl-C's (interrupt_kernels)
            # are not shutdowns and still reach the kernel.
            if getattr(self, "shutting_down", False):
                return
            await super()._async_interrupt_kernel()

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
    result: dict[str, Any] = {"status": "ok", "error": None}
    started = time.time()
    manager = job_kernel_manager(str(out_dir.resolve()), job.get("env"), fork=job.get("fork", False))
    try:
        for attempt in range(1 + START_RETRIES):
            try:
                papermill.execute_notebook(
                    job["notebook"], str(output_nb), parameters=job["params"], kernel_name=job["kernel"],
                    progress_bar={"desc": job["name"][:28].ljust(28), "position": job["position"], "leave": False}
                    if job["progress"] else False,
                    cwd=job["cwd"], execution_timeout=job["timeout"], log_output=False,
                    kernel_manager_class=manager, engine_name=register_engine(),
                )
                break
            except RuntimeError as exc:  # a kernel that never started ran no cell: starting it again is safe
                if attempt == START_RETRIES or not never_started(exc):
                    raise
    except PapermillExecutionError as exc:
        status = "interrupted" if exc.ename == "KeyboardInterrupt" else "failed"
        result.update(status=status, error=f"{exc.ename}: {exc.evalue}".strip()[:500])
    except KeyboardInterrupt:
        result.update(status="interrupted", error="interrupted (Ctrl-C)")
    except Exception as exc:  # noqa: BLE001 -- kernel death, timeouts, missing kernel: the job fails, the run goes on
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
        if kernel_trouble(exc):
            result["kernel_trouble"] = True
    finally:
        _LIVE_KERNELS.discard(manager.pid)  # papermill has shut it down
    result["duration_s"] = round(time.time() - started, 2)
    if output_nb.exists():
        started = time.time()
        try:
            render.render_notebook(output_nb, out_dir / "report.html", job["style"])
        except Exception as exc:  # noqa: BLE001 -- a report that cannot render: the results stand, the error is recorded
            result["render_error"] = f"{type(exc).__name__}: {exc}"[:500]
        result["render_s"] = round(time.time() - started, 2)
    return result


SAVE_EVERY_S = 5.0  # while cells run, the output notebook is written at most this often (and always at the end)
ENGINE = "talentkit"  # papermill's nbclient engine with SAVE_EVERY_S


@functools.cache
def register_engine() -> str:
    """papermill's nbclient engine, registered as :data:`ENGINE`, that writes the output
    notebook at most every :data:`SAVE_EVERY_S` seconds while cells run. papermill writes it
    whole, outputs and figures included, at each cell's start and end (59 times for 01 on the
    small company, 0.65 s of the runner's time, while the kernel waits); its writes at the
    notebook's start and at its end, which comes after a failure, a timeout or Ctrl-C too, stay.
    Registered once per process."""
    from papermill.engines import NBClientEngine, papermill_engines

    class ThrottledSaves(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            save = nb_man.save

            def now_and_then(**kw):
                if (nb_man.now() - nb_man.last_save_time).total_seconds() >= SAVE_EVERY_S:
                    save(**kw)

            nb_man.save = now_and_then
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                nb_man.save = save  # papermill's own end, next, writes the whole notebook

    papermill_engines.register(ENGINE, ThrottledSaves)
    return ENGINE


START_RETRIES = 1  # further starts of a job's kernel that died before it ran a cell (a port taken meanwhile)


def never_started(exc: Exception) -> bool:
    """A kernel that died before replying to its first message: it ran no cell. Its ports are
    chosen free and bound a moment later, so another kernel starting at once can take one
    (ZMQ's "Address already in use"); the local runner starts it again, as the cluster retries."""
    return "before replying to kernel_info" in str(exc)


def kernel_trouble(exc: Exception) -> bool:
    """A kernel that died or never started (not the notebook's own error): worth a retry."""
    from nbclient.exceptions import DeadKernelError

    text = str(exc).lower()
    return isinstance(exc, DeadKernelError) or "kernel died" in text or "kernel didn't respond" in text
