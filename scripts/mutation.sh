#!/usr/bin/env bash
# Mutation testing of the pure cores with Stryker.NET (pinned in .config/dotnet-tools.json), one file set at a
# time, each against the test project that tests it, then a per-file score table spliced into docs/quality.md.
# Not run by .ci/run: it builds and tests once per mutant (minutes to hours per set on two cores). Run one set at a
# time: two Stryker runs building the shared test-support projects at once break each other's initial build.
#
#   bash scripts/mutation.sh                     # every set
#   bash scripts/mutation.sh statistics          # one or more of: statistics detector alerts ingest
#   MUTATION_CONCURRENCY=2 bash scripts/mutation.sh ingest
#   MUTATION_FILES='**/Cusum.cs **/Adwin.cs' bash scripts/mutation.sh statistics   # rerun some files of a set
#   MUTATION_SURVIVORS=1 MUTATION_FILES='**/Cusum.cs' bash scripts/mutation.sh statistics  # recheck only their survivors
#   MUTATION_FILTER='FullyQualifiedName~.Unit.AlertEffectsTests|FullyQualifiedName~.Integration.EscalationTests' MUTATION_FILES='**/AlertEffects.cs' \
#     MUTATION_COVERAGE=off bash scripts/mutation.sh alerts   # a file whose I/O code only the integration tests reach
#     (real PostgreSQL); coverage capture off: Stryker's per-test capture hangs the hosted integration tests here, so
#     every filtered test runs against every mutant (keep the filter narrow)
#
# MUTATION_SURVIVORS=1 mutates only the spans of the mutants the newest report of each file left undetected
# (scripts/mutation_spans.py); the table merges the new statuses into that file's last whole run (a mutant once
# detected stays detected: the tests only grew). For the survivors' triage, where a whole rerun would test
# thousands of mutants already killed.
#
# A rerun of some files (after tests were added for their survivors) writes a partial report beside the full one;
# the table takes each file from the newest report that mutated it, so a file's row always comes from one whole run
# of that file against every test of the set's filter.
# Reports land in .local/mutation/<set>/reports/mutation-report.{json,html} (git-ignored); the table in
# docs/quality.md is rebuilt from every report present, so a set not rerun keeps its last row.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.local/mutation
concurrency=${MUTATION_CONCURRENCY:-1}
dotnet tool restore >/dev/null

# Per set: the mutated project, the test project that tests it, the --mutate globs (on the mutated project's
# files; each covers every file of its folder) and the test filter (the fast, I/O-free tests of that code).
declare -A project=( [statistics]=libs/Statistics/Statistics.csproj [detector]=services/DriftDetector/DriftDetector.csproj
                     [alerts]=services/AlertRouter/AlertRouter.csproj [ingest]=services/Ingest/Ingest.csproj )
declare -A tests=( [statistics]=tests/Statistics.Tests [detector]=tests/DriftDetector.Tests
                   [alerts]=tests/AlertRouter.Tests [ingest]=tests/Ingest.Tests )
declare -A mutate=( [statistics]='**/*.cs' [detector]='**/Detection/**/*.cs'
                    [alerts]='**/Alerts/**/*.cs' [ingest]='**/Validation/**/*.cs' )
declare -A filter=( [statistics]='Category!=Simulation'
                    [detector]='FullyQualifiedName!~.Integration.&FullyQualifiedName!~.Golden.&Mutation!=Slow'
                    [alerts]='FullyQualifiedName~.Unit.'
                    [ingest]='FullyQualifiedName~.Unit.' )
order=(statistics detector alerts ingest)
chosen=("$@"); [ ${#chosen[@]} -eq 0 ] && chosen=("${order[@]}")

for set in "${chosen[@]}"; do
  [ -n "${project[$set]:-}" ] || { echo "unknown set '$set' (one of: ${order[*]})" >&2; exit 2; }
  args=(--project "$(basename "${project[$set]}")" --reporter json --reporter html --reporter progress --reporter dots
        --concurrency "$concurrency" --configuration Release --skip-version-check)
  globs=${MUTATION_FILES:-${mutate[$set]}}
  if [ -n "${MUTATION_SURVIVORS:-}" ]; then
    [ -n "${MUTATION_FILES:-}" ] || { echo "MUTATION_SURVIVORS needs MUTATION_FILES" >&2; exit 2; }
    set -f; globs=$(python3 scripts/mutation_spans.py "$out/$set" "$root" $MUTATION_FILES); set +f
    [ -n "$globs" ] || { echo "== $set: no undetected mutant left in $MUTATION_FILES"; continue; }
  fi
  set -f; for p in $globs; do args+=(--mutate "$p"); done; set +f
  test_filter=${MUTATION_FILTER:-${filter[$set]}}
  if [ -n "${MUTATION_FILTER:-}" ] && [ -z "${MUTATION_FILES:-}" ]; then
    echo "MUTATION_FILTER needs MUTATION_FILES (a whole set keeps its own filter)" >&2; exit 2
  fi
  [ -n "$test_filter" ] && args+=(--test-case-filter "$test_filter")
  if [ -n "${MUTATION_FILES:-}" ]; then
    dest=$out/$set/partial-$(date +%s); mkdir -p "$dest"
  else
    dest=$out/$set; rm -rf "$dest"; mkdir -p "$dest"
  fi
  args+=(--output "$dest")
  if [ -n "${MUTATION_COVERAGE:-}" ]; then  # only Stryker's config file takes coverage-analysis
    printf '{ "stryker-config": { "coverage-analysis": "%s" } }\n' "$MUTATION_COVERAGE" > "$dest/stryker-config.json"
    args+=(--config-file "$dest/stryker-config.json")
  fi
  [ -n "${MUTATION_SURVIVORS:-}" ] && touch "$dest/survivors"
  echo "== $set: ${project[$set]} with ${tests[$set]} (${test_filter:-all tests})"
  start=$(date +%s)
  # A failed Stryker run (e.g. its initial build) stops the script: pipefail passes its status through tee and grep.
  (cd "${tests[$set]}" && dotnet stryker "${args[@]}") 2>&1 | tee "$dest/stryker.log" | { grep -E "Killed|Survived|score|Timeout|error" || true; }
  echo "$(( $(date +%s) - start ))" > "$dest/seconds"
  echo "${MUTATION_SURVIVORS:+MUTATION_SURVIVORS=1 }${MUTATION_FILTER:+MUTATION_FILTER='$MUTATION_FILTER' }${MUTATION_COVERAGE:+MUTATION_COVERAGE=$MUTATION_COVERAGE }${MUTATION_FILES:+MUTATION_FILES='$MUTATION_FILES' }MUTATION_CONCURRENCY=$concurrency bash scripts/mutation.sh $set" > "$dest/command"
done

python3 scripts/mutation_table.py "$out" docs/quality.md
