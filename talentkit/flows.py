r"""Workforce flows: a Markov manpower model (Bartholomew, *Statistical Models for Social Processes*).

States are units (region, or region × level) plus an absorbing *exit*. From each year of
the data, people in unit :math:`i` on 1 January are counted where they are on 31 December
(unit :math:`j`, or gone): :math:`C_{ij}`. Summed over the years of the window,

.. math:: P_{ij} = C_{ij} / \sum_k C_{ik}, \qquad \text{rows of } P \text{ (exit included) sum to 1.}

Recruits spread over units by :math:`r` (the shares of the recruits who are present at a
year's end). With :math:`Q` the unit-to-unit block of :math:`P`:

.. math:: n(t+1) = n(t)\,Q + R(t+1)\,r

with :math:`R` a hiring plan, or what holds a headcount target growing at rate :math:`g`.
The expected years still to be spent in the network, from each unit, are the row sums
of the fundamental matrix :math:`N = (I - Q)^{-1}` (counting the current year).

Region is rebuilt from moves (``timeline.GroupCoder``). Level is rebuilt from promotions
when levels sort naturally (L1 < L2 …): one level down for each promotion after the day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core.errors import ParameterError
from .core.privacy import MIN_GROUP, grouped, mark, suppress, suppress_matrix_values
from .core.stats import wilson_interval
from .data.datasets import Dataset
from .data.timeline import employed_on, level_on, unit_at

EXIT = "exit"
# why the flow model's tables take no nesting: their units (region, region x level) are said on a year's last day
FLOW_UNITS = "the flow model's units (region, region x level), as they stood on each year's last day"


def units_on(ds: Dataset, day, unit: str = "region") -> pd.Series:
    """Each person's unit on ``day`` (``region`` or ``region_level``); missing when not employed."""
    p = ds.people
    region = unit_at(ds, "region", day).to_numpy()
    employed = employed_on(p, pd.Timestamp(day)).to_numpy()
    if unit == "region_level":
        level = level_on(ds, day)
        label = np.array([f"{r} {lv}" for r, lv in zip(region, level)], dtype=object)
    elif unit == "region":
        label = region
    else:
        raise ParameterError(f"unit must be region or region_level, not {unit!r}")
    return pd.Series(label, index=p.index, dtype=object).where(np.asarray(employed, dtype=bool), None)




