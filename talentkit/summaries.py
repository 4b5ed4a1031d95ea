"""What the numbers say, in sentences: each notebook's summary, filled from computed values.

Every sentence is a template filled by :func:`talentkit.core.markup.md` (values escaped), so a
summary never carries a typed number or markup from the data. The choices a summary
makes (which sentences apply, which group is highest) live here, where tests reach them;
the notebooks only call these functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core.markup import md, percent
from .core.privacy import SUPPRESSED, marked_min_group
from .data.synthprogrammes import BONUS_KEEPS
from .data.timeline import months_between, period_label
from .metrics import extremes


def data_summary(ds, start, end):
    """The dataset in a sentence: source, people, first hire, as-of date, tables and the period."""
    summary = ds.summary()
    tables = ", ".join(f"{k} ({v:,} rows)" for k, v in summary["rows"].items())
    if not summary["first_hire"]:  # a people list without dates (a roster): no period to state
        return md("**Data**: {source} ({form} form), {people:,} people, without hire or exit dates{as_of}; tables: "
                  "{tables}. **Period analysed**: none (the sections that need dates are skipped).",
                  source=summary["source"], form=summary["form"], people=summary["rows"]["people"], tables=tables,
                  as_of=f", its dated records to {summary['as_of']}" if summary["as_of"] else "")
    return md("**Data**: {source} ({form} form), {people:,} people hired from {first_hire}, described as of {as_of}; "
              "tables: {tables}. **Period analysed**: {period} ({months:.0f} months).",
              source=summary["source"], form=summary["form"], people=summary["rows"]["people"], first_hire=summary["first_hire"],
              as_of=summary["as_of"], tables=tables, period=period_label(start, end),
              months=months_between(start, end))


def metrics_summary(start, end, overall: pd.Series, article: pd.DataFrame, cohort: tuple, kpi: pd.DataFrame,
                    group_by: str, acceptance: pd.DataFrame | None):
    """Notebook 01's summary: headcount, turnover, retention, internal fill, the article's
    four on the cohort, the groups with the highest and lowest turnover, offer acceptance.
    Sections the data did not support (``None``) leave their sentence out."""
    hi_group, lo_group = extremes(kpi, group_by, "turnover_annual") if kpi is not None else (None, None)
    lines = [
        "* Over {period}, average headcount was **{headcount:,.0f}**; annualized turnover was **{turnover}** "
        "(95% interval {turnover_lo}–{turnover_hi}), of which voluntary {voluntary}.",
    ]
    if pd.notna(overall["internal_fill_share"]):
        lines.append("* Period retention was **{retention}**; {internal} of positions were filled internally.")
    else:
        lines.append("* Period retention was **{retention}**.")
    if article is not None:
        lines.append("* The article's numbers on the cohort hired {cohort_start:%Y-%m-%d} to {cohort_end:%Y-%m-%d}: "
                     "A = {A:.2f}, R = {R:.2f}, F = {F:.2f}, S = {S:.2f}.")
    if hi_group is not None:
        lines.append("* Among {group_by}s shown, turnover is highest in **{hi_group}** and lowest in **{lo_group}**.")
    if acceptance is not None:
        lines.append("* Offer acceptance over all channels: **{acceptance}**.")
    return md("\n".join(lines), period=period_label(start, end), headcount=overall["avg_headcount"],
              turnover=percent(overall["turnover_annual"]), turnover_lo=percent(overall["turnover_annual_lo"]),
              turnover_hi=percent(overall["turnover_annual_hi"]),
              voluntary=percent(overall["voluntary_turnover_annual"]), retention=percent(overall["period_retention"]),
              internal=percent(overall["internal_fill_share"]), cohort_start=(cohort or (None, None))[0],
              cohort_end=(cohort or (None, None))[1],
              **(article["value"].to_dict() if article is not None else {}), group_by=group_by, hi_group=hi_group,
              lo_group=lo_group,
              acceptance=percent(acceptance.iloc[0]["offer_acceptance"]) if acceptance is not None else "")


def ladder_setup(result) -> str:
    """Notebook 02's first lines: the texts, how models are judged, the time plan's outcome."""
    ran = result.plan[result.plan["runs"]]
    skipped = result.plan[~result.plan["runs"]]
    line = ("**{n:,} texts** from {groups:,} writers, positive label **{positive}** ({share} of texts), "
            "{language}. Judged by {evaluation}; each model's decision threshold is tuned on dev rows "
            "inside each training fold. Models run: {ran}.")
    if len(skipped):
        line += " Not run: {skipped}."
    if result.empty_texts:
        line += " Left out: {empty:,} empty texts of {read:,} rows."
    planned, took = ran["estimated_seconds"].sum(), ran["actual_seconds"].sum()
    if result.time_budget is not None and ran["actual_seconds"].notna().all():
        line += (" Planned {planned:,.0f} s of the {budget:,.0f} s budget ({how}); the models took {took:,.0f} s, "
                 "{total:,.0f} s in all.")
    language = "Chinese (characters as terms)" if result.language == "zh" else "words as terms"
    return md(line, n=result.n_texts, groups=result.n_groups, positive=result.positive_label,
              share=percent(result.positive_share),
              language=language, evaluation=result.evaluation, ran=", ".join(ran["model"]),
              skipped="; ".join(f"{m} ({w})" for m, w in zip(skipped["model"], skipped["why"])),
              empty=result.empty_texts, read=result.n_texts + result.empty_texts, planned=planned, took=took,
              budget=result.time_budget or 0.0, total=result.seconds,
              how="models chosen to fit it" if result.auto else "models as listed")


def ladder_summary(result, by_group: pd.DataFrame | None = None) -> str:
    """Notebook 02's summary: the ranking, each model's verdict against the baseline read
    from its paired interval, the winner, and what F1 a yes-to-everyone rule gets."""
    metric = {"f1": "F1", "roc_auc": "ROC-AUC"}[result.rank_by]
    top = result.table.iloc[0]
    win = result.row(result.winner)
    lines = ["* Ranked by {metric}, **{top}** comes first: {top_v:.3f} (95% interval {top_lo:.3f}–{top_hi:.3f})."]
    values = dict(metric=metric, top=top["model"], top_v=top[result.rank_by], top_lo=top[f"{result.rank_by}_lo"],
                  top_hi=top[f"{result.rank_by}_hi"])
    for i, r in enumerate(result.table[result.table["verdict"] != "baseline"].itertuples()):
        diff = getattr(r, f"diff_{result.rank_by}")
        lo, hi = getattr(r, f"diff_{result.rank_by}_lo"), getattr(r, f"diff_{result.rank_by}_hi")
        lines.append(f"* Against the TF-IDF baseline, {{m{i}}} is **{{v{i}}}** ({{metric}} {{d{i}:+.3f}}, "
                     f"paired 95% interval {{lo{i}:+.3f}} to {{hi{i}:+.3f}}).")
        values.update({f"m{i}": r.model, f"v{i}": r.verdict, f"d{i}": diff, f"lo{i}": lo, f"hi{i}": hi})
    if result.winner == "tfidf" and len(result.table) > 1:
        lines.append("* **Winner: {winner}**: no other model is clearly better, so the simplest and cheapest is kept.")
    else:
        lines.append("* **Winner: {winner}**, the best model clearly better than the baseline.")
    lines.append("* Its {metric} {win_v:.3f} compares with {all_yes:.3f} for flagging every text '{positive}' "
                 "(F1 = 2s/(1+s) at a positive share s): a high F1 on a common label is partly free.")
    values.update(winner=win["model"], win_v=win[result.rank_by], all_yes=result.all_yes_f1,
                  positive=result.positive_label)
    shown = by_group[~by_group[SUPPRESSED]] if by_group is not None else None
    if shown is not None and len(shown):
        worst = shown.loc[shown["gap"].abs().idxmax()]
        lines.append("* Largest calibration gap of the winner by group: {worst_group}, model {worst_model} against "
                     "observed {worst_observed}.")
        values.update(worst_group=worst.iloc[0], worst_model=percent(worst["model_rate"]),
                      worst_observed=percent(worst["observed_rate"]))
    return md("\n".join(lines), **values)


def case_outcomes(split: pd.DataFrame) -> dict[str, int]:
    """From ``casestudy.movers_and_leavers`` on the article's case: the movers kept by an
    internal move, those who left, and everyone the network kept (stayed put or moved inside)."""
    moved = int(split.loc[1, "people"])
    return {"moved_internally": moved, "left": int(split.loc[2:, "people"].sum()),
            "kept": int(split.loc[0, "people"]) + moved}


def case_study_summary(case_metrics: pd.DataFrame, case_share: float, case_funnel: pd.Series,
                       split: pd.DataFrame, sizes: pd.DataFrame, region: str, cohort: tuple, horizon_months: int,
                       by_region: pd.DataFrame, region_metrics: pd.DataFrame):
    """Notebook 03's summary: the case reproduced, why A carries no information, what F mixes,
    how thin n = 100 is, and the same cohort in the data."""
    r_col = f"retention_{horizon_months}m"
    if by_region is None:  # part 3 skipped: the data cannot tell the region's story
        by_region = pd.DataFrame(columns=["region", SUPPRESSED])
    own = by_region.set_index("region").loc[region] if region in set(by_region["region"]) else None
    others = by_region[(by_region["region"] != region) & ~by_region[SUPPRESSED].astype(bool)]
    outcomes = case_outcomes(split)
    lines = [
        "* **The article's case reproduces exactly**: A = {A:.2f}, R = {R:.2f}, F = {F:.2f}, S = {S:.2f}.",
        "* **A carries no information**: it is 1 for any mix; the case's international share is {case_share} and "
        "offer acceptance {acceptance}.",
        "* **F mixes keeping and losing people**: of the case's 50 movers, {moved_internally} were kept by an internal move and "
        "{left} left. The network kept {kept} of 100, not 50.",
        "* **n = 100 is thin**: R = {R_pct} has a 95% interval of {R_lo}–{R_hi}; seeing a 10-point change needs about "
        "{n_needed} hires per group.",
    ]
    if own is not None and r_col in by_region and pd.notna(own[r_col]):
        lines.append("* **In the data, {region}**'s {cs:%Y} cohort kept {own} at {horizon} months (other regions "
                     "shown: {others}); the article's R on the same cohort is {region_R} and its S {region_S}.")
    pct = lambda v: percent(v, 0)  # noqa: E731  (whole percentages read best here)
    return md("\n".join(lines), **case_metrics["value"].to_dict(), case_share=pct(case_share),
              acceptance=pct(case_funnel["offer_acceptance"]), **outcomes,
              R_pct=pct(case_metrics.loc["R", "value"]), R_lo=pct(case_metrics.loc["R", "value_lo"]),
              R_hi=pct(case_metrics.loc["R", "value_hi"]), n_needed=people_for_10_points(sizes),
              region=region, cs=cohort[0] if cohort is not None else None,
              own=pct(own[r_col]) if own is not None and r_col in own else "", horizon=horizon_months,
              others=", ".join(f"{r} {pct(v)}" for r, v in zip(others["region"], others.get(r_col, []))),
              region_R=pct(region_metrics.loc["R", "value"]) if region_metrics is not None else "",
              region_S=pct(region_metrics.loc["S", "value"]) if region_metrics is not None else "")


def people_for_10_points(sizes: pd.DataFrame) -> int:
    """From ``casestudy.sample_sizes``: the hires per group needed to see R change by 10 points."""
    return int(sizes.set_index("measure").loc["R"].iloc[-1])


def flow_model(model, min_group: int):
    """What the flow model was fitted on, and the expected years in the network from each unit
    shown (units under ``min_group`` person-years are left out)."""
    expected = model.expected_years(min_group)
    return md("Fitted on {person_years:,} person-years. Expected years still in the network: {expected}.",
              person_years=model.person_years(),
              expected=", ".join(f"{u} {v:.1f}" for u, v in expected.items()) or "none shown")


def scenarios_summary(model, last: int, unit: str, backtest: pd.DataFrame, comparison, years: int, plans):
    """Notebook 04's summary: how well the flow model back-tests, the best scenario's return,
    and each application scenario's staffing."""
    lines: list[str] = []
    values: dict = {}
    if model is not None:
        lines.append("* The flow model, fitted on {first}–{last_fit}, projects {last}'s headcount by {unit} within "
                     "**{worst_error:.1%}** of what happened (largest error among the units shown).")
        values.update(first=model.years[0], last_fit=model.years[-1], last=last, unit=unit,
                      worst_error=largest_error(backtest))
    best = comparison.best() if comparison is not None else None
    if best is not None:
        t = comparison.table.set_index("scenario")
        lines.append("* Over {years} years, **{best}** has the best net return: {net_return:,.0f} ({per_cost:.2f} saved "
                     "per unit of cost), with {fewer_exits:,.0f} fewer exits than the baseline.")
        values.update(years=years, best=best, net_return=t.loc[best, "net_return"],
                      per_cost=t.loc[best, "return_per_cost"], fewer_exits=t.loc["baseline", "exits"] - t.loc[best, "exits"])
    for i, row in enumerate(plans.table.to_dict("records") if plans is not None else []):
        staffed = row["staffed from quarter"]  # missing (None or NaN) when never fully staffed
        when = (f"staffed from quarter {int(staffed)}" if pd.notna(staffed) and staffed
                else "not fully staffed within its horizon")
        unmet = f", {row['unmet at end']} unmet at the end." if row["unmet at end"] else "."
        lines.append(f"* {{plan{i}}}: {{needed{i}}} people, {{internal{i}}} by internal moves and {{hires{i}}} hired, "
                     f"cost {{cost{i}:,.0f}}; {{when{i}}}{{unmet{i}}}")
        values.update({f"plan{i}": row["scenario"], f"needed{i}": row["people needed"],
                       f"internal{i}": row["internal moves"], f"hires{i}": row["hires"], f"cost{i}": row["cost"],
                       f"when{i}": when, f"unmet{i}": unmet})
    return md("\n".join(lines) or "_Nothing to summarise: the data supports none of the sections above._", **values)


