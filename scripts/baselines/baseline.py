#!/usr/bin/env python3
"""Classical baselines for Causeway: PCMCI (tigramite, ParCorr) and VARLiNGAM (lingam).

Reads a Causeway data set (a manifest JSON, or one CSV / NPY series), standardizes every
domain, runs one method over lags 1..L and writes, in the layout `causeway evaluate` reads:

    scores.npy    float32 [L, p, p], scores[lag-1, source, target]
    graph.json    variables, max_lag, attribution, binarize, edges, summary_edges, provenance
    timing.json   {"seconds": wall time of standardization + method}

Edge semantics everywhere: source j at time t-lag drives target i at time t. Instantaneous
(lag 0) effects that either method estimates are dropped: Causeway's graphs are lagged only.

Input errors (missing file, ragged or non-numeric row, NaN/Inf, variable mismatch, constant
column, too few rows) print one line naming the file and line and exit with status 2 before
anything is written.
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
from importlib.metadata import version

# The regressions here are small (rows × a few dozen columns): BLAS threads only contend, and
# on a busy 2-core machine a threaded OpenBLAS made VARLiNGAM ~5× slower. One thread unless
# the caller says otherwise; must be set before numpy loads OpenBLAS.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402


class InputError(Exception):
    """A problem with the user's input: reported as one line, exit status 2."""


# MARK: - Loading and validation


def parse_number(text, file, line, column):
    """One CSV cell as a finite float; anything else is an InputError naming the cell."""
    cell = text.strip()
    try:
        if "_" in cell:  # Python's float() accepts '1_000'; a data file should not
            raise ValueError
        value = float(cell)
    except ValueError:
        raise InputError(f"{file}:{line}: column '{column}' is not a number: '{cell}'")
    if not math.isfinite(value):
        raise InputError(f"{file}:{line}: column '{column}' is not finite: '{cell}'")
    return value


def read_csv(file, variables=None, exclude=()):
    """A CSV series with a header row of names. Returns (variables, array [rows, p]).
    `variables` (a manifest's) are matched by name, in any column order, as causeway run
    matches them; without it every column not in `exclude` (--time-column, --drop-columns) is a
    variable. Only the variables' cells are parsed, so other columns may hold text."""
    try:
        with open(file, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"{file}: cannot read ({e.strerror})")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last row
    lines = [l[:-1] if l.endswith("\r") else l for l in lines]
    if not lines:
        raise InputError(f"{file}: file is empty")
    names = [n.strip() for n in lines[0].split(",")]
    for j, n in enumerate(names):
        if not n:
            raise InputError(f"{file}:1: column {j + 1} has an empty name in the header")
        if names.index(n) != j:
            raise InputError(f"{file}:1: duplicate variable name '{n}' (columns {names.index(n) + 1} and {j + 1})")
    for name in exclude:
        if name not in names:
            raise InputError(f"{file}:1: no column '{name}' to leave out (columns: {', '.join(names)})")
    single = variables is None
    if single:
        variables = [n for n in names if n not in exclude]
    absent = [v for v in variables if v not in names]
    if absent:
        raise InputError(f"{file}:1: no column for variable(s) {', '.join(absent)} (its header: {', '.join(names)})")
    index = [names.index(v) for v in variables]
    rows = []
    for k, row_text in enumerate(lines[1:]):
        line = k + 2  # 1-based, after the header
        if not row_text.strip():
            raise InputError(f"{file}:{line}: empty line inside the data")
        cells = row_text.split(",")
        if len(cells) != len(names):
            raise InputError(f"{file}:{line}: expected {len(names)} columns, found {len(cells)}")
        try:
            rows.append([parse_number(cells[j], file, line, names[j]) for j in index])
        except InputError as e:
            if single and "is not a number" in str(e):
                raise InputError(f"{e}; leave a non-numeric column out with --time-column or --drop-columns") from None
            raise
    if not rows:
        raise InputError(f"{file}: no data rows after the header")
    return variables, np.array(rows, dtype=np.float64)


