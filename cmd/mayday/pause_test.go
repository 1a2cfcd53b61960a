package main

import (
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func TestPauseAndResume(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("pause", "deployment/checkout", "--reason", "INC-54 hold the rollout", "--incident", "INC-54", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "✓ deployment/checkout paused where its rollout was: 2 out of 4 new replicas have been updated") {
		t.Errorf("pause output:\n%s", r.stdout)
	}
	d := c.deployment("checkout")
	if !d.Spec.Paused || d.Annotations[action.PauseReasonAnnotation] != "INC-54 hold the rollout" ||
		d.Annotations[rollout.IncidentAnnotation] != "INC-54" || d.Annotations[rollout.ActorAnnotation] != demo.User {
		t.Errorf("after pause: paused %v, annotations %v", d.Spec.Paused, d.Annotations)
	}
	r = c.demoRun("pause", "deployment/checkout", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "deployment/checkout is already paused: nothing to do") {
		t.Errorf("pause twice:\n%s", r.stdout)
	}
	// A paused deployment is not rolled back (kubectl's rule).
	r = c.demoRun("undo", "deployment/checkout", "--yes")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "resume it first")
	r = c.demoRun("resume", "deploy/checkout", "--yes")
	r.wantCode(t, 0)
	d = c.deployment("checkout")
	if d.Spec.Paused || d.Annotations[action.PauseReasonAnnotation] != "" {
		t.Errorf("after resume: paused %v, annotations %v", d.Spec.Paused, d.Annotations)
	}
	r = c.demoRun("resume", "deploy/checkout", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "deployment/checkout is not paused: nothing to resume") {
		t.Errorf("resume twice:\n%s", r.stdout)
	}
}

func TestPauseBadInput(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	for _, tc := range []struct {
		args    []string
		code    int
		phrases []string
	}{
		{[]string{"pause", "sts/ledger", "--yes"}, 1, []string{"statefulset/ledger cannot be paused", "partition"}},
		{[]string{"resume", "ds/log-agent", "--yes"}, 1, []string{"daemonset/log-agent cannot be resumed", "OnDelete"}},
		{[]string{"--read-only", "pause", "deployment/checkout", "--yes"}, 1, []string{"read-only"}},
		{[]string{"pause", "deployment/checkout"}, 1, []string{"stdin is not a terminal"}},
		{[]string{"pause", "deployment/nope", "--yes"}, 1, []string{"deployment/nope not found"}},
		{[]string{"pause"}, 2, []string{"KIND/NAME"}},
	} {
		r := c.demoRun(tc.args...)
		r.wantCode(t, tc.code)
		r.wantOneLineError(t, tc.phrases...)
	}
	if c.deployment("checkout").Spec.Paused || patches(c) != 0 {
		t.Error("bad input changed checkout")
	}
}

func TestPauseDryRunServer(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("pause", "deployment/checkout", "--dry-run=server")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "server dry run") || c.deployment("checkout").Spec.Paused {
		t.Errorf("dry run:\n%s", r.stdout)
	}
}
