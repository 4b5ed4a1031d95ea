"""Survey scores by hand and with scipy and scikit-learn, the gate read as an attacker reads
it, and the built-in company's planted truth recovered."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.linear_model import LinearRegression
from test_responses import SCALE, answers_frame, write_long

import talentkit as tk
from talentkit import survey
from talentkit.core import privacy
from talentkit.data import synthsurvey


@pytest.fixture(scope="module")
def built_in(tmp_path_factory):
    ds = tk.load("synthetic")
    path = synthsurvey.write_survey(ds.people, ds.as_of, tmp_path_factory.mktemp("survey"))
    return ds, survey.read(path, people=ds)


# --------------------------------------------------------------------------- scores by hand

def test_favourability_mean_and_enps_equal_hand_counts():
    values = pd.Series([5, 4, 4, 3, 2, 1, 5, np.nan, 4, 3])
    got = survey.favourability(values, {4.0, 5.0}, {1.0, 2.0})
    answered = [5, 4, 4, 3, 2, 1, 5, 4, 3]
    assert got["answered"] == 9 and got["favourable"] == pytest.approx(5 / 9)
    assert got["unfavourable"] == pytest.approx(2 / 9) and got["neutral"] == pytest.approx(2 / 9)
    assert got["mean"] == pytest.approx(np.mean(answered))
    half = sps.t.ppf(0.975, 8) * np.std(answered, ddof=1) / 3
    assert got["mean_lo"] == pytest.approx(np.mean(answered) - half)
    lo, hi = sps.binomtest(5, 9).proportion_ci(method="wilson")  # scipy's Wilson interval
    assert (got["favourable_lo"], got["favourable_hi"]) == pytest.approx((lo, hi))
    nps = survey.enps(pd.Series([10, 9, 9, 8, 7, 6, 0, 3, 10, 5]))
    assert nps["enps"] == pytest.approx(100 * (4 / 10 - 4 / 10)) and nps["promoters"] == 0.4
    score = np.array([1, 1, 1, 0, 0, -1, -1, -1, 1, -1])  # the same answers as +1 / 0 / -1
    half = 1.959963984540054 * score.std(ddof=0) / np.sqrt(10)
    assert nps["enps_hi"] == pytest.approx(100 * half)


def test_a_not_applicable_answer_written_0_does_not_lower_a_mean(tmp_path):
    frame = answers_frame(30)
    read = survey.read(write_long(tmp_path, frame))
    q3 = frame[(frame["question"] == "Q3") & (frame["wave"] == "2025")]
    scores = survey.item_scores(read, "2025").set_index("item")
    assert scores.loc["Q3", "mean"] == pytest.approx(q3.loc[q3["value"] > 0, "value"].mean())
    assert scores.loc["Q3", "mean"] > q3["value"].mean()  # what counting the 0s would have given
    assert scores.loc["Q3", "not_applicable"] == (q3["value"] == 0).sum() > 0
    assert scores.loc["Q3", "answered"] == (q3["value"] > 0).sum()


def test_cronbachs_alpha_equals_its_formula_and_feldts_interval():
    rng = np.random.default_rng(4)
    true = rng.normal(size=200)
    m = pd.DataFrame({f"I{i}": np.clip(np.round(3 + true + rng.normal(size=200)), 1, 5) for i in range(4)})
    m.iloc[3, 2] = np.nan  # one incomplete respondent: left out
    got = survey.cronbach_alpha(m)
    c = m.dropna().to_numpy()
    cov = np.cov(c, rowvar=False)
    k = 4
    mean_var, mean_cov = np.trace(cov) / k, (cov.sum() - np.trace(cov)) / (k * (k - 1))
    assert got["alpha"] == pytest.approx(k * mean_cov / (mean_var + (k - 1) * mean_cov))  # the covariance form
    n = len(c)
    assert got["alpha_lo"] == pytest.approx(1 - (1 - got["alpha"]) * sps.f.ppf(0.975, n - 1, (n - 1) * (k - 1)))
    assert got["complete"] == 199
    rest = survey.item_rest(m)
    assert rest["I0"] == pytest.approx(np.corrcoef(c[:, 0], c[:, 1:].sum(axis=1))[0, 1])


def johnson_by_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's (2000) own procedure: the orthogonal Z closest to standardised X (its SVD,
    Z = P Q'), y regressed on Z, each X on Z, the squared weights multiplied."""
    xs = (x - x.mean(0)) / x.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    p, _, qt = np.linalg.svd(xs, full_matrices=False)
    z = p @ qt * np.sqrt(len(y) - 1)  # unit-variance columns
    beta = LinearRegression().fit(z, ys).coef_
    lam = np.column_stack([LinearRegression().fit(z, xs[:, j]).coef_ for j in range(x.shape[1])])  # z -> x_j
    return (lam ** 2).T @ (beta ** 2)


