"""write_dataset: the manifest format of Sources/Causeway/Data/Manifest.swift, checked by the CLI."""

import json

import numpy as np
import pandas as pd
import pytest

import causeway


@pytest.fixture(scope="module")
def frame(generated):
    """The generated series (4 variables, 1,500 rows) as a DataFrame."""
    return pd.read_csv(generated / "domain0.csv")


def test_two_domains_round_trip(frame, tmp_path, cli):
    domains = {"first half": frame.iloc[:750], "second": frame.iloc[750:][["x3", "x2", "x1", "x0"]]}
    manifest_path = causeway.write_dataset(domains, tmp_path / "data")
    assert manifest_path == str(tmp_path / "data" / "manifest.json")
    manifest = json.loads((tmp_path / "data" / "manifest.json").read_text())
    assert manifest == {"variables": ["x0", "x1", "x2", "x3"],
                        "domains": [{"name": "first half", "path": "first_half.csv"},
                                    {"name": "second", "path": "second.csv"}]}
    second = pd.read_csv(tmp_path / "data" / "second.csv")
    assert list(second.columns) == ["x0", "x1", "x2", "x3"]  # the first domain's order
    np.testing.assert_array_equal(second.to_numpy(), frame.iloc[750:].to_numpy())  # floats round-trip exactly

    out = tmp_path / "run"
    cli("run", "--data", manifest_path, "--out", out, "--max-lag", 2, "--quiet")
    run = causeway.read_run(out)
    assert run.variables == ["x0", "x1", "x2", "x3"]
    assert run.provenance["data"] == manifest_path


def test_one_frame_is_domain0(frame, tmp_path):
    path = causeway.write_dataset(frame, tmp_path, source="unit test")
    manifest = json.loads(open(path).read())
    assert manifest["domains"] == [{"name": "domain0", "path": "domain0.csv"}]
    assert manifest["source"] == "unit test"


def test_missing_values_are_empty_cells(tmp_path):
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": pd.array([1, None, 3], dtype="Int64"), "c": [True, False, True]})
    causeway.write_dataset(df, tmp_path)
    assert (tmp_path / "domain0.csv").read_text() == "a,b,c\n1.0,1,1\n,,0\n3.0,3,1\n"


def test_time_column(frame, tmp_path):
    df = frame.copy()
    df.insert(2, "when", pd.date_range("2024-01-01", periods=len(df), freq="h"))
    causeway.write_dataset({"d": df}, tmp_path, time_column="when")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["variables"] == ["x0", "x1", "x2", "x3"]
    lines = (tmp_path / "d.csv").read_text().splitlines()
    assert lines[0] == "when,x0,x1,x2,x3"
    assert lines[1].startswith("2024-01-01T00:00:00,")


def test_time_column_as_index(frame, tmp_path):
    df = frame.set_index(pd.date_range("2024-01-01", periods=len(frame), freq="D", tz="UTC").rename("day"))
    causeway.write_dataset(df, tmp_path, time_column="day")
    lines = (tmp_path / "domain0.csv").read_text().splitlines()
    assert lines[0] == "day,x0,x1,x2,x3"
    assert lines[1].startswith("2024-01-01T00:00:00+00:00,")


def test_domains_must_share_columns(frame, tmp_path):
    with pytest.raises(ValueError, match=r"domain 'b' has different columns.*missing \['x3'\]"):
        causeway.write_dataset({"a": frame, "b": frame.drop(columns="x3")}, tmp_path)


def test_non_numeric_columns_are_refused(frame, tmp_path):
    df = frame.assign(site="north")
    with pytest.raises(ValueError, match=r"non-numeric columns 'site'"):
        causeway.write_dataset(df, tmp_path)
    causeway.write_dataset(df, tmp_path, time_column="site")  # allowed as the time column


def test_other_refusals(frame, tmp_path):
    with pytest.raises(TypeError, match="DataFrame"):
        causeway.write_dataset(frame.to_numpy(), tmp_path)
    with pytest.raises(TypeError, match="not a pandas DataFrame"):
        causeway.write_dataset({"a": frame.to_numpy()}, tmp_path)
    with pytest.raises(ValueError, match="empty dict"):
        causeway.write_dataset({}, tmp_path)
    with pytest.raises(ValueError, match="not text"):
        causeway.write_dataset(pd.DataFrame(np.zeros((5, 2))), tmp_path)
    with pytest.raises(ValueError, match="infinite value at row 1"):
        causeway.write_dataset(pd.DataFrame({"a": [0.0, np.inf], "b": [1.0, 2.0]}), tmp_path)
    with pytest.raises(ValueError, match="no time column 'when'"):
        causeway.write_dataset(frame, tmp_path, time_column="when")
    with pytest.raises(ValueError, match="has no rows"):
        causeway.write_dataset(frame.iloc[:0], tmp_path)