def largest_error(backtest: pd.DataFrame | None) -> float | None:
    """The largest relative error of a ``flows.backtest`` among the units it shows."""
    if backtest is None:
        return None
    return float(backtest.loc[~backtest[SUPPRESSED], "relative_error"].abs().max())


def best_scenario(comparison) -> str | None:
    """The scenario with the best net return, ``None`` without a comparison."""
    return comparison.best() if comparison is not None else None


def network_summary(year: int, cross: float, unit: str, yearly: pd.DataFrame, key, comm):
    """Notebook 05's summary: the cross-unit share now and in the first year, what the top
    presenters carry, and how the informal communities match the teams."""
    first = yearly.iloc[0]
    return md("\n".join([
        "* In {year}, **{cross:.1%}** of knowledge flow crossed {unit}s ({first_share:.1%} in {first_year}).",
        "* The top {top_k} presenters carried **{top_share:.1%}** of the flow among {presenters} presenters; together "
        "they alone reached {sole_reach} people.",
        "* Informal communities: {communities}, adjusted Rand index against teams {ari:.2f}.",
    ]), year=year, cross=cross, unit=unit, first_share=first["cross_unit_share"], first_year=int(first["year"]),
        top_k=key.top_k, top_share=key.top_k_share, presenters=key.presenters, sole_reach=key.sole_reach,
        communities=comm.communities, ari=comm.ari_vs_teams if comm.ari_vs_teams is not None else float("nan"))


