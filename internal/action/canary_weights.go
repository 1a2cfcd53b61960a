package action

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// planWeights plans sending all of a weighted route's traffic to its
// stable backend (weights 100/0) in one JSON patch, after checking the
// stable backend has ready endpoints.
func (t *Traffic) planWeights(ctx context.Context, req *TrafficRequest, want traffic.API, parse func(*unstructured.Unstructured) ([]traffic.Rule, error)) (*TrafficPlan, error) {
	api, u, err := t.readCRD(ctx, want, req.Namespace, req.Name)
	if err != nil {
		return nil, err
	}
	rules, err := parse(u)
	if err != nil {
		return nil, err
	}
	object := strings.ToLower(api.Kind) + "/" + u.GetName()
	wp, err := traffic.PlanWeights(object, rules, req.Stable)
	if err != nil {
		return nil, err
	}
	ref := crdRef(api, u)
	p := &TrafficPlan{Pattern: api.Name + " " + api.Kind, Weights: wp, Object: ref,
		Summary:  fmt.Sprintf("roll back the canary of %s: all traffic to %s, none to %s", object, strings.Join(wp.Stable, ", "), strings.Join(wp.Canary, ", ")),
		Done:     fmt.Sprintf("rolled back the canary of %s: all traffic to %s", object, strings.Join(wp.Stable, ", ")),
		Warnings: objectWarnings(u.GetLabels(), u.GetAnnotations(), "rollback"),
	}
	for _, c := range wp.Changes {
		from := fmt.Sprint(c.From)
		if !c.FromSet {
			from = fmt.Sprintf("unset (%d)", c.From)
		}
		p.Changes = append(p.Changes, fmt.Sprintf("rule %d: %s weight %s → %d", c.Rule+1, c.Backend, from, c.To))
	}
	for _, note := range wp.Untouched {
		p.Warnings = append(p.Warnings, infoNote("untouched", "left as is: "+note))
	}
	if len(wp.Changes) == 0 {
		p.Skip, p.SkipReason = true, fmt.Sprintf("all traffic of %s already goes to %s (%s at weight 0)", object, strings.Join(wp.Stable, ", "), strings.Join(wp.Canary, ", "))
		return p, nil
	}
	if err := t.checkStableBackends(ctx, p, api, u.GetNamespace(), wp.StableBackends); err != nil {
		return nil, err
	}
	ops := make([]map[string]any, 0, len(wp.Changes)+4)
	var expect []Expectation
	for _, c := range wp.Changes {
		// "add" replaces an existing member and also sets an unset weight.
		ops = append(ops, map[string]any{"op": "add", "path": c.Path, "value": c.To})
		expect = append(expect, Expectation{Path: c.Path, Value: c.To})
	}
	ann := req.annotations(map[string]string{CanaryFromAnnotation: weightsText(rules), CanaryAtAnnotation: req.Now.UTC().Format(time.RFC3339)})
	ops = append(ops, annotationOps(u.GetAnnotations(), ann)...)
	step, err := newStep(ref, fmt.Sprintf("set the weights of %s", object), types.JSONPatchType, ops,
		u.GetResourceVersion(), specOf(u), expect...)
	if err != nil {
		return nil, err
	}
	p.Steps = []TrafficStep{step}
	return p, nil
}

// infoNote is an informational plan note.
func infoNote(code, msg string) rollout.Warning {
	return rollout.Warning{Level: rollout.LevelInfo, Code: code, Message: msg}
}

// annotationOps are the JSON patch operations that set annotations
// without dropping the object's other annotations.
func annotationOps(have, set map[string]string) []map[string]any {
	if len(have) == 0 {
		return []map[string]any{{"op": "add", "path": "/metadata/annotations", "value": set}}
	}
	ops := make([]map[string]any, 0, len(set))
	for _, k := range slices.Sorted(maps.Keys(set)) {
		ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations/" + jsonPointerEscape(k), "value": set[k]})
	}
	return ops
}

