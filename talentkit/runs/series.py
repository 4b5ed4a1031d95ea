"""Runs over time: the comparison page of two runs, and the history of every run in a folder.

* :func:`render_comparison`: :func:`talentkit.runs.compare.compare_runs` as an offline page,
  changes first (``talentkit compare RUN_A RUN_B``).
* :func:`render_history`: ``outputs/index.html``, every run under the folder newest first
  with the day its data describes, its data, status, headline numbers and what changed since
  the run before it of the same run file; and, for each series of runs of one run file, a
  small chart per headline measure across the runs, with its interval. Each run's comparison
  with the run before it is written beside its index (``compare-previous.html``).
* :func:`changes_since_previous`: what a run's index says in "Changes since ...", and what
  ``--fail-on-change`` reads.

A series is the runs of one run file (``run.json``'s ``run_file``); within it, a job is the
same job where its run-file job and its matrix values other than ``as_of`` are the same, so
a backfill (``--as-of``) and a ``matrix:`` over ``as_of`` fill the same charts. Runs are
ordered by the day their data describes (``as_of``, or the data's latest date), then by
when they started.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..core import theme
from ..core.errors import RunError, RunJSONError
from ..core.files import DATA_FILE, RESULTS_FILE, read_json, write_atomic
from ..core.labels import format_number, headline_number, interval_columns, result_label
from .compare import ALPHA, TESTS, Row, RunComparison, compare_runs, series_key
from .render import headline, page_template, scalar_results
from .runrecord import RUN_JSON, RunRecord

PREVIOUS_PAGE = "compare-previous.html"  # in a run's folder: its comparison with the run before it
MINUS = "\u2212"


# --------------------------------------------------------------------------- the runs of a folder


def _run_folders(out_root: str | Path) -> list[tuple[Path, RunRecord | None, str]]:
    """Every run folder directly under ``out_root`` (one holding a ``run.json``; not the runs
    ``--force`` keeps aside): its record, or ``None`` and why its run.json cannot be read."""
    out: list[tuple[Path, RunRecord | None, str]] = []
    root = Path(out_root)
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.name.startswith(".") or folder.is_symlink() or not (folder / RUN_JSON).is_file():
            continue
        try:
            out.append((folder, RunRecord.load(folder), ""))
        except RunJSONError as err:
            out.append((folder, None, str(err).splitlines()[0][:300]))
    return out


def runs_under(out_root: str | Path) -> list[tuple[Path, RunRecord]]:
    """Every run folder directly under ``out_root`` with a readable ``run.json``, with its record."""
    return [(folder, record) for folder, record, _ in _run_folders(out_root) if record is not None]


def damaged_runs(out_root: str | Path) -> list[tuple[str, str]]:
    """The run folders under ``out_root`` whose ``run.json`` cannot be read: ``(folder, why)``.
    The history page names them, so a run missing from a series is never missed silently."""
    return [(folder.name, why) for folder, record, why in _run_folders(out_root) if record is None]


def _series_name(record: RunRecord) -> str:
    return str(record.run_file or record.run)


def ordered_series(out_root: Path) -> dict[str, list[tuple[Path, RunRecord, str]]]:
    """The runs of each run file, oldest data first: ``(folder, record, as_of)``."""
    series: dict[str, list] = {}
    for folder, record in runs_under(out_root):
        series.setdefault(_series_name(record), []).append((folder, record, record.run_day(folder)))
    for runs in series.values():
        runs.sort(key=lambda r: (r[2], r[1].started))
    return series


def previous_run(run_dir: str | Path) -> Path | None:
    """The run before ``run_dir`` of the same run file (by its data's day, then start), or ``None``."""
    run_dir = Path(run_dir).resolve()
    for runs in ordered_series(run_dir.parent).values():
        folders = [f.resolve() for f, _, _ in runs]
        if run_dir in folders:
            i = folders.index(run_dir)
            return runs[i - 1][0] if i > 0 else None
    return None


def changes_since_previous(run_dir: str | Path, alpha: float = ALPHA) -> tuple[RunComparison, Path] | None:
    """The comparison of the run before ``run_dir`` with it, written to ``run_dir``'s
    :data:`PREVIOUS_PAGE`; ``None`` for the first run of its run file."""
    before = previous_run(run_dir)
    if before is None:
        return None
    comparison = compare_runs(before, run_dir, alpha)
    page = render_comparison(comparison, Path(run_dir) / PREVIOUS_PAGE)
    return comparison, page


def index_changes(run_dir: str | Path, alpha: float = ALPHA) -> dict | None:
    """What a run's index shows under "Changes since ...": the changes, shown, and the link."""
    found = changes_since_previous(run_dir, alpha)
    if found is None:
        return None
    comparison, page = found
    return {"then": comparison.then, "then_as_of": comparison.then_as_of, "page": page.name,
            "rows": [shown_row(r) for r in comparison.changes], "left_out": len(comparison.left_out),
            "tested": len(comparison.tested)}


# --------------------------------------------------------------------------- pages


def _signed(value: float, scale: str) -> str:
    sign = "+" if value > 0 else MINUS if value < 0 else "±"
    if scale == "%":
        return f"{sign}{abs(value) * 100:.1f}\u00a0pp"
    return sign + format_number(abs(value), scale)


def _value(value, scale: str) -> str:
    """A number beside its earlier self: shares to a tenth of a percent (98.4 % → 99.1 %, not 98 % → 99 %)."""
    return format_number(value, scale, digits=1) if scale == "%" and isinstance(value, (int, float)) else \
        format_number(value, scale)


def shown_row(row: Row) -> dict:
    """A compared number as a page shows it: values with their intervals, a signed difference
    (percentage points for a share), the p-value and the short name of the test."""
    out = asdict(row)
    for when, interval in (("then", row.then_interval), ("now", row.now_interval)):
        value = getattr(row, when)
        text = "" if value is None else _value(value, row.scale)
        if row.verdict == "suppressed" and value is None:
            text = "suppressed"
        out[f"{when}_shown"] = text + (f" ({_value(interval[0], row.scale)} to {_value(interval[1], row.scale)})"
                                       if interval else "")
    out["difference_shown"] = "" if row.difference is None else _signed(row.difference, row.scale)
    out["p_shown"] = "" if row.p is None else format_number(row.p, "p")
    out["test_short"] = next((k for k, v in TESTS.items() if v == row.test), "")
    return out


def render_comparison(comparison: RunComparison, path: str | Path) -> Path:
    """The comparison as one offline page at ``path``."""
    rows = [shown_row(r) for r in comparison.rows]
    jobs = [{"name": name, "rows": [r for r in rows if r["job"] == name]} for name in comparison.jobs]
    page = page_template("compare.html.j2").render(
        c=comparison, changes=[r for r in rows if r["verdict"] in ("up", "down")], jobs=jobs,
        left_out=comparison.left_out, notes=comparison.notes, tests=list(TESTS.items()), css=theme.css())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, page)
    return path


