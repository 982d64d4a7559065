# shellcheck shell=bash
# netinvite test environment: a private Secret Service keyring and a headless X
# display, for the tests (scripts/test.sh) and demos. Source it, don't run it:
#
#     source scripts/env.sh
#     ni_ensure_packages   # apt/npm installs, only what is missing
#     ni_env_up            # private D-Bus bus + unlocked gnome-keyring + Xvfb
#     ...                  # DBUS_SESSION_BUS_ADDRESS, DISPLAY, ... are exported
#     ni_env_down          # stops all of it, removes the state dir (idempotent)
#
# Nothing here touches the real session bus, the user's keyring or an existing
# X display, and nothing listens on anything but unix sockets. The functions
# return non-zero with a message on stderr on failure; they never change the
# caller's shell options and never call `exit`.

# Repository root (this file lives in <root>/scripts).
NI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Seconds to wait for each daemon before giving up.
: "${NI_ENV_TIMEOUT:=10}"

# Debian packages and the command that shows each one is present.
NI_PACKAGES=(dbus gnome-keyring libsecret-tools xvfb xauth xclip xsel tmux)
declare -gA NI_PACKAGE_CMD=(
    [dbus]=dbus-daemon
    [gnome-keyring]=gnome-keyring-daemon
    [libsecret-tools]=secret-tool
    [xvfb]=Xvfb
    [xauth]=xauth
    [xclip]=xclip
    [xsel]=xsel
    [tmux]=tmux
)

# Variables ni_env_up exports (restored to their old values by ni_env_down).
NI_ENV_VARS=(DBUS_SESSION_BUS_ADDRESS DISPLAY XDG_DATA_HOME XDG_RUNTIME_DIR
    NETINVITE_TEST_ENV NETINVITE_TEST_IDP NI_ENV_STATE)

_ni_say() { printf 'netinvite env: %s\n' "$*" >&2; }

