#!/usr/bin/env python3
"""Prints the demo's findings, alerts and delivered notifications in a form a person can read.

usage: summarize.py findings < findings.json
       summarize.py alerts < alerts.json
       summarize.py notifications NOTIFICATIONS.ndjson SMTP.log
"""
import json
import sys


def pick(d, *names, default=None):
    for n in names:
        if isinstance(d, dict) and d.get(n) is not None:
            return d[n]
    return default


def items(doc):
    if isinstance(doc, list):
        return doc
    return pick(doc, "items", "findings", "alerts", default=[])


def fmt(x, digits=4):
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return "-" if x is None else str(x)


def findings():
    rows = items(json.load(sys.stdin))
    print(f"   {len(rows)} finding(s)")
    for f in rows[:12]:
        ev = pick(f, "evidence", "latestEvidence", default={}) or {}
        sub = pick(f, "subgroup", default={}) or {}
        subgroup = ", ".join(f"{k}={v}" for k, v in sorted(sub.items())) or "everyone"
        model = pick(f, "model", default={}) or {}
        print(f"   - [{pick(f, 'severity')}] {pick(f, 'kind')} {model.get('id', '')}@{model.get('version', '')}"
              f" site={pick(f, 'site', default='all')} subgroup: {subgroup} ({pick(f, 'status')})")
        print(f"     {pick(f, 'summary', default='')}")
        win = pick(ev, "window", default={}) or {}
        iv = pick(ev, "interval", default=None)
        print(f"     evidence: signal={pick(ev, 'signal')} method={pick(ev, 'method')} statistic={fmt(pick(ev, 'statistic'))}"
              f" p={fmt(pick(ev, 'pValue'))} adjusted p={fmt(pick(ev, 'adjustedPValue'))} effect={fmt(pick(ev, 'effectSize'))}"
              + (f" interval=[{fmt(iv.get('lower'))}, {fmt(iv.get('upper'))}]" if isinstance(iv, dict) else ""))
        print(f"     window: sequences {win.get('firstSequence')}..{win.get('lastSequence')},"
              f" event time {win.get('firstEventTime')} .. {win.get('lastEventTime')};"
              f" n(reference)={pick(ev, 'referenceSize')} n(current)={pick(ev, 'currentSize')} policy v{pick(ev, 'policyVersion')}")
        print(f"     finding id: {pick(f, 'id', 'findingId')}  detected at (event time): {pick(f, 'detectedAt')}")
    if len(rows) > 12:
        print(f"   ... and {len(rows) - 12} more (GET /v1/findings)")


def alerts():
    rows = items(json.load(sys.stdin))
    print(f"   {len(rows)} alert(s)")
    rows = sorted(rows, key=lambda a: (not a.get("clinicalSafety"), -(a.get("escalationLevel") or 0)))
    for a in rows[:10]:
        who = f" acknowledged by {a['acknowledgedBy']}" if a.get("acknowledgedBy") else ""
        print(f"   - [{pick(a, 'severity')}] {pick(a, 'summary', default='')[:150]}")
        print(f"     status={pick(a, 'status')} clinical-safety={a.get('clinicalSafety')} escalation level={a.get('escalationLevel')}"
              f" (policy {((a.get('escalation') or {}).get('policy'))}) notifications sent={a.get('notificationsSent')}"
              f" failed={a.get('notificationsFailed')}{who}; decision due {a.get('decisionDueAt') or '-'}")
        print(f"     id: {a.get('id')}  findings: {', '.join(a.get('findingIds') or []) or '-'}")
    if len(rows) > 10:
        print(f"   ... and {len(rows) - 10} more (GET /alerts)")


def notifications(ndjson, smtp_log):
    try:
        lines = [json.loads(l) for l in open(ndjson, encoding="utf-8") if l.strip()]
    except FileNotFoundError:
        lines = []
    print(f"   {len(lines)} webhook notification(s) received by the stand-in on-call tool")
    for n in lines[:8]:
        body = n.get("body") or {}
        alerts = body.get("alerts") or []
        first = alerts[0] if alerts else {}
        labels = first.get("labels", {})
        print(f"   - {n.get('receivedAt')} {n.get('path')} status={body.get('status')} alerts={len(alerts)}"
              f" alertname={labels.get('alertname')} severity={labels.get('severity')} site={labels.get('site')}")
    try:
        mail = open(smtp_log, encoding="utf-8", errors="replace").read()
    except FileNotFoundError:
        mail = ""
    subjects = [l.split(":", 1)[1].strip() for l in mail.splitlines() if l.lower().startswith("subject:")]
    recipients = [l for l in mail.splitlines() if l.startswith("X-RcptTo:") or l.lower().startswith("to:")]
    print(f"   {len(subjects)} e-mail(s) received by the stand-in SMTP server")
    for s, r in list(zip(subjects, recipients))[:8]:
        print(f"   - {r.strip()}  subject: {s}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "findings":
        findings()
    elif mode == "alerts":
        alerts()
    else:
        notifications(sys.argv[2], sys.argv[3])
