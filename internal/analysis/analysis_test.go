package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// logReactor serves theLog to every log request and records the options.
func logReactor(client *fake.Clientset, opts *[]corev1.PodLogOptions, err error) {
	client.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "log" {
			return false, nil, nil
		}
		if o, ok := a.(k8stesting.GenericAction).GetValue().(*corev1.PodLogOptions); ok && opts != nil {
			*opts = append(*opts, *o)
		}
		if err != nil {
			return true, nil, err
		}
		return true, &runtime.Unknown{Raw: []byte(theLog())}, nil
	})
}

func contains(list []string, sub string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, sub) })
}

func errorsText(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

func TestGatherAfterRollback(t *testing.T) {
	client := fake.NewClientset(cluster("512Mi")...)
	var logOpts []corev1.PodLogOptions
	logReactor(client, &logOpts, nil)
	src := &fakeSource{}
	g := newGatherer(client, src)

	a, errs := g.Gather(context.Background(), Request{Ref: checkout, Recovered: recoverAt})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}

	// The revisions and the deploy time come from the history.
	if a.BadRevision != "checkout revision 5, checkout:2.1.0" || a.GoodRevision != "checkout revision 6 (was 4), checkout:2.0.3" {
		t.Errorf("compared %q against %q", a.BadRevision, a.GoodRevision)
	}
	if !a.Deployed.Equal(deployedAt) {
		t.Errorf("deployed %s, want %s (revision 5's ReplicaSet)", a.Deployed, deployedAt)
	}

	// The diff: image, env (the secret as its reference), and the memory
	// limit, unchanged, noted because pods ran out of memory.
	for _, want := range []string{
		"image checkout:2.0.3 → checkout:2.1.0",
		`env LOG_LEVEL "info" → "debug"`,
		"env API_TOKEN added (secret checkout-api/token)",
		`env DB_PASSWORD added ("[REDACTED]")`,
		"memory limit 512Mi (unchanged)",
	} {
		if !slices.Contains(a.Changes, want) {
			t.Errorf("changes lack %q:\n%s", want, strings.Join(a.Changes, "\n"))
		}
	}
	if !strings.Contains(a.Diff, "+    image: checkout:2.1.0") || !strings.Contains(a.Diff, "-    image: checkout:2.0.3") || !strings.Contains(a.Diff, "revision 5 (bad)") {
		t.Errorf("diff:\n%s", a.Diff)
	}

	// Events: the bad revision's warnings, gone pods included, oldest
	// first; not the good pod's, not other workloads', not Normal ones.
	var objects []string
	for _, e := range a.Events {
		objects = append(objects, e.Object+" "+e.Reason)
	}
	wantObjects := []string{
		"replicaset/" + badRS + " FailedCreate",
		"pod/" + badRS + "-x4gone Unhealthy",
		"pod/" + badRS + "-x1abc BackOff",
		"pod/" + badRS + "-x3gone BackOff",
	}
	if !slices.Equal(objects, wantObjects) {
		t.Errorf("events:\n got %q\nwant %q", objects, wantObjects)
	}
	if len(a.Events) > 0 && a.Events[2].Count != 7 {
		t.Errorf("event count %d, want 7", a.Events[2].Count)
	}

	// Logs: only the failing pods, their previous instance, bounded.
	if len(logOpts) != 2 {
		t.Fatalf("%d log requests, want the 2 failing pods'", len(logOpts))
	}
	for _, o := range logOpts {
		if !o.Previous || o.Container != "app" || o.TailLines == nil || *o.TailLines != DefaultLogLines || o.LimitBytes == nil || *o.LimitBytes != DefaultLogBytes {
			t.Errorf("log options %+v, want the previous instance of app, 20 lines, 64 KiB", o)
		}
	}
	perPod := map[string]int{}
	for _, l := range a.Logs {
		perPod[l.Pod]++
		if len(l.Line) > maxLineBytes+32 {
			t.Errorf("a log line of %d bytes was kept", len(l.Line))
		}
	}
	if perPod[badRS+"-x1abc"] != DefaultLogLines || perPod[badRS+"-x2abc"] != DefaultLogLines {
		t.Errorf("log lines per pod %v, want %d each", perPod, DefaultLogLines)
	}
	if last := a.Logs[len(a.Logs)-1]; last.Line != "fatal error: runtime: out of memory" {
		t.Errorf("the last line kept is %q, want the log's last", last.Line)
	}

	// Secrets are masked everywhere, and no Secret was read.
	doc, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"abc.def.ghi", "hunter2"} {
		if strings.Contains(string(doc), secret) {
			t.Errorf("the analysis quotes the secret %q", secret)
		}
	}
	if !strings.Contains(string(doc), "Authorization: Bearer [REDACTED]") {
		t.Errorf("the masked header is not quoted")
	}
	for _, act := range client.Actions() {
		if act.GetResource().Resource == "secrets" {
			t.Errorf("a Secret was read: %v", act)
		}
	}

	// Hints: the image, the OOMKilled share (2 present pods of the 4 the
	// bad revision is known to have had), the crash loop, the probes, the
	// error ratio's rise.
	for _, want := range []string{
		"new image checkout:2.1.0 (was checkout:2.0.3)",
		"2 of 4 pods of revision 5 (50%) were OOMKilled with the memory limit unchanged (512Mi)",
		"CrashLoopBackOff on 2 pods (" + badRS + "-x1abc, " + badRS + "-x3gone)",
		"5 failed probe(s) on 1 pod (" + badRS + "-x4gone)",
		"errors likely began within 1 minute(s) after the deploy (error ratio 0.5% before → 20% during, means)",
		"the p99 latency likely rose with the deploy (120ms before → 1.5s during, highest)",
	} {
		if !contains(a.Hints, want) {
			t.Errorf("hints lack %q:\n%s", want, strings.Join(a.Hints, "\n"))
		}
	}
	if contains(a.Hints, "no evidence") {
		t.Errorf("hints say there is no evidence:\n%s", strings.Join(a.Hints, "\n"))
	}

	// Metric windows: before is as long as during and ends at the deploy.
	windows := map[string]report.MetricWindow{}
	for _, w := range a.Metrics {
		windows[w.Signal] = w
	}
	er := windows["error ratio"]
	if er.Before != "0.5% (mean), peak 0.5%" || er.During != "20% (mean), peak 20%" || er.After != "0.5% (mean), peak 0.5%" {
		t.Errorf("error ratio window %+v", er)
	}
	if p99 := windows["p99"]; p99.Before != "120ms (max)" || p99.During != "1.5s (max)" {
		t.Errorf("p99 window %+v", p99)
	}
	if rate := windows["request rate"]; rate.During != "10 req/s (mean)" {
		t.Errorf("request rate window %+v", rate)
	}
	if !strings.Contains(er.Plot, "▲deploy") || !strings.Contains(er.Plot, "▲recovered") || !strings.Contains(er.Plot, "error ratio (%)") {
		t.Errorf("error ratio plot:\n%s", er.Plot)
	}
	during := recoverAt.Sub(deployedAt)
	for i, q := range src.queries {
		if q.Signal == "error_ratio" && !src.ranges[i].Start.Equal(src.ranges[i].End) {
			if r := src.ranges[i]; r.Start.After(deployedAt.Add(-during)) || r.End.Before(analysedAt) {
				t.Errorf("the range %s → %s does not cover %s before the deploy to now", r.Start, r.End, during)
			}
		}
	}

	// Impact: exactly the traffic's arithmetic over deploy → recovery.
	seconds := during.Seconds()
	wantFailed, wantTotal := rps*seconds*ratioBad, rps*seconds
	if a.Impact == nil {
		t.Fatal("no impact")
	}
	if math.Abs(a.Impact.FailedRequests-wantFailed) > 1e-6 || math.Abs(a.Impact.TotalRequests-wantTotal) > 1e-6 ||
		math.Abs(a.Impact.AffectedShare-wantFailed/wantTotal) > 1e-9 {
		t.Errorf("impact %+v, want %.0f failed of %.0f", *a.Impact, wantFailed, wantTotal)
	}
	if !strings.Contains(a.Impact.Query, "increase(http_requests_total{") || !strings.Contains(a.Impact.Query, "[720s]") ||
		!strings.Contains(a.Impact.Query, recoverAt.Format(time.RFC3339)) || a.Impact.Window != "12m (14:00:00 UTC → 14:12:00 UTC)" {
		t.Errorf("impact query %q over %q", a.Impact.Query, a.Impact.Window)
	}

	// The report takes the analysis as it is.
	if a.Redactor != g.Redactor {
		t.Errorf("the analysis carries another redactor")
	}
}

