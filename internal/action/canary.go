package action

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// CanaryKinds are the kinds a canary rollback accepts, with the API each
// needs ("" for the built-in kinds).
func CanaryKinds() []string {
	return []string{"service", "deployment", "httproute", "virtualservice", "rollout"}
}

// ParseCanaryKind accepts the names kubectl accepts for the kinds.
func ParseCanaryKind(s string) (string, error) {
	switch strings.ToLower(s) {
	case "service", "services", "svc":
		return "service", nil
	case "deployment", "deployments", "deploy", "deployment.apps", "deployments.apps":
		return "deployment", nil
	case "httproute", "httproutes", "httproute.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io":
		return "httproute", nil
	case "virtualservice", "virtualservices", "vs", "virtualservice.networking.istio.io", "virtualservices.networking.istio.io":
		return "virtualservice", nil
	case "rollout", "rollouts", "ro", "rollout.argoproj.io", "rollouts.argoproj.io":
		return "rollout", nil
	}
	return "", fmt.Errorf("unknown kind %q: use service, deployment, httproute, virtualservice or rollout", s)
}

// planCanary plans a canary rollback of the named object.
func (t *Traffic) planCanary(ctx context.Context, req *TrafficRequest) (*TrafficPlan, error) {
	switch req.Kind {
	case "service":
		return t.planPlainCanary(ctx, req, req.Name)
	case "deployment":
		svc, err := t.serviceOf(ctx, req.Namespace, req.Name)
		if err != nil {
			return nil, err
		}
		return t.planPlainCanary(ctx, req, svc)
	case "httproute":
		return t.planWeights(ctx, req, traffic.HTTPRoutes(), traffic.HTTPRouteRules)
	case "virtualservice":
		return t.planWeights(ctx, req, traffic.VirtualServices(), traffic.VirtualServiceRoutes)
	case "rollout":
		return t.planArgo(ctx, req)
	}
	return nil, fmt.Errorf("unknown kind %q: use %s", req.Kind, strings.Join(CanaryKinds(), ", "))
}

// serviceOf finds the one Service in front of a Deployment that splits
// traffic between it and a canary (Services in front of one side only,
// such as web-canary, do not count).
func (t *Traffic) serviceOf(ctx context.Context, ns, name string) (string, error) {
	var svcs *corev1.ServiceList
	var deps *appsv1.DeploymentList
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		svcs, err = t.Client.CoreV1().Services(ns).List(gctx, metav1.ListOptions{})
		return err
	})
	g.Go(func() (err error) {
		deps, err = t.Client.AppsV1().Deployments(ns).List(gctx, metav1.ListOptions{})
		return err
	})
	if err := g.Wait(); err != nil {
		return "", err
	}
	var d *appsv1.Deployment
	for i := range deps.Items {
		if deps.Items[i].Name == name {
			d = &deps.Items[i]
		}
	}
	if d == nil {
		return "", fmt.Errorf("deployment %q not found in namespace %q; list deployments with kubectl get deployments -n %s, or pass -n NAMESPACE", name, ns, ns)
	}
	var front, split []string
	var firstErr error
	for i := range svcs.Items {
		svc := &svcs.Items[i]
		if !traffic.Selects(svc, d) {
			continue
		}
		front = append(front, svc.Name)
		if _, err := traffic.DetectPlainCanary(svc, deps.Items, nil); err == nil {
			split = append(split, svc.Name)
		} else if firstErr == nil {
			firstErr = err
		}
	}
	switch {
	case len(front) == 0:
		return "", &traffic.NoCanaryError{Object: "deployment/" + name, Reason: "no Service selects its pods, so no traffic is split between it and a canary"}
	case len(split) == 1:
		return split[0], nil
	case len(split) == 0 && len(front) == 1:
		return "", firstErr
	case len(split) == 0:
		return "", &traffic.NoCanaryError{Object: "deployment/" + name, Reason: fmt.Sprintf("none of the Services in front of it (%s) selects both a stable and a canary deployment", strings.Join(front, ", "))}
	}
	return "", fmt.Errorf("deployment/%s is behind several Services that split traffic with a canary (%s): name one, e.g. mayday canary rollback service/%s",
		name, strings.Join(split, ", "), split[0])
}

