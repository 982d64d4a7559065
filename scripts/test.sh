#!/usr/bin/env bash
# Runs the netinvite test suite against real parts: a private, unlocked
# gnome-keyring (Secret Service) on its own D-Bus session bus, a headless Xvfb
# display for the clipboard, and the local OIDC issuer in tests/idp.
#
#     scripts/test.sh [args for the test runner]
#
# Installs what is missing (apt packages, tests/idp npm packages), starts the
# environment, runs `cargo nextest run --workspace --no-fail-fast [args]` with four
# test threads per core (or `cargo test --workspace [args]` without cargo-nextest),
# stops everything and exits with the test runner's status. Works from any directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh

say() { printf 'test.sh: %s\n' "$*" >&2; }
ms() { _ni_now_ms; }

t=$(ms)
say "checking/installing test dependencies..."
ni_ensure_packages
say "dependencies ready ($(($(ms) - t)) ms)"

# The EXIT trap tears the environment down on every way out. INT/TERM stop the
# test runner (which runs in the background so that they are handled at once),
# then exit with the usual status; anything the runner leaves behind inside the
# environment is stopped by ni_env_down.
runner_pid=
# shellcheck disable=SC2317  # invoked from the traps below
stop_runner() {
    trap - INT TERM
    if [ -n "$runner_pid" ]; then
        say "interrupted, stopping the test runner"
        kill -TERM "$runner_pid" 2>/dev/null || true
        wait "$runner_pid" 2>/dev/null || true
    fi
    exit "$1"
}
trap ni_env_down EXIT
trap 'stop_runner 130' INT
trap 'stop_runner 143' TERM

t=$(ms)
say "starting keyring/display..."
ni_env_up
say "keyring on private bus, display $DISPLAY ($(($(ms) - t)) ms)"

# Most tests spend their time waiting (on servers, timeouts, retries, the keyring), not
# computing: four per core halves the suite's wall time on 2 cores for the same CPU
# time. --test-threads N (or NEXTEST_TEST_THREADS) still decides.
if cargo nextest --version >/dev/null 2>&1; then
    export NEXTEST_TEST_THREADS="${NEXTEST_TEST_THREADS:-$(($(nproc 2>/dev/null || echo 2) * 4))}"
    runner=(cargo nextest run --workspace --no-fail-fast "$@")
else
    runner=(cargo test --workspace "$@")
fi
say "running tests: ${runner[*]}"
"${runner[@]}" <&0 &
runner_pid=$!
status=0
wait "$runner_pid" || status=$?
runner_pid=
say "tests finished (exit $status)"
exit "$status"