def read_npy(file, columns=None):
    """A 2-D float32/float64 NPY series [rows, p]; `columns` (when given) must equal p."""
    try:
        a = np.load(file, allow_pickle=False)
    except OSError as e:
        raise InputError(f"{file}: cannot read ({e.strerror or e})")
    except ValueError as e:
        raise InputError(f"{file}: not a readable NPY array ({e})")
    if a.dtype not in (np.float32, np.float64):
        raise InputError(f"{file}: unsupported dtype {a.dtype}; expected float32 or float64")
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise InputError(f"{file}: expected a non-empty 2-D array (rows, columns), found shape {a.shape}")
    if columns is not None and a.shape[1] != columns:
        raise InputError(f"{file}: {a.shape[1]} columns, but the manifest lists {columns} variables")
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        t, j = bad[0]
        raise InputError(f"{file}: row {t} (0-based), column {j}: value {a[t, j]} is not finite")
    return a.astype(np.float64)


def read_series(file, variables):
    ext = os.path.splitext(file)[1].lower()
    if not os.path.exists(file):
        raise InputError(f"{file}: no such file")
    if ext == ".csv":
        return read_csv(file, variables)[1]
    if ext == ".npy":
        return read_npy(file, len(variables))
    raise InputError(f"{file}: unsupported domain file type '{ext}'; use .csv or .npy")


