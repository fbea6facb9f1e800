#!/usr/bin/python3
"""Reference values for the branch tests of MannWhitney, CramerVonMises, Categorical and CalibratedThreshold.

Run with Debian's interpreter (python3-scipy 1.10, numpy 1.24):

    /usr/bin/python3 tests/Statistics.Tests/reference/s2_branches.py

Writes s2_branches.json beside this script; the C# tests (Distribution/*BranchTests.cs,
Performance/CalibratedThresholdBranchTests.cs) read it and need no Python. Inputs are small integer
samples and tables chosen to reach each branch (exact small-sample distributions with unequal sizes,
a complete separation, far tails of Fisher's test, Python's float floor division at its rounding
branches). Tolerances used by the tests are recorded under "tolerance".
"""
import json
import math
import os
import platform
import random

import numpy as np
import scipy
import scipy.stats as st
from scipy.special import betaln

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "s2_branches.json")
cases = {}


def split(ranks_x, total):
    """x holds the given ranks of 1..total, y the others: distinct values, no ties."""
    x = [float(r) for r in ranks_x]
    y = [float(r) for r in range(1, total + 1) if r not in ranks_x]
    return x, y


# ---------------------------------------------------------------- Mann-Whitney U, exact branch (no ties, min size <= 8)
# Sizes m != n (both orders), a second sample of 20 with a first of 3, 9 vs 5 (only one size above 8),
# and k = mn - U large enough that every factor (1 - q^(big+i)) of the q-binomial truncation is used.
mwu = []
for name, ranks, total in [
    ("3 vs 20, k = 22", [12, 15, 17], 23),
    ("8 vs 8, k = 21", [1, 6, 7, 9, 12, 13, 15, 16], 16),
    ("5 vs 9, k = 18", [2, 3, 6, 8, 14], 14),
    ("9 vs 5, k = 13", [1, 2, 4, 5, 6, 7, 9, 10, 14], 14),
    ("7 vs 8, k = 20", [1, 2, 3, 6, 8, 13, 15], 15),
    ("3 vs 5, k = 4", [2, 7, 8], 8),
    ("4 vs 6, k = 4", [5, 7, 8, 10], 10),
    ("1 vs 6, complete separation (U = mn, k = 0)", [7], 7),
    ("6 vs 4, complete separation", [1, 2, 3, 4, 5, 6], 10),
    ("2 vs 2", [2, 4], 4),
]:
    x, y = split(ranks, total)
    auto = st.mannwhitneyu(x, y)
    exact = st.mannwhitneyu(x, y, method="exact")
    assert auto.pvalue == exact.pvalue, name
    mwu.append({"name": name, "x": x, "y": y, "statistic": float(auto.statistic), "pvalue": float(auto.pvalue), "method": "exact"})
# A tie among small samples: scipy (and this library) switch to the normal approximation.
x, y = [1.0, 2.0, 3.0], [3.0, 4.0, 5.0, 6.0]
r = st.mannwhitneyu(x, y, method="asymptotic")
assert r.pvalue == st.mannwhitneyu(x, y).pvalue
mwu.append({"name": "3 vs 4 with one tie", "x": x, "y": y, "statistic": float(r.statistic), "pvalue": float(r.pvalue), "method": "asymptotic"})
cases["mannwhitney_exact"] = mwu

