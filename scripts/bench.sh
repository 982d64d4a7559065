#!/usr/bin/env bash
# Benchmark, side by side in one run each (hyperfine):
#  1. a signed-in `netinvite list --json` (token in the keyring) against a bare curl of the
#     same request on the stand-in with 10 and 1,000 invitations; `netinvite --version`;
#     peak RSS; round trips per listing;
#  2. one-invitation commands (show, copy-link, resend, revoke) against a full
#     `list --json` on a realistic server (1,000 invitations: 950 accepted or revoked,
#     50 pending) whose list costs time per returned row like the real backend
#     (api.md 8), with a warm and a cold local index: round trips, bytes, median, ratio;
#  3. 10,000 invitations: `list --json` and the table against curl, peak RSS.
# Usage: scripts/bench.sh [RUNS [REAL_RUNS]]   (defaults 200 and 10)
#        BENCH_ONLY=1|2|3 runs one part.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
RUNS=${1:-200}
REAL_RUNS=${2:-10}
ONLY=${BENCH_ONLY:-}

ni_ensure_packages
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
command -v curl >/dev/null || need+=(curl)
[ ${#need[@]} -eq 0 ] || ni_apt_install "${need[@]}"
echo "building (release)…" >&2
cargo build --release --quiet -p netinvite -p netinvite-standin
BIN="$PWD/target/release/netinvite"
STANDIN="$PWD/target/release/netinvite-standin"

ni_env_up
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; ni_env_down; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

# start_standin NAME ARGS… : starts a stand-in, sets URL.
start_standin() {
  local name=$1; shift
  "$STANDIN" "$@" >"$WORK/$name.out" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 1 400); do grep -q '^listening on ' "$WORK/$name.out" 2>/dev/null && break; sleep 0.05; done
  URL=$(sed -n 's/^listening on //p' "$WORK/$name.out")
}

# trips CMD… : "round trips<TAB>bytes received" of one run, from netinvite's -v lines.
trips() {
  "$@" -v 2>&1 >/dev/null | python3 -c '
import re, sys
n = b = 0
for line in sys.stdin:
    if re.search(r"debug: (GET|POST|DELETE|PUT|PATCH) https?://", line):
        n += 1
        m = re.search(r", (\d+) bytes", line)
        b += int(m.group(1)) if m else 0
print(f"{n}\t{b}")'
}

echo "machine: $(nproc) cores, $(uname -r); $("$BIN" --version); $(curl --version | head -1 | cut -d' ' -f1-2)"
echo
if [ -z "$ONLY" ] || [ "$ONLY" = 1 ]; then
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
fi

# ---------------------------------------------------------------------------------------
# 2. One invitation on a realistic server, list time per returned row as on the real one.
if [ -z "$ONLY" ] || [ "$ONLY" = 2 ]; then
ROW_US=1400 BASE_US=1500
start_standin real --seed-realistic 1000 --row-cost-us "$ROW_US" --list-base-us "$BASE_US"
export NETINVITE_CONFIG_DIR="$WORK/config-real" NETINVITE_CACHE_DIR="$WORK/cache-real"
"$BIN" -q login --server "$URL"
# A seeded pending invitation (the index learns every id from this listing).
ID=$("$BIN" list --status pending --format tsv | head -1 | cut -f1)
NET=$("$BIN" list --status pending --format tsv | head -1 | cut -f4)
"$BIN" list --json >/dev/null
FRESH="$WORK/fresh-id"
NEW="$BIN -q create --network $NET --json --email bench-\$\$-\$(date +%s%N)@example.com | sed -n 's/^  \"id\": \([0-9]*\),/\1/p' >$FRESH"
COLD="rm -f $NETINVITE_CACHE_DIR/index/*.tsv"
echo
echo "## One invitation on a realistic server ($("$BIN" list --format tsv | wc -l) invitations, $("$BIN" list --status pending --format tsv | wc -l) pending; list ${ROW_US} µs/row + ${BASE_US} µs)"
echo
# Shell mode (not -N): the revoke needs a fresh pending id per run, made by --prepare.
hyperfine --warmup 1 --runs "$REAL_RUNS" --style none --export-json "$WORK/real.json" \
  -n "list --json" --prepare true "$BIN list --json" \
  -n "show (warm)" --prepare true "$BIN show $ID" \
  -n "copy-link --print (warm)" --prepare true "$BIN copy-link $ID --print" \
  -n "resend (warm)" --prepare true "$BIN resend $ID" \
  -n "revoke --yes (warm)" --prepare "$NEW" "read -r id <$FRESH; exec $BIN revoke \$id --yes" \
  -n "show (cold)" --prepare "$COLD" "$BIN show $ID" \
  -n "copy-link --print (cold)" --prepare "$COLD" "$BIN copy-link $ID --print" \
  -n "resend (cold)" --prepare "$COLD" "$BIN resend $ID" \
  -n "revoke --yes (cold)" --prepare "$NEW; $COLD" "read -r id <$FRESH; exec $BIN revoke \$id --yes" \
  >/dev/null 2>&1
# Round trips and bytes, one -v run of each.
{
  printf 'list --json\t%s\n' "$(trips "$BIN" list --json)"
  for c in "show $ID" "copy-link $ID --print" "resend $ID"; do
    # shellcheck disable=SC2086
    printf '%s (warm)\t%s\n' "${c%% *}" "$(trips "$BIN" $c)"
    eval "$COLD"
    # shellcheck disable=SC2086
    printf '%s (cold)\t%s\n' "${c%% *}" "$(trips "$BIN" $c)"
  done
  eval "$NEW"; printf 'revoke (warm)\t%s\n' "$(trips "$BIN" revoke "$(cat "$FRESH")" --yes)"
  eval "$NEW"; eval "$COLD"; printf 'revoke (cold)\t%s\n' "$(trips "$BIN" revoke "$(cat "$FRESH")" --yes)"
} >"$WORK/trips.tsv"
python3 - "$WORK/real.json" "$WORK/trips.tsv" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
trips = {}
for line in open(sys.argv[2]):
    name, n, b = line.rstrip("\n").split("\t")
    trips[name] = (int(n), int(b))
def key(name):
    # "copy-link --print (warm)" -> "copy-link (warm)"
    parts = name.split(" ")
    return parts[0] + " " + parts[-1] if parts[-1].startswith("(") else name
base = next(r for r in res if r["command"] == "list --json")["median"]
print("| command | round trips | bytes received | median | vs list --json |")
print("|---|---|---|---|---|")
for r in res:
    n, b = trips.get(key(r["command"]), ("?", "?"))
    b = f"{b:,}" if isinstance(b, int) else b
    print(f"| `{r['command']}` | {n} | {b} | {r['median']*1000:.1f} ms | {r['median']/base*100:.1f} % |")
PY
fi

# ---------------------------------------------------------------------------------------
# 3. Large listings: 10,000 invitations (no per-row cost: what netinvite adds to curl).
if [ -z "$ONLY" ] || [ "$ONLY" = 3 ]; then
start_standin big --seed-invitations 10000
export NETINVITE_CONFIG_DIR="$WORK/config-big" NETINVITE_CACHE_DIR="$WORK/cache-big"
"$BIN" -q login --server "$URL"
printf 'Authorization: Bearer %s\n' "$("$BIN" auth token)" >"$WORK/hbig"
chmod 600 "$WORK/hbig"
"$BIN" list --json >/dev/null   # fills the index, as any earlier use would have
echo
echo "## 10,000 invitations ($(curl -sS -H @"$WORK/hbig" "$URL/api/invitations" | wc -c) bytes)"
echo
hyperfine -N --warmup 3 --runs "$((RUNS / 10 + 10))" --style none --export-json "$WORK/big.json" \
  -n "curl" "curl -sS -o /dev/null -H @$WORK/hbig $URL/api/invitations" \
  -n "list --json" "$BIN list --json" \
  -n "list (table)" "env NETINVITE_FORCE_TTY=1 COLUMNS=160 $BIN list" >/dev/null 2>&1
rss() { for _ in 1 2 3; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | tail -1; }
{
  printf 'curl\t%s\n' "$(rss curl -sS -H @"$WORK/hbig" "$URL/api/invitations")"
  printf 'list --json\t%s\n' "$(rss "$BIN" list --json)"
  printf 'list (table)\t%s\n' "$(rss env NETINVITE_FORCE_TTY=1 COLUMNS=160 "$BIN" list)"
} >"$WORK/rss.tsv"
python3 - "$WORK/big.json" "$WORK/rss.tsv" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
rss = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[2]))
curl = res["curl"]["median"]
print("| command | median | vs curl | beyond curl | peak RSS (max of 3) |")
print("|---|---|---|---|---|")
for name, r in res.items():
    m = r["median"]
    print(f"| `{name}` | {m*1000:.1f} ms | {m/curl:.2f}× | {(m-curl)*1000:+.1f} ms | {int(rss[name])/1024:.1f} MB |")
PY
fi