_ni_now_ms() {
    local t
    if [ -n "${EPOCHREALTIME:-}" ]; then
        t=${EPOCHREALTIME/[.,]/}
        echo $((10#$t / 1000))
    else
        t=$(date +%s%N)
        echo $((t / 1000000))
    fi
}

# _ni_stat PID: sets _NI_STATE and _NI_PPID from /proc/PID/stat (no forks).
_ni_stat() {
    local line rest
    _NI_STATE='' _NI_PPID=''
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    rest=${line##*) }
    _NI_STATE=${rest%% *}
    rest=${rest#* }
    _NI_PPID=${rest%% *}
}

# _ni_alive PID: true if PID exists and is not a zombie.
_ni_alive() {
    case ${1:-} in '' | *[!0-9]*) return 1 ;; esac
    if [ -d /proc/self ]; then
        _ni_stat "$1" || return 1
        case $_NI_STATE in Z | X | '') return 1 ;; esac
        return 0
    fi
    kill -0 "$1" 2>/dev/null
}

# _ni_pkg_installed PKG: present when its command is on PATH (dpkg-query for
# packages without a command).
_ni_pkg_installed() {
    local pkg=$1 cmd=${NI_PACKAGE_CMD[$1]:-}
    if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then
        return 0
    fi
    if command -v dpkg-query >/dev/null 2>&1 && [ -z "$cmd" ]; then
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'
        return
    fi
    return 1
}

# _ni_root_cmd CMD...: runs CMD as root (directly, or through sudo).
_ni_root_cmd() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
    else
        _ni_say "need root to run: $* (not root, and sudo is not installed)"
        return 1
    fi
}

# ni_apt_install PKG...: installs Debian packages (apt-get update once per shell),
# as root or through sudo; says what failed and returns 1 on failure.
ni_apt_install() {
    local log rc
    if ! command -v apt-get >/dev/null 2>&1; then
        _ni_say "missing packages: $*; apt-get is not available, install them by hand"
        return 1
    fi
    _ni_say "installing: $*"
    log=$(mktemp)
    if [ -z "${NI_APT_UPDATED:-}" ]; then
        if ! _ni_root_cmd env DEBIAN_FRONTEND=noninteractive apt-get update >"$log" 2>&1; then
            tail -n 20 "$log" >&2
            rm -f "$log"
            _ni_say "apt-get update failed"
            return 1
        fi
        NI_APT_UPDATED=1
    fi
    rc=0
    _ni_root_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "$@" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        _ni_say "apt-get install $* failed (exit $rc)"
        return 1
    fi
    rm -f "$log"
}

# ni_ensure_packages: installs the system packages and the test issuer's npm
# dependencies, each only when missing. Quiet when nothing is missing.
ni_ensure_packages() {
    local missing=() pkg
    for pkg in "${NI_PACKAGES[@]}"; do
        _ni_pkg_installed "$pkg" || missing+=("$pkg")
    done
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    command -v curl >/dev/null 2>&1 || missing+=(curl)

    if [ "${#missing[@]}" -gt 0 ]; then
        ni_apt_install "${missing[@]}" || return 1
        for pkg in "${NI_PACKAGES[@]}"; do
            if ! _ni_pkg_installed "$pkg"; then
                _ni_say "package $pkg still missing after apt-get install"
                return 1
            fi
        done
    fi

    local major
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || major=0
    if [ "${major:-0}" -lt 18 ]; then
        _ni_say "Node.js >= 18 is needed for the test issuer (found: $(node --version 2>/dev/null || echo none))"
        return 1
    fi

    local idp=$NI_ROOT/tests/idp
    if [ ! -d "$idp/node_modules/oidc-provider" ]; then
        local npm_cmd=(npm install)
        [ -f "$idp/package-lock.json" ] && npm_cmd=(npm ci)
        _ni_say "installing npm packages in tests/idp (${npm_cmd[*]})"
        log=$(mktemp)
        rc=0
        (cd "$idp" && "${npm_cmd[@]}" --no-audit --no-fund --loglevel=error) >"$log" 2>&1 || rc=$?
        if [ "$rc" -ne 0 ]; then
            tail -n 20 "$log" >&2
            rm -f "$log"
            _ni_say "${npm_cmd[*]} in tests/idp failed (exit $rc)"
            return 1
        fi
        rm -f "$log"
    fi
    return 0
}

# ni_env_up: starts a private session bus with an unlocked, empty gnome-keyring
# (Secret Service) and an Xvfb display, and exports DBUS_SESSION_BUS_ADDRESS,
# DISPLAY, XDG_DATA_HOME, XDG_RUNTIME_DIR, NETINVITE_TEST_ENV=1,
# NETINVITE_TEST_IDP (path of tests/idp/idp.mjs) and NI_ENV_STATE (state dir).
# A no-op when this shell already has an environment up.
ni_env_up() {
    if [ -n "${NI_ENV_STATE:-}" ] && [ -d "$NI_ENV_STATE" ]; then
        return 0
    fi
    local cmd
    for cmd in dbus-daemon dbus-send gnome-keyring-daemon Xvfb; do
        if ! command -v "$cmd" >/dev/null 2>&1; then
            _ni_say "$cmd not found (run ni_ensure_packages first)"
            return 1
        fi
    done

    # Remember what we override, to restore it on ni_env_down.
    local v
    for v in "${NI_ENV_VARS[@]}"; do
        if [ -n "${!v+x}" ]; then
            printf -v "_NI_SAVED_$v" 'set:%s' "${!v}"
        else
            printf -v "_NI_SAVED_$v" 'unset'
        fi
    done

    # Fresh state dir (short path: it holds the bus socket).
    local base=${TMPDIR:-/tmp} state
    [ "${#base}" -le 60 ] || base=/tmp
    state=$(mktemp -d "$base/ni-env.XXXXXXXX") || { _ni_say "mktemp -d failed"; return 1; }
    mkdir -p "$state/data" "$state/run"
    chmod 700 "$state" "$state/run"
    export NI_ENV_STATE=$state
    export XDG_DATA_HOME=$state/data XDG_RUNTIME_DIR=$state/run

    local deadline out
    deadline=$(($(_ni_now_ms) + NI_ENV_TIMEOUT * 1000))

    # 1. Private session bus on a unix socket in the state dir.
    if ! out=$(timeout "$NI_ENV_TIMEOUT" dbus-daemon --session --fork --nopidfile \
        --address="unix:path=$state/bus" --print-address=1 --print-pid=1 2>"$state/dbus.log"); then
        cat "$state/dbus.log" >&2
        _ni_say "dbus-daemon failed to start"
        ni_env_down
        return 1
    fi
    sed -n 2p <<<"$out" >"$state/dbus.pid"
    export DBUS_SESSION_BUS_ADDRESS
    DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p <<<"$out")

    # 2. gnome-keyring-daemon: --unlock with a fresh XDG_DATA_HOME creates a new
    #    "login" keyring with this password, unlocked, as the default collection.
    #    The password (random, never stored) is read from stdin.
    local pw
    pw=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf %s "$pw" | gnome-keyring-daemon --foreground --unlock --components=secrets \
        >"$state/gkd.log" 2>&1 &
    echo "$!" >"$state/gkd.pid"
    disown "$!" 2>/dev/null || true
    pw=

    # 3. Xvfb picks a free display and writes its number to fd 3 when ready.
    Xvfb -displayfd 3 -nolisten tcp -screen 0 1024x768x24 \
        3>"$state/display" </dev/null >"$state/xvfb.log" 2>&1 &
    echo "$!" >"$state/xvfb.pid"
    disown "$!" 2>/dev/null || true

    # Wait for the keyring on the bus.
    until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
        grep -q 'boolean true'; do
        if ! _ni_alive "$(cat "$state/gkd.pid")"; then
            cat "$state/gkd.log" >&2
            _ni_say "gnome-keyring-daemon exited before owning org.freedesktop.secrets"
            ni_env_down
            return 1
        fi
        if [ "$(_ni_now_ms)" -ge "$deadline" ]; then
            cat "$state/gkd.log" >&2
            _ni_say "org.freedesktop.secrets did not appear on the private bus within ${NI_ENV_TIMEOUT}s"
            ni_env_down
            return 1
        fi
        sleep 0.02
    done

    # Wait for the display number.
    until [ -s "$state/display" ] && grep -q '^[0-9][0-9]*$' "$state/display"; do
        if ! _ni_alive "$(cat "$state/xvfb.pid")"; then
            cat "$state/xvfb.log" >&2
            _ni_say "Xvfb exited before reporting a display"
            ni_env_down
            return 1
        fi
        if [ "$(_ni_now_ms)" -ge "$deadline" ]; then
            cat "$state/xvfb.log" >&2
            _ni_say "Xvfb did not report a display within ${NI_ENV_TIMEOUT}s"
            ni_env_down
            return 1
        fi
        sleep 0.02
    done
    DISPLAY=":$(tr -d '\n' <"$state/display")"
    export DISPLAY

    export NETINVITE_TEST_ENV=1
    export NETINVITE_TEST_IDP=$NI_ROOT/tests/idp/idp.mjs

    # For processes that cannot inherit the environment.
    {
        for v in DBUS_SESSION_BUS_ADDRESS DISPLAY XDG_DATA_HOME XDG_RUNTIME_DIR \
            NETINVITE_TEST_ENV NETINVITE_TEST_IDP NI_ENV_STATE; do
            printf 'export %s=%q\n' "$v" "${!v}"
        done
    } >"$state/env"
    return 0
}

