"""Themes of the comments: TF-IDF and non-negative matrix factorisation (scikit-learn),
fixed seed, each theme named by its top terms; Chinese read as character n-grams, as 02
reads it. Only terms that ``min_comment_respondents`` distinct respondents wrote enter the
vocabulary, and a theme shows only when that many distinct respondents wrote in it (Viva
Glint: 10), so no keyword or theme can point at a few people. A comment that shares no
term with the vocabulary, or leans on no theme, is an outlier, and their share is said."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import privacy
from ..data.responses import Responses
from ._tables import wave_of

MIN_COMMENT_RESPONDENTS = 10  # Viva Glint's floor for comments
NO_THEME = "no theme (shares no common term)"
LEAN = 0.4  # a comment belongs to its strongest theme when that theme holds this share of its weights


def _language(texts: pd.Series) -> pd.Series:
    from ..textclf import language_of

    return texts.map(lambda t: language_of([t]))


def _themes_of(texts: pd.Series, writers: pd.Series, language: str, n_themes: int, min_respondents: int,
               seed: int) -> tuple[np.ndarray, list[str]]:
    """Each comment's theme number (-1: none) and each theme's label, for one language."""
    from sklearn.decomposition import NMF

    from ..textclf import shared_terms, tfidf_vectorizer

    terms, _ = shared_terms(texts, writers, min_respondents, language)
    terms = [t for t in terms if not _stop(t, language)]
    if len(terms) < 2 or len(texts) < min_respondents:
        return np.full(len(texts), -1), []
    vectorizer = tfidf_vectorizer(1, language).set_params(vocabulary=terms)
    x = vectorizer.fit_transform(texts)
    k = max(1, min(n_themes, len(terms) - 1, len(texts) // min_respondents))
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    weights = nmf.fit_transform(x)
    total = weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lean = np.where(total > 0, weights.max(axis=1) / total, 0.0)
    theme = np.where(lean >= LEAN, weights.argmax(axis=1), -1)
    names = np.asarray(vectorizer.get_feature_names_out())
    return theme, [_label(names[np.argsort(-row)], language) for row in nmf.components_]


def _stop(term: str, language: str) -> bool:
    """A term no theme is made of: one holding an English stop word ("is", "the")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return language == "en" and any(w in ENGLISH_STOP_WORDS for w in term.split())


def _label(terms, language: str, size: int = 4) -> str:
    """A theme's name: its strongest terms, leaving out single characters (Chinese) and a
    term inside one already taken."""
    taken: list[str] = []
    for term in map(str, terms):
        if (language == "zh" and len(term.strip()) < 2) or any(term in t or t in term for t in taken):
            continue
        taken.append(term)
        if len(taken) == size:
            break
    return ", ".join(taken)


def _themed(survey: Responses, wave: str, n_themes: int, seed: int, gate: int) -> pd.DataFrame:
    """The wave's comments, each with its language and its theme's name (or :data:`NO_THEME`)."""
    c = survey.comments[(survey.comments["wave"] == wave) & survey.comments["text"].notna()]
    c = c.assign(language=_language(c["text"].astype(str)).to_numpy(), theme=NO_THEME)
    for language, part in c.groupby("language"):
        theme, labels = _themes_of(part["text"].astype(str), part["respondent"].astype(str), str(language), n_themes,
                                   gate, seed)
        named = [f"{labels[t]}" + (" (zh)" if language == "zh" else "") if t >= 0 else NO_THEME for t in theme]
        c.loc[part.index, "theme"] = named
    return c


@privacy.grouped
def comment_themes(survey: Responses, wave: str | None = None, n_themes: int = 5, seed: int = 0,
                   min_comment_respondents: int = MIN_COMMENT_RESPONDENTS, text_model: str = "",
                   min_group: int = privacy.MIN_GROUP) -> pd.DataFrame | None:
    """One row per theme (and one for the comments in none): its top terms, comments,
    distinct respondents and share of the comments; a theme under
    ``min_comment_respondents`` distinct respondents is hidden, label and counts, with the
    next-smallest beside it. ``text_model``: a winner 02 saved (its folder); each theme then
    gets the mean of that model's score for its positive label (``model_score``, the label in
    ``attrs["model_label"]``). None when the wave has no comments."""
    wave = wave_of(survey, wave)
    gate = max(min_comment_respondents, min_group)
    c = _themed(survey, wave, n_themes, seed, gate)
    if c.empty:
        return None
    aggregations = dict(comments=("text", "size"), respondents=("respondent", "nunique"))
    label = ""
    if text_model:
        from ..ladder import load_scorer

        scorer = load_scorer(text_model)
        c = c.assign(model_score=scorer.predict_proba(c["text"].astype(str).tolist()))
        aggregations["model_score"] = ("model_score", "mean")
        label = str(scorer.positive_label)
    table = c.groupby("theme").agg(**aggregations).reset_index()
    table["share"] = table["comments"] / len(c)
    table["is_outlier"] = table["theme"] == NO_THEME
    table = table.sort_values(["is_outlier", "comments"], ascending=[True, False], kind="stable").reset_index(drop=True)
    out = privacy.suppress(table, ["theme"], gate, n_col="respondents",
                           not_nested="themes: comments grouped by their words, no grouping of people")
    hidden = out[privacy.SUPPRESSED].to_numpy(bool)
    out["theme"] = np.where(hidden, "hidden (fewer than %d respondents, or to protect one)" % gate, out["theme"])
    out.attrs["outliers"] = float((c["theme"] == NO_THEME).mean())
    out.attrs["comments"] = len(c)
    out.attrs["model_label"] = label
    return privacy.mark(out, gate)


def example_comments(survey: Responses, themes: pd.DataFrame | None, wave: str | None = None, n_themes: int = 5,
                     seed: int = 0, per_theme: int = 3, min_comment_respondents: int = MIN_COMMENT_RESPONDENTS,
                     min_group: int = privacy.MIN_GROUP, allowed: bool = False) -> pd.DataFrame | None:
    """Up to ``per_theme`` comments (drawn with ``seed``) of each theme ``themes`` shows, none
    from a hidden theme or from no theme: raw text, made only when a parameter ``allowed`` it
    (None otherwise). Same arguments as :func:`comment_themes`."""
    if themes is None or not allowed:
        return None
    wave = wave_of(survey, wave)
    gate = max(min_comment_respondents, min_group)
    shown = set(themes.loc[~themes[privacy.SUPPRESSED] & ~themes["is_outlier"], "theme"])
    c = _themed(survey, wave, n_themes, seed, gate)
    c = c[c["theme"].isin(shown)]
    picks = [g.sample(min(per_theme, len(g)), random_state=seed) for _, g in c.groupby("theme", sort=True)]
    out = pd.concat(picks, ignore_index=True)[["theme", "text"]] if picks else pd.DataFrame(columns=["theme", "text"])
    return privacy.not_personal(out, "raw comments of themes written by enough respondents, shown only when allowed")
