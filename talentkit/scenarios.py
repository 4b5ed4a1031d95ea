r"""What if? Policy levers on the manpower model, and staffing plans for application scenarios.

**Levers** change the model (``flows.FlowModel``) and each carries a cost per year:

* :class:`AttritionMultiplier` — exit probability × m in chosen units (pay, career paths);
  the probability taken from exit stays in the unit;
* :class:`RotationProgramme` — extra yearly flow from one unit to another;
* :class:`HiringMix` — recruits by channel and origin: cost per hire by channel and the
  international share of hires;
* :class:`SharingIncentive` — raises the recorded share of sessions S.

A :class:`Scenario` is a named set of levers. :func:`compare` projects each scenario and the
baseline with the recruits that hold the same headcount target, and reports headcount by
unit and year, the A/R/F/S paths, the levers' cost, the cost of replacing leavers
(``replacement_share`` × salary per leaver) and the return (replacement cost saved − lever
cost).

**Staffing** (:func:`plan_staffing`) covers an application scenario's skill demand by
quarter from internal moves and from hiring by channel, within hiring capacity and
time-to-fill, at least cost: an integer linear programme (scipy's ``milp``, HiGHS). Demand
that cannot be met is reported as unmet (it carries a penalty above any real cost), never
as a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from . import flows
from .yamlfile import YAMLFileError, read_yaml


# --------------------------------------------------------------------------- levers


@dataclass
class AttritionMultiplier:
    """Exit probability × ``multiplier`` in ``units`` (all units when empty); costs
    ``cost_per_head`` a year for each person in those units."""

    multiplier: float
    units: list[str] = field(default_factory=list)
    cost_per_head: float = 0.0
    name: str = "attrition programme"

    def apply(self, model: flows.FlowModel, P: np.ndarray, r: np.ndarray):
        P = P.copy()
        for i, u in enumerate(model.units):
            if self.units and u not in self.units:
                continue
            exit_p = P[i, -1]
            new = min(1.0, exit_p * self.multiplier)
            P[i, -1] = new
            P[i, i] += exit_p - new  # kept people stay where they are
        return P, r

    def cost(self, model: flows.FlowModel, n: np.ndarray, hires: float) -> float:
        mask = np.array([not self.units or u in self.units for u in model.units])
        return float(self.cost_per_head * n[mask].sum())


@dataclass
class RotationProgramme:
    """``rate`` of unit ``source``'s people move to ``target`` each year, at ``cost_per_move``."""

    source: str
    target: str
    rate: float
    cost_per_move: float = 0.0
    name: str = "rotation programme"

    def apply(self, model: flows.FlowModel, P: np.ndarray, r: np.ndarray):
        i, j = model.units.index(self.source), model.units.index(self.target)
        P = P.copy()
        moved = min(self.rate, P[i, i])
        P[i, i] -= moved
        P[i, j] += moved
        return P, r

    def cost(self, model: flows.FlowModel, n: np.ndarray, hires: float) -> float:
        return float(self.cost_per_move * self.rate * n[model.units.index(self.source)])


@dataclass
class HiringMix:
    """Recruits by channel (shares summing to 1) with ``cost_per_hire`` by channel and the
    international share of hires by channel."""

    channel_shares: dict[str, float]
    cost_per_hire: dict[str, float]
    international_share: dict[str, float] = field(default_factory=dict)
    name: str = "hiring mix"

    def __post_init__(self):
        total = sum(self.channel_shares.values())
        if not np.isclose(total, 1.0):
            raise ValueError(f"{self.name}: channel shares sum to {total:.3f}; they must sum to 1")

    def apply(self, model, P, r):
        return P, r

    def cost(self, model, n, hires: float) -> float:
        return float(hires * sum(s * self.cost_per_hire.get(c, 0.0) for c, s in self.channel_shares.items()))

    def intl_share(self) -> float:
        return float(sum(s * self.international_share.get(c, 0.0) for c, s in self.channel_shares.items()))


@dataclass
class SharingIncentive:
    """Raises the recorded share of sessions by ``uplift`` (capped at 1), paying
    ``cost_per_session`` for each of ``sessions_per_head`` × headcount sessions a year."""

    uplift: float
    cost_per_session: float = 0.0
    sessions_per_head: float = 1.0
    name: str = "sharing incentive"

    def apply(self, model, P, r):
        return P, r

    def cost(self, model, n, hires: float) -> float:
        return float(self.cost_per_session * self.sessions_per_head * n.sum())


