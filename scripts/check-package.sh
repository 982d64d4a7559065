#!/usr/bin/env bash
# Checks the packages scripts/package.sh put in target/dist/, on this machine:
#
#   1. SHA256SUMS matches; the .deb (dpkg-deb -c) and the archive (tar -t) hold exactly
#      the expected files; the .deb's copyright is Debian's machine-readable format with
#      both licence texts; the archive's binary is the .deb's.
#   2. dpkg -i: `netinvite --version`, `man -w netinvite-create`, bash completion loads.
#   3. dpkg -r: nothing of the package is left (every path `dpkg -L` listed is gone,
#      unless another package owns it) and dpkg no longer knows the package.
#   4. The archive's install.sh into a temporary prefix, then --uninstall: same checks.
#
# Needs root (directly or through sudo) for dpkg and for installing man-db when `man`
# is missing. Refuses to run when netinvite is already installed, since it removes it.
#
#     scripts/check-package.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh

say() { printf 'check-package.sh: %s\n' "$*" >&2; }
fail() {
    say "FAILED: $*"
    exit 1
}
ok() { say "ok: $*"; }

dist=$root/target/dist
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
triple=$(rustc -vV | sed -n 's/^host: //p')
deb=$(find "$dist" -maxdepth 1 -name "netinvite_${version}-*.deb" -print 2>/dev/null)
tarball=$dist/netinvite-$version-$triple.tar.gz
[ -n "$deb" ] && [ -f "$tarball" ] ||
    fail "no packages for $version in $dist (expected netinvite_${version}-*.deb and ${tarball##*/}); run scripts/package.sh first"

work=$(mktemp -d)
installed=
cleanup() {
    # A failed check must not leave the package installed on this machine.
    if [ -n "$installed" ]; then
        _ni_root_cmd dpkg -r netinvite >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- 1. contents --------------------------------------------------------------------
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match the files in $dist"
ok "SHA256SUMS"

# What must be in each package, from the repository itself: every page in docs/man/.
pages=()
for page in docs/man/*.1; do pages+=("${page##*/}.gz"); done
[ "${#pages[@]}" -gt 0 ] || fail "no manual pages in docs/man/"

{
    echo ./usr/bin/netinvite
    for p in "${pages[@]}"; do echo "./usr/share/man/man1/$p"; done
    echo ./usr/share/bash-completion/completions/netinvite
    echo ./usr/share/zsh/vendor-completions/_netinvite
    echo ./usr/share/fish/vendor_completions.d/netinvite.fish
    echo ./usr/share/doc/netinvite/README.md
    echo ./usr/share/doc/netinvite/changelog.gz
    echo ./usr/share/doc/netinvite/copyright
} | LC_ALL=C sort >"$work/deb.expected"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | LC_ALL=C sort >"$work/deb.files"
diff -u "$work/deb.expected" "$work/deb.files" >&2 || fail "the .deb's files differ from the expected ones (- expected, + found)"
ok "dpkg-deb -c: ${deb##*/} holds exactly the $(wc -l <"$work/deb.files") expected files"
dpkg-deb -c "$deb" | awk '$6 == "./usr/bin/netinvite" && $1 != "-rwxr-xr-x" {exit 1}' ||
    fail "/usr/bin/netinvite in the .deb is not mode 755"
[ "$(dpkg-deb -f "$deb" Package)" = netinvite ] || fail "the .deb's Package field is not netinvite"
[ "$(dpkg-deb -f "$deb" Version)" = "$version-1" ] || fail "the .deb's Version is not $version-1"

mkdir "$work/deb"
dpkg-deb -x "$deb" "$work/deb"
copyright=$work/deb/usr/share/doc/netinvite/copyright
head -n 1 "$copyright" | grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
    fail "copyright is not in Debian's machine-readable format (no Format: line)"
# Each licence text, taken back out of its "License:" paragraph, is the file verbatim.
for lic in MIT:LICENSE-MIT Apache-2.0:LICENSE-APACHE; do
    awk -v want="License: ${lic%%:*}" '
        $0 == want {on = 1; next}
        on && /^[^ ]/ {on = 0}
        on {sub(/^ /, ""); if ($0 == ".") $0 = ""; print}' "$copyright" |
        sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$work/lic"
    sed -e 's/^[[:space:]]*$//' "${lic#*:}" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$work/lic.want"
    cmp -s "$work/lic" "$work/lic.want" || fail "copyright's ${lic%%:*} text is not ${lic#*:}"
done
grep -qx 'License: MIT or Apache-2.0' "$copyright" || fail "copyright's Files: paragraph does not say MIT or Apache-2.0"
ok "copyright: machine-readable, MIT and Apache-2.0 texts in full"

name=netinvite-$version-$triple
{
    echo "$name/bin/netinvite"
    for p in "${pages[@]}"; do echo "$name/share/man/man1/$p"; done
    echo "$name/share/bash-completion/completions/netinvite"
    echo "$name/share/zsh/site-functions/_netinvite"
    echo "$name/share/fish/vendor_completions.d/netinvite.fish"
    for f in README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE install.sh; do echo "$name/$f"; done
} | LC_ALL=C sort >"$work/tar.expected"
tar -tzf "$tarball" | grep -v '/$' | LC_ALL=C sort >"$work/tar.files"
diff -u "$work/tar.expected" "$work/tar.files" >&2 || fail "the archive's files differ from the expected ones (- expected, + found)"
ok "tar -t: ${tarball##*/} holds exactly the $(wc -l <"$work/tar.files") expected files"
mkdir "$work/tar"
tar -C "$work/tar" -xzf "$tarball"
cmp -s "$work/tar/$name/bin/netinvite" "$work/deb/usr/bin/netinvite" ||
    fail "the archive's bin/netinvite is not the .deb's /usr/bin/netinvite"
