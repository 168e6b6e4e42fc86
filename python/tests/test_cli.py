"""causeway.run: flags, the binary, errors."""

import os

import pandas as pd
import pytest

import causeway
from causeway._cli import _flags


def test_flag_mapping():
    assert _flags({"max_lag": 3, "quiet": True, "per_domain": False, "seed": None,
                   "columns": ["a", "b"], "lr": 0.001}) == \
        ["--max-lag", "3", "--quiet", "--columns", "a,b", "--lr", "0.001"]


def test_run_on_a_dataframe(generated, tmp_path):
    frame = pd.read_csv(generated / "domain0.csv")
    run = causeway.run({"a": frame.iloc[:750], "b": frame.iloc[750:]}, tmp_path / "out", max_lag=2, quiet=True,
                       truth=generated / "truth.csv")
    assert run.scores.shape == (2, 4, 4)
    assert len(run.edges) > 0
    assert run.metrics is not None  # --truth writes metrics.json
    assert run.provenance["command"].split()[1:3] == ["run", "--data"]


def test_run_on_a_dataframe_with_time_stamps(generated, tmp_path):
    frame = pd.read_csv(generated / "domain0.csv")
    frame.insert(0, "time", pd.date_range("2024-01-01", periods=len(frame), freq="min"))
    run = causeway.run(frame, tmp_path / "results", max_lag=2, quiet=True, time_column="time")
    assert run.variables == ["x0", "x1", "x2", "x3"]
    # the report is titled after the run's folder, not the temporary data folder
    assert "<title>Causeway: results</title>" in (tmp_path / "results" / "report.html").read_text()


def test_drop_columns_may_name_non_numeric_columns_of_a_dataframe(generated, tmp_path):
    frame = pd.read_csv(generated / "domain0.csv")
    frame.insert(0, "station", "ST-0042")
    run = causeway.run(frame, tmp_path / "out", max_lag=2, quiet=True, drop_columns=["station"])
    assert run.variables == ["x0", "x1", "x2", "x3"]
    with pytest.raises(ValueError, match="drop_columns: no such column 'nope'"):
        causeway.run(frame, tmp_path / "out2", max_lag=2, drop_columns=["nope"])


def test_unknown_flag_raises_with_the_cli_message(generated, tmp_path):
    with pytest.raises(causeway.CausewayError, match="Unknown option '--bogus-flag'") as caught:
        causeway.run(generated / "manifest.json", tmp_path / "out", bogus_flag=1)
    assert isinstance(caught.value, RuntimeError)
    assert caught.value.returncode != 0
    assert "--bogus-flag" in caught.value.stderr


def test_bad_value_raises(generated, tmp_path):
    with pytest.raises(causeway.CausewayError, match="max-lag"):
        causeway.run(generated / "manifest.json", tmp_path / "out", max_lag=0)
    assert not (tmp_path / "out").exists()


def test_missing_data_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.csv"):
        causeway.run(tmp_path / "nothing.csv", tmp_path / "out")


def test_binary_from_the_environment(binary, monkeypatch, tmp_path):
    monkeypatch.setenv("CAUSEWAY_BIN", binary)
    assert causeway.find_binary() == binary
    monkeypatch.setenv("CAUSEWAY_BIN", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="CAUSEWAY_BIN"):
        causeway.find_binary()


def test_earlier_results_need_overwrite(generated, tmp_path):
    out = tmp_path / "out"
    causeway.run(generated / "manifest.json", out, max_lag=2, quiet=True)
    with pytest.raises(causeway.CausewayError, match="--overwrite"):
        causeway.run(generated / "manifest.json", out, max_lag=2, quiet=True)
    assert causeway.run(generated / "manifest.json", out, max_lag=2, quiet=True, overwrite=True).max_lag == 2
