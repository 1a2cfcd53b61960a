#!/usr/bin/env bash
# End-to-end run of the console on the demo cluster, in tmux, as a user:
# type chk, open checkout, see it critical on the health screen, diff
# revision 5, roll back to the suggested last known good revision with
# confirmation, watch the rollout complete, see revision 7 (was 5) in the
# history and the health screen turn healthy. Asserts on captured screen text; saves every capture.
#
#   scripts/e2e/console-demo.sh [WIDTHxHEIGHT ...]   (default: 120x40 80x24)
#
# Needs tmux. Captures go to $OUT (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(120x40 80x24)
OUT=${OUT:-$(mktemp -d)}
bin=$OUT/mayday
GOFLAGS=-mod=mod go build -o "$bin" ./cmd/mayday
fail=0

# shellcheck source=scripts/e2e/lib.sh
. scripts/e2e/lib.sh

for size in "${sizes[@]}"; do
	w=${size%x*} h=${size#*x}
	s="mayday-e2e-$size"
	tmux kill-session -t "$s" 2>/dev/null || true
	tmux new-session -d -s "$s" -x "$w" -y "$h" "TERM=xterm-256color $bin --demo; sleep 30"
	(
		wait_for "$s" "checkout"
		tmux send-keys -t "$s" c h k
		wait_for "$s" "/ chk"
		capture "$s" 1-finder
		tmux send-keys -t "$s" Enter
		wait_for "$s" "◀ current"
		wait_for "$s" "★ last good"
		tmux send-keys -t "$s" h
		wait_for "$s" "Health of deployment/checkout"
		wait_for "$s" "✗ critical"
		wait_for "$s" "HighErrorRatio"
		capture "$s" 1b-health-critical
		tmux send-keys -t "$s" Escape
		wait_for "$s" "◀ current"
		tmux send-keys -t "$s" Down
		wait_for "$s" "▸ 5"
		capture "$s" 2-history
		tmux send-keys -t "$s" d
		wait_for "$s" "revision 5 → current template (revision 6)"
		wait_for "$s" "Changes (2):"
		wait_for "$s" "+    image: registry.example.com/shop/checkout:2.15.0"
		capture "$s" 3-diff
		tmux send-keys -t "$s" Escape
		wait_for "$s" "▸ 5"
		tmux send-keys -t "$s" r
		wait_for "$s" "✓ server dry run"
		wait_for "$s" "Roll back deployment/checkout from revision 6 to revision 5?"
		capture "$s" 4-plan
		tmux send-keys -t "$s" y
		wait_for "$s" "rolled back to revision 5"
		capture "$s" 5-progress
		wait_for "$s" "✓ rollout complete"
		capture "$s" 6-complete
		tmux send-keys -t "$s" Escape
		wait_for "$s" "7 (was 5)"
		wait_for "$s" "current 7"
		capture "$s" 7-history-after
		tmux send-keys -t "$s" h
		wait_for "$s" "Health of deployment/checkout"
		wait_for "$s" "✓ healthy"
		capture "$s" 8-health-after
		tmux send-keys -t "$s" q
	) || fail=1
	tmux kill-session -t "$s" 2>/dev/null || true
done
echo "captures in $OUT"
if [ "$fail" -ne 0 ]; then
	echo "console e2e: FAIL" >&2
	exit 1
fi
echo "console e2e: ok"
