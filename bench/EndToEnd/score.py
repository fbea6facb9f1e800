#!/usr/bin/python3
"""Scores the DriftDetector's findings of each scenario run against the simulator's manifest, over several seeds.

Usage: /usr/bin/python3 bench/EndToEnd/score.py RESULTS_DIR [scenario-folder ...]
Reads RESULTS_DIR/raw/<scenario-folder>/seed-<N>/{manifest.json, findings.json, run.json, inferences.tsv.gz, state.json.gz?}
written by run_scenarios.sh (every scenario folder under raw/ when none is named); writes RESULTS_DIR/latest.json
(per run and aggregated) and RESULTS_DIR/latest.md (aggregated tables).

Definitions (docs/simulator.md, "Manifest"):
- An expected finding (manifest changes[].expected[]) is matched in its exact scope by a finding with the same model id
  and signal whose scope lies inside the expected scope (expected site = the finding's site or its site=... subgroup;
  every expected subgroup attribute present with the same value) and whose detectedAt (event time) >= the change
  start. "Any scope" relaxes the scope: the same signal in any subgroup (e.g. the whole population) after the start.
- Detection delay = detectedAt - change start, in simulated hours; in events = inferences of the affected model with
  change start <= occurredAt < detectedAt, counted in the store. Min / median / max over the seeds that detected.
- False alarm = a finding whose signal matches no expected finding of its run (any scope), or that opened before the
  change started. Per simulated 30 days over all seeds' simulated days, split into opened before the change (plain
  false alarms: the traffic is still the null scenario's) and opened after it (collateral effects of the change that
  the manifest does not list; explained per signal in the report).
"""
import gzip, json, os, statistics, sys
from collections import Counter, defaultdict
from datetime import datetime, timezone


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")) if s else None


def age_band(age):
    if not age:
        return None
    if "-" in age or "+" in age:
        return age
    try:
        y = int(age.rstrip("YMWDymwd"))
    except ValueError:
        return None
    if not age.upper().endswith("Y"):
        return "0-17"
    return "0-17" if y < 18 else "18-39" if y < 40 else "40-64" if y < 65 else "65+"


def items(path):
    d = json.load(open(path))
    return d if isinstance(d, list) else d.get("items", d.get("findings", []))


def signal(f):
    return f.get("signal") or (f.get("evidence") or {}).get("signal")


def finding_site(f):
    return f.get("site") or (f.get("subgroup") or {}).get("site")


def matches(f, e, change_start, any_scope=False):
    if (f.get("model") or {}).get("id") != e["model"] or signal(f) != e["signal"]:
        return False
    if ts(f["detectedAt"]) < change_start:
        return False
    if any_scope:
        return True
    if e.get("site") and finding_site(f) != e["site"]:
        return False
    sub = f.get("subgroup") or {}
    return all(sub.get(k) == v for k, v in (e.get("subgroup") or {}).items())


def load_inferences(path):
    rows = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            p = line.rstrip("\n").split("\t")
            if len(p) < 9:
                continue
            rows.append((ts(p[1]), p[2]))
    rows.sort()
    return rows


def count(infs, model, start, end):
    return sum(1 for t, m in infs if m == model and start <= t < end)


def scope_text(e):
    parts = ([f"site={e['site']}"] if e.get("site") else []) + [f"{k}={v}" for k, v in (e.get("subgroup") or {}).items()]
    return "&".join(parts) or "*"


