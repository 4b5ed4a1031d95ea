"""Notebook 07 at scale: an anonymous wide export of N respondents x 30 items with a comment
each, 500 units under 25 divisions, read through its mapping and run through the whole
notebook; then the comment themes alone on the N comments.

Goals (2 cores): 100,000 respondents x 30 items through 07 in <= 60 s; the themes of
100,000 comments in <= 180 s. Prints each time against its goal, and the notebook's slowest
sections.

Usage: .venv/bin/python benchmarks/survey_scale.py [--respondents 100000] [--items 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["workload", "meetings", "deadlines", "career", "promotion", "learning", "tools", "laptop", "GPU", "manager",
         "feedback", "pay", "salary", "bonus", "team", "leadership", "strategy", "remote", "office", "commute"]


def write_export(folder: Path, n: int, items: int, seed: int = 0) -> Path:
    """The wide export and its mapping; the mapping's path."""
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, 500, n)
    common = rng.normal(size=n)
    frame = pd.DataFrame({"ResponseID": [f"R{i:07d}" for i in range(n)], "Unit": [f"Unit {u:03d}" for u in unit],
                          "Division": [f"Division {u // 20:02d}" for u in unit]})
    for j in range(items):
        latent = 0.6 * common + rng.normal(size=n)
        frame[f"Q{j + 1:02d}"] = np.digitize(latent, [-1.3, -0.5, 0.25, 1.1]) + 1
    frame["eNPS"] = np.clip(np.round(7 + 2 * common + rng.normal(size=n)), 0, 10).astype(int)
    a, b, c = (rng.integers(0, len(WORDS), n) for _ in range(3))
    frame["Comment"] = [f"{WORDS[x]} and {WORDS[y]} need work, the {WORDS[z]} is fine" for x, y, z in zip(a, b, c)]
    frame.to_csv(folder / "survey.csv", index=False)
    item_list = ", ".join(f"Q{j + 1:02d}" for j in range(items))
    (folder / "survey.yaml").write_text(
        f"form: wide\nfile: survey.csv\nrespondent: ResponseID\nitems: [{item_list}, eNPS]\ncomments: [Comment]\n"
        f"attributes: [Unit, Division]\nwave_dates: {{'1': '2025-06-30'}}\n"
        f"scale: {{1: Strongly disagree, 2: Disagree, 3: Neutral, 4: Agree, 5: Strongly agree}}\n"
        f"favourable: [4, 5]\nenps_item: eNPS\nindex_items: [Q01, Q02, Q03]\n", encoding="utf-8")
    return folder / "survey.yaml"


def run_notebook(mapping: Path, out: Path) -> tuple[float, list]:
    """07 on the export, as a batch runs it (papermill, the project's kernel); its seconds and
    its slowest sections."""
    import papermill

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from notebook_scale import KERNEL_NAME, sections

    notebook = ROOT / "notebooks" / "07_survey.ipynb"
    params = {"data": "synthetic:small", "survey": str(mapping), "group_by": "Unit", "heatmap_by": "Division"}
    started = time.perf_counter()
    nb = papermill.execute_notebook(str(notebook), str(out / "07.ipynb"), parameters=params, kernel_name=KERNEL_NAME,
                                    cwd=str(notebook.parent), progress_bar=False, log_output=False)
    seconds = time.perf_counter() - started
    return seconds, sorted(((v, k) for k, v in sections(nb).items()), reverse=True)[:6]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=30)
    args = parser.parse_args()
    from talentkit import survey

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        mapping = write_export(folder, args.respondents, args.items)
        print(f"# {args.respondents:,} respondents x {args.items} items, written in {time.perf_counter() - started:.1f} s")
        seconds, sections = run_notebook(mapping, folder)
        verdict = "ok" if seconds <= 60 else "OVER"
        print(f"07 notebook      {seconds:7.1f} s   goal <= 60 s: {verdict}")
        for took, title in sections:
            print(f"       {took:7.1f} s  {title}")
        read = survey.read(mapping)
        started = time.perf_counter()
        themes = survey.comment_themes(read, n_themes=6)
        took = time.perf_counter() - started
        print(f"themes of {len(read.comments):,} comments {took:7.1f} s   goal <= 180 s: "
              f"{'ok' if took <= 180 else 'OVER'} ({int((~themes['suppressed']).sum())} themes shown, "
              f"{themes.attrs['outliers']:.0%} in no theme)")


if __name__ == "__main__":
    main()
