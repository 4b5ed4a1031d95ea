"""What moves engagement: Johnson's relative weights of each item on the outcome, with
percentile-bootstrap intervals, set beside each item's favourability (focus items: those
that matter and score low). Refused under ``min_driver_respondents`` (Viva Glint gives no
driver impact under 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.stats import percentile_bootstrap
from ..data.responses import Responses
from ._scores import relative_weights
from ._tables import index_scores, scored_items, wave_of

MIN_DRIVER_RESPONDENTS = 20  # Viva Glint's floor for driver impact


def driver_frame(survey: Responses, wave: str, outcome: str | None = None) -> tuple[pd.DataFrame, pd.Series, str]:
    """The respondents who answered every driver item and the outcome: their answers (the
    items outside the index and eNPS), the outcome (an item, or the engagement index) and
    the outcome's name."""
    index = survey.index_items
    outcome = outcome or survey.outcome_item
    drivers = [i for i in scored_items(survey) if i not in index and i != outcome]
    m = survey.matrix(wave, drivers)
    if outcome:
        y = survey.matrix(wave, [outcome])[outcome].rename("outcome")
        name = outcome
    else:
        y = index_scores(survey, wave, index).rename("outcome")
        name = "the engagement index (the mean of its items)"
    both = m.join(y, how="inner").dropna()
    return both[drivers], both["outcome"], name


@privacy.grouped
def key_drivers(survey: Responses, wave: str | None = None, outcome: str | None = None, resamples: int = 200,
                seed: int = 0, min_driver_respondents: int = MIN_DRIVER_RESPONDENTS,
                min_group: int = privacy.MIN_GROUP) -> pd.DataFrame:
    """Each driver item's relative weight (its share of the outcome's explained variance,
    the weights summing to R²), its rescaled share, a bootstrap interval, its rank, and its
    favourability; ``focus`` marks items in the top half by weight and the bottom half by
    favourability. Under ``min_driver_respondents`` complete respondents: no rows, and the
    refusal with its rule in ``attrs["refused"]``."""
    from ._tables import item_scores

    wave = wave_of(survey, wave)
    x, y, name = driver_frame(survey, wave, outcome)
    n = len(y)
    if n < max(min_driver_respondents, min_group):
        refused = privacy.mark(pd.DataFrame(columns=["item", "weight", "weight_lo", "weight_hi", "share", "rank",
                                                      "favourable", "focus"]), min_group)
        refused.attrs["refused"] = (f"What moves engagement is not computed: it needs at least {min_driver_respondents} "
                                    f"respondents who answered every item (min_driver_respondents), and "
                                    f"{'fewer' if n < min_group else n} did.")
        return refused
    xv, yv = x.to_numpy(float), y.to_numpy(float)
    weights = relative_weights(xv, yv)

    def statistic(rows):
        if np.ptp(yv[rows]) == 0 or (np.ptp(xv[rows], axis=0) == 0).any():
            return None
        return relative_weights(xv[rows], yv[rows])

    lo, hi, _ = percentile_bootstrap(statistic, n, resamples, seed)
    table = pd.DataFrame({"item": list(x.columns), "weight": weights, "weight_lo": lo, "weight_hi": hi,
                          "share": weights / weights.sum(), "respondents": n})
    table["rank"] = table["weight"].rank(ascending=False, method="min").astype(int)
    scores = item_scores(survey, wave, min_group=min_group).set_index("item")["favourable"]
    table["favourable"] = table["item"].map(scores)
    table["focus"] = (table["rank"] <= (len(table) + 1) // 2) & (table["favourable"] < table["favourable"].median())
    table = table.sort_values("rank", kind="stable").reset_index(drop=True)
    table.attrs["outcome"] = name
    table.attrs["r2"] = float(weights.sum())
    return privacy.mark(table, min_group)
