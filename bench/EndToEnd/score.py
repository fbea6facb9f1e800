#!/usr/bin/python3
"""Scores the DriftDetector's findings of each scenario run against the simulator's manifest.

Usage: /usr/bin/python3 bench/EndToEnd/score.py RESULTS_DIR [scenario ...]
Reads RESULTS_DIR/raw/<scenario>/{manifest.json, findings.json, run.json, inferences.tsv.gz, state.json?}
written by run_scenarios.sh; writes RESULTS_DIR/latest.json and RESULTS_DIR/latest.md.

Definitions (docs/simulator.md, "Manifest"):
- An expected finding (manifest changes[].expected[]) is matched by a finding with the same model id and signal
  whose scope lies inside the expected scope (expected site = the finding's site or its site=... subgroup; every
  expected subgroup attribute present with the same value) and whose detectedAt (event time) >= the change start.
- Detection delay = detectedAt - change start, in simulated hours; in events = inferences of the affected model
  (and, separately, of the affected scope) with change start <= occurredAt < detectedAt, counted in the store.
- False alarm = a finding that matches no expected finding, or opened before its change started. Reported per
  simulated 30 days over the whole run, and split: opened before the first change (plain false alarms) and
  opened after it without matching (possibly collateral effects of the change, still unexpected).
"""
import gzip, json, os, sys
from datetime import datetime, timedelta

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
    if any_scope:
        return ts(f["detectedAt"]) >= change_start
    if e.get("site") and finding_site(f) != e["site"]:
        return False
    sub = f.get("subgroup") or {}
    if any(sub.get(k) != v for k, v in (e.get("subgroup") or {}).items()):
        return False
    return ts(f["detectedAt"]) >= change_start

def load_inferences(path):
    rows = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            p = line.rstrip("\n").split("\t")
            if len(p) < 9:
                continue
            rows.append({"t": ts(p[1]), "model": p[2], "site": p[3], "manufacturer": p[4], "viewPosition": p[5],
                         "ageBand": age_band(p[6]), "sex": p[7], "ethnicity": p[8]})
    return rows

def count(infs, model, start, end, site=None, subgroup=None):
    n = 0
    for r in infs:
        if r["model"] != model or r["t"] < start or r["t"] >= end:
            continue
        if site and r["site"] != site:
            continue
        if subgroup and any(r.get(k) != v for k, v in subgroup.items()):
            continue
        n += 1
    return n

def scope_text(e):
    parts = ([f"site={e['site']}"] if e.get("site") else []) + [f"{k}={v}" for k, v in (e.get("subgroup") or {}).items()]
    return "&".join(parts) or "*"

def main():
    out = sys.argv[1]
    scenarios = sys.argv[2:] or sorted(os.listdir(os.path.join(out, "raw")))
    evaluated = {}   # model id -> signals the detector evaluated (from any saved state.json)
    for s in os.listdir(os.path.join(out, "raw")):
        p = os.path.join(out, "raw", s, "state.json")
        if os.path.exists(p):
            st = json.load(open(p))
            evaluated.setdefault(st["deployment"]["model"]["id"], set()).update(r["signal"] for r in st["rows"])
    results = []
    for s in scenarios:
        raw = os.path.join(out, "raw", s)
        if not os.path.exists(os.path.join(raw, "findings.json")):
            continue
        m = json.load(open(os.path.join(raw, "manifest.json")))
        run = json.load(open(os.path.join(raw, "run.json")))
        findings = items(os.path.join(raw, "findings.json"))
        infs = load_inferences(os.path.join(raw, "inferences.tsv.gz"))
        start, end = ts(m["simulatedStart"]), ts(m["simulatedEnd"])
        days = (end - start).total_seconds() / 86400
        matched_ids, expected_rows = set(), []
        first_change = min([ts(c["start"]) for c in m["changes"]] or [end])
        for c in m["changes"]:
            cs = ts(c["start"])
            for e in c["expected"]:
                hits = sorted((f for f in findings if matches(f, e, cs)), key=lambda f: f["detectedAt"])
                broad = sorted((f for f in findings if matches(f, e, cs, any_scope=True)), key=lambda f: f["detectedAt"])
                matched_ids.update(f["id"] for f in broad)
                monitored = ("no policy for this model" if e["model"] not in evaluated
                             else "yes" if e["signal"] in evaluated[e["model"]] else "signal not evaluated by the policy")
                row = {"change": c["id"], "kind": e["kind"], "signal": e["signal"], "model": e["model"],
                       "scope": scope_text(e), "deadlineHours": e["deadlineHours"],
                       "detectableWithinRun": e["detectableWithinRun"], "monitored": monitored,
                       "detected": bool(hits), "matchingFindings": len(hits), "matchingFindingsAnyScope": len(broad)}
                if broad:
                    f = broad[0]
                    dt = ts(f["detectedAt"])
                    row.update({"anyScopeFindingId": f["id"], "anyScopeFindingScope": f.get("scope"), "anyScopeKind": f.get("kind"),
                                "anyScopeDetectedAt": f["detectedAt"], "anyScopeDelayHours": round((dt - cs).total_seconds() / 3600, 1),
                                "anyScopeDelayInferencesModel": count(infs, e["model"], cs, dt)})
                if hits:
                    f = hits[0]
                    dt = ts(f["detectedAt"])
                    row.update({"findingId": f["id"], "findingScope": f.get("scope"), "findingKind": f.get("kind"), "detectedAt": f["detectedAt"],
                                "delayHours": round((dt - cs).total_seconds() / 3600, 1),
                                "withinDeadline": (dt - cs).total_seconds() / 3600 <= e["deadlineHours"],
                                "delayInferencesModel": count(infs, e["model"], cs, dt),
                                "delayInferencesScope": count(infs, e["model"], cs, dt, e.get("site"), e.get("subgroup"))})
                expected_rows.append(row)
        unexpected = [f for f in findings if f["id"] not in matched_ids]
        before = [f for f in unexpected if ts(f["detectedAt"]) < first_change]
        after = [f for f in unexpected if ts(f["detectedAt"]) >= first_change]
        pre_days = (first_change - start).total_seconds() / 86400
        results.append({
            "scenario": s, "summary": m.get("summary"), "simulatedDays": round(days, 2),
            "changeStart": first_change.isoformat() if m["changes"] else None,
            "inferences": (m.get("realised") or {}).get("inferences"), "storeHead": run.get("storeHead"),
            "simulatorSeconds": run.get("simulatorSeconds"), "catchUpSeconds": run.get("catchUpSeconds"),
            "detectorCaughtUp": run.get("detectorCaughtUp"), "findings": len(findings),
            "expected": expected_rows,
            "falseAlarms": len(unexpected), "falseAlarmsPer30Days": round(len(unexpected) / days * 30, 2),
            "falseAlarmsBeforeChange": len(before),
            "falseAlarmsBeforeChangePer30Days": round(len(before) / pre_days * 30, 2) if pre_days > 0 else None,
            "unexpectedAfterChange": len(after),
            "unexpectedFindings": [{"id": f["id"], "signal": signal(f), "scope": f.get("scope"), "kind": f.get("kind"),
                                    "detectedAt": f.get("detectedAt"), "status": f.get("status")} for f in unexpected],
        })
    json.dump({"generatedAt": datetime.utcnow().isoformat() + "Z", "scenarios": results}, open(os.path.join(out, "latest.json"), "w"), indent=1)
    open(os.path.join(out, "latest.md"), "w").write(render(results))
    print(render(results))