func TestGatherLoweredMemoryLimit(t *testing.T) {
	client := fake.NewClientset(cluster("256Mi")...)
	logReactor(client, nil, nil)
	a, errs := newGatherer(client, &fakeSource{}).Gather(context.Background(), Request{Ref: checkout, Recovered: recoverAt})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if !slices.Contains(a.Changes, "memory limit 512Mi → 256Mi") || contains(a.Changes, "(unchanged)") {
		t.Errorf("changes:\n%s", strings.Join(a.Changes, "\n"))
	}
	if !contains(a.Hints, "2 of 4 pods of revision 5 (50%) were OOMKilled after the memory limit was lowered (512Mi → 256Mi)") {
		t.Errorf("hints:\n%s", strings.Join(a.Hints, "\n"))
	}
}

func TestGatherPrometheusDown(t *testing.T) {
	client := fake.NewClientset(cluster("512Mi")...)
	logReactor(client, nil, nil)
	a, errs := newGatherer(client, &fakeSource{err: errPrometheusDown}).Gather(context.Background(), Request{Ref: checkout, Recovered: recoverAt})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "metrics and impact of deployment/checkout") || !strings.Contains(errs[0].Error(), "connection refused") {
		t.Errorf("errors:\n%s\nwant one saying Prometheus did not answer", errorsText(errs))
	}
	if a.Diff == "" || len(a.Changes) == 0 || len(a.Events) != 4 || len(a.Logs) == 0 {
		t.Errorf("the rest was not gathered: %d changes, %d events, %d log lines", len(a.Changes), len(a.Events), len(a.Logs))
	}
	if a.Metrics != nil || a.Impact != nil {
		t.Errorf("metrics %v, impact %v: want none", a.Metrics, a.Impact)
	}
	if !contains(a.Hints, "were OOMKilled") {
		t.Errorf("hints:\n%s", strings.Join(a.Hints, "\n"))
	}
}

