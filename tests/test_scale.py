"""Large organisations: many levels pooled by one rule, a mapping's hierarchy rolled up,
many-level drivers in the models, figures that read with many groups, and reports with
nothing a library printed. Every expected number is computed here by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import talentkit as tk
from talentkit import drivers, metrics, plots, summaries
from talentkit.cli import main
from talentkit.core import pooling, privacy
from talentkit.core.errors import DataError, ParameterError
from talentkit.core.labels import SNAKE_KEY, label_and_scale

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
ADDITIVE = ["headcount_start", "headcount_end", "hires", "separations", "voluntary", "moves", "moves_in", "n"]


def forty_levels(n_levels: int = 40) -> pd.Series:
    """A unit column of ``n_levels`` levels of falling size (level k has 3 + 2 (n - k) people)."""
    sizes = {f"Unit {k:02d}": 3 + 2 * (n_levels - k) for k in range(n_levels)}
    return pd.Series([name for name, size in sizes.items() for _ in range(size)] + [None] * 4, name="unit")


def test_a_40_level_category_keeps_its_25_largest_and_pools_the_rest_into_other():
    values = forty_levels()
    pooled, rule = pooling.pool_levels(values, max_levels=25)
    counts = values.value_counts()
    largest = list(counts.index[:25])  # sizes are distinct: no tie to break
    assert sorted(rule.kept) == sorted(largest) and len(rule.pooled) == 15
    shown = pooled.dropna().unique()
    assert len(shown) == 26 and rule.label in shown
    pooled_people = int(counts[~counts.index.isin(largest)].sum())
    assert rule.label == "Other (15 levels)" and rule.people == pooled_people  # no count in the label: a hidden
    # pooled row's people would be read off its name
    assert f"{pooled_people:,} people" in rule.sentence() and "fewer than 500" in rule.sentence(min_group=500)
    assert (pooled == rule.label).sum() == pooled_people  # the pooled counts add up
    assert pooled.isna().sum() == 4  # missing stays missing, pooled into nothing
    assert (pooled[values.isin(largest)] == values[values.isin(largest)]).all()
    same, none = pooling.pool_levels(values, max_levels=40)
    assert not none.applied and same.equals(values)
    with pytest.raises(ParameterError, match="max_levels"):
        pooling.pool_levels(values, max_levels=1)


@pytest.fixture(scope="module")
def many_teams():
    """The built-in company scaled to 5,500 people: 42 teams (each default team split in two)."""
    return tk.load("synthetic:5.5k")


def test_a_pooled_table_adds_up_and_keeps_suppression_and_its_complements(many_teams):
    ds = many_teams
    assert ds.people["team"].nunique() == 42
    pooled_ds, rule = pooling.pooled_dataset(ds, "team", 25)
    assert rule.applied and len(rule.pooled) == 17
    start, end = "2023-07-01", "2024-06-30"
    whole = metrics.workforce(ds, start, end, "team", min_group=1).set_index("team")
    table = metrics.workforce(pooled_ds, start, end, "team", min_group=1).set_index("team")
    assert len(table) == 26 and rule.label in table.index
    # "Other" holds exactly the sums of the teams it pools; every kept team is unchanged
    for column in ADDITIVE:
        assert table.loc[rule.label, column] == whole.loc[rule.pooled, column].sum(), column
        assert (table.loc[rule.kept, column] == whole.loc[rule.kept, column]).all(), column
    # one group under min_group: it is hidden, and so is a second (its complement)
    sizes = table["n"].sort_values()
    min_group = int(sizes.iloc[0]) + 1
    gated = metrics.workforce(pooled_ds, start, end, "team", min_group=min_group).set_index("team")
    hidden = gated.index[gated[privacy.SUPPRESSED]]
    assert sizes.index[0] in hidden and len(hidden) >= 2
    assert gated.loc[hidden, "turnover_annual"].isna().all()
    # "Other" is a group like any other: hidden itself when it is small
    small_other = pooling.pooled_dataset(ds, "team", 41)[1]
    other_table = metrics.workforce(pooling.pooled_dataset(ds, "team", 41)[0], start, end, "team",
                                    min_group=int(whole.loc[small_other.pooled, "n"].sum()) + 1).set_index("team")
    assert other_table.loc[small_other.label, privacy.SUPPRESSED]


def hierarchy_export(folder: Path, conflict: bool = False) -> tuple[Path, Path]:
    """The small built-in company written as CSV with a department for each team (two per
    region) and a mapping naming the hierarchy team -> department -> region."""
    assert main(["data", "make", "--out", str(folder), "--size", "small"]) == 0
    people = pd.read_csv(folder / "people.csv")
    teams = sorted(people["team"].unique())
    department = {t: f"{t.split(' ')[0]} {'A' if i % 2 else 'B'}" for i, t in enumerate(teams)}
    people["department"] = people["team"].map(department)
    if conflict:
        people.loc[people["team"] == teams[0], "department"] = people["department"].where(
            people.index % 2 == 0, "Elsewhere")
    people.to_csv(folder / "people.csv", index=False)
    mapping = folder / "mapping.yaml"
    mapping.write_text("hierarchy:\n  team: department\n  department: region\n", encoding="utf-8")
    return folder, mapping


def test_a_hierarchy_in_the_mapping_rolls_up_exactly(tmp_path):
    folder, mapping = hierarchy_export(tmp_path / "export")
    ds = tk.load(folder, mapping=mapping)
    assert ds.hierarchy == {"team": "department", "department": "region"}
    assert pooling.levels_above(ds.hierarchy, "team") == ["department", "region"]
    assert {"from_department", "to_department"} <= set(ds.moves.columns)
    parent = pooling.parent_of(ds.people, "team", "department")
    start, end = "2023-07-01", "2024-06-30"
    by_team = metrics.workforce(ds, start, end, "team", min_group=1)
    by_department = metrics.workforce(ds, start, end, "department", min_group=1).set_index("department")
    by_region = metrics.workforce(ds, start, end, "region", min_group=1).set_index("region")
    rolled = by_team.assign(department=by_team["team"].map(parent)).groupby("department")[ADDITIVE].sum()
    assert by_department[ADDITIVE].sort_index().equals(rolled.sort_index().astype(by_department[ADDITIVE].dtypes))
    region_of = pooling.parent_of(ds.people, "department", "region")
    up = by_department.assign(region=by_department.index.map(region_of)).groupby("region")[ADDITIVE].sum()
    assert by_region[ADDITIVE].sort_index().equals(up.sort_index().astype(by_region[ADDITIVE].dtypes))
    # a person's department on a day is their team's on that day (moves between teams move it)
    moved = ds.moves.dropna(subset=["from_team"])
    assert (moved["from_department"] == moved["from_team"].map(parent)).all()


def test_a_team_under_two_departments_is_refused_naming_the_file_row_and_column(tmp_path):
    folder, mapping = hierarchy_export(tmp_path / "export", conflict=True)
    with pytest.raises(DataError) as err:
        tk.load(folder, mapping=mapping)
    text = str(err.value)
    assert "people.csv:" in text and "column 'department'" in text and "under more than one department" in text
    assert "give each team one department" in text
    line = int(re.search(r"people\.csv:(\d+)", text).group(1))
    row = pd.read_csv(folder / "people.csv").iloc[line - 2]  # the file's line: header is line 1
    assert row["department"] == "Elsewhere" or row["team"] == sorted(pd.read_csv(folder / "people.csv")["team"])[0]


def planted_units(n: int = 6000, units: int = 70, seed: int = 3) -> pd.DataFrame:
    """A snapshot export whose leaving depends on a 70-level unit (Zipf-like sizes: a few
    large units, a long tail) and on overtime."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, units + 1) ** 0.9
    unit = rng.choice(units, n, p=weights / weights.sum())
    effect = rng.normal(0, 0.9, units)
    overtime = rng.choice(["Yes", "No"], n, p=[0.3, 0.7])
    logit = -1.6 + effect[unit] + 0.8 * (overtime == "Yes")
    left = rng.random(n) < 1 / (1 + np.exp(-logit))
    years = np.where(left, rng.integers(0, 6, n), rng.integers(0, 15, n)).astype(float)
    return pd.DataFrame({"left": np.where(left, "Yes", "No"), "years": years, "OverTime": overtime,
                         "Unit": [f"U{u:02d}" for u in unit], "_unit": unit})


