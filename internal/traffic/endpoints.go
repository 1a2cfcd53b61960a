package traffic

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Pods counts the pods a selector matches and how many of them a
// Service would list as ready endpoints.
type Pods struct {
	Matched int32 `json:"matched"`
	// Ready pods have the Ready condition, an IP and no deletion
	// timestamp: the endpointslice controller lists exactly these as
	// ready endpoints.
	Ready int32 `json:"ready"`
	// Names are the ready pods' names, sorted.
	Names []string `json:"names"`
}

// CountPods counts the pods matching sel.
func CountPods(pods []corev1.Pod, sel map[string]string) Pods {
	s := labels.SelectorFromSet(sel)
	out := Pods{Names: []string{}}
	for i := range pods {
		p := &pods[i]
		if !s.Matches(labels.Set(p.Labels)) || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		out.Matched++
		if PodReady(p) {
			out.Ready++
			out.Names = append(out.Names, p.Name)
		}
	}
	slices.Sort(out.Names)
	return out
}

// PodReady reports whether a Service would send traffic to p.
func PodReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.PodIP == "" {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Endpoints summarises a Service's EndpointSlices.
type Endpoints struct {
	Ready    int `json:"ready"`
	NotReady int `json:"notReady"`
	// ReadyPods are the pods behind the ready endpoints (by targetRef),
	// sorted; endpoints without a pod reference are only counted.
	ReadyPods []string `json:"readyPods"`
}

// SummarizeEndpoints counts the endpoints of a Service's slices. An
// endpoint listed in several slices (one per address family) counts once.
func SummarizeEndpoints(eps []discoveryv1.EndpointSlice) Endpoints {
	out := Endpoints{ReadyPods: []string{}}
	seen := map[string]bool{}
	for _, s := range eps {
		for _, e := range s.Endpoints {
			key := ""
			if e.TargetRef != nil && e.TargetRef.Kind == "Pod" {
				key = e.TargetRef.Name
			}
			if key != "" {
				if seen[key] {
					continue
				}
				seen[key] = true
			}
			// A nil ready condition means unknown, which consumers must
			// read as ready (discovery.k8s.io/v1).
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				out.Ready++
				if key != "" {
					out.ReadyPods = append(out.ReadyPods, key)
				}
			} else {
				out.NotReady++
			}
		}
	}
	slices.Sort(out.ReadyPods)
	return out
}

// ServiceNameLabel is the label linking an EndpointSlice to its Service.
const ServiceNameLabel = discoveryv1.LabelServiceName
