r"""What if? Policy levers on the manpower model, and staffing plans for application scenarios.

**Levers** change the model (``FlowModel``) and each carries a cost per year:

* :class:`AttritionMultiplier` — exit probability × m in chosen units (pay, career paths);
  the probability taken from exit stays in the unit;
* :class:`RotationProgramme` — extra yearly flow from one unit to another;
* :class:`HiringMix` — recruits by channel and origin: cost per hire by channel and the
  international share of hires;
* :class:`SharingIncentive` — raises the recorded share of sessions S.

Every lever has the same shape (:class:`Lever`): ``apply`` changes P and r, ``cost`` prices a
year, and three attributes say what else it changes (the recorded share S, the
international share of hires, whether it prices hiring itself). The named levers the
notebook offers are made by :func:`pay_raise`, :func:`career_paths`, :func:`rotation`,
:func:`referral_mix` and :func:`sharing_bonus`, each with its cost assumption stated once.

A :class:`Scenario` is a named set of levers. :func:`compare` projects each scenario and the
baseline with the recruits that hold the same headcount target, and reports headcount by
unit and year, the A/R/F/S paths, the levers' cost, the cost of replacing leavers
(``replacement_share`` × salary per leaver) and the return (replacement cost saved − lever
cost). Staffing plans for application scenarios are in :mod:`talentkit.staffing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .core.errors import ParameterError
from .core.privacy import not_personal
from .flows import FlowModel
from .metrics import workforce

# The cost assumptions, stated once (the menu and the sliders both use them).
RAISE_SHARE_PER_EXIT_CUT = 0.2  # a raise of 4% of salary cuts exits by 20%: 0.04 / 0.2 per unit cut
CAREER_PATHS_SHARE = 0.01  # career-path programme, a year per head, as a share of salary
ROTATION_COST_SHARE = 0.1  # one rotation, as a share of salary (relocation, ramp-up)
SHARING_COST_PER_SESSION = 300.0  # bonus per recorded session


# --------------------------------------------------------------------------- levers


class Lever:
    """What every lever has: ``apply(model, P, r) -> (P, r)`` and ``cost(model, n, hires)`` a
    year (``n``: headcount by unit at the year's start). ``sharing_uplift`` raises S,
    ``hiring_international_share`` (when not ``None``) replaces the baseline's international
    share of hires, and ``prices_hiring`` means its cost already includes hiring."""

    name = "lever"
    sharing_uplift = 0.0
    hiring_international_share: float | None = None
    prices_hiring = False

    def apply(self, model: FlowModel, P: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return P, r

    def cost(self, model: FlowModel, n: np.ndarray, hires: float) -> float:
        return 0.0


@dataclass
class AttritionMultiplier(Lever):
    """Exit probability × ``multiplier`` in ``units`` (all units when empty); costs
    ``cost_per_head`` a year for each person in those units."""

    multiplier: float
    units: list[str] = field(default_factory=list)
    cost_per_head: float = 0.0
    name: str = "attrition programme"

    def apply(self, model: FlowModel, P: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        P = P.copy()
        for i, u in enumerate(model.units):
            if self.units and u not in self.units:
                continue
            exit_p = P[i, -1]
            new = min(1.0, exit_p * self.multiplier)
            P[i, -1] = new
            P[i, i] += exit_p - new  # kept people stay where they are
        return P, r

    def cost(self, model: FlowModel, n: np.ndarray, hires: float) -> float:
        mask = np.array([not self.units or u in self.units for u in model.units])
        return float(self.cost_per_head * n[mask].sum())


@dataclass
class RotationProgramme(Lever):
    """``rate`` of unit ``source``'s people move to ``target`` each year, at ``cost_per_move``."""

    source: str
    target: str
    rate: float
    cost_per_move: float = 0.0
    name: str = "rotation programme"

    def apply(self, model: FlowModel, P: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, j = model.units.index(self.source), model.units.index(self.target)
        P = P.copy()
        moved = min(self.rate, P[i, i])
        P[i, i] -= moved
        P[i, j] += moved
        return P, r

    def cost(self, model: FlowModel, n: np.ndarray, hires: float) -> float:
        return float(self.cost_per_move * self.rate * n[model.units.index(self.source)])


@dataclass
class HiringMix(Lever):
    """Recruits by channel (shares summing to 1) with ``cost_per_hire`` by channel and the
    international share of hires by channel."""

    channel_shares: dict[str, float]
    cost_per_hire: dict[str, float]
    international_share: dict[str, float] = field(default_factory=dict)
    name: str = "hiring mix"
    prices_hiring = True

    def __post_init__(self):
        total = sum(self.channel_shares.values())
        if not np.isclose(total, 1.0):
            raise ParameterError(f"{self.name}: channel shares sum to {total:.3f}; they must sum to 1")

    @property
    def hiring_international_share(self) -> float:  # type: ignore[override]  # a lever's value, computed
        return float(sum(s * self.international_share.get(c, 0.0) for c, s in self.channel_shares.items()))

    def cost(self, model: FlowModel, n: np.ndarray, hires: float) -> float:
        return float(hires * sum(s * self.cost_per_hire.get(c, 0.0) for c, s in self.channel_shares.items()))


@dataclass
class SharingIncentive(Lever):
    """Raises the recorded share of sessions by ``uplift`` (capped at 1), paying
    ``cost_per_session`` for each of ``sessions_per_head`` × headcount sessions a year."""

    uplift: float
    cost_per_session: float = 0.0
    sessions_per_head: float = 1.0
    name: str = "sharing incentive"

    @property
    def sharing_uplift(self) -> float:  # type: ignore[override]  # a lever's value, computed
        return self.uplift

    def cost(self, model: FlowModel, n: np.ndarray, hires: float) -> float:
        return float(self.cost_per_session * self.sessions_per_head * n.sum())


@dataclass
class Scenario:
    name: str
    levers: list[Lever] = field(default_factory=list)


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


@dataclass
class ScenarioComparison:
    """Scenarios against the baseline: ``path`` (one row per scenario and year: headcount by
    unit, exits, A/R/F/S, costs) and ``table`` (one row per scenario: cumulative exits,
    costs, saved against the baseline, net return, mean R and F, final S)."""

    path: pd.DataFrame
    table: pd.DataFrame

    def best(self) -> str | None:
        """The scenario with the highest net return, ``None`` when only the baseline ran."""
        t = self.table.set_index("scenario").drop("baseline")
        return str(t["net_return"].idxmax()) if len(t) else None


def run_scenario(model: FlowModel, scenario: Scenario, base: Baseline, years: int,
                 growth: float = 0.0) -> pd.DataFrame:
    """One row a year: headcount by unit, total, exits, recruits, A/R/F/S and costs."""
    P, r = model.P, model.r
    for lever in scenario.levers:
        P, r = lever.apply(model, P, r)
    path = model.project(years, growth=growth, P=P, r=r)
    Q = P[:, :-1]
    S = min(1.0, base.recorded_share + sum(lv.sharing_uplift for lv in scenario.levers))
    intl = next((lv.hiring_international_share for lv in reversed(scenario.levers)
                 if lv.hiring_international_share is not None), base.international_share)
    prices_hiring = any(lv.prices_hiring for lv in scenario.levers)
    rows = []
    for t in path.index[1:]:
        n_prev = path.loc[t - 1, model.units].to_numpy(dtype=float)
        hires = float(path.loc[t, "recruits"])
        internal = float(n_prev @ (Q - np.diag(np.diag(Q))) @ np.ones(len(model.units)))
        lever_cost = sum(lv.cost(model, n_prev, hires) for lv in scenario.levers)
        hiring_cost = 0.0 if prices_hiring else hires * base.cost_per_hire
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


def compare(model: FlowModel, scenarios: list[Scenario], base: Baseline, years: int = 5,
            growth: float = 0.0) -> ScenarioComparison:
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
    saved = b["replacement_cost"] + b["hiring_cost"] - totals["replacement_cost"] - totals["hiring_cost"]
    totals["saved_vs_baseline"] = saved
    totals["net_return"] = totals["saved_vs_baseline"] - totals["lever_cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_cost = np.where(totals["lever_cost"] > 0, totals["saved_vs_baseline"] / totals["lever_cost"], np.nan)
    totals["return_per_cost"] = per_cost
    why = "projections of the fitted flow model under assumed levers"
    return ScenarioComparison(not_personal(path, why), not_personal(totals.reset_index(), why))


# --------------------------------------------------------------------------- the named levers


def pay_raise(base: Baseline, exit_multiplier: float = 0.8, units: list[str] | None = None) -> AttritionMultiplier:
    """A raise that multiplies exits by ``exit_multiplier``: it costs
    ``RAISE_SHARE_PER_EXIT_CUT`` × (1 − multiplier) of salary a head (4% for exits × 0.8);
    nothing is saved by raising exits."""
    share = round(RAISE_SHARE_PER_EXIT_CUT * max(0.0, 1 - exit_multiplier), 6)
    return AttritionMultiplier(exit_multiplier, list(units or []), cost_per_head=share * base.salary,
                               name=f"{share:.0%} raise")


def career_paths(model: FlowModel, base: Baseline, exit_multiplier: float = 0.85) -> AttritionMultiplier:
    """Career paths in the unit with the most exits: its exits × ``exit_multiplier``, at
    ``CAREER_PATHS_SHARE`` of salary a head."""
    worst = model.units[int(np.argmax(model.P[:, -1]))]
    return AttritionMultiplier(exit_multiplier, [worst], cost_per_head=CAREER_PATHS_SHARE * base.salary,
                               name=f"career paths in {worst}")


def rotation(model: FlowModel, base: Baseline, rate: float = 0.05) -> RotationProgramme:
    """``rate`` a year of the largest unit rotates to the second largest, at
    ``ROTATION_COST_SHARE`` of salary a move."""
    order = np.argsort(-model.stock, kind="stable")
    big, second = model.units[int(order[0])], model.units[int(order[min(1, len(order) - 1)])]
    return RotationProgramme(big, second, rate, cost_per_move=ROTATION_COST_SHARE * base.salary,
                             name=f"rotation {big} to {second}")


def referral_mix(cost_per_hire: dict[str, float], channel_intl: dict[str, float] | None = None) -> HiringMix:
    """Half of hiring through referrals (the rest: campus 20%, job boards 20%, partners 10%)."""
    mix = {"referral": 0.5, "campus": 0.2, "job_board": 0.2, "partner": 0.1}
    return HiringMix(mix, cost_per_hire, channel_intl or {})


def sharing_bonus(uplift: float = 0.10) -> SharingIncentive:
    """A bonus per recorded session (``SHARING_COST_PER_SESSION``) that raises S by ``uplift``."""
    return SharingIncentive(uplift, cost_per_session=SHARING_COST_PER_SESSION)


DEFAULT_COST_PER_HIRE = {"referral": 12000.0, "campus": 8000.0, "recommendation": 10000.0, "conference": 15000.0,
                         "partner": 18000.0, "community": 9000.0, "job_board": 14000.0}


def policy_menu(model: FlowModel, base: Baseline, cost_per_hire: dict[str, float] | None = None,
                channel_intl: dict[str, float] | None = None) -> dict[str, Scenario]:
    """The named policy scenarios the notebook offers: ``pay_raise`` (exits × 0.8 everywhere),
    ``career_paths`` (exits × 0.85 in the unit with the most), ``rotation`` (5% a year of the
    largest unit to the second), ``referral_mix`` (half of hiring through referrals) and
    ``sharing_bonus`` (S + 10 points)."""
    cost_per_hire = cost_per_hire or DEFAULT_COST_PER_HIRE
    return {
        "pay_raise": Scenario("pay_raise", [pay_raise(base, 0.8)]),
        "career_paths": Scenario("career_paths", [career_paths(model, base)]),
        "rotation": Scenario("rotation", [rotation(model, base)]),
        "referral_mix": Scenario("referral_mix", [referral_mix(cost_per_hire, channel_intl)]),
        "sharing_bonus": Scenario("sharing_bonus", [sharing_bonus()]),
    }


def chosen(menu: dict[str, Scenario], names: list[str]) -> list[Scenario]:
    """The scenarios named in ``names``, in that order; an unknown name is an error listing the menu."""
    unknown = [n for n in names if n not in menu]
    if unknown:
        raise ParameterError(f"unknown scenarios {unknown}; choose from {sorted(menu)}")
    return [menu[n] for n in names]


def baseline_from_data(ds, salary: float, replacement_share: float, cost_per_hire: dict[str, float],
                       start, end) -> Baseline:
    """The data's recorded share S, international share of hires and channel-weighted cost
    per hire over ``start`` .. ``end``."""
    hires = ds.people[ds.people["hire_date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    mix = hires["channel"].value_counts(normalize=True)
    cph = float(sum(share * cost_per_hire.get(c, np.mean(list(cost_per_hire.values()))) for c, share in mix.items()))
    s = ds.sessions
    in_period = s["date"].between(pd.Timestamp(start), pd.Timestamp(end)) if s is not None else None
    recorded = float(s.loc[in_period, "recorded"].mean()) if s is not None else 0.0
    intl = float(workforce(ds, start, end).iloc[0]["international_share"])
    return Baseline(recorded, intl, cph, salary, replacement_share)
