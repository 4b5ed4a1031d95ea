"""Tables for reading: the kit's column keys as human labels with scales, numbers formatted for
people (percentages, thousands separators, money, intervals as ``78 % (71–84 %)``), never in
scientific notation.

One map, :data:`COLUMNS`, names every column the kit's tables carry: ``key -> (label, scale)``.
A column of the user's own data (an export's ``job_family``) keeps the user's name. The scale
says how a number is written ("unit" is an organisational unit everywhere in the kit):

``%``       a share or rate, stored 0–1, shown as a percentage (``11.1 %``)
``count``   whole numbers with thousands separators (``2,400``)
``money``   no decimals, thousands separators; the header names the currency when one is given
``ratio``   two decimals (odds and hazard ratios, per-person rates)
``score``   three decimals (F1, ROC-AUC, Brier, diversity indices)
``p``       a p-value: ``<0.001`` under 0.001, else three decimals
``s``, ``months``, ``years``   one decimal, the scale in the header
``label``   a number that names something (a year): as written, no separators
``""``      text, or a number of no fixed kind (three significant digits)

An estimate with ``<key>_lo`` and ``<key>_hi`` columns (or the short ``or_lo`` / ``hr_lo`` of
odds and hazard ratios) is shown as one column, ``value (lo–hi)``, headed ``… (95 % CI)``.
A table may name the scale of a column the map cannot know (``value`` is a share in one table
and a count in another) in ``table.attrs["talentkit.scales"]``.
"""

from __future__ import annotations

import math
import re

import pandas as pd

NUMBER_COLUMNS = "talentkit.numbers"  # attrs key of a readable table: its headers that hold numbers
SCALES_ATTR = "talentkit.scales"  # DataFrame.attrs key: {column: scale} for columns the map cannot know
NBSP = "\u00a0"  # keeps "11.1 %" on one line
MINUS = "\u2212"

