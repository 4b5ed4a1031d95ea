"""What a notebook cell shows besides figures: the loader's warnings, grouped tables through
the privacy gate, and (only where a parameter allows it) rows with ids or raw text.

Each helper displays its output itself (``IPython.display``) and returns nothing, so a
notebook cell stays one call.
"""

from __future__ import annotations

from IPython.display import Markdown, display

from .markup import md_text
from .privacy import SUPPRESSED, styled
from .record import record_data


def show_warnings(ds) -> None:
    """Display how the data was read (a snapshot's assumptions) and the loader's
    plausibility warnings as notes at the top of a report, escaped; nothing when there are
    none. Notes the data's name and row counts for the report's header block
    (:func:`talentkit.record.record_data`). ``None`` (no dataset: a file of texts) shows nothing."""
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
    """Display a grouped table through the privacy gate (:func:`talentkit.privacy.styled`),
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