def render_history(out_root: str | Path, alpha: float = ALPHA) -> Path:
    """``out_root/index.html``: every run, newest data first, and a chart per headline measure
    for each series of runs (see the module's docstring). Each run's comparison with the run
    before it is (re)written beside its index."""
    out_root = Path(out_root)
    if not out_root.is_dir():
        raise RunError(f"{out_root}: no such folder; give the folder the runs are written to (outputs)")
    rows, charts = [], []
    for name, runs in ordered_series(out_root).items():
        previous = None
        for folder, record, as_of in runs:
            rows.append(_run_row(folder, record, as_of, previous, alpha))
            previous = folder
        charts += _series_charts(name, runs, alpha)
    rows.sort(key=lambda r: (r["as_of"], r["started"]), reverse=True)
    page = page_template("history.html.j2").render(folder=out_root.resolve().name, runs=rows, series=charts,
                                                     alpha=alpha, css=theme.css(), damaged=damaged_runs(out_root))
    out = out_root / "index.html"
    write_atomic(out, page)
    return out


def _run_row(folder: Path, record: RunRecord, as_of: str, previous: Path | None, alpha: float) -> dict:
    first, numbers = None, []  # the first job that ended ok with a headline speaks for the run
    for job in (j for j in record.jobs if j.status == "ok"):
        numbers = headline(read_json(folder / job.name / RESULTS_FILE), limit=6)
        if numbers:
            first = job.name
            break
    data = read_json(folder / first / DATA_FILE) if first else {}
    status = record.status
    row = {"name": folder.name, "link": f"{folder.name}/index.html", "run_file": record.run_file or "",
           "as_of": as_of, "started": record.started[:16].replace("T", " "),
           "data": (data.get("name") or "") + (f" ({data['form']})" if data.get("form") else ""),
           "status": status, "css": status if status in ("ok", "failed", "interrupted", "running") else "other",
           "headline": [h for h in numbers if h[0] != "Period"][:4],
           "changes": [], "previous": None}
    if previous is not None and status != "running" and RunRecord.status_in(previous) != "running":
        comparison = compare_runs(previous, folder, alpha)
        render_comparison(comparison, folder / PREVIOUS_PAGE)
        row.update(previous=previous.name, compare=f"{folder.name}/{PREVIOUS_PAGE}",
                   changes=[shown_row(r) for r in comparison.changes][:8])
    return row