def collaboration_reading(c, label: str):
    """How 05 read the collaboration records of ``label`` (a year, or all): ties and people
    kept, what was left out and why (self-ties, external people, ``min_tie_weight``), and which
    reading each measure takes."""
    n = c.counts
    lines = ["{label}: {rows:,} tie records between {people:,} people ({pairs:,} pairs){events}."]
    if n["self_ties"]:
        lines.append("{self_ties:,} records from a person to themselves were dropped.")
    if n.get("large_events"):
        lines.append("{large:,} meetings or threads of more than {most:,} people (all-hands, mailing lists) were left "
                     "out: their ties say little of who works with whom, and their pairs grow as the square of their "
                     "size.")
    if n["external_rows"]:
        lines.append("{external_rows:,} records ({external_share:.1%} of the weight) involve {external_people:,} people "
                     "who are not in the people table (external contacts): counted here, left out of the graph.")
    if c.min_tie_weight:
        lines.append("min_tie_weight {threshold:g} left out {below:,} of {all_pairs:,} pairs ({below_share:.1%} of the "
                     "weight).")
    lines.append("Brokers, communities and key people read the undirected graph (both directions' weights summed); "
                 + ("the unit matrix and reciprocity read the directed ties{meetings}." if c.directed else
                    "these ties have no direction: the unit matrix counts each half each way, and reciprocity is "
                    "not computed."))
    return md(" ".join(lines), label=label[:1].upper() + label[1:], rows=len(c.rows), people=len(c.edges.nodes),
              pairs=len(c.edges.a), events=f", {n['events']:,} meetings or threads among them" if n["events"] else "",
              self_ties=n["self_ties"], external_rows=n["external_rows"], external_people=n["external_people"],
              external_share=n["external_weight"] / n["weight_read"] if n["weight_read"] else 0.0,
              threshold=c.min_tie_weight, below=n["pairs_below"], all_pairs=n["pairs"],
              below_share=n["weight_below"] / (n["weight_read"] - n["external_weight"]) if n["weight_read"] else 0.0,
              meetings=" (a meeting's tie counts half in each direction)" if n["events"] else "",
              large=n.get("large_events", 0), most=n.get("max_event_people", 0))


