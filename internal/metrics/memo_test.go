package metrics

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// countingAlerts counts alerts requests on top of a fakeSource.
type countingAlerts struct {
	*fakeSource
	calls atomic.Int32
}

func (c *countingAlerts) Alerts(ctx context.Context) ([]Alert, error) {
	c.calls.Add(1)
	return c.fakeSource.Alerts(ctx)
}

func TestMemoDetectsOncePerWorkload(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	src := (&fakeSource{}).value("http_requests_total", 1)
	h := &Health{Source: src, Memo: &Memo{Now: func() time.Time { return now }}}
	web := Target{Namespace: "shop", Kind: "Deployment", Name: "web"}
	for range 3 {
		if p, err := h.Detect(context.Background(), web); err != nil || p != "promhttp" {
			t.Fatalf("Detect = %q, %v", p, err)
		}
	}
	first := len(src.probes())
	if first == 0 {
		t.Fatal("no probe sent")
	}
	if _, err := h.Detect(context.Background(), Target{Namespace: "shop", Kind: "Deployment", Name: "api"}); err != nil {
		t.Fatal(err)
	}
	if got := len(src.probes()); got != 2*first {
		t.Errorf("probes after two workloads = %d, want %d (one detection each)", got, 2*first)
	}
	now = now.Add(6 * time.Minute) // past the TTL: detected again
	if _, err := h.Detect(context.Background(), web); err != nil {
		t.Fatal(err)
	}
	if got := len(src.probes()); got != 3*first {
		t.Errorf("probes after the TTL = %d, want %d", got, 3*first)
	}
}

func TestMemoNeverKeepsASourceFailure(t *testing.T) {
	down := errors.New("connection refused")
	src := (&fakeSource{}).on("", func(context.Context, Query, Range) ([]Series, error) { return nil, down })
	h := &Health{Source: src, Memo: &Memo{}}
	web := Target{Namespace: "shop", Kind: "Deployment", Name: "web"}
	_, err1 := h.Detect(context.Background(), web)
	n := len(src.probes())
	_, err2 := h.Detect(context.Background(), web)
	if err1 == nil || err2 == nil || len(src.probes()) != 2*n {
		t.Errorf("errors %v, %v; probes %d after two detections (want %d: failures asked again)", err1, err2, len(src.probes()), 2*n)
	}
}

func TestMemoSharesTheAlertsList(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	src := &countingAlerts{fakeSource: &fakeSource{alerts: []Alert{
		{Name: "HighErrors", State: "firing", Labels: map[string]string{"namespace": "shop", "deployment": "web"}},
	}}}
	h := &Health{Source: src, Memo: &Memo{Now: func() time.Time { return now }}}
	for _, name := range []string{"web", "api", "web"} {
		got, err := h.Alerts(context.Background(), Target{Namespace: "shop", Kind: "Deployment", Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"web": 1, "api": 0}[name]; len(got) != want {
			t.Errorf("%s: %d alerts, want %d", name, len(got), want)
		}
	}
	if src.calls.Load() != 1 {
		t.Errorf("alerts requests = %d, want 1 within the TTL", src.calls.Load())
	}
	now = now.Add(10 * time.Second)
	if _, err := h.Alerts(context.Background(), Target{Namespace: "shop", Kind: "Deployment", Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if src.calls.Load() != 2 {
		t.Errorf("alerts requests after the TTL = %d, want 2", src.calls.Load())
	}
}