COLUMNS: dict[str, tuple[str, str]] = {
    # who and where (the data contract's keys)
    "region": ("Region", ""), "team": ("Team", ""), "origin": ("Origin", ""), "channel": ("Channel", ""),
    "skill": ("Skill", ""), "tenure": ("Tenure", ""), "year": ("Year", "label"), "quarter": ("Quarter", "label"),
    "level": ("Level", ""), "pay_band": ("Pay band", ""), "gender": ("Gender", ""), "to_region": ("To region", ""),
    "from_unit": ("From unit", ""), "unit": ("Unit", ""), "topic": ("Topic", ""), "person": ("Person", ""),
    # counts
    "n": ("n", "count"), "people": ("People", "count"), "texts": ("Texts", "count"), "exits": ("Exits", "count"),
    "hires": ("Hires", "count"), "separations": ("Separations", "count"), "voluntary": ("Voluntary exits", "count"),
    "regretted": ("Regretted exits", "count"), "headcount_start": ("Headcount at start", "count"),
    "headcount_end": ("Headcount at end", "count"), "moves": ("Moves", "count"), "sessions": ("Sessions", "count"),
    "attendances": ("Attendances", "count"), "presenters": ("Presenters", "count"), "leavers": ("Leavers", "count"),
    "flagged": ("Flagged", "count"), "applied": ("Applied", "count"), "screen": ("Screened", "count"),
    "interview": ("Interviewed", "count"), "offers": ("Offers", "count"), "hired": ("Hired", "count"),
    "numerator": ("Numerator", "count"), "denominator": ("Denominator", "count"), "undecided": ("Undecided", "count"),
    "levels": ("Levels", "count"), "rows": ("Rows", "count"), "columns": ("Columns", "count"),
    "missing": ("Missing", "count"), "degree": ("Degree", "count"), "reach": ("Reach", "count"),
    "sole_reach": ("Sole reach", "count"), "flow": ("Flow", "count"), "outside_skill": ("Outside own skill", "count"),
    "start": ("Start", ""), "quarters": ("Quarters", "count"), "runs": ("Runs", ""), "rank": ("Rank", "count"),
    "expected": ("Expected leavers", "ratio"), "people needed": ("People needed", "count"),
    "internal moves": ("Internal moves", "count"), "unmet at end": ("Unmet at end", "count"),
    "staffed from quarter": ("Staffed from quarter", "count"),
    # shares and rates, 0-1
    "turnover_annual": ("Turnover, annualized", "%"),
    "voluntary_turnover_annual": ("Voluntary turnover, annualized", "%"),
    "period_retention": ("Retention over the period", "%"), "mobility_annual": ("Internal mobility, annualized", "%"),
    "internal_fill_share": ("Filled internally", "%"), "international_share": ("International hires", "%"),
    "cross_region_share": ("Attendance across regions", "%"), "recorded_share": ("Sessions recorded", "%"),
    "offer_acceptance": ("Offer acceptance", "%"), "outside_skill_share": ("Attendance outside own skill", "%"),
    "share": ("Share", "%"), "yield": ("Yield", "%"), "cross_unit_share": ("Flow across units", "%"),
    "top_k_share": ("Top presenters' share", "%"), "flow_share": ("Share of flow", "%"),
    "leaving_rate": ("Leaving rate", "%"), "flag_rate": ("Flagged share", "%"), "mean_risk": ("Mean predicted risk", "%"),
    "rate": ("Rate", "%"), "relative_error": ("Relative error", "%"), "model_rate": ("Model's rate", "%"),
    "observed_rate": ("Observed rate", "%"), "gap": ("Gap (points)", "%"), "hazard": ("Leaving hazard a year", "%"),
    "supported": ("Supported", ""),
    "A": ("A, attraction", "%"), "R": ("R, retention", "%"), "F": ("F, mobility", "%"), "S": ("S, sharing", "%"),
    # scores
    "f1": ("F1", "score"), "roc_auc": ("ROC-AUC", "score"), "pr_auc": ("PR-AUC", "score"), "brier": ("Brier score", "score"),
    "diff_f1": ("F1 gain over TF-IDF", "score"), "concordance": ("Concordance", "score"),
    "information_value": ("Information value", "score"), "woe": ("Weight of evidence", "score"),
    "origin_diversity": ("Origin diversity", "score"), "skill_diversity": ("Skill diversity", "score"),
    "betweenness": ("Betweenness", "score"), "constraint": ("Constraint", "score"),
    "effective_size": ("Effective size", "ratio"),
    # collaboration
    "tie_weight": ("Tie weight", "count"), "largest_community": ("Largest community", ""),
    "share_in_largest": ("Share in its largest community", "%"),
    "communities_spanned": ("Communities holding 10 % or more", "count"), "share_outside_unit": ("Ties outside the unit", "%"),
    "weight_share": ("Share of tie weight", "%"), "sole_contacts": ("Contacts tied to no one else", "count"),
    "cut_off": ("Cut off if they left", "count"), "pairs": ("Pairs", "count"), "reciprocity": ("Reciprocity", "%"),
    # ratios
    "odds_ratio": ("Odds ratio", "ratio"), "hazard_ratio": ("Hazard ratio", "ratio"), "flag_ratio": ("Flag ratio", "ratio"),
    "leaving_ratio": ("Leaving ratio", "ratio"), "observed_over_expected": ("Observed ÷ expected", "ratio"),
    "return_per_cost": ("Return per unit of cost", "ratio"),
    "attendance_per_capita": ("Attendances per person", "ratio"), "sessions_per_capita": ("Sessions per person", "ratio"),
    "projected": ("Projected headcount", "ratio"), "actual": ("Actual headcount", "count"),
    # p-values
    "p": ("p", "p"), "logrank_p": ("Log-rank p", "p"), "ph_p": ("Proportional-hazards p", "p"),
    # money
    "lever_cost": ("Lever cost", "money"), "replacement_cost": ("Replacement cost", "money"),
    "saved_vs_baseline": ("Saved against the baseline", "money"), "net_return": ("Net return", "money"),
    "cost": ("Cost", "money"),
    # time
    "seconds": ("Time", "s"), "estimated_seconds": ("Estimated time", "s"),
    "actual_seconds": ("Time taken", "s"),
    "median_tenure_months": ("Median tenure", "months"), "person_years": ("Person-years", "count"),
    # words
    "model": ("Model", ""), "verdict": ("Verdict", ""), "why": ("Why", ""), "setting": ("Setting", ""),
    "value": ("Value", ""), "definition": ("Definition", ""), "measure": ("Measure", ""), "attribute": ("Attribute", ""),
    "kind": ("Kind", ""), "strength": ("Strength", ""), "strongest_level": ("Strongest level", ""),
    "vs_level": ("Compared with", ""), "outcome": ("Outcome", ""), "scenario": ("Scenario", ""),
    "four_fifths": ("Under four-fifths", ""), "reference": ("Reference group", ""), "notebook": ("Notebook", ""),
    "section": ("Section", ""), "table": ("Table", ""), "column": ("Column", ""), "needs": ("Needs", ""),
    "parameter": ("Parameter", ""), "article": ("Article", ""), "matches": ("Matches", ""),
    "first_date": ("First date", ""), "last_date": ("Last date", ""), "mean": ("Mean", ""),
    # surveys
    "item": ("Item", ""), "theme": ("Theme", ""), "respondents": ("Respondents", "count"),
    "answered": ("Answered", "count"), "answers": ("Answers", "count"), "not_applicable": ("N/A", "count"),
    "favourable": ("Favourable", "%"), "neutral": ("Neutral", "%"), "unfavourable": ("Unfavourable", "%"),
    "promoters": ("Promoters", "%"), "detractors": ("Detractors", "%"), "enps": ("eNPS", "ratio"),
    "alpha": ("Cronbach's alpha", "score"), "item_rest": ("Item-rest correlation", "score"),
    "complete": ("Complete responses", "count"), "weight": ("Relative weight", "score"), "focus": ("Focus item", ""),
    "then": ("Then, % favourable", "ratio"), "now": ("Now, % favourable", "ratio"), "points": ("Change, points", "ratio"),
    "answered_then": ("Answered then", "count"), "answered_now": ("Answered now", "count"),
    "headcount": ("Headcount", "count"), "low": ("Under the response level", ""),
    "turnover": ("Left within 12 months", "%"), "comments": ("Comments", "count"), "is_outlier": ("In no theme", ""),
    "model_score": ("Mean score of the saved text model", "score"),
    "driver": ("Strongest driver", ""), "r2": ("R²", "score"),
    # the talent market
    "institution": ("Institution", ""), "partner": ("Tied to", ""), "country": ("Country", ""),
    "sector": ("Sector", ""), "tie": ("Tie", ""), "works": ("Works", "count"), "researchers": ("Researchers", "count"),
    "community": ("Community", "label"), "first": ("People, first year", "count"),
    "last": ("People, last year", "count"), "growth": ("Growth, last year over first", "ratio"),
    "in": ("Moved in", "count"), "out": ("Moved out", "count"), "net": ("Net gain", ""),
    "movers": ("Moved away", ""), "to_industry": ("Of them to industry", "%"), "to_us": ("Of them to us", ""),
    "to_institution": ("Joined", ""), "from_sector": ("Came from sector", ""),
    "from_country": ("Came from country", ""), "string": ("As written", ""), "rule": ("Rule", ""),
    "strings": ("Strings", "count"),
    # programme evaluation
    "guard": ("Guard", ""), "found": ("Found", ""), "rows_dropped": ("Rows dropped", "count"),
    "first_period": ("Cohort starts", ""), "units": ("Units", "count"), "estimator": ("Estimator", ""),
    "estimate": ("Effect", "ratio"), "rel": ("Periods since the start", "label"),
}
# Scalar results a notebook records (the index page's headline numbers), beyond the columns above.
RESULTS: dict[str, tuple[str, str]] = {
    "period": ("Period", ""), "avg_headcount": ("Average headcount", "count"), "form": ("Data form", ""),
    "article_A": ("A, attraction index", "%"), "article_R": ("R, retention", "%"), "article_F": ("F, mobility", "%"),
    "article_S": ("S, knowledge sharing", "%"), "winner": ("Text model chosen", ""), "evaluation": ("Evaluation", ""),
    "n_texts": ("Texts", "count"), "backtest_max_relative_error": ("Back-test, largest relative error", "%"),
    "best_scenario": ("Best scenario", ""), "communities": ("Communities", "count"),
    "ari_vs_teams": ("Communities against teams (ARI)", "score"),
    "sole_reach_top_k": ("Reached only by the top presenters", "count"), "best_model": ("Best risk model", ""),
    "case_offer_acceptance": ("Offer acceptance in the case", "%"),
    "case_moved_internally": ("Moved internally in the case", "count"), "case_left": ("Left in the case", "count"),
    "sample_size_R_10pts": ("People per group to see ±10 points", "count"), "cohort": ("Cohort", ""),
    "collaboration_period": ("Collaboration period", ""), "collaboration_people": ("People with ties", "count"),
    "collaboration_pairs": ("Collaboration pairs", "count"),
    "collaboration_cross_unit_share": ("Collaboration across units", "%"),
    "collaboration_communities": ("Collaboration communities", "count"),
    "collaboration_ari_vs_units": ("Collaboration communities against units (ARI)", "score"),
    "collaboration_silos": ("Pairs of units with no tie", "count"),
    "collaboration_self_ties": ("Ties to oneself, dropped", "count"),
    "collaboration_external_records": ("Records with external people", "count"),
}
RUNGS = {"tfidf": "TF-IDF", "embed": "embeddings", "setfit": "SetFit", "lora": "LoRA", "finetune": "fine-tune"}
_ARTICLE = re.compile(r"(case|region)_([ARFS])")
_RUNG_RESULT = re.compile(r"({})_(.+)".format("|".join(RUNGS)))
# Short interval prefixes: odds_ratio's interval is or_lo / or_hi, hazard_ratio's hr_lo / hr_hi.
INTERVAL_PREFIX = {"odds_ratio": "or", "hazard_ratio": "hr"}
SCALE_HEADER = {"count": "", "%": "", "ratio": "", "score": "", "p": "", "": "", "money": "", "label": "",
               "s": "s", "months": "months", "years": "years"}
