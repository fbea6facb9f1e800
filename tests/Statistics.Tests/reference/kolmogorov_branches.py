#!/usr/bin/python3
"""Branch-boundary reference values for libs/Statistics/DistributionKolmogorov.cs and KolmogorovSmirnov.cs.

Run with Debian's interpreter (scipy 1.10, numpy 1.24, mpmath 1.2):

    /usr/bin/python3 tests/Statistics.Tests/reference/kolmogorov_branches.py

Every input is chosen to reach one branch of the code or to sit exactly on the threshold where it switches
algorithm (the floats below are searched so that, e.g., (n*x)*x == 4.0 holds in IEEE double arithmetic, the
same expression the C# code evaluates). Values come from scipy (kolmogn = kstwo.sf, its private
Durbin / Pomeranz / Pelz-Good functions, ks_2samp) and, for the one-sided Smirnov sum, from a 30-digit
mpmath evaluation of the Birnbaum-Tingey sum (cross-checked against scipy.special.smirnov). The tolerance of
every section is written into the JSON ("tolerance": relative, plus an absolute floor of 1e-300; an expected 0 or 1 must match exactly) and read by
tests/Statistics.Tests/Distribution/KolmogorovBranchTests.cs. No test calls Python.
"""
import json
import math
import os
import platform
import sys
import warnings

import mpmath
import numpy as np
import scipy
import scipy.stats as st
from scipy.special import smirnov
from scipy.stats._ksstats import _kolmogn, _kolmogn_DMTW, _kolmogn_PelzGood, _kolmogn_Pomeranz

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "kolmogorov_branches.json")
mpmath.mp.dps = 30


def on_boundary(n, target, f, x0):
    """The double nearest x0 with f(n, x) == target exactly in double arithmetic."""
    for step in range(400):
        for direction in (np.inf, -np.inf):
            x = float(x0)
            for _ in range(step):
                x = float(np.nextafter(x, direction))
            if f(n, x) == target:
                return x
    return None


def nx2(n, x):
    return (n * x) * x  # the C# code: t = n * x; nxSquared = t * x


def nx15(n, x):
    return n * x ** 1.5  # the C# code: n * Math.Pow(x, 1.5) (both call libm pow)


CACHE = os.environ.get("KOLMOGOROV_CACHE")  # optional file to reuse the slow sums between runs
_cache = json.load(open(CACHE)) if CACHE and os.path.exists(CACHE) else {}


def smirnov_exact(n, d):
    key = f"{n} {float(d)!r}"
    if key not in _cache:
        _cache[key] = _smirnov_exact(n, d)
        if CACHE:
            json.dump(_cache, open(CACHE, "w"))
    return _cache[key]