def render(results):
    L = ["### Detection delay per expected finding", "",
         "Exact scope = a finding on the expected signal inside the expected scope; any scope = the same signal in any subgroup",
         "(e.g. the whole population) opened after the change start. Inferences = of the affected model with change start <= occurredAt < detectedAt",
         "(\"in scope\": of the affected site/subgroup only).", "",
         "| scenario | expected signal (model, scope) | evaluated by policy | detected (exact scope) | delay h | inferences (model / in scope) | finding kind | deadline h | detected (any scope): delay h, inferences, scope |",
         "|---|---|---|---|---:|---:|---|---:|---|"]
    for r in results:
        if not r["expected"]:
            L.append(f"| {r['scenario']} | (no change injected) | – | – | – | – | – | – | – |")
        for e in r["expected"]:
            d = e["detected"]
            broad = (f"{e['anyScopeDelayHours']} h, {e['anyScopeDelayInferencesModel']}, {e['anyScopeFindingScope']} ({e['anyScopeKind']})"
                     if "anyScopeDelayHours" in e else "no")
            L.append(f"| {r['scenario']} | `{e['signal']}` ({e['model']}, {e['scope']}) | {e['monitored']} | "
                     f"{'yes' if d else 'no'}{'' if e['detectableWithinRun'] else ' (manifest: not expected within run)'} | "
                     f"{e.get('delayHours', '–')} | {str(e['delayInferencesModel']) + ' / ' + str(e['delayInferencesScope']) if d else '–'} | "
                     f"{e.get('findingKind') or '–'} | {e['deadlineHours']} | {broad} |")
    L += ["", "### False alarms", "",
          "False alarm = a finding whose signal matches no expected finding of the run (any scope), or opened before the change start.", "",
          "| scenario | sim. days | findings | matched expected | unmatched (false alarms) | per 30 sim. days | before change | before change per 30 days | unmatched after change | detector caught up | simulator s | catch-up s |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for r in results:
        L.append(f"| {r['scenario']} | {r['simulatedDays']} | {r['findings']} | {r['findings'] - r['falseAlarms']} | {r['falseAlarms']} | "
                 f"{r['falseAlarmsPer30Days']} | {r['falseAlarmsBeforeChange']} | {r['falseAlarmsBeforeChangePer30Days'] if r['falseAlarmsBeforeChangePer30Days'] is not None else '–'} | "
                 f"{r['unexpectedAfterChange']} | {r['detectorCaughtUp']} | {r['simulatorSeconds']} | {r['catchUpSeconds']} |")
    L += ["", "### Unmatched findings (signal, scope, opened at)", ""]
    for r in results:
        if r["unexpectedFindings"]:
            L.append(f"- **{r['scenario']}**: " + "; ".join(
                f"`{f['signal']}` {f['scope']} {f['detectedAt'][:16]}" for f in r["unexpectedFindings"][:25])
                + (f"; … {len(r['unexpectedFindings']) - 25} more" if len(r["unexpectedFindings"]) > 25 else ""))
    return "\n".join(L) + "\n"

if __name__ == "__main__":
    main()
