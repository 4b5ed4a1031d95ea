r"""Talent-network metrics: the seed article's four, and what practitioners report beside them.

Conventions (the README's data contract and metric definitions):

* A period is the days ``start`` .. ``end`` inclusive. Someone is *employed on day d* when
  ``hire_date <= d`` and (no ``exit_date`` or ``exit_date > d``): the exit date is the day
  they leave. Headcount at the start counts those employed the day before ``start``;
  so ``end headcount = start headcount + hires - separations`` (+ moves in - moves out
  for a group).
* Average headcount :math:`\bar H = (H_{start} + H_{end}) / 2`.
* Annualized rate = period rate × 12 / months in the period (calendar months when the
  period runs from a month's first day to a month's last, else days / 30.4375).
* Every proportion carries a Wilson 95% interval (Wilson 1927; Agresti & Coull 1998);
  every per-headcount rate an exact Poisson interval (Garwood 1936) on its count.
* Region and team are taken as of each date, rebuilt from ``moves`` (from/to columns);
  other attributes (level, skill, origin, channel) are as in the export. A move dated day
  d is in effect on d; a hire counts in the unit joined, before any move on the hire day.
* Every grouped output has ``n`` (distinct people behind the group) and goes through
  :func:`talentkit.privacy.suppress` with ``min_group``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .datasets import Dataset
from .privacy import MIN_GROUP, SUPPRESSED, suppress

PERSON_KEYS = ("region", "team", "level", "skill", "origin", "channel")
TIME_KEYS = ("quarter", "year")
GROUP_KEYS = PERSON_KEYS + TIME_KEYS
MOVABLE = ("region", "team")  # rebuilt from moves as of a date
Z95 = stats.norm.ppf(0.975)


# --------------------------------------------------------------------------- intervals


def wilson_interval(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval for a proportion :math:`k/n`.

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + z^2/n}

    Missing where ``n == 0``.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    lo, hi = np.where(k == 0, 0.0, lo), np.where(k == n, 1.0, hi)  # exact at the ends, not 1e-18
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def poisson_interval(k, exposure, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact (Garwood) interval for a rate :math:`k / E`:
    :math:`[\chi^2_{\alpha/2}(2k)/2E,\ \chi^2_{1-\alpha/2}(2k+2)/2E]`.
    """
    k = np.asarray(k, dtype=float)
    e = np.asarray(exposure, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / e
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / e
    bad = ~(e > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def add_proportion(table: pd.DataFrame, name: str, k: str, n: str) -> pd.DataFrame:
    """Add ``name`` = k/n with ``name_lo``/``name_hi`` (Wilson 95%)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        table[name] = np.where(table[n] > 0, table[k] / table[n], np.nan)
    table[f"{name}_lo"], table[f"{name}_hi"] = wilson_interval(table[k], table[n])
    return table


def add_rate(table: pd.DataFrame, name: str, k: str, exposure: str, scale=1.0) -> pd.DataFrame:
    """Add ``name`` = k/exposure × scale with ``name_lo``/``name_hi`` (exact Poisson 95%)."""
    scale = np.asarray(scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table[name] = np.where(table[exposure] > 0, table[k] / table[exposure], np.nan) * scale
    lo, hi = poisson_interval(table[k], table[exposure])
    table[f"{name}_lo"], table[f"{name}_hi"] = lo * scale, hi * scale
    return table


# --------------------------------------------------------------------------- periods


def months_between(start, end) -> float:
    """Months in the period ``start`` .. ``end`` inclusive: calendar months when it runs from a
    month's first day to a month's last day, else days / 30.4375."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start.day == 1 and (end + pd.Timedelta(days=1)).day == 1:
        return float((end.year - start.year) * 12 + end.month - start.month + 1)
    return ((end - start).days + 1) / 30.4375


def buckets(start, end, freq: str | None) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """The period, or its calendar quarters / years clipped to it: ``(label, start, end)``."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise ValueError(f"the period ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    if freq is None:
        return [("all", start, end)]
    code = {"quarter": "Q", "year": "Y"}[freq]
    out = []
    for p in pd.period_range(start, end, freq=code):
        s, e = max(p.start_time.normalize(), start), min(p.end_time.normalize(), end)
        out.append((str(p).replace("Q", "-Q") if code == "Q" else str(p), s, e))
    return out


def _split_keys(group_by) -> tuple[list[str], str | None]:
    keys = [group_by] if isinstance(group_by, str) else list(group_by or [])
    unknown = [k for k in keys if k not in GROUP_KEYS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {', '.join(GROUP_KEYS)}")
    time_keys = [k for k in keys if k in TIME_KEYS]
    if len(time_keys) > 1:
        raise ValueError("group by quarter or by year, not both")
    return [k for k in keys if k not in TIME_KEYS], (time_keys[0] if time_keys else None)


_SHIFT = np.int64(1 << 22)  # days since 1970 fit in 22 bits until the year 13000
_NEVER = np.int64(1 << 21)  # a day after any real date (missing exit)


def day_numbers(values) -> np.ndarray:
    """Dates as int64 days since 1970 (the kit's day arithmetic); missing -> a day after any real date."""
    arr = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = _NEVER
    return out


class _MovesIndex:
    """What every :class:`GroupCoder` of one dataset shares: people's ids and the moves sorted
    once by (person, day). Kept on the dataset (``ds._moves_index``) while its people and
    moves are unchanged, so ``workforce`` and ``sharing`` on one dataset index them once."""

    def __init__(self, ds: Dataset):
        p = ds.people
        moves = ds.moves if ds.moves is not None and len(ds.moves) else None
        self.moves = moves
        self.ids = pd.Index(p["employee_id"])
        self.keep = self.order = None
        self.m_emp = self.m_days = self.m_key = np.empty(0, dtype=np.int64)
        self.seg_start = np.empty(0, dtype=bool)
        if moves is not None:
            emp = self.ids.get_indexer(moves["employee_id"])
            days = day_numbers(moves["date"])
            self.keep = emp >= 0
            key = emp[self.keep].astype(np.int64) * _SHIFT + days[self.keep]
            self.order = np.argsort(key, kind="stable")
            self.m_key = key[self.order]
            self.m_emp = self.m_key // _SHIFT
            self.m_days = self.m_key % _SHIFT
            self.seg_start = np.r_[True, self.m_emp[1:] != self.m_emp[:-1]]  # a person's first move

    @staticmethod
    def stamp(ds: Dataset) -> tuple:
        """What the index depends on, cheaply: the tables' identities and sizes, and a sample
        of ids and move dates (a table changed in place after loading gets a new index)."""
        p, m = ds.people, ds.moves
        sample = lambda s: tuple(s.iloc[:: max(1, len(s) // 64)].astype(str))  # noqa: E731
        moves = () if m is None else (id(m), len(m), sample(m["employee_id"]), sample(m["date"]))
        return (id(p), len(p), sample(p["employee_id"])) + moves

    @staticmethod
    def of(ds: Dataset) -> "_MovesIndex":
        stamp = _MovesIndex.stamp(ds)
        cached = ds.__dict__.get("_moves_index")
        if cached is None or cached[0] != stamp:
            cached = (stamp, _MovesIndex(ds))
            ds.__dict__["_moves_index"] = cached
        return cached[1]

    def key(self, ds: Dataset, k: str) -> tuple:
        """Categories of key ``k`` (from people and, for region and team, the moves' from/to
        columns), the people's current codes, and the sorted moves' from and to codes.
        Computed for each coder: the columns may have changed since the index was made."""
        p, moves = ds.people, self.moves
        series = [p[k]]
        movable = k in MOVABLE and moves is not None and f"from_{k}" in moves.columns
        if movable:
            series += [moves[c] for c in (f"from_{k}", f"to_{k}") if c in moves.columns]
        values = set()
        for one in series:
            values.update(one.cat.categories if isinstance(one.dtype, pd.CategoricalDtype) else one.dropna().unique())
        cats = pd.Index(sorted(values, key=str), dtype=object)
        codes = lambda v: pd.Categorical(v, categories=cats).codes.astype(np.int64) + 1  # noqa: E731
        m_from = m_to = None
        if movable:
            m_from = codes(moves[f"from_{k}"])[self.keep][self.order]
            if f"to_{k}" in moves.columns:
                m_to = codes(moves[f"to_{k}"])[self.keep][self.order]
        return cats, codes(p[k]), m_from, m_to


class GroupCoder:
    """Integer codes for a set of group keys, with region and team as of any day.

    Each key's values get small integer codes (missing -> 0); a group is the mixed-radix
    combination of its keys' codes, so counting is ``np.bincount``. Region and team on a
    day are rebuilt from ``moves``: the export holds the latest value; a move after the
    day means the person was then in that move's ``from_`` unit (the earliest such move).
    Moves are sorted once per dataset by (person, day); a look-up is one ``searchsorted``,
    and everyone's group on one day (:meth:`on_day`) one pass over the moves.
    """

    def __init__(self, ds: Dataset, keys: list[str]):
        self.keys = list(keys)
        self.index = index = _MovesIndex.of(ds)
        self.ids, self.m_emp, self.m_days, self.m_key = index.ids, index.m_emp, index.m_days, index.m_key
        self.cats, self.current, self.m_from, self.m_to = {}, {}, {}, {}
        for k in self.keys:
            cats, current, m_from, m_to = index.key(ds, k)
            self.cats[k], self.current[k] = cats, current
            if m_from is not None:
                self.m_from[k] = m_from
                if m_to is not None:
                    self.m_to[k] = m_to
        self.sizes = [len(self.cats[k]) + 1 for k in self.keys]
        self.n_groups = int(np.prod(self.sizes)) if self.keys else 1
        self._on_day: dict[int, np.ndarray] = {}  # a bucket's end is the next one's day before

    def key_codes(self, emp: np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
        """Each key's code for person ``emp[i]`` on day ``days[i]``."""
        out = {k: self.current[k][emp] for k in self.keys}
        if self.m_from and len(emp):
            pos = np.searchsorted(self.m_key, emp * _SHIFT + days, side="right")
            ok = pos < len(self.m_key)
            ok[ok] = self.m_emp[pos[ok]] == emp[ok]
            for k, frm in self.m_from.items():
                earlier = np.where(ok, frm[np.minimum(pos, len(frm) - 1)], 0)
                out[k] = np.where(earlier > 0, earlier, out[k])
        return out

    def combine(self, codes: dict[str, np.ndarray], n: int) -> np.ndarray:
        group = np.zeros(n, dtype=np.int64)
        for k, size in zip(self.keys, self.sizes):
            group = group * size + codes[k]
        return group

    def at(self, emp: np.ndarray, days) -> np.ndarray:
        """Group code of person ``emp[i]`` on day ``days[i]`` (or one day for all)."""
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), emp.shape)
        return self.combine(self.key_codes(emp, days), len(emp))

    def on_day(self, day: int) -> np.ndarray:
        """Group code of every person (in ``people`` order) on ``day``: the same as
        ``at(np.arange(len(people)), day)``, in one pass over the sorted moves instead of a
        search per person. A person's moves after the day are a suffix of their run of
        moves; its first element gives their ``from_`` unit. Cached per dataset."""
        cached = self._on_day.get(int(day))
        if cached is not None:
            return cached
        codes = dict(self.current)
        if self.m_from and len(self.m_emp):
            after = self.m_days > day
            first = np.flatnonzero(after & (self.index.seg_start | ~np.r_[False, after[:-1]]))
            who = self.m_emp[first]
            for k, frm in self.m_from.items():
                earlier = frm[first]
                known = earlier > 0
                codes[k] = self.current[k].copy()
                codes[k][who[known]] = earlier[known]
        groups = self.combine(codes, len(self.ids)).astype(np.int32 if self.n_groups < 2**31 else np.int64)
        self._on_day[int(day)] = groups
        return groups

    def moves_codes(self, side: str) -> np.ndarray:
        """Group code of each move (sorted order) on its ``from`` or ``to`` side."""
        codes = {k: (self.m_from if side == "from" else self.m_to).get(k, self.current[k][self.m_emp])
                 for k in self.keys}
        return self.combine(codes, len(self.m_emp))

    def labels(self, groups: np.ndarray) -> pd.DataFrame:
        """The key values of group codes."""
        out, rest = {}, np.asarray(groups, dtype=np.int64)
        for k, size in reversed(list(zip(self.keys, self.sizes))):
            code = rest % size
            rest = rest // size
            values = np.concatenate([[None], np.asarray(self.cats[k], dtype=object)])
            out[k] = values[code]
        return pd.DataFrame({k: out[k] for k in self.keys})

    def count(self, groups: np.ndarray, mask=None) -> np.ndarray:
        g = groups if mask is None else groups[mask]
        return np.bincount(g, minlength=self.n_groups)

    def distinct(self, groups: np.ndarray, emp: np.ndarray) -> np.ndarray:
        """Distinct people per group."""
        pairs = np.unique(groups.astype(np.int64) * (len(self.ids) + 1) + emp)
        return np.bincount(pairs // (len(self.ids) + 1), minlength=self.n_groups)


def unit_at(ds: Dataset, column: str, when) -> pd.Series:
    """Each person's ``column`` on day ``when`` (a date, or a per-person Series of dates);
    region and team are rebuilt from moves (see :class:`GroupCoder`)."""
    if column not in MOVABLE:
        return ds.people[column].copy()
    coder = GroupCoder(ds, [column])
    emp = np.arange(len(ds.people))
    codes = coder.at(emp, day_numbers(when)) if isinstance(when, pd.Series) else coder.on_day(day_numbers([when])[0])
    return pd.Series(coder.labels(codes)[column].to_numpy(), index=ds.people.index, name=column)


def employed_on(p: pd.DataFrame, day) -> pd.Series:
    """Whether each person of ``p`` is employed on ``day``: hired on or before it, not yet left."""
    return (p["hire_date"] <= day) & (p["exit_date"].isna() | (p["exit_date"] > day))


def _table(coder: GroupCoder, counts: dict[str, np.ndarray], keep: np.ndarray) -> pd.DataFrame:
    """One row per group present (``keep``), its labels, then the counts."""
    groups = np.flatnonzero(keep)
    t = coder.labels(groups)
    for name, values in counts.items():
        t[name] = values[groups]
    return t


# --------------------------------------------------------------------------- the seed's four


def cohort_window(ds: Dataset, cohort_start=None, cohort_end=None, horizon_months: int = 12):
    """The hiring cohort to study: ``cohort_start`` .. ``cohort_end`` when given (a missing start
    is a year before the end); else the last full calendar year whose hires have all reached
    ``horizon_months`` by ``ds.as_of``, so every outcome is known."""
    if cohort_end:
        end = pd.Timestamp(cohort_end)
        start = pd.Timestamp(cohort_start) if cohort_start else end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        return start, end
    last_hire = ds.as_of - pd.DateOffset(months=horizon_months)  # hired by then: outcome known
    year = last_hire.year if (last_hire.month, last_hire.day) == (12, 31) else last_hire.year - 1
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)


def cohort(ds: Dataset, cohort_start, cohort_end, region: str | None = None) -> pd.DataFrame:
    """People hired in ``cohort_start`` .. ``cohort_end`` (into ``region``, when given)."""
    p = ds.people
    mask = p["hire_date"].between(pd.Timestamp(cohort_start), pd.Timestamp(cohort_end))
    if region is not None:
        mask &= unit_at(ds, "region", p["hire_date"]) == region
    return p[mask]


def article_metrics(ds: Dataset, cohort_start, cohort_end, region: str | None = None,
                    horizon_months: int = 12, min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""The seed article's four headline numbers, computed exactly as the article does.

    On the hiring cohort (N people hired in the window, in ``region`` if given):

    * attraction index :math:`A = (N_{local} + N_{intl}) / N` (1 whenever every hire has an origin);
    * retention :math:`R = N_{retained} / N`: still employed ``horizon_months`` after hire,
      in the unit they were hired into (no internal move);
    * mobility :math:`F = N_{moved} / N`: everyone else, the article's "moved": moved
      internally *or* left within the horizon (so R + F = 1 when the horizon has passed);
    * sharing :math:`S = N_{recorded} / N_{sessions}` over sessions in the window (and region).

    Returns one row per measure: numerator, denominator, value and a Wilson 95% interval.
    People whose horizon lies after ``ds.as_of`` are not yet decided; they are excluded
    from R and F (their count is in ``undecided``).

    Privacy: a cohort under ``min_group`` people shows no figure; R and F (complements of
    each other) are hidden together when either counts 1 to ``min_group - 1`` people. S
    counts sessions, not people. (The article's own case is fictional: ``min_group=1``.)
    """
    c = cohort(ds, cohort_start, cohort_end, region)
    n = len(c)
    n_local = int((c["origin"] == "local").sum())
    n_intl = int((c["origin"] == "international").sum())
    decided, left, moved_inside = cohort_outcomes(ds, c, horizon_months)
    moved = (left | moved_inside) & decided
    retained = ~(left | moved_inside) & decided
    n_decided = int(decided.sum())
    s = _sessions_in(ds, cohort_start, cohort_end, region)
    n_sessions = len(s)
    n_recorded = int(s["recorded"].sum()) if n_sessions else 0
    rows = [
        ("A", "attraction index (N_local + N_intl) / N", n_local + n_intl, n),
        ("R", "retention N_retained / N", int(retained.sum()), n_decided),
        ("F", "mobility N_moved / N (moved internally or left)", int(moved.sum()), n_decided),
        ("S", "knowledge sharing N_recorded / N_sessions", n_recorded, n_sessions),
    ]
    table = pd.DataFrame(rows, columns=["measure", "definition", "numerator", "denominator"])
    table = add_proportion(table, "value", "numerator", "denominator")
    table["undecided"] = [0, n - n_decided, n - n_decided, 0]
    small = lambda k: 0 < k < min_group  # noqa: E731
    hide_rf = small(int(retained.sum())) or small(int(moved.sum())) or small(n_decided)
    hidden = np.array([small(n), hide_rf or small(n), hide_rf or small(n), small(n)])
    people_measures = ["numerator", "denominator", "value", "value_lo", "value_hi", "undecided"]
    if hidden.any():  # counts become floats only where a hidden one must read as missing
        table[people_measures] = table[people_measures].astype(float)
    table.loc[hidden, ["numerator", "value", "value_lo", "value_hi"]] = np.nan
    if small(n):
        table.loc[:, people_measures[:-1]] = table[people_measures[:-1]].where(table["measure"] == "S")
        table["undecided"] = np.nan
    table[SUPPRESSED] = hidden
    return table.set_index("measure")


def cohort_outcomes(ds: Dataset, c: pd.DataFrame, horizon_months: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """For each cohort member: ``decided`` (the horizon has passed by ``as_of``), ``left``
    (exited within the horizon) and ``moved`` (an internal move within the horizon)."""
    horizon = c["hire_date"] + pd.DateOffset(months=horizon_months)
    decided = horizon <= ds.as_of
    left = c["exit_date"].notna() & (c["exit_date"] <= horizon)
    moved = pd.Series(False, index=c.index)
    if ds.moves is not None and len(ds.moves):
        m = ds.moves.merge(pd.DataFrame({"employee_id": c["employee_id"], "_h": horizon}), on="employee_id")
        moved = c["employee_id"].isin(set(m.loc[m["date"] <= m["_h"], "employee_id"]))
    return decided, left, moved


def _sessions_in(ds: Dataset, start, end, region=None) -> pd.DataFrame:
    s = ds.sessions
    if s is None:
        return pd.DataFrame(columns=["session_id", "date", "presenter_id", "region", "recorded"])
    s = s[s["date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    if region is not None and "region" in s.columns:
        s = s[s["region"] == region]
    return s


# --------------------------------------------------------------------------- workforce


def workforce(ds: Dataset, start, end, group_by=None, min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""Headcount, hires, separations, turnover, retention and mobility per group and period.

    Columns (per group; per quarter or year too when grouped by ``quarter``/``year``):

    * ``headcount_start``, ``headcount_end``, ``avg_headcount`` :math:`\bar H`;
    * ``hires``, ``international_hires``, ``international_share`` = international hires / hires;
    * ``separations``, ``voluntary``, ``involuntary``, ``regretted``;
    * ``turnover`` = separations / :math:`\bar H`, and ``turnover_annual`` = turnover × 12 / months
      (SHRM's formula); ``voluntary_turnover_annual`` likewise; Poisson intervals;
    * ``period_retention`` = employed at start and at end / headcount at start (Wilson);
    * ``moves`` (internal moves out of the group's people in the period), ``mobility_rate`` =
      moves / :math:`\bar H` (annualized: ``mobility_annual``), ``internal_fill_share`` =
      moves into the group / (moves into the group + hires) (ISO 30414, positions filled internally);
    * ``n`` = distinct people employed in the group at some time in the period (each counted
      in their group at the start, or at the end when they were not there at the start).
    """
    keys, freq = _split_keys(group_by)
    p = ds.people
    coder = GroupCoder(ds, keys)
    emp = np.arange(len(p))
    hire, leave = day_numbers(p["hire_date"]), day_numbers(p["exit_date"])
    # a hire counts where the person started: before any move made on the hire day itself
    g_hire, g_exit = coder.at(emp, hire - 1), coder.at(emp, np.minimum(leave, day_numbers([ds.as_of])[0]))
    intl = (p["origin"] == "international").to_numpy()
    exit_type = p["exit_type"] if "exit_type" in p.columns else pd.Series(None, index=p.index)
    voluntary, involuntary = (exit_type == "voluntary").to_numpy(), (exit_type == "involuntary").to_numpy()
    regretted = (p["regretted"].fillna(False).astype(bool).to_numpy() if "regretted" in p.columns
                 else np.zeros(len(p), bool))
    m_from, m_to = coder.moves_codes("from"), coder.moves_codes("to")
    # a bucket's end is the next bucket's day before: on_day computes each day once

    def groups_on(day):
        return coder.on_day(day)

    rows = []
    for label, s, e in buckets(start, end, freq):
        d0, d1 = day_numbers([s])[0] - 1, day_numbers([e])[0]
        g0, g1 = groups_on(d0), groups_on(d1)
        emp0, emp1 = (hire <= d0) & (leave > d0), (hire <= d1) & (leave > d1)
        hired, sep = (hire > d0) & (hire <= d1), (leave > d0) & (leave <= d1)
        in_period = (coder.m_days > d0) & (coder.m_days <= d1) if len(coder.m_emp) else np.zeros(0, bool)
        counts = {
            "headcount_start": coder.count(g0, emp0),
            "headcount_end": coder.count(g1, emp1),
            "stayers": coder.count(g0, emp0 & emp1 & (g0 == g1)),
            "hires": coder.count(g_hire, hired),
            "international_hires": coder.count(g_hire, hired & intl),
            "separations": coder.count(g_exit, sep),
            "voluntary": coder.count(g_exit, sep & voluntary),
            "involuntary": coder.count(g_exit, sep & involuntary),
            "regretted": coder.count(g_exit, sep & regretted),
            # each person once: in their group at the start, else at the end of the period
            "n": coder.count(np.where(emp0, g0, g1), emp0 | emp1 | hired | sep),
            "moves": coder.count(m_from, in_period),
            "moves_in": coder.count(m_to, in_period),
        }
        t = _table(coder, counts, sum(counts.values()) > 0)
        if freq:
            t.insert(0, freq, label)
        t["months"] = months_between(s, e)
        rows.append(t)
    table = pd.concat(rows, ignore_index=True)
    table["avg_headcount"] = (table["headcount_start"] + table["headcount_end"]) / 2
    annual = 12 / table["months"]
    add_proportion(table, "international_share", "international_hires", "hires")
    add_rate(table, "turnover", "separations", "avg_headcount")
    add_rate(table, "turnover_annual", "separations", "avg_headcount", annual)
    add_rate(table, "voluntary_turnover_annual", "voluntary", "avg_headcount", annual)
    add_rate(table, "regretted_turnover_annual", "regretted", "avg_headcount", annual)
    add_proportion(table, "period_retention", "stayers", "headcount_start")
    add_rate(table, "mobility_rate", "moves", "avg_headcount")
    add_rate(table, "mobility_annual", "moves", "avg_headcount", annual)
    table["fills"] = table["moves_in"] + table["hires"]
    add_proportion(table, "internal_fill_share", "moves_in", "fills")
    group_cols = ([freq] if freq else []) + keys
    if group_cols:
        table = table.sort_values(group_cols, kind="stable", key=lambda c: c.astype(str)).reset_index(drop=True)
    return suppress(table, group_cols, min_group)


# --------------------------------------------------------------------------- recruiting funnel


def funnel(ds: Dataset, start=None, end=None, group_by="channel", min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""The recruiting funnel per group (default: channel), from ``candidates``.

    For each stage (applied, screen, interview, offer, hired): candidates who reached it or
    a later one. ``conversion_<stage>`` = reached that stage / reached the one before;
    ``offer_acceptance`` = hired / offers (offers = reached offer or hired; Wilson);
    ``yield`` = hired / applicants. ``n`` = candidates.
    """
    from .schema import FUNNEL_STAGES

    c = ds.candidates
    if c is None:
        raise ValueError("this dataset has no candidates table; the funnel needs one")
    keys = [group_by] if isinstance(group_by, str) else list(group_by or [])
    if start is not None and "applied_date" in c.columns:
        c = c[c["applied_date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    if "reached" not in c.columns:
        raise ValueError("candidates has no 'reached' column; the funnel needs each candidate's last stage")
    rank = c["reached"].map({s: i for i, s in enumerate(FUNNEL_STAGES)})
    def count(mask=None):
        f = c if mask is None else c[mask]
        return f.groupby(keys, dropna=False, observed=True).size() if keys else pd.Series({(): len(f)})

    parts = {"n": count()}
    for i, stage in enumerate(FUNNEL_STAGES):
        parts[stage] = count(rank >= i)
    t = pd.concat(parts, axis=1).fillna(0).astype(int)
    t = t.reset_index(names=keys) if keys else t.reset_index(drop=True)
    for prev, stage in zip(FUNNEL_STAGES, FUNNEL_STAGES[1:]):
        add_proportion(t, f"conversion_{stage}", stage, prev)
    t = t.rename(columns={"offer": "offers"})
    add_proportion(t, "offer_acceptance", "hired", "offers")
    add_proportion(t, "yield", "hired", "applied")
    return suppress(t, keys, min_group)


# --------------------------------------------------------------------------- knowledge sharing


def sharing(ds: Dataset, start, end, group_by="region", min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""Knowledge sharing per group of the people involved.

    * ``sessions`` presented by the group's people, ``recorded``, ``recorded_share``
      (the article's S for the group; Wilson);
    * ``attendance`` by the group's people, ``attendance_per_capita`` = attendance / :math:`\bar H`
      and ``sessions_per_capita`` = sessions / :math:`\bar H` (Poisson);
    * ``cross_region_share`` = attendances at a session held in another region / attendance;
    * ``n`` = distinct presenters and attendees of the group.
    """
    keys, freq = _split_keys(group_by)
    if ds.sessions is None:
        raise ValueError("this dataset has no sessions table; sharing measures need one")
    coder = GroupCoder(ds, keys)
    homes = GroupCoder(ds, ["region"])
    ses_all = ds.sessions
    s_emp = coder.ids.get_indexer(ses_all["presenter_id"])
    s_days = day_numbers(ses_all["date"])
    s_ok = s_emp >= 0
    g_ses = np.zeros(len(ses_all), dtype=np.int64)
    g_ses[s_ok] = coder.at(s_emp[s_ok], s_days[s_ok])
    recorded = ses_all["recorded"].fillna(False).astype(bool).to_numpy()
    att = ds.attendance
    if att is not None:
        day_of = pd.Series(s_days, index=ses_all["session_id"].to_numpy())
        a_days = att["session_id"].map(day_of).to_numpy()
        a_emp = coder.ids.get_indexer(att["employee_id"])
        a_ok = (a_emp >= 0) & ~np.isnan(a_days)
        a_emp, a_days = a_emp[a_ok], a_days[a_ok].astype(np.int64)
        g_att = coder.at(a_emp, a_days)
        where = homes.cats["region"].get_indexer(
            att["session_id"].map(pd.Series(ses_all["region"].astype(object).to_numpy(),
                                            index=ses_all["session_id"].to_numpy()))[a_ok].astype(object)) + 1
        home = homes.at(a_emp, a_days)
        cross = (where > 0) & (home != where)
    hire, leave = day_numbers(ds.people["hire_date"]), day_numbers(ds.people["exit_date"])
    rows = []
    for label, s, e in buckets(start, end, freq):
        d0, d1 = day_numbers([s])[0] - 1, day_numbers([e])[0]
        in_s = s_ok & (s_days > d0) & (s_days <= d1)
        counts = {"sessions": coder.count(g_ses, in_s), "recorded": coder.count(g_ses, in_s & recorded)}
        # average headcount as in workforce(): (start + end) / 2
        heads = [coder.count(coder.on_day(d), (hire <= d) & (leave > d)) for d in (d0, d1)]
        counts["avg_headcount"] = (heads[0] + heads[1]) / 2
        people_g, people_e = [g_ses[in_s]], [s_emp[in_s]]
        if att is not None:
            in_a = (a_days > d0) & (a_days <= d1)
            counts["attendance"] = coder.count(g_att, in_a)
            counts["cross_region"] = coder.count(g_att, in_a & cross)
            people_g.append(g_att[in_a])
            people_e.append(a_emp[in_a])
        counts["n"] = coder.distinct(np.concatenate(people_g), np.concatenate(people_e))
        present = sum(v for k, v in counts.items() if k != "avg_headcount") > 0
        t = _table(coder, counts, present)
        if freq:
            t.insert(0, freq, label)
        rows.append(t)
    t = pd.concat(rows, ignore_index=True)
    group_cols = ([freq] if freq else []) + keys
    add_proportion(t, "recorded_share", "recorded", "sessions")
    add_rate(t, "sessions_per_capita", "sessions", "avg_headcount")
    if att is not None:
        add_rate(t, "attendance_per_capita", "attendance", "avg_headcount")
        add_proportion(t, "cross_region_share", "cross_region", "attendance")
    return suppress(t, group_cols, min_group)


# --------------------------------------------------------------------------- team building


def blau_index(values: pd.Series) -> float:
    r"""Blau's diversity index :math:`1 - \sum_k p_k^2` over the categories of ``values``."""
    p = values.dropna().value_counts(normalize=True)
    return float(1 - (p**2).sum()) if len(p) else np.nan


def team_composition(ds: Dataset, when=None, start=None, end=None, min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""Per team on day ``when`` (default: ``as_of``): size ``n``, Blau diversity of skill and of
    origin, and ``outside_skill_share`` = members who attended, in ``start`` .. ``end``
    (default: the year to ``when``), a session whose topic is not their own skill (Wilson).
    """
    when = pd.Timestamp(when) if when is not None else ds.as_of
    start = pd.Timestamp(start) if start is not None else when - pd.DateOffset(years=1)
    end = pd.Timestamp(end) if end is not None else when
    p = ds.people
    team = unit_at(ds, "team", when)
    members = p[employed_on(p, when)].assign(team=team[employed_on(p, when)])
    rows = []
    crossed = set()
    if ds.sessions is not None and ds.attendance is not None and "topic" in ds.sessions.columns:
        a = ds.attendance.merge(_sessions_in(ds, start, end)[["session_id", "topic"]], on="session_id")
        a = a.merge(p[["employee_id", "skill"]], on="employee_id")
        crossed = set(a.loc[a["topic"].notna() & (a["topic"] != a["skill"]), "employee_id"])
    for name, g in members.groupby("team"):
        rows.append({"team": name, "n": len(g), "skill_diversity": blau_index(g["skill"]) if "skill" in g else np.nan,
                     "origin_diversity": blau_index(g["origin"]),
                     "outside_skill": int(g["employee_id"].isin(crossed).sum())})
    t = pd.DataFrame(rows, columns=["team", "n", "skill_diversity", "origin_diversity", "outside_skill"])
    add_proportion(t, "outside_skill_share", "outside_skill", "n")
    return suppress(t, ["team"], min_group)


def extremes(table: pd.DataFrame, group: str, measure: str) -> tuple[object, object]:
    """The visible (unsuppressed) groups with the highest and lowest ``measure``; ``(None, None)``
    when fewer than two are visible."""
    from .privacy import SUPPRESSED

    t = table[~table[SUPPRESSED]] if SUPPRESSED in table else table
    t = t.dropna(subset=[measure])
    if len(t) < 2:
        return None, None
    ordered = t.sort_values(measure, kind="stable")
    return ordered[group].iloc[-1], ordered[group].iloc[0]
