#!/usr/bin/env bash
# Benchmark of bulk onboarding: `netinvite create --from-file` with N rows (default 200)
# against the stand-in, next to the server's own sequential create time (curl sending the
# same N POSTs one after another on one connection, no process start per request); then
# the re-run of the same file (one listing, zero creates), and --jobs 1/2/4/8.
# Usage: scripts/bench-bulk.sh [ROWS] [RUNS]   (default 200 rows, 5 runs each)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
ROWS=${1:-200}
RUNS=${2:-5}

ni_ensure_packages
need=()
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
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

# Milliseconds from bash itself (a python start per reading would cost more than the runs).
ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# A fresh server for each run, so that every run creates all N.
start_server() {
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
  "$STANDIN" --seed-demo >"$WORK/s.out" 2>/dev/null &
  PID=$!
  for _ in $(seq 1 200); do grep -q '^listening on ' "$WORK/s.out" 2>/dev/null && break; sleep 0.05; done
  URL=$(sed -n 's/^listening on //p' "$WORK/s.out")
  export NETINVITE_CONFIG_DIR="$WORK/config-$RANDOM"
  "$BIN" -q login --server "$URL"
  NET=$("$BIN" networks --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  printf 'Authorization: Bearer %s\n' "$("$BIN" auth token)" >"$WORK/h"
  chmod 600 "$WORK/h"
}

python3 - "$ROWS" >"$WORK/team.csv" <<'PY'
import sys
print("email,role")
for i in range(int(sys.argv[1])):
    print(f"person{i}@example.com,member")
PY

# The server's own time: N POSTs in a row on one connection (one curl process).
curl_config() {
  : >"$WORK/curl.cfg"
  for i in $(seq 0 $((ROWS - 1))); do
    [ "$i" -gt 0 ] && echo "next" >>"$WORK/curl.cfg"
    cat >>"$WORK/curl.cfg" <<CFG
url = "$URL/api/invitations"
header = "@$WORK/h"
header = "Content-Type: application/json"
data = "{\"email\":\"person$i@example.com\",\"network_id\":$NET,\"role\":\"member\",\"expires_in_days\":7}"
silent
output = "/dev/null"
write-out = "%{time_total}\\n"
CFG
  done
}

median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.0f}")' "$@"; }

echo "machine: $(nproc) cores, $(uname -r); $("$BIN" --version); $ROWS rows, $RUNS runs each"
declare -a CURL NI RERUN SUM
for r in $(seq 1 "$RUNS"); do
  start_server
  curl_config
  t=$(ms); curl -K "$WORK/curl.cfg" >"$WORK/times"; CURL+=($(( $(ms) - t )))
  SUM+=("$(python3 -c 'import sys; print(round(sum(float(l) for l in open(sys.argv[1])) * 1000))' "$WORK/times")")
  start_server
  "$BIN" list --json >/dev/null  # warm the keyring's fast copy, as a signed-in user has
  t=$(ms); "$BIN" -q create --from-file "$WORK/team.csv" --network "$NET" --json >"$WORK/out.ndjson"; NI+=($(( $(ms) - t )))
  created=$(grep -c '"status":"created"' "$WORK/out.ndjson" || true)
  [ "$created" -eq "$ROWS" ] || { echo "run $r: only $created of $ROWS created" >&2; exit 1; }
  t=$(ms); "$BIN" -q create --from-file "$WORK/team.csv" --network "$NET" --json >"$WORK/re.ndjson"; RERUN+=($(( $(ms) - t )))
  skipped=$(grep -c '"status":"skipped"' "$WORK/re.ndjson" || true)
  [ "$skipped" -eq "$ROWS" ] || { echo "re-run $r: only $skipped of $ROWS skipped" >&2; exit 1; }
done
C=$(median "${CURL[@]}"); N=$(median "${NI[@]}"); R=$(median "${RERUN[@]}"); S=$(median "${SUM[@]}")
echo
echo "| what | median | runs (ms) |"
echo "|---|---|---|"
echo "| curl: $ROWS POSTs in a row, one connection | $C ms | ${CURL[*]} |"
echo "| curl: sum of the $ROWS requests' own times (the server's sequential create time) | $S ms | ${SUM[*]} |"
echo "| netinvite create --from-file ($ROWS rows, --jobs 4, whole process) | $N ms | ${NI[*]} |"
echo "| re-run of the same file (all skipped) | $R ms | ${RERUN[*]} |"
python3 -c "print(f'ratio netinvite / curl wall time: {$N/$C:.2f}; netinvite / server sequential time: {$N/max($S,1):.2f}')"

# Requests of the re-run, counted from -v.
"$BIN" -v create --from-file "$WORK/team.csv" --network "$NET" --json 2>"$WORK/v.err" >/dev/null
echo "re-run requests: $(grep -c 'debug: GET .*/api/invitations' "$WORK/v.err") listing(s), $(grep -c 'debug: POST' "$WORK/v.err") create(s), $(grep -c 'debug: GET .*/api/networks' "$WORK/v.err") network lookup(s)"

echo
echo "| --jobs | median ($ROWS rows) |"
echo "|---|---|"
for j in 1 2 4 8; do
  T=()
  for r in $(seq 1 "$RUNS"); do
    start_server
    "$BIN" list --json >/dev/null
    t=$(ms); "$BIN" -q create --from-file "$WORK/team.csv" --network "$NET" --json --jobs "$j" >/dev/null; T+=($(( $(ms) - t )))
  done
  echo "| $j | $(median "${T[@]}") ms |"
done