def silos_note(s, unit: str):
    """The silos sentence: how many pairs of units share no tie (:class:`talentkit.collaboration.Silos`)."""
    if not s.pairs:
        return md("No two {unit}s with at least {m} people each have ties in this period.", unit=unit, m=s.min_group)
    if not s.disconnected:
        pairs = "both {unit}s" if s.pairs == 1 else "every one of the {p:,} pairs of {unit}s"
        return md("In " + pairs + " (each of at least {m} people) people share at least one tie in this period: no "
                  "silos.", p=s.pairs, unit=unit, m=s.min_group)
    return md("{d:,} of {p:,} pairs of {unit}s (each of at least {m} people) share no tie in this period; the largest "
              "such pairs are listed.", d=s.disconnected, p=s.pairs, unit=unit, m=s.min_group)


def communities_note(uc, unit: str):
    """Communities against the formal units (:class:`talentkit.collaboration.UnitCommunities`):
    the agreement, the split units, and for each community that merges units how many and the
    first three."""
    merged = "; ".join(f"{k} holds most of {len(v)} {unit}s ({', '.join(map(str, v[:3]))}{', …' if len(v) > 3 else ''})"
                       for k, v in uc.merged.items())
    listed = len(uc.table)
    return md("{k} communities, modularity {q:.2f}; against the formal {unit}s: adjusted Rand index {ari:.2f}, normalized "
              "mutual information {nmi:.2f}. Split {unit}s (their largest community holds under half of them): "
              "{split}. Communities that merge {unit}s: {merged}." + (
                  " The table lists the {listed} least cohesive of {units} {unit}s." if listed < uc.units else ""),
              k=uc.communities, q=uc.modularity, unit=unit, ari=uc.ari, nmi=uc.nmi,
              split=", ".join(map(str, uc.split)) or "none", merged=merged or "none", listed=listed, units=uc.units)


def departures_note(d):
    """Key-person risk of the collaboration graph (:class:`talentkit.collaboration.Departures`)."""
    return md("{share:.1%} of all tie weight is on a tie of one of the top {k} brokers. Of the {giant:,} people in the "
              "largest connected group, their departures, one at a time, would cut off {cut} from it in all.",
              k=d.top_k, share=d.top_k_share, giant=d.giant, cut=d.cut_off)


def collaboration_summary(label: str, cross: float, unit: str, quarterly, uc, d):
    """Notebook 05's summary of collaboration: the cross-unit share (and its first quarter's),
    how communities match units, and what the top brokers carry."""
    shown = quarterly[~quarterly["suppressed"]] if quarterly is not None else None
    first = shown.iloc[0] if shown is not None and len(shown) else None
    trend = (" ({share:.1%} in {quarter})" if first is not None else "")
    return md("\n".join([
        "* In {label}, **{cross:.1%}** of collaboration crossed {unit}s" + trend + ".",
        "* Informal communities: {k}, adjusted Rand index against {unit}s {ari:.2f}; {split} split.",
        "* {top_share:.1%} of all tie weight is on a tie of the top {top_k} brokers; one at a time, their departures "
        "would cut off {cut} people in all.",
    ]), label=label, cross=cross, unit=unit, share=first["cross_unit_share"] if first is not None else 0.0,
        quarter=first["quarter"] if first is not None else "", k=uc.communities, ari=uc.ari,
        split=f"{len(uc.split)} {unit}s" if uc.split else f"no {unit}", top_k=d.top_k, top_share=d.top_k_share,
        cut=d.cut_off)