ok "the archive's binary is the .deb's"

# --- 2. dpkg -i -----------------------------------------------------------------------
if dpkg-query -W -f='${Status}' netinvite 2>/dev/null | grep -q 'installed'; then
    fail "the netinvite package is already installed here; this check installs and removes it, so remove it first (dpkg -r netinvite)"
fi
[ ! -e /usr/bin/netinvite ] || fail "/usr/bin/netinvite exists and belongs to no package; move it away first (this check would replace and then delete it)"

if ! command -v man >/dev/null 2>&1 || ! command -v mandb >/dev/null 2>&1; then
    say "installing man-db (for man -w)"
    _ni_root_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends man-db >"$work/apt.log" 2>&1 ||
        { tail -n 20 "$work/apt.log" >&2; fail "apt-get install man-db failed"; }
fi

# Container images often tell dpkg to drop manual pages and docs (path-exclude in
# /etc/dpkg/dpkg.cfg.d/). Then dpkg -i would install no man pages and `man -w` would
# fail for a reason that is not the package's. Re-include this package's files for the
# check, on the dpkg command line only (later filters win); the system setting is not
# touched.
dpkg_opts=()
excludes=$(grep -ls '^[[:space:]]*path-exclude[= ]*/usr/share/\(man\|doc\)' /etc/dpkg/dpkg.cfg.d/* /etc/dpkg/dpkg.cfg 2>/dev/null || true)
if [ -n "$excludes" ]; then
    say "dpkg is configured to leave out manual pages or docs ($(echo "$excludes" | tr '\n' ' ')); re-including netinvite's for this check"
    dpkg_opts=(--path-include='/usr/share/man/man1/netinvite*' --path-include='/usr/share/doc/netinvite/*')
fi

installed=1
_ni_root_cmd dpkg "${dpkg_opts[@]}" -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i ${deb##*/} failed"; }
ok "dpkg -i ${deb##*/}"

got=$(/usr/bin/netinvite --version) || fail "/usr/bin/netinvite --version exited non-zero"
[ "$got" = "netinvite $version" ] || fail "netinvite --version printed '$got', expected 'netinvite $version'"
ok "netinvite --version: $got"

got=$(man -w netinvite-create) || fail "man -w netinvite-create found no page"
[ "$got" = /usr/share/man/man1/netinvite-create.1.gz ] ||
    fail "man -w netinvite-create gave '$got', expected /usr/share/man/man1/netinvite-create.1.gz"
man -l "$got" 2>/dev/null | grep -q 'netinvite' || fail "man could not format $got"
ok "man -w netinvite-create: $got"

got=$(bash -c 'source /usr/share/bash-completion/completions/netinvite && complete -p netinvite') ||
    fail "the bash completion script did not load or did not register netinvite"
ok "bash completion: $got"

# Every path dpkg installed, without "/." (the root, which every package lists).
dpkg -L netinvite | grep -vx '/\.' | LC_ALL=C sort >"$work/owned"
while read -r path; do
    [ -e "$path" ] || fail "dpkg -L lists $path, which is not on disk"
done <"$work/owned"

# --- 3. dpkg -r -----------------------------------------------------------------------
_ni_root_cmd dpkg -r netinvite >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -r netinvite failed"; }
installed=
left=()
while read -r path; do
    if [ -e "$path" ] || [ -L "$path" ]; then
        # Shared directories (/usr/share/man/man1, ...) stay when another package owns them.
        dpkg -S "$path" >/dev/null 2>&1 || left+=("$path")
    fi
done <"$work/owned"
[ "${#left[@]}" -eq 0 ] || fail "dpkg -r left behind: ${left[*]}"
status=$(dpkg-query -W -f='${Status}' netinvite 2>/dev/null || true)
case $status in
'' | *not-installed) ;;
*) fail "after dpkg -r, dpkg still records netinvite as '$status' (conffiles left?)" ;;
esac
ok "dpkg -r: none of the $(wc -l <"$work/owned") paths dpkg -L listed is left, and no conffiles"

# --- 4. the archive's install.sh ------------------------------------------------------
prefix=$work/prefix
"$work/tar/$name/install.sh" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log" >&2; fail "install.sh --prefix failed"; }
got=$("$prefix/bin/netinvite" --version) || fail "$prefix/bin/netinvite --version exited non-zero"
[ "$got" = "netinvite $version" ] || fail "the installed archive's --version printed '$got'"
got=$(man -M "$prefix/share/man" -w netinvite-create) || fail "man finds no netinvite-create page under $prefix/share/man"
[ "$got" = "$prefix/share/man/man1/netinvite-create.1.gz" ] || fail "man -w netinvite-create under the prefix gave '$got'"
bash -c "source '$prefix/share/bash-completion/completions/netinvite' && complete -p netinvite" >/dev/null ||
    fail "the archive's bash completion did not load"
for f in share/zsh/site-functions/_netinvite share/fish/vendor_completions.d/netinvite.fish \
    share/doc/netinvite/LICENSE-MIT share/doc/netinvite/LICENSE-APACHE; do
    [ -f "$prefix/$f" ] || fail "install.sh did not install $f"
done
ok "install.sh --prefix: binary, man pages, completions and docs in place"
"$work/tar/$name/install.sh" --prefix "$prefix" --uninstall >/dev/null || fail "install.sh --uninstall failed"
left_files=$(find "$prefix" -type f)
[ -z "$left_files" ] || fail "install.sh --uninstall left: $left_files"
ok "install.sh --uninstall: no file left"

say "all package checks passed"
