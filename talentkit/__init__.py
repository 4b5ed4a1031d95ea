"""talentkit: analyses of an AI company's global talent network, for notebooks and batch runs.

Every computation the notebooks show lives here, so it can be tested: ``datasets`` (load
and validate), ``synth`` (the built-in data), ``metrics``, ``tenure``, ``privacy``,
``plots``, ``runner`` and ``render`` (batch runs and reports), ``record`` (what a
notebook reports back).
"""

from importlib import import_module

from .record import record, record_figure, results

__version__ = "0.1.0"
__all__ = ["Dataset", "DataError", "load", "md", "show_warnings", "record", "record_figure", "results",
           "__version__"]

_LAZY = {"Dataset": "datasets", "load": "datasets", "DataError": "schema", "md": "markup", "show_warnings": "markup"}
_MODULES = {"datasets", "schema", "synth", "metrics", "tenure", "privacy", "plots", "runner", "render", "cli",
            "markup", "yamlfile", "network", "flows", "scenarios", "casestudy", "textclf"}


def __getattr__(name):
    # Imported on first use, so `import talentkit` in a kernel stays quick.
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name in _MODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'talentkit' has no attribute {name!r}")
