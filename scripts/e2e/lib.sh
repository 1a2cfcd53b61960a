# Shared helpers of the console end-to-end scripts (sourced, not run).
# Needs OUT (where captures go) set by the caller.

# wait_for SESSION TEXT [SECONDS]: poll the screen until TEXT shows (30 s
# unless told; a bound for a broken run, not a speed assertion). On
# failure it prints the screen and exits the (sub)shell, which marks the
# run failed.
wait_for() {
	local s=$1 text=$2 secs=${3:-30}
	for _ in $(seq $((secs * 10))); do
		if tmux capture-pane -t "$s" -p | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL [$s]: never saw: $text" >&2
	tmux capture-pane -t "$s" -p >&2
	exit 1
}

# capture SESSION NAME saves the screen as $OUT/SESSION-NAME.txt.
capture() { tmux capture-pane -t "$1" -p >"$OUT/$1-$2.txt"; }