# --------------------------------------------------------------------------- charts


def _points(runs: list[tuple[Path, RunRecord, str]]) -> dict[tuple, list[tuple[str, dict, Path]]]:
    """Each job of a series: its points ``(as_of, results, job folder)``, oldest first; the jobs
    of a ``matrix:`` over ``as_of`` are points of one job."""
    jobs: dict[tuple, list] = {}
    for folder, record, run_day in runs:
        for job in record.jobs:
            if job.status != "ok":
                continue
            day = str(job.parameters.get("as_of") or run_day)
            jobs.setdefault(series_key(job), []).append((day, read_json(folder / job.name / RESULTS_FILE),
                                                         folder / job.name))
    return {k: sorted(v, key=lambda p: p[0]) for k, v in jobs.items()}


def _series_charts(name: str, runs: list, alpha: float) -> list[dict]:
    """For each job of the series with two or more points: a small chart per headline measure."""
    out = []
    for (group, matrix), points in _points(runs).items():
        if len(points) < 2 or len({p[0] for p in points}) < 2:
            continue
        newest = scalar_results(points[-1][1])
        bounds = {b for pair in interval_columns(newest).values() for b in pair}
        measures = [m for m in newest if m not in bounds and isinstance(newest[m], (int, float))
                    and headline_number(m)
                    and len({json.dumps(scalar_results(p[1]).get(m)) for p in points}) > 1][:6]  # what moved
        flagged = _flags(points, alpha)
        charts = [_measure_chart(m, points, flagged.get(m, set())) for m in measures]
        extra = ", ".join(f"{k} {v}" for k, v in json.loads(matrix).items())
        out.append({"title": f"{name}: {group}" + (f" ({extra})" if extra else ""), "points": len(points),
                    "first": points[0][0], "last": points[-1][0], "charts": [c for c in charts if c]})
    return out


def _flags(points: list, alpha: float) -> dict[str, set[str]]:
    """Measure -> the days whose value changed beyond noise since the point before."""
    flagged: dict[str, set[str]] = {}
    for (_, _, before), (day, _, after) in zip(points, points[1:]):
        for row in compare_runs(before, after, alpha).changes:
            if not row.group:
                flagged.setdefault(row.measure, set()).add(day)
    return flagged


def _measure_chart(measure: str, points: list, flagged: set[str]) -> dict | None:
    """One measure across runs: a line of points with 95 % error bars, changes in red, as a PNG
    data URI with its text alternative."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import pandas as pd
    from matplotlib.dates import DateFormatter
    from matplotlib.ticker import PercentFormatter

    label, scale = result_label(measure)
    days, values, low, high = [], [], [], []
    for day, results, _ in points:
        value = scalar_results(results).get(measure)
        if not isinstance(value, (int, float)) or not day:
            continue
        lo, hi = results.get(f"{measure}_lo"), results.get(f"{measure}_hi")
        days.append(pd.Timestamp(day))
        values.append(value)
        low.append(value - lo if isinstance(lo, (int, float)) else 0.0)
        high.append(hi - value if isinstance(hi, (int, float)) else 0.0)
    if len(values) < 2:
        return None
    theme.apply()
    fig, ax = plt.subplots(figsize=(3.6, 2.3))
    ax.errorbar(days, values, yerr=[low, high], fmt="-o", color=theme.ACCENT, ecolor="#9aa5b1", capsize=2,
                markersize=3.5, linewidth=1.2)
    changed = [(d, v) for d, v in zip(days, values) if f"{d:%Y-%m-%d}" in flagged]
    if changed:
        ax.plot([d for d, _ in changed], [v for _, v in changed], "o", color=theme.WARN, markersize=6,
                label="changed beyond noise")
    ax.set_title(label[:48], fontsize=9.5)
    if scale == "%":  # a tenth of a percent where the values lie close together (retention at 98 to 99 %)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1 if max(values) - min(values) < 0.05 else 0))
    ax.set_xticks(days[:: max(1, len(days) // 6)])  # the runs' own days, at most about six labelled
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    ax.tick_params(labelsize=7)
    fig.autofmt_xdate(rotation=35)
    fig.tight_layout()
    alt = theme.figure_alt(fig) + f"; {len(values)} runs, {days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}" + (
        f"; changed beyond noise on {', '.join(f'{d:%Y-%m-%d}' for d, _ in changed)}" if changed else "")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96)
    plt.close(fig)
    return {"src": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), "alt": alt[:500]}
