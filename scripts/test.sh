#!/usr/bin/env bash
# Runs every test (unit and integration) against the real PostgreSQL and RabbitMQ, bringing the stack up
# first. Prints as its last line: tests: N passed, N failed, N skipped. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/stack-up.sh || exit 1
# What the other real-component tests start (as .ci/run installs): a real SMTP server (aiosmtpd), headless Chromium for
# the console, Prometheus for every dashboard query. Installed from Debian's packages when missing, as stack-up.sh does
# for PostgreSQL and RabbitMQ, so a fresh machine runs every test rather than skipping or failing on the environment.
need=()
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  echo "[test] installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; } || echo "[test] could not install ${need[*]}; the tests that need them will fail or skip saying why"
fi
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
