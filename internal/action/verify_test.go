package action_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// downSource is a Prometheus that does not answer.
type downSource struct{}

func (downSource) QueryRange(context.Context, metrics.Query, metrics.Range) ([]metrics.Series, error) {
	return nil, errors.New("connection refused")
}
func (downSource) Alerts(context.Context) ([]metrics.Alert, error) {
	return nil, errors.New("connection refused")
}
func (downSource) Name() string { return "prometheus (down)" }

func frontendRef() rollout.Ref {
	return rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "frontend"}
}

func TestVerifyObservesHealthRecover(t *testing.T) {
	c := shop(t)
	var events action.Events
	var baked time.Duration
	vf := &action.Verifier{Client: c.Client(), Timeout: time.Minute, Bake: 30 * time.Second, Poll: 50 * time.Millisecond,
		Health: &metrics.Health{Source: c.Metrics(), Scrape: 100 * time.Millisecond}, Recorder: &events, Action: "test",
		OnBake: func(_ rollout.Ref, _, settle time.Duration) { baked = settle }}
	v := vf.Verify(context.Background(), frontendRef())
	if !v.Verified() || !v.HealthRecovered || v.Health.State != metrics.Healthy {
		t.Fatalf("frontend: %s", v.Summary())
	}
	// Healthy only counts once the rate window lies after the rollout.
	if baked <= 0 || v.HealthDuration < baked {
		t.Errorf("healthy after %s, before its %s rate window passed", v.HealthDuration, baked)
	}
	if all := events.All(); len(all) != 1 || all[0].Phase != action.PhaseVerified || all[0].Detail["health"] != "healthy" {
		t.Errorf("events: %+v", all)
	}
}

// A verdict never observed healthy is reported as last seen, never
// assumed: an unreachable Prometheus leaves the action not verified.
func TestVerifyDoesNotAssumeHealth(t *testing.T) {
	c := shop(t)
	var events action.Events
	vf := &action.Verifier{Client: c.Client(), Timeout: time.Minute, Bake: 300 * time.Millisecond, Poll: 50 * time.Millisecond,
		Health: &metrics.Health{Source: downSource{}}, Recorder: &events, Action: "test"}
	v := vf.Verify(context.Background(), frontendRef())
	if !v.RolloutComplete || v.Verified() || v.HealthRecovered || v.Health.State != metrics.Unknown || v.HealthCritical() {
		t.Fatalf("with Prometheus down: %+v", v)
	}
	if !strings.Contains(v.Summary(), "health ? unknown after the ") || !strings.Contains(v.Summary(), "connection refused") {
		t.Errorf("summary %q", v.Summary())
	}
	if all := events.All(); len(all) != 1 || all[0].Phase != action.PhaseFailed {
		t.Errorf("events: %+v", all)
	}
}

// A rollout stuck at the timeout is reported as timed out, without a
// health verdict.
func TestVerifyTimesOut(t *testing.T) {
	c := shop(t)
	vf := &action.Verifier{Client: c.Client(), Timeout: 300 * time.Millisecond, Health: &metrics.Health{Source: c.Metrics()}}
	v := vf.Verify(context.Background(), checkoutRef())
	if !v.TimedOut || v.RolloutComplete || v.HealthChecked || v.Verified() {
		t.Fatalf("checkout's stuck rollout: %+v", v)
	}
	if !strings.Contains(v.Summary(), "rollout not complete after") {
		t.Errorf("summary %q", v.Summary())
	}
}
