"""Installing requirements.txt into a fresh venv: pip against uv, side by side.

Each try starts from nothing a previous one left: a new venv in a temporary folder and an
empty download cache of its own (``PIP_NO_CACHE_DIR``; ``UV_CACHE_DIR`` in the temporary
folder), as on a clean machine. pip gets its usual configuration; uv gets the same wheel
folders (``PIP_FIND_LINKS``) the Makefile hands it. Both end with the project installed in
editable mode and its bytecode compiled, so the first run pays for neither.

Usage: python3 benchmarks/install_time.py [--repeat 3] [--only uv|pip]
Prints each try's seconds, the medians and pip's median over uv's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV_VERSION = next(line.split(":=")[1].strip() for line in (ROOT / "Makefile").read_text().splitlines()
                  if line.startswith("UV_VERSION"))


def sh(cmd: list[str], env: dict) -> None:
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def install(tool: str) -> float:
    with tempfile.TemporaryDirectory(prefix=f"install-{tool}-") as tmp:
        venv = Path(tmp) / "venv"
        py = str(venv / "bin" / "python")
        env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "UV_CACHE_DIR": str(Path(tmp) / "uv-cache")}
        started = time.perf_counter()
        sh([sys.executable, "-m", "venv", str(venv)], env)
        if tool == "pip":
            sh([py, "-m", "pip", "install", "-q", "pip==26.3"], env)
            sh([py, "-m", "pip", "install", "-q", "-r", "requirements.txt"], env)
            sh([py, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", "."], env)
        else:
            links = [a for d in os.environ.get("PIP_FIND_LINKS", "").split() for a in ("--find-links", d)]
            uv = str(venv / "bin" / "uv")
            sh([py, "-m", "pip", "install", "-q", f"uv=={UV_VERSION}"], env)
            sh([uv, "pip", "install", "-q", "--python", py, "--compile-bytecode", *links, "-r", "requirements.txt"], env)
            sh([uv, "pip", "install", "-q", "--python", py, "--no-deps", "--no-build-isolation", "-e", "."], env)
        return time.perf_counter() - started


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["uv", "pip"])
    args = ap.parse_args(argv)
    tools = [args.only] if args.only else ["uv", "pip"]
    times = {t: [] for t in tools}
    for i in range(args.repeat):
        for tool in tools:  # alternated, so a busy moment of the machine hits both
            times[tool].append(install(tool))
            print(f"try {i + 1}: {tool:<3} {times[tool][-1]:6.1f} s", flush=True)
    medians = {t: statistics.median(v) for t, v in times.items()}
    print("median: " + ", ".join(f"{t} {m:.1f} s" for t, m in medians.items()))
    if len(medians) == 2:
        print(f"pip / uv: {medians['pip'] / medians['uv']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
