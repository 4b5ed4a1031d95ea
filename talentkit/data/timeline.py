r"""Time in the data: periods, days as numbers, and who was where on a day.

* A period is the days ``start`` .. ``end`` inclusive.
* Someone is *employed on day d* when ``hire_date <= d`` and (no ``exit_date`` or
  ``exit_date > d``): the exit date is the day they leave.
* Region and team (and level, where moves carry ``from_level``: a history's or snapshots')
  are taken as of each date, rebuilt from ``moves`` (from/to columns); other attributes
  (skill, origin, channel) are as in the export. A move dated day d is in effect on d.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.dates import DAYS_PER_MONTH
from ..core.errors import ParameterError
from ..core.pooling import other_last
from .datasets import Dataset
from .schema import PERSON_KEYS

TIME_KEYS = ("quarter", "year")
GROUP_KEYS = PERSON_KEYS + TIME_KEYS
MOVABLE = ("region", "team", "level")  # rebuilt from moves as of a date (level where moves have from_level)


def months_between(start, end) -> float:
    """Months in the period ``start`` .. ``end`` inclusive: calendar months when it runs from a
    month's first day to a month's last day, else days / :data:`~talentkit.core.dates.DAYS_PER_MONTH`."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start.day == 1 and (end + pd.Timedelta(days=1)).day == 1:
        return float((end.year - start.year) * 12 + end.month - start.month + 1)
    return ((end - start).days + 1) / DAYS_PER_MONTH


