package traffic

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// CanarySuffix ends the name of a plain canary Deployment ("web-canary").
const CanarySuffix = "-canary"

// TrackLabel with the value "canary" marks a canary Deployment's pods, the
// other common convention.
const TrackLabel = "track"

// Workload is one Deployment behind a Service, with its pods.
type Workload struct {
	Name     string            `json:"name"`
	Desired  int32             `json:"desired"`
	Selector map[string]string `json:"selector"`
	Pods     Pods              `json:"pods"`
}

// PlainCanary is the plain canary pattern: a stable and a canary
// Deployment whose pods the same Service selects, so the canary's share of
// traffic is its share of ready pods.
type PlainCanary struct {
	Service string     `json:"service"`
	Stable  []Workload `json:"stable"`
	Canary  []Workload `json:"canary"`
}

// NoCanaryError says no canary was found, and what was found instead.
type NoCanaryError struct {
	Object string
	Reason string
}

func (e *NoCanaryError) Error() string {
	return fmt.Sprintf("%s has no canary to roll back: %s", e.Object, e.Reason)
}

// IsCanary reports whether a Deployment is a canary by the conventions: its
// name ends in -canary, or its pods are labelled track=canary.
func IsCanary(d *appsv1.Deployment) bool {
	return strings.HasSuffix(d.Name, CanarySuffix) || d.Spec.Template.Labels[TrackLabel] == "canary"
}

// DetectPlainCanary finds the canary and stable Deployments behind svc.
func DetectPlainCanary(svc *corev1.Service, deps []appsv1.Deployment, pods []corev1.Pod) (*PlainCanary, error) {
	object := "service/" + svc.Name
	if len(svc.Spec.Selector) == 0 {
		return nil, &NoCanaryError{Object: object, Reason: "it has no selector (its endpoints are managed by hand)"}
	}
	behind := matching(deps, svc.Spec.Selector)
	pc := &PlainCanary{Service: svc.Name}
	for i := range behind {
		d := &behind[i]
		w := Workload{Name: d.Name, Desired: Replicas(d), Selector: d.Spec.Template.Labels}
		// The pods of this Deployment that the Service selects.
		if d.Spec.Selector != nil {
			w.Selector = d.Spec.Selector.MatchLabels
		}
		w.Pods = CountPods(pods, merge(svc.Spec.Selector, w.Selector))
		if IsCanary(d) {
			pc.Canary = append(pc.Canary, w)
		} else {
			pc.Stable = append(pc.Stable, w)
		}
	}
	switch {
	case len(behind) == 0:
		return nil, &NoCanaryError{Object: object, Reason: fmt.Sprintf("its selector %s matches no deployment's pods", FormatLabels(svc.Spec.Selector))}
	case len(pc.Canary) == 0:
		return nil, &NoCanaryError{Object: object, Reason: fmt.Sprintf("it selects %s, and none is a canary (named *%s or with pods labelled %s=canary)",
			names(behind), CanarySuffix, TrackLabel)}
	case len(pc.Stable) == 0:
		return nil, &NoCanaryError{Object: object, Reason: fmt.Sprintf("it selects only canaries (%s): scaling them to zero would leave it without endpoints", names(behind))}
	}
	return pc, nil
}

func merge(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// Selects reports whether svc's selector matches d's pod template.
func Selects(svc *corev1.Service, d *appsv1.Deployment) bool {
	return len(svc.Spec.Selector) > 0 && len(matching([]appsv1.Deployment{*d}, svc.Spec.Selector)) == 1
}
