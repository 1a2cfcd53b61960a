package rollout

import (
	"encoding/json"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// EqualIgnoreHash reports whether two pod templates are equal ignoring the
// pod-template-hash label, exactly as kubectl and the deployment controller
// compare them (semantic equality: nil and empty maps are equal). It does
// not copy the templates: history is computed on every cache change.
func EqualIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	if !labelsEqualIgnoringHash(a.Labels, b.Labels) || !sameImages(&a.Spec, &b.Spec) {
		return false
	}
	am, bm := a.ObjectMeta, b.ObjectMeta
	am.Labels, bm.Labels = nil, nil
	return apiequality.Semantic.DeepEqual(&a.Spec, &b.Spec) && apiequality.Semantic.DeepEqual(&am, &bm)
}

// sameImages is a cheap first test: revisions usually differ by image, and
// comparing strings is far cheaper than a reflective deep comparison.
func sameImages(a, b *corev1.PodSpec) bool {
	if len(a.Containers) != len(b.Containers) || len(a.InitContainers) != len(b.InitContainers) {
		return false
	}
	for i := range a.Containers {
		if a.Containers[i].Image != b.Containers[i].Image {
			return false
		}
	}
	for i := range a.InitContainers {
		if a.InitContainers[i].Image != b.InitContainers[i].Image {
			return false
		}
	}
	return true
}

func labelsEqualIgnoringHash(a, b map[string]string) bool {
	n := 0
	for k, v := range a {
		if k == PodTemplateHashKey {
			continue
		}
		if w, ok := b[k]; !ok || w != v {
			return false
		}
		n++
	}
	for k := range b {
		if k != PodTemplateHashKey {
			n--
		}
	}
	return n == 0
}

// TemplatePatch is the patch the StatefulSet and DaemonSet controllers
// store in a ControllerRevision: {"spec":{"template":{...,"$patch":"replace"}}}
// with keys sorted (a round trip through a map, as the controllers do).
func TemplatePatch(obj any) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	spec, _ := raw["spec"].(map[string]any)
	template, _ := spec["template"].(map[string]any)
	if template == nil {
		return nil, errors.New("object has no spec.template")
	}
	template["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
}

func statefulSetPatch(s *appsv1.StatefulSet) ([]byte, error) { return TemplatePatch(s) }
func daemonSetPatch(d *appsv1.DaemonSet) ([]byte, error)     { return TemplatePatch(d) }

// templateFromRevision applies a ControllerRevision's data to the workload
// and returns the resulting pod template (kubectl's applyRevision).
func templateFromRevision(kind Kind, obj metav1.Object, cr *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	current, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	switch kind {
	case StatefulSet:
		out := &appsv1.StatefulSet{}
		patched, err := strategicpatch.StrategicMergePatch(current, cr.Data.Raw, out)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(patched, out); err != nil {
			return nil, err
		}
		return &out.Spec.Template, nil
	case DaemonSet:
		out := &appsv1.DaemonSet{}
		patched, err := strategicpatch.StrategicMergePatch(current, cr.Data.Raw, out)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(patched, out); err != nil {
			return nil, err
		}
		return &out.Spec.Template, nil
	}
	return nil, fmt.Errorf("kind %s has no controller revisions", kind)
}

func wrapGet(ref Ref, err error) error {
	if apierrors.IsNotFound(err) {
		return &NotFoundError{Ref: ref}
	}
	return fmt.Errorf("reading %s in namespace %q: %w", ref, ref.Namespace, err)
}
