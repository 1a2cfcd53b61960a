#!/usr/bin/env bash
# Stops the test bed started by start.sh: each server by its recorded PID
# (SIGTERM, SIGKILL after a few seconds), then deletes the state dir.
#
#   --keep   keep the state dir (logs, etcd data, certificates) for a look
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

keep=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    *) echo "usage: stop.sh [--keep]" >&2; exit 2 ;;
  esac
done

take_lock
if [ ! -f "$TESTBED_MARKER" ]; then
  log "no test bed in $TESTBED_DIR"
  exit 0
fi

# Clients of the apiserver first, in parallel with Prometheus; etcd last so
# the apiserver shuts down cleanly instead of logging storage errors.
stop_proc prometheus TERM 5 &
for c in kwok kube-scheduler kube-controller-manager kube-apiserver; do
  stop_proc "$c" TERM 2 &
done
wait
stop_proc etcd

if $keep; then
  log "stopped; state kept in $TESTBED_DIR"
else
  rm -rf "$TESTBED_DIR"
  log "stopped and removed $TESTBED_DIR"
fi
