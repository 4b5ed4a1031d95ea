"""Which notebook sections a dataset supports, and what would unlock the rest.

Every section of every notebook is listed in :data:`SECTIONS` with what it needs:

* a people column (``region``, ``origin``, ``team``...; ``{group_by}`` stands for the
  notebook's ``group_by`` parameter);
* a table (``moves``, ``sessions``, ``attendance``, ``candidates``, ``texts``);
* ``collaboration``: an ``interactions`` or a ``participants`` table;
* ``events``: dated history: hire dates (and exits as they happened), which every dated form
  has (the events form, an assignment history, snapshots over time); a one-day snapshot
  export has none. Coverage asks what a section needs, never which form gave it;
* ``network_source:<source>``: the notebook's ``network_source`` parameter allows that source
  (``auto`` and ``both`` allow each one the data has).

In a notebook, a cell that starts with ``%%section <key>`` (the IPython extension this
module provides: ``%load_ext talentkit.coverage``) runs only when the notebook's ``ds``
meets the section's needs; otherwise it shows one line saying what is missing and how to
add it, and sets the names the cell would have assigned to ``None``, so later cells show
"skipped" instead of failing. The data profile lists the same sections per dataset.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .datasets import load
from .errors import ParameterError
from .markup import md_text
from .privacy import not_personal
from .schema import read_table_file

TABLES = ("moves", "sessions", "attendance", "candidates", "texts", "interactions", "participants")
HOW = {
    "collaboration": "an interactions table (who e-mailed, messaged, met or reviewed whom: sender_id, recipient_id) "
                     "or a participants table (who took part in which meeting: event_id, employee_id)",
    "events": "hire dates (a people table with hire_date, an assignment history, or snapshots over time); "
              "a one-day snapshot export has only tenure",
    "moves": "a moves table (internal moves with dates)",
    "sessions": "a sessions table (knowledge-sharing sessions)",
    "attendance": "an attendance table (who attended which session)",
    "candidates": "a candidates table (the recruiting funnel)",
    "texts": "a texts table, or a CSV of texts",
}

SHORT = {"events": "dated history", "collaboration": "interactions or participants table",
         **{t: f"{t} table" for t in TABLES}}
SOURCE_NEED = "network_source:"  # a need met when the notebook's network_source allows the source


@dataclass(frozen=True)
class Section:
    notebook: str
    title: str
    needs: tuple[str, ...] = ()


SECTIONS: dict[str, Section] = {
    "01.article": Section("01_metrics", "1. The seed article's four numbers", ("events", "origin", "moves")),
    "01.workforce": Section("01_metrics", "2. What a practitioner reports", ("{group_by}",)),
    "01.trend": Section("01_metrics", "3. Trends by quarter", ("events", "{group_by}")),
    "01.tenure": Section("01_metrics", "4. Tenure curves", ("{group_by}",)),
    "01.funnel": Section("01_metrics", "5. Attraction: the recruiting funnel", ("candidates",)),
    "01.sharing": Section("01_metrics", "6. Knowledge sharing and team building", ("sessions", "region", "team")),
    "02.finetune": Section("02_finetune", "The text-model ladder, its winner and estimates by group", ("texts",)),
    "03.region": Section("03_case_study", "Part 3: the region's full story in the data", ("events", "region")),
    "04.model": Section("04_scenarios", "1-3. The flow model, its backtest, policy scenarios", ("events", "region")),
    "04.staffing": Section("04_scenarios", "4. Staffing the application scenarios", ("skill",)),
    "05.network": Section("05_network", "Knowledge flow, brokers, communities, key people, trend",
                          ("sessions", "attendance", SOURCE_NEED + "sessions")),
    "05.collaboration": Section("05_network", "Collaboration across units, brokers, communities, key people, "
                                "by quarter", ("collaboration", "{unit}", SOURCE_NEED + "interactions")),
    "06.fairness": Section("06_drivers", "5. Fairness", ("{protected}",)),
    "06.risk": Section("06_drivers", "6. Flight risk by group", ("{group_by}",)),
}


def missing(ds, needs: tuple[str, ...], params: dict | None = None) -> list[str]:
    """The needs (with ``{parameter}`` filled from ``params``) that ``ds`` does not meet."""
    out = []
    for need in needs:
        need = need.format(**(params or {})) if "{" in need else need
        if need in out:
            continue
        if need == "events":  # by capability: any form with hire dates, never by the form's name
            ok = getattr(ds, "form", "events") != "snapshot" and "hire_date" in ds.people \
                and bool(ds.people["hire_date"].notna().any())
        elif need == "collaboration":
            ok = getattr(ds, "interactions", None) is not None or getattr(ds, "participants", None) is not None
        elif need.startswith(SOURCE_NEED):
            ok = str((params or {}).get("network_source", "auto")) in ("auto", "both", need.removeprefix(SOURCE_NEED))
        elif need in TABLES:
            ok = getattr(ds, need, None) is not None
        else:
            ok = ds.has(need)
        if not ok:
            out.append(need)
    return out


def how_to_add(need: str, ds=None, chosen: bool = False) -> str:
    """What a missing need is and how to supply it; for a column a parameter chose
    (``group_by``), the columns the data has instead."""
    if need in HOW:
        return HOW[need]
    if not need:
        return "a column: the parameter that names it is empty"
    alternatives = ", ".join(ds.group_keys()) if ds is not None and chosen else ""
    other = f", or group by a column it has: {alternatives}" if alternatives else ""
    return f"a people column '{need}' (map a column of your export to {need} in the mapping{other})"


def skip_note(key: str, lacking: list[str], ds=None, from_parameters: list[str] = ()) -> str:
    """The one line a skipped section shows."""
    chosen = [n.removeprefix(SOURCE_NEED) for n in lacking if n.startswith(SOURCE_NEED)]
    if chosen:  # the parameter left this source out: the data may well have it
        return f"{SECTIONS[key].title}: skipped, network_source leaves out the {chosen[0]} (set it to auto or both)."
    return (f"{SECTIONS[key].title}: skipped, this data lacks "
            + "; ".join(how_to_add(n, ds, n in from_parameters) for n in lacking) + ".")


def supported(ds, params: dict | None = None) -> pd.DataFrame:
    """Every section of every notebook: whether ``ds`` supports it, and what is missing."""
    params = {"group_by": "region", "protected": "origin", "unit": "region", "network_source": "auto", **(params or {})}
    rows = []
    for key, section in SECTIONS.items():
        lacking = missing(ds, section.needs, params)
        rows.append({"notebook": section.notebook, "section": section.title, "supported": not lacking,
                     "needs": ", ".join(SHORT.get(n, f"column {n}") for n in lacking)})
    return not_personal(pd.DataFrame(rows), "which analyses the data supports")


def _texts_available(ns: dict) -> bool:
    """Whether the fine-tuning notebook's ``data`` holds texts: a file with its text column,
    or a dataset (read by its ``mapping``) with a texts table (looked at once per kernel)."""
    data, column, mapping = str(ns.get("data", "")), ns.get("text_column", "text"), ns.get("mapping") or None
    if (data, column, mapping) not in _TEXTS:
        if Path(data).is_file():
            frame, _ = read_table_file(Path(data))
            _TEXTS[data, column, mapping] = frame is not None and column in frame.columns
        else:
            _TEXTS[data, column, mapping] = load(data, mapping=mapping).texts is not None
    return _TEXTS[data, column, mapping]


_TEXTS: dict[tuple[str, str, str | None], bool] = {}


def _assigned_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def section(line: str, cell: str, shell) -> None:
    """The ``%%section <key>`` cell magic: run the cell when the notebook's data supports the
    section, else show why not and set the cell's names to ``None``."""
    from IPython.display import Markdown, display

    key = line.strip()
    if key not in SECTIONS:
        raise ParameterError(f"%%section {key!r}: not a section; known: {', '.join(SECTIONS)}")
    ns = shell.user_ns
    needs = SECTIONS[key].needs
    ds = ns.get("ds")
    if ds is None:  # the fine-tuning notebook reads texts, not a dataset
        lacking = [n for n in needs if n != "texts" or not _texts_available(ns)]
    else:
        lacking = missing(ds, needs, ns)  # with {parameters} filled in
    if not lacking:
        shell.ex(cell)  # in the notebook's namespace; its errors fail the cell, its figures show once
        return
    if (key, id(ds)) not in _NOTED:  # one line a section and dataset, on its first cell: the rest skip quietly
        _NOTED.add((key, id(ds)))
        from_parameters = [n.format(**ns) for n in needs if "{" in n]
        display(Markdown(md_text("_{note}_", note=skip_note(key, lacking, ds, from_parameters))))
    for name in _assigned_names(cell):
        ns[name] = None


_NOTED: set[tuple[str, int]] = set()  # (section, dataset) pairs whose skip note this kernel has shown


def load_ipython_extension(shell) -> None:
    """``%load_ext talentkit.coverage``: register ``%%section``."""
    shell.register_magic_function(lambda line, cell: section(line, cell, shell), "cell", "section")
