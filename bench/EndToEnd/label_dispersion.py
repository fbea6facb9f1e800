#!/usr/bin/python3
"""Are the simulator's label rates binomial? Weekly label prevalence per site and label against the simulator's documented model.

Usage: /usr/bin/python3 bench/EndToEnd/label_dispersion.py [SEED ...] [--days N] [--out OUT.json]
  SEEDS (42 7 1234), days (60); writes OUT (bench/EndToEnd/results/label-dispersion.json) and prints a table.
Runs the simulator's file sink (null scenario, cxr-triage only) per seed and, for every labelled study, the documented
per-study prevalence (docs/simulator.md: pi0 x site multiplier x 1.3 if 65+ x 1.4 if AP, capped at 0.95), so the
diurnal/weekday, site, age and view mix of each week is accounted for. Per (seed, site, label, 7-day week):
z = (observed positives - sum p) / sqrt(sum p(1-p)). Binomial labels give z ~ N(0, 1): mean z^2 ~ 1 (chi-squared
test over all cells), KS against N(0, 1). Also reported: the range (max - min) of each cell's weekly z, whose mean is
2.85 for 8 independent N(0, 1) weeks, and the largest range over a seed's 12 cells (Monte Carlo, 20,000 draws).
"""
import json, os, subprocess, sys, tempfile
from datetime import datetime, timezone
import numpy as np
from scipy import stats

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PI0 = {"pneumothorax": 0.04, "pleural-effusion": 0.12, "consolidation": 0.10}
SITE = {"site-a": 1.25, "site-b": 1.0, "site-c": 0.9, "site-d": 1.1}
START = datetime(2025, 1, 6, tzinfo=timezone.utc)


def band(patient):
    if "ageBand" in patient:
        return patient["ageBand"]
    n, unit = int(patient["age"][:3]), patient["age"][3]
    years = n if unit == "Y" else 0
    return "0-17" if years < 18 else "18-39" if years < 40 else "40-64" if years < 65 else "65+"


def cells(seed, days):
    sim = os.path.join(ROOT, "tools", "Simulator", "bin", "Release", "net10.0", "Monitoring.Simulator.dll")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["dotnet", sim, "--scenario", "null", "--days", str(days), "--seed", seed, "--models", "cxr-triage",
                        "--sink", "file", "--out", d], check=True, stdout=subprocess.DEVNULL)
        inf = {}
        for line in open(os.path.join(d, "inferences.ndjson")):
            e = json.loads(line)
            day = (datetime.fromisoformat(e["occurredAt"]) - START).total_seconds() / 86400
            inf[e["inferenceId"]] = (e["site"], day, band(e["patient"]), e["study"]["viewPosition"])
        weeks = int(days // 7)
        acc = {(s, l): np.zeros((3, weeks)) for s in SITE for l in PI0}
        for line in open(os.path.join(d, "ground-truth.ndjson")):
            g = json.loads(line)
            site, day, age, view = inf[g["inferenceId"]]
            w = int(day // 7)
            if w >= weeks:
                continue
            for label, pi0 in PI0.items():
                p = min(0.95, pi0 * SITE[site] * (1.3 if age == "65+" else 1) * (1.4 if view == "AP" else 1))
                a = acc[(site, label)]
                a[0, w] += label in g["labels"]
                a[1, w] += p
                a[2, w] += p * (1 - p)
    return {k: (a[0] - a[1]) / np.sqrt(a[2]) for k, a in acc.items()}


def main():
    args = sys.argv[1:]
    days, out = 60, os.path.join(ROOT, "bench", "EndToEnd", "results", "label-dispersion.json")
    if "--days" in args:
        i = args.index("--days"); days = int(args[i + 1]); del args[i:i + 2]
    if "--out" in args:
        i = args.index("--out"); out = args[i + 1]; del args[i:i + 2]
    seeds = args or ["42", "7", "1234"]
    rows, allz, ranges, seed_max = [], [], [], {}
    for seed in seeds:
        for (site, label), z in sorted(cells(seed, days).items()):
            rows.append({"seed": int(seed), "site": site, "label": label, "weeklyZ": [round(float(x), 2) for x in z]})
            allz.extend(z)
            ranges.append(float(z.max() - z.min()))
            seed_max[seed] = max(seed_max.get(seed, 0.0), ranges[-1])
        print(f"seed {seed}: largest weekly-z range over 12 cells {seed_max[seed]:.2f}")
    z = np.array(allz)
    weeks = len(rows[0]["weeklyZ"])
    mc = np.random.default_rng(1).standard_normal((20000, 12, weeks))
    mc_range = (mc.max(2) - mc.min(2)).max(1)
    summary = {
        "seeds": [int(s) for s in seeds], "days": days, "cells": len(z),
        "meanZ": round(float(z.mean()), 3), "sdZ": round(float(z.std()), 3), "maxAbsZ": round(float(abs(z).max()), 2),
        "dispersion": round(float(np.mean(z ** 2)), 3), "chi2P": float(stats.chi2.sf(np.sum(z ** 2), len(z))),
        "ksP": float(stats.kstest(z, "norm").pvalue),
        "meanWeeklyRange": round(float(np.mean(ranges)), 2),
        "largestRangePerSeed": {s: round(v, 2) for s, v in seed_max.items()},
        "binomialLargestRangePerSeed": {"median": round(float(np.median(mc_range)), 2), "p90": round(float(np.quantile(mc_range, 0.9)), 2)},
    }
    print(json.dumps(summary, indent=1))
    with open(out, "w") as f:
        json.dump({"summary": summary, "cells": rows}, f, indent=1)


if __name__ == "__main__":
    main()