// readCRD finds which version of an API the cluster serves and reads one
// object of it.
func (t *Traffic) readCRD(ctx context.Context, want traffic.API, ns, name string) (traffic.API, *unstructured.Unstructured, error) {
	api, err := traffic.Lookup(t.Client.Discovery(), want)
	if err != nil {
		return api, nil, t.withAvailable(err)
	}
	dyn, err := t.dynamicFor(api)
	if err != nil {
		return api, nil, err
	}
	u, err := dyn.Resource(api.GVR()).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return api, nil, fmt.Errorf("%s %q not found in namespace %q; list them with kubectl get %s.%s -n %s, or pass -n NAMESPACE",
			strings.ToLower(api.Kind), name, ns, api.Resource, api.Group, ns)
	}
	return api, u, err
}

// withAvailable adds to a "not installed" error which kinds this cluster
// does offer.
func (t *Traffic) withAvailable(err error) error {
	if !errNotInstalled(err) {
		return err
	}
	kinds := []string{"service", "deployment"}
	for _, api := range traffic.KnownAPIs() {
		if _, lerr := traffic.Lookup(t.Client.Discovery(), api); lerr == nil {
			kinds = append(kinds, strings.ToLower(api.Kind))
		}
	}
	return fmt.Errorf("%w; canary rollback in this cluster works on: %s", err, strings.Join(kinds, ", "))
}

func crdRef(api traffic.API, u *unstructured.Unstructured) ObjectRef {
	return ObjectRef{Group: api.Group, Version: api.Version, Resource: api.Resource, Kind: api.Kind,
		Namespace: u.GetNamespace(), Name: u.GetName(), UID: u.GetUID()}
}

// checkStableBackends refuses to send all traffic to a stable Service
// without ready endpoints; backends that are not Services in this cluster
// are noted, not checked.
func (t *Traffic) checkStableBackends(ctx context.Context, p *TrafficPlan, api traffic.API, ns string, stable []traffic.Backend) error {
	object := p.Object.String()
	for _, b := range stable {
		name, svcNS, ok := backendService(api, b, ns)
		if !ok {
			p.Warnings = append(p.Warnings, infoNote("unchecked-backend", fmt.Sprintf("the stable backend %s is not a Service of this cluster: its endpoints were not checked", b.Label())))
			continue
		}
		svc, err := t.serviceExists(ctx, svcNS, name)
		if err != nil {
			return err
		}
		if svc == nil {
			if api.Kind == "HTTPRoute" {
				return &NotReadyError{Object: object, Detail: fmt.Sprintf("its stable backend service/%s does not exist in namespace %s", name, svcNS)}
			}
			p.Warnings = append(p.Warnings, infoNote("unchecked-backend", fmt.Sprintf("host %s is not a Service in namespace %s: its endpoints were not checked", b.Name, svcNS)))
			continue
		}
		eps, err := t.readyEndpoints(ctx, svcNS, name)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("service/%s has %d ready endpoints", name, eps.Ready)
		if b.Subset != "" {
			detail += " (all subsets)"
		}
		p.Checks = append(p.Checks, Check{Name: b.Label() + " ready", OK: eps.Ready > 0, Detail: detail})
		if eps.Ready == 0 {
			return &NotReadyError{Object: object, Detail: fmt.Sprintf("its stable backend service/%s has no ready endpoints (%d not ready): sending it all traffic would fail every request", name, eps.NotReady)}
		}
		if svcNS == ns {
			p.Verify.ReadyServices = append(p.Verify.ReadyServices, name)
		}
	}
	return nil
}

// backendService names the Service a backend sends to, when it is one:
// an HTTPRoute backendRef of kind Service, or an Istio host that is a
// Service name (web, web.prod, web.prod.svc, web.prod.svc.cluster.local).
func backendService(api traffic.API, b traffic.Backend, ns string) (name, svcNS string, ok bool) {
	if api.Kind == "HTTPRoute" {
		if b.Kind != "" && b.Kind != "Service" {
			return "", "", false
		}
		if b.Namespace != "" {
			ns = b.Namespace
		}
		return b.Name, ns, true
	}
	parts := strings.Split(b.Name, ".")
	switch {
	case len(parts) == 1:
		return parts[0], ns, true
	case len(parts) == 2, len(parts) == 3 && parts[2] == "svc", len(parts) > 3 && parts[2] == "svc" && strings.Join(parts[3:], ".") == "cluster.local":
		return parts[0], parts[1], true
	}
	return "", "", false
}
