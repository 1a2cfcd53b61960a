#!/usr/bin/env bash
# THE test command: formatting, vet, unit tests, then the integration tests
# (build tag "integration") against the real test bed on 127.0.0.1, which
# this script builds (once per version, cached under
# ${XDG_CACHE_HOME:-~/.cache}/mayday/testbed; ≈ 28 min cold on 2 cores),
# starts and stops again. Exits non-zero on any failure.
#
# A test bed that is already running (say, started by hand) is used and left
# running; one this script starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:--mod=mod}"
step() { printf '\n==> %s\n' "$*" >&2; }

step "gofmt"
# testdata may hold deliberately malformed Go.
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting (gofmt -w):" >&2
  echo "$unformatted" >&2
  exit 1
fi

step "go vet"
go vet ./...
go vet -tags integration ./...

step "unit tests"
go test ./...

step "console end to end (the built binary in tmux, --demo)"
if ! command -v tmux >/dev/null; then
  echo "installing tmux (Debian package) for the console's end-to-end test" >&2
  { apt-get install -y --no-install-recommends tmux >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends tmux >/dev/null; }; } ||
    { echo "error: tmux is missing and could not be installed" >&2; exit 1; }
fi
# A private tmux server: never the user's sessions.
if ! env -u TMUX TMUX_TMPDIR="$(mktemp -d)" bash scripts/e2e/console-demo.sh 120x40 80x24; then
  exit 1
fi
step "decision wizard end to end (the built binary in tmux, --demo)"
if ! env -u TMUX TMUX_TMPDIR="$(mktemp -d)" bash scripts/e2e/wizard-demo.sh 120x40 80x24; then
  exit 1
fi
step "incident end to end (open, roll back, verify, report edited and exported, reproduced by mayday report)"
if ! env -u TMUX TMUX_TMPDIR="$(mktemp -d)" bash scripts/e2e/incident-demo.sh 120x40 80x24; then
  exit 1
fi

step "test bed: build (cached)"
bash scripts/testbed/build.sh

step "test bed: start"
testbed_state() {
  echo "--- test bed state ---" >&2
  bash scripts/testbed/ctl.sh status >&2 || true
  for f in "${MAYDAY_TESTBED_DIR:-${XDG_RUNTIME_DIR:-/tmp}/mayday-testbed}"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "--- last lines of $f ---" >&2
    tail -n 15 "$f" >&2
  done
}
if bash scripts/testbed/ctl.sh healthy 2>/dev/null; then
  echo "using the test bed that is already running (left running afterwards)" >&2
  eval "$(bash scripts/testbed/ctl.sh env)"
else
  trap 'step "test bed: stop"; bash scripts/testbed/stop.sh' EXIT
  if ! env_lines=$(bash scripts/testbed/start.sh); then
    testbed_state
    exit 1
  fi
  eval "$env_lines"
fi

step "integration tests"
# -p 1: the packages share one apiserver, and some tests stop it on purpose.
# MAYDAY_REQUIRE_TESTBED: a test that cannot reach the test bed fails here,
# it never skips.
if ! MAYDAY_REQUIRE_TESTBED=1 go test -tags integration -p 1 -count=1 -timeout 20m ./...; then
  testbed_state
  exit 1
fi
step "all tests passed"
