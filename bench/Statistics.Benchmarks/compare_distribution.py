#!/usr/bin/python3
"""Time libs/Statistics' distribution kernels (BenchmarkDotNet) and scipy on identical inputs, in the same run,
and write the ratios into the "Statistics: distribution kernels" section of docs/benchmarks.md.

    /usr/bin/python3 bench/Statistics.Benchmarks/compare_distribution.py            # full run (~10 min)
    /usr/bin/python3 bench/Statistics.Benchmarks/compare_distribution.py --quick    # baselines at 1k and 10k only
    /usr/bin/python3 bench/Statistics.Benchmarks/compare_distribution.py --reuse bench/Statistics.Benchmarks/Distribution/BenchmarkDotNet.Artifacts

Steps: (1) write seeded numpy inputs to a temporary folder; (2) run BenchmarkDotNet with DIST_BENCH_DATA pointing
there (JSON exporter); (3) time the scipy / numpy baseline on the same arrays (median of 5 repeats, each repeat long
enough to be measurable); (4) write a table of medians and ratios plus the machine description into
docs/benchmarks.md (only between this section's markers) and the raw figures to
bench/Statistics.Benchmarks/Distribution/results.json.
"""
import os
import shutil
import sys
import tempfile

import numpy as np
import scipy
import scipy.stats as st
from scipy.spatial.distance import jensenshannon

from compare_common import ROOT, fmt, load_average, machine, median_ms, read_benchmarkdotnet, run_benchmarkdotnet, write_section
RESULTS = os.path.join(ROOT, "bench", "Statistics.Benchmarks", "Distribution", "results.json")
BEGIN = "<!-- statistics-distribution:begin -->"
END = "<!-- statistics-distribution:end -->"
SIZES = [1_000, 10_000, 100_000, 1_000_000]
MMD_SIZES = [100, 250, 500]
MMD_PERMUTATIONS = 200
QUICK = "--quick" in sys.argv
# --reuse DIR: take the .NET figures from an earlier run's BenchmarkDotNet.Artifacts folder (inputs are seeded, so they
# are identical) and only re-time the baselines.
REUSE = sys.argv[sys.argv.index("--reuse") + 1] if "--reuse" in sys.argv else None


def write_inputs(folder):
    for n in SIZES + [m * 16 for m in MMD_SIZES]:
        rng = np.random.default_rng(n)
        rng.normal(0.0, 1.0, n).astype("<f8").tofile(os.path.join(folder, f"x_{n}.f64"))
        rng.normal(0.05, 1.1, n).astype("<f8").tofile(os.path.join(folder, f"y_{n}.f64"))
    for n in SIZES:
        rng = np.random.default_rng(n + 1)
        (1 + rng.integers(0, 50, n)).astype("<i8").tofile(os.path.join(folder, f"cref_{n}.i64"))
        (1 + rng.integers(0, 50, n)).astype("<i8").tofile(os.path.join(folder, f"ccur_{n}.i64"))
        rng.uniform(0, 1, n).astype("<f8").tofile(os.path.join(folder, f"p_{n}.f64"))


def run_dotnet(folder, artifacts):
    if REUSE:
        return read_benchmarkdotnet(REUSE)
    return run_benchmarkdotnet("DIST_BENCH_DATA", folder, "*Distribution*", artifacts,
                               os.path.join(ROOT, "bench", "Statistics.Benchmarks", "Distribution", "BenchmarkDotNet.Artifacts"))


# numpy baselines where scipy has no function (same definitions as the tests' reference script)
def psi_numpy(reference, current, bins=10, floor=1e-4):
    edges = np.unique(np.quantile(reference, np.arange(1, bins) / bins))
    r = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=len(edges) + 1) / len(reference)
    c = np.bincount(np.searchsorted(edges, current, side="left"), minlength=len(edges) + 1) / len(current)
    r = np.maximum(r, floor)
    c = np.maximum(c, floor)
    return np.sum((c - r) * np.log(c / r))


