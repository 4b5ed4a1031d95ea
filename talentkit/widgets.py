"""Interactive views for a live JupyterLab kernel (ipywidgets). Under papermill the
notebooks draw the same figures from their parameters; these only add sliders."""

from __future__ import annotations

from .scenarios import Baseline, Scenario, compare, pay_raise, rotation, sharing_bonus


def scenario_explorer(model, base: Baseline, years: int = 5, growth: float = 0.0, show: bool = True):
    """Sliders for the levers (the same levers and costs as ``scenarios.policy_menu``) that
    redraw ``plots.comparison`` of a what-if scenario against the baseline. Displayed when
    ``show`` (the notebook's ``interactive`` parameter); returns the widget, or ``None``
    when not shown (no widget is built for a batch run)."""
    if not show:
        return None
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .plots import comparison

    def update(attrition=1.0, rotation_rate=0.0, sharing=0.0):
        levers = []
        if attrition != 1.0:
            levers.append(pay_raise(base, attrition))
        if rotation_rate > 0 and len(model.units) > 1:
            levers.append(rotation(model, base, rotation_rate))
        if sharing > 0:
            levers.append(sharing_bonus(sharing))
        result = compare(model, [Scenario("what-if", levers)], base, years, growth)
        comparison(result)
        plt.show()
        return result.table

    widget = w.interactive(update, attrition=w.FloatSlider(value=1.0, min=0.5, max=1.5, step=0.05,
                                                            description="exits ×"),
                           rotation_rate=w.FloatSlider(value=0.0, min=0.0, max=0.2, step=0.01,
                                                       description="rotation"),
                           sharing=w.FloatSlider(value=0.0, min=0.0, max=0.3, step=0.01, description="S uplift"))
    display(widget)
    return widget
