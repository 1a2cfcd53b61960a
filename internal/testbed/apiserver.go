package testbed

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The apiserver controls below are for tests of what mayday does when the API
// server goes away in the middle of a command. Such a test must not run in
// parallel with others (no t.Parallel), since every test shares the one
// apiserver. Each control that takes the apiserver away also registers a
// cleanup that brings it back, so the next test finds it healthy.

// StopAPIServer stops kube-apiserver with SIGTERM, on which it stops listening
// at once (new connections are refused), and SIGKILL 2 s later instead of its
// 60 s wait for open watches; it returns once the process is gone.
func (e *Env) StopAPIServer(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { e.StartAPIServer(t) })
	e.ctl(t, "stop-apiserver")
}

// KillAPIServer kills kube-apiserver (SIGKILL), like a crash: open
// connections are reset and new ones refused.
func (e *Env) KillAPIServer(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { e.StartAPIServer(t) })
	e.ctl(t, "kill-apiserver")
}

// PauseAPIServer freezes kube-apiserver (SIGSTOP): connections are accepted
// by the kernel but nothing answers, so only a client's timeout helps. This is
// the way to test "no hang" rather than "connection refused".
func (e *Env) PauseAPIServer(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { e.StartAPIServer(t) })
	e.ctl(t, "pause-apiserver")
}

// StartAPIServer starts (or resumes) kube-apiserver and returns once /readyz
// answers. It does nothing when the apiserver is running and ready.
func (e *Env) StartAPIServer(t testing.TB) {
	t.Helper()
	e.ctl(t, "start-apiserver")
}

func (e *Env) ctl(t testing.TB, command string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(e.Scripts, "ctl.sh"), command)
	cmd.Env = append(os.Environ(), EnvDir+"="+e.Dir)
	cmd.WaitDelay = 10 * time.Second
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("testbed: ctl.sh %s: %v\n%s", command, err, out.String())
	}
}
