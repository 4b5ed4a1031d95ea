"""talentkit: analyses of an AI company's global talent network, for notebooks and batch runs.

Every computation the notebooks show lives here, so it can be tested:
``datasets`` (load and validate), ``synth`` (the built-in data), ``runner`` and ``render``
(batch runs and reports), ``record`` (what a notebook reports back).
"""

from .datasets import Dataset, load
from .record import record, record_figure, results
from .schema import DataError

__version__ = "0.1.0"
__all__ = ["Dataset", "DataError", "load", "record", "record_figure", "results", "__version__"]
