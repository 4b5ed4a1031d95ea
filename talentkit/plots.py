"""Figures with one style. Each helper takes a (suppressed) table from ``metrics`` or
``tenure``, never plots a suppressed group's value (it is labelled ``<min_group>``
instead), and returns the matplotlib figure."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .markup import plot_label, plot_labels
from .privacy import MIN_GROUP, SUPPRESSED, suppress_matrix

PALETTE = "crest"
sns.set_theme(style="whitegrid", context="notebook", palette="deep")


def _visible(table: pd.DataFrame) -> pd.Series:
    return ~table[SUPPRESSED] if SUPPRESSED in table else pd.Series(True, index=table.index)


def _fmt(ax, percent: bool):
    if percent:
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))


def kpi_bars(table: pd.DataFrame, group: str, measure: str, title: str | None = None,
             percent: bool = True, min_group: int = MIN_GROUP):
    """Bars of ``measure`` per ``group`` with its ``_lo``/``_hi`` interval; suppressed groups
    show ``<min_group`` and no bar."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    t = table.reset_index(drop=True)
    x = np.arange(len(t))
    shown = _visible(t) & t[measure].notna()
    values = t[measure].where(shown, 0)
    ax.bar(x, values, color=sns.color_palette(PALETTE, len(t)))
    if f"{measure}_lo" in t:
        err = np.vstack([(values - t[f"{measure}_lo"]).where(shown, 0), (t[f"{measure}_hi"] - values).where(shown, 0)])
        ax.errorbar(x, values, yerr=np.clip(err.astype(float), 0, None), fmt="none", ecolor="#333", capsize=3)
    for i in np.flatnonzero(~shown.to_numpy()):
        ax.text(i, 0, f"<{min_group}", ha="center", va="bottom", color="#b00020", fontsize=9)
    labels = plot_labels(t[group])
    tilt = len(t) > 6 or max((len(v) for v in labels), default=0) * len(t) > 60  # long labels would overlap
    ax.set_xticks(x, labels, rotation=30 if tilt else 0, ha="right" if tilt else "center")
    ax.set_ylabel(measure.replace("_", " "))
    ax.set_title(plot_label(title or f"{measure.replace('_', ' ')} by {group}", 100))
    _fmt(ax, percent)
    fig.tight_layout()
    return fig