func TestGatherLogsUnavailable(t *testing.T) {
	client := fake.NewClientset(cluster("512Mi")...)
	logReactor(client, nil, errors.New("Get \"https://10.0.0.7:10250/containerLogs/shop/checkout/app\": dial tcp: connection refused"))
	a, errs := newGatherer(client, &fakeSource{}).Gather(context.Background(), Request{Ref: checkout, Recovered: recoverAt})
	if len(errs) != 2 {
		t.Fatalf("errors:\n%s\nwant one per failing pod", errorsText(errs))
	}
	want := "previous logs of pod " + badRS + "-x1abc (container app): the kubelet did not answer: "
	if !strings.HasPrefix(errs[0].Error(), want) {
		t.Errorf("error %q, want it to start %q", errs[0], want)
	}
	if len(a.Logs) != 0 || len(a.Events) != 4 || a.Diff == "" || a.Impact == nil || len(a.Metrics) != 3 {
		t.Errorf("the rest was not gathered: %d events, %d windows, impact %v", len(a.Events), len(a.Metrics), a.Impact)
	}
	if !contains(a.Hints, "check the pods' previous logs") {
		t.Errorf("the crash loop hint points at logs that are not there:\n%s", strings.Join(a.Hints, "\n"))
	}
}

func TestGatherWithoutMetricsSource(t *testing.T) {
	client := fake.NewClientset(cluster("512Mi")...)
	logReactor(client, nil, nil)
	a, errs := newGatherer(client, nil).Gather(context.Background(), Request{Ref: checkout})
	if len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}
	if a.Metrics != nil || a.Impact != nil || !contains(a.Hints, "no metrics source was configured") {
		t.Errorf("metrics %v, impact %v, hints:\n%s", a.Metrics, a.Impact, strings.Join(a.Hints, "\n"))
	}
}

