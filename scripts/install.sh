#!/bin/sh
# Installs netinvite from the release archive (built by scripts/package.sh) under a
# prefix: the binary in PREFIX/bin, manual pages in PREFIX/share/man/man1, completions
# where bash, zsh and fish look for them under that prefix, and the README, changelog
# and licences in PREFIX/share/doc/netinvite. --uninstall removes exactly those files.
#
#     ./install.sh [--prefix DIR] [--uninstall]     (default prefix: /usr/local)
#     ./install.sh --prefix ~/.local                (no root needed)
set -eu

usage() {
    sed -n '2,8s/^# \{0,1\}//p' "$0"
}

prefix=/usr/local
action=install
while [ "$#" -gt 0 ]; do
    case $1 in
    --prefix)
        [ "$#" -ge 2 ] || { echo "install.sh: --prefix needs a directory, e.g. --prefix ~/.local" >&2; exit 2; }
        prefix=$2
        shift 2
        ;;
    --prefix=*)
        prefix=${1#--prefix=}
        shift
        ;;
    --uninstall)
        action=uninstall
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "install.sh: unknown argument '$1' (expected --prefix DIR or --uninstall; see --help)" >&2
        exit 2
        ;;
    esac
done
case $prefix in
/*) ;;
*)
    echo "install.sh: the prefix must be an absolute path, got '$prefix'" >&2
    exit 2
    ;;
esac
prefix=${prefix%/}

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
[ -x bin/netinvite ] || { echo "install.sh: bin/netinvite not found next to install.sh in $here; run it from the unpacked archive" >&2; exit 1; }

# Every file as "source destination mode": the archive's bin/ and share/ trees map onto
# the prefix as they are; the docs at the top go to share/doc/netinvite.
files() {
    echo "bin/netinvite bin/netinvite 755"
    find share -type f | LC_ALL=C sort | while read -r f; do echo "$f $f 644"; done
    for f in README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE; do
        echo "$f share/doc/netinvite/$f 644"
    done
}

if [ "$action" = uninstall ]; then
    files | while read -r _src dest _mode; do
        rm -f "$prefix/$dest"
    done
    # Directories that only netinvite used (empty now); never the prefix's shared ones.
    rmdir "$prefix/share/doc/netinvite" 2>/dev/null || true
    echo "removed netinvite from $prefix"
    exit 0
fi

if ! mkdir -p "$prefix/bin" 2>/dev/null || [ ! -w "$prefix/bin" ]; then
    echo "install.sh: cannot write to $prefix/bin; run it as root (sudo ./install.sh) or choose a prefix of yours: ./install.sh --prefix ~/.local" >&2
    exit 1
fi
files | while read -r src dest mode; do
    mkdir -p "$(dirname "$prefix/$dest")"
    # Copy then rename: a running netinvite keeps its old file, nothing sees half a binary.
    cp "$src" "$prefix/$dest.new.$$"
    chmod "$mode" "$prefix/$dest.new.$$"
    mv -f "$prefix/$dest.new.$$" "$prefix/$dest"
done
echo "installed netinvite in $prefix/bin (manual pages, bash, zsh and fish completions under $prefix/share)"

case ":$PATH:" in
*":$prefix/bin:"*) ;;
*) echo "note: $prefix/bin is not on your PATH; add it, e.g. in ~/.profile: PATH=\"$prefix/bin:\$PATH\"" ;;
esac
case $prefix in
/usr | /usr/local) ;;
*) echo "note: for zsh completion add to ~/.zshrc, before compinit: fpath=($prefix/share/zsh/site-functions \$fpath)" ;;
esac
