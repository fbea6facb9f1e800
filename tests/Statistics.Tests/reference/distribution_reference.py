#!/usr/bin/python3
"""Reference values for the distribution kernels of libs/Statistics.

Run with Debian's interpreter (scipy 1.10, scikit-learn 1.2, numpy 1.24):

    /usr/bin/python3 tests/Statistics.Tests/reference/distribution_reference.py

It loads real data sets shipped inside scikit-learn (no download), computes every statistic with
scipy (or, where scipy has no function, with a direct numpy evaluation of the documented formula),
and writes distribution_reference.json beside this script. The C# tests read that JSON; they need
no Python. Inputs are stored in the JSON so the tests use exactly the same numbers.
"""
import json
import math
import os
import platform
import sys
import warnings

import numpy as np
import scipy
import scipy.stats as st
import sklearn
from scipy.spatial.distance import jensenshannon
from scipy.stats._ksstats import kolmogn
from sklearn import datasets

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "distribution_reference.json")

bc = datasets.load_breast_cancer()
diab = datasets.load_diabetes()
wine = datasets.load_wine()
iris = datasets.load_iris()
digits = datasets.load_digits()


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def feature(ds, name):
    return ds.data[:, list(ds.feature_names).index(name)]


def by_class(ds, name, cls):
    return feature(ds, name)[ds.target == cls]


cases = {}

# ---------------------------------------------------------------- two-sample continuous pairs
pairs = [
    ("breast_cancer mean radius malignant vs benign", by_class(bc, "mean radius", 0), by_class(bc, "mean radius", 1)),
    ("breast_cancer mean texture malignant vs benign", by_class(bc, "mean texture", 0), by_class(bc, "mean texture", 1)),
    ("breast_cancer mean smoothness first vs second half", feature(bc, "mean smoothness")[:284], feature(bc, "mean smoothness")[284:]),
    ("breast_cancer worst area malignant vs benign", by_class(bc, "worst area", 0), by_class(bc, "worst area", 1)),
    ("diabetes bmi first vs second half", feature(diab, "bmi")[:221], feature(diab, "bmi")[221:]),
    ("diabetes s5 first vs second half (equal sizes)", feature(diab, "s5")[:221], feature(diab, "s5")[221:442]),
    ("diabetes sex first vs second half (two values, all ties)", feature(diab, "sex")[:221], feature(diab, "sex")[221:]),
    ("diabetes age first 200 vs last 100", feature(diab, "age")[:200], feature(diab, "age")[-100:]),
    ("iris sepal length setosa vs versicolor", by_class(iris, "sepal length (cm)", 0), by_class(iris, "sepal length (cm)", 1)),
    ("iris petal width versicolor vs virginica", by_class(iris, "petal width (cm)", 1), by_class(iris, "petal width (cm)", 2)),
    ("wine alcohol class 0 vs class 2", by_class(wine, "alcohol", 0), by_class(wine, "alcohol", 2)),
    ("wine proline class 1 vs class 2", by_class(wine, "proline", 1), by_class(wine, "proline", 2)),
    ("diabetes s1 first 7 vs next 9 (small)", feature(diab, "s1")[:7], feature(diab, "s1")[7:16]),
    ("diabetes bmi first 5 vs next 6 (small)", feature(diab, "bmi")[:5], feature(diab, "bmi")[5:11]),
    ("diabetes s3 first 12 vs next 17 (small)", feature(diab, "s3")[:12], feature(diab, "s3")[12:29]),
    ("breast_cancer mean area first 15 vs next 20 (small)", feature(bc, "mean area")[:15], feature(bc, "mean area")[15:35]),
    ("breast_cancer mean radius first 6 vs benign (one tiny sample)", feature(bc, "mean radius")[:6], by_class(bc, "mean radius", 1)),
    ("diabetes s4 single value vs 30", feature(diab, "s4")[:1], feature(diab, "s4")[1:31]),
]

# Large pairs (asymptotic KS branch of method="auto"): pixel intensities of scikit-learn's digits.
pix = digits.data
large = [
    ("digits pixels of 0s vs 1s (11k vs 11k)", pix[digits.target == 0].ravel(), pix[digits.target == 1].ravel()),
    ("digits pixels of 3s vs 8s", pix[digits.target == 3].ravel(), pix[digits.target == 8].ravel()),
    ("digits pixels of 5s vs 6s (similar)", pix[digits.target == 5].ravel(), pix[digits.target == 6].ravel()),
]