def buckets(start, end, freq: str | None) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """The period, or its calendar quarters / years clipped to it: ``(label, start, end)``."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise ParameterError(f"the period ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    if freq is None:
        return [("all", start, end)]
    code = {"quarter": "Q", "year": "Y"}[freq]
    out = []
    for p in pd.period_range(start, end, freq=code):
        s, e = max(p.start_time.normalize(), start), min(p.end_time.normalize(), end)
        out.append((str(p).replace("Q", "-Q") if code == "Q" else str(p), s, e))
    return out


def quiet_period(ds: Dataset, start, end) -> str:
    """A warning when ``start`` .. ``end`` holds no hire, exit or move although the data has
    them elsewhere (a period chosen outside the data's activity, or a typo in a date);
    ``""`` otherwise."""
    events = [e for e in ds.dated_events() if len(e)]
    if not events or ds.active_between(start, end):
        return ""
    first, last = min(e.min() for e in events), max(e.max() for e in events)
    return (f"Check the period: {pd.Timestamp(start):%Y-%m-%d} to {pd.Timestamp(end):%Y-%m-%d} holds no hire, exit "
            f"or move, while the data has them from {first:%Y-%m-%d} to {last:%Y-%m-%d}; every rate below is of "
            "a quiet period.")


def quarter_start(day) -> pd.Timestamp:
    """The first day of ``day``'s calendar quarter: a trend by quarter starts on a whole one (a
    first bucket of one day reads as a quarter of 0 % turnover)."""
    return pd.Period(pd.Timestamp(day), "Q").start_time.normalize()


def split_group_keys(group_by, ds: Dataset | None = None) -> tuple[list[str], str | None]:
    """``group_by`` (a key or a list) as person keys and at most one time key. Person keys are
    the contract's (region, team, ...) and the dataset's own category, boolean and ordinal
    columns; a key the dataset lacks is an error that lists the ones it has."""
    keys = [group_by] if isinstance(group_by, str) else list(group_by or [])
    unknown = [k for k in keys if k not in GROUP_KEYS] if ds is None else \
        [k for k in keys if k not in TIME_KEYS and not ds.is_group_key(k)]
    if unknown:
        allowed = list(GROUP_KEYS) if ds is None else ds.group_keys() + list(TIME_KEYS)
        raise ParameterError(f"cannot group by {unknown}: not a column of this dataset's people (or empty); "
                         f"choose from {', '.join(allowed)}")
    time_keys = [k for k in keys if k in TIME_KEYS]
    if len(time_keys) > 1:
        raise ParameterError("group by quarter or by year, not both")
    return [k for k in keys if k not in TIME_KEYS], (time_keys[0] if time_keys else None)


_SHIFT = np.int64(1 << 22)  # days since 1970 fit in 22 bits until the year 13000
_NEVER = np.int64(1 << 21)  # a day after any real date (missing exit)


def day_numbers(values) -> np.ndarray:
    """Dates as int64 days since 1970 (the kit's day arithmetic); missing -> a day after any real date."""
    arr = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = _NEVER
    return out


def stable_argsort(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")``: equal keys keep their order. NumPy's stable sort of
    64-bit integers is a merge sort (0.53 s for 3M moves on this kit's 2-core machine), its
    default sort three times as fast but free to reorder equal keys. So: the default sort,
    then the few runs of equal keys (a person's moves on one day) put back in their order."""
    order = np.argsort(key)
    ranked = key[order]
    tie = ranked[1:] == ranked[:-1]
    if tie.any():
        tied = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])  # every place in a run of equal keys
        order[tied] = order[tied][np.lexsort((order[tied], ranked[tied]))]
    return order


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
            self.order = stable_argsort(key)
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
        movable = moves is not None and _movable(ds, k) and f"from_{k}" in moves.columns
        if moves is not None and movable:
            series += [moves[c] for c in (f"from_{k}", f"to_{k}") if c in moves.columns]
        values = set()
        for one in series:
            values.update(one.cat.categories if isinstance(one.dtype, pd.CategoricalDtype) else one.dropna().unique())
        cats = pd.Index(sorted(values, key=other_last), dtype=object)
        codes = lambda v: pd.Categorical(v, categories=cats).codes.astype(np.int64) + 1  # noqa: E731
        m_from = m_to = None
        if moves is not None and movable:
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
        """Rows per group (those where ``mask``): a mask as weights, three times faster than
        selecting the rows first, and exact (counts far below 2**53)."""
        if mask is None:
            return np.bincount(groups, minlength=self.n_groups)
        return np.bincount(groups, weights=mask, minlength=self.n_groups).astype(np.int64)

    def count_per_bucket(self, groups: np.ndarray, bucket: np.ndarray, n_buckets: int, mask=None) -> np.ndarray:
        """Rows per (bucket, group), a ``(n_buckets, n_groups)`` array, in one pass: row ``i``
        counts in bucket ``bucket[i]`` (-1: in none) when ``mask[i]``."""
        keep = bucket >= 0 if mask is None else mask & (bucket >= 0)
        cells = bucket[keep].astype(np.int64) * self.n_groups + groups[keep]
        return np.bincount(cells, minlength=n_buckets * self.n_groups).reshape(n_buckets, self.n_groups)

    def distinct(self, groups: np.ndarray, emp: np.ndarray) -> np.ndarray:
        """Distinct people per group."""
        pairs = np.unique(groups.astype(np.int64) * (len(self.ids) + 1) + emp)
        return np.bincount(pairs // (len(self.ids) + 1), minlength=self.n_groups)


def _movable(ds: Dataset, column: str) -> bool:
    """Whether ``column`` is rebuilt from moves: region, team, level, and every level of the
    mapping's hierarchy (their moves' columns are looked up from the finest level's)."""
    return column in MOVABLE or column in ds.hierarchy or column in ds.hierarchy.values()


def unit_at(ds: Dataset, column: str, day) -> pd.Series:
    """Each person's ``column`` on ``day`` (a date, or a per-person Series of dates);
    region and team are rebuilt from moves (see :class:`GroupCoder`)."""
    if not _movable(ds, column) or ds.moves is None or f"from_{column}" not in ds.moves.columns:
        return ds.people[column].copy()
    coder = GroupCoder(ds, [column])
    emp = np.arange(len(ds.people))
    codes = coder.at(emp, day_numbers(day)) if isinstance(day, pd.Series) else coder.on_day(day_numbers([day])[0])
    return pd.Series(coder.labels(codes)[column].to_numpy(), index=ds.people.index, name=column)


def employed_on(p: pd.DataFrame, day) -> pd.Series:
    """Whether each person of ``p`` is employed on ``day``: hired on or before it, not yet left."""
    return (p["hire_date"] <= day) & (p["exit_date"].isna() | (p["exit_date"] > day))


def bucket_of(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bucket of each day: ``k`` where ``edges[k] < day <= edges[k + 1]`` (``edges``: each
    bucket's day before its start, then the last bucket's end), -1 outside them all."""
    k = np.searchsorted(edges, days, side="left") - 1
    return np.where((k >= 0) & (k < len(edges) - 1), k, -1)


MISSING_GROUP = "(missing)"  # the group of people whose value of a grouping column is empty


def group_table(coder: GroupCoder, counts: dict[str, np.ndarray], keep: np.ndarray | bool) -> pd.DataFrame:
    """One row per group present (``keep``), its labels, then the counts."""
    groups = np.flatnonzero(keep)
    t = coder.labels(groups)
    for key in coder.keys:  # people without a value form a group said as missing, never one named None
        t[key] = t[key].where(t[key].notna(), MISSING_GROUP)
    for name, values in counts.items():
        t[name] = values[groups]
    return t


def in_period(df: pd.DataFrame, start=None, end=None, column: str = "date") -> pd.DataFrame:
    """The rows of ``df`` whose ``column`` falls in ``start`` .. ``end`` (either may be
    ``None``: open), and the rows without a date (an undated record belongs to every period).
    A frame without ``column`` is returned whole."""
    if column not in df.columns or (start is None and end is None):
        return df
    keep = df[column].isna()
    inside = pd.Series(True, index=df.index)
    if start is not None:
        inside &= df[column] >= pd.Timestamp(start)
    if end is not None:
        inside &= df[column] <= pd.Timestamp(end)
    return df[keep | inside]


def period(start=None, end=None, as_of=None, months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period ``start`` .. ``end`` (inclusive) an analysis covers: ``end`` defaults to
    ``as_of`` (the data's date), ``start`` to the day after ``end`` ``months`` earlier (12: a
    year; 3: the quarter ending on a quarter's last day; 1: its month). Empty strings count as
    not given (a notebook parameter left empty)."""
    end = pd.Timestamp(end) if end else pd.Timestamp(as_of)
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise ParameterError(f"period_months must be a whole number of months, at least 1, not {months!r}")
    if start:
        start = pd.Timestamp(start)
    elif end.is_month_end:  # whole calendar months: February's month is 1 to 28 February
        start = end + pd.Timedelta(days=1) - pd.DateOffset(months=months)
    else:
        start = end - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    if end < start:
        raise ParameterError(f"the period ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    return start, end


def period_label(start, end) -> str:
    """``YYYY-MM-DD to YYYY-MM-DD``; "no dates" when the data has none (a roster)."""
    if pd.isna(start) or pd.isna(end):
        return "no dates"
    return f"{pd.Timestamp(start):%Y-%m-%d} to {pd.Timestamp(end):%Y-%m-%d}"


def cohort_window(as_of, start=None, end=None, horizon_months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The hiring cohort to study: hired ``start`` .. ``end`` when ``end`` is given (a missing
    start is a year before the end); else the last full calendar year whose hires have all
    reached ``horizon_months`` by ``as_of`` (the data's date, or the analysed period's end),
    so every outcome is known. The one rule every notebook uses."""
    if end:
        return period(start, end)
    last_hire = pd.Timestamp(as_of) - pd.DateOffset(months=horizon_months)  # hired by then: outcome known
    year = last_hire.year if (last_hire.month, last_hire.day) == (12, 31) else last_hire.year - 1
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)


def shift(day, years: int = 0, months: int = 0) -> pd.Timestamp:
    """``day`` moved by whole calendar years and months (negative: back)."""
    return pd.Timestamp(day) + pd.DateOffset(years=years, months=months)


def trailing(end, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The ``months`` whole months that end on ``end`` (inclusive): 12 months to 2025-12-31
    start on 2025-01-01."""
    end = pd.Timestamp(end)
    return shift(end, months=-months) + pd.Timedelta(days=1), end


def calendar_year(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period 1 January .. 31 December of ``year``."""
    return pd.Timestamp(int(year), 1, 1), pd.Timestamp(int(year), 12, 31)

def level_on(ds: Dataset, day) -> np.ndarray:
    """Each person's level on ``day``: exact where moves carry ``from_level`` (a history's or
    snapshots'), else the export's level stepped down by each later promotion."""
    p = ds.people
    if ds.moves is not None and "from_level" in ds.moves.columns:
        return unit_at(ds, "level", day).astype(str).to_numpy()
    levels = sorted(p["level"].dropna().astype(str).unique(), key=lambda s: (len(s), s))
    current = p["level"].astype(str).to_numpy()
    if ds.moves is None or "kind" not in ds.moves.columns:
        return current
    later = ds.moves[(ds.moves["kind"] == "promotion") & (ds.moves["date"] > pd.Timestamp(day))]
    steps = p["employee_id"].map(later["employee_id"].value_counts()).fillna(0).astype(int).to_numpy()
    index = {lv: i for i, lv in enumerate(levels)}
    return np.array([levels[max(0, index.get(c, 0) - s)] if c in index else c for c, s in zip(current, steps)],
                    dtype=object)
