"""Shared fixtures: a tiny valid dataset written as CSV files, and the small synthetic one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Each pytest-xdist worker gets its share of the cores for the math libraries, as the
    # runner gives each kernel (kernels.thread_limits), and the kernels its tests start inherit
    # it. Left unset, two workers on two cores each ran two threads per library and waited on
    # each other: the ladder's test took 190 s instead of 35.
    _share = max(1, (os.cpu_count() or 1) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    for _name in THREAD_VARIABLES:
        os.environ.setdefault(_name, str(_share))
    from threadpoolctl import threadpool_limits

    threadpool_limits(_share)  # for a library some plugin loaded already

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "people.csv": """employee_id,hire_date,exit_date,exit_type,regretted,region,team,level,skill,origin,channel
E1,2020-01-15,,,,US,US Language,L2,NLP,local,referral
E2,2020-03-01,2021-06-30,voluntary,true,US,US Language,L3,NLP,international,campus
E3,2021-02-01,,,,CN,CN Vision,L1,CV,local,job_board
E4,2019-07-01,2022-01-31,involuntary,false,EU,EU Platform,L4,ML Infra,international,partner
E5,2022-05-01,,,,EU,EU Platform,L2,ML Infra,local,referral
E6,2021-09-01,,,,CN,CN Vision,L2,CV,local,community
""",
    "moves.csv": """employee_id,date,from_region,to_region,from_team,to_team,kind
E1,2021-05-01,US,US,US Language,US Language,promotion
E3,2022-03-01,CN,CN,CN Vision,CN Vision,promotion
""",
    "sessions.csv": """session_id,date,presenter_id,region,topic,recorded
S1,2021-03-10,E1,US,NLP,true
S2,2021-04-12,E4,EU,ML Infra,false
""",
    "attendance.csv": """session_id,employee_id
S1,E2
S1,E3
S2,E5
""",
    "candidates.csv": """candidate_id,channel,origin,region,skill,applied_date,reached,offer_declined
C1,referral,local,US,NLP,2020-01-01,hired,false
C2,campus,international,US,NLP,2020-01-05,offer,true
C3,job_board,local,CN,CV,2020-02-01,screen,false
""",
    "texts.csv": """text,label,task,employee_id
The pay is fair.,stayed,retention,E1
My manager micromanages.,left,retention,E2
""",
}


def write_tiny(folder: Path, **replace: str) -> Path:
    """Write the tiny dataset to ``folder``, replacing (or, with None, dropping) named files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**TINY, **replace}.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_tiny(tmp_path / "tiny")


@pytest.fixture(scope="session")
def small_folder(tmp_path_factory) -> Path:
    from talentkit.data import synth

    return synth.write(synth.generate("small", 0), tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="session")
def synthetic_default():
    import talentkit as tk

    return tk.load("synthetic")


@pytest.fixture(autouse=True, scope="session")
def _salt_file_in_tmp(tmp_path_factory):
    """Pseudonyms' per-user secret goes to a temporary file, not the tester's home; kernels
    started by the runner inherit the variable."""
    import os

    os.environ.setdefault("TALENTKIT_SALT_FILE", str(tmp_path_factory.mktemp("salt") / "salt"))
    yield


def once_per_test_run(tmp_path_factory, name: str, make):
    """``make(folder)`` run once per test run, its result (a path) shared by every pytest-xdist
    worker: the first worker to ask makes it under a file lock, the others wait for it and
    reuse it (one that failed is tried again by the next). Without xdist it is simply made."""
    import json
    import os
    import tempfile

    from filelock import FileLock

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the one folder all workers of this run share
    done = shared / f"{name}.json"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=shared))
            done.write_text(json.dumps({"path": str(make(folder))}), encoding="utf-8")
    return Path(json.loads(done.read_text(encoding="utf-8"))["path"])


