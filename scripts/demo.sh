#!/usr/bin/env bash
# The main job end to end on the local stand-in server, with a real keyring and a real
# clipboard: start the server, sign in, create, list, copy the link, revoke, onboard a
# team from CSV, manage members, read the history and sync a team file.
# Nothing outside this machine is contacted. Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh

say() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }
run() { say "netinvite $*"; "$BIN" "$@"; }

ni_ensure_packages
# The dev profile, and every target the test suite builds as well (--tests): the demo
# then costs no release build (fat LTO, minutes), and scripts/test.sh, run next on a
# fresh machine, finds everything built with the same features and compiles nothing.
echo "building (dev profile, shared with scripts/test.sh)…" >&2
cargo build --quiet --workspace --bins --tests
BIN="$PWD/target/debug/netinvite"

ni_env_up
DEMO=$(mktemp -d)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  ni_env_down
  rm -rf "$DEMO"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export NETINVITE_CONFIG_DIR="$DEMO/config" NETINVITE_CLIPBOARD_SECONDS=30
# The stand-in runs with its embedded OIDC issuer; the demo's "browser" approves the
# device code the way a person would, by posting the approval form.
printf '#!/bin/sh\nexec curl -fsS -o /dev/null -X POST --data approve=yes "$1"\n' >"$DEMO/browser"
chmod +x "$DEMO/browser"
export BROWSER="$DEMO/browser"
"$PWD/target/debug/netinvite-standin" --seed-demo --oidc >"$DEMO/standin.out" 2>"$DEMO/standin.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$DEMO/standin.out" 2>/dev/null && break
  sleep 0.05
done
URL=$(sed -n 's/^listening on //p' "$DEMO/standin.out")
[ -n "$URL" ] || { echo "the stand-in did not start" >&2; cat "$DEMO/standin.log" >&2; exit 1; }
echo "stand-in Nebula Commander API at $URL" >&2

run login --server "$URL" --device
run auth status
run networks
say "netinvite create --email ana@example.com --network lab --role member --can-manage-nodes"
LINK=$("$BIN" create --email ana@example.com --network lab --role member --can-manage-nodes)
echo "$LINK"
run list
run list --status expired
ID=$("$BIN" list --email ana@example.com --jq '.[0].id')
run copy-link "$ID"
say "xclip -o -selection clipboard   # another program reads it after netinvite exited"
xclip -o -selection clipboard; echo
run revoke "$ID" --yes
run list --status revoked
# Onboarding a team from a spreadsheet: validated first, then sent; a re-run skips
# everyone already invited.
cat >"$DEMO/team.csv" <<'CSV'
email,network,role,can_manage_nodes
bo@example.com,lab,member,yes
cy@example.com,lab,owner,no
di@example.com,office,member,no
CSV
run create --from-file "$DEMO/team.csv" --dry-run
run create --from-file "$DEMO/team.csv"
run create --from-file "$DEMO/team.csv"
say "netinvite list --jq '.[] | select(.status==\"expired\") | .id'   # no jq needed"
"$BIN" list --jq '.[] | select(.status=="expired") | .id'
run revoke --status expired --yes
# What accepted invitations turned into: members, their permissions, offboarding (the
# membership and any pending invitation in one step), and who did what.
run members list --network lab
run members set carol@example.com --network lab --can-manage-nodes
run members remove carol@example.com --network lab --yes
run history --limit 8
# A team file (as Excel writes it in many locales, ';'-separated) as the source of truth
# for lab: the plan, the apply, then a drift check that finds nothing left to do.
cat >"$DEMO/lab-team.csv" <<'CSV'
email;role;can_invite_users
owen@example.com;owner;
bob@example.com;member;true
hana@example.com;member;
CSV
run sync "$DEMO/lab-team.csv" --network lab --dry-run
run sync "$DEMO/lab-team.csv" --network lab --yes
run sync "$DEMO/lab-team.csv" --network lab --check
echo >&2
echo "demo finished: every step above ran against $URL" >&2
