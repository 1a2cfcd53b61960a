// Package traffic recognises how a Service's traffic is split between
// versions of an application — a blue-green pair of Deployments behind one
// Service, a plain canary Deployment beside the stable one, weighted
// backends of a Gateway API HTTPRoute or an Istio VirtualService, an Argo
// Rollout — and how ready each side is. It works on objects already read
// (from listers or the API) and never talks to the cluster itself, except
// for discovery of which traffic APIs a cluster serves.
package traffic

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// SlotKeys are the labels that name the side of a blue-green pair, in the
// order they are tried.
func SlotKeys() []string { return []string{"slot", "color", "version"} }

// Side is one side of a blue-green pair: the Deployments whose pods carry
// one value of the slot label.
type Side struct {
	Value       string   `json:"value"`
	Deployments []string `json:"deployments"`
	// Selector is the Service's selector with the slot label set to this
	// side: what the Service selects once it points here.
	Selector map[string]string `json:"selector"`
	// Desired is the sum of the Deployments' replicas.
	Desired int32 `json:"desired"`
	Pods    Pods  `json:"pods"`
}

// Label is "blue (web-blue)".
func (s Side) Label() string {
	return fmt.Sprintf("%s (%s)", s.Value, strings.Join(s.Deployments, ", "))
}

// BlueGreen is a Service choosing between sides by one selector label.
type BlueGreen struct {
	Service string `json:"service"`
	// Key is the slot label; Live is the value the Service selects now.
	Key   string `json:"key"`
	Live  string `json:"live"`
	Sides []Side `json:"sides"`
}

// Side returns the side with value v.
func (bg *BlueGreen) Side(v string) (*Side, bool) {
	for i := range bg.Sides {
		if bg.Sides[i].Value == v {
			return &bg.Sides[i], true
		}
	}
	return nil, false
}

// Other is the side that is not live, when there are exactly two.
func (bg *BlueGreen) Other() (string, bool) {
	if len(bg.Sides) != 2 {
		return "", false
	}
	for _, s := range bg.Sides {
		if s.Value != bg.Live {
			return s.Value, true
		}
	}
	return "", false
}

// Values lists the sides' values in order.
func (bg *BlueGreen) Values() []string {
	out := make([]string, len(bg.Sides))
	for i, s := range bg.Sides {
		out[i] = s.Value
	}
	return out
}

// NoPairError says a Service is not a blue-green switch, and what was
// found instead.
type NoPairError struct {
	Service string
	Reason  string
}

func (e *NoPairError) Error() string {
	return fmt.Sprintf("service/%s is not a blue-green pair: %s", e.Service, e.Reason)
}

// DetectBlueGreen finds the blue-green pair behind svc among the
// namespace's Deployments and pods. key names the slot label; "" tries
// SlotKeys. A pair is two or more Deployments whose pod templates match
// the Service's selector except for the slot label, with different values
// of it, one of which the Service selects now.
func DetectBlueGreen(svc *corev1.Service, deps []appsv1.Deployment, pods []corev1.Pod, key string) (*BlueGreen, error) {
	sel := svc.Spec.Selector
	if len(sel) == 0 {
		return nil, &NoPairError{Service: svc.Name, Reason: "it has no selector (its endpoints are managed by hand)"}
	}
	keys := SlotKeys()
	if key != "" {
		keys = []string{key}
	}
	present := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { _, ok := sel[k]; return !ok })
	if len(present) == 0 {
		return nil, &NoPairError{Service: svc.Name, Reason: fmt.Sprintf("its selector %s has no slot label (%s); deployments it selects: %s",
			FormatLabels(sel), orList(keys), names(matching(deps, sel)))}
	}
	var found []string
	for _, k := range present {
		base := maps.Clone(sel)
		delete(base, k)
		bySide := map[string][]appsv1.Deployment{}
		for _, d := range matching(deps, base) {
			if v, ok := d.Spec.Template.Labels[k]; ok {
				bySide[v] = append(bySide[v], d)
			}
		}
		if len(bySide[sel[k]]) > 0 && len(bySide) >= 2 {
			return newBlueGreen(svc, k, bySide, pods), nil
		}
		found = append(found, describeSides(k, sel[k], bySide, base))
	}
	return nil, &NoPairError{Service: svc.Name, Reason: strings.Join(found, "; ")}
}

func newBlueGreen(svc *corev1.Service, key string, bySide map[string][]appsv1.Deployment, pods []corev1.Pod) *BlueGreen {
	bg := &BlueGreen{Service: svc.Name, Key: key, Live: svc.Spec.Selector[key]}
	for _, v := range slices.Sorted(maps.Keys(bySide)) {
		s := Side{Value: v, Selector: maps.Clone(svc.Spec.Selector)}
		s.Selector[key] = v
		for _, d := range bySide[v] {
			s.Deployments = append(s.Deployments, d.Name)
			s.Desired += Replicas(&d)
		}
		s.Pods = CountPods(pods, s.Selector)
		bg.Sides = append(bg.Sides, s)
	}
	return bg
}

// describeSides says what one slot key found when it found no pair.
func describeSides(key, live string, bySide map[string][]appsv1.Deployment, base map[string]string) string {
	if len(bySide) == 0 {
		return fmt.Sprintf("no deployment's pods match %s with a %s label", FormatLabels(base), key)
	}
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(bySide)) {
		parts = append(parts, fmt.Sprintf("%s=%s (%s)", key, v, names(bySide[v])))
	}
	if len(bySide[live]) == 0 {
		return fmt.Sprintf("it selects %s=%s, which no deployment's pods carry; found %s", key, live, strings.Join(parts, ", "))
	}
	return fmt.Sprintf("it selects %s=%s and no other deployment differs from it only by %s; found %s", key, live, key, strings.Join(parts, ", "))
}

// matching returns the Deployments whose pod template labels satisfy sel.
func matching(deps []appsv1.Deployment, sel map[string]string) []appsv1.Deployment {
	s := labels.SelectorFromSet(sel)
	var out []appsv1.Deployment
	for _, d := range deps {
		if s.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func names(deps []appsv1.Deployment) string {
	if len(deps) == 0 {
		return "none"
	}
	out := make([]string, len(deps))
	for i, d := range deps {
		out[i] = d.Name
	}
	return strings.Join(out, ", ")
}

func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Replicas is a Deployment's desired replicas (1 when unset, as the API
// defaults it).
func Replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// FormatLabels prints a label set sorted, as kubectl does: "app=web,slot=blue".
func FormatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	return labels.SelectorFromSet(m).String()
}
