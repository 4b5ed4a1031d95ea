"""Figures with one style. Each takes the result of the analysis of the same name
(``metrics.funnel`` -> :func:`funnel`, ``tenure.km_curves`` -> :func:`km_curves`,
``network.flow_matrix`` -> :func:`flow_matrix`, ...), refuses a table that did not pass
the privacy gate (:func:`talentkit.core.privacy.require_marked`), never plots a suppressed
group's value (it is labelled ``<min_group>`` instead), and returns the matplotlib figure.
The kit's one theme (:mod:`talentkit.core.theme`: seaborn's whitegrid, the palette, sizes, the CJK
font fallback and alt text for each figure) is applied once, when this module is imported,
so any figure a notebook draws looks the same. Axis titles use the tables' labels
(:func:`talentkit.core.labels.label_and_scale`), not the kit's keys."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axis import Axis

from .core import theme
from .core.labels import label_and_scale, value_label
from .core.markup import plot_label, plot_labels
from .core.pooling import is_pooled
from .core.privacy import (
    MIN_GROUP,
    SUPPRESSED,
    marked_min_group,
    protecting_rows,
    require_marked,
    suppress_matrix,
)

PALETTE = theme.SEQUENTIAL  # ordered values (bars by group, heat maps)
theme.apply()


def _name(key) -> str:
    """A column key as a figure names it: the tables' label, or a user's ``snake_case``
    column with spaces (``pay_band`` -> ``pay band``)."""
    return value_label(label_and_scale(key)[0])


def _gate(table, what: str, min_group: int | None) -> int:
    """Refuse an unmarked table; the ``min_group`` its hidden cells are labelled with."""
    require_marked(table, f"plots.{what}")
    return min_group or marked_min_group(table) or MIN_GROUP


def _hidden_words(table: pd.DataFrame, min_group: int) -> np.ndarray:
    """What each row reads where hidden: ``hidden`` for one hidden to protect a smaller group
    (a complement is no small group), ``<min_group`` for a small one."""
    return np.where(protecting_rows(table).to_numpy(), "hidden", f"<{min_group}")


def _visible(table: pd.DataFrame) -> pd.Series:
    return ~table[SUPPRESSED] if SUPPRESSED in table else pd.Series(True, index=table.index)


def _fmt(ax, percent: bool):
    if percent:
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))


MANY_GROUPS = 12  # more groups than this: bars turn horizontal, trends highlight a few
HIGHLIGHTED = 5  # the groups a trend of many groups draws in colour (the largest)


def _order_for_bars(t: pd.DataFrame, group_by: str, measure: str, shown: pd.Series) -> np.ndarray:
    """Rows sorted by the measure, largest first; hidden groups after them, pooled "Other" last."""
    other = np.asarray(is_pooled(t[group_by]), dtype=bool)
    value = t[measure].where(shown, np.nan).astype(float).to_numpy()
    return np.lexsort((np.arange(len(t)), -np.nan_to_num(value, nan=-np.inf), np.isnan(value), other))


def kpi_bars(table: pd.DataFrame, group_by: str, measure: str, title: str | None = None,
             percent: bool = True, min_group: int | None = None):
    """Bars of ``measure`` per ``group_by`` with its ``_lo``/``_hi`` interval (a table from
    ``metrics.workforce``); suppressed groups show ``<min_group`` (``hidden`` for one hidden to protect a smaller
    one) and no bar. More than
    :data:`MANY_GROUPS` groups: horizontal bars, sorted, the pooled "Other" last, the figure
    as tall as its rows need. ``None`` (nothing to draw: a section skipped) draws nothing."""
    if table is None:
        return None
    min_group = _gate(table, "kpi_bars", min_group)
    t = table.reset_index(drop=True)
    shown = _visible(t) & t[measure].notna()
    word = pd.Series(_hidden_words(table, min_group))
    horizontal = len(t) > MANY_GROUPS
    if horizontal:
        order = _order_for_bars(t, group_by, measure, shown)
        t, shown, word = (x.iloc[order].reset_index(drop=True) for x in (t, shown, word))
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.26 * len(t)) if horizontal else (7, 3.6))
    x = np.arange(len(t))
    values = t[measure].where(shown, 0)
    err = None
    if f"{measure}_lo" in t:
        err = np.clip(np.vstack([(values - t[f"{measure}_lo"]).where(shown, 0),
                                 (t[f"{measure}_hi"] - values).where(shown, 0)]).astype(float), 0, None)
    labels = plot_labels(t[group_by])
    name = label_and_scale(measure)[0]
    axis: Axis = ax.yaxis
    if horizontal:
        ax.barh(x, values, color=sns.color_palette(PALETTE, len(t)))
        if err is not None:
            ax.errorbar(values, x, xerr=err, fmt="none", ecolor="#333", capsize=2)
        for i in np.flatnonzero(~shown.to_numpy()):
            ax.text(0, float(i), f" {word[i]}", ha="left", va="center", color="#b00020", fontsize=8)
        ax.set_yticks(x, labels, fontsize=8)
        ax.set_ylim(len(t) - 0.5, -0.5)  # the largest at the top
        ax.set_xlabel(name)
        axis = ax.xaxis
    else:
        ax.bar(x, values, color=sns.color_palette(PALETTE, len(t)))
        if err is not None:
            ax.errorbar(x, values, yerr=err, fmt="none", ecolor="#333", capsize=3)
        for i in np.flatnonzero(~shown.to_numpy()):
            ax.text(float(i), 0, word[i], ha="center", va="bottom", color="#b00020", fontsize=9)
        tilt = len(t) > 6 or max((len(v) for v in labels), default=0) * len(t) > 60  # long labels would overlap
        ax.set_xticks(x, labels, rotation=30 if tilt else 0, ha="right" if tilt else "center")
        ax.set_ylabel(name)
    ax.set_title(plot_label(title or f"{name} by {_name(group_by).lower()}", 100))
    if percent:
        axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    fig.tight_layout()
    return fig


def _with_gaps(table: pd.DataFrame, period: str, measure: str) -> pd.DataFrame:
    """A copy of ``table`` with periods as text (years as categories, not a continuous axis)
    and suppressed points missing (gaps in a line)."""
    t = table.copy()
    if not pd.api.types.is_string_dtype(t[period]):
        t[period] = t[period].astype(str)
    t.loc[~_visible(t), measure] = np.nan
    return t


def trend(table: pd.DataFrame | None, period: str, measure: str, hue: str | None = None, title: str | None = None,
          percent: bool = True, overall: pd.DataFrame | None = None, highlight: int = HIGHLIGHTED):
    """``measure`` over ``period`` (quarter or year), one line per ``hue``; suppressed points
    are gaps. ``overall`` (the same measure ungrouped) is drawn as a black line. More than
    :data:`MANY_GROUPS` groups: the ``highlight`` largest (most people over the periods) in
    colour over the rest in grey, and the legend names only those. ``None`` (nothing dated)
    draws nothing."""
    if table is None:
        return None
    _gate(table, "trend", None)
    t = _with_gaps(table, period, measure)
    periods = list(dict.fromkeys(t[period]))
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    x = {p: i for i, p in enumerate(periods)}
    if hue:
        t[hue] = plot_labels(t[hue])
        sizes = t.groupby(hue, sort=False)["n"].sum() if "n" in t else t.groupby(hue, sort=False).size()
        many = sizes.size > MANY_GROUPS
        top = list(sizes.sort_values(ascending=False, kind="stable").index[:highlight]) if many else list(sizes.index)
        colours = dict(zip(top, sns.color_palette(theme.PALETTE, len(top))))
        lines = dict(tuple(t.groupby(hue, sort=False)))
        for group, rows in lines.items():  # the rest in grey, under the highlighted
            if group not in colours:
                ax.plot(rows[period].map(x), rows[measure], color="#c8c8c8", lw=0.8, zorder=1)
        for group in top:  # largest first, in the legend too
            rows = lines[group]
            ax.plot(rows[period].map(x), rows[measure], marker="o", color=colours[group], label=group, zorder=3)
        if many:
            ax.plot([], [], color="#c8c8c8", lw=0.8, label=f"the other {sizes.size - len(top)} groups")
    else:
        ax.plot(t[period].map(x), t[measure], marker="o", zorder=3)
    if overall is not None:
        o = _with_gaps(overall, period, measure)
        ax.plot(o[period].map(x), o[measure], color="black", lw=2, ls="--", label="everyone", zorder=4)
    name = label_and_scale(measure)[0]
    ax.set_xticks(range(len(periods)), periods, rotation=45)
    ax.set_title(plot_label(title or f"{name} by {_name(period).lower()}", 100))
    ax.set_xlabel("")
    ax.set_ylabel(name)
    _fmt(ax, percent)
    if hue or overall is not None:
        ax.legend(title=_name(hue) if hue else None, fontsize=8, bbox_to_anchor=(1.01, 1),
                  loc="upper left")
    fig.tight_layout()
    return fig


def km_curves(curves, title: str | None = None, horizon_months: float | None = None):
    """Kaplan–Meier curves (a ``tenure.TenureCurves``: only the groups the gate shows); the
    title says the cohort and grouping unless given."""
    _gate(curves, "km_curves", None)
    fig, ax = plt.subplots(figsize=(7, 4))
    _draw_km(ax, curves, horizon_months)
    ax.set_title(plot_label(title or curves.title(), 100))
    fig.tight_layout()
    return fig


def _draw_km(ax, curves, horizon_months: float | None) -> None:
    for fitter in curves.fitters.values():
        fitter.plot_survival_function(ax=ax, ci_show=True, ci_alpha=0.15)
    if horizon_months:
        ax.axvline(horizon_months, color="#999", ls="--", lw=1)
    ax.set_xlabel("months since hire")
    ax.set_ylabel("still employed")
    _fmt(ax, True)


def km_panels(curves: list, horizon_months: float | None = None):
    """Several ``TenureCurves`` side by side, one panel each, titled by their grouping."""
    for c in curves:
        _gate(c, "km_panels", None)
    fig, axes = plt.subplots(1, max(len(curves), 1), figsize=(5.2 * max(len(curves), 1), 4), squeeze=False)
    for ax, c in zip(axes[0], curves):
        _draw_km(ax, c, horizon_months)
        ax.set_title(plot_label(f"by {_name(c.group_by)}", 60))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def funnel(table: pd.DataFrame | None, group_by: str = "channel",
           stages=("applied", "screen", "interview", "offers", "hired")):
    """Share of applicants reaching each stage, per group (a ``metrics.funnel`` table);
    suppressed groups are left out. ``None`` (no candidates table) draws nothing."""
    if table is None:
        return None
    _gate(table, "funnel", None)
    t = table[_visible(table)].copy()
    t[group_by] = plot_labels(t[group_by])
    long = t.melt(id_vars=[group_by], value_vars=list(stages), var_name="stage", value_name="count")
    long["share"] = long["count"] / long[group_by].map(t.set_index(group_by)["applied"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    sns.barplot(data=long, x="stage", y="share", hue=group_by, ax=ax,
                palette=sns.color_palette(theme.PALETTE, t[group_by].nunique()))
    ax.set_yscale("log")
    ax.set_ylabel("share of applicants (log scale)")
    ax.set_title(f"Recruiting funnel by {_name(group_by).lower()}")
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def heatmap(table: pd.DataFrame, group_by: str, measures: list[str], title: str | None = None,
            min_group: int | None = None):
    """``group_by`` × measure heatmap, each column scaled to its own range; suppressed cells
    read ``<min_group``."""
    min_group = _gate(table, "heatmap", min_group)
    t = table.set_index(group_by)[measures].astype(float)
    t.index = plot_labels(t.index)
    hidden = ~_visible(table).to_numpy()
    t.iloc[hidden, :] = np.nan
    scaled = (t - t.min()) / (t.max() - t.min()).replace(0, 1)
    labels = t.map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    labels.iloc[hidden, :] = f"<{min_group}"
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(measures), 0.6 + 0.45 * len(t)))
    sns.heatmap(scaled, annot=labels.to_numpy(), fmt="", cmap=PALETTE, cbar=False, ax=ax, linewidths=0.5)
    for i in np.flatnonzero(hidden):  # seaborn leaves masked cells unlabelled
        for j in range(len(measures)):
            ax.text(j + 0.5, i + 0.5, f"<{min_group}", ha="center", va="center", fontsize=8, color="#b00020")
    ax.set_xticklabels([label_and_scale(m)[0] for m in measures], rotation=20, ha="right")
    ax.set_ylabel("")
    ax.set_title(plot_label(title or f"{_name(group_by)} at a glance (colour: rank within each column)", 100))
    fig.tight_layout()
    return fig


def _matrix(matrix: pd.DataFrame, title: str, fmt: str, xlabel: str, ylabel: str, min_group: int,
            log: bool = False):
    """A from × to matrix whose hidden cells are NaN (from the privacy gate): values shown,
    hidden cells read ``<min_group``. ``log``: colours on a logarithmic scale (linear below 1),
    so a few large cells (the diagonal, a pooled "Other") do not wash out the rest."""
    from matplotlib.colors import SymLogNorm

    shown = matrix.astype(float)
    shown.index, shown.columns = plot_labels(shown.index, 20), plot_labels(shown.columns, 20)
    labels = shown.map(lambda v: "" if pd.isna(v) else fmt.format(v))
    fig, ax = plt.subplots(figsize=(max(4.5, 1.5 + 0.9 * len(matrix.columns)), max(3.0, 1 + 0.6 * len(matrix))))
    norm = SymLogNorm(linthresh=1.0, vmin=0, vmax=max(float(np.nanmax(shown.to_numpy(), initial=1.0)), 1.0)) \
        if log else None
    sns.heatmap(shown, annot=labels.to_numpy(), fmt="", cmap=PALETTE, cbar=False, ax=ax, linewidths=0.5, norm=norm)
    for i, j in zip(*np.nonzero(shown.isna().to_numpy())):  # seaborn leaves masked cells unlabelled
        ax.text(j + 0.5, i + 0.5, f"<{min_group}", ha="center", va="center", fontsize=8, color="#b00020")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(plot_label(title, 100))
    fig.tight_layout()
    return fig


def flow_matrix(matrix: pd.DataFrame, title: str = "Knowledge flow: attendances from presenter's unit to attendee's"):
    """A ``network.flow_matrix`` (rows: from, columns: to); hidden cells read ``<min_group``."""
    min_group = _gate(matrix, "flow_matrix", None)
    return _matrix(matrix, title, "{:.0f}", "attendee's unit", "presenter's unit", min_group)


def talent_flows(matrix: pd.DataFrame, by: str = "country"):
    """A ``market.flow_matrix`` (rows: where people moved from, columns: where to, counted by
    people); hidden cells read ``<min_group``, colours on a log scale."""
    min_group = _gate(matrix, "talent_flows", None)
    if matrix.empty:
        return None
    return _matrix(matrix, f"Researchers who moved, from {by} (rows) to {by} (columns)", "{:.0f}", f"to {by}",
                   f"from {by}", min_group, log=True)


def unit_matrix(matrix: pd.DataFrame, title: str = "Collaboration: tie weight from sender's unit to recipient's"):
    """A ``collaboration.unit_matrix`` (rows: sender's unit, columns: recipient's); hidden
    cells read ``<min_group``."""
    min_group = _gate(matrix, "unit_matrix", None)
    return _matrix(matrix, title, "{:,.0f}", "recipient's unit", "sender's unit", min_group, log=True)


def transitions(matrix: pd.DataFrame, years: list[int] | None = None):
    """A ``FlowModel.transitions`` matrix (rows: from, columns: to or exit) fitted on ``years``;
    hidden cells read ``<min_group``."""
    min_group = _gate(matrix, "transitions", None)
    title = "Yearly transition probabilities" + (f", {years[0]}–{years[-1]}" if years else "")
    return _matrix(matrix, title, "{:.2f}", "to", "from", min_group)


def unit_graph(g, title: str = "Units: knowledge flow (width) and internal moves (dashed)", min_group: int = MIN_GROUP):
    """The unit graph drawn on a circle: edge width by flow, dashed edges for moves; edges
    under ``min_group`` are not drawn."""
    import networkx as nx

    fig, ax = plt.subplots(figsize=(6, 5))
    pos = nx.circular_layout(sorted(g.nodes, key=str))
    flow = _visible_edges(g, "weight", min_group)
    top = max([g[u][v]["weight"] for u, v in flow] or [1])
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color="#4c72b0", node_size=900)
    nx.draw_networkx_labels(g, pos, labels={n: plot_label(n, 12) for n in g.nodes}, ax=ax, font_color="white",
                            font_size=9)
    nx.draw_networkx_edges(g, pos, edgelist=flow, ax=ax, width=[0.5 + 6 * g[u][v]["weight"] / top for u, v in flow],
                           alpha=0.6, arrows=True, connectionstyle="arc3,rad=0.12", node_size=900)
    moves = _visible_edges(g, "moves", min_group)
    nx.draw_networkx_edges(g, pos, edgelist=moves, ax=ax, style="dashed", edge_color="#dd8452", arrows=True,
                           connectionstyle="arc3,rad=-0.2", node_size=900)
    ax.set_title(plot_label(title, 100))
    ax.axis("off")
    fig.tight_layout()
    return fig


def _visible_edges(g, attr: str, min_group: int) -> list[tuple]:
    """Edges between different units whose ``attr`` count the privacy gate shows (cells of the
    unit × unit matrix, with complementary suppression by rows and columns)."""
    nodes = sorted(g.nodes, key=str)
    m = pd.DataFrame(0.0, index=nodes, columns=nodes)
    for u, v, w in g.edges(data=attr):
        if u != v and w:
            m.loc[u, v] = w
    hidden = suppress_matrix(m, min_group)
    return [(u, v) for u, v, w in g.edges(data=attr) if u != v and w and not hidden.loc[u, v]]


def ladder(table: pd.DataFrame, metric: str = "f1"):
    """A text-model ladder (``ladder.run(...).table``): each model's ``metric`` with its 95%
    interval, and its paired difference from the baseline on the same folds, 0 marked."""
    t = table.sort_values(metric)
    names = [plot_label(m, 34) for m in t["model"]]
    label = {"f1": "F1", "roc_auc": "ROC-AUC"}.get(metric, metric)
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.5 * len(t) + 1.6), sharey=True)
    y = np.arange(len(t))
    for ax, col, title in ((axes[0], metric, label), (axes[1], f"diff_{metric}", f"{label} minus the baseline's")):
        mid, lo, hi = t[col].to_numpy(), t[f"{col}_lo"].to_numpy(), t[f"{col}_hi"].to_numpy()
        err = np.vstack([mid - np.where(np.isfinite(lo), lo, mid), np.where(np.isfinite(hi), hi, mid) - mid])
        ax.errorbar(mid, y, xerr=err, fmt="o", color=sns.color_palette()[0], capsize=3)
        ax.set_title(title + " (95% interval)", fontsize=10)
    axes[1].axvline(0, color="#999", ls="--", lw=1)
    axes[0].set_yticks(y, names)
    fig.tight_layout()
    return fig


def pr_curves(y, probas: dict[str, np.ndarray], title: str = "Precision–recall on the test split"):
    """Precision–recall curves of several scorers on the same labels."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig, ax = plt.subplots(figsize=(5, 4))
    for name, p in probas.items():
        precision, recall, _ = precision_recall_curve(y, p)
        ax.plot(recall, precision, label=f"{name} (AP {average_precision_score(y, p):.2f})")
    ax.axhline(np.mean(y), color="#999", ls="--", lw=1, label="share positive")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def comparison(result):
    """A ``scenarios.compare`` result: exits, R and total cost a year, one line per scenario.
    The baseline is drawn last, dashed, so a scenario equal to it cannot hide it; each axis
    spans at least a tenth of its values (:func:`honest_limits`), so a flat line looks flat."""
    _gate(result.path, "comparison", None)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    path = result.path.assign(scenario=lambda t: t["scenario"].map(value_label))
    others = path[path["scenario"] != "baseline"]
    base = path[path["scenario"] == "baseline"]
    for ax, col, title in zip(axes, ["exits", "R", "total_cost"], ["Exits a year", "R (1 − exit rate)",
                                                                    "Total cost a year"]):
        if len(others):
            sns.lineplot(data=others, x="year", y=col, hue="scenario", marker="o", ax=ax, legend=ax is axes[-1],
                         palette=theme.PALETTE[1:1 + others["scenario"].nunique()])
        ax.plot(base["year"], base[col], linestyle="--", marker="s", color="#555555", label="baseline", zorder=5)
        ax.set_title(title)
        ax.set_ylabel("")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # years, not 1.2 or 1.4
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}" if col != "R" else "{x:.1%}"))
        honest_limits(ax, path[col], upper=1.0 if col == "R" else None)
    axes[-1].legend(title="Scenario", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def honest_limits(ax, values, share: float = 0.1, upper: float | None = None) -> None:
    """Widen ``ax``'s y range to at least ``share`` of the values' size around their middle
    (0.83074 to 0.83086 would make a flat line look steep), within ``upper`` when given."""
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    middle, span = (lo + hi) / 2, max(hi - lo, share * abs((lo + hi) / 2))
    bottom, top = middle - span * 0.6, middle + span * 0.6
    if upper is not None and top > upper:
        bottom, top = bottom - (top - upper), upper
    ax.set_ylim(bottom, top)


def staffing_plans(plans):
    """A ``staffing.plan_applications`` result as bars: one row per scenario and skill, a bar
    from each search's start to the arrival, coloured by source, labelled with the people."""
    bars = plans.bars
    _gate(bars, "staffing_plans", None)
    if not len(bars):
        return None
    rows = sorted(set(zip(bars["scenario"], bars["skill"])))
    fig, ax = plt.subplots(figsize=(10, 0.4 * len(rows) + 1))
    colors = dict(zip(sorted(bars["source"].unique()), theme.PALETTE))
    for y, (scenario, skill) in enumerate(rows):
        for row in bars[(bars["scenario"] == scenario) & (bars["skill"] == skill)].itertuples():
            ax.barh(y, row.arrival - row.start + 0.8, left=row.start - 0.4, color=colors[row.source], alpha=0.8)
            ax.text(row.arrival + 0.45, y, str(row.people), va="center", fontsize=7)
    ax.set_yticks(range(len(rows)), [plot_label(f"{s} · {k}", 40) for s, k in rows], fontsize=7)
    ax.set_xlabel("quarter (bar: from search start to arrival)")
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in colors.values()], labels=list(colors),
              fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.set_title("Staffing plans")
    fig.tight_layout()
    return fig


