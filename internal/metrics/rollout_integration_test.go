//go:build integration

package metrics_test

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	commoncfg "github.com/prometheus/common/config"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// TestHealthFollowsARollout rolls a real Deployment in the test bed from a
// good version to a bad one and back, with a demo shop serving as each live
// pod (named like it, labelled like a Kubernetes scrape would), and checks
// mayday's verdict against the real Prometheus at every step: healthy with
// the good version's values, critical with the bad one's within a few
// scrapes, one series per pod-template-hash while old and new pods both
// serve, and healthy again after the rollback.
func TestHealthFollowsARollout(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	h := newHealth(t, env.PrometheusURL, commoncfg.HTTPClientConfig{}, nil)

	if _, err := cs.AppsV1().Deployments(ns).Create(t.Context(), webDeployment("shop:good"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rev1 := waitRolledOut(t, env, ns)
	target := metrics.Target{Namespace: ns, Kind: "Deployment", Name: "web", Revisions: rev1.Revisions}
	good := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: rev1.Pod, Version: "good", RPS: rps})
	env.WaitPrometheusTarget(t, ns, good.Pod)
	goodUp := time.Now()

	// Good: healthy, with the shop's 0.2 % errors and 150 ms p99.
	v, _ := settled(t, h, target, goodUp)
	t.Logf("good version: %s", describe(v))
	if v.State != metrics.Healthy {
		t.Fatalf("good version: verdict %s, want healthy", describe(v))
	}
	inRange(t, v, metrics.ErrorRatio, 0.0005, 0.005)
	inRange(t, v, metrics.LatencyP99, 0.1, 0.25)
	inRange(t, v, metrics.RequestRate, rps*0.8, rps*1.2)
	if r := result(v, metrics.ErrorRatio); r.Preset != "promhttp" || r.Query == "" {
		t.Errorf("error ratio evidence: preset %q query %q, want the detected promhttp query", r.Preset, r.Query)
	}

	// Roll out the bad version: its pod starts serving before the old one
	// goes, as with maxSurge.
	setImage(t, env, ns, "shop:bad")
	rev2 := waitRolledOut(t, env, ns)
	if rev2.Hash == rev1.Hash {
		t.Fatalf("the new image did not make a new revision (hash %s)", rev2.Hash)
	}
	target.Revisions = rev2.Revisions
	bad := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: rev2.Pod, Version: "bad", RPS: rps})
	env.WaitPrometheusTarget(t, ns, bad.Pod)
	badUp := time.Now()

	// While both serve, each revision has its own series, in revision
	// order after the whole workload's.
	_, panels := until(t, "a series for each revision", time.Minute, h, target, func(_ metrics.Verdict, ps []metrics.Panel) bool {
		_, ok1 := latest(panelOf(ps, metrics.ErrorRatio), rev1.Hash)
		_, ok2 := latest(panelOf(ps, metrics.ErrorRatio), rev2.Hash)
		return ok1 && ok2
	})
	for _, s := range metrics.GoldenSignals() {
		p := panelOf(panels, s)
		if want := []string{"", rev1.Hash, rev2.Hash}; !p.Query.PerRevision || !slices.Equal(revisionsOf(p), want) {
			t.Errorf("%s panel while both revisions serve: per revision %v, series %q; want %q (the workload, then revisions 1 and 2)",
				s.Label(), p.Query.PerRevision, revisionsOf(p), want)
		}
	}

	// The old pod goes: critical within a few scrapes.
	good.Stop(t)
	goodGone := time.Now()
	v, _ = until(t, "critical after the bad rollout", time.Minute, h, target, func(v metrics.Verdict, _ []metrics.Panel) bool {
		return v.State == metrics.Critical
	})
	t.Logf("critical %.1f s after the old pod went (%.1f s after the new one was first scraped): %s",
		time.Since(goodGone).Seconds(), time.Since(badUp).Seconds(), v.Reason)
	v, panels = settled(t, h, target, goodGone)
	t.Logf("bad version: %s", describe(v))
	if v.State != metrics.Critical || result(v, metrics.ErrorRatio).State != metrics.Critical {
		t.Errorf("bad version alone: verdict %s, want critical on the error ratio", describe(v))
	}
	inRange(t, v, metrics.ErrorRatio, 0.08, 0.16)
	inRange(t, v, metrics.LatencyP99, 1, 2.5)
	if rev, ok := latest(panelOf(panels, metrics.ErrorRatio), rev2.Hash); !ok || rev < 0.08 || rev > 0.16 {
		t.Errorf("revision 2's own error ratio %v (data: %v), want 8%%..16%%", rev, ok)
	}

	// Roll back: revision 3 brings back revision 1's template (and hash).
	env.RunKubectl(t, "-n", ns, "rollout", "undo", "deployment/web")
	rev3 := waitRolledOut(t, env, ns)
	if rev3.Hash != rev1.Hash || rev3.Revisions[rev3.Hash] != 3 {
		t.Fatalf("rollback: live hash %s (revision %d), want %s as revision 3", rev3.Hash, rev3.Revisions[rev3.Hash], rev1.Hash)
	}
	target.Revisions = rev3.Revisions
	back := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: rev3.Pod, Version: "good", RPS: rps})
	env.WaitPrometheusTarget(t, ns, back.Pod)
	bad.Stop(t)
	badGone := time.Now()
	until(t, "healthy after the rollback", time.Minute, h, target, func(v metrics.Verdict, _ []metrics.Panel) bool {
		return v.State == metrics.Healthy
	})
	t.Logf("healthy %.1f s after the bad pod went", time.Since(badGone).Seconds())
	v, _ = settled(t, h, target, badGone)
	t.Logf("after the rollback: %s", describe(v))
	if v.State != metrics.Healthy || len(v.Alerts) != 0 {
		t.Errorf("after the rollback: verdict %s, want healthy without alerts", describe(v))
	}
	inRange(t, v, metrics.ErrorRatio, 0, 0.005)
	inRange(t, v, metrics.LatencyP99, 0.1, 0.25)
}

func setImage(t *testing.T, env *testbed.Env, ns, image string) {
	t.Helper()
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"shop","image":"` + image + `"}]}}}}`)
	if _, err := env.Clientset(t).AppsV1().Deployments(ns).Patch(t.Context(), "web", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
