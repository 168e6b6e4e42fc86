"""read_run against real run folders made by the CLI in this session."""

import json
import math
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

import causeway


def _json(path):
    return json.loads(path.read_text())


def test_shapes_and_fields(run_dir):
    run = causeway.read_run(run_dir)
    assert run.variables == ["x0", "x1", "x2", "x3"]
    assert run.max_lag == 2
    for name in ("scores", "pvalues", "qvalues", "impact"):
        tensor = getattr(run, name)
        assert isinstance(tensor, np.ndarray), name
        assert tensor.shape == (2, 4, 4), name
    assert run.decision["rule"] == "fdr:0.05"
    assert run.binarize == "fdr:0.05"
    assert isinstance(run.diagnostics, list)
    assert run.provenance["command"].split()[1] == "run"
    assert isinstance(run.metrics, dict)
    assert "4 variables" in repr(run)


def test_edges_table(run_dir):
    run = causeway.read_run(run_dir)
    graph = _json(run_dir / "graph.json")
    assert isinstance(run.edges, pd.DataFrame)
    assert list(run.edges.columns[:6]) == ["source", "target", "lag", "score", "p_value", "q_value"]
    assert len(run.edges) == len(graph["edges"]) > 0
    others = set().union(*(e.keys() for e in graph["edges"])) - set(run.edges.columns)
    assert not others, f"graph.json edge fields missing from Run.edges: {others}"
    assert run.edges["lag"].dtype.kind == "i"


def test_every_edge_matches_the_tensors(run_dir):
    """graph.json's per-edge numbers are the .npy tensors at [lag-1, source, target]."""
    run = causeway.read_run(run_dir)
    index = {name: k for k, name in enumerate(run.variables)}
    for e in run.edge_records():
        at = (e["lag"] - 1, index[e["source"]], index[e["target"]])
        assert 1 <= e["lag"] <= run.max_lag
        for field, tensor in (("score", run.scores), ("p_value", run.pvalues), ("q_value", run.qvalues)):
            assert np.isclose(e[field], tensor[at], rtol=1e-6, atol=0), (field, e, float(tensor[at]))


def test_networkx_graph(run_dir):
    run = causeway.read_run(run_dir)
    g = run.to_networkx()
    assert g.is_multigraph() and g.is_directed()
    assert sorted(g.nodes) == run.variables
    assert g.number_of_edges() == len(run.edges)
    for e in run.edge_records():
        data = g[e["source"]][e["target"]][e["lag"]]
        assert data["lag"] == e["lag"] and type(data["lag"]) is int
        assert data["score"] == e["score"] and data["p_value"] == e["p_value"]
    assert g.graph["max_lag"] == 2


def test_several_lags_per_pair_and_untested_edges(topk_run_dir):
    run = causeway.read_run(topk_run_dir)
    assert len(run.edges) == 20
    g = run.to_networkx()
    assert g.number_of_edges() == 20
    pairs = run.edges.groupby(["source", "target"]).size()
    assert (pairs > 1).any(), "expected a pair with several lags among the top 20 of 32"
    untested = run.edges["q_value"].isna()
    assert untested.any(), "a top-20 graph should hold edges the tests did not screen in"
    assert all(math.isnan(g[s][t][l]["q_value"]) for s, t, l in
               run.edges.loc[untested, ["source", "target", "lag"]].itertuples(index=False))


def test_metrics_are_snake_case(run_dir):
    metrics = causeway.read_run(run_dir).metrics
    for key in ("auroc_lagged", "auprc_lagged", "auroc_summary", "auprc_summary", "shd_lagged",
                "truth_beyond_max_lag"):
        assert key in metrics, key
    for part in ("lagged", "summary", "lagged_no_self", "summary_no_self", "oracle_lagged", "oracle_summary"):
        assert set(metrics[part]) == {"f1", "precision", "recall", "true_positives",
                                      "false_positives", "false_negatives"}, part


def test_provenance_numbers(run_dir):
    provenance = causeway.read_run(run_dir).provenance
    assert isinstance(provenance["seed"], int)
    assert isinstance(provenance["steps"], int)
    assert isinstance(provenance["wall_time_s"], (int, float))
    assert isinstance(provenance["version"], str)