_RETENTION = re.compile(r"retention_(\d+)m")
SNAKE_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # how a key of the kit looks


def column_label(key, scale: str | None = None, currency: str = "") -> str:
    """The header for column ``key``: its label from :data:`COLUMNS` with the scale where the
    cells do not carry it (``Median tenure (months)``, ``Lever cost (USD)``); the user's own
    column name unchanged."""
    label, known_scale = label_and_scale(key)
    scale = known_scale if scale is None else scale
    suffix = currency if scale == "money" else SCALE_HEADER.get(scale, "")
    return f"{label} ({suffix})" if suffix else label


def label_and_scale(key) -> tuple[str, str]:
    """``(label, scale)`` of a column key; a key the map does not know is the user's and is
    returned unchanged, with no scale."""
    return _known(str(key), COLUMNS) or (str(key), "")


def _known(key: str, table: dict) -> tuple[str, str] | None:
    """``key``'s entry in ``table``, or a retention horizon (``retention_12m``); else ``None``."""
    if key in table:
        return table[key]
    match = _RETENTION.fullmatch(key)
    return (f"Retention at {match.group(1)} months", "%") if match else None


def value_label(value: str) -> str:
    """A recorded text value as a reader sees it: a text model's name for its key
    (``tfidf`` -> ``TF-IDF``), a kit key's underscores as spaces (``career_paths``)."""
    if value in RUNGS:
        return RUNGS[value]
    return value.replace("_", " ") if SNAKE_KEY.match(value) else value


