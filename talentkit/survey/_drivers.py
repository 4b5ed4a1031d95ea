"""What moves engagement: Johnson's relative weights of each item on the outcome, with
percentile-bootstrap intervals, set beside each item's favourability (focus items: those
that matter and score low). Refused under ``min_driver_respondents`` (Viva Glint gives no
driver impact under 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.errors import ParameterError
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
    if x.shape[1] == 0 or n < max(min_driver_respondents, min_group):
        refused = privacy.mark(pd.DataFrame(columns=["item", "weight", "weight_lo", "weight_hi", "share", "rank",
                                                      "favourable", "focus"]), min_group)
        refused.attrs["refused"] = (
            "What moves engagement is not computed: the survey has no items beside the outcome and the index to "
            "weigh." if x.shape[1] == 0 else
            f"What moves engagement is not computed: it needs at least {min_driver_respondents} respondents who "
            f"answered every item (min_driver_respondents), and {'fewer' if n < min_group else n} did.")
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


@privacy.grouped
def drivers_by_group(survey: Responses, group_by: str, wave: str | None = None, outcome: str | None = None,
                     min_driver_respondents: int = MIN_DRIVER_RESPONDENTS,
                     min_group: int = privacy.MIN_GROUP) -> pd.DataFrame:
    """Per group, the strongest driver and its share of the explained variance, computed only
    for a group with ``min_driver_respondents`` respondents who answered every item (Viva
    Glint gives no team-level driver impact under 20); the others say why in ``driver``.
    Respondents are gated as in every survey table."""
    from ._tables import wave_respondents

    wave = wave_of(survey, wave)
    x, y, _ = driver_frame(survey, wave, outcome)
    people = wave_respondents(survey, wave)
    if group_by not in people.columns:
        raise ParameterError(f"group_by {group_by!r}: the survey's respondents carry "
                             f"{', '.join(survey.attributes) or 'no attributes'}")
    group = people.set_index("respondent")[group_by].reindex(x.index)
    rows = []
    for name, rows_of in group.groupby(group, sort=True).groups.items():
        xv, yv = x.loc[rows_of].to_numpy(float), y.loc[rows_of].to_numpy(float)
        row = {group_by: name, "respondents": len(rows_of), "driver": f"fewer than {min_driver_respondents} complete "
               "responses: not computed", "share": np.nan, "r2": np.nan}
        if len(rows_of) >= max(min_driver_respondents, min_group) and xv.shape[1] and np.ptp(yv) > 0 and \
                (np.ptp(xv, axis=0) > 0).all():
            weights = relative_weights(xv, yv)
            row.update(driver=str(x.columns[int(np.argmax(weights))]), share=float(weights.max() / weights.sum()),
                       r2=float(weights.sum()))
        rows.append(row)
    table = pd.DataFrame(rows, columns=[group_by, "respondents", "driver", "share", "r2"])
    return privacy.suppress(table, [group_by], min_group, n_col="respondents",
                            people=people[people["respondent"].isin(x.index)])
