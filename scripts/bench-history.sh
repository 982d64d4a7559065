#!/usr/bin/env bash
# `netinvite history` against a stand-in whose audit log holds N entries (default 2,000):
# the number of requests (audit pages and the lookups around them) and the time, for a
# full read (`--since` reaching past the oldest entry) and for the default newest 50.
#
#     scripts/bench-history.sh [ENTRIES] [RUNS]
#
# Builds the release binaries unless BENCH_BIN_DIR names a directory that holds
# `netinvite` and `netinvite-standin` already (e.g. target/debug).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ENTRIES=${1:-2000}
RUNS=${2:-10}

ni_ensure_packages
if [ -n "${BENCH_BIN_DIR:-}" ]; then
  DIR=$(cd "$BENCH_BIN_DIR" && pwd)
else
  echo "building (release)…" >&2
  cargo build --release --quiet -p netinvite -p netinvite-standin
  DIR="$PWD/target/release"
fi
BIN="$DIR/netinvite"

ni_env_up
WORK=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; ni_env_down; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

"$DIR/netinvite-standin" --seed-demo --seed-audit "$ENTRIES" >"$WORK/standin.out" 2>/dev/null &
PID=$!
for _ in $(seq 1 400); do grep -q '^listening on ' "$WORK/standin.out" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/^listening on //p' "$WORK/standin.out")
export NETINVITE_CONFIG_DIR="$WORK/config" NETINVITE_CACHE_DIR="$WORK/cache"
"$BIN" login --server "$URL" >/dev/null 2>&1

# Requests made, from -v (one line per request; never a token).
requests() { "$@" -v 2>&1 >/dev/null | grep -cE 'debug: (GET|POST|DELETE|PATCH) https?://' || true; }
median_ms() {
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
events() { "$@" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

printf '%-44s %8s %8s %10s\n' "command ($ENTRIES audit entries)" events requests "median ms"
for args in "history --since 3650d" "history" "history --action revoked --since 3650d" "history --email person00008@example.com --since 3650d"; do
  # shellcheck disable=SC2086
  printf '%-44s %8s %8s %10s\n' "$args" "$(events "$BIN" $args)" "$(requests "$BIN" $args)" "$(median_ms "$BIN" $args)"
done
