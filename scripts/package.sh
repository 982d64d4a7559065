#!/usr/bin/env bash
# Builds the release packages into target/dist/:
#
#   netinvite_<version>-1_<arch>.deb                    (cargo-deb, [package.metadata.deb])
#   netinvite-<version>-<rust host triple>.tar.gz       (binary, man pages, completions,
#                                                        docs, licences, install.sh)
#   SHA256SUMS                                          (both)
#
# Both carry the same binary: the release profile (fat LTO), built once with cargo,
# packed by cargo-deb and taken out of the .deb for the archive. Installs cargo-deb first when it is missing
# (`cargo install cargo-deb --locked`, about a minute on 2 cores). Works from any
# directory. scripts/check-package.sh checks what this produces.
#
#     scripts/package.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf 'package.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# The cargo-deb release line this packaging was written for (its [package.metadata.deb]
# keys and the gzipping of man pages); pinned so that every machine builds the same way.
CARGO_DEB_VERSION=3.8.0

for cmd in cargo dpkg-deb gzip sha256sum tar rustc; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is needed and not installed (on Debian: apt-get install dpkg gzip coreutils tar; Rust from rustup)"
done

have=$(cargo deb --version 2>/dev/null | sed -n 's/^cargo-deb //p') || have=
if [ "$have" != "$CARGO_DEB_VERSION" ]; then
    say "installing cargo-deb $CARGO_DEB_VERSION (found: ${have:-none}); about a minute"
    cargo install cargo-deb --version "=$CARGO_DEB_VERSION" --locked --quiet ||
        die "cargo install cargo-deb failed; install it by hand: cargo install cargo-deb --version =$CARGO_DEB_VERSION --locked"
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || die "no version = \"...\" line in Cargo.toml"
triple=$(rustc -vV | sed -n 's/^host: //p')
[ -n "$triple" ] || die "rustc -vV printed no host triple"
# Reproducible packages: file times from the last commit, not from this build. Given to
# cargo-deb and tar only: a build script (ring's) tracks SOURCE_DATE_EPOCH, so a compile
# that saw it would redo the whole release build after every commit.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

dist=$root/target/dist
stage=$root/target/deb-stage
rm -rf "$dist" "$stage"
mkdir -p "$dist" "$stage"

# Debian's copyright file in the machine-readable format (DEP-5), with both licence
# texts in full; paragraph breaks are " ." lines, every text line is indented by one.
indent() { sed -e 's/^[[:space:]]*$/./' -e 's/^/ /' "$1"; }
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: netinvite"
    echo
    echo "Files: *"
    echo "Copyright: 2026 The netinvite developers"
    echo "License: MIT or Apache-2.0"
    echo
    echo "License: MIT"
    indent LICENSE-MIT
    echo
    echo "License: Apache-2.0"
    indent LICENSE-APACHE
} >"$stage/copyright"

say "building the release (fat LTO)"
env -u SOURCE_DATE_EPOCH cargo build --release --locked -p netinvite --bin netinvite
say "packing the .deb with cargo-deb"
SOURCE_DATE_EPOCH=$epoch cargo deb -p netinvite --locked --no-build --output "$dist/" >&2
deb=$(find "$dist" -maxdepth 1 -name "netinvite_${version}-*.deb" -print)
[ -n "$deb" ] && [ "$(printf '%s\n' "$deb" | wc -l)" -eq 1 ] ||
    die "expected one netinvite_${version}-*.deb in $dist, found: ${deb:-none}"

# The archive: one directory laid out like the prefix it installs into, plus the docs
# at the top for reading before installing.
name=netinvite-$version-$triple
tree=$stage/$name
mkdir -p "$tree/bin" "$tree/share/man/man1" "$tree/share/bash-completion/completions" \
    "$tree/share/zsh/site-functions" "$tree/share/fish/vendor_completions.d"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/netinvite >"$tree/bin/netinvite"
chmod 755 "$tree/bin/netinvite"
for page in docs/man/*.1; do
    gzip -9n <"$page" >"$tree/share/man/man1/${page##*/}.gz"
done
install -m644 completions/netinvite.bash "$tree/share/bash-completion/completions/netinvite"
install -m644 completions/_netinvite "$tree/share/zsh/site-functions/_netinvite"
install -m644 completions/netinvite.fish "$tree/share/fish/vendor_completions.d/netinvite.fish"
install -m644 README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$tree/"
install -m755 scripts/install.sh "$tree/install.sh"
chmod -R u=rwX,go=rX "$tree"
tarball=$dist/$name.tar.gz
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$epoch" -cf - "$name" | gzip -9n >"$tarball"

(cd "$dist" && sha256sum -- "${deb##*/}" "${tarball##*/}" >SHA256SUMS)

say "done:"
(cd "$dist" && ls -l -- "${deb##*/}" "${tarball##*/}" SHA256SUMS) >&2