def snapshot(folder: Path, frame: pd.DataFrame) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "export.csv", index=False)
    (folder / "mapping.yaml").write_text("form: snapshot\nas_of: 2024-06-30\nsnapshot:\n  left: left\n"
                                         "  tenure: years\n  tenure_unit: years\n", encoding="utf-8")
    return folder / "export.csv", folder / "mapping.yaml"


def test_a_70_level_driver_enters_the_models_pooled_and_predicts_at_least_as_well_as_one_pooled_by_hand(tmp_path):
    frame = planted_units()
    data, mapping = snapshot(tmp_path / "kit", frame.drop(columns="_unit"))
    kit = drivers.prepare(tk.load(data, mapping=mapping))
    assert "Unit" in kit.attributes and "Unit" not in kit.excluded
    assert kit.pooled["Unit"].applied and kit.X["Unit"].nunique() == 26
    assert any("Unit has 70 levels" in note for note in kit.notes)
    # by hand, as the kit asked before: units grouped into seven bands of ten by number
    by_hand = frame.assign(Unit=[f"band {u // 10}" for u in frame["_unit"]]).drop(columns="_unit")
    data, mapping = snapshot(tmp_path / "hand", by_hand)
    hand = drivers.prepare(tk.load(data, mapping=mapping))
    kit_auc = drivers.compare_models(kit, folds=5, repeats=1).auc("logistic")
    hand_auc = drivers.compare_models(hand, folds=5, repeats=1).auc("logistic")
    assert kit_auc >= hand_auc, (kit_auc, hand_auc)
    # the screening names the units that stand out, never a hidden or pooled one
    screening = drivers.screen(kit, min_group=5)
    standout = screening.standout(10)
    assert privacy.marked_min_group(standout) == 5 and len(standout) > 0
    assert (standout["attribute"] == "Unit").any()
    assert ((standout["or_lo"] > 1) | (standout["or_hi"] < 1)).all()
    assert not standout["level"].str.startswith("Other (").any()
    top = standout.iloc[0]
    row = screening.levels[(screening.levels["attribute"] == top["attribute"]) & (screening.levels["level"] == top["level"])]
    assert not row[privacy.SUPPRESSED].iloc[0]


