//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// An incident end to end on the test bed, with the built binary and the
// real Prometheus: a bad deploy turns critical, the incident is opened,
// the decision and the rollback are journaled, the rollback is verified
// and analysed, and the report's timeline and impact agree with the
// journal, the API objects and a direct query.
func TestIncidentOnTheTestBed(t *testing.T) {
	var bin binary
	bin.get(t)
	env := testbed.Require(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	dir := filepath.Join(t.TempDir(), "journals")
	run := func(args ...string) binRun {
		t.Helper()
		r := mayday(t, &bin, env.Kubeconfig, append([]string{"-n", ns, "--prometheus", env.PrometheusURL, "--journal-dir", dir}, args...)...)
		if r.code != 0 {
			t.Fatalf("mayday %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
		return r
	}
	env.RunKubectl(t, "-n", ns, "create", "deployment", "web", "--image=registry.example/web:1.0", "--replicas=1")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	current := func() (string, time.Time) { return currentReplicaSet(t, cs, ns, "web") }
	waitVerdict := func(want string) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute) // a bound for a broken run
		for {
			var doc output.HealthDoc
			r := run("health", "deployment/web", "--window", "15m", "-o", "json")
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.State == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("verdict stayed %s (%s), want %s", doc.State, doc.Reason, want)
			}
			time.Sleep(2 * time.Second)
		}
	}

	h1, _ := current()
	good := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-" + h1 + "-good1"})
	env.WaitPrometheusTarget(t, ns, "web-"+h1+"-good1")
	waitVerdict("healthy")

	// The bad deploy.
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "web=registry.example/web:2.0-bad")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	h2, badCreated := current()
	bad := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-" + h2 + "-bad01", Version: "bad"})
	env.WaitPrometheusTarget(t, ns, "web-"+h2+"-bad01")
	good.Stop(t)
	waitVerdict("critical")

	run("incident", "open", "web errors after deploy", "--severity", "SEV2", "-w", "deployment/web", "--id", "INC-IT-web")
	// The wizard's decision from live evidence, journaled in the open
	// incident about the workload.
	r := run("decide", "deployment/web")
	if !strings.Contains(r.stdout, "ROLLBACK") || !strings.Contains(r.stderr, "journaled in INC-IT-web") {
		t.Fatalf("decide:\n%s\n%s", r.stdout, r.stderr)
	}
	// The rollback, followed until complete, then analysed.
	r = run("undo", "deployment/web", "--yes", "--watch", "--timeout", "90s", "--reason", "bad build")
	if !strings.Contains(r.stderr, "journaled in INC-IT-web") || !strings.Contains(r.stderr, "analysis of deployment/web journaled") {
		t.Fatalf("undo stderr:\n%s", r.stderr)
	}
	h3, _ := current()
	env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-" + h3 + "-good2"})
	bad.Stop(t)

	r = run("report", "INC-IT-web", "-o", "json")
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	r = run("incident", "show", "INC-IT-web", "-o", "json")
	var show struct {
		Timeline []struct {
			Seq     int64     `json:"seq"`
			Time    time.Time `json:"time"`
			Type    string    `json:"type"`
			Outcome string    `json:"outcome"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
		t.Fatal(err)
	}
	bySeq := map[int64]time.Time{}
	var intent, result time.Time
	for _, e := range show.Timeline {
		bySeq[e.Seq] = e.Time
		switch e.Type {
		case "action-intent":
			intent = e.Time
			if e.Outcome != "succeeded" {
				t.Errorf("the rollback's intent ended %q", e.Outcome)
			}
		case "action-result":
			result = e.Time
		}
	}
	ms := map[string]report.Milestone{}
	for _, m := range rep.Milestones {
		ms[m.Name] = m
	}
	// Each milestone from the journal carries its record's time.
	for _, name := range []string{"detection", "decision", "action", "recovery", "stable"} {
		m := ms[name]
		if m.Time.IsZero() {
			t.Errorf("milestone %s missing: %+v", name, rep.Milestones)
			continue
		}
		if m.Seq > 0 && !m.Time.Equal(bySeq[m.Seq]) {
			t.Errorf("milestone %s at %s, its record #%d at %s", name, m.Time, m.Seq, bySeq[m.Seq])
		}
	}
	// The deploy is the bad ReplicaSet's creation; the action lies
	// between the intent and the result, as does the Event mayday left.
	if d := ms["deploy"].Time.Sub(badCreated); d < -time.Second || d > time.Second {
		t.Errorf("deploy milestone %s, the bad ReplicaSet was created at %s", ms["deploy"].Time, badCreated)
	}
	evs, err := cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "reason=RolledBack"})
	if err != nil || len(evs.Items) != 1 {
		t.Fatalf("RolledBack events: %v %v", evs, err)
	}
	ev := evs.Items[0]
	if ev.Annotations[rollout.IncidentAnnotation] != "INC-IT-web" {
		t.Errorf("the Event does not name the incident: %v", ev.Annotations)
	}
	if at := ev.FirstTimestamp.Time; at.Before(intent.Truncate(time.Second)) || at.After(result.Add(time.Second)) {
		t.Errorf("the Event at %s is outside the intent %s and the result %s", at, intent, result)
	}
	d, _ := cs.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if d.Annotations[rollout.IncidentAnnotation] != "INC-IT-web" {
		t.Errorf("the workload does not name the incident: %v", d.Annotations)
	}

	// The impact agrees with a query of the counter written here.
	imp := rep.Analysis.Impact
	if imp == nil || imp.FailedRequests <= 0 {
		t.Fatalf("no impact measured: %+v (hints %v)", imp, rep.RootCause)
	}
	m := regexp.MustCompile(`\[(\d+)s\].*instant queries at (\S+)$`).FindStringSubmatch(imp.Query)
	if m == nil {
		t.Fatalf("impact query %q", imp.Query)
	}
	direct := promInstant(t, env.PrometheusURL,
		fmt.Sprintf(`sum(increase(http_requests_total{namespace=%q,code=~"5.."}[%ss]))`, ns, m[1]), m[2])
	if math.Abs(direct-imp.FailedRequests) > 1e-6*math.Max(1, direct) {
		t.Errorf("impact %v failed requests, a direct query says %v\nimpact query: %s", imp.FailedRequests, direct, imp.Query)
	}
	if len(rep.RootCause) == 0 || !strings.Contains(strings.Join(rep.RootCause, " "), "registry.example/web:2.0-bad") {
		t.Errorf("root-cause hints do not name the new image: %v", rep.RootCause)
	}
}

// promInstant evaluates expr at time at (RFC 3339) on Prometheus.
func promInstant(t *testing.T, base, expr, at string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?" + url.Values{"query": {expr}, "time": {at}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Data.Result) != 1 {
		t.Fatalf("query %s: %v %s", expr, err, body)
	}
	v, err := strconv.ParseFloat(doc.Data.Result[0].Value[1].(string), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