def test_relative_weights_equal_johnsons_procedure_and_sum_to_r2():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 3)) @ np.array([[1, 0.5, 0.2], [0, 1, 0.4], [0, 0, 1]])
    y = x @ np.array([0.6, 0.3, 0.0]) + rng.normal(size=300)
    got = survey.relative_weights(x, y)
    np.testing.assert_allclose(got, johnson_by_svd(x, y), rtol=1e-9)
    assert got.sum() == pytest.approx(LinearRegression().fit(x, y).score(x, y))
    orthogonal = np.linalg.qr(rng.normal(size=(300, 2)))[0]
    w = survey.relative_weights(orthogonal, orthogonal @ [2.0, 1.0] + rng.normal(size=300) * 0.1)
    r = [np.corrcoef(orthogonal[:, j], orthogonal @ [2.0, 1.0] + 0 * j)[0, 1] for j in range(2)]
    assert w[0] > w[1] and w.sum() <= 1 and all(v >= 0 for v in w) and r[0] > r[1]


def test_the_weighted_fit_equals_scikit_learns_weighted_regression():
    rng = np.random.default_rng(2)
    x, w = rng.random(12), rng.integers(5, 80, 12).astype(float)
    y = 0.3 - 0.4 * x + rng.normal(size=12) * 0.05
    fit = survey.weighted_fit(x, y, w)
    assert fit["slope"] == pytest.approx(LinearRegression().fit(x[:, None], y, sample_weight=w).coef_[0])
    xc = x - np.average(x, weights=w)
    resid = y - fit["intercept"] - fit["slope"] * x
    se = np.sqrt((w * resid ** 2).sum() / 10 / (w * xc ** 2).sum())
    assert fit["slope_hi"] - fit["slope"] == pytest.approx(sps.t.ppf(0.975, 10) * se)


# --------------------------------------------------------------------------- the built-in company

def test_the_planted_driver_ranks_first_on_the_built_in_company(built_in):
    ds, read = built_in
    drivers = survey.key_drivers(read, resamples=50)
    assert drivers.iloc[0]["item"] == synthsurvey.CLIMATE["growth"]
    assert drivers.iloc[0]["weight_lo"] > drivers.iloc[1]["weight_hi"] * 0.9
    assert drivers["weight"].sum() == pytest.approx(drivers.attrs["r2"])


def test_the_planted_link_between_engagement_and_later_leaving_is_recovered(built_in):
    ds, read = built_in
    first = read.waves["wave"].iloc[0]
    hazard = survey.engagement_hazard(read, ds, first)
    assert hazard["hr_hi"] < 1  # the interval of the log hazard ratio excludes 0
    assert hazard["leavers"] >= 10


