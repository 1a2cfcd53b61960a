#!/usr/bin/env bash
# End-to-end run of an incident on the demo cluster, in tmux, as a user:
# open an incident on checkout (n), roll it back through the decision
# wizard, watch it verified, open the report (i), write the lessons
# learned in its editor, export it (x) and quit. Then, outside the
# console, `mayday report` on the journal alone must print the exported
# report again (all but its "generated" line), with the edit, the
# decision, the action and the analysis in it. Asserts on captured screen
# text; saves every capture.
#
#   scripts/e2e/incident-demo.sh [WIDTHxHEIGHT ...]   (default: 120x40 80x24)
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
	local s=$1 dir=$2
	wait_for "$s" "checkout"
	tmux send-keys -t "$s" c h k
	wait_for "$s" "/ chk"
	tmux send-keys -t "$s" Enter
	wait_for "$s" "◀ current"
	tmux send-keys -t "$s" n
	wait_for "$s" "Open an incident"
	wait_for "$s" "checkout errors"
	capture "$s" 1-form
	tmux send-keys -t "$s" Enter
	wait_for "$s" "INC-"
	wait_for "$s" "◀ current"
	capture "$s" 2-opened
	tmux send-keys -t "$s" w
	wait_for "$s" "Question 1 · issue"
	tmux send-keys -t "$s" Tab
	wait_for "$s" "→ ROLLBACK to revision 5"
	tmux send-keys -t "$s" x
	wait_for "$s" "Roll back deployment/checkout from revision 6 to revision 5?"
	tmux send-keys -t "$s" y
	wait_for "$s" "✓ verified: rollout complete" 240
	capture "$s" 3-verified
	# The analysis runs once the rollback is verified; the report shows
	# its hints when it is in the journal.
	tmux send-keys -t "$s" Escape
	sleep 0.5
	wait_for "$s" "◀ current"
	tmux send-keys -t "$s" i
	wait_for "$s" "## Summary"
	local id
	id=$(basename "$(ls "$dir"/INC-*.jsonl)" .jsonl)
	for _ in $(seq 300); do
		grep -q '"analysis"' "$dir/$id.jsonl" && break
		sleep 0.1
	done
	grep -q '"analysis"' "$dir/$id.jsonl" || { echo "FAIL [$s]: no analysis journaled" >&2; exit 1; }
	capture "$s" 4-report
	tmux send-keys -t "$s" e
	wait_for "$s" "Summary"
	for _ in 1 2 3; do
		tmux capture-pane -t "$s" -p | grep -qF "[Lessons learned]" && break
		tmux send-keys -t "$s" Tab
		sleep 0.3
	done
	wait_for "$s" "[Lessons learned]"
	tmux send-keys -t "$s" -l "Pin images by digest; alert on p99 within 2 minutes."
	wait_for "$s" "Pin images by digest"
	capture "$s" 5-editing
	wait_for "$s" "within 2 minutes."
	wait_for "$s" "✓ saved"
	tmux send-keys -t "$s" Escape
	# A key right after esc would read as alt+key.
	sleep 0.5
	wait_for "$s" "e edit a section"
	tmux send-keys -t "$s" x
	wait_for "$s" "exported to"
	capture "$s" 6-exported
	tmux send-keys -t "$s" q
	sleep 1
	tmux send-keys -t "$s" q

	# The journal alone reproduces the exported report.
	local exported=$dir/$id.md
	[ -s "$exported" ] || { echo "FAIL [$s]: $exported was not written" >&2; exit 1; }
	"$bin" --journal-dir "$dir" report "$id" >"$OUT/$s-report.md"
	if ! diff <(grep -v -i 'generated' "$exported") <(grep -v -i 'generated' "$OUT/$s-report.md") >"$OUT/$s-report.diff"; then
		echo "FAIL [$s]: mayday report differs from the export:" >&2
		cat "$OUT/$s-report.diff" >&2
		exit 1
	fi
	for want in "Pin images by digest" "decision" "roll back from revision 6 to revision 5" "new image" "succeeded"; do
		grep -qF -- "$want" "$exported" || { echo "FAIL [$s]: the report lacks: $want" >&2; exit 1; }
	done
}

pids=()
for size in "${sizes[@]}"; do
	w=${size%x*} h=${size#*x}
	s="mayday-incident-$size"
	dir=$OUT/journals-$size
	mkdir -p "$dir"
	tmux kill-session -t "$s" 2>/dev/null || true
	tmux new-session -d -s "$s" -x "$w" -y "$h" "TERM=xterm-256color $bin --demo --journal-dir $dir; sleep 30"
	(scenario "$s" "$dir") &
	pids+=($!)
done
fail=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail=1
	tmux kill-session -t "mayday-incident-${sizes[$i]}" 2>/dev/null || true
done
echo "captures in $OUT"
if [ "$fail" -ne 0 ]; then
	echo "incident e2e: FAIL" >&2
	exit 1
fi
echo "incident e2e: ok"
