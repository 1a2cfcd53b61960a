package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/demo"
)

const img214 = "registry.example.com/shop/checkout:2.14.0"

func TestUndoAppDryRunServerShowsEveryComponent(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("undo", "app/shop", "--dry-run=server")
	r.wantCode(t, 0)
	out := squash(r.stdout)
	for _, want := range []string{
		"Plan: roll back application shop in namespace shop to ",
		"just before the newest deploy: deployment/checkout revision 6 started at ",
		"components (app.kubernetes.io/part-of=shop): catalog, checkout, frontend, payments, ledger, log-agent",
		"deployment/checkout revision 6 → 5",
		"deployment/frontend unchanged (revision 5 was live then and is now)",
		"statefulset/ledger unchanged",
		"Plan: roll back deployment/checkout in namespace shop",
		"✓ server dry run: the API server accepted the change",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if got := checkoutImage(c); got != img215 {
		t.Errorf("a server dry run changed checkout to %s", got)
	}
}

func TestUndoAppRollsBackAndVerifies(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{}))
	r := c.demoRun("undo", "app/shop", "--yes", "--bake", "0", "--reason", "INC-51 checkout errors", "--incident", "INC-51")
	r.wantCode(t, 0)
	for _, want := range []string{
		"✓ deployment/checkout rolled back to revision 5",
		"= deployment/frontend already on revision 5",
		"✓ verified: deployment/checkout rollout complete in",
		"health not checked",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	d := c.deployment("checkout")
	if got := d.Spec.Template.Spec.Containers[0].Image; got != img214 {
		t.Errorf("checkout runs %s", got)
	}
	if cc := d.Annotations["kubernetes.io/change-cause"]; cc != "mayday: rollback to revision 5: INC-51 checkout errors" {
		t.Errorf("change-cause %q", cc)
	}
}

func TestUndoAppPartialToATime(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{}))
	// 6 days ago checkout ran 2.13.0 and frontend 3.9.1.
	r := c.demoRun("undo", "app/shop", "--to-time", "144h", "--only", "checkout", "--yes", "--bake", "0", "-o", "json")
	r.wantCode(t, 0)
	var doc AppUndoDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if doc.Kind != "AppUndo" || len(doc.Steps) != 1 || doc.Steps[0].Workload != "deployment/checkout" || doc.Steps[0].Outcome != "applied" || len(doc.Verified) != 1 {
		t.Errorf("doc = %+v", doc)
	}
	if got := checkoutImage(c); got != img213 {
		t.Errorf("checkout runs %s", got)
	}
	if got := c.deployment("frontend").Spec.Template.Spec.Containers[0].Image; got != "registry.example.com/shop/frontend:3.11.2" {
		t.Errorf("frontend was rolled back too: %s", got)
	}
}

func TestUndoAppBadInput(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	for _, tc := range []struct {
		args    []string
		code    int
		phrases []string
	}{
		{[]string{"undo", "app/shop", "--only", "checkout,paymnts", "--yes"}, 1,
			[]string{`unknown component "paymnts"`, "catalog, checkout, frontend, payments, ledger, log-agent", "nothing was changed"}},
		{[]string{"undo", "app/shop", "--to-time", "900h", "--yes"}, 1,
			[]string{"deployment/checkout has no revision live at", "its oldest revision started at"}},
		{[]string{"undo", "app/shop", "--to-time", "tea-time"}, 2, []string{"--to-time", "HH:MM"}},
		{[]string{"undo", "app/nope", "--yes"}, 1, []string{`no application "nope" in namespace "shop"`}},
		{[]string{"undo", "app/shop", "--to-revision", "3"}, 2, []string{"--to-time"}},
		{[]string{"undo", "deployment/checkout", "--only", "checkout"}, 2, []string{"apply to an application (app/NAME)"}},
		{[]string{"undo", "app/shop"}, 1, []string{"stdin is not a terminal", "--yes"}},
		{[]string{"--read-only", "undo", "app/shop", "--yes"}, 1, []string{"read-only"}},
	} {
		r := c.demoRun(tc.args...)
		r.wantCode(t, tc.code)
		r.wantOneLineError(t, tc.phrases...)
	}
	if patches(c) != 0 {
		t.Errorf("bad input sent %d patches", patches(c))
	}
}

func TestUndoAppAsksOnce(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{}))
	c.tty = true
	c.stdin = strings.NewReader("n\n")
	r := c.demoRun("undo", "app/shop", "--bake", "0")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "Roll back 1 workload(s) of application shop in namespace shop to ") {
		t.Errorf("question:\n%s", r.stderr)
	}
	if got := checkoutImage(c); got != img215 {
		t.Errorf("not confirmed, yet checkout runs %s", got)
	}
}

// squash collapses runs of spaces, so tests do not depend on column
// widths.
func squash(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// Someone changes checkout between the plan and the write: nothing is
// overwritten, and the error says what they changed.
func TestUndoAppStopsOnAPersonsChange(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{}))
	c.tty = true
	c.stdin = strings.NewReader("y\n")
	c.out = &triggerWriter{trigger: "server dry run: the API server accepted", fn: func() { setCheckoutImage(t, c, img213) }}
	r := c.demoRun("undo", "app/shop", "--bake", "0")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "error: deployment/checkout changed after the plan was made") ||
		!strings.Contains(r.stderr, "nothing was changed; review with mayday history/diff") || strings.Contains(r.stderr, "not attempted") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if got := checkoutImage(c); got != img213 {
		t.Errorf("the other writer's image was overwritten: %s", got)
	}
}
