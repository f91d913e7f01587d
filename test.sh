#!/usr/bin/env bash
# Every test of the solution: unit (pure rules), grains in an in-process silo on a real SQLite file,
# the HTTP API end to end against the real executable (including restart and kill -9), the web app (dashboard,
# console, ministry page) in headless Chromium driven by Playwright with axe-core from npm (tests/web), a cluster
# of executables on a throwaway PostgreSQL server, and the container image
# built from deploy/Dockerfile and run (alone, and with deploy/compose.yaml). Needs the .NET 10 SDK,
# PostgreSQL's server binaries, Chromium, podman, runc, debootstrap and podman-compose (installed here with
# apt when missing and run as root); packages restore from NuGet, and the OpenAPI linters and client
# generator from npm (tests/contract, pinned by its lock file). `./test.sh --fast` runs only the fast tests
# (unit tests and [Trait("Category","Fast")]): no PostgreSQL, Chromium, podman or npm needed.
set -euo pipefail
cd "$(dirname "$0")"

fast=false
[ "${1:-}" = "--fast" ] && fast=true
filter=()
if $fast; then
    filter=(--filter "FullyQualifiedName~GcmActors.UnitTests|Category=Fast")
fi

# The cluster tests start a throwaway PostgreSQL server, the dashboard tests a headless Chromium and the
# deploy tests podman; install what this machine lacks (Debian packages).
missing=()
if ! $fast; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    # The deploy tests build deploy/Dockerfile with podman (base-image stand-ins come from debootstrap) and
    # bring deploy/compose.yaml up with podman-compose.
    for tool in podman runc debootstrap podman-compose; do
        command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing ${missing[*]} (Debian packages)..."
        for try in 1 2 3; do
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null && break
            [ "$try" = 3 ] && { echo "Could not install ${missing[*]}." >&2; exit 1; }
            sleep 10
        done
    else
        echo "Missing Debian/Ubuntu packages: ${missing[*]}. Install them, then run this again." >&2
        exit 1
    fi
fi

# The webhook tests' receiver runs in node with the npm Standard Webhooks reference library, pinned by its lock file.
command -v npm >/dev/null || { echo "Missing node and npm (the webhook receiver of the tests needs them)." >&2; exit 1; }
(cd tests/webhook-receiver && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

dotnet build GcmActors.sln --nologo -v quiet -clp:ErrorsOnly
# The contract test (OpenAPI linters, generated TypeScript client) runs the tools pinned in tests/contract.
$fast || (cd tests/contract && npm ci --no-audit --no-fund --loglevel=error)
# The web app's browser tests inject axe-core from npm, pinned by tests/web's lock file.
$fast || (cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# Normal verbosity: the fault and benchmark-like tests print their measured figures for passing runs too.
dotnet test GcmActors.sln --no-build --nologo --logger "console;verbosity=normal" "${filter[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line over all test projects (the console logger ends each with "Total tests:" and counts).
awk '/^Total tests:/ { counting = 1; next }
     counting && $1 == "Passed:" { p += $2; next }
     counting && $1 == "Failed:" { f += $2; next }
     counting && $1 == "Skipped:" { s += $2; next }
     counting && $1 == "Total" { counting = 0 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