# ---------------------------------------------------------------- Cramer-von Mises, exact branch with unequal, coprime sizes
cvm = []
for name, ranks, total in [
    ("3 vs 5", [4, 5, 7], 8),
    ("5 vs 3", [2, 5, 6, 7, 8], 8),
    ("4 vs 6", [1, 2, 3, 9], 10),
    ("2 vs 9", [7, 11], 11),
    ("7 vs 4", [4, 5, 7, 8, 9, 10, 11], 11),
    ("2 vs 3", [1, 3], 5),
    ("2 vs 2", [3, 4], 4),
]:
    x, y = split(ranks, total)
    r = st.cramervonmises_2samp(x, y, method="exact")
    cvm.append({"name": name, "x": x, "y": y, "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
cases["cramervonmises_exact"] = cvm

# ---------------------------------------------------------------- Python's float floor division (CPython float_floor_div)
def python_floor_div_branch(vx, wx):
    """Which rounding branch CPython's float_floor_div takes (for the case names only)."""
    mod = math.fmod(vx, wx)
    div = (vx - mod) / wx
    if mod and (wx < 0) != (mod < 0):
        div -= 1.0
    if not div:
        return "zero quotient"
    f = div - math.floor(div)
    return "fraction 0.5" if f == 0.5 else "fraction above 0.5" if f > 0.5 else "integral"


floor_pairs = [(7.0, 2.0), (-7.0, 2.0), (7.0, -2.0), (-7.0, -2.0), (6.0, 2.0), (-6.0, 2.0), (1.0, 2.0), (-1.0, 2.0),
               (0.0, 2.0), (-0.0, 2.0), (0.0, -2.0), (1.0, math.inf), (-1.0, math.inf), (1e300, 1e301), (-1e300, 1e301),
               (1e-300, 3.0)]
# Quotients in [2^51, 2^53) where vx - fmod(vx, wx) rounds: the fraction-0.5 and above-0.5 correction branches.
rng = random.Random(1)
half, above = [], []
while len(half) < 2 or len(above) < 2:
    wx = rng.choice([3.0, 7.0, 0.1, 0.3, 1.7, 10.0 / 3, 6.0]) * rng.choice([1, 1, 1, -1])
    vx = rng.uniform(-1, 1) * 2.0 ** rng.randint(50, 56)
    b = python_floor_div_branch(vx, wx)
    if b == "fraction 0.5" and len(half) < 2:
        half.append((vx, wx))
    if b == "fraction above 0.5" and len(above) < 2:
        above.append((vx, wx))
floor_div = []
for vx, wx in floor_pairs + half + above:
    # repr keeps the sign of zero and every digit; the tests parse these strings.
    floor_div.append({"vx": repr(vx), "wx": repr(wx), "floordiv": repr(vx // wx), "branch": python_floor_div_branch(vx, wx)})
cases["python_floor_div"] = floor_div

# ---------------------------------------------------------------- Fisher exact: large tables and far tails
fisher = []
for name, t in [
    ("large table, mode far from both ends", [[300, 200], [250, 400]]),
    ("large unbalanced rows", [[40, 10], [400, 450]]),
    ("rows 500 vs 650, a above the mode", [[330, 170], [220, 430]]),
    ("balanced 8,000 cases: the ends are e^-5000 of the mode", [[2100, 1900], [1900, 2100]]),
    ("11,200 cases, rows 5,500 vs 5,700", [[3000, 2500], [2600, 3100]]),
    ("far lower tail (beyond e^-750 of the mode)", [[0, 2000], [2000, 0]]),
    ("far upper tail", [[2000, 0], [0, 2000]]),
]:
    r = st.fisher_exact(t)
    fisher.append({"name": name, "table": [int(v) for v in np.asarray(t).ravel()],
                   "statistic": float(r[0]) if np.isfinite(r[0]) else "Infinity", "pvalue": float(r[1])})
cases["fisher"] = fisher

# ---------------------------------------------------------------- CalibratedThreshold: probes of the integrated alarm count
# There is no library implementation of this bespoke integration to compare with. The functions below are a
# line-by-line double-precision transcription of the documented algorithm (libs/Statistics/CalibratedThreshold.cs:
# Jeffreys posterior on a 160-point logit grid, Wald's run length with the root theta found by the same bisection;
# 49 x 49 normal nodes and Siegmund's run length), so E(h) agrees with the C# value to rounding (the tests allow 1e-10
# relative). A probe sets the allowance just below and just above E(200): the threshold must then be +infinity and
# finite. The probes are chosen where the grid, the softplus branches or the node spacing change E(200) by far more
# than 1e-10 (small p with large counts, where log(1 + e^t) loses digits; a drift that changes sign between the
# two top grid points). The statistical claim itself is checked by the seeded simulations (Category=Simulation).


def softplus(x):
    return x + math.log(1 + math.exp(-x)) if x > 0 else math.log(1 + math.exp(x))


def theta_root(p, hit, miss, drift):
    if abs(drift) < 1e-15:
        return 0.0

    def g(th):
        return p * math.exp(th * hit) + (1 - p) * math.exp(th * miss) - 1

    lo, hi = 0.0, (1.0 if drift < 0 else -1.0)
    while g(hi) < 0:
        hi *= 2
        if abs(hi) > 1e6:
            return hi
    for _ in range(80):
        mid = (lo + hi) / 2
        if g(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def wald_run_length(h, theta, drift, variance):
    if abs(theta * h) < 1e-6 or abs(drift) < 1e-15:
        return max(1, h * h / max(variance, 1e-300))
    x = min(theta * h, 700)
    return max(1, (math.exp(x) - x - 1) / (-theta * drift))


def bernoulli_expected(hit, miss, successes, trials, rate):
    a, b = successes + 0.5, trials - successes + 0.5
    centre, sd = math.log(a / b), math.sqrt(1 / a + 1 / b)
    m = 160
    start, step = centre - 12 * sd, 24 * sd / m
    ln_beta = float(betaln(a, b))
    points, total = [], 0.0
    for i in range(m):
        t = start + (i + 0.5) * step
        lp, lq = -softplus(-t), -softplus(t)
        w = math.exp(a * lp + b * lq - ln_beta)
        p = math.exp(lp)
        drift = p * hit + (1 - p) * miss
        points.append((w, theta_root(p, hit, miss, drift), drift, p * (1 - p) * (hit - miss) * (hit - miss)))
        total += w

    def expected(h):
        e = 0.0
        for w, theta, drift, variance in points:
            if w <= 0:
                continue
            e += w / total * min(1, rate / wald_run_length(h, theta, drift, variance))
        return e
    return expected


def siegmund(threshold, reference, shift):
    b = threshold + 1.166
    d = shift - reference
    if abs(d) < 1e-9:
        return b * b
    try:
        e = math.exp(-2 * d * b)
    except OverflowError:
        return math.inf
    return (e + 2 * d * b - 1) / (2 * d * d)


def normal_expected(k, n, rate):
    grid = 49
    nodes, total = [], 0.0
    for i in range(grid):
        z = -6.0 + 2 * 6.0 * i / (grid - 1)
        w = math.exp(-z * z / 2)
        nodes.append([z, w])
        total += w
    for node in nodes:
        node[1] /= total
    n = float(n)
    points = []
    for zb, wb in nodes:
        for zs, ws in nodes:
            scale = 1 + zs / math.sqrt(2 * n)
            if scale <= 0.05:
                scale = 0.05
            points.append((wb * ws, zb / math.sqrt(n), scale))

    def expected(h):
        e = 0.0
        for w, shift, scale in points:
            arl = siegmund(h / scale, k / scale, shift / scale)
            e += w * min(1, rate / max(arl, 1))
        return e
    return expected


def solve(expected, allowed):
    if expected(200.0) > allowed:
        return math.inf
    lo, hi = 0.0, 200.0
    i = 0
    while i < 50 and hi - lo > 1e-4:
        mid = (lo + hi) / 2
        if expected(mid) > allowed:
            lo = mid
        else:
            hi = mid
        i += 1
    return hi


def design(p0, p1):
    return math.log(p1 / p0), math.log((1 - p1) / (1 - p0))


EPS = 1e-10
probes = []


def add_probe(name, kind, args, expected, bit_exact=True):
    e200 = expected(200.0)
    below, above = e200 * (1 - EPS), e200 * (1 + EPS)
    assert solve(expected, below) == math.inf and math.isfinite(solve(expected, above))
    probes.append({"name": name, "kind": kind, **args, "expected_at_200": repr(e200), "allowed_below": below, "allowed_above": above,
                   "bit_exact": bit_exact})


# bit_exact = False: with a = 1e9 and b = 1e15 the last bits of ln B(a, b) (scipy here, MathNet in C#) change the
# rounding of the weights, so E(200) agrees to about 1e-13 only (checked: one ulp off), not to the last bit.
for name, p0, p1, s, n, rate, bit_exact in [
    ("p0 = 1e-6 from 3e6 of 3e12 (log(1 + e^t) at t = -13.8, b = 3e12)", 1e-6, 1.2e-6, 3e6, 3e12, 1e8, True),
    ("p0 = 1e-6 from 1e9 of 1e15 (the x > 0 branch weighted by a = 1e9)", 1e-6, 1.0001e-6, 1e9, 1e15, 1e8, False),
]:
    hit, miss = design(p0, p1)
    add_probe(name, "bernoulli", {"hit": hit, "miss": miss, "successes": s, "trials": n, "rate": rate},
              bernoulli_expected(hit, miss, s, n, rate), bit_exact)
# The drift changes sign between the two highest grid points: only the top point drifts upwards.
s, n = 500.0, 1000.0
a, b = s + 0.5, n - s + 0.5
c, sd = math.log(a / b), math.sqrt(1 / a + 1 / b)
start, step = c - 12 * sd, 24 * sd / 160
t_switch = (start + 158.5 * step + start + 159.5 * step) / 2
p_switch = 1 / (1 + math.exp(-t_switch))
hit, miss = 1.0, -p_switch / (1 - p_switch)
add_probe("only the top grid point drifts upwards", "bernoulli", {"hit": hit, "miss": miss, "successes": s, "trials": n, "rate": 1e3},
          bernoulli_expected(hit, miss, s, n, 1e3))
for k, n, rate in [(0.5, 30, 100.0), (1.0, 200, 1e4)]:
    add_probe(f"normal scores k = {k}, n = {n}", "normal", {"k": k, "referenceSize": n, "rate": rate}, normal_expected(k, n, rate))

# Every grid point without drift (|hit|, |miss| = 1e-16): theta = 0 and the run length is h^2/sigma^2, so
# E(h) = rate (hit - miss)^2 E[p(1 - p)] / h^2 with the Jeffreys posterior moment E[p(1-p)] = ab/((a+b)(a+b+1)) (exact,
# not the grid); the bisection on that closed form gives the threshold.
closed = []
for s, n, rate, allowed in [(2.0, 4.0, 2.5e31, 0.002), (30.0, 100.0, 1e32, 0.01)]:
    hit, miss = 1e-16, -1e-16
    a, b = s + 0.5, n - s + 0.5
    moment = a * b / ((a + b) * (a + b + 1))
    scale = rate * (hit - miss) ** 2 * moment

    def closed_form(h, scale=scale):
        return scale / (h * h)
    threshold = solve(closed_form, allowed)
    grid_threshold = solve(bernoulli_expected(hit, miss, s, n, rate), allowed)
    assert threshold == grid_threshold, (threshold, grid_threshold)
    closed.append({"hit": hit, "miss": miss, "successes": s, "trials": n, "rate": rate, "allowed": allowed,
                   "posterior_moment": moment, "threshold": threshold})

cases["calibrated_probes"] = probes
# Every node saturated (r = 1e300 alarms a year against run lengths below 1e90, n = 1e6 so every node's chart drifts
# downwards): E(h) is the sum of the 49 x 49 node weights for every h in (0, 200], S below, to the last bit (the same
# products and the same summation order as the C# code). With the allowance exactly S neither E(200) nor any E(mid) is
# above it: the bisection always halves downwards and returns 200 / 2^21.
k, n, rate = 0.5, 1_000_000, 1e300
saturated = normal_expected(k, n, rate)
total_weight = saturated(200.0)
assert total_weight == saturated(1e-3) == saturated(100.0)
assert solve(saturated, total_weight) == 200.0 / 2 ** 21
cases["calibrated_saturated"] = [{"k": k, "referenceSize": n, "rate": rate, "total_weight": repr(total_weight), "threshold": 200.0 / 2 ** 21}]
cases["calibrated_no_drift"] = closed

cases["tolerance"] = {
    "mannwhitney_exact": "p and U relative 1e-12 (exact rational p, rounding only); method names exact",
    "cramervonmises_exact": "T relative 1e-12, p relative 1e-12",
    "python_floor_div": "bit for bit (signed zeros included)",
    "fisher": "p relative 1e-9 (+0 for the far tails, where both give exactly 0)",
    "calibrated_probes": "E(200) relative 1e-10: allowance (1 - 1e-10) E(200) gives +infinity, (1 + 1e-10) E(200) a finite threshold; where the transcription is bit for bit (the tests say which), also at E(200) itself and one ulp below",
    "calibrated_saturated": "the node weights' sum bit for bit (same operations in the same order); threshold exact",
    "calibrated_no_drift": "threshold exact (the bisection on the closed form takes the same steps)",
}
cases["meta"] = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                 "script": "tests/Statistics.Tests/reference/s2_branches.py"}

with open(OUT, "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
print("wrote", OUT)
