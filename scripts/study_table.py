#!/usr/bin/env python3
"""Markdown tables from a scale study's results.csv (used for docs/heterogeneity.md).

usage: scripts/study_table.py DIR/results.csv

Prints, per metric, a table with one row per (domains, samples per domain) and one column per
method variant: the mean over seeds (± standard deviation when there are several seeds), then
Causeway-with-embedding's margin over the best baseline per cell, and wall times.
"""
import csv
import statistics
import sys
from collections import defaultdict

ORDER = ["causeway", "causeway + domain embedding", "pcmci", "varlingam", "varlingam-pooled"]
# baselines that do not use the domain labels (compare with Causeway without the embedding)
DOMAIN_AGNOSTIC = {"pcmci", "varlingam-pooled"}


def variant(row):
    return row["method"] + (" + domain embedding" if row["domain_embedding"] == "true" else "")


def main(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path}: no rows")
    variants = [v for v in ORDER if any(variant(r) == v for r in rows)]
    variants += sorted({variant(r) for r in rows} - set(variants))
    cells = sorted({(int(r["domains"]), int(r["samples"])) for r in rows})
    values = defaultdict(list)
    for r in rows:
        values[(int(r["domains"]), int(r["samples"]), variant(r), "f1_lagged")].append(float(r["f1_lagged"]))
        values[(int(r["domains"]), int(r["samples"]), variant(r), "f1_summary")].append(float(r["f1_summary"]))
        if r["auroc_lagged"]:
            values[(int(r["domains"]), int(r["samples"]), variant(r), "auroc_lagged")].append(float(r["auroc_lagged"]))
        values[(int(r["domains"]), int(r["samples"]), variant(r), "wall_s")].append(float(r["wall_s"]))
    seeds = len({r["seed"] for r in rows})

    def cell(d, n, v, metric):
        x = values.get((d, n, v, metric), [])
        if not x:
            return "–"
        m = statistics.mean(x)
        if metric == "wall_s":
            return f"{m:.0f}" if m >= 10 else f"{m:.1f}"
        return f"{m:.3f} ± {statistics.stdev(x):.3f}" if len(x) > 1 else f"{m:.3f}"

    for metric, title in [("f1_lagged", "Lagged F1"), ("f1_summary", "Summary F1"),
                          ("auroc_lagged", "Lagged AUROC"), ("wall_s", "Wall time (s)")]:
        print(f"### {title} (mean{' ± sd' if seeds > 1 and metric != 'wall_s' else ''} over {seeds} seed(s))\n")
        print("| domains | samples / domain | " + " | ".join(variants) + " |")
        print("|---|---|" + "---|" * len(variants))
        for d, n in cells:
            print(f"| {d} | {n:,} | " + " | ".join(cell(d, n, v, metric) for v in variants) + " |")
        print()

    emb = "causeway + domain embedding"
    baselines = [v for v in variants if not v.startswith("causeway")]
    agnostic = [b for b in baselines if b in DOMAIN_AGNOSTIC]
    for ours, pool, title in [(emb, baselines, "Causeway with domain embedding minus the best baseline"),
                              ("causeway", agnostic, "Causeway without domain embedding minus the best domain-agnostic baseline (" + ", ".join(agnostic) + ")"),
                              (emb, agnostic, "Causeway with domain embedding minus the best domain-agnostic baseline")]:
        if ours not in variants or not pool:
            continue
        print(f"### Margin: {title} (lagged F1, mean over seeds)\n")
        print("| domains | samples / domain | Causeway | best baseline | margin |")
        print("|---|---|---|---|---|")
        for d, n in cells:
            mine = values.get((d, n, ours, "f1_lagged"))
            theirs = [(statistics.mean(values[(d, n, b, "f1_lagged")]), b) for b in pool if values.get((d, n, b, "f1_lagged"))]
            if not mine or not theirs:
                continue
            best, name = max(theirs)
            m = statistics.mean(mine)
            print(f"| {d} | {n:,} | {m:.3f} | {best:.3f} ({name}) | {m - best:+.3f} |")
        print()

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
