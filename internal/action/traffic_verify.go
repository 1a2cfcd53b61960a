package action

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// Verification of traffic actions waits this long by default for the
// endpoints to follow, and looks this often.
const (
	DefaultTrafficTimeout  = time.Minute
	DefaultTrafficInterval = 200 * time.Millisecond
)

// TrafficVerifyOptions tune Verify.
type TrafficVerifyOptions struct {
	// Timeout bounds the wait for the traffic to move (0: a minute);
	// Interval is the time between two looks (0: 200ms).
	Timeout, Interval time.Duration
	// Health judges the plan's workload afterwards (nil: not checked);
	// Bake bounds the wait for a healthy verdict (0: DefaultBake) and Poll
	// is the time between two verdicts.
	Health     *metrics.Health
	Bake, Poll time.Duration
	OnHealth   func(rollout.Ref, metrics.Verdict)
}

// TrafficVerification is what was observed after a traffic action.
type TrafficVerification struct {
	// Traffic says everything planned was observed: the objects hold the
	// change and the endpoints are where they should be.
	Traffic bool `json:"traffic"`
	// Observed are the last observations, one per object looked at;
	// Problem is the first thing not (yet) as planned.
	Observed        []string      `json:"observed"`
	Problem         string        `json:"problem"`
	TimedOut        bool          `json:"timedOut"`
	TrafficDuration time.Duration `json:"trafficDuration"`
	// The health verdict of HealthWorkload, as in Verification.
	HealthWorkload  *rollout.Ref    `json:"healthWorkload"`
	HealthChecked   bool            `json:"healthChecked"`
	Health          metrics.Verdict `json:"health,omitzero"`
	HealthRecovered bool            `json:"healthRecovered"`
	HealthDuration  time.Duration   `json:"healthDuration"`
}

// Verified reports whether the action is known to have worked.
func (v *TrafficVerification) Verified() bool {
	return v.Traffic && (!v.HealthChecked || v.HealthRecovered)
}

// Summary says in one line what was observed.
func (v *TrafficVerification) Summary() string {
	var s string
	switch {
	case v.Traffic:
		s = fmt.Sprintf("traffic as planned after %s", roundDuration(v.TrafficDuration))
	case v.TimedOut:
		s = fmt.Sprintf("traffic not as planned after %s: %s", roundDuration(v.TrafficDuration), v.Problem)
	default:
		s = "traffic not as planned: " + v.Problem
	}
	if !v.Traffic {
		return s
	}
	return s + healthSummary(v.HealthChecked, v.HealthRecovered, v.Health, v.HealthDuration)
}

