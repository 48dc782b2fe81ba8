#!/usr/bin/env bash
# Runs every test suite of the solution and ends with the totals line CI reads:
#   N passed, N failed, N skipped
# Extra arguments go to `dotnet test` (for example --filter).
set -uo pipefail
cd "$(dirname "$0")/.."

results="$(mktemp -d "${TMPDIR:-/tmp}/bb-test-results.XXXXXX")"
trap 'rm -rf "$results"' EXIT

dotnet test BotBottle.Sidecar.sln -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" \
  | grep -vE '^\s+Passed '
status=${PIPESTATUS[0]}

passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  attr() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(attr total); executed=$(attr executed); p=$(attr passed); f=$(attr failed)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
  # Every skip must say why: print the reasons xunit recorded.
  grep -o '<UnitTestResult [^>]*outcome="NotExecuted"[^>]*>' "$trx" | sed -n 's/.*testName="\([^"]*\)".*/skipped: \1/p'
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # dotnet test failed before or outside any test (build error, crashed host): count it.
  failed=1
  echo "dotnet test exited with $status without a failed test result; counting it as a failure" >&2
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