def drivers_population(data):
    """Notebook 06's first sentences: who is analysed, how many left, what was left out."""
    y = data.outcome()
    values = dict(n=len(y), as_of=data.as_of, leavers=int(y.sum()), rate=percent(y.mean()), h=data.horizon_months,
                  start=data.as_of - pd.DateOffset(months=data.horizon_months), count=len(data.attributes))
    if data.form == "snapshot":
        lines = ["{n:,} people in the export as of {as_of:%Y-%m-%d}; **{leavers:,}** ({rate}) left."]
    else:
        lines = ["{n:,} people employed on {start:%Y-%m-%d}; **{leavers:,}** ({rate}) left in the {h} months to "
                 "{as_of:%Y-%m-%d}."]
    lines.append("{count} attributes analysed (each in the screening table below).")
    if data.excluded:
        values["items"] = "; ".join(f"{k} ({v})" for k, v in data.excluded.items())
        lines.append("Left out: {items}.")
    if data.observed_from is not None and (data.entry > 0).any():
        values.update(day=data.observed_from, k=int((data.entry > 0).sum()))
        lines.append("The history starts with the first recorded exit, {day:%Y-%m-%d}: {k:,} people hired before it "
                     "enter the tenure models at their tenure that day (delayed entry).")
    if data.notes:
        values["notes"] = "; ".join(data.notes)
        lines.append("Note: {notes}.")
    return md("\n\n".join(lines), **values)


PH_FAILS = ("The proportional-hazards check fails (p < 0.01) for {ph}: their effect changes with tenure, so the "
            "ratio shown is an average over tenure.")
PH_HOLDS = "The proportional-hazards check finds no covariate whose effect changes with tenure (every p ≥ 0.01)."


def cox_notes(cox):
    """What to know when reading notebook 06's Cox table: its concordance, the
    proportional-hazards check, and the attributes the model left out and why."""
    values = dict(c=cox.concordance, n=len(cox.frame), events=int(cox.frame["left"].sum()),
                  ph=", ".join(cox.ph_violations), items="; ".join(f"{a} ({why})" for a, why in cox.left_out.items()))
    lines = ["Concordance **{c:.2f}** on {n:,} tenure spells, {events:,} of them ended by leaving."]
    if cox.ph_violations:
        lines.append(PH_FAILS + " Compare their tenure curves, or model them per tenure band, before acting on it.")
    else:
        lines.append(PH_HOLDS)
    if getattr(cox, "ph_sample", 0):
        values["sample"] = cox.ph_sample
        lines.append("The proportional-hazards check reads a seeded random sample of {sample:,} spells (its residuals "
                     "cost the square of the spells); the hazard ratios use every spell.")
    if cox.left_out:
        lines.append("Left out of the model: {items}.")
    lines += [line.replace("{", "{{").replace("}", "}}") for line in getattr(cox, "fit_problems", [])]
    if getattr(cox, "time_grid", ""):
        values["grid"] = cox.time_grid
        lines.append("With this many spells, tenure is counted in whole {grid}s (each spell's end rounded up, its "
                     "entry down; ties by Efron's method): a grouped-time Cox model, which keeps the fit to seconds "
                     "and moves a hazard ratio far less than its interval.")
    return md("\n\n".join(lines), **values)


def pooling_note(pooled, min_group: int = 5):
    """What pooling did to a notebook's grouping (:class:`talentkit.core.pooling.Pooling`, applied)."""
    return md("{s}.", s=pooled.sentence(min_group))


def betweenness_note(table):
    """How the brokers' betweenness was computed: exactly, or from how many sampled pivots
    and with what relative error (``attrs["talentkit.pivots"]``, set by ``network.brokers``)."""
    k = table.attrs.get("talentkit.pivots")
    weights = (" Betweenness is unweighted: a shortest path is the fewest ties between two people, whatever each "
               "tie's weight; the summed weights enter constraint, effective size and the communities.")
    if not k:
        return md("Betweenness is exact: every shortest path between two people is counted." + weights)
    return md("Betweenness is estimated from {k} randomly chosen people's shortest paths (seeded; Brandes and Pich, "
              "2007): unbiased, with a relative error of about {e:.0%} for the most central people, enough to rank "
              "brokers but not to compare close ones." + weights, k=k, e=1 / np.sqrt(k))


def bootstrap_note(table):
    """How many bootstrap resamples a table's intervals rest on, and their Monte Carlo error
    (``attrs["talentkit.bootstrap"]``, set by ``drivers.odds_ratios``)."""
    b = table.attrs.get("talentkit.bootstrap")
    if not b:
        return md("")
    values = dict(r=b["resamples"], w=b["wanted"], f=float(np.exp(b["mc_error"])))
    line = "Intervals from {r:,} bootstrap resamples"
    if b["resamples"] < b["wanted"]:
        line += " (not {w:,}: on this many people each resample refits the model, so fewer are drawn)"
    return md(line + "; the Monte Carlo error of an interval's end is at most a factor of {f:.2f} on the odds "
              "ratio (95% distribution-free bounds on each percentile).", **values)


