"""talentkit: analyses of an AI company's global talent network, for notebooks and batch runs.

Every computation the notebooks show lives here, so it can be tested. The package has three
rooms and the analyses (ARCHITECTURE.md draws them, and what may import what):

- ``core/``: what everything uses (errors, privacy, statistics, pooling, labels, dates, files,
  what a notebook records);
- ``data/``: reading every form of export into the one internal model (``load``, ``Dataset``,
  the timeline);
- ``runs/``: batch runs, their records, pages, comparisons and the series of runs;
- at the top, the analyses (``metrics``, ``tenure``, ``flows``, ``network``, ``drivers`` ...),
  what a notebook displays (``plots``, ``summaries``, ``show``), and the command line.

This face keeps the short names a notebook or the workshop writes: ``tk.load``,
``tk.privacy``, ``from talentkit import timeline``.
"""

from importlib import import_module
from importlib.util import find_spec

from .core.results import record, record_csv, record_each, record_figure, record_measures, results

__version__ = "0.1.0"
__all__ = ["Dataset", "DataError", "load", "md", "md_text", "show_warnings", "show_note", "show_table", "show_private",
           "record", "record_csv", "record_each", "record_measures", "record_figure", "results", "__version__"]

_LAZY = {"Dataset": "data.datasets", "load": "data.datasets", "DataError": "core.errors", "md": "core.markup",
         "md_text": "core.markup", "show_warnings": "show", "show_note": "show", "show_table": "show",
         "show_private": "show"}
# The modules of a room that a notebook or the workshop names by their short name.
SHORT_NAMES = {"privacy": "core.privacy", "markup": "core.markup", "measures": "core.measures",
               "pooling": "core.pooling", "theme": "core.theme", "timeline": "data.timeline",
               "personal": "data.personal"}


def __getattr__(name):
    # Imported on first use, so `import talentkit` in a kernel stays quick; every module at the
    # top (tk.drivers, tk.dataprofile ...) and every short name is reachable, imported or not.
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name in SHORT_NAMES:
        return import_module(f".{SHORT_NAMES[name]}", __name__)
    if name.isidentifier() and not name.startswith("_") and find_spec(f"{__name__}.{name}") is not None:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'talentkit' has no attribute {name!r}")
