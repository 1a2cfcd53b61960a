package analysis

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// The incident of the fixtures: checkout's revision 4 (2.0.3) was good
// since 13:00; revision 5 (2.1.0) went live at 14:00; mayday rolled back
// to 4 at 14:10 (the controller renumbered it 6); the rollback finished at
// 14:12; the analysis runs at 14:30.
var (
	goodSince  = time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC)
	deployedAt = time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	rolledAt   = time.Date(2026, 3, 10, 14, 10, 0, 0, time.UTC)
	recoverAt  = time.Date(2026, 3, 10, 14, 12, 0, 0, time.UTC)
	analysedAt = time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
)

const (
	ns       = "shop"
	goodHash = "7f9c5d4b8"
	badHash  = "6d8b7c9f5"
	badRS    = "checkout-" + badHash
	goodRS   = "checkout-" + goodHash
)

var checkout = rollout.Ref{Kind: rollout.Deployment, Namespace: ns, Name: "checkout"}

func ptr[T any](v T) *T { return &v }

// podTemplate is checkout's template with an image and a memory limit.
func podTemplate(image, memLimit string, env ...corev1.EnvVar) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "checkout"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: image, Env: env,
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memLimit)},
			},
		}}},
	}
}

func goodTemplate() corev1.PodTemplateSpec {
	return podTemplate("checkout:2.0.3", "512Mi", corev1.EnvVar{Name: "LOG_LEVEL", Value: "info"})
}

// badTemplate adds a token from a Secret and a literal password (which
// must never be quoted) to 2.1.0, with the given memory limit.
func badTemplate(memLimit string) corev1.PodTemplateSpec {
	return podTemplate("checkout:2.1.0", memLimit,
		corev1.EnvVar{Name: "LOG_LEVEL", Value: "debug"},
		corev1.EnvVar{Name: "API_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "checkout-api"}, Key: "token"}}},
		corev1.EnvVar{Name: "DB_PASSWORD", Value: "hunter2"},
	)
}

func deploymentAfterRollback() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: ns, UID: "dep-uid", Annotations: map[string]string{
			rollout.RevisionAnnotation:       "6",
			rollout.RolledBackFromAnnotation: "5",
			rollout.RolledBackAtAnnotation:   rolledAt.Format(time.RFC3339),
		}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(4)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "checkout"}},
			Template: goodTemplate(),
		},
	}
}

func replicaSet(d *appsv1.Deployment, name, hash string, created time.Time, tmpl corev1.PodTemplateSpec, ann map[string]string) *appsv1.ReplicaSet {
	tmpl = *tmpl.DeepCopy()
	tmpl.Labels[rollout.PodTemplateHashKey] = hash
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns, UID: types.UID("rs-" + hash),
			Labels: map[string]string{"app": "checkout", rollout.PodTemplateHashKey: hash}, Annotations: ann,
			CreationTimestamp: metav1.NewTime(created),
			OwnerReferences:   []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(0)), Template: tmpl},
	}
}

// pod is a pod of a revision; status edits its status.
func pod(name, hash string, status func(*corev1.PodStatus)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("pod-" + name),
			Labels: map[string]string{"app": "checkout", rollout.PodTemplateHashKey: hash}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		}}},
	}
	if status != nil {
		status(&p.Status)
	}
	return p
}

func oomKilled(restarts int32, waiting string) func(*corev1.PodStatus) {
	return func(s *corev1.PodStatus) {
		cs := &s.ContainerStatuses[0]
		cs.Ready, cs.RestartCount = false, restarts
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}
		if waiting != "" {
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: waiting}}
		}
	}
}

func event(name, kind, object, typ, reason, message string, at time.Time, count int32) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Name: object, Namespace: ns, UID: types.UID("pod-" + object)},
		Type:           typ, Reason: reason, Message: message, Count: count,
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at),
	}
}

