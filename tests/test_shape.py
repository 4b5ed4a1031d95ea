"""The package's shape: thin notebooks, one privacy contract, layers that import downwards,
no private names across modules, no repeated blocks, and recorded results that a
restructuring must not change."""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import json
import math
import pkgutil
import re
import sys
import tokenize
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

import talentkit as tk
from talentkit import show
from talentkit.core import privacy
from talentkit.core.errors import PrivacyError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "talentkit"
ROOMS = ("core", "data", "runs")  # folders of modules that share a rule of imports (ARCHITECTURE.md)
# every module: those at the top, packages of one analysis (drivers, textclf) and each room's modules ("core.privacy")
MODULES = sorted([m.name for m in pkgutil.iter_modules([str(PACKAGE)]) if m.name not in ROOMS]
                 + [f"{room}.{m.name}" for room in ROOMS for m in pkgutil.iter_modules([str(PACKAGE / room)])])
FILES = sorted(PACKAGE.rglob("*.py"))  # every module, inside packages too


def module_of(path: Path) -> str:
    """``talentkit/drivers/_screening.py`` -> ``talentkit.drivers._screening``; a package's
    ``__init__.py`` -> the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def face_of(module: str) -> str:
    """The name a module's objects go by: ``talentkit.drivers._screening`` -> ``drivers``
    (a package's private modules stand behind its one face), ``talentkit.core.privacy`` ->
    ``privacy`` (no two modules of the rooms share a name)."""
    return ".".join(p for p in module.removeprefix("talentkit.").split(".") if not p.startswith("_") and p not in ROOMS)


def short_name(module_name: str) -> str:
    """``core.privacy`` -> ``privacy``; ``drivers`` -> ``drivers``."""
    return module_name.rsplit(".", 1)[-1]


def test_no_two_modules_share_a_name():
    shorts = [short_name(m) for m in MODULES]
    assert len(set(shorts)) == len(shorts), sorted(m for m in shorts if shorts.count(m) > 1)

# --------------------------------------------------------------------------- thin notebooks

NOTEBOOK_LOGIC_LIMIT = 40  # code lines of logic, all notebooks together
LOGIC_NODES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.IfExp, ast.BoolOp,
               ast.Compare, ast.BinOp)


def _selection_of(node: ast.AST) -> bool:
    """A call, a name, or an item or attribute of one (``f(x).iloc[0]``, ``result["test"]``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return isinstance(node, (ast.Call, ast.Name))


def is_thin(stmt: ast.stmt) -> bool:
    """An import, a call (display, record, an analysis), a shown expression, or an assignment
    from a call or a selection, with no logic inside (comprehension, lambda, condition,
    arithmetic, comparison)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
    elif isinstance(stmt, ast.Assign) and all(isinstance(t, (ast.Name, ast.Tuple)) for t in stmt.targets):
        value = stmt.value
        if not _selection_of(value):
            return False
    else:
        return False
    return not any(isinstance(n, LOGIC_NODES) for n in ast.walk(value))


def logic_lines(source: str) -> list[str]:
    """The code lines of ``source`` that are logic: every line of a statement that is not thin."""
    lines = source.splitlines()
    out = []
    for stmt in ast.parse(source).body:
        if not is_thin(stmt):
            out += [lines[i].strip() for i in range(stmt.lineno - 1, stmt.end_lineno)]
    return out


def notebook_logic(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", []):
            # IPython magics (%load_ext, %%section) are not Python: a blank line keeps the numbering
            source = "".join(line if not line.startswith("%") else "\n" for line in cell["source"])
            out += logic_lines(source)
    return out


def test_notebooks_hold_no_more_than_a_few_lines_of_logic():
    found = {p.name: notebook_logic(p) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    total = sum(len(v) for v in found.values())
    offenders = "\n".join(f"  {name}: {line}" for name, lines in found.items() for line in lines)
    assert total < NOTEBOOK_LOGIC_LIMIT, f"{total} lines of logic in the notebooks (limit {NOTEBOOK_LOGIC_LIMIT}); " \
                                         f"move them into talentkit:\n{offenders}"


def test_the_logic_counter_counts_logic():
    source = '''
import pandas as pd
ds = tk.load(data)
display(styled(kpi[["a", "b"]]))
row = metrics.workforce(ds, a, b).iloc[0]
def pct(v):
    return f"{v:.1%}"
for m in "ARFS":
    tk.record(m, 1)
x = y if z else w
shown = [c for c in cols]
'''
    assert logic_lines(source) == ['def pct(v):', 'return f"{v:.1%}"', 'for m in "ARFS":', 'tk.record(m, 1)',
                                   'x = y if z else w', 'shown = [c for c in cols]']


# --------------------------------------------------------------------------- one privacy contract

# Public functions returning a table (or a result holding one) that are not gated, and why.
# A new one must be gated with @privacy.grouped or named here, so none escapes by omission.
UNGATED = {
    "institutions.resolve": "the alias table: affiliation strings and the institutions they resolve to, no counts shown",
    "research.ResearchRecords.alias_table": "the alias table to review: strings and institutions, no counts",
    "research.ResearchRecords.merges": "strings merged, counted by rule over the whole export: no group's figure",
    "synthmarket.institutions": "the built-in market's institutions: data, not a result",
    "synthmarket.with_institutions": "the built-in company's candidates with a university each: data, not a result",
    "market.main_institutions": "one person a row and year, for moves; never shown",
    "market.moves": "one move a row, the input flow_matrix, net_gain, newcomers and partners gate; never shown",
    "market.concentration": "the whole field's top-10 share and HHI: every institution summed, no group's figure",
    "market.resolve_hires": "the company's hires' institutions, the input partners gates; never shown",
    "market.institution_ties": "every tie between institutions of min_group researchers, the input ties_of gates",
    "impact.outcome_panel": "unit x period outcomes, the input design gates (units under min_group dropped); never shown",
    "impact.imputation_by_period": "estimates by period over the cohorts design gated, inside estimate",
    "impact.saturated": "estimates by period over the cohorts design gated, inside estimate",
    "impact.read_programmes": "the programmes table and the dataset: data, not a result",
    "synthprogrammes.plant_programmes": "the built-in company with its programmes: data, not a result",
    "synthprogrammes.staggered_panel": "a synthetic panel for the tests and the README: data, not a result",
    "programmes.read_programmes": "the programmes table and the dataset: data, not a result",
    "schema.spelling_key": "a value's key for one spelling, row by row: no groups",
    "schema.read_export": "a file a mapping names, read as text: data, not a result",
    "responses.Responses.matrix": "one respondent a row, for the models inside survey; no notebook shows it",
    "synthsurvey.generate_survey": "the built-in company's synthetic survey export: data, not a result",
    "survey.driver_frame": "the respondents' answers the driver model reads inside key_drivers; never shown",
    "survey.index_scores": "each respondent's index, for the models inside survey; never shown",
    "survey.item_rest": "one correlation per item over every respondent; reliability gates it",
    "survey.heatmap_matrix": "a pivot of heatmap's gated cells: the mark passes through",
    "survey.linked_headcount": "the day's headcount by group, an input response_rates gates; never shown alone",
    "survey.change_moves": "a selection of change_since's gated rows: the mark passes through",
    "survey.example_comments": "raw comments of themes 10 respondents wrote, shown only where show_comments allows",
    "casestudy.case_metrics": "the article's fictional case (gated with min_group 1 inside)",
    "casestudy.compare_with_article": "the article's fictional case, marked with min_group 1",
    "casestudy.attraction_by_mix": "variants of the fictional case, marked not personal",
    "casestudy.sample_sizes": "a selection of a marked table: the mark passes through",
    "datasets.Dataset.tables": "the data itself, for analyses",
    "coverage.supported": "which sections the data supports, marked not personal",
    "dataprofile.tables": "table sizes and date spans, marked not personal",
    "dataprofile.missing_values": "share of empty cells per column, marked not personal",
    "dataprofile.duplicates": "counts of repeated rows per table, marked not personal",
    "coverage.parameters_for": "which parameters fit the data's columns, marked not personal",
    "dataprofile.personal_columns": "the shape of personal columns (counts, shares, patterns), marked not personal",
    "dataprofile.sections": "which sections the data supports, marked not personal",
    "schema.type_attributes": "the data as typed",
    "schema.coerce_dates": "one column of the data as read, typed",
    "assignments.typed_history": "the data as read from a history, typed",
    "periodic.typed_snapshots": "the data as read from snapshots, typed",
    "assignments.from_history": "people and moves derived from the data, for loading",
    "assignments.moves_between": "the moves a history or snapshots say, for loading",
    "periodic.from_snapshots": "people and moves derived from the data, for loading",
    "rewrite.as_history": "the data itself written in another form",
    "rewrite.as_snapshots": "the data itself written in another form",
    "setaside.SetAside.take": "the data without its bad rows, for loading",
    "setaside.SetAside.frame": "the rows set aside, for the file the user names; never in a report",
    "schema.coerce_numbers": "one column of the data as read, typed",
    "privacy.nested_in": "which group names sit inside which: no counts",
    "oneday.to_people": "the data as read from a snapshot export",
    "flows.units_on": "per person, for analyses; never shown",
    "flows.FlowModel.project": "projected headcounts of the fitted model",
    "metrics.cohort": "per person, for analyses; never shown",
    "metrics.cohort_outcomes": "per person, for analyses; never shown",
    "network.attendance_flows": "per attendance, with ids, for analyses; never shown",
    "network.brokers": "per person, with ids; top_brokers is the gated view",
    "network.key_person_risk": "per person, with ids; key_people is the gated view",
    "network.communities": "counts and agreement scores, no group's figures",
    "network.graph_measures": "per person, with ids; top_brokers is the gated view",
    "network.by_betweenness": "per person, with ids; shown_brokers is the gated view",
    "collaboration.Collaboration.measures": "per person, with ids; top_brokers is the gated view",
    "timeline.in_period": "the data itself, the rows of a period",
    "asof.as_it_stood": "the data itself as it stood on a day, for loading",
    "compare.compare_runs": "numbers two runs recorded through their gates; each group's passes the larger "
                            "min_group of both again (compare._gated; tests/test_runs_over_time.py)",
    "series.changes_since_previous": "compare.compare_runs's comparison, gated there",
    "network.EdgeList.from_pairs": "the graph itself, for analyses",
    "network.EdgeList.from_graph": "the graph itself, for analyses",
    "collaboration.collaboration": "per tie, with ids, for analyses; never shown",
    "collaboration.meeting_ties": "per tie, with ids, for analyses; never shown",
    "privacy.suppress": "the gate itself",
    "privacy.suppress_matrix": "the gate itself (a mask)",
    "privacy.suppress_matrix_values": "the gate itself",
    "show.display_table": "formats a marked table for display",
    "labels.readable": "formats a table display_table has gated; hides what the gate flagged",
    "privacy.pseudonym": "pseudonyms of ids",
    "privacy.mask_ids": "pseudonyms of ids",
    "scenarios.run_scenario": "projections of the fitted model under levers",
    "scenarios.compare": "projections of the fitted model, marked not personal",
    "schema.read_table_file": "the data as read",
    "schema.validate_table": "the data as validated",
    "staffing.plan_staffing": "a plan for a hypothetical demand",
    "staffing.plan_applications": "plans for hypothetical demand, marked not personal",
    "stats.add_proportion": "adds columns to a given table",
    "stats.add_rate": "adds columns to a given table",
    "synth.generate": "the built-in data",
    "synth.generated": "the built-in data, kept on disk",
    "longhistory.generate_long_history": "a drawn organisation (people, one row each), for benchmarks and tests",
    "tenure.durations": "per person, for analyses; never shown",
    "spells.spells": "per person, for analyses; never shown",
    "spells.Spells.from_hire": "per person, for analyses; never shown",
    "spells.Spells.subset": "per person, for analyses; never shown",
    "spells.Spells.frame": "per person, for analyses; never shown",
    "tenure.at_horizon": "a selection of a marked table: the mark passes through",
    "textclf.load_texts": "the texts, for training",
    "textclf.split": "the texts, for training",
    "timeline.GroupCoder.labels": "a building block of the gated tables",
    "timeline.group_table": "a building block of the gated tables",
    "timeline.unit_at": "per person, for analyses; never shown",
    "timeline.employed_on": "per person, for analyses; never shown",
    "drivers.prepare": "per person, for analyses; never shown",
    "drivers.DriverData.features": "per person, for analyses; never shown",
    "drivers.person_texts": "per person, for analyses; never shown",
    "drivers.from_hire": "per person, for analyses; never shown",
    "drivers.binned": "per person, for analyses; never shown",
    "drivers.design": "per person, for analyses; never shown",
    "drivers.compare_models": "model scores marked not personal; the per-person risk is never shown",
    "drivers.highest_risk": "pseudonyms, and only when show_ids allows it",
    "drivers.km_top": "a list of gated km_by results",
    "drivers.Screening.levels_of": "a selection of a marked table: the mark passes through",
    "drivers.Screening.standout": "a selection of a marked table, marked again with its min_group",
    "datasets.Dataset.dated_events": "each hire, exit and move day, for a period's activity; never shown",
    "personal.birth_years": "a person's year of birth, one value a person, never shown",
    "personal.decade_bands": "counts by band, gated by their one caller (dataprofile.birth_bands)",
    "privacy.protecting_rows": "a mask of a gated table's rows",
    "privacy.concat_gated": "gated tables stacked, marked again with their min_group",
    "pooling.apply_pooling": "a person's value with pooled levels relabelled: one value a person, no group counts",
    "pooling.pool_levels": "a person's value with pooled levels relabelled: one value a person, no group counts",
    "pooling.with_parent_moves": "the moves table with each parent unit looked up: one row a move",
    "drivers.CoxResult.top": "a selection of a marked table: the mark passes through",
    "textclf.Settings.table": "settings of a model, marked not personal",
    "ladder.plan": "run-time estimates of models, marked not personal",
    "ladder.run": "model scores marked not personal; per-text scores are shown only through show_private",
    "ladder.fold_indices": "row numbers of folds, for training",
    "ladder.LadderResult.row": "a selection of a marked table: the mark passes through",
    "ladder.LadderResult.examples": "texts and scores, shown only through show_private",
    "ladder.LadderResult.settings_table": "settings of models, marked not personal",
}
ANALYSIS_MODULES = ["casestudy", "collaboration", "drivers", "flows", "ladder", "metrics", "network", "scenarios", "spells",
                    "staffing", "core.stats", "tenure", "textclf", "data.timeline"]
TABLE_TYPES = re.compile(r"DataFrame|Series|Spells|TenureCurves|KeyPeople|PersonRisk|Comparison|StaffingPlans|Communities|"
                         r"DriverData|Screening|CoxResult|LadderResult|Collaboration|EdgeList|Silos|Departures")


def public_functions(module_name: str):
    module = importlib.import_module(f"talentkit.{module_name}")
    for name, obj in vars(module).items():
        home = getattr(obj, "__module__", None) or ""
        if name.startswith("_") or (home != module.__name__ and not home.startswith(module.__name__ + "._")):
            continue
        if inspect.isfunction(obj):
            yield f"{short_name(module_name)}.{name}", obj
        elif inspect.isclass(obj):
            for attr, fn in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(fn):
                    yield f"{short_name(module_name)}.{name}.{attr}", fn


def gated_names() -> set[str]:
    return {f"{face_of(f.__module__)}.{f.__qualname__}" for f in privacy.GROUPED}


def test_every_public_table_function_is_gated_or_named_with_a_reason():
    for name in MODULES:
        importlib.import_module(f"talentkit.{name}")
    gated, missing, unannotated = gated_names(), [], []
    for module_name in MODULES:
        for name, fn in public_functions(module_name):
            returns = inspect.signature(fn).return_annotation
            if returns is inspect.Signature.empty:
                if module_name in ANALYSIS_MODULES:
                    unannotated.append(name)
                continue
            if TABLE_TYPES.search(str(returns)) and name not in gated and name not in UNGATED:
                missing.append(name)
    assert not unannotated, f"analysis functions must state what they return: {unannotated}"
    assert not missing, f"grouped output without the privacy gate: {missing}; decorate with @privacy.grouped " \
                        "(and take min_group) or, if it is not about groups of people, add it to UNGATED with why"
    assert not set(UNGATED) & gated
    full = {short_name(m): m for m in MODULES}
    for name in gated:
        module, _, qualname = name.partition(".")
        fn = importlib.import_module(f"talentkit.{full[module]}")
        for part in qualname.split("."):
            fn = getattr(fn, part)
        assert inspect.signature(fn).parameters["min_group"].default == privacy.MIN_GROUP, name


def _gated_calls(ds, tmp_path):
    """One call of every gated function, on the small synthetic data."""
    from talentkit import (
        casestudy,
        collaboration,
        dataprofile,
        drivers,
        flows,
        metrics,
        network,
        spells,
        tenure,
        textclf,
    )

    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")
    model = flows.FlowModel("region").fit(ds, 2022, 2024)
    f = network.attendance_flows(ds, start, end)
    g = network.person_graph(f)
    risk = network.key_person_risk(g, f, 3).table
    scored = ds.texts.assign(y=(ds.texts["label"] == "stayed").astype(int), p=0.5).dropna(subset=["employee_id"])
    scored = scored.merge(ds.people[["employee_id", "region"]], on="employee_id")
    result = {"test_predictions": scored}
    people = drivers.prepare(ds, text_task="pulse")
    models = drivers.compare_models(people, folds=3, repeats=1)
    collab = collaboration.collaboration(ds, start, end)
    return {
        "collaboration.unit_matrix": lambda: collaboration.unit_matrix(collab),
        "collaboration.unit_mixing": lambda: collaboration.unit_mixing(collab),
        "collaboration.silos": lambda: collaboration.silos(collab),
        "collaboration.communities_vs_units": lambda: collaboration.communities_vs_units(collab),
        "collaboration.top_brokers": lambda: collaboration.top_brokers(collab, ds),
        "collaboration.departures": lambda: collaboration.departures(collab, ds),
        "collaboration.by_quarter": lambda: collaboration.by_quarter(ds),
        "drivers.screen": lambda: drivers.screen(people),
        "drivers.km_by": lambda: drivers.km_by(people, "level"),
        "drivers.hazard_by_tenure": lambda: drivers.hazard_by_tenure(people),
        "drivers.cox": lambda: drivers.cox(people),
        "drivers.odds_ratios": lambda: drivers.odds_ratios(people, n_boot=5),
        "drivers.risk_by_group": lambda: drivers.risk_by_group(models, people, "region"),
        "drivers.fairness": lambda: drivers.fairness(models, people, "origin", n_boot=20),
        "dataprofile.categories": lambda: dataprofile.categories(ds),
        "dataprofile.birth_bands": lambda: dataprofile.birth_bands(ds),
        "dataprofile.numbers": lambda: dataprofile.numbers(ds),
        "metrics.article_metrics": lambda: metrics.article_metrics(ds, start, end),
        "metrics.workforce": lambda: metrics.workforce(ds, start, end, "region"),
        "metrics.funnel": lambda: metrics.funnel(ds),
        "metrics.sharing": lambda: metrics.sharing(ds, start, end),
        "metrics.team_composition": lambda: metrics.team_composition(ds),
        "tenure.km_curves": lambda: tenure.km_curves(ds, "region"),
        "tenure.retention_table": lambda: tenure.retention_table(ds, "region"),
        "spells.level_sizes": lambda: spells.level_sizes(ds.people["region"], privacy.MIN_GROUP, "region", people=ds.people),
        "casestudy.movers_and_leavers": lambda: casestudy.movers_and_leavers(ds, start, end, "US"),
        "casestudy.destinations": lambda: casestudy.destinations(ds, start, end, "US"),
        "casestudy.sharing_by_team": lambda: casestudy.sharing_by_team(ds, "US", start, end),
        "flows.FlowModel.transitions": lambda: model.transitions(),
        "flows.FlowModel.table": lambda: model.table(),
        "flows.FlowModel.expected_years": lambda: model.expected_years(),
        "flows.backtest": lambda: flows.backtest(ds, 2025),
        "network.flow_matrix": lambda: network.flow_matrix(f),
        "network.trend": lambda: network.trend(ds),
        "network.flow_lost_by_topic": lambda: network.flow_lost_by_topic(risk, f),
        "network.shown_people": lambda: network.shown_people(network.brokers(g), ds),
        "network.top_brokers": lambda: network.top_brokers(g, ds),
        "network.shown_brokers": lambda: network.shown_brokers(network.brokers(g), ds),
        "network.key_people": lambda: network.key_people(g, f, ds, top_k=3),
        "textclf.estimates_by_group": lambda: textclf.estimates_by_group(scored, "region"),
        "textclf.estimates_linked": lambda: textclf.estimates_linked(result["test_predictions"], "synthetic:small"),
        **_survey_calls(ds),
        **_market_calls(ds),
        **_impact_calls(ds),
    }


def _survey_calls(ds):
    """One call of every gated function of the survey package, on the built-in survey."""
    from talentkit import survey

    read = survey.read("synthetic", people=ds)
    first = str(read.waves["wave"].iloc[0])
    return {
        "survey.item_scores": lambda: survey.item_scores(read),
        "survey.group_scores": lambda: survey.group_scores(read, "team"),
        "survey.heatmap": lambda: survey.heatmap(read, "region"),
        "survey.enps_scores": lambda: survey.enps_scores(read, group_by="region"),
        "survey.response_rates": lambda: survey.response_rates(read, "team", survey.linked_headcount(read, ds, "team")),
        "survey.reliability": lambda: survey.reliability(read),
        "survey.key_drivers": lambda: survey.key_drivers(read, resamples=10),
        "survey.drivers_by_group": lambda: survey.drivers_by_group(read, "region"),
        "survey.comment_themes": lambda: survey.comment_themes(read),
        "survey.change_since": lambda: survey.change_since(read, group_by="region"),
        "survey.turnover_after": lambda: survey.turnover_after(read, ds, "region", first),
    }


def _market_calls(ds):
    """One call of every gated function of the market package, on the built-in market."""
    from talentkit import market

    read = market.read("synthetic", people=ds)
    moved = market.moves(read)
    ties = market.institution_ties(read)
    return {
        "market.talent_by": lambda: market.talent_by(read, "country"),
        "market.talent_over_years": lambda: market.talent_over_years(read, "sector"),
        "market.growth": lambda: market.growth(read, "country"),
        "market.flow_matrix": lambda: market.flow_matrix(moved, "sector"),
        "market.net_gain": lambda: market.net_gain(moved, "institution"),
        "market.ties_of": lambda: market.ties_of(ties, "Lumen AI"),
        "market.institution_network": lambda: market.institution_network(read, ties),
        "market.standing": lambda: market.standing(read, "Lumen AI", resamples=10),
        "market.newcomers": lambda: market.newcomers(moved, ["Lumen AI"], "country"),
        "market.partners": lambda: market.partners(read, moved, "Lumen AI"),
    }


def _impact_calls(ds):
    """One call of every gated function of the impact package, on the built-in programmes."""
    from talentkit import impact

    planted, table = impact.read_programmes("synthetic", ds)
    plan = impact.design(impact.outcome_panel(planted, "team", "turnover", "quarter"), table, "manager training")
    return {
        "impact.design": lambda: plan,
        "impact.estimate": lambda: impact.estimate(plan, resamples=99),
        "impact.synthetic_control": lambda: impact.synthetic_control(plan) or plan,
    }


def test_every_gated_function_returns_a_marked_result(tmp_path):
    ds = tk.load("synthetic:small")
    calls = _gated_calls(ds, tmp_path)
    assert set(calls) == gated_names(), "each gated function needs a call here"
    gates = {"survey.comment_themes": 10}  # comments: 10 distinct respondents, the vendors' rule, not min_group
    for name, call in calls.items():
        out = call()  # the gate itself raises PrivacyError on an unmarked result
        assert privacy.marked_min_group(out) == gates.get(name, privacy.MIN_GROUP), name


def test_the_gate_refuses_a_function_without_min_group_or_an_unmarked_result():
    with pytest.raises(TypeError, match="must take min_group"):
        privacy.grouped(lambda table: table)

    def leaky(min_group: int = privacy.MIN_GROUP):
        return pd.DataFrame({"team": ["a"], "n": [1]})

    with pytest.raises(PrivacyError, match="not passed the small-group gate"):
        privacy.grouped(leaky)()
    privacy.GROUPED.pop()  # the test's own function is not part of the package


def test_record_styled_and_plots_refuse_an_unmarked_grouped_table():
    from talentkit import plots

    raw = pd.DataFrame({"team": ["a", "b"], "n": [2, 40], "turnover_annual": [0.5, 0.1]})
    with pytest.raises(PrivacyError, match=r"record\('turnover'\)"):
        tk.record("turnover", raw)
    with pytest.raises(PrivacyError):
        tk.record("turnover", raw["turnover_annual"])
    with pytest.raises(PrivacyError):
        show.styled(raw)
    with pytest.raises(PrivacyError, match="plots.kpi_bars"):
        plots.kpi_bars(raw, "team", "turnover_annual")
    gated = privacy.suppress(raw, ["team"], 5, not_nested="a test's own table")
    assert tk.record("turnover", gated) is gated and privacy.marked_min_group(gated[["team", "n"]]) == 5
    shown = tk.results()["turnover"]
    assert shown["rows"][0][1] is None  # the group of 2 reached results as hidden
    assert tk.record("scores", privacy.not_personal(pd.DataFrame({"f1": [0.8]}), "model scores")) is not None


# --------------------------------------------------------------------------- layers and names

# Each module may import modules of lower layers only (ARCHITECTURE.md draws them).
LAYERS = {
    "core.errors": 0,
    "core.dates": 1, "core.files": 1, "core.labels": 1, "core.markup": 1, "core.measures": 1, "data.numbers": 1,
    "data.personal": 1, "core.pooling": 1, "data.setaside": 1, "core.stats": 1, "data.synth": 1, "core.theme": 1,
    "data.longhistory": 1, "data.synthsurvey": 1, "data.institutions": 1, "data.synthmarket": 1,
    "data.synthprogrammes": 1, "data.programmes": 4,
    "runs.browser": 2, "runs.forkserver": 2, "core.yamlfile": 2, "core.privacy": 2, "runs.runrecord": 2,
    "data.schema": 2, "data.oneday": 2,
    "data.asof": 3, "runs.compare": 3, "data.assignments": 3, "data.periodic": 4, "data.mapping": 3, "core.results": 3,
    "runs.runfile": 3, "runs.render": 3,
    "data.datasets": 5, "runs.series": 4,
    "data.timeline": 6, "runs.kernels": 5, "coverage": 6,
    "data.rewrite": 7, "spells": 7, "data.responses": 7, "data.research": 4,
    "dataprofile": 8, "metrics": 8, "tenure": 8, "flows": 8, "network": 8, "staffing": 8, "textclf": 8, "runs.cluster": 8,
    "casestudy": 9, "collaboration": 9, "drivers": 9, "ladder": 9, "scenarios": 9, "runs.runner": 9,
    "show": 10, "plots": 10, "summaries": 10, "survey": 10, "market": 10, "impact": 10,
    "widgets": 11, "exercises": 11, "cli": 11,
    "__main__": 12,
}
# What each room may import (the face above it all is talentkit/__init__.py): core imports no other room; data
# and runs import only core; the analyses and what a notebook shows import core and data; only the command line
# imports runs.
MAY_IMPORT = {"core": {"core"}, "data": {"core", "data"}, "runs": {"core", "runs"}, "top": {"core", "data", "top"},
              "cli": {"core", "data", "runs", "top", "cli"}}


def package_imports(path: Path) -> list[tuple[str, list[str], int]]:
    """``(module, names, line)`` of each import from the package in ``path``, relative or
    absolute, anywhere in the file (``if __name__ == "__main__"`` blocks and function bodies
    too), ``module`` resolved to its full name (``talentkit.drivers._population``)."""
    here = module_of(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "talentkit"]
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = ".".join(package[:len(package) - node.level + 1])
            if node.module:
                out.append((f"{base}.{node.module}", [a.name for a in node.names], node.lineno))
            else:  # from . import render: each name is a module of that package
                out += [(f"{base}.{a.name}", [], node.lineno) for a in node.names]
        elif node.module and node.module.split(".")[0] == "talentkit":
            out.append((node.module, [a.name for a in node.names], node.lineno))
    # `from talentkit import plots` / `from ..core import pooling`: each name is a module of the package
    folders = {"talentkit", *(f"talentkit.{room}" for room in ROOMS)}
    return [entry for target, names, line in out
            for entry in ([(f"{target}.{n}", [], line) for n in names] if target in folders else
                          [(target, names, line)])]


def top_module(module: str) -> str:
    """``talentkit.drivers._population`` -> ``drivers``; ``talentkit.core.privacy`` -> ``core.privacy``."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] in ROOMS:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else module


def room_of(module_name: str) -> str:
    """``core.privacy`` -> ``core``; ``cli`` and ``__main__`` -> ``cli``; an analysis -> ``top``."""
    if "." in module_name:
        return module_name.split(".")[0]
    return "cli" if module_name in ("cli", "__main__") else "top"


def own_files():
    """Every file but the faces: the package's (above every layer) and each room's (a docstring)."""
    faces = {PACKAGE / "__init__.py", *(PACKAGE / room / "__init__.py" for room in ROOMS)}
    return [path for path in FILES if path not in faces]


def test_modules_import_only_lower_layers():
    assert set(LAYERS) == set(MODULES), "every module has a layer (and ARCHITECTURE.md shows it)"
    wrong = []
    for path in own_files():
        own = top_module(module_of(path))
        for target, _, line in package_imports(path):
            top = top_module(target)
            if top != own and LAYERS[top] >= LAYERS[own]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} (layer {LAYERS[top]} >= {LAYERS[own]})")
    assert not wrong, wrong
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert all(f"`{short_name(name)}`" in architecture for name in MODULES)


def folder_rule_breaks(files: list[Path]) -> list[str]:
    """Each import in ``files`` that crosses rooms against :data:`MAY_IMPORT`."""
    wrong = []
    for path in files:
        own = room_of(top_module(module_of(path)))
        for target, _, line in package_imports(path):
            if target in ("talentkit", *(f"talentkit.{room}" for room in ROOMS)):
                continue
            theirs = room_of(top_module(target))
            if theirs not in MAY_IMPORT[own]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {target} ({theirs})")
    return wrong


def test_each_room_imports_only_what_its_rule_allows():
    """core imports no other room; data and runs import only core; only cli and __main__ import runs."""
    assert folder_rule_breaks(own_files()) == []
    assert {room_of(top_module(module_of(p))) for p in own_files()} == {"core", "data", "runs", "top", "cli"}


def test_the_folder_rule_finds_a_crossing(tmp_path, monkeypatch):
    """An import of runs from an analysis, of data from core, or of an analysis from data is found."""
    crossings = {"core/x.py": "from ..data import datasets\n", "data/y.py": "from ..flows import FlowModel\n",
                 "metrics.py": "from .runs.render import render_report\n", "runs/z.py": "from ..data.mapping import Mapping\n"}
    files = []
    for rel, text in crossings.items():
        path = tmp_path / "talentkit" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files.append(path)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = folder_rule_breaks(files)
    assert len(found) == 4, found
    assert "talentkit/core/x.py:1 (core) imports talentkit.data.datasets (data)" in found


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the modules it imports (a package's ``__init__`` for
    the package itself)."""
    known = {module_of(p) for p in FILES}
    graph = {}
    for path in FILES:
        targets = set()
        for target, names, _ in package_imports(path):
            # `from .x import y` imports x, and y too where y is a module of x
            targets |= {t for t in [target, *(f"{target}.{n}" for n in names)] if t in known}
            parent = target.rsplit(".", 1)[0]
            if target not in known and parent in known:
                targets.add(parent)
        graph[module_of(path)] = targets - {module_of(path)}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of imports in ``graph`` (depth-first search), or ``[]``."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_no_module_imports_itself_round_a_cycle():
    """Across packages and within them, ``__main__`` blocks and lazy imports included."""
    graph = import_graph()
    assert graph["talentkit.__main__"] == {"talentkit.cli"}
    assert "talentkit.drivers._screening" in graph["talentkit.drivers"]
    assert find_cycle(graph) == [], " -> ".join(find_cycle(graph))
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]  # the search finds one


def test_no_module_uses_another_modules_private_names():
    found = []
    for path in FILES:
        name = path.relative_to(ROOT)
        modules_here = set()
        for target, names, line in package_imports(path):
            found += [f"{name}:{line} imports {target}.{n}" for n in names if n.startswith("_")]
            modules_here.update(n for n in names if n in {short_name(m) for m in MODULES})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules_here \
                    and node.attr.startswith("_") and not node.attr.startswith("__"):
                found.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not found, found


FUNCTION_LINES = 80  # a longer function does several jobs: give each a name


def test_no_function_in_the_package_is_longer_than_a_screen():
    long = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in FILES for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > FUNCTION_LINES]
    assert not long, long


PACKAGE_MODULE_LINES = 350  # a module of a package holds one concern


def test_the_modules_of_a_package_hold_one_concern_each():
    big = [f"{p.relative_to(ROOT)}: {len(p.read_text(encoding='utf-8').splitlines())} lines" for p in FILES
           if p.parent != PACKAGE and p.parent.name not in ROOMS  # a room's module is a concern of its own already
           and len(p.read_text(encoding="utf-8").splitlines()) > PACKAGE_MODULE_LINES]
    assert not big, big


def test_every_deliberate_raise_is_a_kit_error():
    bare = [f"{p.relative_to(ROOT)}:{node.lineno}" for p in FILES for node in ast.walk(ast.parse(p.read_text()))
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
            and getattr(node.exc.func, "id", None) in ("ValueError", "KeyError", "RuntimeError")]
    assert not bare, f"raise a talentkit.core.errors class (ParameterError, ...) instead: {bare}"


# --------------------------------------------------------------------------- no repeated blocks

FSTRING_PARTS = {getattr(tokenize, n) for n in ("FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}
STRING_START = {tokenize.STRING} | {getattr(tokenize, n) for n in ("FSTRING_START",) if hasattr(tokenize, n)}
SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
           tokenize.ENDMARKER}


def line_shapes(path: Path) -> list[tuple[int, str, bool]]:
    """Each physical line as ``(line, shape, is_code)``: names, strings and numbers replaced by
    placeholders, keywords and operators kept. Blank and comment lines, lone punctuation and
    import lines are left out (as the ``duplicates`` tool does); ``is_code`` is false for a
    line of literals only (data) and for a field declaration (``name: type = default``)."""
    import keyword

    text = path.read_text(encoding="utf-8")
    imports = {line for node in ast.walk(ast.parse(text)) if isinstance(node, (ast.Import, ast.ImportFrom))
               for line in range(node.lineno, node.end_lineno + 1)}
    by_line: dict[int, list[str]] = defaultdict(list)
    names: dict[int, int] = defaultdict(int)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in SKIPPED or tok.start[0] in imports:
            continue
        line = tok.start[0]
        if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
            by_line[line].append("N")
            names[line] += 1
        elif tok.type in STRING_START:
            by_line[line].append("S")
        elif tok.type == tokenize.NUMBER:
            by_line[line].append("0")
        elif tok.type in FSTRING_PARTS:
            continue
        else:
            by_line[line].append(tok.string)
    out = []
    for line, parts in sorted(by_line.items()):
        shape = " ".join(parts)
        if not any(c.isalnum() for c in shape):
            continue
        declaration = re.fullmatch(r"N : [N.\[\]|, ]+( = .*)?", shape)  # a dataclass field: no logic
        out.append((line, shape, not declaration and (names[line] > 0 or any(keyword.iskeyword(p) for p in parts))))
    return out


def repeated_blocks(paths: list[Path]) -> list[str]:
    """Places where six lines of code repeat the shape of six earlier ones (across files, or
    further down the same file)."""
    seen: dict[tuple, tuple[str, int]] = {}
    repeats = []
    for path in paths:
        shapes = line_shapes(path)
        for i in range(len(shapes) - 5):
            window = shapes[i:i + 6]
            if sum(code for _, _, code in window) < 4:  # data literals (phrase lists), not code
                continue
            key = tuple(s for _, s, _ in window)
            # a module of a sub-package by its folder too: drivers/_screening.py
            name = f"{path.parent.name}/{path.name}" if path.parent.parent == PACKAGE else path.name
            if key in seen and (seen[key][0] != name or window[0][0] - seen[key][1] >= 6):
                repeats.append(f"{name}:{window[0][0]} repeats {seen[key][0]}:{seen[key][1]}")
            seen.setdefault(key, (name, window[0][0]))
    return repeats


def test_no_block_of_six_lines_repeats_in_the_package():
    repeats = repeated_blocks(FILES)
    assert not repeats, repeats


def test_a_repeated_block_with_other_names_is_found(tmp_path):
    body = """def share(table, k, n):
    with np.errstate(divide="ignore"):
        table[k] = table[k] / table[n]
    lo, hi = interval(table[k], table[n])
    table["lo"], table["hi"] = lo, hi
    return table.dropna(subset=[k])
"""
    (tmp_path / "a.py").write_text(body)
    (tmp_path / "b.py").write_text(body.replace("share", "rate").replace("table", "frame").replace('"lo"', '"low"'))
    assert repeated_blocks([tmp_path / "a.py", tmp_path / "b.py"]) == ["b.py:1 repeats a.py:1"]


# --------------------------------------------------------------------------- recorded results

VOLATILE = {"train_seconds"}  # wall-clock time, not a result (nor is any key ending in _seconds)
# Floating point's last bits depend on the processor: numpy and OpenBLAS pick their kernels
# (SIMD width, summation blocks) by what the chip offers, so the same code gives, say,
# 0.3647512311654739 on one machine and 0.36475123116547387 on another, and a cost that
# cancels to 0.0 there leaves 1.5e-08 here (a difference of two sums of 26 million). Every
# number is therefore compared to 1e-9 relative, or 1e-7 absolute near zero; a real change
# moves far more. The fine-tuned model's scores go through torch's CPU kernels and the boosted
# model's sums run on threads: those jobs are compared to 1e-6 relative.
RELATIVE, ABSOLUTE = 1e-9, 1e-7
TOLERANT_JOBS = {"02_finetune": 1e-6, "06_drivers": 1e-6}


def differences(before, after, path: str = "", rel: float = 0.0, abs_: float = 0.0) -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        out = [f"{path}/{k}: only in one" for k in set(before) ^ set(after)]
        for k in sorted(set(before) & set(after)):
            out += differences(before[k], after[k], f"{path}/{k}", rel, abs_)
        return out
    if isinstance(before, list) and isinstance(after, list):
        out = [f"{path}: {len(before)} items, now {len(after)}"] if len(before) != len(after) else []
        for i, (b, a) in enumerate(zip(before, after)):
            out += differences(b, a, f"{path}[{i}]", rel, abs_)
        return out
    if isinstance(before, float) and isinstance(after, float) and \
            math.isclose(before, after, rel_tol=rel, abs_tol=abs_):
        return []
    return [] if before == after else [f"{path}: {before!r}, now {after!r}"]


def check_against_stored(run_dir: Path, run: str, jobs: list[str]) -> None:
    stored = json.loads((ROOT / "tests" / "recorded" / f"{run}.json").read_text(encoding="utf-8"))
    found = []
    for job in jobs:
        now = json.loads((run_dir / job / "results.json").read_text(encoding="utf-8"))
        now = {k: v for k, v in now.items() if k not in VOLATILE and not k.endswith("_seconds")}
        found += [f"{job}{d}" for d in differences(stored[job], now, rel=TOLERANT_JOBS.get(job, RELATIVE), abs_=ABSOLUTE)]
    assert not found, "recorded results changed:\n" + "\n".join(found[:40])


@pytest.mark.slow
def test_the_smoke_run_records_what_it_recorded_before(smoke):
    check_against_stored(smoke, "smoke", ["01_metrics", "02_finetune", "03_case_study", "04_scenarios",
                                          "05_network", "06_drivers"])


@pytest.mark.slow
def test_the_default_run_records_what_it_recorded_before(tmp_path):
    """The default run's jobs on the full synthetic dataset, but the text models (checked in
    process by test_ladder, see ARCHITECTURE.md)."""
    import yaml

    from talentkit.runs import runner

    run = yaml.safe_load((ROOT / "params" / "default.yaml").read_text(encoding="utf-8"))
    run["jobs"] = [dict(j, notebook=str(ROOT / j["notebook"])) for j in run["jobs"] if "02_finetune" not in j["notebook"]]
    run_file = tmp_path / "default.yaml"
    run_file.write_text(yaml.safe_dump(run), encoding="utf-8")
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False)
    assert code == 0
    check_against_stored(run_dir, "default", ["01_metrics", "03_case_study", "04_scenarios", "05_network",
                                              "06_drivers"])
    from test_scale import report_problems

    assert not report_problems(run_dir)  # nothing a library printed, no snake_case axis label


def test_the_comparison_can_fail():
    assert differences({"a": [1.0, {"b": 2}]}, {"a": [1.0, {"b": 2.0000001}]}) == ["/a[1]/b: 2, now 2.0000001"]
    assert not differences({"a": 0.1 + 0.2}, {"a": 0.3}, rel=1e-6)
    # the stored comparison: a processor's last bits pass, a change in the seventh digit does not
    assert not differences([0.3647512311654739, 0.0], [0.36475123116547387, 1.4901161193847656e-08], rel=RELATIVE,
                           abs_=ABSOLUTE)
    assert differences([0.3647512], [0.3647515], rel=RELATIVE, abs_=ABSOLUTE) == ["[0]: 0.3647512, now 0.3647515"]
    assert differences([0.0], [2e-7], rel=RELATIVE, abs_=ABSOLUTE) == ["[0]: 0.0, now 2e-07"]


# --------------------------------------------------------------------------- start-up cost

HEAVY_IMPORTS = ("torch", "transformers", "sentence_transformers", "distributed")


NOT_TEXT = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith("02_"))
# One interpreter imports what every notebook imports first (talentkit.coverage) and the
# libraries the kit's modules share, having checked that they load none of the heavy ones; it
# then forks a child per notebook that imports the notebook's own modules: each notebook is
# checked alone, as in a kernel of its own, for one interpreter's start-up rather than one each.
FORKED_IMPORTS = """
import json, os, sys
import IPython.display, lifelines, matplotlib.pyplot, networkx, pandera.pandas, scipy.stats, seaborn, sklearn
import talentkit.coverage
assert not [m for m in HEAVY if m in sys.modules], [m for m in HEAVY if m in sys.modules]
found = {}
for notebook, imports in json.loads(sys.argv[1]).items():
    read, write = os.pipe()
    if os.fork() == 0:  # the child: never back into the loop, whatever its imports raise
        try:
            exec(imports)
            said = sorted(m for m in HEAVY if m in sys.modules)
        except BaseException as error:
            said = f"its imports failed: {error!r}"
        finally:
            os.write(write, json.dumps(said).encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        found[notebook] = json.loads(pipe.read())
    os.wait()
print(json.dumps(found))
"""


STAND_IN = "a stand-in notebook importing wave"


@pytest.fixture(scope="module")
def heavy_imports_by_notebook() -> dict:
    import subprocess
    import sys

    imports = {}
    for notebook in NOT_TEXT:
        cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
        imports[notebook] = "\n".join(line for c in cells if c["cell_type"] == "code"
                                      for line in "".join(c["source"]).splitlines()
                                      if re.match(r"(from talentkit|import talentkit)", line))
    imports[STAND_IN] = "import wave"
    code = f"HEAVY = {(*HEAVY_IMPORTS, 'wave')!r}\n{FORKED_IMPORTS}"
    out = subprocess.run([sys.executable, "-c", code, json.dumps(imports)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return {"imports": imports, "heavy": json.loads(out.stdout)}


@pytest.mark.parametrize("notebook", NOT_TEXT)
def test_a_notebook_without_text_models_imports_no_deep_learning_library(notebook, heavy_imports_by_notebook):
    """The kit's modules that a notebook imports in its set-up cell load neither PyTorch nor
    transformers (about 4 s a kernel) nor Dask: only 02 needs them, and 06 only when its text
    score comes from the sentence encoder, which imports them when asked."""
    assert heavy_imports_by_notebook["imports"][notebook], notebook
    assert heavy_imports_by_notebook["heavy"][notebook] == [], notebook


def test_the_import_check_sees_a_library_a_notebook_loads(heavy_imports_by_notebook):
    """The forked check reports a library a notebook's imports load, in that notebook's child
    alone: a stand-in notebook that imports ``wave`` (the standard library's, loaded by nothing
    of the kit) is caught, and no real notebook inherits it."""
    assert heavy_imports_by_notebook["heavy"][STAND_IN] == ["wave"]


def test_every_module_is_reachable_as_an_attribute_of_the_package():
    """``tk.drivers`` works in a fresh interpreter that imported nothing else (it raised
    AttributeError until something imported the module)."""
    import subprocess
    import sys

    names = ", ".join(f"tk.{name}" for name in [*MODULES, *tk.SHORT_NAMES] if name != "__main__" and "." not in name)
    done = subprocess.run([sys.executable, "-c", f"import talentkit as tk; {names}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


# --------------------------------------------------------------------------- docstrings

DOCUMENTED_MODULES = ("drivers", "tenure", "spells")  # numpy-style sections on what the notebooks call


def notebook_calls() -> set[tuple[str, str]]:
    """``(module, function)`` of every ``module.function(`` call in the notebooks."""
    found = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                found |= set(re.findall(r"\b([a-z_]+)\.([a-z_]+)\(", "".join(cell["source"])))
    return found


def test_the_analyses_a_notebook_calls_document_parameters_and_returns():
    missing, checked = [], 0
    for module_name, name in sorted(notebook_calls()):
        if module_name not in DOCUMENTED_MODULES:
            continue
        doc = inspect.getdoc(getattr(importlib.import_module(f"talentkit.{module_name}"), name)) or ""
        checked += 1
        if "Parameters\n----------" not in doc or "Returns\n-------" not in doc:
            missing.append(f"{module_name}.{name}")
    assert checked >= 10 and not missing, f"numpy-style Parameters and Returns sections missing: {missing}"