def drivers_summary(data, screening, cox, comparison, fair, protected: str):
    """Notebook 06's summary: the strongest single drivers, the Cox model's largest hazard
    ratios and its checks, the best model and its margin, text against record, and the
    fairness reading. Sections the data did not support (``None``) leave their line out."""
    lines: list[str] = []
    values: dict = {}
    if screening is not None:
        top = screening.table.head(3)
        values["screen"] = ", ".join(f"{a} (IV {iv:.2f}, {s})" for a, iv, s in
                                     top[["attribute", "information_value", "strength"]].itertuples(index=False))
        lines.append("* Strongest single drivers by information value: {screen}.")
    if cox is not None:
        top = cox.top(3)
        values.update(c=cox.concordance, hrs="; ".join(f"{a} {lv}: ×{hr:.2f} ({lo:.2f}–{hi:.2f})" for a, lv, hr, lo, hi
                                                       in top[["attribute", "level", "hazard_ratio", "hr_lo",
                                                               "hr_hi"]].itertuples(index=False)) or "none")
        lines.append("* Cox model (concordance {c:.2f}): the largest significant hazard ratios are {hrs}.")
        if cox.ph_violations:
            values["ph"] = ", ".join(cox.ph_violations[:6])
        lines.append("* " + (PH_FAILS if cox.ph_violations else PH_HOLDS))
    if comparison is not None:
        t = comparison.table.set_index("model")
        mean, lo, hi = comparison.margin
        values.update(best=comparison.best, auc=t.loc[comparison.best, "roc_auc"],
                      lo=t.loc[comparison.best, "roc_auc_lo"], hi=t.loc[comparison.best, "roc_auc_hi"],
                      runner=comparison.runner_up, margin=mean, mlo=lo, mhi=hi, k=comparison.n_splits,
                      r=comparison.repeats)
        lines.append("* Best model by cross-validated ROC-AUC ({k} folds × {r} repeats): **{best}**, {auc:.3f} "
                     "(95% interval {lo:.3f}–{hi:.3f}), ahead of {runner} by {margin:.3f} ({mlo:+.3f} to {mhi:+.3f})"
                     + (": the folds cannot tell the two apart." if lo <= 0 <= hi else "."))
        if "text alone" in t.index:
            values.update(record=comparison.record_auc(), text=t.loc["text alone", "roc_auc"],
                          both=t.loc["logistic + text", "roc_auc"], text_model=comparison.text_model)
            lines.append("* On the same folds: the HR record alone {record:.3f}, the text alone ({text_model}) "
                         "{text:.3f}, both {both:.3f}.")
    if fair is not None and (~fair["suppressed"]).sum() < 2:  # no ratio, so no verdict either way
        values.update(protected=protected, groups=int((~fair["suppressed"]).sum()),
                      min_group=marked_min_group(fair))
        lines.append("* By {protected}: not assessed: fewer than two groups of at least {min_group} people "
                     "({groups} shown), so no flag-rate ratio can be formed.")
    elif fair is not None:
        shown = fair[~fair["suppressed"]]
        low = shown[shown["four_fifths"]]
        values.update(protected=protected, lo_ratio=shown["flag_ratio"].min(), groups=len(shown),
                      under=", ".join(map(str, low[protected])) or "none")
        lines.append("* By {protected} ({groups} groups shown): the lowest flag-rate ratio is {lo_ratio:.2f}; under "
                     "four-fifths: {under} (a rule of thumb, not a test: read the intervals).")
    return md("\n".join(lines), **values)


def drivers_counts(data) -> dict:
    """Notebook 06's population in numbers, for the record: people, leavers, their share,
    the attributes analysed and those left out with the reason."""
    y = data.outcome()
    return {"people": int(len(y)), "leavers": int(y.sum()), "share_left": float(y.mean()),
            "form": data.form, "horizon_months": data.horizon_months, "attributes": data.attributes,
            "left_out": dict(data.excluded), "texts": data.text_task or None}


# --------------------------------------------------------------------------- surveys

def survey_reading(survey, wave: str):
    """How the survey was read, for the top of 07: its form, linked or anonymous, each wave's
    day and respondents, and what was counted on the way (N/A, duplicates, incomplete)."""
    waves = "; ".join(f"{w.wave} ({'no day given' if pd.isna(w.day) else w.day.date()}, {int(w.respondents):,} "
                      f"respondents)" for w in survey.waves.itertuples())
    kind = ("linked to the people table (attributes as they stood on the survey day)" if survey.linked
            else "anonymous (its own attributes)")
    lines = ["**Survey**: {source} ({form} form), {kind}. **Waves**: {waves}. **Reported**: {wave}."]
    lines += [note.replace("{", "{{").replace("}", "}}") for note in survey.notes]
    return md("\n\n".join(lines), source=survey.source, form=survey.form, kind=kind, waves=waves, wave=wave)


def survey_drivers_note(drivers):
    """The driver analysis's outcome and fit, or why it was refused."""
    if drivers is None or "refused" in drivers.attrs:
        return md("{why}", why=(drivers.attrs["refused"] if drivers is not None else "No driver analysis."))
    top = drivers.iloc[0]
    return md("Relative weights (Johnson, 2000) of each item on {outcome}, over {n:,} respondents who answered every "
              "item: together they explain R² = **{r2:.2f}**. The strongest, **{item}**, carries {share:.0%} of it "
              "and is rated favourably by {fav:.0%}. Intervals: percentile bootstrap.",
              outcome=drivers.attrs["outcome"], n=int(top["respondents"]), r2=drivers.attrs["r2"], item=top["item"],
              share=top["share"], fav=top["favourable"])


def survey_change_note(change, min_change_points: float):
    """Which items moved since the last wave, beyond noise and by the practical threshold."""
    if change is None:
        return md("No earlier wave to compare with.")
    moved = change[change["verdict"].isin(["up", "down"]) & ~change[SUPPRESSED]]
    before, now = change.attrs["waves"]
    group = change.attrs.get("group_by", "")
    where = f" in any {group}" if group else ""
    tested = int(change["verdict"].isin(["up", "down", "within noise"]).sum())
    if moved.empty:
        return md("Since {before}, no item moved beyond noise{where} by {pts:g} points or more ({n} tested).",
                  before=before, pts=min_change_points, where=where, n=tested)
    if group:
        return md("Since {before}, {k} of {n} item-by-{group} tests moved beyond noise (p at most 0.05) by {pts:g} "
                  "points or more, listed below. Where nothing changed, about 1 test in 20 passes p 0.05 by chance, "
                  "so a lone move in a small {group} is a question to ask, not a finding.", before=before,
                  k=len(moved), n=tested, group=group, pts=min_change_points)
    items = "; ".join(f"{r.item} {r.verdict} {abs(r.points):.0f} points" for r in moved.itertuples())
    return md("Since {before}, {k} of {n} items moved beyond noise (p at most 0.05) by {pts:g} points or more: "
              "{items}.", before=before, k=len(moved), n=tested, pts=min_change_points, items=items)