// cluster is checkout after the rollback: two of the bad revision's pods
// are still there (OOMKilled, one in CrashLoopBackOff), two are gone but
// their events remain; a good pod has a warning of its own, which is not
// the bad revision's.
func cluster(badMemLimit string) []runtime.Object {
	d := deploymentAfterRollback()
	return []runtime.Object{
		d,
		replicaSet(d, badRS, badHash, deployedAt, badTemplate(badMemLimit), map[string]string{rollout.RevisionAnnotation: "5"}),
		replicaSet(d, goodRS, goodHash, goodSince, goodTemplate(), map[string]string{
			rollout.RevisionAnnotation: "6", rollout.RevisionHistoryAnnotation: "4",
			rollout.RolledBackFromAnnotation: "5", rollout.RolledBackAtAnnotation: rolledAt.Format(time.RFC3339),
		}),
		pod(badRS+"-x1abc", badHash, oomKilled(3, "CrashLoopBackOff")),
		pod(badRS+"-x2abc", badHash, oomKilled(2, "")),
		pod(goodRS+"-y1abc", goodHash, nil),
		event("e1", "Pod", badRS+"-x1abc", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container app in pod "+badRS+"-x1abc", deployedAt.Add(3*time.Minute), 7),
		event("e2", "Pod", badRS+"-x3gone", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container app", deployedAt.Add(4*time.Minute), 4),
		event("e3", "Pod", badRS+"-x4gone", corev1.EventTypeWarning, "Unhealthy",
			"Readiness probe failed: HTTP probe failed with statuscode: 401, sent Authorization: Bearer abc.def.ghi", deployedAt.Add(2*time.Minute), 5),
		event("e4", "ReplicaSet", badRS, corev1.EventTypeWarning, "FailedCreate", "pods \""+badRS+"-x5\" is forbidden: exceeded quota", deployedAt.Add(time.Minute), 1),
		event("e5", "Pod", badRS+"-x1abc", corev1.EventTypeNormal, "Pulled", "Successfully pulled image checkout:2.1.0", deployedAt.Add(time.Minute), 1),
		event("e6", "Pod", goodRS+"-y1abc", corev1.EventTypeWarning, "Unhealthy", "Liveness probe failed: timeout", deployedAt.Add(5*time.Minute), 1),
		event("e7", "Pod", "payments-5c4d3b2a1-z9xyz", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container", deployedAt.Add(5*time.Minute), 1),
	}
}

// theLog is what the failing container printed: secrets, an enormous
// line and more lines than are kept.
func theLog() string {
	var b strings.Builder
	for i := range 30 {
		b.WriteString("tick " + string(rune('a'+i%26)) + "\n")
	}
	b.WriteString("GET /pay Authorization: Bearer abc.def.ghi\n")
	b.WriteString("connecting to db with password=hunter2\n")
	b.WriteString(strings.Repeat("x", 10_000) + "\n")
	b.WriteString("fatal error: runtime: out of memory\n")
	return b.String()
}

// Traffic of the fake Prometheus: 10 requests per second throughout;
// 0.5% fail before the deploy and after the recovery, 20% in between;
// the p99 is 120ms, then 1.5s.
const (
	rps          = 10.0
	ratioHealthy = 0.005
	ratioBad     = 0.20
	p99Healthy   = 0.120
	p99Bad       = 1.5
)

func bad(t time.Time) bool { return !t.Before(deployedAt) && t.Before(recoverAt) }

// fakeSource is a Prometheus over the traffic above: promhttp's probe has
// data, every signal is its level at each step, and a count is the
// integral, second by second, of the rate over the query's window. It
// answers err to everything when set.
type fakeSource struct {
	err error

	mu      sync.Mutex
	queries []metrics.Query
	ranges  []metrics.Range
}

func (f *fakeSource) Name() string { return "fake prometheus" }

func (f *fakeSource) Alerts(context.Context) ([]metrics.Alert, error) { return nil, nil }

func (f *fakeSource) QueryRange(ctx context.Context, q metrics.Query, r metrics.Range) ([]metrics.Series, error) {
	f.mu.Lock()
	f.queries, f.ranges = append(f.queries, q), append(f.ranges, r)
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	level := func(t time.Time) float64 {
		switch q.Signal {
		case metrics.ErrorRatio:
			if bad(t) {
				return ratioBad
			}
			return ratioHealthy
		case metrics.LatencyP99:
			if bad(t) {
				return p99Bad
			}
			return p99Healthy
		case metrics.RequestRate:
			return rps
		case metrics.FailedRequests, metrics.Requests:
			if !strings.Contains(q.Expr, "increase(") {
				return -1 // not a count: the test sees it
			}
			sum := 0.0
			for s := t.Add(-q.Rate); s.Before(t); s = s.Add(time.Second) {
				if q.Signal == metrics.Requests {
					sum += rps
				} else if bad(s) {
					sum += rps * ratioBad
				} else {
					sum += rps * ratioHealthy
				}
			}
			return sum
		}
		if q.Signal == "" && strings.Contains(q.Expr, "http_requests_total") {
			return 3 // promhttp's probe: three pods export it
		}
		return 0
	}
	if q.Signal == "" && !strings.Contains(q.Expr, "http_requests_total") {
		return nil, nil // no mesh, no ingress metrics
	}
	s := metrics.Series{}
	for t := r.Start; !t.After(r.End); t = t.Add(max(r.Step, time.Second)) {
		s.Points = append(s.Points, metrics.Point{T: t, V: level(t)})
	}
	return []metrics.Series{s}, nil
}

var errPrometheusDown = errors.New(`Post "http://prometheus:9090/api/v1/query": dial tcp: connection refused`)

// newGatherer is a Gatherer over the fake cluster and source.
func newGatherer(client *fake.Clientset, src metrics.Source) *Gatherer {
	g := &Gatherer{Client: client, Now: func() time.Time { return analysedAt }}
	if src != nil {
		g.Health = &metrics.Health{Source: src}
	}
	return g
}
