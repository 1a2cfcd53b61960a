#!/usr/bin/env bash
# Time from confirming an undo of a 10-replica Deployment to its rollout
# observed complete on the test bed, and how it splits between mayday (the
# guarded write and its Event, answered) and the cluster (controllers,
# scheduler and kwok's pods, from the answered write to the completed
# rollout seen through the watch). Planning happens before the
# confirmation and is shown on its own. Each run reports medians over
# ITERATIONS undos; the runs show the spread.
#
#   scripts/bench/undo-rollout.sh [RUNS] [ITERATIONS]     (default 3 runs of 7)
#
# Starts the test bed if it is not running (scripts/testbed/start.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-3}"
iterations="${2:-7}"

eval "$("$root/scripts/testbed/start.sh")"
cd "$root"
GOFLAGS=-mod=mod go test -tags integration -run '^$' -bench '^BenchmarkUndoToRolloutComplete$' \
  -benchtime "${iterations}x" -count "$runs" ./internal/action |
  awk '/^BenchmarkUndoToRolloutComplete/ {
    for (i = 1; i <= NF; i++) v[$(i+1)] = $i
    printf "confirm→complete %6.0f ms   mayday write %5.1f ms (%.1f%%)   cluster rollout %6.0f ms   plan before confirm %5.1f ms\n",
      v["confirm-to-complete-ms"], v["mayday-write-ms"], v["mayday-%"], v["cluster-rollout-ms"], v["plan-before-confirm-ms"]
  }
  /^(FAIL|ok|PASS)/ { print }'
