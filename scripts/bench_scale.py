#!/usr/bin/env python3
"""Scale benchmark (issue #11): default Causeway runs at p in {10, 50, 200, 1000} variables
(20,000 rows, max lag 3, sparse linear VAR data from `causeway generate`, every target with a
self-loop and 3 other parents), and the same sets with the mlp-additive family at p <= 200.

Per run: wall time split into training / readout / significance / the rest (loading, checks,
writing), peak resident memory (/usr/bin/time -v), total size of the output folder, and the
lagged F1 of the graph users get (the default decision rule), next to a linear VAR Granger test
with Benjamini-Hochberg at 0.05, and PCMCI (tigramite ParCorr, its own alpha = 0.05 graph, via
scripts/baselines/run, which makes its venv on first use) for p <= --pcmci-max-p (50). Optionally a strong-scaling pair: 1 and 2 MPI ranks at p = 200 (same shards).

Usage: scripts/bench-scale [--p 10,50,200,1000] [--families linear,mlp-additive] [--extra FLAGS]
                           [--ranks] [--work DIR] [--pcmci-max-p 50]
Appends one JSON line per run to DIR/results.jsonl and prints a Markdown table.
"""
import argparse, json, os, re, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release", "causeway")
sys.path.insert(0, os.path.join(ROOT, "scripts"))

ap = argparse.ArgumentParser()
ap.add_argument("--p", default="10,50,200,1000")
ap.add_argument("--families", default="linear,mlp-additive")
ap.add_argument("--rows", type=int, default=20000)
ap.add_argument("--extra", default="", help="extra flags for every causeway run")
ap.add_argument("--ranks", action="store_true", help="also 1 vs 2 ranks at p = 200")
ap.add_argument("--work", default="/tmp/causeway-scale")
ap.add_argument("--pcmci-max-p", type=int, default=50, help="also run PCMCI (α = 0.05) up to this many variables")
a = ap.parse_args()
os.makedirs(a.work, exist_ok=True)
results = open(os.path.join(a.work, "results.jsonl"), "a")

import importlib.util
spec = importlib.util.spec_from_file_location("sg", os.path.join(ROOT, "scripts", "significance_gates.py"))
sg = importlib.util.module_from_spec(spec); spec.loader.exec_module(sg)


def lagged_f1(run, truth):
    r = subprocess.run([BIN, "evaluate", "--run", run, "--truth", truth], capture_output=True, text=True, check=True)
    m = json.load(open(os.path.join(run, "metrics.json")))
    return m["lagged"]["f1"] if "lagged" in m else float(re.search(r"lagged\s+\S+\s+\S+\s+(\S+)", r.stdout).group(1))


def folder_mb(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if os.path.isfile(os.path.join(d, f))) / 1e6


rows = []
for family in a.families.split(","):
    for p in [int(x) for x in a.p.split(",")]:
        if family != "linear" and p > 200:
            continue
        name = f"{family}-p{p}"
        data = os.path.join(a.work, name, "data")
        if not os.path.exists(os.path.join(data, "manifest.json")):
            subprocess.run([BIN, "generate", "--variables", str(p), "--max-lag", "3", "--in-degree", "4", "--samples",
                            str(a.rows), "--family", family, "--seed", "7", "--format", "npy", "--out", data],
                           check=True, capture_output=True)
        man, truth = os.path.join(data, "manifest.json"), os.path.join(data, "truth.csv")
        layouts = [1, 2] if a.ranks and p == 200 and family == "linear" else [1]
        for ranks in layouts:
            out = os.path.join(a.work, name, f"run-{ranks}rank")
            shutil.rmtree(out, ignore_errors=True)
            cmd = [BIN, "run", "--data", man, "--max-lag", "3", "--out", out, "--quiet", "--shards", "2"] + a.extra.split()
            if ranks > 1:
                cmd = ["mpirun", "-n", str(ranks)] + cmd
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(2 // ranks))
            t0 = time.time()
            r = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
            wall = time.time() - t0
            if r.returncode != 0:
                print(f"{name}: run failed: {r.stderr[-500:]}", file=sys.stderr)
                continue
            peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1e3
            g = json.load(open(os.path.join(out, "graph.json")))
            prov = g["provenance"]
            tr, ro, si = (float(prov.get(k, "nan")) for k in ("training_s", "readout_s", "significance_s"))
            row = dict(name=name, family=family, p=p, ranks=ranks, wall_s=wall, training_s=tr, readout_s=ro,
                       significance_s=si, other_s=wall - tr - ro - si, peak_mb=peak, output_mb=folder_mb(out),
                       edges=len(g["edges"]), f1=lagged_f1(out, truth), extra=a.extra)
            if ranks == 1:
                vdir = os.path.join(a.work, name, "var-granger")
                try:
                    row["var_granger_s"] = sg.var_granger_bh(man, 3, vdir)
                    row["var_granger_f1"] = lagged_f1(vdir, truth)
                except Exception as e:  # noqa: BLE001 - reported, not fatal
                    print(f"{name}: VAR Granger failed: {e}", file=sys.stderr)
                # PCMCI (tigramite, ParCorr, its own α = 0.05 graph) where it runs in reasonable time
                if p <= a.pcmci_max_p:
                    pdir = os.path.join(a.work, name, "pcmci")
                    t0 = time.time()
                    pr = subprocess.run([os.path.join(ROOT, "scripts", "baselines", "run"), "--method", "pcmci", "--data", man,
                                         "--max-lag", "3", "--out", pdir], capture_output=True, text=True)
                    if pr.returncode == 0:
                        row["pcmci_s"] = time.time() - t0
                        row["pcmci_f1"] = lagged_f1(pdir, truth)
                    else:
                        print(f"{name}: PCMCI failed: {pr.stderr[-500:]}", file=sys.stderr)
            results.write(json.dumps(row) + "\n"); results.flush()
            rows.append(row)
            print(json.dumps(row), flush=True)

print("\n| data | ranks | wall | training | readout | tests | other | peak MB | outputs MB | edges | F1 (default) | VAR Granger F1 (s) | PCMCI F1 (s) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    vg = f"{r['var_granger_f1']:.3f} ({r['var_granger_s']:.0f} s)" if "var_granger_f1" in r else "—"
    print(f"| {r['name']} | {r['ranks']} | {r['wall_s']:.0f} s | {r['training_s']:.0f} s | {r['readout_s']:.0f} s | "
          f"{r['significance_s']:.0f} s | {r['other_s']:.0f} s | {r['peak_mb']:.0f} | {r['output_mb']:.1f} | {r['edges']} | "
          f"{r['f1']:.3f} | {vg} | " + (f"{r['pcmci_f1']:.3f} ({r['pcmci_s']:.0f} s)" if "pcmci_f1" in r else "—") + " |")
