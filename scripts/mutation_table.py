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


text = open(doc).read() if os.path.exists(doc) else f"# Quality\n\n{begin}\n{end}\n"
# Rows of sets without a report here (not rerun on this machine) are kept as they were.
previous = [l for l in text.split(begin, 1)[1].split(end, 1)[0].splitlines() if l.startswith("| ") and not l.startswith("| set ")]


def kept(s, per_file):
    return [l for l in previous if (l.startswith(f"| {s} |") or l.startswith(f"| {s} (")) and (l.count("`") >= 2 and "/" in l.split("|")[2]) == per_file]


rows = ["| set | file | mutants | detected | survived | no coverage | score |", "|---|---|---:|---:|---:|---:|---:|"]
summary = ["| set | mutants | detected | survived | no coverage | score | run time | command |", "|---|---:|---:|---:|---:|---:|---:|---|"]
def relative(path):
    """Relative to the repository, wherever the run was (another worktree, a copied report)."""
    return next((path[path.index(f"/{top}/") + 1:] for top in ("services", "libs", "tools") if f"/{top}/" in path), path)


def text_at(source, location):
    lines = source.splitlines(keepends=True)
    s, e = location["start"], location["end"]
    if s["line"] == e["line"]:
        return lines[s["line"] - 1][s["column"] - 1:e["column"] - 1]
    return lines[s["line"] - 1][s["column"] - 1:] + "".join(lines[s["line"]:e["line"] - 1]) + lines[e["line"] - 1][:e["column"] - 1]


def merged(previous, previous_source, rechecked, source):
    """A survivors-only run (MUTATION_SURVIVORS=1) over the spans of a whole run's undetected mutants: each rechecked
    mutant replaces the status of the same mutant of the whole run (same mutator, replacement and original text), and
    the whole run's other mutants keep theirs."""
    status = {}
    for m in rechecked:
        # Only mutants the run tested (inside the spans); the rest of the file is listed as Ignored or CompileError.
        if m["status"] not in ("Killed", "Timeout", "Survived", "NoCoverage"):
            continue
        status.setdefault((m["mutatorName"], m.get("replacement"), text_at(source, m["location"])), []).append(m["status"])
    out = []
    for m in previous:
        k = (m["mutatorName"], m.get("replacement"), text_at(previous_source, m["location"]))
        if m["status"] in ("Survived", "NoCoverage") and status.get(k):
            m = dict(m, status=status[k].pop(0))
        out.append(m)
    return out


def file_rows(set_dir):
    """Each file's mutants from the newest report that mutated it: the set's full run, or a later partial rerun of
    some of its files (MUTATION_FILES), which always covers each file it names whole."""
    reports = glob.glob(os.path.join(set_dir, "**", "mutation-report.json"), recursive=True)
    chosen, sources = {}, {}
    for r in sorted(reports, key=os.path.getmtime):
        survivors_only = os.path.exists(os.path.join(os.path.dirname(os.path.dirname(r)), "survivors"))
        for path, f in json.load(open(r))["files"].items():
            if sum(counts(f["mutants"]).values()) == 0:
                continue
            # Keyed relative to the repository: a rerun from another worktree replaces the file's row, not adds one.
            key = relative(path)
            if survivors_only and key in chosen:
                chosen[key] = merged(chosen[key], sources[key], f["mutants"], f["source"])
            else:
                chosen[key], sources[key] = f["mutants"], f["source"]
    runs = [os.path.dirname(os.path.dirname(r)) for r in reports]
    return chosen, runs


for s in order:
    chosen, runs = file_rows(os.path.join(out_dir, s))
    if not chosen:
        summary += kept(s, False)
        rows += kept(s, True)
        continue
    total_c = {"Killed": 0, "Timeout": 0, "Survived": 0, "NoCoverage": 0}
    for path in sorted(chosen):
        c = counts(chosen[path])
        for k in total_c:
            total_c[k] += c[k]
        pct, detected, total = score(c)
        rows.append(f"| {s} | `{path}` | {total} | {detected} | {c['Survived']} | {c['NoCoverage']} | {pct:.1f} % |")
    pct, detected, total = score(total_c)
    seconds = [int(open(os.path.join(d, "seconds")).read()) for d in runs if os.path.exists(os.path.join(d, "seconds"))]
    took = (f"{seconds[0] // 60} min" if len(seconds) == 1 else f"{sum(seconds) // 60} min in {len(seconds)} runs") if seconds else "?"
    commands = [open(os.path.join(d, "command")).read().strip() for d in sorted(runs) if os.path.exists(os.path.join(d, "command"))]
    command = " then ".join(f"`{c}`" for c in commands) if commands else f"`bash scripts/mutation.sh {s}`"
    whole = os.path.exists(os.path.join(out_dir, s, "reports", "mutation-report.json"))
    # Without a whole-set run the row is the union of file-group runs (each file whole, against every test of the filter).
    label = s if whole else f"{s} ({len(chosen)} file{'s' if len(chosen) != 1 else ''}, from {len(runs)} file-group run{'s' if len(runs) != 1 else ''})"
    summary.append(f"| {label} | {total} | {detected} | {total_c['Survived']} | {total_c['NoCoverage']} | **{pct:.1f} %** | {took} | {command} |")

table = "\n".join(summary) + "\n\n" + "\n".join(rows)
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")
print(table)