def moves(change, sig):
    """Whether the change moves this signal by the simulator's generation rules (docs/simulator.md), although the manifest
    does not list it as an expected finding: a finding there is caused by the change, not noise."""
    t = change.get("type")
    kind = sig.split(":", 1)[0]
    name = sig.split(":")[-1]
    if t == "acquisition-shift":       # firmware update, detector ageing: the features it shifts
        return kind == "feature" and name in (change.get("featureShiftSd") or {})
    if t == "view-mix":                # laterals: lower intensity and contrast, higher exposure and kVp; a new view and protocol,
        # acquired on the site's PA/LL scanner only (so its model-name mix moves too)
        return (kind == "feature" and name in ("meanIntensity", "contrast", "exposureIndex", "kvp")) \
            or sig in ("study:viewPosition", "study:protocol", "study:manufacturerModelName")
    if t == "paediatric-mix":          # children: lower kVp, exposure, intensity, more noise; AP-heavy (mobile units); prevalence x0.5
        return (kind == "feature" and name in ("kvp", "exposureIndex", "meanIntensity", "noiseLevel")) \
            or sig in ("study:viewPosition", "study:protocol", "study:manufacturerModelName") or kind in ("score", "rate")
    if t == "site-onboarding":         # new vendors (every feature), protocol names, modality mix, prevalence x1.4
        return kind in ("feature", "study", "score", "rate", "label")
    if t == "prevalence-shift":
        # an outbreak raises the AP share (+0.15: portable films, i.e. the mobile scanners with their own features, views,
        # protocols, and AUROC 0.03 lower) and the prevalence, under which CBPE (calibration-based) estimates move too
        return kind in ("feature", "study", "score", "rate", "label", "performance", "estimated")
    if t == "subgroup-sensitivity-drop":
        return kind in ("performance", "fairness", "estimated", "reader", "score", "rate")
    return False


def moves_any(manifest, sig):
    return any(moves(c, sig) for c in manifest["changes"])


def score_run(raw, evaluated):
    m = json.load(open(os.path.join(raw, "manifest.json")))
    run = json.load(open(os.path.join(raw, "run.json")))
    findings = items(os.path.join(raw, "findings.json"))
    infs = load_inferences(os.path.join(raw, "inferences.tsv.gz"))
    start, end = ts(m["simulatedStart"]), ts(m["simulatedEnd"])
    days = (end - start).total_seconds() / 86400
    first_change = min([ts(c["start"]) for c in m["changes"]] or [end])
    matched_ids, expected = set(), []
    for c in m["changes"]:
        cs = ts(c["start"])
        for e in c["expected"]:
            hits = sorted((f for f in findings if matches(f, e, cs)), key=lambda f: f["detectedAt"])
            broad = sorted((f for f in findings if matches(f, e, cs, any_scope=True)), key=lambda f: f["detectedAt"])
            matched_ids.update(f["id"] for f in broad)
            monitored = ("no policy for this model" if e["model"] not in evaluated
                         else "yes" if e["signal"] in evaluated[e["model"]] else "not evaluated")
            row = {"change": c["id"], "kind": e["kind"], "signal": e["signal"], "model": e["model"], "scope": scope_text(e),
                   "deadlineHours": e["deadlineHours"], "detectableWithinRun": e["detectableWithinRun"], "monitored": monitored}
            for key, found in (("exact", hits), ("anyScope", broad)):
                if found:
                    f = found[0]
                    dt = ts(f["detectedAt"])
                    row[key] = {"findingId": f["id"], "scope": f.get("scope"), "kind": f.get("kind"),
                                "method": (f.get("evidence") or {}).get("method"), "detectedAt": f["detectedAt"],
                                "delayHours": round((dt - cs).total_seconds() / 3600, 1),
                                "delayInferences": count(infs, e["model"], cs, dt)}
            expected.append(row)
    unexpected = [f for f in findings if f["id"] not in matched_ids or ts(f["detectedAt"]) < first_change]
    return {
        "seed": m.get("seed", run.get("seed")), "simulatedDays": round(days, 2),
        "changeStart": first_change.isoformat() if m["changes"] else None,
        "preChangeDays": round((first_change - start).total_seconds() / 86400, 2),
        "inferences": (m.get("realised") or {}).get("inferences"), "run": run, "findings": len(findings),
        "expected": expected,
        "unexpected": [{"id": f["id"], "signal": signal(f), "scope": f.get("scope"), "kind": f.get("kind"),
                        "detectedAt": f.get("detectedAt"), "beforeChange": ts(f["detectedAt"]) < first_change,
                        "injectedSignal": moves_any(m, signal(f))}
                       for f in unexpected],
    }