def trend(table: pd.DataFrame, period: str, measure: str, hue: str | None = None, title: str | None = None,
          percent: bool = True):
    """``measure`` over ``period`` (quarter or year), one line per ``hue``; suppressed points are gaps."""
    t = table.copy()
    t.loc[~_visible(t), measure] = np.nan
    if hue:
        t[hue] = plot_labels(t[hue])
    fig, ax = plt.subplots(figsize=(8, 3.6))
    sns.lineplot(data=t, x=period, y=measure, hue=hue, marker="o", ax=ax, sort=False)
    ax.set_title(plot_label(title or f"{measure.replace('_', ' ')} by {period}", 100))
    ax.set_xlabel("")
    ax.tick_params(axis="x", rotation=45)
    _fmt(ax, percent)
    if hue:
        ax.legend(title=hue, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def km_curves(curves: dict, title: str = "Tenure: share still employed", horizon_months: float | None = None):
    """Kaplan–Meier curves (from ``tenure.km_curves``, which already drops small groups)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for fitter in curves.values():
        fitter.plot_survival_function(ax=ax, ci_show=True, ci_alpha=0.15)
    if horizon_months:
        ax.axvline(horizon_months, color="#999", ls="--", lw=1)
    ax.set_xlabel("months since hire")
    ax.set_ylabel("still employed")
    ax.set_title(plot_label(title, 100))
    _fmt(ax, True)
    fig.tight_layout()
    return fig


def funnel(table: pd.DataFrame, group: str = "channel", stages=("applied", "screen", "interview", "offers", "hired")):
    """Share of applicants reaching each stage, per group; suppressed groups are left out."""
    t = table[_visible(table)].copy()
    t[group] = plot_labels(t[group])
    long = t.melt(id_vars=[group], value_vars=list(stages), var_name="stage", value_name="count")
    long["share"] = long["count"] / long[group].map(t.set_index(group)["applied"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    sns.barplot(data=long, x="stage", y="share", hue=group, ax=ax, palette="deep")
    ax.set_yscale("log")
    ax.set_ylabel("share of applicants (log scale)")
    ax.set_title(f"Recruiting funnel by {group}")
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def heatmap(table: pd.DataFrame, row: str, measures: list[str], title: str | None = None,
            min_group: int = MIN_GROUP):
    """``row`` × measure heatmap, each column scaled to its own range; suppressed cells read ``<min_group``."""
    t = table.set_index(row)[measures].astype(float)
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
    ax.set_xticklabels([m.replace("_", " ") for m in measures], rotation=20, ha="right")
    ax.set_ylabel("")
    ax.set_title(plot_label(title or f"{row} at a glance (colour: rank within each column)", 100))
    fig.tight_layout()
    return fig


def matrix_heatmap(matrix: pd.DataFrame, hidden: pd.DataFrame, title: str, fmt: str = "{:.0f}",
                   xlabel: str = "", ylabel: str = "", min_group: int = MIN_GROUP):
    """A from × to matrix with its values; cells where ``hidden`` is true read ``<min_group``."""
    shown = matrix.astype(float).mask(hidden.to_numpy())
    shown.index, shown.columns = plot_labels(shown.index, 20), plot_labels(shown.columns, 20)
    labels = shown.map(lambda v: "" if pd.isna(v) else fmt.format(v))
    fig, ax = plt.subplots(figsize=(1.5 + 0.9 * len(matrix.columns), 1 + 0.6 * len(matrix)))
    sns.heatmap(shown, annot=labels.to_numpy(), fmt="", cmap=PALETTE, cbar=False, ax=ax, linewidths=0.5)
    for i, j in zip(*np.nonzero(shown.isna().to_numpy())):  # seaborn leaves masked cells unlabelled
        ax.text(j + 0.5, i + 0.5, f"<{min_group}", ha="center", va="center", fontsize=8, color="#b00020")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(plot_label(title, 100))
    fig.tight_layout()
    return fig


def flow_heatmap(matrix: pd.DataFrame, title: str = "Knowledge flow: attendances from presenter's unit to attendee's",
                 min_group: int = MIN_GROUP):
    """Flow matrix (rows: from, columns: to); cells under ``min_group`` read ``<min_group``."""
    return matrix_heatmap(matrix, suppress_matrix(matrix, min_group), title, "{:.0f}", "attendee's unit",
                          "presenter's unit", min_group)


def unit_network(g, title: str = "Units: knowledge flow (width) and internal moves (dashed)", min_group: int = MIN_GROUP):
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


def training_curve(log_history: list[dict]):
    """Training loss by step and dev F1 by epoch, from the Trainer's log history."""
    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h and "step" in h]
    dev = [(h["epoch"], h["eval_f1"], h.get("eval_loss")) for h in log_history if "eval_f1" in h]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    if train:
        axes[0].plot(*zip(*train), marker=".")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("training loss")
    if dev:
        axes[1].plot([d[0] for d in dev], [d[1] for d in dev], marker="o", label="dev F1 (threshold 0.5)")
        if all(d[2] is not None for d in dev):
            axes[1].plot([d[0] for d in dev], [d[2] for d in dev], marker="s", label="dev loss")
        axes[1].legend(fontsize=8)
    axes[1].set_xlabel("epoch")
    fig.suptitle("Fine-tuning")
    fig.tight_layout()
    return fig


def confusion(confusions: dict[str, dict], labels=("negative", "positive")):
    """Confusion matrices side by side (``{"model": {"tn":..}, "baseline": {...}}``)."""
    fig, axes = plt.subplots(1, len(confusions), figsize=(3.6 * len(confusions), 3.2))
    axes = np.atleast_1d(axes)
    for ax, (name, c) in zip(axes, confusions.items()):
        m = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
        sns.heatmap(m, annot=True, fmt="d", cmap=PALETTE, cbar=False, ax=ax,
                    xticklabels=[plot_label(f"pred {labels[0]}", 24), plot_label(f"pred {labels[1]}", 24)],
                    yticklabels=[plot_label(labels[0], 24), plot_label(labels[1], 24)])
        ax.set_title(name)
    fig.tight_layout()
    return fig


def pr_curves(y, probas: dict[str, np.ndarray]):
    """Precision–recall curves of several scorers on the same labels."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig, ax = plt.subplots(figsize=(5, 4))
    for name, p in probas.items():
        precision, recall, _ = precision_recall_curve(y, p)
        ax.plot(recall, precision, label=f"{name} (AP {average_precision_score(y, p):.2f})")
    ax.axhline(np.mean(y), color="#999", ls="--", lw=1, label="share positive")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision–recall on the test split")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