func TestGatherEventsFailNothingElseDoes(t *testing.T) {
	client := fake.NewClientset(cluster("512Mi")...)
	logReactor(client, nil, nil)
	client.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, fmt.Errorf("events is forbidden: User \"oncall\" cannot list resource \"events\"")
	})
	a, errs := newGatherer(client, &fakeSource{}).Gather(context.Background(), Request{Ref: checkout, Recovered: recoverAt})
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "events of deployment/checkout revision 5: events is forbidden") {
		t.Errorf("errors:\n%s", errorsText(errs))
	}
	if a.Events != nil || len(a.Logs) == 0 || a.Impact == nil {
		t.Errorf("events %v, %d log lines, impact %v", a.Events, len(a.Logs), a.Impact)
	}
	// The present pods still show the OOMKills: 2 of the 2 known.
	if !contains(a.Hints, "2 of 2 pods of revision 5 (100%) were OOMKilled") {
		t.Errorf("hints:\n%s", strings.Join(a.Hints, "\n"))
	}
}

func TestGatherUnknownWorkload(t *testing.T) {
	client := fake.NewClientset()
	a, errs := newGatherer(client, &fakeSource{}).Gather(context.Background(), Request{Ref: checkout, Deployed: deployedAt, Recovered: recoverAt})
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "history of deployment/checkout") {
		t.Fatalf("errors:\n%s", errorsText(errs))
	}
	// The metrics need only the times, which were given.
	if a.Impact == nil || a.Diff != "" || a.BadRevision != "" {
		t.Errorf("impact %v, diff %q, bad %q", a.Impact, a.Diff, a.BadRevision)
	}
}

func TestGatherBadRequest(t *testing.T) {
	client := fake.NewClientset(cluster("512Mi")...)
	cronjob := rollout.Ref{Kind: "CronJob", Namespace: ns, Name: "nightly"}
	_, errs := newGatherer(client, &fakeSource{}).Gather(context.Background(), Request{Ref: cronjob, Deployed: deployedAt})
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), `unsupported kind "CronJob"`) || !strings.Contains(errs[1].Error(), `"CronJob"`) {
		t.Errorf("errors:\n%s\nwant the history's and the metrics' refusal", errorsText(errs))
	}
	// A recovery before the deploy is refused by the metrics, not guessed.
	_, errs = newGatherer(client, &fakeSource{}).Gather(context.Background(), Request{Ref: checkout, Recovered: deployedAt.Add(-time.Minute)})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "the recovery (13:59:00 UTC) is not after the deploy (14:00:00 UTC)") {
		t.Errorf("errors:\n%s", errorsText(errs))
	}
	// Revision numbers that are not in the history.
	_, errs = newGatherer(client, nil).Gather(context.Background(), Request{Ref: checkout, Bad: 9})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "unable to find specified revision 9") {
		t.Errorf("errors:\n%s", errorsText(errs))
	}
}

func TestGatherNoEvidence(t *testing.T) {
	// A deploy that changed only a variable, with quiet pods and flat
	// metrics.
	d := deploymentAfterRollback()
	quiet := goodTemplate()
	quiet.Spec.Containers[0].Env[0].Value = "warn"
	client := fake.NewClientset(d,
		replicaSet(d, badRS, badHash, deployedAt, quiet, map[string]string{"deployment.kubernetes.io/revision": "5"}),
		replicaSet(d, goodRS, goodHash, goodSince, goodTemplate(), map[string]string{"deployment.kubernetes.io/revision": "6", "deployment.kubernetes.io/revision-history": "4"}),
	)
	src := &flatSource{}
	a, errs := newGatherer(client, src).Gather(context.Background(), Request{Ref: checkout, Recovered: recoverAt})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if !contains(a.Hints, "no evidence of the cause found") || !contains(a.Hints, "the error ratio did not rise with the deploy") {
		t.Errorf("hints:\n%s", strings.Join(a.Hints, "\n"))
	}
	if a.Impact == nil || a.Impact.AffectedShare != 0 {
		t.Errorf("impact %+v, want nothing failed", a.Impact)
	}
}

// flatSource is a healthy workload: nothing fails.
type flatSource struct{ fakeSource }

func (f *flatSource) QueryRange(ctx context.Context, q metrics.Query, r metrics.Range) ([]metrics.Series, error) {
	series, err := f.fakeSource.QueryRange(ctx, q, r)
	for i := range series {
		for j := range series[i].Points {
			switch q.Signal {
			case "error_ratio", "failed_requests":
				series[i].Points[j].V = 0
			case "latency_p99":
				series[i].Points[j].V = p99Healthy
			}
		}
	}
	return series, err
}