class FlowModel:
    """The manpower model, scikit-learn style: ``FlowModel(unit).fit(ds, start, end)`` counts
    the transitions of each calendar year ``start`` .. ``end`` and returns the model, with
    ``units``, ``counts`` :math:`C` (units × units + exit), ``recruits`` (present at a year's
    end, by unit, summed over the years), ``years`` and ``stock`` (headcount by unit at the
    end of the last year); ``P``, ``Q`` and ``r`` follow from them."""

    def __init__(self, unit: str = "region"):
        if unit not in ("region", "region_level"):
            raise ParameterError(f"unit must be region or region_level, not {unit!r}")
        self.unit = unit
        self.units: list[str] = []
        self.counts = np.zeros((0, 1))
        self.recruits = np.zeros(0)
        self.years: list[int] = []
        self.stock = np.zeros(0)

    @classmethod
    def from_counts(cls, units, counts, recruits, years, stock, unit: str = "region") -> "FlowModel":
        """A model from counts already made (for tests and for what-if matrices)."""
        model = cls(unit)
        model.units, model.counts = list(units), np.asarray(counts, dtype=float)
        model.recruits, model.years = np.asarray(recruits, dtype=float), list(years)
        model.stock = np.asarray(stock, dtype=float)
        return model

    def fit(self, ds: Dataset, start: int, end: int) -> "FlowModel":
        """Count transitions over each calendar year from ``start`` to ``end`` (years)."""
        on = {y: units_on(ds, pd.Timestamp(y, 12, 31), self.unit) for y in range(start - 1, end + 1)}
        units = sorted({u for s in on.values() for u in s.dropna().unique()}, key=str)
        index = {u: i for i, u in enumerate(units)}
        k = len(units)
        counts = np.zeros((k, k + 1))
        recruits = np.zeros(k)
        hire_year = ds.people["hire_date"].dt.year.to_numpy()
        for y in range(start, end + 1):
            before, after = on[y - 1], on[y]
            for a, b in zip(before.to_numpy(), after.to_numpy()):
                if a is None:
                    continue
                counts[index[a], index[b] if b is not None else k] += 1
            new = (hire_year == y) & after.notna().to_numpy()
            for b in after[new]:
                recruits[index[b]] += 1
        self.units, self.counts, self.recruits = units, counts, recruits
        self.years = list(range(start, end + 1))
        self.stock = np.array([(on[end] == u).sum() for u in units], dtype=float)
        return self

    @property
    def P(self) -> np.ndarray:
        """Transition probabilities. A unit nobody started a year in gets the pooled exit rate
        of all units and otherwise stays put (there is nothing else to go on)."""
        rows = self.counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(rows > 0, self.counts / rows, 0.0)
        empty = np.flatnonzero(rows[:, 0] == 0)
        pooled_exit = self.counts[:, -1].sum() / self.counts.sum() if self.counts.sum() else 0.0
        p[empty, :] = 0
        p[empty, empty] = 1 - pooled_exit
        p[empty, -1] = pooled_exit
        return p

    @property
    def Q(self) -> np.ndarray:
        return self.P[:, :-1]

    @property
    def r(self) -> np.ndarray:
        total = self.recruits.sum()
        return self.recruits / total if total else np.full(len(self.units), 1 / len(self.units))

    def person_years(self) -> int:
        """Person-years the model was fitted on (people counted at each year's start)."""
        return int(self.counts.sum())

    def small_units(self, min_group: int = MIN_GROUP) -> np.ndarray:
        """Units with fewer than ``min_group`` person-years: their row would describe a few people."""
        return self.counts.sum(axis=1) < min_group

    @grouped
    def transitions(self, min_group: int = MIN_GROUP) -> pd.DataFrame:
        """``P`` as a from × to table, with the cells hidden whose counts the privacy gate hides
        (by rows and columns) and the whole row of a unit under ``min_group`` person-years."""
        columns = self.units + [EXIT]
        P = pd.DataFrame(self.P, index=self.units, columns=columns)
        counts = pd.DataFrame(self.counts, index=self.units, columns=columns)
        return suppress_matrix_values(P, min_group, counts=counts, small_rows=self.small_units(min_group))

    @grouped
    def table(self, min_group: int = MIN_GROUP) -> pd.DataFrame:
        """P in long form: each transition's count, probability and Wilson 95% interval. ``n`` =
        the from-unit's person-years; a unit under ``min_group`` (and its complement) is hidden."""
        rows = self.counts.sum(axis=1)
        cols = self.units + [EXIT]
        out = []
        for i, u in enumerate(self.units):
            lo, hi = wilson_interval(self.counts[i], np.full(len(cols), rows[i]))
            for j, v in enumerate(cols):
                out.append({"from": u, "to": v, "n": rows[i], "count": int(self.counts[i, j]), "p": self.P[i, j],
                            "p_lo": lo[j], "p_hi": hi[j]})
        return suppress(pd.DataFrame(out), ["from", "to"], min_group, not_nested=FLOW_UNITS)

    @grouped
    def expected_years(self, min_group: int = MIN_GROUP) -> pd.Series:
        """Expected years still in the network from each unit with at least ``min_group``
        person-years: row sums of (I − Q)⁻¹. Infinite for a unit from which some path leads to
        units nobody was seen to leave (their block of I − Q is singular)."""
        Q = self.Q
        k = len(self.units)
        reach = np.eye(k, dtype=bool) | (Q > 0)
        for _ in range(k):  # transitive closure
            reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
        leaves = (reach & (self.P[:, -1] > 0)[None, :]).any(axis=1)  # can reach a unit with exits
        closed = ~leaves
        finite = ~(reach[:, closed].any(axis=1))
        years = np.full(k, np.inf)
        idx = np.flatnonzero(finite)
        if len(idx):
            n = np.linalg.inv(np.eye(len(idx)) - Q[np.ix_(idx, idx)])
            years[idx] = n.sum(axis=1)
        shown = pd.Series(years, index=self.units, name="expected_years")[~self.small_units(min_group)]
        return mark(shown, min_group)

    def project(self, years: int, start: np.ndarray | None = None, hires=None, growth: float | None = None,
                P: np.ndarray | None = None, r: np.ndarray | None = None) -> pd.DataFrame:
        """Project headcount by unit for ``years`` years: :math:`n(t+1) = n(t)Q + R(t+1)r`.

        ``hires``: recruits per year (a number or a list); or ``growth``: the recruits that make
        the total grow by that rate (never negative). Neither: no hiring. ``P`` and ``r``
        replace the model's (a scenario's levers). Returns one row a year (0 = the start)
        with headcount by unit, ``total``, ``exits`` and ``recruits``.
        """
        P = self.P if P is None else np.asarray(P)
        r = self.r if r is None else np.asarray(r)
        Q, e = P[:, :-1], P[:, -1]
        n = np.asarray(self.stock if start is None else start, dtype=float)
        rows = [dict(zip(self.units, n), total=n.sum(), exits=0.0, recruits=0.0, year=0)]
        for t in range(1, years + 1):
            stay = n @ Q
            exits = float(n @ e)
            if growth is not None:
                R = max(0.0, n.sum() * (1 + growth) - stay.sum())
            elif hires is None:
                R = 0.0
            else:
                R = float(hires[t - 1] if np.ndim(hires) else hires)
            n = stay + R * r
            rows.append(dict(zip(self.units, n), total=n.sum(), exits=exits, recruits=R, year=t))
        return pd.DataFrame(rows).set_index("year")


