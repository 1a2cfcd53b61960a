#!/usr/bin/env bash
# Side by side: `mayday undo` against `kubectl rollout undo` (the kubectl of
# the same Kubernetes version as the test bed) on twin Deployments, run
# alternately so both see the same cluster load. Prints the wall times
# (median, p90), their ratio, and the API requests each makes.
#
#   scripts/bench/undo-vs-kubectl.sh [ROUNDS]     (default 20)
#
# Starts the test bed if it is not running (scripts/testbed/start.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-20}"

eval "$("$root/scripts/testbed/start.sh")"
kubectl="$MAYDAY_TESTBED_KUBECTL"
mayday="$(mktemp -d)/mayday"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$mayday" ./cmd/mayday)

ns="bench-undo-$$"
k() { "$kubectl" --kubeconfig "$KUBECONFIG" "$@"; }
cleanup() { k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT
k create namespace "$ns" >/dev/null
for name in twin-kubectl twin-mayday; do
  k -n "$ns" create deployment "$name" --image=registry.example/web:1.0 --replicas=3 >/dev/null
done
for name in twin-kubectl twin-mayday; do
  k -n "$ns" rollout status "deployment/$name" --timeout=60s >/dev/null
  k -n "$ns" set image "deployment/$name" web=registry.example/web:1.1 >/dev/null
  k -n "$ns" rollout status "deployment/$name" --timeout=60s >/dev/null
done

now() { date +%s%N; }
kt=(); mt=()
for i in $(seq "$rounds"); do
  s=$(now); k -n "$ns" rollout undo deployment/twin-kubectl >/dev/null; e=$(now); kt+=($(( (e - s) / 1000 )))
  s=$(now); "$mayday" --kubeconfig "$KUBECONFIG" -n "$ns" undo deployment/twin-mayday --yes --reason "bench round $i" >/dev/null; e=$(now); mt+=($(( (e - s) / 1000 )))
  k -n "$ns" rollout status deployment/twin-kubectl --timeout=60s >/dev/null
  k -n "$ns" rollout status deployment/twin-mayday --timeout=60s >/dev/null
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.9+0.5)]; printf "%d %d", m, p}'; }
read -r km kp <<<"$(stats "${kt[@]}")"
read -r mm mp <<<"$(stats "${mt[@]}")"
printf 'rounds: %d (alternating, each undo on a completed rollout)\n' "$rounds"
printf 'kubectl rollout undo: median %6.1f ms  p90 %6.1f ms\n' "$(echo "$km/1000" | bc -l)" "$(echo "$kp/1000" | bc -l)"
printf 'mayday undo --yes:    median %6.1f ms  p90 %6.1f ms\n' "$(echo "$mm/1000" | bc -l)" "$(echo "$mp/1000" | bc -l)"
printf 'ratio mayday/kubectl (median): %.2f\n' "$(echo "$mm/$km" | bc -l)"

echo "--- API requests of one undo each"
kreq=$(k -n "$ns" rollout undo deployment/twin-kubectl -v=6 2>&1 | grep -c '"Response" verb=' || true)
echo "kubectl: $kreq requests"
k -n "$ns" rollout status deployment/twin-kubectl --timeout=60s >/dev/null
"$mayday" --kubeconfig "$KUBECONFIG" -n "$ns" undo deployment/twin-mayday --yes --trace-requests 2>&1 >/dev/null | grep -E '^request' || true