ks_cases = []
for name, x, y in pairs + large:
    results = {}
    for method in ("auto", "exact", "asymp"):
        if method == "exact" and max(len(x), len(y)) > 10000:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = st.ks_2samp(x, y, method=method)
        results[method] = {"statistic": float(r.statistic), "pvalue": float(r.pvalue)}
    ks_cases.append({"name": name, "x": fl(x), "y": fl(y), "results": results})
cases["ks"] = ks_cases

# One-sample two-sided KS distribution (used by the asymptotic branch): every algorithm branch of kolmogn.
kolmogorov = []
for n in (1, 2, 5, 10, 25, 60, 140, 141, 500, 2500, 20000, 50000, 100000, 100001, 500000):
    for c in (0.1, 0.3, 0.5, 0.7, 0.87, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0):
        d = c / math.sqrt(n)
        if d >= 1.0:
            continue
        kolmogorov.append({"n": n, "d": d, "sf": float(kolmogn(n, d, cdf=False))})
    for d in (0.55 / n, 0.9 / n, 0.6, 0.8, 1 - 1.5 / n):
        if 0 < d < 1:
            kolmogorov.append({"n": n, "d": float(d), "sf": float(kolmogn(n, d, cdf=False))})
cases["kolmogorov_sf"] = kolmogorov

cvm_cases = []
for name, x, y in pairs:
    if len(x) < 2 or len(y) < 2:
        continue
    r = st.cramervonmises_2samp(x, y)
    cvm_cases.append({"name": name, "x": fl(x), "y": fl(y), "statistic": float(r.statistic), "pvalue": float(r.pvalue),
                      "method": "exact" if max(len(x), len(y)) <= 20 else "asymptotic"})
cases["cramervonmises"] = cvm_cases