def test_cli_writes_the_schema_version(run_dir):
    """Issue #12 item 5: graph.json and metrics.json carry schema_version 1 and provenance
    numbers are JSON numbers. Fails until the CLI writes them."""
    graph = _json(run_dir / "graph.json")
    assert graph.get("schema_version") == 1, "graph.json has no schema_version 1 (issue #12 item 5 not in this binary)"
    assert isinstance(graph["provenance"]["seed"], int), "graph.json provenance values are still strings"
    metrics = _json(run_dir / "metrics.json")
    assert metrics.get("schema_version") == 1, "metrics.json has no schema_version 1"
    assert "auroc_lagged" in metrics, "metrics.json keys are not snake_case yet"
    assert causeway.read_run(run_dir).schema_version == 1


def test_without_pandas_edges_are_dicts(run_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    run = causeway.read_run(run_dir)
    assert isinstance(run.edges, list) and run.edges
    assert set(run.edges[0]) >= {"source", "target", "lag", "score", "p_value", "q_value"}
    assert run.to_networkx().number_of_edges() == len(run.edges)


def test_missing_folder(tmp_path):
    missing = tmp_path / "no-such-run"
    with pytest.raises(FileNotFoundError, match="no-such-run"):
        causeway.read_run(missing)


def test_folder_without_graph_json(tmp_path):
    with pytest.raises(FileNotFoundError, match="graph.json"):
        causeway.read_run(tmp_path)


def _copy(run_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    return copy


def test_newer_schema_version_is_refused(run_dir, tmp_path):
    copy = _copy(run_dir, tmp_path)
    graph = _json(copy / "graph.json")
    graph["schema_version"] = causeway.SCHEMA_VERSION + 1
    (copy / "graph.json").write_text(json.dumps(graph))
    with pytest.raises(ValueError, match=r"schema_version 2 is newer"):
        causeway.read_run(copy)


def test_tensor_of_the_wrong_shape_is_refused(run_dir, tmp_path):
    copy = _copy(run_dir, tmp_path)
    np.save(copy / "pvalues.npy", np.zeros((3, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"pvalues.npy: shape \[3, 4, 4\]"):
        causeway.read_run(copy)


@pytest.mark.parametrize("name,cut", [("scores.npy", 100), ("pvalues.npy", 0)])
def test_truncated_or_empty_tensor_names_the_file(run_dir, tmp_path, name, cut):
    copy = _copy(run_dir, tmp_path)
    data = (copy / name).read_bytes()
    (copy / name).write_bytes(data[:cut])
    with pytest.raises(ValueError, match=rf"{name}: not a readable \.npy file"):
        causeway.read_run(copy)


def test_optional_files_may_be_missing(run_dir, tmp_path):
    copy = _copy(run_dir, tmp_path)
    for name in ("pvalues.npy", "qvalues.npy", "impact.npy", "metrics.json"):
        (copy / name).unlink()
    run = causeway.read_run(copy)
    assert run.pvalues is None and run.qvalues is None and run.impact is None and run.metrics is None


def test_files_from_before_schema_1(run_dir, tmp_path):
    """Runs written before schema_version: string provenance and camelCase metrics still read."""
    copy = _copy(run_dir, tmp_path)
    graph = _json(copy / "graph.json")
    graph.pop("schema_version", None)
    graph["provenance"] = {k: str(v) for k, v in graph["provenance"].items()}
    (copy / "graph.json").write_text(json.dumps(graph))
    (copy / "metrics.json").write_text(json.dumps(
        {"aurocLagged": 0.9, "lagged": {"truePositives": 3, "f1": 0.5}, "truthBeyondMaxLag": 0}))
    run = causeway.read_run(copy)
    assert run.schema_version == 0
    assert run.provenance["seed"] == 0 and isinstance(run.provenance["wall_time_s"], float)
    assert run.provenance["version"] == graph["provenance"]["version"]
    assert run.metrics == {"auroc_lagged": 0.9, "lagged": {"true_positives": 3, "f1": 0.5}, "truth_beyond_max_lag": 0}
