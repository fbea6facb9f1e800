#!/usr/bin/env bash
# Runs every test (unit and integration) against the real PostgreSQL and RabbitMQ, bringing the stack up
# first. Prints as its last line: tests: N passed, N failed, N skipped. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
# The stack, and what the other real-component tests start (as .ci/run installs): a real SMTP server, headless Chromium
# for the console, Prometheus for every dashboard query; each installed from Debian's packages when missing.
bash scripts/stack-up.sh mail browser prometheus || exit 1
results=.local/test-results
rm -rf "$results"; mkdir -p "$results"
dotnet build Monitoring.sln -c Release -nologo -v q 2>&1 | grep -E "error|Warn|Elapsed" || true
dotnet test Monitoring.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
status=$?
python3 - "$results" "$status" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    passed += int(c.get("passed", 0)); skipped += int(c.get("notExecuted", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
if failed == 0 and sys.argv[2] != "0":
    failed = 1  # a test host crashed or the build failed: never report green
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
