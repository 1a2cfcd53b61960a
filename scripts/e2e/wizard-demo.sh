#!/usr/bin/env bash
# End-to-end run of the decision wizard on the demo cluster, in tmux, as a
# user: open checkout's history, press w, see the evidence's answer to
# "is something wrong" (critical) and to "how does it take traffic"
# (rolling), accept the rest, see the recommendation "rollback to
# revision 5" (the last known good), execute it through the plan, the
# server dry run and the confirmation, and watch the wizard verify it: the
# rollout completes and health turns healthy. Asserts on captured screen
# text; saves every capture. The sizes run at once (verification waits out
# the demo's one-minute rate window).
#
#   scripts/e2e/wizard-demo.sh [WIDTHxHEIGHT ...]   (default: 120x40 80x24)
#
# Needs tmux. Captures go to $OUT (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(120x40 80x24)
OUT=${OUT:-$(mktemp -d)}
bin=$OUT/mayday
GOFLAGS=-mod=mod go build -o "$bin" ./cmd/mayday

# shellcheck source=scripts/e2e/lib.sh
. scripts/e2e/lib.sh

scenario() {
	local s=$1
	wait_for "$s" "checkout"
	tmux send-keys -t "$s" c h k
	wait_for "$s" "/ chk"
	tmux send-keys -t "$s" Enter
	wait_for "$s" "◀ current"
	tmux send-keys -t "$s" w
	wait_for "$s" "Decide: deployment/checkout in shop"
	wait_for "$s" "Question 1 · issue"
	wait_for "$s" "health: ✗ critical"
	capture "$s" 1-question
	tmux send-keys -t "$s" Enter
	wait_for "$s" "Question 2 · traffic"
	wait_for "$s" "How does the workload take traffic?"
	wait_for "$s" "rolling"
	capture "$s" 2-traffic
	tmux send-keys -t "$s" Tab
	wait_for "$s" "→ ROLLBACK to revision 5"
	wait_for "$s" "last known good"
	wait_for "$s" "x execute: roll back to revision 5"
	capture "$s" 3-recommendation
	tmux send-keys -t "$s" x
	wait_for "$s" "✓ server dry run"
	wait_for "$s" "Roll back deployment/checkout from revision 6 to revision 5?"
	capture "$s" 4-confirm
	tmux send-keys -t "$s" y
	wait_for "$s" "rolled back to revision 5"
	capture "$s" 5-progress
	wait_for "$s" "rollout   ✓ complete"
	capture "$s" 6-verifying
	wait_for "$s" "✓ verified: rollout complete" 240
	wait_for "$s" "health    ✓ healthy"
	capture "$s" 7-verified
	tmux send-keys -t "$s" q
}

pids=()
for size in "${sizes[@]}"; do
	w=${size%x*} h=${size#*x}
	s="mayday-wizard-$size"
	tmux kill-session -t "$s" 2>/dev/null || true
	tmux new-session -d -s "$s" -x "$w" -y "$h" "TERM=xterm-256color $bin --demo; sleep 30"
	(scenario "$s") &
	pids+=($!)
done
fail=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail=1
	tmux kill-session -t "mayday-wizard-${sizes[$i]}" 2>/dev/null || true
done
echo "captures in $OUT"
if [ "$fail" -ne 0 ]; then
	echo "wizard e2e: FAIL" >&2
	exit 1
fi
echo "wizard e2e: ok"
