#!/usr/bin/python3
"""How far the asymptotic two-sample KS p-value is from the exact one at the sample sizes where the DriftDetector uses it
(n1 * n2 > 1e6, services/DriftDetector/Detection/SignalTests.cs KsMethodFor), on the features of scikit-learn's bundled
breast-cancer data (resampled to the sizes with a seeded generator, the second sample shifted by a fraction of an SD so that
p lands between 1e-3 and 1e-9, the range where decisions are made). Reference implementation: scipy.stats.ks_2samp.

Usage: /usr/bin/python3 bench/DriftDetector.Benchmarks/ks_method_check.py  (writes results/ks-method-check.md)
"""
import os
import numpy as np
from scipy import stats
from sklearn.datasets import load_breast_cancer

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "ks-method-check.md")
X = load_breast_cancer().data
rng = np.random.default_rng(20261130)
rows, ratios = [], []
for n1, n2 in [(1000, 1001), (1000, 5000), (2000, 5000), (5000, 5000), (600, 4000), (3000, 3500)]:
    for feature in range(0, X.shape[1], 3):
        col = X[:, feature]
        sd = col.std()
        for shift in (0.1, 0.15, 0.2, 0.25):
            x = rng.choice(col, n1) + rng.normal(0, sd * 0.05, n1)
            y = rng.choice(col, n2) + rng.normal(0, sd * 0.05, n2) + shift * sd
            exact = stats.ks_2samp(x, y, method="exact")
            asymp = stats.ks_2samp(x, y, method="asymp")
            if 1e-9 < exact.pvalue < 1e-3:
                ratio = asymp.pvalue / exact.pvalue
                ratios.append(ratio)
                rows.append(f"| {n1} | {n2} | {feature} | {shift} | {exact.statistic:.4f} | {exact.pvalue:.3e} | {asymp.pvalue:.3e} | {ratio:.3f} |")

ratios = np.array(ratios)
summary = (f"{len(ratios)} tests with exact p in (1e-9, 1e-3): asymptotic / exact p-value ratio min {ratios.min():.3f}, "
           f"median {np.median(ratios):.3f}, max {ratios.max():.3f} (scipy {stats.__name__} {__import__('scipy').__version__}).")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    f.write("# Two-sample KS: asymptotic vs exact p-value at n1*n2 > 1e6\n\n" + summary + "\n\n")
    f.write("| n1 | n2 | breast-cancer feature | shift (SD) | D | exact p | asymptotic p | ratio |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    f.write("\n".join(rows) + "\n")
print(summary)
