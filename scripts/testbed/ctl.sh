#!/usr/bin/env bash
# Controls a running test bed, mostly for tests that need the API server or
# Prometheus to go away in the middle of a command.
#
#   ctl.sh status             each component's PID, the apiserver's /readyz, Prometheus' /-/ready
#   ctl.sh healthy            exit 0 when every component runs and the nodes are Ready
#   ctl.sh env                print the environment (as start.sh does)
#   ctl.sh stop-apiserver     SIGTERM (it stops listening at once), SIGKILL after 2 s
#   ctl.sh kill-apiserver     SIGKILL, wait until it is gone (a crash)
#   ctl.sh pause-apiserver    SIGSTOP: connections open but nothing answers
#   ctl.sh resume-apiserver   SIGCONT, wait for /readyz
#   ctl.sh start-apiserver    start it again (or resume it), wait for /readyz
#   ctl.sh stop-prometheus    SIGTERM, SIGKILL after 5 s
#   ctl.sh start-prometheus   start it again (or resume it), wait for /-/ready
#   ctl.sh reload-prometheus  reread the config, the rule files and the targets
#   ctl.sh build-shop         rebuild the demo shop (cmd/shopd) from this checkout
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

need_testbed() {
  [ -f "$TESTBED_DIR/env" ] || die "no test bed in $TESTBED_DIR; start it with scripts/testbed/start.sh"
}

case "${1:-}" in
  status)
    need_testbed
    for c in $COMPONENTS; do
      if proc_stopped "$c"; then state="paused (pid $(pid_of "$c"))"
      elif proc_alive "$c"; then state="running (pid $(pid_of "$c"))"
      else state="not running"; fi
      printf '%-24s %s\n' "$c" "$state"
    done
    if api_get /readyz >/dev/null 2>&1; then r=ok; else r="not ready"; fi
    printf '%-24s %s\n' "apiserver /readyz" "$r"
    if prom_get /-/ready >/dev/null 2>&1; then r=ok; else r="not ready"; fi
    printf '%-24s %s (%s)\n' "prometheus /-/ready" "$r" "$PROMETHEUS_URL"
    printf '%-24s %s\n' "shop scrape targets" "$(find "$PROM_TARGETS" -name '*.json' 2>/dev/null | wc -l)"
    healthy ;;
  healthy)
    [ -f "$TESTBED_DIR/env" ] && healthy ;;
  env)
    need_testbed
    print_env ;;
  stop-apiserver|kill-apiserver)
    need_testbed
    take_lock
    if [ "$1" = kill-apiserver ]; then stop_proc kube-apiserver KILL; else stop_proc kube-apiserver TERM 2; fi ;;
  pause-apiserver)
    need_testbed
    take_lock
    proc_alive kube-apiserver || die "kube-apiserver is not running"
    kill -s STOP "$(pid_of kube-apiserver)"
    log "kube-apiserver paused (pid $(pid_of kube-apiserver))" ;;
  resume-apiserver|start-apiserver)
    need_testbed
    take_lock
    start_apiserver
    wait_apiserver_ready 90
    log "kube-apiserver ready" ;;
  stop-prometheus)
    need_testbed
    take_lock
    stop_proc prometheus TERM 5 ;;
  start-prometheus)
    need_testbed
    take_lock
    start_prometheus
    wait_prometheus_ready 60
    log "prometheus ready" ;;
  reload-prometheus)
    need_testbed
    curl -sf --max-time 10 -X POST "$PROMETHEUS_URL/-/reload" >/dev/null ||
      die "prometheus at $PROMETHEUS_URL refused to reload; see $LOGS/prometheus.log" ;;
  build-shop)
    need_testbed
    take_lock
    build_shopd ;;
  *)
    sed -n '2,17p' "$0" >&2
    exit 2 ;;
esac
