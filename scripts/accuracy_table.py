#!/usr/bin/env python3
"""Turns the accuracy study's results.tsv into the tables of docs/accuracy.md.

Usage: scripts/accuracy_table.py RESULTS.tsv docs/accuracy.md
Replaces the text between <!-- table:begin --> and <!-- table:end --> (keeps the rest).
The last row per (dataset, tokens, method) wins, so re-runs overwrite earlier numbers.
"""
import csv, sys
from collections import OrderedDict

results, doc = sys.argv[1], sys.argv[2]
rows = OrderedDict()
with open(results) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        rows[(r["dataset"], r["tokens"], r["method"])] = r

datasets = list(OrderedDict.fromkeys(k[0] for k in rows))
methods = ["gradient", "grad-input", "lrp", "attnlrp", "attention"]

def cell(r, key):
    v = r.get(key, "") if r else ""
    return v if v != "" else "–"

out = []
for tokens in ["step", "variable"]:
    present = [d for d in datasets if any((d, tokens, m) in rows for m in methods)]
    if not present:
        continue
    ms = [m for m in methods if any((d, tokens, m) in rows for d in present)]
    out.append(f"\n### `--tokens {tokens}`: lagged F1 (auto / oracle top-k) and lagged AUROC\n")
    out.append("| dataset | " + " | ".join(ms) + " | train s (steps) |")
    out.append("|---|" + "---|" * len(ms) + "---|")
    for d in present:
        cells = []
        for m in ms:
            r = rows.get((d, tokens, m))
            cells.append(f"{cell(r,'auto_f1')} / {cell(r,'oracle_f1')} · {cell(r,'auroc')}" if r else "–")
        any_r = next(rows[(d, tokens, m)] for m in ms if (d, tokens, m) in rows)
        out.append(f"| {d} | " + " | ".join(cells) + f" | {cell(any_r,'train_s')} ({cell(any_r,'steps')}) |")
    out.append(f"\n### `--tokens {tokens}`: summary graph F1 (auto / oracle) and summary AUROC\n")
    out.append("| dataset | " + " | ".join(ms) + " |")
    out.append("|---|" + "---|" * len(ms))
    for d in present:
        cells = []
        for m in ms:
            r = rows.get((d, tokens, m))
            cells.append(f"{cell(r,'summary_auto_f1')} / {cell(r,'summary_oracle_f1')} · {cell(r,'summary_auroc')}" if r else "–")
        out.append(f"| {d} | " + " | ".join(cells) + " |")
    # per-method means over the generated suite and over the benchmark sets, for choosing defaults
    shared = ("finance", "fmri", "lorenz96")
    for label, group in [("generated suite", [d for d in present if not d.startswith(shared)]),
                         ("benchmark sets (../shared/data)", [d for d in present if d.startswith(shared)])]:
        if not group:
            continue
        out.append(f"\n### `--tokens {tokens}`: means over the {label} ({len(group)} datasets)\n")
        out.append("| method | lagged F1, auto | lagged F1, oracle top-k | oracle − auto | lagged AUROC | summary F1, auto |")
        out.append("|---|---|---|---|---|---|")
        for m in ms:
            rs = [rows[(d, tokens, m)] for d in group if (d, tokens, m) in rows]
            def mean(key):
                vals = [float(r[key]) for r in rs if r.get(key, "") not in ("", None)]
                return sum(vals) / len(vals) if vals else float("nan")
            out.append(f"| {m} | {mean('auto_f1'):.3f} | {mean('oracle_f1'):.3f} | {mean('oracle_f1') - mean('auto_f1'):+.3f} | {mean('auroc'):.3f} | {mean('summary_auto_f1'):.3f} |")

text = open(doc).read() if __import__("os").path.exists(doc) else "<!-- table:begin -->\n<!-- table:end -->\n"
begin, end = "<!-- table:begin -->", "<!-- table:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(head + begin + "\n" + "\n".join(out) + "\n" + end + tail)
