#!/usr/bin/python3
"""Search behind the listed-equivalent Fisher mutants of docs/quality.md (`threshold >= 0` -> `>`, `lw <= threshold` -> `<`).

Replays Categorical.FisherExact's log-weight walk (the same operations in the same order; CPython's math.log and .NET's
Math.Log both call glibc's log) for every 2x2 table with N <= T and every a in the support, and counts the tables where a
log-weight equals the tie threshold ln P(a)/P(mode) + ln(1 + 1e-7) exactly, or the threshold is exactly 0: the only
inputs on which the mutants differ from the original. Not run by the tests (T = 250 takes about 4 minutes).
    /usr/bin/python3 tests/Statistics.Tests/reference/fisher_threshold_search.py 250
"""
import math
import sys

T = int(sys.argv[1]) if len(sys.argv) > 1 else 60
TIE = math.log(1 + 1e-7)
hits, count = [], 0
for total in range(2, T + 1):
    for n1 in range(1, total):
        n2 = total - n1
        for n in range(1, total):
            lo, hi = max(0, n - n2), min(n, n1)
            mode = min(max(int((n + 1) * float(n1 + 1) / (total + 2)), lo), hi)
            upper, lw, x = [], 0.0, float(mode)
            while x < hi:
                lw += math.log((n1 - x) * (n - x) / ((x + 1) * (n2 - n + x + 1)))
                x += 1
                if lw < -750:
                    break
                upper.append(lw)
            lower, lw, x = [], 0.0, float(mode)
            while x > lo:
                lw += math.log(x * (n2 - n + x) / ((n1 - x + 1) * (n - x + 1)))
                x -= 1
                if lw < -750:
                    break
                lower.append(lw)
            weights = set(upper) | set(lower)
            for a in range(lo, hi + 1):
                if a == mode:
                    observed = 0.0
                elif a > mode and a - mode <= len(upper):
                    observed = upper[a - mode - 1]
                elif a < mode and mode - a <= len(lower):
                    observed = lower[mode - a - 1]
                else:
                    continue
                threshold = observed + TIE
                count += 1
                if threshold == 0.0 or threshold in weights:
                    hits.append((total, n1, n, a))
print(f"N <= {T}: {count} tables, {len(hits)} with a weight equal to its threshold or a zero threshold {hits[:10]}")