def _smirnov_exact(n, d):
    """Pr(D_n+ >= d) by the Birnbaum-Tingey sum in 30-digit arithmetic over the terms that matter."""
    if d <= 0:
        return 1.0
    if d >= 1:
        return 0.0
    D = mpmath.mpf(d)
    nn = int(mpmath.floor(n * (1 - D)))
    if n * (1 - D) == nn:
        nn -= 1  # the term with 1 - d - v/n = 0 is zero
    # Locate the terms within e^-120 of the largest with double logs, then sum those exactly.
    v = np.arange(nn + 1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        from scipy.special import gammaln
        logt = (gammaln(n + 1) - gammaln(v + 1) - gammaln(n - v + 1) + (v - 1) * np.log(d + v / n)
                + (n - v) * np.log(1 - d - v / n))
    keep = np.nonzero(logt >= np.nanmax(logt) - 120)[0]
    lo, hi = int(keep.min()), int(keep.max())
    s = mpmath.mpf(0)
    logc = mpmath.loggamma(n + 1) - mpmath.loggamma(lo + 1) - mpmath.loggamma(n - lo + 1)
    for k in range(lo, hi + 1):
        s += mpmath.exp(logc + (k - 1) * mpmath.log(D + mpmath.mpf(k) / n) + (n - k) * mpmath.log(1 - D - mpmath.mpf(k) / n))
        logc += mpmath.log(mpmath.mpf(n - k) / (k + 1))
    return float(s * D)


cases = {}

# ---------------------------------------------------------------- one-sided Smirnov (DistributionKolmogorov.Smirnov)
smir = []


def add_smirnov(n, d, why):
    exact = smirnov_exact(n, d)
    sp = float(smirnov(n, d)) if 0 <= d <= 1 else float("nan")
    if math.isfinite(sp) and exact > 1e-290:
        assert abs(sp - exact) <= 1e-11 * exact, (n, d, sp, exact)
    # The running log binomial's rounding grows with the number of terms: 2e-15 n relative (6.5e-10 seen at n = 1e6).
    smir.append({"n": n, "d": float(d), "sf": exact, "why": why, "tolerance": max(1e-12, 2e-15 * n)})
    print("smirnov", n, d, file=sys.stderr, flush=True)


add_smirnov(5, 0.0, "d = 0: Pr(D+ >= 0) = 1 (the d <= 0 guard)")
add_smirnov(5, -0.25, "d < 0: 1 by definition (scipy gives nan)")
add_smirnov(1, 0.3, "n = 1: 1 - d")
add_smirnov(1, 1.0, "d = 1: 0")
add_smirnov(1, 1.5, "d > 1: 0 by definition (scipy gives nan); n = 1 would give 1 - d < 0 without the guard")
add_smirnov(6, 1.0, "d = 1, n > 1")
for n in (2, 3, 4, 5, 7, 10, 17, 50, 100, 141, 500, 1000, 5000, 20000, 50000, 200000, 1000000):
    for c in (0.05, 0.3, 0.7, 1.0, 1.5, 2.5, 4.0) if n < 100000 else (0.3, 1.0, 2.5):
        d = c / math.sqrt(n)
        if d < 1:
            add_smirnov(n, d, f"d = {c}/sqrt(n)")
    for d in (0.5, 0.9, 1 - 1 / n, 1 - 2.5 / n):
        if 0 < d < 1:
            add_smirnov(n, d, "large d: few terms")
# Rounding edge: floor(n(1-d)) counts one term too many, whose 1 - d - v/n is negative (the loops must stop there).
for n, d in ((4, 0.25000000000000006), (7, 0.42857142857142866), (7, 0.14285714285714293), (6, 0.16666666666666669)):
    nn = math.floor(n * (1.0 - d))
    assert (n - nn) / n - d < 0
    add_smirnov(n, d, "floor(n(1-d)) includes a term with 1 - d - v/n < 0")
for n in (40, 97, 300):
    for k in range(1, n):
        d = float(np.nextafter(1 - k / n, 2))
        nn = math.floor(n * (1.0 - d))
        if (n - nn) / n - d < 0 and k >= 4:
            add_smirnov(n, d, "floor(n(1-d)) includes a term with 1 - d - v/n < 0")
            break
cases["smirnov"] = {"tolerance": "per case: max(1e-12, 2e-15 n)", "source": "mpmath 30-digit Birnbaum-Tingey sum (= scipy.special.smirnov to 1e-11)",
                    "cases": smir}

# ---------------------------------------------------------------- two-sided D_n survival (KolmogornSf)
ks = []


def add_sf(n, x, why, tol=None):
    ks.append({"n": n, "x": float(x), "sf": float(_kolmogn(n, x, cdf=False)), "why": why,
               **({"tolerance": tol} if tol else {})})


add_sf(2, 1.5, "x >= 1 returns 0 (2(1-x)^n would be 0.5)")
add_sf(3, 1.0, "x = 1")
add_sf(3, 1 / 3, "t = nx = 1: Ruben-Gambino product")
add_sf(10, 0.9, "t >= n - 1: 2(1-x)^n")
add_sf(100, 0.99, "t = n - 1: 2(1-x)^n")
for n in (20, 50, 100, 140):
    add_sf(n, 1 - 1 / n, "x = 1 - 1/n (t = n - 1 up to rounding): 2(1-x)^n, exact to 1 ulp (2*smirnov is 1e-13 off)", 1e-14)
for n in (4, 5, 8, 13, 16):
    add_sf(n, 0.5, "x = 1/2: 2*smirnov, exact (Durbin / Pomeranz there are ~1e-12 off)", 1e-14)
add_sf(16, 0.25, "Pomeranz with nx integral (f = 0, ceilf = 0)")
add_sf(24, 0.375, "Pomeranz with nx = 9 integral")
add_sf(8, 0.3125, "Pomeranz with frac(nx) = 0.5 exactly (roundf)")
add_sf(12, 0.375, "Pomeranz with nx = 4.5")
add_sf(40, 0.3, "Pomeranz, n x^2 = 3.6")
add_sf(140, 0.1, "Pomeranz at n = 140, n x^2 = 1.4")
for n in (17, 20, 21, 30, 60, 140):
    x = on_boundary(n, 4.0, nx2, math.sqrt(4.0 / n))
    if x is not None:
        add_sf(n, x, "n x^2 = 4 exactly: Pomeranz (2*smirnov above it differs by ~1e-12 relative)", 1e-13)
for n in (4, 10, 5):
    add_sf(n, on_boundary(n, 0.754693, nx2, math.sqrt(0.754693 / n)), "n x^2 = 0.754693 exactly: Durbin")
for n in (141, 142, 144):
    add_sf(n, on_boundary(n, 2.2, nx2, math.sqrt(2.2 / n)), "n x^2 = 2.2 exactly, n > 140: 2*smirnov")
add_sf(1481, on_boundary(1481, 370.0, nx2, math.sqrt(370.0 / 1481)), "n x^2 = 370 exactly, n > 140: 0")
add_sf(1772, on_boundary(1772, 370.0, nx2, math.sqrt(370.0 / 1772)), "n x^2 = 370 exactly, n > 140: 0")
for n in (141, 142, 143):
    x = on_boundary(n, 1.4, nx15, (1.4 / n) ** (2 / 3))
    if x is not None:
        add_sf(n, x, "n x^1.5 = 1.4 exactly: Durbin")
for n in (141, 300, 2000, 100001, 1000000):
    for z in (0.6, 1.0, 1.2, 1.4, 1.48):
        x = z / math.sqrt(n)
        if n * x * x < 2.2 and n * x > 1:
            add_sf(n, x, f"Pelz-Good, z = {z}")
cases["kolmogorov_sf"] = {"tolerance": 1e-11, "source": "scipy.stats._ksstats._kolmogn(n, x, cdf=False) = kstwo.sf",
                          "cases": ks}

# ---------------------------------------------------------------- the private algorithms, called by reflection
dmtw = []
for n, d, why in ((3, 0.3, "nd = 0.9: k = 1, a 1x1 matrix"), (5, 0.19, "k = 1"), (4, 0.125, "nd = 0.5: 0"),
                  (4, 0.0, "d = 0: 0"), (4, 1.0, "d = 1: 1"), (4, 1.5, "d > 1: 1"),
                  (7, 1.0, "d = 1: exactly 1 (the matrix product gives 1 - 2^-53)"), (9, 1.0, "d = 1: exactly 1"),
                  (7, 1.5, "d > 1: exactly 1 (the matrix product gives 1 - 2^-53)"), (10, 0.25, "k = 3"),
                  (60, 0.1, "k = 6"), (140, 0.07, "k = 10"), (2000, 0.015, "n = 2000"),
                  (100000, 5.8e-4, "n = 100000: H^n needs rescaling by 2^128 many times"),
                  (100000, 3e-4, "n = 100000, tiny CDF")):
    dmtw.append({"n": n, "d": d, "cdf": float(_kolmogn_DMTW(n, d, cdf=True)), "why": why})
cases["durbin"] = {"tolerance": 1e-11, "source": "scipy.stats._ksstats._kolmogn_DMTW(n, d, cdf=True)", "cases": dmtw}

pom = []
for n, x, why in ((16, 0.25, "f = 0"), (8, 0.3125, "f = 1/2"), (12, 0.3, "general"), (3, 0.2, "nx < 1"),
                  (600, 0.04, "n = 600: needs the 2^-128 rescaling"), (1000, 0.05, "n = 1000, n x^2 = 2.5"),
                  (1000, 0.02, "n = 1000, n x^2 = 0.4")):
    pom.append({"n": n, "x": x, "cdf": float(_kolmogn_Pomeranz(n, x, cdf=True)), "why": why})
cases["pomeranz"] = {"tolerance": 1e-10, "source": "scipy.stats._ksstats._kolmogn_Pomeranz(n, x, cdf=True)", "cases": pom}

pg = []
for n, x, why in ((4, 0.0, "x = 0: 0"), (4, -0.5, "x < 0: 0"), (4, 1.0, "x = 1: 1"), (4, 1.5, "x > 1: 1"),
                  (100, 0.3, "z = 3: the series needs 16 z / pi terms"), (141, 0.1, "z = 1.19"),
                  (141, 0.117, "z = 1.39"), (50000, 0.006, "z = 1.34"), (100, 0.0041, "qlog = -734 < -708: 0 by the guard (exp(qlog) is not yet 0)"),
                  (100, 0.003, "qlog < -745: 0")):
    pg.append({"n": n, "x": x, "cdf": float(_kolmogn_PelzGood(n, x, cdf=True)), "why": why})
cases["pelzgood"] = {"tolerance": 1e-12, "source": "scipy.stats._ksstats._kolmogn_PelzGood(n, x, cdf=True)", "cases": pg}

# ---------------------------------------------------------------- two-sample test (KolmogorovSmirnov.TwoSample)
# Samples are x_i = i / n1 + xshift and y_j = j / n2 + yshift (i < n1, j < n2), or given explicitly; the C# test
# builds them with the same double operations.
two = []


def add_two(why, method, n1=None, n2=None, xshift=0.0, yshift=0.0, x=None, y=None):
    if x is None:
        x = np.arange(n1) / n1 + xshift
        y = np.arange(n2) / n2 + yshift
        spec = {"n1": n1, "n2": n2, "xshift": xshift, "yshift": yshift}
    else:
        spec = {"x": [float(v) for v in x], "y": [float(v) for v in y]}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = st.ks_2samp(x, y, method={"Auto": "auto", "Exact": "exact", "Asymptotic": "asymp"}[method])
        fell_back = any("asymp" in str(m.message) for m in w)
    n1, n2 = len(x), len(y)
    if method == "Asymptotic" or fell_back or (method == "Auto" and max(n1, n2) > 10000):
        used = "asymptotic"
    else:
        used = "exact"
    two.append({**spec, "method": method, "statistic": float(r.statistic), "pvalue": float(r.pvalue),
                "used": used, "why": why})


add_two("identical samples of unequal size: D = 0 (h = 0), exact p = 1", "Exact",
        x=[0.0, 1.0, 2.0], y=[0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
add_two("identical samples, auto", "Auto", x=[0.5, 0.25, 1.0], y=[1.0, 0.5, 0.25])
add_two("n1 = n2 = 5, D = 1/5: the square method gives 1 + 2^-52 > 1, so the asymptotic value is used", "Exact",
        x=[0.0, 1.0, 2.0, 3.0, 4.0], y=[0.5, 1.5, 2.5, 3.5, 4.5])
add_two("n1 = n2 = 541, disjoint: the exact p underflows to 0 and is kept (0 <= p)", "Exact", n1=541, n2=541, yshift=2.0)
add_two("n1 = n2 = 10000: auto is still exact", "Auto", n1=10000, n2=10000, yshift=0.02)
add_two("n1 = 100, n2 = 10001: auto is asymptotic (the larger size decides)", "Auto", n1=100, n2=10001, yshift=0.05)
add_two("n1 = n2 = 46341: n1g * n2g = 1 fits, exact (n2 * g would not)", "Exact", n1=46341, n2=46341, yshift=0.01)
add_two("n1 = 46341, n2 = 46342: n1 * n2 >= 2^31 - 1, exact falls back to asymptotic", "Exact",
        n1=46341, n2=46342, yshift=0.01)
add_two("unequal sizes 7, 9: the inside method", "Exact", n1=7, n2=9, yshift=0.3)
add_two("asymptotic on 7, 9", "Asymptotic", n1=7, n2=9, yshift=0.3)
cases["ks_2samp"] = {"tolerance_statistic": 1e-12, "tolerance_pvalue": 1e-10, "source": "scipy.stats.ks_2samp",
                     "cases": two}

cases["meta"] = {
    "generator": "tests/Statistics.Tests/reference/kolmogorov_branches.py",
    "python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
    "mpmath": mpmath.__version__, "platform": platform.platform(),
}

with open(OUT, "w") as f:
    json.dump(cases, f, indent=1, allow_nan=False)
print(f"wrote {OUT}: " + ", ".join(f"{k}={len(v['cases'])}" for k, v in cases.items() if k != "meta"))
