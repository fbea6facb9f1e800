#!/usr/bin/python3
"""Reference values for the performance half of libs/Statistics.

Run with Debian's interpreter (scipy 1.10, scikit-learn 1.2, numpy 1.24):
    /usr/bin/python3 tests/Statistics.Tests/reference/performance_reference.py
Writes performance_reference.json beside this script. The C# tests read that file and need no Python.

Data: scikit-learn's breast-cancer data (569 real cases, malignant = positive). A logistic regression on three
weak features (mean texture, mean smoothness, mean symmetry) is fitted on a 40% training split; its predicted
probabilities on a 30% "reference" split and a 30% "current" split are the scores. Fairness groups are terciles of
'mean area' (a feature the model does not use), labelled A/B/C.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.stats as st
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, confusion_matrix, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))


def wilson(k, n, level=0.95):
    ci = st.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return {"k": int(k), "n": int(n), "level": level, "value": k / n, "lower": float(ci.low), "upper": float(ci.high)}


def delong_direct(scores, labels):
    """DeLong (1988) by its definition, O(m n): psi kernel, structural components, sample variances."""
    x = scores[labels]
    y = scores[~labels]
    m, n = len(x), len(y)
    psi = (x[:, None] > y[None, :]).astype(float) + 0.5 * (x[:, None] == y[None, :])
    auc = psi.mean()
    v10 = psi.mean(axis=1)
    v01 = psi.mean(axis=0)
    s10 = np.var(v10, ddof=1)
    s01 = np.var(v01, ddof=1)
    return float(auc), float(s10 / m + s01 / n)


def auroc_case(name, scores, labels, level=0.95):
    auc, var = delong_direct(scores, labels)
    z = st.norm.ppf(1 - (1 - level) / 2)
    return {
        "name": name, "scores": scores.tolist(), "labels": labels.tolist(), "level": level,
        "auc_sklearn": float(roc_auc_score(labels, scores)), "auc_direct": auc, "variance": var,
        "lower": max(0.0, auc - z * np.sqrt(var)), "upper": min(1.0, auc + z * np.sqrt(var)),
    }


def ece(p, y, bins):
    """Equal-width ECE with scikit-learn's calibration_curve(strategy='uniform') binning."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], p, side="right")
    total = 0.0
    for b in range(bins):
        mask = ids == b
        if mask.any():
            total += mask.sum() / len(p) * abs(y[mask].mean() - p[mask].mean())
    return float(total)


def cbpe(scores, calibrated, threshold):
    """NannyML CBPE formulas (confusion-matrix estimates; estimate_roc_auc without its 5-decimal rounding, ties grouped)."""
    pred = scores >= threshold
    tp = float(np.sum(np.where(pred, calibrated, 0)))
    fp = float(np.sum(np.where(pred, 1 - calibrated, 0)))
    fn = float(np.sum(np.where(~pred, calibrated, 0)))
    tn = float(np.sum(np.where(~pred, 1 - calibrated, 0)))
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    p = calibrated[order]
    tps = np.cumsum(p)
    fps = np.cumsum(1 - p)
    last_of_block = np.r_[s[1:] != s[:-1], True]
    tps = np.r_[0, tps[last_of_block]]
    fps = np.r_[0, fps[last_of_block]]
    tpr = tps / tps[-1]
    fpr = fps / fps[-1]
    auroc = float(np.trapz(tpr, fpr))
    return {"tp": tp, "fp": fp, "tn": tn, "fn": fn, "sensitivity": tp / (tp + fn), "specificity": tn / (tn + fp),
            "accuracy": (tp + tn) / len(scores), "auroc": auroc}