def survey_leaving_note(turnover, hazard, group_by: str):
    """Favourability on the survey day against the following year's leaving: the units' fit,
    and the linked survey's hazard ratio per index point."""
    if turnover is None:
        return md("Not computed: the survey is anonymous, so its respondents cannot be matched to the people "
                  "table's {unit}s and their later leaving.", unit=group_by)
    fit = turnover.attrs["fit"]
    if fit["units"] < 3 or np.isnan(fit["slope"]):
        return md("Too few {unit}s are shown (or they do not differ) to fit favourability against turnover.",
                  unit=group_by)
    lines = ["In {wave}, across {units} {unit}s (weighted by headcount), each 10 points more favourable go with "
             "{slope:+.1f} points of turnover in the following {months:.0f} months (95% interval {lo:+.1f} to "
             "{hi:+.1f})."]
    # slopes are turnover (0-1) per favourable share (0-1): 10 points more favourable move turnover 10 x slope points
    values = dict(wave=turnover.attrs["wave"], units=fit["units"], unit=group_by, slope=10 * fit["slope"],
                  lo=10 * fit["slope_lo"], hi=10 * fit["slope_hi"], months=turnover.attrs["months_seen"])
    if turnover.attrs["months_seen"] < 12:
        lines.append("The data ends {months:.0f} months after the survey, so the year after it is seen in part.")
    if hazard and not np.isnan(hazard["hazard_ratio"]):
        lines.append("Person by person (the survey is linked), each point of the engagement index goes with a "
                     "leaving hazard **{hr:.2f}** times as high ({hr_lo:.2f}–{hr_hi:.2f}), over {n:,} respondents of "
                     "whom {left:,} left: a figure about everyone, not about anyone.")
        values.update(hr=hazard["hazard_ratio"], hr_lo=hazard["hr_lo"], hr_hi=hazard["hr_hi"], n=hazard["respondents"],
                      left=hazard["leavers"])
    return md(" ".join(lines), **values)


def market_reading(research, ambiguity: dict):
    """How the research records were read, for the top of 08: the form, the years, the people
    (counted), what splitting and resolution did, unknown countries and ambiguous names."""
    r = research.records
    merges = research.merges()
    merged = "; ".join(f"{row.rule}: {int(row.strings):,} strings ({int(row.rows):,} rows)"
                       for row in merges.itertuples()) or "none"
    unknown = r.loc[r["country"] == "unknown", "institution"].nunique()
    who = ("an id" if research.by_id else "their name as written (no id in the export): a name at two institutions in "
           "one year that no work lists together stays ambiguous")
    lines = ["**Research records**: {source} ({form} form), {first}–{last}: {rows:,} records of {people:,} people at "
             "{inst:,} institutions. People are told apart by {who}; they are counted, never listed.",
             "**Affiliations**: {split:,} strings named several institutions and were split ({split_rows:,} rows). "
             "{strings:,} distinct strings resolved to {inst:,} institutions; merges by rule: {merged} (every merge is "
             "in the alias table, aliases.csv beside this report). **Countries**: {unknown:,} institutions have no "
             "known country and are counted as unknown, never assumed.",
             "**Ambiguous names**: {amb:,} of {people:,} ({share:.1%}) have concurrent affiliations; the moves below "
             "leave them out ({moves:,} moves), counting them would give {with_amb:,}."]
    lines += [note.replace("{", "{{").replace("}", "}}") for note in research.notes]
    return md("\n\n".join(lines), source=research.source, form=research.form, first=int(r["year"].min()),
              last=int(r["year"].max()), rows=len(r), people=int(r["person"].nunique()),
              inst=int(r["institution"].nunique()), who=who, split=research.split_strings,
              split_rows=research.split_rows, strings=len(research.aliases), merged=merged, unknown=unknown,
              amb=ambiguity["ambiguous"], share=ambiguity["share"] if ambiguity["people"] else 0.0,
              moves=ambiguity["moves"], with_amb=ambiguity["moves_with_ambiguous"])


def market_concentration_note(concentration, year: int):
    """The field's concentration in one sentence."""
    top, hhi = concentration.set_index("measure").loc["top-10 share"], concentration.set_index("measure").loc["HHI"]
    return md("In {year}, the ten largest of {k:,} institutions hold **{top:.0%}** (95 % {tlo:.0%}–{thi:.0%}) of the "
              "people's affiliations; HHI {hhi:.3f} ({hlo:.3f}–{hhi_hi:.3f}), where 1 would be one institution and "
              "1/{k:,} = {even:.4f} an even spread.", year=year, k=int(top["institutions"]), top=top["value"],
              tlo=top["lo"], thi=top["hi"], hhi=hhi["value"], hlo=hhi["lo"], hhi_hi=hhi["hi"],
              even=1 / max(int(top["institutions"]), 1))


