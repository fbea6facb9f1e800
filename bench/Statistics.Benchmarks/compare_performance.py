#!/usr/bin/python3
"""Time libs/Statistics' performance kernels (BenchmarkDotNet) and scikit-learn / numpy baselines on identical inputs,
in the same run, and write the ratios into the "Statistics: performance kernels" section of docs/benchmarks.md.

    /usr/bin/python3 bench/Statistics.Benchmarks/compare_performance.py            # full run (~10 min)
    /usr/bin/python3 bench/Statistics.Benchmarks/compare_performance.py --quick    # baselines at 1k and 10k only

Steps: (1) write seeded numpy inputs to a temporary folder (scores uniform in [0, 1], labels Bernoulli(score), a N(0, 1)
stream); (2) run BenchmarkDotNet with PERF_BENCH_DATA pointing there (JSON exporter); (3) time the baselines on the same
arrays (median of 5 repeats, each repeat long enough to be measurable); (4) write medians, ratios and the machine into
docs/benchmarks.md (only between this section's markers) and the raw figures to
bench/Statistics.Benchmarks/Performance/results.json.
"""
import os
import shutil
import sys
import tempfile

import numpy as np
import scipy
import scipy.stats as st
import sklearn
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, confusion_matrix, log_loss, roc_auc_score

from compare_common import ROOT, fmt, load_average, machine, median_ms, run_benchmarkdotnet, write_section

RESULTS = os.path.join(ROOT, "bench", "Statistics.Benchmarks", "Performance", "results.json")
BEGIN = "<!-- statistics-performance:begin -->"
END = "<!-- statistics-performance:end -->"
SIZES = [1_000, 10_000, 100_000, 1_000_000]
QUICK = "--quick" in sys.argv


def write_inputs(folder):
    for n in SIZES:
        rng = np.random.default_rng(1000 + n)
        s = rng.uniform(0, 1, n)
        y = rng.uniform(0, 1, n) < s
        s.astype("<f8").tofile(os.path.join(folder, f"scores_{n}.f64"))
        y.astype(np.uint8).tofile(os.path.join(folder, f"labels_{n}.u8"))
        rng.normal(0, 1, n).astype("<f8").tofile(os.path.join(folder, f"stream_{n}.f64"))


def run_dotnet(folder, artifacts):
    return run_benchmarkdotnet("PERF_BENCH_DATA", folder, "*PerformanceBenchmarks*", artifacts,
                               os.path.join(ROOT, "bench", "Statistics.Benchmarks", "Performance", "BenchmarkDotNet.Artifacts"))


def delong_fast(scores, labels):
    """Sun & Xu (2014) fast DeLong with scipy.stats.rankdata midranks: the usual Python implementation."""
    x, y = scores[labels], scores[~labels]
    m, n = len(x), len(y)
    tz = st.rankdata(np.r_[x, y])
    tx, ty = st.rankdata(x), st.rankdata(y)
    auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:m] - tx) / n
    v01 = 1 - (tz[m:] - ty) / m
    return auc, np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n


def ece_numpy(p, y, bins=10):
    ids = np.searchsorted(np.linspace(0, 1, bins + 1)[1:-1], p, side="right")
    cnt = np.bincount(ids, minlength=bins)
    sp = np.bincount(ids, weights=p, minlength=bins)
    sy = np.bincount(ids, weights=y.astype(float), minlength=bins)
    return np.sum(np.abs(sy - sp)) / len(p)


def cbpe_numpy(scores, calibrated, threshold):
    pred = scores >= threshold
    tp = np.sum(np.where(pred, calibrated, 0))
    fp = np.sum(np.where(pred, 1 - calibrated, 0))
    fn = np.sum(np.where(~pred, calibrated, 0))
    tn = np.sum(np.where(~pred, 1 - calibrated, 0))
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], calibrated[order]
    last = np.r_[s[1:] != s[:-1], True]
    tps = np.r_[0, np.cumsum(p)[last]]
    fps = np.r_[0, np.cumsum(1 - p)[last]]
    return tp, fp, tn, fn, np.trapz(tps / tps[-1], fps / fps[-1])


def cusum_python(xs, k=0.5, h=5.0):
    up = lo = 0.0
    alarms = 0
    for x in xs:
        up = max(0.0, up + x - k)
        lo = max(0.0, lo - x - k)
        if up > h or lo > h:
            alarms += 1
            up = lo = 0.0
    return alarms


def page_hinkley_python(xs, delta=0.5, lam=5.0):
    n = 0
    mean = s_up = m_up = s_dn = m_dn = 0.0
    alarms = 0
    for x in xs:
        n += 1
        mean += (x - mean) / n
        s_up += x - mean - delta
        m_up = min(m_up, s_up)
        s_dn += x - mean + delta
        m_dn = max(m_dn, s_dn)
        if s_up - m_up > lam or m_dn - s_dn > lam:
            alarms += 1
            n = 0
            mean = s_up = m_up = s_dn = m_dn = 0.0
    return alarms