def load_dataset(path, exclude=()):
    """Returns (variables, [(domain name, file, array [rows, p])]).
    `path` is a manifest .json, or a single .csv (names from its header, without the `exclude`
    columns) / .npy (x0, x1, …)."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        names, a = read_csv(path, exclude=exclude)
        return names, [("domain0", path, a)]
    if ext == ".npy":
        a = read_npy(path)
        return [f"x{j}" for j in range(a.shape[1])], [("domain0", path, a)]
    if ext != ".json":
        raise InputError(f"{path}: unsupported file type '{ext}'; use .csv, .npy or a .json manifest")

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}: malformed JSON ({e.msg})")
    if not isinstance(manifest, dict):
        raise InputError(f"{path}: expected a JSON object at the top level")
    for key in manifest:
        if key not in ("variables", "domains", "source"):
            raise InputError(f"{path}: unknown key '{key}' (allowed: variables, domains, source)")
    variables = manifest.get("variables")
    if not (isinstance(variables, list) and variables and all(isinstance(v, str) and v for v in variables)):
        raise InputError(f"{path}: 'variables' must be a non-empty array of names")
    if len(set(variables)) != len(variables):
        raise InputError(f"{path}: 'variables' has a duplicate name")
    entries = manifest.get("domains")
    if not (isinstance(entries, list) and entries):
        raise InputError(f"{path}: 'domains' must be a non-empty array of {{\"name\", \"path\"}} objects")
    folder = os.path.dirname(os.path.abspath(path))
    domains = []
    for k, d in enumerate(entries):
        if not (isinstance(d, dict) and set(d) == {"name", "path"}
                and all(isinstance(d[x], str) and d[x] for x in ("name", "path"))):
            raise InputError(f"{path}: domains[{k}] must be an object with exactly a non-empty string 'name' and 'path'")
        file = os.path.join(folder, d["path"])
        try:
            domains.append((d["name"], file, read_series(file, variables)))
        except InputError as e:
            raise InputError(f"{e} (domain '{d['name']}' of {path})")
    if len({d[0] for d in domains}) != len(domains):
        raise InputError(f"{path}: duplicate domain name")
    return variables, domains


def check_usable(variables, domains, max_lag):
    """Every domain must be long enough for lags 1..L and have no constant column (a z-score
    would divide by zero)."""
    for name, file, a in domains:
        if a.shape[0] < 2 * (max_lag + 1):
            raise InputError(f"{file}: {a.shape[0]} rows is too few for --max-lag {max_lag} "
                             f"(need at least {2 * (max_lag + 1)})")
        sd = a.std(axis=0)
        for j in np.flatnonzero(sd == 0):
            raise InputError(f"{file}: column '{variables[j]}' is constant")


def standardize(a):
    """z-score each column of one domain (population standard deviation)."""
    return (a - a.mean(axis=0)) / a.std(axis=0)


# MARK: - Methods
# Each returns (scores [L, p, p] with scores[lag-1, source, target], predicted bool of the same
# shape, a one-line description of the binarization rule, {package: version}).


def run_pcmci(domains, max_lag, alpha, pc_alpha, fdr):
    """PCMCI with partial correlation. Several domains are given to tigramite as a dict of
    arrays with analysis_mode='multiple': each test pools the lagged samples of all domains,
    and no window crosses a domain boundary. tigramite's matrices are indexed
    [source j, target i, tau] for the link j(t-tau) → i(t), which is our layout after
    moving tau to the front and dropping tau = 0."""
    from tigramite.data_processing import DataFrame
    from tigramite.independence_tests.parcorr import ParCorr
    from tigramite.pcmci import PCMCI

    if len(domains) == 1:
        frame = DataFrame(domains[0], analysis_mode="single")
    else:
        frame = DataFrame({m: a for m, a in enumerate(domains)}, analysis_mode="multiple")
    pcmci = PCMCI(dataframe=frame, cond_ind_test=ParCorr(significance="analytic"), verbosity=0)
    results = pcmci.run_pcmci(tau_min=1, tau_max=max_lag, pc_alpha=pc_alpha,
                              alpha_level=alpha, fdr_method=fdr)
    val = np.moveaxis(results["val_matrix"], 2, 0)[1:]  # [L, source, target]
    pval = np.moveaxis(results["p_matrix"], 2, 0)[1:]
    scores = np.abs(val)
    predicted = pval <= alpha
    rule = f"p <= {alpha:g}" + ("" if fdr == "none" else f" ({fdr}-adjusted)")
    return scores, predicted, rule, {"tigramite": version("tigramite")}


def run_varlingam(domains, max_lag, seed, threshold):
    """VARLiNGAM fitted separately on each domain; the score of an edge is the row-weighted
    mean over domains of |B_lag[target, source]|.

    Why per domain rather than one fit on the concatenation: (1) no lagged regression row
    straddles two domains; (2) mechanisms differ across domains (in sign, too), and a pooled
    linear fit can average opposite effects to zero, while the mean of absolute coefficients
    cannot; (3) lingam 1.13's pruning step builds its design matrix in time quadratic in the
    rows, so several short fits are much faster than one long one. The price is fewer rows
    per fit.

    lingam's adjacency_matrices_ is [L+1, p, p] with [0] the instantaneous B0 and [lag] the
    lagged matrix, row = target, column = source; we transpose into [source, target]."""
    import lingam

    p = domains[0].shape[1]
    total = np.zeros((max_lag, p, p))
    rows = 0
    for a in domains:
        model = lingam.VARLiNGAM(lags=max_lag, criterion=None, prune=True, random_state=seed)
        model.fit(a)
        b = np.asarray(model.adjacency_matrices_)[1:]   # [L, target, source]
        total += a.shape[0] * np.abs(np.transpose(b, (0, 2, 1)))
        rows += a.shape[0]
    scores = total / rows
    predicted = scores > threshold
    rule = f"row-weighted mean |B_lag| over domains > {threshold:g}"
    return scores, predicted, rule, {"lingam": version("lingam")}


# MARK: - Outputs


def write_atomic(path, write):
    """Calls write(file object) on a temporary file in the same folder, then renames it."""
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def json_bytes(obj):
    return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()


def write_outputs(out, variables, scores, predicted, attribution, rule, provenance, seconds):
    os.makedirs(out, exist_ok=True)
    s32 = np.ascontiguousarray(scores, dtype="<f4")
    edges = []
    for lag, j, i in sorted(zip(*np.nonzero(predicted))):  # [lag-1, source, target]
        edges.append({"source": variables[j], "target": variables[i], "lag": int(lag) + 1,
                      "score": float(s32[lag, j, i])})
    summary = s32.max(axis=0)  # summary score of source → target: max over lags
    pairs = sorted({(j, i) for _, j, i in zip(*np.nonzero(predicted))})
    graph = {
        "variables": variables,
        "max_lag": int(scores.shape[0]),
        "attribution": attribution,
        "binarize": rule,
        "edges": edges,
        "summary_edges": [{"source": variables[j], "target": variables[i], "score": float(summary[j, i])}
                          for j, i in pairs],
        "provenance": provenance,  # string values only: causeway reads it as [String: String]
    }
    write_atomic(os.path.join(out, "scores.npy"), lambda f: np.save(f, s32))
    write_atomic(os.path.join(out, "graph.json"), lambda f: f.write(json_bytes(graph)))
    write_atomic(os.path.join(out, "timing.json"), lambda f: f.write(json_bytes({"seconds": seconds})))


# MARK: - Command line


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="scripts/baselines/run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", required=True, choices=["pcmci", "varlingam", "varlingam-pooled"],
                    help="varlingam fits each domain and averages |B|; varlingam-pooled fits one model "
                         "on all domains stacked end to end (what a user who ignores the domains gets)")
    ap.add_argument("--data", required=True, help="manifest .json (or one .csv / .npy series)")
    ap.add_argument("--max-lag", required=True, type=int, help="largest lag L scored (≥ 1)")
    ap.add_argument("--out", required=True, help="output folder (created if missing)")
    ap.add_argument("--alpha", type=float, default=0.05,
                    help="pcmci: edge iff its p-value ≤ alpha (default 0.05)")
    ap.add_argument("--pc-alpha", default="0.2",
                    help="pcmci: significance level of the PC condition-selection phase, or 'auto' "
                         "to let tigramite choose among 0.05…0.5 by AIC (slower) (default 0.2)")
    ap.add_argument("--fdr", choices=["none", "fdr_bh"], default="none",
                    help="pcmci: Benjamini-Hochberg adjustment of the lagged p-values (default none)")
    ap.add_argument("--threshold", type=float, default=0.05,
                    help="varlingam: edge iff the mean |coefficient| on standardized data exceeds this "
                         "(default 0.05)")
    ap.add_argument("--seed", type=int, default=0, help="varlingam: random_state (default 0)")
    ap.add_argument("--time-column", default=None,
                    help="a single CSV's time-stamp column, left out as causeway run --time-column leaves it out "
                         "(its order and gaps are not checked here)")
    ap.add_argument("--drop-columns", default="",
                    help="comma-separated columns of a single CSV to leave out (they need not be numeric)")
    args = ap.parse_args(argv)
    if args.max_lag < 1:
        ap.error("--max-lag must be ≥ 1")
    if not 0 < args.alpha < 1:
        ap.error("--alpha must be in (0, 1)")
    if args.threshold < 0:
        ap.error("--threshold must be ≥ 0")
    if args.pc_alpha == "auto":
        args.pc_alpha = None
    else:
        try:
            args.pc_alpha = float(args.pc_alpha)
        except ValueError:
            ap.error("--pc-alpha must be a number in (0, 1) or 'auto'")
        if not 0 < args.pc_alpha < 1:
            ap.error("--pc-alpha must be a number in (0, 1) or 'auto'")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        exclude = ([args.time_column] if args.time_column else []) + [c for c in args.drop_columns.split(",") if c]
        variables, domains = load_dataset(args.data, exclude=exclude)
        check_usable(variables, domains, args.max_lag)
    except InputError as e:
        print(f"baseline: {e}", file=sys.stderr)
        return 2

    # Load the library first so that its import time (a second or two) is not timed.
    __import__("tigramite.pcmci" if args.method == "pcmci" else "lingam")
    start = time.perf_counter()
    series = [standardize(a) for _, _, a in domains]
    try:
        if args.method == "pcmci":
            scores, predicted, rule, versions = run_pcmci(series, args.max_lag, args.alpha, args.pc_alpha, args.fdr)
            attribution = "pcmci-parcorr"
            settings = {"alpha": f"{args.alpha:g}", "fdr": args.fdr,
                        "pc_alpha": "auto" if args.pc_alpha is None else f"{args.pc_alpha:g}"}
        elif args.method == "varlingam-pooled":
            # one fit on the stacked domains: the few lagged rows at each seam mix two domains
            scores, predicted, rule, versions = run_varlingam([np.concatenate(series)], args.max_lag, args.seed,
                                                              args.threshold)
            rule = rule.replace("row-weighted mean |B_lag| over domains", "|B_lag| of one fit on the stacked domains")
            attribution = "varlingam-pooled"
            settings = {"threshold": f"{args.threshold:g}", "seed": str(args.seed)}
        else:
            scores, predicted, rule, versions = run_varlingam(series, args.max_lag, args.seed, args.threshold)
            attribution = "varlingam"
            settings = {"threshold": f"{args.threshold:g}", "seed": str(args.seed)}
    except Exception as e:  # numerical failure inside the library (e.g. too few rows for p·L regressors)
        print(f"baseline: {args.method} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start

    provenance = {"method": args.method, "seconds": f"{seconds:.3f}", "data": os.path.abspath(args.data),
                  "domains": str(len(domains)), "rows": str(sum(a.shape[0] for _, _, a in domains)),
                  "command": " ".join(["baseline.py"] + list(argv)), "numpy": np.__version__,
                  **versions, **settings}
    try:
        write_outputs(args.out, variables, scores, predicted, attribution, rule, provenance, seconds)
    except OSError as e:
        print(f"baseline: cannot write to {args.out}: {e.strerror or e}", file=sys.stderr)
        return 1
    print(f"baseline: {args.method}: {int(predicted.sum())} lagged edges in {seconds:.2f} s → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
