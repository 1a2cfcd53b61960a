#!/usr/bin/env bash
# Builds (once per version) the binaries of the test bed into the XDG cache:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok
# and the kwok stage files, and unpacks Debian's prometheus/promtool.
# Everything comes from the Go module proxy or Debian's packages.
# A second run with everything in place returns in well under a second.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

export GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$TESTBED_BIN" "$TESTBED_STAGES"
log() { printf '[testbed build] %s\n' "$*" >&2; }

have_all() {
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok; do
    [ -x "$TESTBED_BIN/$b" ] || return 1
  done
  [ -f "$TESTBED_STAGES/pod-ready.yaml" ] || return 1
}

build_kubernetes() {
  local src="$TESTBED_CACHE/src/kubernetes"
  mkdir -p "$src"
  local kmod
  kmod=$(cd "$src" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [ -f "$kmod" ] || { log "cannot find go.mod of k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  {
    echo "module mayday.dev/testbed/kubernetes"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    # Every staging module the kubernetes module replaces with ./staging,
    # pointed at its published version instead.
    grep -E '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/' "$kmod" \
      | awk '{print $1}' \
      | grep -v -E '^k8s\.io/(sample-cli-plugin|sample-controller)$' \
      | sed "s|.*|replace & => & $K8S_STAGING_VERSION|"
  } >"$src/go.mod"
  local ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=37 -X $p.gitTreeState=clean"
  done
  log "resolving kubernetes $K8S_VERSION modules"
  (cd "$src" && go get "k8s.io/kubernetes@$K8S_VERSION" >/dev/null 2>&1 || true)
  (cd "$src" && go get -tool k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  log "building kubernetes $K8S_VERSION (about 25 min on 2 cores when the Go build cache is cold)"
  (cd "$src" && go build -trimpath -ldflags "$ldflags" -o "$TESTBED_BIN/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
}

build_etcd() {
  local src="$TESTBED_CACHE/src/etcd"
  mkdir -p "$src"
  cat >"$src/go.mod" <<MOD
module mayday.dev/testbed/etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
replace go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
replace go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
replace go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
MOD
  log "building etcd $ETCD_VERSION"
  (cd "$src" && go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
     && go build -trimpath -ldflags "-s -w" -o "$TESTBED_BIN/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  log "building kwok $KWOK_VERSION"
  GOBIN="$TESTBED_BIN" GOFLAGS= go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  local dir
  dir=$(cd "$TESTBED_CACHE" && GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" "$TESTBED_STAGES/node-initialize.yaml"
  cp "$dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" "$TESTBED_STAGES/node-heartbeat-with-lease.yaml"
  cp "$dir/kustomize/stage/pod/fast/pod-ready.yaml" "$TESTBED_STAGES/pod-ready.yaml"
  cp "$dir/kustomize/stage/pod/fast/pod-complete.yaml" "$TESTBED_STAGES/pod-complete.yaml"
  cp "$dir/kustomize/stage/pod/fast/pod-delete.yaml" "$TESTBED_STAGES/pod-delete.yaml"
  chmod u+w "$TESTBED_STAGES"/*.yaml
}

install_prometheus() {
  [ -x "$PROMETHEUS_HOME/usr/bin/prometheus" ] && return 0
  log "unpacking Debian's prometheus package into $PROMETHEUS_HOME"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get download prometheus; }; })
  mkdir -p "$PROMETHEUS_HOME"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$PROMETHEUS_HOME"
  rm -rf "$tmp"
}

what="${1:-all}"
case "$what" in
  kubernetes|all)
    if ! have_all; then
      [ -x "$TESTBED_BIN/etcd" ] || build_etcd
      [ -x "$TESTBED_BIN/kwok" ] && [ -f "$TESTBED_STAGES/pod-ready.yaml" ] || build_kwok
      for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
        [ -x "$TESTBED_BIN/$b" ] || { build_kubernetes; break; }
      done
    fi
    [ "$what" = all ] && install_prometheus ;;
  prometheus) install_prometheus ;;
  *) echo "usage: build.sh [all|kubernetes|prometheus]" >&2; exit 2 ;;
esac
log "ready in $TESTBED_CACHE"
