#!/usr/bin/env python3
"""Turns Stryker.NET's JSON reports (.local/mutation/<set>/reports/mutation-report.json) into a per-file score
table and splices it into docs/quality.md between the 'mutation-table' markers.

Score = detected / (detected + undetected), Stryker's own definition: detected = Killed + Timeout,
undetected = Survived + NoCoverage; CompileError and Ignored mutants are not counted. Files without a counted mutant (outside the set's --mutate globs,
which Stryker still lists) are left out of the table."""
import json, os, sys, glob

out_dir, doc = sys.argv[1], sys.argv[2]
order = ["statistics", "detector", "alerts", "ingest"]
begin, end = "<!-- mutation-table:begin -->", "<!-- mutation-table:end -->"


def counts(mutants):
    c = {"Killed": 0, "Timeout": 0, "Survived": 0, "NoCoverage": 0}
    for m in mutants:
        if m["status"] in c:
            c[m["status"]] += 1
    return c


def score(c):
    detected = c["Killed"] + c["Timeout"]
    total = detected + c["Survived"] + c["NoCoverage"]
    return (100.0 * detected / total if total else 100.0), detected, total


rows = ["| set | file | mutants | detected | survived | no coverage | score |", "|---|---|---:|---:|---:|---:|---:|"]
summary = ["| set | mutants | detected | survived | no coverage | score | run time | command |", "|---|---:|---:|---:|---:|---:|---:|---|"]
for s in order:
    reports = glob.glob(os.path.join(out_dir, s, "**", "mutation-report.json"), recursive=True)
    if not reports:
        continue
    report = json.load(open(sorted(reports)[-1]))
    total_c = {"Killed": 0, "Timeout": 0, "Survived": 0, "NoCoverage": 0}
    for path in sorted(report["files"]):
        c = counts(report["files"][path]["mutants"])
        if sum(c.values()) == 0:
            # Outside the set's --mutate globs (Stryker lists every file of the project), or nothing to mutate.
            continue
        for k in total_c:
            total_c[k] += c[k]
        pct, detected, total = score(c)
        name = path.replace(os.path.abspath("."), "").lstrip("/")
        rows.append(f"| {s} | `{name}` | {total} | {detected} | {c['Survived']} | {c['NoCoverage']} | {pct:.1f} % |")
    pct, detected, total = score(total_c)
    seconds_file = os.path.join(out_dir, s, "seconds")
    took = f"{int(open(seconds_file).read()) // 60} min" if os.path.exists(seconds_file) else "?"
    command_file = os.path.join(out_dir, s, "command")
    command = open(command_file).read().strip() if os.path.exists(command_file) else f"bash scripts/mutation.sh {s}"
    summary.append(f"| {s} | {total} | {detected} | {total_c['Survived']} | {total_c['NoCoverage']} | **{pct:.1f} %** | {took} | `{command}` |")

table = "\n".join(summary) + "\n\n" + "\n".join(rows)
text = open(doc).read() if os.path.exists(doc) else f"# Quality\n\n{begin}\n{end}\n"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")
print(table)
