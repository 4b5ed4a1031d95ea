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
from typing import Any

import pandas as pd

from .core.errors import ParameterError
from .core.markup import md_text
from .core.privacy import not_personal
from .data.datasets import load

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
    "answers": "respondents' answers (a long or wide survey export): published results by unit carry shares only",
    "survey": "a survey: set survey to the survey export's mapping file (the README's Surveys; the built-in survey "
              "belongs to the built-in company only)",
    "research": "research records: set research to their mapping file (the README's Global talent market; the "
                "built-in market belongs to the built-in company only)",
    "works": "a work column (paper or work id): the research mapping names none, as a roster has none",
    "our_institution": "the company's name as the research records write it: set our_institution",
    "programmes": "a programmes table: set programmes to its mapping file (the README's Did it work?; the built-in "
                  "programmes belong to the built-in company only)",
}

SHORT = {"events": "dated history", "collaboration": "interactions or participants table", "survey": "a survey export",
         "answers": "respondents' answers", "research": "research records", "works": "works (papers)",
         "our_institution": "our_institution", "programmes": "a programmes table",
         **{t: f"{t} table" for t in TABLES}}
SOURCE_NEED = "network_source:"
# needs met by a parameter naming an export beside the people data (its mapping file), or by the
# built-in company, which has each of them: a survey, research records, programmes
BESIDE = ("survey", "research", "programmes")  # a need met when the notebook's network_source allows the source


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
    "07.survey": Section("07_survey", "The survey: its scores, heatmap and change", ("survey",)),
    "07.answers": Section("07_survey", "Response, scores by group, eNPS, reliability, drivers, comments and leaving",
                          ("survey", "answers")),
    "08.market": Section("08_talent_market", "Where the talent is, and how it moves", ("research",)),
    "08.network": Section("08_talent_market", "The institution network", ("research", "works")),
    "08.standing": Section("08_talent_market", "Where we stand", ("research", "our_institution")),
    "09.impact": Section("09_impact", "Did the programme work: guards, estimates, placebo", ("events", "programmes")),
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
        elif need in BESIDE:  # an export of its own beside the people data, or the built-in company's own
            ok = str((params or {}).get(need, "synthetic")) not in ("", "synthetic") or \
                str(getattr(ds, "source", "")).startswith("synthetic")
        elif need == "works":  # a work column: co-authorship needs it, a roster has none
            ok = bool(getattr((params or {}).get("records"), "has_works", True))
        elif need == "our_institution":
            ok = bool(str((params or {}).get("our_institution", "")).strip())
        elif need == "answers":  # respondents' answers, which published results by unit do not carry
            ok = getattr((params or {}).get("responses"), "form", "") != "by_unit"
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


def skip_note(key: str, lacking: list[str], ds=None, from_parameters: tuple[str, ...] | list[str] = ()) -> str:
    """The one line a skipped section shows."""
    chosen = [n.removeprefix(SOURCE_NEED) for n in lacking if n.startswith(SOURCE_NEED)]
    lacking = [n for n in lacking if not n.startswith(SOURCE_NEED)]
    if chosen and not lacking:  # the parameter alone left this source out: the data has it
        return f"{SECTIONS[key].title}: skipped, network_source leaves out the {chosen[0]} (set it to auto or both)."
    return (f"{SECTIONS[key].title}: skipped, this data lacks "
            + "; ".join(how_to_add(n, ds, n in from_parameters) for n in lacking) + ".")


def require_dates(ds, notebook: str) -> None:
    """Stop a notebook whose every section needs dates on a people list without any (a
    roster), with what it needs and which notebooks the data does serve."""
    if "events" in missing(ds, ("events",)):
        if getattr(ds, "form", "") == "snapshot":
            return  # a one-day snapshot export: the notebook reads its tenure instead
        raise ParameterError(f"{notebook} needs hire dates, and this data is a people list without dates (roster "
                             "form): add hire_date to the people table (and exit_date, exit_type where known), or run "
                             "00_data_profile, 05_network (on its interactions or participants) and 02_finetune (on "
                             "its texts), which need none")


