"""Fixtures: the causeway binary and real runs made once per test session (about a second each).

The binary is the one causeway.run would call (CAUSEWAY_BIN, PATH, or the repository's
.build/release/causeway); without it every test that needs it fails (not skips).
"""

import subprocess
from pathlib import Path

import pytest

import causeway


def _cli(binary, *args):
    done = subprocess.run([binary, *map(str, args)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"causeway {args[0]} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done


@pytest.fixture(scope="session")
def binary():
    try:
        return causeway.find_binary()
    except FileNotFoundError as error:
        pytest.fail(f"{error} (scripts/test-python sets CAUSEWAY_BIN)")


@pytest.fixture(scope="session")
def cli(binary):
    """cli("run", "--data", ...): runs the binary, fails the test on a non-zero exit."""
    return lambda *args: _cli(binary, *args)


@pytest.fixture(scope="session")
def generated(cli, tmp_path_factory) -> Path:
    """Synthetic data with a known graph: 4 variables, 1,500 rows, true lags up to 2."""
    out = tmp_path_factory.mktemp("generated")
    cli("generate", "--variables", 4, "--samples", 1500, "--max-lag", 2, "--seed", 1, "--out", out)
    return out


@pytest.fixture(scope="session")
def run_dir(cli, generated, tmp_path_factory) -> Path:
    """A default run (fdr:0.05) on `generated` with --max-lag 2, then `evaluate` (metrics.json)."""
    out = tmp_path_factory.mktemp("run") / "out"
    cli("run", "--data", generated / "manifest.json", "--out", out, "--max-lag", 2, "--quiet")
    cli("evaluate", "--run", out, "--truth", generated / "truth.csv")
    return out


@pytest.fixture(scope="session")
def topk_run_dir(cli, generated, tmp_path_factory) -> Path:
    """A score-only run keeping the 20 best of 32 candidates: several lags per pair, untested
    edges (q-value null)."""
    out = tmp_path_factory.mktemp("topk") / "out"
    cli("run", "--data", generated / "manifest.json", "--out", out, "--max-lag", 2, "--quiet",
        "--binarize", "global-topk:20")
    return out
