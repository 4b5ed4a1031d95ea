"""Staffing plans for application scenarios: who fills a new application's skill demand, when.

An application scenario (``params/scenarios/<name>.yaml``) states skill demand by quarter:
cumulative people needed. :func:`plan_staffing` covers it from internal moves and from
hiring by channel, within hiring capacity and time-to-fill, at least cost: an integer
linear programme (scipy's ``milp``, HiGHS). Demand that cannot be met is reported as unmet
(it carries a penalty above any real cost), never as a crash. :func:`plan_applications`
plans several scenarios and returns a :class:`StaffingPlans` result for the notebook.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from .core.errors import ParameterError, YAMLFileError
from .core.privacy import not_personal
from .core.results import NOTEBOOK_DIR_ENV
from .core.yamlfile import read_yaml
from .data.timeline import employed_on

SCENARIO_FOLDER = Path("params") / "scenarios"


@dataclass
class Channel:
    name: str
    cost_per_hire: float
    capacity_per_quarter: int  # hires that can start in a quarter, all skills together
    time_to_fill: int  # quarters between starting a search and the hire arriving


@dataclass
class ApplicationScenario:
    """Skill demand by quarter (cumulative people needed) for an application of the network."""

    name: str
    start: str
    demand: dict[str, list[int]]
    regions: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def quarters(self) -> int:
        return max(len(v) for v in self.demand.values())


def load_application(path: str | Path) -> ApplicationScenario:
    """Read ``params/scenarios/<name>.yaml``; errors name the file and the key."""
    path = Path(path)
    doc = read_yaml(path, "application scenario")
    for key in ("name", "start", "demand"):
        if not isinstance(doc, dict) or key not in doc:
            raise YAMLFileError(f"{path}: key '{key}' is missing; an application scenario has name, start, demand")
    demand = doc["demand"]
    if not isinstance(demand, dict) or not all(isinstance(v, list) and all(isinstance(x, int) and x >= 0 for x in v)
                                               for v in demand.values()):
        raise YAMLFileError(f"{path}: key 'demand' must map each skill to a list of whole numbers of people by quarter")
    return ApplicationScenario(doc["name"], str(doc["start"]), demand, doc.get("regions", []), doc.get("description", ""))


def internal_supply(ds, skills, regions=None, available_share: float = 0.1) -> dict[str, int]:
    """People who could move in: ``available_share`` of those now employed with each skill
    (in ``regions`` when given), rounded down."""
    p = ds.people
    now = p[employed_on(p, ds.as_of)]
    if regions:
        now = now[now["region"].isin(regions)]
    counts = now["skill"].value_counts() if "skill" in now else pd.Series(dtype=int)
    return {s: int(np.floor(counts.get(s, 0) * available_share)) for s in skills}


def plan_staffing(app: ApplicationScenario, channels: list[Channel], internal: dict[str, int],
                  internal_cost: float, unmet_penalty: float | None = None) -> dict:
    """Least-cost plan meeting the cumulative demand ``app.demand[skill][q]`` by quarter.

    Variables: internal moves arriving per skill and quarter (within ``internal[skill]`` in
    all; each costs ``internal_cost``, the loss to the team they leave included), hires
    started per skill, channel and quarter (arriving ``time_to_fill`` quarters later; starts
    per channel and quarter within its capacity), and unmet demand per skill and quarter
    (penalised above any real cost). Integer people. Returns the plan, the cost, the unmet
    demand and the quarter from which the scenario is fully staffed (or None).
    """
    skills = list(app.demand)
    T = app.quarters
    demand = {s: (list(app.demand[s]) + [app.demand[s][-1]] * T)[:T] for s in skills}
    top_cost = max([c.cost_per_hire for c in channels] + [internal_cost, 1.0])
    penalty = unmet_penalty if unmet_penalty is not None else 10 * top_cost
    var: list[tuple[str, str, str, int]] = []  # (kind, skill, channel name or "", quarter)
    for s in skills:
        for q in range(T):
            var.append(("internal", s, "", q))
            for c in channels:
                var.append(("hire", s, c.name, q))  # started in q
            var.append(("unmet", s, "", q))
    idx = {v: i for i, v in enumerate(var)}
    by_name = {c.name: c for c in channels}
    cost = np.array([internal_cost if k == "internal" else by_name[name].cost_per_hire if k == "hire" else penalty
                     for k, s, name, q in var])
    ub = np.full(len(var), np.inf)
    for (k, s, name, q), i in idx.items():
        if k == "hire" and q + by_name[name].time_to_fill >= T:
            ub[i] = 0  # would arrive after the horizon
    constraints: list[tuple[np.ndarray, float, float]] = []  # (row, lower bound, upper bound)
    for s in skills:
        for q in range(T):  # cumulative arrivals + unmet >= cumulative demand
            row = np.zeros(len(var))
            for qq in range(q + 1):
                row[idx[("internal", s, "", qq)]] = 1
                for c in channels:
                    start = qq - c.time_to_fill
                    if start >= 0:
                        row[idx[("hire", s, c.name, start)]] = 1
            row[idx[("unmet", s, "", q)]] = 1
            constraints.append((row, demand[s][q], np.inf))
        row = np.zeros(len(var))  # internal supply per skill
        for q in range(T):
            row[idx[("internal", s, "", q)]] = 1
        constraints.append((row, 0, internal.get(s, 0)))
    for c in channels:  # capacity per channel and quarter
        for q in range(T):
            row = np.zeros(len(var))
            for s in skills:
                row[idx[("hire", s, c.name, q)]] = 1
            constraints.append((row, 0, c.capacity_per_quarter))
    rows, lo, hi = zip(*constraints)
    res = milp(cost, constraints=LinearConstraint(np.array(rows), np.array(lo), np.array(hi)), integrality=np.ones(len(var)),
               bounds=Bounds(np.zeros(len(var)), ub))
    if res.x is None:  # cannot happen with the unmet slack; kept as a clear failure
        raise ParameterError(f"{app.name}: the solver found no plan ({res.message})")
    x = np.round(res.x).astype(int)
    plan = []
    for (k, s, name, q), i in idx.items():
        if x[i] and k != "unmet":
            arrive = q + (by_name[name].time_to_fill if k == "hire" else 0)
            plan.append({"skill": s, "source": "internal move" if k == "internal" else name, "start_quarter": q + 1,
                         "arrival_quarter": arrive + 1, "people": int(x[i]),
                         "cost": float(x[i] * cost[i])})
    unmet = pd.DataFrame([{"skill": s, "quarter": q + 1, "unmet": int(x[idx[("unmet", s, "", q)]])}
                          for s in skills for q in range(T)])
    by_quarter = unmet.groupby("quarter")["unmet"].sum()
    staffed = next((int(q) for q in by_quarter.index if (by_quarter.loc[q:] == 0).all()), None)
    plan = pd.DataFrame(plan, columns=["skill", "source", "start_quarter", "arrival_quarter", "people", "cost"])
    return {"scenario": app.name, "plan": plan, "cost": float(plan["cost"].sum()) if len(plan) else 0.0,
            "unmet": unmet, "unmet_total_end": int(unmet[unmet["quarter"] == T]["unmet"].sum()),
            "staffed_quarter": staffed, "quarters": T, "status": res.message}


def find_application(name: str, folder: str | Path | None = None) -> Path:
    """The file of application scenario ``name``: ``<folder>/<name>.yaml``, by default
    ``params/scenarios`` in the working folder or the nearest folder above it (a notebook
    run in JupyterLab works in ``notebooks/``, a batch job in the project), else in the
    project of the notebook a batch job runs (``TALENTKIT_NOTEBOOK_DIR``, set by the runner)."""
    if folder is not None:
        candidates = [Path(folder)]
    else:  # the working folder and up, then the notebook's own project (a batch run from elsewhere)
        here = Path.cwd()
        bases = [here, *here.parents]
        if os.environ.get(NOTEBOOK_DIR_ENV):
            notebook_dir = Path(os.environ[NOTEBOOK_DIR_ENV])
            bases += [notebook_dir, *notebook_dir.parents]
        candidates = list(dict.fromkeys(base / SCENARIO_FOLDER for base in bases))
    for base in candidates:
        path = base / f"{name}.yaml"
        if path.is_file():
            return path
    looked = candidates[0] if folder is not None else SCENARIO_FOLDER
    known = sorted(p.stem for base in candidates if base.is_dir() for p in base.glob("*.yaml"))
    raise ParameterError(f"application scenario {name!r}: no file {looked}/{name}.yaml; "
                         f"choose from {known or 'the files in params/scenarios'}")


@dataclass
class StaffingPlans:
    """Plans for several application scenarios: ``table`` (one row a scenario: people needed,
    internal moves, hires, cost, unmet demand at the end, the quarter from which it is
    staffed) and ``bars`` (one row a planned start: scenario, skill, source, start and
    arrival quarter, people), what :func:`talentkit.plots.staffing_plans` draws."""

    table: pd.DataFrame
    bars: pd.DataFrame


def plan_applications(ds, names: list[str], cost_per_hire: dict[str, float], hiring_capacity: dict[str, int],
                      time_to_fill: dict[str, int], available_share: float, internal_cost: float,
                      folder: str | Path | None = None) -> StaffingPlans:
    """:func:`plan_staffing` for each application scenario in ``names``, with channels from
    ``cost_per_hire`` (capacity 0 and one quarter to fill where not given) and internal supply
    from :func:`internal_supply`."""
    channels = [Channel(c, cost_per_hire[c], hiring_capacity.get(c, 0), time_to_fill.get(c, 1))
                for c in cost_per_hire]
    rows, bars = [], []
    for name in names:
        app = load_application(find_application(name, folder))
        supply = internal_supply(ds, list(app.demand), app.regions, available_share)
        result = plan_staffing(app, channels, supply, internal_cost)
        by_source = result["plan"].groupby("source")["people"].sum()
        rows.append({"scenario": app.name, "start": app.start, "quarters": result["quarters"],
                     "people needed": sum(v[-1] for v in app.demand.values()),
                     "internal moves": int(by_source.get("internal move", 0)),
                     "hires": int(by_source.drop("internal move", errors="ignore").sum()),
                     "cost": result["cost"], "unmet at end": result["unmet_total_end"],
                     "staffed from quarter": result["staffed_quarter"]})
        bars += [{"scenario": app.name, "skill": row.skill, "source": row.source, "start": row.start_quarter,
                  "arrival": row.arrival_quarter, "people": row.people} for row in result["plan"].itertuples()]
    why = "staffing plans: people to hire or move for a hypothetical demand"
    return StaffingPlans(not_personal(pd.DataFrame(rows), why),
                         not_personal(pd.DataFrame(bars, columns=["scenario", "skill", "source", "start", "arrival",
                                                                  "people"]), why))
