#!/usr/bin/env bash
# Smoke check for the test issuer (tests/idp/idp.mjs), curl only.
#
#   tests/idp/smoke.sh
#
# Starts the issuer on a free loopback port and checks: discovery + JWKS at
# /.well-known/jwks.json (public key only, with the kid), the device flow, the
# authorization code flow with PKCE and a loopback redirect, one refresh (with
# rotation), the ID token header kid and claims, access_denied for the
# netinvite-deny client in both flows, IDP_ID_TTL=5 => exp-iat = 5, and several
# people in turn through IDP_ACCOUNT_FILE with IDP_ADMINS.
# Needs node, curl, openssl and tests/idp/node_modules (npm ci).
# shellcheck disable=SC2016  # bash -c '...' "$arg" is intended
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

fails=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }
check() { # check <description> <command...>
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# JSON field via node (no jq dependency).
jget() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];process.stdout.write(v===undefined?"":typeof v==="string"?v:JSON.stringify(v))})' "$1"; }
# Decode part <n> (0 header, 1 payload) of a JWT.
jwt_part() { node -e 'process.stdout.write(Buffer.from(process.argv[1].split(".")[+process.argv[2]],"base64url").toString())' "$1" "$2"; }

# start_idp <name> [VAR=value...]  -> sets ISS; log in $work/<name>.err
start_idp() {
    local name=$1; shift
    local t0 t1
    t0=$(date +%s%N)
    env "$@" node "$here/idp.mjs" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=("$!")
    local _
    for _ in $(seq 200); do
        grep -q '^listening on ' "$work/$name.out" 2>/dev/null && break
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/$name.err" >&2; echo "issuer $name died" >&2; exit 1; }
        sleep 0.05
    done
    ISS=$(sed -n 's/^listening on //p' "$work/$name.out")
    [ -n "$ISS" ] || { cat "$work/$name.err" >&2; echo "issuer $name did not start within 10 s" >&2; exit 1; }
    t1=$(date +%s%N)
    echo "     issuer $name at $ISS (ready after $(((t1 - t0) / 1000000)) ms)"
}

# device_flow <client> <jarname>: runs device auth + user-code form; prints token response.
device_flow() {
    local client=$1 jar="$work/$2.jar" da dc uc xsrf page
    da=$(curl -sf -X POST "$ISS/device/auth" -d "client_id=$client" -d 'scope=openid email offline_access')
    dc=$(jget device_code <<<"$da"); uc=$(jget user_code <<<"$da")
    local pending
    pending=$(curl -s -X POST "$ISS/token" -d "grant_type=urn:ietf:params:oauth:grant-type:device_code" \
        -d "client_id=$client" -d "device_code=$dc")
    [ "$(jget error <<<"$pending")" = authorization_pending ] || { echo "expected authorization_pending: $pending" >&2; return 1; }
    page=$(curl -sf -c "$jar" -b "$jar" "$ISS/device?user_code=$uc")
    xsrf=$(sed -n 's/.*name="xsrf" value="\([^"]*\)".*/\1/p' <<<"$page" | head -n1)
    curl -sf -L -c "$jar" -b "$jar" "$ISS/device" -d "xsrf=$xsrf" -d "user_code=$uc" -d confirm=yes >"$work/$2.page" || true
    curl -s -X POST "$ISS/token" -d "grant_type=urn:ietf:params:oauth:grant-type:device_code" \
        -d "client_id=$client" -d "device_code=$dc"
}

# code_flow <client> <jarname> <redirect_uri>: follows redirects by hand until the
# loopback redirect; sets CALLBACK (the final Location) and VERIFIER, STATE.
code_flow() {
    local client=$1 jar="$work/$2.jar" redirect=$3 challenge url enc _
    VERIFIER=$(head -c 32 /dev/urandom | b64url)
    challenge=$(printf %s "$VERIFIER" | openssl dgst -sha256 -binary | b64url)
    STATE=$(head -c 12 /dev/urandom | b64url)
    enc=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$redirect")
    url="$ISS/auth?client_id=$client&response_type=code&scope=openid%20email%20offline_access&redirect_uri=$enc&code_challenge=$challenge&code_challenge_method=S256&state=$STATE&nonce=n-$STATE"
    for _ in $(seq 10); do
        url=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$url")
        case $url in "$redirect"*) CALLBACK=$url; return 0 ;; "") return 1 ;; esac
    done
    return 1
}
qparam() { node -e 'process.stdout.write(new URL(process.argv[1]).searchParams.get(process.argv[2])??"")' "$1" "$2"; }