def test_a_change_planted_between_waves_is_flagged_and_a_wave_against_itself_flags_nothing(built_in):
    _, read = built_in
    change = survey.change_since(read, min_change_respondents=20)
    flagged = change[change["verdict"].isin(["up", "down"])]
    assert list(flagged["item"]) == [synthsurvey.CLIMATE["tools"]] and flagged["verdict"].iloc[0] == "up"
    wave = read.waves["wave"].iloc[-1]
    same = survey.change_since(read, wave, before=wave)
    assert (same["verdict"] == "within noise").all() and (same["points"] == 0).all()
    by_region = survey.change_moves(survey.change_since(read, group_by="region"))
    tools = by_region["item"] == synthsurvey.CLIMATE["tools"]
    assert tools.sum() >= 4  # the planted rise, in most regions
    assert (~tools).sum() <= 2  # 44 other tests at p 0.05: a false alarm or two, as the rule allows
    assert by_region.attrs["tested"] >= 5 * 11 - 11 and privacy.is_marked(by_region)
    assert survey.change_moves(survey.change_since(read, wave, before=wave, group_by="region")).empty


def test_the_driver_analysis_is_refused_for_19_respondents_and_runs_for_20(tmp_path):
    for n, ok in ((19, False), (20, True)):
        frame = answers_frame(n, seed=n)
        read = survey.read(write_long(tmp_path / str(n), frame[frame["question"] != "Q3"],
                                      extra="index_items: [Q1]\n"))
        drivers = survey.key_drivers(read, "2025", resamples=20)
        if ok:
            assert drivers["respondents"].iloc[0] == 20 and "refused" not in drivers.attrs
        else:
            assert drivers.empty and "at least 20 respondents" in drivers.attrs["refused"]
            assert "19" in drivers.attrs["refused"]


# --------------------------------------------------------------------------- the gate

def gated_survey(tmp_path) -> survey.Responses:
    """Units of 9, 8, 7, 6 and 4 respondents under two regions; the unit of 4 is small."""
    rows = []
    sizes = {"A1": 9, "A2": 8, "A3": 4, "B1": 7, "B2": 6}
    rng = np.random.default_rng(3)
    for unit, size in sizes.items():
        for r in range(size):
            for item in ("Q1", "Q2"):
                rows.append({"resp": f"{unit}-{r}", "wave": "2025", "unit": unit, "region": unit[0],
                             "question": item, "value": int(rng.integers(1, 6))})
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / "answers.csv", index=False)
    (tmp_path / "survey.yaml").write_text(f"form: long\nfile: answers.csv\nrespondent: resp\nwave: wave\n"
                                          f"item: question\nanswer: value\nattributes: [unit, region]\n"
                                          f"scale: {SCALE}\nfavourable: [4, 5]\n", encoding="utf-8")
    return survey.read(tmp_path / "survey.yaml")


def counts_by(table: pd.DataFrame, key: str, column: str) -> dict:
    return {k: (None if pd.isna(v) else v) for k, v in zip(table[key], table[column])}


def test_a_unit_of_4_is_hidden_with_the_next_smallest_and_no_subtraction_recovers_either(tmp_path):
    read = gated_survey(tmp_path)
    by_unit = survey.group_scores(read, "unit")
    by_region = survey.group_scores(read, "region")
    cells = survey.heatmap(read, "unit")
    hidden = set(by_unit.loc[by_unit[privacy.SUPPRESSED], "unit"])
    assert {"A3", "A2"} <= hidden  # the small unit and the next-smallest of its region
    assert by_unit.loc[by_unit["unit"] == "A3", ["respondents", "favourable", "answers"]].isna().all(axis=None)
    overall = survey.item_scores(read)
    tables = {"by unit": counts_by(by_unit, "unit", "respondents"),
              "by region": counts_by(by_region, "region", "respondents"),
              **{f"heatmap {i}": counts_by(cells[cells["item"] == i], "unit", "answered") for i in ("Q1", "Q2")}}
    totals = {"everyone": float(overall["answered"].max())}
    parent = {"A1": "A", "A2": "A", "A3": "A", "B1": "B", "B2": "B"}
    for name, shown in tables.items():  # every pair: a unit table against a region table or the total
        units = {k: v for k, v in shown.items() if k in parent}
        if not units:
            continue
        for other, parents in [(o, t) for o, t in tables.items() if o != name] + [("total", totals)]:
            for region_or_all, total in parents.items():
                if total is None:
                    continue
                children = {u: v for u, v in units.items() if region_or_all in ("everyone", parent[u])}
                missing = [u for u, v in children.items() if v is None]
                if len(missing) == 1:
                    recovered = total - sum(v for v in children.values() if v is not None)
                    assert not 0 < recovered < 5, (name, other, region_or_all, recovered)
    assert tables["by region"]["A"] is not None  # the region itself is large enough to show