def main():
    data = load_breast_cancer()
    features = ["mean texture", "mean smoothness", "mean symmetry"]
    cols = [list(data.feature_names).index(f) for f in features]
    X = data.data[:, cols]
    y = data.target == 0  # malignant is the positive class
    area = data.data[:, list(data.feature_names).index("mean area")]
    idx = np.arange(len(y))
    train, rest = train_test_split(idx, train_size=0.4, random_state=7, stratify=y)
    ref, cur = train_test_split(rest, test_size=0.5, random_state=7, stratify=y[rest])
    model = LogisticRegression(max_iter=1000).fit(X[train], y[train])
    s_ref = model.predict_proba(X[ref])[:, 1]
    s_cur = model.predict_proba(X[cur])[:, 1]
    y_ref, y_cur = y[ref], y[cur]
    cuts = np.quantile(area, [1 / 3, 2 / 3])
    group_all = np.where(area <= cuts[0], "A", np.where(area <= cuts[1], "B", "C"))
    g_cur = group_all[cur]

    out = {"generator": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                         "sklearn": sklearn.__version__, "script": "performance_reference.py"}}
    out["data"] = {"reference_scores": s_ref.tolist(), "reference_labels": y_ref.tolist(),
                   "current_scores": s_cur.tolist(), "current_labels": y_cur.tolist(), "current_groups": g_cur.tolist()}

    # Confusion and Wilson intervals at threshold 0.5 and 0.3 (score >= threshold is positive).
    conf = []
    for t in (0.5, 0.3):
        tn, fp, fn, tp = confusion_matrix(y_cur, s_cur >= t, labels=[False, True]).ravel()
        conf.append({"threshold": t, "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
                     "sensitivity": wilson(tp, tp + fn), "specificity": wilson(tn, tn + fp),
                     "ppv": wilson(tp, tp + fp), "npv": wilson(tn, tn + fn),
                     "sensitivity90": wilson(tp, tp + fn, 0.90)})
    out["confusion"] = conf
    out["wilson_extra"] = [wilson(k, n, lv) for k, n, lv in [(0, 10, 0.95), (10, 10, 0.95), (3, 7, 0.95), (1, 1, 0.95), (37, 1000, 0.99), (500, 1000, 0.8)]]

    # AUROC: real scores; the same rounded to 1 decimal (heavy ties); reference split.
    a_cur = auroc_case("current", s_cur, y_cur)
    a_ref = auroc_case("reference", s_ref, y_ref)
    a_tie = auroc_case("current_rounded", np.round(s_cur, 1), y_cur)
    out["auroc"] = [a_cur, a_ref, a_tie]
    z = (a_cur["auc_direct"] - a_ref["auc_direct"]) / np.sqrt(a_cur["variance"] + a_ref["variance"])
    out["auroc_compare"] = {"z": float(z), "p_current_lower": float(st.norm.cdf(z)), "p_two_sided": float(2 * st.norm.sf(abs(z)))}

    # Calibration.
    p_extreme = np.r_[s_cur, [0.0, 1.0, 1.0, 0.0]]
    y_extreme = np.r_[y_cur, [True, False, True, False]]
    out["calibration"] = {
        "brier": float(brier_score_loss(y_cur, s_cur)),
        "log_loss": float(log_loss(y_cur, s_cur)),
        "log_loss_extreme": float(log_loss(y_extreme, p_extreme)),
        "extreme_scores": p_extreme.tolist(), "extreme_labels": y_extreme.tolist(),
        "ece10": ece(s_cur, y_cur, 10), "ece15": ece(s_cur, y_cur, 15), "ece1": ece(s_cur, y_cur, 1),
    }

    # Isotonic calibration on the reference split, predictions on the current split and on a grid beyond the range.
    iso = IsotonicRegression(out_of_bounds="clip").fit(s_ref, y_ref.astype(float))
    grid = np.r_[-0.5, np.linspace(0, 1, 41), 1.5]
    calibrated = iso.predict(s_cur)
    out["isotonic"] = {"predict_current": calibrated.tolist(), "grid": grid.tolist(), "predict_grid": iso.predict(grid).tolist()}
    # Weighted isotonic on a small real series (diabetes target vs bmi) to check weights and ties.
    from sklearn.datasets import load_diabetes
    d = load_diabetes()
    bmi = np.round(d.data[:120, 2], 3)
    tgt = d.target[:120]
    w = 1.0 + (np.arange(120) % 3)
    iso_w = IsotonicRegression(out_of_bounds="clip").fit(bmi, tgt, sample_weight=w)
    q = np.linspace(bmi.min() - 0.01, bmi.max() + 0.01, 37)
    out["isotonic_weighted"] = {"x": bmi.tolist(), "y": tgt.tolist(), "w": w.tolist(), "query": q.tolist(), "predict": iso_w.predict(q).tolist()}

    # CBPE on the current split with the reference calibration.
    out["cbpe"] = {"threshold": 0.5, "calibrated": calibrated.tolist(), **cbpe(s_cur, calibrated, 0.5),
                   "calibrated_only": cbpe(calibrated, calibrated, 0.5)}

    # Fairness per group at threshold 0.5 (fairlearn definitions, computed directly).
    groups = {}
    pred = s_cur >= 0.5
    for g in sorted(set(g_cur)):
        m = g_cur == g
        tn, fp, fn, tp = confusion_matrix(y_cur[m], pred[m], labels=[False, True]).ravel()
        groups[g] = {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)}
    tpr = {g: c["tp"] / (c["tp"] + c["fn"]) for g, c in groups.items()}
    fpr = {g: c["fp"] / (c["fp"] + c["tn"]) for g, c in groups.items()}
    sr = {g: (c["tp"] + c["fp"]) / sum(c.values()) for g, c in groups.items()}
    a, b = groups["A"], groups["C"]
    na, nb = sum(a.values()), sum(b.values())
    wa, wb = wilson(a["tp"] + a["fp"], na), wilson(b["tp"] + b["fp"], nb)
    d = wa["value"] - wb["value"]
    newcombe = {"difference": d,
                "lower": d - np.sqrt((wa["value"] - wa["lower"]) ** 2 + (wb["upper"] - wb["value"]) ** 2),
                "upper": d + np.sqrt((wa["upper"] - wa["value"]) ** 2 + (wb["value"] - wb["lower"]) ** 2)}
    out["fairness"] = {
        "threshold": 0.5, "groups": groups,
        "equalized_odds_difference": max(max(tpr.values()) - min(tpr.values()), max(fpr.values()) - min(fpr.values())),
        "demographic_parity_difference": max(sr.values()) - min(sr.values()),
        "disparate_impact_ratio": min(sr.values()) / max(sr.values()),
        "worst_sensitivity_group": min(sorted(tpr), key=lambda g: tpr[g]),
        "newcombe_A_minus_C": newcombe,
    }

    # Siegmund's ARL approximation for a few (h, k, shift), for the RunLength tests.
    def siegmund(h, k, mu):
        b = h + 1.166
        dd = mu - k
        return b * b if abs(dd) < 1e-9 else (np.exp(-2 * dd * b) + 2 * dd * b - 1) / (2 * dd * dd)
    out["siegmund"] = [{"h": h, "k": k, "shift": mu, "arl": float(siegmund(h, k, mu))}
                       for h, k, mu in [(4, 0.5, 0), (5, 0.5, 0), (5, 0.5, 1), (8, 0.25, 0.5), (3, 1, 0)]]

    with open(os.path.join(HERE, "performance_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("AUROC current", a_cur["auc_sklearn"], "reference", a_ref["auc_sklearn"], "groups", groups)


if __name__ == "__main__":
    main()