def hazard_ratios(result, k: int = 15, title: str = "Cox model: hazard ratios (95% interval), log scale"):
    """Forest plot of a ``drivers.cox`` result: the ``k`` covariates farthest from a hazard
    ratio of 1 (hidden ones left out), each with its interval; right of 1 means more leaving."""
    _gate(result, "hazard_ratios", None)
    t = result.table[~result.table[SUPPRESSED]].copy()
    t = t.loc[np.abs(np.log(t["hazard_ratio"])).sort_values(ascending=False).index].head(k).iloc[::-1]
    labels = plot_labels(t["attribute"] + ": " + t["level"], 60)
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(t) + 1.2))
    y = np.arange(len(t))
    significant = (t["p"] < 0.05).to_numpy()
    colors = np.where(t["hazard_ratio"] > 1, "#b2182b", "#2166ac")
    ax.hlines(y, t["hr_lo"], t["hr_hi"], color=np.where(significant, colors, "#999"), lw=2)
    ax.scatter(t["hazard_ratio"], y, color=np.where(significant, colors, "#999"), zorder=3)
    ax.axvline(1, color="#333", lw=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("hazard ratio (grey: p ≥ 0.05)")
    ax.set_title(plot_label(title, 100))
    fig.tight_layout()
    return fig


def _model_figure(table, what: str):
    """The square figure of a model comparison, once its table passed the gate."""
    _gate(table, what, None)
    return plt.subplots(figsize=(5.2, 4.4))


def roc_curves(result, title: str = "ROC curves, out-of-fold risk"):
    """ROC curve of each model of a ``drivers.compare_models`` result, on its out-of-fold
    risk (the mean over repeats), with the cross-validated ROC-AUC in the legend."""
    from sklearn.metrics import roc_curve

    fig, ax = _model_figure(result.table, "roc_curves")
    aucs = result.table.set_index("model")["roc_auc"]
    for name in result.risk.columns:
        fpr, tpr, _ = roc_curve(result.y, result.risk[name])
        ax.plot(fpr, tpr, label=f"{name} (CV AUC {aucs[name]:.2f})", lw=2 if name == result.best else 1.2)
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="chance")
    ax.set_xlabel("share of stayers flagged (false positive rate)")
    ax.set_ylabel("share of leavers flagged (true positive rate)")
    ax.set_title(plot_label(title, 100))
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def calibration(result, title: str = "Calibration: observed against predicted risk"):
    """Observed leaving rate against mean predicted risk by decile of risk, per model of a
    ``drivers.compare_models`` result; the diagonal is perfect calibration."""
    fig, ax = _model_figure(result.calibration, "calibration")
    for name, g in result.calibration.groupby("model", sort=False):
        ax.plot(g["predicted"], g["observed"], marker="o", ms=4, label=name)
    top = float(max(result.calibration["predicted"].max(), result.calibration["observed"].max(), 0.05))
    ax.plot([0, top], [0, top], color="#999", ls="--", lw=1, label="perfect")
    ax.set_xlabel("predicted risk (decile mean)")
    ax.set_ylabel("observed share who left")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    _fmt(ax, True)
    ax.set_title(plot_label(title, 100))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def importance(table: pd.DataFrame, k: int = 15, title: str | None = None):
    """Permutation importance (a ``drivers.compare_models`` result's ``importance``): the
    drop in held-out ROC-AUC when an attribute is shuffled, with its spread across folds."""
    _gate(table, "importance", None)
    t = table.head(k).iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(t) + 1.2))
    ax.barh(plot_labels(t["attribute"]), t["importance"], xerr=t["across_folds_sd"].fillna(0),
            color=sns.color_palette(PALETTE, len(t)), ecolor="#333", capsize=2)
    ax.axvline(0, color="#333", lw=1)
    ax.set_xlabel("drop in ROC-AUC when shuffled")
    model = table["model"].iloc[0] if len(table) else ""
    ax.set_title(plot_label(title or f"What the {model} model relies on (held-out folds)", 100))
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- surveys