# _ni_kill_wait PID...: SIGTERM, wait up to 3 s, then SIGKILL.
_ni_kill_wait() {
    local p left _
    [ "$#" -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null || true
    for _ in $(seq 150); do
        left=0
        for p in "$@"; do _ni_alive "$p" && left=1; done
        [ "$left" -eq 0 ] && return 0
        sleep 0.02
    done
    kill -KILL "$@" 2>/dev/null || true
}

# _ni_env_strays STATE DISPLAY: PIDs of processes started inside the
# environment (they carry NI_ENV_STATE=STATE), plus xclip/xsel on DISPLAY;
# never this shell or its ancestors.
_ni_env_strays() {
    local state=$1 display=$2 me skip=" " p e comm vars var
    [ -d /proc/self ] || return 0
    me=${BASHPID:-$$}
    p=$me
    while [ -n "$p" ] && [ "$p" != 0 ]; do
        skip+="$p "
        [ "$p" = 1 ] && break
        _ni_stat "$p" || break
        p=$_NI_PPID
    done
    for e in /proc/[0-9]*/environ; do
        p=${e#/proc/}
        p=${p%/environ}
        case $skip in *" $p "*) continue ;; esac
        _ni_stat "$p" || continue
        # Skip our own helpers (children of this scanning shell) and zombies.
        [ "$_NI_PPID" = "$me" ] && continue
        case $_NI_STATE in Z | X) continue ;; esac
        vars=()
        { mapfile -t -d '' vars <"$e"; } 2>/dev/null || continue
        comm=
        { read -r comm <"/proc/$p/comm"; } 2>/dev/null || true
        for var in "${vars[@]}"; do
            if [ "$var" = "NI_ENV_STATE=$state" ]; then
                echo "$p"
                break
            fi
            if [ -n "$display" ] && [ "$var" = "DISPLAY=$display" ]; then
                case $comm in xclip | xsel) echo "$p"; break ;; esac
            fi
        done
    done
}

# ni_env_down: stops everything ni_env_up started (and processes left running
# inside the environment, such as clipboard holders), removes the state dir and
# restores the variables ni_env_up exported. Safe to call more than once.
ni_env_down() {
    local state=${NI_ENV_STATE:-} display="" name p strays=()
    if [ -n "$state" ] && [ -d "$state" ]; then
        [ -s "$state/display" ] && display=":$(tr -d '\n' <"$state/display")"
        # Leftovers started inside the environment (clipboard holders, issuers, ...).
        mapfile -t strays < <(_ni_env_strays "$state" "$display")
        [ "${#strays[@]}" -eq 0 ] || _ni_kill_wait "${strays[@]}"
        for name in xvfb gkd dbus; do
            p=$(cat "$state/$name.pid" 2>/dev/null) || continue
            case $p in '' | *[!0-9]*) continue ;; esac
            _ni_kill_wait "$p"
        done
        rm -rf "$state"
    fi
    # Restore what ni_env_up overrode.
    local v saved
    for v in "${NI_ENV_VARS[@]}"; do
        saved=_NI_SAVED_$v
        [ -n "${!saved+x}" ] || continue
        case ${!saved} in
        set:*) export "$v=${!saved#set:}" ;;
        *) unset "$v" ;;
        esac
        unset "$saved"
    done
    return 0
}
