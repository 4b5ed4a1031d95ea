"""Live controls for a person reading a notebook in JupyterLab (ipywidgets); none under the
batch runner.

Every notebook has an ``interactive`` parameter, ``"auto"`` by default: on in a live
kernel, off when the runner executes the notebook. The runner signals itself by setting
``TALENTKIT_JOB_DIR`` in the kernel's environment (:func:`talentkit.core.results.job_dir`), so a
report never holds a widget. ``True`` or ``False`` force it either way.

Each explorer recomputes through the package, with the same functions the notebook's cells
call, never a copy of their logic; it returns the ``ipywidgets.interactive`` (whose
``result`` is the latest computation, so a test or a curious reader can look at it), or
``None`` when not shown.
"""

from __future__ import annotations

import functools

from .core.errors import ParameterError
from .core.results import job_dir

# Each explorer imports its analyses when it builds: a batch run (no controls) pays nothing.

INTERACTIVE = ("auto", True, False)


def live(interactive="auto") -> bool:
    """Whether to build controls: ``interactive`` ``True``/``False`` as given; ``"auto"``: in
    an IPython kernel that the batch runner did not start."""
    if interactive not in INTERACTIVE or isinstance(interactive, int) and not isinstance(interactive, bool):
        raise ParameterError(f"interactive must be 'auto', True or False, not {interactive!r}")
    if interactive != "auto":
        return bool(interactive)
    if job_dir() is not None:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _show(function, **controls):
    """``ipywidgets.interactive(function, **controls)``, displayed; its ``result`` is the
    function's latest return value."""
    import ipywidgets as w
    from IPython.display import display

    widget = w.interactive(function, **controls)
    display(widget)
    return widget


