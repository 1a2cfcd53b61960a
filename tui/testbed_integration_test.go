//go:build integration

package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
	"github.com/mayday-tui/mayday/tui/app"
	"github.com/mayday-tui/mayday/tui/screens/diff"
	"github.com/mayday-tui/mayday/tui/screens/history"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
	"github.com/mayday-tui/mayday/tui/screens/workloads"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Generous bounds for a loaded 2-core machine: they catch a console that
// never gets there, they do not measure it.
const (
	settle   = time.Minute
	rollout2 = 2 * time.Minute
)

// console builds the model over a real informer cache on ns, the way Run
// does: client for the informers and for the actions.
func console(t *testing.T, client kubernetes.Interface, ns string, w, h int) *loop {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cache := kube.NewCache(client, ns)
	cache.Start(ctx)
	d := Deps{Client: client, ActionClient: client, Context: "testbed", Namespace: ns, Now: time.Now}
	b, _ := NewModel(ctx, d, workload.CacheCluster{Cache: cache})
	l := newLoop(t, ctx, b.Model)
	l.send(tea.WindowSizeMsg{Width: w, Height: h})
	return l
}

// The first flow of issue 3 against the real test bed: find checkout by
// typing chk, open it, diff the previous revision, roll back to it with
// confirmation, see the rollout complete and the history gain the new
// revision with its former number; then the Deployment in the API server
// runs the old image and carries mayday's attribution.
func TestConsoleRollbackFlowOnTheTestBed(t *testing.T) {
	env := testbed.Require(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	const oldImage, newImage = "registry.example/checkout:1.0", "registry.example/checkout:2.0-bad"
	env.RunKubectl(t, "-n", ns, "create", "deployment", "checkout", "--image="+oldImage, "--replicas=2")
	env.RunKubectl(t, "-n", ns, "create", "deployment", "cart", "--image=registry.example/cart:1.0", "--replicas=1")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/checkout", "--timeout=120s")
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/checkout", "checkout="+newImage)
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/checkout", "--timeout=120s")

	l := console(t, cs, ns, 120, 40)
	l.until("the finder to list checkout and cart", settle, shows("checkout", "cart", "● connected"))

	l.keys("c", "h", "k")
	l.until("the filter chk to select checkout", settle, func(m app.Model) bool {
		w, ok := m.Top().(workloads.Screen)
		if !ok {
			return false
		}
		r, sel := w.Finder().Selected()
		return sel && r.Ref.Name == "checkout" && w.Finder().Query() == "chk" && !strings.Contains(ansiStrip(m), "cart")
	})

	l.keys("enter")
	l.until("the history of checkout with 2 revisions", settle, func(m app.Model) bool {
		h, ok := m.Top().(history.Screen)
		return ok && h.History() != nil && len(h.History().Revisions) == 2 && h.History().Current == 2
	})
	l.keys("down")
	if r := l.m.Top().(history.Screen).Selected(); r == nil || r.Number != 1 {
		t.Fatalf("selected %+v\n%s", r, l.screen())
	}

	l.keys("d")
	l.until("the diff of revision 1 against the current template", settle, func(m app.Model) bool {
		_, ok := m.Top().(diff.Screen)
		return ok && shows("revision 1 → current template (revision 2)", oldImage, newImage)(m)
	})

	l.keys("esc")
	l.until("esc to go back from the diff to the history", settle, func(m app.Model) bool {
		_, ok := m.Top().(history.Screen)
		return ok
	})

	l.keys("r")
	l.until("the plan, dry-run by the server, to ask for confirmation", settle, func(m app.Model) bool {
		rb, ok := m.Top().(rollback.Screen)
		if ok && (rb.Phase() == rollback.PlanFailed || rb.Phase() == rollback.DryRunFailed) {
			t.Fatalf("rollback stopped in phase %v: %v\n%s", rb.Phase(), rb.Err(), ansiStrip(m))
		}
		return ok && rb.Phase() == rollback.Confirming
	})

	l.keys("y")
	l.until("the rollout to complete", rollout2, func(m app.Model) bool {
		rb, ok := m.Top().(rollback.Screen)
		if !ok {
			t.Fatalf("left the rollback screen: top %T\n%s", m.Top(), ansiStrip(m))
		}
		if rb.Phase() == rollback.ExecFailed {
			t.Fatalf("the write failed: %v\n%s", rb.Err(), ansiStrip(m))
		}
		return rb.Done()
	})
	rb := l.m.Top().(rollback.Screen)
	if !rb.Landed() || rb.Status().Phase != rollout.PhaseComplete {
		t.Fatalf("rollout ended landed=%v status %+v\n%s", rb.Landed(), rb.Status(), l.screen())
	}
	if v := l.screen(); !strings.Contains(v, "✓ rollout complete") || !strings.Contains(v, "it is now revision 3 (was 1)") {
		t.Fatalf("progress:\n%s", v)
	}

	l.keys("esc")
	l.until("the history to show revision 3 (was 1) as current", settle, func(m app.Model) bool {
		h, ok := m.Top().(history.Screen)
		return ok && h.History() != nil && h.History().Current == 3 && shows("3 (was 1)")(m)
	})

	// The API server, not the console's cache, has the last word.
	dep, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "checkout", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img := dep.Spec.Template.Spec.Containers[0].Image; img != oldImage {
		t.Errorf("image %q, want %q", img, oldImage)
	}
	a := dep.Annotations
	if cc := a[rollout.ChangeCauseAnnotation]; !strings.HasPrefix(cc, "mayday: rollback to revision 1") {
		t.Errorf("change-cause %q", cc)
	}
	if a[rollout.ActorAnnotation] == "" {
		t.Errorf("no %s annotation: %v", rollout.ActorAnnotation, a)
	}
	if a[rollout.RevisionAnnotation] != "3" {
		t.Errorf("revision %q, want 3", a[rollout.RevisionAnnotation])
	}
}

func ansiStrip(m app.Model) string { return (&loop{m: m}).screen() }