def market_standing_note(table, ours: str):
    """The company's latest share and rank against its first year, with intervals."""
    mine = table[(table["institution"] == ours) & ~table[SUPPRESSED]]
    if mine.empty:
        return md("{ours} has fewer than the smallest group shown in every year.", ours=ours)
    first, last = mine.iloc[0], mine.iloc[-1]
    return md("In {y1}, **{ours}** held {s1:.1%} of the field's people (95 % {l1:.1%}–{h1:.1%}), rank {r1:.0f}; in "
              "{y2}, **{s2:.1%}** ({l2:.1%}–{h2:.1%}), rank **{r2:.0f}** (95 % {rlo:.0f}–{rhi:.0f}).", ours=ours,
              y1=int(first["year"]), s1=first["share"], l1=first["share_lo"], h1=first["share_hi"], r1=first["rank"],
              y2=int(last["year"]), s2=last["share"], l2=last["share_lo"], h2=last["share_hi"], r2=last["rank"],
              rlo=last["rank_lo"], rhi=last["rank_hi"])


def impact_reading(design, panel, built_in: bool):
    """What 09 evaluates, on which data and periods, for the top of the report."""
    first, last = pd.Timestamp(panel["period"].min()), pd.Timestamp(panel["period"].max())
    source = (" The built-in company is read with its two programmes planted: in the regions paying the retention "
              f"bonus, {BONUS_KEEPS * 100:.0f} % of voluntary exits after its start did not happen." if built_in else "")
    return md("**Programme**: {programme}, on {column}. **Outcome**: {measure}, by {period}, {first} to {last} (the "
              "span of the data's events). **Units**: {units}, of which {treated} treated in {cohorts} cohort(s)."
              + source.replace("{", "{{").replace("}", "}}"), programme=design.programme,
              column=panel.attrs.get("unit_column", ""), measure=design.measure, period=panel.attrs.get("period", ""),
              first=f"{first:%Y-%m}", last=f"{last:%Y-%m}", units=design.panel["unit"].nunique(),
              treated=len(design.treated_units), cohorts=len(design.cohorts))


def impact_verdict(estimates):
    """The effect in the outcome's own unit, never stronger than its interval allows."""
    row = estimates.table.iloc[0]
    est, lo, hi = float(row["estimate"]), float(row["estimate_lo"]), float(row["estimate_hi"])
    if hi < 0 or lo > 0:
        word = "lowered" if hi < 0 else "raised"
        near, far = sorted((abs(lo), abs(hi)))
        return md("**Verdict**: {programme} {word} {measure} by **{size:.1f}** (95 % {near:.1f} to {far:.1f}); "
                  "interval: {inference}.", programme=estimates.programme, word=word, measure=estimates.measure,
                  size=abs(est), near=near, far=far, inference=estimates.inference)
    return md("**Verdict**: no effect of {programme} on {measure} can be told from zero: the estimate is {est:+.1f} "
              "and the 95 % interval runs from {lo:.1f} to {hi:.1f} (interval: {inference}). An effect anywhere in "
              "that range fits the data.", programme=estimates.programme, measure=estimates.measure, est=est, lo=lo,
              hi=hi, inference=estimates.inference)


def impact_agreement(estimates):
    """Whether the two staggered-robust estimators agree, and how far two-way fixed effects is."""
    t = estimates.table.set_index("estimator")
    a, s, w = (t.iloc[k] for k in range(3))
    overlap = not (a["estimate_hi"] < s["estimate_lo"] or s["estimate_hi"] < a["estimate_lo"])
    words = ("agree: their intervals overlap." if overlap else
             "**disagree beyond their intervals**: the cohorts' effects differ in a way the two weigh differently; "
             "read the event study by period before the overall figure.")
    return md("The imputation estimate ({a:.1f}) and the saturated event study ({s:.1f}) " + words + " Two-way fixed "
              "effects gives {w:.1f}, {gap:.1f} from the imputation estimate: with staggered starts it compares "
              "later-treated units with earlier-treated ones, which is why it is not the default.", a=a["estimate"],
              s=s["estimate"], w=w["estimate"], gap=abs(w["estimate"] - a["estimate"]))


def impact_placebo(result, measure: str):
    """The placebo start's estimate, and what it says of the pre-trends."""
    est, lo, hi, shift = result
    found = lo > 0 or hi < 0
    return md("**Placebo**: the start moved {shift} periods earlier, on the periods before the real starts only, gives "
              "{est:+.1f} {measure} (95 % {lo:.1f} to {hi:.1f}): {words}.", shift=shift, est=est, measure=measure,
              lo=lo, hi=hi, words=("an effect before the programme began: the trends were not parallel, so read the "
                                   "verdict with caution" if found else "nothing, as it should"))


def impact_synthetic(result, design):
    """The synthetic control's effect and placebo p-value, or why there is none."""
    if result is None:
        return md("{k} units were treated: the estimates above are the analysis. A synthetic control is for a "
                  "programme given to one unit only.", k=len(design.treated_units))
    return md("One unit was treated ({unit}): against its synthetic control (the never-treated units weighed to match "
              "it before the start), the mean gap after the start is {effect:+.1f} {measure}. Placebos in space: "
              "{k} controls treated as if they had started; the treated unit's post/pre fit ratio ranks with "
              "p = {p:.2f} (the smallest possible is {least:.2f}).", unit=result.unit, effect=result.effect,
              measure=design.measure, k=len(result.placebos), p=result.p_value, least=1 / (len(result.placebos) + 1))
