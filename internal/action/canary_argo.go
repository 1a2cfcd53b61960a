package action

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// planArgo plans rolling back an Argo Rollout's canary as its kubectl
// plugin does: abort (status.abort=true on the status subresource, so
// the controller sends the traffic back to the stable ReplicaSet and
// scales the canary down), then undo to the stable revision (spec.template
// becomes the stable ReplicaSet's template without its hash label), so the
// rollout does not start the canary again once the abort is cleared.
func (t *Traffic) planArgo(ctx context.Context, req *TrafficRequest) (*TrafficPlan, error) {
	api, u, err := t.readCRD(ctx, traffic.Rollouts(), req.Namespace, req.Name)
	if err != nil {
		return nil, err
	}
	ro, err := traffic.ParseRollout(u)
	if err != nil {
		return nil, err
	}
	opts := metav1.ListOptions{}
	if ro.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(ro.Selector)
		if err != nil {
			return nil, fmt.Errorf("rollout/%s: spec.selector: %w", ro.Name, err)
		}
		opts.LabelSelector = sel.String()
	}
	list, err := t.Client.AppsV1().ReplicaSets(req.Namespace).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	stable, err := traffic.StableReplicaSet(ro, list.Items)
	if err != nil {
		return nil, err
	}
	object := "rollout/" + ro.Name
	current := replicaSetByHash(list.Items, ro.CurrentPodHash)
	p := &TrafficPlan{Pattern: "Argo Rollout", Rollout: ro, Object: crdRef(api, u),
		Warnings: objectWarnings(u.GetLabels(), u.GetAnnotations(), "rollback")}
	stableName := fmt.Sprintf("stable revision %s (%s)", traffic.Revision(stable), stable.Name)
	templateStable := ro.Template == nil || traffic.EqualIgnoreHash(ro.Template, &stable.Spec.Template)
	progressing := ro.CurrentPodHash != "" && ro.CurrentPodHash != ro.StableRS
	if ro.WorkloadRef != "" {
		p.Warnings = append(p.Warnings, rollout.Warning{Level: rollout.LevelWarning, Code: "workload-ref",
			Message: fmt.Sprintf("the rollout takes its pod template from %s: mayday aborts it but cannot undo its template; roll that workload back too", ro.WorkloadRef)})
	}
	if templateStable && (!progressing || ro.Aborted) {
		p.Skip, p.SkipReason = true, fmt.Sprintf("%s is not rolling out a canary: it runs its %s", object, stableName)
		if ro.Aborted {
			p.SkipReason = fmt.Sprintf("%s is already aborted and its template is its %s", object, stableName)
		}
		return p, nil
	}
	p.Summary = fmt.Sprintf("roll back the canary of %s: abort it, then undo to its %s", object, stableName)
	p.Done = fmt.Sprintf("rolled back the canary of %s to its %s", object, stableName)
	ref := p.Object
	// The undo is guarded by the version the abort leaves (""), or by the
	// planned one when there is no abort to send.
	rv := ""
	if !ro.Aborted {
		sub := ""
		if api.Status {
			sub = "status"
		}
		step, err := newStep(ref, fmt.Sprintf("abort %s (status.abort=true)", object), types.MergePatchType,
			map[string]any{"status": map[string]any{"abort": true}}, u.GetResourceVersion(), specOf(u),
			Expectation{Path: "/status/abort", Value: true})
		if err != nil {
			return nil, err
		}
		step.Subresource, step.handedOver = sub, true
		p.Steps = append(p.Steps, step)
		p.Changes = append(p.Changes, "status.abort: false → true (the controller sends all traffic to the stable ReplicaSet and scales the canary down)")
	} else {
		p.Changes = append(p.Changes, "status.abort is already true")
		rv = u.GetResourceVersion()
	}
	from := "revision ?"
	if current != nil {
		from = fmt.Sprintf("revision %s (%s)", traffic.Revision(current), current.Name)
	}
	ann := req.annotations(map[string]string{CanaryFromAnnotation: from, CanaryAtAnnotation: req.Now.UTC().Format(time.RFC3339)})
	ops := annotationOps(u.GetAnnotations(), ann)
	var expect []Expectation
	description := "record who rolled back and why on " + object
	if !templateStable {
		tmpl := traffic.StableTemplate(stable)
		value, err := runtime.DefaultUnstructuredConverter.ToUnstructured(tmpl)
		if err != nil {
			return nil, err
		}
		ops = append([]map[string]any{{"op": "replace", "path": "/spec/template", "value": value}}, ops...)
		expect = append(expect, Expectation{Path: "/spec/template", Value: value})
		description = fmt.Sprintf("undo %s to its %s (spec.template)", object, stableName)
		p.Changes = append(p.Changes, fmt.Sprintf("spec.template: %s → %s", from, stableName))
		for _, c := range rollout.DiffTemplates(ro.Template, tmpl).Summary {
			p.Changes = append(p.Changes, "  "+c.String())
		}
	}
	step, err := newStep(ref, description, types.JSONPatchType, ops, rv, specOf(u), expect...)
	if err != nil {
		return nil, err
	}
	p.Steps = append(p.Steps, step)
	if ro.StableService != "" {
		p.Verify.ReadyServices = []string{ro.StableService}
	}
	p.Verify.ArgoStable = ro.StableRS
	return p, nil
}

func replicaSetByHash(rss []appsv1.ReplicaSet, hash string) *appsv1.ReplicaSet {
	if hash == "" {
		return nil
	}
	for i := range rss {
		if rss[i].Labels[traffic.RolloutHashLabel] == hash {
			return &rss[i]
		}
	}
	return nil
}