@dataclass
class Scenario:
    name: str
    levers: list = field(default_factory=list)


# --------------------------------------------------------------------------- comparison


@dataclass
class Baseline:
    """What the data say besides P: the recorded share S, the international share of hires,
    the mobility rate and a cost per hire, against which levers act."""

    recorded_share: float
    international_share: float
    cost_per_hire: float
    salary: float
    replacement_share: float = 0.5  # cost of replacing a leaver, as a share of salary


def run_scenario(model: flows.FlowModel, scenario: Scenario, base: Baseline, years: int,
                 growth: float = 0.0) -> pd.DataFrame:
    """One row a year: headcount by unit, total, exits, recruits, A/R/F/S and costs."""
    P, r = model.P, model.r
    for lever in scenario.levers:
        P, r = lever.apply(model, P, r)
    path = flows.project(model, years, growth=growth, P=P, r=r)
    Q = P[:, :-1]
    S = min(1.0, base.recorded_share + sum(lv.uplift for lv in scenario.levers if isinstance(lv, SharingIncentive)))
    mixes = [lv for lv in scenario.levers if isinstance(lv, HiringMix)]
    intl = mixes[-1].intl_share() if mixes else base.international_share
    rows = []
    for t in path.index[1:]:
        n_prev = path.loc[t - 1, model.units].to_numpy(dtype=float)
        hires = float(path.loc[t, "recruits"])
        internal = float(n_prev @ (Q - np.diag(np.diag(Q))) @ np.ones(len(model.units)))
        lever_cost = sum(lv.cost(model, n_prev, hires) for lv in scenario.levers)
        hiring_cost = 0.0 if mixes else hires * base.cost_per_hire
        exits = float(path.loc[t, "exits"])
        rows.append({
            "scenario": scenario.name, "year": int(t), **{u: path.loc[t, u] for u in model.units},
            "total": path.loc[t, "total"], "exits": exits, "recruits": hires,
            "A": 1.0, "international_share": intl,
            "R": 1 - exits / n_prev.sum() if n_prev.sum() else np.nan,
            "F": internal / n_prev.sum() if n_prev.sum() else np.nan, "S": S,
            "lever_cost": lever_cost, "hiring_cost": hiring_cost,
            "replacement_cost": exits * base.replacement_share * base.salary,
        })
    out = pd.DataFrame(rows)
    out["total_cost"] = out["lever_cost"] + out["hiring_cost"] + out["replacement_cost"]
    return out


