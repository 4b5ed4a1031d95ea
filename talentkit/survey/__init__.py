r"""Employee voice: engagement and pulse surveys, held to the survey vendors' confidentiality
rules (notebook 07).

A survey export is read through its mapping file (:func:`talentkit.data.responses.read_survey`,
here :func:`read`) in one of three forms (long, wide, results by unit); everything here reads
the one model, :class:`~talentkit.data.responses.Responses`.

- **Scores** (:func:`item_scores`, :func:`group_scores`, :func:`heatmap`): favourability,
  the share of favourable answers (the top two of five, Culture Amp's definition) with
  Wilson intervals; means with t intervals; N/A counted and never scored.
- **eNPS** (:func:`enps_scores`): promoters (9-10) minus detractors (0-6), with an interval.
- **Index and reliability** (:func:`reliability`): Cronbach's alpha with Feldt's interval,
  and item-rest correlations.
- **Response** (:func:`response_rates`): respondents over the day's headcount, flagged
  under a stated level.
- **What moves engagement** (:func:`key_drivers`): Johnson's relative weights with
  bootstrap intervals, beside each item's score; refused under 20 respondents.
- **Comments** (:func:`comment_themes`): TF-IDF and NMF themes, gated at 10 distinct
  respondents.
- **Change** (:func:`change_since`): each item against the wave before, a change called
  only beyond noise and by a practical number of points.
- **Leaving** (:func:`turnover_after`, :func:`engagement_hazard`): units' favourability
  against their turnover in the following year, and, linked, a Cox model on the index.

The gate (every table): a group's scores need ``min_group`` respondents (5), the
next-smallest group of the same parent is hidden with a small one, a hidden group's
respondent count is hidden too, and a heatmap is gated cell by cell. The private modules,
one concern each: ``_scores`` (the formulas), ``_tables`` (gated tables), ``_drivers``,
``_themes``, ``_change``, ``_leaving``.
"""

from ..data.responses import Responses, SurveyMapping, read_survey
from ._change import MIN_CHANGE_POINTS, MIN_CHANGE_RESPONDENTS, change_moves, change_since, previous_wave
from ._drivers import MIN_DRIVER_RESPONDENTS, driver_frame, drivers_by_group, key_drivers
from ._leaving import engagement_hazard, leaving_wave, turnover_after, weighted_fit
from ._scores import cronbach_alpha, enps, favourability, item_rest, relative_weights
from ._tables import (
    LOW_RESPONSE,
    enps_scores,
    group_scores,
    heatmap,
    heatmap_matrix,
    index_scores,
    item_scores,
    linked_headcount,
    pool_groups,
    reliability,
    response_rates,
    scored_items,
    wave_of,
)
from ._themes import MIN_COMMENT_RESPONDENTS, NO_THEME, comment_themes, example_comments

read = read_survey

__all__ = ["LOW_RESPONSE", "MIN_CHANGE_POINTS", "MIN_CHANGE_RESPONDENTS", "MIN_COMMENT_RESPONDENTS",
           "MIN_DRIVER_RESPONDENTS", "NO_THEME", "Responses", "SurveyMapping", "change_moves", "change_since",
           "comment_themes", "cronbach_alpha", "driver_frame", "drivers_by_group", "engagement_hazard", "enps",
           "enps_scores", "example_comments", "favourability", "group_scores", "heatmap", "heatmap_matrix",
           "index_scores", "item_rest", "item_scores", "key_drivers", "leaving_wave", "linked_headcount",
           "pool_groups", "previous_wave", "read", "read_survey", "relative_weights", "reliability",
           "response_rates", "scored_items", "turnover_after", "wave_of", "weighted_fit"]
