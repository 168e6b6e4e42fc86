"""Causeway from Python: read a run's results, write data for it, and run it.

- :func:`read_run` reads a run folder (graph.json, scores.npy, p-values, metrics.json).
- :func:`write_dataset` writes pandas DataFrames as CSV files plus a manifest.json.
- :func:`run` calls the ``causeway`` program and returns :func:`read_run` of its output.
"""

from ._cli import CausewayError, find_binary, run
from ._dataset import write_dataset
from ._run import SCHEMA_VERSION, Run, read_run

__all__ = ["CausewayError", "Run", "SCHEMA_VERSION", "find_binary", "read_run", "run", "write_dataset"]
__version__ = "0.1.0"
