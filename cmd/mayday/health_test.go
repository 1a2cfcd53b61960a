package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/output"
)

func TestHealthShowsTheBadRolloutWithEvidence(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.width = 120
	r := c.demoRun("health", "deployment/checkout")
	r.wantCode(t, exitOK)
	for _, want := range []string{
		"deployment/checkout in namespace shop",
		"✗ critical",
		"error ratio", "p99", "request rate",
		"http_requests_total", // the query is shown as evidence
		"> 5% critical",
		"▲6", // the bad revision's rollout start is marked on the charts
		"REVISIONS WHILE LIVE",
		"★ last known good",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestHealthJSON(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("health", "deploy/checkout", "--window", "6h", "-o", "json")
	r.wantCode(t, exitOK)
	var doc output.HealthDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Kind != "Health" || doc.State != "critical" || doc.Window != "6h0m0s" {
		t.Errorf("kind %q state %q window %q", doc.Kind, doc.State, doc.Window)
	}
	var ratio *output.SignalDoc
	for i := range doc.Signals {
		if doc.Signals[i].Signal == "error_ratio" {
			ratio = &doc.Signals[i]
		}
	}
	if ratio == nil || ratio.Value == nil || *ratio.Value < 0.05 || ratio.Query == "" || ratio.Critical == nil {
		t.Fatalf("error ratio evidence = %+v", ratio)
	}
	if doc.LastKnownGood == nil || *doc.LastKnownGood >= 6 {
		t.Errorf("last known good = %v, want a revision before the bad 6", doc.LastKnownGood)
	}
	for _, rh := range doc.Revisions {
		if rh.Revision == *doc.LastKnownGood && rh.State != "healthy" {
			t.Errorf("last known good revision %d was %s while live", rh.Revision, rh.State)
		}
	}
	if len(doc.Panels) == 0 || len(doc.Panels[0].Series) == 0 {
		t.Fatalf("no panels: %+v", doc.Panels)
	}
}

func TestHealthOfAHealthyWorkload(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("health", "deployment/frontend", "-o", "json")
	r.wantCode(t, exitOK)
	var doc output.HealthDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.State != "healthy" || len(doc.Alerts) != 0 {
		t.Errorf("frontend: state %q, alerts %v, reason %q", doc.State, doc.Alerts, doc.Reason)
	}
}

func TestHealthRejectsAbsurdWindows(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	for _, tc := range []struct {
		window string
		want   string
	}{
		{"0", "--window 0"},
		{"10y", "30d"},
		{"soon", "15m, 1h"},
		{"-5m", "--window"},
	} {
		r := c.demoRun("health", "deployment/checkout", "--window", tc.window)
		r.wantCode(t, exitUsage)
		r.wantOneLineError(t, tc.want)
	}
}

func TestHealthOfAMissingWorkload(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("health", "deployment/nope")
	r.wantCode(t, exitFailed)
	r.wantOneLineError(t, `deployment/nope not found in namespace "shop"`)
}

func TestHealthWithPrometheusUnreachableIsUnknown(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	// Port 1 on loopback refuses connections.
	r := c.demoRun("health", "deployment/checkout", "--prometheus", "http://127.0.0.1:1", "-o", "json")
	r.wantCode(t, exitOK)
	var doc output.HealthDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.State != "unknown" || !strings.Contains(doc.Reason, "127.0.0.1:1") {
		t.Errorf("state %q reason %q, want unknown naming the Prometheus", doc.State, doc.Reason)
	}
}

func TestHealthRejectsABadPrometheusURL(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("health", "deployment/checkout", "--prometheus", "ftp://x")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "--prometheus")
}
