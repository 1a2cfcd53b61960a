#!/usr/bin/env bash
# Starts the test bed on 127.0.0.1: etcd, kube-apiserver (RBAC, real
# certificates), kube-controller-manager, kube-scheduler and kwok with fake
# nodes whose pods become Running/Ready, and Prometheus (scraping every second
# the demo shops that tests start, see internal/testbed), builds the demo
# shop (cmd/shopd) and applies the CRDs in crds/ (Gateway API, Istio
# VirtualService, Argo Rollout). Prints the environment to use it on stdout
# (eval "$(scripts/testbed/start.sh)"); everything else goes to stderr.
#
# Idempotent: components that are already running are left alone, dead ones
# are started again, and a healthy test bed only gets the CRDs (when they
# changed) and prints its environment.
#
#   --build   run build.sh first (≈ 28 min the first time, instant afterwards)
#
# Exit codes: 0 running, 1 failed, 3 binaries not built (run build.sh).
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

build=false
for arg in "$@"; do
  case "$arg" in
    --build) build=true ;;
    -h|--help) sed -n '2,16p' "$0" >&2; exit 0 ;;
    *) echo "usage: start.sh [--build]" >&2; exit 2 ;;
  esac
done

# ---- CRDs of the traffic APIs (Gateway API, minimal Istio and Argo Rollouts) ----
# Applied on every start, also to a test bed found running, and skipped when
# the manifests are unchanged since the last apply and every CRD is still
# Established. Server-side: the HTTPRoute CRD is too large for the annotation
# a client-side apply keeps.
CRDS="$here/crds"
crd_files() { ls "$CRDS"/gateway-api/*.yaml "$CRDS"/*.yaml; }
crd_names() { crd_files | xargs sed -n 's/^  name: \(.*\)$/\1/p'; }
crds_established() {
  local states
  states=$("$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" get $(crd_names | sed 's|^|crd/|') --ignore-not-found \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Established")].status}{"\n"}{end}' 2>/dev/null) || return 1
  [ "$(grep -c '^True$' <<<"$states")" -eq "$(crd_names | wc -l)" ]
}
apply_crds() {
  local sum
  sum=$(crd_files | xargs cat | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$TESTBED_DIR/crds.sha256" 2>/dev/null)" = "$sum" ] && crds_established; then
    return 0
  fi
  log "applying the CRDs in $CRDS (Gateway API $(cat "$CRDS/gateway-api/VERSION"), Istio VirtualService, Argo Rollout)"
  crd_files | sed 's/^/-f=/' | xargs "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" apply --server-side \
    --force-conflicts --field-manager=mayday-testbed >/dev/null || return 1
  "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" wait --for=condition=Established --timeout=60s \
    $(crd_names | sed 's|^|crd/|') >/dev/null || return 1
  echo "$sum" >"$TESTBED_DIR/crds.sha256"
}

started_at=$(date +%s.%N)
take_lock

if $build; then
  bash "$here/build.sh" all
fi
if ! have_binaries; then
  log "the test bed binaries are not built in $TESTBED_BIN; run scripts/testbed/build.sh (≈ 28 min on 2 cores the first time, cached afterwards)"
  exit 3
fi
for tool in openssl setsid curl; do
  command -v "$tool" >/dev/null || die "$tool is required to start the test bed"
done
case "$TESTBED_DIR" in
  *"'"*) die "the state dir path must not contain a single quote: $TESTBED_DIR" ;;
esac
if [ -d "$TESTBED_DIR" ] && [ ! -f "$TESTBED_MARKER" ] && [ -n "$(ls -A "$TESTBED_DIR")" ]; then
  die "$TESTBED_DIR exists, is not empty and is not a mayday test bed; set MAYDAY_TESTBED_DIR to another folder"
fi

if [ -f "$TESTBED_DIR/env" ] && healthy; then
  log "already running (state in $TESTBED_DIR)"
  apply_crds || die "applying the CRDs in $CRDS failed"
  print_env
  exit 0
fi

mkdir -p "$TESTBED_DIR"
chmod 700 "$TESTBED_DIR"
touch "$TESTBED_MARKER"
mkdir -p "$PKI" "$RUN" "$LOGS"
if [ ! -f "$TESTBED_DIR/ports.sh" ]; then
  cat >"$TESTBED_DIR/ports.sh" <<EOF
APISERVER_PORT=$APISERVER_PORT
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
KCM_PORT=$KCM_PORT
SCHEDULER_PORT=$SCHEDULER_PORT
KWOK_PORT=$KWOK_PORT
NODES=$NODES
PROMETHEUS_PORT=$PROMETHEUS_PORT
EOF
elif ! grep -q '^PROMETHEUS_PORT=' "$TESTBED_DIR/ports.sh"; then
  echo "PROMETHEUS_PORT=$PROMETHEUS_PORT" >>"$TESTBED_DIR/ports.sh"
fi

# ---- PKI: a throwaway CA and everything signed by it (EC keys: instant) ----
# The service-account key is RSA, the kind the apiserver and every client
# library expect by default.
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
issue() { # name subject extensions
  local name=$1 subject=$2 ext=$3
  new_key "$PKI/$name.key"
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  printf '%b\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -CAserial "$PKI/ca.srl" -days 3650 -sha256 \
    -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}
client_ext='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth'
server_ext='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth'

if [ ! -f "$PKI/done" ]; then
  log "creating certificates in $PKI"
  umask 077
  new_key "$PKI/ca.key"
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=mayday-testbed-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$PKI/ca.crt" 2>/dev/null
  issue apiserver "/CN=kube-apiserver" \
    "$server_ext\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1"
  # kwok serves the kubelet API (logs, exec) the apiserver calls by node IP.
  issue kwok-serving "/CN=kwok" "$server_ext\nsubjectAltName=IP:127.0.0.1,DNS:localhost"
  mv "$PKI/kwok-serving.crt" "$PKI/kwok.crt"
  mv "$PKI/kwok-serving.key" "$PKI/kwok.key"
  issue admin "/O=system:masters/CN=mayday-admin" "$client_ext"
  issue viewer "/CN=viewer" "$client_ext"
  # The control plane components get system:masters too: the default roles of
  # the controller manager assume --use-service-account-credentials, which
  # would add token plumbing for nothing in a test bed.
  issue kube-controller-manager-client "/O=system:masters/CN=system:kube-controller-manager" "$client_ext"
  issue kube-scheduler-client "/O=system:masters/CN=system:kube-scheduler" "$client_ext"
  issue kwok-client "/O=system:masters/CN=kwok" "$client_ext"
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  umask 022
  touch "$PKI/done"
fi

b64() { base64 <"$1" | tr -d '\n'; }
kubeconfig() { # file user cert-name context
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mayday-testbed
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(b64 "$PKI/$3.crt")
    client-key-data: $(b64 "$PKI/$3.key")
contexts:
- name: $4
  context:
    cluster: mayday-testbed
    user: $2
current-context: $4
EOF
  chmod 600 "$1"
}
kubeconfig "$ADMIN_KUBECONFIG" mayday-admin admin mayday-testbed
kubeconfig "$VIEWER_KUBECONFIG" viewer viewer mayday-testbed-viewer
kubeconfig "$TESTBED_DIR/kube-controller-manager.kubeconfig" system:kube-controller-manager kube-controller-manager-client mayday-testbed
kubeconfig "$TESTBED_DIR/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler-client mayday-testbed
kubeconfig "$TESTBED_DIR/kwok.kubeconfig" kwok kwok-client mayday-testbed

# ---- servers ----
start_etcd
write_prometheus_config
if proc_alive prometheus; then
  curl -sf --max-time 10 -X POST "$PROMETHEUS_URL/-/reload" >/dev/null || true
fi
start_prometheus
# Built while etcd and Prometheus come up; fast with a warm Go build cache.
build_shopd
wait_etcd
start_apiserver
wait_apiserver_ready 90
log "kube-apiserver ready after $(awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
# They retry their connections, but the controller manager gives up when the
# apiserver stays unhealthy at start, so they come after /readyz.
start_controller_manager
start_scheduler
start_kwok

# ---- objects: the read-only user's role and the fake nodes ----
objects() {
  cat <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: mayday-viewer
  labels: {mayday.dev/testbed: "true"}
rules:
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets", "replicasets", "controllerrevisions"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["pods", "events", "namespaces"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["authorization.k8s.io"]
  resources: ["selfsubjectaccessreviews"]
  verbs: ["create"]
- apiGroups: ["authentication.k8s.io"]
  resources: ["selfsubjectreviews"]
  verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: mayday-viewer
  labels: {mayday.dev/testbed: "true"}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: mayday-viewer
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: viewer
EOF
  local i
  for i in $(seq 0 $((NODES - 1))); do
    # kwok keeps a node's own capacity; 110 pods (the usual default) is too
    # small for scale tests.
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: fake-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    mayday.dev/testbed: "true"
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: fake-node-$i
spec: {}
status:
  allocatable: {cpu: "1000", memory: 4Ti, pods: "1000", ephemeral-storage: 10Ti}
  capacity: {cpu: "1000", memory: 4Ti, pods: "1000", ephemeral-storage: 10Ti}
EOF
  done
}
objects | "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" apply -f - >/dev/null

nodes_ready 60 || die "the fake nodes did not become Ready; see $LOGS/kwok.log"
apply_crds || die "applying the CRDs in $CRDS failed; see $LOGS/kube-apiserver.log"
wait_prometheus_ready 60 || die "prometheus did not become ready; see $LOGS/prometheus.log"
all_alive || die "a component exited during start; see the logs in $LOGS"

{
  echo "export KUBECONFIG='$ADMIN_KUBECONFIG'"
  echo "export MAYDAY_TESTBED_DIR='$TESTBED_DIR'"
  echo "export MAYDAY_TESTBED_KUBECONFIG='$ADMIN_KUBECONFIG'"
  echo "export MAYDAY_TESTBED_VIEWER_KUBECONFIG='$VIEWER_KUBECONFIG'"
  echo "export MAYDAY_TESTBED_KUBECTL='$KUBECTL'"
  echo "export MAYDAY_TESTBED_BIN='$TESTBED_BIN'"
  echo "export MAYDAY_TESTBED_SCRIPTS='$here'"
  echo "export MAYDAY_TESTBED_PROMETHEUS_URL='$PROMETHEUS_URL'"
  echo "export MAYDAY_TESTBED_PROMETHEUS_TARGETS='$PROM_TARGETS'"
  echo "export MAYDAY_TESTBED_PROMETHEUS_RULES='$PROM_RULES'"
  echo "export MAYDAY_TESTBED_PROMETHEUS_CONFIG='$PROM_CONFIG'"
  echo "export MAYDAY_TESTBED_PROMETHEUS='$PROMETHEUS_BIN'"
  echo "export MAYDAY_TESTBED_SHOPD='$SHOPD'"
} >"$TESTBED_DIR/env"
log "ready in $(awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s; logs in $LOGS; stop with scripts/testbed/stop.sh"
print_env