AGREE_COLOURS = ("#c8553d", "#d9d9d9", "#2a7f62")  # unfavourable, neutral, favourable (Culture Amp's bands)


def diverging_bars(scores: pd.DataFrame, title: str = "Answers by item: unfavourable, neutral, favourable"):
    """One bar per item (from ``survey.item_scores``): unfavourable to the left, neutral
    centred on zero, favourable to the right; N/A answers are no part of the bar and are
    written apart, to its right. An item under the gate shows ``hidden`` and no bar."""
    _gate(scores, "diverging_bars", None)
    t = scores.reset_index(drop=True)
    shown = _visible(t) & t["favourable"].notna()
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.42 * len(t)))
    y = np.arange(len(t))
    unfav, neutral, fav = (t[c].where(shown, 0).astype(float).fillna(0).to_numpy()  # unpublished shares: no band
                           for c in ("unfavourable", "neutral", "favourable"))
    ax.barh(y, -unfav, left=-neutral / 2, color=AGREE_COLOURS[0], label="Unfavourable")
    ax.barh(y, neutral, left=-neutral / 2, color=AGREE_COLOURS[1], label="Neutral")
    ax.barh(y, fav, left=neutral / 2, color=AGREE_COLOURS[2], label="Favourable")
    for i in range(len(t)):
        if not shown[i]:
            ax.text(0, i, "hidden", ha="center", va="center", fontsize=8, color="#b00020")
            continue
        ax.text(neutral[i] / 2 + fav[i] + 0.02, i, f"{fav[i]:.0%}", va="center", fontsize=8)
        na = t.loc[i, "not_applicable"]
        if na and not pd.isna(na):
            ax.text(1.02, i, f"N/A {int(na):,}", va="center", fontsize=8, color="#555", transform=ax.get_yaxis_transform())
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_yticks(y, plot_labels(t["item"], 60), fontsize=8)
    ax.set_ylim(len(t) - 0.5, -0.5)
    ax.set_xlim(-1, 1.15)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0%}"))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=8)
    ax.set_title(plot_label(title, 100), pad=24)
    fig.tight_layout()
    return fig