def last_full_year(ds: Dataset) -> int:
    """The last calendar year the data cover to its end."""
    day = pd.Timestamp(ds.as_of)  # a loaded dataset always has its day
    return day.year if (day.month, day.day) == (12, 31) else day.year - 1


def last_years(ds: Dataset, count: int) -> tuple[int, int]:
    """The first and last of the ``count`` calendar years up to :func:`last_full_year`."""
    last = last_full_year(ds)
    return last - count + 1, last


@grouped
def backtest(ds: Dataset, year: int, fit_years: int = 3, unit: str = "region",
             min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Fit on the ``fit_years`` years up to ``year - 1``, project ``year`` from the real stock
    at its start with the real recruits (those present at its end), and compare by unit.

    ``n`` = the smaller of the unit's start and actual headcount; a unit under ``min_group``
    (and its complement) is hidden, so a small unit's error is never shown."""
    model = FlowModel(unit).fit(ds, year - fit_years, year - 1)
    actual_model = FlowModel(unit).fit(ds, year, year)
    start = units_on(ds, pd.Timestamp(year - 1, 12, 31), unit)
    n0 = np.array([(start == u).sum() for u in model.units], dtype=float)
    recruits = np.array([actual_model.recruits[actual_model.units.index(u)] if u in actual_model.units else 0
                         for u in model.units])
    projected = n0 @ model.Q + recruits
    end = units_on(ds, pd.Timestamp(year, 12, 31), unit)
    actual = np.array([(end == u).sum() for u in model.units], dtype=float)
    t = pd.DataFrame({unit: model.units, "start": n0, "projected": projected, "actual": actual})
    t["error"] = t["projected"] - t["actual"]
    t["relative_error"] = t["error"] / t["actual"].where(t["actual"] > 0)
    t.insert(1, "n", t[["start", "actual"]].min(axis=1))
    return suppress(t, [unit], min_group, not_nested=FLOW_UNITS)
