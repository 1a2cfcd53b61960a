package action_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// With the demo's metrics, checkout 2.15.0 hurt while it was live: a
// failed rollforward from it falls back to the last known good, 2.14.0.
func TestPlanFallbackToTheLastKnownGood(t *testing.T) {
	c := shop(t)
	ctx := context.Background()
	exec := &action.Executor{Client: c.Client()}
	prep, err := action.PrepareSetImage(ctx, exec, action.SetImageRequest{Ref: checkoutRef(),
		Settings: []rollout.ImageSetting{{Container: "checkout", Image: "registry.example.com/shop/checkout:2.15.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.SetImage(ctx, prep.Plan, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	health := &metrics.Health{Source: c.Metrics()}
	fb, err := action.PlanFallback(ctx, c.Client(), health, prep.Plan, "rollforward failed", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(fb.Plan.Template.Spec.Containers[0].Image, "checkout:2.14.0") || !strings.Contains(fb.Why, "last known good") {
		t.Errorf("fallback with health: to %d (%s), why %q", fb.Plan.ToRevision, fb.Plan.Template.Spec.Containers[0].Image, fb.Why)
	}
}
