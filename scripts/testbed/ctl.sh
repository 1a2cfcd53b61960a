#!/usr/bin/env bash
# Controls a running test bed, mostly for tests that need the API server to go
# away in the middle of a command.
#
#   ctl.sh status             each component's PID and the apiserver's /readyz
#   ctl.sh healthy            exit 0 when every component runs and the nodes are Ready
#   ctl.sh env                print the environment (as start.sh does)
#   ctl.sh stop-apiserver     SIGTERM (it stops listening at once), SIGKILL after 2 s
#   ctl.sh kill-apiserver     SIGKILL, wait until it is gone (a crash)
#   ctl.sh pause-apiserver    SIGSTOP: connections open but nothing answers
#   ctl.sh resume-apiserver   SIGCONT, wait for /readyz
#   ctl.sh start-apiserver    start it again (or resume it), wait for /readyz
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
  *)
    sed -n '2,13p' "$0" >&2
    exit 2 ;;
esac
