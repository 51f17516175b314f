#!/usr/bin/env bash
# Builds the real Kubernetes control plane that the real-cluster tests, fault runs and benchmarks start on
# loopback: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and Karpenter's kwok provider
# (the node autoscaler the elastic-pool test provisions through), each from the Go module
# proxy at the versions pinned by the wrapper modules beside this script (go.mod + go.sum are committed,
# so every machine builds the same sources). Nothing is downloaded from anywhere else; no binary is
# committed.
#
# Output: .cache/control-plane/<kubernetes version>/bin/, plus a stamp per binary (the hash of its wrapper
# module), so a second run skips what is already built and a change of pins rebuilds only what changed.
#
#   tools/control-plane/build.sh            build what is missing or out of date
#   tools/control-plane/build.sh --print-dir  print the bin folder (for the harness) and exit
#   CHUANLIU_CONTROL_PLANE_FORCE=1 …        rebuild everything
set -euo pipefail

trap 'echo "control-plane build: FAILED at line $LINENO (exit $?)" >&2' ERR

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

pinned_version() { # module path, go.mod file → version required there
  awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$2"
}
k8s_version="$(pinned_version k8s.io/kubernetes "$here/k8s/go.mod")"
etcd_version="$(pinned_version go.etcd.io/etcd/server/v3 "$here/etcd/go.mod")"
kwok_version="$(pinned_version sigs.k8s.io/kwok "$here/kwok/go.mod")"
karpenter_version="$(pinned_version sigs.k8s.io/karpenter "$here/karpenter/go.mod")"
if [ -z "$k8s_version" ] || [ -z "$etcd_version" ] || [ -z "$kwok_version" ] || [ -z "$karpenter_version" ]; then
  echo "control-plane build: cannot read the pinned versions from $here/*/go.mod" >&2
  exit 2
fi