echo "== normal issuer"
start_idp main IDP_PORT=0
check "discovery issuer matches" test "$(curl -sf "$ISS/.well-known/openid-configuration" | jget issuer)" = "$ISS"
check "discovery jwks_uri is /.well-known/jwks.json" \
    test "$(curl -sf "$ISS/.well-known/openid-configuration" | jget jwks_uri)" = "$ISS/.well-known/jwks.json"
jwks=$(curl -sf "$ISS/.well-known/jwks.json")
check "JWKS has kid netinvite-test-1, alg RS256, no private part" \
    node -e 'const k=JSON.parse(process.argv[1]).keys;process.exit(k.length===1&&k[0].kid==="netinvite-test-1"&&k[0].alg==="RS256"&&k[0].use==="sig"&&!("d" in k[0])?0:1)' "$jwks"

# Device flow
t0=$(date +%s%N)
tok=$(device_flow netinvite dev)
t1=$(date +%s%N)
echo "     device flow took $(((t1 - t0) / 1000000)) ms"
check "device flow: success page" grep -q 'Sign-in Success' "$work/dev.page"
check "device flow: access/id/refresh tokens" test -n "$(jget access_token <<<"$tok")" -a -n "$(jget id_token <<<"$tok")" -a -n "$(jget refresh_token <<<"$tok")"
check "device flow: scope" test "$(jget scope <<<"$tok")" = "openid email offline_access"
idt=$(jget id_token <<<"$tok")
check "id_token header alg RS256 kid netinvite-test-1" test "$(jwt_part "$idt" 0)" = '{"alg":"RS256","kid":"netinvite-test-1"}'
claims=$(jwt_part "$idt" 1)
echo "     device id_token claims: $claims"
check "claims sub/email/system_role/aud/iss" node -e 'const c=JSON.parse(process.argv[1]);process.exit(c.sub==="alice"&&c.email==="alice@netinvite.test"&&c.email_verified===true&&c.system_role==="system-admin"&&c.aud==="netinvite"&&c.iss===process.argv[2]&&c.exp-c.iat===300?0:1)' "$claims" "$ISS"
check "userinfo /me" test "$(curl -sf -H "Authorization: Bearer $(jget access_token <<<"$tok")" "$ISS/me" | jget system_role)" = system-admin

# Refresh (rotation)
rt=$(jget refresh_token <<<"$tok")
ref=$(curl -s -X POST "$ISS/token" -d grant_type=refresh_token -d client_id=netinvite -d "refresh_token=$rt")
check "refresh: new access/id token and rotated refresh token" \
    test -n "$(jget access_token <<<"$ref")" -a -n "$(jget id_token <<<"$ref")" -a -n "$(jget refresh_token <<<"$ref")" -a "$(jget refresh_token <<<"$ref")" != "$rt"
check "refresh: id_token kid" test "$(jwt_part "$(jget id_token <<<"$ref")" 0)" = '{"alg":"RS256","kid":"netinvite-test-1"}'

# Code + PKCE, loopback on an arbitrary port
redirect=http://127.0.0.1:53123/callback
t0=$(date +%s%N)
check "code flow: redirected to loopback callback" code_flow netinvite code "$redirect"
code=$(qparam "$CALLBACK" code)
check "code flow: state and iss returned" test "$(qparam "$CALLBACK" state)" = "$STATE" -a "$(qparam "$CALLBACK" iss)" = "$ISS"
ctok=$(curl -s -X POST "$ISS/token" -d grant_type=authorization_code -d client_id=netinvite -d "code=$code" \
    -d "redirect_uri=$redirect" -d "code_verifier=$VERIFIER")
t1=$(date +%s%N)
echo "     code flow took $(((t1 - t0) / 1000000)) ms"
check "code flow: access/id/refresh tokens" test -n "$(jget access_token <<<"$ctok")" -a -n "$(jget id_token <<<"$ctok")" -a -n "$(jget refresh_token <<<"$ctok")"
check "code flow: nonce and kid" node -e 'const [h,p]=process.argv[1].split(".").slice(0,2).map(x=>JSON.parse(Buffer.from(x,"base64url")));process.exit(h.kid==="netinvite-test-1"&&p.nonce===process.argv[2]?0:1)' "$(jget id_token <<<"$ctok")" "n-$STATE"
cref=$(curl -s -X POST "$ISS/token" -d grant_type=refresh_token -d client_id=netinvite -d "refresh_token=$(jget refresh_token <<<"$ctok")")
check "code flow: refresh works" test -n "$(jget id_token <<<"$cref")"
check "code flow: wrong path rejected" bash -c '! curl -s -o /dev/null -w "%{redirect_url}" "$0/auth?client_id=netinvite&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fother&code_challenge=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq&code_challenge_method=S256" | grep -q callback' "$ISS"

