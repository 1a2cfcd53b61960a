# Shared settings and functions of start.sh, stop.sh and ctl.sh. Sourced, not run.
#
# Everything the test bed owns lives in one state dir: PKI, etcd data,
# Prometheus' config, rules, scrape targets and data, the demo shop's binary,
# logs, pid files, kubeconfigs and the env file that start.sh prints. Every
# server listens on 127.0.0.1 only.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"

TESTBED_DIR="${MAYDAY_TESTBED_DIR:-${XDG_RUNTIME_DIR:-/tmp}/mayday-testbed}"
# The marker proves a folder is ours before stop.sh deletes it, so a wrong
# MAYDAY_TESTBED_DIR (say $HOME) can never be wiped.
TESTBED_MARKER="$TESTBED_DIR/.mayday-testbed"
PKI="$TESTBED_DIR/pki"
RUN="$TESTBED_DIR/run"
LOGS="$TESTBED_DIR/logs"
KUBECTL="$TESTBED_BIN/kubectl"
ADMIN_KUBECONFIG="$TESTBED_DIR/admin.kubeconfig"
VIEWER_KUBECONFIG="$TESTBED_DIR/viewer.kubeconfig"

# Ports: the first start records them in the state dir, so later calls
# (ctl.sh start-apiserver, a second start.sh) use the same ones whatever
# their environment says.
if [ -f "$TESTBED_DIR/ports.sh" ]; then
  . "$TESTBED_DIR/ports.sh"
else
  APISERVER_PORT="${MAYDAY_TESTBED_APISERVER_PORT:-6443}"
  ETCD_PORT="${MAYDAY_TESTBED_ETCD_PORT:-2379}"
  ETCD_PEER_PORT="${MAYDAY_TESTBED_ETCD_PEER_PORT:-2380}"
  KCM_PORT="${MAYDAY_TESTBED_KCM_PORT:-10257}"
  SCHEDULER_PORT="${MAYDAY_TESTBED_SCHEDULER_PORT:-10259}"
  KWOK_PORT="${MAYDAY_TESTBED_KWOK_PORT:-10250}"
  NODES="${MAYDAY_TESTBED_NODES:-1}"
fi
# Test beds started before Prometheus was part of them record no port for it.
PROMETHEUS_PORT="${PROMETHEUS_PORT:-${MAYDAY_TESTBED_PROMETHEUS_PORT:-9090}}"

PROMETHEUS_BIN="$PROMETHEUS_HOME/usr/bin/prometheus"
PROMTOOL="$PROMETHEUS_HOME/usr/bin/promtool"
PROM_DIR="$TESTBED_DIR/prometheus"
PROM_CONFIG="$PROM_DIR/prometheus.yml"
# Tests add scrape targets by writing file_sd files into PROM_TARGETS and
# alerting rules by writing *.yml into PROM_RULES (then POST /-/reload).
PROM_TARGETS="$PROM_DIR/targets"
PROM_RULES="$PROM_DIR/rules"
PROM_DATA="$PROM_DIR/data"
PROMETHEUS_URL="http://127.0.0.1:$PROMETHEUS_PORT"
# The demo shop (cmd/shopd), built from this checkout by start.sh.
SHOPD="$TESTBED_DIR/bin/shopd"

# Start order; stop runs it backwards.
KUBE_COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"
COMPONENTS="$KUBE_COMPONENTS prometheus"

# The binary a component runs: what start_proc starts and proc_alive expects
# to find in the PID's command line.
bin_of() {
  case "$1" in
    prometheus) echo "$PROMETHEUS_BIN" ;;
    *) echo "$TESTBED_BIN/$1" ;;
  esac
}

log() { printf '[testbed] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

have_binaries() {
  local b
  for b in $KUBE_COMPONENTS kubectl; do [ -x "$TESTBED_BIN/$b" ] || return 1; done
  [ -x "$PROMETHEUS_BIN" ] && [ -f "$TESTBED_STAGES/pod-ready.yaml" ]
}

# Serialises start, stop and apiserver control between processes (parallel
# test binaries, a developer's shell). The lock file sits beside the state dir
# because stop.sh deletes the dir itself. Children must not inherit fd 9, or
# they would hold the lock for their whole life (see start_proc).
take_lock() {
  mkdir -p "$(dirname "$TESTBED_DIR")"
  exec 9>"$TESTBED_DIR.lock"
  if command -v flock >/dev/null; then
    flock 9
  else
    log "warning: flock not found, running without the state dir lock"
  fi
}

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

# True when the recorded PID is alive and still runs our binary: a stale pid
# file after a reboot may name an unrelated process, and a zombie (empty
# cmdline) is dead for our purposes.
proc_alive() {
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    local exe
    exe=$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1)
    [ "$exe" = "$(bin_of "$1")" ] || return 1
  fi
}