UNIT_ORDER = ("region", "team")  # the contract's organisational units, coarse to fine


def unit_columns(ds) -> list[str]:
    """The data's organisational unit columns, coarsest first: a mapping's hierarchy (its top
    first), then the contract's region and team, each where the data has two values or more."""
    chain: list[str] = []
    hierarchy = dict(getattr(ds, "hierarchy", {}) or {})
    for child in hierarchy:  # each finer column -> its parent: walk to the top
        line, seen = [child], {child}
        while line[-1] in hierarchy and hierarchy[line[-1]] not in seen:
            line.append(hierarchy[line[-1]])
            seen.add(line[-1])
        chain = line if len(line) > len(chain) else chain
    ordered = list(dict.fromkeys([*reversed(chain), *UNIT_ORDER]))
    return [c for c in ordered if ds.has(c) and ds.people[c].nunique() >= 2]


def fit_column(ds, value: str, parameter: str, default: str, choices: tuple[str, ...] | None = None,
               unit: bool = True) -> tuple[str, str]:
    """A grouping parameter that fits the data: ``value`` when the data has it; when it was
    left at its ``default`` and the data lacks that, the data's coarsest unit column
    (:func:`unit_columns`; within ``choices`` where the notebook takes only some) when
    ``unit``; else ``value`` as given, for its sections to skip naming the columns the data
    has. Returns the value and a sentence saying what was chosen and why ("" when nothing
    changed)."""
    if not value or ds.has(value):
        return value, ""
    keys = [k for k in ds.group_keys() if k != value]
    offer = ", ".join(keys) if keys else "none"
    candidates = [c for c in unit_columns(ds) if choices is None or c in choices] if unit else []
    if value == default and candidates:
        return candidates[0], (f"This data has no column '{value}', the default of {parameter}; it is grouped by "
                               f"its unit column '{candidates[0]}' instead. Set {parameter} to choose another of: "
                               f"{offer}.")
    return value, f"This data has no column '{value}' ({parameter}); the columns it could use: {offer}."


def parameters_for(ds) -> pd.DataFrame:
    """Per notebook, the grouping parameters to set for this data: the default, whether the
    data has it, and what to set instead (the rule of :func:`fit_column`)."""
    rows = []
    for notebook, parameter, default, choices, unit in (
            ("01_metrics", "group_by", "region", None, True), ("04_scenarios", "unit", "region", ("region",), True),
            ("05_network", "unit", "region", ("region", "team"), True), ("06_drivers", "group_by", "region", None, True),
            ("06_drivers", "protected", "origin", None, False)):
        chosen, why = fit_column(ds, default, parameter, default, choices, unit)
        rows.append({"notebook": notebook, "parameter": parameter, "default": default, "in the data": ds.has(default),
                     "set it to": chosen if chosen != default else ("" if ds.has(default) else "(a column below)"),
                     "why": why})
    return not_personal(pd.DataFrame(rows), "which parameters fit the data's columns")


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
    """Whether the fine-tuning notebook's data holds texts, asked of its configuration
    (``cfg.texts_available()``: a file of texts that cannot be read fails the run with its
    real error, never skips the section with a false reason), once per configuration and
    kernel. Without a configuration: a dataset (read by its ``mapping``) with a texts table."""
    cfg: Any = ns.get("cfg")
    key = cfg.model_dump_json() if hasattr(cfg, "model_dump_json") else str(ns.get("data", ""))
    if key not in _TEXTS:
        if hasattr(cfg, "texts_available"):
            _TEXTS[key] = cfg.texts_available()
        else:
            _TEXTS[key] = load(str(ns.get("data", "")), mapping=ns.get("mapping") or None).texts is not None
    return _TEXTS[key]


_TEXTS: dict[str, bool] = {}


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