mwu_cases = []
for name, x, y in pairs:
    r = st.mannwhitneyu(x, y)
    mwu_cases.append({"name": name, "x": fl(x), "y": fl(y), "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
cases["mannwhitneyu"] = mwu_cases

dist_cases = []
for name, x, y in pairs + large:
    dist_cases.append({"name": name, "x": fl(x), "y": fl(y),
                       "wasserstein": float(st.wasserstein_distance(x, y)),
                       "energy": float(st.energy_distance(x, y))})
cases["distances"] = dist_cases

# ---------------------------------------------------------------- Anderson-Darling k-sample
ad_groups = [
    ("iris sepal length by species", [by_class(iris, "sepal length (cm)", c) for c in range(3)]),
    ("iris sepal width setosa vs versicolor", [by_class(iris, "sepal width (cm)", c) for c in range(2)]),
    ("wine ash by cultivar", [by_class(wine, "ash", c) for c in range(3)]),
    ("wine magnesium class 0 vs 1", [by_class(wine, "magnesium", c) for c in range(2)]),
    ("breast_cancer mean symmetry by class", [by_class(bc, "mean symmetry", c) for c in range(2)]),
    ("breast_cancer mean fractal dimension by class", [by_class(bc, "mean fractal dimension", c) for c in range(2)]),
    ("diabetes s2 in four quarters", [feature(diab, "s2")[i * 110:(i + 1) * 110] for i in range(4)]),
    ("diabetes bmi in thirds", [feature(diab, "bmi")[i * 147:(i + 1) * 147] for i in range(3)]),
    ("diabetes s6 first vs second half", [feature(diab, "s6")[:221], feature(diab, "s6")[221:]]),
    ("breast_cancer texture error halves", [feature(bc, "texture error")[:284], feature(bc, "texture error")[284:]]),
]
ad_cases = []
for name, groups in ad_groups:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = st.anderson_ksamp(groups, midrank=True)
        capped = [str(m.message) for m in w]
    ad_cases.append({"name": name, "samples": [fl(g) for g in groups], "statistic": float(r.statistic),
                     "pvalue": float(r.significance_level), "warning": capped[0] if capped else ""})
cases["anderson_ksamp"] = ad_cases

# ---------------------------------------------------------------- discrete distributions
def hist_counts(values, edges):
    return np.histogram(values, bins=edges)[0].astype(int)


discrete = []
for name, ds, feat, a, b, nb in [
    ("wine color_intensity class 0 vs 1, 8 bins", wine, "color_intensity", 0, 1, 8),
    ("wine flavanoids class 1 vs 2, 6 bins", wine, "flavanoids", 1, 2, 6),
    ("iris petal length setosa vs versicolor, 10 bins", iris, "petal length (cm)", 0, 1, 10),
    ("breast_cancer mean concavity by class, 12 bins", bc, "mean concavity", 0, 1, 12),
    ("breast_cancer mean texture by class, 2 bins", bc, "mean texture", 0, 1, 2),
]:
    allv = feature(ds, feat)
    edges = np.linspace(allv.min(), allv.max(), nb + 1)
    p = hist_counts(by_class(ds, feat, a), edges)
    q = hist_counts(by_class(ds, feat, b), edges)
    pn, qn = p / p.sum(), q / q.sum()
    table = np.array([p, q])
    keep = table.sum(axis=0) > 0
    chi = st.chi2_contingency(table[:, keep])
    g = st.chi2_contingency(table[:, keep], lambda_="log-likelihood")
    discrete.append({
        "name": name, "p": [int(v) for v in p], "q": [int(v) for v in q],
        "jensenshannon": float(jensenshannon(p, q)), "jensenshannon_base2": float(jensenshannon(p, q, base=2)),
        "hellinger": float(np.sqrt(0.5 * np.sum((np.sqrt(pn) - np.sqrt(qn)) ** 2))),
        "totalvariation": float(0.5 * np.sum(np.abs(pn - qn))),
        "chi2": float(chi.statistic), "chi2_pvalue": float(chi.pvalue), "dof": int(chi.dof),
        "g": float(g.statistic), "g_pvalue": float(g.pvalue),
    })
# Digits: pixel-intensity histograms (17 levels) for two classes; some levels empty in both after binning by 4.
for a, b in [(0, 1), (5, 6)]:
    pa = np.bincount(pix[digits.target == a].ravel().astype(int) // 2, minlength=9)
    pb = np.bincount(pix[digits.target == b].ravel().astype(int) // 2, minlength=9)
    table = np.array([pa, pb])
    keep = table.sum(axis=0) > 0
    chi = st.chi2_contingency(table[:, keep])
    g = st.chi2_contingency(table[:, keep], lambda_="log-likelihood")
    pn, qn = pa / pa.sum(), pb / pb.sum()
    discrete.append({
        "name": f"digits pixel levels {a} vs {b}", "p": [int(v) for v in pa], "q": [int(v) for v in pb],
        "jensenshannon": float(jensenshannon(pa, pb)), "jensenshannon_base2": float(jensenshannon(pa, pb, base=2)),
        "hellinger": float(np.sqrt(0.5 * np.sum((np.sqrt(pn) - np.sqrt(qn)) ** 2))),
        "totalvariation": float(0.5 * np.sum(np.abs(pn - qn))),
        "chi2": float(chi.statistic), "chi2_pvalue": float(chi.pvalue), "dof": int(chi.dof),
        "g": float(g.statistic), "g_pvalue": float(g.pvalue),
    })
cases["discrete"] = discrete

# ---------------------------------------------------------------- Fisher exact on 2x2 tables from the data
fisher = []
def add_fisher(name, t):
    r = st.fisher_exact(t)
    fisher.append({"name": name, "table": [int(v) for v in np.asarray(t).ravel()],
                   # JSON has no infinity: an infinite odds ratio is written as the string "Infinity".
                   "statistic": float(r[0]) if np.isfinite(r[0]) else "Infinity", "pvalue": float(r[1])})

y = bc.target
for feat in ("mean radius", "mean smoothness", "mean symmetry", "mean fractal dimension"):
    v = feature(bc, feat)
    hi = v > np.median(v)
    add_fisher(f"breast_cancer {feat} above median x benign",
               [[int(np.sum(hi & (y == 1))), int(np.sum(hi & (y == 0)))],
                [int(np.sum(~hi & (y == 1))), int(np.sum(~hi & (y == 0)))]])
for feat in ("sex",):
    v = feature(diab, feat)
    hi_t = diab.target > np.median(diab.target)
    m = v > 0
    add_fisher("diabetes sex x progression above median",
               [[int(np.sum(m & hi_t)), int(np.sum(m & ~hi_t))], [int(np.sum(~m & hi_t)), int(np.sum(~m & ~hi_t))]])
# small tables cut from the first rows of iris and wine
for k in (10, 20, 30):
    v = feature(wine, "alcohol")[:k + 60:3]
    lab = wine.target[:k + 60:3] == 0
    hi = v > 13.0
    add_fisher(f"wine alcohol>13 x cultivar 0, every 3rd of first {k + 60}",
               [[int(np.sum(hi & lab)), int(np.sum(hi & ~lab))], [int(np.sum(~hi & lab)), int(np.sum(~hi & ~lab))]])
add_fisher("symmetric table (ties in probability)", [[3, 5], [5, 3]])
add_fisher("zero cell", [[0, 5], [7, 3]])
add_fisher("one-sided extreme", [[12, 0], [0, 12]])
cases["fisher"] = fisher

# ---------------------------------------------------------------- PSI (direct numpy evaluation of the documented definition)
def psi(reference, current, bins=10, floor=1e-4):
    qs = np.quantile(reference, np.arange(1, bins) / bins)
    edges = []
    for e in qs:
        if not edges or e > edges[-1]:
            edges.append(float(e))
    edges = np.array(edges)
    r = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=len(edges) + 1) / len(reference)
    c = np.bincount(np.searchsorted(edges, current, side="left"), minlength=len(edges) + 1) / len(current)
    r = np.maximum(r, floor)
    c = np.maximum(c, floor)
    return float(np.sum((c - r) * np.log(c / r))), [float(e) for e in edges]


psi_cases = []
for name, x, yv in pairs:
    if len(x) < 10:
        continue
    for bins in (5, 10, 20):
        value, edges = psi(x, yv, bins)
        psi_cases.append({"name": name, "bins": bins, "reference": fl(x), "current": fl(yv), "value": value, "edges": edges})
cases["psi"] = psi_cases


# PSI with numpy's histogram convention (a value on an edge goes to the upper bin, the last bin is closed), as Evidently and
# NannyML bin: the same quantile edges, counted by np.histogram with unbounded outer bins. Tied data (measurements rounded
# to 0.1 cm, integer pixel levels and counts), where values on the quantile edges are common and the conventions differ.
def psi_numpy(reference, current, bins=10, floor=1e-4):
    _, edges = psi(reference, current, bins, floor)
    outer = np.concatenate([[-np.inf], edges, [np.inf]])
    r = np.maximum(np.histogram(reference, bins=outer)[0] / len(reference), floor)
    c = np.maximum(np.histogram(current, bins=outer)[0] / len(current), floor)
    return float(np.sum((c - r) * np.log(c / r))), edges


pix_flat = pix.reshape(len(pix), -1)
tied_pairs = [
    ("iris petal length versicolor vs virginica (0.1 cm)", by_class(iris, "petal length (cm)", 1), by_class(iris, "petal length (cm)", 2)),
    ("iris sepal width setosa vs versicolor (0.1 cm)", by_class(iris, "sepal width (cm)", 0), by_class(iris, "sepal width (cm)", 1)),
    ("wine magnesium class 0 vs class 1 (integers)", by_class(wine, "magnesium", 0), by_class(wine, "magnesium", 1)),
    ("digits pixel (3, 4) digit 3 vs digit 8 (levels 0-16)", pix_flat[digits.target == 3][:, 28], pix_flat[digits.target == 8][:, 28]),
]
psi_numpy_cases = []
for name, x, yv in tied_pairs + [p for p in pairs if len(p[1]) >= 10][:4]:
    for bins in (5, 10):
        value, edges = psi_numpy(x, yv, bins)
        default, _ = psi(x, yv, bins)
        psi_numpy_cases.append({"name": name, "bins": bins, "reference": fl(x), "current": fl(yv), "value": value,
                                "right_closed_value": default, "edges": edges})
cases["psi_numpy"] = psi_numpy_cases

# ---------------------------------------------------------------- multiple testing (statsmodels semantics, numpy)
def bonferroni(p):
    return np.minimum(1.0, p * len(p))


def holm(p):
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    adj = np.maximum.accumulate(p[order] * np.arange(m, 0, -1))
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out


def bh(p):
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    raw = p[order] / (np.arange(1, m + 1) / m)
    adj = np.minimum.accumulate(raw[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out


mt = []
pvals_bc = np.array([st.mannwhitneyu(bc.data[y == 0, j], bc.data[y == 1, j]).pvalue for j in range(bc.data.shape[1])])
pvals_diab = np.array([st.ks_2samp(diab.data[:221, j], diab.data[221:, j]).pvalue for j in range(diab.data.shape[1])])
pvals_wine = np.array([st.cramervonmises_2samp(wine.data[wine.target == 1, j], wine.data[wine.target == 2, j]).pvalue
                       for j in range(wine.data.shape[1])])
for name, p in [("breast_cancer MWU per feature", pvals_bc), ("diabetes KS halves per feature", pvals_diab),
                ("wine CvM class 1 vs 2 per feature", pvals_wine), ("ties", np.array([0.01, 0.04, 0.04, 0.2, 0.01, 1.0]))]:
    mt.append({"name": name, "p": fl(p), "bonferroni": fl(bonferroni(p)), "holm": fl(holm(p)), "bh": fl(bh(p))})
cases["multipletesting"] = mt

# ---------------------------------------------------------------- MMD (numpy, same statistic and generator as the C# code)
M64 = (1 << 64) - 1


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def rotl(v, k):
    return ((v << k) | (v >> (64 - k))) & M64


class Xoshiro:
    def __init__(self, seed):
        sm = seed & M64
        self.s = []
        for _ in range(4):
            sm, z = splitmix(sm)
            self.s.append(z)

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & M64, 7) * 9) & M64
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def below(self, bound):
        return self.next() % bound

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = self.below(i + 1)
            a[i], a[j] = a[j], a[i]


def subsample(count, cap, rng):
    idx = list(range(count))
    if count <= cap:
        return idx
    for i in range(cap):
        j = i + rng.below(count - i)
        idx[i], idx[j] = idx[j], idx[i]
    return idx[:cap]


def mmd_unbiased(K, xi, yi):
    m, n = len(xi), len(yi)
    kxx = K[np.ix_(xi, xi)]
    kyy = K[np.ix_(yi, yi)]
    kxy = K[np.ix_(xi, yi)]
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * kxy.sum() / (m * n))


def mmd_test(x, y, permutations, seed, cap):
    rng = Xoshiro(seed)
    xs = subsample(len(x), cap, rng)
    ys = subsample(len(y), cap, rng)
    x32 = np.asarray(x, dtype=np.float32)[xs].astype(np.float64)
    y32 = np.asarray(y, dtype=np.float32)[ys].astype(np.float64)
    z = np.vstack([x32, y32])
    m, n = len(xs), len(ys)
    diff = z[:, None, :] - z[None, :, :]
    d2 = np.sum(diff * diff, axis=-1)
    iu = np.triu_indices(m + n, 1)
    sigma = float(np.median(np.sqrt(d2[iu])))
    K = np.exp(-d2 / (2 * sigma * sigma))
    members = list(range(m + n))
    observed = mmd_unbiased(K, members[:m], members[m:])
    count = 0
    for _ in range(permutations):
        rng.shuffle(members)
        if mmd_unbiased(K, members[:m], members[m:]) >= observed:
            count += 1
    return observed, (count + 1) / (permutations + 1), sigma, m, n


def standardise(a):
    return (a - a.mean(axis=0)) / a.std(axis=0)


mmd = []
bcz = standardise(bc.data).astype(np.float32)
wz = standardise(wine.data).astype(np.float32)
irz = standardise(iris.data).astype(np.float32)
for name, x, yv, perms, seed, cap in [
    ("breast_cancer standardised, malignant vs benign (first 60 / 80)", bcz[y == 0][:60], bcz[y == 1][:80], 200, 0, 500),
    ("breast_cancer standardised, benign halves", bcz[y == 1][:90], bcz[y == 1][90:180], 200, 7, 500),
    ("wine standardised, cultivar 1 vs 2", wz[wine.target == 1], wz[wine.target == 2], 100, 3, 500),
    ("iris standardised, versicolor vs virginica, capped at 30", irz[iris.target == 1], irz[iris.target == 2], 100, 11, 30),
]:
    stat, p, sigma, m, n = mmd_test(x, yv, perms, seed, cap)
    mmd.append({"name": name, "x": [fl(r) for r in x], "y": [fl(r) for r in yv], "permutations": perms, "seed": seed,
                "cap": cap, "statistic": float(stat), "pvalue": float(p), "bandwidth": sigma, "m": m, "n": n})
cases["mmd"] = mmd

cases["meta"] = {
    "generator": "tests/Statistics.Tests/reference/distribution_reference.py",
    "python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
    "sklearn": sklearn.__version__, "platform": platform.platform(),
}

with open(OUT, "w") as f:
    json.dump(cases, f, separators=(",", ":"), allow_nan=False)
print(f"wrote {OUT}: " + ", ".join(f"{k}={len(v)}" for k, v in cases.items() if isinstance(v, list)))
