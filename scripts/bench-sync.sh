#!/usr/bin/env bash
# Benchmark of `netinvite sync`: a team file of N people (default 1000) against the
# stand-in with the real backend's list cost switched on (1400 µs per returned row plus
# 1500 µs per list request, as measured, docs/performance.md). Measures the first apply
# (N invites) and the no-op re-run: round trips (counted from -v), wall time and peak
# RSS (/usr/bin/time), next to the time of the two listings the re-run needs (curl, one
# connection each), and checks that the re-run takes at most 1.2 × those listings.
# Usage: scripts/bench-sync.sh [PEOPLE] [RUNS]   (default 1000 people, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
PEOPLE=${1:-1000}
RUNS=${2:-3}
ROW_US=1400 BASE_US=1500

ni_ensure_packages
need=()
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
[ -x /usr/bin/time ] || need+=(time)
[ ${#need[@]} -eq 0 ] || ni_apt_install "${need[@]}"
echo "building (release)…" >&2
cargo build --release --quiet -p netinvite -p netinvite-standin
BIN="$PWD/target/release/netinvite"
STANDIN="$PWD/target/release/netinvite-standin"

ni_env_up
WORK=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; ni_env_down; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# A fresh server for each run (dev-token mode: the caller is a system admin, who may
# list members), so that every first apply invites all N.
start_server() {
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
  "$STANDIN" --seed-demo --row-cost-us "$ROW_US" --list-base-us "$BASE_US" >"$WORK/s.out" 2>/dev/null &
  PID=$!
  for _ in $(seq 1 200); do grep -q '^listening on ' "$WORK/s.out" 2>/dev/null && break; sleep 0.05; done
  URL=$(sed -n 's/^listening on //p' "$WORK/s.out")
  export NETINVITE_CONFIG_DIR="$WORK/config-$RANDOM" NETINVITE_CACHE_DIR="$WORK/cache-$RANDOM"
  "$BIN" -q login --server "$URL"
  NET=$("$BIN" networks --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  printf 'Authorization: Bearer %s\n' "$("$BIN" auth token)" >"$WORK/h"
  chmod 600 "$WORK/h"
}

python3 - "$PEOPLE" >"$WORK/team.csv" <<'PY'
import sys
print("email,role,can_manage_nodes")
for i in range(int(sys.argv[1])):
    print(f"person{i}@example.com,member,{'true' if i % 3 == 0 else ''}")
PY

median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.0f}")' "$@"; }
# Requests of a -v run: one `debug: METHOD url → status` line each.
trips() { grep -cE 'debug: (GET|POST|PATCH|DELETE) ' "$1" || true; }

# /usr/bin/time -v into $WORK/t.err; the wall time in ms and the peak RSS in KB.
timed() {
  local t; t=$(ms)
  /usr/bin/time -v -o "$WORK/t.err" "$@"
  WALL=$(( $(ms) - t ))
  RSS=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$WORK/t.err")
}

echo "machine: $(nproc) cores, $(uname -r); $("$BIN" --version); $PEOPLE people, $RUNS runs; list cost ${ROW_US} µs/row + ${BASE_US} µs"
declare -a FIRST FIRST_RSS FIRST_TRIPS RERUN RERUN_RSS RERUN_TRIPS LISTINGS
for r in $(seq 1 "$RUNS"); do
  start_server
  "$BIN" list --json >/dev/null  # warm the keyring's fast copy, as a signed-in user has
  timed "$BIN" -v sync "$WORK/team.csv" --network "$NET" --yes --json >"$WORK/first.ndjson" 2>"$WORK/first.err"
  FIRST+=("$WALL"); FIRST_RSS+=("$RSS"); FIRST_TRIPS+=("$(trips "$WORK/first.err")")
  done_n=$(grep -c '"status":"done"' "$WORK/first.ndjson" || true)
  [ "$done_n" -eq "$PEOPLE" ] || { echo "run $r: only $done_n of $PEOPLE invited" >&2; tail -5 "$WORK/first.err" >&2; exit 1; }

  timed "$BIN" -v sync "$WORK/team.csv" --network "$NET" --yes --json >"$WORK/re.ndjson" 2>"$WORK/re.err"
  RERUN+=("$WALL"); RERUN_RSS+=("$RSS"); RERUN_TRIPS+=("$(trips "$WORK/re.err")")
  kept=$(grep -c '"action":"keep"' "$WORK/re.ndjson" || true)
  [ "$kept" -eq "$PEOPLE" ] || { echo "re-run $r: only $kept of $PEOPLE kept" >&2; exit 1; }
  grep -qE 'debug: (POST|PATCH|DELETE) ' "$WORK/re.err" && { echo "re-run $r wrote something" >&2; exit 1; }

  # The two listings the re-run needs, as the server answers them (one curl each).
  t=$(ms)
  curl -sf -H "@$WORK/h" "$URL/api/networks/$NET/users" -o /dev/null
  curl -sf -H "@$WORK/h" "$URL/api/invitations?network_id=$NET&status_filter=pending" -o /dev/null
  LISTINGS+=($(( $(ms) - t )))
done
F=$(median "${FIRST[@]}"); R=$(median "${RERUN[@]}"); L=$(median "${LISTINGS[@]}")
echo
echo "| run | round trips | median time | runs (ms) | peak RSS (KB) |"
echo "|---|---|---|---|---|"
echo "| first apply ($PEOPLE invites, --jobs 4) | ${FIRST_TRIPS[0]} | $F ms | ${FIRST[*]} | ${FIRST_RSS[*]} |"
echo "| no-op re-run | ${RERUN_TRIPS[0]} | $R ms | ${RERUN[*]} | ${RERUN_RSS[*]} |"
echo "| the two listings alone (curl) | 2 | $L ms | ${LISTINGS[*]} | - |"
python3 - "$R" "$L" <<'PY'
import sys
r, l = float(sys.argv[1]), float(sys.argv[2])
ratio = r / max(l, 1)
print(f"\nno-op re-run / two listings: {ratio:.2f} (limit 1.20): {'ok' if ratio <= 1.2 else 'TOO SLOW'}")
sys.exit(0 if ratio <= 1.2 else 1)
PY