TIMING_AND_WORDS = ("_seconds", "_verdict")  # recorded beside numbers: how long, and what was concluded


def headline_number(name: str) -> bool:
    """Whether a recorded scalar is a number for a run's headline or its chart across runs:
    not a timing or a verdict (:data:`TIMING_AND_WORDS`), nor a paired difference (``_diff_``),
    which its report shows beside the two numbers it is taken between."""
    return not name.endswith(TIMING_AND_WORDS) and "_diff_" not in name


def result_label(key) -> tuple[str, str]:
    """``(label, scale)`` of a recorded result's name (the index page's headline numbers); a
    name the kit does not know is shown with its underscores as spaces."""
    key = str(key)
    known = _known(key, RESULTS) or _known(key, COLUMNS)
    if known:
        return known
    article, rung = _ARTICLE.fullmatch(key), _RUNG_RESULT.fullmatch(key)
    if article:
        return f"{article.group(2)}, {'the case' if article.group(1) == 'case' else 'the region'}", "%"
    if rung and rung.group(2) in COLUMNS:
        label, scale = COLUMNS[rung.group(2)]
        return f"{label}, {RUNGS[rung.group(1)]}", scale
    return (key.replace("_", " ").capitalize() if SNAKE_KEY.match(key) else key), ""


def format_number(value, scale: str = "", digits: int | None = None) -> str:
    """One number as a table shows it (see the module's table of scales); ``""`` when missing.
    ``digits``: the decimals of a percentage (default: none from 10 % up, one below)."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    if isinstance(value, (bool,)):
        return "yes" if value else "no"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "∞" if v > 0 else f"{MINUS}∞"
    if scale == "label":
        return f"{v:.0f}" if v == round(v) else f"{v}"
    sign = MINUS if v < 0 else ""
    a = abs(v)
    if scale == "%":
        pct = a * 100
        if digits is None:
            digits = 0 if pct >= 10 or pct == round(pct) else 1
        return f"{sign}{pct:,.{digits}f}{NBSP}%"
    if scale == "p":
        return "<0.001" if v < 0.001 else f"{v:.3f}"
    if scale == "money":
        return f"{sign}{a:,.0f}"
    if scale == "count":
        return f"{sign}{a:,.0f}" if a == round(a) else f"{sign}{a:,.1f}"
    if scale == "ratio":
        return f"{sign}{a:,.2f}"
    if scale == "score":
        return f"{sign}{a:.3f}"
    if scale in ("s", "months", "years"):
        return f"{sign}{a:,.1f}"
    return sign + _significant(a)


def _significant(a: float, digits: int = 3) -> str:
    """A positive number with ``digits`` significant digits, never in scientific notation."""
    if a == 0:
        return "0"
    if a >= 10 ** digits:
        return f"{a:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    return f"{a:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{a:.0f}"


def percent_digits(values) -> int:
    """Decimals for a column of percentages, the same for every cell: one when any nonzero
    value is under 10 %, else none."""
    small = [abs(float(v)) for v in values if v is not None and not pd.isna(v) and 0 < abs(float(v)) < 0.1]
    return 1 if small else 0


def format_interval(value, lo, hi, scale: str, digits: int | None = None) -> str:
    """``78 % (71–84 %)``; ``−0.03 (−0.05 to −0.01)`` when a bound is negative; the value
    alone when the bounds are missing. A share whose whole percents would run the value and
    its bounds together gets a tenth: ``99.1 % (98.5–99.4 %)``, not ``99 % (99–99 %)``."""
    shown = format_number(value, scale, digits)
    if not shown or pd.isna(lo) or pd.isna(hi):
        return shown
    lo_text, hi_text = format_number(lo, scale, digits), format_number(hi, scale, digits)
    if scale == "%" and digits is None and len({shown, lo_text, hi_text}) < 3:
        return format_interval(value, lo, hi, scale, digits=1)
    if scale == "%":
        lo_text = lo_text.replace(f"{NBSP}%", "")
    joiner = " to " if lo < 0 or hi < 0 else "–"
    return f"{shown} ({lo_text}{joiner}{hi_text})"


def interval_columns(columns) -> dict[str, tuple[str, str]]:
    """``{estimate: (lo column, hi column)}`` for each estimate whose bounds are present."""
    cols = [str(c) for c in columns]
    out = {}
    for c in cols:
        prefix = INTERVAL_PREFIX.get(c, c)
        lo, hi = f"{prefix}_lo", f"{prefix}_hi"
        if lo in cols and hi in cols:
            out[c] = (lo, hi)
    return out


HIDDEN_TO_PROTECT = "hidden"  # a cell hidden to protect a smaller group (its own group is not small)


def readable(table: pd.DataFrame, hidden: pd.Series | None = None, min_group: int = 5, currency: str = "",
             scales: dict | None = None, protecting: pd.Series | None = None) -> pd.DataFrame:
    """``table`` as text for a report: intervals merged into their estimate's column, every
    number formatted by its scale, headers labelled; cells of ``hidden`` rows that are missing
    read ``<min_group`` (the privacy gate's mark, :func:`talentkit.show.display_table`),
    or ``hidden`` in ``protecting`` rows, which were hidden to protect a smaller group."""
    scales = {**table.attrs.get(SCALES_ATTR, {}), **(scales or {})}
    hidden = pd.Series(False, index=table.index) if hidden is None else hidden.astype(bool)
    protecting = pd.Series(False, index=table.index) if protecting is None else protecting.astype(bool)
    pairs = interval_columns(table.columns)
    bounds = {b for lo_hi in pairs.values() for b in lo_hi}
    out: dict = {}
    numbers: list = []
    for col in table.columns:
        if str(col) in bounds:
            continue
        values = table[col]
        scale = scales.get(str(col), label_and_scale(col)[1])
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if scale == "" and str(col).endswith("_p"):
            scale = "p"
        elif scale == "" and numeric and values.dropna().map(lambda v: float(v).is_integer()).all():
            scale = "count"
        header = column_label(col, scale, currency)
        if pd.api.types.is_bool_dtype(values):
            out[_unique(header, out, col)] = ["yes" if v else "no" for v in values]
            continue
        digits = percent_digits(values) if numeric and scale == "%" else None
        if str(col) in pairs and numeric:
            lo, hi = pairs[str(col)]
            text = [format_interval(v, a, b, scale, digits) for v, a, b in zip(values, table[lo], table[hi])]
            header = f"{header} (95 % CI)"
        elif numeric:
            text = [format_number(v, scale, digits) for v in values]
        else:  # words, or numbers among words (a table of settings): each number formatted alone
            words = pd.Series([format_number(v, scale) if isinstance(v, (int, float)) else v for v in values],
                              index=table.index, dtype=object)
            out[_unique(header, out, col)] = _hidden_said(words, values, hidden, protecting, min_group).to_numpy()
            continue
        text = pd.Series(text, index=table.index, dtype=object)
        text = _hidden_said(text, values, hidden, protecting, min_group)
        header = _unique(header, out, col)
        out[header] = text.to_numpy()
        numbers.append(header)
    shown = pd.DataFrame(out, index=table.index)
    shown.index.name = column_label(table.index.name) if table.index.name is not None else None
    shown.attrs[NUMBER_COLUMNS] = numbers
    return shown


def _hidden_said(text: pd.Series, values: pd.Series, hidden: pd.Series, protecting: pd.Series,
                 min_group: int) -> pd.Series:
    """``text`` with the missing cells of hidden rows said: ``<min_group`` for a small group,
    ``hidden`` for one hidden to protect a smaller group."""
    text[hidden & values.isna()] = f"<{min_group}"
    text[hidden & protecting & values.isna()] = HIDDEN_TO_PROTECT
    return text


def _unique(header: str, taken: dict, key) -> str:
    """``header``, or ``header [key]`` when another column already has that label."""
    return header if header not in taken else f"{header} [{key}]"
