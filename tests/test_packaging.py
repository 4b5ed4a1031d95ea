"""The kit as a user installs it: a wheel, not the checkout.

An editable install hides a package left out of the wheel (``drivers/`` and ``textclf/``
once were: 02 and 06 then failed with ``ModuleNotFoundError`` on any non-editable install).
The wheel is built, installed into a fresh virtual environment that sees the project's
pinned dependencies but not its source, and a run of 02 and 06 is made from it; 06 runs a
second time with every optional extra hidden, as on a core install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

from talentkit.core.errors import EXTRAS

ROOT = Path(__file__).resolve().parents[1]
# What a core install lacks: a finder that refuses every package of the extras (on when
# TALENTKIT_HIDE_EXTRAS is set, in this process and in the kernels it starts).
HIDE_EXTRAS = """import os, sys
if os.environ.get("TALENTKIT_HIDE_EXTRAS"):
    class _HideExtras:
        names = {names!r}
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.names:
                raise ModuleNotFoundError(f"No module named {{name!r}} (a core install)", name=name)
            return None
    sys.meta_path.insert(0, _HideExtras())
"""


def build_wheel(out: Path) -> Path:
    """The wheel, built from a copy of what the build reads (setuptools builds in the tree it is
    given, and a build/ folder left in the checkout would feed the next build stale files)."""
    source = out / "source"
    shutil.copytree(ROOT / "talentkit", source / "talentkit", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           str(source), "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return next(out.glob("talentkit-*.whl"))


def fresh_env(folder: Path, wheel: Path) -> Path:
    """A virtual environment with the wheel installed and the project's pinned dependencies
    readable (the dev environment's site-packages, added as a plain path: its editable
    install of the checkout is never activated). Returns its python. The environment gets no
    pip of its own (4.5 s of ensurepip): the pip among those dependencies installs the wheel."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    names = sorted({name for extra in EXTRAS.values() for name in extra})
    (site / "hide_extras.py").write_text(HIDE_EXTRAS.format(names=names))
    (site / "aa_hide_extras.pth").write_text("import hide_extras\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return python


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    return {**env, **extra}


def test_the_wheel_holds_every_package_and_the_templates(tmp_path):
    names = set(zipfile.ZipFile(build_wheel(tmp_path)).namelist())
    for needed in ("talentkit/__init__.py", "talentkit/drivers/__init__.py", "talentkit/drivers/_screening.py",
                   "talentkit/textclf/__init__.py", "talentkit/textclf/_transformer.py", "talentkit/core/privacy.py",
                   "talentkit/data/datasets.py", "talentkit/runs/runner.py", "talentkit/templates/theme.css",
                   "talentkit/templates/run_index.html.j2"):
        assert needed in names, needed
    packages = {n.rsplit("/", 1)[0] for n in names if n.endswith("/__init__.py")}
    source = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "talentkit").rglob("__init__.py")}
    assert packages == source


@pytest.mark.slow
def test_02_and_06_run_from_the_wheel_outside_the_source_tree(tmp_path):
    python = fresh_env(tmp_path / "env", build_wheel(tmp_path / "dist"))
    project = tmp_path / "project"  # the notebooks, as a user's project holds them; no talentkit/ beside them
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    where = subprocess.run([str(python), "-c", "import talentkit, talentkit.drivers, talentkit.textclf; "
                            "print(talentkit.__file__)"], capture_output=True, text=True, cwd=project, env=clean_env())
    assert where.returncode == 0, where.stderr[-2000:]
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "env"), where.stdout
    jobs = [{"notebook": "notebooks/02_finetune.ipynb", "params": {"task": "retention", "model_ladder": "tfidf",
                                                                    "folds": 2, "repeats": 1, "max_texts": 200}},
            {"notebook": "notebooks/06_drivers.ipynb", "params": {"folds": 3, "repeats": 1}}]
    # 02 with every extra; 06 once only, below, as a core install runs it (with the extras it
    # imports nothing more)
    (project / "run.yaml").write_text(yaml.safe_dump({"run": "wheel", "defaults": {"data": "synthetic:small"},
                                                       "jobs": jobs[:1]}))
    talentkit = str(tmp_path / "env" / "bin" / "talentkit")
    done = subprocess.run([talentkit, "run", "run.yaml"], capture_output=True, text=True, cwd=project,
                          env=clean_env(), timeout=900)
    record = json.loads((project / "outputs" / "wheel" / "run.json").read_text())
    assert done.returncode == 0 and [j["status"] for j in record["jobs"]] == ["ok"], \
        (done.stdout[-2000:], done.stderr[-2000:], [j.get("error") for j in record["jobs"]])
    # a core install (every extra hidden) runs 06, and says which extra 02's encoder needs
    (project / "core.yaml").write_text(yaml.safe_dump({"run": "core", "defaults": {"data": "synthetic:small"},
                                                       "jobs": jobs[1:]}))
    core = subprocess.run([talentkit, "run", "core.yaml"], capture_output=True, text=True, cwd=project,
                          env=clean_env(TALENTKIT_HIDE_EXTRAS="1"), timeout=900)
    record = json.loads((project / "outputs" / "core" / "run.json").read_text())
    assert core.returncode == 0 and record["jobs"][0]["status"] == "ok", (core.stderr[-2000:], record["jobs"])
    said = subprocess.run([str(python), "-c", "from talentkit.textclf import embed; embed(['a'])"],
                          capture_output=True, text=True, cwd=project, env=clean_env(TALENTKIT_HIDE_EXTRAS="1"))
    assert "pip install 'talentkit[text]'" in said.stderr, said.stderr[-2000:]