def spread(values):
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def aggregate(name, runs):
    by_key = defaultdict(list)
    for r in runs:
        for e in r["expected"]:
            by_key[(e["change"], e["signal"], e["model"], e["scope"])].append(e)
    expected = []
    for (change, sig, model, scope), es in by_key.items():
        exact = [e["exact"] for e in es if "exact" in e]
        broad = [e["anyScope"] for e in es if "anyScope" in e]
        first = exact or broad
        expected.append({
            "change": change, "signal": sig, "model": model, "scope": scope, "monitored": es[0]["monitored"],
            "deadlineHours": spread([e["deadlineHours"] for e in es]),
            "detectableWithinRun": all(e["detectableWithinRun"] for e in es), "seeds": len(es),
            "detectedExact": len(exact), "detectedAnyScope": len(broad),
            "detectedBy": Counter(f"{f['kind']} {f['method'] or ''} @ {f['scope']}".replace("  ", " ") for f in first).most_common(2),
            "delayHours": spread([f["delayHours"] for f in exact]), "delayInferences": spread([f["delayInferences"] for f in exact]),
            "anyScopeDelayHours": spread([f["delayHours"] for f in broad]),
            "anyScopeDelayInferences": spread([f["delayInferences"] for f in broad]),
        })
    days = sum(r["simulatedDays"] for r in runs)
    pre_days = sum(r["preChangeDays"] for r in runs)
    unexpected = [u for r in runs for u in r["unexpected"]]
    before = [u for u in unexpected if u["beforeChange"]]
    after = [u for u in unexpected if not u["beforeChange"]]
    by_signal = defaultdict(list)
    for u in after:
        by_signal[u["signal"]].append(u["scope"])
    return {
        "scenario": name, "seeds": [r["seed"] for r in runs], "simulatedDays": round(days, 2),
        "volume": runs[0]["run"].get("volume"), "magnitude": runs[0]["run"].get("magnitude"),
        "referenceCount": runs[0]["run"].get("referenceCount"), "models": runs[0]["run"].get("models"),
        "findings": sum(r["findings"] for r in runs), "expected": expected,
        "falseAlarms": len(unexpected), "falseAlarmsPer30Days": round(len(unexpected) / days * 30, 2),
        "falseAlarmsBeforeChange": len(before),
        "falseAlarmsBeforeChangePer30Days": round(len(before) / pre_days * 30, 2) if pre_days > 0 else None,
        "preChangeDays": round(pre_days, 2),
        "unexpectedAfterChange": len(after),
        "unexpectedAfterChangeOnInjectedSignal": sum(1 for u in after if u["injectedSignal"]),
        # before the change, or after it on a signal the change does not move: not explained by the injected change
        "unexplained": len(before) + sum(1 for u in after if not u["injectedSignal"]),
        "unexplainedPer30Days": round((len(before) + sum(1 for u in after if not u["injectedSignal"])) / days * 30, 2),
        "unexpectedAfterChangeBySignal": {k: {"count": len(v), "scopes": [s for s, _ in Counter(v).most_common(6)]}
                                          for k, v in sorted(by_signal.items(), key=lambda kv: -len(kv[1]))},
        "unexpectedBeforeChange": [{k: u[k] for k in ("signal", "scope", "kind", "detectedAt")} for u in before],
        "wallSeconds": spread([r["run"].get("wallSeconds") for r in runs if r["run"].get("wallSeconds") is not None]),
        "simulatorSeconds": spread([r["run"].get("simulatorSeconds") for r in runs]),
        "catchUpSeconds": spread([r["run"].get("catchUpSeconds") for r in runs]),
        "eventsPerRun": spread([r["run"].get("eventsSent") for r in runs]),
        "detectorCaughtUp": all(r["run"].get("detectorCaughtUp") for r in runs),
    }


def main():
    out = sys.argv[1]
    root = os.path.join(out, "raw")
    names = sys.argv[2:] or sorted(os.listdir(root))
    runs_by_name = {}
    evaluated = {}  # model id -> signals the detector evaluated (from any saved state.json)
    for name in names:
        folder = os.path.join(root, name)
        seeds = sorted((d for d in os.listdir(folder) if d.startswith("seed-")), key=lambda d: int(d[5:]))
        runs_by_name[name] = [os.path.join(folder, d) for d in seeds if os.path.exists(os.path.join(folder, d, "findings.json"))]
        for raw in runs_by_name[name]:
            p = os.path.join(raw, "state.json.gz")
            if os.path.exists(p):
                st = json.load(gzip.open(p, "rt"))
                evaluated.setdefault(st["deployment"]["model"]["id"], set()).update(r["signal"] for r in st["rows"])
    runs, aggregated = {}, []
    for name, raws in runs_by_name.items():
        if not raws:
            continue
        runs[name] = [score_run(raw, evaluated) for raw in raws]
        aggregated.append(aggregate(name, runs[name]))
    json.dump({"generatedAt": datetime.now(timezone.utc).isoformat(), "scenarios": aggregated, "runs": runs},
              open(os.path.join(out, "latest.json"), "w"), indent=1)
    text = render(aggregated)
    open(os.path.join(out, "latest.md"), "w").write(text)
    print(text)


