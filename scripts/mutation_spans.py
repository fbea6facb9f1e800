#!/usr/bin/env python3
"""Prints Stryker --mutate patterns that cover only the undetected mutants (Survived, NoCoverage) of the given files,
as the newest report of each file lists them: 'path{start..end}{start..end}' with character spans of the file as it is
now. Used by scripts/mutation.sh with MUTATION_SURVIVORS=1 to recheck survivors after tests were added for them,
without rerunning the whole file (mutation_table.py then merges the new statuses into the file's last whole run).

usage: mutation_spans.py <out_dir>/<set> <repo_root> <glob> [<glob> ...]"""
import glob, json, os, re, sys

set_dir, root, patterns = sys.argv[1], sys.argv[2], sys.argv[3:]


def relative(path):
    return next((path[path.index(f"/{top}/") + 1:] for top in ("services", "libs", "tools") if f"/{top}/" in path), path)


def offsets(text):
    """Start offset of each line (1-based line numbers index this list from 1)."""
    starts, at = [0, 0], 0
    for line in text.splitlines(keepends=True):
        at += len(line)
        starts.append(at)
    return starts


def matches(path, pattern):
    """Stryker's globs: '**/' any folders (none included), '*' within one name."""
    rx = re.escape(pattern if pattern.startswith("**/") else "**/" + pattern)
    rx = rx.replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
    return re.fullmatch(rx, path) is not None


newest = {}
for r in sorted(glob.glob(os.path.join(set_dir, "**", "mutation-report.json"), recursive=True), key=os.path.getmtime):
    for path, f in json.load(open(r))["files"].items():
        if any(m["status"] in ("Killed", "Timeout", "Survived", "NoCoverage") for m in f["mutants"]):
            newest[relative(path)] = f

out = []
for rel, f in sorted(newest.items()):
    if not any(matches(rel, p) for p in patterns):
        continue
    old, now = f["source"], open(os.path.join(root, rel)).read()
    old_lines, now_lines = old.splitlines(), now.splitlines()
    old_at, now_at = offsets(old), offsets(now)
    spans = set()
    for m in f["mutants"]:
        if m["status"] not in ("Survived", "NoCoverage"):
            continue
        s, e = m["location"]["start"], m["location"]["end"]
        # The line may have moved since the report: find the same first line nearest to where it was.
        shift = 0
        if old_lines[s["line"] - 1] != (now_lines[s["line"] - 1] if s["line"] <= len(now_lines) else None):
            same = [i + 1 for i, l in enumerate(now_lines) if l == old_lines[s["line"] - 1]]
            if not same:
                print(f"# {rel}:{s['line']} changed since the report: mutant skipped", file=sys.stderr)
                continue
            shift = min(same, key=lambda n: abs(n - s["line"])) - s["line"]
        start = now_at[s["line"] + shift] + s["column"] - 1
        end = now_at[e["line"] + shift] + e["column"] - 1
        spans.add((start, end))
    if spans:
        out.append(f"**/{os.path.basename(rel)}" + "".join(f"{{{a}..{b}}}" for a, b in sorted(spans)))
print(" ".join(out))