def test_a_theme_written_by_9_respondents_is_hidden_even_with_15_comments(tmp_path):
    rows = []
    for r in range(9):  # 9 people, 15 comments about parking
        for c in range(2 if r < 6 else 1):
            rows.append({"resp": f"P{r}", "question": f"C{c}", "text": "the parking lot is always full, parking fees"})
    for r in range(40):
        rows.append({"resp": f"W{r}", "question": "C0",
                     "text": ["workload too heavy, long hours", "pay below market, salary low"][r % 2]})
    frame = pd.DataFrame(rows).assign(wave="2025", value="")
    frame = pd.concat([frame, frame.drop_duplicates("resp").assign(question="Q1", value="4", text="")])
    frame.to_csv(tmp_path / "answers.csv", index=False)
    (tmp_path / "survey.yaml").write_text(f"form: long\nfile: answers.csv\nrespondent: resp\nwave: wave\n"
                                          f"item: question\nanswer: value\nanswer_text: text\ncomments: [C0, C1]\n"
                                          f"scale: {SCALE}\nfavourable: [4, 5]\n", encoding="utf-8")
    read = survey.read(tmp_path / "survey.yaml")
    assert (read.comments["text"].str.contains("parking")).sum() == 15
    themes = survey.comment_themes(read, n_themes=4)
    shown = themes[~themes[privacy.SUPPRESSED]]
    assert not themes["theme"].str.contains("parking").any()
    assert (shown["respondents"] >= 10).all() and len(shown) >= 1
    assert themes.loc[themes["is_outlier"], privacy.SUPPRESSED].all()  # the 9 writers' bucket, hidden


# --------------------------------------------------------------------------- a real published survey

FEVS = Path(__file__).parent / "data" / "fevs"


def test_a_real_published_survey_reads_as_published_with_scipys_intervals():
    """The U.S. Access Board's FEVS 2024 results (tests/data/fevs/README.md): 89 items of one
    unit of 20 respondents, each share exactly as published."""
    read = survey.read(FEVS / "survey.yaml")
    published = pd.read_csv(FEVS / "access_board_2024.csv")
    scores = survey.item_scores(read).set_index("item")
    assert read.form == "by_unit" and len(scores) == 89 == len(published)
    for row in published.itertuples():
        got = scores.loc[row[2]]
        share = float(row[3].rstrip("%")) / 100
        assert got["favourable"] == pytest.approx(share) and got["answered"] == row[5]
        assert got["unfavourable"] == pytest.approx(float(row[4].rstrip("%")) / 100)
        lo, hi = sps.binomtest(round(share * row[5]), row[5]).proportion_ci(method="wilson")
        assert (got["favourable_lo"], got["favourable_hi"]) == pytest.approx((lo, hi))
    assert scores["neutral"].min() >= 0
    assert survey.change_since(read) is None  # one wave: nothing to compare with
    cells = survey.heatmap(read, "team")
    assert cells.attrs["group_by"] == "unit" and set(cells["unit"]) == {"access_board_2024"}


@pytest.mark.slow
def test_07_on_the_real_published_survey_shows_its_scores_and_says_what_it_cannot_read(tmp_path):
    from talentkit.runs import runner

    run_file = tmp_path / "fevs.yaml"
    run_file.write_text(f"run: fevs\ndefaults: {{data: 'synthetic:small'}}\njobs:\n"
                        f"  - notebook: {Path(__file__).parents[1] / 'notebooks' / '07_survey.ipynb'}\n"
                        f"    params: {{survey: '{FEVS / 'survey.yaml'}'}}\n", encoding="utf-8")
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False)
    assert code == 0
    report = (run_dir / "07_survey" / "report.html").read_text(encoding="utf-8")
    assert "skipped, this data lacks respondents" in report and "My job inspires me." in report
    results = json.loads((run_dir / "07_survey" / "results.json").read_text(encoding="utf-8"))
    rows = {r[0]: r for r in results["item_scores"]["rows"]}
    assert rows["My job inspires me."][results["item_scores"]["columns"].index("favourable")] == pytest.approx(0.79)
    assert (run_dir / "07_survey" / "figures" / "diverging_bars.png").exists()


