#!/usr/bin/python3
"""Why subgroup-decay is not detected at volume 1: the labelled positives the detector would have, from the simulator's own output.

Usage: /usr/bin/python3 bench/EndToEnd/subgroup_power.py [SEED] [SUBGROUP] [OUT.json]
  SEED (42), SUBGROUP (ethnicity=asian); writes OUT (bench/EndToEnd/results/subgroup-power.json) and prints a table.
Runs the simulator's file sink (subgroup-decay, 60 days, change on day 10, cxr-triage only, as run_scenarios.sh) and
counts, per label, the subgroup's labelled positives and realised sensitivity in the policy's reference (first N
inferences, N = reference.count of deploy/policies/cxr-triage.yaml), in one 7-day pool after full effect (what
performance.poolWindows = 7 daily windows hold) and in 21 days after full effect, with the one-sided two-proportion
z of the drop against the reference (the detector's reference comparison, before the multiple-testing correction).
"""
import json, math, os, re, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    seed = sys.argv[1] if len(sys.argv) > 1 else "42"
    subgroup = sys.argv[2] if len(sys.argv) > 2 else "ethnicity=asian"
    out = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "bench", "EndToEnd", "results", "subgroup-power.json")
    attribute, value = subgroup.split("=", 1)
    policy = open(os.path.join(ROOT, "deploy", "policies", "cxr-triage.yaml")).read()
    ref_count = int(re.search(r"^  count: (\d+)", policy, re.M).group(1))
    min_labelled = int(re.search(r"^  minLabelled: (\d+)", policy, re.M).group(1))
    sim = os.path.join(ROOT, "tools", "Simulator", "bin", "Release", "net10.0", "Monitoring.Simulator.dll")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["dotnet", sim, "--scenario", "subgroup-decay", "--subgroup", subgroup, "--days", "60", "--change-day", "10",
                        "--seed", seed, "--models", "cxr-triage", "--sink", "file", "--out", d], check=True, stdout=subprocess.DEVNULL)
        inf = sorted((json.loads(l) for l in open(os.path.join(d, "inferences.ndjson"))), key=lambda r: r["occurredAt"])
        truth = {}
        for line in open(os.path.join(d, "ground-truth.ndjson")):
            g = json.loads(line)
            truth[g["inferenceId"]] = g["labels"]

    def member(r):
        return (r["patient"].get(attribute) if attribute in ("sex", "ethnicity", "ageBand") else r.get(attribute)) == value

    def counts(rows, label):
        pos = tp = 0
        for r in rows:
            if not member(r) or r["inferenceId"] not in truth:
                continue
            if label in truth[r["inferenceId"]]:
                pos += 1
                tp += r["prediction"]["scores"][label] >= r["prediction"]["threshold"]
        return pos, tp

    def z(x1, n1, x0, n0):
        if min(n1, n0) == 0:
            return None
        p = (x1 + x0) / (n1 + n0)
        return round((x0 / n0 - x1 / n1) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0)), 2) if 0 < p < 1 else None

    reference = inf[:ref_count]
    week = [r for r in inf if "2025-01-23" <= r["occurredAt"] < "2025-01-30"]    # full effect from 2025-01-23
    three = [r for r in inf if "2025-01-23" <= r["occurredAt"] < "2025-02-13"]
    rows = []
    for label in ("pleural-effusion", "consolidation", "pneumothorax"):
        rp, rt = counts(reference, label)
        wp, wt = counts(week, label)
        tp_, tt = counts(three, label)
        rows.append({"label": label, "referencePositives": rp, "referenceSensitivity": round(rt / rp, 3) if rp else None,
                     "pool7dPositives": wp, "pool7dSensitivity": round(wt / wp, 3) if wp else None, "z7d": z(wt, wp, rt, rp),
                     "pool21dPositives": tp_, "pool21dSensitivity": round(tt / tp_, 3) if tp_ else None, "z21d": z(tt, tp_, rt, rp)})
    result = {"seed": int(seed), "subgroup": subgroup, "referenceCount": ref_count, "referenceEnds": reference[-1]["occurredAt"],
              "minLabelled": min_labelled, "rows": rows}
    json.dump(result, open(out, "w"), indent=1)
    print(f"subgroup-decay {subgroup}, seed {seed}: reference = first {ref_count} inferences (to {reference[-1]['occurredAt'][:16]}), minLabelled {min_labelled}")
    print("| label | reference positives (sens.) | 7-day pool positives (sens.), z | 21-day pool positives (sens.), z |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['label']} | {r['referencePositives']} ({r['referenceSensitivity']}) | {r['pool7dPositives']} ({r['pool7dSensitivity']}), {r['z7d']} | "
              f"{r['pool21dPositives']} ({r['pool21dSensitivity']}), {r['z21d']} |")


if __name__ == "__main__":
    main()
