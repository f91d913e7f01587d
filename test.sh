#!/usr/bin/env bash
# Every test of the solution: unit (pure rules), grains in an in-process silo on a real SQLite file,
# and the HTTP API end to end against the real executable (including restart and kill -9).
# Needs only the .NET 10 SDK; packages restore from NuGet.
set -euo pipefail
cd "$(dirname "$0")"

dotnet build GcmActors.sln --nologo -v quiet -clp:ErrorsOnly
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test GcmActors.sln --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line over all test projects.
awk '/(Passed|Failed)! +- +Failed:/ {
        gsub(/,/, ""); for (i = 1; i <= NF; i++) {
            if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