def holm_numpy(p):
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    adj = np.maximum.accumulate(p[order] * np.arange(m, 0, -1))
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out


def bh_numpy(p):
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    adj = np.minimum.accumulate((p[order] / (np.arange(1, m + 1) / m))[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(1.0, adj)
    return out


def mmd_numpy(x, y, permutations, seed):
    z = np.vstack([x, y]).astype(np.float64)
    m, n = len(x), len(y)
    sq = np.sum(z * z, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * z @ z.T, 0)
    iu = np.triu_indices(m + n, 1)
    sigma = np.median(np.sqrt(d2[iu]))
    k = np.exp(-d2 / (2 * sigma * sigma))
    rows = k.sum(axis=1)
    grand = rows.sum()

    def stat(mask):
        sxx = mask @ k @ mask
        sx = mask @ rows
        syy = grand - 2 * sx + sxx
        return (sxx - m) / (m * (m - 1)) + (syy - n) / (n * (n - 1)) - 2 * (sx - sxx) / (m * n)

    mask = np.r_[np.ones(m), np.zeros(n)]
    observed = stat(mask)
    rng = np.random.default_rng(seed)
    count = sum(stat(rng.permutation(mask)) >= observed for _ in range(permutations))
    return observed, (count + 1) / (permutations + 1)


def baselines(folder):
    def load(name, dtype="<f8"):
        return np.fromfile(os.path.join(folder, name), dtype=dtype)

    rows = []
    sizes = SIZES[:2] if QUICK else SIZES
    for n in sizes:
        x, y = load(f"x_{n}.f64"), load(f"y_{n}.f64")
        # Default arguments bind this N's arrays now (a plain closure would see the last N's arrays).
        rows += [
            ("KolmogorovSmirnov", n, "scipy.stats.ks_2samp", lambda x=x, y=y: st.ks_2samp(x, y)),
            ("CramerVonMises", n, "scipy.stats.cramervonmises_2samp", lambda x=x, y=y: st.cramervonmises_2samp(x, y)),
            ("AndersonDarling", n, "scipy.stats.anderson_ksamp", lambda x=x, y=y: st.anderson_ksamp([x, y])),
            ("MannWhitney", n, "scipy.stats.mannwhitneyu", lambda x=x, y=y: st.mannwhitneyu(x, y)),
            ("Wasserstein", n, "scipy.stats.wasserstein_distance", lambda x=x, y=y: st.wasserstein_distance(x, y)),
            ("Energy", n, "scipy.stats.energy_distance", lambda x=x, y=y: st.energy_distance(x, y)),
            ("Psi", n, "numpy (quantile + searchsorted)", lambda x=x, y=y: psi_numpy(x, y)),
        ]
        cr, cc, p = load(f"cref_{n}.i64", "<i8"), load(f"ccur_{n}.i64", "<i8"), load(f"p_{n}.f64")
        crf, ccf = cr.astype(float), cc.astype(float)
        table = np.array([cr, cc])
        fisher_table = [[n * 3 // 10, n * 2 // 10], [n // 4, n // 4]]
        rows += [
            ("JensenShannon", n, "scipy.spatial.distance.jensenshannon", lambda a=crf, b=ccf: jensenshannon(a, b)),
            ("Hellinger", n, "numpy",
             lambda a=crf, b=ccf: np.sqrt(0.5 * np.sum((np.sqrt(a / a.sum()) - np.sqrt(b / b.sum())) ** 2))),
            ("TotalVariation", n, "numpy", lambda a=crf, b=ccf: 0.5 * np.sum(np.abs(a / a.sum() - b / b.sum()))),
            ("ChiSquared", n, "scipy.stats.chi2_contingency", lambda t=table: st.chi2_contingency(t)),
            ("GTest", n, "scipy.stats.chi2_contingency(lambda_=log-likelihood)",
             lambda t=table: st.chi2_contingency(t, lambda_="log-likelihood")),
            ("FisherExact", n, "scipy.stats.fisher_exact", lambda t=fisher_table: st.fisher_exact(t)),
            ("BenjaminiHochberg", n, "numpy (statsmodels fdr_bh semantics)", lambda p=p: bh_numpy(p)),
            ("Holm", n, "numpy (statsmodels holm semantics)", lambda p=p: holm_numpy(p)),
            ("Bonferroni", n, "numpy", lambda p=p: np.minimum(1.0, p * len(p))),
        ]
    for m in (MMD_SIZES[:1] if QUICK else MMD_SIZES):
        xv = load(f"x_{m * 16}.f64").reshape(m, 16).astype(np.float32)
        yv = load(f"y_{m * 16}.f64").reshape(m, 16).astype(np.float32)
        rows.append(("Mmd", m, f"numpy (BLAS mat-vec per permutation, {MMD_PERMUTATIONS} permutations)",
                     lambda xv=xv, yv=yv: mmd_numpy(xv, yv, MMD_PERMUTATIONS, 1)))
    out = {}
    for method, n, label, fn in rows:
        out[(method, n)] = (label, median_ms(fn))
        print(f"baseline {method:18s} N={n:>8d} {out[(method, n)][1]:10.3f} ms  ({label})", flush=True)
    return out


def machine_text():
    return machine([("numpy", np.__version__), ("scipy", scipy.__version__)])


LOAD = []



def write_doc(dotnet, base):
    lines = ["## Statistics: distribution kernels", "",
             "Median time per call of each `libs/Statistics` distribution kernel (BenchmarkDotNet, Release, "
             "in-process, tiered compilation off, 1 launch, 6 warm-ups, 5 iterations of ≥ 250 ms) and of the scipy / numpy baseline on **the same inputs**, "
             "measured in the same run. Ratio = baseline / .NET (> 1: the .NET kernel is faster).", "",
             f"Machine: {machine_text()}. The machine is shared by several jobs and noisy; treat differences below ~1.5× as noise. "
             f"Load average (1/5/15 min) at start {LOAD[0] if LOAD else 'n/a'}, at the end {load_average()}: with more "
             "runnable jobs than cores, absolute times are inflated for both sides; the ratios are the comparable figure.", "",
             "Inputs: continuous kernels N values of N(0, 1) vs N of N(0.05, 1.1²) (a mild drift: KS takes its asymptotic "
             "branch above 10 000 and the one-sided Smirnov sum); categorical kernels N categories with counts 1–50; "
             "multiple testing N uniform p-values; Fisher the table [[0.30N, 0.20N], [0.25N, 0.25N]]; MMD N vs N "
             f"16-dimensional vectors with {MMD_PERMUTATIONS} permutations.", "",
             "Reproduce: `/usr/bin/python3 bench/Statistics.Benchmarks/compare_distribution.py` "
             "(raw figures: `bench/Statistics.Benchmarks/Distribution/results.json`).", "",
             "| kernel | N | .NET | baseline | baseline time | ratio |", "|---|---:|---:|---|---:|---:|"]
    raw = []
    for (method, n), (label, ms) in sorted(base.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        net = dotnet.get((method, n))
        if net is None:
            continue
        lines.append(f"| {method} | {n:,} | {fmt(net)} | {label} | {fmt(ms)} | {ms / net:.1f}× |")
        raw.append({"kernel": method, "n": n, "dotnet_median_ms": net, "baseline": label, "baseline_median_ms": ms,
                    "ratio": ms / net})
    ks = dotnet.get(("KolmogorovSmirnov", 100_000))
    if ks is not None:
        lines += ["", f"KS on 100 000 vs 100 000 values: **{fmt(ks)}** per call (target < 20 ms)."]
    write_section(BEGIN, END, lines, RESULTS, machine_text(), raw)


def main():
    LOAD.append(load_average())
    folder = tempfile.mkdtemp(prefix="dist-bench-")
    artifacts = os.path.join(folder, "artifacts")
    try:
        write_inputs(folder)
        dotnet = run_dotnet(folder, artifacts)
        base = baselines(folder)
        write_doc(dotnet, base)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
