"""The batch on a Dask cluster: one task per job, results sent back to the client.

``talentkit run params/default.yaml --cluster local:2`` starts a ``LocalCluster`` of two
worker processes (one thread each); ``--cluster tcp://scheduler:8786`` (or ``executor:
{kind: dask, address: ...}`` in the run file) uses a running one, wherever it was deployed
(Kubernetes, an HPC scheduler, Dask Gateway: Dask's own tools start it).

Each task runs :func:`talentkit.runs.kernels.run_job` in the worker process: papermill with a
kernel of its own, then the report, in a temporary folder on the worker. The executed
notebook, report, results and figures come back as bytes and the client writes them under
``--out``, so no shared file system is needed (the data named by a job must be reachable
from the workers). A job's ``resources`` (``{GPU: 1}``) are Dask worker resources: such a
job runs only on a worker started with them, and fails at once, saying so, when the
cluster has none. A lost worker is Dask's to handle (its task moves to another worker,
up to ``distributed.scheduler.allowed-failures`` times); a kernel that fails to start or
dies is retried ``RETRIES`` times, then the job fails with the reason. Ctrl-C and SIGTERM
cancel the cluster's tasks and leave ``run.json`` final.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from ..core.errors import KernelTrouble, RunError, require_extra
from ..core.files import write_atomic

RETRIES = 2  # further tries of a job whose kernel failed to start or died
# Dask caps the math libraries' threads in its workers; a job's kernel gets the runner's
# settings instead (each payload's ``env``), so a batch gives the same numbers on either
# executor. The client's TALENTKIT_SALT, when set, goes along too, so pseudonyms agree
# across hosts.


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")  # Dask's comm protocols
HANDSHAKE_S = 5.0  # a Dask scheduler greets a new connection at once; anything slower is not one
WORKER_MEMORY = 1.5e9  # bytes a local worker and its kernel take at the peak of a job (06, 02)


def parse_cluster(address: str) -> tuple[str, int | str]:
    """``local:N`` -> ("local", N); anything else is a scheduler address, checked for form
    (``tcp://host:port``, ``host:port``, an IPv6 host in brackets): a ``RunError`` that says
    how to write it otherwise."""
    if address.startswith("local:"):
        count = address.split(":", 1)[1]
        if not count.isdigit() or int(count) < 1:
            raise RunError(f"--cluster {address}: write local:N with N worker processes, e.g. local:2")
        return "local", int(count)
    if address == "local":
        return "local", os.cpu_count() or 1
    scheme, _, rest = address.rpartition("://")
    try:
        parts = urlsplit(f"//{rest}")
        port = parts.port
    except ValueError as err:
        raise RunError(f"--cluster {address}: not an address ({err}); write tcp://host:8786, or tcp://[::1]:8786 "
                       "for an IPv6 host") from None
    if scheme and scheme not in SCHEMES:
        raise RunError(f"--cluster {address}: '{scheme}://' is not a Dask protocol; use tcp:// (or tls://) with the "
                       "scheduler's port, usually 8786 (an http:// address is its dashboard, not the scheduler)")
    if not parts.hostname or port is None:
        raise RunError(f"--cluster {address}: give the scheduler's host and port, e.g. tcp://scheduler:8786")
    return "address", address


def local_workers(asked: int, jobs: int) -> tuple[int, str | None]:
    """Worker processes for ``local:N``: at most the jobs, the cores and what the free memory
    holds (:data:`WORKER_MEMORY` each); with the reason when fewer than asked. Beyond that,
    workers only wait for each other (local:12 on 2 cores peaked at 7.4 GB and finished later)."""
    import psutil

    cores = os.cpu_count() or 1
    memory = max(1, int(psutil.virtual_memory().available // WORKER_MEMORY))
    limit = min(asked, jobs, cores, memory)
    if limit == asked:
        return asked, None
    return limit, (f"local:{asked} runs {limit} worker process{'es' if limit > 1 else ''}: the run has {jobs} "
                   f"job{'s' if jobs != 1 else ''}, this machine {cores} cores and room in memory for {memory} "
                   f"(about {WORKER_MEMORY / 1e9:.1f} GB each)")


def check_scheduler(address: str, timeout: float = HANDSHAKE_S) -> None:
    """A ``RunError`` unless a Dask scheduler answers at ``address`` (a plain TCP one): it
    must accept a connection and send its handshake within ``timeout`` seconds, as Dask's
    comm layer does on every new connection. A web server there (the dashboard's port, a
    proxy) accepts and then waits for a request, which is where a client would hang."""
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp"):
        return  # TLS and the rest need their own handshake: the client's connect timeout covers them
    parts = urlsplit(f"//{rest}")
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            head = conn.recv(8)
    except (socket.timeout, TimeoutError):
        raise RunError(f"--cluster {address}: not a Dask scheduler at {parts.hostname}:{parts.port} (no Dask "
                       f"handshake within {timeout:g} s; a web server or another service listens there). Give the "
                       "scheduler's address, usually tcp://host:8786") from None
    except OSError as exc:
        raise RunError(f"--cluster {address}: cannot reach a Dask scheduler there ({exc.strerror or exc}); start "
                       "one (dask scheduler) or check the address") from None
    frames = int.from_bytes(head, "little") if len(head) == 8 else 0
    if not 1 <= frames <= 64:  # Dask frames a message as a count of frames, then their lengths
        raise RunError(f"--cluster {address}: not a Dask scheduler at {parts.hostname}:{parts.port} (it answered, "
                       "but not as Dask does). Give the scheduler's address, usually tcp://host:8786")


def remote_job(payload: dict) -> dict:
    """Run one job in this worker process; return its result and output files as bytes."""
    from . import kernels

    with tempfile.TemporaryDirectory(prefix="talentkit-job-") as tmp:
        notebook = Path(tmp) / "in" / payload["output_notebook"]
        notebook.parent.mkdir()
        notebook.write_bytes(payload["notebook_bytes"])
        out_dir = Path(tmp) / "out" / payload["name"]
        cwd = payload["cwd"] if Path(payload["cwd"]).is_dir() else tmp
        job = {k: v for k, v in payload.items() if k != "notebook_bytes"}
        job.update(notebook=str(notebook), out_dir=str(out_dir), cwd=cwd, kernel=kernels.ensure_kernel(),
                   progress=False)  # its kernel forked from this worker's own fork server, as a local run's are
        result = kernels.run_job(job)
        if result.get("kernel_trouble"):
            raise KernelTrouble(result["error"])
        files = {str(p.relative_to(out_dir)): p.read_bytes() for p in sorted(out_dir.rglob("*")) if p.is_file()}
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        worker = None
    return {"result": result, "files": files, "host": socket.gethostname(), "worker": worker}


def write_files(files: dict[str, bytes], job_dir: Path) -> None:
    """Write a job's files under its folder; a name that would land outside is refused."""
    from .runfile import inside

    for rel, data in files.items():
        target = inside(job_dir / rel, job_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)


def missing_resources(client, wanted: dict) -> list[str]:
    """The resources of ``wanted`` that no worker of the cluster offers in that amount."""
    offered = [w.get("resources", {}) for w in client.scheduler_info()["workers"].values()]
    return [f"{k}={v:g}" for k, v in wanted.items() if not any(r.get(k, 0) >= v for r in offered)]


def executing_keys(client) -> set:
    """Keys of the tasks that workers are executing now (not those queued behind them)."""
    def executing(dask_worker):
        return [ts.key for ts in dask_worker.state.executing]

    try:
        return {key for keys in client.run(executing).values() for key in keys}
    except Exception:  # noqa: BLE001 -- a worker that went away meanwhile: count what is known
        return set()


def run_on_dask(address: str, payloads: list[dict], resources: list[dict], run_name: str, status, finish,
                run_dir: Path) -> None:
    """Submit every job to the cluster ``address``; call ``status(index, status)`` as a job is
    submitted (and, when interrupted, as it was found: ``running`` or ``pending``) and
    ``finish(index, result)`` as each ends.

    Raises ``KeyboardInterrupt`` after cancelling the cluster's tasks when interrupted.
    """
    require_extra("cluster", "a run on Dask (--cluster)")
    from distributed import Client, LocalCluster, as_completed

    kind, where = parse_cluster(address)
    cluster = None
    if kind == "local":
        cluster = LocalCluster(n_workers=where, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(where, timeout="20s")
        except OSError as exc:  # includes the time-out of an address nobody answers at

            raise RunError(f"--cluster {where}: cannot reach a Dask scheduler there ({exc}); start one "
                           "(dask scheduler) or check the address") from None
    salt = {"TALENTKIT_SALT": os.environ["TALENTKIT_SALT"]} if os.environ.get("TALENTKIT_SALT") else {}
    futures = {}
    try:
        for i, (payload, wanted) in enumerate(zip(payloads, resources)):
            missing = missing_resources(client, wanted) if wanted else []
            if missing:
                finish(i, {"status": "failed", "error": f"no worker of the cluster offers {', '.join(missing)}; "
                           f"start one with: dask worker {client.scheduler.address} --resources "
                           f"\"{' '.join(missing)}\""})
                continue
            task = {**payload, "notebook_bytes": Path(payload["notebook"]).read_bytes(),
                    "env": {**payload.get("env", {}), **salt}}  # the same pseudonyms on every host
            future = client.submit(remote_job, task, resources=wanted or None, retries=RETRIES, pure=False,
                                   key=f"talentkit-{run_name}-{payload['name']}-{os.urandom(4).hex()}")
            futures[future] = i
            status(i, "submitted")
        try:
            for future in as_completed(list(futures)):
                i = futures.pop(future)
                try:
                    done = future.result()
                except Exception as exc:  # noqa: BLE001 -- a lost worker, a kernel that kept failing, a bug
                    finish(i, {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:500],
                               "executor": "dask"})
                    continue
                write_files(done["files"], run_dir / payloads[i]["name"])
                finish(i, {**done["result"], "host": done["host"], "worker": done["worker"], "executor": "dask"})
        except KeyboardInterrupt:
            running = executing_keys(client)
            for future, i in futures.items():
                status(i, "running" if future.key in running else "pending")
            client.cancel(list(futures), force=True)
            raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()  # its worker processes end, and with them their kernels
