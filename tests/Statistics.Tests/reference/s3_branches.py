#!/usr/bin/python3
"""Reference values for the branch tests of helper s3 (Performance/*BranchTests.cs, Distribution/*BranchTests.cs).

Run with Debian's interpreter (scipy 1.10, scikit-learn 1.2, numpy 1.24):
    /usr/bin/python3 tests/Statistics.Tests/reference/s3_branches.py
Writes s3_branches.json beside this script; the C# tests read it and need no Python.

Each case is small and chosen to sit exactly on a branch of the C# code (a probability on a bin edge, tied scores, an
isotonic block merge of equal means, a bisection's stopping rule). Values come from:
  - exact rational arithmetic (fractions.Fraction over the given doubles), rounded once to double: AUROC, DeLong
    variance, isotonic fits. The tests compare these bit for bit (the C# result must be the correctly rounded value)
    or, for the DeLong cancellation cases, at relative 1e-12.
  - scikit-learn 1.2 as a cross-check where it defines the same thing (roc_auc_score, IsotonicRegression, the
    calibration bins of calibration_curve as numpy edges np.linspace(0, 1, B + 1)).
  - for the threshold bisections: scipy.optimize.brentq's root of the closed-form run length, plus a transcription of
    the C# bisection in Python floats (same IEEE operations, glibc exp/log as .NET on Linux), whose end point the
    tests compare exactly; the script asserts that end point lies within the documented relative 1e-9 / 1e-12 of the root.
"""
import bisect
import json
import math
import os
import sys
from fractions import Fraction as F

import numpy as np
import scipy
import scipy.optimize as opt
import sklearn
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))


def ece_right(p, y, bins):
    """ECE with equal-width bins; a probability on an interior edge k/B (numpy's linspace value) goes to the upper bin."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], p, side="right")
    total = 0.0
    for b in range(bins):
        sel = ids == b
        if sel.any():
            total += abs(float(np.sum(np.array(y, float)[sel])) - float(np.sum(np.array(p)[sel]))) / len(p)
    return total, [int(i) for i in ids]


def delong_exact(x, y):
    xs, ys = sorted(x), sorted(y)
    m, n = len(xs), len(ys)
    v10 = [F(2 * bisect.bisect_left(ys, a) + (bisect.bisect_right(ys, a) - bisect.bisect_left(ys, a)), 2 * n) for a in xs]
    v01 = [F(2 * (m - bisect.bisect_right(xs, b)) + (bisect.bisect_right(xs, b) - bisect.bisect_left(xs, b)), 2 * m) for b in ys]
    auc = sum(v10) / m
    s10 = sum((v - auc) ** 2 for v in v10) / (m - 1)
    s01 = sum((v - auc) ** 2 for v in v01) / (n - 1)
    return float(auc), float(s10 / m + s01 / n)


def isotonic_exact(y):
    blocks = []
    for v in y:
        blocks.append([F(v), 1])
        while len(blocks) > 1 and blocks[-2][0] >= blocks[-1][0]:
            a, b = blocks.pop(), blocks.pop()
            blocks.append([(a[0] * a[1] + b[0] * b[1]) / (a[1] + b[1]), a[1] + b[1]])
    return [float(v) for v, c in blocks for _ in range(c)]


def cusum_arl(h, k, shift=0.0):
    """Siegmund's approximation as RunLength.CusumAverageRunLength evaluates it (same operation order)."""
    b = h + 1.166
    d = shift - k
    if abs(d) < 1e-9:
        return b * b
    return (math.exp(-2 * d * b) + 2 * d * b - 1) / (2 * d * d)


def bisect_upper(arl, target, lo, rel, cap):
    """The C# bisections: hi doubles from 1 until arl(hi) >= target, then halves until hi - lo <= rel * hi."""
    hi = 1.0
    while arl(hi) < target:
        hi *= 2
    i = 0
    while i < cap and hi - lo > rel * hi:
        mid = (lo + hi) / 2
        if arl(mid) < target:
            lo = mid
        else:
            hi = mid
        i += 1
    return lo, hi