# netinvite-other: a different audience
otok=$(device_flow netinvite-other other)
check "netinvite-other: aud netinvite-other" test "$(jwt_part "$(jget id_token <<<"$otok")" 1 | jget aud)" = netinvite-other

# netinvite-deny
dtok=$(device_flow netinvite-deny deny)
check "deny client, device flow: token endpoint says access_denied" test "$(jget error <<<"$dtok")" = access_denied
echo "     deny device token response: $dtok"
check "deny client, code flow: error=access_denied redirect" code_flow netinvite-deny denycode "$redirect"
check "deny client, code flow: error=access_denied, state kept" test "$(qparam "$CALLBACK" error)" = access_denied -a "$(qparam "$CALLBACK" state)" = "$STATE"
echo "     deny redirect: ${CALLBACK%%&state=*}..."

check "request log has no tokens or codes" bash -c '! grep -qE "code=|token=|eyJ" "$0"' "$work/main.err"

echo "== issuer with IDP_ID_TTL=5 IDP_ACCESS_TTL=4 IDP_KID=other-kid IDP_AUTO_LOGIN=bob IDP_SYSTEM_ROLE=user"
start_idp ttl IDP_ID_TTL=5 IDP_ACCESS_TTL=4 IDP_KID=other-kid IDP_AUTO_LOGIN=bob IDP_SYSTEM_ROLE=user
ttok=$(device_flow netinvite ttl)
tclaims=$(jwt_part "$(jget id_token <<<"$ttok")" 1)
echo "     claims: $tclaims"
check "IDP_ID_TTL=5 gives exp-iat=5" node -e 'const c=JSON.parse(process.argv[1]);process.exit(c.exp-c.iat===5?0:1)' "$tclaims"
check "IDP_ACCESS_TTL=4 gives expires_in 4" test "$(jget expires_in <<<"$ttok")" = 4
check "IDP_KID / IDP_AUTO_LOGIN / IDP_SYSTEM_ROLE honoured" node -e 'const c=JSON.parse(process.argv[1]);process.exit(c.sub==="bob"&&c.system_role==="user"&&JSON.parse(Buffer.from(process.argv[2].split(".")[0],"base64url")).kid==="other-kid"?0:1)' "$tclaims" "$(jget id_token <<<"$ttok")"

echo "== several people: IDP_ACCOUNT_FILE, IDP_ADMINS=alice"
printf '  bob\n' >"$work/account"
start_idp team IDP_ACCOUNT_FILE="$work/account" IDP_ADMINS=alice
btok=$(device_flow netinvite teambob)
bclaims=$(jwt_part "$(jget id_token <<<"$btok")" 1)
echo "     bob: $bclaims"
check "account file (trimmed): bob, user, bob@example.com" node -e 'const c=JSON.parse(process.argv[1]);process.exit(c.sub==="bob"&&c.system_role==="user"&&c.email==="bob@example.com"?0:1)' "$bclaims"
echo alice >"$work/account"
atok=$(device_flow netinvite teamalice)
aclaims=$(jwt_part "$(jget id_token <<<"$atok")" 1)
check "account file re-read: alice, system-admin, alice@example.com" node -e 'const c=JSON.parse(process.argv[1]);process.exit(c.sub==="alice"&&c.system_role==="system-admin"&&c.email==="alice@example.com"?0:1)' "$aclaims"
bref=$(curl -s -X POST "$ISS/token" -d grant_type=refresh_token -d client_id=netinvite -d "refresh_token=$(jget refresh_token <<<"$btok")")
check "bob's refresh stays bob's" test "$(jwt_part "$(jget id_token <<<"$bref")" 1 | jget sub)" = bob
rm "$work/account"
ftok=$(device_flow netinvite teamfallback)
check "no account file: IDP_AUTO_LOGIN (alice)" test "$(jwt_part "$(jget id_token <<<"$ftok")" 1 | jget sub)" = alice

echo "== SIGTERM stops the issuer at once"
t0=$(date +%s%N)
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
t1=$(date +%s%N)
check "issuer exited after SIGTERM ($(((t1 - t0) / 1000000)) ms)" bash -c '! kill -0 "$0" 2>/dev/null' "${pids[0]}"

if [ "$fails" -eq 0 ]; then echo "smoke: all checks passed"; else echo "smoke: $fails check(s) failed"; exit 1; fi
