#!/usr/bin/env python3
"""Runs every input of ../shared/cases (inputs modelled on real user reports) through the
release binary with default settings and checks the behaviour its case.md asks for:

- refused inputs: exit code != 0, the expected words in the one error message, no --out folder,
  and the time to refuse (the issue's gate: under 2 s, before any training);
- usable inputs: exit code 0, and the lagged F1 of the graph users get against truth.csv.

Usage: scripts/check-cases [--cases DIR] [--bin PATH] [--work DIR] [--only SUBSTRING]
Prints a Markdown table; exits non-zero when any expectation fails.
"""
import argparse, json, os, shutil, subprocess, sys, time

ap = argparse.ArgumentParser()
here = os.path.dirname(os.path.abspath(__file__))
ap.add_argument("--cases", default=os.path.join(here, "..", "..", "shared", "cases"))
ap.add_argument("--bin", default=os.path.join(here, "..", ".build", "release", "causeway"))
ap.add_argument("--work", default="/tmp/causeway-cases")
ap.add_argument("--only", default="")
args = ap.parse_args()
C = os.path.abspath(args.cases)

# (case, data, extra flags, "refuse"|"run", words the message must contain, truth file or None)
CHECKS = [
    ("01", "01-datetime-first-column/data.csv", [], "refuse", ["data.csv:2", "column 1 'timestamp'", "2023-03-01 00:00:00", "--time-column timestamp"], None),
    ("01", "01-datetime-first-column/data.csv", ["--time-column", "timestamp"], "run", [], "01-datetime-first-column/truth.csv"),
    ("01", "01-datetime-first-column/data_no_time.csv", [], "run", [], "01-datetime-first-column/truth.csv"),
    ("02", "02-nan-inf-gaps/data_missing.csv", [], "refuse", ["data_missing.csv", "line 108, column 'valve', value 'nan'", "'flow' 20", "'pressure' 30", "'level' 5", "'valve' 3"], None),
    ("02", "02-nan-inf-gaps/data_missing.csv", ["--missing", "drop-windows"], "run", [], "02-nan-inf-gaps/truth.csv"),
    ("02", "02-nan-inf-gaps/data_clean.csv", [], "run", [], "02-nan-inf-gaps/truth.csv"),
    ("02", "02-nan-inf-gaps/data_inf.csv", [], "refuse", ["data_inf.csv", "line 1201 column 'temp' 'inf'", "line 1502 column 'flow' '-inf'", "line 1803 column 'level' '1e400' (beyond the float64 range)"], None),
    ("02", "02-nan-inf-gaps/data_inf.csv", ["--missing", "drop-windows"], "refuse", ["1e400"], None),
    ("03", "03-constant-and-index-columns/data.csv", [], "refuse", ["data.csv", "'reset'", "'trim' (near-constant", "'dout'", "--drop-columns reset,trim,dout"], None),
    ("03", "03-constant-and-index-columns/data.csv", ["--drop-columns", "reset,trim,dout"], "run", [], "03-constant-and-index-columns/truth.csv"),
    ("03", "03-constant-and-index-columns/data_informative_only.csv", [], "run", [], "03-constant-and-index-columns/truth.csv"),
    ("05", "05-very-short-series/data_5rows.csv", [], "refuse", ["data_5rows.csv", "5 time steps", "needs at least", "rows"], None),
    ("05", "05-very-short-series/data_70rows.csv", [], "run", [], "05-very-short-series/truth.csv"),
    ("07", "07-scale-offset-magnitudes/base.csv", [], "run", [], "07-scale-offset-magnitudes/truth.csv"),
    ("07", "07-scale-offset-magnitudes/scaled_x100.csv", [], "run", [], "07-scale-offset-magnitudes/truth.csv"),
    ("07", "07-scale-offset-magnitudes/mixed_magnitude.csv", [], "run", [], "07-scale-offset-magnitudes/truth.csv"),
    ("08", "08-headerless-csv/data_noheader.csv", [], "refuse", ["data_noheader.csv:1", "all numbers", "--no-header"], None),
    ("08", "08-headerless-csv/data_noheader.csv", ["--no-header"], "run", [], "08-headerless-csv/truth.csv"),
    ("08", "08-headerless-csv/data_header.csv", [], "run", [], "08-headerless-csv/truth.csv"),
    ("12", "12-separate-sessions-manifest/manifest.json", [], "run", [], "12-separate-sessions-manifest/truth.csv"),
    ("12", "12-separate-sessions-manifest/concatenated.csv", [], "run", [], "12-separate-sessions-manifest/truth.csv"),
    ("12", "12-separate-sessions-manifest/manifest_missing_var.json", [], "refuse", ["session2_missing_resp.csv", "'resp'"], None),
]

def lagged_f1(graph, truth_path, variables):
    """Lagged F1 over the variables truth.csv scores (case 03 leaves clk and index unscored)."""
    truth, scored = set(), set()
    with open(truth_path) as f:
        next(f)
        for line in f:
            s, t, l = line.strip().split(",")
            scored |= {s, t}
            if s in variables and t in variables:
                truth.add((s, t, int(l)))
    pred = {(e["source"], e["target"], e["lag"]) for e in graph["edges"] if e["source"] in scored and e["target"] in scored}
    tp = len(pred & truth)
    prec = tp / len(pred) if pred else 0.0
    rec = tp / len(truth) if truth else 0.0
    return (2 * prec * rec / (prec + rec) if prec + rec else 0.0), prec, rec, len(pred)

failed = 0
print("| case | input | flags | expected | exit | time (s) | result |")
print("|---|---|---|---|---|---|---|")
shutil.rmtree(args.work, ignore_errors=True)
os.makedirs(args.work)
for k, (case, data, flags, expect, words, truth) in enumerate(CHECKS):
    if args.only and args.only not in data:
        continue
    out = os.path.join(args.work, f"run{k}")
    cmd = [args.bin, "run", "--data", os.path.join(C, data), "--out", out, "--quiet"] + flags
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.time() - t0
    problems = []
    if expect == "refuse":
        msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        if r.returncode == 0: problems.append("exit 0")
        problems += [f"lacks '{w}'" for w in words if w not in r.stderr]
        if os.path.exists(out): problems.append("--out created")
        if dt >= 2: problems.append(f"took {dt:.1f} s")
        result = ("ok: " if not problems else "FAIL " + "; ".join(problems) + ": ") + msg.replace("|", "\\|")[:300]
    else:
        if r.returncode != 0:
            problems.append("exit %d: %s" % (r.returncode, r.stderr.strip()[-300:]))
            result = "FAIL " + "; ".join(problems)
        else:
            g = json.load(open(os.path.join(out, "graph.json")))
            f1, p, rc, n = lagged_f1(g, os.path.join(C, truth), set(g["variables"]))
            kinds = sorted({d["kind"] for d in g.get("diagnostics", [])})
            result = f"ok: {n} edges, lagged F1 {f1:.2f} (precision {p:.2f}, recall {rc:.2f}); diagnostics: {', '.join(kinds) or 'none'}"
    failed += bool(problems)
    print(f"| {case} | {data.split('/')[-1]} | {' '.join(flags)} | {expect} | {r.returncode} | {dt:.2f} | {result} |", flush=True)
sys.exit(1 if failed else 0)
