"""Kernels forked from an interpreter that has already imported what the notebooks import.

A kernel started the usual way is a new Python: it imports ipykernel, and the notebook's
set-up cell then imports pandas, SciPy, pandera, scikit-learn, lifelines and the kit: 3 to 4 s
of a core before the first line of analysis, in every job. On Linux, the local runner starts
one *fork server* per set of thread variables (``kernels.thread_limits``; the math libraries
read them when imported): a Python that imports those once (:data:`PRELOAD`) and waits. Each
job's kernel is then a fork of it, whose imported modules are shared with it rather than read
again, and which runs ipykernel on the connection file jupyter_client wrote, exactly as
``python -m ipykernel_launcher -f FILE`` would, in a session of its own, with the job's
environment and folder.

Nothing imported before the fork starts a thread; PyTorch is left to notebook 02. matplotlib is
imported, but no backend: matplotlib reads ``MPLBACKEND`` when imported and ipykernel sets it
when the kernel starts, so the child sets both as a kernel started anew has them. After the
imports the server freezes its objects (``gc.freeze``, as Python's documentation advises before
forks): a kernel's collections, and its exit, leave them alone (a forked child's exit took
0.55 s on this kit's imports, 0.14 s with them frozen). A kernel command
that is not this interpreter's ``ipykernel_launcher``, a platform without ``fork``, or
``TALENTKIT_FORK_KERNELS=0`` start kernels the usual way. The server leaves when the process
that started it does; a kernel leaves when its server does (ipykernel's parent poller).

The wire is a Unix socket, one JSON line each way: ``{"start": [argv], "env": {}, "cwd": ""}``
gives ``{"pid": n}``; ``{"poll": n}`` gives ``{"code": exit status or null while it runs}``.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import socket
import sys
import time
import traceback
from typing import NoReturn

ENV_SWITCH = "TALENTKIT_FORK_KERNELS"  # 0: every kernel started the usual way
# What a notebook's set-up cell imports, matplotlib and seaborn among them (without a backend),
# and pandera's checks (it imports them at its first validation), but not the deep-learning
# libraries, nor the kit's plots: importing them applies the theme, which gives the kernel's
# IPython shell the figures' alt text, and only the kernel has that shell. tests/test_runner.py
# checks what is imported.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython.display", "talentkit.coverage",
           "sklearn.linear_model", "sklearn.ensemble", "sklearn.model_selection", "lifelines", "networkx",
           "talentkit.casestudy", "talentkit.dataprofile", "talentkit.drivers", "talentkit.flows",
           "talentkit.impact", "talentkit.ladder", "talentkit.market", "talentkit.metrics", "talentkit.network",
           "talentkit.core.pooling", "talentkit.scenarios", "talentkit.show", "talentkit.summaries", "talentkit.survey",
           "talentkit.tenure", "talentkit.data.timeline", "matplotlib.pyplot", "seaborn",
           "pandera.backends.pandas.builtin_checks")


def preload() -> list[str]:
    """Import :data:`PRELOAD`; the names that could not be imported (an extra not installed)."""
    missing = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def _reap(exits: dict[int, int]) -> None:
    """Collect the kernels that have ended, with their exit status."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        exits[pid] = os.waitstatus_to_exitcode(status)


def _backend_as_imported_now() -> None:
    """matplotlib reads ``MPLBACKEND`` when it is imported, and ipykernel sets it (to the inline
    backend, unless the kernel's environment names one) when the kernel starts: the server
    imported matplotlib before either, so the child sets both as a kernel started anew has them."""
    if "matplotlib" in sys.modules:
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        sys.modules["matplotlib"].rcParams["backend"] = os.environ["MPLBACKEND"]


def _become_kernel(request: dict) -> NoReturn:
    """In the forked child: the job's session, environment and folder, then ipykernel on its
    connection file, as ``python -m ipykernel_launcher`` runs it. Never returns: it ends in
    ``SystemExit``, which nothing in the server's loop catches, so the child leaves the way a
    kernel started anew leaves, through the interpreter's own exit."""
    code = 1
    try:
        os.setsid()  # a process group of its own, as jupyter_client starts kernels: Ctrl-C reaches it alone
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # the server, for what the kernel starts
        os.chdir(request["cwd"] or os.getcwd())
        _backend_as_imported_now()
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        # ipykernel read JPY_PARENT_PID when the server imported it: the parent is given here,
        # so that the kernel leaves when its server does (ipykernel's parent poller)
        arguments = [*request["start"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [sys.executable, *arguments]
        sys.path[0] = os.getcwd()
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=arguments)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 -- whatever it was, the child must not return into the server's loop
        traceback.print_exc()
    raise SystemExit(code)


def serve(path: str) -> None:
    """The server: preload, listen on ``path``, fork a kernel per request, until the process
    that started it is gone."""
    starter = os.getppid()
    preload()
    gc.freeze()  # what was imported, out of the collector's reach: a kernel's collections and its exit skip it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(16)
    os.rename(path + ".new", path)  # the socket appears when the server is ready
    exits: dict[int, int] = {}
    while os.getppid() == starter:
        _reap(exits)
        if not select.select([listener], [], [], 0.5)[0]:
            continue
        connection, _ = listener.accept()
        with connection:
            request = json.loads(connection.makefile("r", encoding="utf-8").readline())
            reply: dict[str, int | None]
            if "start" in request:
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    connection.close()
                    _become_kernel(request)
                reply = {"pid": pid}
            else:
                _reap(exits)
                reply = {"code": exits.get(request["poll"])}
            connection.sendall((json.dumps(reply) + "\n").encode("utf-8"))


def ask(path: str, request: dict) -> dict:
    """One request to the server at ``path``, and its reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(path)
        client.sendall((json.dumps(request) + "\n").encode("utf-8"))
        return json.loads(client.makefile("r", encoding="utf-8").readline())


class ForkedKernel:
    """A kernel forked by the server, with the part of ``subprocess.Popen`` that
    jupyter_client's provisioner uses: ``pid``, ``poll``, ``wait``, signals."""

    stdin = stdout = stderr = None

    def __init__(self, path: str, pid: int):
        self.path, self.pid = path, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = ask(self.path, {"poll": self.pid})["code"]
            except OSError:  # the server is gone: the kernel is alive while its pid is
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.05)
        return int(self.returncode or 0)

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def terminate(self) -> None:
        import signal

        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)


if __name__ == "__main__":
    serve(sys.argv[1])