proc_stopped() { # SIGSTOPped by ctl.sh pause-apiserver
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && [ "$(awk '{print $3}' "/proc/$pid/stat")" = T ]
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts one server as its own background process and records its PID.
# setsid detaches it from the caller's terminal and process group, so a ^C
# in the shell (or a killed test binary) does not take down half the test
# bed; stop.sh ends it by PID. In a non-interactive shell the background job
# is not a group leader, so setsid execs in place and $! is the server itself.
start_proc() { # name port args...
  local name=$1 port=$2
  shift 2
  if proc_alive "$name"; then
    return 0
  fi
  # A server we just stopped may hold its port for a moment longer.
  local i
  for i in $(seq 1 30); do
    port_busy "$port" || break
    sleep 0.1
  done
  if port_busy "$port"; then
    die "port 127.0.0.1:$port (for $name) is taken by a process that is not this test bed's; stop it or choose other ports (MAYDAY_TESTBED_*_PORT, see scripts/testbed/lib.sh)"
  fi
  log "starting $name on 127.0.0.1:$port"
  setsid "$(bin_of "$name")" "$@" </dev/null >>"$LOGS/$name.log" 2>&1 9>&- &
  echo $! >"$RUN/$name.pid"
}

# True once the process has really exited: proc_alive turns false as soon as
# the cmdline empties, while the process may still be closing its sockets.
pid_gone() { # pid
  ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# Stops a server by its PID: the signal, then SIGKILL after the grace period.
# Short graces on purpose: kube-apiserver stops listening at once on SIGTERM
# but then waits 60 s for open watches to drain, which a test bed does not need.
stop_proc() { # name [signal] [grace seconds]
  local name=$1 sig=${2:-TERM} grace=${3:-5} pid i
  pid=$(pid_of "$name")
  if ! proc_alive "$name"; then
    rm -f "$RUN/$name.pid"
    return 0
  fi
  log "stopping $name (pid $pid, SIG$sig)"
  kill -s CONT "$pid" 2>/dev/null || true # a paused process cannot act on TERM
  kill -s "$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 $((grace * 10))); do
    pid_gone "$pid" && break
    sleep 0.1
  done
  if ! pid_gone "$pid"; then
    [ "$sig" = KILL ] || log "$name still running after ${grace} s, sending SIGKILL"
    kill -s KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
      pid_gone "$pid" && break
      sleep 0.1
    done
  fi
  rm -f "$RUN/$name.pid"
}

# GET on the apiserver as admin; curl is far cheaper than a kubectl process.
api_get() { # path
  if command -v curl >/dev/null; then
    curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
      "https://127.0.0.1:$APISERVER_PORT$1"
  else
    "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" --request-timeout=2s get --raw "$1"
  fi
}

wait_apiserver_ready() { # timeout seconds
  local deadline=$((SECONDS + ${1:-60}))
  until api_get /readyz >/dev/null 2>&1; do
    if ! proc_alive kube-apiserver; then
      log "kube-apiserver exited; last lines of $LOGS/kube-apiserver.log:"
      tail -n 20 "$LOGS/kube-apiserver.log" >&2 || true
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "kube-apiserver not ready after ${1:-60} s; last lines of $LOGS/kube-apiserver.log:"
      tail -n 20 "$LOGS/kube-apiserver.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

start_etcd() {
  mkdir -p "$TESTBED_DIR/etcd"
  chmod 700 "$TESTBED_DIR/etcd"
  # --unsafe-no-fsync: the data is thrown away with the test bed, and fsync
  # on a busy disk is the slowest part of every write.
  start_proc etcd "$ETCD_PORT" \
    --name=mayday-testbed \
    --data-dir="$TESTBED_DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="mayday-testbed=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync \
    --log-level=warn
}

wait_etcd() {
  local i
  # Up to 60 s: on a loaded 2-core machine etcd has been seen to take more
  # than 10 s before it even opens its log.
  for i in $(seq 1 600); do
    port_busy "$ETCD_PORT" && return 0
    proc_alive etcd || break
    sleep 0.1
  done
  log "etcd did not come up; last lines of $LOGS/etcd.log:"
  tail -n 20 "$LOGS/etcd.log" >&2 || true
  return 1
}

start_apiserver() {
  if proc_stopped kube-apiserver; then
    log "resuming paused kube-apiserver"
    kill -s CONT "$(pid_of kube-apiserver)"
  fi
  # --endpoint-reconciler-type=none: otherwise the apiserver refuses a
  # loopback advertise address. Kubelet traffic (kubectl logs) goes to kwok
  # by the node's InternalIP, because the Hostname address of a fake node
  # does not resolve.
  start_proc kube-apiserver "$APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$APISERVER_PORT" \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --authorization-mode=RBAC \
    --allow-privileged=true \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --profiling=false
}

start_controller_manager() {
  start_proc kube-controller-manager "$KCM_PORT" \
    --kubeconfig="$TESTBED_DIR/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$KCM_PORT" \
    --leader-elect=false \
    --service-account-private-key-file="$PKI/sa.key" \
    --root-ca-file="$PKI/ca.crt" \
    --profiling=false
}

start_scheduler() {
  start_proc kube-scheduler "$SCHEDULER_PORT" \
    --kubeconfig="$TESTBED_DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$SCHEDULER_PORT" \
    --leader-elect=false \
    --profiling=false
}

start_kwok() {
  # Without --server-address kwok binds 0.0.0.0; without the lease flag the
  # node flaps to Unknown every ~60 s. The bare binary knows no stages.
  local configs=() f
  for f in node-initialize node-heartbeat-with-lease pod-ready pod-complete pod-delete; do
    configs+=("--config=$TESTBED_STAGES/$f.yaml")
  done
  start_proc kwok "$KWOK_PORT" \
    --kubeconfig="$TESTBED_DIR/kwok.kubeconfig" \
    --manage-all-nodes=true \
    --node-lease-duration-seconds=40 \
    --cidr=10.244.0.0/16 \
    --node-ip=127.0.0.1 \
    --node-port="$KWOK_PORT" \
    --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$PKI/kwok.crt" \
    --tls-private-key-file="$PKI/kwok.key" \
    "${configs[@]}"
}

# ---- Prometheus and the demo shop ----

# GET on Prometheus, with a short timeout.
prom_get() { # path
  curl -sf --max-time 2 "$PROMETHEUS_URL$1"
}

# The configuration tests rely on: everything every second; the job "shop"
# scrapes whatever file_sd files the tests drop into PROM_TARGETS (with
# their namespace and pod labels), and every rule file in PROM_RULES is
# loaded. The shipped rules come from prometheus/ beside this script.
write_prometheus_config() {
  mkdir -p "$PROM_TARGETS" "$PROM_RULES" "$PROM_DATA"
  cp "$here"/prometheus/*.yml "$PROM_RULES/"
  cat >"$PROM_CONFIG" <<EOF
# Generated by scripts/testbed/start.sh; rewritten on every start.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - '$PROM_RULES/*.yml'
scrape_configs:
  - job_name: shop
    file_sd_configs:
      - files: ['$PROM_TARGETS/*.json']
        refresh_interval: 1s
EOF
}

start_prometheus() {
  if proc_stopped prometheus; then
    log "resuming paused prometheus"
    kill -s CONT "$(pid_of prometheus)"
  fi
  # --web.enable-lifecycle: tests reload the rules they add (POST /-/reload).
  start_proc prometheus "$PROMETHEUS_PORT" \
    --config.file="$PROM_CONFIG" \
    --storage.tsdb.path="$PROM_DATA" \
    --storage.tsdb.retention.time=30d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle
}

wait_prometheus_ready() { # timeout seconds
  local deadline=$((SECONDS + ${1:-60}))
  until prom_get /-/ready >/dev/null 2>&1; do
    if ! proc_alive prometheus || [ $SECONDS -ge $deadline ]; then
      log "prometheus not ready; last lines of $LOGS/prometheus.log:"
      tail -n 20 "$LOGS/prometheus.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

# Builds cmd/shopd from this checkout into the state dir. The new binary
# replaces the old one by rename, so shops still running keep theirs.
build_shopd() {
  command -v go >/dev/null || die "go is required to build the demo shop (cmd/shopd)"
  mkdir -p "$(dirname "$SHOPD")"
  local tmp="$SHOPD.$$.tmp"
  if ! (cd "$here/../.." && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -o "$tmp" ./cmd/shopd); then
    rm -f "$tmp"
    die "building cmd/shopd failed"
  fi
  mv -f "$tmp" "$SHOPD"
}

all_alive() {
  local c
  for c in $COMPONENTS; do proc_alive "$c" || return 1; done
}

nodes_ready() { # timeout
  "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" wait --for=condition=Ready node \
    -l mayday.dev/testbed=true --timeout="${1:-60}s" >/dev/null
}

healthy() {
  all_alive && api_get /readyz >/dev/null 2>&1 && prom_get /-/ready >/dev/null 2>&1 &&
    [ -x "$SHOPD" ] && nodes_ready 2
}

print_env() { cat "$TESTBED_DIR/env"; }
