package traffic

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Argo Rollouts' names for a ReplicaSet's template hash and revision.
const (
	RolloutHashLabel          = "rollouts-pod-template-hash"
	RolloutRevisionAnnotation = "rollout.argoproj.io/revision"
)

// Rollout is what a canary rollback needs of an Argo Rollout.
type Rollout struct {
	Name string    `json:"name"`
	UID  types.UID `json:"uid"`
	// Strategy is "canary" or "blueGreen".
	Strategy string `json:"strategy"`
	// StableRS is the template hash of the stable ReplicaSet; CurrentPodHash
	// that of the ReplicaSet the rollout is moving to.
	StableRS       string `json:"stableRS"`
	CurrentPodHash string `json:"currentPodHash"`
	// Aborted is status.abort.
	Aborted bool `json:"aborted"`
	// Template is nil when the Rollout takes its pods from a Deployment
	// (spec.workloadRef).
	Template    *corev1.PodTemplateSpec `json:"-"`
	WorkloadRef string                  `json:"workloadRef"`
	Selector    *metav1.LabelSelector   `json:"-"`
	// StableService is the Service that carries the stable pods' traffic
	// (canary.stableService, or blueGreen.activeService); "" when unset.
	StableService string `json:"stableService"`
}

// ParseRollout reads an argoproj.io/v1alpha1 Rollout.
func ParseRollout(u *unstructured.Unstructured) (*Rollout, error) {
	ro := &Rollout{Name: u.GetName(), UID: u.GetUID()}
	ro.StableRS, _, _ = unstructured.NestedString(u.Object, "status", "stableRS")
	ro.CurrentPodHash, _, _ = unstructured.NestedString(u.Object, "status", "currentPodHash")
	ro.Aborted, _, _ = unstructured.NestedBool(u.Object, "status", "abort")
	for _, s := range []string{"canary", "blueGreen"} {
		if _, ok, _ := unstructured.NestedMap(u.Object, "spec", "strategy", s); ok {
			ro.Strategy = s
		}
	}
	switch ro.Strategy {
	case "canary":
		ro.StableService, _, _ = unstructured.NestedString(u.Object, "spec", "strategy", "canary", "stableService")
	case "blueGreen":
		ro.StableService, _, _ = unstructured.NestedString(u.Object, "spec", "strategy", "blueGreen", "activeService")
	}
	if ref, ok, _ := unstructured.NestedMap(u.Object, "spec", "workloadRef"); ok {
		ro.WorkloadRef = fmt.Sprintf("%v/%v", ref["kind"], ref["name"])
	}
	if m, ok, _ := unstructured.NestedMap(u.Object, "spec", "selector"); ok {
		sel := &metav1.LabelSelector{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, sel); err != nil {
			return nil, fmt.Errorf("rollout/%s: spec.selector: %w", u.GetName(), err)
		}
		ro.Selector = sel
	}
	if m, ok, _ := unstructured.NestedMap(u.Object, "spec", "template"); ok && ro.WorkloadRef == "" {
		t := &corev1.PodTemplateSpec{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, t); err != nil {
			return nil, fmt.Errorf("rollout/%s: spec.template: %w", u.GetName(), err)
		}
		ro.Template = t
	}
	return ro, nil
}

// Revision is a ReplicaSet's Argo revision number ("?" when unset).
func Revision(rs *appsv1.ReplicaSet) string {
	if v := rs.Annotations[RolloutRevisionAnnotation]; v != "" {
		return v
	}
	return "?"
}

// StableReplicaSet finds the Rollout's stable ReplicaSet: owned by it
// (controller reference) and carrying the stable template hash.
func StableReplicaSet(ro *Rollout, rss []appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	if ro.StableRS == "" {
		return nil, &NoCanaryError{Object: "rollout/" + ro.Name, Reason: "it records no stable revision (status.stableRS is empty): it has never completed a rollout"}
	}
	for i := range rss {
		rs := &rss[i]
		ref := metav1.GetControllerOf(rs)
		if ref != nil && ref.UID == ro.UID && rs.Labels[RolloutHashLabel] == ro.StableRS {
			return rs, nil
		}
	}
	return nil, fmt.Errorf("rollout/%s: its stable ReplicaSet (%s=%s) is not in the namespace any more", ro.Name, RolloutHashLabel, ro.StableRS)
}

// EqualIgnoreHash compares a Rollout's template with a ReplicaSet's as
// Argo's undo does: without the hash label, fields unset in the Rollout's
// template ignored.
func EqualIgnoreHash(rollout, rs *corev1.PodTemplateSpec) bool {
	a, b := rollout.DeepCopy(), rs.DeepCopy()
	delete(a.Labels, RolloutHashLabel)
	delete(b.Labels, RolloutHashLabel)
	return apiequality.Semantic.DeepDerivative(a, b)
}

// StableTemplate is the stable ReplicaSet's template as the Rollout gets
// it back: without the hash label (Argo's undo).
func StableTemplate(rs *appsv1.ReplicaSet) *corev1.PodTemplateSpec {
	t := rs.Spec.Template.DeepCopy()
	delete(t.Labels, RolloutHashLabel)
	return t
}
