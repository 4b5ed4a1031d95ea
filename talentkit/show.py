"""What a notebook cell shows besides figures: the loader's warnings, grouped tables through
the privacy gate, and (only where a parameter allows it) rows with ids or raw text.

Each helper displays its output itself (``IPython.display``) and returns nothing, so a
notebook cell stays one call.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from .core.labels import HIDDEN_TO_PROTECT, NUMBER_COLUMNS, readable
from .core.markup import md_text, short
from .core.privacy import MIN_GROUP, SUPPRESSED, marked_min_group, protecting_rows, require_marked
from .core.results import record_data


def show_warnings(ds) -> None:
    """Display how the data was read (a snapshot's assumptions) and the loader's
    plausibility warnings as notes at the top of a report, escaped; nothing when there are
    none. Notes the data's name and row counts for the report's header block
    (:func:`talentkit.core.results.record_data`). ``None`` (no dataset: a file of texts) shows nothing."""
    if ds is None:
        return
    summary = ds.summary()
    record_data(summary["source"], summary["rows"], summary["form"], summary["as_of"])
    assumptions = getattr(ds, "assumptions", None) or []
    warnings = getattr(ds, "warnings", None) or []
    if assumptions:
        _notes(md_text("**How the data was read** ({form} form):", form=getattr(ds, "form", "events")), assumptions)
    if warnings:
        _notes(md_text("**Check the data** ({n} warning(s) from loading it):", n=len(warnings)), warnings[:20])


def show_note(text: str) -> None:
    """Display one sentence (escaped, in italics) when there is one: what a notebook chose for
    this data, e.g. the unit column it groups by when the default is absent."""
    if text:
        display(Markdown(md_text("_{text}_", text=text)))


def _notes(heading: str, items) -> None:
    """A heading (already escaped) and one escaped bullet per item."""
    display(Markdown("\n".join([heading] + [md_text("* {item}", item=str(item)) for item in items])))


def show_table(table, columns: list[str] | None = None, missing: str = "", min_group: int | None = None) -> None:
    """Display a grouped table through the privacy gate (:func:`styled`),
    with only ``columns`` (those present, plus ``suppressed``) when given; when ``table`` is
    ``None`` (the dataset lacks what it needs), display ``missing`` as a note instead."""
    if table is None:
        if missing:
            display(Markdown(md_text("_{note}_", note=missing)))
        return
    if columns is not None:
        keep = [c for c in columns if c in table.columns]
        table = table[keep + ([SUPPRESSED] if SUPPRESSED in table.columns and SUPPRESSED not in keep else [])]
    display(styled(table, min_group))


def show_private(table, allowed: bool = False, rows: int = 5) -> None:
    """Display the first ``rows`` of a table of ids or raw text only when a parameter
    (``show_ids``, ``show_examples``) ``allowed`` it; nothing otherwise. Row numbers made up
    for an export without ids are never shown (``Dataset.people_view``)."""
    if allowed and table is not None:
        display(table.head(rows))

def display_table(table: pd.DataFrame, min_group: int = MIN_GROUP, currency: str = "") -> pd.DataFrame:
    """A table for a report (:func:`talentkit.core.labels.readable`): labelled headers with scales,
    numbers formatted by scale, intervals in one column; suppressed cells read ``<min_group``.

    Suppressed rows are those flagged in the ``suppressed`` column, or, when a selection of
    columns left it out, those whose ``n`` is missing (``n`` is missing only when suppressed).
    """
    if SUPPRESSED in table:
        mask = table[SUPPRESSED].astype(bool)
    elif "n" in table:
        mask = table["n"].isna()
    else:
        mask = pd.Series(False, index=table.index)
    return readable(table.drop(columns=[SUPPRESSED], errors="ignore"), mask, min_group, currency,
                    protecting=protecting_rows(table))


def styled(table: pd.DataFrame, min_group: int | None = None, currency: str = ""):
    """:func:`display_table` without the row numbers, for a notebook or report. The table must
    carry the suppression mark (:func:`require_marked`); hidden cells read ``<min_group``
    (the mark's ``min_group`` unless given). Every cell, index label and header is escaped
    as HTML (a pandas ``Styler`` does not escape by default) and long labels are shortened:
    no value from the data becomes markup."""
    require_marked(table, "a table to show")
    min_group = min_group or marked_min_group(table) or MIN_GROUP
    shown = display_table(table, min_group, currency)
    for col in shown.columns:
        if shown[col].dtype == object:
            shown[col] = shown[col].map(lambda v: short(v) if isinstance(v, str) else v)
    if not isinstance(shown.index, pd.RangeIndex):
        shown.index = shown.index.map(lambda v: short(v) if isinstance(v, str) else v)
    shown.columns = [short(c) if isinstance(c, str) else c for c in shown.columns]
    words = [c for c in shown.columns if c not in shown.attrs.get(NUMBER_COLUMNS, ())]
    style = shown.style
    if protecting_rows(table).any():
        style = style.set_caption(f"<i>{HIDDEN_TO_PROTECT}</i>: a group of at least {min_group} people, hidden so that "
                                  f"a smaller group's figures cannot be recovered by subtraction; <i>&lt;{min_group}"
                                  f"</i>: fewer than {min_group} people")
    style = (style.format(escape="html")
             .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
             .set_table_attributes('class="tk-table"')
             .set_properties(subset=words, **{"text-align": "left"})
             .set_table_styles([{"selector": f"th.col{i}", "props": "text-align: left"}
                                for i, c in enumerate(shown.columns) if c in words], overwrite=False))
    return style.hide(axis="index") if isinstance(shown.index, pd.RangeIndex) else style