def main():
    out = {"generator": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                         "sklearn": sklearn.__version__, "script": "s3_branches.py"}}

    # Calibration: probabilities on or one ulp beside an interior edge k*(1/B) where (int)(p*B) starts in the wrong bin.
    ece = []
    for bins, p, y, why in [
        (7, [5 * (1.0 / 7), 0.65], [False, True], "p = 5*(1/7) is an edge; p*7 rounds below 5, so the first guess is one bin low"),
        (10, [0.3, 0.25], [False, True], "0.3 < 3*0.1 = 0.30000000000000004: p*10 = 3 but the bin is 2 (first guess one bin high)"),
        (2, [0.5, 0.25], [False, True], "p = 0.5 is exactly the edge 1*(1/2): upper bin"),
    ]:
        value, ids = ece_right(np.array(p), y, bins)
        ece.append({"bins": bins, "probabilities": p, "labels": y, "bin_ids": ids, "ece": value, "why": why})
    out["ece"] = ece

    # AUROC: tied scores on both sides (the tie grouping changes the last bit if removed), exact rationals.
    x, y = [3.0, 0.0, 1.0, 3.0, 3.0], [2.0, 3.0, 3.0, 0.0]
    auc, var = delong_exact(x, y)
    assert auc == roc_auc_score([1] * len(x) + [0] * len(y), x + y)
    out["auroc_ties"] = {"positives": x, "negatives": y, "auc": auc, "variance": var}

    # DeLong variance far below the squared structural components (cancellation-prone): exact rationals.
    cases = []
    for name, xs, ys in [
        ("positives_nearly_constant", [10001.0] * 9 + [9998.5], [float(v) for v in range(10000)]),
        ("negatives_nearly_constant", [float(v) for v in range(10000)], [-1.0] * 9 + [0.5]),
    ]:
        auc, var = delong_exact(xs, ys)
        cases.append({"name": name, "auc": auc, "variance": var})
    out["auroc_small_variance"] = cases

    # Isotonic regression: x one resolution (1e-15) apart stay distinct; a block of equal means is pooled.
    ir = IsotonicRegression(out_of_bounds="clip")
    out["isotonic_resolution"] = {"x": [0.0, 1e-15], "y": [0.0, 1.0],
                                  "sklearn": ir.fit([0.0, 1e-15], [0.0, 1.0]).predict([0.0, 1e-15]).tolist()}
    yy = [0.7, 0.7, 0.7, 0.1, 0.2, 0.3]
    exact = isotonic_exact(yy)
    skl = IsotonicRegression().fit(list(range(6)), yy).predict(list(range(6))).tolist()
    out["isotonic_equal_blocks"] = {"x": [0.0, 1, 2, 3, 4, 5], "y": yy, "exact": exact, "sklearn": skl}

    # Threshold bisections.
    bis = {}
    p0, p1, target = 0.05, 0.1, 1000.0
    k = p0 * math.log(p0 / p1) + (1 - p0) * math.log((1 - p0) / (1 - p1))
    arl = lambda h: (math.exp(h) - h - 1) / k
    root = opt.brentq(lambda h: arl(h) - target, 1e-9, 64.0, xtol=1e-15, rtol=1e-14)
    lo, hi = bisect_upper(arl, target, 0.0, 1e-9, 100)
    assert root <= hi * (1 + 1e-15) and hi - root <= 1e-9 * hi
    bis["bernoulli"] = {"p0": p0, "p1": p1, "target": target, "root": root, "threshold": hi}

    ref, target = 0.5, 500.0
    root = opt.brentq(lambda h: cusum_arl(h, ref) - target, 1e-6, 50.0, xtol=1e-15, rtol=1e-14)
    lo, hi = bisect_upper(lambda h: cusum_arl(h, ref), target, 1e-6, 1e-9, 100)
    assert hi - root <= 1e-9 * hi
    bis["sequential_budget"] = {"target": target, "reference": ref, "guarantee": 0.5, "reference_size": 100, "root": root, "threshold": hi}

    ref, arl0 = 0.5, 370.0
    root = opt.brentq(lambda h: cusum_arl(h, ref) - arl0, 1e-9, 50.0, xtol=1e-15, rtol=1e-14)
    lo, hi = bisect_upper(lambda h: cusum_arl(h, ref), arl0, 1e-9, 1e-12, 200)
    assert abs((lo + hi) / 2 - root) <= 1e-12 * root
    bis["cusum_upper"] = {"average_run_length": arl0, "reference": ref, "root": root, "threshold": (lo + hi) / 2}
    # On-boundary targets: the closed form at the first bracket end (1) and at the first midpoint.
    target = cusum_arl(1.0, ref)
    lo, hi = bisect_upper(lambda h: cusum_arl(h, ref), target, 1e-9, 1e-12, 200)
    bis["cusum_upper_at_one"] = {"average_run_length": target, "reference": ref, "threshold": (lo + hi) / 2}
    mid = (1e-9 + 1.0) / 2
    target = cusum_arl(mid, ref)
    lo, hi = bisect_upper(lambda h: cusum_arl(h, ref), target, 1e-9, 1e-12, 200)
    bis["cusum_upper_at_first_mid"] = {"average_run_length": target, "reference": ref, "threshold": (lo + hi) / 2}
    out["bisection"] = bis

    # ADWIN: a window {0, a} whose mean difference equals the cut bound eps exactly (found by searching delta, then a).
    out["adwin_tie"] = adwin_tie()

    with open(os.path.join(HERE, "s3_branches.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def adwin_eps(a, delta):
    """ADWIN's bound for the window {0, a} split 1 | 1, in the C# operation order (Adwin.Insert then TryCut)."""
    variance = 1 * a * a / 2
    window_variance = variance / 2
    dd = math.log(2 * math.log(2) / delta)
    m_inv = 1.0 / 1 + 1.0 / 1
    return math.sqrt(2 * m_inv * window_variance * dd) + 2.0 / 3.0 * dd * m_inv


def adwin_tie():
    delta = 0.5
    while delta < 0.99:
        dd = math.log(2 * math.log(2) / delta)
        a = (4 / 3 * dd) / (1 - math.sqrt(dd))
        for _ in range(40):
            a = math.nextafter(a, -math.inf)
        for _ in range(80):
            if abs(0 / 1 - a / 1) == adwin_eps(a, delta):
                return {"delta": delta, "a": a}
            a = math.nextafter(a, math.inf)
        delta = round(delta + 0.001, 3)
    raise RuntimeError("no exact tie found")


if __name__ == "__main__":
    main()
