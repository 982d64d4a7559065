#!/usr/bin/env bash
# Benchmark: a signed-in `netinvite list --json` (token in the keyring) against a bare curl
# of the same request, side by side, on the stand-in with 10 and 1,000 invitations; the
# time of `netinvite --version`; peak RSS; round trips per listing.
# Usage: scripts/bench.sh [RUNS]   (default 200 runs per command)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
RUNS=${1:-200}

ni_ensure_packages
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}…" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
echo "building (release)…" >&2
cargo build --release --quiet -p netinvite -p netinvite-standin
BIN="$PWD/target/release/netinvite"
STANDIN="$PWD/target/release/netinvite-standin"

ni_env_up
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; ni_env_down; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

echo "machine: $(nproc) cores, $(uname -r); $("$BIN" --version); $(curl --version | head -1 | cut -d' ' -f1-2)"
echo
printf '| invitations | netinvite list --json (median) | curl (median) | ratio | bytes | round trips | peak RSS |\n'
printf '|---|---|---|---|---|---|---|\n'
for N in 10 1000; do
  "$STANDIN" --seed-demo --seed-invitations "$N" >"$WORK/s$N.out" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 1 200); do grep -q '^listening on ' "$WORK/s$N.out" 2>/dev/null && break; sleep 0.05; done
  URL=$(sed -n 's/^listening on //p' "$WORK/s$N.out")
  export NETINVITE_CONFIG_DIR="$WORK/config$N"
  "$BIN" -q login --server "$URL"
  printf 'Authorization: Bearer %s\n' "$("$BIN" auth token)" >"$WORK/h$N"
  chmod 600 "$WORK/h$N"
  "$BIN" list --json >/dev/null  # the keyring read that fills the fast copy
  hyperfine -N --warmup 10 --runs "$RUNS" --style none --export-json "$WORK/h$N.json" \
    -n netinvite "$BIN list --json" \
    -n curl "curl -sS -H @$WORK/h$N $URL/api/invitations" >/dev/null 2>&1
  read -r NI CU RATIO < <(python3 - "$WORK/h$N.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ni, cu = r["netinvite"]["median"] * 1000, r["curl"]["median"] * 1000
print(f"{ni:.2f} {cu:.2f} {ni/cu:.2f}")
PY
)
  BYTES=$(curl -sS -H @"$WORK/h$N" "$URL/api/invitations" | wc -c)
  TRIPS=$("$BIN" list --json -v 2>&1 >/dev/null | grep -c 'debug: GET')
  RSS=$(/usr/bin/time -f %M "$BIN" list --json 2>&1 >/dev/null | tail -1)
  printf '| %s | %s ms | %s ms | %s | %s | %s | %s KB |\n' "$N" "$NI" "$CU" "$RATIO" "$BYTES" "$TRIPS" "$RSS"
done

echo
hyperfine -N --warmup 20 --runs "$((RUNS * 2))" --style none --export-json "$WORK/v.json" "$BIN --version" >/dev/null 2>&1
python3 - "$WORK/v.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"netinvite --version: median {r['median']*1000:.2f} ms, mean {r['mean']*1000:.2f} ms (min {r['min']*1000:.2f} ms)")
PY
RSS=$(/usr/bin/time -f %M "$BIN" --version 2>&1 >/dev/null | tail -1)
echo "netinvite --version peak RSS: $RSS KB"

# The keyring read itself: the same listing with the kernel-keyring copy switched off.
export NETINVITE_CONFIG_DIR="$WORK/config10"
hyperfine -N --warmup 5 --runs "$((RUNS / 4 + 1))" --style none --export-json "$WORK/k.json" \
  -n "list --json, Secret Service read every time" "env NETINVITE_KERNEL_CACHE=0 $BIN list --json" >/dev/null 2>&1
python3 - "$WORK/k.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{r['command']}: median {r['median']*1000:.2f} ms (10 invitations)")
PY