def write_tiny_bert(folder: Path, texts) -> Path:
    """A randomly initialised 2-layer BERT (hidden size 32) with a vocabulary made from
    ``texts``, saved in ``folder``: the transformer rungs' wiring (tokenizer, Trainer, saving,
    reloading, a sentence encoder's mean pooling) without MiniLM's 22 million weights or any
    download. The smallest model that checks the wiring; the shipped MiniLM is checked by the
    tests that say so."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    chars = sorted({c for t in texts for c in t.lower() if not c.isspace()})
    words = sorted({w.strip(".,").lower() for t in texts for w in t.split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(dict.fromkeys(chars + words))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tok = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, num_labels=2)
    BertForSequenceClassification(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def make_tiny_bert(folder: Path) -> Path:
    """:func:`write_tiny_bert` on the small built-in company's texts, its weights drawn with a
    fixed seed, so that every run of the suite records the same numbers."""
    import torch

    from talentkit import textclf

    torch.manual_seed(0)
    return write_tiny_bert(folder / "tiny-bert", textclf.load_texts(textclf.FinetuneConfig(data="synthetic:small"))["text"])


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """The tiny BERT, made once per test run and shared by the workers."""
    return once_per_test_run(tmp_path_factory, "tiny-bert", make_tiny_bert)


def smoke_run_file(folder: Path, tiny: Path, keep=lambda notebook: True) -> Path:
    """params/smoke.yaml as the tests run it, written in ``folder``: 02's transformer rungs on
    the tiny BERT (``model`` and ``embedding_model``), its jobs those ``keep`` keeps."""
    import yaml

    run = yaml.safe_load((ROOT / "params" / "smoke.yaml").read_text(encoding="utf-8"))
    run["jobs"] = [dict(j, notebook=str(ROOT / j["notebook"])) for j in run["jobs"] if keep(Path(j["notebook"]).stem)]
    for job in run["jobs"]:
        if "02_finetune" in job["notebook"]:
            job["params"] = {**job["params"], "model": str(tiny), "embedding_model": str(tiny)}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "smoke.yaml").write_text(yaml.safe_dump(run), encoding="utf-8")
    return folder / "smoke.yaml"


def run_smoke(out: Path, tiny: Path) -> Path:
    import json

    from talentkit.runs import runner

    code, run_dir = runner.execute_run(smoke_run_file(out, tiny), out_root=out, progress=False)
    info = json.loads((run_dir / "run.json").read_text())
    failed = {j["name"]: j["error"] for j in info["jobs"] if j["status"] != "ok"}
    assert code == 0, failed
    return run_dir


@pytest.fixture(scope="session")
def smoke(tmp_path_factory, tiny_bert):
    """params/smoke.yaml run once per test run by the local executor (every notebook at
    small size; 02's transformers the tiny BERT), shared by all workers; no test writes into it."""
    return once_per_test_run(tmp_path_factory, "smoke", lambda out: run_smoke(out, tiny_bert))


def run_interrupted(run_file, out_root, after: float, **kw):
    """``runner.execute_run`` with Ctrl-C (SIGINT to this process) ``after`` seconds, and, on
    the local executor, not before a kernel of the run is alive (on a loaded machine, two test
    workers at once, a kernel can take longer than ``after`` to start); returns ``(exit status,
    run folder, seconds taken)``. Python's own Ctrl-C handler is put in place meanwhile,
    whatever this process was given: a suite started in the background of a script (``cmd &``,
    no job control) inherits SIGINT ignored, and the Ctrl-C was then swallowed (exit 0, the busy
    cells run to their end)."""
    import os
    import signal
    import threading
    import time

    from talentkit.runs import kernels, runner

    cancelled = threading.Event()

    def press_ctrl_c():
        if cancelled.wait(after):
            return
        deadline = time.time() + 60
        while "cluster" not in kw and not kernels._LIVE_KERNELS and time.time() < deadline:
            if cancelled.wait(0.2):
                return
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Thread(target=press_ctrl_c, daemon=True)
    timer.start()
    started = time.time()
    try:
        code, run_dir = runner.execute_run(run_file, out_root=out_root, progress=False, **kw)
    finally:
        cancelled.set()
        signal.signal(signal.SIGINT, previous)
    return code, run_dir, time.time() - started


# fixtures that run a batch of notebooks (or a fine-tune): every test that uses one waits for it
BATCH_FIXTURES = {"smoke", "hostile", "canary", "quarters", "forty_level_run", "tiny_run", "batch"}
SLOW_LIST = Path(__file__).with_name("slow_tests.txt")  # tests measured at 1.5 s or more: make durations
FILE_SECONDS = Path(__file__).with_name("file_seconds.txt")  # each file's seconds: make durations


def measured_slow() -> set[str]:
    """The node ids in :data:`SLOW_LIST` (lines not starting with #)."""
    lines = SLOW_LIST.read_text(encoding="utf-8").splitlines() if SLOW_LIST.exists() else []
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def measured_file_seconds() -> dict[str, float]:
    """Each test file's measured seconds, from :data:`FILE_SECONDS` (``seconds path`` lines)."""
    lines = FILE_SECONDS.read_text(encoding="utf-8").splitlines() if FILE_SECONDS.exists() else []
    return {path: float(took) for took, path in (line.split() for line in lines if line and not line.startswith("#"))}


def pytest_collection_modifyitems(config, items):
    """A test that reads a whole batch's outputs is slow like the batch, and so is one measured
    at 1.5 s or more: ``make test-fast`` (``-m "not slow"``) leaves them out, ``make test``
    runs them. Files come the longest first (a file not yet measured last), so that pytest-xdist
    (``--dist loadfile --no-loadscope-reorder``) hands out the long ones while the other worker
    still has work: a long file started last kept one core busy while the other waited."""
    slow = measured_slow()
    for item in items:
        if BATCH_FIXTURES & set(getattr(item, "fixturenames", ())) or item.nodeid in slow:
            item.add_marker(pytest.mark.slow)
    took = measured_file_seconds()
    items.sort(key=lambda item: -took.get(item.nodeid.split("::")[0], 0.0))  # stable: a file's own order kept
