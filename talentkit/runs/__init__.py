"""Batch runs: run files, kernels, Dask, the run record, HTML pages, two runs compared and the
series of runs. A module here imports only ``core``; only the command line imports it."""