// planPlainCanary plans scaling a Service's canary Deployments to zero,
// after checking the stable pods can take the traffic.
func (t *Traffic) planPlainCanary(ctx context.Context, req *TrafficRequest, service string) (*TrafficPlan, error) {
	svc, deps, pods, err := t.readService(ctx, req.Namespace, service, func(sel map[string]string) map[string]string { return sel })
	if err != nil {
		return nil, err
	}
	pc, err := traffic.DetectPlainCanary(svc, deps, pods)
	if err != nil {
		return nil, err
	}
	object := "service/" + svc.Name
	p := &TrafficPlan{Pattern: "plain canary", Canary: pc, Object: serviceRef(svc),
		Summary: fmt.Sprintf("roll back the canary of %s: scale %s to zero; %s keeps the traffic", object, workloadNames(pc.Canary), workloadNames(pc.Stable)),
		Done:    fmt.Sprintf("rolled back the canary of %s: scaled %s to zero", object, workloadNames(pc.Canary)),
	}
	var stableReady, canaryPods int32
	for _, w := range pc.Stable {
		stableReady += w.Pods.Ready
		p.Verify.Want = append(p.Verify.Want, mergeLabels(svc.Spec.Selector, w.Selector))
	}
	byName := map[string]*appsv1.Deployment{}
	for i := range deps {
		byName[deps[i].Name] = &deps[i]
	}
	for _, w := range pc.Canary {
		canaryPods += w.Pods.Matched
		d := byName[w.Name]
		p.Warnings = append(p.Warnings, objectWarnings(d.Labels, d.Annotations, "scale-down")...)
		if w.Desired == 0 {
			continue
		}
		p.Changes = append(p.Changes, fmt.Sprintf("deployment/%s replicas: %d → 0 (%d of its pods ready now)", w.Name, w.Desired, w.Pods.Ready))
		ann := req.annotations(map[string]string{CanaryFromAnnotation: fmt.Sprintf("replicas=%d", w.Desired), CanaryAtAnnotation: req.Now.UTC().Format(time.RFC3339)})
		step, err := newStep(deploymentRef(d), fmt.Sprintf("scale deployment/%s to zero", w.Name), types.MergePatchType,
			map[string]any{"metadata": map[string]any{"annotations": ann}, "spec": map[string]any{"replicas": 0}},
			d.ResourceVersion, deploymentSpec(d), Expectation{Path: "/spec/replicas", Value: 0})
		if err != nil {
			return nil, err
		}
		p.Steps = append(p.Steps, step)
		p.Verify.ScaledDown = append(p.Verify.ScaledDown, ScaledDown{Name: w.Name, Selector: w.Selector})
	}
	check := Check{Name: "stable ready", OK: stableReady > 0,
		Detail: fmt.Sprintf("%d ready pods of %s take the traffic", stableReady, workloadNames(pc.Stable))}
	p.Checks = append(p.Checks, check)
	if len(pc.Stable) == 1 {
		p.HealthWorkload = &rollout.Ref{Kind: rollout.Deployment, Namespace: svc.Namespace, Name: pc.Stable[0].Name}
	}
	switch {
	case len(p.Steps) == 0 && canaryPods == 0:
		p.Skip, p.SkipReason = true, fmt.Sprintf("the canary of %s (%s) is already scaled to zero", object, workloadNames(pc.Canary))
		return p, nil
	case len(p.Steps) == 0:
		// Scaled to zero, pods still terminating: verification follows them.
		p.Skip, p.SkipReason = true, fmt.Sprintf("the canary of %s (%s) is already scaled to zero; %d of its pods are still terminating", object, workloadNames(pc.Canary), canaryPods)
		return p, nil
	case !check.OK:
		return nil, &NotReadyError{Object: object, Detail: fmt.Sprintf("its stable pods (%s) have no ready pod: scaling the canary to zero would leave the Service without endpoints", workloadNames(pc.Stable))}
	}
	p.Verify.Service, p.Verify.MinReady = svc.Name, 1
	return p, nil
}

func workloadNames(ws []traffic.Workload) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = "deployment/" + w.Name
	}
	return strings.Join(parts, ", ")
}

func mergeLabels(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// readyEndpoints counts a Service's ready endpoints from its EndpointSlices.
func (t *Traffic) readyEndpoints(ctx context.Context, ns, service string) (traffic.Endpoints, error) {
	list, err := t.Client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: traffic.ServiceNameLabel + "=" + service})
	if err != nil {
		return traffic.Endpoints{}, err
	}
	return traffic.SummarizeEndpoints(list.Items), nil
}

// serviceExists reads a Service; a missing one is (nil, nil).
func (t *Traffic) serviceExists(ctx context.Context, ns, name string) (*corev1.Service, error) {
	svc, err := t.Client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return svc, err
}

// weightsText prints a rule's weights before the rollback: "web=90,web-canary=10".
func weightsText(rules []traffic.Rule) string {
	var parts []string
	for _, r := range rules {
		if len(r.Backends) < 2 {
			continue
		}
		for _, b := range r.Backends {
			name := b.Name
			if b.Subset != "" {
				name += "/" + b.Subset
			}
			parts = append(parts, name+"="+strconv.FormatInt(b.Weight, 10))
		}
	}
	return strings.Join(parts, ",")
}

// errNotInstalled is true for a traffic API the cluster does not serve.
func errNotInstalled(err error) bool {
	var ni *traffic.NotInstalledError
	return errors.As(err, &ni)
}