def compare(model: flows.FlowModel, scenarios: list[Scenario], base: Baseline, years: int = 5,
            growth: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paths of the baseline and each scenario, and a summary: cumulative exits, lever cost,
    replacement cost saved against the baseline, and the return (saved − lever cost, and the
    ratio of saved to lever cost)."""
    paths = [run_scenario(model, Scenario("baseline"), base, years, growth)]
    paths += [run_scenario(model, s, base, years, growth) for s in scenarios]
    path = pd.concat(paths, ignore_index=True)
    totals = path.groupby("scenario", sort=False).agg(
        exits=("exits", "sum"), lever_cost=("lever_cost", "sum"), hiring_cost=("hiring_cost", "sum"),
        replacement_cost=("replacement_cost", "sum"), total_cost=("total_cost", "sum"),
        final_headcount=("total", "last"), R=("R", "mean"), F=("F", "mean"), S=("S", "last"))
    b = totals.loc["baseline"]
    totals["saved_vs_baseline"] = b["replacement_cost"] + b["hiring_cost"] - totals["replacement_cost"] - totals["hiring_cost"]
    totals["net_return"] = totals["saved_vs_baseline"] - totals["lever_cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        totals["return_per_cost"] = np.where(totals["lever_cost"] > 0, totals["saved_vs_baseline"] / totals["lever_cost"], np.nan)
    return path, totals.reset_index()


# --------------------------------------------------------------------------- staffing


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
    try:
        doc = read_yaml(path, "application scenario")
    except YAMLFileError as err:
        raise ValueError(str(err)) from None
    for key in ("name", "start", "demand"):
        if not isinstance(doc, dict) or key not in doc:
            raise ValueError(f"{path}: key '{key}' is missing; an application scenario has name, start, demand")
    demand = doc["demand"]
    if not isinstance(demand, dict) or not all(isinstance(v, list) and all(isinstance(x, int) and x >= 0 for x in v)
                                               for v in demand.values()):
        raise ValueError(f"{path}: key 'demand' must map each skill to a list of whole numbers of people by quarter")
    return ApplicationScenario(doc["name"], str(doc["start"]), demand, doc.get("regions", []), doc.get("description", ""))


def internal_supply(ds, skills, regions=None, available_share: float = 0.1) -> dict[str, int]:
    """People who could move in: ``available_share`` of those now employed with each skill
    (in ``regions`` when given), rounded down."""
    p = ds.people
    now = p[p["exit_date"].isna() | (p["exit_date"] > ds.as_of)]
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
    var = []  # (kind, skill, channel, quarter)
    for s in skills:
        for q in range(T):
            var.append(("internal", s, None, q))
            for c in channels:
                var.append(("hire", s, c.name, q))  # started in q
            var.append(("unmet", s, None, q))
    idx = {v: i for i, v in enumerate(var)}
    by_name = {c.name: c for c in channels}
    cost = np.array([internal_cost if k == "internal" else by_name[c].cost_per_hire if k == "hire" else penalty
                     for k, s, c, q in var])
    ub = np.full(len(var), np.inf)
    for (k, s, c, q), i in idx.items():
        if k == "hire" and q + by_name[c].time_to_fill >= T:
            ub[i] = 0  # would arrive after the horizon
    rows, lo, hi = [], [], []
    for s in skills:
        for q in range(T):  # cumulative arrivals + unmet >= cumulative demand
            row = np.zeros(len(var))
            for qq in range(q + 1):
                row[idx[("internal", s, None, qq)]] = 1
                for c in channels:
                    start = qq - c.time_to_fill
                    if start >= 0:
                        row[idx[("hire", s, c.name, start)]] = 1
            row[idx[("unmet", s, None, q)]] = 1
            rows.append(row), lo.append(demand[s][q]), hi.append(np.inf)
        row = np.zeros(len(var))  # internal supply per skill
        for q in range(T):
            row[idx[("internal", s, None, q)]] = 1
        rows.append(row), lo.append(0), hi.append(internal.get(s, 0))
    for c in channels:  # capacity per channel and quarter
        for q in range(T):
            row = np.zeros(len(var))
            for s in skills:
                row[idx[("hire", s, c.name, q)]] = 1
            rows.append(row), lo.append(0), hi.append(c.capacity_per_quarter)
    res = milp(cost, constraints=LinearConstraint(np.array(rows), lo, hi), integrality=np.ones(len(var)),
               bounds=Bounds(np.zeros(len(var)), ub))
    if res.x is None:  # cannot happen with the unmet slack; kept as a clear failure
        raise RuntimeError(f"{app.name}: the solver found no plan ({res.message})")
    x = np.round(res.x).astype(int)
    plan = []
    for (k, s, c, q), i in idx.items():
        if x[i] and k != "unmet":
            arrive = q + (by_name[c].time_to_fill if k == "hire" else 0)
            plan.append({"skill": s, "source": "internal move" if k == "internal" else c, "start_quarter": q + 1,
                         "arrival_quarter": arrive + 1, "people": int(x[i]),
                         "cost": float(x[i] * cost[i])})
    unmet = pd.DataFrame([{"skill": s, "quarter": q + 1, "unmet": int(x[idx[("unmet", s, None, q)]])}
                          for s in skills for q in range(T)])
    by_quarter = unmet.groupby("quarter")["unmet"].sum()
    staffed = next((int(q) for q in by_quarter.index if (by_quarter.loc[q:] == 0).all()), None)
    plan = pd.DataFrame(plan, columns=["skill", "source", "start_quarter", "arrival_quarter", "people", "cost"])
    return {"scenario": app.name, "plan": plan, "cost": float(plan["cost"].sum()) if len(plan) else 0.0,
            "unmet": unmet, "unmet_total_end": int(unmet[unmet["quarter"] == T]["unmet"].sum()),
            "staffed_quarter": staffed, "quarters": T, "status": res.message}


# --------------------------------------------------------------------------- interactive


def explorer(model: flows.FlowModel, base: Baseline, years: int = 5, growth: float = 0.0, draw=None):
    """ipywidgets sliders for the levers that redraw the comparison (``draw(path, totals)``);
    returns the widget. Used in an interactive kernel; under papermill the notebook draws the
    same figures from its parameters."""
    import ipywidgets as w

    def update(attrition=1.0, rotation=0.0, sharing=0.0):
        levers = []
        if attrition != 1.0:
            levers.append(AttritionMultiplier(attrition, cost_per_head=base.salary * 0.02))
        if rotation > 0 and len(model.units) > 1:
            levers.append(RotationProgramme(model.units[0], model.units[1], rotation, cost_per_move=base.salary * 0.1))
        if sharing > 0:
            levers.append(SharingIncentive(sharing, cost_per_session=200))
        path, totals = compare(model, [Scenario("what-if", levers)], base, years, growth)
        if draw is not None:
            draw(path, totals)
        return totals

    return w.interactive(update, attrition=w.FloatSlider(value=1.0, min=0.5, max=1.5, step=0.05,
                                                          description="attrition ×"),
                         rotation=w.FloatSlider(value=0.0, min=0.0, max=0.2, step=0.01, description="rotation"),
                         sharing=w.FloatSlider(value=0.0, min=0.0, max=0.3, step=0.01, description="S uplift"))


DEFAULT_COST_PER_HIRE = {"referral": 12000.0, "campus": 8000.0, "recommendation": 10000.0, "conference": 15000.0,
                         "partner": 18000.0, "community": 9000.0, "job_board": 14000.0}


def baseline_from_data(ds, salary: float, replacement_share: float, cost_per_hire: dict[str, float],
                       start, end) -> Baseline:
    """The data's recorded share S, international share of hires and channel-weighted cost
    per hire over ``start`` .. ``end``."""
    from .metrics import workforce

    hires = ds.people[ds.people["hire_date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    mix = hires["channel"].value_counts(normalize=True)
    cph = float(sum(share * cost_per_hire.get(c, np.mean(list(cost_per_hire.values()))) for c, share in mix.items()))
    s = ds.sessions
    recorded = float(s.loc[s["date"].between(pd.Timestamp(start), pd.Timestamp(end)), "recorded"].mean()) if s is not None else 0.0
    intl = float(workforce(ds, start, end).iloc[0]["international_share"])
    return Baseline(recorded, intl, cph, salary, replacement_share)


def policy_menu(model: flows.FlowModel, base: Baseline, cost_per_hire: dict[str, float] | None = None,
                channel_intl: dict[str, float] | None = None) -> dict[str, Scenario]:
    """The named policy scenarios the notebook offers, each with its assumptions in its levers:

    * ``pay_raise``: a 4% raise everywhere, exits × 0.8;
    * ``career_paths``: career paths in the unit with the most exits, its exits × 0.85;
    * ``rotation``: 5% a year of the largest unit rotates to the second largest;
    * ``referral_mix``: half of hiring through referrals;
    * ``sharing_bonus``: a bonus per recorded session, S + 10 points.
    """
    cost_per_hire = cost_per_hire or DEFAULT_COST_PER_HIRE
    exit_p = model.P[:, -1]
    worst = model.units[int(np.argmax(exit_p))]
    order = np.argsort(-model.stock, kind="stable")
    big, second = model.units[int(order[0])], model.units[int(order[min(1, len(order) - 1)])]
    mix = {"referral": 0.5, "campus": 0.2, "job_board": 0.2, "partner": 0.1}
    return {
        "pay_raise": Scenario("pay_raise", [AttritionMultiplier(0.8, cost_per_head=0.04 * base.salary, name="4% raise")]),
        "career_paths": Scenario("career_paths", [AttritionMultiplier(0.85, [worst], cost_per_head=0.01 * base.salary,
                                                                      name=f"career paths in {worst}")]),
        "rotation": Scenario("rotation", [RotationProgramme(big, second, 0.05, cost_per_move=0.1 * base.salary,
                                                            name=f"rotation {big} to {second}")]),
        "referral_mix": Scenario("referral_mix", [HiringMix(mix, cost_per_hire, channel_intl or {})]),
        "sharing_bonus": Scenario("sharing_bonus", [SharingIncentive(0.10, cost_per_session=300.0)]),
    }