def test_a_bar_chart_of_40_groups_is_horizontal_sorted_with_other_last():
    rng = np.random.default_rng(0)
    names = [f"Unit {k:02d}" for k in range(39)] + ["Other (12 levels, 80 people)"]
    t = pd.DataFrame({"unit": names, "n": 40, "turnover_annual": rng.uniform(0.05, 0.3, 40)})
    t["turnover_annual_lo"], t["turnover_annual_hi"] = t["turnover_annual"] - 0.02, t["turnover_annual"] + 0.02
    t = privacy.suppress(t, ["unit"], 5, not_nested="a test's own table")
    fig = plots.kpi_bars(t, "unit", "turnover_annual")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_height() > 0 and p.get_width() > 0]
    assert len(bars) == 40 and all(abs(b.get_height() - 0.8) < 1e-9 for b in bars)  # barh: constant height
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert labels[-1].startswith("Other (")
    shown = t.set_index("unit").loc[labels[:-1], "turnover_annual"].to_numpy()
    assert (np.diff(shown) <= 0).all()  # sorted, largest first
    assert ax.get_xlabel() == label_and_scale("turnover_annual")[0] and fig.get_size_inches()[1] > 8
    small = plots.kpi_bars(t.head(6), "unit", "turnover_annual")
    assert small.axes[0].get_ylabel() == label_and_scale("turnover_annual")[0]  # few groups: upright bars, as before


def test_a_trend_of_40_groups_highlights_the_largest_and_keeps_its_legend_short():
    rows = [{"unit": f"Unit {k:02d}", "quarter": q, "n": 10 + k, "turnover_annual": 0.1 + 0.001 * k}
            for k in range(40) for q in ("2024Q1", "2024Q2", "2024Q3")]
    t = privacy.suppress(pd.DataFrame(rows), ["unit", "quarter"], 5, not_nested="a test's own table")
    everyone = privacy.suppress(pd.DataFrame({"quarter": ["2024Q1", "2024Q2", "2024Q3"], "n": 900,
                                              "turnover_annual": 0.12}), ["quarter"], 5, not_nested="a test's own table")
    fig = plots.trend(t, "quarter", "turnover_annual", hue="unit", overall=everyone)
    ax = fig.axes[0]
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert legend[:plots.HIGHLIGHTED] == [f"Unit {k:02d}" for k in range(39, 39 - plots.HIGHLIGHTED, -1)]
    assert len(legend) == plots.HIGHLIGHTED + 2 and "everyone" in legend
    grey = [line for line in ax.get_lines() if line.get_color() == "#c8c8c8"]
    assert len(grey) >= 40 - plots.HIGHLIGHTED
    assert ax.get_ylabel() == label_and_scale("turnover_annual")[0]


# --------------------------------------------------------------------------- reports

