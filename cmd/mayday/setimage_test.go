package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// runningClock runs with real time from an offset that tests can move.
type runningClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *runningClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *runningClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// demoPinned is the demo shop's image reference pinned by its made-up digest.
func demoPinned(repository, tag string) string {
	return fmt.Sprintf("%s:%s@sha256:%x", repository, tag, sha256.Sum256([]byte(repository+":"+tag)))
}

// stuckPayments is the progress line of payments' rollout stuck on its
// first new pod.
const stuckPayments = "1 out of 3 new replicas have been updated"

const checkout2151 = "registry.example.com/shop/checkout:2.15.1"

func TestSetImageRollsForwardAndVerifies(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{}))
	r := c.demoRun("set-image", "deployment/checkout", "checkout="+checkout2151, "--reason", "INC-52 fix forward",
		"--incident", "INC-52", "--yes", "--watch", "--bake", "0")
	r.wantCode(t, 0)
	out := squash(r.stdout)
	for _, want := range []string{
		"Plan: set image on deployment/checkout in namespace shop (revision 6 now)",
		"container checkout: " + img215 + " → " + checkout2151,
		`Records: change-cause "mayday: set image checkout=` + checkout2151 + `: INC-52 fix forward"`,
		"✓ server dry run: the API server accepted the change",
		"✓ deployment/checkout: set image checkout=" + checkout2151,
		"✓ verified: deployment/checkout rollout complete in",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	d := c.deployment("checkout")
	if d.Spec.Template.Spec.Containers[0].Image != checkout2151 || d.Annotations[rollout.IncidentAnnotation] != "INC-52" ||
		d.Annotations[rollout.ActorAnnotation] != demo.User {
		t.Errorf("after set-image: %s %v", d.Spec.Template.Spec.Containers[0].Image, d.Annotations)
	}
	if st := rollout.DeploymentStatus(d); st.Phase != rollout.PhaseComplete {
		t.Errorf("rollout %s", st.Message)
	}
}

func TestSetImageDryRunsAndJSON(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("set-image", "deploy/checkout", "checkout="+checkout2151, "--dry-run=server", "-o", "json")
	r.wantCode(t, 0)
	var doc SetImageDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if doc.Kind != "SetImage" || doc.Result.Outcome != "dry-run" || len(doc.Result.Plan.Changes) != 1 {
		t.Errorf("doc = %+v", doc.Result)
	}
	if !strings.Contains(r.stderr, "Plan: set image on deployment/checkout") {
		t.Errorf("the plan is not on stderr:\n%s", r.stderr)
	}
	if checkoutImage(c) != img215 {
		t.Error("a dry run changed the image")
	}
	r = c.demoRun("--read-only", "set-image", "deploy/checkout", "checkout="+checkout2151, "--dry-run=client")
	r.wantCode(t, 0)
	if patches(c) != 1 {
		t.Errorf("%d patches, want the one server dry run", patches(c))
	}
}

func TestSetImageBadInput(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	for _, tc := range []struct {
		args    []string
		code    int
		phrases []string
	}{
		{[]string{"set-image", "deployment/checkout", "checkot=" + checkout2151, "--yes"}, 1,
			[]string{`deployment/checkout has no container "checkot": its containers are checkout, envoy`}},
		{[]string{"set-image", "deployment/checkout", "checkout=Registry.Example/Checkout:2", "--yes"}, 2,
			[]string{`invalid image reference "Registry.Example/Checkout:2"`, "must be lowercase"}},
		{[]string{"set-image", "deployment/checkout", "checkout"}, 2, []string{"CONTAINER=IMAGE"}},
		{[]string{"set-image", "deployment/checkout"}, 2, []string{"at least one CONTAINER=IMAGE"}},
		{[]string{"set-image", "deployment/checkout", "checkout=" + checkout2151, "--fallback", "maybe"}, 2, []string{"rollback, offer or none"}},
		{[]string{"set-image", "deployment/checkout", "checkout=" + checkout2151}, 1, []string{"stdin is not a terminal"}},
		{[]string{"--read-only", "set-image", "deployment/checkout", "checkout=" + checkout2151, "--yes"}, 1, []string{"read-only"}},
		{[]string{"set-image", "deployment/nope", "nope=" + checkout2151, "--yes"}, 1, []string{"deployment/nope not found"}},
	} {
		r := c.demoRun(tc.args...)
		r.wantCode(t, tc.code)
		r.wantOneLineError(t, tc.phrases...)
	}
	if checkoutImage(c) != img215 || patches(c) != 0 {
		t.Errorf("bad input changed the image or sent %d patches", patches(c))
	}
}

// A rollforward whose rollout misses its progress deadline is rolled back
// to the revision live before it, and the exit says so.
func TestSetImageFallsBackWhenTheRolloutFails(t *testing.T) {
	clock := &runningClock{}
	c := newCLI(t, newDemo(t, true, demo.Options{Now: clock.Now}))
	before := c.deployment("payments").Spec.Template.Spec.Containers[0].Image
	bad := demoPinned("registry.example.com/shop/payments", "4.3.0")
	// Once the rollout is stuck on its first crashing pod, jump past the
	// progress deadline.
	c.out = &triggerWriter{trigger: stuckPayments, fn: func() { clock.Advance(11 * time.Minute) }}
	r := c.demoRun("set-image", "deployment/payments", "payments="+bad, "--yes", "--fallback=rollback", "--bake", "0", "--reason", "INC-53", "--timeout", "1m")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "rollforward of deployment/payments failed (the rollout failed); rolled back to revision", "(verified)")
	out := squash(r.stdout)
	for _, want := range []string{
		"✗ not verified: deployment/payments rollout failed: deployment \"payments\" exceeded its progress deadline",
		"fallback: revision 6 ran before the rollforward",
		"✓ deployment/payments rolled back to revision 6",
		"✓ verified: deployment/payments rollout complete",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	d := c.deployment("payments")
	if got := d.Spec.Template.Spec.Containers[0].Image; got != before {
		t.Errorf("payments runs %s after the fallback, want %s", got, before)
	}
	if cc := d.Annotations[rollout.ChangeCauseAnnotation]; !strings.HasPrefix(cc, "mayday: rollback to revision 6: rollforward failed (the rollout failed): INC-53") {
		t.Errorf("change-cause %q", cc)
	}
}

// Without --fallback=rollback and without a terminal, a failed
// rollforward is reported with the command that rolls it back.
func TestSetImageFailureWithoutFallbackNamesTheUndo(t *testing.T) {
	clock := &runningClock{}
	c := newCLI(t, newDemo(t, true, demo.Options{Now: clock.Now}))
	bad := demoPinned("registry.example.com/shop/payments", "4.3.0")
	c.out = &triggerWriter{trigger: stuckPayments, fn: func() { clock.Advance(11 * time.Minute) }}
	r := c.demoRun("set-image", "deployment/payments", "payments="+bad, "--yes", "--watch", "--bake", "0", "--timeout", "1m")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "rollforward of deployment/payments failed", "roll back with: mayday --demo undo deployment/payments -n shop --to-revision 6")
	if got := c.deployment("payments").Spec.Template.Spec.Containers[0].Image; got != bad {
		t.Errorf("payments runs %s: nothing should have rolled back", got)
	}
}