def baselines(folder):
    def load(name, dtype="<f8"):
        return np.fromfile(os.path.join(folder, name), dtype=dtype)

    out = {}
    for n in (SIZES[:2] if QUICK else SIZES):
        rows = []  # timed before the next size is loaded: the lambdas close over this iteration's arrays
        s, y = load(f"scores_{n}.f64"), load(f"labels_{n}.u8", np.uint8).astype(bool)
        xs = load(f"stream_{n}.f64")
        xs_list = xs.tolist()
        calibrated = IsotonicRegression(out_of_bounds="clip").fit(s, y).predict(s)
        rows += [
            ("Confusion", n, "sklearn confusion_matrix(y, s >= t)", lambda: confusion_matrix(y, s >= 0.5)),
            ("AurocDeLong", n, "numpy + scipy.stats.rankdata fast DeLong", lambda: delong_fast(s, y)),
            ("AurocDeLong", n, "sklearn roc_auc_score (AUC only, no variance)", lambda: roc_auc_score(y, s)),
            ("Brier", n, "sklearn brier_score_loss", lambda: brier_score_loss(y, s)),
            ("LogLoss", n, "sklearn log_loss", lambda: log_loss(y, s)),
            ("Ece", n, "numpy (searchsorted + bincount)", lambda: ece_numpy(s, y)),
            ("IsotonicFit", n, "sklearn IsotonicRegression.fit", lambda: IsotonicRegression(out_of_bounds="clip").fit(s, y)),
            ("Cbpe", n, "numpy (NannyML formulas)", lambda: cbpe_numpy(s, calibrated, 0.5)),
            ("CusumUpdates", n, "pure Python loop (no scipy equivalent)", lambda: cusum_python(xs_list)),
            ("PageHinkleyUpdates", n, "pure Python loop (no scipy equivalent)", lambda: page_hinkley_python(xs_list)),
            ("SketchInsert", n, "numpy.quantile (exact, whole array in memory)", lambda: np.quantile(xs, 0.5)),
        ]
        for method, size, label, fn in rows:
            out.setdefault((method, size), []).append((label, median_ms(fn)))
            print(f"baseline {method:18s} N={size:>8d} {out[(method, size)][-1][1]:10.3f} ms  ({label})", flush=True)
    return out


def machine_text():
    return machine([("numpy", np.__version__), ("scipy", scipy.__version__), ("scikit-learn", sklearn.__version__)])


def write_doc(dotnet, base):
    lines = ["## Statistics: performance kernels", "",
             "Median time per call of each `libs/Statistics` performance kernel (BenchmarkDotNet, Release, in-process, "
             "tiered compilation off, no memory diagnoser, 1 launch, 6 warm-ups, 5 iterations of ≥ 250 ms) and of a scikit-learn / numpy baseline on **the same inputs**, "
             "measured in the same run. Ratio = baseline / .NET (> 1: the .NET kernel is faster).", "",
             f"Machine: {machine_text()}. The machine is shared by several jobs and noisy; treat differences below ~1.5× as noise. "
             f"Load average (1/5/15 min) at start {LOAD[0] if LOAD else 'n/a'}, at the end {load_average()}.", "",
             "Inputs: N scores uniform in [0, 1] with labels Bernoulli(score) (AUROC ≈ 0.83); threshold 0.5; ECE with 10 bins; "
             "isotonic fit on the same N cases; CBPE with the isotonic-calibrated scores; the sequential detectors and the "
             "sketch consume N observations of N(0, 1) per call (CUSUM k = 0.5, h = 5; Page–Hinkley δ = 0.5, λ = 5; ADWIN δ = 0.002; "
             "KLL k = 200). The CUSUM / Page–Hinkley baselines are plain Python loops (scipy has no sequential detector and river "
             "is not installed here), so those ratios only show the cost of an interpreted per-observation update; ADWIN has "
             "no baseline here; the sketch's baseline is numpy's exact quantile of the whole array, which needs O(N) memory "
             "where the sketch needs O(k).", "",
             "Reproduce: `/usr/bin/python3 bench/Statistics.Benchmarks/compare_performance.py` "
             "(raw figures: `bench/Statistics.Benchmarks/Performance/results.json`).", "",
             "| kernel | N | .NET | baseline | baseline time | ratio |", "|---|---:|---:|---|---:|---:|"]
    raw = []
    methods = sorted({m for m, _ in dotnet})
    for method in methods:
        for n in SIZES:
            net = dotnet.get((method, n))
            if net is None:
                continue
            entries = base.get((method, n)) or [("none available here", None)]
            for label, ms in entries:
                ratio = f"{ms / net:.1f}×" if ms is not None else "–"
                lines.append(f"| {method} | {n:,} | {fmt(net)} | {label} | {fmt(ms) if ms is not None else '–'} | {ratio} |")
                raw.append({"kernel": method, "n": n, "dotnet_median_ms": net, "baseline": label,
                            "baseline_median_ms": ms, "ratio": (ms / net) if ms is not None else None})
    write_section(BEGIN, END, lines, RESULTS, machine_text(), raw)


LOAD = []


def main():
    LOAD.append(load_average())
    folder = tempfile.mkdtemp(prefix="perf-bench-")
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
