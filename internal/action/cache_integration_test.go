//go:build integration

package action_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// From a warm informer cache (the console's case) an undo reads nothing:
// its critical path is the one guarded PATCH, followed by the Event that
// records it.
func TestUndoFromWarmCacheIsOnePatch(t *testing.T) {
	env := testbed.Require(t)
	ns := env.Namespace(t)
	ctx := context.Background()
	admin := env.Clientset(t)
	ref := createWeb(t, admin, ns, 2)
	waitHistory(t, admin, ref, 1)
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "app=registry.example/web:2.0-bad")
	waitHistory(t, admin, ref, 2)

	var trace kube.RequestTrace
	cfg := env.RESTConfig(t)
	cfg.Wrap(trace.Wrap)
	traced, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cache := kube.NewCache(admin, ns)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cache.Start(cctx)
	if err := cache.WaitForSync(cctx); err != nil {
		t.Fatal(err)
	}
	var h *rollout.History
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		h, err = rollout.GetHistory(ctx, cache.Reader(), ref)
		return err == nil && len(h.Revisions) == 2 && h.Current == 2, nil
	})
	if err != nil {
		t.Fatalf("cache never showed two revisions: %v", err)
	}
	p, err := rollout.PlanUndoFrom(h, rollout.UndoOptions{Attribution: rollout.Attribution{Actor: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&action.Executor{Client: traced}).Undo(ctx, p, action.DryRunNone)
	if err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, r := range trace.Requests() {
		verbs = append(verbs, r.Method+" "+r.Path[:strings.IndexAny(r.Path+"?", "?")])
	}
	// A status update between reading the cache and the write may cost a
	// re-plan (a GET and a LIST, then a second PATCH); without one the
	// undo is exactly one PATCH and the Event.
	if res.Replans == 0 {
		want := []string{
			"PATCH /apis/apps/v1/namespaces/" + ns + "/deployments/web",
			"POST /api/v1/namespaces/" + ns + "/events",
		}
		if strings.Join(verbs, "\n") != strings.Join(want, "\n") {
			t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(verbs, "\n"), strings.Join(want, "\n"))
		}
	}
	if got := liveImage(t, admin, ns); got != "registry.example/web:1.0" {
		t.Errorf("image after undo = %s", got)
	}
	t.Logf("requests (%d replans): %v", res.Replans, verbs)
}