def fmt(s, digits=1):
    if not s:
        return "–"
    f = (lambda v: f"{v:.{digits}f}") if digits else (lambda v: f"{v:,.0f}")
    return f"{f(s['min'])} / {f(s['median'])} / {f(s['max'])}"


def render(results):
    L = ["### Detection delay per expected finding (min / median / max over the seeds that detected)", "",
         "Exact scope: a finding on the expected signal inside the manifest's scope. Broader scope: the same signal found only in a",
         "broader or other subgroup (e.g. the whole population, or `ageBand=0-17` for `site=site-b&ageBand=0-17`).",
         "Inferences: of the affected model between the change start and the detection.", "",
         "| scenario (seeds) | expected signal (scope) | detected by (first finding) | exact scope: seeds | delay h | delay inferences | broader scope: seeds, delay h | deadline h |",
         "|---|---|---|---:|---:|---:|---|---:|"]
    for r in results:
        head = f"{r['scenario']} ({len(r['seeds'])})"
        if not r["expected"]:
            L.append(f"| {head} | no change injected | – | – | – | – | – | – |")
        for e in r["expected"]:
            by = "; ".join(f"{k} ×{n}" for k, n in e["detectedBy"]) or ("not monitored" if e["monitored"] != "yes" else "–")
            note = "" if e["detectableWithinRun"] else " (manifest: not within run)"
            broad = (f"{e['detectedAnyScope']}/{e['seeds']}, {fmt(e['anyScopeDelayHours'])}" if e["detectedAnyScope"] > e["detectedExact"] else "–")
            L.append(f"| {head} | `{e['signal']}` ({e['scope']}){note} | {by} | {e['detectedExact']}/{e['seeds']} | {fmt(e['delayHours'])} | "
                     f"{fmt(e['delayInferences'], 0)} | {broad} | {fmt(e['deadlineHours'], 0)} |")
    L += ["", "### False alarms", "",
          "False alarm = a finding whose signal matches no expected finding of its run, or opened before the change. Before the change",
          "the traffic is the null scenario's; after it, unmatched findings are mostly effects of the change the manifest does not list",
          "(\"on a signal the change moves\": by the simulator's generation rules). Unexplained = before the change, or on a signal the",
          "change does not move.", "",
          "| scenario | seeds | volume | sim. days (all seeds) | findings | unmatched | per 30 sim. days | before change (per 30 days) | unmatched after change (of which on a signal the change moves) | unexplained per 30 days | wall s per run (min/med/max) | simulator s | detector catch-up s |",
          "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for r in results:
        L.append(f"| {r['scenario']} | {' '.join(map(str, r['seeds']))} | {r['volume']:g} | {r['simulatedDays']:g} | {r['findings']} | {r['falseAlarms']} | "
                 f"{r['falseAlarmsPer30Days']} | {r['falseAlarmsBeforeChange']} ({r['falseAlarmsBeforeChangePer30Days'] if r['falseAlarmsBeforeChangePer30Days'] is not None else '–'}) | "
                 f"{r['unexpectedAfterChange']} ({r['unexpectedAfterChangeOnInjectedSignal']}) | {r['unexplainedPer30Days']} | {fmt(r['wallSeconds'], 0)} | {fmt(r['simulatorSeconds'], 0)} | {fmt(r['catchUpSeconds'], 0)} |")
    L += ["", "### Unmatched findings by signal (count over all seeds; most frequent scopes)", ""]
    for r in results:
        parts = [f"`{k}` ×{v['count']} ({', '.join(v['scopes'][:4])})" for k, v in r["unexpectedAfterChangeBySignal"].items()]
        parts += [f"before change: `{u['signal']}` {u['scope']} {u['detectedAt'][:16]}" for u in r["unexpectedBeforeChange"]]
        if parts:
            L.append(f"- **{r['scenario']}**: " + "; ".join(parts))
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
