"""talentkit: analyses of an AI company's global talent network, for notebooks and batch runs.

Every computation the notebooks show lives here, so it can be tested. The layers, and what
may import what, are in ARCHITECTURE.md; in short, from the bottom: ``errors``; numbers,
dates, statistics and the built-in company; privacy, the data contract and the run record;
datasets, records, run files and reports; timelines and kernels; tenure spells; the analyses
(``metrics``, ``tenure``, ``flows``, ``network``, ``staffing``, the ``textclf`` package ...);
analyses on analyses (the ``drivers`` package, ``ladder``, ``scenarios``) and the runner;
figures and sentences; widgets, exercises and the command line (``python -m talentkit``).
"""

from importlib import import_module
from importlib.util import find_spec

from .record import record, record_each, record_figure, record_measures, results

__version__ = "0.1.0"
__all__ = ["Dataset", "DataError", "load", "md", "md_text", "show_warnings", "show_note", "show_table", "show_private",
           "record", "record_each", "record_measures", "record_figure", "results", "__version__"]

_LAZY = {"Dataset": "datasets", "load": "datasets", "DataError": "errors", "md": "markup", "md_text": "markup",
         "show_warnings": "show", "show_note": "show", "show_table": "show", "show_private": "show"}


def __getattr__(name):
    # Imported on first use, so `import talentkit` in a kernel stays quick; every module of the
    # package is reachable as tk.<module> (tk.drivers, tk.dataprofile ...), imported or not.
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name.isidentifier() and not name.startswith("_") and find_spec(f"{__name__}.{name}") is not None:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'talentkit' has no attribute {name!r}")