def survey_heatmap(cells: pd.DataFrame, title: str | None = None, max_groups: int = 40):
    """Items (rows) by groups (columns) from ``survey.heatmap``: each cell's favourable share,
    coloured relative to the other cells (relative, not good or bad); a cell under the gate
    reads ``<min_group``, one hidden to protect another ``hidden``; a group hidden in every
    cell is left out (its count said in the title). Beyond ``max_groups`` groups, the
    largest by respondents."""
    min_group = _gate(cells, "survey_heatmap", None)
    group_by = cells.attrs["group_by"]
    t = cells.assign(_word=_hidden_words(cells, min_group))
    whole = t.groupby(group_by)[SUPPRESSED].all()  # a group hidden in every cell is left out, not named
    t = t[~t[group_by].map(whole).astype(bool)]
    sizes = t.groupby(group_by)["answered"].max().fillna(0).sort_values(ascending=False, kind="stable")
    keep = list(sizes.index[:max_groups])
    t = t[t[group_by].isin(keep)]
    values = t.pivot(index="item", columns=group_by, values="favourable").reindex(columns=keep).astype(float)
    words = t.pivot(index="item", columns=group_by, values="_word").reindex(columns=keep)
    values = values.reindex(list(dict.fromkeys(cells["item"])))
    words = words.reindex(values.index)
    labels = values.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
    fig, ax = plt.subplots(figsize=(2.5 + 0.62 * len(keep), 1.2 + 0.42 * len(values)))
    sns.heatmap(values, annot=labels.to_numpy(), fmt="", cmap=PALETTE, cbar=False, ax=ax, linewidths=0.5,
                annot_kws={"fontsize": 7})
    for i, j in zip(*np.nonzero(values.isna().to_numpy())):
        ax.text(j + 0.5, i + 0.5, words.iloc[i, j], ha="center", va="center", fontsize=6, color="#b00020")
    ax.set_yticks(np.arange(len(values)) + 0.5, plot_labels(values.index, 48), fontsize=7, rotation=0)
    ax.set_xticks(np.arange(len(keep)) + 0.5, plot_labels(keep, 18), fontsize=7, rotation=45, ha="right")
    ax.set_xlabel(_name(group_by))
    ax.set_ylabel("")
    more = f"; the {max_groups} largest of {len(sizes)}" if len(sizes) > max_groups else ""
    more += f"; {int(whole.sum())} hidden in every cell, left out" if whole.any() else ""
    ax.set_title(plot_label(title or f"Favourable share by item and {_name(group_by).lower()} (colour: relative "
                            f"to the other cells{more})", 110))
    fig.tight_layout()
    return fig