def _draw(fig) -> None:
    """Show a figure inside the explorer's output, then free it."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def metrics_explorer(ds, group_keys: list[str], group_by: str, end, months: int = 12, min_group: int = 5,
                     interactive="auto"):
    """01: choose the grouping and the period's length (months up to ``end``); the KPI table
    and the turnover bars are recomputed by :func:`talentkit.metrics.workforce`."""
    if not live(interactive):
        return None
    import ipywidgets as w

    from .data.timeline import trailing
    from .metrics import workforce
    from .plots import kpi_bars
    from .show import styled

    def update(group_by=group_by, months=months):
        from IPython.display import display

        kpi = workforce(ds, *trailing(end, months), group_by, min_group=min_group)
        display(styled(kpi[[group_by, "n", "separations", "turnover_annual", "turnover_annual_lo",
                            "turnover_annual_hi", "period_retention", "suppressed"]]))
        _draw(kpi_bars(kpi, group_by, "turnover_annual", f"Annualized turnover, last {months} months"))
        return kpi

    return _show(update, group_by=w.Dropdown(options=group_keys, value=group_by, description="group by"),
                 months=w.IntSlider(value=months, min=3, max=36, step=3, description="months",
                                    continuous_update=False))


def threshold_explorer(result, interactive="auto"):
    """02: move the winner's decision threshold and read precision, recall, F1 and the share
    flagged on the held-out texts (:func:`talentkit.textclf.scores`)."""
    if not live(interactive):
        return None
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from .textclf import scores

    y = result.oof["y"].to_numpy()
    p = result.oof[f"p_{result.winner}"].to_numpy()

    def at_threshold(t: float) -> dict:
        s = scores(y, p, t)
        return {**s, "flagged": (s["confusion"]["tp"] + s["confusion"]["fp"]) / len(y)}

    def update(threshold=0.5):
        from IPython.display import Markdown, display

        from .core.markup import md_text

        m = at_threshold(threshold)
        display(Markdown(md_text("Threshold **{t:.2f}**: precision {precision:.2f}, recall {recall:.2f}, "
                                 "F1 {f1:.2f}; {flagged:.0%} of texts flagged.", t=threshold, precision=m["precision"],
                                 recall=m["recall"], f1=m["f1"], flagged=m["flagged"])))
        fig, ax = plt.subplots(figsize=(5, 3.6))
        curve = [at_threshold(t) for t in [i / 50 for i in range(1, 50)]]
        ax.plot([c["recall"] for c in curve], [c["precision"] for c in curve], color="#4c72b0")
        ax.plot([m["recall"]], [m["precision"]], "o", color="#c44e52", markersize=9)
        ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02),
               title="Precision against recall, held-out texts")
        _draw(fig)
        return m

    return _show(update, threshold=w.FloatSlider(value=0.5, min=0.02, max=0.98, step=0.02, description="threshold",
                                                 continuous_update=False))


def case_explorer(interactive="auto"):
    """03: change the article case's assumptions (how many of its 50 movers moved internally
    rather than left; how many offers were declined) and see what changes: A, R, F and S do
    not (the article's point), the split of movers and the offer acceptance do. All from
    :func:`talentkit.casestudy.article_case` through the notebook's own functions."""
    if not live(interactive):
        return None
    import ipywidgets as w

    from .casestudy import (
        CASE_END,
        CASE_MIN_GROUP,
        CASE_REGION,
        CASE_START,
        article_case,
        case_metrics,
        compare_with_article,
        movers_and_leavers,
    )
    from .metrics import funnel
    from .show import styled

    def update(moved_internally=30, offers_declined=25):
        from IPython.display import Markdown, display

        from .core.markup import md_text

        case = article_case(moved_internally, offers_declined)
        measures = compare_with_article(case_metrics(case))
        split = movers_and_leavers(case, CASE_START, CASE_END, CASE_REGION, 12, min_group=CASE_MIN_GROUP)
        acceptance = float(funnel(case, group_by=None, min_group=CASE_MIN_GROUP).iloc[0]["offer_acceptance"])
        display(styled(measures), styled(split[["outcome", "people", "share"]]))
        display(Markdown(md_text("Offer acceptance: **{rate:.0%}**.", rate=acceptance)))
        return {"measures": measures, "split": split, "offer_acceptance": acceptance}

    return _show(update, moved_internally=w.IntSlider(value=30, min=0, max=50, step=5, description="moved",
                                                      continuous_update=False),
                 offers_declined=w.IntSlider(value=25, min=0, max=60, step=5, description="declined",
                                             continuous_update=False))


def scenario_explorer(model, base, years: int = 5, growth: float = 0.0, interactive="auto"):
    """04: sliders for the levers (the same levers and costs as ``scenarios.policy_menu``)
    that redraw ``plots.comparison`` of a what-if scenario against the baseline, the
    baseline always drawn (dashed) and the axes never narrower than a tenth of the values."""
    if not live(interactive):
        return None
    import ipywidgets as w

    from .plots import comparison
    from .scenarios import Scenario, compare, pay_raise, rotation, sharing_bonus

    def update(attrition=1.0, rotation_rate=0.0, sharing=0.0):
        levers = []
        if attrition != 1.0:
            levers.append(pay_raise(base, attrition))
        if rotation_rate > 0 and len(model.units) > 1:
            levers.append(rotation(model, base, rotation_rate))
        if sharing > 0:
            levers.append(sharing_bonus(sharing))
        result = compare(model, [Scenario("what-if", levers)], base, years, growth)
        _draw(comparison(result))
        return result.table

    slider = functools.partial(w.FloatSlider, continuous_update=False)
    return _show(update, attrition=slider(value=1.0, min=0.5, max=1.5, step=0.05, description="exits ×"),
                 rotation_rate=slider(value=0.0, min=0.0, max=0.2, step=0.01, description="rotation"),
                 sharing=slider(value=0.0, min=0.0, max=0.3, step=0.01, description="S uplift"))


def key_person_explorer(g, f, ds, unit: str, top_k: int = 5, min_group: int = 5, interactive="auto"):
    """05: choose ``top_k`` and a presenter to take out; the key-person table
    (:func:`talentkit.network.key_people`) and the reach left without that person
    (:func:`~talentkit.network.reach_after_removal`) are recomputed. People appear as
    pseudonyms, and only those the report's gate shows (reach of at least ``min_group``)."""
    if not live(interactive):
        return None
    import ipywidgets as w

    from .core.privacy import pseudonym
    from .network import key_people, key_person_risk, reach_after_removal
    from .show import styled

    top = key_person_risk(g, f, 20).table
    top = top[top["reach"] >= min_group]
    choices = [("nobody", None)] + list(zip(pseudonym(top["person"]), top["person"]))
    reach_all = sum(1 for n in g.nodes if g.in_degree(n) > 0)

    def update(top_k=top_k, removed=None):
        from IPython.display import Markdown, display

        from .core.markup import md_text

        key = key_people(g, f, ds, unit, top_k, min_group=min_group)
        display(styled(key.table))
        reach = reach_all if removed is None else reach_after_removal(g, removed)
        display(Markdown(md_text("Top {k} presenters give {share:.0%} of all flow. People reached: {reach:,} "
                                 "({lost:,} fewer without the one taken out).", k=top_k, share=key.top_k_share,
                                 reach=reach, lost=reach_all - reach)))
        return {"top_k_share": key.top_k_share, "reach": reach, "table": key.table}

    return _show(update, top_k=w.IntSlider(value=top_k, min=1, max=20, description="top k", continuous_update=False),
                 removed=w.Dropdown(options=choices, value=None, description="take out"))


def fairness_explorer(ds, attributes: list[str], horizon_months: int, protected: str, options: list[str],
                      folds: int = 5, repeats: int = 2, seed: int = 0, text_model: str = "tfidf",
                      text_task: str = "", min_group: int = 5, interactive="auto"):
    """06: choose the protected attribute and the horizon; the people, the cross-validated
    models (:func:`talentkit.drivers.compare_models`, once per horizon) and the fairness
    table (:func:`~talentkit.drivers.fairness`) are recomputed."""
    if not live(interactive):
        return None
    import ipywidgets as w

    from .drivers import compare_models, fairness, prepare
    from .show import show_table

    @functools.lru_cache(maxsize=4)
    def fitted(horizon: int):
        people = prepare(ds, attributes, horizon, text_task)
        return people, compare_models(people, folds, repeats, seed, text=text_model)

    def update(protected=protected, horizon=horizon_months):
        people, models = fitted(horizon)
        table = fairness(models, people, protected, seed=seed, min_group=min_group)
        show_table(table, columns=[protected, "n", "leaving_rate", "flag_rate", "flag_ratio", "flag_ratio_lo",
                                   "flag_ratio_hi", "four_fifths"])
        return table

    return _show(update, protected=w.Dropdown(options=options, value=protected, description="protected"),
                 horizon=w.IntSlider(value=horizon_months, min=6, max=24, step=6, description="horizon",
                                     continuous_update=False))
