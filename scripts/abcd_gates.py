#!/usr/bin/env python3
"""The measurements behind issue #13 (`--attribution abcd`) and its section of docs/accuracy.md.

Parts (choose with --part, comma-separated):
  linear  generated linear sets (p = 10, 20,000 rows; max lag 3, 4, 5 x --seeds seeds): the lagged
          F1 of the graph users get with `causeway run --tokens variable --attribution abcd`
          (default flags otherwise), its precision, recall, AUROC and oracle top-k.
  null    the null families of scripts/significance_gates.py (white noise, AR(1) phi = 0.9, random
          walks; p = 10, --null-rows rows, max lag 3), --null-seeds datasets each: how many report an
          edge between different variables at fdr:0.05.
  shared  ../shared/data (finance, fMRI, Lorenz-96; the sets and lags of significance_gates.py):
          abcd's lagged / summary F1 next to the default run's.
  suite   the same for the generated suite of significance_gates.py (seed 1, max lag 5).

Writes one JSON line per run to --results and prints a summary. Needs the release binary
(scripts/setup).
"""

import argparse, json, os, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import significance_gates as sg  # noqa: E402

ABCD = ["--tokens", "variable", "--attribution", "abcd"]


def run(a, data, lag, out, truth=None, extra=(), seed=0):
    t0 = time.time()
    args = [sg.BIN, "run", "--overwrite", "--data", data, "--max-lag", str(lag), "--out", out, "--quiet", "--seed", str(seed)]
    sg.sh(args + (["--truth", truth] if truth else []) + list(extra) + a.extra)
    return time.time() - t0


def part_linear(a):
    rows = []
    for lag in [3, 4, 5]:
        for seed in range(1, a.seeds + 1):
            name = f"linear-L{lag}-seed{seed}"
            data = os.path.join(a.work, "data", name)
            if not os.path.exists(os.path.join(data, "manifest.json")):
                sg.sh([sg.BIN, "generate", "--family", "linear", "--variables", "10", "--max-lag", str(lag),
                       "--samples", "20000", "--seed", str(seed), "--out", data])
            out = os.path.join(a.work, "linear", name)
            wall = run(a, os.path.join(data, "manifest.json"), lag, out, os.path.join(data, "truth.csv"), ABCD)
            m = sg.metrics(out)
            rows.append(m)
            sg.emit(a.results, dict(part="abcd-linear", dataset=name, wall_s=wall, abcd=m))
            print(f"{name:20s} abcd F1 {m['f1']:.3f} (P {m['precision']:.3f} R {m['recall']:.3f})  "
                  f"AUROC {m['auroc']:.3f}  oracle {m['oracle_f1']:.3f}  {wall:.0f}s", flush=True)
    print(f"mean over {len(rows)} linear sets: abcd F1 {np.mean([r['f1'] for r in rows]):.3f} "
          f"(min {min(r['f1'] for r in rows):.3f}), AUROC {np.mean([r['auroc'] for r in rows]):.3f}", flush=True)


def part_null(a):
    for family in ["white", "ar1", "walk"]:
        hits, false_edges = 0, []
        for seed in range(a.null_seeds):
            d = os.path.join(a.work, "null", f"{family}-{seed}")
            os.makedirs(d, exist_ok=True)
            sg.write_csv(os.path.join(d, "series.csv"), sg.null_series(family, 1000 + seed, a.null_rows, 10))
            out = os.path.join(d, "abcd")
            run(a, os.path.join(d, "series.csv"), 3, out, extra=ABCD, seed=seed)
            g = json.load(open(os.path.join(out, "graph.json")))
            cross = [e for e in g["edges"] if e["source"] != e["target"]]
            hits += bool(cross)
            false_edges.append(len(cross))
            sg.emit(a.results, dict(part="abcd-null", family=family, seed=seed, cross_edges=len(cross), edges=len(g["edges"])))
        print(f"null {family:6s}: {hits}/{a.null_seeds} datasets with a cross edge (cross edges per set: {false_edges})", flush=True)


def part_sets(a, kind):
    """kind "shared": ../shared/data; "suite": the generated suite of significance_gates.py."""
    for name, lag, src in sg.TRUTH_SETS:
        if not src.startswith("gen:" if kind == "suite" else "shared:"):
            continue
        if a.only and not any(o in name for o in a.only.split(",")):
            continue
        data = sg.truth_data(a.work, name, src)
        if data is None:
            continue
        man, truth = os.path.join(data, "manifest.json"), os.path.join(data, "truth.csv")
        row = dict(part="abcd-" + kind, dataset=name)
        for label, extra in [("default", []), ("abcd", ABCD)]:
            out = os.path.join(a.work, kind, name, label)
            row[label + "_wall_s"] = run(a, man, lag, out, truth, extra)
            row[label] = sg.metrics(out)
        sg.emit(a.results, row)
        print(f"{name:18s} " + "  ".join(f"{k} F1 {row[k]['f1']:.3f}/{row[k]['summary_f1']:.3f} FDR {row[k]['fdr']:.2f} "
                                         f"AUROC {row[k]['auroc']:.3f} ({row[k + '_wall_s']:.0f} s)"
                                         for k in ["default", "abcd"]), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", default="linear,null")
    ap.add_argument("--work", default="/tmp/causeway-abcd")
    ap.add_argument("--results", default=None)
    ap.add_argument("--seeds", type=int, default=2, help="generated linear sets per max lag")
    ap.add_argument("--null-seeds", type=int, default=10)
    ap.add_argument("--null-rows", type=int, default=3000)
    ap.add_argument("--only", default="", help="shared part: comma-separated name fragments")
    ap.add_argument("--extra", default="", help="extra flags for every causeway run")
    a = ap.parse_args()
    a.extra = a.extra.split()
    os.makedirs(a.work, exist_ok=True)
    a.results = a.results or os.path.join(a.work, "results.jsonl")
    if not os.path.exists(sg.BIN):
        sys.exit(f"abcd_gates: {sg.BIN} missing; run scripts/setup first")
    parts = {"linear": part_linear, "null": part_null, "shared": lambda a: part_sets(a, "shared"),
             "suite": lambda a: part_sets(a, "suite")}
    for p in a.part.split(","):
        if p not in parts:
            sys.exit(f"abcd_gates: unknown --part {p!r} (linear, null, shared, suite)")
        parts[p](a)


if __name__ == "__main__":
    main()