// Verify observes an executed plan: its objects still hold what was
// written (nothing reverted them), the Service's ready endpoints are all
// pods of the side that should take the traffic, the scaled-down pods are
// gone, the stable backends have ready endpoints. It looks again every
// Interval until all holds or Timeout passes. Then, with a Health and a
// known workload, it waits for a healthy verdict within the bake time.
func (t *Traffic) Verify(ctx context.Context, p *TrafficPlan, opts TrafficVerifyOptions, rec Recorder) *TrafficVerification {
	timeout := cmpOr(opts.Timeout, DefaultTrafficTimeout)
	interval := cmpOr(opts.Interval, DefaultTrafficInterval)
	v := &TrafficVerification{HealthWorkload: p.HealthWorkload}
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		ok, observed, problem := t.observe(ctx, p)
		v.Observed, v.Problem = nonNil(observed), problem
		if ok {
			v.Traffic = true
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			v.TimedOut = ctx.Err() == nil
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
	}
	v.TrafficDuration = time.Since(start)
	if v.Traffic && opts.Health != nil && p.HealthWorkload != nil {
		vf := &Verifier{Client: t.Client, Health: opts.Health, Bake: opts.Bake, Poll: opts.Poll, OnHealth: opts.OnHealth}
		hv := &Verification{Workload: *p.HealthWorkload}
		vf.bake(ctx, *p.HealthWorkload, hv)
		v.HealthChecked, v.Health, v.HealthRecovered, v.HealthDuration = hv.HealthChecked, hv.Health, hv.HealthRecovered, hv.HealthDuration
	}
	phase := PhaseVerified
	if !v.Verified() {
		phase = PhaseFailed
	}
	detail := map[string]any{"observed": v.Observed, "summary": v.Summary()}
	if v.HealthChecked {
		detail["health"] = v.Health.State.String()
		detail["healthReason"] = v.Health.Reason
	}
	record(rec, p.event(phase, v.Summary(), time.Since(start), detail))
	return v
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// observe looks once at everything the plan should have changed.
func (t *Traffic) observe(ctx context.Context, p *TrafficPlan) (ok bool, observed []string, problem string) {
	fail := func(s string) {
		if problem == "" {
			problem = s
		}
	}
	seen := map[ObjectRef]*unstructured.Unstructured{}
	for _, s := range p.Steps {
		obj, ok := seen[s.Object]
		if !ok {
			var err error
			if obj, err = t.getObject(ctx, s.Object); err != nil {
				fail(fmt.Sprintf("reading %s: %v", s.Object, err))
				continue
			}
			seen[s.Object] = obj
		}
		if s.handedOver {
			continue
		}
		if held, why := holds(obj, s.Expect); !held {
			fail(fmt.Sprintf("%s no longer holds the change (%s): something reverted it", s.Object, why))
			continue
		}
		observed = append(observed, fmt.Sprintf("%s holds the change (%s)", s.Object, s.Description))
	}
	vs := p.Verify
	if vs.ArgoStable != "" {
		if obj := seen[p.Object]; obj != nil {
			aborted, _, _ := unstructured.NestedBool(obj.Object, "status", "abort")
			current, _, _ := unstructured.NestedString(obj.Object, "status", "currentPodHash")
			switch {
			case current == vs.ArgoStable:
				observed = append(observed, fmt.Sprintf("%s: the controller reports the stable revision (%s) as current", p.Object, current))
			case aborted:
				observed = append(observed, fmt.Sprintf("%s: aborted (status.abort=true); the controller has not yet reported the stable revision as current", p.Object))
			default:
				fail(fmt.Sprintf("%s is neither aborted nor back on its stable revision %s (current %s)", p.Object, vs.ArgoStable, current))
			}
		}
	}
	if vs.Service != "" {
		if s, err := t.observeService(ctx, p.Object.Namespace, vs); err != "" {
			fail(err)
		} else {
			observed = append(observed, s)
		}
	}
	for _, sd := range vs.ScaledDown {
		if s, err := t.observeScaledDown(ctx, p.Object.Namespace, sd); err != "" {
			fail(err)
		} else {
			observed = append(observed, s)
		}
	}
	for _, name := range vs.ReadyServices {
		eps, err := t.readyEndpoints(ctx, p.Object.Namespace, name)
		switch {
		case err != nil:
			fail(fmt.Sprintf("reading the endpoints of service/%s: %v", name, err))
		case eps.Ready == 0:
			fail(fmt.Sprintf("service/%s has no ready endpoints (%d not ready)", name, eps.NotReady))
		default:
			observed = append(observed, fmt.Sprintf("service/%s: %d ready endpoints", name, eps.Ready))
		}
	}
	return problem == "", observed, problem
}

// observeService checks that the Service's ready endpoints are all pods of
// the wanted side, and enough of them.
func (t *Traffic) observeService(ctx context.Context, ns string, vs TrafficVerifySpec) (string, string) {
	eps, err := t.readyEndpoints(ctx, ns, vs.Service)
	if err != nil {
		return "", fmt.Sprintf("reading the endpoints of service/%s: %v", vs.Service, err)
	}
	wanted := map[string]bool{}
	for _, sel := range vs.Want {
		pods, err := t.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(sel).String()})
		if err != nil {
			return "", fmt.Sprintf("listing pods: %v", err)
		}
		for _, pod := range pods.Items {
			wanted[pod.Name] = true
		}
	}
	var others []string
	for _, name := range eps.ReadyPods {
		if !wanted[name] {
			others = append(others, name)
		}
	}
	switch {
	case len(others) > 0:
		return "", fmt.Sprintf("service/%s still has %d ready endpoints on other pods (%s)", vs.Service, len(others), strings.Join(firstN(others, 3), ", "))
	case eps.Ready < vs.MinReady:
		return "", fmt.Sprintf("service/%s has %d ready endpoints, want %d", vs.Service, eps.Ready, vs.MinReady)
	}
	return fmt.Sprintf("service/%s: %d ready endpoints, all on the pods that should take the traffic", vs.Service, eps.Ready), ""
}

// observeScaledDown checks a Deployment scaled to zero has no pods left.
func (t *Traffic) observeScaledDown(ctx context.Context, ns string, sd ScaledDown) (string, string) {
	d, err := t.Client.AppsV1().Deployments(ns).Get(ctx, sd.Name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Sprintf("reading deployment/%s: %v", sd.Name, err)
	}
	if traffic.Replicas(d) != 0 {
		return "", fmt.Sprintf("deployment/%s wants %d replicas again: something scaled it back up", sd.Name, traffic.Replicas(d))
	}
	pods, err := t.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(sd.Selector).String()})
	if err != nil {
		return "", fmt.Sprintf("listing the pods of deployment/%s: %v", sd.Name, err)
	}
	left := slices.DeleteFunc(pods.Items, func(p corev1.Pod) bool {
		return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	})
	if len(left) > 0 {
		return "", fmt.Sprintf("deployment/%s still has %d pods (%s)", sd.Name, len(left), left[0].Name)
	}
	return fmt.Sprintf("deployment/%s: no pods left", sd.Name), ""
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}
