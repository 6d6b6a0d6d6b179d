#!/usr/bin/env bash
# Fetches QuickJS's source from Debian's quickjs source package (trixie) through the Debian mirror
# this machine's apt already uses, verifies it by SHA-256 and unpacks it into the given directory.
# apt is pointed at a private sources list and state directory, so the system's configuration
# is read but never changed.
set -euo pipefail

version=$1 sha256=$2 dest=$3
tarball="quickjs_${version}.orig.tar.xz"
work=$(realpath -m "$(dirname "$dest")/quickjs-apt")
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources" "$work/download"

if [ ! -f "$work/download/$tarball" ] || ! echo "$sha256  $work/download/$tarball" | sha256sum -c --status; then
  # PODINIT_DEBIAN_MIRROR serves machines whose apt has no Debian mirror (Ubuntu CI runners).
  mirror=${PODINIT_DEBIAN_MIRROR:-}
  [ -n "$mirror" ] || mirror=$(
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}'
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" {print $2}'; } |
      grep -E '/debian/?$' | head -n 1
  ) || true
  if [ -z "$mirror" ]; then
    echo "fetch-quickjs: no Debian mirror in apt's sources (/etc/apt/sources.list*); set PODINIT_DEBIAN_MIRROR to one" >&2
    exit 1
  fi
  printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" > "$work/sources/trixie-src.sources"
  : > "$work/sources.list"
  apt_opts=(
    -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/sources"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root
  )
  apt-get "${apt_opts[@]}" -qq update
  # No Debian revision: a point release may bring quickjs_${version}-2, whose orig tarball is the
  # same file; the SHA-256 below is what pins the source.
  (cd "$work/download" && apt-get "${apt_opts[@]}" -qq source --download-only quickjs)
  if [ ! -f "$work/download/$tarball" ]; then
    echo "fetch-quickjs: trixie's quickjs source is no longer ${version} (got: $(ls "$work/download" | tr '\n' ' '))" >&2
    exit 1
  fi
  if ! echo "$sha256  $work/download/$tarball" | sha256sum -c --status; then
    echo "fetch-quickjs: $tarball does not match the pinned SHA-256 $sha256" >&2
    rm -f "$work/download/$tarball"
    exit 1
  fi
fi

rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
tar -xJf "$work/download/$tarball" -C "$dest.tmp" --strip-components=1
rm -rf "$dest" && mv "$dest.tmp" "$dest"
