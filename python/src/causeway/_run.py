"""Reading a Causeway run folder (the ``--out`` folder of ``causeway run``)."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

import numpy as np

#: The newest ``schema_version`` of graph.json and metrics.json this package understands.
#: Files written before versioning have no ``schema_version`` and are read as version 0.
SCHEMA_VERSION = 1

#: Edge columns that always come first (and are always present) in ``Run.edges``.
EDGE_COLUMNS = ("source", "target", "lag", "score", "p_value", "q_value")


@dataclass
class Run:
    """The results of one ``causeway run``, as read by :func:`read_run`.

    Attributes
    ----------
    path : str
        The run folder.
    variables : list of str
        Variable names, in the order of the tensor axes (p names).
    max_lag : int
        Longest lag scored, L (lags are 1 … L time steps).
    scores : numpy.ndarray, float32, shape [L, p, p]
        Attribution scores from scores.npy, indexed ``scores[lag - 1, source, target]``
        (source and target are positions in ``variables``). Unitless; larger means more
        relevant. Comparable within a run, not across runs.
    pvalues, qvalues : numpy.ndarray [L, p, p] or None
        Per-edge test p-values and FDR q-values (pvalues.npy / qvalues.npy), same indexing as
        ``scores``; NaN where there is none (q-values outside the tested family, p-values
        of inputs not tested when L·p > 100; docs/outputs.md). None when the run wrote no such file
        (e.g. a score-only rule such as ``--binarize row-topk:3``).
    impact : numpy.ndarray [L, p, p] or None
        The tests' effect sizes (impact.npy) when present, same indexing.
    edges : pandas.DataFrame or list of dict
        The reported lagged edges of graph.json, one row per (source, target, lag). Columns
        ``source``, ``target`` (names), ``lag`` (int, time steps), ``score``, ``p_value``,
        ``q_value`` (NaN when the run did not test), then every other field graph.json gives
        (``rank_mean``, ``rank_std``, ``shard_agreement``, …). A DataFrame when pandas is
        installed, else a list of dicts with the same keys.
    summary_edges : list of dict
        graph.json's ``summary_edges``: distinct source → target pairs with their summary score.
    decision : dict
        How edges were decided (graph.json ``decision``: rule, level, fdr_method, threshold,
        tested, …); empty when the run recorded none.
    provenance : dict
        Command, data, seed, timings (seconds in ``*_s``), version … (graph.json
        ``provenance``). Numeric values are numbers, the rest strings.
    diagnostics : list of dict
        Data warnings and notes, each ``{"kind", "columns", "message"}``.
    metrics : dict or None
        metrics.json (written by ``causeway evaluate`` or ``run --truth``) with snake_case keys:
        ``auroc_lagged``, ``lagged`` → {``f1``, ``precision``, ``recall``, ``true_positives``, …},
        ``shd_lagged``, …; None when the folder has no metrics.json.
    attribution, binarize : str or None
        The attribution method and decision rule as named on the command line.
    schema_version : int
        graph.json's ``schema_version`` (0 for files written before it existed).
    graph : dict
        graph.json exactly as parsed, for anything not listed above.
    """

    path: str
    variables: List[str]
    max_lag: int
    scores: np.ndarray
    pvalues: Optional[np.ndarray]
    qvalues: Optional[np.ndarray]
    impact: Optional[np.ndarray]
    edges: Any
    summary_edges: List[Dict[str, Any]]
    decision: Dict[str, Any]
    provenance: Dict[str, Any]
    diagnostics: List[Dict[str, Any]]
    metrics: Optional[Dict[str, Any]]
    attribution: Optional[str]
    binarize: Optional[str]
    schema_version: int
    graph: Dict[str, Any] = field(repr=False)

    def __repr__(self) -> str:
        return (f"Run({self.path!r}: {len(self.variables)} variables, max lag {self.max_lag}, "
                f"{len(self.edge_records())} edges, rule {self.binarize or self.decision.get('rule')})")

    def edge_records(self) -> List[Dict[str, Any]]:
        """The edges as a list of dicts (whatever type ``edges`` has)."""
        if isinstance(self.edges, list):
            return [dict(e) for e in self.edges]
        return self.edges.to_dict("records")

    def to_networkx(self):
        """The lagged graph as a ``networkx.MultiDiGraph``.

        One node per variable (also variables without edges), one edge per reported
        (source, target, lag), keyed by the lag (``G[source][target][lag]``), with every edge
        field as an attribute: ``lag`` (int), ``score``, ``p_value``, ``q_value`` (float, NaN
        when untested), and the others of graph.json. Graph attributes: ``max_lag``,
        ``variables``, ``decision``.

        Raises
        ------
        ImportError
            networkx is not installed (``pip install "causeway[networkx]"``).
        """
        try:
            import networkx as nx
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError('Run.to_networkx needs networkx: pip install "causeway[networkx]"') from error
        g = nx.MultiDiGraph(max_lag=self.max_lag, variables=list(self.variables), decision=dict(self.decision))
        g.add_nodes_from(self.variables)
        for e in self.edge_records():
            attrs = {k: _plain(v) for k, v in e.items() if k not in ("source", "target")}
            g.add_edge(e["source"], e["target"], key=int(e["lag"]), **attrs)
        return g


def read_run(dir: Union[str, os.PathLike]) -> Run:
    """Reads a Causeway run folder (the ``--out`` of ``causeway run``).

    Parameters
    ----------
    dir : str or path-like
        The run folder. It must hold graph.json and scores.npy; pvalues.npy, qvalues.npy,
        impact.npy and metrics.json are read when present.

    Returns
    -------
    Run
        See :class:`Run` for every field, its shape and units.

    Raises
    ------
    FileNotFoundError
        The folder, its graph.json or its scores.npy does not exist (the message names the path).
    ValueError
        graph.json or metrics.json is not valid JSON, has a ``schema_version`` newer than
        this package knows (update the package), a tensor's shape does not match
        ``[max_lag, p, p]``, or a .npy file is truncated or empty (each message names the file).
    """
    path = os.fspath(dir)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"Causeway run folder not found: {path}")
    graph_path = os.path.join(path, "graph.json")
    if not os.path.isfile(graph_path):
        raise FileNotFoundError(f"no graph.json in the run folder {path} (not a Causeway run, or the run failed): {graph_path}")
    graph = _read_json(graph_path)
    if not isinstance(graph, dict):
        raise ValueError(f"{graph_path}: expected a JSON object at the top level")
    version = _schema_version(graph, graph_path)

    variables = graph.get("variables")
    max_lag = graph.get("max_lag")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables) or not variables:
        raise ValueError(f"{graph_path}: 'variables' must be a non-empty list of names")
    if not isinstance(max_lag, int) or max_lag < 1:
        raise ValueError(f"{graph_path}: 'max_lag' must be a positive integer")
    shape = (max_lag, len(variables), len(variables))

    scores_path = os.path.join(path, "scores.npy")
    if not os.path.isfile(scores_path):
        raise FileNotFoundError(f"no scores.npy in the run folder {path}: {scores_path}")
    scores = _read_tensor(scores_path, shape)
    pvalues = _read_tensor(os.path.join(path, "pvalues.npy"), shape, optional=True)
    qvalues = _read_tensor(os.path.join(path, "qvalues.npy"), shape, optional=True)
    impact = _read_tensor(os.path.join(path, "impact.npy"), shape, optional=True)

    metrics = None
    metrics_path = os.path.join(path, "metrics.json")
    if os.path.isfile(metrics_path):
        metrics = _read_json(metrics_path)
        if not isinstance(metrics, dict):
            raise ValueError(f"{metrics_path}: expected a JSON object at the top level")
        _schema_version(metrics, metrics_path)
        metrics = _snake_keys(metrics)  # files written before schema 1 used camelCase

    provenance = dict(graph.get("provenance") or {})
    if version < 1:  # before schema 1 every provenance value was a string
        provenance = {k: _number_or_text(v) for k, v in provenance.items()}

    records = [_edge_record(e, graph_path) for e in graph.get("edges") or []]
    return Run(
        path=path,
        variables=list(variables),
        max_lag=max_lag,
        scores=scores,
        pvalues=pvalues,
        qvalues=qvalues,
        impact=impact,
        edges=_edge_table(records),
        summary_edges=list(graph.get("summary_edges") or []),
        decision=dict(graph.get("decision") or {}),
        provenance=provenance,
        diagnostics=list(graph.get("diagnostics") or []),
        metrics=metrics,
        attribution=graph.get("attribution"),
        binarize=graph.get("binarize"),
        schema_version=version,
        graph=graph,
    )


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: malformed JSON: {error}") from error


def _schema_version(obj: Dict[str, Any], path: str) -> int:
    version = obj.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(f"{path}: schema_version must be a non-negative integer, found {version!r}")
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"{path}: schema_version {version} is newer than this causeway Python package understands "
            f"(up to {SCHEMA_VERSION}); install the package from the same Causeway version that wrote the run")
    return version


def _read_tensor(path: str, shape, optional: bool = False) -> Optional[np.ndarray]:
    if optional and not os.path.isfile(path):
        return None
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        # truncated or empty files raise EOFError or a ValueError that does not name the file
        raise ValueError(f"{path}: not a readable .npy file ({error}); the run may have been interrupted "
                         "while writing it: run it again") from error
    if array.shape != shape:
        raise ValueError(f"{path}: shape {list(array.shape)}, expected [max_lag, p, p] = {list(shape)} from graph.json")
    return array


def _edge_record(edge: Any, path: str) -> Dict[str, Any]:
    if not isinstance(edge, dict) or not {"source", "target", "lag"} <= edge.keys():
        raise ValueError(f"{path}: every edge needs 'source', 'target' and 'lag', found {edge!r}")
    record = {"source": edge["source"], "target": edge["target"], "lag": int(edge["lag"])}
    for key in EDGE_COLUMNS[3:]:
        value = edge.get(key)
        record[key] = math.nan if value is None else float(value)
    for key in sorted(edge.keys() - set(EDGE_COLUMNS)):
        value = edge[key]
        record[key] = math.nan if value is None else value
    return record


def _edge_table(records: List[Dict[str, Any]]):
    try:
        import pandas as pd
    except ImportError:
        return records
    extra = sorted({k for r in records for k in r} - set(EDGE_COLUMNS))
    frame = pd.DataFrame.from_records(records, columns=list(EDGE_COLUMNS) + extra)
    if not records:
        frame = frame.astype({"source": object, "target": object, "lag": "int64",
                              "score": "float64", "p_value": "float64", "q_value": "float64"})
    return frame


def _plain(value: Any) -> Any:
    """numpy scalars (from a DataFrame row) as Python numbers."""
    return value.item() if isinstance(value, np.generic) else value


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _number_or_text(value: Any) -> Any:
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        return value
    text = value.strip()
    return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)


def _snake_keys(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {_snake(k): _snake_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_snake_keys(v) for v in obj]
    return obj


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()