def key_drivers(drivers: pd.DataFrame, title: str | None = None):
    """Each driver item's relative weight with its interval, strongest at the top, and its
    favourable share written beside it; focus items (that matter and score low) in red."""
    if drivers is None or drivers.empty:  # refused, or no items: nothing to draw
        return None
    _gate(drivers, "key_drivers", None)
    t = drivers.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.42 * len(t)))
    y = np.arange(len(t))
    ax.barh(y, t["weight"], color=np.where(t["focus"].astype(bool), "#c8553d", "#2a7f62"))
    ax.errorbar(t["weight"], y, xerr=[t["weight"] - t["weight_lo"], t["weight_hi"] - t["weight"]], fmt="none",
                ecolor="#333", capsize=2)
    for i, row in t.iterrows():
        ax.text(1.01, i, f"{row['favourable']:.0%} favourable", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    ax.set_yticks(y, plot_labels(t["item"], 50), fontsize=8)
    ax.set_ylim(len(t) - 0.5, -0.5)
    ax.set_xlabel("Relative weight (share of the outcome's variance it explains)")
    ax.set_title(plot_label(title or "What moves engagement (red: focus items, that matter and score low)", 100))
    fig.tight_layout()
    return fig


def comment_themes(themes: pd.DataFrame, title: str = "Comment themes: share of the comments"):
    """Bars of each theme's share of the comments (from ``survey.comment_themes``); hidden
    themes are one line each, with no label but ``hidden``."""
    if themes is None or themes.empty:  # refused, or no comments: nothing to draw
        return None
    _gate(themes, "comment_themes", None)
    t = themes.reset_index(drop=True)
    shown = _visible(t)
    fig, ax = plt.subplots(figsize=(8.5, 1.0 + 0.4 * len(t)))
    y = np.arange(len(t))
    ax.barh(y, t["share"].where(shown, 0).astype(float), color=np.where(t["is_outlier"], "#bbbbbb", "#2a7f62"))
    for i in np.flatnonzero(~shown.to_numpy()):
        ax.text(0, float(i), " hidden", va="center", fontsize=8, color="#b00020")
    ax.set_yticks(y, plot_labels(t["theme"].where(shown, "hidden"), 50), fontsize=8)
    ax.set_ylim(len(t) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(plot_label(title, 100))
    fig.tight_layout()
    return fig


def event_study(estimates, title: str | None = None):
    """Both event studies of ``impact.estimate`` by period since the start, each point with its
    95 % interval (imputation, and the saturated beside it, shifted a little), the reference
    period -1 at zero, a dashed line at the start."""
    if estimates is None:
        return None
    _gate(estimates.by_period, "event_study", None)
    t = estimates.by_period
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    colours = sns.color_palette(PALETTE, 2)
    for k, (suffix, name) in enumerate((("", "imputation (did2s)"), ("_saturated", "saturated event study"))):
        rows = t.dropna(subset=[f"estimate{suffix}"])
        x = rows["rel"] + (k - 0.5) * 0.2
        ax.errorbar(x, rows[f"estimate{suffix}"], yerr=[rows[f"estimate{suffix}"] - rows[f"lo{suffix}"],
                    rows[f"hi{suffix}"] - rows[f"estimate{suffix}"]], fmt="o", ms=4, capsize=2, color=colours[k],
                    label=name)
    ax.axhline(0, color="#333", lw=0.8)
    ax.axvline(-0.5, color="#999", ls="--", lw=0.8)
    ax.set_xlabel("periods since the start (leads before the dashed line: the pre-trend check)")
    ax.set_ylabel(plot_label(estimates.measure, 40))
    ax.set_title(plot_label(title or f"{estimates.programme}: effect by period since the start (95 % intervals)", 100))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
