package evidence

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// TrafficFinder looks for how a Deployment takes traffic: a blue-green
// pair or a plain canary behind one of the namespace's Services, or a
// canary weight in an HTTPRoute or Istio VirtualService routing to such a
// Service (those only when the cluster serves the API and dyn is given).
// A lookup that fails leaves traffic unchecked, so the engine asks.
func TrafficFinder(client kubernetes.Interface, dyn dynamic.Interface) func(context.Context, *rollout.History) decide.Traffic {
	return func(ctx context.Context, h *rollout.History) decide.Traffic {
		if h.Workload.Kind != rollout.Deployment {
			return decide.Traffic{Checked: true} // canaries and pairs are Deployments
		}
		t, err := findTraffic(ctx, client, dyn, h)
		if err != nil {
			return decide.Traffic{Err: err.Error()}
		}
		t.Checked = true
		return t
	}
}

func findTraffic(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, h *rollout.History) (decide.Traffic, error) {
	ns := h.Workload.Namespace
	d, ok := h.Object.(*appsv1.Deployment)
	if !ok {
		return decide.Traffic{}, fmt.Errorf("%s: not read as a Deployment", h.Workload)
	}
	svcs, err := client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return decide.Traffic{}, fmt.Errorf("listing services: %w", err)
	}
	deps, err := client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return decide.Traffic{}, fmt.Errorf("listing deployments: %w", err)
	}
	pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return decide.Traffic{}, fmt.Errorf("listing pods: %w", err)
	}
	var out decide.Traffic
	var fronting []string // the Services in front of the workload
	for i := range svcs.Items {
		svc := &svcs.Items[i]
		if !frontsDeployment(svc, d) {
			continue
		}
		fronting = append(fronting, svc.Name)
		if bg, err := traffic.DetectBlueGreen(svc, deps.Items, pods.Items, ""); err == nil && out.BlueGreen == nil {
			out.BlueGreen = blueGreenEvidence(bg)
		}
		if pc, err := traffic.DetectPlainCanary(svc, deps.Items, pods.Items); err == nil && len(pc.Canary) > 0 && out.Canary == nil {
			out.Canary = plainCanaryEvidence(pc, traffic.CountPods(pods.Items, svc.Spec.Selector).Ready)
		}
	}
	if out.Canary == nil && len(fronting) > 0 {
		c, err := weightedCanary(ctx, client, dyn, ns, fronting)
		if err != nil {
			return decide.Traffic{}, err
		}
		out.Canary = c
	}
	return out, nil
}

// frontsDeployment reports whether svc selects d's pods, or would with its
// slot label (a blue-green Service selecting the other side now).
func frontsDeployment(svc *corev1.Service, d *appsv1.Deployment) bool {
	if traffic.Selects(svc, d) {
		return true
	}
	base := maps.Clone(svc.Spec.Selector)
	for _, k := range traffic.SlotKeys() {
		delete(base, k)
	}
	if len(base) == 0 || len(base) == len(svc.Spec.Selector) {
		return false
	}
	probe := svc.DeepCopy()
	probe.Spec.Selector = base
	return traffic.Selects(probe, d)
}

func blueGreenEvidence(bg *traffic.BlueGreen) *decide.BlueGreen {
	out := &decide.BlueGreen{Service: bg.Service, Live: bg.Live}
	if idle, ok := bg.Other(); ok {
		out.Idle = idle
		if s, ok := bg.Side(idle); ok {
			out.IdleReady, out.IdleDesired = s.Pods.Ready, s.Desired
		}
	}
	return out
}

// plainCanaryEvidence: the canary's share of the traffic is its share of
// the ready pods the Service sends to (allReady).
func plainCanaryEvidence(pc *traffic.PlainCanary, allReady int32) *decide.Canary {
	var canary, stable []string
	var canaryReady int32
	for _, w := range pc.Canary {
		canary = append(canary, w.Name)
		canaryReady += w.Pods.Ready
	}
	for _, w := range pc.Stable {
		stable = append(stable, w.Name)
	}
	c := &decide.Canary{Name: strings.Join(canary, ", "), Stable: strings.Join(stable, ", "), Mechanism: "deployment-pair"}
	if allReady > 0 {
		c.Share, c.ShareKnown = float64(canaryReady)/float64(allReady), true
		c.Basis = fmt.Sprintf("service/%s: %d of %d ready pods are the canary's", pc.Service, canaryReady, allReady)
	}
	return c
}

// weightedCanary finds a route that sends weighted traffic to a canary
// backend next to one of the Services in front of the workload.
func weightedCanary(ctx context.Context, client kubernetes.Interface, dyn dynamic.Interface, ns string, services []string) (*decide.Canary, error) {
	for _, want := range []traffic.API{traffic.HTTPRoutes(), traffic.VirtualServices()} {
		api, err := traffic.Lookup(client.Discovery(), want)
		var missing *traffic.NotInstalledError
		if errors.As(err, &missing) {
			continue // only what the cluster serves
		}
		if err != nil {
			return nil, err
		}
		if dyn == nil {
			return nil, fmt.Errorf("%s is installed but cannot be read here", api.Name)
		}
		list, err := dyn.Resource(api.GVR()).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", api.Resource, err)
		}
		for i := range list.Items {
			if c := canaryInRoute(api, &list.Items[i], services); c != nil {
				return c, nil
			}
		}
	}
	return nil, nil
}

func canaryInRoute(api traffic.API, u *unstructured.Unstructured, services []string) *decide.Canary {
	var rules []traffic.Rule
	var err error
	mechanism := "httproute"
	if api.Kind == "VirtualService" {
		rules, err = traffic.VirtualServiceRoutes(u)
		mechanism = "istio"
	} else {
		rules, err = traffic.HTTPRouteRules(u)
	}
	if err != nil {
		return nil
	}
	for _, r := range rules {
		var canary, stable *traffic.Backend
		var total int64
		serves := false
		for i := range r.Backends {
			b := &r.Backends[i]
			total += b.Weight
			for _, s := range services {
				serves = serves || b.Matches(s)
			}
			if b.LooksCanary() {
				canary = b
			} else {
				stable = b
			}
		}
		if !serves || canary == nil || stable == nil || canary.Weight == 0 || total == 0 {
			continue
		}
		return &decide.Canary{Name: canary.Label(), Stable: stable.Label(), Mechanism: mechanism,
			Share: float64(canary.Weight) / float64(total), ShareKnown: true,
			Basis: fmt.Sprintf("%s %s/%s rule %d weights %d/%d", api.Kind, u.GetNamespace(), u.GetName(), r.Index, stable.Weight, canary.Weight)}
	}
	return nil
}