out="${CHUANLIU_CONTROL_PLANE_DIR:-$repo/.cache/control-plane/$k8s_version}"
bin="$out/bin"
if [ "${1:-}" = "--print-dir" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null; then
  echo "control-plane build: the go command is missing; the real-cluster tests need Go 1.26 with the module proxy" >&2
  exit 1
fi
mkdir -p "$bin"
# GOTOOLCHAIN=local: the wrapper modules name go 1.26.0, which this machine's Go satisfies; never fetch another.
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath"
total_start=$(date +%s)

# build <name> <wrapper dir> <ldflags> <package>[:<executable>]...: skip when every output is present and its
# stamp (hash of the wrapper's go.mod, go.sum, sources and flags) matches. The executable is named after the
# package's last element unless `:<executable>` names it (Karpenter's command is also called kwok).
exe_of() { # package[:executable] → executable name
  case "$1" in *:*) echo "${1##*:}" ;; *) basename "$1" ;; esac
}
build() {
  local name="$1" dir="$2" ldflags="$3"
  shift 3
  local stamp
  stamp="$({ cat "$dir"/go.mod "$dir"/go.sum; cat "$dir"/*.go 2>/dev/null || true; echo "$ldflags $*"; } | sha256sum | cut -c1-16)"
  local up_to_date=1 entry
  for entry in "$@"; do
    local exe="$bin/$(exe_of "$entry")"
    if [ ! -x "$exe" ] || [ "$(cat "$exe.stamp" 2>/dev/null)" != "$stamp" ] || [ -n "${CHUANLIU_CONTROL_PLANE_FORCE:-}" ]; then
      up_to_date=0
    fi
  done
  if [ $up_to_date = 1 ]; then
    echo "control-plane build: $name is up to date"
    return
  fi
  local start
  start=$(date +%s)
  echo "control-plane build: building $name (a cold build takes minutes on 2 cores)…"
  local plain=() entry
  for entry in "$@"; do
    case "$entry" in
      *:*) (cd "$dir" && go build -ldflags "$ldflags" -o "$bin/$(exe_of "$entry")" "${entry%%:*}") ;;
      *) plain+=("$entry") ;;
    esac
  done
  # One invocation for the rest: go builds their shared packages once, in parallel.
  if [ ${#plain[@]} -gt 0 ]; then (cd "$dir" && go build -ldflags "$ldflags" -o "$bin/" "${plain[@]}"); fi
  for entry in "$@"; do
    echo "$stamp" >"$bin/$(exe_of "$entry").stamp"
  done
  echo "control-plane build: $name built in $(($(date +%s) - start)) s"
}

# kwok's stock stages (node-initialize and the heartbeat with node leases; the general pod lifecycle, whose pod-delete waits for the
# deletionTimestamp, i.e. the termination grace) come from the same module; the harness sets their delays.
stages="$out/kwok-stages"
if [ ! -f "$stages/node-heartbeat-with-lease.yaml" ] || [ -n "${CHUANLIU_CONTROL_PLANE_FORCE:-}" ]; then
  kwok_dir="$(cd "$here/kwok" && go mod download -json "sigs.k8s.io/kwok@$kwok_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  mkdir -p "$stages"
  cp "$kwok_dir/kustomize/stage/node/fast/node-initialize.yaml" "$kwok_dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$kwok_dir"/kustomize/stage/pod/general/pod-*.yaml "$stages/"
  chmod u+w "$stages"/*.yaml
fi

# Karpenter's CRDs (NodePool, NodeClaim, NodeOverlay, CapacityBuffer as its kwok chart ships them, and
# KWOKNodeClass) come from the same module as its binary; the node-autoscaler test applies them. Apache-2.0,
# copied into the cache at build time, never committed.
karpenter_crds="$out/karpenter-crds"
if [ ! -f "$karpenter_crds/$karpenter_version" ] || [ -n "${CHUANLIU_CONTROL_PLANE_FORCE:-}" ]; then
  karpenter_dir="$(cd "$here/karpenter" && go mod download -json "sigs.k8s.io/karpenter@$karpenter_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  rm -rf "$karpenter_crds" && mkdir -p "$karpenter_crds"
  cp "$karpenter_dir"/kwok/charts/crds/*.yaml "$karpenter_dir"/kwok/apis/crds/*.yaml "$karpenter_crds/"
  chmod u+w "$karpenter_crds"/*.yaml
  echo "sigs.k8s.io/karpenter $karpenter_version (Apache-2.0): kwok/charts/crds, kwok/apis/crds" >"$karpenter_crds/$karpenter_version"
fi

k8s_minor="$(echo "$k8s_version" | cut -d. -f2)"
version_ldflags=(
  "-X k8s.io/component-base/version.gitVersion=$k8s_version"
  "-X k8s.io/component-base/version.gitMajor=1"
  "-X k8s.io/component-base/version.gitMinor=$k8s_minor"
  "-X k8s.io/component-base/version.gitTreeState=clean"
  "-X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"
  "-X k8s.io/client-go/pkg/version.gitMajor=1"
  "-X k8s.io/client-go/pkg/version.gitMinor=$k8s_minor"
)
build etcd "$here/etcd" "-s -w" chuanliu.io/tools/control-plane/etcd
build "kwok $kwok_version" "$here/kwok" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version" sigs.k8s.io/kwok/cmd/kwok
build "kubernetes $k8s_version" "$here/k8s" "-s -w ${version_ldflags[*]}" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
# Last: the node autoscaler only the elastic-pool test needs.
build "karpenter $karpenter_version (kwok provider)" "$here/karpenter" "-s -w -X sigs.k8s.io/karpenter/pkg/operator.Version=$karpenter_version" \
  sigs.k8s.io/karpenter/kwok:karpenter-kwok

echo "control-plane build: done in $(($(date +%s) - total_start)) s → $bin"
for exe in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  printf '  %-24s %s\n' "$exe" "$("$bin/$exe" --version 2>&1 | head -1)"
done
# Karpenter has no --version flag: the module version recorded in the binary's build info.
printf '  %-24s %s\n' karpenter-kwok "$(go version -m "$bin/karpenter-kwok" | awk '$1 == "mod" || $1 == "dep" { if ($2 == "sigs.k8s.io/karpenter") print $2, $3 }')"