def count_cells(table: pd.DataFrame, key: str, keys: set) -> dict[str, dict]:
    """{column: {key: count, or None where hidden}} for every column of whole numbers (any
    cell that is no number, "<5" or "hidden" or blank, counts as hidden)."""
    rows = table[table[key].isin(keys)]
    out = {}
    for column in table.columns:
        cells = [str(c).replace(",", "").strip() for c in rows[column]]
        numbers = {k: (int(c) if c.isdigit() else None) for k, c in zip(rows[key], cells)}
        if column != key and any(v is not None for v in numbers.values()):
            out[column] = numbers
    return out


@pytest.mark.slow
def test_no_unit_of_4_is_recoverable_by_subtracting_any_two_tables_of_a_07_run(tmp_path):
    """07 twice on the survey of units 9, 8, 4 (region A) and 7, 6 (region B): every count
    column by unit against every count column by region and every total, in every report."""
    from bs4 import BeautifulSoup

    from talentkit.runs import runner

    gated_survey(tmp_path)
    notebook = Path(__file__).parents[1] / "notebooks" / "07_survey.ipynb"
    (tmp_path / "run.yaml").write_text(
        f"run: gate\ndefaults: {{data: 'synthetic:small', survey: '{tmp_path / 'survey.yaml'}', resamples: 20}}\n"
        f"jobs:\n  - notebook: {notebook}\n    matrix: {{group_by: [unit, region]}}\n", encoding="utf-8")
    code, run_dir = runner.execute_run(tmp_path / "run.yaml", out_root=tmp_path / "out", progress=False)
    assert code == 0
    parent = {"A1": "A", "A2": "A", "A3": "A", "B1": "B", "B2": "B"}
    by_unit, by_region, totals = [], [], []
    for report in sorted(run_dir.glob("*/report.html")):
        for t in BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser").find_all("table"):
            head = [th.get_text(" ", strip=True) for th in t.find_all("th") if th.find_parent("thead")]
            rows = [[td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"])][-len(head):]
                    for tr in t.find_all("tr") if tr.find_parent("tbody")]
            frame = pd.DataFrame([r for r in rows if len(r) == len(head)], columns=head) if head else pd.DataFrame()
            for key in [c for c in frame.columns if frame[c].isin(parent).sum() >= 2]:
                by_unit += list(count_cells(frame, key, set(parent)).values())
            for key in [c for c in frame.columns if frame[c].isin({"A", "B"}).sum() >= 2]:
                by_region += list(count_cells(frame, key, {"A", "B"}).values())
            if "Answered" in frame.columns and "Item" in frame.columns:
                totals += [{"everyone": int(c.replace(",", ""))} for c in frame["Answered"] if c.replace(",", "").isdigit()]
    assert by_unit and by_region and totals
    assert any(v is None for counts in by_unit for k, v in counts.items() if k == "A3")  # the unit of 4 is hidden
    checked = 0
    for units in by_unit:
        for wholes in by_region + totals:
            for whole, total in wholes.items():
                children = {u: v for u, v in units.items() if whole == "everyone" or parent[u] == whole}
                hidden = [u for u, v in children.items() if v is None]
                if total is None or len(hidden) != 1:
                    continue
                checked += 1
                recovered = total - sum(v for v in children.values() if v is not None)
                assert not 0 < recovered < 5, (hidden, whole, total, units)
    assert checked or all(sum(v is None for u, v in units.items() if parent[u] == "A") != 1 for units in by_unit)


def test_a_saved_02_winner_scores_each_theme_with_its_mean_as_computed_by_hand(built_in, tmp_path):
    from talentkit import ladder, textclf

    _, read = built_in
    cfg = ladder.LadderConfig(data="synthetic:small", task="retention", progress=False)
    folder, _ = ladder.save_winner(cfg, textclf.load_texts(cfg), "tfidf", tmp_path / "winner", "stayed")
    themes = survey.comment_themes(read, n_themes=5, text_model=str(folder))
    assert themes.attrs["model_label"] == "stayed"
    wave = read.waves["wave"].iloc[-1]
    comments = read.comments[read.comments["wave"] == wave]
    scores = ladder.load_scorer(folder).predict_proba(comments["text"].astype(str).tolist())
    shown = themes[~themes[privacy.SUPPRESSED]]
    assert len(shown) == len(themes) >= 3 and shown["model_score"].between(0, 1).all()
    # every theme shown: their means, weighted by their comments, give back the mean over every comment
    assert (shown["model_score"] * shown["comments"]).sum() / shown["comments"].sum() == pytest.approx(
        float(np.mean(scores)), abs=1e-9)
    assert shown["model_score"].std() > 0.01  # the themes differ: the score is per theme, not one number


def test_example_comments_come_only_when_allowed_and_only_from_themes_shown(built_in):
    _, read = built_in
    themes = survey.comment_themes(read, n_themes=5)
    assert survey.example_comments(read, themes, n_themes=5) is None  # raw text: off unless allowed
    examples = survey.example_comments(read, themes, n_themes=5, allowed=True)
    shown = set(themes.loc[~themes[privacy.SUPPRESSED] & ~themes["is_outlier"], "theme"])
    assert set(examples["theme"]) == shown and examples.groupby("theme").size().max() <= 3
    assert set(examples["text"]) <= set(read.comments["text"])


def test_drivers_by_group_only_where_20_answered_every_item_and_equal_to_the_groups_own_weights():
    ds = tk.load("synthetic:small")
    read = survey.read("synthetic", people=ds)
    table = survey.drivers_by_group(read, "region").set_index("region")
    wave = read.waves["wave"].iloc[-1]
    x, y, _ = survey.driver_frame(read, wave)
    region = read.respondents[read.respondents["wave"] == wave].set_index("respondent")["region"].reindex(x.index)
    for name, row in table.iterrows():
        n = int((region == name).sum())
        if n < 20:
            assert "not computed" in row["driver"] and np.isnan(row["share"]), name
        else:
            w = survey.relative_weights(x[region == name].to_numpy(float), y[region == name].to_numpy(float))
            assert row["driver"] == x.columns[int(np.argmax(w))] and row["share"] == pytest.approx(w.max() / w.sum())
    assert (table["respondents"] < 20).any() and (table["respondents"] >= 20).any()


def test_a_survey_of_index_items_only_says_there_is_nothing_to_weigh(tmp_path):
    read = survey.read(write_long(tmp_path, answers_frame(30), extra="index_items: [Q1, Q2, Q3]\n"))
    drivers = survey.key_drivers(read, "2025", resamples=10)
    assert drivers.empty and "no items beside the outcome and the index" in drivers.attrs["refused"]
    read.respondents["unit"] = read.respondents["unit"].astype(str)
    assert survey.drivers_by_group(read, "unit", "2025", min_driver_respondents=5)["share"].isna().all()


def test_a_hidden_groups_response_rate_flags_nothing(tmp_path):
    """A unit of 4 respondents out of 40 would be flagged under the response level: hidden,
    its flag says nothing either (a flag beside hidden figures still tells that few answered)."""
    read = gated_survey(tmp_path)
    headcount = pd.Series({"A1": 10, "A2": 9, "A3": 40, "B1": 8, "B2": 7})
    rates = survey.response_rates(read, "unit", headcount).set_index("unit")
    assert rates.loc["A3", privacy.SUPPRESSED] and not rates.loc["A3", "low"]
    assert rates.loc[~rates[privacy.SUPPRESSED], "rate"].notna().all()
    assert (rates["low"] == (~rates[privacy.SUPPRESSED] & (rates["rate"] < survey.LOW_RESPONSE))).all()
