#!/usr/bin/env bash
# Builds one pinned cluster component (a folder beside this script) into the cache outside the clone.
# Usage: build.sh COMPONENT-VERSION   (prints the folder holding the binaries)
#
# Each folder is a Go module of its own whose go.mod and go.sum pin one release: one module can
# require only one k8s.io/kubernetes, and a shared module would let minimal version selection mix
# the components' dependencies. The binaries are rebuilt only when go.mod, go.sum or Go change.
set -euo pipefail

name=${1:?usage: build.sh COMPONENT-VERSION}
here=$(cd "$(dirname "$0")" && pwd)
module="$here/$name"
[ -f "$module/go.mod" ] || { echo "build.sh: no pinned component $name (no $module/go.mod)" >&2; exit 2; }
command -v go >/dev/null || { echo "build.sh: Go is needed to build $name (apt-get install golang, or a Go from go.dev)" >&2; exit 2; }

# A pinned module may ask for a newer Go than this one (its go.mod's `go` line): Go 1.21 and later
# then fetch that toolchain from the Go module proxy, unless a distribution's go.env forbids it.
: "${GOTOOLCHAIN:=auto}"
export GOTOOLCHAIN

cache_root=${PODINIT_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/podinit/cluster}
out="$cache_root/$name"
# The Go that builds this module, which may be the one its go.mod asked for.
go_version=$(cd "$module" && go env GOVERSION)
stamp=$( (cat "$module/go.mod" "$module/go.sum"; echo "$go_version"; sed -n '/^case/,/^esac/p' "$0") | sha256sum | cut -c1-64)
built() { [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; }
if built; then
  echo "$out"
  exit 0
fi
# Two runs that need the same component (a test run and `make cluster-up`) build it once.
mkdir -p "$cache_root"
exec 9>"$cache_root/.$name.lock"
flock 9
if built; then
  echo "$out"
  exit 0
fi

version=${name##*-}
tags=()
case "$name" in
  kubernetes-*)
    minor=${version#v1.}
    minor=${minor%%.*}
    packages=(k8s.io/kubernetes/cmd/{kube-apiserver,kube-controller-manager,kube-proxy,kube-scheduler,kubelet,kubectl})
    # Without these the cluster reports v0.0.0, and version checks (Helm's kubeVersion) fail.
    ldflags=""
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    done
    ;;
  etcd-*)
    packages=(go.etcd.io/etcd/server/v3)
    ldflags=""
    ;;
  containerd-*)
    packages=(github.com/containerd/containerd/v2/cmd/{containerd,containerd-shim-runc-v2,ctr})
    ldflags="-X github.com/containerd/containerd/v2/version.Version=$version"
    # The snapshotters that need cgo or kernel headers are not used by the test cluster.
    tags=(-tags "no_btrfs no_devmapper no_zfs")
    ;;
  helm-*)
    packages=(helm.sh/helm/v4/cmd/helm)
    ldflags="-X helm.sh/helm/v4/internal/version.version=$version -X helm.sh/helm/v4/internal/version.metadata="
    ;;
  *)
    echo "build.sh: no build rule for $name" >&2
    exit 2
    ;;
esac

tmp=$(mktemp -d "$cache_root/.$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
echo "building $name into $out (once; later runs reuse it)" >&2
start=$SECONDS
mkdir -p "$tmp/bin"
for pkg in "${packages[@]}"; do
  bin=${pkg##*/}
  [[ $bin =~ ^v[0-9]+$ ]] && bin=$(basename "$(dirname "$pkg")")
  [ "$bin" = server ] && bin=etcd
  (cd "$module" && CGO_ENABLED=0 go build -trimpath "${tags[@]}" -ldflags "-s -w $ldflags" -o "$tmp/bin/$bin" "$pkg")
done
echo "$stamp" > "$tmp/.stamp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "built $name in $((SECONDS - start)) s" >&2
echo "$out"