def report_problems(run_dir: Path) -> list[str]:
    """Every stderr output of a run's executed notebooks, and every figure whose alt text
    holds a key in snake_case in its titles or axis labels (the series it shows are the
    data's own values)."""
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    found = []
    for job in info["jobs"]:
        nb = json.loads((run_dir / job["name"] / job["output_notebook"]).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    found.append(f"{job['name']}: stderr {''.join(out['text'])[:200]!r}")
                alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
                labels = re.sub(r"shows [^.]*", "", alt)  # the data's own values (job_board) are the data's
                keys = [w for w in re.findall(r"[A-Za-z0-9_]+", labels) if SNAKE_KEY.match(w)]
                if keys:
                    found.append(f"{job['name']}: figure alt text names {keys}: {alt[:200]!r}")
    return found


def test_no_report_of_the_smoke_run_holds_a_stderr_output_or_a_snake_case_label(smoke):
    assert not report_problems(smoke)


@pytest.fixture(scope="module")
def forty_level_run(tmp_path_factory):
    """01 and 06 grouped by team on the company scaled to 5,500 people (42 teams)."""
    import yaml

    from talentkit.runs import runner

    folder = tmp_path_factory.mktemp("forty")
    run = {"run": "forty", "defaults": {"data": "synthetic:5.5k"},
           "jobs": [{"notebook": str(ROOT / "notebooks" / "01_metrics.ipynb"), "params": {"group_by": "team"}},
                    {"notebook": str(ROOT / "notebooks" / "06_drivers.ipynb"),
                     "params": {"group_by": "team", "folds": 3, "repeats": 1, "text_task": ""}}]}
    (folder / "forty.yaml").write_text(yaml.safe_dump(run), encoding="utf-8")
    code, run_dir = runner.execute_run(folder / "forty.yaml", out_root=folder / "out", progress=False)
    assert code == 0
    return run_dir


@pytest.mark.slow
def test_a_40_level_run_pools_reads_and_prints_nothing_from_a_library(forty_level_run):
    assert not report_problems(forty_level_run)
    metrics_page = (forty_level_run / "01_metrics" / "report.html").read_text(encoding="utf-8")
    assert "team has 42 levels: the 25 largest are shown" in metrics_page
    r = json.loads((forty_level_run / "01_metrics" / "results.json").read_text(encoding="utf-8"))
    teams = [row[0] for row in r["kpi_by_group"]["rows"]]
    assert len(teams) == 26 and teams.count(next(t for t in teams if t.startswith("Other ("))) == 1
    drivers_page = (forty_level_run / "06_drivers" / "report.html").read_text(encoding="utf-8")
    assert "pooled into" in drivers_page and "The levels that stand out" in drivers_page
    screening = json.loads((forty_level_run / "06_drivers" / "results.json").read_text(encoding="utf-8"))["screening"]
    row = dict(zip(screening["columns"], next(r for r in screening["rows"] if r[0] == "team")))
    assert row["levels"] == 26


# --------------------------------------------------------------------------- methods that scale

def test_a_cox_model_on_many_spells_counts_tenure_on_a_grid_and_equals_lifelines_on_that_grid(monkeypatch):
    """Above COX_WORK, tenure is grouped on the finest grid (week, month, quarter, year) that
    brings spells x distinct leaving times under it: each spell's end rounded up, its entry
    down; the hazard ratios are lifelines' on that frame built by hand."""
    from lifelines import CoxPHFitter

    from talentkit.core.dates import DAYS_PER_MONTH
    from talentkit.drivers import _explanation

    ds = tk.load("synthetic:small")
    data = drivers.prepare(ds, ["level", "pay_band"], text_task="")
    exact = drivers.cox(data, min_group=1)
    assert exact.time_grid == ""
    months = data.months.clip(lower=1e-3)
    left = data.left.to_numpy(bool)
    steps = {"week": 7 / DAYS_PER_MONTH, "month": 1.0, "quarter": 3.0, "year": 12.0}
    on = {name: np.ceil(months / step - 1e-9) * step for name, step in steps.items()}
    work = {name: len(t) * t[left].nunique() for name, t in on.items()}
    assert work["week"] > work["month"] > work["quarter"] > work["year"]
    X, _ = drivers.design(data, 1)
    width = np.log(exact.table["hr_hi"]) - np.log(exact.table["hr_lo"])
    finer = len(months) * months[left].nunique()
    for name, step in steps.items():
        monkeypatch.setattr(_explanation, "COX_WORK", work[name])  # this grid brings it under, the finer one not
        assert finer > work[name]
        grouped = drivers.cox(data, min_group=1)
        assert grouped.time_grid == name
        frame = X.assign(months=on[name].to_numpy(), left=data.left.astype(int).to_numpy(),
                         entry=np.minimum(np.floor(data.entry / step + 1e-9) * step, on[name] * 0.999).to_numpy())
        hand = CoxPHFitter(penalizer=0.01).fit(frame, "months", "left", entry_col="entry")
        ours = grouped.table.set_index("level")["hazard_ratio"]
        assert np.allclose(ours.to_numpy(), np.exp(hand.params_).reindex(X.columns).to_numpy(), rtol=1e-6), name
        finer = work[name]
        if name in ("week", "month"):  # grouping time this finely moves a hazard ratio by far less than its interval
            moved = np.abs(np.log(grouped.table["hazard_ratio"]) - np.log(exact.table["hazard_ratio"]))
            assert (moved < 0.25 * width).all(), name
    assert "whole years" in summaries.cox_notes(grouped).data


def test_fewer_resamples_on_many_rows_and_the_monte_carlo_error_of_an_interval_end():
    from talentkit.core import stats

    assert stats.resamples_for(2_000, 200) == 200
    assert stats.resamples_for(20_000, 200) == stats.BOOTSTRAP_WORK // 20_000
    assert stats.resamples_for(10_000_000, 200) == stats.MIN_RESAMPLES
    # uniform draws: the q quantile's standard error is sqrt(q (1 - q) / B) (density 1),
    # so the 95% bound's half-width is z times that
    b = 4000
    draws = np.random.default_rng(0).random((b, 3))
    lo_err, hi_err = stats.percentile_mc_error(draws)
    expected = stats.Z95 * np.sqrt(0.025 * 0.975 / b)
    assert np.allclose(lo_err, expected, rtol=0.25) and np.allclose(hi_err, expected, rtol=0.25)
    assert np.allclose(stats.percentile_mc_error(np.ones((100, 2)))[0], 0)


def test_betweenness_takes_fewer_pivots_only_on_a_very_large_graph():
    from talentkit import network

    assert network.pivots_for(1000, 5000) is None  # exact
    assert network.pivots_for(3000, 10_000) == network.SAMPLED_PIVOTS
    assert network.pivots_for(60_000, 200_000) == max(network.MIN_PIVOTS, network.PIVOT_WORK // 200_000)
    assert network.pivots_for(10**6, 10**8) == network.MIN_PIVOTS


def test_a_pooled_level_of_fewer_than_min_group_people_is_never_counted_in_a_note():
    from talentkit import summaries

    values = forty_levels()
    _, rule = pooling.pool_levels(values, max_levels=25)
    above = rule.people + 1  # a gate larger than the pool: the pooled row is hidden, and so is its count
    assert f"{rule.people:,} people" not in summaries.pooling_note(rule, min_group=above).data
    assert f"fewer than {above} people" in summaries.pooling_note(rule, min_group=above).data


def test_on_many_spells_the_proportional_hazards_check_reads_a_seeded_sample_and_says_so(monkeypatch):
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    from talentkit.drivers import _explanation

    data = drivers.prepare(tk.load("synthetic:small"), ["level", "pay_band"], text_task="")
    everyone = drivers.cox(data, min_group=1)
    assert everyone.ph_sample == 0 and "seeded random sample" not in summaries.cox_notes(everyone).data
    monkeypatch.setattr(_explanation, "PH_TEST_SPELLS", 150)
    sampled = drivers.cox(data, min_group=1)
    assert sampled.ph_sample == 150 and "sample of 150 spells" in summaries.cox_notes(sampled).data
    assert np.allclose(sampled.table["hazard_ratio"], everyone.table["hazard_ratio"])  # the model uses every spell
    frame = sampled.frame
    frame = frame[frame["entry"] <= 0] if (frame["entry"] > 0).any() else frame
    frame = frame.sample(150, random_state=0)
    frame = frame[[c for c in frame.columns if c in ("months", "left") or frame[c].std() > 0]].drop(columns="entry",
                                                                                        errors="ignore")
    hand = proportional_hazard_test(CoxPHFitter(penalizer=0.01).fit(frame, "months", "left"), frame,
                                    time_transform="rank").summary["p"]
    ours = sampled.table.set_index("level")["ph_p"]
    X, _ = drivers.design(data, 1)
    names = [c for c in X.columns if c in hand.index]
    assert np.allclose(ours.to_numpy()[[list(X.columns).index(c) for c in names]], hand.reindex(names).to_numpy())
