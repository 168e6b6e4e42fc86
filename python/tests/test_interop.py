"""graph.npz (tigramite's layout) and graph.graphml (networkx) written by the CLI, read by the
real libraries. These fail, naming the file, while the binary does not write them yet."""

import json
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import networkx as nx
import numpy as np
import pytest
from tigramite import plotting as tp

import causeway


def _edges(run_dir):
    """{(source, target, lag): edge} of graph.json."""
    graph = json.loads((run_dir / "graph.json").read_text())
    return {(e["source"], e["target"], e["lag"]): e for e in graph["edges"]}


def _require(path):
    if not path.is_file():
        pytest.fail(f"{path.name} is missing from the run folder {path.parent}: this causeway binary "
                    "does not write it yet (issue #12 item 6)")
    return path


def _npz(run_dir):
    with np.load(_require(run_dir / "graph.npz"), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(params=["run_dir", "topk_run_dir"])
def any_run(request):
    return request.getfixturevalue(request.param)


def test_npz_layout(any_run):
    npz = _npz(any_run)
    run = causeway.read_run(any_run)
    p, L = len(run.variables), run.max_lag
    assert {"graph", "val_matrix", "var_names"} <= set(npz)
    assert run.pvalues is not None, "these runs have p-values"
    assert "p_matrix" in npz, "graph.npz has no p_matrix although the run has p-values"
    graph, val, pm = npz["graph"], npz["val_matrix"], npz["p_matrix"]
    assert graph.shape == val.shape == pm.shape == (p, p, L + 1)
    assert graph.dtype == np.dtype("<U3")
    assert val.dtype == pm.dtype == np.float64
    assert npz["var_names"].dtype.kind == "U" and list(npz["var_names"]) == run.variables
    assert set(np.unique(graph)) <= {"", "-->"}
    assert (graph[:, :, 0] == "").all()
    assert (val[:, :, 0] == 0).all() and (pm[:, :, 0] == 1).all()
    # val_matrix[i, j, τ] = scores[τ-1, i, j]; p_matrix likewise, 1 where untested.
    np.testing.assert_array_equal(val[:, :, 1:], np.transpose(run.scores, (1, 2, 0)).astype(np.float64))
    pvalues = np.transpose(run.pvalues, (1, 2, 0)).astype(np.float64)
    np.testing.assert_array_equal(pm[:, :, 1:], np.where(np.isnan(pvalues), 1.0, pvalues))


def test_npz_links_are_the_graph_json_edges(any_run):
    npz = _npz(any_run)
    names = list(npz["var_names"])
    links = {(names[i], names[j], int(tau)) for i, j, tau in zip(*np.nonzero(npz["graph"] == "-->"))}
    assert links == set(_edges(any_run))


def test_tigramite_plots(run_dir, tmp_path):
    npz = _npz(run_dir)
    names = list(npz["var_names"])
    for plot, name in ((tp.plot_time_series_graph, "time_series_graph.png"), (tp.plot_graph, "graph.png")):
        path = tmp_path / name
        plot(graph=npz["graph"], val_matrix=npz["val_matrix"], var_names=names, save_name=str(path))
        assert path.is_file() and path.stat().st_size > 1000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    plt.close("all")


def test_graphml(any_run):
    g = nx.read_graphml(_require(any_run / "graph.graphml"))
    edges = _edges(any_run)
    run = causeway.read_run(any_run)
    assert g.is_directed()
    assert sorted(g.nodes) == sorted(run.variables)
    if any(sum(1 for s, t, _ in edges if (s, t) == pair) > 1 for pair in {(s, t) for s, t, _ in edges}):
        assert g.is_multigraph(), "several lags of one pair need a MultiDiGraph"
    read = {}
    for source, target, data in g.edges(data=True):
        assert isinstance(data["lag"], int), data
        key = (source, target, data["lag"])
        assert key not in read, f"edge {key} twice"
        read[key] = data
    assert set(read) == set(edges)
    for key, e in edges.items():
        for field in ("score", "p_value", "q_value"):
            want = e.get(field)
            got = read[key].get(field)
            if want is None:  # null in graph.json (untested): absent or NaN in graphml
                assert got is None or math.isnan(got), (key, field, got)
            else:
                assert isinstance(got, float) and math.isclose(got, want, rel_tol=1e-6), (key, field, got, want)
