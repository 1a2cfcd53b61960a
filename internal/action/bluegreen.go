package action

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// planSwitch plans pointing a Service's selector at another side of its
// blue-green pair: one merge patch of the slot label, after checking that
// every pod of that side is ready to take the traffic.
func (t *Traffic) planSwitch(ctx context.Context, req *TrafficRequest) (*TrafficPlan, error) {
	svc, deps, pods, err := t.readService(ctx, req.Namespace, req.Name, slotFree(req.SlotKey))
	if err != nil {
		return nil, err
	}
	bg, err := traffic.DetectBlueGreen(svc, deps, pods, req.SlotKey)
	if err != nil {
		return nil, err
	}
	object := "service/" + svc.Name
	to := req.To
	if to == "" {
		other, ok := bg.Other()
		if !ok {
			return nil, fmt.Errorf("%s has %d sides by %s (%s): say which with --to", object, len(bg.Sides), bg.Key, strings.Join(bg.Values(), ", "))
		}
		to = other
	}
	target, ok := bg.Side(to)
	if !ok {
		return nil, fmt.Errorf("%s has no side %s=%s: its sides are %s", object, bg.Key, to, sideList(bg))
	}
	live, _ := bg.Side(bg.Live)
	p := &TrafficPlan{
		Pattern: "blue-green", BlueGreen: bg, Object: serviceRef(svc),
		Summary: fmt.Sprintf("switch %s from %s to %s", object, live.Label(), target.Label()),
		Done:    fmt.Sprintf("switched %s from %s to %s", object, bg.Live, to),
		Changes: []string{
			fmt.Sprintf("selector %s: %s → %s", bg.Key, bg.Live, to),
			fmt.Sprintf("traffic: from the %s pods of %s (%d ready) to the %s pods of %s (%d ready)",
				bg.Live, strings.Join(live.Deployments, ", "), live.Pods.Ready, to, strings.Join(target.Deployments, ", "), target.Pods.Ready),
		},
		Warnings: objectWarnings(svc.Labels, svc.Annotations, "switch"),
	}
	if to == bg.Live {
		p.Skip, p.SkipReason = true, fmt.Sprintf("%s already sends its traffic to %s", object, target.Label())
		p.Changes = nil
		return p, nil
	}
	check := Check{Name: to + " ready", OK: target.Desired > 0 && target.Pods.Ready >= target.Desired,
		Detail: fmt.Sprintf("%d of %d pods of %s ready", target.Pods.Ready, target.Desired, strings.Join(target.Deployments, ", "))}
	p.Checks = append(p.Checks, check)
	switch {
	case target.Desired == 0:
		return nil, &NotReadyError{Object: object, Detail: fmt.Sprintf("%s is scaled to zero: scale it up and wait until its pods are ready", target.Label())}
	case !check.OK:
		return nil, &NotReadyError{Object: object, Detail: fmt.Sprintf("%s has %d of %d pods ready (%d not ready, %d not created yet): wait until every pod is ready",
			target.Label(), target.Pods.Ready, target.Desired, target.Pods.Matched-target.Pods.Ready, max(0, target.Desired-target.Pods.Matched))}
	}
	ann := req.annotations(map[string]string{SwitchedFromAnnotation: bg.Live, SwitchedAtAnnotation: req.Now.UTC().Format(time.RFC3339)})
	step, err := newStep(p.Object, fmt.Sprintf("set the selector of %s to %s=%s", object, bg.Key, to), types.MergePatchType,
		map[string]any{"metadata": map[string]any{"annotations": ann}, "spec": map[string]any{"selector": map[string]any{bg.Key: to}}},
		svc.ResourceVersion, serviceSpec(svc),
		Expectation{Path: "/spec/selector/" + jsonPointerEscape(bg.Key), Value: to})
	if err != nil {
		return nil, err
	}
	p.Steps = []TrafficStep{step}
	p.Verify = TrafficVerifySpec{Service: svc.Name, Want: []map[string]string{target.Selector}, MinReady: int(target.Pods.Ready)}
	if len(target.Deployments) == 1 {
		p.HealthWorkload = &rollout.Ref{Kind: rollout.Deployment, Namespace: svc.Namespace, Name: target.Deployments[0]}
	}
	return p, nil
}

// slotFree is the part of a selector common to every side: the label keys
// a side may differ by are dropped.
func slotFree(key string) func(map[string]string) map[string]string {
	return func(sel map[string]string) map[string]string {
		out := maps.Clone(sel)
		keys := traffic.SlotKeys()
		if key != "" {
			keys = []string{key}
		}
		for _, k := range keys {
			delete(out, k)
		}
		return out
	}
}

// readService reads a Service, its namespace's Deployments and the pods
// matching podSel(selector) (all three when there is no selector left).
func (t *Traffic) readService(ctx context.Context, ns, name string, podSel func(map[string]string) map[string]string) (*corev1.Service, []appsv1.Deployment, []corev1.Pod, error) {
	var svc *corev1.Service
	var deps *appsv1.DeploymentList
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		svc, err = t.Client.CoreV1().Services(ns).Get(gctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("service %q not found in namespace %q; list services with kubectl get services -n %s, or pass -n NAMESPACE", name, ns, ns)
		}
		return err
	})
	g.Go(func() (err error) {
		deps, err = t.Client.AppsV1().Deployments(ns).List(gctx, metav1.ListOptions{})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, nil, nil, err
	}
	var pods []corev1.Pod
	if len(svc.Spec.Selector) > 0 {
		list, err := t.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(podSel(svc.Spec.Selector)).String()})
		if err != nil {
			return nil, nil, nil, err
		}
		pods = list.Items
	}
	return svc, deps.Items, pods, nil
}

func serviceRef(svc *corev1.Service) ObjectRef {
	return ObjectRef{Version: "v1", Resource: "services", Kind: "Service", Namespace: svc.Namespace, Name: svc.Name, UID: svc.UID}
}

func deploymentRef(d *appsv1.Deployment) ObjectRef {
	return ObjectRef{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespace: d.Namespace, Name: d.Name, UID: d.UID}
}

// serviceSpec is the Service's spec as a conflict compares it.
func serviceSpec(svc *corev1.Service) map[string]any {
	u, err := toUnstructured(svc)
	if err != nil {
		return nil
	}
	return specOf(u)
}

func deploymentSpec(d *appsv1.Deployment) map[string]any {
	u, err := toUnstructured(d)
	if err != nil {
		return nil
	}
	return specOf(u)
}

func sideList(bg *traffic.BlueGreen) string {
	parts := make([]string, len(bg.Sides))
	for i, s := range bg.Sides {
		parts[i] = s.Label()
	}
	return strings.Join(parts, ", ")
}

// objectWarnings warns when a manifest or a GitOps tool will put the
// object back as it was.
func objectWarnings(lbls, ann map[string]string, what string) []rollout.Warning {
	var out []rollout.Warning
	if _, ok := ann[corev1.LastAppliedConfigAnnotation]; ok {
		out = append(out, rollout.Warning{Level: rollout.LevelWarning, Code: "last-applied",
			Message: fmt.Sprintf("the object was created or changed by `kubectl apply`: the next apply of its manifest reverts this %s; update the manifest too", what)})
	}
	if tool := rollout.GitOpsManager(lbls, ann); tool != "" {
		out = append(out, rollout.Warning{Level: rollout.LevelWarning, Code: "gitops",
			Message: fmt.Sprintf("the object is managed by %s: self-heal or the next sync reverts this %s; suspend syncing or change it in Git", tool, what)})
	}
	return out
}
